/*
 * depthwise.cuh - the index math of the depthwise kernels (cuda/depthwise.cu), shared with
 * the host like cuda/gemm.cuh: tests/test_gemm.c runs the kernels' per-thread code on the
 * CPU, block by block, with the shared-memory phases in the kernels' order.
 *
 * Depthwise: groups == Cin == Cout, so channel c reads only input channel c and its kernel
 * w[c, 0, k...] (the same offset c·ks for both weight layouts):
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
 * Generic path (convolution with reflect / replicate / circular padding, circular
 * transposed): one thread per output element with the gather cores of gemm.cuh.
 *
 * Per-plane offsets and tap indices are int32 in the tiled path (supports() refuses planes,
 * kernels and sizes above 2^31 - 1); plane bases are int64.
 */
#ifndef TCONV_CUDA_DEPTHWISE_CUH
#define TCONV_CUDA_DEPTHWISE_CUH

#include "gemm.cuh"

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
  int32_t j_step[TCONV_MAX_SPATIAL], in_step[TCONV_MAX_SPATIAL];
  int32_t in1, in2, k1, k2; /* sizes the inner loops multiply by */
  int tile_w, block_rows, rows_per_thread, tile_h;
  int threads; /* tile_w · block_rows <= TCONV_DW_THREADS: the block size */
  int64_t tiles_w, tiles_h, tile_count;
  int kernel_in_smem; /* k_spatial <= TCONV_DW_SMEM_TAPS */
} tconv_dw_args;

/* Whether the tiled path runs the problem (else the generic one). */
static inline int tconv_dw_tiled(const tconv_problem *p) {
  return p->padding_mode == TCONV_PADDING_ZEROS;
}

/* The tile shape: tile_w the smallest power of two >= W in [MIN_TILE_W, THREADS]; as many
 * thread rows as fit in THREADS but no more than H needs (rounded up to a power of two, so
 * short planes, e.g. rank 1, launch smaller blocks instead of idle rows); the rows per
 * thread (1..4) leave the fewest idle rows in the last row tile, the most rows on a tie. */
static inline tconv_dw_args tconv_dw_args_make(const tconv_problem *p) {
  tconv_dw_args a;
  a.g = tconv_geom_make(p);
  for (int dim = 0; dim < TCONV_MAX_SPATIAL; ++dim) {
    const tconv_tap_plan plan = a.g.plan[dim];
    a.j_step[dim] = (int32_t)(a.g.transposed ? plan.step : 1);
    a.in_step[dim] = (int32_t)(a.g.transposed ? -plan.in_step : a.g.dilation[dim]);
  }
  a.in1 = (int32_t)a.g.in[1];
  a.in2 = (int32_t)a.g.in[2];
  a.k1 = (int32_t)a.g.k[1];
  a.k2 = (int32_t)a.g.k[2];
  a.tile_w = TCONV_DW_MIN_TILE_W;
  while (a.tile_w < TCONV_DW_THREADS && a.tile_w < a.g.out[2])
    a.tile_w *= 2;
  a.block_rows = 1;
  while (a.block_rows < TCONV_DW_THREADS / a.tile_w && a.block_rows < a.g.out[1])
    a.block_rows *= 2;
  a.threads = a.tile_w * a.block_rows;
  a.rows_per_thread = 1;
  int64_t best_idle = -1;
  for (int r = 1; r <= TCONV_DW_MAX_ROWS_PER_THREAD; ++r) {
    const int64_t h = (int64_t)a.block_rows * r;
    const int64_t idle = (a.g.out[1] + h - 1) / h * h - a.g.out[1];
    if (best_idle < 0 || idle <= best_idle) {
      best_idle = idle;
      a.rows_per_thread = r;
    }
  }
  a.tile_h = a.block_rows * a.rows_per_thread;
  a.tiles_w = (a.g.out[2] + a.tile_w - 1) / a.tile_w;
  a.tiles_h = (a.g.out[1] + a.tile_h - 1) / a.tile_h;
  a.tile_count = a.g.n * a.g.cout * a.g.out[0] * a.tiles_h * a.tiles_w;
  a.kernel_in_smem = a.g.k_spatial <= TCONV_DW_SMEM_TAPS;
  return a;
}

/* A tile's place: plane n·C + c, the outermost coordinate o0, the first row and column. */
typedef struct tconv_dw_tile {
  int64_t plane, o0, row0, col0;
} tconv_dw_tile;

TCONV_HD tconv_dw_tile tconv_dw_tile_of(const tconv_dw_args *a, int64_t tile) {
  tconv_dw_tile t;
  t.col0 = tile % a->tiles_w * a->tile_w;
  tile /= a->tiles_w;
  t.row0 = tile % a->tiles_h * a->tile_h;
  tile /= a->tiles_h;
  t.o0 = tile % a->g.out[0];
  t.plane = tile / a->g.out[0];
  return t;
}

/* The progression of output position o along dimension dim; count 0 past the output. */
TCONV_HD tconv_dw_taps tconv_dw_taps_at(const tconv_dw_args *a, int dim, int64_t o) {
  tconv_dw_taps r;
  r.j_first = r.in_first = r.count = 0;
  if (o >= a->g.out[dim])
    return r;
  const tconv_geom *g = &a->g;
  const tconv_taps t = g->transposed
                           ? tconv_transpose_taps(o, g->in[dim], g->k[dim], g->stride[dim],
                                                  g->dilation[dim], g->pad[dim], g->plan[dim])
                           : tconv_conv_taps(o, g->in[dim], g->k[dim], g->stride[dim],
                                             g->dilation[dim], g->pad[dim]);
  r.j_first = (int32_t)t.j_first;
  r.in_first = (int32_t)t.in_first;
  r.count = (int32_t)t.count;
  return r;
}

/* Phase 1, thread tid of the block: its share of the tables and of the kernel. */
TCONV_HD void tconv_dw_fill(const tconv_dw_args *a, int64_t tile, int tid, tconv_dw_shared *sh,
                            const float *w) {
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
  if (a->kernel_in_smem) {
    const float *wc = w + t.plane % a->g.cout * a->g.k_spatial;
    for (int e = tid; e < (int)a->g.k_spatial; e += a->threads)
      sh->w[e] = TCONV_LOAD(wc + e);
  }
}

/* Phase 2, thread tid of the block: its outputs of the tile (none for threads past W). */
TCONV_HD void tconv_dw_compute(const tconv_dw_args *a, int64_t tile, int tid,
                               const tconv_dw_shared *sh, const float *x, const float *w,
                               const float *bias, float *y) {
  const tconv_dw_tile t = tconv_dw_tile_of(a, tile);
  const int tx = tid % a->tile_w, ty = tid / a->tile_w;
  const int64_t ow = t.col0 + tx;
  if (ow >= a->g.out[2])
    return;
  const int64_t c = t.plane % a->g.cout;
  const float *wc = a->kernel_in_smem ? sh->w : w + c * a->g.k_spatial;
  const float *xp = x + t.plane * a->g.in_spatial;
  float *yp = y + t.plane * a->g.out_spatial + (t.o0 * a->g.out[1]) * a->g.out[2] + ow;
  const tconv_dw_taps outer = sh->outer, col = sh->col[tx];
  for (int r = 0; r < a->rows_per_thread; ++r) {
    const int row = ty + r * a->block_rows;
    const int64_t oh = t.row0 + row;
    if (oh >= a->g.out[1])
      break;
    const tconv_dw_taps rt = sh->row[row];
    float acc = 0.0f;
    for (int32_t c0 = 0; c0 < outer.count; ++c0) {
      const int32_t j0 = outer.j_first + c0 * a->j_step[0];
      const int32_t q0 = outer.in_first + c0 * a->in_step[0];
      for (int32_t c1 = 0; c1 < rt.count; ++c1) {
        const int32_t j1 = rt.j_first + c1 * a->j_step[1];
        const int32_t q1 = rt.in_first + c1 * a->in_step[1];
        const float *xr = xp + (q0 * a->in1 + q1) * a->in2;
        const float *wr = wc + (j0 * a->k1 + j1) * a->k2;
        for (int32_t c2 = 0; c2 < col.count; ++c2)
          acc = fmaf(TCONV_LOAD(xr + col.in_first + c2 * a->in_step[2]),
                     wr[col.j_first + c2 * a->j_step[2]], acc);
      }
    }
    yp[oh * a->g.out[2]] = tconv_finish(&a->g, bias, c, acc);
  }
}

/* Generic path: output element e (C-order offset in y). `transposed` must be g->transposed;
 * the kernel passes it as a compile-time constant (one instantiation per op). */
TCONV_HD float tconv_dw_generic_value(const tconv_geom *g, const float *x, const float *w,
                                      const float *bias, int64_t e, int transposed) {
  int64_t o[TCONV_MAX_SPATIAL];
  tconv_geom_split(g->out, e % g->out_spatial, o);
  const int64_t plane = e / g->out_spatial, c = plane % g->cout;
  const float *xc = x + plane * g->in_spatial, *wc = w + c * g->k_spatial;
  const float acc = transposed ? tconv_transpose_gather(g, o, xc, 0, wc, 0.0f)
                               : tconv_conv_gather(g, o, xc, wc, 0.0f);
  return tconv_finish(g, bias, c, acc);
}

#endif /* TCONV_CUDA_DEPTHWISE_CUH */
