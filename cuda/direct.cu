/*
 * direct.cu - the direct algorithm: one thread per output element, for the transposed
 * convolution (gather, no atomics) and the strided convolution.
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
 * o, j, t multi-indices over the spatial dimensions (the sums run over every dimension's
 * taps). pad_end and output_padding only set the output size, which the problem already
 * holds. The problem stores spatial sizes outermost first and pads the unused trailing
 * entries with size 1 / stride 1 / dilation 1 / pad 0: a trailing dimension of size 1
 * leaves C-order offsets unchanged, so every rank runs the same 3-D code exactly.
 *
 * Thread → output: a grid-stride loop over the linear C-order index of y (N, Cout, o0, o1,
 * o2) in int64_t; each thread decomposes its index, finds per dimension the contributing
 * taps as an arithmetic progression (cuda/index.cuh: only taps that contribute are visited,
 * no per-tap tests), and accumulates in float with fmaf in a fixed order (input channel,
 * then taps outermost dimension first), bias last. Results are deterministic: no atomics,
 * no order that depends on scheduling.
 *
 * Every kernel ends with the fused activation (none, relu, leaky_relu, sigmoid, tanh, clamp)
 * after the bias.
 *
 * Versions:
 *   v1  naive gather: every operand from global memory through the read-only cache (__ldg);
 *       tap progressions computed per output instead of testing all k^rank taps.
 *   v1 padded (convolution with reflect / replicate / circular padding): every tap is
 *       visited, its input position mapped through the padding mode.
 *   v1 circular (transposed, circular padding): per dimension and tap, every wrap m with
 *       t*s = o + pb - j*d + m*out inside the input is visited.
 */
#include "launch.h"

#include "check.cuh"
#include "index.cuh"

#define DIRECT_BLOCK 256 /* threads per block */
/* Blocks per SM in the grid: an SM holds at most 8 such blocks (2048 threads on Hopper; fewer
 * at these kernels' register use), so 16 keeps every SM busy with no tail of tiny waves; the
 * grid-stride loop covers larger outputs. */
#define DIRECT_BLOCKS_PER_SM 16

/* Everything a thread needs, prepared once on the host. */
typedef struct direct_args {
  int64_t n, cin, cout;
  int64_t cin_g, cout_g; /* channels per group */
  int64_t in[TCONV_MAX_SPATIAL], out[TCONV_MAX_SPATIAL], k[TCONV_MAX_SPATIAL];
  int64_t stride[TCONV_MAX_SPATIAL], dilation[TCONV_MAX_SPATIAL], pad[TCONV_MAX_SPATIAL];
  tconv_tap_plan plan[TCONV_MAX_SPATIAL]; /* transposed only */
  int64_t in_spatial, k_spatial, y_count;
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation */
  float alpha, beta;            /* activation parameters */
} direct_args;

static direct_args direct_args_make(const tconv_problem *p) {
  direct_args a;
  a.n = p->n;
  a.cin = p->cin;
  a.cout = p->cout;
  a.cin_g = p->cin / p->groups;
  a.cout_g = p->cout / p->groups;
  for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim) {
    a.in[dim] = p->in[dim];
    a.out[dim] = p->out[dim];
    a.k[dim] = p->k[dim];
    a.stride[dim] = p->stride[dim];
    a.dilation[dim] = p->dilation[dim];
    a.pad[dim] = p->pad_begin[dim];
    a.plan[dim] = tconv_tap_plan_make(p->stride[dim], p->dilation[dim]);
  }
  a.in_spatial = p->in_spatial;
  a.k_spatial = p->k_spatial;
  a.y_count = p->y_count;
  a.padding_mode = (int)p->padding_mode;
  a.activation = (int)p->activation;
  a.alpha = p->activation_alpha;
  a.beta = p->activation_beta;
  return a;
}

/* The fused activation after the bias. */
static __device__ __forceinline__ float direct_activate(const direct_args &a, float v) {
  return tconv_activation_apply(a.activation, a.alpha, a.beta, v);
}

/* Splits a linear y index into (n, co, o0, o1, o2). */
static __device__ __forceinline__ void direct_decompose(const direct_args &a, int64_t index,
                                                        int64_t *n, int64_t *co, int64_t *o) {
  o[2] = index % a.out[2];
  index /= a.out[2];
  o[1] = index % a.out[1];
  index /= a.out[1];
  o[0] = index % a.out[0];
  index /= a.out[0];
  *co = index % a.cout;
  *n = index / a.cout;
}

/* Sums x[q0, q1, q2] · w[j0, j1, j2] over the three tap progressions of one input channel.
 * xc and wc point at the channel's spatial block of x and its kernel in w. */
static __device__ __forceinline__ float direct_taps(const direct_args &a,
                                                    const float *__restrict__ xc,
                                                    const float *__restrict__ wc,
                                                    const tconv_taps *taps, float acc) {
  int64_t j0 = taps[0].j_first, q0 = taps[0].in_first;
  for (int64_t c0 = 0; c0 < taps[0].count; ++c0, j0 += taps[0].j_step, q0 += taps[0].in_step) {
    int64_t j1 = taps[1].j_first, q1 = taps[1].in_first;
    for (int64_t c1 = 0; c1 < taps[1].count; ++c1, j1 += taps[1].j_step, q1 += taps[1].in_step) {
      const float *xr = xc + (q0 * a.in[1] + q1) * a.in[2];
      const float *wr = wc + (j0 * a.k[1] + j1) * a.k[2];
      int64_t j2 = taps[2].j_first, q2 = taps[2].in_first;
      for (int64_t c2 = 0; c2 < taps[2].count; ++c2, j2 += taps[2].j_step, q2 += taps[2].in_step)
        acc = fmaf(__ldg(xr + q2), __ldg(wr + j2), acc);
    }
  }
  return acc;
}

static __global__ void __launch_bounds__(DIRECT_BLOCK)
    direct_transpose_v1(const direct_args a, const float *__restrict__ x,
                        const float *__restrict__ w, const float *__restrict__ bias,
                        float *__restrict__ y) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t index = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; index < a.y_count;
       index += step) {
    int64_t n, co, o[TCONV_MAX_SPATIAL];
    direct_decompose(a, index, &n, &co, o);
    tconv_taps taps[TCONV_MAX_SPATIAL];
    for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim)
      taps[dim] = tconv_transpose_taps(o[dim], a.in[dim], a.k[dim], a.stride[dim], a.dilation[dim],
                                       a.pad[dim], a.plan[dim]);
    const int64_t group = co / a.cout_g;
    const int64_t co_in_group = co - group * a.cout_g;
    float acc = 0.0f;
    for (int64_t c = 0; c < a.cin_g; ++c) {
      const int64_t ci = group * a.cin_g + c;
      /* w is (Cin, Cout/g, k...): row ci, column co mod (Cout/g). */
      acc = direct_taps(a, x + (n * a.cin + ci) * a.in_spatial,
                        w + (ci * a.cout_g + co_in_group) * a.k_spatial, taps, acc);
    }
    if (bias != NULL)
      acc += __ldg(bias + co);
    y[index] = direct_activate(a, acc);
  }
}

static __global__ void __launch_bounds__(DIRECT_BLOCK)
    direct_conv_v1(const direct_args a, const float *__restrict__ x, const float *__restrict__ w,
                   const float *__restrict__ bias, float *__restrict__ y) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t index = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; index < a.y_count;
       index += step) {
    int64_t n, co, o[TCONV_MAX_SPATIAL];
    direct_decompose(a, index, &n, &co, o);
    tconv_taps taps[TCONV_MAX_SPATIAL];
    for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim)
      taps[dim] =
          tconv_conv_taps(o[dim], a.in[dim], a.k[dim], a.stride[dim], a.dilation[dim], a.pad[dim]);
    const int64_t group = co / a.cout_g;
    float acc = 0.0f;
    for (int64_t c = 0; c < a.cin_g; ++c) {
      const int64_t ci = group * a.cin_g + c;
      /* w is (Cout, Cin/g, k...): row co, column ci mod (Cin/g) = c. */
      acc = direct_taps(a, x + (n * a.cin + ci) * a.in_spatial,
                        w + (co * a.cin_g + c) * a.k_spatial, taps, acc);
    }
    if (bias != NULL)
      acc += __ldg(bias + co);
    y[index] = direct_activate(a, acc);
  }
}

static __global__ void __launch_bounds__(DIRECT_BLOCK)
    direct_conv_padded_v1(const direct_args a, const float *__restrict__ x,
                          const float *__restrict__ w, const float *__restrict__ bias,
                          float *__restrict__ y) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t index = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; index < a.y_count;
       index += step) {
    int64_t n, co, o[TCONV_MAX_SPATIAL];
    direct_decompose(a, index, &n, &co, o);
    const int64_t group = co / a.cout_g;
    float acc = 0.0f;
    for (int64_t c = 0; c < a.cin_g; ++c) {
      const float *xc = x + (n * a.cin + group * a.cin_g + c) * a.in_spatial;
      const float *wc = w + (co * a.cin_g + c) * a.k_spatial;
      for (int64_t j0 = 0; j0 < a.k[0]; ++j0) {
        const int64_t t0 = tconv_padded_source(
            a.padding_mode, o[0] * a.stride[0] - a.pad[0] + j0 * a.dilation[0], a.in[0]);
        for (int64_t j1 = 0; j1 < a.k[1]; ++j1) {
          const int64_t t1 = tconv_padded_source(
              a.padding_mode, o[1] * a.stride[1] - a.pad[1] + j1 * a.dilation[1], a.in[1]);
          for (int64_t j2 = 0; j2 < a.k[2]; ++j2) {
            const int64_t t2 = tconv_padded_source(
                a.padding_mode, o[2] * a.stride[2] - a.pad[2] + j2 * a.dilation[2], a.in[2]);
            if (t0 >= 0 && t1 >= 0 && t2 >= 0)
              acc = fmaf(__ldg(xc + (t0 * a.in[1] + t1) * a.in[2] + t2),
                         __ldg(wc + (j0 * a.k[1] + j1) * a.k[2] + j2), acc);
          }
        }
      }
    }
    if (bias != NULL)
      acc += __ldg(bias + co);
    y[index] = direct_activate(a, acc);
  }
}

static __global__ void __launch_bounds__(DIRECT_BLOCK)
    direct_transpose_circular_v1(const direct_args a, const float *__restrict__ x,
                                 const float *__restrict__ w, const float *__restrict__ bias,
                                 float *__restrict__ y) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t index = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; index < a.y_count;
       index += step) {
    int64_t n, co, o[TCONV_MAX_SPATIAL];
    direct_decompose(a, index, &n, &co, o);
    const int64_t group = co / a.cout_g, co_in_group = co - group * a.cout_g;
    float acc = 0.0f;
    for (int64_t c = 0; c < a.cin_g; ++c) {
      const int64_t ci = group * a.cin_g + c;
      const float *xc = x + (n * a.cin + ci) * a.in_spatial;
      const float *wc = w + (ci * a.cout_g + co_in_group) * a.k_spatial;
      for (int64_t j0 = 0; j0 < a.k[0]; ++j0) {
        int64_t lo0, hi0;
        const int64_t b0 = tconv_circular_base(o[0], j0, a.in[0], a.stride[0], a.dilation[0],
                                               a.pad[0], a.out[0], &lo0, &hi0);
        for (int64_t m0 = lo0; m0 <= hi0; ++m0) {
          const int64_t q0 = b0 + m0 * a.out[0];
          if (q0 % a.stride[0] != 0)
            continue;
          for (int64_t j1 = 0; j1 < a.k[1]; ++j1) {
            int64_t lo1, hi1;
            const int64_t b1 = tconv_circular_base(o[1], j1, a.in[1], a.stride[1], a.dilation[1],
                                                   a.pad[1], a.out[1], &lo1, &hi1);
            for (int64_t m1 = lo1; m1 <= hi1; ++m1) {
              const int64_t q1 = b1 + m1 * a.out[1];
              if (q1 % a.stride[1] != 0)
                continue;
              for (int64_t j2 = 0; j2 < a.k[2]; ++j2) {
                int64_t lo2, hi2;
                const int64_t b2 = tconv_circular_base(o[2], j2, a.in[2], a.stride[2],
                                                       a.dilation[2], a.pad[2], a.out[2], &lo2,
                                                       &hi2);
                for (int64_t m2 = lo2; m2 <= hi2; ++m2) {
                  const int64_t q2 = b2 + m2 * a.out[2];
                  if (q2 % a.stride[2] != 0)
                    continue;
                  const int64_t t0 = q0 / a.stride[0], t1 = q1 / a.stride[1],
                                t2 = q2 / a.stride[2];
                  acc = fmaf(__ldg(xc + (t0 * a.in[1] + t1) * a.in[2] + t2),
                             __ldg(wc + (j0 * a.k[1] + j1) * a.k[2] + j2), acc);
                }
              }
            }
          }
        }
      }
    }
    if (bias != NULL)
      acc += __ldg(bias + co);
    y[index] = direct_activate(a, acc);
  }
}

/* Blocks for `count` outputs: one per DIRECT_BLOCK outputs, capped at DIRECT_BLOCKS_PER_SM
 * per SM of ctx's device (sets the device current, as every launcher must). */
static tconv_status direct_grid(tconv_context *ctx, int64_t count, unsigned *blocks) {
  TCONV_CUDA_TRY(ctx, cudaSetDevice(ctx->device));
  int sms = 0;
  TCONV_CUDA_TRY(ctx, cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx->device));
  int64_t wanted = (count + DIRECT_BLOCK - 1) / DIRECT_BLOCK;
  int64_t cap = (int64_t)(sms > 0 ? sms : 1) * DIRECT_BLOCKS_PER_SM;
  *blocks = (unsigned)(wanted < cap ? wanted : cap);
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_direct_transpose(tconv_context *ctx,
                                                    const tconv_problem *problem, const float *x,
                                                    const float *w, const float *bias, float *y) {
  if (problem->y_count <= 0)
    return TCONV_STATUS_OK;
  unsigned blocks = 0;
  tconv_status status = direct_grid(ctx, problem->y_count, &blocks);
  if (status != TCONV_STATUS_OK)
    return status;
  if (problem->padding_mode == TCONV_PADDING_CIRCULAR) {
    TCONV_CUDA_BEFORE_LAUNCH();
    direct_transpose_circular_v1<<<blocks, DIRECT_BLOCK, 0, (cudaStream_t)ctx->stream>>>(
        direct_args_make(problem), x, w, bias, y);
    TCONV_CUDA_CHECK_LAUNCH(ctx, direct_transpose_circular_v1);
    return TCONV_STATUS_OK;
  }
  TCONV_CUDA_BEFORE_LAUNCH();
  direct_transpose_v1<<<blocks, DIRECT_BLOCK, 0, (cudaStream_t)ctx->stream>>>(
      direct_args_make(problem), x, w, bias, y);
  TCONV_CUDA_CHECK_LAUNCH(ctx, direct_transpose_v1);
  return TCONV_STATUS_OK;
}

extern "C" tconv_status tconv_cuda_direct_conv(tconv_context *ctx, const tconv_problem *problem,
                                               const float *x, const float *w, const float *bias,
                                               float *y) {
  if (problem->y_count <= 0)
    return TCONV_STATUS_OK;
  unsigned blocks = 0;
  tconv_status status = direct_grid(ctx, problem->y_count, &blocks);
  if (status != TCONV_STATUS_OK)
    return status;
  if (problem->padding_mode != TCONV_PADDING_ZEROS) {
    TCONV_CUDA_BEFORE_LAUNCH();
    direct_conv_padded_v1<<<blocks, DIRECT_BLOCK, 0, (cudaStream_t)ctx->stream>>>(
        direct_args_make(problem), x, w, bias, y);
    TCONV_CUDA_CHECK_LAUNCH(ctx, direct_conv_padded_v1);
    return TCONV_STATUS_OK;
  }
  TCONV_CUDA_BEFORE_LAUNCH();
  direct_conv_v1<<<blocks, DIRECT_BLOCK, 0, (cudaStream_t)ctx->stream>>>(direct_args_make(problem),
                                                                         x, w, bias, y);
  TCONV_CUDA_CHECK_LAUNCH(ctx, direct_conv_v1);
  return TCONV_STATUS_OK;
}
