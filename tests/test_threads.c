/*
 * test_threads.c - suites "threads" and "threads_determinism" (unit "threads").
 *
 * "threads" checks the threading rules of tconv.h with pthreads: several threads, each with
 * its own CPU context, run forward calls at once and get the single-threaded bits; one
 * context shared by every thread under a mutex (the documented alternative) gives them too;
 * the context-free functions (shape queries, the reference in its three formulations) run
 * concurrently, and each thread's tconv_last_error() - and each context's last error - holds
 * its own sentence while the other threads are writing theirs.
 *
 * "threads_determinism" runs every problem 50 times on the CPU backend (AUTO, which takes a CPU
 * algorithm) and through each reference formulation, poisoning the output with NaN before
 * each run, and requires identical bits; the REFERENCE algorithm gives the gather's bits.
 *
 * The problems use uniform random floats, not small integers, on purpose: only with inexact
 * sums would a change of accumulation order between runs or threads show up in the bits.
 * Worker threads never call CUnit (it is not thread-safe): they count mismatches in their
 * own record, and the main thread asserts after joining. Workers also never leave a loop
 * early, so every thread reaches every rendezvous and a failure cannot become a hang.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_THREADS 4
#define THREAD_ROUNDS 3      /* each worker runs every problem this many times */
#define DETERMINISM_RUNS 50  /* the figure */
#define NUM_FORMULATIONS 3   /* gather, scatter, zero insertion */
#define BAD_STRIDE_BASE 1000 /* thread t fails with stride -(BAD_STRIDE_BASE + t) */

/* One problem with its inputs and the single-threaded outputs every other run must equal. */
typedef struct problem {
  const char *name;
  tconv_op op;
  tconv_params params;
  int rank; /* spatial rank + 2 */
  int64_t x_dims[TCONV_MAX_RANK], w_dims[TCONV_MAX_RANK], y_dims[TCONV_MAX_RANK];
  int64_t x_count, w_count, y_count;
  float *x, *w, *bias;
  /* computed: the CPU backend's forward call (AUTO: a CPU algorithm, FP32 in a fixed order);
   * expected[0]: reference gather (or conv), expected[1], expected[2]: scatter and zero
   * insertion (transposed only). Each sums in its own order, so each is compared with its
   * own first result. */
  float *computed;
  float *expected[NUM_FORMULATIONS];
} problem;

#define NUM_PROBLEMS 3
static problem problems[NUM_PROBLEMS];

/* ---- problems ------------------------------------------------------------------------- */

static void set_dims(int64_t *dst, int rank, const int64_t *src) {
  memcpy(dst, src, (size_t)rank * sizeof *dst);
}

/* problems[i] with its name, op, rank (spatial + 2) and shapes; default parameters. */
static problem *problem_init(int i, const char *name, tconv_op op, int rank, const int64_t *x_dims,
                             const int64_t *w_dims) {
  problem *p = &problems[i];
  p->name = name;
  p->op = op;
  p->params = tconv_params_default(rank - 2);
  p->rank = rank;
  set_dims(p->x_dims, rank, x_dims);
  set_dims(p->w_dims, rank, w_dims);
  return p;
}

/* Odd, non-square, asymmetric: every parameter away from its default somewhere. */
static void define_problems(void) {
  problem *p = problem_init(
      0, "2-D transposed, stride (2,3), asymmetric padding, output_padding, bias",
      TCONV_OP_TRANSPOSE, 4, (const int64_t[]){2, 4, 9, 7}, (const int64_t[]){4, 3, 3, 4});
  p->params.stride[0] = 2, p->params.stride[1] = 3;
  p->params.pad_begin[0] = 1, p->params.pad_begin[1] = 0;
  p->params.pad_end[0] = 1, p->params.pad_end[1] = 2;
  p->params.output_padding[0] = 1, p->params.output_padding[1] = 2;

  p = problem_init(1, "3-D grouped conv, strides (2,1,2), dilation (1,2,1), bias", TCONV_OP_CONV, 5,
                   (const int64_t[]){1, 4, 6, 7, 5}, (const int64_t[]){6, 2, 3, 2, 3});
  p->params.groups = 2;
  p->params.stride[0] = 2, p->params.stride[2] = 2;
  p->params.dilation[1] = 2;
  p->params.pad_begin[0] = 1, p->params.pad_begin[2] = 1;
  p->params.pad_end[1] = 1, p->params.pad_end[2] = 1;

  p = problem_init(2, "1-D grouped transposed, stride 3, dilation 2, output_padding 1, no bias",
                   TCONV_OP_TRANSPOSE, 3, (const int64_t[]){3, 6, 11}, (const int64_t[]){6, 2, 3});
  p->params.groups = 3;
  p->params.stride[0] = 3;
  p->params.dilation[0] = 2;
  p->params.pad_begin[0] = 2, p->params.pad_end[0] = 1;
  p->params.output_padding[0] = 1;
}

static tconv_status output_shape(const problem *p, int64_t *y_dims) {
  return p->op == TCONV_OP_CONV
             ? tconv_conv_output_shape(&p->params, p->x_dims, p->w_dims, y_dims)
             : tconv_transpose_output_shape(&p->params, p->x_dims, p->w_dims, y_dims);
}

static int formulations_of(const problem *p) {
  return p->op == TCONV_OP_CONV ? 1 : NUM_FORMULATIONS;
}

/* The CPU reference on host arrays: formulation f of a transposed problem, or the conv. */
static tconv_status reference(const problem *p, int f, float *y) {
  return p->op == TCONV_OP_CONV
             ? tconv_reference_conv(&p->params, p->x_dims, p->x, p->w_dims, p->w, p->bias,
                                    p->y_dims, y)
             : tconv_reference_transpose(&p->params, (tconv_formulation)f, p->x_dims, p->x,
                                         p->w_dims, p->w, p->bias, p->y_dims, y);
}

/* Fills y with NaN, so that an output left unwritten cannot pass as the expected one. */
static void poison(float *y, int64_t n) { memset(y, 0xff, (size_t)n * sizeof *y); }

/* One forward call on ctx's CPU backend: buffers created, uploaded, computed (into a
 * NaN-poisoned y), downloaded into y, destroyed. */
static tconv_status forward_algo(tconv_context *ctx, const problem *p, tconv_algo algo, float *y) {
  const size_t xb = (size_t)p->x_count * sizeof(float), wb = (size_t)p->w_count * sizeof(float);
  const size_t yb = (size_t)p->y_count * sizeof(float);
  const int64_t bias_dims[1] = {p->y_dims[1]};
  tconv_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL;
  poison(y, p->y_count);
  tconv_status st = tconv_buffer_create(ctx, xb, &bx);
  if (!st)
    st = tconv_buffer_create(ctx, wb, &bw);
  if (!st)
    st = tconv_buffer_create(ctx, yb, &by);
  if (!st && p->bias != NULL)
    st = tconv_buffer_create(ctx, (size_t)bias_dims[0] * sizeof(float), &bb);
  if (!st)
    st = tconv_buffer_upload(ctx, bx, 0, p->x, xb);
  if (!st)
    st = tconv_buffer_upload(ctx, bw, 0, p->w, wb);
  if (!st && bb != NULL)
    st = tconv_buffer_upload(ctx, bb, 0, p->bias, (size_t)bias_dims[0] * sizeof(float));
  if (!st)
    st = tconv_buffer_upload(ctx, by, 0, y, yb);
  if (!st) {
    const tconv_tensor tx = tconv_tensor_make(bx, 0, p->rank, p->x_dims);
    const tconv_tensor tw = tconv_tensor_make(bw, 0, p->rank, p->w_dims);
    const tconv_tensor ty = tconv_tensor_make(by, 0, p->rank, p->y_dims);
    const tconv_tensor tb = tconv_tensor_make(bb, 0, 1, bias_dims);
    const tconv_tensor *pb = bb != NULL ? &tb : NULL;
    st = p->op == TCONV_OP_CONV
             ? tconv_conv_forward(ctx, &p->params, &tx, &tw, pb, &ty, algo, NULL)
             : tconv_transpose_forward(ctx, &p->params, &tx, &tw, pb, &ty, algo, NULL);
  }
  if (!st)
    st = tconv_buffer_download(ctx, by, 0, y, yb);
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(bb);
  tconv_buffer_destroy(by);
  return st;
}

static tconv_status forward(tconv_context *ctx, const problem *p, float *y) {
  return forward_algo(ctx, p, TCONV_ALGO_AUTO, y);
}

/* Data from the seeded generator (main thread only: it is not thread-safe), output shapes,
 * and the single-threaded results. */
static int suite_init(void) {
  define_problems();
  tconv_context *ctx = NULL;
  if (tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx) != TCONV_STATUS_OK)
    return 1;
  int failed = 0;
  for (int i = 0; i < NUM_PROBLEMS && !failed; ++i) {
    problem *p = &problems[i];
    if (output_shape(p, p->y_dims) != TCONV_STATUS_OK) {
      fprintf(stderr, "threads: %s: %s\n", p->name, tconv_last_error());
      failed = 1;
      break;
    }
    p->x_count = test_count(p->rank, p->x_dims);
    p->w_count = test_count(p->rank, p->w_dims);
    p->y_count = test_count(p->rank, p->y_dims);
    const int with_bias = i != 2;
    p->x = malloc((size_t)p->x_count * sizeof(float));
    p->w = malloc((size_t)p->w_count * sizeof(float));
    p->bias = with_bias ? malloc((size_t)p->y_dims[1] * sizeof(float)) : NULL;
    p->computed = malloc((size_t)p->y_count * sizeof(float));
    failed = p->x == NULL || p->w == NULL || (with_bias && p->bias == NULL) || !p->computed;
    for (int f = 0; f < formulations_of(p) && !failed; ++f)
      failed = (p->expected[f] = malloc((size_t)p->y_count * sizeof(float))) == NULL;
    if (failed)
      break;
    test_fill_uniform(p->x, p->x_count);
    test_fill_uniform(p->w, p->w_count);
    if (p->bias != NULL)
      test_fill_uniform(p->bias, p->y_dims[1]);
    failed = forward(ctx, p, p->computed) != TCONV_STATUS_OK;
    for (int f = 0; f < formulations_of(p) && !failed; ++f) {
      poison(p->expected[f], p->y_count);
      failed = reference(p, f, p->expected[f]) != TCONV_STATUS_OK;
    }
    if (failed)
      fprintf(stderr, "threads: %s: %s\n", p->name, tconv_last_error());
  }
  tconv_context_destroy(ctx);
  return failed;
}

static int suite_cleanup(void) {
  for (int i = 0; i < NUM_PROBLEMS; ++i) {
    problem *p = &problems[i];
    free(p->x);
    free(p->w);
    free(p->bias);
    free(p->computed);
    for (int f = 0; f < NUM_FORMULATIONS; ++f)
      free(p->expected[f]);
    memset(p, 0, sizeof *p);
  }
  return 0;
}

static int same_bits(const float *a, const float *b, int64_t n) {
  return test_first_difference(a, b, n) < 0;
}

/* ---- a rendezvous that cannot hang ------------------------------------------------------ */

/* pthread_barrier_t would wait forever for a thread that was never created; this one can be
 * broken by the main thread, after which every wait returns at once. */
typedef struct rendezvous {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int parties, arrived, broken;
  unsigned long generation;
} rendezvous;

static void rendezvous_init(rendezvous *r, int parties) {
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->changed, NULL);
  r->parties = parties;
  r->arrived = r->broken = 0;
  r->generation = 0;
}

static void rendezvous_wait(rendezvous *r) {
  pthread_mutex_lock(&r->lock);
  const unsigned long generation = r->generation;
  if (++r->arrived == r->parties) {
    r->arrived = 0;
    r->generation++;
    pthread_cond_broadcast(&r->changed);
  } else {
    while (generation == r->generation && !r->broken)
      pthread_cond_wait(&r->changed, &r->lock);
  }
  pthread_mutex_unlock(&r->lock);
}

static void rendezvous_break(rendezvous *r) {
  pthread_mutex_lock(&r->lock);
  r->broken = 1;
  pthread_cond_broadcast(&r->changed);
  pthread_mutex_unlock(&r->lock);
}

static void rendezvous_destroy(rendezvous *r) {
  pthread_cond_destroy(&r->changed);
  pthread_mutex_destroy(&r->lock);
}

/* ---- workers ---------------------------------------------------------------------------- */

typedef struct worker {
  pthread_t thread;
  int id;
  int started;
  rendezvous *meet;
  tconv_context *shared;        /* the shared context (NULL: the worker makes its own) */
  pthread_mutex_t *shared_lock; /* held around every use of `shared` */
  /* Results, read by the main thread after joining. */
  int runs, failed_calls, mismatches, error_leaks;
  char first_problem[256];
} worker;

static void note(worker *wk, int *counter, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Counts a problem and keeps the first sentence (which names the thread) for the report. */
static void note(worker *wk, int *counter, const char *format, ...) {
  ++*counter;
  if (wk->first_problem[0] != '\0')
    return;
  int n = snprintf(wk->first_problem, sizeof wk->first_problem, "thread %d: ", wk->id);
  va_list args;
  va_start(args, format);
  vsnprintf(wk->first_problem + n, sizeof wk->first_problem - (size_t)n, format, args);
  va_end(args);
}

/* Makes this thread's last error (and, with ctx, the context's) name this thread: a shape
 * query - or, with ctx, a forward call - with stride -(BAD_STRIDE_BASE + id). */
static void fail_with_own_sentence(worker *wk, tconv_context *ctx, char *expect, size_t size) {
  problem *p = &problems[0];
  tconv_params bad = p->params;
  bad.stride[0] = -(BAD_STRIDE_BASE + wk->id);
  snprintf(expect, size, "stride %d must be >= 1", -(BAD_STRIDE_BASE + wk->id));
  tconv_status st;
  if (ctx != NULL) {
    tconv_buffer *b = NULL;
    float scratch[1];
    st = tconv_buffer_wrap(ctx, scratch, sizeof scratch, &b);
    const tconv_tensor t = tconv_tensor_make(b, 0, p->rank, p->x_dims);
    if (!st)
      st = tconv_transpose_forward(ctx, &bad, &t, &t, NULL, &t, TCONV_ALGO_AUTO, NULL);
    else
      st = TCONV_STATUS_INTERNAL;
    tconv_buffer_destroy(b);
  } else {
    int64_t y_dims[TCONV_MAX_RANK];
    st = tconv_transpose_output_shape(&bad, p->x_dims, p->w_dims, y_dims);
  }
  if (st != TCONV_STATUS_INVALID_ARGUMENT)
    note(wk, &wk->failed_calls, "a bad stride was not rejected");
}

/* Own context: every problem THREAD_ROUNDS times, then the per-context last error. */
static void *own_context_worker(void *arg) {
  worker *wk = arg;
  tconv_context *ctx = NULL;
  if (tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx) != TCONV_STATUS_OK)
    note(wk, &wk->failed_calls, "context create: %s", tconv_last_error());
  rendezvous_wait(wk->meet); /* every context exists: the forward calls overlap */
  for (int round = 0; round < THREAD_ROUNDS && ctx != NULL; ++round) {
    for (int i = 0; i < NUM_PROBLEMS; ++i) {
      const problem *p = &problems[i];
      float *y = malloc((size_t)p->y_count * sizeof(float));
      if (y == NULL) {
        note(wk, &wk->failed_calls, "out of memory");
        continue;
      }
      ++wk->runs;
      if (forward(ctx, p, y) != TCONV_STATUS_OK)
        note(wk, &wk->failed_calls, "forward: %s", tconv_context_last_error(ctx));
      else if (!same_bits(y, p->computed, p->y_count))
        note(wk, &wk->mismatches, "%s differs from the single-threaded bits", p->name);
      free(y);
    }
  }
  char expect[64];
  if (ctx != NULL)
    fail_with_own_sentence(wk, ctx, expect, sizeof expect);
  rendezvous_wait(wk->meet); /* every context now holds its own thread's failure */
  if (ctx != NULL && strstr(tconv_context_last_error(ctx), expect) == NULL)
    note(wk, &wk->error_leaks, "context last error is '%s'", tconv_context_last_error(ctx));
  tconv_context_destroy(ctx);
  return NULL;
}

/* Shared context: the whole sequence (buffers, upload, forward, download) under the lock,
 * as tconv.h requires; the context's last error is read under the lock too. */
static void *shared_context_worker(void *arg) {
  worker *wk = arg;
  rendezvous_wait(wk->meet);
  for (int round = 0; round < THREAD_ROUNDS; ++round) {
    for (int i = 0; i < NUM_PROBLEMS; ++i) {
      const problem *p = &problems[(i + wk->id) % NUM_PROBLEMS]; /* threads interleave */
      float *y = malloc((size_t)p->y_count * sizeof(float));
      if (y == NULL) {
        note(wk, &wk->failed_calls, "out of memory");
        continue;
      }
      ++wk->runs;
      pthread_mutex_lock(wk->shared_lock);
      const tconv_status st = forward(wk->shared, p, y);
      const int clean = tconv_context_last_error(wk->shared)[0] == '\0';
      pthread_mutex_unlock(wk->shared_lock);
      if (st != TCONV_STATUS_OK)
        note(wk, &wk->failed_calls, "forward: %s", tconv_status_name(st));
      else if (!same_bits(y, p->computed, p->y_count))
        note(wk, &wk->mismatches, "%s differs from the single-threaded bits", p->name);
      if (st == TCONV_STATUS_OK && !clean)
        note(wk, &wk->error_leaks, "a successful call left a last error");
      free(y);
    }
  }
  return NULL;
}

/* No context: shape queries and every reference formulation, and this thread's own
 * tconv_last_error() surviving the other threads' failures. */
static void *context_free_worker(void *arg) {
  worker *wk = arg;
  char expect[64];
  rendezvous_wait(wk->meet);
  for (int round = 0; round < THREAD_ROUNDS; ++round) {
    for (int i = 0; i < NUM_PROBLEMS; ++i) {
      const problem *p = &problems[(i + wk->id) % NUM_PROBLEMS];
      int64_t y_dims[TCONV_MAX_RANK];
      ++wk->runs;
      if (output_shape(p, y_dims) != TCONV_STATUS_OK ||
          memcmp(y_dims, p->y_dims, (size_t)p->rank * sizeof y_dims[0]) != 0)
        note(wk, &wk->mismatches, "output shape of %s", p->name);
      float *y = malloc((size_t)p->y_count * sizeof(float));
      for (int f = 0; f < formulations_of(p) && y != NULL; ++f) {
        poison(y, p->y_count);
        if (reference(p, f, y) != TCONV_STATUS_OK)
          note(wk, &wk->failed_calls, "reference: %s", tconv_last_error());
        else if (!same_bits(y, p->expected[f], p->y_count))
          note(wk, &wk->mismatches, "reference %s differs", p->name);
      }
      if (y == NULL)
        note(wk, &wk->failed_calls, "out of memory");
      free(y);
    }
    /* Every thread records its failure, then all read theirs back once all have written. */
    fail_with_own_sentence(wk, NULL, expect, sizeof expect);
    rendezvous_wait(wk->meet);
    if (strstr(tconv_last_error(), expect) == NULL)
      note(wk, &wk->error_leaks, "tconv_last_error() is '%s'", tconv_last_error());
    rendezvous_wait(wk->meet); /* nobody fails again before everyone has checked */
    int64_t y_dims[TCONV_MAX_RANK];
    if (output_shape(&problems[0], y_dims) != TCONV_STATUS_OK || tconv_last_error()[0] != '\0')
      note(wk, &wk->error_leaks, "success left the last error '%s'", tconv_last_error());
  }
  return NULL;
}

/* Starts NUM_THREADS workers on `body`, joins them and asserts on their records. */
static void run_workers(void *(*body)(void *), tconv_context *shared,
                        pthread_mutex_t *shared_lock) {
  worker workers[NUM_THREADS];
  rendezvous meet;
  rendezvous_init(&meet, NUM_THREADS);
  memset(workers, 0, sizeof workers);
  int created = 0;
  for (int t = 0; t < NUM_THREADS; ++t) {
    workers[t].id = t;
    workers[t].meet = &meet;
    workers[t].shared = shared;
    workers[t].shared_lock = shared_lock;
    workers[t].started = pthread_create(&workers[t].thread, NULL, body, &workers[t]) == 0;
    created += workers[t].started;
  }
  if (created != NUM_THREADS)
    rendezvous_break(&meet);
  CU_ASSERT_EQUAL(created, NUM_THREADS);
  int runs = 0;
  for (int t = 0; t < NUM_THREADS; ++t) {
    if (!workers[t].started)
      continue;
    pthread_join(workers[t].thread, NULL);
    const worker *wk = &workers[t];
    if (wk->first_problem[0] != '\0')
      printf("\n    %s ", wk->first_problem);
    CU_ASSERT_EQUAL(wk->failed_calls, 0);
    CU_ASSERT_EQUAL(wk->mismatches, 0);
    CU_ASSERT_EQUAL(wk->error_leaks, 0);
    runs += wk->runs;
  }
  CU_ASSERT_EQUAL(runs, created * THREAD_ROUNDS * NUM_PROBLEMS);
  rendezvous_destroy(&meet);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_context_per_thread(void) { run_workers(own_context_worker, NULL, NULL); }

static void test_shared_context_with_lock(void) {
  tconv_context *ctx = NULL;
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  run_workers(shared_context_worker, ctx, &lock);
  tconv_context_destroy(ctx);
  pthread_mutex_destroy(&lock);
}

static void test_context_free_functions(void) { run_workers(context_free_worker, NULL, NULL); }

/* DETERMINISM_RUNS forward calls on one CPU context and as many reference calls per
 * formulation, each into a poisoned output, all equal to the first result's bits. */
static void test_repeated_runs_identical(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  for (int i = 0; i < NUM_PROBLEMS; ++i) {
    const problem *p = &problems[i];
    float *y = malloc((size_t)p->y_count * sizeof(float));
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    int differing = 0, failed = 0;
    for (int run = 0; run < DETERMINISM_RUNS; ++run) {
      failed += forward(ctx, p, y) != TCONV_STATUS_OK;
      differing += !same_bits(y, p->computed, p->y_count);
      for (int f = 0; f < formulations_of(p); ++f) {
        poison(y, p->y_count);
        failed += reference(p, f, y) != TCONV_STATUS_OK;
        differing += !same_bits(y, p->expected[f], p->y_count);
      }
    }
    if (failed + differing != 0)
      printf("\n    %s: %d failed calls, %d runs with other bits ", p->name, failed, differing);
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL(differing, 0);
    free(y);
  }
  tconv_context_destroy(ctx);
}

/* The CPU backend's REFERENCE algorithm is the gather formulation, bit for bit; AUTO (a CPU
 * algorithm, float accumulation) agrees with it within the float32 tolerance. */
static void test_backend_is_reference(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  for (int i = 0; i < NUM_PROBLEMS; ++i) {
    const problem *p = &problems[i];
    float *y = malloc((size_t)p->y_count * sizeof(float));
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    CU_ASSERT_EQUAL(forward_algo(ctx, p, TCONV_ALGO_REFERENCE, y), TCONV_STATUS_OK);
    CU_ASSERT(same_bits(y, p->expected[0], p->y_count));
    CU_ASSERT(test_rel_error(p->computed, p->expected[0], p->y_count) <= TEST_F32_TOLERANCE);
    free(y);
  }
  tconv_context_destroy(ctx);
}

static CU_TestInfo threads_tests[] = {
    {"one context per thread: single-threaded bits", test_context_per_thread},
    {"one context shared under a lock: single-threaded bits", test_shared_context_with_lock},
    {"context-free calls concurrently; last error per thread", test_context_free_functions},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo threads_determinism_tests[] = {
    {"50 runs per problem and formulation: identical bits", test_repeated_runs_identical},
    {"REFERENCE = gather bitwise; AUTO within 1e-5", test_backend_is_reference},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_threads[] = {
    {"threads", suite_init, suite_cleanup, NULL, NULL, threads_tests},
    {"threads_determinism", suite_init, suite_cleanup, NULL, NULL, threads_determinism_tests},
    CU_SUITE_INFO_NULL,
};
