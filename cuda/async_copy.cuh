/*
 * async_copy.cuh - cp.async (PTX ISA, sm_80 and newer) for the implicit GEMMs' loaders: a
 * global -> shared copy that writes zeros instead of reading when its source is not valid,
 * copies committed in groups, and a wait until at most N groups are in flight. Device code
 * only; the host emulations (tests/igemm_emu.cpp, tests/igemm_tc_emu.cpp) model the same
 * contract and check that every copy is committed and waited for.
 */
#ifndef TCONV_CUDA_ASYNC_COPY_CUH
#define TCONV_CUDA_ASYNC_COPY_CUH

#include <stdint.h>

/* BYTES (4 or 16) from src to the shared address dst; zeros when !valid (src is not read).
 * 4-byte copies go through L1 (.ca), 16-byte ones bypass it (.cg, streaming tiles). */
template <int BYTES>
static __device__ __forceinline__ void tconv_cp_async(uint32_t dst, const void *src, bool valid) {
  static_assert(BYTES == 4 || BYTES == 16, "cp.async copies 4 or 16 bytes here");
  if constexpr (BYTES == 16)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
                 "r"(valid ? 16 : 0)
                 : "memory");
  else
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src),
                 "r"(valid ? 4 : 0)
                 : "memory");
}

static __device__ __forceinline__ void tconv_cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}

/* Until at most N committed groups of this thread are still in flight. */
template <int N> static __device__ __forceinline__ void tconv_cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

#endif /* TCONV_CUDA_ASYNC_COPY_CUH */
