/*
 * cpu_cases.h - what the CPU-algorithm suites (test_cpu.c, test_cpu_threads.c) share: the
 * algorithms under test, a case's inputs and reference results, and the harness that runs
 * one algorithm on host buffers with y poisoned and guarded.
 */
#ifndef TCONV_TEST_CPU_CASES_H
#define TCONV_TEST_CPU_CASES_H

#include "cases.h"
#include "cpu_impl.h"

#define CPU_ALGO_COUNT 3
/* CPU_IGEMM, CPU_DIRECT and AUTO (last). */
extern const tconv_algo cpu_algos[CPU_ALGO_COUNT];

/* A case's inputs - random floats and small integers - with the reference's results for
 * each, and an output array per algorithm. */
typedef struct cpu_data {
  float *x, *w, *bias, *ref, *xi, *wi, *biasi, *refi, *yi;
  float *y[CPU_ALGO_COUNT];
} cpu_data;

/* Allocates and fills the inputs (bias always, used when the case has one: CASE_BIAS) and
 * runs the reference (scatter formulation for the transposed convolution); 0, or 1 after a
 * CUnit failure. */
int cpu_data_make(const test_case *c, cpu_data *d);
#define CASE_BIAS(c, b) ((c)->bias ? (b) : NULL)
void cpu_data_free(cpu_data *d);

/* Host buffers of one case in a CPU context: x, w and bias at odd offsets of one array, y
 * at an odd offset between guard words. */
typedef struct cpu_harness {
  tconv_context *ctx;
  float *in, *out;
  tconv_buffer *bin, *bout;
  int64_t x_at, w_at, b_at, y_words;
} cpu_harness;

int cpu_harness_make(cpu_harness *h, tconv_context *ctx, const test_case *c);
void cpu_harness_free(cpu_harness *h);
/* Copies the inputs in, poisons y, runs `algo` and returns its status; y (outside the
 * guards) is copied to `y`. *guards_ok says whether every guard word survived. */
tconv_status cpu_harness_call(cpu_harness *h, const test_case *c, tconv_algo algo, const float *x,
                              const float *w, const float *bias, float *y, int *guards_ok);
/* The same, recording a case failure when the call fails or a guard changed; 0 when not. */
int cpu_harness_run(cpu_harness *h, const test_case *c, tconv_algo algo, const float *x,
                    const float *w, const float *bias, float *y);

/* Random cases per sweep: TCONV_TEST_CPU_CASES, or 300. */
int64_t cpu_random_cases(void);

/* tests/test_cpu_threads.c: suite cpu_threads, registered by the cpu unit. */
CU_ErrorCode test_register_cpu_threads(void);

#endif /* TCONV_TEST_CPU_CASES_H */
