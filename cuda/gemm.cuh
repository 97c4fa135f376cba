/*
 * gemm.cuh - the index math of the cuBLAS algorithm (cuda/gemm.cu), written once and shared
 * with the host: under nvcc the per-element functions are __host__ __device__, under a C11
 * compiler plain static inline functions, so tests/test_gemm.c runs the whole algorithm on
 * the CPU with exactly this code (and the GEMM arguments gemm.cu hands to cuBLAS).
 *
 * It also holds what cuda/depthwise.cuh shares with it: the geometry struct (tconv_geom),
 * the fused activation and the two gather cores (convolution with any padding mode,
 * transposed convolution with zero or circular padding).
 *
 * Decomposition (per group; P = output spatial size, Q = input spatial size, ks = kernel
 * spatial size, cin_g / cout_g = channels per group, all matrices row-major in memory):
 *
 *   convolution  col[n][ci][j][p] = x[n, ci, p·s - pb + j·d] (padding mode applied; im2col)
 *                y[n, group rows] = W_g (cout_g × cin_g·ks) · col[n, group rows] (cin_g·ks × P)
 *                then y = act(y + bias) in place (skipped when there is neither)
 *   transposed   col[n][co][j][q] = Σ_{ci in group} w[ci, co mod cout_g, j] · x[n, ci, q]
 *                  i.e. col[n, group] (cout_g·ks × Q) = W_gᵀ · X[n, group] (cin_g × Q)
 *                y[n, co, o] = act(bias[co] + Σ_{j, q reaching o} col[n][co][j][q]) (col2im)
 *
 * cuBLAS is column-major: a row-major (r × c) matrix with row stride c is its column-major
 * (c × r) transpose with leading dimension c, so the products above are issued as
 *   convolution  C(P × cout_g) = A(P × cin_g·ks) · B(cin_g·ks × cout_g), both untransposed
 *   transposed   C(Q × cout_g·ks) = A(Q × cin_g) · Bᵀ, B stored (cout_g·ks × cin_g)
 * tconv_gemm_call_make() spells out every argument.
 *
 * Everything is int64_t; inputs are validated problems (shape.c).
 */
#ifndef TCONV_CUDA_GEMM_CUH
#define TCONV_CUDA_GEMM_CUH

#include "index.cuh"
#include "problem.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Loads through the read-only data cache on the device; a plain load on the host. */
#ifdef __CUDA_ARCH__
#define TCONV_LOAD(p) __ldg(p)
#else
#define TCONV_LOAD(p) (*(p))
#endif

/* ---- geometry shared by the gemm and depthwise kernels ------------------------------- */

/* The problem as the kernels read it. Spatial dimensions are right-aligned: index 2 is
 * always the innermost (W), and the unused leading ones have size 1, stride 1, dilation 1,
 * pad 0, which leaves every C-order offset unchanged. */
typedef struct tconv_geom {
  int64_t n, cin, cout, cin_g, cout_g;
  int64_t in[TCONV_MAX_SPATIAL], out[TCONV_MAX_SPATIAL], k[TCONV_MAX_SPATIAL];
  int64_t stride[TCONV_MAX_SPATIAL], dilation[TCONV_MAX_SPATIAL], pad[TCONV_MAX_SPATIAL];
  tconv_tap_plan plan[TCONV_MAX_SPATIAL]; /* transposed tap progressions */
  int64_t in_spatial, out_spatial, k_spatial;
  int transposed;               /* tconv_op */
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation */
  float alpha, beta;            /* activation parameters */
} tconv_geom;

static inline tconv_geom tconv_geom_make(const tconv_problem *p) {
  tconv_geom g;
  const int shift = TCONV_MAX_SPATIAL - p->spatial_rank;
  g.n = p->n;
  g.cin = p->cin;
  g.cout = p->cout;
  g.cin_g = p->cin / p->groups;
  g.cout_g = p->cout / p->groups;
  for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim) {
    const int from = dim - shift; /* the problem's dimension, or < 0 for a leading 1 */
    g.in[dim] = from >= 0 ? p->in[from] : 1;
    g.out[dim] = from >= 0 ? p->out[from] : 1;
    g.k[dim] = from >= 0 ? p->k[from] : 1;
    g.stride[dim] = from >= 0 ? p->stride[from] : 1;
    g.dilation[dim] = from >= 0 ? p->dilation[from] : 1;
    g.pad[dim] = from >= 0 ? p->pad_begin[from] : 0;
    g.plan[dim] = tconv_tap_plan_make(g.stride[dim], g.dilation[dim]);
  }
  g.in_spatial = p->in_spatial;
  g.out_spatial = p->out_spatial;
  g.k_spatial = p->k_spatial;
  g.transposed = p->op == TCONV_OP_TRANSPOSE;
  g.padding_mode = (int)p->padding_mode;
  g.activation = (int)p->activation;
  g.alpha = p->activation_alpha;
  g.beta = p->activation_beta;
  return g;
}

/* Splits a C-order offset inside a volume of sizes dims into its three coordinates. */
TCONV_HD void tconv_geom_split(const int64_t *dims, int64_t flat, int64_t *pos) {
  pos[2] = flat % dims[2];
  flat /= dims[2];
  pos[1] = flat % dims[1];
  pos[0] = flat / dims[1];
}

/* The fused activation after the bias. */
TCONV_HD float tconv_activate(const tconv_geom *g, float v) {
  return tconv_activation_apply(g->activation, g->alpha, g->beta, v);
}

/* Bias (when there is one) then the activation: the end of every output element. */
TCONV_HD float tconv_finish(const tconv_geom *g, const float *bias, int64_t co, float acc) {
  if (bias != NULL)
    acc += TCONV_LOAD(bias + co);
  return tconv_activate(g, acc);
}

/* ---- gather cores --------------------------------------------------------------------- */

/* Convolution, any padding mode: Σ_j x[src(o·s - pb + j·d)] · w[j] over one channel, taps in
 * C order (outermost dimension first). xc: the channel's input volume; wc: its kernel. */
TCONV_HD float tconv_conv_gather(const tconv_geom *g, const int64_t *o, const float *xc,
                                 const float *wc, float acc) {
  for (int64_t j0 = 0; j0 < g->k[0]; ++j0) {
    const int64_t t0 = tconv_padded_source(
        g->padding_mode, o[0] * g->stride[0] - g->pad[0] + j0 * g->dilation[0], g->in[0]);
    if (t0 < 0)
      continue;
    for (int64_t j1 = 0; j1 < g->k[1]; ++j1) {
      const int64_t t1 = tconv_padded_source(
          g->padding_mode, o[1] * g->stride[1] - g->pad[1] + j1 * g->dilation[1], g->in[1]);
      if (t1 < 0)
        continue;
      for (int64_t j2 = 0; j2 < g->k[2]; ++j2) {
        const int64_t t2 = tconv_padded_source(
            g->padding_mode, o[2] * g->stride[2] - g->pad[2] + j2 * g->dilation[2], g->in[2]);
        if (t2 >= 0)
          acc = fmaf(TCONV_LOAD(xc + (t0 * g->in[1] + t1) * g->in[2] + t2),
                     TCONV_LOAD(wc + (j0 * g->k[1] + j1) * g->k[2] + j2), acc);
      }
    }
  }
  return acc;
}

/* One term of a transposed gather: tap j (flat) reading input position q (flat). With a
 * kernel wc (depthwise): src[q] · wc[j]. Without (col2im): src[j·j_scale + q], the column
 * matrix's entry for (j, q). */
TCONV_HD float tconv_gather_term(const float *src, int64_t j_scale, const float *wc, int64_t j,
                                 int64_t q, float acc) {
  if (wc != NULL)
    return fmaf(TCONV_LOAD(src + q), TCONV_LOAD(wc + j), acc);
  return acc + TCONV_LOAD(src + j * j_scale + q);
}

/* Transposed convolution, zero padding: the contributing taps of output o as progressions
 * (index.cuh), outermost dimension first, increasing taps: a fixed order. */
TCONV_HD float tconv_transpose_gather_zeros(const tconv_geom *g, const int64_t *o, const float *src,
                                            int64_t j_scale, const float *wc, float acc) {
  tconv_taps t[TCONV_MAX_SPATIAL];
  for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim)
    t[dim] = tconv_transpose_taps(o[dim], g->in[dim], g->k[dim], g->stride[dim], g->dilation[dim],
                                  g->pad[dim], g->plan[dim]);
  for (int64_t c0 = 0; c0 < t[0].count; ++c0) {
    const int64_t j0 = t[0].j_first + c0 * t[0].j_step, q0 = t[0].in_first + c0 * t[0].in_step;
    for (int64_t c1 = 0; c1 < t[1].count; ++c1) {
      const int64_t j01 = j0 * g->k[1] + t[1].j_first + c1 * t[1].j_step;
      const int64_t q01 = q0 * g->in[1] + t[1].in_first + c1 * t[1].in_step;
      for (int64_t c2 = 0; c2 < t[2].count; ++c2)
        acc = tconv_gather_term(src, j_scale, wc, j01 * g->k[2] + t[2].j_first + c2 * t[2].j_step,
                                q01 * g->in[2] + t[2].in_first + c2 * t[2].in_step, acc);
    }
  }
  return acc;
}

/* Transposed convolution, circular padding: per dimension and tap, every wrap m with
 * t·s = o + pb - j·d + m·out inside the input (index.cuh), in the order j0, m0, j1, m1, j2, m2. */
TCONV_HD float tconv_transpose_gather_circular(const tconv_geom *g, const int64_t *o,
                                               const float *src, int64_t j_scale, const float *wc,
                                               float acc) {
  for (int64_t j0 = 0; j0 < g->k[0]; ++j0) {
    int64_t lo0, hi0;
    const int64_t b0 = tconv_circular_base(o[0], j0, g->in[0], g->stride[0], g->dilation[0],
                                           g->pad[0], g->out[0], &lo0, &hi0);
    for (int64_t m0 = lo0; m0 <= hi0; ++m0) {
      const int64_t p0 = b0 + m0 * g->out[0];
      if (p0 % g->stride[0] != 0)
        continue;
      for (int64_t j1 = 0; j1 < g->k[1]; ++j1) {
        int64_t lo1, hi1;
        const int64_t b1 = tconv_circular_base(o[1], j1, g->in[1], g->stride[1], g->dilation[1],
                                               g->pad[1], g->out[1], &lo1, &hi1);
        for (int64_t m1 = lo1; m1 <= hi1; ++m1) {
          const int64_t p1 = b1 + m1 * g->out[1];
          if (p1 % g->stride[1] != 0)
            continue;
          const int64_t j01 = j0 * g->k[1] + j1;
          const int64_t q01 = p0 / g->stride[0] * g->in[1] + p1 / g->stride[1];
          for (int64_t j2 = 0; j2 < g->k[2]; ++j2) {
            int64_t lo2, hi2;
            const int64_t b2 = tconv_circular_base(o[2], j2, g->in[2], g->stride[2], g->dilation[2],
                                                   g->pad[2], g->out[2], &lo2, &hi2);
            for (int64_t m2 = lo2; m2 <= hi2; ++m2) {
              const int64_t p2 = b2 + m2 * g->out[2];
              if (p2 % g->stride[2] == 0)
                acc = tconv_gather_term(src, j_scale, wc, j01 * g->k[2] + j2,
                                        q01 * g->in[2] + p2 / g->stride[2], acc);
            }
          }
        }
      }
    }
  }
  return acc;
}

TCONV_HD float tconv_transpose_gather(const tconv_geom *g, const int64_t *o, const float *src,
                                      int64_t j_scale, const float *wc, float acc) {
  return g->padding_mode == 3 ? tconv_transpose_gather_circular(g, o, src, j_scale, wc, acc)
                              : tconv_transpose_gather_zeros(g, o, src, j_scale, wc, acc);
}

/* ---- the gemm algorithm's element functions ------------------------------------------ */

/* im2col, one column element: e indexes the chunk's columns col[n][ci][j][p] (n counted
 * from the chunk's first image n0). Returns the x offset it copies, or -1 for a padding
 * zero. */
TCONV_HD int64_t tconv_im2col_source(const tconv_geom *g, int64_t n0, int64_t e) {
  int64_t o[TCONV_MAX_SPATIAL], j[TCONV_MAX_SPATIAL], t[TCONV_MAX_SPATIAL];
  tconv_geom_split(g->out, e % g->out_spatial, o);
  e /= g->out_spatial;
  tconv_geom_split(g->k, e % g->k_spatial, j);
  e /= g->k_spatial; /* now (n - n0)·Cin + ci */
  for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim) {
    t[dim] = tconv_padded_source(g->padding_mode,
                                 o[dim] * g->stride[dim] - g->pad[dim] + j[dim] * g->dilation[dim],
                                 g->in[dim]);
    if (t[dim] < 0)
      return -1;
  }
  return (n0 * g->cin + e) * g->in_spatial + (t[0] * g->in[1] + t[1]) * g->in[2] + t[2];
}

TCONV_HD float tconv_im2col_value(const tconv_geom *g, const float *x, int64_t n0, int64_t e) {
  const int64_t src = tconv_im2col_source(g, n0, e);
  return src >= 0 ? TCONV_LOAD(x + src) : 0.0f;
}

/* Convolution epilogue, one element of y (e: offset in y): y[e] = act(y[e] + bias). */
TCONV_HD float tconv_gemm_epilogue_value(const tconv_geom *g, const float *bias, int64_t e,
                                         float v) {
  return tconv_finish(g, bias, e / g->out_spatial % g->cout, v);
}

/* Whether the convolution needs the epilogue pass at all. */
TCONV_HD int tconv_gemm_needs_epilogue(const tconv_geom *g, const float *bias) {
  return bias != NULL || g->activation != 0;
}

/* col2im, one output element: e indexes the chunk's part of y (n counted from the chunk's
 * first image); col holds the chunk's columns col[n][co][j][q]. `circular` must be
 * (padding mode == circular); the kernels pass it as a compile-time constant, so each
 * instantiation carries one gather. */
TCONV_HD float tconv_col2im_value(const tconv_geom *g, const float *col, const float *bias,
                                  int64_t e, int circular) {
  int64_t o[TCONV_MAX_SPATIAL];
  tconv_geom_split(g->out, e % g->out_spatial, o);
  const int64_t nc = e / g->out_spatial; /* (n - n0)·Cout + co */
  const float *src = col + nc * g->k_spatial * g->in_spatial;
  const float acc = circular ? tconv_transpose_gather_circular(g, o, src, g->in_spatial, NULL, 0.0f)
                             : tconv_transpose_gather_zeros(g, o, src, g->in_spatial, NULL, 0.0f);
  return tconv_finish(g, bias, nc % g->cout, acc);
}

/* ---- workspace and chunking (host side) ---------------------------------------------- */

/* The workspace cap: the batch is cut into chunks whose column matrix stays under it. One
 * image is always allowed, even when its columns alone exceed the cap. */
#define TCONV_GEMM_WORKSPACE_CAP ((size_t)512 << 20) /* 512 MiB */

/* Elements of one image's column matrix (convolution Cin·ks·P, transposed Cout·ks·Q), or
 * -1 when that many bytes overflow int64 or size_t. */
static inline int64_t tconv_gemm_image_columns(const tconv_problem *p) {
  int64_t r;
  const int transposed = p->op == TCONV_OP_TRANSPOSE;
  if (tconv_mul_i64(transposed ? p->cout : p->cin, p->k_spatial, &r) ||
      tconv_mul_i64(r, transposed ? p->in_spatial : p->out_spatial, &r) ||
      r > (int64_t)(SIZE_MAX / sizeof(float)) || r > INT64_MAX / (int64_t)sizeof(float))
    return -1;
  return r;
}

/* Images whose columns fit in `bytes` (at most the batch); 0 when not even one does. */
static inline int64_t tconv_gemm_chunk_images(const tconv_problem *p, size_t bytes) {
  const int64_t per_image = tconv_gemm_image_columns(p);
  if (per_image < 0)
    return 0;
  const uint64_t fit = (uint64_t)(bytes / sizeof(float)) / (uint64_t)per_image;
  return fit < (uint64_t)p->n ? (int64_t)fit : p->n;
}

/* The chunk: images per chunk under `cap` (at least one); 0 when one image's columns
 * overflow. The launcher plans with TCONV_GEMM_WORKSPACE_CAP, never with the size of the
 * workspace it is handed: the chunking decides the cuBLAS calls (their batch counts and
 * layout, hence cuBLAS's kernels and the bits), so a larger workspace must not change it. */
static inline int64_t tconv_gemm_chunk_for_cap(const tconv_problem *p, size_t cap) {
  if (tconv_gemm_image_columns(p) < 0)
    return 0;
  const int64_t images = tconv_gemm_chunk_images(p, cap);
  return images < 1 ? 1 : images;
}

/* Workspace bytes of that chunk's columns: what the launcher uses, and all of it; 0 when
 * one image's columns overflow. */
static inline size_t tconv_gemm_workspace_for_cap(const tconv_problem *p, size_t cap) {
  const int64_t images = tconv_gemm_chunk_for_cap(p, cap);
  /* images · per_image ≤ max(cap, per_image) elements: no overflow. */
  return images < 1 ? 0 : (size_t)images * (size_t)tconv_gemm_image_columns(p) * sizeof(float);
}

/* ---- the cuBLAS calls ----------------------------------------------------------------- */

/* One cublasSgemmStridedBatched_64 call, column-major, alpha 1, beta 0:
 *   C[b] = op(A[b]) · op(B[b]) for b < batch, X[b] = X + offset_x + b·stride_x.
 * Operands: convolution A = the column workspace, B = w, C = y; transposed A = x, B = w,
 * C = the column workspace (tconv_gemm_operands_make() resolves them). */
typedef struct tconv_gemm_call {
  int trans_a, trans_b; /* 0: N, 1: T */
  int64_t m, n, k, lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c, batch;
  int64_t offset_a, offset_b, offset_c; /* elements from the operand's base pointer */
} tconv_gemm_call;

/* The batch count of one call at most. cuBLAS's batched kernels have failed past 65535
 * (the grid's z dimension), so a longer batch is cut into calls of this many: a multiple of
 * 1024 keeps every call's first matrices aligned like the first call's (so cuBLAS picks the
 * same kernels for all but the shorter last one). */
#define TCONV_GEMM_MAX_BATCH ((int64_t)63 * 1024)

/* A chunk of `images` images starting at n0 is issued as series of calls batched over its
 * images, one series per group, when groups <= images; otherwise batched over the groups,
 * one series per image. (A single strided batch cannot run over both: w is the same for
 * every image.) A series is one call, or several when its batch exceeds
 * TCONV_GEMM_MAX_BATCH (groups = 70000 with one image: two calls). */
static inline int64_t tconv_gemm_series_batch(const tconv_problem *p, int64_t images) {
  return p->groups <= images ? images : p->groups;
}

static inline int64_t tconv_gemm_calls_per_series(const tconv_problem *p, int64_t images) {
  return (tconv_gemm_series_batch(p, images) + TCONV_GEMM_MAX_BATCH - 1) / TCONV_GEMM_MAX_BATCH;
}

static inline int64_t tconv_gemm_call_count(const tconv_problem *p, int64_t images) {
  return (p->groups <= images ? p->groups : images) * tconv_gemm_calls_per_series(p, images);
}

static inline tconv_gemm_call tconv_gemm_call_make(const tconv_problem *p, int64_t n0,
                                                   int64_t images, int64_t index) {
  tconv_gemm_call c;
  const int64_t cin_g = p->cin / p->groups, cout_g = p->cout / p->groups, ks = p->k_spatial;
  const int over_images = p->groups <= images;
  const int64_t parts = tconv_gemm_calls_per_series(p, images);
  const int64_t series = index / parts, first = index % parts * TCONV_GEMM_MAX_BATCH;
  const int64_t left = tconv_gemm_series_batch(p, images) - first;
  /* per_group / per_image: an operand's step from one group / one image to the next. */
  int64_t a_group, a_image, b_group, c_group, c_image;
  if (p->op == TCONV_OP_CONV) {
    const int64_t P = p->out_spatial, K = cin_g * ks;
    c.trans_a = 0;
    c.trans_b = 0;
    c.m = P;
    c.n = cout_g;
    c.k = K;
    c.lda = P; /* col rows (ci, j) of length P */
    c.ldb = K; /* w rows co of length cin_g·ks */
    c.ldc = P; /* y rows co of length P */
    a_group = K * P;
    a_image = p->cin * ks * P;
    b_group = cout_g * K;
    c_group = cout_g * P;
    c_image = p->cout * P;
    c.offset_a = 0;            /* the workspace holds the chunk from image n0 on */
    c.offset_c = n0 * c_image; /* y is the whole output */
  } else {
    const int64_t Q = p->in_spatial, R = cout_g * ks;
    c.trans_a = 0;
    c.trans_b = 1;
    c.m = Q;
    c.n = R;
    c.k = cin_g;
    c.lda = Q; /* x rows ci of length Q */
    c.ldb = R; /* w rows ci of length cout_g·ks */
    c.ldc = Q; /* col rows (co, j) of length Q */
    a_group = cin_g * Q;
    a_image = p->cin * Q;
    b_group = cin_g * R;
    c_group = R * Q;
    c_image = p->cout * ks * Q;
    c.offset_a = n0 * a_image;
    c.offset_c = 0;
  }
  c.offset_b = 0;
  c.batch = left < TCONV_GEMM_MAX_BATCH ? left : TCONV_GEMM_MAX_BATCH;
  if (over_images) { /* series = group; this call: the chunk's images first .. first + batch */
    c.offset_a += series * a_group + first * a_image;
    c.offset_b += series * b_group;
    c.offset_c += series * c_group + first * c_image;
    c.stride_a = a_image;
    c.stride_b = 0;
    c.stride_c = c_image;
  } else { /* series = image within the chunk; this call: groups first .. first + batch */
    c.offset_a += series * a_image + first * a_group;
    c.offset_b += first * b_group;
    c.offset_c += series * c_image + first * c_group;
    c.stride_a = a_group;
    c.stride_b = b_group;
    c.stride_c = c_group;
  }
  return c;
}

/* The three matrices of a call, from the algorithm's buffers. */
typedef struct tconv_gemm_operands {
  const float *a, *b;
  float *c;
} tconv_gemm_operands;

static inline tconv_gemm_operands tconv_gemm_operands_make(const tconv_problem *p,
                                                           const tconv_gemm_call *c, const float *x,
                                                           const float *w, float *y, float *col) {
  tconv_gemm_operands o;
  o.a = (p->op == TCONV_OP_CONV ? col : x) + c->offset_a;
  o.b = w + c->offset_b;
  o.c = (p->op == TCONV_OP_CONV ? y : col) + c->offset_c;
  return o;
}

#endif /* TCONV_CUDA_GEMM_CUH */
