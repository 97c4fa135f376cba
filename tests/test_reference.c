/*
 * test_reference.c - suite "reference": the worked examples exactly; the three formulations
 * of the transposed convolution equal (bitwise, on small-integer data) over a sweep of rank,
 * stride, kernel, padding, dilation, output_padding, groups and batch; the adjoint identity
 * <conv(x), y> = <x, convT(y)>.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void test_seed_convolution_example(void) {
  const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4};
  const int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, 2, 2};
  const float want[4] = {37, 47, 67, 77};
  float y[4] = {0};
  const tconv_params p = tconv_params_default(2);
  CU_ASSERT_EQUAL_FATAL(tconv_reference_conv(&p, xd, x, wd, w, NULL, yd, y), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(test_first_difference(y, want, 4), -1);
}

static void test_seed_transposed_example(void) {
  const float x[4] = {0, 1, 2, 3}, w[4] = {0, 1, 2, 3};
  const int64_t xd[4] = {1, 1, 2, 2}, wd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, 3, 3};
  const float want[9] = {0, 0, 1, 0, 4, 6, 4, 12, 9};
  const tconv_params p = tconv_params_default(2);
  for (int f = TCONV_FORMULATION_GATHER; f <= TCONV_FORMULATION_ZERO_INSERTION; ++f) {
    float y[9] = {0};
    CU_ASSERT_EQUAL_FATAL(
        tconv_reference_transpose(&p, (tconv_formulation)f, xd, x, wd, w, NULL, yd, y),
        TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(test_first_difference(y, want, 9), -1);
  }
}

/* One random transposed-convolution problem; retried until its output size is valid. */
typedef struct {
  tconv_params p;
  int64_t x[TCONV_MAX_RANK], w[TCONV_MAX_RANK], y[TCONV_MAX_RANK];
  int rank;
} random_case;

static void draw_case(random_case *c, int spatial_rank, int64_t max_size) {
  for (;;) {
    c->p = tconv_params_default(spatial_rank);
    c->rank = spatial_rank + 2;
    const int64_t g = test_rng_int(0, 2) == 0 ? 1 : test_rng_int(1, 3);
    const int depthwise = test_rng_int(0, 4) == 0;
    c->p.groups = g;
    const int64_t cin = depthwise ? g : g * test_rng_int(1, 3);
    const int64_t cout_g = depthwise ? 1 : test_rng_int(1, 3);
    c->x[0] = test_rng_int(1, 3);
    c->x[1] = cin;
    c->w[0] = cin;
    c->w[1] = cout_g;
    for (int a = 0; a < spatial_rank; ++a) {
      const int64_t s = test_rng_int(1, 4), d = test_rng_int(1, 3), k = test_rng_int(1, 5);
      const int64_t ke = d * (k - 1) + 1;
      c->p.stride[a] = s;
      c->p.dilation[a] = d;
      c->p.pad_begin[a] = test_rng_int(0, ke + 1); /* up to beyond ke - 1 */
      c->p.pad_end[a] = test_rng_int(0, 2) == 0 ? c->p.pad_begin[a] : test_rng_int(0, ke + 1);
      c->p.output_padding[a] = test_rng_int(0, (s > d ? s : d) - 1);
      c->x[2 + a] = test_rng_int(1, max_size);
      c->w[2 + a] = k;
    }
    if (tconv_transpose_output_shape(&c->p, c->x, c->w, c->y) == TCONV_STATUS_OK)
      return;
  }
}

static void describe_case(const random_case *c, char *out, size_t n) {
  int len = snprintf(out, n, "x=(");
  for (int i = 0; i < c->rank; ++i)
    len += snprintf(out + len, n - (size_t)len, "%s%lld", i ? "," : "", (long long)c->x[i]);
  len += snprintf(out + len, n - (size_t)len, ") w=(");
  for (int i = 0; i < c->rank; ++i)
    len += snprintf(out + len, n - (size_t)len, "%s%lld", i ? "," : "", (long long)c->w[i]);
  len += snprintf(out + len, n - (size_t)len, ") g=%lld", (long long)c->p.groups);
  for (int a = 0; a < c->p.spatial_rank; ++a)
    len += snprintf(out + len, n - (size_t)len, " [s=%lld d=%lld pb=%lld pe=%lld op=%lld]",
                    (long long)c->p.stride[a], (long long)c->p.dilation[a],
                    (long long)c->p.pad_begin[a], (long long)c->p.pad_end[a],
                    (long long)c->p.output_padding[a]);
}

static void test_three_formulations_agree(void) {
  static const int cases_per_rank[3] = {600, 300, 80};
  static const int64_t max_size[3] = {9, 6, 4};
  int failures = 0, compared = 0;
  for (int r = 1; r <= 3; ++r) {
    for (int iter = 0; iter < cases_per_rank[r - 1]; ++iter) {
      random_case c;
      draw_case(&c, r, max_size[r - 1]);
      const int64_t nx = test_count(c.rank, c.x), nw = test_count(c.rank, c.w),
                    ny = test_count(c.rank, c.y);
      float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4),
            *b = malloc((size_t)c.y[1] * 4);
      float *y[3] = {malloc((size_t)ny * 4), malloc((size_t)ny * 4), malloc((size_t)ny * 4)};
      test_fill_int(x, nx, -3, 3);
      test_fill_int(w, nw, -3, 3);
      test_fill_int(b, c.y[1], -5, 5);
      const float *bias = iter % 2 ? b : NULL;
      int ok = 1;
      for (int f = 0; f < 3; ++f) {
        for (int64_t i = 0; i < ny; ++i)
          y[f][i] = NAN; /* poisoned: every output element must be written */
        ok &= tconv_reference_transpose(&c.p, (tconv_formulation)f, c.x, x, c.w, w, bias, c.y,
                                        y[f]) == TCONV_STATUS_OK;
      }
      ok = ok && test_first_difference(y[0], y[1], ny) == -1 &&
           test_first_difference(y[0], y[2], ny) == -1 && !isnan(y[0][0]) && !isnan(y[0][ny - 1]);
      if (!ok && failures++ < 5) {
        char text[512];
        describe_case(&c, text, sizeof text);
        printf("\n  formulations differ: %s", text);
      }
      ++compared;
      free(x), free(w), free(b), free(y[0]), free(y[1]), free(y[2]);
    }
  }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT_EQUAL(compared, 980);
}

/* Float data: the formulations differ only in summation order, far below the tolerance. */
static void test_formulations_agree_on_float_data(void) {
  int failures = 0;
  for (int iter = 0; iter < 150; ++iter) {
    random_case c;
    draw_case(&c, 1 + iter % 3, 6 - iter % 3);
    const int64_t nx = test_count(c.rank, c.x), nw = test_count(c.rank, c.w),
                  ny = test_count(c.rank, c.y);
    float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4);
    float *g = malloc((size_t)ny * 4), *z = malloc((size_t)ny * 4);
    test_fill_uniform(x, nx);
    test_fill_uniform(w, nw);
    int ok = tconv_reference_transpose(&c.p, TCONV_FORMULATION_GATHER, c.x, x, c.w, w, NULL, c.y,
                                       g) == TCONV_STATUS_OK &&
             tconv_reference_transpose(&c.p, TCONV_FORMULATION_ZERO_INSERTION, c.x, x, c.w, w, NULL,
                                       c.y, z) == TCONV_STATUS_OK;
    failures += !ok || test_rel_error(z, g, ny) > 1e-6;
    free(x), free(w), free(g), free(z);
  }
  CU_ASSERT_EQUAL(failures, 0);
}

/* <conv(x), y> = <x, convT(y)> with the same w, stride, pads, dilation and groups. */
static void test_adjoint_identity(void) {
  int failures = 0, exact_cases = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const int r = 1 + iter % 3;
    const int integer_data = iter % 2 == 0;
    tconv_params p = tconv_params_default(r);
    const int64_t g = test_rng_int(1, 3);
    p.groups = g;
    int64_t xd[5] = {test_rng_int(1, 2), g * test_rng_int(1, 3)};
    int64_t wd[5] = {g * test_rng_int(1, 3), xd[1] / g};
    int64_t yd[5], back[5];
    for (int a = 0; a < r; ++a) {
      p.stride[a] = test_rng_int(1, 3);
      p.dilation[a] = test_rng_int(1, 2);
      wd[2 + a] = test_rng_int(1, 4);
      const int64_t ke = p.dilation[a] * (wd[2 + a] - 1) + 1;
      p.pad_begin[a] = test_rng_int(0, ke - 1);
      p.pad_end[a] = test_rng_int(0, ke - 1);
      xd[2 + a] = ke + test_rng_int(0, 7 - 2 * r);
    }
    CU_ASSERT_EQUAL_FATAL(tconv_conv_output_shape(&p, xd, wd, yd), TCONV_STATUS_OK);
    /* The transposed conv of y must have x's size: output_padding makes up what the conv's
     * floor dropped, (i + pb + pe - ke) mod s (DESIGN §1). */
    tconv_params t = p;
    for (int a = 0; a < r; ++a) {
      const int64_t ke = p.dilation[a] * (wd[2 + a] - 1) + 1;
      t.output_padding[a] = (xd[2 + a] + p.pad_begin[a] + p.pad_end[a] - ke) % p.stride[a];
    }
    CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&t, yd, wd, back), TCONV_STATUS_OK);
    for (int a = 0; a < r + 2; ++a)
      CU_ASSERT_EQUAL_FATAL(back[a], xd[a]);

    const int64_t nx = test_count(r + 2, xd), nw = test_count(r + 2, wd),
                  ny = test_count(r + 2, yd);
    float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4), *y = malloc((size_t)ny * 4);
    float *cx = malloc((size_t)ny * 4), *ty = malloc((size_t)nx * 4);
    if (integer_data) {
      test_fill_int(x, nx, -4, 4), test_fill_int(w, nw, -4, 4), test_fill_int(y, ny, -4, 4);
    } else {
      test_fill_uniform(x, nx), test_fill_uniform(w, nw), test_fill_uniform(y, ny);
    }
    CU_ASSERT_EQUAL_FATAL(tconv_reference_conv(&p, xd, x, wd, w, NULL, yd, cx), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL_FATAL(
        tconv_reference_transpose(&t, TCONV_FORMULATION_GATHER, yd, y, wd, w, NULL, xd, ty),
        TCONV_STATUS_OK);
    double lhs = 0, rhs = 0, scale = 0;
    for (int64_t i = 0; i < ny; ++i) {
      lhs += (double)cx[i] * y[i];
      scale += fabs((double)cx[i] * y[i]);
    }
    for (int64_t i = 0; i < nx; ++i)
      rhs += (double)x[i] * ty[i];
    if (integer_data) {
      failures += lhs != rhs; /* every product and sum is an exact small integer */
      ++exact_cases;
    } else {
      failures += fabs(lhs - rhs) > 1e-6 * (scale + 1e-30);
    }
    free(x), free(w), free(y), free(cx), free(ty);
  }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT_EQUAL(exact_cases, 150);
}

/* Bias is added once per output element, including those no input reaches. */
static void test_bias_reaches_uncovered_outputs(void) {
  tconv_params p = tconv_params_default(1);
  p.stride[0] = 3; /* k = 1, s = 3: two of every three outputs see no input */
  p.output_padding[0] = 2;
  const int64_t xd[3] = {1, 1, 2}, wd[3] = {1, 2, 1}, yd[3] = {1, 2, 6};
  const float x[2] = {1, 2}, w[2] = {10, 100}, b[2] = {0.5f, -1};
  const float want[12] = {10.5f, 0.5f, 0.5f, 20.5f, 0.5f, 0.5f, 99, -1, -1, 199, -1, -1};
  for (int f = 0; f < 3; ++f) {
    float y[12];
    CU_ASSERT_EQUAL_FATAL(
        tconv_reference_transpose(&p, (tconv_formulation)f, xd, x, wd, w, b, yd, y),
        TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(test_first_difference(y, want, 12), -1);
  }
}

static CU_TestInfo reference_tests[] = {
    {"worked example: convolution", test_seed_convolution_example},
    {"worked example: transposed, 3 formulations", test_seed_transposed_example},
    {"3 formulations equal on integer data", test_three_formulations_agree},
    {"formulations agree on float data", test_formulations_agree_on_float_data},
    {"adjoint identity", test_adjoint_identity},
    {"bias on uncovered outputs", test_bias_reaches_uncovered_outputs},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_reference[] = {
    {"reference", NULL, NULL, NULL, NULL, reference_tests},
    CU_SUITE_INFO_NULL,
};
