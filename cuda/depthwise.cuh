/*
 * depthwise.cuh - the index math of the depthwise kernels (cuda/depthwise.cu), shared with
 * the host like cuda/gemm.cuh: tests/test_direct.c runs the kernels' per-thread code on the
 * CPU, block by block, with the shared-memory phases in the kernels' order.
 *
 * Depthwise: groups == Cin == Cout, so channel c reads only input channel c and its kernel
 * w[c, 0, k...] (group c's weights in both layouts):
 *
 *   convolution  y[n, c, o] = act(bias[c] + Σ_j x[n, c, o·s - pb + j·d] · w[c, j])
 *   transposed   y[n, c, o] = act(bias[c] + Σ_{j: t = o + pb - j·d, s | t, 0 <= t/s < i}
 *                                              x[n, c, t/s] · w[c, j])
 *
 * Tiled path (zero padding, both ops): a block of up to TCONV_DW_THREADS threads owns a tile of
 * one output plane (n, c, o0): tile_w consecutive outputs along W by tile_h rows along H.
 * Phase 1 fills shared memory: the channel's kernel, and the tap progression of every
 * column, row and of o0 (index.cuh: first tap, its input position, count), so the inner
 * loops touch only taps that reach the output - for the transposed convolution that is
 * the phase-aware ⌈k/s⌉ taps per axis, no multiplication by an inserted zero. Phase 2:
 * thread (tx, ty) computes column tx of rows ty, ty + block_rows, ... (rows_per_thread of
 * them). Lanes run along W, so loads and stores are coalesced; several outputs per thread
 * go along H rather than W so that each store instruction stays contiguous across the warp.
 * The column's progression sits in registers for all of the thread's rows.
 *
 * Other padding modes (convolution with reflect / replicate / circular padding, circular
 * transposed), and channels-last x or y, run the direct algorithm's kernel, which with one
 * channel per group is exactly the depthwise computation: channels last, its warps run along
 * the channels, the contiguous dimension, where the tiles' lanes would stride by C.
 *
 * Storage: x, w, bias and y of the problem's dtype (an argument, a compile-time constant in
 * the kernel), widened to FP32 on load (the staged kernel is FP32 in shared memory), one
 * rounding at the store. The weights' layout does not matter: with one channel per group,
 * (C, 1, k...) and (C, k..., 1) are the same memory.
 *
 * Per-plane offsets and tap indices are int32 in the tiled path (supports() refuses planes,
 * kernels and sizes above 2^31 - 1); plane bases are int64.
 */
#ifndef TCONV_CUDA_DEPTHWISE_CUH
#define TCONV_CUDA_DEPTHWISE_CUH

#include "geometry.cuh"

#define TCONV_DW_THREADS 256  /* threads per block */
#define TCONV_DW_MIN_TILE_W 8 /* narrowest tile: narrow planes waste fewer lanes */
#define TCONV_DW_MAX_ROWS_PER_THREAD 4
#define TCONV_DW_MAX_TILE_H (TCONV_DW_THREADS / TCONV_DW_MIN_TILE_W * TCONV_DW_MAX_ROWS_PER_THREAD)
/* Kernels up to this many taps are staged in shared memory; larger ones are read from
 * global memory where they are (through L1: all threads of a block read the same channel's
 * taps). */
#define TCONV_DW_SMEM_TAPS 2048

/* A tap progression along one dimension (index.cuh's tconv_taps without the steps, which
 * are per dimension). */
typedef struct tconv_dw_taps {
  int32_t j_first, in_first, count;
} tconv_dw_taps;

typedef struct tconv_dw_shared {
  tconv_dw_taps col[TCONV_DW_THREADS];    /* one per column of the tile */
  tconv_dw_taps row[TCONV_DW_MAX_TILE_H]; /* one per row of the tile */
  tconv_dw_taps outer;                    /* o0, the plane's outermost coordinate */
  float w[TCONV_DW_SMEM_TAPS];            /* the channel's kernel */
} tconv_dw_shared;

typedef struct tconv_dw_args {
  tconv_geom g;
  int32_t j_step[TCONV_GEOM_DIMS], in_step[TCONV_GEOM_DIMS];
  int32_t x_s[TCONV_GEOM_DIMS], w_s[TCONV_GEOM_DIMS]; /* the strides the inner loops use */
  int tile_w, block_rows, rows_per_thread, tile_h;
  int threads; /* tile_w · block_rows <= TCONV_DW_THREADS: the block size */
  int64_t tiles_w, tiles_h, tile_count;
  tconv_divider div_tiles_w, div_tiles_h;
  int kernel_in_smem; /* k_spatial <= TCONV_DW_SMEM_TAPS */
} tconv_dw_args;

/* Whether the tiled path runs the problem (else the direct kernels). */
static inline int tconv_dw_tiled(const tconv_problem *p) {
  return p->padding_mode == TCONV_PADDING_ZEROS && p->x_layout == TCONV_LAYOUT_NCHW &&
         p->y_layout == TCONV_LAYOUT_NCHW;
}

/* The tile shape: tile_w the smallest power of two >= W in [MIN_TILE_W, THREADS]; as many
 * thread rows as fit in THREADS but no more than H needs (rounded up to a power of two, so
 * short planes, e.g. rank 1, launch smaller blocks instead of idle rows); the rows per
 * thread (1..4) leave the fewest idle rows in the last row tile, the most rows on a tie. */
static inline tconv_dw_args tconv_dw_args_make(const tconv_problem *p) {
  tconv_dw_args a;
  a.g = tconv_geom_make(p);
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const tconv_dim *m = &a.g.dim[d];
    a.j_step[d] = (int32_t)(a.g.transposed ? m->step : 1);
    a.in_step[d] = (int32_t)(a.g.transposed ? -m->in_step : m->dilation);
    a.x_s[d] = (int32_t)a.g.x_s[d];
    a.w_s[d] = (int32_t)a.g.w_s[d];
  }
  a.tile_w = TCONV_DW_MIN_TILE_W;
  while (a.tile_w < TCONV_DW_THREADS && a.tile_w < a.g.dim[2].out)
    a.tile_w *= 2;
  a.block_rows = 1;
  while (a.block_rows < TCONV_DW_THREADS / a.tile_w && a.block_rows < a.g.dim[1].out)
    a.block_rows *= 2;
  a.threads = a.tile_w * a.block_rows;
  a.rows_per_thread = 1;
  int64_t best_idle = -1;
  for (int r = 1; r <= TCONV_DW_MAX_ROWS_PER_THREAD; ++r) {
    const int64_t h = (int64_t)a.block_rows * r;
    const int64_t idle = (a.g.dim[1].out + h - 1) / h * h - a.g.dim[1].out;
    if (best_idle < 0 || idle <= best_idle) {
      best_idle = idle;
      a.rows_per_thread = r;
    }
  }
  a.tile_h = a.block_rows * a.rows_per_thread;
  a.tiles_w = (a.g.dim[2].out + a.tile_w - 1) / a.tile_w;
  a.tiles_h = (a.g.dim[1].out + a.tile_h - 1) / a.tile_h;
  a.tile_count = a.g.n * a.g.cout * a.g.dim[0].out * a.tiles_h * a.tiles_w;
  a.div_tiles_w = tconv_divider_make(a.tiles_w);
  a.div_tiles_h = tconv_divider_make(a.tiles_h);
  a.kernel_in_smem = a.g.k_spatial <= TCONV_DW_SMEM_TAPS;
  return a;
}

/* Weight i from wr: the staged FP32 kernel (in_smem), or `dtype` elements in global memory.
 * A generic load, not the read-only path: in_smem, the pointer is shared memory. */
TCONV_HD float tconv_dw_weight(int in_smem, int dtype, const void *wr, int64_t i) {
  if (in_smem || dtype == TCONV_DTYPE_FLOAT32)
    return ((const float *)wr)[i];
  return tconv_elem_widen(dtype, ((const uint16_t *)wr)[i]);
}

/* A tile's place: image n and channel c, the outermost coordinate o0, the first row and
 * column. */
typedef struct tconv_dw_tile {
  int64_t n, c, o0, row0, col0;
} tconv_dw_tile;

TCONV_HD tconv_dw_tile tconv_dw_tile_of(const tconv_dw_args *a, int64_t tile) {
  tconv_dw_tile t;
  int64_t q = tconv_div(a->div_tiles_w, tile);
  t.col0 = (tile - q * a->tiles_w) * a->tile_w;
  tile = q;
  q = tconv_div(a->div_tiles_h, tile);
  t.row0 = (tile - q * a->tiles_h) * a->tile_h;
  tile = q;
  q = tconv_div(a->g.dim[0].div_out, tile);
  t.o0 = tile - q * a->g.dim[0].out;
  t.n = tconv_div(a->g.div_cout, q);
  t.c = q - t.n * a->g.cout;
  return t;
}

/* The progression of output position o along dimension dim; count 0 past the output. */
TCONV_HD tconv_dw_taps tconv_dw_taps_at(const tconv_dw_args *a, int dim, int64_t o) {
  tconv_dw_taps r;
  r.j_first = r.in_first = r.count = 0;
  const tconv_dim *m = &a->g.dim[dim];
  if (o >= m->out)
    return r;
  const tconv_taps t = a->g.transposed ? tconv_transpose_taps(m, o) : tconv_conv_taps(m, o);
  r.j_first = (int32_t)t.j_first;
  r.in_first = (int32_t)t.in_first;
  r.count = (int32_t)t.count;
  return r;
}

/* Phase 1, thread tid of the block: its share of the tables and of the kernel (w: `dtype`
 * elements). */
TCONV_HD void tconv_dw_fill(const tconv_dw_args *a, int dtype, int64_t tile, int tid,
                            tconv_dw_shared *sh, const void *w) {
  const tconv_dw_tile t = tconv_dw_tile_of(a, tile);
  const int entries = a->tile_w + a->tile_h + 1;
  for (int e = tid; e < entries; e += a->threads) {
    if (e < a->tile_w)
      sh->col[e] = tconv_dw_taps_at(a, 2, t.col0 + e);
    else if (e < a->tile_w + a->tile_h)
      sh->row[e - a->tile_w] = tconv_dw_taps_at(a, 1, t.row0 + (e - a->tile_w));
    else
      sh->outer = tconv_dw_taps_at(a, 0, t.o0);
  }
  if (a->kernel_in_smem) { /* staged dense, read through the weights' strides */
    const void *wc = tconv_elem_at(dtype, w, t.c * a->g.w_group);
    const int32_t k1 = (int32_t)a->g.dim[1].k, k2 = (int32_t)a->g.dim[2].k;
    for (int32_t e = tid; e < (int32_t)a->g.k_spatial; e += a->threads)
      sh->w[e] = tconv_elem_load(dtype, wc,
                                 (e / (k1 * k2)) * a->w_s[0] + (e / k2 % k1) * a->w_s[1] +
                                     (e % k2) * a->w_s[2]);
  }
}

/* Phase 2, thread tid of the block: its outputs of the tile (none for threads past W); x, w,
 * bias and y of `dtype`. */
TCONV_HD void tconv_dw_compute(const tconv_dw_args *a, int dtype, int64_t tile, int tid,
                               const tconv_dw_shared *sh, const void *x, const void *w,
                               const void *bias, void *y) {
  const tconv_dw_tile t = tconv_dw_tile_of(a, tile);
  const int tx = tid % a->tile_w, ty = tid / a->tile_w;
  const int64_t ow = t.col0 + tx;
  const tconv_geom *g = &a->g;
  if (ow >= g->dim[2].out)
    return;
  /* The staged kernel is dense FP32; the one in global memory `dtype` at w's strides. */
  const int in_smem = a->kernel_in_smem, wdt = in_smem ? TCONV_DTYPE_FLOAT32 : dtype;
  const void *wc = in_smem ? (const void *)sh->w : tconv_elem_at(dtype, w, t.c * g->w_group);
  const int32_t *ws = in_smem ? NULL : a->w_s;
  const void *xp = tconv_elem_at(dtype, x, t.n * g->x_n + t.c * g->x_c);
  void *yp =
      tconv_elem_at_mut(dtype, y, t.n * g->y_n + t.c * g->y_c + t.o0 * g->y_s[0] + ow * g->y_s[2]);
  const tconv_dw_taps outer = sh->outer, col = sh->col[tx];
  const int32_t k1 = (int32_t)g->dim[1].k, k2 = (int32_t)g->dim[2].k;
  const int32_t w0 = ws != NULL ? ws[0] : k1 * k2, w1 = ws != NULL ? ws[1] : k2;
  const int32_t w2 = ws != NULL ? ws[2] : 1;
  for (int r = 0; r < a->rows_per_thread; ++r) {
    const int row = ty + r * a->block_rows;
    const int64_t oh = t.row0 + row;
    if (oh >= g->dim[1].out)
      break;
    const tconv_dw_taps rt = sh->row[row];
    float acc = 0.0f;
    for (int32_t c0 = 0; c0 < outer.count; ++c0) {
      const int32_t j0 = outer.j_first + c0 * a->j_step[0];
      const int32_t q0 = outer.in_first + c0 * a->in_step[0];
      for (int32_t c1 = 0; c1 < rt.count; ++c1) {
        const int32_t j1 = rt.j_first + c1 * a->j_step[1];
        const int32_t q1 = rt.in_first + c1 * a->in_step[1];
        const void *xr = tconv_elem_at(dtype, xp, q0 * a->x_s[0] + q1 * a->x_s[1]);
        const void *wr = tconv_elem_at(wdt, wc, j0 * w0 + j1 * w1);
        for (int32_t c2 = 0; c2 < col.count; ++c2)
          acc = fmaf(tconv_elem_load(dtype, xr, (col.in_first + c2 * a->in_step[2]) * a->x_s[2]),
                     tconv_dw_weight(in_smem, dtype, wr, (col.j_first + c2 * a->j_step[2]) * w2),
                     acc);
      }
    }
    tconv_elem_store(dtype, yp, oh * g->y_s[1], tconv_finish(g, dtype, bias, t.c, acc));
  }
}

#endif /* TCONV_CUDA_DEPTHWISE_CUH */
