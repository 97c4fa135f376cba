/*
 * igemm_tc.cu - the tensor-core implicit GEMM's kernels and launcher. The choice of kernel
 * and every argument come from host/algo_igemm_tc.c (cuda/igemm_tc_args.h); the per-warp code
 * is cuda/igemm_tc.cuh (which tests/igemm_tc_emu.cpp runs on the CPU); this file holds the
 * device side of its executor - ldmatrix, mma.sync, cvt.rna.tf32 and cp.async as inline PTX
 * (cuda/mma_frag.cuh's wrappers) - and the launch.
 *
 * One launch per call, as the FP32 implicit GEMM's: blockIdx.z the output phase, blockIdx.y
 * the group and N tile, blockIdx.x the M tile; blocks past a smaller phase's rows return at
 * once. Shared memory is dynamic (the stages and the tap table: 33 to 65 KB per block).
 *
 * Kernels: igemm_tc_<type>_<BM>x<BN>_<path>, every type x configuration x loader of
 * cuda/igemm_tc_args.h, each built for the resident blocks its tile leaves room for.
 *
 * Versions:
 *   v1  mma.sync m16n8k16 (float16, bfloat16) and m16n8k8 (TF32) from ldmatrix fragments,
 *       a 4-stage cp.async ring of XOR-swizzled stages, tap masks per row, FP32 epilogue
 *       through shared memory with 16-byte channels-last stores.
 */
#include "launch.h"

#include "async_copy.cuh"
#include "check.cuh"
#include "igemm_tc.cuh"
#include "mma_frag.cuh"

#include <atomic>
#include <cstdio>

namespace {

/* main_loop's and epilogue's executor on the GPU: this lane, its warp's state, the block's
 * shared memory, the barrier, the PTX instructions. */
template <class K> struct DeviceExec {
  static constexpr int LANES = 1;
  typedef igemm_tc::Warp<K, 1> W;
  W warp;
  unsigned char *base;
  uint32_t base_s; /* the shared-window address of base */
  __device__ explicit DeviceExec(unsigned char *smem)
      : base(smem), base_s((uint32_t)__cvta_generic_to_shared(smem)) {}
  __device__ __forceinline__ int lane(int) const { return (int)(threadIdx.x & 31); }
  __device__ __forceinline__ unsigned char *smem() const { return base; }
  template <class Step> __device__ __forceinline__ void each(Step step) {
    step(warp, (int)(threadIdx.x >> 5));
  }
  __device__ __forceinline__ void sync() { __syncthreads(); }
  __device__ __forceinline__ void ldsm4(uint32_t (&r)[1][4], const uint32_t (&off)[1], bool trans) {
#ifdef __CUDA_ARCH__ /* the wrappers exist in the device pass only */
    if (trans)
      tconv_ldsm_x4_trans(r[0], base + off[0]);
    else
      tconv_ldsm_x4(r[0], base + off[0]);
#endif
  }
  template <int TYPE>
  __device__ __forceinline__ void mma(float (&d)[1][4], const uint32_t (&a)[1][4],
                                      const uint32_t (&b)[1][2]) {
#ifdef __CUDA_ARCH__
    if constexpr (TYPE == TCONV_TC_F16)
      tconv_mma16816_f16(d[0], a[0], b[0], d[0]);
    else if constexpr (TYPE == TCONV_TC_BF16)
      tconv_mma16816_bf16(d[0], a[0], b[0], d[0]);
    else
      tconv_mma1688_tf32(d[0], a[0], b[0], d[0]);
#endif
  }
  __device__ __forceinline__ uint32_t tf32(uint32_t bits) const {
#ifdef __CUDA_ARCH__
    return tconv_cvt_tf32(__uint_as_float(bits));
#else
    return bits;
#endif
  }
  __device__ __forceinline__ uint32_t lds32(uint32_t off) const {
    return *reinterpret_cast<const uint32_t *>(base + off);
  }
  /* 16 bytes global -> shared, zero-filled when !valid (src is not read then). */
  template <class T>
  __device__ __forceinline__ void cp16(const W &, int, uint32_t dst, const T *src, bool valid) {
    tconv_cp_async<16>(base_s + dst, src, valid);
  }
  __device__ __forceinline__ void commit(const W &) { tconv_cp_async_commit(); }
  template <int N> __device__ __forceinline__ void wait(const W &) { tconv_cp_async_wait<N>(); }
  template <class T> __device__ __forceinline__ T load(const T *p, int64_t off, bool ok) const {
    return ok ? __ldg(p + off) : T(0);
  }
  template <class T> __device__ __forceinline__ void st16(unsigned char *dst, const T *e) const {
    uint4 v;
    memcpy(&v, e, sizeof v);
    *reinterpret_cast<uint4 *>(dst) = v;
  }
  template <class T> __device__ __forceinline__ void stg16(T *dst, const T *e) const {
    uint4 v;
    memcpy(&v, e, sizeof v);
    *reinterpret_cast<uint4 *>(dst) = v;
  }
  template <int TYPE>
  __device__ __forceinline__ float widen(typename igemm_tc::Elem<TYPE>::T v) const {
    if constexpr (TYPE == TCONV_TC_F16) {
      float f;
      asm("cvt.f32.f16 %0, %1;\n" : "=f"(f) : "h"(v));
      return f;
    } else if constexpr (TYPE == TCONV_TC_BF16) {
      return __uint_as_float((uint32_t)v << 16);
    } else {
      return v;
    }
  }
  /* One rounding to nearest even (cuda/float16.cuh's conversions on the host). */
  template <int TYPE>
  __device__ __forceinline__ typename igemm_tc::Elem<TYPE>::T narrow(float f) const {
    if constexpr (TYPE == TCONV_TC_TF32) {
      return f;
    } else {
      uint16_t h;
      if constexpr (TYPE == TCONV_TC_F16)
        asm("cvt.rn.f16.f32 %0, %1;\n" : "=h"(h) : "f"(f));
      else
        asm("cvt.rn.bf16.f32 %0, %1;\n" : "=h"(h) : "f"(f));
      return h;
    }
  }
};

template <class K>
__device__ __forceinline__ void tc_body(const tconv_tc_args &a, const void *x, const void *w,
                                        const void *bias, void *y) {
  extern __shared__ __align__(128) unsigned char tc_smem[];
  typedef typename igemm_tc::Elem<K::TYPE>::T T;
  const igemm::BlockInfo b = igemm::block_info<K>(a.base, blockIdx.x, blockIdx.y, blockIdx.z);
  if (b.m0 >= b.M)
    return; /* this phase has fewer rows */
  DeviceExec<K> ex(tc_smem);
  igemm_tc::main_loop<K>(ex, a.base, b, static_cast<const T *>(x), static_cast<const T *>(w));
  igemm_tc::epilogue<K>(ex, a.base, b, static_cast<const T *>(bias), static_cast<T *>(y));
}

/* The configurations of igemm_tc_args.h as tiles. */
constexpr tconv_tc_config tc_configs[TCONV_TC_CONFIG_COUNT] = {
#define TC_CONFIG_ROW(id, bm, bn, wm, wn) {bm, bn, wm, wn, (bm / wm) * (bn / wn) * 32},
    TCONV_TC_CONFIGS(TC_CONFIG_ROW)
#undef TC_CONFIG_ROW
};
template <int ID, int TYPE, int PATH>
using TcTile = igemm_tc::Tile<tc_configs[ID].bm, tc_configs[ID].bn, tc_configs[ID].wm,
                              tc_configs[ID].wn, TYPE, PATH>;

typedef void (*tc_kernel)(const tconv_tc_args, const void *, const void *, const void *, void *);

} // namespace

/* igemm_tc_<type>_<BM>x<BN>_<path>: one named kernel per instantiation, so the SASS and the
 * launch plan (tconv_tc_kernel_name) name the same thing. */
#define TC_KERNEL(id, rows, cols, tname, type, pname, path)                                        \
  static_assert(tc_configs[id].bm == rows && tc_configs[id].bn == cols, "name the tile");          \
  static __global__ void __launch_bounds__(TcTile<id, type, path>::THREADS,                        \
                                           TcTile<id, type, path>::MIN_BLOCKS)                     \
      igemm_tc_##tname##_##rows##x##cols##_##pname(const tconv_tc_args a, const void *x,           \
                                                   const void *w, const void *bias, void *y) {     \
    tc_body<TcTile<id, type, path>>(a, x, w, bias, y);                                             \
  }
#define TC_KERNELS_OF_CONFIG(id, rows, cols, tname, type)                                          \
  TC_KERNEL(id, rows, cols, tname, type, kvec, TCONV_TC_KVEC)                                      \
  TC_KERNEL(id, rows, cols, tname, type, nvec, TCONV_TC_NVEC)                                      \
  TC_KERNEL(id, rows, cols, tname, type, elem, TCONV_TC_ELEM)
#define TC_KERNELS_OF_TYPE(tname, type)                                                            \
  TC_KERNELS_OF_CONFIG(0, 128, 128, tname, type)                                                   \
  TC_KERNELS_OF_CONFIG(1, 128, 64, tname, type)                                                    \
  TC_KERNELS_OF_CONFIG(2, 64, 64, tname, type)

TC_KERNELS_OF_TYPE(f16, TCONV_TC_F16)
TC_KERNELS_OF_TYPE(bf16, TCONV_TC_BF16)
TC_KERNELS_OF_TYPE(tf32, TCONV_TC_TF32)

#define TC_ROW(tname, rows, cols)                                                                  \
  {                                                                                                \
    igemm_tc_##tname##_##rows##x##cols##_kvec, igemm_tc_##tname##_##rows##x##cols##_nvec,          \
        igemm_tc_##tname##_##rows##x##cols##_elem                                                  \
  }
#define TC_TYPE_ROWS(tname)                                                                        \
  { TC_ROW(tname, 128, 128), TC_ROW(tname, 128, 64), TC_ROW(tname, 64, 64) }

/* [type][configuration][path] */
static const tc_kernel tc_kernels[TCONV_TC_TYPES][TCONV_TC_CONFIG_COUNT][TCONV_TC_PATHS] = {
    TC_TYPE_ROWS(f16), TC_TYPE_ROWS(bf16), TC_TYPE_ROWS(tf32)};

/* Devices whose limit of dynamic shared memory each kernel has been raised on (bit d for
 * device d < 64; others raise it at every launch). */
static std::atomic<uint64_t> tc_smem_raised[TCONV_TC_TYPES][TCONV_TC_CONFIG_COUNT][TCONV_TC_PATHS];

extern "C" tconv_status tconv_cuda_igemm_tc(tconv_context *ctx, const tconv_problem *problem,
                                            const float *x, const float *w, const float *bias,
                                            float *y, void *workspace, size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  /* The 16-byte loaders need x and w on 16-byte boundaries; other tensors take the element
   * loader (y is stored in vectors only where it is aligned). */
  const tconv_tc_choice choice = tconv_tc_choose(problem, ((uintptr_t)x | (uintptr_t)w) % 16 == 0);
  tconv_tc_args a;
  tconv_tc_args_make(problem, &choice, &a);
  const tconv_tc_config c = tconv_tc_config_of(choice.config);
  const tc_kernel kernel = tc_kernels[choice.type][choice.config][choice.path];
  const int smem = tconv_tc_smem_bytes(choice.config);
  std::atomic<uint64_t> &raised = tc_smem_raised[choice.type][choice.config][choice.path];
  const uint64_t bit = ctx->device < 64 ? (uint64_t)1 << ctx->device : 0;
  if (bit == 0 || (raised.load() & bit) == 0) {
    TCONV_CUDA_TRY(ctx,
                   cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    raised.fetch_or(bit);
  }
  const dim3 grid((unsigned)a.base.m_tiles, (unsigned)(a.base.g.groups * a.base.n_tiles),
                  (unsigned)a.base.phases);
  TCONV_CUDA_BEFORE_LAUNCH();
  kernel<<<grid, c.threads, (size_t)smem, (cudaStream_t)ctx->stream>>>(a, x, w, bias, y);
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess) {
    char what[96];
    snprintf(what, sizeof what, "launch of %s", tconv_tc_kernel_name(&choice));
    return tconv_cuda_fail(ctx, error, what, __FILE__, __LINE__);
  }
  return TCONV_STATUS_OK;
}
