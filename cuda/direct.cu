/*
 * direct.cu - the direct algorithm: one thread per output element, for the transposed
 * convolution (gather, no atomics) and the strided convolution, every padding mode.
 *
 * Math (DESIGN.md §1; per spatial dimension i, k, s, d, pb; groups g):
 *
 *   transposed   y[n, co, o] = bias[co]
 *                  + Σ_{ci in group(co)} Σ_{j: t = o + pb - j·d >= 0, t % s == 0, t/s < i}
 *                      x[n, ci, t/s] · w[ci, co mod (Cout/g), j]
 *   convolution  y[n, co, o] = bias[co]
 *                  + Σ_{ci in group(co)} Σ_{j: 0 <= t = o·s - pb + j·d < i}
 *                      x[n, ci, t] · w[co, ci mod (Cin/g), j]
 *
 * with group(co) = the Cin/g input channels [c·Cin/g, (c+1)·Cin/g), c = co / (Cout/g), and
 * o, j, t multi-indices over the spatial dimensions; then the fused activation. The per-output
 * code is cuda/geometry.cuh's tconv_direct_element (tests/test_direct.c runs it on the CPU):
 * the output's taps as progressions (zero padding: only taps that contribute are visited),
 * or every tap through the padding mode, or every circular wrap; input channels in order,
 * fmaf in a fixed order, bias last - deterministic, no atomics.
 *
 * Storage: every dtype (the kernels are templates over the element type: float, __half,
 * __nv_bfloat16) loaded and widened to FP32, the sum in FP32 in the fixed order above, one
 * rounding to nearest even at the store; every layout through the geometry's strides. TF32
 * math is computed as STRICT: no tensor cores here, and FP32 FFMA is within TF32's tolerance.
 *
 * Thread → output: a grid-stride loop over the linear index of y in memory order (int64_t;
 * (N, Cout, o0, o1, o2) channels first, (N, o0, o1, o2, Cout) channels last, so a warp's
 * stores are contiguous either way), one wave of blocks (the occupancy API's count per SM
 * times the SMs); indices are split with the geometry's dividers, never a 64-bit division.
 *
 * Versions:
 *   v1  naive gather, every operand from global memory through the read-only cache (__ldg),
 *       one kernel per gather (zeros, padded convolution, circular transposed).
 *   v2  one kernel per gather and element type; y walked in its own memory order.
 */
#include "launch.h"

#include "geometry.cuh"
#include "grid.cuh"

template <int KIND, class T>
static __device__ __forceinline__ void direct_body(const tconv_geom &g, int64_t count,
                                                   const T *__restrict__ x, const T *__restrict__ w,
                                                   const T *__restrict__ bias, T *__restrict__ y) {
  constexpr int DT = TCONV_DTYPE_OF(T);
  tconv_grid_stride(count, [&](int64_t e) {
    float value;
    int64_t offset;
    tconv_direct_element(&g, KIND, DT, x, w, bias, e, &value, &offset);
    tconv_elem_store(DT, y, offset, value);
  });
}

/* One kernel per gather and element type, each named for it (the names the launch plan
 * reports). The minimum of one resident block is said explicitly: left to itself, ptxas caps
 * the registers for three blocks per SM and spills the gathers' 64-bit index math to the
 * stack. */
template <class T>
static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_zeros(const tconv_geom g, int64_t count, const T *__restrict__ x,
                 const T *__restrict__ w, const T *__restrict__ bias, T *__restrict__ y) {
  direct_body<TCONV_GATHER_TAPS>(g, count, x, w, bias, y);
}

template <class T>
static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_padded(const tconv_geom g, int64_t count, const T *__restrict__ x,
                  const T *__restrict__ w, const T *__restrict__ bias, T *__restrict__ y) {
  direct_body<TCONV_GATHER_PADDED>(g, count, x, w, bias, y);
}

template <class T>
static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_circular(const tconv_geom g, int64_t count, const T *__restrict__ x,
                    const T *__restrict__ w, const T *__restrict__ bias, T *__restrict__ y) {
  direct_body<TCONV_GATHER_CIRCULAR>(g, count, x, w, bias, y);
}

/* The kernel of the problem's gather for element type T. */
template <class T>
static tconv_status direct_launch(tconv_context *ctx, const tconv_geom &g, int64_t count,
                                  const void *x, const void *w, const void *bias, void *y) {
  const int64_t work = (count + TCONV_DIRECT_THREADS - 1) / TCONV_DIRECT_THREADS;
  const T *tx = (const T *)x, *tw = (const T *)w, *tb = (const T *)bias;
  T *ty = (T *)y;
  switch (tconv_gather_kind(&g)) {
  case TCONV_GATHER_TAPS:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_zeros<T>), TCONV_DIRECT_THREADS, work, g,
                             count, tx, tw, tb, ty);
  case TCONV_GATHER_PADDED:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_padded<T>), TCONV_DIRECT_THREADS, work, g,
                             count, tx, tw, tb, ty);
  default:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_circular<T>), TCONV_DIRECT_THREADS, work, g,
                             count, tx, tw, tb, ty);
  }
}

/* The pointers are the problem's dtype in its layouts (tconv_run_fn's float * aside). */
extern "C" tconv_status tconv_cuda_direct(tconv_context *ctx, const tconv_problem *problem,
                                          const float *x, const float *w, const float *bias,
                                          float *y, void *workspace, size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  const tconv_geom g = tconv_geom_make(problem);
  switch (problem->dtype) {
  case TCONV_DTYPE_FLOAT16:
    return direct_launch<__half>(ctx, g, problem->y_count, x, w, bias, y);
  case TCONV_DTYPE_BFLOAT16:
    return direct_launch<__nv_bfloat16>(ctx, g, problem->y_count, x, w, bias, y);
  default:
    return direct_launch<float>(ctx, g, problem->y_count, x, w, bias, y);
  }
}
