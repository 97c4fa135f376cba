/*
 * ceiling.c - the SGEMM and copy ceilings of ceiling.h. Both operands of the SGEMM hold
 * random values, not zeros: a GPU multiplying zeros draws less power and may clock higher
 * than it does on real data.
 */
#include "ceiling.h"

#include <cublas_v2.h>

#include <stdlib.h>

#define GEMM_N 8192                    /* 3 x 256 MiB, 1.1 TFLOP per run */
#define COPY_BYTES ((size_t)512 << 20) /* far beyond any L2 */

typedef struct gemm_work {
  cublasHandle_t handle;
  const float *a, *b;
  float *c;
} gemm_work;

static int run_gemm(void *arg, char *why, size_t why_size) {
  (void)why, (void)why_size;
  const gemm_work *g = arg;
  const float one = 1.0f, zero = 0.0f;
  const cublasStatus_t status =
      cublasSgemm(g->handle, CUBLAS_OP_N, CUBLAS_OP_N, GEMM_N, GEMM_N, GEMM_N, &one, g->a, GEMM_N,
                  g->b, GEMM_N, &zero, g->c, GEMM_N);
  if (status != CUBLAS_STATUS_SUCCESS)
    return bench_fail("cublasSgemm (%d^3): %s", GEMM_N, cublasGetStatusString(status));
  return 0;
}

typedef struct copy_work {
  cudaStream_t stream;
  const void *src;
  void *dst;
} copy_work;

static int run_copy(void *arg, char *why, size_t why_size) {
  (void)why, (void)why_size;
  const copy_work *w = arg;
  BENCH_CUDA(cudaMemcpyAsync(w->dst, w->src, COPY_BYTES, cudaMemcpyDeviceToDevice, w->stream));
  return 0;
}

/* Allocates a GEMM operand and fills it with seeded random values (stream `seed`). */
static int random_operand(tconv_context *ctx, float *host, uint64_t seed, tconv_buffer **out) {
  const size_t bytes = (size_t)GEMM_N * GEMM_N * sizeof(float);
  BENCH_TCONV(ctx, tconv_buffer_create(ctx, bytes, out));
  bench_random_fill(host, (int64_t)GEMM_N * GEMM_N, seed);
  BENCH_TCONV(ctx, tconv_buffer_upload(ctx, *out, 0, host, bytes));
  return 0;
}

static int measure_gemm(tconv_context *ctx, bench_timer *t, bench_ceilings *c) {
  int rc = -1;
  cublasHandle_t handle = NULL;
  tconv_buffer *a = NULL, *b = NULL, *out = NULL;
  float *host = malloc((size_t)GEMM_N * GEMM_N * sizeof(float));
  char why[256];
  if (host == NULL) {
    bench_fail("out of host memory for the SGEMM operands");
    goto cleanup;
  }
  cublasStatus_t status = cublasCreate(&handle);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasSetStream(handle, t->stream);
  /* The default math mode computes in FP32 (no TF32 tensor cores), as the layers do. */
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasGetVersion(handle, &c->cublas_version);
  if (status != CUBLAS_STATUS_SUCCESS) {
    bench_fail("cuBLAS setup: %s", cublasGetStatusString(status));
    goto cleanup;
  }
  if (random_operand(ctx, host, 101, &a) != 0 || random_operand(ctx, host, 102, &b) != 0)
    goto cleanup;
  if (tconv_buffer_create(ctx, (size_t)GEMM_N * GEMM_N * sizeof(float), &out) != TCONV_STATUS_OK) {
    bench_fail("SGEMM output: %s", tconv_context_last_error(ctx));
    goto cleanup;
  }
  gemm_work g = {handle, tconv_buffer_data(a), tconv_buffer_data(b), tconv_buffer_data(out)};
  bench_timing timing;
  if (bench_time(t, 0, run_gemm, &g, &timing, why, sizeof why) != 0)
    goto cleanup;
  c->gemm_ms = timing.ms;
  c->gemm_n = GEMM_N;
  c->flops = 2.0 * GEMM_N * (double)GEMM_N * GEMM_N / (c->gemm_ms * 1e-3);
  rc = 0;
cleanup:
  if (handle != NULL)
    cublasDestroy(handle);
  tconv_buffer_destroy(a);
  tconv_buffer_destroy(b);
  tconv_buffer_destroy(out);
  free(host);
  return rc;
}

static int measure_copy(tconv_context *ctx, bench_timer *t, bench_ceilings *c) {
  int rc = -1;
  tconv_buffer *src = NULL, *dst = NULL;
  char why[256];
  if (tconv_buffer_create(ctx, COPY_BYTES, &src) != TCONV_STATUS_OK ||
      tconv_buffer_create(ctx, COPY_BYTES, &dst) != TCONV_STATUS_OK) {
    bench_fail("copy buffers: %s", tconv_context_last_error(ctx));
    goto cleanup;
  }
  if (cudaMemsetAsync(tconv_buffer_data(src), 0x5a, COPY_BYTES, t->stream) != cudaSuccess) {
    bench_fail("cudaMemsetAsync: %s", cudaGetErrorString(cudaGetLastError()));
    goto cleanup;
  }
  copy_work w = {t->stream, tconv_buffer_data(src), tconv_buffer_data(dst)};
  bench_timing timing;
  if (bench_time(t, 0, run_copy, &w, &timing, why, sizeof why) != 0)
    goto cleanup;
  c->copy_ms = timing.ms;
  c->copy_bytes = COPY_BYTES;
  c->bandwidth = 2.0 * (double)COPY_BYTES / (c->copy_ms * 1e-3);
  rc = 0;
cleanup:
  tconv_buffer_destroy(src);
  tconv_buffer_destroy(dst);
  return rc;
}

int bench_measure_ceilings(tconv_context *ctx, bench_timer *t, bench_ceilings *c) {
  if (measure_gemm(ctx, t, c) != 0 || measure_copy(ctx, t, c) != 0)
    return -1;
  return 0;
}

double bench_floor_ms(const bench_ceilings *c, double flops, double bytes) {
  const double compute = flops / c->flops, memory = bytes / c->bandwidth;
  return 1e3 * (compute > memory ? compute : memory);
}
