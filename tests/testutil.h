/*
 * testutil.h - what every test file shares: the suite registration functions, a seeded
 * random generator (seed printed by the runner), error norms and exact comparison.
 */
#ifndef TCONV_TESTUTIL_H
#define TCONV_TESTUTIL_H

#include "tconv.h"

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

/* Each test file registers its suites; returns CUE_SUCCESS or a CUnit error. */
CU_ErrorCode test_register_shape(void);
CU_ErrorCode test_register_reference(void);
CU_ErrorCode test_register_api(void);
CU_ErrorCode test_register_index(void);
CU_ErrorCode test_register_golden(void);
CU_ErrorCode test_register_cli(void);
CU_ErrorCode test_register_conventions(void);
CU_ErrorCode test_register_onnx(void);
CU_ErrorCode test_register_threads(void);
CU_ErrorCode test_register_examples(void);
CU_ErrorCode test_register_explain(void);
CU_ErrorCode test_register_upsample(void);
CU_ErrorCode test_register_npy(void);
CU_ErrorCode test_register_solve(void);
CU_ErrorCode test_register_algos(void);
CU_ErrorCode test_register_gemm(void);
CU_ErrorCode test_register_verify(void);
/* Registers the GPU suites when a device is usable; otherwise prints
 * "GPU suites: SKIPPED (<reason>)" and registers nothing. Returns 1 in *skipped then. */
CU_ErrorCode test_register_gpu(int *skipped);

/* Deterministic generator (splitmix64). The runner seeds it from TCONV_TEST_SEED or a
 * fixed default and prints the seed. */
void test_rng_seed(uint64_t seed);
uint64_t test_rng_seed_value(void);
uint64_t test_rng_next(void);
/* Uniform integer in [lo, hi]. */
int64_t test_rng_int(int64_t lo, int64_t hi);
/* Fills with uniform values in [-1, 1). */
void test_fill_uniform(float *a, int64_t n);
/* Fills with small integers in [lo, hi]: sums of products stay exact in float32. */
void test_fill_int(float *a, int64_t n, int lo, int hi);

/* max|a-b| / max|b| (max|a-b| when b is all zero); NaN anywhere gives +inf. */
double test_rel_error(const float *a, const float *b, int64_t n);
/* Index of the first element where a and b differ bitwise, or -1. */
int64_t test_first_difference(const float *a, const float *b, int64_t n);
/* Product of dims[0..rank). */
int64_t test_count(int rank, const int64_t *dims);
/* Directory holding tests/data (from TCONV_TEST_DATA, default "tests/data"). */
const char *test_data_dir(void);
/* Path of the CLI binary (from TCONV_CLI, default "build/bin/tconv"). */
const char *test_cli_path(void);

#define TEST_F32_TOLERANCE 1e-5 /* DESIGN: float32 relative error against double reference */

#endif /* TCONV_TESTUTIL_H */
