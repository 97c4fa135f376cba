/*
 * plan.c - how the CUDA algorithms launch a problem (tconv_launch_plan_of) and which one
 * AUTO's heuristic picks (tconv_auto_algo): plain C, no device, for the kernel report's model
 * (bench/plans.c) and the tests.
 *
 * The implicit GEMM's tile choice, grid and per-phase GEMM sizes mirror cuda/igemm.cuh, which
 * is C++ (tests/test_algos.c holds them against igemm::choose_config, grid_of and make_args
 * through the host emulation); the other algorithms count their taps with the kernels' own C
 * headers. Grids that the launchers size from the device's SM count are sized here for the
 * 132 SMs of an H100 or H200.
 *
 * A trip of the main loop is one BK chunk of K for the implicit GEMM (BM x BN x BK
 * multiply-adds per block); one tap of one output per thread for the per-output kernels
 * (direct, depthwise); one element per thread for the gemm algorithm's gather kernel, whose
 * multiply-adds are cuBLAS's.
 */
#include "algos.h"

#include "depthwise.cuh"

#include <string.h>

#define PLAN_SMS 132 /* H100 SXM and H200 */
#define PLAN_SM_THREADS 2048
#define PLAN_SM_BLOCKS 32
#define PLAN_BLOCK 256 /* the element-wise kernels' block: direct.cu, gemm.cu, depthwise.cu */
#define PLAN_BLOCKS_PER_SM 16 /* direct.cu's and gemm.cu's grid cap per SM */

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* a * b, INT64_MAX when it overflows (counts of absurd problems stay ordered). */
static int64_t mul_sat(int64_t a, int64_t b) {
  int64_t r;
  return tconv_mul_i64(a, b, &r) ? INT64_MAX : r;
}

/* ---- per-output kernels ---------------------------------------------------------------- */

/* The taps the per-output kernels visit along one dimension: summed over its output
 * positions, and the most one position visits. Zero padding visits contributing taps only;
 * a convolution's padding mode visits every tap; the circular transposed convolution meets
 * every (input, tap) pair once, spread over the outputs (its most is that mean). */
typedef struct dim_taps {
  int64_t total, most;
} dim_taps;

static dim_taps taps_along(const tconv_problem *p, int d) {
  dim_taps r = {0, 0};
  const int64_t k = p->k[d], out = p->out[d], s = p->stride[d], dl = p->dilation[d];
  if (p->padding_mode != TCONV_PADDING_ZEROS) {
    r.total = mul_sat(p->op == TCONV_OP_CONV ? out : p->in[d], k);
    r.most = p->op == TCONV_OP_CONV ? k : ceil_div(r.total, out);
    return r;
  }
  const tconv_tap_plan plan = tconv_tap_plan_make(s, dl);
  for (int64_t o = 0; o < out; ++o) {
    const tconv_taps t = p->op == TCONV_OP_CONV
                             ? tconv_conv_taps(o, p->in[d], k, s, dl, p->pad_begin[d])
                             : tconv_transpose_taps(o, p->in[d], k, s, dl, p->pad_begin[d], plan);
    r.total += t.count;
    if (t.count > r.most)
      r.most = t.count;
  }
  return r;
}

/* Blocks of PLAN_BLOCK threads, one output (or element) per thread, capped at per_sm blocks
 * per SM; `taps` per output at most; the multiply-adds of all outputs' taps. */
static void plan_per_output(const tconv_problem *p, tconv_launch_plan *plan, int64_t items,
                            int per_sm, int threads) {
  int64_t total = mul_sat(mul_sat(p->n, p->cout), p->cin / p->groups), most = p->cin / p->groups;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d) {
    const dim_taps t = taps_along(p, d);
    total = mul_sat(total, t.total);
    most = mul_sat(most, t.most);
  }
  plan->threads = threads;
  plan->grid[0] = min64(ceil_div(items, threads), (int64_t)PLAN_SMS * per_sm);
  plan->grid[1] = plan->grid[2] = 1;
  plan->macs_computed = total;
  if (plan->grid[0] > 0)
    plan->main_loop_trips = mul_sat(ceil_div(items, plan->grid[0] * threads), most);
}

static void plan_direct(const tconv_problem *p, tconv_launch_plan *plan) {
  const int zeros = p->padding_mode == TCONV_PADDING_ZEROS;
  if (p->op == TCONV_OP_CONV)
    plan->kernel = zeros ? "direct_conv_v1" : "direct_conv_padded_v1";
  else
    plan->kernel = zeros ? "direct_transpose_v1" : "direct_transpose_circular_v1";
  plan_per_output(p, plan, p->y_count, PLAN_BLOCKS_PER_SM, PLAN_BLOCK);
}

static void plan_depthwise(const tconv_problem *p, tconv_launch_plan *plan) {
  if (!tconv_dw_tiled(p)) {
    plan->kernel = p->op == TCONV_OP_CONV ? "depthwise_generic_v1<0>" : "depthwise_generic_v1<1>";
    plan_per_output(p, plan, p->y_count, PLAN_SM_THREADS / PLAN_BLOCK, PLAN_BLOCK);
    return;
  }
  /* A block per tile, each thread one column of rows_per_thread rows of it. */
  const tconv_dw_args a = tconv_dw_args_make(p);
  const int per_sm = min64(PLAN_SM_THREADS / a.threads, PLAN_SM_BLOCKS);
  plan->kernel = "depthwise_tiled_v1";
  plan_per_output(p, plan, mul_sat(a.tile_count, a.threads), per_sm, a.threads);
  plan->main_loop_trips = mul_sat(plan->main_loop_trips, a.rows_per_thread);
}

static void plan_gemm(const tconv_problem *p, tconv_launch_plan *plan) {
  int64_t images = tconv_gemm_chunk_images(p, tconv_gemm_workspace(p));
  if (images < 1)
    images = 1;
  const int transposed = p->op == TCONV_OP_TRANSPOSE;
  const int64_t per_chunk =
      mul_sat(images, transposed ? mul_sat(p->cout, p->out_spatial) : tconv_gemm_image_columns(p));
  plan->kernel = !transposed                                 ? "gemm_im2col_v1"
                 : p->padding_mode == TCONV_PADDING_CIRCULAR ? "gemm_col2im_v1<1>"
                                                             : "gemm_col2im_v1<0>";
  plan->threads = PLAN_BLOCK;
  plan->grid[0] = min64(ceil_div(per_chunk, PLAN_BLOCK), (int64_t)PLAN_SMS * PLAN_BLOCKS_PER_SM);
  plan->grid[1] = plan->grid[2] = 1;
  /* Every chunk's launch, as if one: the gather's elements per thread. */
  if (plan->grid[0] > 0)
    plan->main_loop_trips =
        mul_sat(ceil_div(per_chunk, plan->grid[0] * PLAN_BLOCK), ceil_div(p->n, images));
  plan->macs_computed = mul_sat(mul_sat(mul_sat(p->n, p->cout), p->cin / p->groups),
                                mul_sat(p->k_spatial, transposed ? p->in_spatial : p->out_spatial));
}

/* ---- implicit GEMM (cuda/igemm.cuh) ------------------------------------------------------ */

typedef struct igemm_tile {
  int bm, bn, bk, threads;
  const char *kernel;
} igemm_tile;

/* igemm::ConfigL, M, S, T: the widest BN that a group's output channels fill. */
static const igemm_tile igemm_tiles[] = {
    {128, 128, 8, 256, "igemm_v1<igemm::Config<128, 128, 8, 8, 8> >"},
    {128, 64, 8, 256, "igemm_v1<igemm::Config<128, 64, 8, 8, 4> >"},
    {64, 32, 8, 256, "igemm_v1<igemm::Config<64, 32, 8, 4, 2> >"},
    {128, 16, 8, 128, "igemm_v1<igemm::Config<128, 16, 8, 8, 2> >"},
};

/* One dimension of one output phase: its output positions (q_count) and its taps. */
static void igemm_phase_dim(const tconv_problem *p, int d, int64_t residue, int64_t *rows,
                            int64_t *taps) {
  const int64_t s = p->stride[d], k = p->k[d], out = p->out[d];
  if (p->op == TCONV_OP_CONV) {
    *rows = out;
    *taps = k;
    return;
  }
  *rows = residue < out ? ceil_div(out - residue, s) : 0;
  *taps = 0;
  const tconv_tap_plan plan = tconv_tap_plan_make(s, p->dilation[d]);
  const int64_t u = residue + p->pad_begin[d];
  if (u % plan.gcd == 0) {
    const int64_t j0 = tconv_mulmod((u / plan.gcd) % plan.step, plan.inv, plan.step);
    if (j0 < k)
      *taps = ceil_div(k - j0, plan.step);
  }
}

static void plan_igemm(const tconv_problem *p, tconv_launch_plan *plan) {
  const int64_t cout_g = p->cout / p->groups;
  const igemm_tile *t = &igemm_tiles[cout_g >= 128 ? 0 : cout_g >= 64 ? 1 : cout_g >= 32 ? 2 : 3];
  int64_t phases = 1, max_rows = p->n;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d) {
    const int64_t s = p->op == TCONV_OP_CONV ? 1 : p->stride[d];
    phases *= s;
    max_rows *= ceil_div(p->out[d], s);
  }
  plan->kernel = t->kernel;
  plan->threads = t->threads;
  plan->bm = t->bm;
  plan->bn = t->bn;
  plan->bk = t->bk;
  plan->split_k = 1;
  plan->grid[0] = ceil_div(max_rows, t->bm);
  plan->grid[1] = p->groups * ceil_div(cout_g, t->bn);
  plan->grid[2] = phases;
  /* Per phase (residues of the outermost dimension vary slowest): blocks past the phase's
   * rows return at once; the others run ceil(K / BK) chunks of the whole tile. */
  const int64_t tile_macs = (int64_t)t->bm * t->bn * t->bk;
  for (int64_t phase = 0; phase < phases; ++phase) {
    int64_t rows = p->n, k_total = p->cin / p->groups, rest = phase;
    for (int d = TCONV_MAX_SPATIAL - 1; d >= 0; --d) {
      const int64_t s = p->op == TCONV_OP_CONV ? 1 : p->stride[d];
      int64_t q, taps;
      igemm_phase_dim(p, d, rest % s, &q, &taps);
      rest /= s;
      rows *= q;
      k_total *= taps;
    }
    const int64_t chunks = ceil_div(k_total, t->bk);
    if (rows == 0)
      continue;
    if (chunks > plan->main_loop_trips)
      plan->main_loop_trips = chunks;
    const int64_t blocks = mul_sat(ceil_div(rows, t->bm), plan->grid[1]);
    plan->macs_computed += mul_sat(mul_sat(blocks, chunks), tile_macs);
  }
}

/* ---- the two queries --------------------------------------------------------------------- */

/* The CUDA algorithms: which problems each takes, and its plan. */
static const struct {
  tconv_algo algo;
  int (*supports)(const tconv_problem *problem, char *why, size_t why_size);
  void (*plan)(const tconv_problem *problem, tconv_launch_plan *plan);
} planners[] = {
    {TCONV_ALGO_DIRECT, tconv_direct_supports, plan_direct},
    {TCONV_ALGO_IGEMM, tconv_igemm_supports, plan_igemm},
    {TCONV_ALGO_GEMM, tconv_gemm_supports, plan_gemm},
    {TCONV_ALGO_DEPTHWISE, tconv_depthwise_supports, plan_depthwise},
};

tconv_status tconv_launch_plan_of(const tconv_problem *problem, tconv_algo algo,
                                  tconv_launch_plan *plan) {
  if (problem == NULL || plan == NULL)
    return TCONV_STATUS_INVALID_ARGUMENT;
  memset(plan, 0, sizeof *plan);
  char why[256];
  for (size_t i = 0; i < sizeof planners / sizeof planners[0]; ++i)
    if (planners[i].algo == algo) {
      if (planners[i].supports != NULL && !planners[i].supports(problem, why, sizeof why))
        return TCONV_STATUS_UNSUPPORTED;
      planners[i].plan(problem, plan);
      return TCONV_STATUS_OK;
    }
  return TCONV_STATUS_UNSUPPORTED; /* AUTO, the CPU's reference, or no algorithm at all */
}

/* Depthwise where it applies, then the implicit GEMM, then direct: no workspace. An AUTO
 * backend is taken as CUDA, which an AUTO context picks whenever it has a device. */
tconv_algo tconv_auto_algo(const tconv_problem *problem, tconv_backend backend) {
  if (backend == TCONV_BACKEND_CPU)
    return TCONV_ALGO_REFERENCE;
  char why[256];
  if (tconv_depthwise_supports(problem, why, sizeof why))
    return TCONV_ALGO_DEPTHWISE;
  if (tconv_igemm_supports(problem, why, sizeof why))
    return TCONV_ALGO_IGEMM;
  return TCONV_ALGO_DIRECT;
}
