/*
 * common.c - fatal errors, the timer and the host functions of common.h.
 */
#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char last_failure[1024];

int bench_fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_failure, sizeof last_failure, format, args);
  va_end(args);
  fprintf(stderr, "tconv-bench: error: %s\n", last_failure);
  return -1;
}

const char *bench_last_failure(void) { return last_failure; }

/* ---- timer ---------------------------------------------------------------------------- */

#define FLUSH_MIN_BYTES ((size_t)32 << 20)
#define WARMUP_MAX_RUNS 100000 /* a 20 ms warm-up of 1 us kernels; a bound, not a target */
#define WARMUP_MAX_BATCH 1000

int bench_timer_create(bench_timer *t, tconv_context *ctx, int reps, size_t l2_bytes) {
  memset(t, 0, sizeof *t);
  t->ctx = ctx;
  t->stream = (cudaStream_t)tconv_context_stream(ctx);
  t->reps = reps;
  const size_t flush_bytes = 2 * l2_bytes > FLUSH_MIN_BYTES ? 2 * l2_bytes : FLUSH_MIN_BYTES;
  BENCH_TCONV(ctx, tconv_buffer_create(ctx, flush_bytes, &t->flush));
  BENCH_CUDA(cudaMemsetAsync(tconv_buffer_data(t->flush), 0, flush_bytes, t->stream));
  BENCH_CUDA(cudaMalloc((void **)&t->flush_sum, sizeof(float)));
  cublasStatus_t status = cublasCreate(&t->blas);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasSetStream(t->blas, t->stream);
  if (status == CUBLAS_STATUS_SUCCESS) /* the sum stays on the device: no synchronisation */
    status = cublasSetPointerMode(t->blas, CUBLAS_POINTER_MODE_DEVICE);
  if (status != CUBLAS_STATUS_SUCCESS)
    return bench_fail("cuBLAS for the L2 flush: %s", cublasGetStatusString(status));
  t->start = calloc((size_t)reps, sizeof *t->start);
  t->stop = calloc((size_t)reps, sizeof *t->stop);
  t->ms = calloc((size_t)reps, sizeof *t->ms);
  t->host_ms = calloc((size_t)reps, sizeof *t->host_ms);
  if (t->start == NULL || t->stop == NULL || t->ms == NULL || t->host_ms == NULL)
    return bench_fail("out of host memory for %d timing events", reps);
  for (int r = 0; r < reps; ++r) {
    BENCH_CUDA(cudaEventCreate(&t->start[r]));
    BENCH_CUDA(cudaEventCreate(&t->stop[r]));
  }
  BENCH_CUDA(cudaStreamSynchronize(t->stream));
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
  free(t->host_ms);
  if (t->blas != NULL)
    cublasDestroy(t->blas);
  cudaFree(t->flush_sum);
  tconv_buffer_destroy(t->flush);
  memset(t, 0, sizeof *t);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Reads the whole flush buffer (every line of the L2 replaced by a clean one). */
static int flush_l2(bench_timer *t) {
  const int64_t n = (int64_t)(tconv_buffer_size(t->flush) / sizeof(float));
  const cublasStatus_t status =
      cublasSasum_64(t->blas, n, tconv_buffer_data(t->flush), 1, t->flush_sum);
  if (status != CUBLAS_STATUS_SUCCESS)
    return bench_fail("cublasSasum (L2 flush): %s", cublasGetStatusString(status));
  return 0;
}

/* Untimed runs in growing batches until BENCH_WARMUP_MS of device time has passed (clocks
 * up, code loaded, caches and allocator warm), timed with the first repetition's events. */
static int warm_up(bench_timer *t, bench_work_fn work, void *arg, bench_timing *timing, char *why,
                   size_t why_size) {
  int batch = 1;
  timing->warmup_runs = 0;
  timing->warmup_ms = 0.0;
  while (timing->warmup_ms < BENCH_WARMUP_MS && timing->warmup_runs < WARMUP_MAX_RUNS) {
    BENCH_CUDA(cudaEventRecord(t->start[0], t->stream));
    for (int i = 0; i < batch; ++i) {
      const int rc = work(arg, why, why_size);
      if (rc != 0)
        return rc;
    }
    BENCH_CUDA(cudaEventRecord(t->stop[0], t->stream));
    BENCH_CUDA(cudaEventSynchronize(t->stop[0]));
    float ms = 0.0f;
    BENCH_CUDA(cudaEventElapsedTime(&ms, t->start[0], t->stop[0]));
    timing->warmup_ms += ms;
    timing->warmup_runs += batch;
    const double per_run = ms > 0.0f ? ms / batch : 1e-3;
    const double wanted = (BENCH_WARMUP_MS - timing->warmup_ms) / per_run + 1.0;
    batch = wanted < 1.0 ? 1 : wanted > WARMUP_MAX_BATCH ? WARMUP_MAX_BATCH : (int)wanted;
  }
  return 0;
}

static int compare_float(const void *a, const void *b) {
  const float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static int compare_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int bench_time(bench_timer *t, int flush, bench_work_fn work, void *arg, bench_timing *timing,
               char *why, size_t why_size) {
  memset(timing, 0, sizeof *timing);
  int rc = warm_up(t, work, arg, timing, why, why_size);
  if (rc != 0)
    return rc;
  for (int r = 0; r < t->reps; ++r) {
    if (flush && flush_l2(t) != 0)
      return -1;
    BENCH_CUDA(cudaEventRecord(t->start[r], t->stream));
    const double host_start = now_ms();
    if ((rc = work(arg, why, why_size)) != 0)
      return rc;
    t->host_ms[r] = now_ms() - host_start;
    BENCH_CUDA(cudaEventRecord(t->stop[r], t->stream));
  }
  BENCH_CUDA(cudaStreamSynchronize(t->stream));
  for (int r = 0; r < t->reps; ++r)
    BENCH_CUDA(cudaEventElapsedTime(&t->ms[r], t->start[r], t->stop[r]));
  qsort(t->ms, (size_t)t->reps, sizeof *t->ms, compare_float);
  qsort(t->host_ms, (size_t)t->reps, sizeof *t->host_ms, compare_double);
  const int mid = t->reps / 2, odd = t->reps % 2 != 0;
  timing->ms = odd ? (double)t->ms[mid] : 0.5 * ((double)t->ms[mid - 1] + (double)t->ms[mid]);
  timing->host_ms = odd ? t->host_ms[mid] : 0.5 * (t->host_ms[mid - 1] + t->host_ms[mid]);
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
