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

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_LAUNCH_H */
