/*
 * test_verify.c - suite "verify": verify mode on the CPU backend. A wrong value planted in
 * y after the computation (tconv_test_plant, the library's test hook) is caught with the
 * exact sentence; without verify mode the plant lands and the call succeeds; correct results
 * pass over a sweep of both ops; NaN and infinity; the tolerance's boundary, exactly;
 * TCONV_VERIFY in the environment; tconv_context_set_verify's arguments.
 */
#include "testutil.h"

#include "internal.h" /* tconv_test_plant */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One problem on host arrays, run through a CPU context's forward call. */
typedef struct vcase {
  tconv_op op;
  tconv_params p;
  int64_t xd[TCONV_MAX_RANK], wd[TCONV_MAX_RANK], yd[TCONV_MAX_RANK];
  int rank; /* spatial_rank + 2 */
  int64_t x_count, w_count, y_count, cout;
  float *x, *w, *bias, *y, *ref; /* ref: the public reference's result (gather) */
} vcase;

static void vcase_free(vcase *c) {
  free(c->x), free(c->w), free(c->bias), free(c->y), free(c->ref);
  memset(c, 0, sizeof *c);
}

/* Sizes from p and the dims; data left to the caller (vcase_fill). Returns 0 on failure. */
static int vcase_init(vcase *c, tconv_op op, const tconv_params *p, const int64_t *xd,
                      const int64_t *wd, int with_bias) {
  memset(c, 0, sizeof *c);
  c->op = op;
  c->p = *p;
  c->rank = p->spatial_rank + 2;
  memcpy(c->xd, xd, sizeof(int64_t) * (size_t)c->rank);
  memcpy(c->wd, wd, sizeof(int64_t) * (size_t)c->rank);
  const tconv_status st = op == TCONV_OP_CONV ? tconv_conv_output_shape(p, xd, wd, c->yd)
                                              : tconv_transpose_output_shape(p, xd, wd, c->yd);
  if (st != TCONV_STATUS_OK)
    return 0;
  c->x_count = test_count(c->rank, c->xd);
  c->w_count = test_count(c->rank, c->wd);
  c->y_count = test_count(c->rank, c->yd);
  c->cout = c->yd[1];
  c->x = calloc((size_t)c->x_count, sizeof(float));
  c->w = calloc((size_t)c->w_count, sizeof(float));
  c->bias = with_bias ? calloc((size_t)c->cout, sizeof(float)) : NULL;
  c->y = calloc((size_t)c->y_count, sizeof(float));
  c->ref = calloc((size_t)c->y_count, sizeof(float));
  return c->x != NULL && c->w != NULL && c->y != NULL && c->ref != NULL &&
         (!with_bias || c->bias != NULL);
}

/* The expected result from the public reference (gather formulation). */
static tconv_status vcase_reference(vcase *c) {
  return c->op == TCONV_OP_CONV
             ? tconv_reference_conv(&c->p, c->xd, c->x, c->wd, c->w, c->bias, c->yd, c->ref)
             : tconv_reference_transpose(&c->p, TCONV_FORMULATION_GATHER, c->xd, c->x, c->wd, c->w,
                                         c->bias, c->yd, c->ref);
}

/* The forward call on ctx (CPU backend), with the host arrays wrapped as buffers. */
static tconv_status vcase_forward(tconv_context *ctx, vcase *c) {
  tconv_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL;
  tconv_status st = tconv_buffer_wrap(ctx, c->x, (size_t)c->x_count * sizeof(float), &bx);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, c->w, (size_t)c->w_count * sizeof(float), &bw);
  if (st == TCONV_STATUS_OK && c->bias != NULL)
    st = tconv_buffer_wrap(ctx, c->bias, (size_t)c->cout * sizeof(float), &bb);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, c->y, (size_t)c->y_count * sizeof(float), &by);
  if (st == TCONV_STATUS_OK) {
    const int64_t bias_dims[1] = {c->cout};
    const tconv_tensor tx = tconv_tensor_make(bx, 0, c->rank, c->xd),
                       tw = tconv_tensor_make(bw, 0, c->rank, c->wd),
                       tb = tconv_tensor_make(bb, 0, 1, bias_dims),
                       ty = tconv_tensor_make(by, 0, c->rank, c->yd);
    const tconv_tensor *pb = c->bias != NULL ? &tb : NULL;
    st = c->op == TCONV_OP_CONV
             ? tconv_conv_forward(ctx, &c->p, &tx, &tw, pb, &ty, TCONV_ALGO_AUTO, NULL)
             : tconv_transpose_forward(ctx, &c->p, &tx, &tw, pb, &ty, TCONV_ALGO_AUTO, NULL);
  }
  tconv_buffer_destroy(bx), tconv_buffer_destroy(bw), tconv_buffer_destroy(bb);
  tconv_buffer_destroy(by);
  return st;
}

/* The source material's transposed example: [[0,1],[2,3]] with the kernel [[0,1],[2,3]]
 * gives [[0,0,1],[0,4,6],[4,12,9]] (max|ref| 12). */
static int seed_case(vcase *c) {
  const tconv_params p = tconv_params_default(2);
  const int64_t xd[4] = {1, 1, 2, 2}, wd[4] = {1, 1, 2, 2};
  if (!vcase_init(c, TCONV_OP_TRANSPOSE, &p, xd, wd, 0))
    return 0;
  for (int i = 0; i < 4; ++i)
    c->x[i] = c->w[i] = (float)i;
  return vcase_reference(c) == TCONV_STATUS_OK;
}

/* A CPU context with verify mode as given, whatever TCONV_VERIFY says; NULL on failure. */
static tconv_context *cpu_context(int verify, double tolerance) {
  tconv_context *ctx = NULL;
  if (tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx) != TCONV_STATUS_OK)
    return NULL;
  if (tconv_context_set_verify(ctx, verify, tolerance) != TCONV_STATUS_OK) {
    tconv_context_destroy(ctx);
    return NULL;
  }
  return ctx;
}

/* The seed case and a context for it; NULL (nothing to free) on failure. */
static tconv_context *seed_setup(vcase *c, int verify, double tolerance) {
  tconv_context *ctx = cpu_context(verify, tolerance);
  if (ctx != NULL && !seed_case(c)) {
    vcase_free(c);
    tconv_context_destroy(ctx);
    ctx = NULL;
  }
  return ctx;
}

static void seed_teardown(vcase *c, tconv_context *ctx) {
  vcase_free(c);
  tconv_context_destroy(ctx);
}

/* Runs the seed case with `value` planted at y[5] (n 0, c 0, 1, 2; reference 6). */
static tconv_status seed_with_plant(tconv_context *ctx, vcase *c, float value) {
  tconv_test_plant(ctx, 5, value);
  return vcase_forward(ctx, c);
}

static void test_plant_is_caught_with_the_exact_sentence(void) {
  vcase c;
  tconv_context *ctx = seed_setup(&c, 1, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 1);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 6.5f), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx),
                         "transposed conv: verify: y[5] (n 0, c 0, 1, 2) is 6.5 but the "
                         "reference gives 6 (max|y - ref| 0.5 > 1e-05 * max|ref| 12)");
  CU_ASSERT_STRING_EQUAL(tconv_last_error(), tconv_context_last_error(ctx));
  /* y keeps the computed (planted) result; the rest is the reference's. */
  CU_ASSERT_EQUAL(c.y[5], 6.5f);
  c.y[5] = c.ref[5];
  CU_ASSERT_EQUAL(test_first_difference(c.y, c.ref, c.y_count), -1);
  /* The plant fired once: the next call is clean. */
  CU_ASSERT_EQUAL(vcase_forward(ctx, &c), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx), "");
  seed_teardown(&c, ctx);
}

/* Batch, channels and every spatial coordinate in the sentence, for both ops (rank 3 for
 * conv, rank 2 for transposed). */
static void test_sentence_names_every_coordinate(void) {
  tconv_context *ctx = cpu_context(1, 0.5);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  for (int op = 0; op < 2; ++op) {
    vcase c;
    tconv_params p = tconv_params_default(op == 0 ? 3 : 2);
    const int64_t xd3[5] = {2, 4, 5, 6, 3}, wd3[5] = {4, 2, 2, 3, 2};
    const int64_t xd2[4] = {2, 4, 5, 3}, wd2[4] = {4, 3, 3, 2};
    p.groups = 2;
    p.stride[0] = 2;
    p.pad_begin[1] = 1;
    int ok = op == 0 ? vcase_init(&c, TCONV_OP_CONV, &p, xd3, wd3, 1)
                     : vcase_init(&c, TCONV_OP_TRANSPOSE, &p, xd2, wd2, 1);
    CU_ASSERT_FATAL(ok);
    test_fill_int(c.x, c.x_count, -3, 3);
    test_fill_int(c.w, c.w_count, -3, 3);
    test_fill_int(c.bias, c.cout, -3, 3);
    CU_ASSERT_EQUAL_FATAL(vcase_reference(&c), TCONV_STATUS_OK);
    /* The element (n 1, c cout-1, last, 1[, 0]). */
    const int srank = c.rank - 2;
    int64_t coord[3] = {c.yd[2] - 1, 1, 0};
    int64_t index = 1 * c.cout + (c.cout - 1);
    for (int a = 0; a < srank; ++a)
      index = index * c.yd[2 + a] + coord[a];
    double max_ref = 0.0;
    for (int64_t i = 0; i < c.y_count; ++i)
      max_ref = fmax(max_ref, fabs((double)c.ref[i]));
    CU_ASSERT_FATAL(max_ref > 0.0);
    const float planted = c.ref[index] + 1000.0f;
    tconv_test_plant(ctx, index, planted);
    CU_ASSERT_EQUAL(vcase_forward(ctx, &c), TCONV_STATUS_VERIFY_MISMATCH);
    char expect[512];
    int len = snprintf(expect, sizeof expect, "%s: verify: y[%lld] (n 1, c %lld, %lld, 1",
                       op == 0 ? "conv" : "transposed conv", (long long)index,
                       (long long)(c.cout - 1), (long long)coord[0]);
    if (srank == 3)
      len += snprintf(expect + len, sizeof expect - (size_t)len, ", 0");
    snprintf(expect + len, sizeof expect - (size_t)len,
             ") is %.9g but the reference gives %.9g (max|y - ref| 1000 > 0.5 * max|ref| %.9g)",
             (double)planted, (double)c.ref[index], max_ref);
    CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx), expect);
    CU_ASSERT_EQUAL(c.y[index], planted);
    vcase_free(&c);
  }
  tconv_context_destroy(ctx);
}

static void test_plant_lands_without_verify(void) {
  vcase c;
  tconv_context *ctx = seed_setup(&c, 0, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 0);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, -42.0f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(c.y[5], -42.0f);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx), "");
  c.y[5] = c.ref[5];
  CU_ASSERT_EQUAL(test_first_difference(c.y, c.ref, c.y_count), -1);
  /* Disarmed after one call. */
  CU_ASSERT_EQUAL(vcase_forward(ctx, &c), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(test_first_difference(c.y, c.ref, c.y_count), -1);
  /* Turning verify off again after a mismatch lets the plant through. */
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, 0.0), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 7.0f), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 0, 0.0), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 0);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 7.0f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(c.y[5], 7.0f);
  seed_teardown(&c, ctx);
}

/* An index outside y drops the plant: nothing is written anywhere. */
static void test_plant_out_of_range_is_dropped(void) {
  vcase c;
  tconv_context *ctx = seed_setup(&c, 1, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  const int64_t bad[] = {9, 10, -1, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    tconv_test_plant(ctx, bad[i], 99.0f);
    CU_ASSERT_EQUAL(vcase_forward(ctx, &c), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(test_first_difference(c.y, c.ref, c.y_count), -1);
  }
  seed_teardown(&c, ctx);
}

/* Correct results pass, and verify mode leaves y exactly as the computation wrote it. */
static void test_correct_results_pass_over_a_sweep(void) {
  tconv_context *ctx = cpu_context(1, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  static const tconv_padding_mode conv_modes[] = {TCONV_PADDING_ZEROS, TCONV_PADDING_REFLECT,
                                                  TCONV_PADDING_REPLICATE, TCONV_PADDING_CIRCULAR};
  static const tconv_activation acts[] = {TCONV_ACTIVATION_NONE,       TCONV_ACTIVATION_RELU,
                                          TCONV_ACTIVATION_LEAKY_RELU, TCONV_ACTIVATION_SIGMOID,
                                          TCONV_ACTIVATION_TANH,       TCONV_ACTIVATION_CLAMP};
  int ran = 0;
  for (int op = 0; op < 2; ++op)
    for (int srank = 1; srank <= 3; ++srank)
      for (int mode = 0; mode < 4; ++mode) {
        if (op == TCONV_OP_TRANSPOSE && mode != 0 && mode != 3)
          continue; /* transposed: zeros and circular only */
        for (int act = 0; act < 6; ++act) {
          const int with_bias = (act + mode) % 2;
          tconv_params p = tconv_params_default(srank);
          int64_t xd[TCONV_MAX_RANK] = {1 + act % 2, 2, 0, 0, 0};
          int64_t wd[TCONV_MAX_RANK] = {0, 0, 0, 0, 0};
          const int64_t groups = srank == 2 ? 2 : 1, cout = 4;
          p.groups = groups;
          xd[1] = 2 * groups;
          wd[0] = op == TCONV_OP_CONV ? cout : xd[1];
          wd[1] = op == TCONV_OP_CONV ? xd[1] / groups : cout / groups;
          for (int a = 0; a < srank; ++a) {
            /* Small at rank 3: the circular transposed gather visits in * k * out. */
            xd[2 + a] = srank == 1 ? 7 : srank == 2 ? 4 + a : 3 + (a == 0);
            wd[2 + a] = 2 + (a + act) % 2;
            p.stride[a] = 1 + (a + act) % 2;
            p.dilation[a] = 1 + (act == 2 && a == 0);
            p.pad_begin[a] = (a + mode) % 2;
            p.pad_end[a] = 1;
            if (op == TCONV_OP_TRANSPOSE && act % 3 == 1 && p.stride[a] > 1)
              p.output_padding[a] = 1;
          }
          p.padding_mode = conv_modes[mode];
          p.activation = acts[act];
          if (acts[act] == TCONV_ACTIVATION_LEAKY_RELU)
            p.activation_alpha = 0.125f;
          if (acts[act] == TCONV_ACTIVATION_CLAMP)
            p.activation_alpha = -0.5f, p.activation_beta = 0.75f;
          vcase c;
          if (!vcase_init(&c, (tconv_op)op, &p, xd, wd, with_bias)) {
            CU_FAIL("sweep case does not validate");
            vcase_free(&c);
            continue;
          }
          test_fill_uniform(c.x, c.x_count);
          test_fill_uniform(c.w, c.w_count);
          if (with_bias)
            test_fill_uniform(c.bias, c.cout);
          CU_ASSERT_EQUAL(vcase_reference(&c), TCONV_STATUS_OK);
          const tconv_status st = vcase_forward(ctx, &c);
          CU_ASSERT_EQUAL(st, TCONV_STATUS_OK);
          if (st != TCONV_STATUS_OK)
            printf("\n  op %d rank %d mode %d act %d: %s\n", op, srank, mode, act,
                   tconv_context_last_error(ctx));
          /* AUTO runs a CPU algorithm (float accumulation): close to the reference. */
          CU_ASSERT(test_rel_error(c.y, c.ref, c.y_count) <= TEST_F32_TOLERANCE);
          vcase_free(&c);
          ++ran;
        }
      }
  CU_ASSERT_EQUAL(ran, 3 * 4 * 6 + 3 * 2 * 6); /* conv: 4 modes; transposed: 2 */
  tconv_context_destroy(ctx);
}

static void test_nan_and_infinity(void) {
  vcase c;
  tconv_context *ctx = seed_setup(&c, 1, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, NAN), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx),
                         "transposed conv: verify: y[5] (n 0, c 0, 1, 2) is nan but the "
                         "reference gives 6 (NaN where the reference has a number; tolerance "
                         "1e-05)");
  CU_ASSERT(isnan(c.y[5]));
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, INFINITY), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx),
                                "y[5] (n 0, c 0, 1, 2) is inf but the reference gives 6 (an "
                                "infinity that the reference does not have"));

  /* x[1,1] (= 3) NaN: y[4], y[5], y[7], y[8] are NaN in the result and in the reference,
   * which passes; a number planted at one of them does not. */
  c.x[3] = NAN;
  CU_ASSERT_EQUAL(vcase_forward(ctx, &c), TCONV_STATUS_OK);
  CU_ASSERT(isnan(c.y[4]) && isnan(c.y[5]) && isnan(c.y[7]) && isnan(c.y[8]));
  CU_ASSERT_EQUAL(c.y[6], 4.0f);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 6.0f), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx),
                         "transposed conv: verify: y[5] (n 0, c 0, 1, 2) is 6 but the "
                         "reference gives nan (a number where the reference has NaN; "
                         "tolerance 1e-05)");
  seed_teardown(&c, ctx);
}

/* Tolerance 1/4 and max|ref| 12: the bound 3 is exact, so y[5] (reference 6) may be 3 or 9
 * and not one float further. */
static void test_tolerance_boundary_is_exact(void) {
  vcase c;
  tconv_context *ctx = seed_setup(&c, 1, 0.25);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 9.0f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(c.y[5], 9.0f);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 3.0f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, nextafterf(9.0f, INFINITY)),
                  TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx),
                         "transposed conv: verify: y[5] (n 0, c 0, 1, 2) is 9.00000095 but the "
                         "reference gives 6 (max|y - ref| 3.00000095 > 0.25 * max|ref| 12)");
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, nextafterf(3.0f, -INFINITY)),
                  TCONV_STATUS_VERIFY_MISMATCH);
  /* A tolerance <= 0 selects the default 1e-5. */
  const double defaults[] = {0.0, -1.0, -INFINITY};
  for (int i = 0; i < 3; ++i) {
    CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, defaults[i]), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 6.0f + 0x1p-12f), TCONV_STATUS_VERIFY_MISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "> 1e-05 * max|ref| 12)"));
  }
  /* 1e-5 * 12 = 1.2e-4 lies between 2^-14 and 2^-13 (the float spacing at 6 is 2^-21). */
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 6.0f + 0x1p-14f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 6.0f + 0x1p-13f), TCONV_STATUS_VERIFY_MISMATCH);

  /* An all-zero reference: the scale is the floor 1e-30, so with tolerance 1 a planted
   * 1e-31 passes and 1e-29 does not. */
  memset(c.x, 0, sizeof(float) * (size_t)c.x_count);
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, 1.0), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 1e-31f), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 1e-29f), TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "> 1 * max|ref| 0)"));
  seed_teardown(&c, ctx);
}

/* TCONV_VERIFY=1 turns verify mode on for contexts created while it is set; nothing else
 * does. */
static void test_environment_variable(void) {
  const char *old = getenv("TCONV_VERIFY");
  char *saved = old != NULL ? strdup(old) : NULL;
  const char *values[] = {"1", "0", "", "yes", "true", "11", " 1", "1 "};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; ++i) {
    const int on = strcmp(values[i], "1") == 0;
    CU_ASSERT_EQUAL_FATAL(setenv("TCONV_VERIFY", values[i], 1), 0);
    tconv_context *ctx = NULL;
    CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
    unsetenv("TCONV_VERIFY");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
    CU_ASSERT_EQUAL(tconv_context_verify(ctx), on);
    vcase c;
    CU_ASSERT_FATAL(seed_case(&c));
    CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 100.0f),
                    on ? TCONV_STATUS_VERIFY_MISMATCH : TCONV_STATUS_OK);
    if (on) /* the default tolerance */
      CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "> 1e-05 * max|ref| 12)"));
    vcase_free(&c);
    tconv_context_destroy(ctx);
  }
  tconv_context *ctx = NULL; /* unset: off */
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 0);
  tconv_context_destroy(ctx);
  if (saved != NULL)
    setenv("TCONV_VERIFY", saved, 1);
  free(saved);
}

static void test_set_verify_invalid_arguments(void) {
  CU_ASSERT_EQUAL(tconv_context_set_verify(NULL, 1, 0.0), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "ctx is NULL"));
  CU_ASSERT_EQUAL(tconv_context_verify(NULL), 0);
  tconv_context *ctx = cpu_context(0, 0.0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
  const int bad_enabled[] = {2, -1, 100};
  for (int i = 0; i < 3; ++i) {
    CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, bad_enabled[i], 0.0),
                    TCONV_STATUS_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "enabled"));
    CU_ASSERT_EQUAL(tconv_context_verify(ctx), 0);
  }
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, NAN), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "NaN"));
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 0);
  /* A refused call leaves an earlier setting alone. */
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, 0.25), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 0, NAN), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_context_verify(ctx), 1);
  vcase c;
  CU_ASSERT_FATAL(seed_case(&c));
  CU_ASSERT_EQUAL(seed_with_plant(ctx, &c, 9.0f), TCONV_STATUS_OK); /* still 0.25 */
  seed_teardown(&c, ctx);
}

static CU_TestInfo verify_tests[] = {
    {"planted wrong value: VERIFY_MISMATCH, exact sentence",
     test_plant_is_caught_with_the_exact_sentence},
    {"sentence names n, c and every spatial coordinate", test_sentence_names_every_coordinate},
    {"verify off: the plant lands, OK", test_plant_lands_without_verify},
    {"plant outside y is dropped", test_plant_out_of_range_is_dropped},
    {"correct results pass: both ops, modes, activations, bias",
     test_correct_results_pass_over_a_sweep},
    {"NaN and infinity", test_nan_and_infinity},
    {"tolerance boundary is exact; <= 0 is the default", test_tolerance_boundary_is_exact},
    {"TCONV_VERIFY=1 and nothing else turns it on", test_environment_variable},
    {"set_verify invalid arguments", test_set_verify_invalid_arguments},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_verify[] = {
    {"verify", NULL, NULL, NULL, NULL, verify_tests},
    CU_SUITE_INFO_NULL,
};
