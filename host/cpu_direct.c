/*
 * cpu_direct.c - cpu_direct: one output channel and one phase per task. The task's reduction
 * (Cin/g x taps of the phase, in the same k order as cpu_igemm) becomes two short arrays, the
 * weights and the input offsets; then rows of the phase's positions - along the innermost
 * dimension, for every image and outer position - go through the direct kernel CPU_DIRECT_ROWS
 * at a time, their outputs held in vector registers for the whole reduction, and the
 * epilogue writes them to y. Without packing, it suits depthwise convolutions and problems
 * with few output channels per group, where a GEMM tile would be mostly padding.
 */
#include "cpu_impl.h"

#include <string.h>

typedef struct direct_scratch {
  float *kw, *acc;
  int64_t *koff, *tap_off, *tap_k;
} direct_scratch;

typedef struct direct_job {
  const cpu_plan *pl;
  const cpu_kernels *kern;
  const float *w, *bias;
  float *y;
  direct_scratch *scratch;
} direct_job;

static void run_task(void *shared, int worker, int64_t task) {
  const direct_job *j = shared;
  const cpu_plan *pl = j->pl;
  const tconv_problem *pr = pl->pr;
  direct_scratch *s = &j->scratch[worker];
  const int64_t co = task / pl->phase_count, p = task % pl->phase_count;
  const int64_t g = co / pl->cout_g, col = co % pl->cout_g;
  cpu_phase ph;
  tconv_cpu_phase_of(pl, p, &ph);
  tconv_cpu_phase_taps(pl, &ph, s->tap_off, s->tap_k);
  const int64_t nt = ph.ntaps, K = pl->cin_g * nt;
  for (int64_t ci = 0; ci < pl->cin_g; ++ci) {
    const float *wrow = j->w + tconv_cpu_weight_offset(pl, g, col, ci);
    for (int64_t t = 0; t < nt; ++t) {
      s->kw[ci * nt + t] = wrow[s->tap_k[t]];
      s->koff[ci * nt + t] = ci * pl->c_stride + s->tap_off[t];
    }
  }
  const float bias = j->bias != NULL ? j->bias[co] : 0.0f;
  const int64_t q0 = ph.dim[0]->count, q1 = ph.dim[1]->count, len = ph.dim[2]->count;
  const int64_t rows = pr->n * q0 * q1;
  if (K == 0)
    memset(s->acc, 0, (size_t)(CPU_DIRECT_ROWS * len) * sizeof(float));
  const float *xg = pl->x + g * pl->cin_g * pl->c_stride;
  for (int64_t r0 = 0; r0 < rows; r0 += CPU_DIRECT_ROWS) {
    const int nrows = rows - r0 < CPU_DIRECT_ROWS ? (int)(rows - r0) : CPU_DIRECT_ROWS;
    const float *src[CPU_DIRECT_ROWS];
    float *out[CPU_DIRECT_ROWS];
    int64_t y_off[CPU_DIRECT_ROWS];
    for (int r = 0; r < nrows; ++r) {
      const int64_t row = r0 + r, n = row / (q0 * q1), m0 = row / q1 % q0, m1 = row % q1;
      src[r] = xg + n * pl->n_stride + m0 * pl->in_stride[0] + m1 * pl->in_stride[1];
      out[r] = s->acc + r * len;
      y_off[r] = (n * pr->cout + co) * pr->out_spatial +
                 (ph.dim[0]->out_first + pl->out_step[0] * m0) * pl->out_stride[0] +
                 (ph.dim[1]->out_first + pl->out_step[1] * m1) * pl->out_stride[1] +
                 ph.dim[2]->out_first;
    }
    if (K > 0)
      j->kern->direct(K, s->kw, s->koff, src, out, nrows, len);
    for (int r = 0; r < nrows; ++r)
      tconv_cpu_store(pr, j->y + y_off[r], pl->out_step[2], out[r], len, bias);
  }
}

static void free_scratch(direct_scratch *s, int workers) {
  for (int i = 0; s != NULL && i < workers; ++i) {
    tconv_cpu_free(s[i].kw);
    tconv_cpu_free(s[i].acc);
    tconv_cpu_free(s[i].koff);
    tconv_cpu_free(s[i].tap_off);
    tconv_cpu_free(s[i].tap_k);
  }
  tconv_cpu_free(s);
}

tconv_status tconv_cpu_direct_core(tconv_context *ctx, const cpu_plan *pl, const float *w,
                                   const float *bias, float *y) {
  const tconv_problem *pr = pl->pr;
  direct_job j = {pl, tconv_cpu_kernels(), w, bias, y, NULL};
  const int64_t tasks = pr->cout * pl->phase_count, reduction = pl->cin_g * pl->max_taps;
  double work = 0.0;
  for (int64_t p = 0; p < pl->phase_count; ++p) {
    cpu_phase ph;
    tconv_cpu_phase_of(pl, p, &ph);
    work += (double)ph.positions * (double)ph.ntaps;
  }
  work *= (double)pr->n * (double)pr->cout * (double)pl->cin_g;
  int workers = tconv_cpu_workers(ctx, tasks, work);
  while (workers > 0) {
    j.scratch = tconv_cpu_alloc(workers, sizeof *j.scratch);
    int ok = j.scratch != NULL;
    if (ok) {
      memset(j.scratch, 0, (size_t)workers * sizeof *j.scratch);
      for (int i = 0; i < workers && ok; ++i) {
        direct_scratch *s = &j.scratch[i];
        s->kw = tconv_cpu_alloc(reduction, sizeof(float));
        s->acc = tconv_cpu_alloc(CPU_DIRECT_ROWS * pl->max_count[2], sizeof(float));
        s->koff = tconv_cpu_alloc(reduction, sizeof(int64_t));
        s->tap_off = tconv_cpu_alloc(pl->max_taps, sizeof(int64_t));
        s->tap_k = tconv_cpu_alloc(pl->max_taps, sizeof(int64_t));
        ok = s->kw != NULL && s->acc != NULL && s->koff != NULL && s->tap_off != NULL &&
             s->tap_k != NULL;
      }
    }
    if (ok)
      break;
    free_scratch(j.scratch, workers);
    j.scratch = NULL;
    workers /= 2; /* fewer workers need less scratch */
  }
  if (workers == 0)
    return tconv_cpu_out_of_memory(ctx, pl, "its per-thread buffers");
  tconv_cpu_parallel(workers, tasks, run_task, &j);
  free_scratch(j.scratch, workers);
  return TCONV_STATUS_OK;
}
