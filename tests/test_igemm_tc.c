/*
 * test_igemm_tc.c - unit "igemm_tc": the tensor-core implicit GEMM's blocks run on the CPU
 * (tests/igemm_tc_emu.cpp: the code of cuda/igemm_tc.cuh on the arguments of
 * host/algo_igemm_tc.c, its ldmatrix and mma the test side's ISA model) through the typed
 * harness (tests/typed.h): inputs rounded to the dtype and stored in the combination's
 * layouts, aligned or at odd offsets, y poisoned and guarded, the result within the dtype's
 * tolerance of the reference (host/tolerance.c). Shared memory and registers are NaN before
 * each block.
 *
 * Sweeps: random rank 1-3 cases (strides, dilation, padding, groups, activations, odd sizes)
 * in every float16 / bfloat16 / TF32 combination of layouts, half of them with channel counts
 * that the 16-byte loaders take; the layer-like and edge tables in every tile configuration
 * and loader. Every eighth run also in reverse order with copies landing at once, bitwise
 * equal to the forward run; the launcher's choice checked against the launch plan. Beside
 * them: TF32 operands are rounded to nearest (the result equals the reference on rounded
 * inputs to the FP32 bound), no ldmatrix has a bank conflict, deliberate bugs in the kernel
 * code are caught, and the algorithm's rule, plan and AUTO's choice for the new types.
 */
#include "igemm_tc_emu.h"
#include "typed.h"

#include "algos.h"
#include "float16.cuh"
#include "igemm_tc_args.h"
#include "suite.h"
#include "tolerance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached. */
static struct {
  int64_t ran[TCONV_TC_TYPES][TCONV_TC_PATHS], config[TCONV_TC_CONFIG_COUNT];
  int64_t reversed, planned, odd;
} seen;

/* One emulation as a typed_runner: the choice forced where >= 0, both orders when asked. */
typedef struct emu {
  int config, path, mutant, both;
} emu;

static int tensor_cores(const typed_combo *k) {
  return k->dtype != TCONV_DTYPE_FLOAT32 || k->math == TCONV_MATH_TF32;
}

/* The launch plan of the launcher's choice is what ran. */
static int check_plan(const tconv_problem *p, const test_tc_run *r, char *why, size_t why_size) {
  tconv_launch_plan plan;
  if (tconv_launch_plan_of(p, TCONV_ALGO_IGEMM_TC, &plan) != TCONV_STATUS_OK) {
    snprintf(why, why_size, "no plan: %s", tconv_last_error());
    return 1;
  }
  const tconv_tc_choice choice = {r->config, r->type, r->path};
  const tconv_tc_config k = tconv_tc_config_of(r->config);
  ++seen.planned;
  if (strcmp(plan.kernel, tconv_tc_kernel_name(&choice)) != 0 || plan.threads != k.threads ||
      plan.grid[0] != r->grid[0] || plan.grid[1] != r->grid[1] || plan.grid[2] != r->grid[2] ||
      plan.active_blocks != r->blocks || plan.main_loop_trips != r->max_chunks ||
      plan.macs_computed != r->macs || !plan.tensor_cores ||
      plan.smem_bytes != tconv_tc_smem_bytes(r->config)) {
    snprintf(why, why_size, "plan %s grid %lldx%lldx%lld, %lld blocks, %lld chunks; ran %s",
             plan.kernel, (long long)plan.grid[0], (long long)plan.grid[1], (long long)plan.grid[2],
             (long long)plan.active_blocks, (long long)plan.main_loop_trips,
             tconv_tc_kernel_name(&choice));
    return 1;
  }
  return 0;
}

static int run_emulation(void *data, const test_case *c, const typed_combo *k, const void *x,
                         const void *w, const void *bias, void *y, char *why, size_t why_size) {
  const emu *e = data;
  tconv_problem p;
  if (typed_problem(c, k, &p) != 0)
    return 1;
  test_tc_run r;
  memset(&r, 0, sizeof r);
  r.config = e->config;
  r.path = e->path;
  r.mutant = e->mutant;
  r.late = 1;
  if (test_tc_emulate(&p, &r, x, w, bias, y) != 0) {
    snprintf(why, why_size, "emulation: %s", r.error);
    return 1;
  }
  const int aligned = ((uintptr_t)x | (uintptr_t)w) % 16 == 0;
  ++seen.ran[r.type][r.path];
  ++seen.config[r.config];
  seen.odd += !aligned;
  if (e->config < 0 && e->path < 0 && e->mutant == 0 && aligned &&
      check_plan(&p, &r, why, why_size))
    return 1;
  if (!e->both)
    return 0;
  const size_t bytes = (size_t)c->y_count * tconv_dtype_size(k->dtype);
  void *again = malloc(bytes);
  test_tc_run rev = r;
  rev.reverse = 1;
  rev.late = 0;
  memset(again, 0xFF, bytes);
  int bad = again == NULL || test_tc_emulate(&p, &rev, x, w, bias, again) != 0;
  if (!bad && memcmp(again, y, bytes) != 0) {
    snprintf(why, why_size, "reverse order with early copies differs from forward");
    bad = 1;
  } else if (bad) {
    snprintf(why, why_size, "reverse emulation: %s", rev.error);
  }
  seen.reversed += !bad;
  free(again);
  return bad;
}

/* A random combination the tensor cores take. */
static const typed_combo *random_combo(void) {
  for (;;) {
    const typed_combo *k = &typed_combos[test_rng_int(0, TYPED_COMBO_COUNT - 1)];
    if (tensor_cores(k))
      return k;
  }
}

/* A combination the 16-byte loaders take (x and w channels-last), cycling through the
 * tensor-core element types by `index` so each meets them as often; y either layout. */
static const typed_combo *vector_combo(int64_t index) {
  static const int all_nhwc[5] = {5, 9, 13, 17, 21}; /* f16, bf16, f32 TF32, f16, bf16 */
  static typed_combo k;
  k = typed_combos[all_nhwc[index % 3 == 2 ? 2 : index % 3 + 3 * (int)(index / 3 % 2)]];
  k.y = test_rng_int(0, 1) ? TCONV_LAYOUT_NHWC : TCONV_LAYOUT_NCHW;
  return &k;
}

/* Whether the implicit GEMM takes the case in combination k; a refusal must be for a padding
 * mode (the only one the random cases reach). */
static int takes(const test_case *c, const typed_combo *k) {
  tconv_problem p;
  if (typed_problem(c, k, &p) != 0)
    return 0;
  char why[256];
  if (tconv_igemm_tc_supports(&p, why, sizeof why))
    return 1;
  if (c->padding_mode == TCONV_PADDING_ZEROS)
    CASE_FAIL(c, "the tensor-core rule refuses a zero-padded case: %s", why);
  return 0;
}

static void test_tc_random_sweep(void) {
  begin_test();
  int64_t cases = 0, runs = 0, failed = 0;
  while (cases < 240) {
    test_case c;
    if (typed_draw_case(&c, cases, 4, CASE_WORK_LIMIT / 4) != 0)
      continue;
    if (cases % 2 == 0) {
      case_scale_channels(&c, 8); /* the work grows by 64 at most */
      if (case_finish(&c) != 0 || c.work > 2 * CASE_WORK_LIMIT)
        continue;
    }
    int bad = 0;
    for (int j = 0; j < 2 && !bad; ++j) {
      const int aligned = (int)((cases / 2 + j) % 2);
      /* vector channel counts, aligned: the 16-byte loaders' run */
      const typed_combo *k = cases % 2 == 0 && aligned ? vector_combo(cases / 2) : random_combo();
      if (!takes(&c, k))
        continue;
      const emu e = {-1, -1, 0, (cases + j) % 8 == 0};
      bad = typed_check_with(run_emulation, (void *)&e, "igemm_tc emulated", &c, k, aligned);
      ++runs;
    }
    failed += bad;
    ++cases;
  }
  printf("\n  %lld emulated runs", (long long)runs);
  end_test(failed, cases);
}

/* The tables in every configuration and every loader the case allows (the 16-byte ones on
 * channels-last, aligned tensors with channel counts scaled to vectors). */
static int64_t tables_every_choice(const case_spec *rows, size_t count, int64_t *cases) {
  int64_t failed = 0;
  for (size_t i = 0; i < count; ++i)
    for (int config = 0; config < TCONV_TC_CONFIG_COUNT; ++config)
      for (int vec = 0; vec < 2; ++vec) {
        test_case c;
        case_from_spec(&c, &rows[i]);
        if (vec)
          case_scale_channels(&c, 8);
        if (case_finish(&c) != 0) {
          ++failed;
          continue;
        }
        if (c.work > 8 * CASE_WORK_LIMIT)
          continue;
        /* every type and layout across the rows: k cycles through the tensor-core combos */
        const typed_combo *k = NULL;
        for (int j = (int)(i * 5 + (size_t)config * 3 + (size_t)vec); k == NULL; ++j)
          if (tensor_cores(&typed_combos[j % TYPED_COMBO_COUNT]) &&
              (!vec || typed_combos[j % TYPED_COMBO_COUNT].x == TCONV_LAYOUT_NHWC))
            k = &typed_combos[j % TYPED_COMBO_COUNT];
        if (vec) { /* channels-last x and w, whatever y */
          static typed_combo nhwc;
          nhwc = *k;
          nhwc.w = TCONV_LAYOUT_NHWC;
          k = &nhwc;
        }
        if (!takes(&c, k))
          continue;
        const emu e = {config, -1, 0, config == 0};
        failed += typed_check_with(run_emulation, (void *)&e, "igemm_tc emulated", &c, k, vec);
        ++*cases;
      }
  return failed;
}

static void test_tc_tables(void) {
  begin_test();
  int64_t cases = 0, failed = tables_every_choice(case_tile_table, case_tile_count, &cases);
  failed += tables_every_choice(case_edge_table, case_edge_count, &cases);
  end_test(failed, cases);
}

/* TF32 operands are rounded to nearest (cvt.rna), not truncated: the emulated result equals
 * the float32 reference of TF32-rounded inputs within the FP32 accumulation bound (the TF32
 * tolerance would accept truncation too). Both loaders. */
static int tf32_exact_case(const test_case *c, tconv_layout layout, int mutant) {
  const int rank = c->rank + 2;
  const int64_t n[3] = {c->x_count, c->w_count, c->cout};
  float *f[3], *r[3], *a[3], *y = malloc((size_t)c->y_count * 4);
  float *ref = malloc((size_t)c->y_count * 4), *mag = malloc((size_t)c->y_count * 4);
  float *sx = malloc((size_t)c->x_count * 4), *sw = malloc((size_t)c->w_count * 4);
  float *sy = malloc((size_t)c->y_count * 4);
  for (int t = 0; t < 3; ++t) {
    f[t] = malloc((size_t)n[t] * 4), r[t] = malloc((size_t)n[t] * 4);
    a[t] = malloc((size_t)n[t] * 4);
  }
  case_fill_inputs(c, 0, f[0], f[1], f[2]);
  for (int t = 0; t < 3; ++t)
    for (int64_t i = 0; i < n[t]; ++i) {
      r[t][i] = t < 2 ? tconv_f32_to_tf32(f[t][i]) : f[t][i]; /* the bias adds in FP32 */
      a[t][i] = fabsf(r[t][i]);
    }
  /* S without the activation: a case with one takes the magnitudes of a copy without */
  test_case plain = *c;
  plain.params.activation = TCONV_ACTIVATION_NONE;
  int bad =
      case_reference(c, r[0], r[1], r[2], ref) || case_reference(&plain, a[0], a[1], a[2], mag);
  typed_store(TCONV_DTYPE_FLOAT32, layout, rank, c->x_dims, f[0], sx);
  typed_store(TCONV_DTYPE_FLOAT32, layout, rank, c->w_dims, f[1], sw);
  tconv_problem p;
  test_tc_run run;
  memset(&run, 0, sizeof run);
  run.config = TEST_TC_MUTANT_CONFIG;
  run.path = -1;
  run.mutant = mutant;
  run.late = 1;
  if (!bad && case_problem(c, &p) == 0) {
    p.math = TCONV_MATH_TF32;
    p.x_layout = p.w_layout = p.y_layout = layout;
    bad = test_tc_emulate(&p, &run, sx, sw, c->bias ? f[2] : NULL, sy) != 0;
    if (bad)
      CASE_FAIL(c, "TF32 emulation: %s", run.error);
    typed_load(TCONV_DTYPE_FLOAT32, layout, rank, c->y_dims, sy, y);
  }
  for (int64_t i = 0; i < c->y_count && !bad; ++i) {
    const double bound = tconv_tolerance_bound(TCONV_DTYPE_FLOAT32, TCONV_MATH_STRICT,
                                               c->activation, c->alpha, ref[i], mag[i]);
    if (!tconv_tolerance_accepts(y[i], ref[i], bound)) {
      CASE_FAIL(c, "TF32 %s: element %lld is %.9g, the reference of rounded inputs %.9g",
                tconv_layout_name(layout), (long long)i, (double)y[i], (double)ref[i]);
      bad = 1;
    }
  }
  for (int t = 0; t < 3; ++t)
    free(f[t]), free(r[t]), free(a[t]);
  free(y), free(ref), free(mag), free(sx), free(sw), free(sy);
  return bad;
}

/* Cases for the TF32 rounding and the mutants: random, channels scaled to vectors, with
 * enough K that a wrong stage or mask shows. */
static int draw_vector_case(test_case *c, int64_t index) {
  case_random(c, index % 2 ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV, 1 + (int)(index % 3));
  c->groups = 1;
  c->cin = 8 * test_rng_int(1, 3);
  c->cout = 8 * test_rng_int(1, 5);
  return case_finish(c) != 0 || c->work > 2 * CASE_WORK_LIMIT ? -1 : 0;
}

static void test_tc_tf32_rounding(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 24) {
    test_case c;
    if (draw_vector_case(&c, cases) != 0)
      continue;
    failed += tf32_exact_case(&c, cases % 2 ? TCONV_LAYOUT_NHWC : TCONV_LAYOUT_NCHW, 0);
    ++cases;
  }
  end_test(failed, cases);
}

/* Each deliberate bug of igemm_tc.cuh must be caught on some of a few cases: by the
 * tolerance, the bitwise checks, or the emulation's own checks. */
static void test_tc_mutants(void) {
  static const char *const names[TCONV_TC_MUTANT_COUNT] = {
      "none", "fragment order", "swizzle", "stage", "wait", "tap mask", "TF32 rounding"};
  begin_test();
  for (int m = 1; m < TCONV_TC_MUTANT_COUNT; ++m) {
    int64_t caught = 0, cases = 0;
    case_quiet(1);
    for (int64_t i = 0; cases < 6; ++i) {
      test_case c;
      if (draw_vector_case(&c, i) != 0)
        continue;
      if (m == TCONV_TC_MUTANT_TF32_ROUNDING) {
        caught += tf32_exact_case(&c, i % 2 ? TCONV_LAYOUT_NHWC : TCONV_LAYOUT_NCHW, m);
      } else {
        typed_combo k = typed_combos[4 + (int)(i % 4)]; /* float16, every layout mix */
        k.x = k.w = TCONV_LAYOUT_NHWC;                  /* ... with the 16-byte loaders */
        const emu e = {TEST_TC_MUTANT_CONFIG, -1, m, 0};
        caught += typed_check_with(run_emulation, (void *)&e, "mutant", &c, &k, 1);
      }
      ++cases;
    }
    case_quiet(0);
    printf("\n  mutant %-14s caught on %lld of %lld cases", names[m], (long long)caught,
           (long long)cases);
    CU_ASSERT(caught > 0);
  }
}

/* igemm_tc's rule beside igemm's, its plan, and AUTO's choice for every dtype and math. */
static void test_tc_rules(void) {
  const int64_t xd[4] = {2, 16, 6, 5}, wd[4] = {16, 24, 4, 4};
  tconv_params params = tconv_params_default(2);
  params.stride[0] = params.stride[1] = 2;
  params.pad_begin[0] = params.pad_end[0] = 1;
  tconv_problem p;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_TRANSPOSE, &params, xd, wd),
                        TCONV_STATUS_OK);
  char why[256];
  /* float32 strict: the FFMA kernel's; this one names the math it needs */
  CU_ASSERT(!tconv_igemm_tc_supports(&p, why, sizeof why) && strstr(why, "math strict") != NULL);
  CU_ASSERT_EQUAL(tconv_auto_algo(&p, TCONV_BACKEND_CUDA), TCONV_ALGO_IGEMM);
  tconv_launch_plan plan;
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&p, TCONV_ALGO_IGEMM, &plan), TCONV_STATUS_OK);
  CU_ASSERT(!plan.tensor_cores && strncmp(plan.kernel, "igemm_tc", 8) != 0);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&p, TCONV_ALGO_IGEMM_TC, &plan), TCONV_STATUS_UNSUPPORTED);
  p.x_layout = p.y_layout = p.w_layout = TCONV_LAYOUT_NHWC; /* FFMA: channels-first only */
  CU_ASSERT(!tconv_igemm_supports(&p, why, sizeof why) && strstr(why, "nhwc") != NULL);
  tconv_algo named = TCONV_ALGO_AUTO;
  CU_ASSERT(tconv_algo_from_name("igemm_tc", &named) == TCONV_STATUS_OK &&
            named == TCONV_ALGO_IGEMM_TC);
  for (int dtype = 0; dtype < 3; ++dtype)
    for (int math = 0; math < 2; ++math) {
      tconv_problem q = p;
      q.dtype = (tconv_dtype)dtype;
      q.math = math ? TCONV_MATH_TF32 : TCONV_MATH_STRICT;
      if (q.dtype == TCONV_DTYPE_FLOAT32 && q.math == TCONV_MATH_STRICT)
        continue;
      CU_ASSERT(tconv_igemm_tc_supports(&q, why, sizeof why));
      CU_ASSERT(!tconv_igemm_supports(&q, why, sizeof why));
      CU_ASSERT_EQUAL(tconv_auto_algo(&q, TCONV_BACKEND_CUDA), TCONV_ALGO_IGEMM_TC);
      CU_ASSERT_EQUAL(tconv_launch_plan_of(&q, TCONV_ALGO_IGEMM_TC, &plan), TCONV_STATUS_OK);
      const tconv_tc_choice ch = tconv_tc_choose(&q, 1);
      CU_ASSERT(ch.path == TCONV_TC_NVEC && plan.tensor_cores && plan.smem_bytes > 0);
      CU_ASSERT(ch.type == (q.dtype == TCONV_DTYPE_FLOAT16    ? TCONV_TC_F16
                            : q.dtype == TCONV_DTYPE_BFLOAT16 ? TCONV_TC_BF16
                                                              : TCONV_TC_TF32));
      CU_ASSERT_STRING_EQUAL(plan.kernel, tconv_tc_kernel_name(&ch));
      CU_ASSERT_EQUAL(tconv_tc_choose(&q, 0).path, TCONV_TC_ELEM); /* unaligned tensors */
      q.w_layout = TCONV_LAYOUT_NCHW;
      CU_ASSERT_EQUAL(tconv_tc_choose(&q, 1).path, TCONV_TC_ELEM);
      q.padding_mode = TCONV_PADDING_CIRCULAR;
      CU_ASSERT(!tconv_igemm_tc_supports(&q, why, sizeof why) &&
                strstr(why, "padding mode circular"));
    }
  /* a 5x5x5 convolution: 125 taps in its one phase */
  const int64_t x3[5] = {1, 8, 6, 6, 6}, w3[5] = {8, 8, 5, 5, 5};
  tconv_problem big = case_problem_of(TCONV_OP_CONV, 3, x3, w3, 1);
  big.dtype = TCONV_DTYPE_FLOAT16;
  CU_ASSERT(!tconv_igemm_tc_supports(&big, why, sizeof why) && strstr(why, "125 kernel taps"));
  CU_ASSERT_EQUAL(tconv_auto_algo(&big, TCONV_BACKEND_CUDA), TCONV_ALGO_DIRECT);
}

/* The benchmark's layers in float16 channels-last: planned on the tensor cores, the dense
 * ones with the 16-byte loaders, but for the depthwise layers, which AUTO gives the depthwise
 * algorithm (it takes every storage). The table is printed: the static plan. */
static void test_tc_bench_plans(void) {
  for (int i = 0; i < bench_suite_size; ++i) {
    const bench_layer *l = &bench_suite[i];
    bench_shape sh;
    char why[256];
    tconv_problem p;
    CU_ASSERT_EQUAL_FATAL(bench_shape_of(l, &sh, why, sizeof why), 0);
    CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, l->op, &sh.params, sh.x, sh.w),
                          TCONV_STATUS_OK);
    p.dtype = TCONV_DTYPE_FLOAT16;
    p.x_layout = p.w_layout = p.y_layout = TCONV_LAYOUT_NHWC;
    tconv_launch_plan plan;
    const tconv_algo algo = tconv_auto_algo(&p, TCONV_BACKEND_CUDA);
    CU_ASSERT_EQUAL_FATAL(tconv_launch_plan_of(&p, algo, &plan), TCONV_STATUS_OK);
    const int depthwise = tconv_depthwise_supports(&p, why, sizeof why);
    CU_ASSERT(algo == (depthwise ? TCONV_ALGO_DEPTHWISE : TCONV_ALGO_IGEMM_TC));
    CU_ASSERT_EQUAL(plan.tensor_cores, !depthwise);
    if (l->groups == 1 && l->cin % 8 == 0 && l->cout % 8 == 0)
      CU_ASSERT(strstr(plan.kernel, "elem") == NULL);
    printf("\n  %-12s %-28s %10lldx%lldx%lld %6lld blocks %6lld chunks", l->name, plan.kernel,
           (long long)plan.grid[0], (long long)plan.grid[1], (long long)plan.grid[2],
           (long long)plan.active_blocks, (long long)plan.main_loop_trips);
  }
}

/* After the sweeps: every type x loader and configuration ran, both orders and odd offsets,
 * plans checked. */
static void test_tc_variants_ran(void) {
  static const char *const types[3] = {"f16", "bf16", "tf32"}, *const paths[3] = {"kvec", "nvec",
                                                                                  "elem"};
  for (int t = 0; t < TCONV_TC_TYPES; ++t)
    for (int p = 0; p < TCONV_TC_PATHS; ++p) {
      printf("\n  %-4s %s: %lld runs", types[t], paths[p], (long long)seen.ran[t][p]);
      CU_ASSERT(seen.ran[t][p] >= 8);
    }
  printf("\n  configurations %lld/%lld/%lld; reversed %lld, odd offsets %lld, plans checked %lld",
         (long long)seen.config[0], (long long)seen.config[1], (long long)seen.config[2],
         (long long)seen.reversed, (long long)seen.odd, (long long)seen.planned);
  for (int i = 0; i < TCONV_TC_CONFIG_COUNT; ++i)
    CU_ASSERT(seen.config[i] >= 20);
  CU_ASSERT(seen.reversed >= 20 && seen.odd >= 20 && seen.planned >= 50);
}

static CU_TestInfo igemm_tc_emulated_tests[] = {
    {"random sweep, every type and layout", test_tc_random_sweep},
    {"tables, every configuration and loader", test_tc_tables},
    {"TF32 operands rounded to nearest", test_tc_tf32_rounding},
    {"deliberate bugs are caught", test_tc_mutants},
    {"rule, plan and AUTO for the new types", test_tc_rules},
    {"the benchmark's layers in float16 nhwc", test_tc_bench_plans},
    {"every variant ran, plans agree", test_tc_variants_ran},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_igemm_tc[] = {
    {"igemm_tc_emulated", NULL, NULL, NULL, NULL, igemm_tc_emulated_tests},
    CU_SUITE_INFO_NULL,
};
