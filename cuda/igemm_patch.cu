/*
 * igemm_patch.cu - the implicit GEMM's patch kernels (Cout/g <= 8) and their launcher. The
 * arguments come from host/algo_igemm_patch.c (cuda/igemm_patch_args.h); the per-thread code
 * is cuda/igemm_patch.cuh (which tests/igemm_patch_emu.cpp runs on the CPU); this file holds
 * the device side of its executor and the launch.
 *
 * One launch per call: blockIdx.z the output phase, blockIdx.y the group, blockIdx.x the
 * image and box. Blocks whose box holds none of a smaller phase's positions return at once.
 *
 * Kernels: igemm_patch_<BN>_<x1|x4>, BN = 4 (16 positions a thread) and 8 (8 positions), 4-
 * or 16-byte copies; each built for 8 resident 64-thread blocks per SM (16 warps, at most
 * 128 registers a thread).
 *
 * Versions:
 *   v1  the x patch of CK = 2 channels and the phase's weights in two cp.async stages; per
 *       thread fixed copy slots (offsets in shared memory, validity in a register mask); a
 *       register window of TW + taps - 1 patch elements per tap row, TW x BN FFMAs per tap.
 */
#include "async_copy.cuh"
#include "check.cuh"
#include "igemm_patch.cuh"

/* block's executor on the GPU: this thread, its block's shared memory, the block barrier,
 * cp.async of 4 or 16 bytes. */
template <class K> struct PatchExec {
  typedef igemm_patch::Thread<K> Th;
  typedef igemm_patch::Smem<K> S;
  Th thread;
  S &smem;
  __device__ explicit PatchExec(S &s) : smem(s) {}
  template <class Step> __device__ __forceinline__ void each(Step step) { step(thread, smem); }
  __device__ __forceinline__ void sync() { __syncthreads(); }
  __device__ __forceinline__ int thread_index(const Th &) const { return (int)threadIdx.x; }
  template <int N>
  __device__ __forceinline__ void copy_v(const Th &, float *dst, const float *src, bool valid) {
    tconv_cp_async<4 * N>((uint32_t)__cvta_generic_to_shared(dst), src, valid);
  }
  __device__ __forceinline__ void commit(const Th &) { tconv_cp_async_commit(); }
  template <int N> __device__ __forceinline__ void wait(const Th &) { tconv_cp_async_wait<N>(); }
};

template <class K>
static __device__ __forceinline__ void
patch_body(const tconv_patch_args &pa, const float *__restrict__ x, const float *__restrict__ w,
           const float *__restrict__ bias, float *__restrict__ y) {
  __shared__ igemm_patch::Smem<K> smem;
  const igemm_patch::Block b = igemm_patch::block_of<K>(pa, blockIdx.x, blockIdx.y, blockIdx.z);
  if (b.empty)
    return;
  PatchExec<K> ex(smem);
  igemm_patch::block<K>(ex, pa, b, x, w, bias, y);
}

/* igemm_patch_<BN>_<x1|x4>: one named kernel per instantiation, so the SASS and the
 * launcher (tconv_patch_kernel_name) name the same thing. */
#define PATCH_KERNEL(bn, tw, vname, vec)                                                           \
  static __global__ void __launch_bounds__(TCONV_PATCH_THREADS, TCONV_PATCH_MIN_BLOCKS)            \
      igemm_patch_##bn##_##vname(const tconv_patch_args pa, const float *__restrict__ x,           \
                                 const float *__restrict__ w, const float *__restrict__ bias,      \
                                 float *__restrict__ y) {                                          \
    patch_body<igemm_patch::Tile<bn, tw, vec>>(pa, x, w, bias, y);                                 \
  }
PATCH_KERNEL(4, 16, x1, false)
PATCH_KERNEL(4, 16, x4, true)
PATCH_KERNEL(8, 8, x1, false)
PATCH_KERNEL(8, 8, x4, true)

typedef void (*patch_kernel)(const tconv_patch_args, const float *, const float *, const float *,
                             float *);
static const patch_kernel kernels[TCONV_PATCH_CONFIG_COUNT][2] = {
    {igemm_patch_4_x1, igemm_patch_4_x4}, {igemm_patch_8_x1, igemm_patch_8_x4}};
static_assert(TCONV_PATCH_CONFIG_COUNT == 2, "a kernel per configuration");

extern "C" tconv_status tconv_cuda_igemm_patch(tconv_context *ctx, const tconv_problem *problem,
                                               int config, int vec, const float *x, const float *w,
                                               const float *bias, float *y) {
  tconv_patch_args pa;
  tconv_patch_args_make(problem, config, vec, &pa);
  char why[160];
  if (!tconv_patch_fits(problem, &pa, why, sizeof why) || (vec && (uintptr_t)x % 16 != 0))
    return tconv_fail(ctx, TCONV_STATUS_INTERNAL, "%s: %s", tconv_patch_kernel_name(config, vec),
                      vec && (uintptr_t)x % 16 != 0 ? "x is not on 16 bytes" : why);
  const dim3 grid((unsigned)pa.blocks, (unsigned)pa.a.g.groups, (unsigned)pa.a.phases);
  TCONV_CUDA_BEFORE_LAUNCH();
  kernels[config][vec ? 1 : 0]<<<grid, TCONV_PATCH_THREADS, 0, (cudaStream_t)ctx->stream>>>(
      pa, x, w, bias, y);
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess)
    return tconv_cuda_fail(ctx, error, tconv_patch_kernel_name(config, vec), __FILE__, __LINE__);
  return TCONV_STATUS_OK;
}
