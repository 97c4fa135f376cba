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
 * k...): the roles map onto different tensor dimensions). tconv_geom_make() fills the dense
 * channels-first strides; another memory layout is another set of strides
 * (tconv_geom_apply_layouts: channels-last tensors).
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

#include "index.cuh"
#include "problem.h"

#include <stddef.h>
#include <stdint.h>

/* Loads through the read-only data cache on the device; a plain load on the host. */
#ifdef __CUDA_ARCH__
#define TCONV_LOAD(p) __ldg(p)
#else
#define TCONV_LOAD(p) (*(p))
#endif

#define TCONV_GEOM_DIMS 3

typedef struct tconv_geom {
  int transposed;               /* tconv_op == TRANSPOSE */
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation */
  float alpha, beta;            /* activation parameters */
  int64_t n, cin, cout, groups, cin_g, cout_g;
  tconv_dim dim[TCONV_GEOM_DIMS]; /* right-aligned */
  int64_t in_spatial, out_spatial, k_spatial;
  int64_t x_n, x_c, x_s[TCONV_GEOM_DIMS];
  int64_t y_n, y_c, y_s[TCONV_GEOM_DIMS];
  int64_t w_group, w_cin, w_cout, w_s[TCONV_GEOM_DIMS];
  tconv_divider div_cout, div_cout_g, div_cin;
} tconv_geom;

/* The geometry of a validated problem with dense channels-first tensors (host only). */
static inline tconv_geom tconv_geom_make(const tconv_problem *p) {
  tconv_geom g;
  const int shift = TCONV_GEOM_DIMS - p->spatial_rank;
  g.transposed = p->op == TCONV_OP_TRANSPOSE;
  g.padding_mode = (int)p->padding_mode;
  g.activation = (int)p->activation;
  g.alpha = p->activation_alpha;
  g.beta = p->activation_beta;
  g.n = p->n;
  g.cin = p->cin;
  g.cout = p->cout;
  g.groups = p->groups;
  g.cin_g = p->cin / p->groups;
  g.cout_g = p->cout / p->groups;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const int f = d - shift; /* the problem's dimension, or < 0 for a leading 1 */
    g.dim[d] = f >= 0 ? tconv_dim_make(p->in[f], p->out[f], p->k[f], p->stride[f], p->dilation[f],
                                       p->pad_begin[f])
                      : tconv_dim_make(1, 1, 1, 1, 1, 0);
  }
  g.in_spatial = p->in_spatial;
  g.out_spatial = p->out_spatial;
  g.k_spatial = p->k_spatial;
  int64_t xs = 1, ys = 1, ws = 1;
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    g.x_s[d] = xs;
    g.y_s[d] = ys;
    g.w_s[d] = ws;
    xs *= g.dim[d].in;
    ys *= g.dim[d].out;
    ws *= g.dim[d].k;
  }
  g.x_c = p->in_spatial;
  g.x_n = p->cin * p->in_spatial;
  g.y_c = p->out_spatial;
  g.y_n = p->cout * p->out_spatial;
  /* w's second dimension holds Cin/g (conv) or Cout/g (transposed) channels of k_spatial. */
  const int64_t w1 = p->k_spatial, w0 = (g.transposed ? g.cout_g : g.cin_g) * p->k_spatial;
  g.w_cin = g.transposed ? w0 : w1;
  g.w_cout = g.transposed ? w1 : w0;
  g.w_group = g.transposed ? g.cin_g * w0 : g.cout_g * w0;
  g.div_cout = tconv_divider_make(p->cout);
  g.div_cout_g = tconv_divider_make(g.cout_g);
  g.div_cin = tconv_divider_make(p->cin);
  return g;
}

/* The strides of the problem's own layouts (host only): each channels-last tensor (x, y,
 * w) gets its channel index innermost, (outer, spatial..., inner) in memory, which is
 * PyTorch's channels_last for data and for weights alike (conv (Cout, k..., Cin/g),
 * transposed (Cin, k..., Cout/g)). Channels-first tensors keep tconv_geom_make's strides. */
static inline void tconv_geom_apply_layouts(tconv_geom *g, const tconv_problem *p) {
  int64_t xs = 1, ys = 1, ws = 1; /* products of the inner spatial sizes */
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    if (p->x_layout == TCONV_LAYOUT_NHWC)
      g->x_s[d] = xs * g->cin;
    if (p->y_layout == TCONV_LAYOUT_NHWC)
      g->y_s[d] = ys * g->cout;
    if (p->w_layout == TCONV_LAYOUT_NHWC)
      g->w_s[d] = ws * (g->transposed ? g->cout_g : g->cin_g);
    xs *= g->dim[d].in;
    ys *= g->dim[d].out;
    ws *= g->dim[d].k;
  }
  if (p->x_layout == TCONV_LAYOUT_NHWC)
    g->x_c = 1; /* x_n = in_spatial * Cin either way */
  if (p->y_layout == TCONV_LAYOUT_NHWC)
    g->y_c = 1;
  if (p->w_layout == TCONV_LAYOUT_NHWC) {
    /* (outer, k..., inner): outer is the input channel (transposed) or the output one */
    const int64_t inner = g->transposed ? g->cout_g : g->cin_g, outer = p->k_spatial * inner;
    g->w_cin = g->transposed ? outer : 1;
    g->w_cout = g->transposed ? 1 : outer;
    g->w_group = (g->transposed ? g->cin_g : g->cout_g) * outer;
  }
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

/* Offset of y[n, c, o]. */
TCONV_HD int64_t tconv_y_offset(const tconv_geom *g, int64_t n, int64_t c, const int64_t *o) {
  return n * g->y_n + c * g->y_c + o[0] * g->y_s[0] + o[1] * g->y_s[1] + o[2] * g->y_s[2];
}

/* Bias (when there is one) then the activation: the end of every output element. */
TCONV_HD float tconv_finish(const tconv_geom *g, const float *bias, int64_t co, float acc) {
  if (bias != NULL)
    acc += TCONV_LOAD(bias + co);
  return tconv_activation_apply(g->activation, g->alpha, g->beta, acc);
}

/* ---- gathers ----------------------------------------------------------------------------- */

/* What a gather reads. With wgt: the input at position t is src[Σ t_d*src_s[d]] and tap j's
 * weight wgt[Σ j_d*w_s[d]], the term their product. Without (wgt NULL): the term is
 * src[Σ j_d*w_s[d] + Σ t_d*src_s[d]], a column matrix's entry for (j, t). */
typedef struct tconv_gather_src {
  const float *src, *wgt;
  int64_t src_s[TCONV_GEOM_DIMS], w_s[TCONV_GEOM_DIMS];
} tconv_gather_src;

TCONV_HD float tconv_gather_term(const tconv_gather_src *a, int64_t t_off, int64_t j_off,
                                 float acc) {
  if (a->wgt != NULL)
    return fmaf(TCONV_LOAD(a->src + t_off), TCONV_LOAD(a->wgt + j_off), acc);
  return acc + TCONV_LOAD(a->src + j_off + t_off);
}

/* The contributing taps of output position o in every dimension (zero padding). */
TCONV_HD void tconv_output_taps(const tconv_geom *g, const int64_t *o, tconv_taps *taps) {
  TCONV_UNROLL
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d)
    taps[d] =
        g->transposed ? tconv_transpose_taps(&g->dim[d], o[d]) : tconv_conv_taps(&g->dim[d], o[d]);
}

/* Zero padding, both ops: the progressions, outermost dimension first, increasing taps. */
TCONV_HD float tconv_gather_taps(const tconv_taps *t, const tconv_gather_src *a, float acc) {
  const int64_t tj0 = t[0].j_step * a->w_s[0], tq0 = t[0].in_step * a->src_s[0];
  const int64_t tj1 = t[1].j_step * a->w_s[1], tq1 = t[1].in_step * a->src_s[1];
  const int64_t tj2 = t[2].j_step * a->w_s[2], tq2 = t[2].in_step * a->src_s[2];
  int64_t j0 = t[0].j_first * a->w_s[0], q0 = t[0].in_first * a->src_s[0];
  for (int64_t c0 = 0; c0 < t[0].count; ++c0, j0 += tj0, q0 += tq0) {
    int64_t j1 = j0 + t[1].j_first * a->w_s[1], q1 = q0 + t[1].in_first * a->src_s[1];
    for (int64_t c1 = 0; c1 < t[1].count; ++c1, j1 += tj1, q1 += tq1) {
      int64_t j2 = j1 + t[2].j_first * a->w_s[2], q2 = q1 + t[2].in_first * a->src_s[2];
      for (int64_t c2 = 0; c2 < t[2].count; ++c2, j2 += tj2, q2 += tq2)
        acc = tconv_gather_term(a, q2, j2, acc);
    }
  }
  return acc;
}

/* Convolution, reflect / replicate / circular padding: every tap in C order. */
TCONV_HD float tconv_gather_padded(const tconv_geom *g, const int64_t *o, const tconv_gather_src *a,
                                   float acc) {
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
          acc = tconv_gather_term(a, t0 * a->src_s[0] + t1 * a->src_s[1] + t2 * a->src_s[2],
                                  j0 * a->w_s[0] + j1 * a->w_s[1] + j2 * a->w_s[2], acc);
      }
    }
  }
  return acc;
}

/* Transposed, circular padding: per dimension and tap, every wrap w with
 * t*s = o + pb - j*d + w*out inside the input, in the order j0, w0, j1, w1, j2, w2. */
TCONV_HD float tconv_gather_circular(const tconv_geom *g, const int64_t *o,
                                     const tconv_gather_src *a, float acc) {
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
                acc = tconv_gather_term(a, to + t2 * a->src_s[2], jo + j2 * a->w_s[2], acc);
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

/* One gather of `kind` (taps: the output's progressions, already made for TAPS). */
TCONV_HD float tconv_gather(const tconv_geom *g, int kind, const int64_t *o, const tconv_taps *taps,
                            const tconv_gather_src *a, float acc) {
  if (kind == TCONV_GATHER_TAPS)
    return tconv_gather_taps(taps, a, acc);
  if (kind == TCONV_GATHER_PADDED)
    return tconv_gather_padded(g, o, a, acc);
  return tconv_gather_circular(g, o, a, acc);
}

/* ---- one output element, directly (the direct algorithm; depthwise's generic path) ------ */

#define TCONV_DIRECT_THREADS 256 /* threads per block of the direct kernels */

/* y[n, co, o] = act(bias[co] + Σ_{c in group(co)} gather(x[n, c], w[c, co])): input channels
 * in order, each channel's taps in the gather's order. */
TCONV_HD float tconv_direct_value(const tconv_geom *g, int kind, const float *x, const float *w,
                                  const float *bias, int64_t n, int64_t co, const int64_t *o) {
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
  a.src = x + n * g->x_n + group * g->cin_g * g->x_c;
  a.wgt = w + group * g->w_group + nn * g->w_cout;
  float acc = 0.0f;
  for (int64_t c = 0; c < g->cin_g; ++c, a.src += g->x_c, a.wgt += g->w_cin)
    acc = tconv_gather(g, kind, o, taps, &a, acc);
  return tconv_finish(g, bias, co, acc);
}

/* The element at flat C-order index e of y (dense): its (n, co, o), value and offset in y. */
TCONV_HD void tconv_direct_element(const tconv_geom *g, int kind, const float *x, const float *w,
                                   const float *bias, int64_t e, float *value, int64_t *y_off) {
  int64_t o[TCONV_GEOM_DIMS];
  const int64_t plane = tconv_geom_split_out(g, e, o);
  const int64_t n = tconv_div(g->div_cout, plane), co = plane - n * g->cout;
  *value = tconv_direct_value(g, kind, x, w, bias, n, co, o);
  *y_off = tconv_y_offset(g, n, co, o);
}

#endif /* TCONV_CUDA_GEOMETRY_CUH */
