/*
 * index.cuh - the per-dimension index math of the GPU kernels, written once and shared with
 * the host: under nvcc every function is __host__ __device__, under a C11 compiler it is a
 * plain static inline function, so tests/test_index.c checks on the CPU exactly the code
 * the kernels run.
 *
 * Notation (DESIGN.md §1), for one spatial dimension: i input size, k kernel size, s stride,
 * d dilation, pb begin padding, o an output position, j a kernel tap.
 *
 *   transposed (gather)  t = o + pb - j*d    contributes iff t >= 0, t % s == 0, t/s < i;
 *                                            the input position is t/s
 *   convolution          t = o*s - pb + j*d  contributes iff 0 <= t < i; input position t
 *
 * Besides the per-tap tests, tconv_*_taps() give, for one o, the contributing taps as an
 * arithmetic progression (first tap, tap step, count, and the matching input positions), so
 * a kernel visits only taps that contribute instead of testing all k of them.
 *
 * Transposed taps: with u = o + pb, a tap needs j*d ≡ u (mod s). Let g = gcd(d, s),
 * s' = s/g, d' = d/g. There is a solution iff g divides u, and then j ≡ (u/g)*inv(d') mod s'
 * where inv(d') is d'^-1 mod s' (d' and s' are coprime). Consecutive contributing taps are
 * s' apart and their input positions t/s are d' apart (decreasing). The range of j is cut by
 * 0 <= j < k, t >= 0 (j <= u/d) and t/s <= i-1 (j >= (u - (i-1)*s)/d, rounded up).
 *
 * Everything is int64_t; inputs are validated problems (s, d, k, i >= 1, pb >= 0, o >= 0).
 */
#ifndef TCONV_CUDA_INDEX_CUH
#define TCONV_CUDA_INDEX_CUH

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TCONV_HD static __host__ __device__ __forceinline__
#else
#define TCONV_HD static inline
#endif

/* Floor and ceiling of a / b for b > 0 and any sign of a (C division truncates). */
TCONV_HD int64_t tconv_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
TCONV_HD int64_t tconv_ceil_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}
/* a mod b in [0, b) for b > 0. */
TCONV_HD int64_t tconv_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

TCONV_HD int64_t tconv_gcd(int64_t a, int64_t b) {
  while (b != 0) {
    int64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/* Input position reached by tap j of transposed-convolution output o, or -1 when the tap
 * does not contribute (falls before the input, between two strided inputs, or past it). */
TCONV_HD int64_t tconv_transpose_input_index(int64_t o, int64_t j, int64_t i, int64_t s, int64_t d,
                                             int64_t pb) {
  int64_t t = o + pb - j * d;
  if (t < 0 || t % s != 0)
    return -1;
  t /= s;
  return t < i ? t : -1;
}

/* Input position read by tap j of convolution output o, or -1 when it falls in the padding. */
TCONV_HD int64_t tconv_conv_input_index(int64_t o, int64_t j, int64_t i, int64_t s, int64_t d,
                                        int64_t pb) {
  int64_t t = o * s - pb + j * d;
  return (t >= 0 && t < i) ? t : -1;
}

/* a * b mod m for 0 <= a, b < m, any m >= 1: the 128-bit product only when it is needed
 * (strides beyond 2^31), so the common case stays one multiply. */
TCONV_HD int64_t tconv_mulmod(int64_t a, int64_t b, int64_t m) {
  if (a < ((int64_t)1 << 31) && b < ((int64_t)1 << 31))
    return a * b % m;
  return (int64_t)((unsigned __int128)a * (unsigned __int128)b % (unsigned __int128)m);
}

/* The inverse of a modulo m (gcd(a, m) = 1, m >= 1), in [0, m): extended Euclid, O(log m)
 * steps, the Bezout coefficients in 128 bits (they are bounded by m but their products with
 * the quotients need not fit 64 bits). */
TCONV_HD int64_t tconv_mod_inverse(int64_t a, int64_t m) {
  if (m == 1)
    return 0;
  int64_t r0 = m, r1 = a % m;
  __int128 s0 = 0, s1 = 1; /* s_i * a = r_i (mod m) */
  while (r1 != 0) {
    const int64_t q = r0 / r1, r2 = r0 - q * r1;
    const __int128 s2 = s0 - (__int128)q * s1;
    r0 = r1;
    r1 = r2;
    s0 = s1;
    s1 = s2;
  }
  const int64_t inv = (int64_t)(s0 % m); /* r0 = gcd = 1 */
  return inv < 0 ? inv + m : inv;
}

/* What the transposed tap progression needs of (s, d) alone: computed once per dimension,
 * outside the kernels' loops. */
typedef struct tconv_tap_plan {
  int64_t gcd;     /* g = gcd(d, s) */
  int64_t step;    /* s' = s / g: distance between contributing taps */
  int64_t inv;     /* (d / g)^-1 mod s' (0 when s' = 1) */
  int64_t in_step; /* d' = d / g: distance between their input positions */
} tconv_tap_plan;

TCONV_HD tconv_tap_plan tconv_tap_plan_make(int64_t s, int64_t d) {
  tconv_tap_plan plan;
  plan.gcd = tconv_gcd(d, s);
  plan.step = s / plan.gcd;
  plan.in_step = d / plan.gcd;
  plan.inv = tconv_mod_inverse(plan.in_step, plan.step);
  return plan;
}

/* The contributing taps of one output position: j = j_first + c*j_step reads input position
 * in_first + c*in_step, for c in [0, count). */
typedef struct tconv_taps {
  int64_t j_first, j_step;
  int64_t in_first, in_step;
  int64_t count;
} tconv_taps;

TCONV_HD tconv_taps tconv_transpose_taps(int64_t o, int64_t i, int64_t k, int64_t s, int64_t d,
                                         int64_t pb, tconv_tap_plan plan) {
  tconv_taps taps;
  int64_t u = o + pb;
  taps.j_step = plan.step;
  taps.in_step = -plan.in_step;
  taps.j_first = 0;
  taps.in_first = 0;
  taps.count = 0;
  if (u % plan.gcd != 0)
    return taps;
  int64_t j_res = tconv_mulmod((u / plan.gcd) % plan.step, plan.inv, plan.step);
  int64_t j_hi = u / d; /* t >= 0 */
  if (j_hi > k - 1)
    j_hi = k - 1;
  int64_t j_lo = tconv_ceil_div(u - (i - 1) * s, d); /* t/s <= i - 1 */
  if (j_lo < 0)
    j_lo = 0;
  int64_t first = j_lo + tconv_mod(j_res - j_lo, plan.step);
  if (first > j_hi)
    return taps;
  taps.j_first = first;
  taps.in_first = (u - first * d) / s;
  taps.count = (j_hi - first) / plan.step + 1;
  return taps;
}

TCONV_HD tconv_taps tconv_conv_taps(int64_t o, int64_t i, int64_t k, int64_t s, int64_t d,
                                    int64_t pb) {
  tconv_taps taps;
  int64_t base = o * s - pb;
  int64_t j_lo = tconv_ceil_div(-base, d);         /* t >= 0 */
  int64_t j_hi = tconv_floor_div(i - 1 - base, d); /* t <= i - 1 */
  if (j_lo < 0)
    j_lo = 0;
  if (j_hi > k - 1)
    j_hi = k - 1;
  taps.j_first = j_lo;
  taps.j_step = 1;
  taps.in_first = base + j_lo * d;
  taps.in_step = d;
  taps.count = j_hi >= j_lo ? j_hi - j_lo + 1 : 0;
  if (taps.count == 0) {
    taps.j_first = 0;
    taps.in_first = 0;
  }
  return taps;
}

/* Convolution with a non-zero padding mode (tconv_padding_mode values): the input position
 * padded position t reads, or -1 for zero padding outside [0, n). Pads were bounded by
 * shape.c: reflect < n, circular <= n. */
TCONV_HD int64_t tconv_padded_source(int mode, int64_t t, int64_t n) {
  if (t >= 0 && t < n)
    return t;
  if (mode == 1) /* reflect: mirror without repeating the edge */
    return t < 0 ? -t : 2 * (n - 1) - t;
  if (mode == 2) /* replicate */
    return t < 0 ? 0 : n - 1;
  if (mode == 3) /* circular */
    return tconv_mod(t, n);
  return -1;
}

/* Circular transposed conv, one dimension: tap j carries input t to output o when
 * t*s = o + pb - j*d + m*out for some integer m. Positions base + m*out for m in
 * [*m_lo, *m_hi] lie in [0, (i-1)*s]; those divisible by s are the inputs t = q / s. */
TCONV_HD int64_t tconv_circular_base(int64_t o, int64_t j, int64_t i, int64_t s, int64_t d,
                                     int64_t pb, int64_t out, int64_t *m_lo, int64_t *m_hi) {
  const int64_t base = o + pb - j * d;
  *m_lo = tconv_ceil_div(-base, out);
  *m_hi = tconv_floor_div((i - 1) * s - base, out);
  return base;
}

/* The fused activation after the bias (tconv_activation values; alpha and beta are the
 * problem's activation_alpha / activation_beta), the same in every algorithm. */
TCONV_HD float tconv_activation_apply(int activation, float alpha, float beta, float v) {
  switch (activation) {
  case 1:
    return fmaxf(v, 0.0f);
  case 2:
    return v >= 0.0f ? v : alpha * v;
  case 3:
    return 1.0f / (1.0f + expf(-v));
  case 4:
    return tanhf(v);
  case 5:
    return fminf(fmaxf(v, alpha), beta);
  default:
    return v;
  }
}

#endif /* TCONV_CUDA_INDEX_CUH */
