/*
 * test_index.c - suite "index": the kernels' index math (cuda/index.cuh, compiled here as
 * plain C) against brute force. For every small combination of input size, kernel, stride,
 * dilation, pads and output_padding, the (tap, input) pairs that each output position
 * gathers must be exactly the pairs obtained by scattering every input through every tap,
 * both one tap at a time and as the tap progressions the kernels iterate over; and the
 * division-free arithmetic the kernels use (dividers, mulmod) against C's division.
 */
#include "testutil.h"

#include "index.cuh"

#include <stdio.h>
#include <string.h>

#define MAX_I 9
#define MAX_K 5
#define MAX_S 5
#define MAX_D 4
#define MAX_PAD 2 /* beyond the dilated extent, in addition to it */
/* Output sizes stay below this for the parameter ranges above. */
#define MAX_O ((MAX_I - 1) * MAX_S + MAX_D * (MAX_K - 1) + 1 + MAX_S + 1)

typedef struct case_1d {
  int64_t i, k, s, d, pb, pe, op;
} case_1d;

static void print_case(const char *what, const case_1d *c, int64_t o) {
  printf("\n  %s: i=%lld k=%lld s=%lld d=%lld pb=%lld pe=%lld op=%lld o=%lld", what,
         (long long)c->i, (long long)c->k, (long long)c->s, (long long)c->d, (long long)c->pb,
         (long long)c->pe, (long long)c->op, (long long)o);
}

/* Compares, for every output position, the scattered table want[o][j] (input position or -1)
 * with the per-tap function and with the tap progression `taps_of(o)`. Returns mismatches. */
static int64_t check_positions(const case_1d *c, int64_t o_size, int64_t want[][MAX_K],
                               int transposed) {
  const tconv_dim dim = tconv_dim_make(c->i, o_size, c->k, c->s, c->d, c->pb);
  int64_t mismatches = 0;
  for (int64_t o = 0; o < o_size; ++o) {
    int bad = 0;
    int64_t expected_taps = 0;
    for (int64_t j = 0; j < c->k; ++j) {
      const int64_t got = transposed ? tconv_transpose_input_index(o, j, c->i, c->s, c->d, c->pb)
                                     : tconv_conv_input_index(o, j, c->i, c->s, c->d, c->pb);
      bad |= got != want[o][j];
      expected_taps += want[o][j] >= 0;
    }
    const tconv_taps taps = transposed ? tconv_transpose_taps(&dim, o) : tconv_conv_taps(&dim, o);
    bad |= taps.count != expected_taps;
    int64_t j = taps.j_first, q = taps.in_first, previous = -1;
    for (int64_t n = 0; n < taps.count && !bad; ++n, j += taps.j_step, q += taps.in_step) {
      /* Strictly increasing taps, each one a contributing tap with its own input. */
      bad |= j <= previous || j >= c->k || want[o][j] != q;
      previous = j;
    }
    if (bad && mismatches++ < 5)
      print_case(transposed ? "transposed gather differs from scatter" : "conv index differs", c,
                 o);
  }
  return mismatches;
}

static void test_transpose_gather_equals_scatter(void) {
  static int64_t want[MAX_O][MAX_K];
  int64_t cases = 0, mismatches = 0;
  case_1d c;
  for (c.i = 1; c.i <= MAX_I; ++c.i)
    for (c.k = 1; c.k <= MAX_K; ++c.k)
      for (c.s = 1; c.s <= MAX_S; ++c.s)
        for (c.d = 1; c.d <= MAX_D; ++c.d) {
          const int64_t ke = c.d * (c.k - 1) + 1;
          for (c.pb = 0; c.pb <= ke + MAX_PAD; ++c.pb)
            for (c.pe = 0; c.pe <= MAX_PAD; ++c.pe)
              for (c.op = 0; c.op < (c.s > c.d ? c.s : c.d); ++c.op) {
                const int64_t o_size = (c.i - 1) * c.s - c.pb - c.pe + ke + c.op;
                if (o_size < 1)
                  continue;
                CU_ASSERT_FATAL(o_size <= MAX_O);
                for (int64_t o = 0; o < o_size; ++o)
                  for (int64_t j = 0; j < c.k; ++j)
                    want[o][j] = -1;
                /* Scatter: input t through tap j lands on t*s + j*d - pb. */
                for (int64_t t = 0; t < c.i; ++t)
                  for (int64_t j = 0; j < c.k; ++j) {
                    const int64_t o = t * c.s + j * c.d - c.pb;
                    if (o >= 0 && o < o_size)
                      want[o][j] = t;
                  }
                mismatches += check_positions(&c, o_size, want, 1);
                ++cases;
              }
        }
  CU_ASSERT_EQUAL(mismatches, 0);
  CU_ASSERT(cases > 10000);
}

static void test_conv_index_equals_scatter(void) {
  static int64_t want[MAX_O][MAX_K];
  int64_t cases = 0, mismatches = 0;
  case_1d c;
  c.op = 0;
  for (c.i = 1; c.i <= MAX_I; ++c.i)
    for (c.k = 1; c.k <= MAX_K; ++c.k)
      for (c.s = 1; c.s <= MAX_S; ++c.s)
        for (c.d = 1; c.d <= MAX_D; ++c.d) {
          const int64_t ke = c.d * (c.k - 1) + 1;
          for (c.pb = 0; c.pb <= ke + MAX_PAD; ++c.pb)
            for (c.pe = 0; c.pe <= ke + MAX_PAD; ++c.pe) {
              if (c.i + c.pb + c.pe < ke)
                continue;
              const int64_t o_size = (c.i + c.pb + c.pe - ke) / c.s + 1;
              CU_ASSERT_FATAL(o_size <= MAX_O);
              for (int64_t o = 0; o < o_size; ++o)
                for (int64_t j = 0; j < c.k; ++j) {
                  want[o][j] = -1;
                  /* Every window lies inside the padded input. */
                  const int64_t t = o * c.s - c.pb + j * c.d;
                  if (t < -c.pb || t > c.i - 1 + c.pe) {
                    if (mismatches++ < 5)
                      print_case("window leaves the padded input", &c, o);
                  }
                }
              /* Adjoint direction: input t is read by output o through tap j when
               * t + pb - j*d is a non-negative multiple of s. */
              for (int64_t t = 0; t < c.i; ++t)
                for (int64_t j = 0; j < c.k; ++j) {
                  const int64_t u = t + c.pb - j * c.d;
                  if (u >= 0 && u % c.s == 0 && u / c.s < o_size)
                    want[u / c.s][j] = t;
                }
              mismatches += check_positions(&c, o_size, want, 0);
              ++cases;
            }
        }
  CU_ASSERT_EQUAL(mismatches, 0);
  CU_ASSERT(cases > 10000);
}

/* Sizes far beyond 32 bits: the progressions must agree with the per-tap functions. */
static void test_large_positions_match_per_tap(void) {
  int64_t mismatches = 0;
  for (int n = 0; n < 20000; ++n) {
    case_1d c;
    c.i = test_rng_int(1, INT64_C(1) << 40);
    c.k = test_rng_int(1, 7);
    c.s = test_rng_int(1, 8);
    c.d = test_rng_int(1, 6);
    c.pb = test_rng_int(0, c.d * (c.k - 1) + 3);
    c.pe = 0;
    c.op = 0;
    const int transposed = n % 2 == 0;
    const int64_t ke = c.d * (c.k - 1) + 1;
    if (!transposed && c.i + c.pb < ke)
      continue;
    const int64_t o_size = transposed ? (c.i - 1) * c.s + ke - c.pb : (c.i + c.pb - ke) / c.s + 1;
    if (o_size < 1)
      continue;
    const tconv_dim dim = tconv_dim_make(c.i, o_size, c.k, c.s, c.d, c.pb);
    /* Both ends of the output and a random position in between. */
    const int64_t positions[3] = {0, o_size - 1, test_rng_int(0, o_size - 1)};
    for (int p = 0; p < 3; ++p) {
      const int64_t o = positions[p];
      const tconv_taps taps = transposed ? tconv_transpose_taps(&dim, o) : tconv_conv_taps(&dim, o);
      int64_t want_count = 0, seen = 0;
      int bad = 0;
      for (int64_t j = 0; j < c.k; ++j) {
        const int64_t q = transposed ? tconv_transpose_input_index(o, j, c.i, c.s, c.d, c.pb)
                                     : tconv_conv_input_index(o, j, c.i, c.s, c.d, c.pb);
        if (q < 0)
          continue;
        ++want_count;
        /* Tap j must be in the progression, with input q. */
        const int64_t offset = j - taps.j_first;
        if (taps.count > 0 && offset >= 0 && offset % taps.j_step == 0 &&
            offset / taps.j_step < taps.count &&
            taps.in_first + offset / taps.j_step * taps.in_step == q)
          ++seen;
        else
          bad = 1;
      }
      bad |= taps.count != want_count || seen != want_count;
      if (bad && mismatches++ < 5)
        print_case(transposed ? "large transposed taps" : "large conv taps", &c, o);
    }
  }
  CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_division_helpers(void) {
  for (int64_t a = -50; a <= 50; ++a)
    for (int64_t b = 1; b <= 9; ++b) {
      /* floor(a/b) is the q with q*b <= a < (q+1)*b; ceil likewise from above. */
      const int64_t f = tconv_floor_div(a, b), c = tconv_ceil_div(a, b), m = tconv_mod(a, b);
      CU_ASSERT(f * b <= a && a < (f + 1) * b);
      CU_ASSERT(c * b >= a && a > (c - 1) * b);
      CU_ASSERT(m >= 0 && m < b && (a - m) % b == 0);
    }
  CU_ASSERT_EQUAL(tconv_gcd(12, 18), 6);
  CU_ASSERT_EQUAL(tconv_gcd(7, 1), 1);
  CU_ASSERT_EQUAL(tconv_gcd(4, 4), 4);
  CU_ASSERT_EQUAL(tconv_gcd(3, 8), 1);
}

/* mulmod and the inverse against brute force on small moduli, and on moduli near 2^62 and
 * 2^63 (strides that large are valid when the input is 1 wide) by the defining identity in
 * 128-bit arithmetic; the kernels' division-free mulmod agrees with the host's; a dimension
 * with such a stride is made at once. */
static void test_modular_helpers(void) {
  for (int64_t m = 1; m <= 60; ++m) {
    const tconv_divider dm = tconv_divider_make(m);
    for (int64_t a = 0; a < m; ++a) {
      for (int64_t b = 0; b < m; ++b) {
        CU_ASSERT_EQUAL(tconv_mulmod(a, b, m), a * b % m);
        CU_ASSERT_EQUAL(tconv_mulmod_by(dm, a, b), a * b % m);
      }
      if (tconv_gcd(a, m) == 1 || m == 1) {
        const int64_t inv = tconv_mod_inverse(a, m);
        CU_ASSERT(inv >= 0 && inv < m);
        CU_ASSERT_EQUAL(a * inv % m, 1 % m);
      }
    }
  }
  static const int64_t big[4] = {((int64_t)1 << 62) + 1, INT64_MAX, ((int64_t)1 << 61) - 1,
                                 ((int64_t)1 << 31) + 11};
  for (int i = 0; i < 4; ++i) {
    const int64_t m = big[i];
    const tconv_divider dm = tconv_divider_make(m);
    const int64_t as[5] = {2, 3, m - 1, m / 3 + 1, ((int64_t)1 << 31) - 1};
    for (int j = 0; j < 5; ++j) {
      const int64_t a = as[j];
      const int64_t want =
          (int64_t)((unsigned __int128)a * (unsigned __int128)(m - 1) % (unsigned __int128)m);
      CU_ASSERT_EQUAL(tconv_mulmod(a, m - 1, m), want);
      CU_ASSERT_EQUAL(tconv_mulmod_by(dm, a, m - 1), want);
      if (tconv_gcd(a, m) != 1)
        continue;
      const int64_t inv = tconv_mod_inverse(a, m);
      CU_ASSERT(inv >= 0 && inv < m);
      CU_ASSERT_EQUAL(
          (int64_t)((unsigned __int128)a * (unsigned __int128)inv % (unsigned __int128)m), 1);
    }
  }
  const tconv_dim dim = tconv_dim_make(1, 5, 3, ((int64_t)1 << 62) + 1, 2, 0);
  CU_ASSERT_EQUAL(dim.step, ((int64_t)1 << 62) + 1);
  CU_ASSERT_EQUAL(tconv_mulmod(2, dim.inv, dim.step), 1);
}

static void test_tap_plan(void) {
  for (int64_t s = 1; s <= 16; ++s)
    for (int64_t d = 1; d <= 16; ++d) {
      const tconv_dim dim = tconv_dim_make(4, 4, 3, s, d, 0);
      CU_ASSERT_EQUAL(dim.gcd * dim.step, s);
      CU_ASSERT_EQUAL(dim.gcd * dim.in_step, d);
      CU_ASSERT_EQUAL(tconv_gcd(dim.step, dim.in_step), 1);
      /* d' * inv == 1 (mod s'), with inv = 0 when s' = 1. */
      if (dim.step == 1) {
        CU_ASSERT_EQUAL(dim.inv, 0);
      } else {
        CU_ASSERT_EQUAL(dim.in_step * dim.inv % dim.step, 1);
      }
    }
}

/* The kernels' division by a constant (tconv_divider) against C's division: every numerator
 * below 2^12 for every divisor below 2^8, powers of two and their neighbours up to 2^63 - 1
 * on both sides, random pairs; floor, ceiling and modulo for negative numerators. */
static void test_dividers(void) {
  int64_t wrong = 0;
  for (int64_t d = 1; d < 256; ++d) {
    const tconv_divider v = tconv_divider_make(d);
    for (int64_t n = 0; n < 4096; ++n)
      wrong += tconv_div(v, n) != n / d || tconv_rem(v, n) != n % d;
    for (int64_t n = -300; n <= 300; ++n)
      wrong += tconv_div_floor(v, n) != tconv_floor_div(n, d) ||
               tconv_div_ceil(v, n) != tconv_ceil_div(n, d) ||
               tconv_mod_by(v, n) != tconv_mod(n, d);
  }
  int64_t edges[200];
  int count = 0;
  for (int b = 1; b < 63; ++b) {
    const int64_t p = (int64_t)1 << b;
    edges[count++] = p - 1;
    edges[count++] = p;
    edges[count++] = p + 1;
  }
  edges[count++] = INT64_MAX;
  edges[count++] = INT64_MAX - 1;
  for (int i = 0; i < count; ++i) {
    const tconv_divider v = tconv_divider_make(edges[i]);
    for (int j = 0; j < count; ++j)
      wrong += tconv_div(v, edges[j]) != edges[j] / edges[i];
  }
  for (int i = 0; i < 200000; ++i) {
    const int64_t d = test_rng_int(1, (int64_t)1 << test_rng_int(1, 62));
    const int64_t n = test_rng_int(0, INT64_MAX - 1);
    const tconv_divider v = tconv_divider_make(d);
    wrong += tconv_div(v, n) != n / d;
    wrong += tconv_div_floor(v, -n) != tconv_floor_div(-n, d);
  }
  CU_ASSERT_EQUAL(wrong, 0);
}

static CU_TestInfo index_tests[] = {
    {"division helpers", test_division_helpers},
    {"tap plan (gcd, modular inverse)", test_tap_plan},
    {"mulmod and inverse, up to 2^63", test_modular_helpers},
    {"division by a constant (dividers)", test_dividers},
    {"transposed gather equals scatter", test_transpose_gather_equals_scatter},
    {"conv index equals scatter", test_conv_index_equals_scatter},
    {"large positions: progressions match per-tap tests", test_large_positions_match_per_tap},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_index[] = {
    {"index", NULL, NULL, NULL, NULL, index_tests},
    CU_SUITE_INFO_NULL,
};
