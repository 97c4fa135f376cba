/*
 * test_gpu_typed.c - suite gpu_typed: every CUDA algorithm over every dtype x layout x math
 * combination (typed.h) on seeded random cases. A combination an algorithm's supports rule
 * refuses must come with a sentence; one it takes is run (inputs at odd offsets, or aligned
 * on every other case; y poisoned and guarded) and compared with the reference by the
 * dtype's tolerance. igemm_tc takes float16, bfloat16 and TF32 in every layout (every fourth
 * case has channel counts its 16-byte loaders take); the other CUDA algorithms take float32
 * channels-first STRICT, and the other combinations start running, and being checked, as
 * soon as an algorithm's rule takes them.
 * Registered by the GPU unit when a device is usable.
 */
#include "typed.h"

#include <stdio.h>
#include <stdlib.h>

#define TYPED_GPU_CASES 60

static tconv_context *gpu;

static const tconv_algo typed_algos[] = {TCONV_ALGO_DIRECT,    TCONV_ALGO_IGEMM,
                                         TCONV_ALGO_GEMM,      TCONV_ALGO_DEPTHWISE,
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

static void test_typed_sweep(void) {
  begin_test();
  static int64_t ran[TYPED_ALGO_COUNT][TYPED_COMBO_COUNT];
  int64_t cases = 0, failed = 0;
  while (cases < TYPED_GPU_CASES) {
    test_case c;
    int drawn = typed_draw_case(&c, cases, 4, CASE_WORK_LIMIT / 4);
    if (drawn == 0 && cases % 4 == 0) { /* channel counts igemm_tc's 16-byte loaders take */
      case_scale_channels(&c, 8);
      drawn = case_finish(&c) != 0 ? 1 : c.work > 2 * CASE_WORK_LIMIT ? -1 : 0;
    }
    if (drawn < 0)
      continue;
    if (drawn > 0) {
      ++failed;
      ++cases;
      continue;
    }
    int bad = 0;
    for (size_t a = 0; a < TYPED_ALGO_COUNT && !bad; ++a)
      for (int k = 0; k < TYPED_COMBO_COUNT && !bad; ++k)
        if (typed_supported(gpu, &c, &typed_combos[k], typed_algos[a])) {
          bad = typed_check(gpu, typed_algos[a], &c, &typed_combos[k], 0, (int)(cases % 2));
          ++ran[a][k];
        }
    failed += bad;
    ++cases;
  }
  /* What was compared, per algorithm and combination; float32 nchw strict must have run on
   * every algorithm (float16 nchw strict on igemm_tc, which takes float32 under TF32 math
   * only), so the sweep cannot pass without comparing. */
  for (size_t a = 0; a < TYPED_ALGO_COUNT; ++a) {
    printf("\n  %-9s", tconv_algo_name(typed_algos[a]));
    for (int k = 0; k < TYPED_COMBO_COUNT; ++k)
      if (ran[a][k] > 0) {
        char what[96];
        typed_describe(&typed_combos[k], what, sizeof what);
        printf(" [%s: %lld]", what, (long long)ran[a][k]);
      }
    CU_ASSERT(ran[a][typed_algos[a] == TCONV_ALGO_IGEMM_TC ? 4 : 0] > 0);
  }
  end_test(failed, cases);
}

CU_ErrorCode test_register_gpu_typed(void) {
  CU_pSuite suite = CU_add_suite("gpu_typed", suite_init, suite_cleanup);
  if (suite == NULL)
    return CU_get_error();
  if (CU_add_test(suite, "every algorithm x dtype x layout x math it takes", test_typed_sweep) ==
      NULL)
    return CU_get_error();
  return CUE_SUCCESS;
}
