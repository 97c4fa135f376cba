/*
 * algo_igemm_tc.c - the tensor-core implicit GEMM's host side (cuda/igemm_tc_args.h): which
 * problems it takes, how each is launched (tile configuration, element type, loader), the
 * kernel arguments and the launch plan. Float32 STRICT problems are the FFMA implicit GEMM's
 * (host/algo_igemm.c); AUTO sends float16, bfloat16 and TF32 ones here (host/dispatch.c).
 *
 * Limits, from the launch: as the FFMA kernel's (blockIdx.z the output phase, at most 65535,
 * and at most TCONV_IGEMM_MAX_RESIDUES residues over the dimensions; blockIdx.y the group and
 * N tile; K = Cin/g x taps walked in 32-bit positions), and at most TCONV_TC_MAX_TAPS taps in
 * one output phase (the per-row tap masks are 64-bit). Every layout, channel count and
 * alignment is taken: what the 16-byte loaders cannot take goes through the element loader.
 */
#include "algos.h"

#include "igemm_tc_args.h"
#include "launch.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The configurations, as igemm_tc.cu instantiates them. */
static const tconv_tc_config configs[TCONV_TC_CONFIG_COUNT] = {
#define TC_CONFIG_ROW(id, bm, bn, wm, wn) {bm, bn, wm, wn, (bm / wm) * (bn / wn) * 32},
    TCONV_TC_CONFIGS(TC_CONFIG_ROW)
#undef TC_CONFIG_ROW
};

/* What the choice weighs per configuration: resident blocks per SM (the kernels' launch
 * bounds, which their registers and shared memory meet: bench/MODEL.md) and the share of
 * the tensor-core rate its warps' fragment loads leave (smaller warp tiles load more
 * fragments per mma). */
static const int config_resident[TCONV_TC_CONFIG_COUNT] = {2, 3, 4};
static const double config_efficiency[TCONV_TC_CONFIG_COUNT] = {1.0, 0.9, 0.75};
#define WARPS_TO_FILL_SM 8 /* resident warps an SM needs to keep its tensor cores busy */

tconv_tc_config tconv_tc_config_of(int id) { return configs[id]; }

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

static int element_bytes(int type) { return type == TCONV_TC_TF32 ? 4 : 2; }

int tconv_tc_type_of(const tconv_problem *p) {
  if (p->dtype == TCONV_DTYPE_FLOAT16)
    return TCONV_TC_F16;
  return p->dtype == TCONV_DTYPE_BFLOAT16 ? TCONV_TC_BF16 : TCONV_TC_TF32;
}

int tconv_tc_path_of(const tconv_problem *p, int aligned) {
  const int64_t vec = 16 / element_bytes(tconv_tc_type_of(p));
  const int64_t cin_g = p->cin / p->groups, cout_g = p->cout / p->groups;
  const int transposed = p->op == TCONV_OP_TRANSPOSE;
  if (!aligned || p->x_layout != TCONV_LAYOUT_NHWC || p->w_layout != TCONV_LAYOUT_NHWC ||
      cin_g % vec != 0 || (transposed && cout_g % vec != 0))
    return TCONV_TC_ELEM;
  return transposed ? TCONV_TC_NVEC : TCONV_TC_KVEC;
}

int tconv_tc_resident(int config) { return config_resident[config]; }

int tconv_tc_smem_bytes(int config) {
  const tconv_tc_config c = configs[config];
  return TCONV_TC_STAGES * (c.bm + c.bn) * TCONV_TC_ROW_BYTES + TCONV_TC_MAX_TAPS * 16;
}

void tconv_tc_args_make(const tconv_problem *p, const tconv_tc_choice *choice, tconv_tc_args *a) {
  /* The FFMA kernel's phase tables and geometry (with each tensor's layout), then this
   * kernel's tiles. */
  const tconv_igemm_choice phases_only = {0, TCONV_IGEMM_MASK, 0, 1};
  memset(a, 0, sizeof *a);
  tconv_igemm_args_make(p, &phases_only, &a->base);
  const tconv_tc_config c = configs[choice->config];
  int64_t rows = p->n;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d)
    rows *= a->base.q_count[d][0]; /* the largest phase */
  a->base.m_tiles = ceil_div(rows, c.bm);
  a->base.n_tiles = ceil_div(a->base.g.cout_g, c.bn);
  a->choice = *choice;
}

tconv_igemm_work tconv_tc_work_of(const tconv_tc_args *a) {
  const tconv_tc_config c = configs[a->choice.config];
  return tconv_igemm_work_tiled(&a->base, c.bm, c.bn,
                                TCONV_TC_ROW_BYTES / element_bytes(a->choice.type), 1);
}

/* Time of a launch in the choice's model, in units of one chunk of a 128 x 128 tile at full
 * rate: the blocks each SM of the reference GPU runs times the busiest block's chunks, at the
 * configuration's efficiency, and slower when too few warps share an SM. */
static double launch_cost(const tconv_problem *p, const tconv_tc_choice *choice) {
  tconv_tc_args a;
  tconv_tc_args_make(p, choice, &a);
  const tconv_igemm_work work = tconv_tc_work_of(&a);
  const tconv_tc_config c = configs[choice->config];
  const int64_t per_sm = ceil_div(work.blocks, TCONV_IGEMM_PLAN_SMS);
  const int64_t together =
      per_sm < config_resident[choice->config] ? per_sm : config_resident[choice->config];
  double fill = (double)(together * c.threads / 32) / WARPS_TO_FILL_SM;
  fill = fill < 1.0 ? fill : 1.0;
  const double tile = (double)(c.bm * c.bn) / (128.0 * 128.0);
  return (double)per_sm * ((double)work.max_chunks + 2.0) * tile /
         (config_efficiency[choice->config] * fill);
}

tconv_tc_choice tconv_tc_choose(const tconv_problem *p, int aligned) {
  tconv_tc_choice best = {0, tconv_tc_type_of(p), tconv_tc_path_of(p, aligned)};
  double cost = launch_cost(p, &best);
  for (int id = 1; id < TCONV_TC_CONFIG_COUNT; ++id) {
    tconv_tc_choice c = best;
    c.config = id;
    const double t = launch_cost(p, &c);
    if (t < cost) { /* ties keep the wider tile */
      cost = t;
      best.config = id;
    }
  }
  return best;
}

const char *tconv_tc_kernel_name(const tconv_tc_choice *c) {
  static const char *const names[TCONV_TC_TYPES][TCONV_TC_CONFIG_COUNT][TCONV_TC_PATHS] = {
#define TC_NAMES(t)                                                                                \
  {{"igemm_tc_" t "_128x128_kvec", "igemm_tc_" t "_128x128_nvec", "igemm_tc_" t "_128x128_elem"},  \
   {"igemm_tc_" t "_128x64_kvec", "igemm_tc_" t "_128x64_nvec", "igemm_tc_" t "_128x64_elem"},     \
   {"igemm_tc_" t "_64x64_kvec", "igemm_tc_" t "_64x64_nvec", "igemm_tc_" t "_64x64_elem"}},
      TC_NAMES("f16") TC_NAMES("bf16") TC_NAMES("tf32")
#undef TC_NAMES
  };
  return names[c->type][c->config][c->path];
}

/* ---- supports and the plan --------------------------------------------------------------- */

int tconv_igemm_tc_supports(const tconv_problem *p, char *why, size_t why_size) {
  if (p->dtype == TCONV_DTYPE_FLOAT32 && p->math != TCONV_MATH_TF32) {
    snprintf(why, why_size,
             "math %s: float32 tensors take the tensor cores under math tf32 only; use igemm",
             tconv_math_name(p->math));
    return 0;
  }
  if (!tconv_igemm_phases_fit(p, why, why_size))
    return 0;
  int64_t k_total = p->cin / p->groups;
  /* The phases' tap counts, from the FFMA kernel's phase tables. */
  const tconv_igemm_choice phases_only = {0, TCONV_IGEMM_MASK, 0, 1};
  tconv_igemm_args a;
  tconv_igemm_args_make(p, &phases_only, &a);
  int64_t taps = 1;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d) {
    int64_t most = 0;
    for (int32_t r = 0; r < a.residues[d]; ++r)
      most = a.res[a.res_first[d] + r].taps > most ? a.res[a.res_first[d] + r].taps : most;
    taps *= most;
  }
  if (taps > TCONV_TC_MAX_TAPS) {
    snprintf(why, why_size,
             "%lld kernel taps in one output phase exceed the tensor-core kernel's %d; use direct",
             (long long)taps, TCONV_TC_MAX_TAPS);
    return 0;
  }
  if (tconv_mul_i64(k_total, taps, &k_total) || k_total > INT32_MAX - 1024) {
    snprintf(why, why_size, "the reduction (Cin/g x taps = %lld) exceeds 2^31 - 1024",
             (long long)k_total);
    return 0;
  }
  int64_t rows = p->n;
  for (int d = 0; d < TCONV_GEOM_DIMS; ++d)
    rows *= a.q_count[d][0];
  return tconv_igemm_grid_fits(p, rows, ceil_div(rows, 64), 64, why, why_size);
}

tconv_status tconv_igemm_tc_plan(const tconv_problem *p, tconv_launch_plan *plan) {
  const tconv_tc_choice choice = tconv_tc_choose(p, 1); /* allocations are aligned */
  tconv_tc_args a;
  tconv_tc_args_make(p, &choice, &a);
  const tconv_igemm_work work = tconv_tc_work_of(&a);
  const tconv_tc_config c = configs[choice.config];
  plan->kernel = tconv_tc_kernel_name(&choice);
  plan->threads = c.threads;
  plan->grid[0] = a.base.m_tiles;
  plan->grid[1] = a.base.g.groups * a.base.n_tiles;
  plan->grid[2] = a.base.phases;
  plan->main_loop_trips = work.max_chunks;
  plan->macs_computed = work.macs;
  plan->bm = c.bm;
  plan->bn = c.bn;
  plan->bk = TCONV_TC_ROW_BYTES / element_bytes(choice.type);
  plan->split_k = 1;
  plan->grid_stride = 0;
  plan->cluster = 1;
  plan->active_blocks = work.blocks;
  plan->smem_bytes = tconv_tc_smem_bytes(choice.config);
  plan->tensor_cores = 1;
  return TCONV_STATUS_OK;
}
