/*
 * runtime.cu - the CUDA runtime behind cuda/launch.h: device probe, memory, copies, stream
 * checks and synchronisation.
 *
 * Every call first makes ctx's device current: the current device is per host thread, and
 * contexts on different devices may be used from different threads (or one after the other
 * from the same thread), so no call may rely on whatever was current before.
 */
#include "launch.h"

#include "check.cuh"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A kernel with nothing in it: if the runtime can describe it, this build carries code the
 * device can run (sm_90 SASS or PTX it can compile), which a driver and a device alone do
 * not guarantee (an older GPU has neither). */
static __global__ void probe_kernel(void) {}

static cudaStream_t stream_of(const tconv_context *ctx) { return (cudaStream_t)ctx->stream; }

static tconv_status no_device(char *reason, size_t reason_size, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static tconv_status no_device(char *reason, size_t reason_size, const char *format, ...) {
  if (reason != NULL && reason_size > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(reason, reason_size, format, args);
    va_end(args);
  }
  /* The failed call left its error as the thread's last error; later launch checks must not
   * see it. */
  (void)cudaGetLastError();
  return TCONV_STATUS_NO_DEVICE;
}

extern "C" tconv_status tconv_cuda_probe_device(int device, char *reason, size_t reason_size) {
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  /* Without a driver this says "CUDA driver version is insufficient for CUDA runtime
   * version": the runtime's sentence is the most useful reason there is. */
  if (error != cudaSuccess)
    return no_device(reason, reason_size, "cudaGetDeviceCount failed: %s (%s)",
                     cudaGetErrorString(error), cudaGetErrorName(error));
  if (count == 0)
    return no_device(reason, reason_size, "no CUDA device found");
  if (device < 0 || device >= count)
    return no_device(reason, reason_size, "device index out of range (%d CUDA device%s found)",
                     count, count == 1 ? "" : "s");

  /* Probing must not change which device the calling thread works on. */
  int previous = 0;
  error = cudaGetDevice(&previous);
  if (error != cudaSuccess)
    return no_device(reason, reason_size, "cudaGetDevice failed: %s (%s)",
                     cudaGetErrorString(error), cudaGetErrorName(error));
  const char *failed = "cudaSetDevice";
  error = cudaSetDevice(device);
  if (error == cudaSuccess) {
    failed = "cudaFree(NULL)"; /* creates the device's context if cudaSetDevice did not */
    error = cudaFree(NULL);
  }
  cudaFuncAttributes attributes;
  if (error == cudaSuccess) {
    failed = "cudaFuncGetAttributes (is there code for this GPU in the build?)";
    error = cudaFuncGetAttributes(&attributes, probe_kernel);
  }
  if (previous != device)
    (void)cudaSetDevice(previous);
  if (error != cudaSuccess)
    return no_device(reason, reason_size, "the device is not usable: %s failed: %s (%s)", failed,
                     cudaGetErrorString(error), cudaGetErrorName(error));
  if (reason != NULL && reason_size > 0)
    reason[0] = '\0';
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_malloc(tconv_context *ctx, size_t bytes, void **data) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  void *memory = NULL;
  cudaError_t error = cudaMalloc(&memory, bytes);
  if (error != cudaSuccess) {
    (void)cudaGetLastError();
    return tconv_fail(ctx, tconv_cuda_status(error),
                      "cudaMalloc of %zu bytes on CUDA device %d failed: %s (%s) at %s:%d", bytes,
                      ctx->device, cudaGetErrorString(error), cudaGetErrorName(error), __FILE__,
                      __LINE__);
  }
  *data = memory;
  return TCONV_STATUS_OK;
}

extern "C" void tconv_cuda_free(tconv_context *ctx, void *data) {
  if (data == NULL)
    return;
  /* Destruction cannot report anything; an error here (a device already in a sticky error
   * state) is dropped from the last-error slot so that no later check is blamed for it. */
  if (cudaSetDevice(ctx->device) == cudaSuccess)
    (void)cudaFree(data);
  (void)cudaGetLastError();
}

extern "C" tconv_status tconv_cuda_upload(tconv_context *ctx, void *dst, const void *src,
                                          size_t bytes) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  TCONV_CUDA_TRY(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_of(ctx)));
  TCONV_CUDA_TRY(ctx, cudaStreamSynchronize(stream_of(ctx)));
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_download(tconv_context *ctx, void *dst, const void *src,
                                            size_t bytes) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  TCONV_CUDA_TRY(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_of(ctx)));
  TCONV_CUDA_TRY(ctx, cudaStreamSynchronize(stream_of(ctx)));
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_synchronize(tconv_context *ctx) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  TCONV_CUDA_TRY(ctx, cudaStreamSynchronize(stream_of(ctx)));
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_check_stream(tconv_context *ctx, void *stream) {
  /* The legacy default stream exists on every device. */
  if (stream == NULL)
    return TCONV_STATUS_OK;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  /* A handle that was never a stream cannot be detected safely (the runtime may read through
   * it); a destroyed one is usually reported as an invalid resource handle. Either way it is
   * the caller's argument that is wrong, not the runtime. */
#if CUDART_VERSION >= 12080
  const char *call = "cudaStreamGetDevice";
  int device = -1;
  cudaError_t error = cudaStreamGetDevice((cudaStream_t)stream, &device);
#else
  /* Runtimes before 12.8 cannot tell a stream's device: only the handle is checked. */
  const char *call = "cudaStreamQuery";
  int device = ctx->device;
  cudaError_t error = cudaStreamQuery((cudaStream_t)stream);
  if (error == cudaErrorNotReady)
    error = cudaSuccess;
#endif
  if (error == cudaErrorInvalidResourceHandle || error == cudaErrorInvalidValue) {
    (void)cudaGetLastError();
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "stream %p is not a valid CUDA stream: %s failed: %s (%s)", stream, call,
                      cudaGetErrorString(error), cudaGetErrorName(error));
  }
  if (error != cudaSuccess)
    return tconv_cuda_fail(ctx, error, call, __FILE__, __LINE__);
  if (device != ctx->device)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "stream %p belongs to CUDA device %d, not to the context's device %d", stream,
                      device, ctx->device);
  return TCONV_STATUS_OK;
}

/* A pair of events; the begin call owns it until the end call destroys it. */
typedef struct tconv_cuda_timer {
  cudaEvent_t start, stop;
} tconv_cuda_timer;

extern "C" tconv_status tconv_cuda_timer_begin(tconv_context *ctx, void **timer) {
  *timer = NULL;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  tconv_cuda_timer *t = (tconv_cuda_timer *)calloc(1, sizeof *t);
  if (t == NULL)
    return tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY, "cannot allocate a timer");
  cudaError_t error = cudaEventCreate(&t->start);
  if (error == cudaSuccess) {
    error = cudaEventCreate(&t->stop);
    if (error != cudaSuccess)
      (void)cudaEventDestroy(t->start);
  }
  if (error == cudaSuccess) {
    error = cudaEventRecord(t->start, stream_of(ctx));
    if (error != cudaSuccess) {
      (void)cudaEventDestroy(t->start);
      (void)cudaEventDestroy(t->stop);
    }
  }
  if (error != cudaSuccess) {
    free(t);
    return tconv_cuda_fail(ctx, error, "cudaEventCreate/cudaEventRecord", __FILE__, __LINE__);
  }
  *timer = t;
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_timer_end(tconv_context *ctx, void *timer,
                                             double *milliseconds) {
  tconv_cuda_timer *t = (tconv_cuda_timer *)timer;
  float ms = 0.0f;
  cudaError_t error = cudaSetDevice(ctx->device);
  const char *failed = "cudaSetDevice";
  if (error == cudaSuccess) {
    failed = "cudaEventRecord";
    error = cudaEventRecord(t->stop, stream_of(ctx));
  }
  if (error == cudaSuccess) {
    failed = "cudaEventSynchronize";
    error = cudaEventSynchronize(t->stop);
  }
  if (error == cudaSuccess) {
    failed = "cudaEventElapsedTime";
    error = cudaEventElapsedTime(&ms, t->start, t->stop);
  }
  (void)cudaEventDestroy(t->start);
  (void)cudaEventDestroy(t->stop);
  free(t);
  if (error != cudaSuccess)
    return tconv_cuda_fail(ctx, error, failed, __FILE__, __LINE__);
  *milliseconds = ms;
  return TCONV_STATUS_OK;
}
