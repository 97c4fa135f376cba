/*
 * gemm.cuh - the index math of the cuBLAS algorithm (cuda/gemm.cu), written once and shared
 * with the host: under nvcc the per-element functions are __host__ __device__, under a C11
 * compiler plain static inline functions, so tests/test_gemm.c runs the whole algorithm on
 * the CPU with exactly this code (and the GEMM arguments gemm.cu hands to cuBLAS). The
 * geometry and the gathers are cuda/geometry.cuh's.
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
 * tconv_gemm_call_make() spells out every argument. The cuBLAS operands are dense
 * channels-first tensors; im2col reads x and col2im writes y through the geometry's strides.
 *
 * Everything is int64_t; inputs are validated problems (shape.c).
 */
#ifndef TCONV_CUDA_GEMM_CUH
#define TCONV_CUDA_GEMM_CUH

#include "geometry.cuh"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the gemm algorithm's element functions ------------------------------------------ */

#define TCONV_GEMM_THREADS 256 /* threads per block of the element-wise kernels */

/* im2col, one column element: e indexes the chunk's columns col[n][ci][j][p] (n counted
 * from the chunk's first image n0). Returns the x offset it copies, or -1 for a padding
 * zero. */
TCONV_HD int64_t tconv_im2col_source(const tconv_geom *g, int64_t n0, int64_t e) {
  int64_t o[TCONV_GEOM_DIMS], j[TCONV_GEOM_DIMS];
  e = tconv_geom_split_out(g, e, o);
  TCONV_UNROLL
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    const int64_t q = tconv_div(g->dim[d].div_k, e);
    j[d] = e - q * g->dim[d].k;
    e = q;
  }
  const int64_t n = tconv_div(g->div_cin, e), ci = e - n * g->cin; /* e = (n - n0)·Cin + ci */
  int64_t offset = (n0 + n) * g->x_n + ci * g->x_c;
  TCONV_UNROLL
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const tconv_dim *m = &g->dim[d];
    const int64_t t =
        tconv_padded_source(m, g->padding_mode, o[d] * m->stride - m->pad + j[d] * m->dilation);
    if (t < 0)
      return -1;
    offset += t * g->x_s[d];
  }
  return offset;
}

TCONV_HD float tconv_im2col_value(const tconv_geom *g, const float *x, int64_t n0, int64_t e) {
  const int64_t src = tconv_im2col_source(g, n0, e);
  return src >= 0 ? TCONV_LOAD(x + src) : 0.0f;
}

/* Convolution epilogue, one element of y (e: dense offset in y, where cuBLAS wrote it):
 * y[e] = act(y[e] + bias). */
TCONV_HD float tconv_gemm_epilogue_value(const tconv_geom *g, const float *bias, int64_t e,
                                         float v) {
  int64_t o[TCONV_GEOM_DIMS];
  const int64_t plane = tconv_geom_split_out(g, e, o);
  return tconv_finish(g, bias, plane - tconv_div(g->div_cout, plane) * g->cout, v);
}

/* Whether the convolution needs the epilogue pass at all. */
TCONV_HD int tconv_gemm_needs_epilogue(const tconv_geom *g, const float *bias) {
  return bias != NULL || g->activation != 0;
}

/* col2im, one output element: e indexes the chunk's part of y in C order (n counted from
 * the chunk's first image n0); col holds the chunk's columns col[n][co][j][q] (dense). Writes
 * the value and its offset in y. `kind` is the problem's tconv_gather_kind (TAPS or
 * CIRCULAR); the kernels pass it as a compile-time constant. */
TCONV_HD void tconv_col2im(const tconv_geom *g, int kind, const float *col, const float *bias,
                           int64_t n0, int64_t e, float *value, int64_t *y_off) {
  int64_t o[TCONV_GEOM_DIMS];
  const int64_t plane = tconv_geom_split_out(g, e, o); /* (n - n0)·Cout + co */
  const int64_t n = tconv_div(g->div_cout, plane), co = plane - n * g->cout;
  tconv_gather_src a;
  a.src = col + plane * g->k_spatial * g->in_spatial;
  a.wgt = NULL;
  int64_t qs = 1, js = g->in_spatial; /* the column matrix's (j, q) strides */
  TCONV_UNROLL
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    a.src_s[d] = qs;
    a.w_s[d] = js;
    qs *= g->dim[d].in;
    js *= g->dim[d].k;
  }
  tconv_taps taps[TCONV_GEOM_DIMS];
  if (kind == TCONV_GATHER_TAPS)
    tconv_output_taps(g, o, taps);
  *value = tconv_finish(g, bias, co, tconv_gather(g, kind, o, taps, &a, 0.0f));
  *y_off = tconv_y_offset(g, n0 + n, co, o);
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
