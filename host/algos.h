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

#ifdef __cplusplus
}
#endif

#endif /* TCONV_ALGOS_H */
