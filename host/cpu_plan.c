/*
 * cpu_plan.c - the plan of a problem for the CPU algorithms (see cpu_impl.h): per spatial
 * dimension the phases and their taps, then the prepared input, a copy of x laid out so that
 * every tap of every phase reads in range with one step per output position.
 *
 * Transposed, per dimension (input i, kernel k, stride s, dilation d, begin padding pb,
 * output o): phase p in [0, min(o, s)) holds the outputs p, p + s, ...; with
 * r = (p + pb) mod s and qf = (p + pb) div s, its taps are the j with j*d = r (mod s), and
 * output p + s*m reads input t = m + qf - (j*d) div s. A tap that reads no input for any m
 * is left out (it would only add zeros), which also bounds the padding of the copy by the
 * phase's length.
 *
 * Convolution, per dimension: one phase, output m reads padded input u = s*m + j*d. The copy
 * keeps, for each residue v = (j*d) mod s of a tap, the plane of u = s*w + v, so the tap reads
 * plane v at w = m + (j*d) div s: one step per output. Only the residues some tap has are
 * stored (at most min(k, s) planes), the padding values written by the padding mode. Under
 * zero padding a tap that reads only padding is left out.
 */
#include "cpu_impl.h"

#include <stdlib.h>
#include <string.h>

/* The geometry of one dimension before anything is allocated: what supports() checks and
 * what sizes the arrays. */
typedef struct dim_geometry {
  int64_t nphases, ntaps; /* taps kept, over every phase */
  int64_t planes, extent; /* prepared input: planes of `extent` elements */
  int64_t lo;             /* transposed: padding before the input in the copy */
  int64_t max_count;      /* the longest phase */
} dim_geometry;

static int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- transposed ------------------------------------------------------------------------- */

/* Phase of tap j (or -1 when its residue belongs to no output), and its input offset
 * qf - (j*d) div s. */
static int64_t transposed_tap(const tconv_problem *pr, int a, int64_t j, int64_t *shift) {
  const int64_t s = pr->stride[a], jd = j * pr->dilation[a], pbm = pr->pad_begin[a] % s;
  const int64_t r = jd % s;
  const int64_t p = r >= pbm ? r - pbm : r - pbm + s;
  if (p >= imin(pr->out[a], s))
    return -1;
  *shift = (p + pr->pad_begin[a]) / s - jd / s;
  return p;
}

static int64_t transposed_count(const tconv_problem *pr, int a, int64_t p) {
  return (pr->out[a] - p - 1) / pr->stride[a] + 1;
}

/* Whether the tap (phase p, shift) reads the input for some m: [shift, count-1+shift] meets
 * [0, i). */
static int transposed_kept(const tconv_problem *pr, int a, int64_t count, int64_t shift) {
  return count - 1 + shift >= 0 && shift <= pr->in[a] - 1;
}

static void transposed_geometry(const tconv_problem *pr, int a, dim_geometry *g) {
  memset(g, 0, sizeof *g);
  g->nphases = imin(pr->out[a], pr->stride[a]);
  g->planes = 1;
  g->max_count = transposed_count(pr, a, 0);
  int64_t hi = 0;
  for (int64_t j = 0; j < pr->k[a]; ++j) {
    int64_t shift;
    const int64_t p = transposed_tap(pr, a, j, &shift);
    if (p < 0)
      continue;
    const int64_t count = transposed_count(pr, a, p);
    if (!transposed_kept(pr, a, count, shift))
      continue;
    ++g->ntaps;
    g->lo = imax(g->lo, -shift);
    hi = imax(hi, count - 1 + shift - (pr->in[a] - 1));
  }
  g->extent = pr->in[a] + g->lo + hi;
}

/* ---- convolution ------------------------------------------------------------------------ */

/* Whether tap j reads anything but zero padding: some m < o has pb <= s*m + j*d < pb + i. */
static int conv_kept(const tconv_problem *pr, int a, int64_t j) {
  if (pr->padding_mode != TCONV_PADDING_ZEROS)
    return 1;
  const int64_t s = pr->stride[a], jd = j * pr->dilation[a], pb = pr->pad_begin[a];
  /* smallest m with s*m + jd >= pb, and whether it stays below pb + i and o */
  const int64_t m = jd >= pb ? 0 : (pb - jd + s - 1) / s;
  return m < pr->out[a] && m <= (pb + pr->in[a] - 1 - jd) / s && pb + pr->in[a] - 1 >= jd;
}

static void conv_geometry(const tconv_problem *pr, int a, dim_geometry *g, int64_t *residues) {
  memset(g, 0, sizeof *g);
  g->nphases = 1;
  g->max_count = pr->out[a];
  const int64_t s = pr->stride[a];
  int64_t max_base = 0;
  for (int64_t j = 0; j < pr->k[a]; ++j) {
    if (!conv_kept(pr, a, j))
      continue;
    const int64_t jd = j * pr->dilation[a];
    max_base = imax(max_base, jd / s);
    if (residues != NULL)
      residues[g->ntaps] = jd % s;
    ++g->ntaps;
  }
  if (g->ntaps == 0)
    return;               /* every output is the bias: nothing to read */
  if (residues != NULL) { /* distinct residues, sorted (insertion sort: few taps) */
    int64_t n = 0;
    for (int64_t t = 0; t < g->ntaps; ++t) {
      const int64_t v = residues[t];
      int64_t at = n;
      while (at > 0 && residues[at - 1] > v)
        --at;
      if (at > 0 && residues[at - 1] == v)
        continue;
      memmove(residues + at + 1, residues + at, (size_t)(n - at) * sizeof *residues);
      residues[at] = v;
      ++n;
    }
    g->planes = n;
  } else {
    g->planes = imin(g->ntaps, s); /* an upper bound, for supports() */
  }
  g->extent = pr->out[a] + max_base;
}

/* ---- building ----------------------------------------------------------------------------- */

static void geometry(const tconv_problem *pr, int a, dim_geometry *g, int64_t *residues) {
  if (pr->op == TCONV_OP_TRANSPOSE)
    transposed_geometry(pr, a, g);
  else
    conv_geometry(pr, a, g, residues);
}

int64_t tconv_cpu_prepared_count(const tconv_problem *pr) {
  int64_t count = pr->n * pr->cin;
  for (int a = 0; a < CPU_DIMS; ++a) {
    dim_geometry g;
    geometry(pr, a, &g, NULL);
    if (tconv_mul_i64(count, g.planes, &count) || tconv_mul_i64(count, g.extent, &count))
      return -1;
  }
  return count;
}

/* Fills the dimension's phases and taps; map[plane * extent + w] is the x index of each
 * prepared coordinate (-1: zero). Offsets are in prepared coordinates times in_stride, plus
 * the plane times plane_stride. */
static void fill_dim(const tconv_problem *pr, int a, const dim_geometry *g, const int64_t *residues,
                     int64_t in_stride, int64_t plane_stride, cpu_phase_dim *phases, int64_t *tap_k,
                     int64_t *tap_off, int64_t *map) {
  const int64_t s = pr->stride[a];
  if (pr->op == TCONV_OP_TRANSPOSE) {
    /* Taps bucketed by phase, in increasing j within each (a counting pass, then a fill). */
    for (int64_t p = 0; p < g->nphases; ++p)
      phases[p] = (cpu_phase_dim){transposed_count(pr, a, p), p, 0, 0};
    for (int64_t j = 0; j < pr->k[a]; ++j) {
      int64_t shift;
      const int64_t p = transposed_tap(pr, a, j, &shift);
      if (p >= 0 && transposed_kept(pr, a, phases[p].count, shift))
        ++phases[p].ntaps;
    }
    int64_t first = 0;
    for (int64_t p = 0; p < g->nphases; ++p) {
      phases[p].tap_first = first;
      first += phases[p].ntaps;
      phases[p].ntaps = 0;
    }
    for (int64_t j = 0; j < pr->k[a]; ++j) {
      int64_t shift;
      const int64_t p = transposed_tap(pr, a, j, &shift);
      if (p < 0 || !transposed_kept(pr, a, phases[p].count, shift))
        continue;
      const int64_t at = phases[p].tap_first + phases[p].ntaps++;
      tap_k[at] = j;
      tap_off[at] = (shift + g->lo) * in_stride;
    }
    for (int64_t u = 0; u < g->extent; ++u)
      map[u] = u - g->lo >= 0 && u - g->lo < pr->in[a] ? u - g->lo : -1;
    return;
  }
  phases[0] = (cpu_phase_dim){pr->out[a], 0, 0, g->ntaps};
  int64_t t = 0;
  for (int64_t j = 0; j < pr->k[a]; ++j) {
    if (!conv_kept(pr, a, j))
      continue;
    const int64_t jd = j * pr->dilation[a];
    int64_t plane = 0;
    while (residues[plane] != jd % s)
      ++plane;
    tap_k[t] = j;
    tap_off[t++] = plane * plane_stride + jd / s * in_stride;
  }
  const int64_t in = pr->in[a], pb = pr->pad_begin[a], padded = in + pb + pr->pad_end[a];
  for (int64_t plane = 0; plane < g->planes; ++plane)
    for (int64_t w = 0; w < g->extent; ++w) {
      const int64_t base = s * w; /* u = base + residue, compared without overflowing */
      int64_t src = -1;
      if (base < padded && residues[plane] < padded - base) {
        const int64_t v = base + residues[plane] - pb;
        switch (pr->padding_mode) {
        case TCONV_PADDING_ZEROS:
          src = v >= 0 && v < in ? v : -1;
          break;
        case TCONV_PADDING_REFLECT:
          src = v < 0 ? -v : v >= in ? 2 * (in - 1) - v : v;
          break;
        case TCONV_PADDING_REPLICATE:
          src = v < 0 ? 0 : v >= in ? in - 1 : v;
          break;
        case TCONV_PADDING_CIRCULAR:
          src = ((v % in) + in) % in;
          break;
        }
      }
      map[plane * g->extent + w] = src;
    }
}

/* ---- the prepared copy ------------------------------------------------------------------ */

/* Whether the prepared layout is x's with zeros around (no phase planes; along the last
 * dimension one run of consecutive sources and zeros either side), as for a transposed
 * convolution: prepare_zero_padded serves it. */
static int zero_padded(const cpu_plan *plan) {
  const int64_t *m2 = plan->map[2], *run = plan->run;
  if (plan->planes[0] != 1 || plan->planes[1] != 1 || plan->planes[2] != 1 || run[2] != 1 ||
      run[1] <= run[0])
    return 0;
  for (int64_t w = 0; w < run[0]; ++w)
    if (m2[w] >= 0)
      return 0;
  for (int64_t w = run[1]; w < plan->extent[2]; ++w)
    if (m2[w] >= 0)
      return 0;
  return 1;
}

/* prepare's plane in that layout: each block of rows whose sources are consecutive rows of x
 * in one call of the set's pad_rows (a row at a time costs more in loop and index work than
 * in copying: dcgan.out spent a quarter of its time here), zero rows by memset. */
static void prepare_zero_padded(const cpu_plan *plan, const cpu_kernels *kern, const float *src,
                                int64_t ahead, float *dst) {
  const tconv_problem *pr = plan->pr;
  const int64_t e0 = plan->extent[0], e1 = plan->extent[1], e2 = plan->extent[2];
  const int64_t pitch = plan->pitch;
  const int64_t *m1 = plan->map[1], *run = plan->run;
  for (int64_t w0 = 0; w0 < e0; ++w0) {
    const int64_t i0 = plan->map[0][w0];
    for (int64_t w1 = 0; w1 < e1;) {
      float *out = dst + (w0 * e1 + w1) * pitch;
      if (i0 < 0 || m1[w1] < 0) {
        memset(out, 0, (size_t)e2 * sizeof *out);
        ++w1;
        continue;
      }
      int64_t end = w1 + 1;
      while (end < e1 && m1[end] == m1[end - 1] + 1)
        ++end;
      const float *row = src + (i0 * pr->in[1] + m1[w1]) * pr->in[2];
      for (int64_t e = 0; ahead != 0 && e < (end - w1) * pr->in[2]; e += 16)
        __builtin_prefetch(row + ahead + e);
      kern->pad_rows(out, pitch, row + plan->map[2][run[0]], pr->in[2], end - w1, run[0],
                     run[1] - run[0], e2 - run[1]);
      w1 = end;
    }
  }
}

/* One (n, ci) plane. Rows along the last dimension copy their run of consecutive (or
 * stride-spaced) sources with the kernel set's gather; the padding at either end goes
 * through the map. The rows are visited in the order of the x rows they read (coordinate u =
 * w * s + residue of the outer dimensions), so x streams in once; where they land in the
 * plane-major layout does not matter, it is in cache. */
void tconv_cpu_prepare(const cpu_plan *plan, int64_t n, int64_t ci, float *dst) {
  const tconv_problem *pr = plan->pr;
  const float *src = plan->source + (n * pr->cin + ci) * pr->in_spatial;
  const cpu_kernels *kern = tconv_cpu_kernels();
  const int64_t e0 = plan->extent[0], e1 = plan->extent[1], e2 = plan->extent[2];
  const int64_t p1 = plan->planes[1], p2 = plan->planes[2], plane = e0 * e1 * plan->pitch;
  /* x's next channel plane, which the caller most likely prepares next: each row read here
   * fetches the same row of that one early (the hardware does not run ahead of a plane this
   * short by itself). */
  const int64_t ahead = n * pr->cin + ci + 1 < pr->n * pr->cin ? pr->in_spatial : 0;
  if (zero_padded(plan)) {
    prepare_zero_padded(plan, kern, src, ahead, dst);
    return;
  }
  for (int64_t w0 = 0; w0 < e0; ++w0)
    for (int64_t v0 = 0; v0 < plan->planes[0]; ++v0)
      for (int64_t w1 = 0; w1 < e1; ++w1)
        for (int64_t v1 = 0; v1 < p1; ++v1) {
          const int64_t i0 = plan->map[0][v0 * e0 + w0], i1 = plan->map[1][v1 * e1 + w1];
          const float *row = src + (i0 * pr->in[1] + i1) * pr->in[2];
          for (int64_t e = 0; ahead != 0 && i0 >= 0 && i1 >= 0 && e < pr->in[2]; e += 16)
            __builtin_prefetch(row + ahead + e);
          for (int64_t v2 = 0; v2 < p2; ++v2) {
            float *out = dst + ((v0 * p1 + v1) * p2 + v2) * plane + (w0 * e1 + w1) * plan->pitch;
            if (i0 < 0 || i1 < 0) {
              memset(out, 0, (size_t)e2 * sizeof *out);
              continue;
            }
            const int64_t *m2 = plan->map[2] + v2 * e2, *run = plan->run + 3 * v2;
            for (int64_t w2 = 0; w2 < run[0]; ++w2)
              out[w2] = m2[w2] >= 0 ? row[m2[w2]] : 0.0f;
            kern->gather(out + run[0], row + m2[run[0]], run[1] - run[0], run[2]);
            for (int64_t w2 = run[1]; w2 < e2; ++w2)
              out[w2] = m2[w2] >= 0 ? row[m2[w2]] : 0.0f;
          }
        }
}

typedef struct copy_job {
  const cpu_plan *plan;
  float *xp;
} copy_job;

static void copy_plane(void *shared, int worker, int64_t task) {
  (void)worker;
  const copy_job *j = shared;
  tconv_cpu_prepare(j->plan, task / j->plan->pr->cin, task % j->plan->pr->cin,
                    j->xp + task * j->plan->c_stride);
}

/* The longest run of map[lo, hi) = map[lo] + step * (w - lo), all sources, as (lo, hi, step)
 * (an empty run when there is none). */
static void find_run(const int64_t *map, int64_t extent, int64_t step, int64_t *run) {
  run[0] = run[1] = 0;
  run[2] = step;
  for (int64_t w = 0; w < extent;) {
    if (map[w] < 0) {
      ++w;
      continue;
    }
    int64_t end = w + 1;
    while (end < extent && map[end] == map[end - 1] + step)
      ++end;
    if (end - w > run[1] - run[0])
      run[0] = w, run[1] = end;
    w = end;
  }
}

void tconv_cpu_plan_free(cpu_plan *plan) {
  tconv_cpu_free(plan->ctx, plan->owned);
  tconv_cpu_free(plan->ctx, plan->arrays);
  memset(plan, 0, sizeof *plan);
}

tconv_status tconv_cpu_plan_build(tconv_context *ctx, cpu_plan *plan, const tconv_problem *pr,
                                  const float *x, int copy, int64_t row_align) {
  memset(plan, 0, sizeof *plan);
  plan->ctx = ctx;
  plan->pr = pr;
  plan->source = x;
  plan->cin_g = pr->cin / pr->groups;
  plan->cout_g = pr->cout / pr->groups;
  dim_geometry g[CPU_DIMS];
  int64_t sizes = 0; /* array elements: phases (as 4 int64 each), taps (2), residues, maps */
  for (int a = 0; a < CPU_DIMS; ++a) {
    geometry(pr, a, &g[a], NULL);
    sizes += 4 * g[a].nphases + 3 * pr->k[a] + g[a].planes * g[a].extent;
  }
  sizes += 3 * g[2].planes; /* the rows' runs */
  int64_t *arrays = tconv_cpu_alloc(ctx, sizes, sizeof(int64_t));
  if (arrays == NULL)
    return TCONV_STATUS_OUT_OF_MEMORY;
  plan->arrays = arrays;
  int64_t *residues[CPU_DIMS], *map[CPU_DIMS];
  for (int a = 0; a < CPU_DIMS; ++a) {
    plan->phase[a] = (cpu_phase_dim *)(void *)arrays;
    arrays += 4 * g[a].nphases;
    plan->tap_k[a] = arrays;
    plan->tap_off[a] = arrays + pr->k[a];
    residues[a] = arrays + 2 * pr->k[a];
    arrays += 3 * pr->k[a];
    if (pr->op == TCONV_OP_CONV)
      geometry(pr, a, &g[a], residues[a]); /* now with the exact planes */
    map[a] = arrays;
    arrays += g[a].planes * g[a].extent;
    plan->map[a] = map[a];
  }
  plan->run = arrays;
  /* Strides of the prepared layout (planes outer, then the extents, each row of the last
   * dimension `pitch` elements apart: its extent rounded up to row_align when that is at
   * most doubling it and the layout cannot be x's own), or of x itself. */
  int64_t pitch = g[2].extent;
  int maybe_x = 1;
  for (int a = 0; a < CPU_DIMS; ++a)
    maybe_x = maybe_x && g[a].planes == 1 && g[a].extent == pr->in[a];
  if (!maybe_x && row_align > 1 && pitch >= row_align)
    pitch = (pitch + row_align - 1) / row_align * row_align;
  int64_t extent_product = g[0].extent * g[1].extent * pitch;
  int64_t in_stride[CPU_DIMS] = {g[1].extent * pitch, pitch, 1};
  int64_t plane_stride[CPU_DIMS] = {g[1].planes * g[2].planes * extent_product,
                                    g[2].planes * extent_product, extent_product};
  plan->c_stride = g[0].planes * plane_stride[0];
  plan->phase_count = 1;
  plan->max_taps = 1;
  for (int a = 0; a < CPU_DIMS; ++a) {
    fill_dim(pr, a, &g[a], residues[a], in_stride[a], plane_stride[a], plan->phase[a],
             plan->tap_k[a], plan->tap_off[a], map[a]);
    plan->in_stride[a] = in_stride[a];
    plan->nphases[a] = g[a].nphases;
    plan->phase_count *= g[a].nphases;
    plan->max_count[a] = g[a].max_count;
    int64_t most = 0;
    for (int64_t p = 0; p < g[a].nphases; ++p)
      most = imax(most, plan->phase[a][p].ntaps);
    plan->max_taps *= most;
    plan->out_step[a] = pr->op == TCONV_OP_TRANSPOSE ? pr->stride[a] : 1;
    plan->planes[a] = g[a].planes;
    plan->extent[a] = g[a].extent;
  }
  plan->pitch = pitch;
  /* With aligned rows (row_align at most 64), the lead that puts the most taps' loads at a
   * line's start: minus the most frequent of the last dimension's tap offsets modulo
   * row_align. */
  plan->lead = 0;
  if (row_align > 1 && row_align <= 64 && pitch % row_align == 0 && !maybe_x) {
    int64_t count[64] = {0};
    for (int64_t t = 0; t < g[2].ntaps; ++t)
      ++count[plan->tap_off[2][t] % row_align];
    int64_t best = 0;
    for (int64_t r = 1; r < row_align; ++r)
      best = count[r] > count[best] ? r : best;
    plan->lead = (row_align - best) % row_align;
  }
  for (int64_t v = 0; v < g[2].planes; ++v)
    find_run(map[2] + v * g[2].extent, g[2].extent, pr->op == TCONV_OP_CONV ? pr->stride[2] : 1,
             plan->run + 3 * v);
  plan->out_stride[0] = pr->out[1] * pr->out[2];
  plan->out_stride[1] = pr->out[2];
  plan->out_stride[2] = 1;
  plan->n_stride = pr->cin * plan->c_stride;

  /* x itself serves when the copy would be x: one plane per dimension whose map is the
   * identity over the whole input. */
  int identity = 1;
  for (int a = 0; a < CPU_DIMS && identity; ++a) {
    identity = maybe_x && g[a].planes == 1 && g[a].extent == pr->in[a];
    for (int64_t u = 0; u < g[a].extent && identity; ++u)
      identity = map[a][u] == u;
  }
  plan->copied = !identity && plan->c_stride > 0;
  if (!plan->copied || !copy) {
    plan->x = plan->copied ? NULL : x;
    return TCONV_STATUS_OK;
  }
  plan->owned = tconv_cpu_alloc(ctx, plan->n_stride * pr->n, sizeof(float));
  if (plan->owned == NULL) {
    tconv_cpu_plan_free(plan);
    return TCONV_STATUS_OUT_OF_MEMORY;
  }
  copy_job job = {plan, plan->owned};
  const int64_t planes = pr->n * pr->cin;
  tconv_cpu_parallel(ctx, tconv_cpu_workers(ctx, planes, (double)(plan->n_stride * pr->n) / 8.0),
                     planes, copy_plane, &job);
  plan->x = plan->owned;
  return TCONV_STATUS_OK;
}

/* ---- phases ----------------------------------------------------------------------------- */

void tconv_cpu_phase_of(const cpu_plan *plan, int64_t p, cpu_phase *ph) {
  const int64_t p2 = p % plan->nphases[2], p1 = p / plan->nphases[2] % plan->nphases[1],
                p0 = p / plan->nphases[2] / plan->nphases[1];
  ph->dim[0] = &plan->phase[0][p0];
  ph->dim[1] = &plan->phase[1][p1];
  ph->dim[2] = &plan->phase[2][p2];
  ph->positions = ph->dim[0]->count * ph->dim[1]->count * ph->dim[2]->count;
  ph->ntaps = ph->dim[0]->ntaps * ph->dim[1]->ntaps * ph->dim[2]->ntaps;
}

void tconv_cpu_phase_taps(const cpu_plan *plan, const cpu_phase *ph, int64_t *off,
                          int64_t *kernel_index) {
  const tconv_problem *pr = plan->pr;
  int64_t t = 0;
  for (int64_t a = 0; a < ph->dim[0]->ntaps; ++a)
    for (int64_t b = 0; b < ph->dim[1]->ntaps; ++b)
      for (int64_t c = 0; c < ph->dim[2]->ntaps; ++c, ++t) {
        const int64_t i0 = ph->dim[0]->tap_first + a, i1 = ph->dim[1]->tap_first + b,
                      i2 = ph->dim[2]->tap_first + c;
        off[t] = plan->tap_off[0][i0] + plan->tap_off[1][i1] + plan->tap_off[2][i2];
        kernel_index[t] =
            (plan->tap_k[0][i0] * pr->k[1] + plan->tap_k[1][i1]) * pr->k[2] + plan->tap_k[2][i2];
      }
}

int64_t tconv_cpu_weight_offset(const cpu_plan *plan, int64_t g, int64_t co_local,
                                int64_t ci_local) {
  const int64_t row = plan->pr->op == TCONV_OP_TRANSPOSE
                          ? (g * plan->cin_g + ci_local) * plan->cout_g + co_local
                          : (g * plan->cout_g + co_local) * plan->cin_g + ci_local;
  return row * plan->pr->k_spatial;
}
