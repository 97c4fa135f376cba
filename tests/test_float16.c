/*
 * test_float16.c - unit "float16": the conversions of cuda/float16.cuh against oracles
 * written here from the formats' definitions (ldexp of sign, exponent and mantissa; the
 * nearest representable value found by search over the sorted finite values, ties to the
 * even one), not from the header's bit manipulation:
 *   every one of the 65536 binary16 and bfloat16 patterns widened and narrowed back;
 *   float32 -> binary16 / bfloat16 on every tie point, its float32 neighbours, the overflow
 *   and underflow edges, and a strided sweep of float32 bit patterns;
 *   float64 -> binary16 / bfloat16 rounded once (doubles a hair off a tie, which a detour
 *   through float32 would round to the tie and then the wrong way);
 *   float32 -> TF32 (cvt.rna: ties away from zero).
 */
#include "testutil.h"

#include "float16.cuh"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define STRIDE_SAMPLES (1 << 18) /* float32 patterns of the strided sweep */

/* One narrow format: mantissa bits, exponent bits. */
typedef struct format {
  const char *name;
  int man, exp_bits;
  uint16_t (*from32)(float);
  uint16_t (*from64)(double);
  float (*to32)(uint16_t);
} format;

static const format formats[2] = {
    {"binary16", 10, 5, tconv_f32_to_f16, tconv_f64_to_f16, tconv_f16_to_f32},
    {"bfloat16", 7, 8, tconv_f32_to_bf16, tconv_f64_to_bf16, tconv_bf16_to_f32},
};

/* The value of pattern h from the definition; NaN for NaNs. */
static double decode(const format *f, uint16_t h) {
  const int bias = (1 << (f->exp_bits - 1)) - 1, all = (1 << f->exp_bits) - 1;
  const int sign = h >> 15, e = (h >> f->man) & all, m = h & ((1 << f->man) - 1);
  double v;
  if (e == all)
    v = m != 0 ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp((double)m, 1 - bias - f->man);
  else
    v = ldexp((double)((1 << f->man) | m), e - bias - f->man);
  return sign ? -v : v;
}

/* The pattern nearest to v (finite, not NaN) by binary search over the positive finite
 * patterns (increasing with their bits), ties to the even pattern, overflow to infinity
 * from half an ulp past the largest finite value, as IEEE rounding defines it. */
static uint16_t nearest(const format *f, double v) {
  const uint16_t sign = signbit(v) ? 0x8000u : 0;
  const double a = fabs(v);
  const uint16_t inf = (uint16_t)(((1u << f->exp_bits) - 1u) << f->man);
  const uint16_t max = (uint16_t)(inf - 1u);
  const double top = decode(f, max), step = top - decode(f, (uint16_t)(max - 1));
  if (a >= top + step / 2)
    return sign | inf;       /* the tie at the top goes to the even neighbour: infinity */
  uint16_t lo = 0, hi = max; /* decode(lo) <= a < decode(hi), or a >= top */
  if (a >= top)
    return sign | max;
  while (hi - lo > 1) {
    const uint16_t mid = (uint16_t)((lo + hi) / 2);
    if (decode(f, mid) <= a)
      lo = mid;
    else
      hi = mid;
  }
  const double dl = a - decode(f, lo), dh = decode(f, hi) - a;
  const uint16_t pick = dl < dh ? lo : dh < dl ? hi : (lo & 1u) ? hi : lo;
  return sign | pick;
}

static int same_bits_or_nan(const format *f, uint16_t got, uint16_t want) {
  return got == want || (isnan(decode(f, got)) && isnan(decode(f, want)));
}

static void test_every_pattern_round_trips(void) {
  for (int k = 0; k < 2; ++k) {
    const format *f = &formats[k];
    int64_t bad = 0;
    for (uint32_t h = 0; h < 65536u; ++h) {
      const float wide = f->to32((uint16_t)h);
      const double want = decode(f, (uint16_t)h);
      const int value_ok =
          isnan(want) ? isnan(wide) : (double)wide == want && !signbit(wide) == !signbit(want);
      /* NaN comes back as the same NaN: payload and quiet bit survive the round trip. */
      const int back_ok =
          f->from32(wide) == h || (isnan(want) && f->from32(wide) == (h | (1u << (f->man - 1))));
      const int back64_ok = f->from64((double)wide) == f->from32(wide);
      if (!value_ok || !back_ok || !back64_ok) {
        if (bad++ < 5)
          printf("\n  %s 0x%04X: widened %.9g (want %.9g), back 0x%04X / 0x%04X", f->name, h,
                 (double)wide, want, f->from32(wide), f->from64((double)wide));
      }
    }
    CU_ASSERT_EQUAL(bad, 0);
  }
}

/* Ties between every pair of neighbours, the float32 values next to them, and the edges. */
static void test_ties_and_edges(void) {
  for (int k = 0; k < 2; ++k) {
    const format *f = &formats[k];
    const uint16_t inf = (uint16_t)(((1u << f->exp_bits) - 1u) << f->man);
    int64_t bad = 0, checked = 0;
    for (uint32_t h = 0; h < inf; ++h) {
      const double lo = decode(f, (uint16_t)h);
      const double hi =
          h + 1 < inf ? decode(f, (uint16_t)(h + 1)) : lo + (lo - decode(f, (uint16_t)(h - 1)));
      const double tie = (lo + hi) / 2; /* exact in double */
      const float t32 = (float)tie;     /* exact too: one bit more than the narrow format */
      const float probes[5] = {t32, nextafterf(t32, 0.0f), nextafterf(t32, INFINITY), (float)lo,
                               nextafterf((float)lo, INFINITY)};
      for (int s = 0; s < 2; ++s)
        for (int i = 0; i < 5; ++i) {
          const float v = s ? -probes[i] : probes[i];
          ++checked;
          if (!same_bits_or_nan(f, f->from32(v), nearest(f, (double)v)) && bad++ < 5)
            printf("\n  %s: %.9g -> 0x%04X, nearest is 0x%04X", f->name, (double)v, f->from32(v),
                   nearest(f, (double)v));
        }
    }
    /* Beyond the range: huge, infinite, NaN, tiny. */
    const float specials[6] = {3.0e38f, INFINITY, -INFINITY, 1.0e-45f, -1.0e-45f, 0.0f};
    for (int i = 0; i < 6; ++i, ++checked)
      if (!same_bits_or_nan(f, f->from32(specials[i]), nearest(f, (double)specials[i])) &&
          bad++ < 5)
        printf("\n  %s: %.9g -> 0x%04X", f->name, (double)specials[i], f->from32(specials[i]));
    CU_ASSERT(isnan(decode(f, f->from32(NAN))));
    CU_ASSERT_EQUAL(f->from32(-0.0f), 0x8000u);
    CU_ASSERT(checked > 300000);
    CU_ASSERT_EQUAL(bad, 0);
  }
  CU_ASSERT_EQUAL(tconv_f32_to_f16(65504.0f), 0x7BFFu);
  CU_ASSERT_EQUAL(tconv_f32_to_f16(65519.99f), 0x7BFFu);         /* below the tie at 65520 */
  CU_ASSERT_EQUAL(tconv_f32_to_f16(65520.0f), 0x7C00u);          /* the tie: to even, infinity */
  CU_ASSERT_EQUAL(tconv_f32_to_f16(ldexpf(1.0f, -25)), 0x0000u); /* half the smallest: even */
  CU_ASSERT_EQUAL(tconv_f32_to_f16(nextafterf(ldexpf(1.0f, -25), 1.0f)), 0x0001u);
  CU_ASSERT_EQUAL(tconv_f32_to_f16(ldexpf(1.5f, -24)), 0x0002u); /* 1.5 ulps: to even, 2 */
  CU_ASSERT_EQUAL(tconv_f32_to_bf16(1.00390625f), 0x3F80u);      /* 1 + 2^-8: tie, to even */
  CU_ASSERT_EQUAL(tconv_f32_to_bf16(1.01171875f), 0x3F82u);      /* 1 + 3*2^-8: tie, up */
}

/* A strided sweep of all float32 patterns against the oracle. */
static void test_float32_sweep(void) {
  const uint32_t step = (uint32_t)(((uint64_t)1 << 32) / STRIDE_SAMPLES) - 1u; /* odd stride */
  for (int k = 0; k < 2; ++k) {
    const format *f = &formats[k];
    int64_t bad = 0;
    uint32_t u = 12345u;
    for (int64_t i = 0; i < STRIDE_SAMPLES; ++i, u += step) {
      const float v = tconv_f32_from_bits(u);
      if (!same_bits_or_nan(f, f->from32(v), isnan(v) ? f->from32(v) : nearest(f, (double)v)) &&
          bad++ < 5)
        printf("\n  %s: 0x%08X -> 0x%04X, nearest 0x%04X", f->name, u, f->from32(v),
               nearest(f, (double)v));
      if (isnan(v) && !isnan(decode(f, f->from32(v))) && bad++ < 5)
        printf("\n  %s: NaN 0x%08X became 0x%04X", f->name, u, f->from32(v));
    }
    CU_ASSERT_EQUAL(bad, 0);
  }
}

/* float64 -> narrow in one rounding: values a hair (2^-40 relative) beside every tie. */
static void test_float64_single_rounding(void) {
  for (int k = 0; k < 2; ++k) {
    const format *f = &formats[k];
    const uint16_t inf = (uint16_t)(((1u << f->exp_bits) - 1u) << f->man);
    int64_t bad = 0, detour_differs = 0;
    for (uint32_t h = 1; h + 1 < inf; ++h) {
      const double tie = (decode(f, (uint16_t)h) + decode(f, (uint16_t)(h + 1))) / 2;
      const double probes[2] = {tie * (1 + ldexp(1.0, -40)), tie * (1 - ldexp(1.0, -40))};
      for (int i = 0; i < 2; ++i) {
        const uint16_t got = f->from64(probes[i]), want = nearest(f, probes[i]);
        detour_differs += f->from32((float)probes[i]) != want;
        if (got != want && bad++ < 5)
          printf("\n  %s: %.17g -> 0x%04X, nearest 0x%04X", f->name, probes[i], got, want);
      }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(detour_differs > 0); /* the probes do catch a double rounding */
  }
  CU_ASSERT_EQUAL(tconv_f64_to_f16(1e-300), 0x0000u);
  CU_ASSERT_EQUAL(tconv_f64_to_f16(-1e300), 0xFC00u);
  CU_ASSERT_EQUAL(tconv_f64_to_bf16(ldexp(1.0, -133)), 0x0001u); /* smallest subnormal */
}

static void test_tf32_rounding(void) {
  const float one_ulp = ldexpf(1.0f, -10);                                /* TF32 spacing at 1 */
  CU_ASSERT_EQUAL(tconv_f32_to_tf32(1.0f + one_ulp / 2), 1.0f + one_ulp); /* tie: away */
  CU_ASSERT_EQUAL(tconv_f32_to_tf32(-(1.0f + one_ulp / 2)), -(1.0f + one_ulp));
  CU_ASSERT_EQUAL(tconv_f32_to_tf32(nextafterf(1.0f + one_ulp / 2, 0.0f)), 1.0f);
  CU_ASSERT_EQUAL(tconv_f32_to_tf32(1.0f + one_ulp), 1.0f + one_ulp);
  CU_ASSERT(isinf(tconv_f32_to_tf32(3.4028235e38f)));
  CU_ASSERT(isnan(tconv_f32_to_tf32(NAN)));
  for (uint32_t u = 0x3F800000u; u < 0x3F800000u + 100000u; u += 7u)
    CU_ASSERT_FATAL((tconv_f32_bits(tconv_f32_to_tf32(tconv_f32_from_bits(u))) & 0x1FFFu) == 0);
}

static CU_TestInfo float16_tests[] = {
    {"all 65536 patterns widen exactly and narrow back", test_every_pattern_round_trips},
    {"float32: every tie, its neighbours, the edges", test_ties_and_edges},
    {"float32: strided sweep of bit patterns", test_float32_sweep},
    {"float64: one rounding beside every tie", test_float64_single_rounding},
    {"float32 -> TF32 (cvt.rna)", test_tf32_rounding},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_float16[] = {
    {"float16", NULL, NULL, NULL, NULL, float16_tests},
    CU_SUITE_INFO_NULL,
};
