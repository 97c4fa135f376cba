/*
 * algos.h - which problems each CUDA algorithm takes, how much workspace it needs and how it
 * launches them: plain C (one host/algo_<name>.c per family), so the supports, workspace and
 * plan queries work in every build (without nvcc too), and the CUDA launchers rely on it
 * instead of re-checking.
 *
 * A *_supports function returns 1 when the algorithm takes `problem`; otherwise 0 with a
 * sentence (no algorithm prefix, e.g. "padding mode reflect is not supported") written to
 * why (up to why_size bytes, NUL-terminated).
 */
#ifndef TCONV_ALGOS_H
#define TCONV_ALGOS_H

#include "problem.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* host/algo_storage.c: the storage (dtype, layouts) and math rules. The direct, depthwise and
 * gemm algorithms take every dtype, layout and math mode (direct and depthwise compute TF32
 * calls in strict FP32); tconv_fp32_nchw_only is the implicit GEMM's: 1 for float32
 * channels-first x, w and y under STRICT math, else 0 with the reason. */
int tconv_fp32_nchw_only(const tconv_problem *problem, char *why, size_t why_size);
/* The direct algorithm: every problem. */
int tconv_direct_supports(const tconv_problem *problem, char *why, size_t why_size);

/* The stem of a typed kernel's name for each dtype (indexed by tconv_dtype), as the SASS
 * names the instantiations of a kernel template over float, __half and __nv_bfloat16. */
#define TCONV_TYPED_KERNEL_NAMES(stem)                                                             \
  { stem "<float>", stem "<__half>", stem "<__nv_bfloat16>" }

/* The most runs (phases, split slices) a launch plan lists block by block. */
#define TCONV_PLAN_RUNS 32

/* How an algorithm launches a problem on CUDA: what a host-only program (the kernel report's
 * model) needs to know, computed by the same functions as the launchers use. */
typedef struct tconv_launch_plan {
  const char *kernel;      /* stem of the kernel's symbol name in the SASS, e.g.
                              "igemm_128x128_mask_i32" (the main kernel when there are several) */
  int threads;             /* threads per block */
  int64_t grid[3];         /* blocks per grid dimension (grid_stride: before the wave cap) */
  int64_t main_loop_trips; /* iterations of the kernel's main loop run by the busiest block
                              (igemm: K chunks; element kernels: multiply-adds of one output) */
  int64_t macs_computed;   /* multiply-adds issued, tile padding included */
  int bm, bn, bk, split_k; /* implicit-GEMM tile and K split; 0 for other algorithms */
  int grid_stride;         /* 1: a grid-stride kernel; the launcher caps grid[0] at one wave
                              (occupancy API x SMs) and the blocks stride over the rest */
  int cluster;             /* blocks per thread-block cluster (igemm's K split), else 1 */
  int64_t active_blocks;   /* blocks that do work (igemm: the phases' M tiles times the split;
                              blocks past a smaller phase's rows exit at once) */
  /* The active blocks in launch order as runs of alike blocks: run_blocks[i] blocks of
   * run_trips[i] main-loop trips each (igemm: a split's blocks at their cluster's busiest,
   * the trips the cluster waits for; more than TCONV_PLAN_RUNS runs: the last one holds the
   * rest at their most trips). 0 runs: the blocks are alike (main_loop_trips each). */
  int runs;
  int64_t run_blocks[TCONV_PLAN_RUNS], run_trips[TCONV_PLAN_RUNS];
  int smem_bytes;   /* dynamic shared memory per block (0: static only) */
  int tensor_cores; /* 1: the main loop is mma.sync (macs on tensor cores), else FFMA */
} tconv_launch_plan;

/* Fills *plan for how `algo` (not AUTO) would launch `problem` on CUDA; UNSUPPORTED when it
 * does not take it (or is not a CUDA algorithm), INVALID_ARGUMENT for a bad value. The
 * implicit GEMM's choice is made for a 132-SM GPU whatever the device (cuda/igemm_args.h). */
tconv_status tconv_launch_plan_of(const tconv_problem *problem, tconv_algo algo,
                                  tconv_launch_plan *plan);
/* The algorithm AUTO's heuristic picks on `backend` (no find cache). */
tconv_algo tconv_auto_algo(const tconv_problem *problem, tconv_backend backend);

/* host/algo_direct.c: every problem, no workspace. */
tconv_status tconv_direct_plan(const tconv_problem *problem, tconv_launch_plan *plan);
/* The multiply-adds the direct gathers issue: Σ over outputs of their contributing taps
 * (every tap with a non-zero padding mode, every circular wrap), times Cin/g; and the most
 * taps any one output gets. */
int64_t tconv_direct_macs(const tconv_problem *problem);
int64_t tconv_direct_max_taps(const tconv_problem *problem);

/* host/algo_igemm.c */
int tconv_igemm_supports(const tconv_problem *problem, char *why, size_t why_size);
/* Whether the problem's padding is zeros and its output phases fit the launch (both implicit
 * GEMMs: blockIdx.z the phase, at most TCONV_IGEMM_MAX_RESIDUES residues); else why. */
int tconv_igemm_phases_fit(const tconv_problem *problem, char *why, size_t why_size);
/* Whether a grid of x_blocks blocks (for `rows` output positions per phase) by the groups'
 * N tiles of bn output channels fits CUDA's grid limits; the reason in why when not. */
int tconv_igemm_grid_fits(const tconv_problem *problem, int64_t rows, int64_t x_blocks, int bn,
                          char *why, size_t why_size);
tconv_status tconv_igemm_plan(const tconv_problem *problem, tconv_launch_plan *plan);

/* host/algo_igemm_tc.c: the tensor-core implicit GEMM (float16, bfloat16 under either math,
 * float32 under TF32 math), every layout. */
int tconv_igemm_tc_supports(const tconv_problem *problem, char *why, size_t why_size);
tconv_status tconv_igemm_tc_plan(const tconv_problem *problem, tconv_launch_plan *plan);

/* host/algo_gemm.c. Workspace: the column matrix for a chunk of the batch; the chunk is the
 * largest that keeps it under the cap documented there, at least one image. */
int tconv_gemm_supports(const tconv_problem *problem, char *why, size_t why_size);
size_t tconv_gemm_workspace(const tconv_problem *problem);
tconv_status tconv_gemm_plan(const tconv_problem *problem, tconv_launch_plan *plan);

/* host/algo_depthwise.c */
int tconv_depthwise_supports(const tconv_problem *problem, char *why, size_t why_size);
tconv_status tconv_depthwise_plan(const tconv_problem *problem, tconv_launch_plan *plan);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_ALGOS_H */
