/*
 * tolerance.h - the per-element tolerance rule of DESIGN §6 (stated in tconv.h next to the
 * reference entry points), written once for verify mode and the tests:
 *
 *   |y - ref| <= ulp(ref) + L * c * S  (+ 2^-20 |ref| after sigmoid or tanh)
 *
 * with S = |bias| + sum |x w| (tconv_ref_magnitude), c = TCONV_TOLERANCE_FP32, or
 * TCONV_TOLERANCE_TF32 for float32 tensors under TF32 math, and L the activation's Lipschitz
 * bound. float32 with STRICT math is judged by the normwise float32 rule instead.
 */
#ifndef TCONV_TOLERANCE_H
#define TCONV_TOLERANCE_H

#include "tconv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The spacing of `dtype` values at |v| (the subnormal spacing below the smallest normal);
 * +inf for a non-finite v. */
double tconv_ulp(tconv_dtype dtype, double v);

/* Whether results of this dtype and math mode are judged element by element by this rule
 * (float16, bfloat16, TF32), or by the normwise float32 rule (float32 STRICT). */
int tconv_tolerance_per_element(tconv_dtype dtype, tconv_math math);

/* The largest |y - ref| the rule allows for one element whose reference value is ref and
 * whose sum of magnitudes is s; activation and alpha as in tconv_params. */
double tconv_tolerance_bound(tconv_dtype dtype, tconv_math math, tconv_activation activation,
                             float alpha, double ref, double s);

/* One element against its bound: 1 when y is acceptable (finite and within the bound, or
 * the same non-finite value as ref). */
int tconv_tolerance_accepts(double y, double ref, double bound);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_TOLERANCE_H */
