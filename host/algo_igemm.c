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

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GRID_YZ_MAX 65535
#define GRID_X_MAX 2147483647

static const char *const mode_names[] = {"zeros", "reflect", "replicate", "circular"};

/* The configurations, as igemm.cuh instantiates them. */
static const tconv_igemm_config configs[TCONV_IGEMM_CONFIG_COUNT] = {
#define IGEMM_CONFIG_ROW(id, bm, bn, bk, tm, tn, threads) {bm, bn, bk, tm, tn, threads},
    TCONV_IGEMM_CONFIGS(IGEMM_CONFIG_ROW)
#undef IGEMM_CONFIG_ROW
};

/* The share of the FP32 issue rate each configuration's main loop keeps busy, as read from
 * its SASS (FFMA / all instructions of the K loop, rounded down): the choice weighs a
 * configuration's fit to Cout/g with it. */
static const double config_efficiency[TCONV_IGEMM_CONFIG_COUNT] = {0.84, 0.81, 0.76, 0.64};

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

void tconv_igemm_args_make(const tconv_problem *p, const tconv_igemm_choice *choice,
                           tconv_igemm_args *a) {
  memset(a, 0, sizeof *a);
  a->g = tconv_geom_make(p);
  a->choice = *choice;
  while ((1 << a->split_shift) < choice->split)
    ++a->split_shift;
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
  tconv_igemm_work work = {0, 0, 0};
  for (int64_t phase = 0; phase < a->phases; ++phase) {
    int64_t rest = phase, rows = a->g.n, taps = 1;
    for (int d = TCONV_GEOM_DIMS - 1; d >= 0; --d) {
      const int32_t r = (int32_t)(rest % a->residues[d]);
      rest /= a->residues[d];
      rows *= a->q_count[d][r < a->q_split[d] ? 0 : 1];
      taps *= a->res[a->res_first[d] + r].taps;
    }
    const int64_t tiles = ceil_div(rows, bm) * a->n_tiles * a->g.groups;
    const int64_t chunks = ceil_div(a->g.cin_g * taps, bk);
    const int64_t per_split = ceil_div(chunks, split);
    work.blocks += tiles * split;
    work.macs += tiles * chunks * bm * bn * bk;
    if (tiles > 0 && per_split > work.max_chunks)
      work.max_chunks = per_split;
  }
  return work;
}

/* ---- the choice -------------------------------------------------------------------------- */

/* Time of a launch in the plan's model, in units of one chunk of one resident set of blocks:
 * the waves of the reference GPU it takes (resident blocks per SM at the configurations'
 * occupancy) times the chunks of the busiest block plus its epilogue (two chunks' worth; a
 * split adds the exchange through distributed shared memory). */
static double launch_cost(const tconv_problem *p, const tconv_igemm_choice *choice) {
  tconv_igemm_args a;
  tconv_igemm_args_make(p, choice, &a);
  const tconv_igemm_work work = tconv_igemm_work_of(&a);
  const tconv_igemm_config c = configs[choice->config];
  const int64_t per_sm = TCONV_IGEMM_WARPS_PER_SM * 32 / c.threads;
  const int64_t wave = (int64_t)TCONV_IGEMM_PLAN_SMS * per_sm;
  const double epilogue = choice->split == 1 ? 2.0 : 2.0 + choice->split / 2.0;
  return (double)ceil_div(work.blocks, wave) * ((double)work.max_chunks + epilogue);
}

tconv_igemm_choice tconv_igemm_choose(const tconv_problem *p) {
  tconv_igemm_choice best = {0, TCONV_IGEMM_MASK, tconv_igemm_needs_wide(p), 1};
  const int64_t n = p->cout / p->groups;
  if (tconv_igemm_needs_generic(p))
    best.gather = TCONV_IGEMM_GENERIC;
  double score = -1.0;
  for (int id = 0; id < TCONV_IGEMM_CONFIG_COUNT; ++id) {
    const double s =
        (double)n / (double)(ceil_div(n, configs[id].bn) * configs[id].bn) * config_efficiency[id];
    if (tconv_igemm_available(id, best.gather, best.wide) && s > score) {
      score = s; /* ties keep the wider tile */
      best.config = id;
    }
  }
  double cost = launch_cost(p, &best);
  for (int split = 2; split <= TCONV_IGEMM_MAX_SPLIT; split *= 2) {
    tconv_igemm_choice c = best;
    c.split = split;
    const double t = launch_cost(p, &c);
    if (t < cost) {
      cost = t;
      best.split = split;
    }
  }
  return best;
}

const char *tconv_igemm_kernel_name(const tconv_igemm_choice *c) {
  static const char *const names[TCONV_IGEMM_CONFIG_COUNT][2][2] = {
#define IGEMM_NAME_ROW(id, bm, bn, bk, tm, tn, threads)                                            \
  {{"igemm_" #bm "x" #bn "_mask_i32", "igemm_" #bm "x" #bn "_mask_i64"},                           \
   {"igemm_" #bm "x" #bn "_generic_i32", "igemm_" #bm "x" #bn "_generic_i64"}},
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
             mode_names[p->padding_mode]);
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

int tconv_igemm_grid_fits(const tconv_problem *p, int64_t rows, int64_t x_blocks, int bn,
                          char *why, size_t why_size) {
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
  return TCONV_STATUS_OK;
}
