/*
 * test_cpu_threads.c - suite "cpu_threads" (unit "cpu"): the CPU algorithms' threads.
 *
 * Bitwise equality for thread counts 1, 2, 3 and 7 (and repeated runs, whose dynamic
 * scheduling differs) on problems large enough that every count above one really runs
 * several workers - checked through the library's worker count, not assumed. Inputs are
 * uniform floats, not integers: only inexact sums would show a change of accumulation order.
 * Then the thread API (tconv_context_set_threads, TCONV_NUM_THREADS), thread creation that
 * fails (the work goes to fewer threads, same bits), allocations that fail (OUT_OF_MEMORY
 * with a sentence and y untouched, or success with the same bits), the refusal of a
 * circular transposed convolution whose uncropped output is out of proportion (AUTO then
 * runs the reference), a fork's child making its own threads, and AUTO's choice between the
 * two algorithms.
 */
#include "cpu_cases.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEATS_MAX 20    /* fewer when TCONV_TEST_CPU_CASES is lowered */
#define ALLOC_FAILURES 40 /* allocations failed in turn: more than a call makes */

typedef struct thread_problem {
  const char *name;
  case_spec spec;
  int padding_mode, activation;
  float alpha;
} thread_problem;

/* clang-format off */
static const thread_problem problems[] = {
  {"2-D transposed, strides (2,3), asymmetric pads, output_padding, leaky relu",
   {TCONV_OP_TRANSPOSE, 2, 2, 16, 40, 1, 1, {27, 23, 1}, {4, 3, 1}, {2, 3, 1}, {1, 1, 1},
    {1, 0, 0}, {2, 1, 0}, {1, 2, 0}}, TCONV_PADDING_ZEROS, TCONV_ACTIVATION_LEAKY_RELU, 0.1f},
  {"3-D grouped conv, stride 2, dilation (1,2,1), reflect padding",
   {TCONV_OP_CONV, 3, 2, 16, 24, 2, 1, {9, 10, 11}, {3, 3, 3}, {2, 2, 2}, {1, 2, 1},
    {1, 2, 1}, {1, 1, 0}, {0, 0, 0}}, TCONV_PADDING_REFLECT, TCONV_ACTIVATION_NONE, 0.0f},
  {"1-D circular transposed, stride 3, dilation 2, tanh",
   {TCONV_OP_TRANSPOSE, 1, 3, 16, 16, 1, 1, {400, 1, 1}, {7, 1, 1}, {3, 1, 1}, {2, 1, 1},
    {3, 0, 0}, {5, 0, 0}, {1, 0, 0}}, TCONV_PADDING_CIRCULAR, TCONV_ACTIVATION_TANH, 0.0f},
  {"2-D depthwise conv, stride 2, replicate padding, relu",
   {TCONV_OP_CONV, 2, 2, 48, 48, 48, 1, {40, 37, 1}, {5, 5, 1}, {2, 2, 1}, {1, 1, 1},
    {2, 2, 0}, {2, 2, 0}, {0, 0, 0}}, TCONV_PADDING_REPLICATE, TCONV_ACTIVATION_RELU, 0.0f},
};
/* clang-format on */
#define NUM_PROBLEMS ((int)(sizeof problems / sizeof problems[0]))

static const int thread_counts[] = {1, 2, 3, 7};
#define NUM_COUNTS ((int)(sizeof thread_counts / sizeof thread_counts[0]))

static tconv_context *ctx;
static int most_joined; /* the most workers that took part in one call (run_with) */

static int make_case(int i, test_case *c) {
  case_from_spec(c, &problems[i].spec);
  c->padding_mode = problems[i].padding_mode;
  c->activation = problems[i].activation;
  c->alpha = problems[i].alpha;
  return case_finish(c);
}

static int suite_init(void) {
  return tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_test_cpu_spawn_limit(-1);
  tconv_test_cpu_fail_alloc(0);
  tconv_context_destroy(ctx);
  ctx = NULL;
  return 0;
}

/* Runs `algo` with `threads` threads; 0 when it succeeded (workers in *workers). */
static int run_with(cpu_harness *h, const test_case *c, const cpu_data *d, tconv_algo algo,
                    int threads, float *y, int *workers) {
  CU_ASSERT_EQUAL_FATAL(tconv_context_set_threads(ctx, threads), TCONV_STATUS_OK);
  const int failed = cpu_harness_run(h, c, algo, d->x, d->w, CASE_BIAS(c, d->bias), y);
  *workers = tconv_test_cpu_workers();
  if (tconv_test_cpu_joined() > most_joined)
    most_joined = tconv_test_cpu_joined();
  return failed;
}

/* Runs body on every problem with its data and a harness in the suite's context. */
static void for_each_problem(void (*body)(int i, test_case *c, cpu_data *d, cpu_harness *h)) {
  begin_test();
  for (int i = 0; i < NUM_PROBLEMS; ++i) {
    test_case c;
    cpu_data d;
    cpu_harness h;
    if (make_case(i, &c) != 0 || cpu_data_make(&c, &d) != 0)
      continue;
    if (cpu_harness_make(&h, ctx, &c) == 0) {
      body(i, &c, &d, &h);
      cpu_harness_free(&h);
    }
    cpu_data_free(&d);
  }
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* Every algorithm, every thread count: the bits of one thread, and several workers offered
 * the job. */
static void every_count(int i, test_case *c, cpu_data *d, cpu_harness *h) {
  printf("\n  %s: workers", problems[i].name);
  for (int a = 0; a < CPU_ALGO_COUNT; ++a) {
    int workers;
    if (run_with(h, c, d, cpu_algos[a], 1, d->y[a], &workers) != 0)
      continue;
    case_compare_close(c, "one thread vs the reference", d->y[a], d->ref);
    CU_ASSERT_EQUAL(workers, 1);
    printf(" %s", tconv_algo_name(cpu_algos[a]));
    for (int t = 1; t < NUM_COUNTS; ++t) {
      char what[96];
      if (run_with(h, c, d, cpu_algos[a], thread_counts[t], d->yi, &workers) != 0)
        continue;
      snprintf(what, sizeof what, "%s, %d threads vs 1", tconv_algo_name(cpu_algos[a]),
               thread_counts[t]);
      case_compare_exact(c, what, d->yi, d->y[a]);
      printf(" %d:%d", thread_counts[t], workers);
      CU_ASSERT(workers >= 2 && workers <= thread_counts[t]);
    }
  }
}

static void test_thread_counts(void) {
  most_joined = 0;
  for_each_problem(every_count);
  /* Offered workers may find the tasks gone (a busy machine wakes them late); in some call at
   * least, a second thread ran tasks. */
  printf("\n  at most %d workers took part in one call", most_joined);
  CU_ASSERT(most_joined >= 2);
}

/* Up to REPEATS_MAX runs on 7 threads: tasks land on other threads each time, the bits do not
 * move. */
static void repeated_runs(int i, test_case *c, cpu_data *d, cpu_harness *h) {
  (void)i;
  int workers;
  const int64_t repeats =
      cpu_random_cases() / 15 < REPEATS_MAX ? cpu_random_cases() / 15 + 2 : REPEATS_MAX;
  if (run_with(h, c, d, TCONV_ALGO_AUTO, 7, d->y[0], &workers) == 0)
    for (int64_t r = 0; r < repeats; ++r)
      if (run_with(h, c, d, TCONV_ALGO_AUTO, 7, d->yi, &workers) != 0 ||
          case_compare_exact(c, "a repeated run", d->yi, d->y[0]) != 0)
        break;
}

static void test_repeated_runs(void) { for_each_problem(repeated_runs); }

/* Threads that cannot be created leave their work to the others: the one-thread bits. A
 * fresh context per limit, so that its team is created under the limit. The depthwise
 * problem: enough tasks and work for 3 workers in both algorithms. */
static void test_spawn_failure(void) {
  begin_test();
  test_case c;
  cpu_data d;
  cpu_harness h;
  if (make_case(3, &c) != 0 || cpu_data_make(&c, &d) != 0)
    return;
  int workers;
  if (cpu_harness_make(&h, ctx, &c) == 0) {
    run_with(&h, &c, &d, TCONV_ALGO_CPU_IGEMM, 1, d.y[0], &workers);
    cpu_harness_free(&h);
  }
  static const int limits[] = {0, 1, 2};
  tconv_context *shared = ctx;
  for (size_t l = 0; l < sizeof limits / sizeof limits[0]; ++l) {
    tconv_test_cpu_spawn_limit(limits[l]);
    CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
    if (cpu_harness_make(&h, ctx, &c) == 0) {
      for (int a = 0; a < CPU_ALGO_COUNT - 1; ++a)
        if (run_with(&h, &c, &d, cpu_algos[a], 7, d.yi, &workers) == 0) {
          case_compare_exact(&c, "with threads refused", d.yi, d.y[0]);
          CU_ASSERT_EQUAL(workers, limits[l] + 1);
        }
      cpu_harness_free(&h);
    }
    tconv_context_destroy(ctx);
    tconv_test_cpu_spawn_limit(-1);
  }
  ctx = shared;
  cpu_data_free(&d);
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* The n-th allocation fails, for every n a call reaches: OUT_OF_MEMORY naming what could not
 * be allocated with y untouched, or (scratch of a worker that is then left out) success with
 * the same bits. */
static void test_allocation_failure(void) {
  begin_test();
  static const int chosen[] = {0, 2, 3};
  for (size_t i = 0; i < sizeof chosen / sizeof chosen[0]; ++i) {
    test_case c;
    cpu_data d;
    cpu_harness h;
    if (make_case(chosen[i], &c) != 0 || cpu_data_make(&c, &d) != 0)
      continue;
    if (cpu_harness_make(&h, ctx, &c) == 0) {
      for (int a = 0; a < CPU_ALGO_COUNT - 1; ++a) {
        int workers, refused = 0, passed = 0;
        if (run_with(&h, &c, &d, cpu_algos[a], 3, d.y[a], &workers) != 0)
          continue;
        for (int n = 1; n <= ALLOC_FAILURES; ++n) {
          int guards_ok;
          tconv_test_cpu_fail_alloc(n);
          const tconv_status st = cpu_harness_call(&h, &c, cpu_algos[a], d.x, d.w,
                                                   CASE_BIAS(&c, d.bias), d.yi, &guards_ok);
          tconv_test_cpu_fail_alloc(0);
          CU_ASSERT(guards_ok);
          if (st == TCONV_STATUS_OK) {
            ++passed;
            case_compare_exact(&c, "after a failed scratch allocation", d.yi, d.y[a]);
            continue;
          }
          ++refused;
          CU_ASSERT_EQUAL(st, TCONV_STATUS_OUT_OF_MEMORY);
          CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "cannot allocate"));
          const uint32_t *raw = (const uint32_t *)(const void *)d.yi;
          int64_t written = 0;
          for (int64_t e = 0; e < c.y_count; ++e)
            written += raw[e] != 0xFFFFFFFFu;
          CU_ASSERT_EQUAL(written, 0);
        }
        CU_ASSERT(refused >= 2 && passed >= 1);
      }
      cpu_harness_free(&h);
    }
    cpu_data_free(&d);
  }
  CU_ASSERT_EQUAL(case_reported(), 0);
}

static void test_thread_api(void) {
  tconv_context *c = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &c), TCONV_STATUS_OK);
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (getenv("TCONV_NUM_THREADS") == NULL)
    CU_ASSERT_EQUAL(tconv_context_threads(c), online < 1 ? 1 : (int)online);
  CU_ASSERT_EQUAL(tconv_context_set_threads(c, 5), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_threads(c), 5);
  static const int bad[] = {-1, TCONV_MAX_THREADS + 1, -1000000};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    CU_ASSERT_EQUAL(tconv_context_set_threads(c, bad[i]), TCONV_STATUS_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(c), "set threads: threads"));
    CU_ASSERT_EQUAL(tconv_context_threads(c), 5);
  }
  CU_ASSERT_EQUAL(tconv_context_set_threads(c, TCONV_MAX_THREADS), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_threads(c, 0), TCONV_STATUS_OK);
  CU_ASSERT(tconv_context_threads(c) >= 1);
  CU_ASSERT_EQUAL(tconv_context_set_threads(NULL, 2), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_context_threads(NULL), 0);
  tconv_context_destroy(c);
}

/* TCONV_NUM_THREADS: an integer 1..TCONV_MAX_THREADS sets the default; anything else makes
 * context creation fail, naming the variable. */
static void test_environment(void) {
  const char *saved = getenv("TCONV_NUM_THREADS");
  char *keep = saved != NULL ? strdup(saved) : NULL;
  static const struct {
    const char *value;
    int threads; /* 0: refused */
  } table[] = {{"3", 3},   {"1", 1},  {"1024", 1024}, {"0", 0},    {"-2", 0},
               {"abc", 0}, {"4x", 0}, {"", 0},        {"1025", 0}, {"99999999999999999999", 0}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    setenv("TCONV_NUM_THREADS", table[i].value, 1);
    tconv_context *c = (tconv_context *)(void *)&table; /* must become NULL on failure */
    const tconv_status st = tconv_context_create(TCONV_BACKEND_CPU, 0, &c);
    if (table[i].threads > 0) {
      CU_ASSERT_EQUAL(st, TCONV_STATUS_OK);
      CU_ASSERT_EQUAL(tconv_context_threads(c), table[i].threads);
      tconv_context_destroy(c);
    } else {
      CU_ASSERT_EQUAL(st, TCONV_STATUS_INVALID_ARGUMENT);
      CU_ASSERT_PTR_NULL(c);
      CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "TCONV_NUM_THREADS="));
    }
  }
  if (keep != NULL)
    setenv("TCONV_NUM_THREADS", keep, 1);
  else
    unsetenv("TCONV_NUM_THREADS");
  free(keep);
}

/* Both CPU algorithms refuse c with a reason containing `reason`, and AUTO runs the
 * reference (the gather for a transposed convolution): the same bits. x, w, y and ref hold the
 * case's tensors. */
static void expect_refused(const test_case *c, const char *reason, float *x, float *w, float *y,
                           float *ref) {
  for (int a = 0; a < CPU_ALGO_COUNT - 1; ++a) {
    CU_ASSERT_EQUAL(case_supported(ctx, c, cpu_algos[a]), TCONV_STATUS_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), reason));
  }
  test_fill_uniform(x, c->x_count);
  test_fill_uniform(w, c->w_count);
  const tconv_status st =
      c->op == TCONV_OP_CONV
          ? tconv_reference_conv(&c->params, c->x_dims, x, c->w_dims, w, NULL, c->y_dims, ref)
          : tconv_reference_transpose(&c->params, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims,
                                      w, NULL, c->y_dims, ref);
  CU_ASSERT_EQUAL_FATAL(st, TCONV_STATUS_OK);
  cpu_harness h;
  if (cpu_harness_make(&h, ctx, c) == 0) {
    if (cpu_harness_run(&h, c, TCONV_ALGO_AUTO, x, w, NULL, y) == 0)
      case_compare_exact(c, "AUTO = the reference", y, ref);
    cpu_harness_free(&h);
  }
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* A circular transposed convolution whose uncropped output (2^21 + 1 per channel) is 10^5
 * times its output (21). */
static void test_refusal_falls_back(void) {
  begin_test();
  test_case c;
  memset(&c, 0, sizeof c);
  case_dims_neutral(&c);
  c.op = TCONV_OP_TRANSPOSE;
  c.rank = 1;
  c.n = c.cin = c.cout = c.groups = 2;
  c.in[0] = 3;
  c.s[0] = (int64_t)1 << 20;
  c.pb[0] = c.pe[0] = ((int64_t)1 << 20) - 10;
  c.padding_mode = TCONV_PADDING_CIRCULAR;
  if (case_finish(&c) != 0)
    return;
  CU_ASSERT_EQUAL(c.y_dims[2], 21);
  float x[12], w[2], ref[84], y[84];
  expect_refused(&c, "more than 16 times y", x, w, y, ref);
}

/* A convolution whose stride (2^41) is beyond the CPU algorithms' plan arithmetic (planning
 * would overflow 64 bits), on tensors of a few elements. */
static void test_extent_refused(void) {
  begin_test();
  test_case c;
  memset(&c, 0, sizeof c);
  case_dims_neutral(&c);
  c.op = TCONV_OP_CONV;
  c.rank = 1;
  c.n = c.cin = c.cout = c.groups = 1;
  c.in[0] = 5;
  c.s[0] = (int64_t)1 << 41;
  c.pb[0] = 2;
  if (case_finish(&c) != 0)
    return;
  CU_ASSERT_EQUAL(c.y_dims[2], 1);
  float x[5], w[1], ref[1], y[1];
  expect_refused(&c, "stride of more than 2^40", x, w, y, ref);
}

/* A process forked after a context's threads started has none of them: a call in the child
 * must make new ones, not wait for the parent's (it would hang). The child's result must be
 * the parent's bits. Not under ThreadSanitizer, which does not support a multithreaded
 * fork's child starting threads. */
static void test_fork(void) {
#if defined(__SANITIZE_THREAD__)
  printf("\n  not run under ThreadSanitizer");
#else
  begin_test();
  test_case c;
  cpu_data d;
  cpu_harness h;
  if (make_case(0, &c) != 0 || cpu_data_make(&c, &d) != 0)
    return;
  int workers;
  if (cpu_harness_make(&h, ctx, &c) == 0) {
    if (run_with(&h, &c, &d, TCONV_ALGO_CPU_IGEMM, 2, d.y[0], &workers) == 0) {
      CU_ASSERT_EQUAL(workers, 2);
      fflush(stdout);
      const pid_t child = fork();
      if (child == 0) { /* no CUnit here: the exit status says it all */
        int guards_ok;
        const tconv_status st = cpu_harness_call(&h, &c, TCONV_ALGO_CPU_IGEMM, d.x, d.w,
                                                 CASE_BIAS(&c, d.bias), d.yi, &guards_ok);
        _exit(st == TCONV_STATUS_OK && guards_ok && tconv_test_cpu_workers() == 2 &&
                      test_first_difference(d.yi, d.y[0], c.y_count) < 0
                  ? 0
                  : 1);
      }
      CU_ASSERT_FATAL(child > 0);
      int status = -1, waited = 0;
      for (int tries = 0; tries < 600 && waited == 0; ++tries) { /* up to a minute */
        waited = (int)waitpid(child, &status, WNOHANG);
        if (waited == 0)
          nanosleep(&(struct timespec){0, 100000000}, NULL);
      }
      if (waited == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        CU_FAIL("the forked child hung");
      } else {
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      }
    }
    cpu_harness_free(&h);
  }
  cpu_data_free(&d);
  CU_ASSERT_EQUAL(case_reported(), 0);
#endif
}

/* AUTO takes cpu_direct for depthwise and narrow groups, cpu_igemm otherwise. */
static void test_auto_choice(void) {
  static const struct {
    int64_t cin, cout, groups;
    tconv_algo want;
  } table[] = {{64, 64, 64, TCONV_ALGO_CPU_DIRECT},
               {64, 128, 64, TCONV_ALGO_CPU_DIRECT},
               {128, 3, 1, TCONV_ALGO_CPU_DIRECT},
               {256, 128, 1, TCONV_ALGO_CPU_IGEMM},
               {64, 64, 4, TCONV_ALGO_CPU_IGEMM}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    tconv_problem p;
    memset(&p, 0, sizeof p);
    p.op = TCONV_OP_TRANSPOSE;
    p.cin = table[i].cin;
    p.cout = table[i].cout;
    p.groups = table[i].groups;
    CU_ASSERT_EQUAL(tconv_cpu_choose(&p), table[i].want);
  }
}

static CU_TestInfo cpu_threads_tests[] = {
    {"threads 1, 2, 3, 7: same bits, several workers", test_thread_counts},
    {"repeated runs on 7 threads: same bits", test_repeated_runs},
    {"thread creation refused: fewer workers, same bits", test_spawn_failure},
    {"allocation failures: OUT_OF_MEMORY, y untouched", test_allocation_failure},
    {"set_threads / threads", test_thread_api},
    {"TCONV_NUM_THREADS", test_environment},
    {"refused problem: AUTO runs the reference", test_refusal_falls_back},
    {"stride beyond 2^40: refused, AUTO runs the reference", test_extent_refused},
    {"a forked child makes its own threads", test_fork},
    {"AUTO's choice", test_auto_choice},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_cpu_threads[] = {
    {"cpu_threads", suite_init, suite_cleanup, NULL, NULL, cpu_threads_tests},
    CU_SUITE_INFO_NULL,
};
