/*
 * testutil.h - what every test file shares: the suite registration functions, a seeded
 * random generator (seed printed by the runner), error norms and exact comparison, and for
 * the suites that run the command-line tool: a temporary directory and the spawn helper.
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
/* tests/test_cli_options.c; registered by test_register_cli (unit "cli"). */
CU_ErrorCode test_register_cli_options(void);
/* tests/test_cli_typed.c; registered by test_register_cli too. */
CU_ErrorCode test_register_cli_typed(void);
/* tests/test_cli.c: small valid .npy inputs in the temporary directory for the CLI failure
 * tests - vx (1, 4, 5, 5), conv weights vw (6, 2, 3, 3) for groups 2, transposed weights vt
 * (4, 3, 3, 3) - written by write_valid_inputs(). */
extern char vx[], vw[], vt[];
void write_valid_inputs(void);
CU_ErrorCode test_register_conventions(void);
CU_ErrorCode test_register_onnx(void);
CU_ErrorCode test_register_threads(void);
CU_ErrorCode test_register_examples(void);
CU_ErrorCode test_register_explain(void);
CU_ErrorCode test_register_upsample(void);
CU_ErrorCode test_register_npy(void);
CU_ErrorCode test_register_solve(void);
CU_ErrorCode test_register_algos(void);
/* tests/test_igemm.c; registered by test_register_algos (unit "algos"). */
CU_ErrorCode test_register_igemm(void);
CU_ErrorCode test_register_gemm(void);
CU_ErrorCode test_register_direct(void);
CU_ErrorCode test_register_verify(void);
CU_ErrorCode test_register_float16(void);
CU_ErrorCode test_register_typed(void);
CU_ErrorCode test_register_mma(void);
CU_ErrorCode test_register_cpu(void);
CU_ErrorCode test_register_igemm_tc(void);
/* Registers the GPU suites when a device is usable; otherwise prints
 * "GPU suites: SKIPPED (<reason>)" and registers nothing. Returns 1 in *skipped then. */
CU_ErrorCode test_register_gpu(int *skipped);
/* tests/test_gpu_process.c: the run of a child process the GPU suites start
 * (TCONV_TEST_CHILD=mode); returns its exit status. */
int test_child_main(const char *mode);

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

/* ---- temporary files and the command-line tool (suites that run build/bin/tconv) ----- */

#define TEST_PATH_SIZE 1024

/* Creates a fresh directory under $TMPDIR (or /tmp) and makes it the current one: a suite's
 * init calls it, its cleanup calls test_tmp_dir_remove(). Returns 0 or -1. */
int test_tmp_dir_make(void);
/* Removes the current temporary directory and the files in it. Returns 0 or -1. */
int test_tmp_dir_remove(void);
const char *test_tmp_dir(void);
/* Writes "<tmp dir>/name" into buf (TEST_PATH_SIZE bytes) and returns buf. */
const char *test_tmp_path(char *buf, const char *name);
int test_file_exists(const char *path);
/* Whether an atomic writer's temporary file (a name containing ".tmp-") was left in the
 * temporary directory. */
int test_tmp_files_left(void);

/* The file's first size - 1 bytes as a NUL-terminated text ("" when it cannot be read). */
void test_read_text(const char *path, char *text, size_t size);

/* What one run of the tool gave. */
typedef struct test_cli_result {
  int status; /* exit status; -1 when it could not run or was killed by a signal */
  char out[262144];
  char err[8192];
} test_cli_result;

/* Runs the tool (test_cli_path()) with the NULL-terminated args (argv[0] is added), stdout
 * and stderr sent to files in the temporary directory (so stdout is not a terminal), and
 * waits at most two minutes. The result lives in static storage until the next run. */
const test_cli_result *test_cli_run(const char *const *args);
#define CLI(...) test_cli_run((const char *const[]){__VA_ARGS__, NULL})

/* CUnit assertions recorded at the caller's line; on failure they print what the tool said. */
void test_expect_exit_at(const test_cli_result *r, int code, const char *what, const char *file,
                         int line);
void test_expect_has_at(const char *text, const char *needle, const char *file, int line);
#define EXPECT_EXIT(r, code, what) test_expect_exit_at((r), (code), (what), __FILE__, __LINE__)
#define EXPECT_HAS(text, needle) test_expect_has_at((text), (needle), __FILE__, __LINE__)

/* Runs args (with "--out <tmp dir>/out.npy" appended for `run`) and asserts the exit status,
 * that stderr says "tconv: error: ..." naming one of the '|'-separated words, and that no
 * output file (nor a temporary one) appeared. */
void test_expect_failure_at(int code, const char *words, const char *const *args, const char *file,
                            int line);
#define EXPECT_FAILURE(code, words, ...)                                                           \
  test_expect_failure_at((code), (words), (const char *const[]){__VA_ARGS__, NULL}, __FILE__,      \
                         __LINE__)

/* How many times needle occurs in text (overlapping occurrences count). */
int test_count_of(const char *text, const char *needle);
/* "a,b,c" from n values, in one of a ring of 16 buffers, so that one command line can be
 * built from up to 16 calls. */
const char *test_int_list(int n, const int64_t *values);

/* ---- .npy images built byte by byte (suites cli and npy) ---------------------------- */

/* Stores the low `bytes` bytes of v at p, little-endian. */
void test_put_le(unsigned char *p, uint64_t v, int bytes);
/* A .npy image: magic, version major.0, header length (2 bytes for version 1, else 4), the
 * dict text padded with spaces and '\n' to a multiple of 64, then data_bytes of data. Returns
 * a malloc'ed buffer (one spare byte at the end) and its size in *size. */
unsigned char *test_npy_image(int major, const char *dict, const void *data, size_t data_bytes,
                              size_t *size);
/* Writes size bytes to path (a CUnit fatal failure when it cannot). */
void test_write_bytes(const char *path, const void *bytes, size_t size);

#define TEST_F32_TOLERANCE 1e-5 /* DESIGN: float32 relative error against double reference */

#endif /* TCONV_TESTUTIL_H */
