/*
 * algos.h - which problems each CUDA algorithm takes and how much workspace it needs: plain
 * C (one host/algo_<name>.c per family), so the supports query and the workspace query work
 * in every build, and the CUDA launchers rely on it instead of re-checking.
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

/* host/algo_storage.c: 1 for float32 channels-first x, w and y under STRICT math, the
 * storage every CUDA algorithm takes today; else 0 with the reason. Each *_supports below
 * applies it first. */
int tconv_fp32_nchw_only(const tconv_problem *problem, char *why, size_t why_size);
/* The direct algorithm: every problem of that storage. */
int tconv_direct_supports(const tconv_problem *problem, char *why, size_t why_size);

/* host/algo_igemm.c */
int tconv_igemm_supports(const tconv_problem *problem, char *why, size_t why_size);

/* host/algo_gemm.c. Workspace: the column matrix for a chunk of the batch; the chunk is the
 * largest that keeps it under the cap documented there, at least one image. */
int tconv_gemm_supports(const tconv_problem *problem, char *why, size_t why_size);
size_t tconv_gemm_workspace(const tconv_problem *problem);

/* host/algo_depthwise.c */
int tconv_depthwise_supports(const tconv_problem *problem, char *why, size_t why_size);

/* host/plan.c: what a CUDA launch looks like, for the kernel report's model (bench/) and the
 * tests; no device needed. */
typedef struct tconv_launch_plan {
  const char *kernel;      /* stem of the kernel's symbol name in the SASS, e.g. "igemm_128x128" */
  int threads;             /* threads per block */
  int64_t grid[3];         /* blocks per grid dimension */
  int64_t main_loop_trips; /* iterations of the kernel's main loop run by the busiest block */
  int64_t macs_computed;   /* multiply-adds issued, tile padding included */
  int bm, bn, bk, split_k; /* implicit-GEMM tile and K split; 0 for other algorithms */
} tconv_launch_plan;
/* Fills *plan for how `algo` (not AUTO) would launch `problem` on CUDA; UNSUPPORTED when it does not take it. */
tconv_status tconv_launch_plan_of(const tconv_problem *problem, tconv_algo algo, tconv_launch_plan *plan);
/* The algorithm AUTO's heuristic picks on `backend` (no find cache). */
tconv_algo tconv_auto_algo(const tconv_problem *problem, tconv_backend backend);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_ALGOS_H */
