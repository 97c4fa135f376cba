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
 * Thread → output: a grid-stride loop over the linear C-order index of y (N, Cout, o0, o1,
 * o2) in int64_t, one wave of blocks (the occupancy API's count per SM times the SMs);
 * indices are split with the geometry's dividers, never a 64-bit division.
 *
 * Versions:
 *   v1  naive gather, every operand from global memory through the read-only cache (__ldg),
 *       one kernel per gather (zeros, padded convolution, circular transposed).
 */
#include "launch.h"

#include "geometry.cuh"
#include "grid.cuh"

template <int KIND>
static __device__ __forceinline__ void
direct_body(const tconv_geom &g, int64_t count, const float *__restrict__ x,
            const float *__restrict__ w, const float *__restrict__ bias, float *__restrict__ y) {
  tconv_grid_stride(count, [&](int64_t e) {
    float value;
    int64_t offset;
    tconv_direct_element(&g, KIND, x, w, bias, e, &value, &offset);
    y[offset] = value;
  });
}

/* One kernel per gather, each named for it (the names the launch plan reports). The minimum of
 * one resident block is said explicitly: left to itself, ptxas caps the registers for three
 * blocks per SM and spills the gathers' 64-bit index math to the stack. */
static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_zeros(const tconv_geom g, int64_t count, const float *__restrict__ x,
                 const float *__restrict__ w, const float *__restrict__ bias,
                 float *__restrict__ y) {
  direct_body<TCONV_GATHER_TAPS>(g, count, x, w, bias, y);
}

static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_padded(const tconv_geom g, int64_t count, const float *__restrict__ x,
                  const float *__restrict__ w, const float *__restrict__ bias,
                  float *__restrict__ y) {
  direct_body<TCONV_GATHER_PADDED>(g, count, x, w, bias, y);
}

static __global__ void __launch_bounds__(TCONV_DIRECT_THREADS, 1)
    direct_circular(const tconv_geom g, int64_t count, const float *__restrict__ x,
                    const float *__restrict__ w, const float *__restrict__ bias,
                    float *__restrict__ y) {
  direct_body<TCONV_GATHER_CIRCULAR>(g, count, x, w, bias, y);
}

extern "C" tconv_status tconv_cuda_direct(tconv_context *ctx, const tconv_problem *problem,
                                          const float *x, const float *w, const float *bias,
                                          float *y, void *workspace, size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  if (problem->y_count <= 0)
    return TCONV_STATUS_OK;
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  const tconv_geom g = tconv_geom_make(problem);
  const int64_t count = problem->y_count;
  const int64_t work = (count + TCONV_DIRECT_THREADS - 1) / TCONV_DIRECT_THREADS;
  switch (tconv_gather_kind(&g)) {
  case TCONV_GATHER_TAPS:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_zeros), TCONV_DIRECT_THREADS, work, g, count,
                             x, w, bias, y);
  case TCONV_GATHER_PADDED:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_padded), TCONV_DIRECT_THREADS, work, g, count,
                             x, w, bias, y);
  default:
    return tconv_launch_wave(ctx, TCONV_KERNEL(direct_circular), TCONV_DIRECT_THREADS, work, g,
                             count, x, w, bias, y);
  }
}
