/*
 * test_direct.c - suites "direct_emulated", "depthwise_emulated" and "direct_rules".
 *
 * No GPU is needed: the direct kernels' per-output code (cuda/geometry.cuh's
 * tconv_direct_element) and the depthwise kernel's per-thread phases (cuda/depthwise.cuh),
 * compiled here as C, run on the CPU and are compared with the CPU reference on the case
 * generators of the GPU suites (tests/cases.h): floats within 1e-5, small integers bitwise.
 *
 * direct_emulated: every output element of the 1-D sweep, random rank 1-3 cases with every
 * padding mode and activation, and the edge and layer-like tables, written at the offset the
 * element function gives (each exactly once, y NaN before).
 *
 * depthwise_emulated: the tiled kernel block by block (phase 1 for every thread, then phase
 * 2, as __syncthreads orders them; shared memory NaN / -1 before each tile), threads forward
 * and in reverse (bitwise equal); the other padding modes through the direct kernels.
 *
 * Both also run every dtype x layout x math combination (typed.h: seeded random cases,
 * tensors of the dtype in their layouts at odd offsets, y poisoned and guarded, judged by the
 * tolerance rule of host/tolerance.c against the float32 reference of the rounded inputs).
 *
 * direct_rules: the launch plan's multiply-adds against a brute-force count, the depthwise
 * supports decisions and tile shapes.
 */
#include "cases.h"
#include "typed.h"

#include "algos.h"
#include "problem.h"

#include "depthwise.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached, so a test can insist that every path was exercised. */
static struct {
  int64_t direct_runs[3]; /* per gather kind */
  int64_t tiled_runs, generic_runs, kernel_in_global_runs;
} seen;

/* ---- the direct kernels on the CPU ---------------------------------------------------- */

/* Every output element through the kernels' element function; each offset written once.
 * Returns 1 after recording a failure. */
static int emu_direct(const test_case *c, const tconv_problem *p, const void *x, const void *w,
                      const void *bias, void *y) {
  const tconv_geom g = tconv_geom_make(p);
  const int kind = tconv_gather_kind(&g);
  unsigned char *written = calloc((size_t)(p->y_count > 0 ? p->y_count : 1), 1);
  if (written == NULL) {
    CASE_FAIL(c, "out of host memory");
    return 1;
  }
  int failed = 0;
  for (int64_t e = 0; e < p->y_count && !failed; ++e) {
    float value;
    int64_t offset;
    tconv_direct_element(&g, kind, g.dtype, x, w, bias, e, &value, &offset);
    if (offset < 0 || offset >= p->y_count || written[offset]++) {
      CASE_FAIL(c, "output %lld goes to offset %lld, outside y or written before", (long long)e,
                (long long)offset);
      failed = 1;
      break;
    }
    tconv_elem_store(g.dtype, y, offset, value);
  }
  free(written);
  ++seen.direct_runs[kind];
  return failed;
}

/* ---- the depthwise kernel on the CPU -------------------------------------------------- */

/* The tiled kernel: every tile's block, phase 1 then phase 2 for all its threads, in forward
 * or reverse thread order. */
static int emu_dw_tiled(const tconv_problem *p, int reverse, const void *x, const void *w,
                        const void *bias, void *y) {
  const tconv_dw_args a = tconv_dw_args_make(p);
  tconv_dw_shared *sh = malloc(sizeof *sh);
  if (sh == NULL)
    return 1;
  for (int64_t tile = 0; tile < a.tile_count; ++tile) {
    memset(sh, 0xFF, sizeof *sh); /* floats NaN, table entries -1 */
    for (int i = 0; i < a.threads; ++i)
      tconv_dw_fill(&a, a.g.dtype, tile, reverse ? a.threads - 1 - i : i, sh, w);
    for (int i = 0; i < a.threads; ++i)
      tconv_dw_compute(&a, a.g.dtype, tile, reverse ? a.threads - 1 - i : i, sh, x, w, bias, y);
  }
  free(sh);
  ++seen.tiled_runs;
  seen.kernel_in_global_runs += !a.kernel_in_smem;
  return 0;
}

/* ---- one case ------------------------------------------------------------------------- */

typedef enum which { DIRECT, DEPTHWISE } which;

/* The algorithm's runs of one input set; 0 when all match the reference. */
static int run_algorithm(const test_case *c, const tconv_problem *p, which algo, int integers,
                         const float *x, const float *w, const float *b, const float *ref, float *y,
                         float *y2) {
  char what[96];
  const char *kind = integers ? "integers" : "floats";
  case_poison(y, c->y_count);
  if (emu_direct(c, p, x, w, b, y) != 0)
    return 1;
  snprintf(what, sizeof what, "%s, %s", algo == DIRECT ? "direct" : "depthwise generic", kind);
  if (case_compare(c, what, integers, y, ref))
    return 1;
  if (algo == DIRECT)
    return 0;
  if (!tconv_dw_tiled(p)) {
    ++seen.generic_runs;
    return 0;
  }
  case_poison(y, c->y_count);
  case_poison(y2, c->y_count);
  if (emu_dw_tiled(p, 0, x, w, b, y) != 0 || emu_dw_tiled(p, 1, x, w, b, y2) != 0) {
    CASE_FAIL(c, "out of host memory");
    return 1;
  }
  snprintf(what, sizeof what, "depthwise tiled, %s", kind);
  if (case_compare(c, what, integers, y, ref))
    return 1;
  snprintf(what, sizeof what, "depthwise tiled, threads reversed vs forward, %s", kind);
  return case_compare_exact(c, what, y2, y);
}

/* Runs `algo` on a finished case, floats then integers. Returns 1 on a failure. */
static int emulate_case(const test_case *c, which algo) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  char why[256];
  if (algo == DEPTHWISE && !tconv_depthwise_supports(&p, why, sizeof why)) {
    CASE_FAIL(c, "depthwise refuses the case: %s", why);
    return 1;
  }
  case_buffers b;
  if (case_buffers_alloc(c, &b) != 0)
    return 1;
  int failed = 0;
  for (int integers = 0; integers < 2 && !failed; ++integers) {
    case_fill_inputs(c, integers, b.x, b.w, b.bias);
    const float *bias = c->bias ? b.bias : NULL;
    failed = case_reference(c, b.x, b.w, bias, b.ref) != 0 ||
             run_algorithm(c, &p, algo, integers, b.x, b.w, bias, b.ref, b.y, b.y2) != 0;
  }
  case_buffers_free(&b);
  return failed;
}

/* Makes a case depthwise (groups == Cin == Cout) and finishes it. */
static int make_depthwise(test_case *c, int64_t channels) {
  c->cin = c->cout = c->groups = channels;
  return case_finish(c);
}

static int sweep_direct(test_case *c, void *data) {
  (void)data;
  return emulate_case(c, DIRECT);
}

static int sweep_depthwise(test_case *c, void *data) {
  (void)data;
  return make_depthwise(c, test_rng_int(1, 4)) != 0 || emulate_case(c, DEPTHWISE);
}

static void test_direct_sweep_1d(void) { case_test_sweep_1d(sweep_direct); }
static void test_depthwise_sweep_1d(void) { case_test_sweep_1d(sweep_depthwise); }

/* Random rank 1-3 problems with random padding modes and activations; for depthwise, some
 * with planes wider than one tile (W > 256) or taller than one row tile. */
static void sweep_random(which algo) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 300) {
    test_case c;
    case_random_conventions(&c);
    const int64_t shape = test_rng_int(0, 3);
    if (algo == DEPTHWISE && shape == 1 && c.rank <= 2)
      c.in[c.rank - 1] += test_rng_int(60, 300); /* wide */
    else if (algo == DEPTHWISE && shape == 2 && c.rank >= 2)
      c.in[c.rank - 2] += test_rng_int(30, 150); /* tall */
    for (int i = 0; i < c.rank; ++i)
      case_fit_input(&c, i);
    if ((algo == DEPTHWISE ? make_depthwise(&c, test_rng_int(1, 4)) : case_finish(&c)) != 0) {
      ++failed;
      continue;
    }
    if (case_reference_work(&c) > CASE_WORK_LIMIT)
      continue;
    ++cases;
    failed += emulate_case(&c, algo);
  }
  end_test(failed, cases);
}

static void test_direct_sweep_random(void) { sweep_random(DIRECT); }
static void test_depthwise_sweep_random(void) { sweep_random(DEPTHWISE); }

/* The shared edge and layer-like tables. */
static void test_direct_tables(void) { case_test_tables(sweep_direct); }

static void test_direct_paths_reached(void) {
  printf("\n  direct runs: taps %lld, padded %lld, circular %lld",
         (long long)seen.direct_runs[TCONV_GATHER_TAPS],
         (long long)seen.direct_runs[TCONV_GATHER_PADDED],
         (long long)seen.direct_runs[TCONV_GATHER_CIRCULAR]);
  for (int k = 0; k < 3; ++k)
    CU_ASSERT(seen.direct_runs[k] > 50);
}

/* The benchmark's depthwise layers at reduced size, the edge table's depthwise rows, and a
 * 3-D kernel of 13^3 = 2197 taps (more than shared memory stages: read from global). */
static void test_depthwise_layers(void) {
  /* clang-format off */
  static const case_spec layers[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
    /* dw.up2: k4 s2 p1 */
    {TCONV_OP_TRANSPOSE, 2, 2, 3, 3, 3, 1, {16, 16, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* fcn.up8: k16 s8 p4 (512 x 512 output at full size; 64 x 64 here) */
    {TCONV_OP_TRANSPOSE, 2, 1, 2, 2, 2, 0, {8, 8, 1}, {16, 16, 1}, {8, 8, 1}, {1, 1, 1},
     {4, 4, 0}, {4, 4, 0}, {0, 0, 0}},
    /* mbv2.dw: k3 s2 p1 */
    {TCONV_OP_CONV, 2, 2, 4, 4, 4, 1, {14, 14, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* 1-D, two column tiles and a partial third */
    {TCONV_OP_TRANSPOSE, 1, 2, 2, 2, 2, 1, {300, 1, 1}, {4, 1, 1}, {2, 1, 1}, {1, 1, 1},
     {1, 0, 0}, {0, 0, 0}, {1, 0, 0}},
    /* narrow and tall: tile_w 8, several row tiles */
    {TCONV_OP_CONV, 2, 1, 2, 2, 2, 1, {300, 5, 1}, {3, 3, 1}, {1, 1, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* 3-D kernels too large for shared memory, both ops */
    {TCONV_OP_CONV, 3, 1, 1, 1, 1, 1, {13, 14, 15}, {13, 13, 13}, {1, 1, 1}, {1, 1, 1},
     {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
    {TCONV_OP_TRANSPOSE, 3, 1, 1, 1, 1, 1, {2, 2, 2}, {13, 13, 13}, {3, 2, 1}, {1, 1, 1},
     {5, 6, 7}, {4, 5, 6}, {2, 1, 0}},
    /* the edge table's depthwise 3-D transposed row */
    {TCONV_OP_TRANSPOSE, 3, 2, 3, 3, 3, 1, {3, 4, 5}, {3, 3, 2}, {2, 2, 3}, {1, 2, 1},
     {1, 0, 2}, {0, 1, 0}, {1, 1, 2}},
  };
  /* clang-format on */
  begin_test();
  int64_t cases = 0, failed = 0;
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; ++i)
    for (int mode = 0; mode < 2; ++mode) {
      test_case c;
      case_from_spec(&c, &layers[i]);
      /* Each layer also with a non-zero padding mode (the generic kernel) and an activation,
       * where the reference's circular gather stays cheap. */
      if (mode == 1) {
        c.padding_mode = c.op == TCONV_OP_CONV ? TCONV_PADDING_REFLECT : TCONV_PADDING_CIRCULAR;
        c.activation = TCONV_ACTIVATION_LEAKY_RELU;
        c.alpha = 0.25f;
      }
      if (case_finish(&c) != 0) {
        ++failed;
        continue;
      }
      if (mode == 1 && case_reference_work(&c) > 50 * CASE_WORK_LIMIT)
        continue;
      ++cases;
      failed += emulate_case(&c, DEPTHWISE);
    }
  end_test(failed, cases);
}

static void test_depthwise_paths_reached(void) {
  printf("\n  depthwise tiled runs %lld (kernel from global memory %lld), generic runs %lld",
         (long long)seen.tiled_runs, (long long)seen.kernel_in_global_runs,
         (long long)seen.generic_runs);
  CU_ASSERT(seen.tiled_runs > 100);
  CU_ASSERT(seen.kernel_in_global_runs > 0);
  CU_ASSERT(seen.generic_runs > 100);
}

/* ---- every dtype x layout x math ---------------------------------------------------------- */

static int typed_direct(const test_case *c, const tconv_problem *p, const void *x, const void *w,
                        const void *bias, void *y, void *data) {
  (void)data;
  return emu_direct(c, p, x, w, bias, y);
}

/* The depthwise launcher's choice: the tiled kernel (threads in reverse order here), or the
 * direct kernels for other padding modes and channels-last data. */
static int typed_depthwise(const test_case *c, const tconv_problem *p, const void *x, const void *w,
                           const void *bias, void *y, void *data) {
  (void)data;
  if (!tconv_dw_tiled(p))
    return emu_direct(c, p, x, w, bias, y);
  if (emu_dw_tiled(p, 1, x, w, bias, y) == 0)
    return 0;
  CASE_FAIL(c, "out of host memory");
  return 1;
}

static int reshape_depthwise(test_case *c, int64_t index) {
  (void)index;
  return make_depthwise(c, test_rng_int(1, 5));
}

#define TYPED_EMULATED_CASES 40

static void test_direct_typed(void) {
  int64_t ran[TYPED_COMBO_COUNT];
  typed_sweep_emulated("direct", TYPED_EMULATED_CASES, NULL, tconv_direct_supports, typed_direct,
                       NULL, ran);
  for (int k = 0; k < TYPED_COMBO_COUNT; ++k)
    CU_ASSERT(ran[k] == TYPED_EMULATED_CASES); /* direct takes every combination */
}

static void test_depthwise_typed(void) {
  int64_t ran[TYPED_COMBO_COUNT];
  const int64_t tiled = seen.tiled_runs;
  typed_sweep_emulated("depthwise", TYPED_EMULATED_CASES, reshape_depthwise,
                       tconv_depthwise_supports, typed_depthwise, NULL, ran);
  for (int k = 0; k < TYPED_COMBO_COUNT; ++k)
    CU_ASSERT(ran[k] == TYPED_EMULATED_CASES);
  CU_ASSERT(seen.tiled_runs - tiled > 100); /* the channels-first zero-padded checks */
}

/* ---- rules ----------------------------------------------------------------------------- */

/* The direct plan's multiply-adds: the (output, tap) pairs that reach an input, counted one
 * by one with the per-tap definitions (index.cuh), times Cin/g. */
static void test_direct_macs(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 200) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    tconv_problem p;
    if (case_finish(&c) != 0 || c.work > CASE_WORK_LIMIT || case_problem(&c, &p) != 0)
      continue;
    int64_t pairs = 1;
    for (int d = 0; d < p.spatial_rank; ++d) {
      int64_t n = 0;
      for (int64_t o = 0; o < p.out[d]; ++o)
        for (int64_t j = 0; j < p.k[d]; ++j)
          n += (p.op == TCONV_OP_TRANSPOSE
                    ? tconv_transpose_input_index(o, j, p.in[d], p.stride[d], p.dilation[d],
                                                  p.pad_begin[d])
                    : tconv_conv_input_index(o, j, p.in[d], p.stride[d], p.dilation[d],
                                             p.pad_begin[d])) >= 0;
      pairs *= n;
    }
    tconv_launch_plan plan;
    const int64_t want = p.n * p.cout * (p.cin / p.groups) * pairs;
    if (tconv_launch_plan_of(&p, TCONV_ALGO_DIRECT, &plan) != TCONV_STATUS_OK ||
        plan.macs_computed != want) {
      CASE_FAIL(&c, "direct plan: %lld multiply-adds, counted %lld", (long long)plan.macs_computed,
                (long long)want);
      ++failed;
    }
    ++cases;
  }
  end_test(failed, cases);
}

static void test_depthwise_supports(void) {
  char why[256];
  const int64_t x[4] = {2, 8, 9, 9}, w[4] = {8, 1, 3, 3};
  tconv_problem p = case_problem_of(TCONV_OP_CONV, 2, x, w, 8);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  p = case_problem_of(TCONV_OP_TRANSPOSE, 2, x, w, 8);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  /* Dense, grouped with two channels per group, channel multiplier 2: refused. */
  const int64_t dense_w[4] = {8, 8, 3, 3}, grouped_w[4] = {8, 2, 3, 3}, mult_w[4] = {16, 1, 3, 3};
  const struct {
    const int64_t *w;
    int64_t groups;
  } refused[3] = {{dense_w, 1}, {grouped_w, 4}, {mult_w, 8}};
  for (int i = 0; i < 3; ++i) {
    p = case_problem_of(TCONV_OP_CONV, 2, x, refused[i].w, refused[i].groups);
    CU_ASSERT_FALSE(tconv_depthwise_supports(&p, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "groups == Cin == Cout"));
  }
  /* A 1-D channel of 2^31 elements: beyond the tiled kernel's int32 positions. */
  const int64_t lx[3] = {1, 1, (int64_t)1 << 31}, lw[3] = {1, 1, 3};
  p = case_problem_of(TCONV_OP_CONV, 1, lx, lw, 1);
  CU_ASSERT_FALSE(tconv_depthwise_supports(&p, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "input elements per channel above 2^31 - 1"));
  /* Padding modes are taken (the generic kernel). */
  tconv_params params = tconv_params_default(2);
  params.groups = 8;
  params.padding_mode = TCONV_PADDING_REPLICATE;
  tconv_params_set_uniform(&params, 2, 1, 1, 0);
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_CONV, &params, x, w),
                        TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  CU_ASSERT_FALSE(tconv_dw_tiled(&p));
}

/* Tile shapes of the benchmark's depthwise layers and of short planes. */
static void test_depthwise_tiles(void) {
  static const struct {
    tconv_op op;
    int rank;
    int64_t x[5], w[5], stride, pad;
    int tile_w, block_rows, rows_per_thread, threads;
  } rows[] = {
      /* dw.up2 (8, 256, 64, 64) k4 s2 p1 -> 128 x 128 */
      {TCONV_OP_TRANSPOSE, 2, {8, 256, 64, 64}, {256, 1, 4, 4}, 2, 1, 128, 2, 4, 256},
      /* mbv2.dw (32, 144, 56, 56) k3 s2 p1 -> 28 x 28 */
      {TCONV_OP_CONV, 2, {32, 144, 56, 56}, {144, 1, 3, 3}, 2, 1, 32, 8, 4, 256},
      /* fcn.up8 (1, 21, 64, 64) k16 s8 p4 -> 512 x 512 */
      {TCONV_OP_TRANSPOSE, 2, {1, 21, 64, 64}, {21, 1, 16, 16}, 8, 4, 256, 1, 4, 256},
      /* 1-D of width 10: one row, a block of 16 threads */
      {TCONV_OP_CONV, 1, {4, 3, 12}, {3, 1, 3}, 1, 0, 16, 1, 1, 16},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    tconv_params params = tconv_params_default(rows[i].rank);
    params.groups = rows[i].x[1];
    tconv_params_set_uniform(&params, rows[i].stride, rows[i].pad, 1, 0);
    tconv_problem p;
    CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, rows[i].op, &params, rows[i].x, rows[i].w),
                          TCONV_STATUS_OK);
    const tconv_dw_args a = tconv_dw_args_make(&p);
    CU_ASSERT_EQUAL(a.tile_w, rows[i].tile_w);
    CU_ASSERT_EQUAL(a.block_rows, rows[i].block_rows);
    CU_ASSERT_EQUAL(a.rows_per_thread, rows[i].rows_per_thread);
    CU_ASSERT_EQUAL(a.threads, rows[i].threads);
    CU_ASSERT(a.tile_h <= TCONV_DW_MAX_TILE_H && a.threads <= TCONV_DW_THREADS);
    CU_ASSERT_EQUAL(a.tile_count, p.n * p.cout * a.tiles_h * a.tiles_w);
  }
}

CU_ErrorCode test_register_direct(void) {
  CU_pSuite direct = CU_add_suite("direct_emulated", NULL, NULL);
  if (direct == NULL || CU_add_test(direct, "1-D sweep", test_direct_sweep_1d) == NULL ||
      CU_add_test(direct, "random rank 1-3, padding modes, activations",
                  test_direct_sweep_random) == NULL ||
      CU_add_test(direct, "edge and layer-like tables", test_direct_tables) == NULL ||
      CU_add_test(direct, "every gather reached", test_direct_paths_reached) == NULL ||
      CU_add_test(direct, "every dtype x layout x math vs the reference, by its tolerance",
                  test_direct_typed) == NULL)
    return CU_get_error();
  CU_pSuite dw = CU_add_suite("depthwise_emulated", NULL, NULL);
  if (dw == NULL || CU_add_test(dw, "1-D sweep", test_depthwise_sweep_1d) == NULL ||
      CU_add_test(dw, "random rank 1-3, wide and tall planes", test_depthwise_sweep_random) ==
          NULL ||
      CU_add_test(dw, "benchmark layers, large kernels", test_depthwise_layers) == NULL ||
      CU_add_test(dw, "tiled, global-kernel and generic paths reached",
                  test_depthwise_paths_reached) == NULL ||
      CU_add_test(dw, "every dtype x layout x math vs the reference, by its tolerance",
                  test_depthwise_typed) == NULL)
    return CU_get_error();
  CU_pSuite rules = CU_add_suite("direct_rules", NULL, NULL);
  if (rules == NULL ||
      CU_add_test(rules, "direct plan counts the contributing taps", test_direct_macs) == NULL ||
      CU_add_test(rules, "depthwise supports", test_depthwise_supports) == NULL ||
      CU_add_test(rules, "depthwise tile shapes", test_depthwise_tiles) == NULL)
    return CU_get_error();
  return CUE_SUCCESS;
}
