/*
 * nocuda.c - cuda/launch.h for builds without nvcc (the Makefile compiles this file instead
 * of the .cu files in cuda/). Every entry point answers NO_DEVICE, so the CUDA backend fails
 * at context creation with a sentence saying why, and the rest of the library needs no
 * #ifdefs.
 */
#include "launch.h"

#include "internal.h"

#include <stdio.h>

#define NOCUDA_REASON "CUDA backend not compiled in (built without nvcc)"

static tconv_status nocuda_fail(tconv_context *ctx) {
  return tconv_fail(ctx, TCONV_STATUS_NO_DEVICE, "%s", NOCUDA_REASON);
}

tconv_status tconv_cuda_probe_device(int device, char *reason, size_t reason_size) {
  (void)device;
  if (reason != NULL && reason_size > 0)
    snprintf(reason, reason_size, "%s", NOCUDA_REASON);
  return TCONV_STATUS_NO_DEVICE;
}

tconv_status tconv_cuda_context_init(tconv_context *ctx) { return nocuda_fail(ctx); }

int tconv_cuda_cublas_loadable(char *why, size_t why_size) {
  if (why != NULL && why_size > 0)
    snprintf(why, why_size, "%s", NOCUDA_REASON);
  return 0;
}

void tconv_cuda_context_release(tconv_context *ctx) { (void)ctx; }

tconv_status tconv_cuda_malloc(tconv_context *ctx, size_t bytes, void **data) {
  (void)bytes;
  (void)data;
  return nocuda_fail(ctx);
}

void tconv_cuda_free(tconv_context *ctx, void *data) {
  /* Nothing can have been allocated. */
  (void)ctx;
  (void)data;
}

tconv_status tconv_cuda_upload(tconv_context *ctx, void *dst, const void *src, size_t bytes) {
  (void)dst;
  (void)src;
  (void)bytes;
  return nocuda_fail(ctx);
}

tconv_status tconv_cuda_download(tconv_context *ctx, void *dst, const void *src, size_t bytes) {
  (void)dst;
  (void)src;
  (void)bytes;
  return nocuda_fail(ctx);
}

tconv_status tconv_cuda_synchronize(tconv_context *ctx) { return nocuda_fail(ctx); }

tconv_status tconv_cuda_use_device(tconv_context *ctx) { return nocuda_fail(ctx); }

tconv_status tconv_cuda_check_wrap(tconv_context *ctx, const void *data, size_t bytes) {
  (void)data, (void)bytes;
  return nocuda_fail(ctx);
}

tconv_status tconv_cuda_set_stream(tconv_context *ctx, void *stream) {
  (void)stream;
  return nocuda_fail(ctx);
}

/* Every algorithm's launcher (launch.h's list). */
#define NOCUDA_RUN(name)                                                                           \
  tconv_status tconv_cuda_##name(tconv_context *ctx, const tconv_problem *problem, const float *x, \
                                 const float *w, const float *bias, float *y, void *workspace,     \
                                 size_t workspace_bytes) {                                         \
    (void)problem, (void)x, (void)w, (void)bias, (void)y, (void)workspace, (void)workspace_bytes;  \
    return nocuda_fail(ctx);                                                                       \
  }
TCONV_CUDA_ALGOS(NOCUDA_RUN)

tconv_status tconv_cuda_gemm_init(tconv_context *ctx) { return nocuda_fail(ctx); }

void tconv_cuda_gemm_release(tconv_context *ctx) { (void)ctx; }

tconv_status tconv_cuda_timer_begin(tconv_context *ctx, void **timer) {
  (void)timer;
  return nocuda_fail(ctx);
}

tconv_status tconv_cuda_timer_end(tconv_context *ctx, void *timer, double *milliseconds) {
  (void)timer, (void)milliseconds;
  return nocuda_fail(ctx);
}

tconv_status tconv_test_cuda_fault(tconv_context *ctx) { return nocuda_fail(ctx); }
