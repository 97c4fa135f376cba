/*
 * gemm.cuh - the index math of the cuBLAS algorithm (cuda/gemm.cu), written once and shared
 * with the host: under nvcc the per-element functions are __host__ __device__, under a C11
 * compiler plain static inline functions, so tests/test_gemm.c runs the whole algorithm on
 * the CPU with exactly this code (and the GEMM arguments gemm.cu hands to cuBLAS). The
 * geometry and the gathers are cuda/geometry.cuh's.
 *
 * Decomposition (per group; P = output spatial size, Q = input spatial size, ks = kernel
 * spatial size, cin_g / cout_g = channels per group, K = cin_g·ks, R = cout_g·ks):
 *
 *   convolution  col[n][group][k][p] = x[n, ci, p·s - pb + j·d] (padding mode applied; im2col),
 *                  k = (ci, j) as a row of w orders them: ci·ks + j (w channels first) or
 *                  j·cin_g + ci (channels last)
 *                Y_g (cout_g × P) = W_g (cout_g × K, w's rows) · col[n][group] (K × P)
 *                then y = act(y + bias), rounded to y's dtype (skipped for float32 y when
 *                there is neither bias nor activation)
 *   transposed   col[n][group][r][q] = Σ_{ci in group} w[ci, co, j] · x[n, ci, q], r = (co, j)
 *                  as w's rows order them: co·ks + j (channels first) or j·cout_g + co (last)
 *                  i.e. col[n][group] (R × Q) = W_gᵀ · X[n, group] (cin_g × Q)
 *                y[n, co, o] = act(bias[co] + Σ_{j, q reaching o} col[n][group][r(co, j)][q])
 *                  (col2im), rounded to y's dtype
 *
 * cuBLAS is column-major: a row-major (r × c) matrix with row stride ld is its column-major
 * (c × r) transpose with leading dimension ld. So a channels-first y is C(P × cout_g) = col ·
 * W, a channels-last one (rows of Cout channels per position) C(cout_g × P) = Wᵀ · colᵀ with
 * ldc = Cout; a channels-first x is A(Q × cin_g), a channels-last one Aᵀ with lda = Cin.
 * tconv_gemm_call_make() spells out every argument. im2col reads x and col2im writes y
 * through the geometry's strides, so every layout of x and y is taken; the weights are a
 * GEMM operand as they lie (a row per output or input channel in both layouts).
 *
 * Types: the GEMM reads x, w (and the convolution's columns, exact copies of x) in the
 * problem's dtype and writes FP32 with FP32 accumulation: float32 STRICT through SGEMM with
 * pedantic math, float32 TF32 with CUBLAS_COMPUTE_32F_FAST_TF32, float16 / bfloat16 with
 * CUBLAS_COMPUTE_32F (products exact in FP32). A 16-bit convolution's GEMM writes an FP32
 * buffer in y's layout that the epilogue rounds into y once; the transposed columns are FP32
 * and col2im sums them in FP32. tconv_gemm_role_dtype() gives each operand's type.
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

/* im2col, one column element: e indexes the chunk's columns col[n][group][k][p] (n counted
 * from the chunk's first image n0). Returns the x offset it copies, or -1 for a padding
 * zero. */
TCONV_HD int64_t tconv_im2col_source(const tconv_geom *g, int64_t n0, int64_t e) {
  int64_t o[TCONV_GEOM_DIMS], j[TCONV_GEOM_DIMS], ci = 0, n;
  e = tconv_geom_split_out(g, e, o);
  if (g->w_last) { /* k = j·cin_g + ci */
    const int64_t q = tconv_div(g->div_cin_g, e);
    ci = e - q * g->cin_g;
    e = q;
  }
  TCONV_UNROLL
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    const int64_t q = tconv_div(g->dim[d].div_k, e);
    j[d] = e - q * g->dim[d].k;
    e = q;
  }
  if (g->w_last) { /* e = (n - n0)·groups + group */
    n = tconv_div(g->div_groups, e);
    ci += (e - n * g->groups) * g->cin_g;
  } else { /* e = (n - n0)·Cin + ci: a group's rows are its channels' */
    n = tconv_div(g->div_cin, e);
    ci = e - n * g->cin;
  }
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

/* The value of column element e: x's element (`dtype`) or a padding zero. */
TCONV_HD float tconv_im2col_value(const tconv_geom *g, int dtype, const void *x, int64_t n0,
                                  int64_t e) {
  const int64_t src = tconv_im2col_source(g, n0, e);
  return src >= 0 ? tconv_elem_load(dtype, x, src) : 0.0f;
}

/* Convolution epilogue, one element of y: e indexes the chunk's part of y in memory order,
 * v is the GEMM's FP32 sum there. Returns act(v + bias), bias of `dtype`. */
TCONV_HD float tconv_gemm_epilogue_value(const tconv_geom *g, int dtype, const void *bias,
                                         int64_t e, float v) {
  int64_t o[TCONV_GEOM_DIMS];
  const int64_t co =
      g->y_last ? tconv_rem(g->div_cout, e) : tconv_rem(g->div_cout, tconv_geom_split_out(g, e, o));
  return tconv_finish(g, dtype, bias, co, v);
}

/* Whether the convolution needs the epilogue pass at all (a 16-bit y always: the GEMM's FP32
 * result is rounded into it there). */
TCONV_HD int tconv_gemm_needs_epilogue(const tconv_geom *g, const void *bias) {
  return bias != NULL || g->activation != 0 || g->dtype != TCONV_DTYPE_FLOAT32;
}

/* col2im, one output element: e indexes the chunk's part of y in memory order (n counted
 * from the chunk's first image n0); col holds the chunk's FP32 columns col[n][group][r][q].
 * Writes the value (bias of `dtype`) and its offset in y. `kind` is the problem's
 * tconv_gather_kind (TAPS or CIRCULAR); the kernels pass it as a compile-time constant. */
TCONV_HD void tconv_col2im(const tconv_geom *g, int kind, int dtype, const float *col,
                           const void *bias, int64_t n0, int64_t e, float *value, int64_t *y_off) {
  int64_t n, co, o[TCONV_GEOM_DIMS];
  tconv_geom_split_y(g, e, &n, &co, o);
  const int64_t group = tconv_div(g->div_cout_g, co), co_g = co - group * g->cout_g;
  const int64_t q_count = g->in_spatial, r = g->cout_g * g->k_spatial;
  tconv_gather_src a;
  /* The rows r of an output channel are its taps at w's strides (w_cout, w_s: 1 and
   * cout_g·dense channels last, ks and dense channels first), each a row of Q positions. */
  a.src = col + ((n * g->groups + group) * r + co_g * g->w_cout) * q_count;
  a.wgt = NULL;
  int64_t qs = 1;
  TCONV_UNROLL
  for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
    a.src_s[d] = qs;
    a.w_s[d] = g->w_s[d] * q_count;
    qs *= g->dim[d].in;
  }
  tconv_taps taps[TCONV_GEOM_DIMS];
  if (kind == TCONV_GATHER_TAPS)
    tconv_output_taps(g, o, taps);
  *value = tconv_finish(g, dtype, bias, co,
                        tconv_gather(g, kind, TCONV_DTYPE_FLOAT32, o, taps, &a, 0.0f));
  *y_off = tconv_y_offset(g, n0 + n, co, o);
}

/* ---- the operands' types ----------------------------------------------------------------- */

/* The GEMM's operands: x, w, the column matrix, and its FP32 output on y's side (y itself for
 * float32, else the chunk's FP32 buffer the epilogue rounds into y). */
enum { TCONV_GEMM_X, TCONV_GEMM_W, TCONV_GEMM_COL, TCONV_GEMM_Y };

/* Whether the convolution's GEMM writes an FP32 buffer instead of y (a 16-bit y). */
static inline int tconv_gemm_out_buffered(const tconv_problem *p) {
  return p->op == TCONV_OP_CONV && p->dtype != TCONV_DTYPE_FLOAT32;
}

/* The element type of an operand: x and w the problem's; the columns x's (convolution: im2col
 * copies x) or FP32 (transposed: the GEMM's output); the output FP32. */
static inline int tconv_gemm_role_dtype(const tconv_problem *p, int role) {
  if (role == TCONV_GEMM_X || role == TCONV_GEMM_W ||
      (role == TCONV_GEMM_COL && p->op == TCONV_OP_CONV))
    return (int)p->dtype;
  return TCONV_DTYPE_FLOAT32;
}

/* ---- workspace and chunking (host side) ---------------------------------------------- */

/* The workspace cap: the batch is cut into chunks whose workspace stays under it. One image
 * is always allowed, even when its share alone exceeds the cap. */
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

/* Bytes of one image's FP32 output buffer: Cout·P·4 where the GEMM writes one, else 0. */
static inline int64_t tconv_gemm_image_out_bytes(const tconv_problem *p) {
  return tconv_gemm_out_buffered(p) ? p->cout * p->out_spatial * (int64_t)sizeof(float) : 0;
}

/* Workspace bytes per image (its output buffer, then its columns), or -1 on overflow. */
static inline int64_t tconv_gemm_image_bytes(const tconv_problem *p) {
  const int64_t columns = tconv_gemm_image_columns(p);
  int64_t r;
  if (columns < 0 ||
      tconv_mul_i64(columns, tconv_elem_bytes(tconv_gemm_role_dtype(p, TCONV_GEMM_COL)), &r) ||
      tconv_add_i64(r, tconv_gemm_image_out_bytes(p), &r) || (uint64_t)r > SIZE_MAX)
    return -1;
  return r;
}

/* Images whose workspace fits in `bytes` (at most the batch); 0 when not even one does. */
static inline int64_t tconv_gemm_chunk_images(const tconv_problem *p, size_t bytes) {
  const int64_t per_image = tconv_gemm_image_bytes(p);
  if (per_image < 0)
    return 0;
  const uint64_t fit = (uint64_t)bytes / (uint64_t)per_image;
  return fit < (uint64_t)p->n ? (int64_t)fit : p->n;
}

/* The chunk: images per chunk under `cap` (at least one); 0 when one image's workspace
 * overflows. The launcher plans with TCONV_GEMM_WORKSPACE_CAP, never with the size of the
 * workspace it is handed: the chunking decides the cuBLAS calls (their batch counts and
 * layout, hence cuBLAS's kernels and the bits), so a larger workspace must not change it. */
static inline int64_t tconv_gemm_chunk_for_cap(const tconv_problem *p, size_t cap) {
  if (tconv_gemm_image_bytes(p) < 0)
    return 0;
  const int64_t images = tconv_gemm_chunk_images(p, cap);
  return images < 1 ? 1 : images;
}

/* Workspace bytes of that chunk: what the launcher uses, and all of it; 0 when one image's
 * share overflows. Laid out as the chunk's FP32 output buffers (if any), then its columns. */
static inline size_t tconv_gemm_workspace_for_cap(const tconv_problem *p, size_t cap) {
  const int64_t images = tconv_gemm_chunk_for_cap(p, cap);
  /* images · per_image ≤ max(cap, per_image) bytes: no overflow. */
  return images < 1 ? 0 : (size_t)images * (size_t)tconv_gemm_image_bytes(p);
}

/* ---- the cuBLAS calls ----------------------------------------------------------------- */

/* One strided-batched GEMM call (cublasSgemmStridedBatched_64 for float32 STRICT, else
 * cublasGemmStridedBatchedEx_64), column-major, alpha 1, beta 0:
 *   C[b] = op(A[b]) · op(B[b]) for b < batch, X[b] = X + offset_x + b·stride_x,
 * each operand one of the TCONV_GEMM_* buffers (its role), offsets and strides in its
 * elements (tconv_gemm_role_dtype). */
typedef struct tconv_gemm_call {
  int role_a, role_b, role_c;
  int trans_a, trans_b; /* 0: N, 1: T */
  int64_t m, n, k, lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c, batch;
  int64_t offset_a, offset_b, offset_c;
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

/* One operand of the chunk's calls: where it starts, and its steps from one group and from
 * one image to the next (elements). */
typedef struct tconv_gemm_operand {
  int64_t offset, per_group, per_image;
} tconv_gemm_operand;

static inline tconv_gemm_operand tconv_gemm_operand_of(int64_t offset, int64_t per_group,
                                                       int64_t per_image) {
  tconv_gemm_operand o;
  o.offset = offset;
  o.per_group = per_group;
  o.per_image = per_image;
  return o;
}

static inline tconv_gemm_call tconv_gemm_call_make(const tconv_problem *p, int64_t n0,
                                                   int64_t images, int64_t index) {
  tconv_gemm_call c;
  const int64_t cin_g = p->cin / p->groups, cout_g = p->cout / p->groups, ks = p->k_spatial;
  const int over_images = p->groups <= images;
  const int64_t parts = tconv_gemm_calls_per_series(p, images);
  const int64_t series = index / parts, first = index % parts * TCONV_GEMM_MAX_BATCH;
  const int64_t left = tconv_gemm_series_batch(p, images) - first;
  tconv_gemm_operand A, B, C;
  if (p->op == TCONV_OP_CONV) {
    const int64_t P = p->out_spatial, K = cin_g * ks;
    /* The columns hold the chunk from image n0 on; so does the FP32 buffer; y is whole. */
    const tconv_gemm_operand col = tconv_gemm_operand_of(0, K * P, p->cin * ks * P);
    const tconv_gemm_operand wt = tconv_gemm_operand_of(0, cout_g * K, 0);
    const int last = p->y_layout == TCONV_LAYOUT_NHWC;
    const int64_t y0 = tconv_gemm_out_buffered(p) ? 0 : n0 * p->cout * P;
    C = tconv_gemm_operand_of(y0, last ? cout_g : cout_g * P, p->cout * P);
    c.role_c = TCONV_GEMM_Y;
    c.k = K;
    if (!last) { /* C(P × cout_g) = col(P × K) · W(K × cout_g) */
      c.role_a = TCONV_GEMM_COL, c.role_b = TCONV_GEMM_W;
      c.trans_a = 0, c.trans_b = 0;
      c.m = P, c.n = cout_g;
      c.lda = P, c.ldb = K, c.ldc = P;
      A = col, B = wt;
    } else { /* C(cout_g × P) = Wᵀ (cout_g × K) · colᵀ (K × P), rows of Cout channels */
      c.role_a = TCONV_GEMM_W, c.role_b = TCONV_GEMM_COL;
      c.trans_a = 1, c.trans_b = 1;
      c.m = cout_g, c.n = P;
      c.lda = K, c.ldb = P, c.ldc = p->cout;
      A = wt, B = col;
    }
  } else {
    const int64_t Q = p->in_spatial, R = cout_g * ks;
    const int last = p->x_layout == TCONV_LAYOUT_NHWC;
    /* C(Q × R) = op(x)(Q × cin_g) · Wᵀ (cin_g × R): x channels first is (Q × cin_g) with
     * ld Q, channels last its transpose with ld Cin. */
    c.role_a = TCONV_GEMM_X, c.role_b = TCONV_GEMM_W, c.role_c = TCONV_GEMM_COL;
    c.trans_a = last, c.trans_b = 1;
    c.m = Q, c.n = R, c.k = cin_g;
    c.lda = last ? p->cin : Q, c.ldb = R, c.ldc = Q;
    A = tconv_gemm_operand_of(n0 * p->cin * Q, last ? cin_g : cin_g * Q, p->cin * Q);
    B = tconv_gemm_operand_of(0, cin_g * R, 0);
    C = tconv_gemm_operand_of(0, R * Q, p->cout * ks * Q);
  }
  c.batch = left < TCONV_GEMM_MAX_BATCH ? left : TCONV_GEMM_MAX_BATCH;
  /* over images: series = group, this call the chunk's images first .. first + batch;
   * over groups: series = image within the chunk, this call groups first .. first + batch. */
  const int64_t group = over_images ? series : first, image = over_images ? first : series;
  const tconv_gemm_operand *ops[3] = {&A, &B, &C};
  int64_t *offsets[3] = {&c.offset_a, &c.offset_b, &c.offset_c};
  int64_t *strides[3] = {&c.stride_a, &c.stride_b, &c.stride_c};
  for (int i = 0; i < 3; ++i) {
    *offsets[i] = ops[i]->offset + group * ops[i]->per_group + image * ops[i]->per_image;
    *strides[i] = over_images ? ops[i]->per_image : ops[i]->per_group;
  }
  return c;
}

/* The algorithm's buffers: x, w, the chunk's columns, and the GEMM's FP32 output (y, or the
 * chunk's output buffer: tconv_gemm_out_buffered). */
typedef struct tconv_gemm_buffers {
  const void *x, *w;
  void *col, *out;
} tconv_gemm_buffers;

/* The address of element `offset` of operand `role`. */
static inline void *tconv_gemm_operand_at(const tconv_problem *p, const tconv_gemm_buffers *b,
                                          int role, int64_t offset) {
  const void *base = role == TCONV_GEMM_X     ? b->x
                     : role == TCONV_GEMM_W   ? b->w
                     : role == TCONV_GEMM_COL ? (const void *)b->col
                                              : (const void *)b->out;
  return (void *)tconv_elem_at(tconv_gemm_role_dtype(p, role), base, offset);
}

#endif /* TCONV_CUDA_GEMM_CUH */
