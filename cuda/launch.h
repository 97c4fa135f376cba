/*
 * launch.h - the C interface of the CUDA side: runtime wrappers (cuda/runtime.cu) and the
 * kernel launchers (one file per algorithm family). host/ calls only these, so it needs no
 * CUDA headers. Built without nvcc, host/nocuda.c implements them all as "not compiled in".
 *
 * Every function records a sentence with the failing call in ctx's last error on failure
 * (through tconv_fail) and returns its status; none of them validates problem parameters:
 * shape.c did.
 */
#ifndef TCONV_CUDA_LAUNCH_H
#define TCONV_CUDA_LAUNCH_H

#include "tconv.h"
#include "../host/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OK when device `device` is usable (driver present, index in range, a context can be
 * made); otherwise NO_DEVICE with the runtime's sentence written to reason. */
tconv_status tconv_cuda_probe_device(int device, char *reason, size_t reason_size);

/* Memory and copies on ctx's device; copies are ordered on ctx's stream and return when
 * complete. */
tconv_status tconv_cuda_malloc(tconv_context *ctx, size_t bytes, void **data);
void tconv_cuda_free(tconv_context *ctx, void *data);
tconv_status tconv_cuda_upload(tconv_context *ctx, void *dst, const void *src, size_t bytes);
tconv_status tconv_cuda_download(tconv_context *ctx, void *dst, const void *src, size_t bytes);
tconv_status tconv_cuda_synchronize(tconv_context *ctx);
/* OK when `stream` is a valid stream of ctx's device (NULL is). */
tconv_status tconv_cuda_check_stream(tconv_context *ctx, void *stream);

/* Direct algorithm (cuda/direct.cu): one thread per output element. Pointers are device
 * pointers to dense float32 arrays of the problem's sizes; bias may be NULL. Asynchronous
 * on ctx's stream; launch errors are reported. */
tconv_status tconv_cuda_direct_conv(tconv_context *ctx, const tconv_problem *problem,
                                    const float *x, const float *w, const float *bias,
                                    float *y);
tconv_status tconv_cuda_direct_transpose(tconv_context *ctx, const tconv_problem *problem,
                                         const float *x, const float *w, const float *bias,
                                         float *y);

/* Implicit GEMM (cuda/igemm.cu): convolution as one implicit GEMM, the transposed
 * convolution as one per output phase. Needs no workspace. host/algos.h says which problems
 * it takes. */
tconv_status tconv_cuda_igemm_conv(tconv_context *ctx, const tconv_problem *problem,
                                   const float *x, const float *w, const float *bias, float *y);
tconv_status tconv_cuda_igemm_transpose(tconv_context *ctx, const tconv_problem *problem,
                                        const float *x, const float *w, const float *bias,
                                        float *y);

/* cuBLAS (cuda/gemm.cu): im2col + SGEMM, SGEMM + gather col2im. `workspace` holds
 * `workspace_bytes` >= tconv_gemm_workspace(problem) bytes of device memory. */
tconv_status tconv_cuda_gemm_conv(tconv_context *ctx, const tconv_problem *problem,
                                  const float *x, const float *w, const float *bias, float *y,
                                  void *workspace, size_t workspace_bytes);
tconv_status tconv_cuda_gemm_transpose(tconv_context *ctx, const tconv_problem *problem,
                                       const float *x, const float *w, const float *bias,
                                       float *y, void *workspace, size_t workspace_bytes);
/* Destroys the context's cuBLAS handle (ctx->cublas), if one was made. */
void tconv_cuda_gemm_release(tconv_context *ctx);

/* Depthwise (cuda/depthwise.cu): one input and one output channel per group. */
tconv_status tconv_cuda_depthwise_conv(tconv_context *ctx, const tconv_problem *problem,
                                       const float *x, const float *w, const float *bias,
                                       float *y);
tconv_status tconv_cuda_depthwise_transpose(tconv_context *ctx, const tconv_problem *problem,
                                            const float *x, const float *w, const float *bias,
                                            float *y);

/* Timing on ctx's stream (for tconv_find_algo): begin records a start event, end records a
 * stop event, waits for it and writes the milliseconds between them. */
tconv_status tconv_cuda_timer_begin(tconv_context *ctx, void **timer);
tconv_status tconv_cuda_timer_end(tconv_context *ctx, void *timer, double *milliseconds);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_LAUNCH_H */
