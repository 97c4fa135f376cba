/*
 * test_mma.c - unit "mma": the tensor-core fragment code of cuda/mma_frag.cuh on the host.
 *
 * The test side has its own model of the instructions (tests/mma_isa.c), written from the
 * PTX ISA's text (the "row = groupID for ai where ..." tables of the mma.m16n8k16 / m16n8k8
 * fragment sections and the ldmatrix description) in the ISA's own case-by-case form, which
 * shares nothing with the header but the conversions. Checks:
 *   - the header's (lane, element) -> (row, col) functions equal this file's tables, and each
 *     covers its tile exactly once;
 *   - fragments loaded the header's way (its per-lane ldmatrix addresses and loads) and
 *     multiplied by this file's mma reproduce a plain matrix product of random matrices:
 *     f16 and bf16 with B stored n-major (ldmatrix) and k-major (ldmatrix.trans), TF32 with
 *     plain loads; exactly on small integers, to 1e-6 on random values;
 *   - the header's own warp emulation (ldmatrix + mma) gives the same products;
 *   - a wrong assumption (B loaded without its .trans) is detected, so the comparison bites.
 */
#include "testutil.h"

#include "mma_frag.cuh"
#include "mma_isa.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LD 24 /* padded leading dimension of the shared-memory tiles (elements) */

/* ---- helpers ------------------------------------------------------------------------------ */

/* Random values: small integers (exact sums) or uniform in [-1, 1), rounded to the type. */
static float draw(int integers, int bf16) {
  float v;
  if (integers)
    v = (float)test_rng_int(-4, 4);
  else
    test_fill_uniform(&v, 1);
  return bf16 ? tconv_bf16_to_f32(tconv_f32_to_bf16(v)) : tconv_f16_to_f32(tconv_f32_to_f16(v));
}

static uint16_t bits(float v, int bf16) {
  return bf16 ? tconv_f32_to_bf16(v) : tconv_f32_to_f16(v);
}

/* max |d - (A B + C)| over the tile, d given per lane in accumulator order or as a matrix. */
static double product_error(int m_rows, int n_cols, int k_len, const float *A, const float *B,
                            const float *C, const float *D) {
  double worst = 0;
  for (int m = 0; m < m_rows; ++m)
    for (int n = 0; n < n_cols; ++n) {
      double s = C[m * n_cols + n];
      for (int k = 0; k < k_len; ++k)
        s += (double)A[m * k_len + k] * B[k * n_cols + n];
      const double e = fabs(s - D[m * n_cols + n]);
      worst = e > worst || isnan(e) ? e : worst;
    }
  return worst;
}

/* ---- tests -------------------------------------------------------------------------------- */

typedef void (*layout_fn)(int, int, int *, int *);

static void test_layouts_match_isa(void) {
  const struct {
    const char *name;
    layout_fn header, isa;
    int elements, rows, cols;
  } maps[] = {
      {"m16n8k16 A", tconv_mma16816_a, isa_a16816, 8, 16, 16},
      {"m16n8k16 B", tconv_mma16816_b, isa_b16816, 4, 16, 8},
      {"C/D", tconv_mma_c, isa_c, 4, 16, 8},
      {"m16n8k8 tf32 A", tconv_mma1688_tf32_a, isa_a1688_tf32, 4, 16, 8},
      {"m16n8k8 tf32 B", tconv_mma1688_tf32_b, isa_b1688_tf32, 2, 8, 8},
  };
  for (size_t m = 0; m < sizeof maps / sizeof maps[0]; ++m) {
    int seen[16][16] = {{0}}, bad = 0;
    for (int lane = 0; lane < 32; ++lane)
      for (int i = 0; i < maps[m].elements; ++i) {
        int r1, c1, r2, c2;
        maps[m].header(lane, i, &r1, &c1);
        maps[m].isa(lane, i, &r2, &c2);
        bad += r1 != r2 || c1 != c2;
        if (r1 >= 0 && r1 < maps[m].rows && c1 >= 0 && c1 < maps[m].cols)
          ++seen[r1][c1];
      }
    for (int r = 0; r < maps[m].rows; ++r)
      for (int c = 0; c < maps[m].cols; ++c)
        bad += seen[r][c] != 1;
    if (bad)
      printf("\n  %s: %d mismatches", maps[m].name, bad);
    CU_ASSERT_EQUAL(bad, 0);
  }
  for (int lane = 0; lane < 32; ++lane)
    for (int h = 0; h < 2; ++h)
      for (int trans = 0; trans < 2; ++trans) {
        int row, col, matrix, src_row;
        tconv_ldmatrix_element(lane, h, trans, &row, &col);
        CU_ASSERT(trans ? (row == (lane % 4) * 2 + h && col == lane / 4)
                        : (row == lane / 4 && col == (lane % 4) * 2 + h));
        tconv_ldmatrix_source(lane, &matrix, &src_row);
        CU_ASSERT(matrix == lane / 8 && src_row == lane % 8);
      }
}

/* One m16n8k16 product: A row-major and B (n-major, or k-major with trans) in padded shared
 * memory, registers loaded through the header's lane addresses, multiplied by `mma`. With
 * wrong_trans, B is deliberately loaded with the opposite .trans flag. Returns max error. */
static double f16_product(int bf16, int integers, int b_k_major, int wrong_trans,
                          int header_emulation) {
  float A[16 * 16], B[16 * 8], C[16 * 8], D[16 * 8];
  uint16_t sa[16 * LD], sb[16 * LD];
  memset(sa, 0xFF, sizeof sa); /* NaN padding: a read outside the tile shows up */
  memset(sb, 0xFF, sizeof sb);
  for (int m = 0; m < 16; ++m)
    for (int k = 0; k < 16; ++k) {
      A[m * 16 + k] = draw(integers, bf16);
      sa[m * LD + k] = bits(A[m * 16 + k], bf16);
    }
  for (int k = 0; k < 16; ++k)
    for (int n = 0; n < 8; ++n) {
      B[k * 8 + n] = draw(integers, bf16);
      sb[b_k_major ? k * LD + n : n * LD + k] = bits(B[k * 8 + n], bf16);
    }
  for (int i = 0; i < 16 * 8; ++i)
    C[i] = draw(integers, 0);
  int64_t a_addr[32], b_addr[32];
  for (int lane = 0; lane < 32; ++lane) {
    a_addr[lane] = tconv_frag_a_ldsm(lane, LD);
    b_addr[lane] = b_k_major ? tconv_frag_b_ldsm_trans(lane, LD) : tconv_frag_b_ldsm(lane, LD);
  }
  uint32_t ra[32][4], rb[32][4];
  const int trans = b_k_major != wrong_trans;
  float c_regs[32][4], d_regs[32][4];
  if (header_emulation) {
    tconv_ldmatrix_emulate(sa, a_addr, 4, 0, ra);
    tconv_ldmatrix_emulate(sb, b_addr, 2, trans, rb);
    for (int lane = 0; lane < 32; ++lane)
      for (int i = 0; i < 4; ++i) {
        int row, col;
        tconv_mma_c(lane, i, &row, &col);
        c_regs[lane][i] = C[row * 8 + col];
      }
    uint32_t rb2[32][2];
    for (int lane = 0; lane < 32; ++lane)
      rb2[lane][0] = rb[lane][0], rb2[lane][1] = rb[lane][1];
    tconv_mma16816_emulate(ra, rb2, c_regs, d_regs, bf16);
    for (int lane = 0; lane < 32; ++lane)
      for (int i = 0; i < 4; ++i) {
        int row, col;
        isa_c(lane, i, &row, &col);
        D[row * 8 + col] = d_regs[lane][i];
      }
  } else {
    isa_ldmatrix(sa, a_addr, 4, 0, ra);
    isa_ldmatrix(sb, b_addr, 2, trans, rb);
    uint32_t rb2[32][2];
    for (int lane = 0; lane < 32; ++lane)
      rb2[lane][0] = rb[lane][0], rb2[lane][1] = rb[lane][1];
    float Cm[16][8], Dm[16][8];
    memcpy(Cm, C, sizeof Cm);
    isa_mma16816(ra, rb2, Cm, bf16, Dm);
    memcpy(D, Dm, sizeof Dm);
  }
  return product_error(16, 8, 16, A, B, C, D);
}

static void test_f16_bf16_products(void) {
  test_rng_seed(test_rng_seed_value());
  for (int emulation = 0; emulation < 2; ++emulation)
    for (int bf16 = 0; bf16 < 2; ++bf16)
      for (int k_major = 0; k_major < 2; ++k_major)
        for (int rep = 0; rep < 20; ++rep) {
          const double exact = f16_product(bf16, 1, k_major, 0, emulation);
          const double close = f16_product(bf16, 0, k_major, 0, emulation);
          if (exact != 0.0 || !(close <= 1e-6))
            printf("\n  %s, %s, B %s-major: errors %g (integers), %g (random)",
                   emulation ? "header emulation" : "ISA model", bf16 ? "bf16" : "f16",
                   k_major ? "k" : "n", exact, close);
          CU_ASSERT_EQUAL(exact, 0.0);
          CU_ASSERT(close <= 1e-6);
        }
}

/* B loaded with the wrong .trans gives a wrong product: the comparison can fail. */
static void test_wrong_layout_is_caught(void) {
  test_rng_seed(test_rng_seed_value());
  for (int k_major = 0; k_major < 2; ++k_major) {
    CU_ASSERT(f16_product(0, 1, k_major, 1, 0) > 0.5);
    CU_ASSERT(f16_product(0, 1, k_major, 1, 1) > 0.5);
  }
}

/* m16n8k8 TF32: A (16 x 8) row-major and B (8 x 8) n-major in shared memory, one plain load
 * per register at the header's offsets. */
static void test_tf32_products(void) {
  test_rng_seed(test_rng_seed_value());
  for (int rep = 0; rep < 40; ++rep) {
    const int integers = rep % 2;
    float A[16 * 8], B[8 * 8], C[16 * 8], D[16 * 8], D2[16 * 8];
    float sa[16 * LD], sb[8 * LD];
    for (int i = 0; i < 16 * 8; ++i) {
      float v;
      test_fill_uniform(&v, 1);
      A[i] = integers ? (float)test_rng_int(-4, 4) : tconv_f32_to_tf32(v);
      test_fill_uniform(&v, 1);
      C[i] = integers ? (float)test_rng_int(-4, 4) : v;
    }
    for (int i = 0; i < 8 * 8; ++i) {
      float v;
      test_fill_uniform(&v, 1);
      B[i] = integers ? (float)test_rng_int(-4, 4) : tconv_f32_to_tf32(v);
    }
    for (int m = 0; m < 16; ++m)
      for (int k = 0; k < 8; ++k)
        sa[m * LD + k] = A[m * 8 + k];
    for (int k = 0; k < 8; ++k)
      for (int n = 0; n < 8; ++n)
        sb[n * LD + k] = B[k * 8 + n];
    uint32_t ra[32][4], rb[32][2];
    float c_regs[32][4], d_regs[32][4];
    for (int lane = 0; lane < 32; ++lane) {
      for (int i = 0; i < 4; ++i)
        ra[lane][i] = tconv_f32_bits(sa[tconv_frag_a_tf32(lane, i, LD)]);
      for (int i = 0; i < 2; ++i)
        rb[lane][i] = tconv_f32_bits(sb[tconv_frag_b_tf32(lane, i, LD)]);
      for (int i = 0; i < 4; ++i) {
        int row, col;
        isa_c(lane, i, &row, &col);
        c_regs[lane][i] = C[row * 8 + col];
      }
    }
    /* The test side's model. */
    float Cm[16][8], Dm[16][8];
    memcpy(Cm, C, sizeof Cm);
    isa_mma1688_tf32(ra, rb, Cm, Dm);
    memcpy(D, Dm, sizeof Dm);
    /* The header's emulation. */
    tconv_mma1688_tf32_emulate(ra, rb, c_regs, d_regs);
    for (int lane = 0; lane < 32; ++lane)
      for (int i = 0; i < 4; ++i) {
        int row, col;
        isa_c(lane, i, &row, &col);
        D2[row * 8 + col] = d_regs[lane][i];
      }
    const double e1 = product_error(16, 8, 8, A, B, C, D),
                 e2 = product_error(16, 8, 8, A, B, C, D2);
    CU_ASSERT(integers ? e1 == 0.0 && e2 == 0.0 : e1 <= 1e-6 && e2 <= 1e-6);
  }
}

static CU_TestInfo mma_tests[] = {
    {"fragment layouts = the PTX ISA tables", test_layouts_match_isa},
    {"ldmatrix + m16n8k16 (f16, bf16; B n- and k-major) = A B + C", test_f16_bf16_products},
    {"a wrong .trans assumption is caught", test_wrong_layout_is_caught},
    {"m16n8k8 tf32 loads = A B + C", test_tf32_products},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_mma[] = {
    {"mma", NULL, NULL, NULL, NULL, mma_tests},
    CU_SUITE_INFO_NULL,
};
