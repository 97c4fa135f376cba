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

struct tconv_context {
  tconv_backend backend; /* CPU or CUDA, never AUTO */
  int device;            /* CUDA device index; 0 on the CPU backend */
  void *stream;          /* cudaStream_t; NULL = default stream */
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

/* Returns OK with the element pointer of a validated tensor; for the forward calls. */
static inline float *tconv_tensor_data(const tconv_tensor *t) {
  return (float *)((char *)t->buffer->data + t->offset);
}

#ifdef __cplusplus
}
#endif

#endif /* TCONV_INTERNAL_H */
