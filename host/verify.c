/*
 * verify.c - verify mode and the test plant (see internal.h).
 */
#include "internal.h"

tconv_status tconv_verify_forward(tconv_context *ctx, const tconv_problem *problem,
                                  const float *x, const float *w, const float *bias, float *y) {
  (void)problem, (void)x, (void)w, (void)bias, (void)y;
  (void)ctx;
  return TCONV_STATUS_OK;
}

void tconv_test_plant(tconv_context *ctx, int64_t index, float value) {
  ctx->plant.armed = 1;
  ctx->plant.index = index;
  ctx->plant.value = value;
}
