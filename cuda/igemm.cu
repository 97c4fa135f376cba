/* igemm.cu - placeholder until the kernels land. */
#include "launch.h"

#include "internal.h"

extern "C" tconv_status tconv_cuda_igemm_conv(tconv_context *ctx, const tconv_problem *problem, const float *x,
                                const float *w, const float *bias, float *y) {
  (void)problem, (void)x, (void)w, (void)bias, (void)y;
  return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED, "igemm: not built yet");
}

extern "C" tconv_status tconv_cuda_igemm_transpose(tconv_context *ctx, const tconv_problem *problem, const float *x,
                                const float *w, const float *bias, float *y) {
  (void)problem, (void)x, (void)w, (void)bias, (void)y;
  return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED, "igemm: not built yet");
}

