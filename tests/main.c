/*
 * main.c - the test runner: registers every suite, runs them with CUnit's basic interface
 * and exits non-zero when any failure was recorded.
 *
 * Environment: TCONV_TEST_SEED (random seed, printed), TCONV_TEST_ONLY (comma list of units
 * to run: shape,reference,api,index,golden,cli,
 * conventions,onnx,threads,examples,explain,upsample,npy,solve,algos,gemm,direct,verify,float16,
 * typed,mma,cpu,igemm_tc,gpu), TCONV_REQUIRE_GPU=1 (a skipped GPU suite is a failure), TCONV_CLI and
 * TCONV_TEST_DATA (paths; set by make test), TCONV_TEST_CHILD (set by the GPU suites for the
 * child processes they start).
 */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether `unit` is selected by TCONV_TEST_ONLY (everything when unset or empty). */
static int selected(const char *unit) {
  const char *only = getenv("TCONV_TEST_ONLY");
  if (only == NULL || only[0] == '\0')
    return 1;
  const size_t len = strlen(unit);
  for (const char *p = only; *p != '\0';) {
    const char *end = strchr(p, ',');
    const size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
    if (n == len && strncmp(p, unit, n) == 0)
      return 1;
    p += n + (end != NULL);
  }
  return 0;
}

int main(void) {
  /* A GPU test running this binary as a fresh child process (tests/test_gpu_process.c). */
  const char *child = getenv("TCONV_TEST_CHILD");
  if (child != NULL && child[0] != '\0')
    return test_child_main(child);
  const char *seed_text = getenv("TCONV_TEST_SEED");
  const uint64_t seed =
      seed_text != NULL && seed_text[0] != '\0' ? strtoull(seed_text, NULL, 0) : 20261121u;
  test_rng_seed(seed);
  printf("tconv %s tests, seed %" PRIu64 " (set TCONV_TEST_SEED to change)\n",
         tconv_version_string(), seed);

  if (CU_initialize_registry() != CUE_SUCCESS) {
    fprintf(stderr, "cannot initialise CUnit: %s\n", CU_get_error_msg());
    return 1;
  }
  static const struct {
    const char *name;
    CU_ErrorCode (*reg)(void);
  } units[] = {
      {"shape", test_register_shape},   {"reference", test_register_reference},
      {"api", test_register_api},       {"index", test_register_index},
      {"golden", test_register_golden}, {"cli", test_register_cli},
      {"conventions", test_register_conventions}, {"onnx", test_register_onnx}, {"threads", test_register_threads}, {"examples", test_register_examples},
      {"explain", test_register_explain}, {"upsample", test_register_upsample},
      {"npy", test_register_npy},         {"solve", test_register_solve},
      {"algos", test_register_algos},     {"gemm", test_register_gemm},
      {"direct", test_register_direct},   {"verify", test_register_verify},
      {"float16", test_register_float16}, {"typed", test_register_typed},
      {"mma", test_register_mma},
      {"cpu", test_register_cpu},
      {"igemm_tc", test_register_igemm_tc},
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i) {
    if (selected(units[i].name) && units[i].reg() != CUE_SUCCESS) {
      fprintf(stderr, "cannot register suite %s: %s\n", units[i].name, CU_get_error_msg());
      CU_cleanup_registry();
      return 1;
    }
  }
  int gpu_skipped = 0;
  if (selected("gpu") && test_register_gpu(&gpu_skipped) != CUE_SUCCESS) {
    fprintf(stderr, "cannot register the GPU suites: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 1;
  }

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  const unsigned failures = CU_get_number_of_failure_records();
  const unsigned ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();

  const char *require = getenv("TCONV_REQUIRE_GPU");
  const int require_gpu = require != NULL && strcmp(require, "1") == 0;
  if (gpu_skipped)
    printf("\nGPU suites were SKIPPED: nothing was counted for them.%s\n",
           require_gpu ? " REQUIRE_GPU=1: failing." : "");
  if (ran == 0) {
    printf("no test ran\n");
    return 1;
  }
  return failures != 0 || (gpu_skipped && require_gpu) ? 1 : 0;
}
