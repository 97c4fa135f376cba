/*
 * depthwise.cu - the depthwise algorithm: groups == Cin == Cout (one input and one output
 * channel per group, e.g. MobileNet's depthwise convolutions and bilinear upsampling), both
 * ops, ranks 1-3. The math, the tiling and the thread → output mapping are in
 * cuda/depthwise.cuh, whose functions these kernels only call (and tests/test_gemm.c runs on
 * the CPU block by block).
 *
 * Memory-bound layers: each output is a handful of taps, so the kernels aim at touching
 * every byte of x and y once, coalesced along W, with no per-output integer division in the
 * inner loops (the tap progressions are computed once per tile row and column).
 *
 * Versions:
 *   v1 tiled    zero padding: per tile, the channel's kernel and the tap progressions of its
 *               rows and columns in shared memory; each thread one column of up to four rows.
 *   v1 generic  reflect / replicate / circular convolution and circular transposed: one
 *               thread per output, every tap visited through the padding mode.
 */
#include "launch.h"

#include "check.cuh"
#include "depthwise.cuh"

#define DW_GENERIC_BLOCK 256
#define DW_TILED_MIN_BLOCKS 5 /* resident blocks per SM the register budget is set for */
/* Grids are capped at what an SM holds at once (2048 threads, 32 blocks on Hopper); the
 * grid-stride loops cover larger outputs without a tail of tiny waves. */
#define DW_SM_THREADS 2048
#define DW_SM_BLOCKS 32

/* At most 48 registers (5 blocks of 256 per SM): the compute phase needs about 30, the
 * per-tile fill's 64-bit tap arithmetic would take 62 and halve the resident threads; the
 * few bytes it spills are touched once per tile. */
static __global__ void __launch_bounds__(TCONV_DW_THREADS, DW_TILED_MIN_BLOCKS)
    depthwise_tiled_v1(const tconv_dw_args a, const float *__restrict__ x,
                       const float *__restrict__ w, const float *__restrict__ bias,
                       float *__restrict__ y) {
  __shared__ tconv_dw_shared sh;
  const int tid = (int)threadIdx.x;
  for (int64_t tile = blockIdx.x; tile < a.tile_count; tile += gridDim.x) {
    tconv_dw_fill(&a, tile, tid, &sh, w);
    __syncthreads();
    tconv_dw_compute(&a, tile, tid, &sh, x, w, bias, y);
    __syncthreads(); /* the next tile refills the tables */
  }
}

template <int TRANSPOSED>
static __global__ void __launch_bounds__(DW_GENERIC_BLOCK)
    depthwise_generic_v1(const tconv_geom g, int64_t count, const float *__restrict__ x,
                         const float *__restrict__ w, const float *__restrict__ bias,
                         float *__restrict__ y) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += step)
    y[e] = tconv_dw_generic_value(&g, x, w, bias, e, TRANSPOSED);
}

/* Blocks of `threads` threads for `work` units of `per_block` each, capped at what the SMs of
 * ctx's device hold at once (the device is made current here, as every launcher must). */
static tconv_status dw_grid(tconv_context *ctx, int64_t work, int64_t per_block, int threads,
                            unsigned *blocks) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  int sms = 0;
  TCONV_CUDA_TRY(ctx, cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx->device));
  const int64_t wanted = (work + per_block - 1) / per_block;
  const int per_sm =
      DW_SM_THREADS / threads < DW_SM_BLOCKS ? DW_SM_THREADS / threads : DW_SM_BLOCKS;
  const int64_t cap = (int64_t)(sms > 0 ? sms : 1) * per_sm;
  *blocks = (unsigned)(wanted < cap ? wanted : cap);
  return TCONV_STATUS_OK;
}

/* Both ops: host/algo_depthwise.c decided the problem is depthwise and within the tiled
 * path's int32 limits; the geometry says which op. */
static tconv_status dw_run(tconv_context *ctx, const tconv_problem *problem, const float *x,
                           const float *w, const float *bias, float *y) {
  if (problem->y_count <= 0)
    return TCONV_STATUS_OK;
  const cudaStream_t stream = (cudaStream_t)ctx->stream;
  unsigned blocks = 0;
  tconv_status status;
  if (tconv_dw_tiled(problem)) {
    const tconv_dw_args a = tconv_dw_args_make(problem);
    if ((status = dw_grid(ctx, a.tile_count, 1, a.threads, &blocks)) != TCONV_STATUS_OK)
      return status;
    TCONV_CUDA_BEFORE_LAUNCH();
    depthwise_tiled_v1<<<blocks, a.threads, 0, stream>>>(a, x, w, bias, y);
    TCONV_CUDA_CHECK_LAUNCH(ctx, depthwise_tiled_v1);
    return TCONV_STATUS_OK;
  }
  status = dw_grid(ctx, problem->y_count, DW_GENERIC_BLOCK, DW_GENERIC_BLOCK, &blocks);
  if (status != TCONV_STATUS_OK)
    return status;
  const tconv_geom g = tconv_geom_make(problem);
  if (g.transposed) {
    TCONV_CUDA_BEFORE_LAUNCH();
    depthwise_generic_v1<1>
        <<<blocks, DW_GENERIC_BLOCK, 0, stream>>>(g, problem->y_count, x, w, bias, y);
    TCONV_CUDA_CHECK_LAUNCH(ctx, depthwise_generic_v1<1>);
  } else {
    TCONV_CUDA_BEFORE_LAUNCH();
    depthwise_generic_v1<0>
        <<<blocks, DW_GENERIC_BLOCK, 0, stream>>>(g, problem->y_count, x, w, bias, y);
    TCONV_CUDA_CHECK_LAUNCH(ctx, depthwise_generic_v1<0>);
  }
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_depthwise_conv(tconv_context *ctx, const tconv_problem *problem,
                                                  const float *x, const float *w, const float *bias,
                                                  float *y) {
  return dw_run(ctx, problem, x, w, bias, y);
}

extern "C" tconv_status tconv_cuda_depthwise_transpose(tconv_context *ctx,
                                                       const tconv_problem *problem, const float *x,
                                                       const float *w, const float *bias,
                                                       float *y) {
  return dw_run(ctx, problem, x, w, bias, y);
}
