/*
 * test_gpu_typed.c - suite gpu_typed: every CUDA algorithm over every dtype x layout x math
 * combination (typed.h) on seeded random cases, through the public API.
 *
 * The sweep: every other case is made depthwise (groups = Cin = Cout), so the depthwise
 * algorithm runs too, and every fourth has its channel counts scaled by 8, which igemm_tc's
 * 16-byte loaders take. A combination an algorithm's supports rule refuses must come with a
 * sentence; one it takes is run (inputs at odd offsets, or aligned in two cases of four, the
 * scaled one among them; y poisoned and guarded) and compared with the float32 reference of
 * the rounded inputs by the dtype's tolerance rule (host/tolerance.c). Every combination the
 * algorithm is meant to take (typed_cuda_takes: direct, depthwise, gemm and AUTO all, the
 * implicit GEMM float32 channels-first STRICT, igemm_tc float16, bfloat16 and TF32) must
 * have run, so the sweep cannot pass without comparing.
 *
 * The support matrix: tconv_algo_supported on the CUDA context answers OK or UNSUPPORTED per
 * algorithm and combination as typed_cuda_takes says, a refusal naming what it refuses.
 *
 * Registered by the GPU unit when a device is usable (skipped, and not counted, otherwise).
 */
#include "typed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPED_GPU_CASES 60

static tconv_context *gpu;

static const tconv_algo typed_algos[] = {TCONV_ALGO_DIRECT,   TCONV_ALGO_IGEMM,
                                         TCONV_ALGO_GEMM,     TCONV_ALGO_DEPTHWISE,
                                         TCONV_ALGO_IGEMM_TC, TCONV_ALGO_AUTO};
#define TYPED_ALGO_COUNT (sizeof typed_algos / sizeof typed_algos[0])

static int suite_init(void) {
  return tconv_context_create(TCONV_BACKEND_CUDA, 0, &gpu) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_context_destroy(gpu);
  gpu = NULL;
  return 0;
}

/* Every other case depthwise; every fourth with channel counts igemm_tc's 16-byte loaders
 * take. */
static int reshape(test_case *c, int64_t index) {
  if (index % 4 == 0)
    case_scale_channels(c, 8);
  else if (index % 2 == 1)
    c->cin = c->cout = c->groups = test_rng_int(1, 5);
  else
    return 0;
  return case_finish(c);
}

static int64_t ran[TYPED_ALGO_COUNT][TYPED_COMBO_COUNT];

/* One case through every algorithm and every combination it takes, the tensors aligned in
 * cases 0 and 1 of every four (data: the case number); 1 on a failure. */
static int gpu_case(const test_case *c, void *data) {
  int64_t *index = data;
  const int aligned = *index % 4 < 2;
  ++*index;
  for (size_t a = 0; a < TYPED_ALGO_COUNT; ++a)
    for (int k = 0; k < TYPED_COMBO_COUNT; ++k)
      if (typed_supported(gpu, c, &typed_combos[k], typed_algos[a])) {
        ++ran[a][k];
        if (typed_check(gpu, typed_algos[a], c, &typed_combos[k], 0, aligned) != 0)
          return 1;
      }
  return 0;
}

static void test_typed_sweep(void) {
  begin_test();
  int64_t index = 0;
  const int64_t failed = typed_sweep(TYPED_GPU_CASES, 4, reshape, gpu_case, &index);
  for (size_t a = 0; a < TYPED_ALGO_COUNT; ++a) {
    printf("\n  %s:", tconv_algo_name(typed_algos[a]));
    for (int k = 0; k < TYPED_COMBO_COUNT; ++k) {
      const char *named;
      if (!typed_cuda_takes(typed_algos[a], &typed_combos[k], &named))
        continue;
      char what[96];
      typed_describe(&typed_combos[k], what, sizeof what);
      printf("%s[%s: %lld]", k % 3 == 0 ? "\n   " : " ", what, (long long)ran[a][k]);
      CU_ASSERT(ran[a][k] > 0);
    }
  }
  end_test(failed, TYPED_GPU_CASES);
}

/* The public query per algorithm and combination on a depthwise transposed problem (one every
 * CUDA algorithm takes in float32 channels-first STRICT). */
static void test_support_matrix(void) {
  tconv_params p = tconv_params_default(2);
  p.groups = 4;
  const int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {4, 1, 3, 3}, yd[4] = {1, 4, 7, 7};
  for (size_t a = 0; a < TYPED_ALGO_COUNT; ++a)
    for (int k = 0; k < TYPED_COMBO_COUNT; ++k) {
      const typed_combo *t = &typed_combos[k];
      const tconv_tensor x = tconv_tensor_make_typed(NULL, 0, 4, xd, t->dtype, t->x);
      const tconv_tensor w = tconv_tensor_make_typed(NULL, 0, 4, wd, t->dtype, t->w);
      const tconv_tensor y = tconv_tensor_make_typed(NULL, 0, 4, yd, t->dtype, t->y);
      tconv_params q = p;
      q.math = t->math;
      const char *named;
      const int takes = typed_cuda_takes(typed_algos[a], t, &named);
      const tconv_status st =
          tconv_algo_supported(gpu, TCONV_OP_TRANSPOSE, &q, &x, &w, &y, typed_algos[a]);
      const char *why = tconv_context_last_error(gpu);
      if (st != (takes ? TCONV_STATUS_OK : TCONV_STATUS_UNSUPPORTED)) {
        char what[96];
        typed_describe(t, what, sizeof what);
        printf("\n  %s, %s: %s (%s)", tconv_algo_name(typed_algos[a]), what, tconv_status_name(st),
               why);
      }
      CU_ASSERT_EQUAL(st, takes ? TCONV_STATUS_OK : TCONV_STATUS_UNSUPPORTED);
      if (!takes && st == TCONV_STATUS_UNSUPPORTED)
        CU_ASSERT_PTR_NOT_NULL(strstr(why, named));
    }
}

static CU_TestInfo gpu_typed_tests[] = {
    {"every algorithm x dtype x layout x math it takes", test_typed_sweep},
    {"tconv_algo_supported per algorithm x dtype x layout x math", test_support_matrix},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo gpu_typed_suites[] = {
    {"gpu_typed", suite_init, suite_cleanup, NULL, NULL, gpu_typed_tests},
    CU_SUITE_INFO_NULL,
};

CU_SuiteInfo *test_suites_gpu_typed(void) { return gpu_typed_suites; }
