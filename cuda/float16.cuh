/*
 * float16.cuh - IEEE binary16 ("half") and bfloat16 conversions by bit manipulation, written
 * once for the library, the CLI, the tests and CUDA code: under nvcc every function is
 * __host__ __device__, under a C11 compiler a plain static inline function.
 *
 *   format     sign  exponent  mantissa  bias  smallest normal  largest finite
 *   binary16   1     5         10        15    2^-14            65504
 *   bfloat16   1     8         7         127   2^-126           (2 - 2^-7) * 2^127
 *
 * Narrowing (float32 or float64 to either) rounds once, to nearest with ties to even, and is
 * exact about the edges: values that round past the largest finite value become infinity,
 * values below half the smallest subnormal become a signed zero, subnormal results are
 * produced, NaN stays NaN (quiet, sign and the payload's top bits kept). Rounding a float64
 * directly, never through float32, is what makes the reference's "one rounding" true: the
 * float32 of a double can sit exactly on a half-way point that the double was not on.
 * Widening (either to float32) is exact.
 *
 * One rounding routine serves every narrowing: the value arrives as a sign, the exponent of
 * its leading bit and a 64-bit significand with that bit at bit 63; the routine keeps the
 * target's mantissa bits (fewer when the result is subnormal) and rounds on the dropped ones.
 */
#ifndef TCONV_CUDA_FLOAT16_CUH
#define TCONV_CUDA_FLOAT16_CUH

#include <stdint.h>
#include <string.h>

#ifndef TCONV_HD
#ifdef __CUDACC__
#define TCONV_HD static __host__ __device__ __forceinline__
#else
#define TCONV_HD static inline
#endif
#endif

#define TCONV_F16_INF 0x7C00u
#define TCONV_BF16_INF 0x7F80u
#define TCONV_F16_MAX 65504.0 /* largest finite binary16 */

TCONV_HD uint32_t tconv_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
TCONV_HD float tconv_f32_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
TCONV_HD uint64_t tconv_f64_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* Rounds sig * 2^(e - 63) (sig with its leading 1 at bit 63) to nearest-even in a format of
 * `man` mantissa and `exp_bits` exponent bits; `sign` is the result's sign bit in place. */
TCONV_HD uint16_t tconv_round_narrow(uint16_t sign, int e, uint64_t sig, int man, int exp_bits) {
  const int bias = (1 << (exp_bits - 1)) - 1, emin = 1 - bias;
  const uint16_t inf = (uint16_t)(((1u << exp_bits) - 1u) << man);
  int drop = 63 - man; /* a normal result keeps man + 1 bits */
  if (e < emin)
    drop += emin - e; /* a subnormal one keeps fewer */
  if (drop > 64)
    return sign; /* below half the smallest subnormal: a signed zero */
  const uint64_t kept0 = drop == 64 ? 0 : sig >> drop;
  const uint64_t rest = drop == 64 ? sig : sig << (64 - drop); /* dropped bits, left-aligned */
  const uint64_t half = (uint64_t)1 << 63;
  uint64_t kept = kept0 + (rest > half || (rest == half && (kept0 & 1u)));
  if (e < emin) /* kept <= 2^man; 2^man encodes the smallest normal, as it should */
    return (uint16_t)(sign | kept);
  if (kept >> (man + 1)) { /* rounding carried into the next binade */
    kept >>= 1;
    ++e;
  }
  if (e + bias >= (1 << exp_bits) - 1)
    return (uint16_t)(sign | inf);
  return (uint16_t)(sign | ((unsigned)(e + bias) << man) | (kept & ((1u << man) - 1u)));
}

/* float32 -> a narrow format (man 10 / exp 5: binary16; man 7 / exp 8: bfloat16). */
TCONV_HD uint16_t tconv_f32_to_narrow(float f, int man, int exp_bits) {
  const uint32_t u = tconv_f32_bits(f);
  const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
  const int exponent = (int)((u >> 23) & 0xFFu);
  const uint32_t mantissa = u & 0x7FFFFFu;
  const uint16_t inf = (uint16_t)(((1u << exp_bits) - 1u) << man);
  if (exponent == 0xFF) /* infinity, or NaN: quiet, top payload bits kept */
    return mantissa == 0 ? (uint16_t)(sign | inf)
                         : (uint16_t)(sign | inf | (1u << (man - 1)) | (mantissa >> (23 - man)));
  if (exponent == 0 && mantissa == 0)
    return sign;
  int e = exponent - 127;
  uint64_t sig = (uint64_t)(mantissa | 0x800000u) << 40;
  if (exponent == 0) { /* float32 subnormal: normalise */
    e = -126;
    sig = (uint64_t)mantissa << 40;
    while (!(sig >> 63)) {
      sig <<= 1;
      --e;
    }
  }
  return tconv_round_narrow(sign, e, sig, man, exp_bits);
}

/* float64 -> a narrow format, rounded once. */
TCONV_HD uint16_t tconv_f64_to_narrow(double d, int man, int exp_bits) {
  const uint64_t u = tconv_f64_bits(d);
  const uint16_t sign = (uint16_t)((u >> 48) & 0x8000u);
  const int exponent = (int)((u >> 52) & 0x7FFu);
  const uint64_t mantissa = u & 0xFFFFFFFFFFFFFull;
  const uint16_t inf = (uint16_t)(((1u << exp_bits) - 1u) << man);
  if (exponent == 0x7FF)
    return mantissa == 0
               ? (uint16_t)(sign | inf)
               : (uint16_t)(sign | inf | (1u << (man - 1)) | (uint16_t)(mantissa >> (52 - man)));
  if (exponent == 0 && mantissa == 0)
    return sign;
  int e = exponent - 1023;
  uint64_t sig = (mantissa | (1ull << 52)) << 11;
  if (exponent == 0) {
    e = -1022;
    sig = mantissa << 11;
    while (!(sig >> 63)) {
      sig <<= 1;
      --e;
    }
  }
  return tconv_round_narrow(sign, e, sig, man, exp_bits);
}

TCONV_HD uint16_t tconv_f32_to_f16(float f) { return tconv_f32_to_narrow(f, 10, 5); }
TCONV_HD uint16_t tconv_f32_to_bf16(float f) { return tconv_f32_to_narrow(f, 7, 8); }
TCONV_HD uint16_t tconv_f64_to_f16(double d) { return tconv_f64_to_narrow(d, 10, 5); }
TCONV_HD uint16_t tconv_f64_to_bf16(double d) { return tconv_f64_to_narrow(d, 7, 8); }

/* binary16 -> float32, exact (every half is a float32 normal, zero, infinity or NaN). */
TCONV_HD float tconv_f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0x1F) /* infinity or NaN, payload kept */
    return tconv_f32_from_bits(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return tconv_f32_from_bits(sign);
    int e = -14; /* subnormal: mantissa * 2^-24, normalised into a float32 normal */
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --e;
    }
    return tconv_f32_from_bits(sign | ((uint32_t)(e + 127) << 23) | ((mantissa & 0x3FFu) << 13));
  }
  return tconv_f32_from_bits(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

/* bfloat16 -> float32, exact: bfloat16 is float32's top half. */
TCONV_HD float tconv_bf16_to_f32(uint16_t b) { return tconv_f32_from_bits((uint32_t)b << 16); }

/* float32 -> TF32 as cvt.rna.tf32.f32 does it: 10 explicit mantissa bits, to nearest with
 * ties away from zero, in float32's exponent range; NaN and infinity unchanged. The
 * tensor cores read TF32 operands as float32 bit patterns with the low 13 bits ignored. */
TCONV_HD float tconv_f32_to_tf32(float f) {
  const uint32_t u = tconv_f32_bits(f);
  if ((u & 0x7F800000u) == 0x7F800000u)
    return f;
  /* Half of the dropped field added, then dropped: ties go away from zero; a carry into the
   * exponent is the correct rounding up (to infinity past the largest finite value). */
  return tconv_f32_from_bits((u + 0x1000u) & 0xFFFFE000u);
}

#endif /* TCONV_CUDA_FLOAT16_CUH */
