/*
 * algo_storage.c - the dtype, layout and math rule every CUDA algorithm applies today (see
 * algos.h): float32, channels-first x, w and y, STRICT math. The other combinations run on
 * the CPU backend until an algorithm takes them.
 */
#include "algos.h"

#include <stdio.h>

int tconv_fp32_nchw_only(const tconv_problem *p, char *why, size_t why_size) {
  if (p->dtype != TCONV_DTYPE_FLOAT32) {
    snprintf(why, why_size, "dtype %s is not supported yet (float32 only); use the CPU backend",
             tconv_dtype_name(p->dtype));
    return 0;
  }
  const tconv_layout layouts[3] = {p->x_layout, p->w_layout, p->y_layout};
  static const char *const names[3] = {"x", "w", "y"};
  for (int i = 0; i < 3; ++i)
    if (layouts[i] != TCONV_LAYOUT_NCHW) {
      snprintf(why, why_size, "%s layout %s is not supported yet (nchw only); use the CPU backend",
               names[i], tconv_layout_name(layouts[i]));
      return 0;
    }
  if (p->math != TCONV_MATH_STRICT) {
    snprintf(why, why_size, "math %s is not supported yet (strict only: no tensor cores)",
             tconv_math_name(p->math));
    return 0;
  }
  return 1;
}

int tconv_direct_supports(const tconv_problem *p, char *why, size_t why_size) {
  return tconv_fp32_nchw_only(p, why, why_size);
}
