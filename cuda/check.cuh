/*
 * check.cuh - turning CUDA runtime errors into tconv statuses. TCONV_CUDA_TRY(ctx, call)
 * runs the call and, on failure, records "<call> failed: <error string> (<error name>) at
 * <file>:<line>" as ctx's last error and returns the matching status from the enclosing
 * function; TCONV_CUDA_CHECK_LAUNCH(ctx, kernel) does the same for the launch just queued.
 */
#ifndef TCONV_CUDA_CHECK_CUH
#define TCONV_CUDA_CHECK_CUH

#include <cuda_runtime.h>

#include "internal.h"

/* Whether `error` leaves the device lost to this process: a kernel faulted (an illegal or
 * misaligned address, an illegal instruction, a device-side assert, a hardware or contained
 * error, a timeout) or the MPS server dropped the client. The CUDA context is then corrupt:
 * every later call on the device, through any tconv context of the process, returns the same
 * error until the process exits; other processes are not affected. Two codes by value, since
 * their names are newer than the oldest toolkit this builds with. */
static inline int tconv_cuda_sticky(cudaError_t error) {
  switch ((int)error) {
  case cudaErrorIllegalAddress:
  case cudaErrorLaunchTimeout:
  case cudaErrorAssert:
  case cudaErrorHardwareStackError:
  case cudaErrorIllegalInstruction:
  case cudaErrorMisalignedAddress:
  case cudaErrorInvalidAddressSpace:
  case cudaErrorInvalidPc:
  case cudaErrorLaunchFailure:
  case cudaErrorMpsClientTerminated:
  case cudaErrorExternalDevice:
  case 226: /* cudaErrorContained */
  case 721: /* cudaErrorTensorMemoryLeak */
    return 1;
  default:
    return 0;
  }
}

/* Allocation failures are the caller's to handle (smaller problem, other algorithm); a sticky
 * error is the end of the device for this process; every other runtime error means the
 * device or the runtime is in trouble. */
static inline tconv_status tconv_cuda_status(cudaError_t error) {
  if (error == cudaErrorMemoryAllocation)
    return TCONV_STATUS_OUT_OF_MEMORY;
  return tconv_cuda_sticky(error) ? TCONV_STATUS_DEVICE_LOST : TCONV_STATUS_CUDA_ERROR;
}

/* Records the failure of `statement` and returns its status. The runtime keeps the last
 * error until it is read: read it here, so that a failed call (say an allocation) is not
 * reported again by the cudaGetLastError() that follows the next, unrelated launch. Sticky
 * errors (a kernel fault) stay with the device whatever we do: the sentence says so. */
static inline tconv_status tconv_cuda_fail(tconv_context *ctx, cudaError_t error,
                                           const char *statement, const char *file, int line) {
  (void)cudaGetLastError();
  if (tconv_cuda_sticky(error))
    return tconv_fail(ctx, TCONV_STATUS_DEVICE_LOST,
                      "%s failed: %s (%s) at %s:%d: CUDA device %d is lost to this process (a "
                      "kernel faulted); every later call on it fails until the process exits",
                      statement, cudaGetErrorString(error), cudaGetErrorName(error), file, line,
                      ctx != NULL ? ctx->device : -1);
  return tconv_fail(ctx, tconv_cuda_status(error), "%s failed: %s (%s) at %s:%d", statement,
                    cudaGetErrorString(error), cudaGetErrorName(error), file, line);
}

#define TCONV_CUDA_TRY(ctx, call)                                                                  \
  do {                                                                                             \
    cudaError_t tconv_cuda_error_ = (call);                                                        \
    if (tconv_cuda_error_ != cudaSuccess)                                                          \
      return tconv_cuda_fail((ctx), tconv_cuda_error_, #call, __FILE__, __LINE__);                 \
  } while (0)

/* Every launch is preceded by this: a failure that some earlier, unrelated runtime call left
 * in the thread's last-error slot (the application's own cudaMalloc, say) must not be
 * reported as this launch's. Sticky errors (a faulted context) come back from the launch
 * anyway. */
#define TCONV_CUDA_BEFORE_LAUNCH() ((void)cudaGetLastError())

/* Every launch is followed by this: a bad configuration or a missing kernel image is only
 * reported through the runtime's last error. (Faults while the kernel runs come later, from
 * the next synchronising call.) */
#define TCONV_CUDA_CHECK_LAUNCH(ctx, kernel)                                                       \
  do {                                                                                             \
    cudaError_t tconv_cuda_error_ = cudaGetLastError();                                            \
    if (tconv_cuda_error_ != cudaSuccess)                                                          \
      return tconv_cuda_fail((ctx), tconv_cuda_error_, "launch of " #kernel, __FILE__, __LINE__);  \
  } while (0)

#endif /* TCONV_CUDA_CHECK_CUH */
