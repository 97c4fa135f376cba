/*
 * geometry.cuh - the one per-problem geometry every kernel and every host emulation reads,
 * and the gathers, each written once. Plain C11 and __host__ __device__ (index.cuh's
 * TCONV_HD), so tests compile it as C and the kernels as CUDA.
 *
 * Spatial dimensions are right-aligned: dim[2] is always the innermost (W), and the unused
 * leading ones are size 1, stride 1, dilation 1, pad 0 (tconv_dim), which leaves every
 * offset unchanged. (tconv_problem keeps shape.c's own order, padded at the end; only
 * tconv_geom_make() converts.)
 *
 * Every tensor is addressed through element strides, image, channel and each spatial
 * dimension: x[n, c, t] = x + n*x_n + c*x_c + Σ t_d*x_s[d], likewise y; the weights by role,
 * w + group*w_group + c*w_cin + n*w_cout + Σ j_d*w_s[d] with c the input and n the output
 * channel inside the group (convolution w is (Cout, Cin/g, k...), transposed (Cin, Cout/g,
 * k...): the roles map onto different tensor dimensions). tconv_geom_make() fills the strides
 * of each tensor's layout (tconv.h): channels first, or channels last, where the channel (the
 * weights' second dimension) is innermost and every spatial stride is a multiple of the
 * channel count. Elements are of the problem's dtype (cuda/element.cuh); every sum is FP32.
 *
 * The gathers (one output element's sum over one input channel):
 *   tconv_gather_taps      zero padding, both ops: the contributing taps of every dimension
 *                          as progressions (index.cuh), outermost dimension first
 *   tconv_gather_padded    convolution with reflect / replicate / circular padding: every
 *                          tap, its input position mapped through the padding mode
 *   tconv_gather_circular  transposed with circular padding: every tap and every wrap
 * each either x·w (direct, depthwise) or a sum of column-matrix entries (gemm's col2im):
 * tconv_gather_src says which.
 */
#ifndef TCONV_CUDA_GEOMETRY_CUH
#define TCONV_CUDA_GEOMETRY_CUH

#include "element.cuh"
#include "index.cuh"
#include "problem.h"

#include <stddef.h>
#include <stdint.h>

#define TCONV_GEOM_DIMS 3

typedef struct tconv_geom {
  int transposed;               /* tconv_op == TRANSPOSE */
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation */
  int dtype;                    /* tconv_dtype of x, w, bias and y (the kernels use their
                                   template's constant instead) */
  int x_last, w_last, y_last;   /* 1 where the tensor is channels last */
  float alpha, beta;            /* activation parameters */
  int64_t n, cin, cout, groups, cin_g, cout_g;
  tconv_dim dim[TCONV_GEOM_DIMS]; /* right-aligned */
  int64_t in_spatial, out_spatial, k_spatial;
  int64_t x_n, x_c, x_s[TCONV_GEOM_DIMS];
  int64_t y_n, y_c, y_s[TCONV_GEOM_DIMS];
  int64_t w_group, w_cin, w_cout, w_s[TCONV_GEOM_DIMS];
  tconv_divider div_cout, div_cout_g, div_cin, div_cin_g, div_groups;
} tconv_geom;

/* The strides of a tensor (A, B, spatial...) with `b` entries along B and spatial sizes
 * `sizes` (right-aligned): *sa and *sb along A and B, ss[] per spatial dimension. Channels
 * first is C order; channels last moves B innermost. */
static inline void tconv_geom_strides(int last, int64_t b, const int64_t *sizes, int64_t *sa,
                                      int64_t *sb, int64_t *ss) {
  int64_t s = last ? b : 1;
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    ss[d] = s;
    s *= sizes[d];
  }
  *sb = last ? 1 : s;
  *sa = last ? s : s * b;
}

/* The geometry of a validated problem, its tensors in the problem's layouts (host only). */
static inline tconv_geom tconv_geom_make(const tconv_problem *p) {
  tconv_geom g;
  const int shift = TCONV_GEOM_DIMS - p->spatial_rank;
  g.transposed = p->op == TCONV_OP_TRANSPOSE;
  g.padding_mode = (int)p->padding_mode;
  g.activation = (int)p->activation;
  g.dtype = (int)p->dtype;
  g.x_last = p->x_layout == TCONV_LAYOUT_NHWC;
  g.w_last = p->w_layout == TCONV_LAYOUT_NHWC;
  g.y_last = p->y_layout == TCONV_LAYOUT_NHWC;
  g.alpha = p->activation_alpha;
  g.beta = p->activation_beta;
  g.n = p->n;
  g.cin = p->cin;
  g.cout = p->cout;
  g.groups = p->groups;
  g.cin_g = p->cin / p->groups;
  g.cout_g = p->cout / p->groups;
  int64_t in[TCONV_GEOM_DIMS], out[TCONV_GEOM_DIMS], k[TCONV_GEOM_DIMS];
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const int f = d - shift; /* the problem's dimension, or < 0 for a leading 1 */
    g.dim[d] = f >= 0 ? tconv_dim_make(p->in[f], p->out[f], p->k[f], p->stride[f], p->dilation[f],
                                       p->pad_begin[f])
                      : tconv_dim_make(1, 1, 1, 1, 1, 0);
    in[d] = g.dim[d].in;
    out[d] = g.dim[d].out;
    k[d] = g.dim[d].k;
  }
  g.in_spatial = p->in_spatial;
  g.out_spatial = p->out_spatial;
  g.k_spatial = p->k_spatial;
  tconv_geom_strides(g.x_last, p->cin, in, &g.x_n, &g.x_c, g.x_s);
  tconv_geom_strides(g.y_last, p->cout, out, &g.y_n, &g.y_c, g.y_s);
  /* w's first dimension holds Cout (conv) or Cin (transposed), its second Cin/g or Cout/g. */
  int64_t wa, wb;
  tconv_geom_strides(g.w_last, g.transposed ? g.cout_g : g.cin_g, k, &wa, &wb, g.w_s);
  g.w_cin = g.transposed ? wa : wb;
  g.w_cout = g.transposed ? wb : wa;
  g.w_group = (g.transposed ? g.cin_g : g.cout_g) * wa;
  g.div_cout = tconv_divider_make(p->cout);
  g.div_cout_g = tconv_divider_make(g.cout_g);
  g.div_cin = tconv_divider_make(p->cin);
  g.div_cin_g = tconv_divider_make(g.cin_g);
  g.div_groups = tconv_divider_make(p->groups);
  return g;
}

/* Splits a flat C-order index over the three output dimensions into positions; returns the
 * quotient (the index of the (image, channel) plane). */
TCONV_HD int64_t tconv_geom_split_out(const tconv_geom *g, int64_t flat, int64_t *o) {
  TCONV_UNROLL
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    const int64_t q = tconv_div(g->dim[d].div_out, flat);
    o[d] = flat - q * g->dim[d].out;
    flat = q;
  }
  return flat;
}

/* Splits index e of y's elements in memory order (y's layout: channels first (n, c, o),
 * channels last (n, o, c)) into image, channel and positions; consecutive e are consecutive
 * addresses of a dense y, so the threads of a warp store side by side in either layout. */
TCONV_HD void tconv_geom_split_y(const tconv_geom *g, int64_t e, int64_t *n, int64_t *c,
                                 int64_t *o) {
  if (g->y_last) {
    const int64_t rest = tconv_div(g->div_cout, e);
    *c = e - rest * g->cout;
    *n = tconv_geom_split_out(g, rest, o);
  } else {
    const int64_t plane = tconv_geom_split_out(g, e, o);
    *n = tconv_div(g->div_cout, plane);
    *c = plane - *n * g->cout;
  }
}

/* Offset of y[n, c, o]. */
TCONV_HD int64_t tconv_y_offset(const tconv_geom *g, int64_t n, int64_t c, const int64_t *o) {
  return n * g->y_n + c * g->y_c + o[0] * g->y_s[0] + o[1] * g->y_s[1] + o[2] * g->y_s[2];
}

/* Bias (a `dtype` vector, when there is one) then the activation: the end of every output
 * element, in FP32. */
TCONV_HD float tconv_finish(const tconv_geom *g, int dtype, const void *bias, int64_t co,
                            float acc) {
  if (bias != NULL)
    acc += tconv_elem_load(dtype, bias, co);
  return tconv_activation_apply(g->activation, g->alpha, g->beta, acc);
}

/* ---- gathers ----------------------------------------------------------------------------- */

/* What a gather reads, elements of one dtype (the gathers' `dtype`). With wgt: the input at
 * position t is src[Σ t_d*src_s[d]] and tap j's weight wgt[Σ j_d*w_s[d]], the term their
 * product. Without (wgt NULL): the term is src[Σ j_d*w_s[d] + Σ t_d*src_s[d]], a column
 * matrix's entry for (j, t). */
typedef struct tconv_gather_src {
  const void *src, *wgt;
  int64_t src_s[TCONV_GEOM_DIMS], w_s[TCONV_GEOM_DIMS];
} tconv_gather_src;

TCONV_HD float tconv_gather_term(const tconv_gather_src *a, int dtype, int64_t t_off, int64_t j_off,
                                 float acc) {
  if (a->wgt != NULL)
    return fmaf(tconv_elem_load(dtype, a->src, t_off), tconv_elem_load(dtype, a->wgt, j_off), acc);
  return acc + tconv_elem_load(dtype, a->src, j_off + t_off);
}

/* The contributing taps of output position o in every dimension (zero padding). */
TCONV_HD void tconv_output_taps(const tconv_geom *g, const int64_t *o, tconv_taps *taps) {
  TCONV_UNROLL
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d)
    taps[d] =
        g->transposed ? tconv_transpose_taps(&g->dim[d], o[d]) : tconv_conv_taps(&g->dim[d], o[d]);
}

/* Zero padding, both ops: the progressions, outermost dimension first, increasing taps. */
TCONV_HD float tconv_gather_taps(const tconv_taps *t, const tconv_gather_src *a, int dtype,
                                 float acc) {
  const int64_t tj0 = t[0].j_step * a->w_s[0], tq0 = t[0].in_step * a->src_s[0];
  const int64_t tj1 = t[1].j_step * a->w_s[1], tq1 = t[1].in_step * a->src_s[1];
  const int64_t tj2 = t[2].j_step * a->w_s[2], tq2 = t[2].in_step * a->src_s[2];
  int64_t j0 = t[0].j_first * a->w_s[0], q0 = t[0].in_first * a->src_s[0];
  for (int64_t c0 = 0; c0 < t[0].count; ++c0, j0 += tj0, q0 += tq0) {
    int64_t j1 = j0 + t[1].j_first * a->w_s[1], q1 = q0 + t[1].in_first * a->src_s[1];
    for (int64_t c1 = 0; c1 < t[1].count; ++c1, j1 += tj1, q1 += tq1) {
      int64_t j2 = j1 + t[2].j_first * a->w_s[2], q2 = q1 + t[2].in_first * a->src_s[2];
      for (int64_t c2 = 0; c2 < t[2].count; ++c2, j2 += tj2, q2 += tq2)
        acc = tconv_gather_term(a, dtype, q2, j2, acc);
    }
  }
  return acc;
}

/* Convolution, reflect / replicate / circular padding: every tap in C order. */
TCONV_HD float tconv_gather_padded(const tconv_geom *g, const int64_t *o, const tconv_gather_src *a,
                                   int dtype, float acc) {
  const tconv_dim *m = g->dim;
  for (int64_t j0 = 0; j0 < m[0].k; ++j0) {
    const int64_t t0 = tconv_padded_source(&m[0], g->padding_mode,
                                           o[0] * m[0].stride - m[0].pad + j0 * m[0].dilation);
    if (t0 < 0)
      continue;
    for (int64_t j1 = 0; j1 < m[1].k; ++j1) {
      const int64_t t1 = tconv_padded_source(&m[1], g->padding_mode,
                                             o[1] * m[1].stride - m[1].pad + j1 * m[1].dilation);
      if (t1 < 0)
        continue;
      for (int64_t j2 = 0; j2 < m[2].k; ++j2) {
        const int64_t t2 = tconv_padded_source(&m[2], g->padding_mode,
                                               o[2] * m[2].stride - m[2].pad + j2 * m[2].dilation);
        if (t2 >= 0)
          acc = tconv_gather_term(a, dtype, t0 * a->src_s[0] + t1 * a->src_s[1] + t2 * a->src_s[2],
                                  j0 * a->w_s[0] + j1 * a->w_s[1] + j2 * a->w_s[2], acc);
      }
    }
  }
  return acc;
}

/* Transposed, circular padding: per dimension and tap, every wrap w with
 * t*s = o + pb - j*d + w*out inside the input, in the order j0, w0, j1, w1, j2, w2. */
TCONV_HD float tconv_gather_circular(const tconv_geom *g, const int64_t *o,
                                     const tconv_gather_src *a, int dtype, float acc) {
  const tconv_dim *m = g->dim;
  for (int64_t j0 = 0; j0 < m[0].k; ++j0) {
    int64_t lo0, hi0;
    const int64_t b0 = tconv_circular_base(&m[0], o[0], j0, &lo0, &hi0);
    for (int64_t w0 = lo0; w0 <= hi0; ++w0) {
      const int64_t p0 = b0 + w0 * m[0].out, t0 = tconv_div(m[0].div_stride, p0);
      if (t0 * m[0].stride != p0)
        continue;
      for (int64_t j1 = 0; j1 < m[1].k; ++j1) {
        int64_t lo1, hi1;
        const int64_t b1 = tconv_circular_base(&m[1], o[1], j1, &lo1, &hi1);
        for (int64_t w1 = lo1; w1 <= hi1; ++w1) {
          const int64_t p1 = b1 + w1 * m[1].out, t1 = tconv_div(m[1].div_stride, p1);
          if (t1 * m[1].stride != p1)
            continue;
          const int64_t jo = j0 * a->w_s[0] + j1 * a->w_s[1];
          const int64_t to = t0 * a->src_s[0] + t1 * a->src_s[1];
          for (int64_t j2 = 0; j2 < m[2].k; ++j2) {
            int64_t lo2, hi2;
            const int64_t b2 = tconv_circular_base(&m[2], o[2], j2, &lo2, &hi2);
            for (int64_t w2 = lo2; w2 <= hi2; ++w2) {
              const int64_t p2 = b2 + w2 * m[2].out, t2 = tconv_div(m[2].div_stride, p2);
              if (t2 * m[2].stride == p2)
                acc = tconv_gather_term(a, dtype, to + t2 * a->src_s[2], jo + j2 * a->w_s[2], acc);
            }
          }
        }
      }
    }
  }
  return acc;
}

/* Which gather a problem's outputs need (the kernels pass it as a compile-time constant, so
 * each instantiation carries one). */
enum { TCONV_GATHER_TAPS, TCONV_GATHER_PADDED, TCONV_GATHER_CIRCULAR };

static inline int tconv_gather_kind(const tconv_geom *g) {
  if (g->padding_mode == 0)
    return TCONV_GATHER_TAPS;
  return g->transposed ? TCONV_GATHER_CIRCULAR : TCONV_GATHER_PADDED;
}

/* One gather of `kind` over `dtype` elements (taps: the output's progressions, already made
 * for TAPS). */
TCONV_HD float tconv_gather(const tconv_geom *g, int kind, int dtype, const int64_t *o,
                            const tconv_taps *taps, const tconv_gather_src *a, float acc) {
  if (kind == TCONV_GATHER_TAPS)
    return tconv_gather_taps(taps, a, dtype, acc);
  if (kind == TCONV_GATHER_PADDED)
    return tconv_gather_padded(g, o, a, dtype, acc);
  return tconv_gather_circular(g, o, a, dtype, acc);
}

/* ---- one output element, directly (the direct algorithm; depthwise's generic path) ------ */

#define TCONV_DIRECT_THREADS 256 /* threads per block of the direct kernels */

/* y[n, co, o] = act(bias[co] + Σ_{c in group(co)} gather(x[n, c], w[c, co])): input channels
 * in order, each channel's taps in the gather's order, FP32 whatever `dtype` (x, w, bias). */
TCONV_HD float tconv_direct_value(const tconv_geom *g, int kind, int dtype, const void *x,
                                  const void *w, const void *bias, int64_t n, int64_t co,
                                  const int64_t *o) {
  const int64_t group = tconv_div(g->div_cout_g, co), nn = co - group * g->cout_g;
  tconv_taps taps[TCONV_GEOM_DIMS];
  if (kind == TCONV_GATHER_TAPS)
    tconv_output_taps(g, o, taps);
  tconv_gather_src a;
  TCONV_UNROLL
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    a.src_s[d] = g->x_s[d];
    a.w_s[d] = g->w_s[d];
  }
  a.src = tconv_elem_at(dtype, x, n * g->x_n + group * g->cin_g * g->x_c);
  a.wgt = tconv_elem_at(dtype, w, group * g->w_group + nn * g->w_cout);
  float acc = 0.0f;
  for (int64_t c = 0; c < g->cin_g; ++c) {
    acc = tconv_gather(g, kind, dtype, o, taps, &a, acc);
    a.src = tconv_elem_at(dtype, a.src, g->x_c);
    a.wgt = tconv_elem_at(dtype, a.wgt, g->w_cin);
  }
  return tconv_finish(g, dtype, bias, co, acc);
}

/* The element at index e of y in memory order (tconv_geom_split_y): its value and offset. */
TCONV_HD void tconv_direct_element(const tconv_geom *g, int kind, int dtype, const void *x,
                                   const void *w, const void *bias, int64_t e, float *value,
                                   int64_t *y_off) {
  int64_t n, co, o[TCONV_GEOM_DIMS];
  tconv_geom_split_y(g, e, &n, &co, o);
  *value = tconv_direct_value(g, kind, dtype, x, w, bias, n, co, o);
  *y_off = tconv_y_offset(g, n, co, o);
}

#endif /* TCONV_CUDA_GEOMETRY_CUH */
