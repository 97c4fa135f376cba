/*
 * igemm_tc_emu.h - the C interface of tests/igemm_tc_emu.cpp, the host emulation of the
 * tensor-core implicit-GEMM kernel (cuda/igemm_tc.cuh) on the launcher's arguments.
 */
#ifndef TCONV_TEST_IGEMM_TC_EMU_H
#define TCONV_TEST_IGEMM_TC_EMU_H

#include "problem.h"

/* One emulated launch. */
typedef struct test_tc_run {
  /* in: -1 for the launcher's choice (cuda/igemm_tc_args.h; the loader by the tensors'
   * alignment), else forced; out: what ran */
  int config, path;
  int mutant;  /* in: one of igemm_tc.cuh's deliberate bugs (0: none) */
  int reverse; /* in: warps and blocks in reverse order */
  int late;    /* in: asynchronous copies land at the issuing lane's wait (1) or at once */
  int type;    /* out: the element type */
  /* out: the grid, the blocks that ran (not the early exits), the K chunks of the busiest
   * block, the multiply-adds issued */
  int64_t grid[3], blocks, max_chunks, macs;
  char error[160]; /* out: why the emulation failed */
} test_tc_run;

/* The mutants the emulation builds (the configuration and types they are built in: 64x64,
 * every loader, float16 and, for the TF32 rounding, TF32). */
#define TEST_TC_MUTANT_CONFIG 2

/* Runs the launch on the host into y; x, w, bias and y hold the problem's dtype in its
 * layouts. Returns 0, or 1 with a reason in run->error when a block read outside x and w,
 * left copies in flight, ran two steps without a barrier, or asked for a mutant that is not
 * built. */
int test_tc_emulate(const tconv_problem *problem, test_tc_run *run, const void *x, const void *w,
                    const void *bias, void *y);

#endif /* TCONV_TEST_IGEMM_TC_EMU_H */
