/*
 * element.cuh - one element of a tensor of any tconv_dtype, for the kernels and their host
 * emulations: plain C11 and __host__ __device__ (index.cuh's TCONV_HD), like geometry.cuh.
 *
 * Arithmetic is FP32 whatever the storage: an element is widened to float when loaded (exact
 * for every dtype) and a result is rounded once, to nearest even, when stored. The dtype is an
 * argument (a tconv_dtype value); the kernels pass it as a compile-time constant - each is a
 * template over its element type (float, __half, __nv_bfloat16; TCONV_DTYPE_OF below maps one
 * to the other) - so an instantiation holds only its own loads and stores. On the device the
 * half conversions are the hardware's cvt instructions; on the host they are cuda/float16.cuh's
 * bit-exact ones: a widening has one right answer and the store's rounding is IEEE's
 * round-to-nearest-even in both, so the two agree bit for bit on every finite value (a NaN
 * stays a NaN, its payload aside).
 */
#ifndef TCONV_CUDA_ELEMENT_CUH
#define TCONV_CUDA_ELEMENT_CUH

#include "float16.cuh"
#include "index.cuh"
#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

/* Loads through the read-only data cache on the device; a plain load on the host. */
#ifdef __CUDA_ARCH__
#define TCONV_LOAD(p) __ldg(p)
#else
#define TCONV_LOAD(p) (*(p))
#endif

/* Bytes per element of `dtype`. */
TCONV_HD int64_t tconv_elem_bytes(int dtype) { return dtype == TCONV_DTYPE_FLOAT32 ? 4 : 2; }

/* The address of element i of a `dtype` array at base. */
TCONV_HD const void *tconv_elem_at(int dtype, const void *base, int64_t i) {
  return (const unsigned char *)base + i * tconv_elem_bytes(dtype);
}
TCONV_HD void *tconv_elem_at_mut(int dtype, void *base, int64_t i) {
  return (unsigned char *)base + i * tconv_elem_bytes(dtype);
}

/* A float16 (dtype FLOAT16) or bfloat16 (otherwise) bit pattern, widened to float (exact). */
TCONV_HD float tconv_elem_widen(int dtype, uint16_t h) {
  if (dtype == TCONV_DTYPE_FLOAT16) {
#ifdef __CUDA_ARCH__
    return __half2float(__ushort_as_half(h));
#else
    return tconv_f16_to_f32(h);
#endif
  }
  return tconv_bf16_to_f32(h);
}

/* Element i of a `dtype` array in global memory, widened to float (exact). */
TCONV_HD float tconv_elem_load(int dtype, const void *base, int64_t i) {
  if (dtype == TCONV_DTYPE_FLOAT32)
    return TCONV_LOAD((const float *)base + i);
  return tconv_elem_widen(dtype, TCONV_LOAD((const uint16_t *)base + i));
}

/* v, rounded once to nearest even, as element i of a `dtype` array. */
TCONV_HD void tconv_elem_store(int dtype, void *base, int64_t i, float v) {
  if (dtype == TCONV_DTYPE_FLOAT16) {
#ifdef __CUDA_ARCH__
    ((uint16_t *)base)[i] = __half_as_ushort(__float2half_rn(v));
#else
    ((uint16_t *)base)[i] = tconv_f32_to_f16(v);
#endif
  } else if (dtype == TCONV_DTYPE_BFLOAT16) {
#ifdef __CUDA_ARCH__
    ((uint16_t *)base)[i] = __bfloat16_as_ushort(__float2bfloat16_rn(v));
#else
    ((uint16_t *)base)[i] = tconv_f32_to_bf16(v);
#endif
  } else {
    ((float *)base)[i] = v;
  }
}

#ifdef __CUDACC__
/* The tconv_dtype of a kernel's element type: TCONV_DTYPE_OF(T). */
template <class T> struct tconv_dtype_of;
template <> struct tconv_dtype_of<float> { static constexpr int value = TCONV_DTYPE_FLOAT32; };
template <> struct tconv_dtype_of<__half> { static constexpr int value = TCONV_DTYPE_FLOAT16; };
template <> struct tconv_dtype_of<__nv_bfloat16> {
  static constexpr int value = TCONV_DTYPE_BFLOAT16;
};
#define TCONV_DTYPE_OF(T) (tconv_dtype_of<T>::value)
#endif

#endif /* TCONV_CUDA_ELEMENT_CUH */
