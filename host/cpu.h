/*
 * cpu.h - the CPU backend's fast algorithms (DESIGN §8): cpu_igemm (implicit GEMM over packed
 * panels with a register-blocked micro-kernel) and cpu_direct (one output channel at a time,
 * for depthwise and tiny problems), beside the reference, which stays the oracle.
 *
 * Both reduce every problem to the same plan (host/cpu_plan.c): the transposed convolution
 * split into its output phases (dense stride-1 sub-convolutions, no multiplication by an
 * inserted zero), the strided convolution split into input phases, and an input copy padded
 * so that every read is in range. Each output element is one float32 FMA chain over
 * k = (input channel of the group, tap of its phase) in increasing k, started at 0, then the
 * bias is added and the activation applied. No thread count, tile size or vector width
 * changes that chain, so results are the same bits for every thread count and every run,
 * and the two algorithms (and every instruction set) give the same bits as each other.
 */
#ifndef TCONV_CPU_H
#define TCONV_CPU_H

#include "internal.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- algorithms (the dispatch table's rows) ------------------------------------------- */

/* Which problems each takes (see algos.h for the contract). Every rule about what the CPU
 * algorithms accept - parameters, sizes, and the tensors' dtype and layout once there is more
 * than one - lives in these two functions. */
int tconv_cpu_igemm_supports(const tconv_problem *problem, char *why, size_t why_size);
int tconv_cpu_direct_supports(const tconv_problem *problem, char *why, size_t why_size);

/* The dispatch table's run signature; no workspace (scratch memory is allocated inside and
 * its failure is OUT_OF_MEMORY). */
tconv_status tconv_cpu_igemm_run(tconv_context *ctx, const tconv_problem *problem, const float *x,
                                 const float *w, const float *bias, float *y, void *workspace,
                                 size_t workspace_bytes);
tconv_status tconv_cpu_direct_run(tconv_context *ctx, const tconv_problem *problem, const float *x,
                                  const float *w, const float *bias, float *y, void *workspace,
                                  size_t workspace_bytes);

/* AUTO on the CPU backend: the CPU algorithm for a problem both take (cpu_direct for
 * depthwise and narrow problems, else cpu_igemm). */
tconv_algo tconv_cpu_choose(const tconv_problem *problem);

/* ---- threads (host/cpu_threads.c) ----------------------------------------------------- */

/* The default thread count of a new context: TCONV_NUM_THREADS when set, else the online
 * processors. Returns OK, or INVALID_ARGUMENT with a sentence when TCONV_NUM_THREADS is not
 * an integer in 1..TCONV_MAX_THREADS. */
tconv_status tconv_cpu_default_threads(int *threads, char *why, size_t why_size);

/* Frees the scratch memory the CPU algorithms keep in ctx for reuse (host/cpu_memory.c);
 * tconv_context_destroy calls it. */
void tconv_cpu_release(tconv_context *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CPU_H */
