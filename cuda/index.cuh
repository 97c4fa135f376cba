/*
 * index.cuh - the per-dimension index math of the GPU kernels, written once and shared with
 * the host: under nvcc the TCONV_HD functions are __host__ __device__, under a C11 compiler
 * plain static inline functions, so tests/test_index.c checks on the CPU exactly the code
 * the kernels run.
 *
 * Notation (DESIGN.md §1), for one spatial dimension: i input size, k kernel size, s stride,
 * d dilation, pb begin padding, o an output position, j a kernel tap.
 *
 *   transposed (gather)  t = o + pb - j*d    contributes iff t >= 0, t % s == 0, t/s < i;
 *                                            the input position is t/s
 *   convolution          t = o*s - pb + j*d  contributes iff 0 <= t < i; input position t
 *
 * tconv_*_taps() give, for one o, the contributing taps as an arithmetic progression (first
 * tap, tap step, count, and the matching input positions), so a kernel visits only taps
 * that contribute instead of testing all k of them.
 *
 * Transposed taps: with u = o + pb, a tap needs j*d ≡ u (mod s). Let g = gcd(d, s),
 * s' = s/g, d' = d/g. There is a solution iff g divides u, and then j ≡ (u/g)*inv(d') mod s'
 * where inv(d') is d'^-1 mod s' (d' and s' are coprime). Consecutive contributing taps are
 * s' apart and their input positions t/s are d' apart (decreasing). The range of j is cut by
 * 0 <= j < k, t >= 0 (j <= u/d) and t/s <= i-1 (j >= (u - (i-1)*s)/d, rounded up).
 *
 * No division on the device: a 64-bit division is a ~70-instruction subroutine with a stack
 * frame. Every divisor a kernel meets is a per-problem constant, so the host prepares a
 * tconv_divider for it (a magic multiplier, Granlund-Montgomery style) and the device
 * divides with a 64x64 high multiply, an add and a shift. The helpers that divide for real
 * (plans, inverses, the per-tap reference tests) are host-only (plain static inline, not
 * TCONV_HD), so a kernel that calls one does not compile.
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
/* Loops over the three spatial dimensions are unrolled on the device, so per-dimension
 * arrays live in registers (an indexed array would go to the stack). */
#ifdef __CUDA_ARCH__
#define TCONV_UNROLL _Pragma("unroll")
#else
#define TCONV_UNROLL
#endif

/* ---- division by a per-problem constant ------------------------------------------------ */

/* q = n / d for 0 <= n < 2^63 as (hi64(n * mul) + n) >> shift, with shift = ceil(log2 d) and
 * mul = floor(2^64 * (2^shift - d) / d) + 1 (fits 64 bits since 2^shift < 2d). */
typedef struct tconv_divider {
  int64_t d; /* >= 1 */
  uint64_t mul;
  int shift;
} tconv_divider;

static inline tconv_divider tconv_divider_make(int64_t d) {
  tconv_divider v;
  v.d = d;
  v.shift = 0;
  while (v.shift < 63 && ((int64_t)1 << v.shift) < d)
    ++v.shift;
  const unsigned __int128 excess = ((unsigned __int128)1 << v.shift) - (unsigned __int128)d;
  v.mul = (uint64_t)((excess << 64) / (unsigned __int128)d) + 1;
  return v;
}

TCONV_HD uint64_t tconv_mulhi64(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}

/* n / d for 0 <= n < 2^63. */
TCONV_HD int64_t tconv_div(tconv_divider v, int64_t n) {
  return (int64_t)((tconv_mulhi64((uint64_t)n, v.mul) + (uint64_t)n) >> v.shift);
}
/* n mod d for 0 <= n < 2^63. */
TCONV_HD int64_t tconv_rem(tconv_divider v, int64_t n) { return n - tconv_div(v, n) * v.d; }
/* Floor, ceiling and modulo (in [0, d)) for any sign of n, |n| < 2^63. */
TCONV_HD int64_t tconv_div_floor(tconv_divider v, int64_t n) {
  return n >= 0 ? tconv_div(v, n) : -tconv_div(v, -n - 1) - 1;
}
TCONV_HD int64_t tconv_div_ceil(tconv_divider v, int64_t n) { return -tconv_div_floor(v, -n); }
TCONV_HD int64_t tconv_mod_by(tconv_divider v, int64_t n) {
  return n - tconv_div_floor(v, n) * v.d;
}

/* a * b mod m for 0 <= a, b < m: one multiply while the product fits 63 bits, otherwise
 * (moduli beyond 2^31, i.e. absurd strides) double-and-add, still without a division. */
TCONV_HD int64_t tconv_mulmod_by(tconv_divider m, int64_t a, int64_t b) {
  if (a < ((int64_t)1 << 31) && b < ((int64_t)1 << 31))
    return tconv_rem(m, a * b);
  uint64_t r = 0;
  const uint64_t um = (uint64_t)m.d;
  for (int bit = 62; bit >= 0; --bit) {
    r <<= 1; /* r < m < 2^63: no overflow */
    if (r >= um)
      r -= um;
    if ((b >> bit) & 1) {
      r += (uint64_t)a;
      if (r >= um)
        r -= um;
    }
  }
  return (int64_t)r;
}

/* ---- host-only helpers (they divide) --------------------------------------------------- */

/* Floor and ceiling of a / b for b > 0 and any sign of a (C division truncates). */
static inline int64_t tconv_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int64_t tconv_ceil_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}
/* a mod b in [0, b) for b > 0. */
static inline int64_t tconv_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

static inline int64_t tconv_gcd(int64_t a, int64_t b) {
  while (b != 0) {
    int64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/* Input position reached by tap j of transposed-convolution output o, or -1 when the tap
 * does not contribute (falls before the input, between two strided inputs, or past it).
 * The definition, for tests. */
static inline int64_t tconv_transpose_input_index(int64_t o, int64_t j, int64_t i, int64_t s,
                                                  int64_t d, int64_t pb) {
  int64_t t = o + pb - j * d;
  if (t < 0 || t % s != 0)
    return -1;
  t /= s;
  return t < i ? t : -1;
}

/* Input position read by tap j of convolution output o, or -1 when it falls in the padding. */
static inline int64_t tconv_conv_input_index(int64_t o, int64_t j, int64_t i, int64_t s, int64_t d,
                                             int64_t pb) {
  int64_t t = o * s - pb + j * d;
  return (t >= 0 && t < i) ? t : -1;
}

/* a * b mod m for 0 <= a, b < m, any m >= 1. */
static inline int64_t tconv_mulmod(int64_t a, int64_t b, int64_t m) {
  return (int64_t)((unsigned __int128)a * (unsigned __int128)b % (unsigned __int128)m);
}

/* The inverse of a modulo m (gcd(a, m) = 1, m >= 1), in [0, m): extended Euclid, O(log m)
 * steps, the Bezout coefficients in 128 bits (they are bounded by m but their products with
 * the quotients need not fit 64 bits). */
static inline int64_t tconv_mod_inverse(int64_t a, int64_t m) {
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

/* ---- one spatial dimension, prepared on the host ---------------------------------------- */

/* A dimension's sizes and parameters, the transposed tap progression's constants and a
 * divider for every divisor the kernels meet. An unused dimension is i = o = k = s = d = 1,
 * pb = 0: one position, one tap, every offset unchanged. */
typedef struct tconv_dim {
  int64_t in, out, k, stride, dilation, pad; /* pad: the begin padding pb */
  int64_t gcd;                               /* g = gcd(d, s) */
  int64_t step;    /* s' = s / g: distance between contributing transposed taps */
  int64_t in_step; /* d' = d / g: distance between their input positions */
  int64_t inv;     /* d'^-1 mod s' (0 when s' = 1) */
  tconv_divider div_in, div_out, div_k, div_stride, div_dilation, div_gcd, div_step;
} tconv_dim;

static inline tconv_dim tconv_dim_make(int64_t in, int64_t out, int64_t k, int64_t stride,
                                       int64_t dilation, int64_t pad) {
  tconv_dim m;
  m.in = in;
  m.out = out;
  m.k = k;
  m.stride = stride;
  m.dilation = dilation;
  m.pad = pad;
  m.gcd = tconv_gcd(dilation, stride);
  m.step = stride / m.gcd;
  m.in_step = dilation / m.gcd;
  m.inv = tconv_mod_inverse(m.in_step, m.step);
  m.div_in = tconv_divider_make(in);
  m.div_out = tconv_divider_make(out);
  m.div_k = tconv_divider_make(k);
  m.div_stride = tconv_divider_make(stride);
  m.div_dilation = tconv_divider_make(dilation);
  m.div_gcd = tconv_divider_make(m.gcd);
  m.div_step = tconv_divider_make(m.step);
  return m;
}

/* The contributing taps of one output position: j = j_first + c*j_step reads input position
 * in_first + c*in_step, for c in [0, count). */
typedef struct tconv_taps {
  int64_t j_first, j_step;
  int64_t in_first, in_step;
  int64_t count;
} tconv_taps;

TCONV_HD tconv_taps tconv_transpose_taps(const tconv_dim *m, int64_t o) {
  tconv_taps taps;
  const int64_t u = o + m->pad;
  taps.j_step = m->step;
  taps.in_step = -m->in_step;
  taps.j_first = 0;
  taps.in_first = 0;
  taps.count = 0;
  const int64_t v = tconv_div(m->div_gcd, u);
  if (v * m->gcd != u)
    return taps;
  const int64_t j_res = tconv_mulmod_by(m->div_step, tconv_rem(m->div_step, v), m->inv);
  int64_t j_hi = tconv_div(m->div_dilation, u); /* t >= 0 */
  if (j_hi > m->k - 1)
    j_hi = m->k - 1;
  int64_t j_lo = tconv_div_ceil(m->div_dilation, u - (m->in - 1) * m->stride); /* t/s <= i-1 */
  if (j_lo < 0)
    j_lo = 0;
  const int64_t first = j_lo + tconv_mod_by(m->div_step, j_res - j_lo);
  if (first > j_hi)
    return taps;
  taps.j_first = first;
  taps.in_first = tconv_div(m->div_stride, u - first * m->dilation);
  taps.count = tconv_div(m->div_step, j_hi - first) + 1;
  return taps;
}

TCONV_HD tconv_taps tconv_conv_taps(const tconv_dim *m, int64_t o) {
  tconv_taps taps;
  const int64_t base = o * m->stride - m->pad;
  int64_t j_lo = tconv_div_ceil(m->div_dilation, -base);             /* t >= 0 */
  int64_t j_hi = tconv_div_floor(m->div_dilation, m->in - 1 - base); /* t <= i - 1 */
  if (j_lo < 0)
    j_lo = 0;
  if (j_hi > m->k - 1)
    j_hi = m->k - 1;
  taps.j_first = j_lo;
  taps.j_step = 1;
  taps.in_first = base + j_lo * m->dilation;
  taps.in_step = m->dilation;
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
TCONV_HD int64_t tconv_padded_source(const tconv_dim *m, int mode, int64_t t) {
  const int64_t n = m->in;
  if (t >= 0 && t < n)
    return t;
  if (mode == 1) /* reflect: mirror without repeating the edge */
    return t < 0 ? -t : 2 * (n - 1) - t;
  if (mode == 2) /* replicate */
    return t < 0 ? 0 : n - 1;
  if (mode == 3) /* circular */
    return tconv_mod_by(m->div_in, t);
  return -1;
}

/* Circular transposed conv, one dimension: tap j carries input t to output o when
 * t*s = o + pb - j*d + w*out for some integer w. Positions base + w*out for w in
 * [*w_lo, *w_hi] lie in [0, (i-1)*s]; those divisible by s are the inputs t = p / s. */
TCONV_HD int64_t tconv_circular_base(const tconv_dim *m, int64_t o, int64_t j, int64_t *w_lo,
                                     int64_t *w_hi) {
  const int64_t base = o + m->pad - j * m->dilation;
  *w_lo = tconv_div_ceil(m->div_out, -base);
  *w_hi = tconv_div_floor(m->div_out, (m->in - 1) * m->stride - base);
  return base;
}

/* The fused activation after the bias (tconv_activation values; alpha and beta are the
 * problem's activation_alpha / activation_beta), the same in every algorithm. On the device
 * the sigmoid's reciprocal is the fast one (within 2 ulp, 0 past 2^126): the IEEE division's
 * slow path is a subroutine call, whose saved registers would give every kernel a stack. */
TCONV_HD float tconv_activation_apply(int activation, float alpha, float beta, float v) {
  switch (activation) {
  case 1:
    return fmaxf(v, 0.0f);
  case 2:
    return v >= 0.0f ? v : alpha * v;
  case 3:
#ifdef __CUDA_ARCH__
    return __fdividef(1.0f, 1.0f + expf(-v));
#else
    return 1.0f / (1.0f + expf(-v));
#endif
  case 4:
    return tanhf(v);
  case 5:
    return fminf(fmaxf(v, alpha), beta);
  default:
    return v;
  }
}

#endif /* TCONV_CUDA_INDEX_CUH */
