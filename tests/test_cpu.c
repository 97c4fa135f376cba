/*
 * test_cpu.c - suite "cpu" (unit "cpu"): the CPU backend's algorithms (CPU_IGEMM, CPU_DIRECT,
 * and AUTO as dispatched) against the CPU reference on the GPU suites' case generators:
 * the exhaustive 1-D sweep, random rank 1-3 cases, padding modes and activations, the edge
 * table and the layer-like sizes. Each case runs on seeded random floats (relative error
 * <= 1e-5 against the double reference) and on small integers (bitwise equal to the
 * reference, every activation included: sigmoid and tanh are evaluated in double), through the
 * public API on host buffers: y sits at an odd offset between guard words and is poisoned with NaN
 * before every run, inputs at odd offsets too. Both algorithms compute each output as the same FMA
 * chain (cpu.h), so their results must be the same bits, and so must every kernel set this
 * processor runs (AVX-512, AVX2, portable) - checked on a share of the cases.
 *
 * TCONV_TEST_CPU_CASES sets the number of random cases (default 300, and two thirds as many
 * padding-mode and activation cases; make check-valgrind lowers it).
 *
 * Thread counts, the thread API, failing thread creation and allocation are in
 * test_cpu_threads.c (suite "cpu_threads", registered from here).
 */
#include "cases.h"
#include "cpu_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANDOM_CASES_DEFAULT 300 /* TCONV_TEST_CPU_CASES changes it (make check-valgrind) */
#define ISA_EVERY 5              /* every fifth random case also runs under every kernel set */

static tconv_context *cpu_ctx;
static int64_t algo_cases[CPU_ALGO_COUNT];
static int64_t isa_cases;

static const char *const isa_names[] = {"avx512", "avx2", "generic"};

/* Every kernel set gives cpu_igemm's bits (the default set's result is `want`). */
static int check_isas(test_case *c, cpu_harness *h, const float *x, const float *w,
                      const float *bias, const float *want, float *y) {
  int failed = 0;
  for (size_t i = 0; i < sizeof isa_names / sizeof isa_names[0] && !failed; ++i) {
    if (tconv_test_cpu_isa(isa_names[i]) != 0)
      continue;
    for (int a = 0; a < CPU_ALGO_COUNT - 1 && !failed; ++a) {
      char what[64];
      snprintf(what, sizeof what, "%s with kernel set %s", tconv_algo_name(cpu_algos[a]),
               isa_names[i]);
      failed = cpu_harness_run(h, c, cpu_algos[a], x, w, bias, y) != 0 ||
               case_compare_exact(c, what, y, want) != 0;
    }
  }
  tconv_test_cpu_isa(NULL);
  isa_cases += !failed;
  return failed;
}

/* When set, check_case only counts what it would check (test_coverage replays the sweeps
 * so, whatever ran before it). */
static int counting_only;

/* Every CPU algorithm on one case; with `isas`, every kernel set too. 1 on a failure. */
static int check_case(test_case *c, int isas) {
  if (case_finish(c) != 0)
    return 1;
  if (counting_only) {
    for (int a = 0; a < CPU_ALGO_COUNT; ++a)
      algo_cases[a] += case_supported(cpu_ctx, c, cpu_algos[a]) == TCONV_STATUS_OK;
    isa_cases += isas;
    return 0;
  }
  cpu_data d;
  cpu_harness h;
  if (cpu_data_make(c, &d) != 0)
    return 1;
  int failed = 1;
  if (cpu_harness_make(&h, cpu_ctx, c) != 0)
    goto done;
  for (int a = 0; a < CPU_ALGO_COUNT; ++a) {
    const tconv_algo algo = cpu_algos[a];
    if (case_supported(cpu_ctx, c, algo) != TCONV_STATUS_OK) {
      CASE_FAIL(c, "%s refuses the case: %s", tconv_algo_name(algo),
                tconv_context_last_error(cpu_ctx));
      goto release;
    }
    char what[64];
    snprintf(what, sizeof what, "%s, floats", tconv_algo_name(algo));
    if (cpu_harness_run(&h, c, algo, d.x, d.w, CASE_BIAS(c, d.bias), d.y[a]) != 0 ||
        case_compare_close(c, what, d.y[a], d.ref) != 0)
      goto release;
    if (a > 0) {
      snprintf(what, sizeof what, "%s vs %s, floats", tconv_algo_name(algo),
               tconv_algo_name(cpu_algos[0]));
      if (case_compare_exact(c, what, d.y[a], d.y[0]) != 0)
        goto release;
    }
    snprintf(what, sizeof what, "%s, integers", tconv_algo_name(algo));
    if (cpu_harness_run(&h, c, algo, d.xi, d.wi, CASE_BIAS(c, d.biasi), d.yi) != 0 ||
        case_compare_exact(c, what, d.yi, d.refi) != 0)
      goto release;
    ++algo_cases[a];
  }
  failed = isas ? check_isas(c, &h, d.x, d.w, CASE_BIAS(c, d.bias), d.y[0], d.yi) : 0;
release:
  cpu_harness_free(&h);
done:
  cpu_data_free(&d);
  return failed;
}

/* ---- tests -------------------------------------------------------------------------------- */

static int suite_init(void) {
  if (tconv_context_create(TCONV_BACKEND_CPU, 0, &cpu_ctx) != TCONV_STATUS_OK)
    return 1;
  /* Three threads: uneven shares of the tiles wherever a case has enough work. */
  return tconv_context_set_threads(cpu_ctx, 3) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_context_destroy(cpu_ctx);
  cpu_ctx = NULL;
  return 0;
}

/* DESIGN §4's worked examples, exactly. */
static void test_worked_examples(void) {
  begin_test();
  static const float x1[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w1[4] = {1, 2, 3, 4};
  static const float want1[4] = {37, 47, 67, 77};
  static const float x2[4] = {0, 1, 2, 3}, w2[4] = {0, 1, 2, 3};
  static const float want2[9] = {0, 0, 1, 0, 4, 6, 4, 12, 9};
  for (int example = 0; example < 2; ++example) {
    test_case c;
    memset(&c, 0, sizeof c);
    case_dims_neutral(&c);
    c.op = example ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV;
    c.rank = 2;
    c.n = c.cin = c.cout = c.groups = 1;
    c.in[0] = c.in[1] = example ? 2 : 3;
    c.k[0] = c.k[1] = 2;
    cpu_harness h;
    float y[9];
    if (case_finish(&c) != 0 || cpu_harness_make(&h, cpu_ctx, &c) != 0)
      return;
    for (int a = 0; a < CPU_ALGO_COUNT; ++a)
      if (cpu_harness_run(&h, &c, cpu_algos[a], example ? x2 : x1, example ? w2 : w1, NULL, y) == 0)
        case_compare_exact(&c, tconv_algo_name(cpu_algos[a]), y, example ? want2 : want1);
    cpu_harness_free(&h);
  }
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* data: the number of cases checked so far (every ISA_EVERY-th also under every kernel set),
 * or NULL for none of them. */
static int sweep_check(test_case *c, void *data) {
  int64_t *checked = data;
  return check_case(c, checked != NULL && (*checked)++ % ISA_EVERY == 0);
}

static void test_sweep_1d(void) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = case_sweep_1d(sweep_check, NULL, &cases);
  end_test(failed, cases);
}

int64_t cpu_random_cases(void) {
  const char *env = getenv("TCONV_TEST_CPU_CASES");
  const int64_t n = env != NULL && env[0] != '\0' ? strtoll(env, NULL, 10) : RANDOM_CASES_DEFAULT;
  return n > 0 ? n : RANDOM_CASES_DEFAULT;
}

static void test_sweep_random(void) {
  begin_test();
  int64_t checked = 0;
  const int64_t wanted = cpu_random_cases();
  end_test(case_sweep_random(sweep_check, &checked, wanted, 0, CASE_WORK_LIMIT, NULL), wanted);
}

/* Padding modes (conv: reflect, replicate, circular; transposed: circular) and every fused
 * activation. */
static void test_sweep_conventions(void) {
  begin_test();
  int64_t checked = 0, padded = 0;
  const int64_t wanted = cpu_random_cases() * 2 / 3;
  const int64_t failed =
      case_sweep_random(sweep_check, &checked, wanted, 1, CASE_WORK_LIMIT / 4, &padded);
  CU_ASSERT(padded > wanted / 3);
  end_test(failed, wanted);
}

static void test_edge_cases(void) {
  begin_test();
  int64_t failed = 0;
  for (size_t i = 0; i < case_edge_count; ++i) {
    test_case c;
    case_from_spec(&c, &case_edge_table[i]);
    failed += check_case(&c, 1);
  }
  end_test(failed, (int64_t)case_edge_count);
}

/* Many column blocks per phase: cpu_igemm packs all of A once instead of per tile (the
 * sweeps' small cases take the per-tile path). */
/* clang-format off */
static const case_spec wide_table[] = {
  /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
  {TCONV_OP_TRANSPOSE, 2, 3, 20, 26, 1, 1, {21, 17, 1}, {4, 3, 1}, {2, 3, 1}, {1, 2, 1},
   {1, 2, 0}, {2, 0, 0}, {1, 1, 0}},
  {TCONV_OP_CONV, 3, 2, 12, 18, 3, 1, {9, 12, 11}, {3, 2, 3}, {1, 2, 2}, {2, 1, 1},
   {2, 0, 1}, {1, 1, 2}, {0, 0, 0}},
  {TCONV_OP_TRANSPOSE, 1, 5, 24, 10, 2, 0, {300, 1, 1}, {5, 1, 1}, {3, 1, 1}, {2, 1, 1},
   {4, 0, 0}, {1, 0, 0}, {1, 0, 0}},
  /* k = s: every phase reads the same input, B packed once for all of them */
  {TCONV_OP_TRANSPOSE, 2, 2, 12, 20, 1, 1, {40, 33, 1}, {2, 3, 1}, {2, 3, 1}, {1, 1, 1},
   {0, 0, 0}, {0, 1, 0}, {0, 0, 0}},
  /* more taps in a phase than a block of K holds: blocks of one input channel (few columns
   * and many) */
  {TCONV_OP_CONV, 2, 1, 3, 10, 1, 1, {20, 21, 1}, {17, 17, 1}, {1, 1, 1}, {1, 1, 1},
   {0, 1, 0}, {0, 0, 0}, {0, 0, 0}},
  {TCONV_OP_CONV, 1, 2, 2, 9, 1, 0, {1200, 1, 1}, {300, 1, 1}, {1, 1, 1}, {1, 1, 1},
   {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
  {TCONV_OP_TRANSPOSE, 1, 1, 2, 7, 1, 1, {40, 1, 1}, {270, 1, 1}, {1, 1, 1}, {1, 1, 1},
   {3, 0, 0}, {2, 0, 0}, {0, 0, 0}},
  /* few output channels and a prepared input beyond cpu_direct's block: its input channels
   * in blocks (2 and 3 of them, the last one shorter), the sums carried between blocks */
  {TCONV_OP_TRANSPOSE, 2, 2, 45, 3, 1, 1, {30, 27, 1}, {4, 3, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 0, 0}, {1, 0, 0}},
  {TCONV_OP_CONV, 2, 1, 50, 2, 1, 1, {40, 37, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
};
/* clang-format on */

/* Layer-like sizes: many tiles of rows and columns, long reductions over several K blocks. */
static void test_tiled_sizes(void) {
  begin_test();
  int64_t failed = 0;
  const size_t wide = sizeof wide_table / sizeof wide_table[0];
  for (size_t i = 0; i < case_tile_count + wide; ++i) {
    test_case c;
    case_from_spec(&c,
                   i < case_tile_count ? &case_tile_table[i] : &wide_table[i - case_tile_count]);
    failed += check_case(&c, i % 3 == 0);
  }
  end_test(failed, (int64_t)(case_tile_count + wide));
}

/* The sweeps give every algorithm its cases and compare the kernel sets on enough of them:
 * they are replayed here (the same seeded streams), counting instead of running, so the test
 * holds whether or not they ran before it; they check every case they count. */
static void test_coverage(void) {
  memset(algo_cases, 0, sizeof algo_cases);
  isa_cases = 0;
  counting_only = 1;
  test_sweep_1d();
  test_sweep_random();
  test_sweep_conventions();
  test_edge_cases();
  test_tiled_sizes();
  counting_only = 0;
  for (int a = 0; a < CPU_ALGO_COUNT; ++a) {
    printf("\n  %-10s takes %lld cases", tconv_algo_name(cpu_algos[a]), (long long)algo_cases[a]);
    CU_ASSERT(algo_cases[a] >= cpu_random_cases() + 200); /* and the 1-D sweep's 290 */
  }
  printf("\n  every kernel set compared on %lld cases (this processor runs", (long long)isa_cases);
  for (size_t i = 0; i < sizeof isa_names / sizeof isa_names[0]; ++i)
    if (tconv_test_cpu_isa(isa_names[i]) == 0)
      printf(" %s", isa_names[i]);
  tconv_test_cpu_isa(NULL);
  printf(")");
  CU_ASSERT(isa_cases >= cpu_random_cases() / ISA_EVERY);
  CU_ASSERT_EQUAL(tconv_test_cpu_isa("generic"), 0); /* always available */
  CU_ASSERT_EQUAL(tconv_test_cpu_isa("sse9"), -1);
  tconv_test_cpu_isa(NULL);
}

static CU_TestInfo cpu_tests[] = {
    {"worked examples", test_worked_examples},
    {"1-D sweep: stride, kernel, dilation, every output_padding", test_sweep_1d},
    {"random rank 1-3 sweep", test_sweep_random},
    {"padding modes and activations", test_sweep_conventions},
    {"edge cases", test_edge_cases},
    {"layer-like sizes", test_tiled_sizes},
    {"every algorithm and kernel set ran (after the sweeps)", test_coverage},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_cpu[] = {
    {"cpu", suite_init, suite_cleanup, NULL, NULL, cpu_tests},
    CU_SUITE_INFO_NULL,
};
