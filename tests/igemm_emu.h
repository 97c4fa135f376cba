/*
 * igemm_emu.h - the C interface of tests/igemm_emu.cpp, the host emulation of the
 * implicit-GEMM kernel (cuda/igemm.cuh) on the launcher's arguments.
 */
#ifndef TCONV_TEST_IGEMM_EMU_H
#define TCONV_TEST_IGEMM_EMU_H

#include "algos.h"

/* One emulated launch. */
typedef struct test_igemm_run {
  /* in: -1 for the launcher's choice (cuda/igemm_args.h), else forced; out: what ran */
  int config, gather, wide, split;
  int reverse; /* in: threads, blocks and clusters in reverse order */
  int late;    /* in: asynchronous copies land at the issuing thread's wait (1) or at once */
  /* out: the grid, the blocks that ran (not the early exits), the K chunks of the busiest
   * block, the multiply-adds issued; the clusters that ran in launch order as runs of equal
   * chunks (each cluster's busiest block), as the plan counts them (TCONV_PLAN_RUNS at
   * most: the last run takes the rest at their most chunks) */
  int64_t grid[3], blocks, max_chunks, macs;
  int runs;
  int64_t run_blocks[TCONV_PLAN_RUNS], run_chunks[TCONV_PLAN_RUNS];
  char error[160]; /* out: why the emulation failed */
} test_igemm_run;

/* Runs the launch on the host into y. Returns 0, or 1 with a reason in run->error when a
 * block read outside x and w or left copies in flight. */
int test_igemm_emulate(const tconv_problem *problem, test_igemm_run *run, const float *x,
                       const float *w, const float *bias, float *y);

#endif /* TCONV_TEST_IGEMM_EMU_H */
