/*
 * igemm.cu - the implicit-GEMM algorithm's kernels and launcher. The choice of kernel and K
 * split, and every argument, come from host/algo_igemm.c (cuda/igemm_args.h); the per-thread
 * code is cuda/igemm.cuh (which tests/igemm_emu.cpp runs on the CPU); this file holds the
 * device side of its executor and the launch.
 *
 * One launch per call: blockIdx.z is the output phase (the transposed convolution's s^rank
 * phases side by side; convolution has one), blockIdx.y the group and the N tile, blockIdx.x
 * the M tile times the K split, whose blocks form one thread-block cluster (they add their
 * partial tiles through distributed shared memory, in rank order). Blocks past a smaller
 * phase's rows return at once (phases differ by at most one position per dimension).
 *
 * Kernels: igemm_<BM>x<BN>_<gather>_<offsets>, the combinations tconv_igemm_available()
 * lists (cuda/igemm_args.h). Each is built for 16 resident warps per SM (at most 128
 * registers a thread).
 *
 * Versions:
 *   v1  one thread-0 prologue per block deriving the phase, 64-bit index math in the loop,
 *       register-staged double buffering, a column-major C tile (bank conflicts).
 *   v2  phases prepared on the host; tap tables and per-row tap masks so the K loop is
 *       loads and FFMAs; 32-bit offsets unless a tensor needs 64; cp.async with two
 *       stages; 128-bit shared loads on both operands; swizzled C tile; activation as a
 *       template parameter; K split across a cluster.
 *   v3  the strip gather for the narrow tiles: a thread loads strips of 4 consecutive
 *       output positions, 4 consecutive x elements from one address and one offset load.
 */
#include "launch.h"

#include "async_copy.cuh"
#include "grid.cuh"
#include "igemm.cuh"

#include <cooperative_groups.h>

namespace cg = cooperative_groups;

/* block_program's executor on the GPU: this thread, its block's shared memory, the block
 * and cluster barriers, cp.async. */
template <class K, int GATHER, bool WIDE> struct DeviceExec {
  typedef igemm::Thread<K, GATHER, WIDE> Th;
  typedef igemm::Smem<K, GATHER, WIDE> S;
  Th thread;
  S &smem;
  const tconv_igemm_args &args;
  __device__ DeviceExec(S &s, const tconv_igemm_args &a) : smem(s), args(a) {}
  template <class Step> __device__ __forceinline__ void each(Step step) { step(thread, smem); }
  __device__ __forceinline__ void sync() { __syncthreads(); }
  __device__ __forceinline__ void cluster_sync() {
    if (args.choice.split > 1)
      cg::this_cluster().sync();
    else
      __syncthreads();
  }
  __device__ __forceinline__ const S &peer(int rank) const {
    return args.choice.split > 1 ? *cg::this_cluster().map_shared_rank(&smem, (unsigned)rank)
                                 : smem;
  }
  __device__ __forceinline__ igemm::BlockInfo info(const Th &) const {
    return igemm::block_info<K>(args, blockIdx.x, blockIdx.y, blockIdx.z);
  }
  __device__ __forceinline__ int thread_index(const Th &) const { return (int)threadIdx.x; }
  /* 4 bytes global -> shared, zero-filled when !valid (src is not read then). */
  __device__ __forceinline__ void copy(const Th &, float *dst, const float *src, bool valid) {
    tconv_cp_async<4>((uint32_t)__cvta_generic_to_shared(dst), src, valid);
  }
  __device__ __forceinline__ void commit(const Th &) { tconv_cp_async_commit(); }
  template <int N> __device__ __forceinline__ void wait(const Th &) { tconv_cp_async_wait<N>(); }
};

template <class K, int GATHER, bool WIDE>
static __device__ __forceinline__ void
igemm_body(const tconv_igemm_args &a, const float *__restrict__ x, const float *__restrict__ w,
           const float *__restrict__ bias, float *__restrict__ y) {
  __shared__ igemm::Smem<K, GATHER, WIDE> smem;
  const igemm::BlockInfo b = igemm::block_info<K>(a, blockIdx.x, blockIdx.y, blockIdx.z);
  if (b.m0 >= b.M)
    return; /* the whole cluster: this phase has fewer rows */
  DeviceExec<K, GATHER, WIDE> ex(smem, a);
  igemm::main_loop<K, GATHER, WIDE>(ex, a, b, x, w);
  igemm::epilogue<K, GATHER, WIDE>(ex, a, bias, y);
}

/* The configurations of igemm_args.h as tiles. */
static constexpr tconv_igemm_config igemm_configs[TCONV_IGEMM_CONFIG_COUNT] = {
#define IGEMM_CONFIG_ROW(id, bm, bn, bk, tm, tn, threads) {bm, bn, bk, tm, tn, threads},
    TCONV_IGEMM_CONFIGS(IGEMM_CONFIG_ROW)
#undef IGEMM_CONFIG_ROW
};
template <int ID>
using IgemmTile =
    igemm::Tile<igemm_configs[ID].bm, igemm_configs[ID].bn, igemm_configs[ID].bk,
                igemm_configs[ID].tm, igemm_configs[ID].tn, igemm_configs[ID].threads>;

/* igemm_<BM>x<BN>_<gather>_<offsets>: one named kernel per instantiation, so the SASS and the
 * launch plan (tconv_igemm_kernel_name) name the same thing. */
#define IGEMM_KERNEL(id, rows, cols, gname, gather, wname, wide)                                   \
  static_assert(igemm_configs[id].bm == rows && igemm_configs[id].bn == cols, "name the tile");    \
  static __global__ void __launch_bounds__(IgemmTile<id>::THREADS, IgemmTile<id>::MIN_BLOCKS)      \
      igemm_##rows##x##cols##_##gname##_##wname(                                                   \
          const tconv_igemm_args a, const float *__restrict__ x, const float *__restrict__ w,      \
          const float *__restrict__ bias, float *__restrict__ y) {                                 \
    igemm_body<IgemmTile<id>, gather, wide>(a, x, w, bias, y);                                     \
  }

/* The kernels tconv_igemm_available() lists: every configuration with the mask gather and
 * 32-bit offsets, 64-bit offsets for the two widest tiles, the generic gather with 32-bit
 * offsets for the widest, the strip gather with 32-bit offsets for the three narrowest. */
IGEMM_KERNEL(0, 128, 128, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(0, 128, 128, mask, TCONV_IGEMM_MASK, i64, true)
IGEMM_KERNEL(0, 128, 128, generic, TCONV_IGEMM_GENERIC, i32, false)
IGEMM_KERNEL(1, 128, 64, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(1, 128, 64, mask, TCONV_IGEMM_MASK, i64, true)
IGEMM_KERNEL(2, 128, 32, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(3, 128, 16, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(3, 128, 16, strip, TCONV_IGEMM_STRIP, i32, false)
IGEMM_KERNEL(4, 128, 8, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(4, 128, 8, strip, TCONV_IGEMM_STRIP, i32, false)
IGEMM_KERNEL(5, 128, 4, mask, TCONV_IGEMM_MASK, i32, false)
IGEMM_KERNEL(5, 128, 4, strip, TCONV_IGEMM_STRIP, i32, false)

typedef void (*igemm_kernel)(const tconv_igemm_args, const float *, const float *, const float *,
                             float *);

/* [configuration][gather][wide]; NULL where tconv_igemm_available() says no. */
static const igemm_kernel kernels[TCONV_IGEMM_CONFIG_COUNT][TCONV_IGEMM_GATHERS][2] = {
    {{igemm_128x128_mask_i32, igemm_128x128_mask_i64},
     {igemm_128x128_generic_i32, nullptr},
     {nullptr, nullptr}},
    {{igemm_128x64_mask_i32, igemm_128x64_mask_i64}, {nullptr, nullptr}, {nullptr, nullptr}},
    {{igemm_128x32_mask_i32, nullptr}, {nullptr, nullptr}, {nullptr, nullptr}},
    {{igemm_128x16_mask_i32, nullptr}, {nullptr, nullptr}, {igemm_128x16_strip_i32, nullptr}},
    {{igemm_128x8_mask_i32, nullptr}, {nullptr, nullptr}, {igemm_128x8_strip_i32, nullptr}},
    {{igemm_128x4_mask_i32, nullptr}, {nullptr, nullptr}, {igemm_128x4_strip_i32, nullptr}},
};

extern "C" tconv_status tconv_cuda_igemm(tconv_context *ctx, const tconv_problem *problem,
                                         const float *x, const float *w, const float *bias,
                                         float *y, void *workspace, size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  const tconv_igemm_choice choice = tconv_igemm_choose(problem);
  tconv_igemm_args a;
  tconv_igemm_args_make(problem, &choice, &a);
  const tconv_igemm_config c = tconv_igemm_config_of(choice.config);
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3((unsigned)(a.m_tiles * choice.split), (unsigned)(a.g.groups * a.n_tiles),
                        (unsigned)a.phases);
  config.blockDim = dim3((unsigned)c.threads);
  config.stream = (cudaStream_t)ctx->stream;
  cudaLaunchAttribute cluster;
  cluster.id = cudaLaunchAttributeClusterDimension;
  cluster.val.clusterDim.x = (unsigned)choice.split;
  cluster.val.clusterDim.y = cluster.val.clusterDim.z = 1;
  config.attrs = &cluster;
  config.numAttrs = choice.split > 1 ? 1 : 0;
  const igemm_kernel kernel = kernels[choice.config][choice.gather][choice.wide];
  if (kernel == nullptr)
    return tconv_fail(ctx, TCONV_STATUS_INTERNAL, "igemm: no kernel %s in this build",
                      tconv_igemm_kernel_name(&choice));
  TCONV_CUDA_BEFORE_LAUNCH();
  cudaError_t error = cudaLaunchKernelEx(&config, kernel, a, x, w, bias, y);
  if (error == cudaSuccess)
    error = cudaGetLastError();
  if (error != cudaSuccess) {
    char what[96];
    snprintf(what, sizeof what, "launch of %s", tconv_igemm_kernel_name(&choice));
    return tconv_cuda_fail(ctx, error, what, __FILE__, __LINE__);
  }
  return TCONV_STATUS_OK;
}
