/*
 * main.c - the test runner: registers the suite tables of the units listed in units.def, runs
 * them with CUnit's basic interface and exits non-zero when any failure was recorded.
 *
 * Environment: TCONV_TEST_SEED (random seed, printed), TCONV_TEST_ONLY (comma list of the
 * units of units.def to run), TCONV_REQUIRE_GPU=1 (a skipped GPU suite is a failure),
 * TCONV_CLI and TCONV_TEST_DATA (paths; set by make test), TCONV_TEST_CHILD (set by the GPU
 * suites for the child processes they start).
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
  /* Every row of units.def whose unit is selected; the GPU rows only when a device is usable
   * (otherwise one line says they were skipped, and nothing is counted for them). */
  static const struct {
    const char *unit;
    CU_SuiteInfo *table;
  } units[] = {
#define UNIT(unit, file) {#unit, test_suites_##file},
#define GPU_UNIT(unit, file)
#include "units.def"
#undef UNIT
#undef GPU_UNIT
  };
  static const struct {
    const char *unit;
    CU_SuiteInfo *(*table)(void);
  } gpu_units[] = {
#define UNIT(unit, file)
#define GPU_UNIT(unit, file) {#unit, test_suites_##file},
#include "units.def"
#undef UNIT
#undef GPU_UNIT
  };
  int gpu_wanted = 0;
  for (size_t i = 0; i < sizeof gpu_units / sizeof gpu_units[0]; ++i)
    gpu_wanted |= selected(gpu_units[i].unit);
  char reason[512] = "";
  const int gpu_skipped = gpu_wanted && tconv_cuda_probe(reason, sizeof reason) != TCONV_STATUS_OK;
  if (gpu_skipped)
    printf("GPU suites: SKIPPED (%s)\n", reason);
  CU_ErrorCode error = CUE_SUCCESS;
  for (size_t i = 0; i < sizeof units / sizeof units[0] && error == CUE_SUCCESS; ++i)
    if (selected(units[i].unit))
      error = CU_register_suites(units[i].table);
  for (size_t i = 0; i < sizeof gpu_units / sizeof gpu_units[0] && error == CUE_SUCCESS; ++i)
    if (gpu_wanted && !gpu_skipped && selected(gpu_units[i].unit))
      error = CU_register_suites(gpu_units[i].table());
  if (error != CUE_SUCCESS) {
    fprintf(stderr, "cannot register the suites: %s\n", CU_get_error_msg());
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
