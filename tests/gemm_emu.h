/*
 * gemm_emu.h - the cuBLAS algorithm (cuda/gemm.cu) replayed on the CPU with the code it
 * shares with the host (cuda/gemm.cuh): the chunk plan, im2col, the exact argument list of
 * every strided-batched cuBLAS call - checked as cuBLAS needs it and computed by a
 * naive column-major GEMM in the problem's arithmetic - then col2im or the epilogue; every
 * dtype, layout and math mode (x, w, bias and y of the problem's dtype in its layouts). Used by the
 * emulation sweeps (test_gemm.c) and the chunking and batch-limit tests (test_gemm_plan.c).
 */
#ifndef TCONV_TEST_GEMM_EMU_H
#define TCONV_TEST_GEMM_EMU_H

#include "cases.h"

#include "problem.h"

#include <stddef.h>
#include <stdint.h>

/* What one replay issued. */
typedef struct emu_trace {
  uint64_t hash;         /* FNV-1a of every call's arguments in order, with each chunk's
                            first image and image count: equal hashes, equal call lists */
  int64_t chunks, calls; /* chunks run, cuBLAS calls issued */
  int64_t max_batch;     /* the largest batch count of a call */
  int64_t calls_over_images, calls_over_groups;
} emu_trace;

/* The largest batch count a call may have: cuBLAS's batched kernels put the batch on the
 * grid's z dimension, and counts past it have failed. */
#define EMU_CUBLAS_MAX_BATCH 65535

/* Runs the algorithm as the launcher does: the chunk planned with `cap` (the launcher's is
 * TCONV_GEMM_WORKSPACE_CAP), a workspace of ws_bytes handed to it, of which the calls and
 * kernels may touch only what tconv_gemm_workspace_for_cap(p, cap) says (every operand is
 * checked to lie there). compute = 0 replays and checks the calls without arithmetic (x, w,
 * bias, y are not read and may be NULL: for problems too large to compute). Fills *trace.
 * Returns 0, or 1 after recording a failure against tc (which may be NULL). */
int emu_gemm(const test_case *tc, const tconv_problem *p, size_t cap, size_t ws_bytes, int compute,
             const void *x, const void *w, const void *bias, void *y, emu_trace *trace);

/* tests/test_gemm_plan.c: suite gemm_plan, registered by test_register_gemm (unit "gemm"). */
CU_ErrorCode test_register_gemm_plan(void);

#endif /* TCONV_TEST_GEMM_EMU_H */
