/*
 * cpu_igemm.c - the implicit GEMM of cpu_igemm, per phase and group:
 *
 *   C (Cout/g x positions) = A (Cout/g x K) * B (K x positions),  K = Cin/g x taps of the phase,
 *   A[co][ci * taps + t] = w(ci, co, tap t),  B[ci * taps + t][col] = prepared x at the column's
 *   offset + the tap's + the channel's.
 *
 * A is packed once per call into panels of mr rows (k-major, rows zero-padded), in parallel
 * over row panels or input channels (see pack_by_panels); or, when there are few columns
 * (lazy mode), not packed at all: the micro-kernel broadcasts it from w. The work is cut
 * into tasks of (group, mc rows, nc columns) that threads take in any order, each running
 * that tile of every phase in turn (the phases' outputs interleave in y: one thread writes
 * a region's cache lines whole); a tile walks K in blocks of IGEMM_KC: it packs the block of B
 * (nr-column panels, each row a few contiguous runs of the prepared input), then runs the
 * micro-kernel over every (row panel, column panel) pair, accumulating into the tile's C in
 * scratch memory (stored and reloaded exactly between blocks), and at the end adds the bias,
 * applies the activation and writes C to y (outputs of a transposed phase are s apart).
 * Columns are the phase's positions of every image, so small images still fill a tile.
 */
#include "cpu_impl.h"

#include <string.h>

#define IGEMM_KC 256        /* reduction steps per packed B block */
#define IGEMM_NC 192        /* columns per tile (rounded to the micro-tile's nr) */
#define IGEMM_MC_MAX 256    /* rows per tile at most */
#define LAZY_MAX_BLOCKS 2   /* column blocks up to which A is packed per tile (lazy mode) */
#define LAZY_MC_MAX 256     /* rows per tile in lazy mode */
#define LAZY_C_BYTES 524288 /* the C tiles of every phase of a lazy tile at most (L2) */
#define PREFETCH_BYTES 2048 /* how far ahead in w the weights packing prefetches */
#define PANEL_RUN_MIN 64    /* w values per channel and panel from which A is packed by panels */
#define PACK_A_AHEAD 4      /* channels ahead that the global packing prefetches (transposed) */
#define CPU_LAZY_PHASES 16  /* phases a lazy tile holds at most */

typedef struct segment {
  int64_t col, len, in, out; /* first column in the tile, length, input and output offsets */
} segment;

/* A worker's buffers. Per phase of its tile set (one phase, or every phase in lazy mode):
 * C, tap offsets, segments and pieces; shared: the B block, the row sources, and in lazy mode
 * the offsets in w of one block's steps and the w rows of the tile. */
typedef struct igemm_scratch {
  float *b, *c;
  int64_t *tap_off, *tap_k, *aoff;
  const float **arow; /* lazy mode: mc rows of w (input channel 0, kernel index 0) */
  const float **src;  /* kc_max row sources */
  cpu_piece *pieces;
  segment *segments;
} igemm_scratch;

typedef struct igemm_job {
  const cpu_plan *pl;
  const cpu_kernels *kern;
  const float *w, *bias;
  float *y;
  int lazy;   /* A read in place from w (few column blocks) */
  int mr, nr; /* the micro-tile: the set's, or its wide one in lazy mode */
  void (*gemm_rows)(int64_t, const float *const *, const int64_t *, const float *, float *, int64_t,
                    int, int, const char *, int64_t); /* lazy mode's micro-kernel, of that tile */
  float *a;             /* else every packed A: per (phase, group), panels of mr rows */
  int64_t *a_at;        /* where the A of (phase, group) starts */
  int64_t *phase_taps;  /* each phase's taps: taps_k[phase_taps[p] .. phase_taps[p + 1]) */
  int64_t *taps_k;      /* their flat kernel indices */
  int64_t *same_b;      /* per phase: 1 when it reads what the phase before it reads */
  int64_t a_row_stride; /* between the w rows of consecutive output channels */
  int64_t a_ci_stride;  /* between the w rows of consecutive input channels */
  int64_t m_pad, mc, mblocks, nc;
  int64_t nblocks;        /* column blocks of the phase with the most positions */
  int64_t cb;             /* input channels per K block: cb x (most taps of a phase) <= IGEMM_KC */
  int64_t kc_max;         /* steps of a block of every phase of the set together: IGEMM_KC, or
                             more where one channel's taps are more (cb = 1) */
  int64_t set;            /* phases a tile runs at once: 1, or every phase in lazy mode */
  int64_t piece_cap;      /* pieces per phase */
  igemm_scratch *scratch; /* one per worker */
} igemm_job;

static int64_t phase_k(const igemm_job *j, const cpu_phase *ph) { return j->pl->cin_g * ph->ntaps; }

/* How many blocks to cut `units` panels of work into, at least `least` (what the caches
 * allow), so that the `others` x blocks tasks end soonest on `threads` workers: the makespan
 * is ceil(tasks / threads) rounds of ceil(units / blocks) panels, and more blocks are taken
 * only for a makespan 5 % shorter (searched up to 4 x (least + threads) blocks). Equal tasks
 * that do not divide among the workers leave one idle at the end: 3 tasks on 2 workers take
 * two rounds of a third of the work (dcgan.up2 at N 8), 4 smaller ones two rounds of a
 * quarter. Results do not depend on the blocks (cpu.h): each output's sum runs over K in the
 * same order whatever tile holds it. */
static int64_t balanced_blocks(int64_t units, int64_t least, int64_t others, int threads) {
  int64_t best = 0, best_span = 0;
  for (int64_t b = least; b <= units && b <= 4 * (least + threads); ++b) {
    const int64_t per = (units + b - 1) / b, blocks = (units + per - 1) / per;
    const int64_t span = (others * blocks + threads - 1) / threads * per;
    if (best == 0 || span * 20 < best_span * 19) /* 5 % sooner: smaller blocks cost some */
      best = blocks, best_span = span;
  }
  return best;
}

/* ---- packing A -------------------------------------------------------------------------- */

/* Whether the global packing runs over row panels (else, transposed only, over input
 * channels). w of a transposed convolution is (Cin, Cout/g, k): per channel, a panel's rows are
 * one run of mr x k values. Runs of PANEL_RUN_MIN values or more are read panel after panel,
 * each phase's packed A then written in order; shorter runs (small kernels) would be read a
 * channel apart a few lines at a time, so w is read in order instead. Measured: dcgan.up2
 * (k 4x4) gains about 10 % by panels, unet.up1 (k 2x2) loses about 5 %. */
static int pack_by_panels(const igemm_job *j) {
  return j->pl->pr->op != TCONV_OP_TRANSPOSE || j->mr * j->pl->pr->k_spatial >= PANEL_RUN_MIN;
}

/* Writes A's entries of (group g, input channel ci, rows of panel pi) for every phase into
 * the packed A: w's rows for (ci, co) hold every tap, each going to its phase. */
static void pack_a_block(const igemm_job *j, int64_t g, int64_t pi, int64_t ci) {
  const cpu_plan *pl = j->pl;
  const int mr = j->mr;
  const int64_t co0 = pi * mr;
  const float *w0 = j->w + tconv_cpu_weight_offset(pl, g, co0, ci); /* the panel's first row */
  if (pl->pr->op != TCONV_OP_TRANSPOSE || !pack_by_panels(j)) {
    /* The rows of w about PREFETCH_BYTES on (transposed: further lines of one input channel,
     * read by later panels), which the hardware does not fetch early enough on its own. */
    const int64_t ahead =
        (PREFETCH_BYTES / (int64_t)sizeof(float) / j->a_row_stride + mr) / mr * mr;
    for (int r = 0; r < mr && co0 + ahead + r < pl->cout_g; ++r)
      __builtin_prefetch(w0 + (ahead + r) * j->a_row_stride);
  }
  const int valid = pl->cout_g - co0 < mr ? (int)(pl->cout_g - co0) : mr; /* rows, rest 0 */
  for (int64_t p = 0; p < pl->phase_count; ++p) {
    const int64_t first = j->phase_taps[p], nt = j->phase_taps[p + 1] - first;
    float *block = j->a + j->a_at[p * pl->pr->groups + g] + (pi * pl->cin_g + ci) * nt * mr;
    for (int64_t t = 0; t < nt; ++t) {
      const float *src = w0 + j->taps_k[first + t];
      float *dst = block + t * mr;
      int r = 0;
      for (; r < valid; ++r)
        dst[r] = src[r * j->a_row_stride];
      for (; r < mr; ++r)
        dst[r] = 0.0f;
    }
  }
}

/* Lazy mode, transposed: the rows of w of the next channel block, fetched into L2 a few lines
 * per micro-kernel call while this block's products run, so that reading it does not wait on
 * memory (the weights are read once, for little arithmetic each): a channel's rows lie a
 * channel apart, beyond a page, where the hardware does not follow. (line, channel) walks
 * the block's lines in order; `quota` lines are asked for per call. */
typedef struct next_rows {
  const float *at; /* the block's first row, first channel; NULL: nothing to fetch */
  int64_t channel_stride, per_channel, channels, line, channel, quota;
} next_rows;

static next_rows next_block_rows(const igemm_job *j, int64_t g, int64_t row0, int64_t rows,
                                 int64_t c_first, int64_t calls) {
  const cpu_plan *pl = j->pl;
  next_rows n = {0};
  const int64_t channels = pl->cin_g - c_first < j->cb ? pl->cin_g - c_first : j->cb;
  if (pl->pr->op != TCONV_OP_TRANSPOSE || channels <= 0 || calls <= 0)
    return n;
  const int64_t per_line = 64 / (int64_t)sizeof(float);
  const int64_t elems = (pl->cout_g - row0 < rows ? pl->cout_g - row0 : rows) * pl->pr->k_spatial;
  n.at = j->w + tconv_cpu_weight_offset(pl, g, row0, c_first);
  n.channel_stride = pl->cout_g * pl->pr->k_spatial;
  n.per_channel = (elems + per_line - 1) / per_line;
  n.channels = channels;
  n.quota = (channels * n.per_channel + calls - 1) / calls;
  return n;
}

/* The call's quota of lines: the part within the current channel's rows (consecutive lines)
 * as (*pf, returned count) for the micro-kernel to fetch one per step, the rest here. */
static int64_t prefetch_next(next_rows *n, const char **pf) {
  *pf = NULL;
  if (n->channel >= n->channels)
    return 0;
  const int64_t line = 64 / (int64_t)sizeof(float);
  const float *at = n->at + n->channel * n->channel_stride + n->line * line;
  int64_t run = n->per_channel - n->line < n->quota ? n->per_channel - n->line : n->quota;
  *pf = (const char *)at;
  n->line += run;
  for (int64_t q = run; q < n->quota && n->channel < n->channels; ++q) {
    if (n->line == n->per_channel)
      n->line = 0, ++n->channel;
    if (n->channel < n->channels)
      __builtin_prefetch(n->at + n->channel * n->channel_stride + n->line * line, 0, 2);
    ++n->line;
  }
  if (n->line == n->per_channel)
    n->line = 0, ++n->channel;
  return run;
}

/* Task: by panels, one row panel of a group, channel after channel (transposed, the run
 * PACK_A_AHEAD channels on is asked for: the hardware does not fetch a channel apart);
 * by channels, one input channel of a group, every panel. */
static void pack_a(void *shared, int worker, int64_t task) {
  (void)worker;
  const igemm_job *j = shared;
  const cpu_plan *pl = j->pl;
  const int mr = j->mr;
  const int64_t panels = j->m_pad / mr;
  if (!pack_by_panels(j)) {
    const int64_t g = task / pl->cin_g, ci = task % pl->cin_g;
    for (int64_t pi = 0; pi < panels; ++pi)
      pack_a_block(j, g, pi, ci);
    return;
  }
  const int64_t g = task / panels, pi = task % panels;
  const int64_t rows = pl->cout_g - pi * mr < mr ? pl->cout_g - pi * mr : mr;
  for (int64_t ci = 0; ci < pl->cin_g; ++ci) {
    if (pl->pr->op == TCONV_OP_TRANSPOSE && ci + PACK_A_AHEAD < pl->cin_g) {
      const float *at = j->w + tconv_cpu_weight_offset(pl, g, pi * mr, ci + PACK_A_AHEAD);
      for (int64_t e = 0; e < rows * pl->pr->k_spatial; e += 64 / (int64_t)sizeof(float))
        __builtin_prefetch(at + e);
    }
    pack_a_block(j, g, pi, ci);
  }
}

/* ---- one tile ----------------------------------------------------------------------------- */

/* The tile's columns as runs along the innermost dimension (input and output offsets of
 * their first column), and the runs cut at panel boundaries for packing. */
static int64_t tile_segments(const igemm_job *j, const cpu_phase *ph, int64_t col0, int64_t ncols,
                             segment *segments, cpu_piece *pieces, int64_t *npieces) {
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  const int64_t q1 = ph->dim[1]->count, q2 = ph->dim[2]->count;
  const int nr = j->nr;
  int64_t nseg = 0;
  *npieces = 0;
  for (int64_t c = 0; c < ncols;) {
    const int64_t at = col0 + c, n = at / ph->positions, rest = at % ph->positions;
    const int64_t m0 = rest / (q1 * q2), m1 = rest / q2 % q1, m2 = rest % q2;
    const int64_t len = q2 - m2 < ncols - c ? q2 - m2 : ncols - c;
    segment *g = &segments[nseg++];
    g->col = c;
    g->len = len;
    g->in = n * pl->n_stride + m0 * pl->in_stride[0] + m1 * pl->in_stride[1] + m2;
    g->out = n * pr->cout * pr->out_spatial +
             (ph->dim[0]->out_first + pl->out_step[0] * m0) * pl->out_stride[0] +
             (ph->dim[1]->out_first + pl->out_step[1] * m1) * pl->out_stride[1] +
             ph->dim[2]->out_first + pl->out_step[2] * m2;
    for (int64_t done = 0; done < len;) {
      const int64_t col = c + done, lane = col % nr;
      const int64_t take = nr - lane < len - done ? nr - lane : len - done;
      pieces[(*npieces)++] = (cpu_piece){col / nr * j->kc_max * nr + lane, g->in + done, take};
      done += take;
    }
    c += len;
  }
  return nseg;
}

/* What a tile keeps per phase of its set. */
typedef struct tile_phase {
  cpu_phase ph;
  int64_t ncols, nseg, npieces, K;
  int64_t k_at; /* its first step in the offsets in w (lazy mode) */
  int64_t b_at; /* its first step in the B block (a phase before it, reading the same) */
  float *c;
  int64_t *tap_off;
  segment *segments;
  cpu_piece *pieces;
  const float *a; /* global mode: its rows' packed A */
} tile_phase;

/* Whether phases p and q read the same input: in every dimension as many positions and the
 * same tap offsets (k = s, say, where each phase reads every input element once with weights
 * of its own), so that their B blocks are the same. */
static int same_reads(const cpu_plan *pl, int64_t p, int64_t q) {
  cpu_phase a, b;
  tconv_cpu_phase_of(pl, p, &a);
  tconv_cpu_phase_of(pl, q, &b);
  for (int d = 0; d < CPU_DIMS; ++d) {
    if (a.dim[d]->count != b.dim[d]->count || a.dim[d]->ntaps != b.dim[d]->ntaps)
      return 0;
    for (int64_t t = 0; t < a.dim[d]->ntaps; ++t)
      if (pl->tap_off[d][a.dim[d]->tap_first + t] != pl->tap_off[d][b.dim[d]->tap_first + t])
        return 0;
  }
  return 1;
}

/* The micro-kernel on row panel pi and column panel pj of a phase's block of K (input
 * channels c0 .. c0 + cb), into its C. */
static inline void product(const igemm_job *j, igemm_scratch *s, const tile_phase *t, int64_t c0,
                           int64_t cb, int64_t pi, int64_t pj, next_rows *next) {
  const int mr = j->mr, nr = j->nr;
  const int64_t kc = cb * t->ph.ntaps, tail = t->ncols % nr;
  const int cols = pj == (t->ncols - 1) / nr && tail != 0 ? (int)tail : nr;
  const float *b = s->b + pj * j->kc_max * nr + t->b_at * nr;
  float *c = t->c + pi * mr * j->nc + pj * nr;
  const char *pf = NULL;
  const int64_t pf_lines = next->at != NULL ? prefetch_next(next, &pf) : 0;
  if (j->lazy)
    j->gemm_rows(kc, s->arow + pi * mr, s->aoff + t->k_at, b, c, j->nc, c0 == 0, cols, pf,
                 pf_lines);
  else
    j->kern->gemm(kc, t->a + (pi * t->K + c0 * t->ph.ntaps) * mr, b, c, j->nc, c0 == 0, cols);
}

/* One tile: group g, row block mb, column block nb, of the phases [p0, p0 + j->set) that have
 * columns there. K is walked in blocks of j->cb input channels (the same k order as one
 * pass: channels ascending, taps inside): per block, each phase packs its B block and runs
 * the micro-kernel over every (row panel, column panel) pair into its C, reading A from the
 * packed copy or, in lazy mode, from w itself (each step's offset in w, per row panel the
 * panel's rows of w), so that every phase's A comes from one pass over the rows of w. */
static void run_tile(const igemm_job *j, igemm_scratch *s, int64_t p0, int64_t g, int64_t mb,
                     int64_t nb, int b_ready) {
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  const cpu_kernels *kern = j->kern;
  const int mr = j->mr, nr = j->nr;
  const int64_t row0 = mb * j->mc, rows = j->m_pad - row0 < j->mc ? j->m_pad - row0 : j->mc;
  tile_phase tp[CPU_LAZY_PHASES];
  for (int64_t i = 0; i < j->set; ++i) {
    tile_phase *t = &tp[i];
    tconv_cpu_phase_of(pl, p0 + i, &t->ph);
    const int64_t cols = pr->n * t->ph.positions, col0 = nb * j->nc;
    t->ncols = col0 < cols ? (cols - col0 < j->nc ? cols - col0 : j->nc) : 0;
    t->K = pl->cin_g * t->ph.ntaps;
    t->c = s->c + i * j->mc * j->nc;
    t->tap_off = s->tap_off + i * pl->max_taps;
    t->segments = s->segments + i * j->nc;
    t->pieces = s->pieces + i * j->piece_cap;
    t->a = j->lazy ? NULL : j->a + j->a_at[(p0 + i) * pr->groups + g] + row0 * t->K;
    if (t->ncols == 0)
      continue;
    t->nseg = tile_segments(j, &t->ph, col0, t->ncols, t->segments, t->pieces, &t->npieces);
    tconv_cpu_phase_taps(pl, &t->ph, t->tap_off, s->tap_k);
    if (t->K == 0)
      memset(t->c, 0, (size_t)(rows * j->nc) * sizeof(float));
  }

  /* Lazy mode: the tile's rows of w; a padding row reads the last real one. */
  for (int64_t r = 0; j->lazy && r < rows; ++r) {
    const int64_t co = row0 + r < pl->cout_g ? row0 + r : pl->cout_g - 1;
    s->arow[r] = j->w + tconv_cpu_weight_offset(pl, g, co, 0);
  }
  const float *xg = pl->x + g * pl->cin_g * pl->c_stride;
  for (int64_t c0 = 0; c0 < pl->cin_g; c0 += j->cb) {
    const int64_t cb = pl->cin_g - c0 < j->cb ? pl->cin_g - c0 : j->cb;
    int64_t calls = 0; /* micro-kernel calls of this block */
    for (int64_t i = 0; i < j->set; ++i)
      calls += tp[i].K > 0 ? (tp[i].ncols + nr - 1) / nr * (rows / mr) : 0;
    next_rows next = {0};
    if (j->lazy)
      next = next_block_rows(j, g, row0, rows, c0 + cb, calls);
    /* Every phase's B block, and in lazy mode its steps' offsets in w, at its own steps of
     * the block buffers (their steps add up to at most kc_max). */
    int64_t k_at = 0, b_at = 0;
    for (int64_t i = 0; i < j->set; ++i) {
      tile_phase *t = &tp[i];
      const int64_t nt = t->ph.ntaps, kc = cb * nt, npanels = (t->ncols + nr - 1) / nr;
      t->k_at = k_at;
      t->b_at = b_at;
      if (t->ncols == 0 || kc == 0)
        continue;
      const int64_t first = j->phase_taps[p0 + i];
      for (int64_t kk = 0; j->lazy && kk < kc; ++kk)
        s->aoff[k_at + kk] = (c0 + kk / nt) * j->a_ci_stride + j->taps_k[first + kk % nt];
      k_at += kc;
      if (i > 0 && j->same_b[p0 + i]) {
        t->b_at = tp[i - 1].b_at;
        continue;
      }
      if (b_ready) /* one block of K, this tile's, packed by the phase before */
        continue;
      for (int64_t kk = 0; kk < kc; ++kk)
        s->src[kk] = xg + (c0 + kk / nt) * pl->c_stride + t->tap_off[kk % nt];
      float *b = s->b + b_at * nr;
      kern->pack(kc, s->src, t->pieces, t->npieces, b, nr);
      const int64_t tail = t->ncols % nr; /* lanes past the last column must hold zeros */
      for (int64_t kk = 0; tail != 0 && kk < kc; ++kk)
        memset(b + (npanels - 1) * j->kc_max * nr + kk * nr + tail, 0,
               (size_t)(nr - tail) * sizeof(float));
      b_at += kc;
    }
    /* One column panel of B stays in L1 while every row panel of A streams past it (in lazy
     * mode, measured: faster than a row panel's rows of w kept for every phase). */
    for (int64_t i = 0; i < j->set; ++i)
      for (int64_t pj = 0; tp[i].K > 0 && pj < (tp[i].ncols + nr - 1) / nr; ++pj)
        for (int64_t pi = 0; pi < rows / mr; ++pi)
          product(j, s, &tp[i], c0, cb, pi, pj, &next);
  }

  for (int64_t i = 0; i < j->set; ++i)
    for (int64_t r = 0; r < rows && row0 + r < pl->cout_g && tp[i].ncols > 0; ++r) {
      const int64_t co = g * pl->cout_g + row0 + r;
      const float bias = j->bias != NULL ? j->bias[co] : 0.0f;
      float *y = j->y + co * pr->out_spatial;
      for (int64_t q = 0; q < tp[i].nseg; ++q)
        tconv_cpu_store(pr, y + tp[i].segments[q].out, pl->out_step[2],
                        tp[i].c + r * j->nc + tp[i].segments[q].col, tp[i].segments[q].len, bias);
    }
}

/* Task (group, row block, column block): that tile of every phase (in lazy mode all at once,
 * else in turn), so the outputs the phases interleave in y are written by one thread while
 * their lines are in its cache. */
static void run_task(void *shared, int worker, int64_t task) {
  const igemm_job *j = shared;
  const int64_t nb = task % j->nblocks, mb = task / j->nblocks % j->mblocks,
                g = task / j->nblocks / j->mblocks;
  /* A phase reading what the one before read finds its B block packed when K is one block. */
  for (int64_t p0 = 0; p0 < j->pl->phase_count; p0 += j->set)
    run_tile(j, &j->scratch[worker], p0, g, mb, nb,
             j->set == 1 && p0 > 0 && j->same_b[p0] && j->cb >= j->pl->cin_g);
}

/* ---- the core ----------------------------------------------------------------------------- */

/* A worker's arrays, laid out in one block (see cpu_carve). */
static void lay_out(const igemm_job *j, igemm_scratch *s, cpu_carve *c) {
  s->b = tconv_cpu_take(c, j->kc_max * j->nc, sizeof(float));
  s->c = tconv_cpu_take(c, j->set * j->mc * j->nc, sizeof(float));
  s->aoff = tconv_cpu_take(c, j->lazy ? j->kc_max : 0, sizeof(int64_t));
  s->arow = tconv_cpu_take(c, j->lazy ? j->mc : 0, sizeof(float *));
  s->tap_off = tconv_cpu_take(c, j->set * j->pl->max_taps, sizeof(int64_t));
  s->tap_k = tconv_cpu_take(c, j->pl->max_taps, sizeof(int64_t));
  s->src = tconv_cpu_take(c, j->kc_max, sizeof(float *));
  s->pieces = tconv_cpu_take(c, j->set * j->piece_cap, sizeof(cpu_piece));
  s->segments = tconv_cpu_take(c, j->set * j->nc, sizeof(segment));
}

static void free_scratch(igemm_job *j, int workers) {
  for (int i = 0; j->scratch != NULL && i < workers; ++i)
    tconv_cpu_free(j->pl->ctx, j->scratch[i].b); /* the block's start */
  tconv_cpu_free(j->pl->ctx, j->scratch);
  j->scratch = NULL;
}

/* Scratch for up to `workers` workers; returns how many got theirs (0: none, or no array).
 * A worker whose block cannot be allocated is left out: the others take its tiles. */
static int alloc_scratch(igemm_job *j, int workers) {
  j->scratch = tconv_cpu_alloc(j->pl->ctx, workers, sizeof *j->scratch);
  if (j->scratch == NULL)
    return 0;
  cpu_carve size = {NULL, 0};
  lay_out(j, &j->scratch[0], &size);
  int got = 0;
  for (; got < workers; ++got) {
    cpu_carve block = {tconv_cpu_alloc(j->pl->ctx, (int64_t)size.used, 1), 0};
    if (block.base == NULL)
      break;
    lay_out(j, &j->scratch[got], &block);
  }
  if (got == 0)
    free_scratch(j, 0);
  return got;
}

tconv_status tconv_cpu_igemm_core(tconv_context *ctx, const cpu_plan *pl, const float *w,
                                  const float *bias, float *y) {
  const tconv_problem *pr = pl->pr;
  igemm_job j = {.pl = pl, .kern = tconv_cpu_kernels(), .w = w, .bias = bias, .y = y};
  j.mr = j.kern->mr;
  j.nr = j.kern->nr;
  j.gemm_rows = j.kern->gemm_rows;
  j.m_pad = (pl->cout_g + j.mr - 1) / j.mr * j.mr;
  j.mblocks = (j.m_pad + IGEMM_MC_MAX - 1) / IGEMM_MC_MAX;
  j.mc = (j.m_pad / j.mr + j.mblocks - 1) / j.mblocks * j.mr;
  j.nc = IGEMM_NC / j.nr * j.nr;
  j.cb = pl->max_taps == 0 ? pl->cin_g : IGEMM_KC / pl->max_taps > 0 ? IGEMM_KC / pl->max_taps : 1;
  j.set = 1;

  /* Tables: a_at, phase_taps, taps_k, and room for one phase's tap offsets. */
  const int64_t units = pl->phase_count * pr->groups, phases1 = pl->phase_count + 1;
  j.a_at = tconv_cpu_alloc(ctx, units + phases1 + pr->k_spatial + pl->max_taps + pl->phase_count,
                           sizeof(int64_t));
  if (j.a_at == NULL)
    return tconv_cpu_out_of_memory(ctx, pl, "its tile tables");
  j.phase_taps = j.a_at + units;
  j.taps_k = j.phase_taps + phases1;
  int64_t *offsets = j.taps_k + pr->k_spatial;
  j.same_b = offsets + pl->max_taps;
  int64_t a_size = 0, taps = 0, most = 0; /* most: the columns of the widest phase */
  double work = 0.0;
  for (int64_t p = 0; p < pl->phase_count; ++p) {
    cpu_phase ph;
    tconv_cpu_phase_of(pl, p, &ph);
    const int64_t K = phase_k(&j, &ph), cols = pr->n * ph.positions;
    j.phase_taps[p] = taps;
    tconv_cpu_phase_taps(pl, &ph, offsets, j.taps_k + taps);
    taps += ph.ntaps;
    for (int64_t g = 0; g < pr->groups; ++g) {
      j.a_at[p * pr->groups + g] = a_size;
      a_size += j.m_pad * K;
    }
    most = cols > most ? cols : most;
    work += (double)pr->cout * (double)K * (double)cols;
  }
  j.phase_taps[pl->phase_count] = taps;
  j.nblocks = (most + j.nc - 1) / j.nc;
  for (int64_t p = 0; p < pl->phase_count; ++p)
    j.same_b[p] = p > 0 && same_reads(pl, p - 1, p);
  j.a_row_stride = pr->op == TCONV_OP_TRANSPOSE ? pr->k_spatial : pl->cin_g * pr->k_spatial;
  j.a_ci_stride = pr->op == TCONV_OP_TRANSPOSE ? pl->cout_g * pr->k_spatial : pr->k_spatial;
  /* Few columns: packing A would cost about as much as the products it serves (each weight
   * meets only the few columns), so one block takes every column and the micro-kernel reads
   * A from w, every phase of a tile one block of input channels after another, so that the
   * block's rows of w stay in cache for all of them. Rows and channels per block are fewer,
   * so that those rows and the C tiles of every phase stay in cache. */
  j.lazy = j.nblocks <= LAZY_MAX_BLOCKS && pl->phase_count <= CPU_LAZY_PHASES;
  if (j.lazy) {
    /* The set's wide tile where its panels pad the columns no more (64 columns: one panel,
     * not 48 + 16): it broadcasts each weight for more columns. */
    const int wr = j.kern->wide_nr;
    if ((most + wr - 1) / wr * wr <= (most + j.nr - 1) / j.nr * j.nr) {
      j.mr = j.kern->wide_mr;
      j.nr = wr;
      j.gemm_rows = j.kern->gemm_wide;
      j.m_pad = (pl->cout_g + j.mr - 1) / j.mr * j.mr;
    }
    j.nc = (most + j.nr - 1) / j.nr * j.nr;
    j.nblocks = 1;
    /* The (group, row block) pairs are the only tasks, balanced over the threads. */
    j.mblocks = (j.m_pad + LAZY_MC_MAX - 1) / LAZY_MC_MAX;
    const double c_bytes = (double)pl->phase_count * (double)j.m_pad * (double)j.nc * 4.0;
    if (c_bytes / LAZY_C_BYTES > (double)j.mblocks)
      j.mblocks = (int64_t)(c_bytes / LAZY_C_BYTES) + 1;
    const int64_t panels = j.m_pad / j.mr;
    j.mblocks =
        balanced_blocks(panels, j.mblocks < panels ? j.mblocks : panels, pr->groups, ctx->threads);
    j.mc = (panels + j.mblocks - 1) / j.mblocks * j.mr;
    j.mblocks = (j.m_pad + j.mc - 1) / j.mc;
    j.cb = taps > 0 && IGEMM_KC / taps > 0 ? IGEMM_KC / taps : 1;
    j.set = pl->phase_count;
  } else { /* the widest phase's column panels, in blocks of at most IGEMM_NC columns */
    const int64_t panels = (most + j.nr - 1) / j.nr;
    j.nblocks = balanced_blocks(panels, j.nblocks, pr->groups * j.mblocks, ctx->threads);
    j.nc = (panels + j.nblocks - 1) / j.nblocks * j.nr;
  }
  j.kc_max = j.cb * (j.lazy ? taps : pl->max_taps);
  if (j.kc_max < IGEMM_KC)
    j.kc_max = IGEMM_KC;
  j.piece_cap = j.nc + j.nc / j.nr + 1;
  const int64_t tiles = pr->groups * j.mblocks * j.nblocks;
  const int64_t pack_tasks = pr->groups * (pack_by_panels(&j) ? j.m_pad / j.mr : pl->cin_g);

  tconv_status status = TCONV_STATUS_OK;
  const int want = tconv_cpu_workers(ctx, tiles, work);
  int workers = 0;
  if (!j.lazy && (j.a = tconv_cpu_alloc(ctx, a_size, sizeof(float))) == NULL)
    status = tconv_cpu_out_of_memory(ctx, pl, "the packed weights");
  else if ((workers = alloc_scratch(&j, want)) == 0)
    status = tconv_cpu_out_of_memory(ctx, pl, "the packing and accumulation buffers");
  if (status == TCONV_STATUS_OK) {
    if (!j.lazy)
      tconv_cpu_parallel(ctx, workers < pack_tasks ? workers : (int)pack_tasks, pack_tasks, pack_a,
                         &j);
    tconv_cpu_parallel(ctx, workers, tiles, run_task, &j);
  }
  free_scratch(&j, workers);
  tconv_cpu_free(ctx, j.a);
  tconv_cpu_free(ctx, j.a_at);
  return status;
}
