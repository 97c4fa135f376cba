/*
 * grid.cuh - launching a kernel, the one way every launcher does it: the grid of a
 * grid-stride kernel sized from the occupancy API (as many blocks as ctx's device holds at
 * once, never a partial second wave of identical work), the launch on ctx's stream, and the
 * runtime's verdict on it.
 */
#ifndef TCONV_CUDA_GRID_CUH
#define TCONV_CUDA_GRID_CUH

#include "check.cuh"

#include <stdint.h>

/* The name and the function of a kernel, for the launchers below: a failure is recorded as
 * "launch of <kernel> failed: <error> at <file>:<line>". */
#define TCONV_KERNEL(kernel) "launch of " #kernel, kernel

/* Launches kernel<<<blocks, threads, smem, ctx's stream>>>(args...). */
template <class... Params, class... Args>
static tconv_status tconv_launch(tconv_context *ctx, const char *name, void (*kernel)(Params...),
                                 dim3 blocks, int threads, size_t smem, Args... args) {
  TCONV_CUDA_BEFORE_LAUNCH();
  kernel<<<blocks, threads, smem, (cudaStream_t)ctx->stream>>>(args...);
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess)
    return tconv_cuda_fail(ctx, error, name, __FILE__, __LINE__);
  return TCONV_STATUS_OK;
}

/* Blocks for a grid-stride kernel with `work_blocks` blocks' worth of work: that many, but no
 * more than the device's SMs hold at once at the kernel's occupancy. */
template <class Kernel>
static tconv_status tconv_wave_blocks(tconv_context *ctx, Kernel kernel, int threads, size_t smem,
                                      int64_t work_blocks, unsigned *blocks) {
  int sms = 0, per_sm = 0;
  TCONV_CUDA_TRY(ctx, cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx->device));
  TCONV_CUDA_TRY(ctx,
                 cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, smem));
  const int64_t wave = (int64_t)(sms > 0 ? sms : 1) * (per_sm > 0 ? per_sm : 1);
  *blocks = (unsigned)(work_blocks < wave ? work_blocks : wave);
  return TCONV_STATUS_OK;
}

/* The loop of a grid-stride kernel: step(e) for this thread's elements e of [0, count). */
template <class Step>
static __device__ __forceinline__ void tconv_grid_stride(int64_t count, Step step) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += stride)
    step(e);
}

/* A grid-stride kernel over `work_blocks` blocks' worth of work, one wave of it at most. */
template <class... Params, class... Args>
static tconv_status tconv_launch_wave(tconv_context *ctx, const char *name,
                                      void (*kernel)(Params...), int threads, int64_t work_blocks,
                                      Args... args) {
  unsigned blocks = 0;
  const tconv_status status = tconv_wave_blocks(ctx, kernel, threads, 0, work_blocks, &blocks);
  if (status != TCONV_STATUS_OK)
    return status;
  return tconv_launch(ctx, name, kernel, dim3(blocks), threads, 0, args...);
}

#endif /* TCONV_CUDA_GRID_CUH */
