/* gemm.cu - placeholder until the kernels land. */
#include "launch.h"

#include "internal.h"

extern "C" tconv_status tconv_cuda_gemm_conv(tconv_context *ctx, const tconv_problem *problem,
                                             const float *x, const float *w, const float *bias,
                                             float *y, void *workspace, size_t workspace_bytes) {
  (void)problem, (void)x, (void)w, (void)bias, (void)y, (void)workspace, (void)workspace_bytes;
  return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED, "gemm: not built yet");
}

extern "C" tconv_status tconv_cuda_gemm_transpose(tconv_context *ctx,
                                                  const tconv_problem *problem, const float *x,
                                                  const float *w, const float *bias, float *y,
                                                  void *workspace, size_t workspace_bytes) {
  (void)problem, (void)x, (void)w, (void)bias, (void)y, (void)workspace, (void)workspace_bytes;
  return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED, "gemm: not built yet");
}

extern "C" void tconv_cuda_gemm_release(tconv_context *ctx) { (void)ctx; }
