/*
 * common.h - what every part of the benchmark shares: fatal errors, check macros for the
 * CUDA runtime, the timer (CUDA events around each repetition, L2 flushed in between, median)
 * and small host functions (seeded random data, the error metric, byte counts).
 *
 * Error convention: a function returns 0 on success and -1 on a fatal error, which it has
 * already reported as "tconv-bench: error: ..." on stderr (bench_last_failure() keeps the
 * sentence); the layer it happened in is reported as failed and the run goes on with the
 * next. Work that one tconv algorithm refuses or fails is not fatal: it returns 1 with the
 * reason in a caller's buffer, and the benchmark reports it in that algorithm's row.
 */
#ifndef TCONV_BENCH_COMMON_H
#define TCONV_BENCH_COMMON_H

#include "tconv.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BENCH_PRINTF(f, a)
#endif

#define BENCH_MIB (1024.0 * 1024.0)

/* Prints "tconv-bench: error: <message>" on stderr and keeps the message; returns -1. */
int bench_fail(const char *format, ...) BENCH_PRINTF(1, 2);
/* The last message bench_fail() printed ("" before any). */
const char *bench_last_failure(void);

/* Returns from the calling function with bench_fail() when a CUDA runtime call fails. */
#define BENCH_CUDA(call)                                                                           \
  do {                                                                                             \
    const cudaError_t bench_cuda_error_ = (call);                                                  \
    if (bench_cuda_error_ != cudaSuccess)                                                          \
      return bench_fail("%s:%d: %s: %s (%s)", __FILE__, __LINE__, #call,                           \
                        cudaGetErrorString(bench_cuda_error_),                                     \
                        cudaGetErrorName(bench_cuda_error_));                                      \
  } while (0)

/* Likewise for a tconv call, with the context's sentence. */
#define BENCH_TCONV(ctx, call)                                                                     \
  do {                                                                                             \
    const tconv_status bench_tconv_status_ = (call);                                               \
    if (bench_tconv_status_ != TCONV_STATUS_OK)                                                    \
      return bench_fail("%s:%d: %s: %s: %s", __FILE__, __LINE__, #call,                            \
                        tconv_status_name(bench_tconv_status_), tconv_context_last_error(ctx));    \
  } while (0)

/* Enqueues one repetition of the measured work on the timer's stream. Returns 0; 1 when the
 * work was refused or failed (reason in why, not fatal); -1 on a fatal error (reported). */
typedef int (*bench_work_fn)(void *arg, char *why, size_t why_size);

/* The timing rules: at least WARMUP_MS of untimed runs before each series, then per
 * repetition the L2 flushed by reading a buffer of twice its size (cuBLAS's Sasum: reads
 * only, so no dirty line is written back inside the timed region), events around the work,
 * and the host time spent enqueueing it. */
#define BENCH_WARMUP_MS 20.0

typedef struct bench_timer {
  tconv_context *ctx;
  cudaStream_t stream;
  cublasHandle_t blas; /* the flush's reader, on the timer's stream */
  tconv_buffer *flush; /* 2 x L2 (at least 32 MiB) of floats, written once at creation */
  float *flush_sum;    /* the read's one-float result (device memory) */
  int reps;
  cudaEvent_t *start, *stop; /* reps of each */
  float *ms;                 /* reps */
  double *host_ms;           /* reps: host time of each enqueue of the work */
} bench_timer;

/* What one timed series gives. */
typedef struct bench_timing {
  double ms;       /* median event time of the repetitions */
  double host_ms;  /* median host time to enqueue one repetition */
  int warmup_runs; /* untimed runs before them (>= BENCH_WARMUP_MS of device time) */
  double warmup_ms;
} bench_timing;

/* A timer for `reps` repetitions on ctx's stream, flushing by reading 2 * l2_bytes. */
int bench_timer_create(bench_timer *t, tconv_context *ctx, int reps, size_t l2_bytes);
void bench_timer_destroy(bench_timer *t);
/* Warm-up, then per repetition: flush the L2 (when `flush`, outside the events), the start
 * event, the work (its enqueue timed on the host), the stop event; one synchronisation at
 * the end. Returns as the work does. */
int bench_time(bench_timer *t, int flush, bench_work_fn work, void *arg, bench_timing *timing,
               char *why, size_t why_size);

/* Fills n floats with uniform values in [-1, 1) from a fixed-seed generator; `stream`
 * selects an independent sequence (x, w, ...), so results do not depend on the order. */
void bench_random_fill(float *data, int64_t n, uint64_t stream);

/* "0", "512 B", "3.5 MiB", "1.2 GiB". */
void bench_format_bytes(double bytes, char *out, size_t out_size);

#endif /* TCONV_BENCH_COMMON_H */
