/*
 * test_igemm_patch.c - suite "igemm_patch_emulated" (unit "igemm_patch"): the implicit GEMM's
 * patch kernel (cuda/igemm_patch.cuh) run on the CPU by tests/igemm_patch_emu.cpp, against
 * the CPU reference: random transposed convolutions and convolutions of rank 1-3 drawn
 * inside what the kernel takes (strides 1-4, kernels 1-5, dilations, padding, output
 * padding, groups, Cout/g 1-8, bias, activations), both configurations, 4- and 16-byte
 * copies; y poisoned first, shared memory and registers NaN before each block; forward with
 * copies landing at the wait, in reverse with copies landing at once, bitwise equal. Beside:
 * the DCGAN output layer's geometry, and problems outside the kernel refused with a reason.
 */
#include "cases.h"
#include "igemm_patch_emu.h"

#include "algos.h"
#include "igemm_patch_args.h"
#include "suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct { int64_t config[TCONV_PATCH_CONFIG_COUNT], vec, reversed, refused; } seen;

/* Whether the patch kernel takes case c's problem p in `config`. */
static int patch_fits(const tconv_problem *p, int config, int vec) {
  tconv_patch_args pa;
  char why[160];
  tconv_patch_args_make(p, config, vec, &pa);
  return tconv_patch_fits(p, &pa, why, sizeof why);
}

/* One run into y (poisoned first). Returns 1 after recording a failure. */
static int run_once(const test_case *c, const tconv_problem *p, int config, int vec, int reverse,
                    const float *x, const float *w, const float *bias, float *y) {
  test_patch_run run;
  memset(&run, 0, sizeof run);
  run.config = config;
  run.vec = vec;
  run.reverse = reverse;
  run.late = !reverse;
  case_poison(y, c->y_count);
  if (test_patch_emulate(p, &run, x, w, bias, y) != 0) {
    CASE_FAIL(c, "patch config %d vec %d: %s", config, vec, run.error);
    return 1;
  }
  ++seen.config[config];
  seen.vec += vec;
  seen.reversed += reverse;
  return 0;
}

/* Case c in every configuration and copy width the kernel takes it in, on floats and small
 * integers against the reference, every one bitwise equal to the first (the same products in
 * the same order); with both_orders also in reverse, bitwise equal. Returns 1 on a failure;
 * *ran counts the launches. */
static int emulate_case(test_case *c, int both_orders, int64_t *ran) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  case_buffers bu;
  if (case_buffers_alloc(c, &bu) != 0)
    return 1;
  int failed = 1;
  float *first = malloc((size_t)c->y_count * sizeof(float));
  if (first == NULL)
    goto done;
  for (int integers = 0; integers < 2; ++integers) {
    int runs = 0;
    case_fill_inputs(c, integers, bu.x, bu.w, bu.bias);
    const float *b = c->bias ? bu.bias : NULL;
    if (case_reference(c, bu.x, bu.w, b, bu.ref) != 0)
      goto done;
    for (int config = 0; config < TCONV_PATCH_CONFIG_COUNT; ++config)
      for (int vec = 0; vec < 2; ++vec) {
        if (!patch_fits(&p, config, vec))
          continue;
        char what[96];
        snprintf(what, sizeof what, "patch config %d vec %d, %s", config, vec,
                 integers ? "integers" : "floats");
        if (run_once(c, &p, config, vec, 0, bu.x, bu.w, b, bu.y) != 0 ||
            case_compare(c, what, integers, bu.y, bu.ref) != 0)
          goto done;
        if (runs++ == 0)
          memcpy(first, bu.y, (size_t)c->y_count * sizeof(float));
        else if (case_compare_exact(c, "patch configurations and copy widths agree", bu.y, first) !=
                 0)
          goto done;
        ++*ran;
        if (both_orders) {
          snprintf(what, sizeof what, "patch config %d vec %d, reversed vs forward", config, vec);
          if (run_once(c, &p, config, vec, 1, bu.x, bu.w, b, bu.y2) != 0 ||
              case_compare_exact(c, what, bu.y2, bu.y) != 0)
            goto done;
        }
      }
  }
  failed = 0;
done:
  free(first);
  case_buffers_free(&bu);
  return failed;
}

/* A random case the patch kernel is meant for: along the innermost dimension a transposed
 * convolution with d/gcd(s, d) = 1 or a convolution of stride and dilation 1, few taps;
 * Cout/g 1-8. Not finished. */
static void random_patch_case(test_case *c) {
  case_random(c, test_rng_int(0, 2) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV, (int)test_rng_int(1, 3));
  const int last = c->rank - 1;
  c->groups = test_rng_int(1, 3);
  c->cin = c->groups * test_rng_int(1, 5);
  c->cout = c->groups * test_rng_int(1, 8);
  if (c->op == TCONV_OP_CONV) {
    c->s[last] = c->d[last] = 1;
    c->k[last] = test_rng_int(1, 4);
  } else {
    c->d[last] = test_rng_int(0, 1) ? 1 : c->s[last]; /* d / gcd(s, d) = 1 */
    c->k[last] = test_rng_int(1, 5);
    c->opad[last] = test_rng_int(0, max_i64(c->s[last], c->d[last]) - 1);
  }
  c->in[last] = test_rng_int(1, 40);
  if (test_rng_int(0, 1))
    c->in[last] = (c->in[last] + 3) / 4 * 4; /* rows on 16 bytes: 16-byte copies */
  for (int i = 0; i < c->rank; ++i) {
    const int64_t ke = c->d[i] * (c->k[i] - 1) + 1;
    c->pb[i] = test_rng_int(0, ke - 1);
    c->pe[i] = test_rng_int(0, ke - 1);
    case_fit_input(c, i);
  }
  c->activation = (int)test_rng_int(0, 5);
  static const float alphas[6] = {0, 0, 0.2f, 0, 0, -0.5f}, betas[6] = {0, 0, 0, 0, 0, 0.75f};
  c->alpha = alphas[c->activation];
  c->beta = betas[c->activation];
}

static void test_patch_random(void) {
  begin_test();
  int64_t cases = 0, failed = 0, ran = 0;
  while (cases < 300) {
    test_case c;
    random_patch_case(&c);
    tconv_problem p;
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > CASE_WORK_LIMIT / 4 || case_problem(&c, &p) != 0 ||
        (!patch_fits(&p, 0, 0) && !patch_fits(&p, 1, 0)))
      continue; /* redraw: bounded work, and a case the kernel takes */
    failed += emulate_case(&c, cases % 4 == 0, &ran);
    ++cases;
  }
  printf("\n  %lld launches", (long long)ran);
  end_test(failed, cases);
}

/* The DCGAN output layer's geometry (k4 s2 p1, 32x32 -> 64x64, Cout 3) with fewer input
 * channels, two images; a wider one (Cout 8), a 3x3 convolution of stride 1 (an RGB output
 * layer of a super-resolution network) and a 3-D one. */
static void test_patch_layers(void) {
  /* clang-format off */
  static const case_spec rows[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
    {TCONV_OP_TRANSPOSE, 2, 2, 5, 3, 1, 1, {32, 32, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    {TCONV_OP_TRANSPOSE, 2, 1, 3, 8, 1, 0, {20, 36, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    {TCONV_OP_CONV, 2, 1, 4, 3, 1, 1, {40, 37, 1}, {3, 3, 1}, {1, 1, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    {TCONV_OP_TRANSPOSE, 3, 1, 3, 2, 1, 1, {4, 6, 8}, {2, 4, 4}, {2, 2, 2}, {1, 1, 1},
     {0, 1, 1}, {0, 1, 1}, {0, 0, 0}},
  };
  /* clang-format on */
  begin_test();
  int64_t cases = 0, failed = 0, ran = 0;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    test_case c;
    tconv_problem p;
    case_from_spec(&c, &rows[i]);
    if (case_finish(&c) != 0 || case_problem(&c, &p) != 0 || !patch_fits(&p, 1, 0)) {
      CASE_FAIL(&c, "the layer does not fit the patch kernel");
      ++failed;
      continue;
    }
    failed += emulate_case(&c, 1, &ran);
    ++cases;
  }
  CU_ASSERT(ran >= 8);
  end_test(failed, cases);
}

/* Problems outside the kernel: refused by the emulation with the rule's sentence. */
static void test_patch_refusals(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 40) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    tconv_problem p;
    if (case_finish(&c) != 0 || case_problem(&c, &p) != 0 || patch_fits(&p, 1, 0))
      continue;
    case_buffers bu;
    if (case_buffers_alloc(&c, &bu) != 0) {
      ++failed, ++cases;
      continue;
    }
    test_patch_run run;
    memset(&run, 0, sizeof run);
    run.config = 1;
    case_poison(bu.y, c.y_count);
    if (test_patch_emulate(&p, &run, bu.x, bu.w, NULL, bu.y) == 0 ||
        strncmp(run.error, "igemm patch kernel: ", 20) != 0) {
      CASE_FAIL(&c, "the patch kernel ran a problem outside its rule (%s)", run.error);
      ++failed;
    }
    case_buffers_free(&bu);
    ++seen.refused;
    ++cases;
  }
  end_test(failed, cases);
}

static void test_patch_variants_ran(void) {
  printf("\n  configurations %lld / %lld runs, 16-byte copies %lld, reversed %lld, refused %lld",
         (long long)seen.config[0], (long long)seen.config[1], (long long)seen.vec,
         (long long)seen.reversed, (long long)seen.refused);
  CU_ASSERT(seen.config[0] >= 100 && seen.config[1] >= 100);
  CU_ASSERT(seen.vec >= 50 && seen.reversed >= 50 && seen.refused >= 40);
}

static CU_TestInfo igemm_patch_tests[] = {
    {"random cases the patch kernel takes", test_patch_random},
    {"layer geometries", test_patch_layers},
    {"problems outside the kernel refused", test_patch_refusals},
    {"every variant ran", test_patch_variants_ran},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_igemm_patch[] = {
    {"igemm_patch_emulated", NULL, NULL, NULL, NULL, igemm_patch_tests},
    CU_SUITE_INFO_NULL,
};
