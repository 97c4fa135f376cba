/*
 * cpu_direct.c - cpu_direct: one group of one image per task, its output channels (up to
 * CPU_DIRECT_CHANNELS at once) over every phase. A phase's reduction (Cin/g x taps of the
 * phase, in the same k order as cpu_igemm) becomes short arrays, the channels' weights and
 * the input offsets; then rows of the phase's positions - along the innermost dimension, for
 * every image and outer position - go through the direct kernel CPU_DIRECT_ROWS at a time
 * (the phases' groups of rows interleaved: they read the same input rows), the outputs of
 * every channel held in vector registers for the whole reduction (each input load serves all
 * of them), and the epilogue writes them to y. A large prepared input goes in blocks of input
 * channels, the sums carried from block to block, the next block fetched into cache while
 * one computes. Without packing, it suits depthwise convolutions and problems with few output
 * channels per group, where a GEMM tile would be mostly padding.
 */
#include "cpu_impl.h"

#include <string.h>

#define DIRECT_BLOCK_BYTES 131072 /* a block of prepared input channels at most (see run_task) */

typedef struct direct_scratch {
  float *kw, *acc;
  float *planes; /* the group's prepared input channels of one image (one block of them) */
  int64_t *koff, *tap_off, *tap_k;
} direct_scratch;

typedef struct direct_job {
  const cpu_plan *pl;
  const cpu_kernels *kern;
  const float *w, *bias;
  float *y;
  direct_scratch *scratch;
  int64_t shares; /* tasks per (image, group): its output channels split this many ways */
  int64_t tasks;
  int workers;
  int64_t cb, blocks; /* input channels per block, blocks (see run_task) */
  int64_t positions;  /* blocked: every phase's positions of an image (a channel's sums) */
  int64_t *phase_at;  /* blocked: where each phase's sums start in them */
  int64_t *tap_at;    /* the taps of the phases before each (its place in kw and koff) */
  int64_t taps;       /* of every phase */
  int64_t row_groups; /* of the phase with the most rows */
  cpu_phase *phases;
} direct_job;

/* Blocked, the input a worker reads next (the task's next block of channels, or the first
 * block of the task it most likely runs next: tasks are taken in order, so `workers` on) is
 * fetched into cache a few lines per kernel call while this block computes; preparing it
 * would otherwise wait on memory with nothing to overlap (dcgan.out: a third of its time). */
typedef struct next_input {
  const char *at; /* NULL: nothing to fetch */
  int64_t lines, done, quota;
} next_input;

/* A phase's reduction over the group's input channels [c0, c0 + cb) for output channels
 * [co, co + chans) (one group, chans <= CPU_DIRECT_CHANNELS): the channels' weights (kw,
 * K apart) and the input offsets from channel c0's plane, in the k order of cpu_igemm. */
static void phase_setup(const direct_job *j, direct_scratch *s, int64_t co, int chans, int64_t p,
                        int64_t c0, int64_t cb) {
  const cpu_plan *pl = j->pl;
  const int64_t g = co / pl->cout_g, col = co % pl->cout_g;
  const cpu_phase *ph = &j->phases[p];
  tconv_cpu_phase_taps(pl, ph, s->tap_off, s->tap_k);
  const int64_t nt = ph->ntaps, K = cb * nt;
  float *kw = s->kw + CPU_DIRECT_CHANNELS * cb * j->tap_at[p];
  int64_t *koff = s->koff + cb * j->tap_at[p];
  for (int c = 0; c < chans; ++c)
    for (int64_t ci = 0; ci < cb; ++ci) {
      const float *wrow = j->w + tconv_cpu_weight_offset(pl, g, col + c, c0 + ci);
      for (int64_t t = 0; t < nt; ++t)
        kw[c * K + ci * nt + t] = wrow[s->tap_k[t]];
    }
  for (int64_t ci = 0; ci < cb; ++ci)
    for (int64_t t = 0; t < nt; ++t)
      koff[ci * nt + t] = ci * pl->c_stride + s->tap_off[t];
}

/* Row group rg (rows (m0, m1) in order, CPU_DIRECT_ROWS of them from rg * CPU_DIRECT_ROWS)
 * of phase p, output channels [co, co + chans) of image n, over input channels [c0, c0 + cb)
 * from xb (prepared or x's), with phase_setup's arrays: the sums start at 0 (first block) or
 * continue the earlier blocks' (kept in the worker's accumulators), and the last block writes
 * them to y. */
static void run_rows(const direct_job *j, direct_scratch *s, int64_t co, int chans, int64_t p,
                     int64_t n, const float *xb, int64_t c0, int64_t cb, int64_t rg,
                     next_input *next) {
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  const cpu_phase *ph = &j->phases[p];
  const cpu_phase_dim *d0 = ph->dim[0], *d1 = ph->dim[1], *d2 = ph->dim[2];
  const int64_t row0 = rg * CPU_DIRECT_ROWS, nrows = d0->count * d1->count;
  if (row0 >= nrows)
    return;
  const int first = c0 == 0, last = c0 + cb == pl->cin_g;
  const int rows = nrows - row0 < CPU_DIRECT_ROWS ? (int)(nrows - row0) : CPU_DIRECT_ROWS;
  const int64_t K = cb * ph->ntaps, len = d2->count;
  const float *kw = s->kw + CPU_DIRECT_CHANNELS * cb * j->tap_at[p];
  const int64_t *koff = s->koff + cb * j->tap_at[p];
  float *yn = j->y + (n * pr->cout + co) * pr->out_spatial + d2->out_first;
  const float *src[CPU_DIRECT_ROWS];
  float *out[CPU_DIRECT_CHANNELS * CPU_DIRECT_ROWS], *dst[CPU_DIRECT_ROWS];
  for (int r = 0; r < rows; ++r) {
    const int64_t m0 = (row0 + r) / d1->count, m1 = (row0 + r) % d1->count;
    src[r] = xb + m0 * pl->in_stride[0] + m1 * pl->in_stride[1];
    dst[r] = yn + (d0->out_first + pl->out_step[0] * m0) * pl->out_stride[0] +
             (d1->out_first + pl->out_step[1] * m1) * pl->out_stride[1];
    /* One block: the sums of this call's rows only, written to y at once; else every row's. */
    for (int c = 0; c < chans; ++c)
      out[c * CPU_DIRECT_ROWS + r] =
          j->blocks > 1 ? s->acc + c * j->positions + j->phase_at[p] + (row0 + r) * len
                        : s->acc + (c * CPU_DIRECT_ROWS + r) * len;
  }
  /* This call's share of the lines to fetch, the kernel asking for them one per step. */
  const int64_t pf_lines = next->at == NULL                         ? 0
                           : next->lines - next->done < next->quota ? next->lines - next->done
                                                                    : next->quota;
  const char *pf = next->at != NULL ? next->at + next->done * 64 : NULL;
  next->done += pf_lines;
  if (K > 0)
    j->kern->direct(K, kw, koff, src, out, chans, rows, len, first, pf, pf_lines);
  else if (first)
    for (int c = 0; c < chans; ++c)
      for (int r = 0; r < rows; ++r)
        memset(out[c * CPU_DIRECT_ROWS + r], 0, (size_t)len * sizeof(float));
  for (int c = 0; c < chans && last; ++c) {
    const float bias = j->bias != NULL ? j->bias[co + c] : 0.0f;
    for (int r = 0; r < rows; ++r)
      tconv_cpu_store(pr, dst[r] + c * pr->out_spatial, pl->out_step[2],
                      out[c * CPU_DIRECT_ROWS + r], len, bias);
  }
}

/* The task's share of output channels [co_first, co_end) of (image, group) ng. */
static void task_channels(const direct_job *j, int64_t task, int64_t *co_first, int64_t *co_end) {
  const cpu_plan *pl = j->pl;
  const int64_t share = task % j->shares, g = task / j->shares % pl->pr->groups;
  const int64_t per_share = (pl->cout_g + j->shares - 1) / j->shares;
  *co_first = g * pl->cout_g + share * per_share;
  *co_end =
      *co_first + per_share < (g + 1) * pl->cout_g ? *co_first + per_share : (g + 1) * pl->cout_g;
}

/* Task: one group of one image (consecutive tasks: neighbouring planes of x and y), or a
 * share of its output channels when there are fewer groups and images than threads. Its
 * input channels are prepared (when the plan's layout differs from x) into the worker's
 * buffer, once for all the task's output channels, then each output channel runs every phase
 * in turn (their outputs interleave in y, so one thread writes the plane's cache lines
 * whole). Blocked (a prepared group larger than DIRECT_BLOCK_BYTES, a task of at most
 * CPU_DIRECT_CHANNELS output channels), the input channels go in blocks of cb: each block is
 * prepared and runs every phase, its sums carried to the next in the accumulators, while the
 * next block's input is fetched into cache. */
static void run_task(void *shared, int worker, int64_t task) {
  const direct_job *j = shared;
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  direct_scratch *s = &j->scratch[worker];
  const int64_t ng = task / j->shares;
  const int64_t n = ng / pr->groups, g = ng % pr->groups;
  int64_t co_first, co_end;
  task_channels(j, task, &co_first, &co_end);
  if (co_first >= co_end)
    return;
  int64_t calls = 0; /* kernel calls per block and output channel block */
  for (int64_t p = 0; p < pl->phase_count; ++p)
    calls += (j->phases[p].dim[0]->count * j->phases[p].dim[1]->count + CPU_DIRECT_ROWS - 1) /
             CPU_DIRECT_ROWS;
  const float *xg = pl->copied ? NULL : pl->x + n * pl->n_stride + g * pl->cin_g * pl->c_stride;
  const float *group_x = pl->source + (n * pr->cin + g * pl->cin_g) * pr->in_spatial;
  for (int64_t co = co_first; co < co_end; co += CPU_DIRECT_CHANNELS) {
    const int chans = co_end - co < CPU_DIRECT_CHANNELS ? (int)(co_end - co) : CPU_DIRECT_CHANNELS;
    for (int64_t c0 = 0; c0 < pl->cin_g; c0 += j->cb) {
      const int64_t cb = pl->cin_g - c0 < j->cb ? pl->cin_g - c0 : j->cb;
      /* The block's input: x itself, or (pl->x is NULL then) its planes prepared here
       * (unblocked, once for every output channel). */
      const float *xb = xg != NULL ? xg + c0 * pl->c_stride : s->planes;
      if (xg == NULL && (j->blocks > 1 || co == co_first))
        for (int64_t ci = 0; ci < cb; ++ci)
          tconv_cpu_prepare(pl, n, g * pl->cin_g + c0 + ci, s->planes + ci * pl->c_stride);
      next_input next = {NULL, 0, 0, 0};
      if (j->blocks > 1 && xg == NULL) {
        const int64_t later = task + j->workers;
        int64_t count = 0;
        if (c0 + cb < pl->cin_g) {
          next.at = (const char *)(group_x + (c0 + cb) * pr->in_spatial);
          count = pl->cin_g - c0 - cb < j->cb ? pl->cin_g - c0 - cb : j->cb;
        } else if (later < j->tasks && later / j->shares != ng) {
          const int64_t ln = later / j->shares / pr->groups, lg = later / j->shares % pr->groups;
          next.at = (const char *)(pl->source + (ln * pr->cin + lg * pl->cin_g) * pr->in_spatial);
          count = j->cb;
        }
        next.lines = (count * pr->in_spatial * (int64_t)sizeof(float) + 63) / 64;
        next.quota = calls > 0 ? (next.lines + calls - 1) / calls : 0;
      }
      /* The phases' row groups interleaved: the phases read the same rows of the input, so
       * those stay in L1 from one phase to the next (the outputs they write interleave too). */
      for (int64_t p = 0; p < pl->phase_count; ++p)
        phase_setup(j, s, co, chans, p, c0, cb);
      for (int64_t rg = 0; rg < j->row_groups; ++rg)
        for (int64_t p = 0; p < pl->phase_count; ++p)
          run_rows(j, s, co, chans, p, n, xb, c0, cb, rg, &next);
    }
  }
}

static void lay_out(const direct_job *j, direct_scratch *s, cpu_carve *c) {
  const cpu_plan *pl = j->pl;
  const int64_t reduction = j->cb * j->taps;
  s->acc = tconv_cpu_take(
      c, CPU_DIRECT_CHANNELS * (j->blocks > 1 ? j->positions : CPU_DIRECT_ROWS * pl->max_count[2]),
      sizeof(float));
  s->kw = tconv_cpu_take(c, CPU_DIRECT_CHANNELS * reduction, sizeof(float));
  s->koff = tconv_cpu_take(c, reduction, sizeof(int64_t));
  s->tap_off = tconv_cpu_take(c, pl->max_taps, sizeof(int64_t));
  s->tap_k = tconv_cpu_take(c, pl->max_taps, sizeof(int64_t));
  s->planes = tconv_cpu_take(c, pl->copied ? j->cb * pl->c_stride + pl->lead : 0, sizeof(float));
  if (s->planes != NULL)
    s->planes += pl->lead;
}

tconv_status tconv_cpu_direct_core(tconv_context *ctx, const cpu_plan *pl, const float *w,
                                   const float *bias, float *y) {
  const tconv_problem *pr = pl->pr;
  direct_job j = {.pl = pl, .kern = tconv_cpu_kernels(), .w = w, .bias = bias, .y = y};
  /* Fewer (image, group) pairs than threads: their output channels are shared out too. */
  const int64_t pairs = pr->n * pr->groups;
  j.shares = pairs >= ctx->threads ? 1 : (ctx->threads + pairs - 1) / pairs;
  if (j.shares > pl->cout_g)
    j.shares = pl->cout_g;
  j.tasks = pairs * j.shares;
  j.phases = tconv_cpu_alloc(ctx, pl->phase_count,
                             sizeof(cpu_phase) + 2 * sizeof(int64_t)); /* 8-aligned */
  if (j.phases == NULL)
    return tconv_cpu_out_of_memory(ctx, pl, "its phase tables");
  j.phase_at = (int64_t *)(j.phases + pl->phase_count);
  j.tap_at = j.phase_at + pl->phase_count;
  double work = 0.0;
  for (int64_t p = 0; p < pl->phase_count; ++p) {
    cpu_phase *ph = &j.phases[p];
    tconv_cpu_phase_of(pl, p, ph);
    work += (double)ph->positions * (double)ph->ntaps;
    j.phase_at[p] = j.positions;
    j.positions += ph->positions;
    j.tap_at[p] = j.taps;
    j.taps += ph->ntaps;
    const int64_t groups =
        (ph->dim[0]->count * ph->dim[1]->count + CPU_DIRECT_ROWS - 1) / CPU_DIRECT_ROWS;
    j.row_groups = groups > j.row_groups ? groups : j.row_groups;
  }
  work *= (double)pr->n * (double)pr->cout * (double)pl->cin_g;
  /* Blocks of input channels where the group's prepared input outgrows DIRECT_BLOCK_BYTES and
   * a task computes at most CPU_DIRECT_CHANNELS output channels (else each would prepare
   * every block again), as many channels in each as the blocks allow. */
  const double group_bytes = (double)pl->cin_g * (double)pl->c_stride * sizeof(float) *
                             (double)pl->extent[2] / (double)pl->pitch;
  const int64_t per_task = (pl->cout_g + j.shares - 1) / j.shares;
  j.blocks = 1;
  if (pl->copied && per_task <= CPU_DIRECT_CHANNELS && group_bytes > DIRECT_BLOCK_BYTES)
    j.blocks = (int64_t)(group_bytes / DIRECT_BLOCK_BYTES) + 1;
  if (j.blocks > pl->cin_g)
    j.blocks = pl->cin_g;
  j.cb = pl->cin_g > 0 ? (pl->cin_g + j.blocks - 1) / j.blocks : 0;
  j.blocks = j.cb > 0 ? (pl->cin_g + j.cb - 1) / j.cb : 1;
  const int want = tconv_cpu_workers(ctx, j.tasks, work);
  /* One block per worker; a worker whose block cannot be allocated is left out. */
  j.scratch = tconv_cpu_alloc(ctx, want, sizeof *j.scratch);
  int workers = 0;
  if (j.scratch != NULL) {
    cpu_carve size = {NULL, 0};
    lay_out(&j, &j.scratch[0], &size);
    for (; workers < want; ++workers) {
      cpu_carve block = {tconv_cpu_alloc(ctx, (int64_t)size.used, 1), 0};
      if (block.base == NULL)
        break;
      lay_out(&j, &j.scratch[workers], &block);
    }
  }
  j.workers = workers;
  if (workers > 0)
    tconv_cpu_parallel(ctx, workers, j.tasks, run_task, &j);
  for (int i = 0; i < workers; ++i)
    tconv_cpu_free(ctx, j.scratch[i].acc); /* the block's start */
  tconv_cpu_free(ctx, j.scratch);
  tconv_cpu_free(ctx, j.phases);
  return workers > 0 ? TCONV_STATUS_OK : tconv_cpu_out_of_memory(ctx, pl, "its per-thread buffers");
}
