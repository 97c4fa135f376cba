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
 *   v2          one tiled kernel per element type (float, __half, __nv_bfloat16; FP32
 *               arithmetic); channels-last x or y go to the direct kernels, whose warps run
 *               along the channels.
 */
#include "launch.h"

#include "depthwise.cuh"
#include "grid.cuh"

/* Four resident blocks said explicitly (64 registers): left to itself, ptxas gives the float
 * instantiation 48 registers and a spill. */
template <class T>
static __global__ void __launch_bounds__(TCONV_DW_THREADS, 4)
    depthwise_tiled(const tconv_dw_args a, const T *__restrict__ x, const T *__restrict__ w,
                    const T *__restrict__ bias, T *__restrict__ y) {
  constexpr int DT = TCONV_DTYPE_OF(T);
  __shared__ tconv_dw_shared sh;
  const int tid = (int)threadIdx.x;
  for (int64_t tile = blockIdx.x; tile < a.tile_count; tile += gridDim.x) {
    tconv_dw_fill(&a, DT, tile, tid, &sh, w);
    __syncthreads();
    tconv_dw_compute(&a, DT, tile, tid, &sh, x, w, bias, y);
    __syncthreads(); /* the next tile refills the tables */
  }
}

template <class T>
static tconv_status depthwise_launch(tconv_context *ctx, const tconv_dw_args &a, const void *x,
                                     const void *w, const void *bias, void *y) {
  return tconv_launch_wave(ctx, TCONV_KERNEL(depthwise_tiled<T>), a.threads, a.tile_count, a,
                           (const T *)x, (const T *)w, (const T *)bias, (T *)y);
}

/* host/algo_depthwise.c decided the problem is depthwise and within the tiled path's int32
 * limits. The pointers are the problem's dtype (tconv_run_fn's float * aside). */
extern "C" tconv_status tconv_cuda_depthwise(tconv_context *ctx, const tconv_problem *problem,
                                             const float *x, const float *w, const float *bias,
                                             float *y, void *workspace, size_t workspace_bytes) {
  if (!tconv_dw_tiled(problem))
    return tconv_cuda_direct(ctx, problem, x, w, bias, y, workspace, workspace_bytes);
  const tconv_dw_args a = tconv_dw_args_make(problem);
  switch (problem->dtype) {
  case TCONV_DTYPE_FLOAT16:
    return depthwise_launch<__half>(ctx, a, x, w, bias, y);
  case TCONV_DTYPE_BFLOAT16:
    return depthwise_launch<__nv_bfloat16>(ctx, a, x, w, bias, y);
  default:
    return depthwise_launch<float>(ctx, a, x, w, bias, y);
  }
}
