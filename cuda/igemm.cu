/*
 * igemm.cu - the implicit-GEMM algorithm's kernel and launchers; the math and the per-thread
 * steps are in igemm.cuh (shared with the host emulation in tests/igemm_emu.cpp).
 *
 * One launch per call: blockIdx.z is the phase (the transposed convolution's s^rank output
 * phases run side by side; convolution has one), blockIdx.y the group and output-channel
 * tile, blockIdx.x the tile of output positions. Each block derives its phase's arguments
 * from the problem (a few hundred instructions, once per thread), skips tiles past its
 * phase's M (phases differ by at most one position per dimension), and runs the K loop with
 * two shared-memory buffers and one barrier per chunk.
 */
#include "launch.h"

#include "algos.h"
#include "check.cuh"
#include "igemm.cuh"

/* block_program's executor on the GPU: this thread, and the block's barrier. */
template <class C> struct DeviceBlock {
  igemm::Thread<C> thread;
  template <class Step> __device__ __forceinline__ void each(Step step) { step(thread); }
  __device__ __forceinline__ void sync() { __syncthreads(); }
};

template <class C>
static __global__ void __launch_bounds__(C::THREADS)
    igemm_v1(const tconv_problem p, const float *__restrict__ x, const float *__restrict__ w,
             const float *__restrict__ bias, float *__restrict__ y) {
  __shared__ igemm::Smem<C> s;
  /* The phase's arguments, made once per block and read from shared memory (broadcast):
   * held in every thread's registers they would crowd out the accumulators. */
  __shared__ igemm::Args shared_args;
  if (threadIdx.x == 0)
    shared_args = igemm::make_args(&p, blockIdx.z, C::BN);
  __syncthreads();
  const igemm::Args &a = shared_args;
  if ((int64_t)blockIdx.x * C::BM >= a.M)
    return; /* the whole block: this phase has fewer rows */
  DeviceBlock<C> block;
  block.thread.init(a, threadIdx.x, blockIdx.x, blockIdx.y);
  igemm::block_program<C>(block, s, a, x, w, bias, y);
}

template <class C>
static tconv_status igemm_launch(tconv_context *ctx, const tconv_problem *p, const float *x,
                                 const float *w, const float *bias, float *y) {
  int64_t grid[3];
  igemm::grid_of<C>(p, grid);
  if (grid[0] == 0 || grid[1] == 0)
    return TCONV_STATUS_OK;
  const dim3 blocks((unsigned)grid[0], (unsigned)grid[1], (unsigned)grid[2]);
  TCONV_CUDA_BEFORE_LAUNCH();
  igemm_v1<C><<<blocks, C::THREADS, 0, (cudaStream_t)ctx->stream>>>(*p, x, w, bias, y);
  TCONV_CUDA_CHECK_LAUNCH(ctx, igemm_v1);
  return TCONV_STATUS_OK;
}

static tconv_status igemm_run(tconv_context *ctx, const tconv_problem *p, const float *x,
                              const float *w, const float *bias, float *y) {
  if (p->y_count <= 0)
    return TCONV_STATUS_OK;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  switch (igemm::choose_config(p)) {
  case igemm::CONFIG_L:
    return igemm_launch<igemm::ConfigL>(ctx, p, x, w, bias, y);
  case igemm::CONFIG_M:
    return igemm_launch<igemm::ConfigM>(ctx, p, x, w, bias, y);
  case igemm::CONFIG_S:
    return igemm_launch<igemm::ConfigS>(ctx, p, x, w, bias, y);
  default:
    return igemm_launch<igemm::ConfigT>(ctx, p, x, w, bias, y);
  }
}

extern "C" tconv_status tconv_cuda_igemm_conv(tconv_context *ctx, const tconv_problem *problem,
                                              const float *x, const float *w, const float *bias,
                                              float *y) {
  return igemm_run(ctx, problem, x, w, bias, y);
}

extern "C" tconv_status tconv_cuda_igemm_transpose(tconv_context *ctx,
                                                   const tconv_problem *problem, const float *x,
                                                   const float *w, const float *bias, float *y) {
  return igemm_run(ctx, problem, x, w, bias, y);
}
