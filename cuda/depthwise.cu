/*
 * depthwise.cu - the depthwise algorithm: groups == Cin == Cout (one input and one output
 * channel per group, e.g. MobileNet's depthwise convolutions and bilinear upsampling), both
 * ops, ranks 1-3. The math, the tiling and the thread → output mapping are in
 * cuda/depthwise.cuh, whose functions the kernel only calls (and tests/test_direct.c runs on
 * the CPU block by block).
 *
 * Memory-bound layers: each output is a handful of taps, so the kernel aims at touching
 * every byte of x and y once, coalesced along W, with no per-output integer division in the
 * inner loops (the tap progressions are computed once per tile row and column).
 *
 * Versions:
 *   v1 tiled    zero padding: per tile, the channel's kernel and the tap progressions of its
 *               rows and columns in shared memory; each thread one column of up to four rows.
 *   v1 generic  reflect / replicate / circular convolution and circular transposed: the
 *               direct algorithm's kernels (one channel per group is what they compute).
 */
#include "launch.h"

#include "depthwise.cuh"
#include "grid.cuh"

static __global__ void __launch_bounds__(TCONV_DW_THREADS)
    depthwise_tiled(const tconv_dw_args a, const float *__restrict__ x, const float *__restrict__ w,
                    const float *__restrict__ bias, float *__restrict__ y) {
  __shared__ tconv_dw_shared sh;
  const int tid = (int)threadIdx.x;
  for (int64_t tile = blockIdx.x; tile < a.tile_count; tile += gridDim.x) {
    tconv_dw_fill(&a, tile, tid, &sh, w);
    __syncthreads();
    tconv_dw_compute(&a, tile, tid, &sh, x, w, bias, y);
    __syncthreads(); /* the next tile refills the tables */
  }
}

/* host/algo_depthwise.c decided the problem is depthwise and within the tiled path's int32
 * limits. */
extern "C" tconv_status tconv_cuda_depthwise(tconv_context *ctx, const tconv_problem *problem,
                                             const float *x, const float *w, const float *bias,
                                             float *y, void *workspace, size_t workspace_bytes) {
  if (!tconv_dw_tiled(problem))
    return tconv_cuda_direct(ctx, problem, x, w, bias, y, workspace, workspace_bytes);
  if (problem->y_count <= 0)
    return TCONV_STATUS_OK;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  const tconv_dw_args a = tconv_dw_args_make(problem);
  return tconv_launch_wave(ctx, TCONV_KERNEL(depthwise_tiled), a.threads, a.tile_count, a, x, w,
                           bias, y);
}
