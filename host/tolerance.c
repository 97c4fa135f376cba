/*
 * tolerance.c - the per-element tolerance rule (tolerance.h; the derivation below).
 *
 * A correct implementation sums the products in FP32: each rounding of a partial sum costs
 * at most 2^-24 of it and every partial sum is at most S, so n terms cost at most
 * n * 2^-24 * S in the worst case; the roundings have random signs, so their sum stays a
 * small multiple of 2^-24 * S in practice, and DESIGN §6 takes c = 2^-20 as ample for the
 * reductions tconv serves (tensor cores, whose internal additions truncate, included). It
 * then applies the activation
 * (which stretches an error by at most L) and rounds once to the output type (half an ulp).
 * The reference rounds its exact double once too (half an ulp). Together: one ulp plus
 * L * c * S. TF32 reads x and w with 10 explicit mantissa bits, truncated or rounded:
 * relative errors up to 2^-10 each, 2^-9 + 2^-20 on a product, plus the FP32 sum:
 * 2^-9 + 2^-19. sigmoid and tanh are evaluated in FP32 by the kernels: a few float32 ulps
 * of the result, 2^-20 |ref| with room.
 */
#include "tolerance.h"

#include <math.h>

double tconv_ulp(tconv_dtype dtype, double v) {
  int digits = 24, emin = -126; /* float32: 24 significant bits, smallest normal 2^-126 */
  if (dtype == TCONV_DTYPE_FLOAT16) {
    digits = 11;
    emin = -14;
  } else if (dtype == TCONV_DTYPE_BFLOAT16) {
    digits = 8;
  }
  if (!isfinite(v))
    return INFINITY;
  int e = emin;
  if (v != 0.0) {
    (void)frexp(v, &e); /* |v| = f * 2^e, f in [0.5, 1): the leading bit is 2^(e - 1) */
    e = e - 1 > emin ? e - 1 : emin;
  }
  return ldexp(1.0, e - (digits - 1));
}

int tconv_tolerance_per_element(tconv_dtype dtype, tconv_math math) {
  return dtype != TCONV_DTYPE_FLOAT32 || math == TCONV_MATH_TF32;
}

double tconv_tolerance_bound(tconv_dtype dtype, tconv_math math, tconv_activation activation,
                             float alpha, double ref, double s) {
  const double c = dtype == TCONV_DTYPE_FLOAT32 && math == TCONV_MATH_TF32 ? TCONV_TOLERANCE_TF32
                                                                           : TCONV_TOLERANCE_FP32;
  double lipschitz = 1.0;
  if (activation == TCONV_ACTIVATION_LEAKY_RELU && fabs((double)alpha) > 1.0)
    lipschitz = fabs((double)alpha);
  double bound = tconv_ulp(dtype, ref) + lipschitz * c * s;
  if (activation == TCONV_ACTIVATION_SIGMOID || activation == TCONV_ACTIVATION_TANH)
    bound += TCONV_TOLERANCE_FP32 * fabs(ref);
  return bound;
}

int tconv_tolerance_accepts(double y, double ref, double bound) {
  if (!isfinite(y) || !isfinite(ref))
    return (isnan(y) && isnan(ref)) || y == ref;
  return fabs(y - ref) <= bound;
}
