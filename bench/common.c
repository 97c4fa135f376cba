/*
 * common.c - fatal errors, the timer and the host functions of common.h.
 */
#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("tconv-bench: error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  return -1;
}

/* ---- timer ---------------------------------------------------------------------------- */

#define FLUSH_MIN_BYTES ((size_t)32 << 20)

int bench_timer_create(bench_timer *t, tconv_context *ctx, int warmup, int reps, size_t l2_bytes) {
  memset(t, 0, sizeof *t);
  t->ctx = ctx;
  t->stream = (cudaStream_t)tconv_context_stream(ctx);
  t->warmup = warmup;
  t->reps = reps;
  const size_t flush_bytes = 2 * l2_bytes > FLUSH_MIN_BYTES ? 2 * l2_bytes : FLUSH_MIN_BYTES;
  BENCH_TCONV(ctx, tconv_buffer_create(ctx, flush_bytes, &t->flush));
  t->start = calloc((size_t)reps, sizeof *t->start);
  t->stop = calloc((size_t)reps, sizeof *t->stop);
  t->ms = calloc((size_t)reps, sizeof *t->ms);
  if (t->start == NULL || t->stop == NULL || t->ms == NULL)
    return bench_fail("out of host memory for %d timing events", reps);
  for (int r = 0; r < reps; ++r) {
    BENCH_CUDA(cudaEventCreate(&t->start[r]));
    BENCH_CUDA(cudaEventCreate(&t->stop[r]));
  }
  return 0;
}

void bench_timer_destroy(bench_timer *t) {
  for (int r = 0; r < t->reps; ++r) {
    if (t->start != NULL && t->start[r] != NULL)
      cudaEventDestroy(t->start[r]);
    if (t->stop != NULL && t->stop[r] != NULL)
      cudaEventDestroy(t->stop[r]);
  }
  free(t->start);
  free(t->stop);
  free(t->ms);
  tconv_buffer_destroy(t->flush);
  memset(t, 0, sizeof *t);
}

static int compare_float(const void *a, const void *b) {
  const float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

int bench_time(bench_timer *t, int flush, bench_work_fn work, void *arg, double *median_ms,
               char *why, size_t why_size) {
  int rc = 0;
  for (int r = 0; r < t->warmup; ++r)
    if ((rc = work(arg, why, why_size)) != 0)
      return rc;
  for (int r = 0; r < t->reps; ++r) {
    if (flush)
      BENCH_CUDA(cudaMemsetAsync(tconv_buffer_data(t->flush), r & 0xff, tconv_buffer_size(t->flush),
                                 t->stream));
    BENCH_CUDA(cudaEventRecord(t->start[r], t->stream));
    if ((rc = work(arg, why, why_size)) != 0)
      return rc;
    BENCH_CUDA(cudaEventRecord(t->stop[r], t->stream));
  }
  BENCH_CUDA(cudaStreamSynchronize(t->stream));
  for (int r = 0; r < t->reps; ++r)
    BENCH_CUDA(cudaEventElapsedTime(&t->ms[r], t->start[r], t->stop[r]));
  qsort(t->ms, (size_t)t->reps, sizeof *t->ms, compare_float);
  const int mid = t->reps / 2;
  *median_ms =
      t->reps % 2 != 0 ? (double)t->ms[mid] : 0.5 * ((double)t->ms[mid - 1] + (double)t->ms[mid]);
  return 0;
}

/* ---- host functions ------------------------------------------------------------------- */

#define BENCH_SEED UINT64_C(0x7c0e5a1d2b3f4961)
#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* SplitMix64's output function: a bijective mix of a counter. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void bench_random_fill(float *data, int64_t n, uint64_t stream) {
  uint64_t state = mix64(BENCH_SEED + stream * GOLDEN_GAMMA);
  for (int64_t i = 0; i < n; ++i) {
    state += GOLDEN_GAMMA;
    /* The top 24 bits: every value is exact in a float. */
    data[i] = (float)(mix64(state) >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
}

double bench_max_rel_error(const float *a, const float *ref, int64_t n) {
  double diff = 0.0, scale = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double r = ref[i], v = a[i];
    if (!isfinite(v) && isfinite(r))
      return INFINITY;
    const double d = fabs(v - r);
    if (d > diff)
      diff = d;
    if (fabs(r) > scale)
      scale = fabs(r);
  }
  return scale > 0.0 ? diff / scale : diff;
}

void bench_format_bytes(double bytes, char *out, size_t out_size) {
  if (bytes <= 0.0)
    snprintf(out, out_size, "0");
  else if (bytes < 1024.0)
    snprintf(out, out_size, "%.0f B", bytes);
  else if (bytes < BENCH_MIB)
    snprintf(out, out_size, "%.1f KiB", bytes / 1024.0);
  else if (bytes < 1024.0 * BENCH_MIB)
    snprintf(out, out_size, "%.1f MiB", bytes / BENCH_MIB);
  else
    snprintf(out, out_size, "%.2f GiB", bytes / (1024.0 * BENCH_MIB));
}
