/*
 * algo_storage.c - which dtype, layout and math combinations the CUDA algorithms take (see
 * algos.h):
 *
 *   direct, depthwise, gemm  every dtype x every layout of x, w and y x every math mode
 *                            (direct and depthwise compute TF32 calls in strict FP32, which is
 *                            within the TF32 tolerance; gemm runs them on TF32 tensor cores)
 *   igemm                    float32, channels-first x, w and y, STRICT (tconv_fp32_nchw_only)
 */
#include "algos.h"

#include <stdio.h>

int tconv_fp32_nchw_only(const tconv_problem *p, char *why, size_t why_size) {
  if (p->dtype != TCONV_DTYPE_FLOAT32) {
    snprintf(why, why_size,
             "dtype %s is not supported (float32 only); use direct, depthwise or gemm",
             tconv_dtype_name(p->dtype));
    return 0;
  }
  const tconv_layout layouts[3] = {p->x_layout, p->w_layout, p->y_layout};
  static const char *const names[3] = {"x", "w", "y"};
  for (int i = 0; i < 3; ++i)
    if (layouts[i] != TCONV_LAYOUT_NCHW) {
      snprintf(why, why_size,
               "%s layout %s is not supported (nchw only); use direct, depthwise or gemm", names[i],
               tconv_layout_name(layouts[i]));
      return 0;
    }
  if (p->math != TCONV_MATH_STRICT) {
    snprintf(why, why_size,
             "math %s is not supported (strict only: FP32 FFMA); use gemm (TF32 tensor cores) "
             "or direct (strict FP32)",
             tconv_math_name(p->math));
    return 0;
  }
  return 1;
}

int tconv_direct_supports(const tconv_problem *p, char *why, size_t why_size) {
  (void)p, (void)why, (void)why_size;
  return 1;
}
