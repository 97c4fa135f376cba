/*
 * cpu_direct.c - cpu_direct: one group of one image per task, its output channels (up to
 * CPU_DIRECT_CHANNELS at once) and their phases in turn. A phase's reduction (Cin/g x taps of
 * the phase, in the same k order as cpu_igemm) becomes short arrays, the channels' weights
 * and the input offsets; then rows of the phase's positions - along the innermost dimension,
 * for every image and outer position - go through the direct kernel CPU_DIRECT_ROWS at a
 * time, the outputs of every channel held in vector registers for the whole reduction (each
 * input load serves all of them), and the epilogue writes them to y. Without packing, it
 * suits depthwise convolutions and problems with few output channels per group, where a GEMM
 * tile would be mostly padding.
 */
#include "cpu_impl.h"

#include <string.h>

typedef struct direct_scratch {
  float *kw, *acc;
  float *planes; /* the group's prepared input channels of one image */
  int64_t *koff, *tap_off, *tap_k;
} direct_scratch;

typedef struct direct_job {
  const cpu_plan *pl;
  const cpu_kernels *kern;
  const float *w, *bias;
  float *y;
  direct_scratch *scratch;
  int64_t shares; /* tasks per (image, group): its output channels split this many ways */
} direct_job;

/* One phase of output channels [co, co + chans) (one group g, chans <= CPU_DIRECT_CHANNELS)
 * for image n, whose group's input channels start at xg (prepared or x's). */
static void run_phase(const direct_job *j, direct_scratch *s, int64_t co, int chans, int64_t p,
                      int64_t n, const float *xg) {
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  const int64_t g = co / pl->cout_g, col = co % pl->cout_g;
  cpu_phase ph;
  tconv_cpu_phase_of(pl, p, &ph);
  tconv_cpu_phase_taps(pl, &ph, s->tap_off, s->tap_k);
  const int64_t nt = ph.ntaps, K = pl->cin_g * nt;
  for (int c = 0; c < chans; ++c)
    for (int64_t ci = 0; ci < pl->cin_g; ++ci) {
      const float *wrow = j->w + tconv_cpu_weight_offset(pl, g, col + c, ci);
      for (int64_t t = 0; t < nt; ++t)
        s->kw[c * K + ci * nt + t] = wrow[s->tap_k[t]];
    }
  for (int64_t ci = 0; ci < pl->cin_g; ++ci)
    for (int64_t t = 0; t < nt; ++t)
      s->koff[ci * nt + t] = ci * pl->c_stride + s->tap_off[t];
  float bias[CPU_DIRECT_CHANNELS];
  for (int c = 0; c < chans; ++c)
    bias[c] = j->bias != NULL ? j->bias[co + c] : 0.0f;
  const cpu_phase_dim *d0 = ph.dim[0], *d1 = ph.dim[1], *d2 = ph.dim[2];
  const int64_t len = d2->count;
  if (K == 0)
    memset(s->acc, 0, (size_t)(CPU_DIRECT_CHANNELS * CPU_DIRECT_ROWS * len) * sizeof(float));
  float *yn = j->y + (n * pr->cout + co) * pr->out_spatial + d2->out_first;
  const float *src[CPU_DIRECT_ROWS];
  float *out[CPU_DIRECT_CHANNELS * CPU_DIRECT_ROWS], *dst[CPU_DIRECT_ROWS];
  for (int i = 0; i < CPU_DIRECT_CHANNELS * CPU_DIRECT_ROWS; ++i)
    out[i] = s->acc + i * len;
  int rows = 0;
  /* Rows (m0, m1) in order, CPU_DIRECT_ROWS at a time. */
  for (int64_t m0 = 0; m0 < d0->count; ++m0)
    for (int64_t m1 = 0; m1 < d1->count; ++m1) {
      src[rows] = xg + m0 * pl->in_stride[0] + m1 * pl->in_stride[1];
      dst[rows] = yn + (d0->out_first + pl->out_step[0] * m0) * pl->out_stride[0] +
                  (d1->out_first + pl->out_step[1] * m1) * pl->out_stride[1];
      if (++rows < CPU_DIRECT_ROWS && !(m0 == d0->count - 1 && m1 == d1->count - 1))
        continue;
      if (K > 0)
        j->kern->direct(K, s->kw, s->koff, src, out, chans, rows, len);
      for (int c = 0; c < chans; ++c)
        for (int r = 0; r < rows; ++r)
          tconv_cpu_store(pr, dst[r] + c * pr->out_spatial, pl->out_step[2],
                          out[c * CPU_DIRECT_ROWS + r], len, bias[c]);
      rows = 0;
    }
}

/* Task: one group of one image (consecutive tasks: neighbouring planes of x and y), or a
 * share of its output channels when there are fewer groups and images than threads. Its
 * input channels are prepared (when the plan's layout differs from x) into the worker's
 * buffer, once for all the task's output channels, then each output channel runs every phase
 * in turn (their outputs interleave in y, so one thread writes the plane's cache lines
 * whole). */
static void run_task(void *shared, int worker, int64_t task) {
  const direct_job *j = shared;
  const cpu_plan *pl = j->pl;
  direct_scratch *s = &j->scratch[worker];
  const int64_t share = task % j->shares, ng = task / j->shares;
  const int64_t n = ng / pl->pr->groups, g = ng % pl->pr->groups;
  const int64_t per_share = (pl->cout_g + j->shares - 1) / j->shares;
  const int64_t co_first = g * pl->cout_g + share * per_share;
  const int64_t co_end =
      co_first + per_share < (g + 1) * pl->cout_g ? co_first + per_share : (g + 1) * pl->cout_g;
  if (co_first >= co_end)
    return;
  /* The group's input: x itself, or (pl->x is NULL then) its planes prepared here. */
  const float *xg = s->planes;
  if (pl->copied)
    for (int64_t ci = 0; ci < pl->cin_g; ++ci)
      tconv_cpu_prepare(pl, n, g * pl->cin_g + ci, s->planes + ci * pl->c_stride);
  else
    xg = pl->x + n * pl->n_stride + g * pl->cin_g * pl->c_stride;
  for (int64_t co = co_first; co < co_end; co += CPU_DIRECT_CHANNELS) {
    const int chans = co_end - co < CPU_DIRECT_CHANNELS ? (int)(co_end - co) : CPU_DIRECT_CHANNELS;
    for (int64_t p = 0; p < pl->phase_count; ++p)
      run_phase(j, s, co, chans, p, n, xg);
  }
}

static void lay_out(const cpu_plan *pl, direct_scratch *s, cpu_carve *c) {
  const int64_t reduction = pl->cin_g * pl->max_taps;
  s->acc =
      tconv_cpu_take(c, CPU_DIRECT_CHANNELS * CPU_DIRECT_ROWS * pl->max_count[2], sizeof(float));
  s->kw = tconv_cpu_take(c, CPU_DIRECT_CHANNELS * reduction, sizeof(float));
  s->koff = tconv_cpu_take(c, reduction, sizeof(int64_t));
  s->tap_off = tconv_cpu_take(c, pl->max_taps, sizeof(int64_t));
  s->tap_k = tconv_cpu_take(c, pl->max_taps, sizeof(int64_t));
  s->planes = tconv_cpu_take(c, pl->copied ? pl->cin_g * pl->c_stride : 0, sizeof(float));
}

tconv_status tconv_cpu_direct_core(tconv_context *ctx, const cpu_plan *pl, const float *w,
                                   const float *bias, float *y) {
  const tconv_problem *pr = pl->pr;
  direct_job j = {pl, tconv_cpu_kernels(), w, bias, y, NULL, 1};
  /* Fewer (image, group) pairs than threads: their output channels are shared out too. */
  const int64_t pairs = pr->n * pr->groups;
  j.shares = pairs >= ctx->threads ? 1 : (ctx->threads + pairs - 1) / pairs;
  if (j.shares > pl->cout_g)
    j.shares = pl->cout_g;
  const int64_t tasks = pairs * j.shares;
  double work = 0.0;
  for (int64_t p = 0; p < pl->phase_count; ++p) {
    cpu_phase ph;
    tconv_cpu_phase_of(pl, p, &ph);
    work += (double)ph.positions * (double)ph.ntaps;
  }
  work *= (double)pr->n * (double)pr->cout * (double)pl->cin_g;
  const int want = tconv_cpu_workers(ctx, tasks, work);
  /* One block per worker; a worker whose block cannot be allocated is left out. */
  j.scratch = tconv_cpu_alloc(ctx, want, sizeof *j.scratch);
  int workers = 0;
  if (j.scratch != NULL) {
    cpu_carve size = {NULL, 0};
    lay_out(pl, &j.scratch[0], &size);
    for (; workers < want; ++workers) {
      cpu_carve block = {tconv_cpu_alloc(ctx, (int64_t)size.used, 1), 0};
      if (block.base == NULL)
        break;
      lay_out(pl, &j.scratch[workers], &block);
    }
  }
  if (workers > 0)
    tconv_cpu_parallel(ctx, workers, tasks, run_task, &j);
  for (int i = 0; i < workers; ++i)
    tconv_cpu_free(ctx, j.scratch[i].acc); /* the block's start */
  tconv_cpu_free(ctx, j.scratch);
  return workers > 0 ? TCONV_STATUS_OK : tconv_cpu_out_of_memory(ctx, pl, "its per-thread buffers");
}
