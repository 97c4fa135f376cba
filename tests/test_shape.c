/*
 * test_shape.c - suite "shape": output sizes of both ops against brute force (counting
 * kernel positions), over every small combination of size, kernel, stride, dilation, pads and
 * output_padding; per-dimension parameters in ranks 2 and 3; overflow detection.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

/* Number of kernel windows a convolution fits into the padded input: counts positions. */
static int64_t brute_conv_size(int64_t i, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  int64_t count = 0;
  for (int64_t start = -pb;; start += s) {
    const int64_t last_tap = start + d * (k - 1);
    if (last_tap > i - 1 + pe)
      break;
    ++count;
  }
  return count;
}

/* The transposed output by counting: the scatter of the input covers full positions
 * 0 .. max(t*s + j*d); output_padding appends op positions; pb and pe are cropped. 0 when
 * nothing is left. */
static int64_t brute_transpose_size(int64_t i, int64_t k, int64_t s, int64_t d, int64_t pb,
                                    int64_t pe, int64_t op) {
  int64_t full = 0;
  for (int64_t t = 0; t < i; ++t)
    for (int64_t j = 0; j < k; ++j)
      if (t * s + j * d + 1 > full)
        full = t * s + j * d + 1;
  int64_t count = 0;
  for (int64_t q = 0; q < full + op; ++q)
    count += q >= pb && q < full + op - pe;
  return count;
}

static void test_conv_size_matches_brute_force(void) {
  int64_t checked = 0, mismatches = 0;
  for (int64_t i = 1; i <= 11; ++i)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t d = 1; d <= 3; ++d)
          for (int64_t pb = 0; pb <= 5; ++pb)
            for (int64_t pe = 0; pe <= 5; ++pe) {
              const tconv_params p = test_params_1d(s, d, pb, pe, 0);
              const int64_t x[3] = {2, 3, i}, w[3] = {4, 3, k};
              int64_t y[3] = {0, 0, 0};
              const tconv_status st = tconv_conv_output_shape(&p, x, w, y);
              const int fits = i + pb + pe >= d * (k - 1) + 1;
              const int64_t want = fits ? brute_conv_size(i, k, s, d, pb, pe) : 0;
              ++checked;
              if (fits ? (st != TCONV_STATUS_OK || y[2] != want || y[0] != 2 || y[1] != 4)
                       : st != TCONV_STATUS_INVALID_ARGUMENT) {
                if (mismatches++ < 5)
                  printf("\n  conv i=%lld k=%lld s=%lld d=%lld pb=%lld pe=%lld: status %s o=%lld, "
                         "brute force %lld",
                         (long long)i, (long long)k, (long long)s, (long long)d, (long long)pb,
                         (long long)pe, tconv_status_name(st), (long long)y[2], (long long)want);
              }
            }
  CU_ASSERT_EQUAL(mismatches, 0);
  CU_ASSERT(checked > 10000);
}

static void test_transpose_size_matches_brute_force(void) {
  int64_t checked = 0, valid = 0, mismatches = 0;
  for (int64_t i = 1; i <= 9; ++i)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t d = 1; d <= 3; ++d)
          for (int64_t pb = 0; pb <= 6; ++pb)
            for (int64_t pe = 0; pe <= 6; ++pe)
              for (int64_t op = 0; op < (s > d ? s : d); ++op) {
                const tconv_params p = test_params_1d(s, d, pb, pe, op);
                const int64_t x[3] = {3, 4, i}, w[3] = {4, 5, k};
                int64_t y[3] = {0, 0, 0};
                const tconv_status st = tconv_transpose_output_shape(&p, x, w, y);
                const int64_t want = brute_transpose_size(i, k, s, d, pb, pe, op);
                ++checked;
                valid += want >= 1;
                if (want >= 1 ? (st != TCONV_STATUS_OK || y[2] != want || y[1] != 5)
                              : st != TCONV_STATUS_INVALID_ARGUMENT) {
                  if (mismatches++ < 5)
                    printf("\n  transposed i=%lld k=%lld s=%lld d=%lld pb=%lld pe=%lld op=%lld: "
                           "status %s o=%lld, brute force %lld",
                           (long long)i, (long long)k, (long long)s, (long long)d, (long long)pb,
                           (long long)pe, (long long)op, tconv_status_name(st), (long long)y[2],
                           (long long)want);
                }
              }
  CU_ASSERT_EQUAL(mismatches, 0);
  CU_ASSERT(valid > 10000);
  CU_ASSERT(checked > valid); /* the sweep reaches the invalid region too */
}

static void test_per_dimension_parameters(void) {
  tconv_params p = tconv_params_default(3);
  const int64_t s[3] = {1, 2, 3}, d[3] = {2, 1, 1}, pb[3] = {0, 1, 2}, pe[3] = {1, 0, 2},
                op[3] = {1, 1, 2};
  for (int a = 0; a < 3; ++a) {
    p.stride[a] = s[a];
    p.dilation[a] = d[a];
    p.pad_begin[a] = pb[a];
    p.pad_end[a] = pe[a];
    p.output_padding[a] = op[a];
  }
  p.groups = 2;
  const int64_t x[5] = {1, 4, 5, 6, 7}, w[5] = {4, 3, 2, 3, 4};
  int64_t y[5];
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x, w, y), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(y[0], 1);
  CU_ASSERT_EQUAL(y[1], 6); /* Cout = (Cout/g) * g */
  for (int a = 0; a < 3; ++a)
    CU_ASSERT_EQUAL(y[2 + a],
                    brute_transpose_size(x[2 + a], w[2 + a], s[a], d[a], pb[a], pe[a], op[a]));

  tconv_params c = p;
  for (int a = 0; a < 3; ++a)
    c.output_padding[a] = 0;
  const int64_t wc[5] = {6, 2, 2, 3, 4};
  CU_ASSERT_EQUAL_FATAL(tconv_conv_output_shape(&c, x, wc, y), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(y[1], 6);
  for (int a = 0; a < 3; ++a)
    CU_ASSERT_EQUAL(y[2 + a], brute_conv_size(x[2 + a], wc[2 + a], s[a], d[a], pb[a], pe[a]));
}

/* The shape of DESIGN's examples and the usual upsampling layers. */
static void test_known_layers(void) {
  tconv_params p = tconv_params_default(2);
  tconv_params_set_uniform(&p, 2, 1, 1, 0);
  const int64_t x[4] = {64, 1024, 4, 4}, w[4] = {1024, 512, 4, 4};
  int64_t y[4];
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x, w, y), TCONV_STATUS_OK);
  CU_ASSERT(y[0] == 64 && y[1] == 512 && y[2] == 8 && y[3] == 8); /* dcgan.up1 */

  tconv_params_set_uniform(&p, 2, 1, 1, 1);
  const int64_t x2[4] = {16, 256, 32, 32}, w2[4] = {256, 128, 3, 3};
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x2, w2, y), TCONV_STATUS_OK);
  CU_ASSERT(y[2] == 64 && y[3] == 64); /* ae.k3s2: output_padding 1 */

  tconv_params c = tconv_params_default(1);
  c.stride[0] = 5;
  const int64_t x3[3] = {8, 1, 16000}, w3[3] = {512, 1, 10};
  CU_ASSERT_EQUAL_FATAL(tconv_conv_output_shape(&c, x3, w3, y), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(y[2], 3199); /* wav2vec.c0 */
}

static void test_overflow_is_detected(void) {
  tconv_params p = tconv_params_default(1);
  p.stride[0] = INT64_C(1) << 40;
  const int64_t x[3] = {1, 1, INT64_C(1) << 40}, w[3] = {1, 1, 3};
  int64_t y[3] = {-7, -7, -7};
  CU_ASSERT_EQUAL(tconv_transpose_output_shape(&p, x, w, y), TCONV_STATUS_SIZE_OVERFLOW);
  CU_ASSERT_EQUAL(y[2], -7);

  tconv_params q = tconv_params_default(1);
  q.dilation[0] = INT64_MAX / 2;
  const int64_t w2[3] = {1, 1, 4};
  CU_ASSERT_EQUAL(tconv_conv_output_shape(&q, x, w2, y), TCONV_STATUS_SIZE_OVERFLOW);

  /* Every size fits alone, the element count does not. */
  tconv_params r = tconv_params_default(2);
  const int64_t big[4] = {INT64_C(1) << 20, INT64_C(1) << 20, INT64_C(1) << 20, 4},
                wb[4] = {INT64_C(1) << 20, 1, 1, 1};
  CU_ASSERT_EQUAL(tconv_transpose_output_shape(&r, big, wb, y), TCONV_STATUS_SIZE_OVERFLOW);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "overflow"));
}

static CU_TestInfo shape_tests[] = {
    {"conv size = brute force", test_conv_size_matches_brute_force},
    {"transposed size = brute force", test_transpose_size_matches_brute_force},
    {"per-dimension parameters", test_per_dimension_parameters},
    {"known layers", test_known_layers},
    {"overflow detected", test_overflow_is_detected},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_shape[] = {
    {"shape", NULL, NULL, NULL, NULL, shape_tests},
    CU_SUITE_INFO_NULL,
};
