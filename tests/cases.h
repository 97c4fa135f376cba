/*
 * cases.h - convolution problems for the sweeps that compare an algorithm with the CPU
 * reference (the GPU suites, and the host emulations of the CUDA kernels): a case type, the
 * random and tabled generators, the reference run, comparisons, and failure reports that
 * name the case.
 */
#ifndef TCONV_TEST_CASES_H
#define TCONV_TEST_CASES_H

#include "testutil.h"

#include <stddef.h>
#include <stdint.h>

#define CASE_WORK_LIMIT 400000 /* multiply-adds per case, so a sweep stays quick */
#define CASE_INT_LO (-3)       /* integer inputs: |sum| stays far below 2^24 */
#define CASE_INT_HI 3

/* What a table row gives: one problem's parameters, dimension by dimension. */
typedef struct case_spec {
  tconv_op op;
  int rank; /* spatial */
  int64_t n, cin, cout, groups;
  int bias;
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], opad[3];
} case_spec;

/* One problem: what the sweep chose (as in case_spec), and the dims derived from it. */
typedef struct test_case {
  tconv_op op;
  int rank;
  int64_t n, cin, cout, groups;
  int bias;
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], opad[3];
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation: 0 by default */
  float alpha, beta;            /* activation parameters */
  /* derived by case_finish() */
  tconv_params params;
  int64_t x_dims[5], w_dims[5], y_dims[5];
  int64_t x_count, w_count, y_count, work;
} test_case;

/* Cases a random draw rarely produces (non-square, kernel > input, taps missing whole
 * phases, gcd(s, d) > 1, depthwise 3-D, 1x1, long 1-D, padding beyond the extent). */
extern const case_spec case_edge_table[];
extern const size_t case_edge_count;
/* Layer-like problems of moderate size: several tiles of output positions and channels, long
 * reductions, many phases - what the tiled algorithms' small random cases do not reach. */
extern const case_spec case_tile_table[];
extern const size_t case_tile_count;

/* Reporting: CASE_FAIL records a CUnit failure naming the case, at the file and line where
 * it is written (up to a few per test, then only counted); begin_test restarts the random
 * stream from the seed and the count; end_test asserts that no case failed. */
void case_fail(const char *file, int line, const test_case *c, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define CASE_FAIL(c, ...) case_fail(__FILE__, __LINE__, (c), __VA_ARGS__)
void begin_test(void);
void end_test(int64_t failed, int64_t cases);
/* Detailed failures recorded since begin_test. */
int case_reported(void);
/* Quiet mode, for checks that are meant to fail (a deliberately broken kernel): case_fail
 * only counts. Switches it on or off and returns the failures counted since the last call. */
int64_t case_quiet(int on);

int64_t max_i64(int64_t a, int64_t b);

/* Fills params and dims from the chosen values, with output sizes from DESIGN §1, and checks
 * that the library's shape query agrees. Returns 0 when the case is usable. */
int case_finish(test_case *c);
/* Chooses i for one dimension so the output has at least one element. */
void case_fit_input(test_case *c, int dim);
void case_from_spec(test_case *c, const case_spec *spec);
/* Sizes 1, strides and dilations 1, no padding in every dimension. */
void case_dims_neutral(test_case *c);
/* Channels: plain, grouped, or depthwise (one input channel per group). */
void case_random_channels(test_case *c);
/* Every group's input and output channel counts times `m` (8: what the tensor-core kernel's
 * 16-byte loaders take in either element size). Not finished. */
void case_scale_channels(test_case *c, int64_t m);
/* A random case of `rank` spatial dims: every dimension's parameters drawn independently,
 * pads up to one beyond ke - 1, every output_padding valid for its dimension. */
void case_random(test_case *c, tconv_op op, int rank);
/* A random case with a random activation and padding mode (conv: any mode whose pad limits
 * the case meets; transposed: zeros or circular). Not finished. */
void case_random_conventions(test_case *c);
/* Random cases until `wanted` have run: case_random_conventions() when `conventions`, else
 * case_random() of a random op and rank; a case over work_limit multiply-adds is drawn again.
 * Calls fn on each finished case (a case that does not finish counts as a failure); returns
 * the failures reported. *padded (may be NULL) counts cases with a padding mode besides
 * zeros. */
/* tconv_algo_supported() for the case's float32 channels-first tensors in ctx. */
tconv_status case_supported(tconv_context *ctx, const test_case *c, tconv_algo algo);
int64_t case_sweep_random(int (*fn)(test_case *c, void *data), void *data, int64_t wanted,
                          int conventions, int64_t work_limit, int64_t *padded);
/* The 1-D sweep: every stride 1-4, kernel 1-5, dilation 1-3, and for the transposed op every
 * valid output_padding (plus two convolutions per triple), pads drawn up to ke. Calls fn on
 * each finished case; returns the number of failures fn reported (fn returns 1 on one). */
int64_t case_sweep_1d(int (*fn)(test_case *c, void *data), void *data, int64_t *cases);
/* A test of the 1-D sweep: begin_test, case_sweep_1d(fn, NULL), end_test. */
void case_test_sweep_1d(int (*fn)(test_case *c, void *data));
/* A test of the edge and layer-like tables: every row finished and given to fn. */
void case_test_tables(int (*fn)(test_case *c, void *data));

/* A case's host arrays: inputs, the reference's output and two outputs to compare. */
typedef struct case_buffers {
  float *x, *w, *bias, *ref, *y, *y2;
} case_buffers;
/* Allocates them for a finished case; 0, or 1 after recording a failure (all NULL then). */
int case_buffers_alloc(const test_case *c, case_buffers *b);
void case_buffers_free(case_buffers *b);

/* Seeded inputs for a case: uniform floats in [-1, 1), or (integers) small integers in
 * [CASE_INT_LO, CASE_INT_HI] whose sums stay exact in float32. bias holds Cout values. */
void case_fill_inputs(const test_case *c, int integers, float *x, float *w, float *bias);

struct tconv_problem;
/* The validated problem of a finished case (for the host emulations); 0 on success. */
int case_problem(const test_case *c, struct tconv_problem *p);
/* The problem of op with default parameters but groups, asserted valid. */
struct tconv_problem case_problem_of(tconv_op op, int rank, const int64_t *x_dims,
                                     const int64_t *w_dims, int64_t groups);
/* Fills a with NaN: an element nobody writes fails every comparison. */
void case_poison(float *a, int64_t n);

/* The CPU reference (gather formulation) into y; 0 on success. */
int case_reference(const test_case *c, const float *x, const float *w, const float *bias, float *y);
/* Relative error within TEST_F32_TOLERANCE / bitwise equality; 0 when it holds. */
int case_compare_close(const test_case *c, const char *what, const float *y, const float *ref);
int case_compare_exact(const test_case *c, const char *what, const float *y, const float *ref);
/* Bitwise on integer inputs (unless the activation is transcendental), else within
 * tolerance. */
int case_compare(const test_case *c, const char *what, int integers, const float *y,
                 const float *ref);
/* The reference's cost of a finished case: c->work, except for the circular transposed
 * gather, which tries every input position for every output and tap. */
int64_t case_reference_work(const test_case *c);

/* The GPU suites' context on device 0 (test_gpu_faults.c): made by gpu_suite_init and
 * released by gpu_suite_cleanup, a CUnit suite's init and cleanup; gpu_suite_context gives it
 * to the suite's tests. */
int gpu_suite_init(void);
int gpu_suite_cleanup(void);
tconv_context *gpu_suite_context(void);
/* Leaves the suite `name` out of a GPU table, saying so, when TCONV_TEST_GPU_LARGE=0 (the
 * sanitizer runs, where problems of several GB would take hours). */
void gpu_drop_large_suite(CU_SuiteInfo *suites, const char *name);

/* A case with its inputs on a context's device and an output buffer (test_gpu_faults.c). */
typedef struct device_case {
  test_case c;
  tconv_buffer *x, *w, *b, *y, *workspace;
  float *ref; /* host: the reference result */
} device_case;
/* Uploads seeded random inputs of `spec` into buffers of `on` (same seed, same data, for
 * every context and every process) and computes the reference. 0 on success. */
int device_case_make(device_case *d, tconv_context *on, const case_spec *spec, uint64_t seed);
/* Runs `algo` (workspace made as needed) and downloads y; 0 on success. */
int device_case_run(device_case *d, tconv_context *on, tconv_algo algo, float *y);
void device_case_release(device_case *d);

#endif /* TCONV_TEST_CASES_H */
