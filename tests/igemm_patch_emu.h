/*
 * igemm_patch_emu.h - the C interface of tests/igemm_patch_emu.cpp, the host emulation of
 * the implicit GEMM's patch kernel (cuda/igemm_patch.cuh) on the launcher's arguments.
 */
#ifndef TCONV_TEST_IGEMM_PATCH_EMU_H
#define TCONV_TEST_IGEMM_PATCH_EMU_H

#include "algos.h"

/* One emulated launch. */
typedef struct test_patch_run {
  int config, vec; /* in: the configuration (cuda/igemm_patch_args.h) and 16-byte copies */
  int reverse;     /* in: threads and blocks in reverse order */
  int late;        /* in: asynchronous copies land at the issuing thread's wait (1) or at once */
  int64_t grid[3], blocks; /* out: the grid, the blocks that ran (not the empty boxes) */
  char error[160];         /* out: why the emulation failed */
} test_patch_run;

/* Runs the launch on the host into y. Returns 0; 1 with a reason in run->error when the
 * kernel does not take the problem (tconv_patch_fits), or a block read outside x and w,
 * copied misaligned or left copies in flight. */
int test_patch_emulate(const tconv_problem *problem, test_patch_run *run, const float *x,
                       const float *w, const float *bias, float *y);

#endif /* TCONV_TEST_IGEMM_PATCH_EMU_H */
