/*
 * internal.h - what the library's host files share and the public header hides: the
 * context and buffer structs, error recording, the enum tables sentences list values from
 * (host/names.c), verify mode's entry point and the test-only hooks. The resolved problem
 * and checked 64-bit arithmetic are in problem.h, which this header includes.
 */
#ifndef TCONV_INTERNAL_H
#define TCONV_INTERNAL_H

#include "tconv.h"
#include "problem.h"

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TCONV_ERROR_CAPACITY 512

/* One tconv_find_algo() winner, remembered per problem. */
typedef struct tconv_algo_cache_entry {
  tconv_problem problem; /* the key: op, shapes and resolved parameters */
  tconv_algo algo;
  size_t workspace_bytes;
} tconv_algo_cache_entry;

#define TCONV_ALGO_CACHE_CAPACITY 64

typedef struct tconv_cpu_state tconv_cpu_state;

struct tconv_context {
  tconv_backend backend;         /* CPU or CUDA, never AUTO */
  int device;                    /* CUDA device index; 0 on the CPU backend */
  void *stream;                  /* cudaStream_t; NULL = default stream */
  int stream_ordered;            /* CUDA memory is allocated and freed in the order of `stream` */
  void *cublas;                  /* cublasHandle_t, made with the context */
  void *cublas_workspace;        /* the handle's own device memory (cublasSetWorkspace), of */
  size_t cublas_workspace_bytes; /* this many bytes */
  int threads;                   /* threads of the CPU algorithms (tconv_context_set_threads) */
  tconv_cpu_state *cpu;          /* their thread team and scratch memory, made on first use */
  int verify;                    /* verify mode on */
  double verify_tolerance;
  struct { /* test hook (tconv_test_plant): the next forward call's y[index]
              becomes value before verification */
    int armed;
    int64_t index;
    float value;
  } plant;
  tconv_algo_cache_entry cache[TCONV_ALGO_CACHE_CAPACITY];
  int cache_count, cache_next; /* entries used; where the next new one goes (round robin) */
  char last_error[TCONV_ERROR_CAPACITY];
};

struct tconv_buffer {
  tconv_context *ctx; /* owner; the buffer is only valid with it */
  void *data;         /* host (CPU) or device (CUDA) memory */
  size_t bytes;
  int owned; /* 1: allocated here and freed by destroy; 0: wrapped */
};

/* Records the sentence (printf format) as the last error of ctx (may be NULL) and of the
 * calling thread, and returns status, so that checks read `return tconv_fail(...)`. */
tconv_status tconv_fail(tconv_context *ctx, tconv_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
tconv_status tconv_failv(tconv_context *ctx, tconv_status status, const char *format, va_list args);
/* Clears ctx's last error (at the start of every call that takes a context). */
void tconv_clear_error(tconv_context *ctx);

/* The values of one public enum, made from its X-macro list in tconv.h (host/names.c). */
typedef struct tconv_enum_names {
  const char *type;             /* "auto_pad": the type's tconv_ suffix, as sentences say it */
  int count;                    /* the values are 0 .. count - 1 */
  const char *const *names;     /* "same_upper": what tconv_<type>_name() gives */
  const char *const *constants; /* "SAME_UPPER": the constants without their prefix */
} tconv_enum_names;

extern const tconv_enum_names tconv_backend_names, tconv_dtype_names, tconv_layout_names,
    tconv_auto_pad_names, tconv_output_size_rule_names, tconv_padding_mode_names, tconv_math_names,
    tconv_activation_names, tconv_algo_names;

#define TCONV_ENUM_LIST_CAPACITY 256

/* e's name of value, or NULL when value is out of range. */
const char *tconv_enum_name(const tconv_enum_names *e, int value);
/* Writes every value of e to buf (up to size bytes) and returns buf: "notset, valid,
 * same_upper or same_lower", or with constants != 0 "NOTSET (0), VALID (1), SAME_UPPER (2)
 * or SAME_LOWER (3)". */
const char *tconv_enum_list(const tconv_enum_names *e, int constants, char *buf, size_t size);
/* The value of e named `name` into *value; INVALID_ARGUMENT naming the valid names (or the
 * NULL argument: `name`, or the out-parameter when no_value) otherwise. Thread's last error. */
tconv_status tconv_enum_from_name(const tconv_enum_names *e, const char *name, int no_value,
                                  int *value);
/* OK when value is one of e's; else INVALID_ARGUMENT with "<label>: <type> <value> is not
 * <the constants>". */
tconv_status tconv_check_enum(tconv_context *ctx, const tconv_enum_names *e, const char *label,
                              int value);

/* Verify mode (host/verify.c). Called by the forward entry points after the computation
 * with the validated problem and the tensors' data pointers (device pointers on CUDA):
 * applies an armed plant, then, when ctx->verify is on, synchronizes, recomputes on the
 * host and compares; returns OK or VERIFY_MISMATCH (or the status of a failing copy or
 * allocation) with the sentence in the last error. */
tconv_status tconv_verify_forward(tconv_context *ctx, const tconv_problem *problem, const void *x,
                                  const void *w, const void *bias, void *y);

/* Test-only hook, not exported from the shared library: the next forward call on ctx writes
 * `value` (rounded to y's dtype) to y[index] (memory order) after computing, before
 * verification (a planted wrong result). index must be < y's element count at that call,
 * else the plant is dropped. */
void tconv_test_plant(tconv_context *ctx, int64_t index, float value);

/* Test-only hook, not exported: on a CUDA context, runs a kernel that stores to an address
 * no allocation has and waits for it, so that the device faults (a sticky error: the device
 * is lost to the process) and returns the status the library reports for it, DEVICE_LOST.
 * Only for a child process that exits afterwards. */
tconv_status tconv_test_cuda_fault(tconv_context *ctx);

/* The address of element 0 of a validated tensor (a device pointer on CUDA), typed float *
 * whatever its dtype; for the forward calls. */
static inline float *tconv_tensor_data(const tconv_tensor *t) {
  return (float *)((char *)t->buffer->data + t->offset);
}

#ifdef __cplusplus
}
#endif

#endif /* TCONV_INTERNAL_H */
