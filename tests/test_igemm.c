/*
 * test_igemm.c - suite "igemm_emulated" (unit "algos"): the implicit-GEMM kernel's thread
 * blocks run on the CPU (tests/igemm_emu.cpp, the code of cuda/igemm.cuh on the arguments
 * of host/algo_igemm.c) against the CPU reference, on the case generators of the GPU suites:
 * the 1-D sweep, random rank 1-3 cases, activations, the edge table and layer-like sizes, in
 * the choice the launcher makes and in forced ones (every tile configuration, K splits of
 * 1 to 8, the generic and strip gathers, 64-bit offsets). Shared memory and registers are NaN
 * before each block, y before each run; threads, blocks and clusters run forward with
 * copies landing at the wait, and in reverse with copies landing at once (bitwise equal).
 *
 * Beside the sweeps: a K split gives the exact sums on integer inputs whatever its factor,
 * gathers and offset widths give the same bits, the launch plan (tconv_launch_plan_of) is
 * what the emulation launches, the offset width is chosen at its limit, and the benchmark's
 * layers are planned to fill the GPU.
 */
#include "cases.h"
#include "igemm_emu.h"

#include "algos.h"
#include "suite.h"
#include "igemm_args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached, so that a test can insist every variant ran. */
static struct {
  int64_t config[TCONV_IGEMM_CONFIG_COUNT], split[TCONV_IGEMM_MAX_SPLIT], generic, strip, wide,
      reversed, planned;
} seen;

typedef struct forced {
  int config, gather, wide, split; /* -1: the launcher's */
} forced;
static const forced LAUNCHER = {-1, -1, -1, -1};

/* One emulated run into y (poisoned first). Returns 1 after recording a failure. */
static int run_once(const test_case *c, const tconv_problem *p, forced f, int reverse,
                    const float *x, const float *w, const float *bias, float *y,
                    test_igemm_run *run) {
  memset(run, 0, sizeof *run);
  run->config = f.config;
  run->gather = f.gather;
  run->wide = f.wide;
  run->split = f.split;
  run->reverse = reverse;
  run->late = !reverse;
  case_poison(y, c->y_count);
  if (test_igemm_emulate(p, run, x, w, bias, y) != 0) {
    CASE_FAIL(c, "igemm config %d gather %d wide %d split %d: %s", run->config, run->gather,
              run->wide, run->split, run->error);
    return 1;
  }
  ++seen.config[run->config];
  ++seen.split[run->split - 1];
  seen.generic += run->gather == TCONV_IGEMM_GENERIC;
  seen.strip += run->gather == TCONV_IGEMM_STRIP;
  seen.wide += run->wide;
  seen.reversed += reverse;
  return 0;
}

/* The plan's runs of alike blocks in launch order are the emulation's. */
static int same_runs(const tconv_launch_plan *plan, const test_igemm_run *run) {
  if (plan->runs != run->runs)
    return 0;
  for (int i = 0; i < run->runs; ++i)
    if (plan->run_blocks[i] != run->run_blocks[i] || plan->run_trips[i] != run->run_chunks[i])
      return 0;
  return 1;
}

/* The launch plan of the launcher's choice is what the emulation ran. */
static int check_plan(const test_case *c, const tconv_problem *p, const test_igemm_run *run) {
  tconv_launch_plan plan;
  if (tconv_launch_plan_of(p, TCONV_ALGO_IGEMM, &plan) != TCONV_STATUS_OK) {
    CASE_FAIL(c, "no igemm plan: %s", tconv_last_error());
    return 1;
  }
  const tconv_igemm_choice choice = {run->config, run->gather, run->wide, run->split};
  const tconv_igemm_config k = tconv_igemm_config_of(run->config);
  ++seen.planned;
  if (strcmp(plan.kernel, tconv_igemm_kernel_name(&choice)) != 0 || plan.threads != k.threads ||
      plan.bm != k.bm || plan.bn != k.bn || plan.bk != k.bk || plan.split_k != run->split ||
      plan.cluster != run->split || plan.grid[0] != run->grid[0] || plan.grid[1] != run->grid[1] ||
      plan.grid[2] != run->grid[2] || plan.active_blocks != run->blocks ||
      plan.main_loop_trips != run->max_chunks || plan.macs_computed != run->macs ||
      !same_runs(&plan, run)) {
    CASE_FAIL(c,
              "plan %s %dx%dx%d split %d grid %lldx%lldx%lld, %lld blocks, %lld chunks, %lld "
              "MACs; ran %dx%d split %d grid %lldx%lldx%lld, %lld blocks, %lld chunks, %lld MACs",
              plan.kernel, plan.bm, plan.bn, plan.bk, plan.split_k, (long long)plan.grid[0],
              (long long)plan.grid[1], (long long)plan.grid[2], (long long)plan.active_blocks,
              (long long)plan.main_loop_trips, (long long)plan.macs_computed, k.bm, k.bn,
              run->split, (long long)run->grid[0], (long long)run->grid[1], (long long)run->grid[2],
              (long long)run->blocks, (long long)run->max_chunks, (long long)run->macs);
    return 1;
  }
  return 0;
}

/* Emulates a finished case with choice `f` on floats and on small integers against the
 * reference; with both_orders also in reverse with early copies, bitwise equal to forward.
 * Returns 1 on a failure. */
static int emulate_case(test_case *c, forced f, int both_orders) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  char why[256];
  if (!tconv_igemm_supports(&p, why, sizeof why)) {
    if (c->padding_mode == TCONV_PADDING_ZEROS) {
      CASE_FAIL(c, "igemm refuses a zero-padded case: %s", why);
      return 1;
    }
    return 0; /* other padding modes are direct's */
  }
  if (c->padding_mode != TCONV_PADDING_ZEROS) {
    CASE_FAIL(c, "igemm takes padding mode %d", c->padding_mode);
    return 1;
  }
  case_buffers bu;
  if (case_buffers_alloc(c, &bu) != 0)
    return 1;
  int failed = 1;
  for (int integers = 0; integers < 2; ++integers) {
    case_fill_inputs(c, integers, bu.x, bu.w, bu.bias);
    const float *b = c->bias ? bu.bias : NULL;
    test_igemm_run run;
    if (case_reference(c, bu.x, bu.w, b, bu.ref) != 0 ||
        run_once(c, &p, f, 0, bu.x, bu.w, b, bu.y, &run) != 0)
      goto done;
    char what[96];
    snprintf(what, sizeof what, "igemm config %d gather %d wide %d split %d, %s", run.config,
             run.gather, run.wide, run.split, integers ? "integers" : "floats");
    if (case_compare(c, what, integers, bu.y, bu.ref) != 0)
      goto done;
    if (!integers && memcmp(&f, &LAUNCHER, sizeof f) == 0 && check_plan(c, &p, &run) != 0)
      goto done;
    if (both_orders) {
      test_igemm_run again;
      if (run_once(c, &p, f, 1, bu.x, bu.w, b, bu.y2, &again) != 0)
        goto done;
      snprintf(what, sizeof what, "igemm config %d split %d, reversed vs forward", run.config,
               run.split);
      if (case_compare_exact(c, what, bu.y2, bu.y) != 0)
        goto done;
    }
  }
  failed = 0;
done:
  case_buffers_free(&bu);
  return failed;
}

/* Whether the strip gather takes problem p in configuration `config` (32-bit offsets). */
static int strips_fit(const tconv_problem *p, int config) {
  const tconv_igemm_choice choice = {config, TCONV_IGEMM_STRIP, 0, 1};
  tconv_igemm_args a;
  tconv_igemm_args_make(p, &choice, &a);
  return tconv_igemm_strips_fit(&a);
}

/* A random choice the build has a kernel for. */
static forced random_forced(void) {
  forced f;
  f.config = (int)test_rng_int(0, TCONV_IGEMM_CONFIG_COUNT - 1);
  f.gather = f.config == 0 && test_rng_int(0, 2) == 0 ? TCONV_IGEMM_GENERIC : TCONV_IGEMM_MASK;
  f.wide = tconv_igemm_available(f.config, f.gather, 1) ? (int)test_rng_int(0, 1) : 0;
  f.split = (int)test_rng_int(1, TCONV_IGEMM_MAX_SPLIT);
  return f;
}

static int sweep_emulate(test_case *c, void *data) {
  (void)data;
  return emulate_case(c, LAUNCHER, 0);
}

static void test_igemm_sweep_1d(void) { case_test_sweep_1d(sweep_emulate); }

/* Random rank 1-3 cases; every fourth in a random forced choice (the mask gather only where
 * every phase has at most 64 taps), every eighth in both orders. */
static void test_igemm_sweep_random(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 400) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > CASE_WORK_LIMIT / 4)
      continue; /* redraw: bounded work per case */
    forced f = cases % 4 == 0 ? random_forced() : LAUNCHER;
    tconv_problem p;
    if (f.config >= 0 && case_problem(&c, &p) == 0 && tconv_igemm_needs_generic(&p)) {
      f.config = 0;
      f.gather = TCONV_IGEMM_GENERIC;
      f.wide = 0;
    }
    failed += emulate_case(&c, f, cases % 8 == 0);
    ++cases;
  }
  end_test(failed, cases);
}

/* Activations (and padding modes, which igemm must refuse but for zeros). */
static void test_igemm_conventions(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 150) {
    test_case c;
    case_random_conventions(&c);
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > CASE_WORK_LIMIT / 4)
      continue;
    failed += emulate_case(&c, LAUNCHER, 0);
    ++cases;
  }
  end_test(failed, cases);
}

/* A table in every configuration, splits cycling through 1 to 8, every other row with the
 * strip gather where the configuration has it and the row's strips fit; the first
 * configuration in both orders. */
static int64_t table_every_config(const case_spec *rows, size_t count, int64_t *cases) {
  int64_t failed = 0;
  for (size_t i = 0; i < count; ++i)
    for (int config = 0; config < TCONV_IGEMM_CONFIG_COUNT; ++config) {
      test_case c;
      case_from_spec(&c, &rows[i]);
      forced f = {config, TCONV_IGEMM_MASK, 0, 1 + ((int)i + config) % TCONV_IGEMM_MAX_SPLIT};
      tconv_problem p;
      if (case_finish(&c) != 0 || case_problem(&c, &p) != 0) {
        ++failed;
        continue;
      }
      if (tconv_igemm_needs_generic(&p))
        f.gather = TCONV_IGEMM_GENERIC, f.config = 0;
      else if (i % 2 == 1 && tconv_igemm_available(config, TCONV_IGEMM_STRIP, 0) &&
               !tconv_igemm_needs_wide(&p) && strips_fit(&p, config))
        f.gather = TCONV_IGEMM_STRIP;
      failed += emulate_case(&c, f, config == 0);
      ++*cases;
    }
  return failed;
}

static void test_igemm_edge_cases(void) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = table_every_config(case_edge_table, case_edge_count, &cases);
  end_test(failed, cases);
}

static void test_igemm_tiled_sizes(void) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = table_every_config(case_tile_table, case_tile_count, &cases);
  end_test(failed, cases);
}

/* The K split's reduction: every factor gives the reference's exact sums on integer inputs
 * (so the same bits), and on floats the same bits forward and in reverse, within tolerance
 * of the reference. The layer-like table, in the launcher's configuration. */
static void test_igemm_split_reduction(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  for (size_t i = 0; i < case_tile_count; ++i)
    for (int split = 1; split <= TCONV_IGEMM_MAX_SPLIT; split *= 2) {
      test_case c;
      case_from_spec(&c, &case_tile_table[i]);
      const forced f = {-1, -1, -1, split};
      failed += case_finish(&c) != 0 || emulate_case(&c, f, 1);
      ++cases;
    }
  end_test(failed, cases);
}

/* The generic gather and 64-bit offsets compute the same products in the same order as the
 * mask gather with 32-bit offsets: the same bits, on the same random inputs. */
static void test_igemm_variants_agree(void) {
  static const forced variants[3] = {
      {0, TCONV_IGEMM_MASK, 0, 2}, {0, TCONV_IGEMM_GENERIC, 0, 2}, {0, TCONV_IGEMM_MASK, 1, 2}};
  static const char *const names[3] = {"mask gather", "generic vs mask gather",
                                       "64- vs 32-bit offsets"};
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 40) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    tconv_problem p;
    if (case_finish(&c) != 0 || c.work > CASE_WORK_LIMIT / 4 || case_problem(&c, &p) != 0 ||
        tconv_igemm_needs_generic(&p))
      continue;
    case_buffers bu;
    float *ys[3] = {NULL, NULL, NULL};
    int bad = case_buffers_alloc(&c, &bu) != 0;
    if (!bad) {
      ys[0] = bu.y;
      ys[1] = bu.y2;
      ys[2] = malloc((size_t)c.y_count * sizeof(float));
      bad = ys[2] == NULL;
    }
    if (!bad) {
      case_fill_inputs(&c, 0, bu.x, bu.w, bu.bias);
      const float *b = c.bias ? bu.bias : NULL;
      bad = case_reference(&c, bu.x, bu.w, b, bu.ref) != 0;
      for (int v = 0; v < 3 && !bad; ++v) {
        test_igemm_run run;
        bad = run_once(&c, &p, variants[v], v == 2, bu.x, bu.w, b, ys[v], &run) != 0 ||
              (v == 0 ? case_compare_close(&c, names[0], ys[0], bu.ref)
                      : case_compare_exact(&c, names[v], ys[v], ys[0])) != 0;
      }
    }
    free(ys[2]);
    case_buffers_free(&bu);
    failed += bad;
    ++cases;
  }
  end_test(failed, cases);
}

/* The strip gather loads the same A tile as the mask gather: the same bits in both narrow
 * configurations, on random problems whose strips fit, in random splits, forward and (strip)
 * in reverse with early copies; problems whose strips do not fit are refused by the
 * emulation and never chosen by the launcher. */
static void test_igemm_strips_agree(void) {
  begin_test();
  int64_t cases = 0, failed = 0, refused = 0;
  while (cases < 40) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    tconv_problem p;
    char why[256];
    if (case_finish(&c) != 0 || c.work > CASE_WORK_LIMIT / 4 || case_problem(&c, &p) != 0 ||
        !tconv_igemm_supports(&p, why, sizeof why) || tconv_igemm_needs_generic(&p) ||
        tconv_igemm_needs_wide(&p))
      continue;
    const int config = (int)test_rng_int(3, TCONV_IGEMM_CONFIG_COUNT - 1);
    const int split = (int)test_rng_int(1, TCONV_IGEMM_MAX_SPLIT);
    const forced mask = {config, TCONV_IGEMM_MASK, 0, split};
    const forced strip = {config, TCONV_IGEMM_STRIP, 0, split};
    const tconv_igemm_choice chosen = tconv_igemm_choose(&p);
    case_buffers bu;
    if (case_buffers_alloc(&c, &bu) != 0) {
      ++failed, ++cases;
      continue;
    }
    case_fill_inputs(&c, 0, bu.x, bu.w, bu.bias);
    const float *b = c.bias ? bu.bias : NULL;
    test_igemm_run run;
    int bad = 0;
    if (!strips_fit(&p, config)) {
      /* refused, with a reason, and not the launcher's choice */
      memset(&run, 0, sizeof run);
      run.config = strip.config, run.gather = strip.gather, run.wide = 0, run.split = split;
      bad = test_igemm_emulate(&p, &run, bu.x, bu.w, b, bu.y) == 0 ||
            chosen.gather == TCONV_IGEMM_STRIP;
      if (bad)
        CASE_FAIL(&c, "the strip gather ran where its strips do not fit");
      refused += !bad;
    } else {
      bad = case_reference(&c, bu.x, bu.w, b, bu.ref) != 0 ||
            run_once(&c, &p, mask, 0, bu.x, bu.w, b, bu.y, &run) != 0 ||
            case_compare_close(&c, "mask gather", bu.y, bu.ref) != 0 ||
            run_once(&c, &p, strip, 1, bu.x, bu.w, b, bu.y2, &run) != 0 ||
            case_compare_exact(&c, "strip vs mask gather", bu.y2, bu.y) != 0;
      ++cases;
    }
    case_buffers_free(&bu);
    failed += bad;
  }
  printf("\n  %lld problems whose strips do not fit refused", (long long)refused);
  CU_ASSERT(refused >= 5);
  end_test(failed, cases);
}

/* Phases with more than 32 taps: up to 64 the mask gather (or its strips) with two mask
 * words, in the tile that follows Cout; past 64 the generic gather. The launcher's choice in both
 * orders, a split of 3, and for the mask gather the generic one forced (the same products). */
static void test_igemm_many_taps(void) {
  /* clang-format off */
  static const case_spec rows[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
    /* 7x7 strided convolution (49 taps; the stem of a ResNet) */
    {TCONV_OP_CONV, 2, 2, 3, 20, 1, 1, {17, 15, 1}, {7, 7, 1}, {2, 2, 1}, {1, 1, 1},
     {3, 3, 0}, {3, 3, 0}, {0, 0, 0}},
    /* 4x4x4 3-D convolution (64 taps: every bit of both words), dilated in one dimension */
    {TCONV_OP_CONV, 3, 1, 5, 9, 1, 0, {7, 8, 6}, {4, 4, 4}, {1, 2, 1}, {2, 1, 1},
     {2, 1, 3}, {1, 0, 2}, {0, 0, 0}},
    /* transposed, stride 1, 9x5 kernel (45 taps in the one phase) */
    {TCONV_OP_TRANSPOSE, 2, 2, 6, 7, 1, 1, {5, 6, 1}, {9, 5, 1}, {1, 1, 1}, {1, 1, 1},
     {4, 2, 0}, {4, 2, 0}, {0, 0, 0}},
    /* 1-D, 33 taps (the first of the second word) */
    {TCONV_OP_CONV, 1, 3, 4, 70, 1, 1, {90, 1, 1}, {33, 1, 1}, {3, 1, 1}, {1, 1, 1},
     {5, 0, 0}, {2, 0, 0}, {0, 0, 0}},
    /* transposed 2-D, stride 2, 15x9 kernel: phases of 8x5 = 40 down to 7x4 = 28 taps */
    {TCONV_OP_TRANSPOSE, 2, 1, 3, 40, 1, 1, {6, 7, 1}, {15, 9, 1}, {2, 2, 1}, {1, 1, 1},
     {7, 4, 0}, {6, 3, 0}, {1, 1, 0}},
    /* 9x9 convolution (81 taps): generic */
    {TCONV_OP_CONV, 2, 1, 3, 40, 1, 1, {12, 11, 1}, {9, 9, 1}, {1, 2, 1}, {1, 1, 1},
     {4, 4, 0}, {4, 3, 0}, {0, 0, 0}},
    /* 1-D transposed, 70 taps in the one phase: generic */
    {TCONV_OP_TRANSPOSE, 1, 2, 3, 9, 1, 0, {30, 1, 1}, {70, 1, 1}, {1, 1, 1}, {1, 1, 1},
     {20, 0, 0}, {30, 0, 0}, {0, 0, 0}},
  };
  /* clang-format on */
  begin_test();
  int64_t cases = 0, failed = 0;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    test_case c;
    tconv_problem p;
    case_from_spec(&c, &rows[i]);
    if (case_finish(&c) != 0 || case_problem(&c, &p) != 0) {
      ++failed;
      continue;
    }
    const tconv_geom g = tconv_geom_make(&p);
    int64_t most = 0; /* the most taps of a phase, counted here */
    for (int64_t o0 = 0; o0 < g.dim[0].out; ++o0)
      for (int64_t o1 = 0; o1 < g.dim[1].out; ++o1)
        for (int64_t o2 = 0; o2 < g.dim[2].out; ++o2) {
          const int64_t o[3] = {o0, o1, o2};
          int64_t taps = 1;
          for (int d = 0; d < 3; ++d)
            taps *=
                g.transposed
                    ? (g.dim[d].k - (o[d] + g.dim[d].pad) % g.dim[d].stride + g.dim[d].stride - 1) /
                          g.dim[d].stride
                    : g.dim[d].k;
          most = taps > most ? taps : most;
        }
    const tconv_igemm_choice choice = tconv_igemm_choose(&p);
    const int generic = most > TCONV_IGEMM_MASK_TAPS;
    const int mask_family = choice.gather == TCONV_IGEMM_MASK ||
                            (choice.gather == TCONV_IGEMM_STRIP && strips_fit(&p, choice.config));
    if ((generic ? choice.gather != TCONV_IGEMM_GENERIC : !mask_family) ||
        tconv_igemm_needs_generic(&p) != generic) {
      CASE_FAIL(&c, "%lld taps: the launcher picks gather %d", (long long)most, choice.gather);
      ++failed;
    }
    failed += emulate_case(&c, LAUNCHER, 1);
    const forced split = {-1, -1, -1, 3};
    failed += emulate_case(&c, split, 0);
    cases += 2;
    if (!generic) {
      const forced other = {0, TCONV_IGEMM_GENERIC, 0, 2};
      failed += emulate_case(&c, other, 0);
      ++cases;
    }
  }
  end_test(failed, cases);
}

/* Offsets at the edge of 32 bits: pads and strides so large that row offsets reach 2^31
 * while the tensors stay small. The launcher's choice (64-bit offsets where the rule asks
 * for them) must compute every case; under the sanitizers (make check) a 32-bit offset that
 * overflowed would be reported. Both widths must occur. */
static void test_igemm_offset_extremes(void) {
  begin_test();
  int64_t cases = 0, failed = 0, wide = 0;
  while (cases < 60) {
    test_case c;
    memset(&c, 0, sizeof c);
    case_dims_neutral(&c);
    c.op = TCONV_OP_CONV;
    c.rank = 2;
    c.n = test_rng_int(1, 2);
    c.cin = test_rng_int(1, 3);
    c.cout = test_rng_int(1, 20);
    c.groups = 1;
    c.bias = 1;
    for (int d = 0; d < 2; ++d) {
      c.in[d] = test_rng_int(1, 12);
      c.k[d] = test_rng_int(1, 3);
      c.s[d] = (int64_t)1 << test_rng_int(20, 28);
      c.pb[d] = test_rng_int(0, c.s[d] * 2);
      c.pe[d] = test_rng_int(0, 5);
    }
    tconv_problem p;
    if (case_finish(&c) != 0 || case_problem(&c, &p) != 0)
      continue;
    wide += tconv_igemm_needs_wide(&p);
    failed += emulate_case(&c, LAUNCHER, cases % 4 == 0);
    ++cases;
  }
  printf("\n  %lld of %lld with 64-bit offsets", (long long)wide, (long long)cases);
  CU_ASSERT(wide > 5 && wide < cases - 5);
  end_test(failed, cases);
}

/* After the sweeps: every variant ran, and the launch plans were checked. */
static void test_igemm_variants_ran(void) {
  for (int i = 0; i < TCONV_IGEMM_CONFIG_COUNT; ++i) {
    printf("\n  config %d: %lld emulated runs", i, (long long)seen.config[i]);
    CU_ASSERT(seen.config[i] >= 20);
  }
  printf("\n  splits 1..%d:", TCONV_IGEMM_MAX_SPLIT);
  for (int i = 0; i < TCONV_IGEMM_MAX_SPLIT; ++i) {
    printf(" %lld", (long long)seen.split[i]);
    CU_ASSERT(seen.split[i] >= 20);
  }
  printf("; generic %lld, strip %lld, 64-bit %lld, reversed %lld, plans checked %lld",
         (long long)seen.generic, (long long)seen.strip, (long long)seen.wide,
         (long long)seen.reversed, (long long)seen.planned);
  CU_ASSERT(seen.generic >= 20 && seen.strip >= 20 && seen.wide >= 20 && seen.reversed >= 20);
  CU_ASSERT(seen.planned >= 500);
}

static CU_TestInfo igemm_emulated_tests[] = {
    {"1-D sweep", test_igemm_sweep_1d},
    {"random rank 1-3 sweep, forced choices", test_igemm_sweep_random},
    {"activations; padding modes refused", test_igemm_conventions},
    {"edge cases, every configuration", test_igemm_edge_cases},
    {"layer-like sizes, every configuration", test_igemm_tiled_sizes},
    {"K split: exact on integers, bitwise in both orders", test_igemm_split_reduction},
    {"gathers and offset widths agree bitwise", test_igemm_variants_agree},
    {"strip gather: the mask gather's bits where its strips fit", test_igemm_strips_agree},
    {"more than 32 taps per phase: two mask words, then the generic gather", test_igemm_many_taps},
    {"offsets at the edge of 32 bits", test_igemm_offset_extremes},
    {"every variant ran, plans agree", test_igemm_variants_ran},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_igemm[] = {
    {"igemm_emulated", NULL, NULL, NULL, NULL, igemm_emulated_tests},
    CU_SUITE_INFO_NULL,
};
