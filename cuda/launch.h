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
#include "problem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OK when device `device` is usable (driver present, index in range, a context can be
 * made); otherwise NO_DEVICE with the runtime's sentence written to reason. */
tconv_status tconv_cuda_probe_device(int device, char *reason, size_t reason_size);

/* A new CUDA context's device state (ctx->device is set and probed): whether memory can be
 * stream-ordered, and the cuBLAS handle with its workspace (tconv_cuda_gemm_init). Release
 * undoes it (and accepts a partly initialised context). */
tconv_status tconv_cuda_context_init(tconv_context *ctx);
void tconv_cuda_context_release(tconv_context *ctx);

/* Memory and copies on ctx's device. Allocation and release are ordered on ctx's stream
 * where the device has memory pools (cudaMallocAsync / cudaFreeAsync), else cudaMalloc /
 * cudaFree; copies are ordered on ctx's stream and return when complete. */
tconv_status tconv_cuda_malloc(tconv_context *ctx, size_t bytes, void **data);
void tconv_cuda_free(tconv_context *ctx, void *data);
tconv_status tconv_cuda_upload(tconv_context *ctx, void *dst, const void *src, size_t bytes);
tconv_status tconv_cuda_download(tconv_context *ctx, void *dst, const void *src, size_t bytes);
tconv_status tconv_cuda_synchronize(tconv_context *ctx);
/* OK when every byte of [data, data + bytes) (which does not wrap around) is device memory of
 * ctx's device or managed memory it can use; else INVALID_ARGUMENT saying what it is. */
tconv_status tconv_cuda_check_wrap(tconv_context *ctx, const void *data, size_t bytes);
/* Makes `stream` (NULL: the default stream) ctx's stream once it is checked to be a stream
 * of ctx's device; the new stream waits for the work queued on the old one. */
tconv_status tconv_cuda_set_stream(tconv_context *ctx, void *stream);
/* Makes ctx's device the calling thread's current device (cudaSetDevice). */
tconv_status tconv_cuda_use_device(tconv_context *ctx);

/* The algorithms' launchers, one per algorithm and of the dispatch table's run signature:
 * both ops (the problem says which), x, w, bias (may be NULL) and y device pointers to the
 * problem's tensors (elements of the problem's dtype in its layouts, whatever the float *
 * says), workspace of workspace_bytes >= the algorithm's workspace size (host/
 * algos.h; NULL and 0 for those that need none). Asynchronous on ctx's stream; launch
 * errors are reported. host/algos.h says which problems each one takes; none re-checks.
 * Their caller (host/dispatch.c) runs them only for a problem with output elements, with
 * ctx's device made current (tconv_cuda_use_device).
 *   direct     cuda/direct.cu      one thread per output element; every problem
 *   igemm      cuda/igemm.cu       implicit GEMM, the transposed conv per output phase
 *   igemm_tc   cuda/igemm_tc.cu    the same on tensor cores (float16, bfloat16, TF32)
 *   gemm       cuda/gemm.cu        im2col + cuBLAS GEMM, GEMM + gather col2im
 *   depthwise  cuda/depthwise.cu   one input and one output channel per group
 * A new algorithm is one more X(name) here, its row in host/dispatch.c's table and its file;
 * host/nocuda.c stubs every name of the list. */
#define TCONV_CUDA_ALGOS(X) X(direct) X(igemm) X(igemm_tc) X(gemm) X(depthwise)

typedef tconv_status (*tconv_run_fn)(tconv_context *ctx, const tconv_problem *problem,
                                     const float *x, const float *w, const float *bias, float *y,
                                     void *workspace, size_t workspace_bytes);

#define TCONV_CUDA_RUN_DECLARE(name)                                                               \
  tconv_status tconv_cuda_##name(tconv_context *ctx, const tconv_problem *problem, const float *x, \
                                 const float *w, const float *bias, float *y, void *workspace,     \
                                 size_t workspace_bytes);
TCONV_CUDA_ALGOS(TCONV_CUDA_RUN_DECLARE)
#undef TCONV_CUDA_RUN_DECLARE

/* Makes the context's cuBLAS handle (ctx->cublas: strict FP32, no atomics) and its own
 * workspace (ctx->cublas_workspace); release destroys what was made. */
tconv_status tconv_cuda_gemm_init(tconv_context *ctx);
void tconv_cuda_gemm_release(tconv_context *ctx);
/* 1 when cuBLAS can be loaded (cuda/cublas_api.h: on the first call), else 0 with the reason
 * in why. */
int tconv_cuda_cublas_loadable(char *why, size_t why_size);

/* Timing on ctx's stream (for tconv_find_algo): begin records a start event, end records a
 * stop event, waits for it and writes the milliseconds between them. */
tconv_status tconv_cuda_timer_begin(tconv_context *ctx, void **timer);
tconv_status tconv_cuda_timer_end(tconv_context *ctx, void *timer, double *milliseconds);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_LAUNCH_H */
