/*
 * runtime.cu - the CUDA runtime behind cuda/launch.h: device probe, context set-up, memory
 * (stream-ordered where the device allows), the check of wrapped pointers, copies, streams
 * and synchronisation.
 *
 * Every call first makes ctx's device current: the current device is per host thread, and
 * contexts on different devices may be used from different threads (or one after the other
 * from the same thread), so no call may rely on whatever was current before.
 *
 * A few driver API functions (the thread's current context, an allocation's extent) come
 * through cudaGetDriverEntryPointByVersion rather than by linking libcuda: a library linked
 * against libcuda would not even load on a machine without the NVIDIA driver, where the CPU
 * backend must still work. Only cuda.h's types are used.
 */
#include "launch.h"

#include "check.cuh"

#include <cuda.h>
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

/* A driver API function by name (its CUDA 12.0 version), or NULL when the driver has none. */
static void *driver_function(const char *symbol) {
  void *fn = NULL;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
  const cudaError_t error =
      cudaGetDriverEntryPointByVersion(symbol, &fn, 12000, cudaEnableDefault, &found);
#else
  const cudaError_t error = cudaGetDriverEntryPoint(symbol, &fn, cudaEnableDefault, &found);
#endif
  if (error != cudaSuccess || found != cudaDriverEntryPointSuccess) {
    (void)cudaGetLastError();
    return NULL;
  }
  return fn;
}

typedef CUresult (*ctx_get_current_fn)(CUcontext *ctx);
typedef CUresult (*ctx_set_current_fn)(CUcontext ctx);
typedef CUresult (*mem_get_address_range_fn)(CUdeviceptr *base, size_t *size, CUdeviceptr ptr);

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

  /* The thread's CUDA context before probing, to put back afterwards. When it had none, the
   * probed device stays current (as after any call on a context): "restoring" device 0 - what
   * cudaGetDevice reports for a thread that never chose one - would create device 0's primary
   * context (cudaSetDevice does since CUDA 12), so that every process of a
   * one-process-per-GPU job would hold memory on GPU 0. When the driver function cannot be
   * had, nothing is put back, for the same reason. */
  CUcontext previous = NULL;
  const ctx_get_current_fn get_current = (ctx_get_current_fn)driver_function("cuCtxGetCurrent");
  const ctx_set_current_fn set_current = (ctx_set_current_fn)driver_function("cuCtxSetCurrent");
  if (get_current == NULL || get_current(&previous) != CUDA_SUCCESS)
    previous = NULL;
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
  if (previous != NULL && set_current != NULL)
    (void)set_current(previous);
  if (error != cudaSuccess) {
    const int lost = tconv_cuda_sticky(error);
    no_device(reason, reason_size, "the device is not usable: %s failed: %s (%s)%s", failed,
              cudaGetErrorString(error), cudaGetErrorName(error),
              lost ? "; the device is lost to this process (a kernel faulted on it) until the "
                     "process exits"
                   : "");
    return lost ? TCONV_STATUS_DEVICE_LOST : TCONV_STATUS_NO_DEVICE;
  }
  if (reason != NULL && reason_size > 0)
    reason[0] = '\0';
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_context_init(tconv_context *ctx) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  int pools = 0;
  TCONV_CUDA_TRY(ctx, cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, ctx->device));
  ctx->stream_ordered = pools != 0;
  return tconv_cuda_gemm_init(ctx);
}

extern "C" void tconv_cuda_context_release(tconv_context *ctx) { tconv_cuda_gemm_release(ctx); }

/* Memory is allocated and freed in the order of ctx's stream (cudaMallocAsync /
 * cudaFreeAsync), so that neither waits for the device: cudaFree waits for every stream of
 * the device, other threads' and other libraries' work included. Devices without memory
 * pools get cudaMalloc / cudaFree. */
extern "C" tconv_status tconv_cuda_malloc(tconv_context *ctx, size_t bytes, void **data) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  void *memory = NULL;
  cudaError_t error = ctx->stream_ordered ? cudaMallocAsync(&memory, bytes, stream_of(ctx))
                                          : cudaMalloc(&memory, bytes);
  /* Memory this context freed in stream order may not be reusable until its stream reaches
   * the frees: wait for the stream (not the device) and try once more. */
  if (error == cudaErrorMemoryAllocation && ctx->stream_ordered) {
    (void)cudaGetLastError();
    error = cudaStreamSynchronize(stream_of(ctx));
    if (error == cudaSuccess)
      error = cudaMallocAsync(&memory, bytes, stream_of(ctx));
  }
  if (tconv_cuda_sticky(error))
    return tconv_cuda_fail(ctx, error, ctx->stream_ordered ? "cudaMallocAsync" : "cudaMalloc",
                           __FILE__, __LINE__);
  if (error != cudaSuccess) {
    (void)cudaGetLastError();
    return tconv_fail(ctx, tconv_cuda_status(error),
                      "%s of %zu bytes on CUDA device %d failed: %s (%s) at %s:%d",
                      ctx->stream_ordered ? "cudaMallocAsync" : "cudaMalloc", bytes, ctx->device,
                      cudaGetErrorString(error), cudaGetErrorName(error), __FILE__, __LINE__);
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
    (void)(ctx->stream_ordered ? cudaFreeAsync(data, stream_of(ctx)) : cudaFree(data));
  (void)cudaGetLastError();
}

/* ---- wrapped pointers ------------------------------------------------------------------ */

/* OK when the byte at `at` (byte `index` of a wrapped range) is device memory of ctx's device,
 * or managed memory ctx's device can use; else INVALID_ARGUMENT saying what it is. */
static tconv_status check_wrapped_byte(tconv_context *ctx, const char *at, size_t index) {
  char where[96];
  if (index == 0)
    snprintf(where, sizeof where, "data %p", (const void *)at);
  else
    snprintf(where, sizeof where, "byte %zu of the range (%p)", index, (const void *)at);
  cudaPointerAttributes a;
  const cudaError_t error = cudaPointerGetAttributes(&a, at);
  if (error == cudaErrorInvalidValue) { /* runtimes before 11.0 for unknown pointers */
    (void)cudaGetLastError();
    a.type = cudaMemoryTypeUnregistered;
  } else if (error != cudaSuccess) {
    return tconv_cuda_fail(ctx, error, "cudaPointerGetAttributes", __FILE__, __LINE__);
  }
  int managed_anywhere = 0;
  switch (a.type) {
  case cudaMemoryTypeDevice:
    if (a.device == ctx->device)
      return TCONV_STATUS_OK;
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "buffer wrap: %s is device memory of CUDA device %d, not of the context's "
                      "device %d",
                      where, a.device, ctx->device);
  case cudaMemoryTypeManaged:
    TCONV_CUDA_TRY(ctx, cudaDeviceGetAttribute(&managed_anywhere,
                                               cudaDevAttrConcurrentManagedAccess, ctx->device));
    if (a.device == ctx->device || managed_anywhere)
      return TCONV_STATUS_OK;
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "buffer wrap: %s is managed memory of CUDA device %d, which the context's "
                      "device %d cannot access concurrently",
                      where, a.device, ctx->device);
  case cudaMemoryTypeHost:
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "buffer wrap: %s is pinned or registered host memory (cudaMallocHost, "
                      "cudaHostRegister); a CUDA context's buffers must be device or managed "
                      "memory of device %d",
                      where, ctx->device);
  default:
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "buffer wrap: %s is not CUDA memory: ordinary host memory, or device memory "
                      "already freed",
                      where);
  }
}

/* Every byte of [data, data + bytes) must be usable by ctx's device. The range is walked
 * allocation by allocation: the first byte's attributes, the extent of its allocation
 * (cuMemGetAddressRange), then the first byte past that allocation, and so on. A virtual
 * memory mapping made of several physical allocations (cuMemMap, as PyTorch's expandable
 * segments do) is one range of adjacent allocations and is accepted; so, unavoidably, is a
 * range that runs from one allocation into an adjacent one. A range running into unmapped
 * address space or foreign memory is refused. Where the driver cannot tell an allocation's
 * extent (a pool allocation may not be known to cuMemGetAddressRange), the last byte is
 * checked instead. */
extern "C" tconv_status tconv_cuda_check_wrap(tconv_context *ctx, const void *data, size_t bytes) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  const mem_get_address_range_fn range =
      (mem_get_address_range_fn)driver_function("cuMemGetAddressRange");
  const char *begin = (const char *)data, *end = begin + bytes;
  for (const char *at = begin; at < end;) {
    tconv_status status = check_wrapped_byte(ctx, at, (size_t)(at - begin));
    if (status != TCONV_STATUS_OK)
      return status;
    CUdeviceptr base = 0;
    size_t size = 0;
    if (range == NULL || range(&base, &size, (CUdeviceptr)(uintptr_t)at) != CUDA_SUCCESS ||
        base + size <= (CUdeviceptr)(uintptr_t)at)
      return at == end - 1 ? TCONV_STATUS_OK : check_wrapped_byte(ctx, end - 1, bytes - 1);
    at = (const char *)(uintptr_t)(base + size);
  }
  return TCONV_STATUS_OK;
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

extern "C" tconv_status tconv_cuda_use_device(tconv_context *ctx) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_synchronize(tconv_context *ctx) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  TCONV_CUDA_TRY(ctx, cudaStreamSynchronize(stream_of(ctx)));
  return TCONV_STATUS_OK;
}

static tconv_status check_stream(tconv_context *ctx, void *stream) {
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

/* The new stream waits (on the device, not the host) for everything queued on the old one:
 * the context's work stays one sequence, so the cuBLAS handle, its workspace and a reused
 * gemm workspace are never used by two streams at once, and stream-ordered allocations made
 * on the old stream are ready on the new one. */
extern "C" tconv_status tconv_cuda_set_stream(tconv_context *ctx, void *stream) {
  tconv_status status = check_stream(ctx, stream);
  if (status != TCONV_STATUS_OK || stream == ctx->stream)
    return status;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  cudaEvent_t done;
  TCONV_CUDA_TRY(ctx, cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  const char *failed = "cudaEventRecord on the old stream";
  cudaError_t error = cudaEventRecord(done, stream_of(ctx));
  if (error == cudaSuccess) {
    failed = "cudaStreamWaitEvent on the new stream";
    error = cudaStreamWaitEvent((cudaStream_t)stream, done, 0);
  }
  (void)cudaEventDestroy(done); /* released once recorded and waited for */
  if (error != cudaSuccess)
    return tconv_cuda_fail(ctx, error, failed, __FILE__, __LINE__);
  ctx->stream = stream;
  return TCONV_STATUS_OK;
}

/* ---- test hook ------------------------------------------------------------------------- */

/* A store to an address no allocation has: the device's context faults with an illegal
 * address, the sticky error the fault tests provoke on purpose (in a child process). */
static __global__ void fault_kernel(float *nowhere) { *nowhere = 1.0f; }

extern "C" tconv_status tconv_test_cuda_fault(tconv_context *ctx) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  TCONV_CUDA_BEFORE_LAUNCH();
  fault_kernel<<<1, 1, 0, stream_of(ctx)>>>((float *)(uintptr_t)16);
  TCONV_CUDA_CHECK_LAUNCH(ctx, fault_kernel);
  TCONV_CUDA_TRY(ctx, cudaStreamSynchronize(stream_of(ctx)));
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
