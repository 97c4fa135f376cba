/*
 * algo_igemm.c - the implicit-GEMM algorithm's host side (cuda/igemm_args.h): which
 * problems it takes, how each is launched (tile configuration, gather, offset width, K
 * split), the kernel arguments with every output phase prepared, and the launch plan.
 *
 * Limits, from the launch: blockIdx.z is the output phase (at most 65535, and at most
 * TCONV_IGEMM_MAX_RESIDUES residues over the dimensions: the kernel argument holds each
 * dimension's residues), blockIdx.y the group and N tile, blockIdx.x the M tile and split;
 * K = Cin/g x taps is walked in 32-bit positions; a phase of more than TCONV_IGEMM_MAX_TAPS
 * taps does not fit the tap table in shared memory, and the generic gather (more than
 * TCONV_IGEMM_MASK_TAPS taps in a phase) keeps input positions and offsets in 32 bits.
 */
#include "algos.h"

#include "igemm_args.h"
#include "igemm_figures.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GRID_YZ_MAX 65535
#define GRID_X_MAX 2147483647

_Static_assert(TCONV_IGEMM_WORK_RUNS == TCONV_PLAN_RUNS, "the plan holds the work's runs");

/* The configurations, as igemm.cuh instantiates them. */
static const tconv_igemm_config configs[TCONV_IGEMM_CONFIG_COUNT] = {
#define IGEMM_CONFIG_ROW(id, bm, bn, bk, tm, tn, threads) {bm, bn, bk, tm, tn, threads},
    TCONV_IGEMM_CONFIGS(IGEMM_CONFIG_ROW)
#undef IGEMM_CONFIG_ROW
};

/* The figures each configuration's kernel has, with the mask gather and with the strip gather
 * (igemm_figures.h, which `make kernel-report` writes from the kernels' SASS): the share of
 * the FP32 issue rate its main loop keeps busy and the blocks an SM holds at once (registers
 * and shared memory; at least the TCONV_IGEMM_WARPS_PER_SM warps every configuration is built
 * for). The choice weighs a configuration's fit to Cout/g and its waves with them. */
#define FIGURES_OF(table) (sizeof(table) / sizeof *(table))
_Static_assert(FIGURES_OF(tconv_igemm_mask_figures) == TCONV_IGEMM_CONFIG_COUNT &&
                   FIGURES_OF(tconv_igemm_strip_figures) == TCONV_IGEMM_CONFIG_COUNT,
               "igemm_figures.h has a row per configuration: run make kernel-report");

tconv_igemm_config tconv_igemm_config_of(int id) { return configs[id]; }

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* ---- the phases ------------------------------------------------------------------------- */

/* One dimension's residue r (transposed): its first tap, tap count and t_base. */
static tconv_igemm_residue residue_of(const tconv_dim *m, int64_t r) {
  tconv_igemm_residue res = {0, 0, 0};
  const int64_t u = r + m->pad;
  if (u % m->gcd != 0)
    return res;
  /* j*d = u (mod s)  <=>  j*d' = u/g (mod s'): j = (u/g) * inv(d') mod s'. */
  const int64_t j0 = tconv_mulmod((u / m->gcd) % m->step, m->inv, m->step);
  if (j0 >= m->k)
    return res;
  res.j_first = (int32_t)j0;
  res.taps = (int32_t)((m->k - j0 + m->step - 1) / m->step);
  res.t_base = (u - j0 * m->dilation) / m->stride; /* exact */
  return res;
}

/* The most taps of any phase (the product of each dimension's largest residue). */
static int64_t max_phase_taps(const tconv_geom *g) {
  int64_t taps = 1;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const tconv_dim *m = &g->dim[d];
    int64_t most = m->k;
    if (g->transposed) {
      most = 0;
      for (int64_t r = 0; r < m->stride; ++r) {
        const tconv_igemm_residue res = residue_of(m, r);
        most = res.taps > most ? res.taps : most;
      }
    }
    taps *= most;
  }
  return taps;
}

int tconv_igemm_needs_generic(const tconv_problem *p) {
  const tconv_geom g = tconv_geom_make(p);
  return max_phase_taps(&g) > TCONV_IGEMM_MASK_TAPS;
}

/* The kernel forms x offsets as a row's (image, group, input position at tap 0) plus a
 * tap's (channel, displacement), w offsets as a column's plus a tap's, each part signed and
 * some parts outside the tensor (rows in the padding, positions past the last channel). 32
 * bits hold them when the tensor plus every position's reach stays below 2^31; y offsets
 * are 64-bit in any case. */
int tconv_igemm_needs_wide(const tconv_problem *p) {
  const int64_t cin_g = p->cin / p->groups, chunk = 16; /* the largest BK */
  int64_t bound = p->x_count, s = 1, r;
  for (int d = p->spatial_rank - 1; d >= 0; --d) {
    const int64_t reach =
        p->pad_begin[d] + p->out[d] * p->stride[d] + p->k[d] * p->dilation[d] + p->in[d];
    if (tconv_mul_i64(reach, s, &r) || tconv_add_i64(bound, 2 * r, &bound))
      return 1;
    s *= p->in[d];
  }
  if (tconv_mul_i64(cin_g + chunk, p->in_spatial, &r) || tconv_add_i64(bound, r, &bound) ||
      bound > INT32_MAX)
    return 1;
  /* w_cin is k_spatial (convolution) or Cout/g * k_spatial (transposed) */
  const int64_t w_cin = p->op == TCONV_OP_CONV ? p->k_spatial : p->cout / p->groups * p->k_spatial;
  return tconv_mul_i64(chunk, w_cin, &r) || tconv_add_i64(p->w_count, r, &r) || r > INT32_MAX;
}

/* Whether every input position the generic gather forms fits in int32 with room to spare. */
static int positions_fit(const tconv_problem *p) {
  for (int d = 0; d < p->spatial_rank; ++d) {
    const int64_t reach =
        p->pad_begin[d] + p->out[d] * p->stride[d] + p->k[d] * p->dilation[d] + p->in[d];
    if (p->pad_begin[d] >= TCONV_IGEMM_POSITION_LIMIT ||
        p->out[d] >= TCONV_IGEMM_POSITION_LIMIT / p->stride[d] ||
        p->k[d] >= TCONV_IGEMM_POSITION_LIMIT / p->dilation[d] ||
        reach >= TCONV_IGEMM_POSITION_LIMIT)
      return 0;
  }
  return 1;
}

int tconv_igemm_strips_fit(const tconv_igemm_args *a) {
  int64_t taps = 1; /* the most of any phase */
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    int32_t most = 0;
    for (int32_t r = 0; r < a->residues[d]; ++r)
      most = a->res[a->res_first[d] + r].taps > most ? a->res[a->res_first[d] + r].taps : most;
    taps *= most;
  }
  const int d = TCONV_GEOM_DIMS - 1;
  const int both = a->q_split[d] < a->residues[d]; /* residues with q_count[d][1] exist */
  return taps <= TCONV_IGEMM_STRIP_TAPS && a->t_qstep[d] * a->g.x_s[d] == 1 &&
         a->q_count[d][0] % TCONV_IGEMM_STRIP_ROWS == 0 &&
         (!both || a->q_count[d][1] % TCONV_IGEMM_STRIP_ROWS == 0);
}

void tconv_igemm_args_make(const tconv_problem *p, const tconv_igemm_choice *choice,
                           tconv_igemm_args *a) {
  memset(a, 0, sizeof *a);
  a->g = tconv_geom_make(p);
  a->choice = *choice;
  const tconv_igemm_config c = configs[choice->config];
  int32_t next = 0;
  int64_t rows = p->n;
  a->phases = 1;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    const tconv_dim *m = &a->g.dim[d];
    a->res_first[d] = next;
    if (a->g.transposed) {
      a->residues[d] = (int32_t)m->stride;
      for (int64_t r = 0; r < m->stride; ++r)
        a->res[next++] = residue_of(m, r);
      a->t_qstep[d] = 1;
      a->t_cstep[d] = -m->in_step;
      a->o_step[d] = m->stride;
      a->j_step[d] = m->step;
      const int64_t q = ceil_div(m->out, m->stride); /* residues below q_split get q */
      a->q_count[d][0] = q;
      a->q_count[d][1] = q - 1;
      a->q_split[d] = (int32_t)(m->out - (q - 1) * m->stride);
    } else {
      a->residues[d] = 1;
      a->res[next].t_base = -m->pad;
      a->res[next].taps = (int32_t)m->k;
      a->res[next++].j_first = 0;
      a->t_qstep[d] = m->stride;
      a->t_cstep[d] = m->dilation;
      a->o_step[d] = 1;
      a->j_step[d] = 1;
      a->q_count[d][0] = a->q_count[d][1] = m->out;
      a->q_split[d] = 1;
    }
    for (int i = 0; i < 2; ++i)
      a->q_div[d][i] = tconv_divider_make(a->q_count[d][i] > 0 ? a->q_count[d][i] : 1);
    /* Launch order: most taps first, ties by residue (so the ones with more rows first). */
    for (int32_t i = 0; i < a->residues[d]; ++i) {
      int32_t j = i;
      for (; j > 0; --j) {
        const int32_t prev = a->order[a->res_first[d] + j - 1];
        if (a->res[a->res_first[d] + prev].taps >= a->res[a->res_first[d] + i].taps)
          break;
        a->order[a->res_first[d] + j] = (uint8_t)prev;
      }
      a->order[a->res_first[d] + j] = (uint8_t)i;
    }
    a->phases *= a->residues[d];
    rows *= a->q_count[d][0];
  }
  a->m_tiles = ceil_div(rows, c.bm);
  a->n_tiles = ceil_div(a->g.cout_g, c.bn);
}

tconv_igemm_work tconv_igemm_work_of(const tconv_igemm_args *a) {
  const tconv_igemm_config c = configs[a->choice.config];
  return tconv_igemm_work_tiled(a, c.bm, c.bn, c.bk, a->choice.split);
}

tconv_igemm_work tconv_igemm_work_tiled(const tconv_igemm_args *a, int bm, int bn, int bk,
                                        int64_t split) {
  tconv_igemm_work work;
  memset(&work, 0, sizeof work);
  for (int64_t z = 0; z < a->phases; ++z) { /* launch order (block_info's decoding) */
    int64_t rest = z, rows = a->g.n, taps = 1;
    for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
      const int32_t r = a->order[a->res_first[d] + rest % a->residues[d]];
      rest /= a->residues[d];
      rows *= a->q_count[d][r < a->q_split[d] ? 0 : 1];
      taps *= a->res[a->res_first[d] + r].taps;
    }
    const int64_t tiles = ceil_div(rows, bm) * a->n_tiles * a->g.groups;
    const int64_t chunks = ceil_div(a->g.cin_g * taps, bk);
    const int64_t per_split = ceil_div(chunks, split);
    if (tiles == 0)
      continue;
    work.blocks += tiles * split;
    work.macs += tiles * chunks * bm * bn * bk;
    if (per_split > work.max_chunks)
      work.max_chunks = per_split;
    const int last = work.runs - 1;
    if (work.runs > 0 &&
        (work.run_chunks[last] == per_split || work.runs == TCONV_IGEMM_WORK_RUNS)) {
      work.run_blocks[last] += tiles * split;
      if (per_split > work.run_chunks[last])
        work.run_chunks[last] = per_split;
    } else {
      work.run_blocks[work.runs] = tiles * split;
      work.run_chunks[work.runs++] = per_split;
    }
  }
  return work;
}

/* ---- the choice -------------------------------------------------------------------------- */

/* Blocks of a launch, as the plan's model of the reference GPU runs them: the slots (resident
 * blocks on every SM) take the blocks in launch order, each block the slot that frees first
 * (what the hardware's block scheduler does, roughly). Runs of run_blocks[i] blocks lasting
 * time[i]; returns when the last one ends. The slots are kept as groups of equal finish
 * time, sorted; a run of at least a round of blocks whose length covers the groups' spread
 * is taken in whole rounds. */
#define SCHEDULE_GROUPS 64
#define SCHEDULE_STEPS 20000 /* then the rest is spread evenly (a bound, never reached here) */

static double schedule_makespan(int runs, const int64_t *run_blocks, const double *time,
                                int64_t slots) {
  double t[SCHEDULE_GROUPS + 1];
  int64_t c[SCHEDULE_GROUPS + 1];
  int groups = 1, steps = 0;
  t[0] = 0.0;
  c[0] = slots;
  for (int i = 0; i < runs; ++i) {
    int64_t n = run_blocks[i];
    const double d = time[i];
    while (n > 0) {
      if (n >= slots && t[groups - 1] - t[0] <= d) {
        const int64_t rounds = n / slots;
        for (int g = 0; g < groups; ++g)
          t[g] += (double)rounds * d;
        n -= rounds * slots;
        continue;
      }
      if (++steps > SCHEDULE_STEPS) {
        double busy = 0.0;
        for (int g = 0; g < groups; ++g)
          busy += t[g] * (double)c[g];
        const double even = (busy + (double)n * d) / (double)slots;
        return even > t[groups - 1] ? even : t[groups - 1];
      }
      /* the earliest group takes what it can; those slots end at t[0] + d */
      const int64_t m = n < c[0] ? n : c[0];
      const double end = t[0] + d;
      n -= m;
      c[0] -= m;
      if (c[0] == 0) {
        memmove(t, t + 1, (size_t)(groups - 1) * sizeof t[0]);
        memmove(c, c + 1, (size_t)(groups - 1) * sizeof c[0]);
        --groups;
      }
      int at = 0;
      while (at < groups && t[at] < end)
        ++at;
      if (at < groups && t[at] == end) {
        c[at] += m;
        continue;
      }
      memmove(t + at + 1, t + at, (size_t)(groups - at) * sizeof t[0]);
      memmove(c + at + 1, c + at, (size_t)(groups - at) * sizeof c[0]);
      t[at] = end;
      c[at] = m;
      if (++groups > SCHEDULE_GROUPS) { /* merge the closest neighbours, at the later time */
        int g = 0;
        for (int h = 1; h + 1 < groups; ++h)
          if (t[h + 1] - t[h] < t[g + 1] - t[g])
            g = h;
        c[g + 1] += c[g];
        memmove(t + g, t + g + 1, (size_t)(groups - g - 1) * sizeof t[0]);
        memmove(c + g, c + g + 1, (size_t)(groups - g - 1) * sizeof c[0]);
        --groups;
      }
    }
  }
  return t[groups - 1];
}

/* The cost model of the choice, in FFMA issue slots of one SM: the makespan of the blocks
 * on the reference GPU's slots (the kernel's resident blocks on every SM), a block lasting its K
 * chunks plus an epilogue of two chunks' worth (a split adds the exchange through distributed
 * shared memory, half a chunk per block), a chunk of a slot costing its multiply-adds over the
 * configuration's FFMA share, times the blocks an SM holds at once (they share its issue). */
static double launch_cost(const tconv_igemm_config *c, const tconv_igemm_figures *k,
                          const tconv_igemm_work *work, int split) {
  double time[TCONV_IGEMM_WORK_RUNS];
  const double epilogue = split == 1 ? 2.0 : 2.0 + split / 2.0;
  for (int i = 0; i < work->runs; ++i)
    time[i] = (double)work->run_chunks[i] + epilogue;
  const double chunk = (double)k->resident * c->bm * c->bn * c->bk / k->ffma_share;
  return schedule_makespan(work->runs, work->run_blocks, time,
                           (int64_t)TCONV_IGEMM_PLAN_SMS * k->resident) *
         chunk;
}

/* A launch that leaves SMs idle from the start (fewer blocks than one round of resident
 * blocks) is taken only when every launch that fills them costs more than this much more in
 * the model: the model has no term for what a fuller GPU hides (latency, uneven blocks). */
#define PARTIAL_WAVE_SLACK 0.25

tconv_igemm_choice tconv_igemm_choose(const tconv_problem *p) {
  const tconv_igemm_choice base = {
      0, tconv_igemm_needs_generic(p) ? TCONV_IGEMM_GENERIC : TCONV_IGEMM_MASK,
      tconv_igemm_needs_wide(p), 1};
  tconv_igemm_choice best = base, full = base;
  double best_cost = -1.0, full_cost = -1.0;
  for (int id = 0; id < TCONV_IGEMM_CONFIG_COUNT; ++id) {
    if (!tconv_igemm_available(id, base.gather, base.wide))
      continue;
    tconv_igemm_choice choice = base;
    choice.config = id;
    tconv_igemm_args a;
    tconv_igemm_args_make(p, &choice, &a);
    const tconv_igemm_figures *k = &tconv_igemm_mask_figures[id];
    if (choice.gather == TCONV_IGEMM_MASK && tconv_igemm_available(id, TCONV_IGEMM_STRIP, 0) &&
        !choice.wide && tconv_igemm_strips_fit(&a)) {
      choice.gather = TCONV_IGEMM_STRIP;
      k = &tconv_igemm_strip_figures[id];
    }
    const tconv_igemm_work one = tconv_igemm_work_of(&a); /* split 1; runs hold for any */
    const int64_t slots = (int64_t)TCONV_IGEMM_PLAN_SMS * k->resident;
    for (int split = 1; split <= TCONV_IGEMM_MAX_SPLIT; ++split) {
      tconv_igemm_work w = one;
      for (int i = 0; i < w.runs; ++i) {
        w.run_blocks[i] *= split;
        w.run_chunks[i] = ceil_div(w.run_chunks[i], split);
      }
      const double cost = launch_cost(&configs[id], k, &w, split);
      choice.split = split;
      if (best_cost < 0.0 || cost < best_cost) { /* ties keep the wider tile, the smaller split */
        best_cost = cost;
        best = choice;
      }
      if (one.blocks * split >= slots && (full_cost < 0.0 || cost < full_cost)) {
        full_cost = cost;
        full = choice;
      }
    }
  }
  return full_cost >= 0.0 && full_cost <= best_cost * (1.0 + PARTIAL_WAVE_SLACK) ? full : best;
}

const char *tconv_igemm_kernel_name(const tconv_igemm_choice *c) {
  static const char *const names[TCONV_IGEMM_CONFIG_COUNT][TCONV_IGEMM_GATHERS][2] = {
#define IGEMM_NAME_ROW(id, bm, bn, bk, tm, tn, threads)                                            \
  {{"igemm_" #bm "x" #bn "_mask_i32", "igemm_" #bm "x" #bn "_mask_i64"},                           \
   {"igemm_" #bm "x" #bn "_generic_i32", "igemm_" #bm "x" #bn "_generic_i64"},                     \
   {"igemm_" #bm "x" #bn "_strip_i32", "igemm_" #bm "x" #bn "_strip_i64"}},
      TCONV_IGEMM_CONFIGS(IGEMM_NAME_ROW)
#undef IGEMM_NAME_ROW
  };
  return names[c->config][c->gather][c->wide];
}

/* ---- supports and the plan --------------------------------------------------------------- */

int tconv_igemm_supports(const tconv_problem *p, char *why, size_t why_size) {
  if (!tconv_fp32_nchw_only(p, why, why_size))
    return 0;
  if (!tconv_igemm_phases_fit(p, why, why_size))
    return 0;
  int64_t k_total = p->cin / p->groups;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d)
    if (tconv_mul_i64(k_total, p->k[d], &k_total)) {
      snprintf(why, why_size, "the GEMM dimensions overflow 64 bits");
      return 0;
    }
  if (k_total > INT32_MAX - 1024) {
    snprintf(why, why_size, "the reduction (Cin/g x kernel = %lld) exceeds 2^31 - 1024",
             (long long)k_total);
    return 0;
  }
  const tconv_geom g = tconv_geom_make(p);
  const int64_t taps = max_phase_taps(&g);
  if (taps > TCONV_IGEMM_MAX_TAPS) {
    snprintf(why, why_size, "%lld kernel taps in one output phase exceed %d; use direct or gemm",
             (long long)taps, TCONV_IGEMM_MAX_TAPS);
    return 0;
  }
  if (taps > TCONV_IGEMM_MASK_TAPS && (!positions_fit(p) || tconv_igemm_needs_wide(p))) {
    snprintf(why, why_size,
             "more than %d taps per output phase with %s are not supported; use direct",
             TCONV_IGEMM_MASK_TAPS,
             positions_fit(p) ? "tensors that need 64-bit offsets" : "input positions beyond 2^30");
    return 0;
  }
  int64_t rows = p->n;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d) {
    const int64_t s = p->op == TCONV_OP_TRANSPOSE ? p->stride[d] : 1;
    rows *= (p->out[d] + s - 1) / s; /* <= y_count */
  }
  return tconv_igemm_grid_fits(p, rows, ceil_div(rows, 128) * TCONV_IGEMM_MAX_SPLIT, 16, why,
                               why_size);
}

int tconv_igemm_phases_fit(const tconv_problem *p, char *why, size_t why_size) {
  if (p->padding_mode != TCONV_PADDING_ZEROS) {
    snprintf(why, why_size, "padding mode %s is not supported (zeros only); use direct",
             tconv_padding_mode_name(p->padding_mode));
    return 0;
  }
  int64_t phases = 1, residues = 0;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d) {
    const int64_t s = p->op == TCONV_OP_TRANSPOSE ? p->stride[d] : 1;
    if (s > TCONV_IGEMM_MAX_RESIDUES || s > GRID_YZ_MAX / phases ||
        residues + s > TCONV_IGEMM_MAX_RESIDUES) {
      snprintf(why, why_size,
               "the output phases (the product of the strides, %d at most, and their sum, %d "
               "at most) are too many; use direct",
               GRID_YZ_MAX, TCONV_IGEMM_MAX_RESIDUES);
      return 0;
    }
    phases *= s;
    residues += s;
  }
  return 1;
}

int tconv_igemm_grid_fits(const tconv_problem *p, int64_t rows, int64_t x_blocks, int bn, char *why,
                          size_t why_size) {
  if (x_blocks > GRID_X_MAX) {
    snprintf(why, why_size, "%lld output positions per phase exceed the grid (%lld tiles)",
             (long long)rows, (long long)GRID_X_MAX);
    return 0;
  }
  const int64_t cout_g = p->cout / p->groups;
  if (p->groups * ceil_div(cout_g, bn) > GRID_YZ_MAX) {
    snprintf(why, why_size, "%lld groups of %lld output channels exceed the grid's %d tiles",
             (long long)p->groups, (long long)cout_g, GRID_YZ_MAX);
    return 0;
  }
  return 1;
}

tconv_status tconv_igemm_plan(const tconv_problem *p, tconv_launch_plan *plan) {
  const tconv_igemm_choice choice = tconv_igemm_choose(p);
  tconv_igemm_args a;
  tconv_igemm_args_make(p, &choice, &a);
  const tconv_igemm_work work = tconv_igemm_work_of(&a);
  const tconv_igemm_config c = configs[choice.config];
  plan->kernel = tconv_igemm_kernel_name(&choice);
  plan->threads = c.threads;
  plan->grid[0] = a.m_tiles * choice.split;
  plan->grid[1] = a.g.groups * a.n_tiles;
  plan->grid[2] = a.phases;
  plan->main_loop_trips = work.max_chunks;
  plan->macs_computed = work.macs;
  plan->bm = c.bm;
  plan->bn = c.bn;
  plan->bk = c.bk;
  plan->split_k = choice.split;
  plan->grid_stride = 0;
  plan->cluster = choice.split;
  plan->active_blocks = work.blocks;
  plan->runs = work.runs;
  for (int i = 0; i < work.runs; ++i) {
    plan->run_blocks[i] = work.run_blocks[i];
    plan->run_trips[i] = work.run_chunks[i];
  }
  return TCONV_STATUS_OK;
}
