/*
 * internal.h - what the library's host files share and the public header hides: the
 * context and buffer structs, error recording, and checked 64-bit arithmetic.
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
  tconv_backend backend; /* CPU or CUDA, never AUTO */
  int device;            /* CUDA device index; 0 on the CPU backend */
  void *stream;          /* cudaStream_t; NULL = default stream */
  void *cublas;          /* cublasHandle_t, made on first use by the GEMM algorithm */
  int threads;           /* threads of the CPU algorithms (tconv_context_set_threads) */
  tconv_cpu_state *cpu;  /* their thread team and scratch memory, made on first use */
  int verify;            /* verify mode on */
  double verify_tolerance;
  struct {               /* test hook (tconv_test_plant): the next forward call's y[index]
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
tconv_status tconv_failv(tconv_context *ctx, tconv_status status, const char *format,
                         va_list args);
/* Clears ctx's last error (at the start of every call that takes a context). */
void tconv_clear_error(tconv_context *ctx);

/* Verify mode (host/verify.c). Called by the forward entry points after the computation
 * with the validated problem and the tensors' data pointers (device pointers on CUDA):
 * applies an armed plant, then, when ctx->verify is on, synchronizes, recomputes on the
 * host and compares; returns OK or VERIFY_MISMATCH (or the status of a failing copy or
 * allocation) with the sentence in the last error. */
tconv_status tconv_verify_forward(tconv_context *ctx, const tconv_problem *problem,
                                  const float *x, const float *w, const float *bias, float *y);

/* Test-only hook, not exported from the shared library: the next forward call on ctx writes
 * `value` to y[index] after computing, before verification (a planted wrong result).
 * index must be < y's element count at that call, else the plant is dropped. */
void tconv_test_plant(tconv_context *ctx, int64_t index, float value);

/* Returns OK with the element pointer of a validated tensor; for the forward calls. */
static inline float *tconv_tensor_data(const tconv_tensor *t) {
  return (float *)((char *)t->buffer->data + t->offset);
}

#ifdef __cplusplus
}
#endif

#endif /* TCONV_INTERNAL_H */
