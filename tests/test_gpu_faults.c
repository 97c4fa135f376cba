/*
 * test_gpu_faults.c - suites "gpu_faults", "gpu_faults_large" and "gpu_faults_errors" (unit
 * "gpu", registered only when a device is usable): out-of-memory and CUDA errors become statuses
 * and leave the context working; every algorithm gives the same bits over 50 runs, on other streams
 * and from several threads with their own contexts; and problems whose input or output has more
 * than 2^31 elements are computed without wrapping (checked at sampled positions against the
 * definition).
 *
 * Streams (and, for the CUDA-error test, memory freed behind the library's back) are made with
 * the CUDA runtime, declared weakly in cuda_weak.h to keep the tests free of CUDA headers.
 * TCONV_TEST_GPU_LARGE=0 leaves "gpu_faults_large" unregistered (the sanitizer runs, where 12 GB
 * problems would take hours); it then says so and counts nothing. TCONV_TEST_GPU_REPEATS sets
 * the number of repeated runs (default 50; the sanitizer runs use fewer).
 */
#include "cases.h"
#include "cuda_weak.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPEATS_DEFAULT 50
#define THREADS 4

static tconv_context *ctx;

int gpu_suite_init(void) {
  return tconv_context_create(TCONV_BACKEND_CUDA, 0, &ctx) == TCONV_STATUS_OK ? 0 : 1;
}

int gpu_suite_cleanup(void) {
  tconv_context_destroy(ctx);
  ctx = NULL;
  return 0;
}

tconv_context *gpu_suite_context(void) { return ctx; }

static size_t bytes_of(int64_t n) { return (size_t)n * sizeof(float); }

void device_case_release(device_case *d) {
  tconv_buffer_destroy(d->x);
  tconv_buffer_destroy(d->w);
  tconv_buffer_destroy(d->b);
  tconv_buffer_destroy(d->y);
  tconv_buffer_destroy(d->workspace);
  free(d->ref);
  memset(d, 0, sizeof *d);
}

int device_case_make(device_case *d, tconv_context *on, const case_spec *spec, uint64_t seed) {
  memset(d, 0, sizeof *d);
  case_from_spec(&d->c, spec);
  if (case_finish(&d->c) != 0)
    return 1;
  const test_case *c = &d->c;
  float *x = malloc(bytes_of(c->x_count)), *w = malloc(bytes_of(c->w_count));
  float *b = malloc(bytes_of(c->cout));
  d->ref = malloc(bytes_of(c->y_count));
  int failed = 1;
  if (x == NULL || w == NULL || b == NULL || d->ref == NULL)
    goto done;
  /* A private generator state: threads must not share test_rng. */
  uint64_t state = seed;
  float *arrays[3] = {x, w, b};
  const int64_t counts[3] = {c->x_count, c->w_count, c->cout};
  for (int a = 0; a < 3; ++a)
    for (int64_t i = 0; i < counts[a]; ++i) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      arrays[a][i] = (float)((double)(state >> 40) / (double)(1u << 24) * 2.0 - 1.0);
    }
  if (tconv_buffer_create(on, bytes_of(c->x_count), &d->x) != TCONV_STATUS_OK ||
      tconv_buffer_create(on, bytes_of(c->w_count), &d->w) != TCONV_STATUS_OK ||
      tconv_buffer_create(on, bytes_of(c->cout), &d->b) != TCONV_STATUS_OK ||
      tconv_buffer_create(on, bytes_of(c->y_count), &d->y) != TCONV_STATUS_OK ||
      tconv_buffer_upload(on, d->x, 0, x, bytes_of(c->x_count)) != TCONV_STATUS_OK ||
      tconv_buffer_upload(on, d->w, 0, w, bytes_of(c->w_count)) != TCONV_STATUS_OK ||
      tconv_buffer_upload(on, d->b, 0, b, bytes_of(c->cout)) != TCONV_STATUS_OK)
    goto done;
  const tconv_status status =
      c->op == TCONV_OP_CONV
          ? tconv_reference_conv(&c->params, c->x_dims, x, c->w_dims, w, b, c->y_dims, d->ref)
          : tconv_reference_transpose(&c->params, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims,
                                      w, b, c->y_dims, d->ref);
  failed = status != TCONV_STATUS_OK;
done:
  free(x);
  free(w);
  free(b);
  return failed;
}

int device_case_run(device_case *d, tconv_context *on, tconv_algo algo, float *y) {
  const test_case *c = &d->c;
  const int rank = c->rank + 2;
  const tconv_tensor x = tconv_tensor_make(d->x, 0, rank, c->x_dims);
  const tconv_tensor w = tconv_tensor_make(d->w, 0, rank, c->w_dims);
  const tconv_tensor b = tconv_tensor_make(d->b, 0, 1, &c->cout);
  const tconv_tensor out = tconv_tensor_make(d->y, 0, rank, c->y_dims);
  size_t need = 0;
  if (tconv_workspace_size(on, c->op, &c->params, &x, &w, &out, algo, &need) != TCONV_STATUS_OK)
    return 1;
  if (need > tconv_buffer_size(d->workspace)) {
    tconv_buffer_destroy(d->workspace);
    d->workspace = NULL;
    if (tconv_buffer_create(on, need, &d->workspace) != TCONV_STATUS_OK)
      return 1;
  }
  const tconv_status status =
      c->op == TCONV_OP_CONV
          ? tconv_conv_forward(on, &c->params, &x, &w, &b, &out, algo, d->workspace)
          : tconv_transpose_forward(on, &c->params, &x, &w, &b, &out, algo, d->workspace);
  return status != TCONV_STATUS_OK ||
         tconv_buffer_download(on, d->y, 0, y, bytes_of(c->y_count)) != TCONV_STATUS_OK;
}

static const tconv_algo cuda_algos[] = {TCONV_ALGO_DIRECT, TCONV_ALGO_IGEMM, TCONV_ALGO_GEMM,
                                        TCONV_ALGO_DEPTHWISE, TCONV_ALGO_AUTO};
#define CUDA_ALGO_COUNT (sizeof cuda_algos / sizeof cuda_algos[0])

static int takes(tconv_context *on, const test_case *c, tconv_algo algo) {
  return case_supported(on, c, algo) == TCONV_STATUS_OK;
}

/* ---- out of memory, CUDA errors ------------------------------------------------------- */

/* After a failure the context must still compute correctly. */
static void check_context_works(const char *after) {
  device_case d;
  if (device_case_make(&d, ctx, &case_edge_table[0], 7) != 0) {
    CU_FAIL("setting up the follow-up case");
    device_case_release(&d);
    return;
  }
  float *y = malloc(bytes_of(d.c.y_count));
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  const int ran = device_case_run(&d, ctx, TCONV_ALGO_DIRECT, y);
  if (ran != 0)
    printf("\n  after %s: %s", after, tconv_context_last_error(ctx));
  CU_ASSERT_EQUAL(ran, 0);
  CU_ASSERT(ran != 0 || test_rel_error(y, d.ref, d.c.y_count) <= TEST_F32_TOLERANCE);
  free(y);
  device_case_release(&d);
}

static void test_out_of_memory(void) {
  tconv_buffer *huge = NULL;
  /* 1 PiB: more than any device holds. */
  CU_ASSERT_EQUAL(tconv_buffer_create(ctx, (size_t)1 << 50, &huge), TCONV_STATUS_OUT_OF_MEMORY);
  CU_ASSERT_PTR_NULL(huge);
  printf("\n  %s", tconv_context_last_error(ctx));
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "cudaMalloc"));
  check_context_works("out of memory");
}

static void test_cuda_error_is_a_status(void) {
  /* Wrapped device memory freed behind the library's back (the wrap-time check cannot see
   * it): the copy fails in the runtime. */
  CU_ASSERT_FATAL(cudaMalloc != NULL && cudaFree != NULL);
  void *memory = NULL;
  CU_ASSERT_EQUAL_FATAL(cudaMalloc(&memory, (size_t)64 << 20), 0);
  tconv_buffer *bogus = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(ctx, memory, 64, &bogus), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(cudaFree(memory), 0);
  const float data[16] = {0};
  const tconv_status status = tconv_buffer_upload(ctx, bogus, 0, data, sizeof data);
  printf("\n  %s: %s", tconv_status_name(status), tconv_context_last_error(ctx));
  CU_ASSERT_EQUAL(status, TCONV_STATUS_CUDA_ERROR);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "cudaMemcpyAsync"));
  tconv_buffer_destroy(bogus);
  check_context_works("a CUDA error");
}

/* ---- determinism: repeats, streams, threads ------------------------------------------- */

/* The layer-like cases, each algorithm that takes them: that many runs bitwise equal, then
 * the same on two other streams. */
static void test_repeats_and_streams(void) {
  begin_test();
  const char *env = getenv("TCONV_TEST_GPU_REPEATS");
  const int repeats = env != NULL && atoi(env) >= 2 ? atoi(env) : REPEATS_DEFAULT;
  void *streams[2] = {NULL, NULL};
  CU_ASSERT_FATAL(cudaStreamCreate != NULL);
  CU_ASSERT_EQUAL_FATAL(cudaStreamCreate(&streams[0]), 0);
  CU_ASSERT_EQUAL_FATAL(cudaStreamCreate(&streams[1]), 0);
  int64_t runs = 0, failed = 0;
  for (size_t i = 0; i < case_tile_count; ++i) {
    device_case d;
    if (device_case_make(&d, ctx, &case_tile_table[i], 100 + i) != 0) {
      ++failed;
      device_case_release(&d);
      continue;
    }
    float *first = malloc(bytes_of(d.c.y_count)), *y = malloc(bytes_of(d.c.y_count));
    if (first == NULL || y == NULL) {
      CASE_FAIL(&d.c, "out of host memory");
      ++failed;
    }
    for (size_t a = 0; a < CUDA_ALGO_COUNT && first != NULL && y != NULL; ++a) {
      if (!takes(ctx, &d.c, cuda_algos[a]))
        continue;
      for (int r = 0; r < repeats + 2; ++r) {
        /* runs 0..repeats-1 on the default stream, then one on each other stream */
        void *stream = r < repeats ? NULL : streams[r - repeats];
        if (tconv_context_set_stream(ctx, stream) != TCONV_STATUS_OK ||
            device_case_run(&d, ctx, cuda_algos[a], r == 0 ? first : y) != 0) {
          CASE_FAIL(&d.c, "%s run %d: %s", tconv_algo_name(cuda_algos[a]), r,
                    tconv_context_last_error(ctx));
          ++failed;
          break;
        }
        ++runs;
        if (r > 0 && test_first_difference(y, first, d.c.y_count) >= 0) {
          CASE_FAIL(&d.c, "%s run %d (%s stream) differs from run 0",
                    tconv_algo_name(cuda_algos[a]), r, stream == NULL ? "default" : "another");
          ++failed;
          break;
        }
      }
    }
    tconv_context_set_stream(ctx, NULL);
    free(first);
    free(y);
    device_case_release(&d);
  }
  printf("\n  %lld runs", (long long)runs);
  CU_ASSERT(runs >= (int64_t)case_tile_count * (repeats + 2)); /* direct takes every case */
  cudaStreamDestroy(streams[0]);
  cudaStreamDestroy(streams[1]);
  end_test(failed, (int64_t)case_tile_count);
}

typedef struct thread_job {
  const float *want; /* the single-threaded result of the case */
  size_t spec;
  int failed;
  char error[256];
} thread_job;

/* One thread: its own context on its own stream, every algorithm ten times. */
static void *thread_main(void *arg) {
  thread_job *job = arg;
  tconv_context *own = NULL;
  void *stream = NULL;
  device_case d;
  memset(&d, 0, sizeof d);
  job->failed = 1;
  float *y = NULL;
  if (tconv_context_create(TCONV_BACKEND_CUDA, 0, &own) != TCONV_STATUS_OK ||
      cudaStreamCreate(&stream) != 0 || tconv_context_set_stream(own, stream) != TCONV_STATUS_OK ||
      device_case_make(&d, own, &case_tile_table[job->spec], 100 + job->spec) != 0 ||
      (y = malloc(bytes_of(d.c.y_count))) == NULL) {
    snprintf(job->error, sizeof job->error, "setup: %s", tconv_last_error());
    goto done;
  }
  for (size_t a = 0; a < CUDA_ALGO_COUNT; ++a) {
    if (!takes(own, &d.c, cuda_algos[a]))
      continue;
    for (int r = 0; r < 10; ++r) {
      if (device_case_run(&d, own, cuda_algos[a], y) != 0) {
        snprintf(job->error, sizeof job->error, "%s: %s", tconv_algo_name(cuda_algos[a]),
                 tconv_context_last_error(own));
        goto done;
      }
      if (test_first_difference(y, job->want, d.c.y_count) >= 0 &&
          cuda_algos[a] == TCONV_ALGO_DIRECT) {
        snprintf(job->error, sizeof job->error, "direct differs from the single-threaded run");
        goto done;
      }
      if (test_rel_error(y, d.ref, d.c.y_count) > TEST_F32_TOLERANCE) {
        snprintf(job->error, sizeof job->error, "%s differs from the reference",
                 tconv_algo_name(cuda_algos[a]));
        goto done;
      }
    }
  }
  job->failed = 0;
done:
  free(y);
  device_case_release(&d);
  tconv_context_destroy(own);
  if (stream != NULL)
    cudaStreamDestroy(stream);
  return NULL;
}

static void test_threads_own_contexts(void) {
  CU_ASSERT_FATAL(cudaStreamCreate != NULL);
  thread_job jobs[THREADS];
  float *want[THREADS] = {NULL};
  /* Single-threaded first: direct's result for each thread's case. */
  for (int t = 0; t < THREADS; ++t) {
    device_case d;
    jobs[t].spec = (size_t)t % case_tile_count;
    if (device_case_make(&d, ctx, &case_tile_table[jobs[t].spec], 100 + jobs[t].spec) == 0 &&
        (want[t] = malloc(bytes_of(d.c.y_count))) != NULL)
      CU_ASSERT_EQUAL(device_case_run(&d, ctx, TCONV_ALGO_DIRECT, want[t]), 0);
    device_case_release(&d);
    jobs[t].want = want[t];
    jobs[t].error[0] = '\0';
  }
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t)
    CU_ASSERT_EQUAL_FATAL(pthread_create(&threads[t], NULL, thread_main, &jobs[t]), 0);
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(threads[t], NULL);
    if (jobs[t].failed)
      printf("\n  thread %d: %s", t, jobs[t].error);
    CU_ASSERT_EQUAL(jobs[t].failed, 0);
    free(want[t]);
  }
}

/* ---- more than 2^31 elements ------------------------------------------------------------ */

#define LARGE_CHUNK ((int64_t)1 << 24) /* floats per upload / poison chunk (a multiple of 8) */

/* x[i] = (i mod 8) - 4: exact small integers, the same in every chunk. */
static float large_x(int64_t i) { return (float)(i % 8 - 4); }

/* Fills a device buffer of n floats chunk by chunk with large_x (or NaN when poison). */
static int large_fill(tconv_buffer *buf, int64_t n, int poison, float *chunk) {
  for (int64_t i = 0; i < LARGE_CHUNK; ++i)
    chunk[i] = poison ? NAN : large_x(i);
  for (int64_t at = 0; at < n; at += LARGE_CHUNK) {
    const int64_t len = n - at < LARGE_CHUNK ? n - at : LARGE_CHUNK;
    if (tconv_buffer_upload(ctx, buf, bytes_of(at), chunk, bytes_of(len)) != TCONV_STATUS_OK)
      return 1;
  }
  return 0;
}

/* One 1-D problem (Cin = Cout = 1) with more than 2^31 elements on one side. The expected
 * value at output o follows from the definition; positions checked: both ends, around 2^31,
 * and 20000 random ones. */
static void large_case(tconv_op op, int64_t in, int64_t k, int64_t s, int64_t p) {
  tconv_params params = tconv_params_default(1);
  tconv_params_set_uniform(&params, s, p, 1, 0);
  const int64_t x_dims[3] = {1, 1, in}, w_dims[3] = {1, 1, k};
  int64_t y_dims[3];
  CU_ASSERT_EQUAL_FATAL(op == TCONV_OP_CONV
                            ? tconv_conv_output_shape(&params, x_dims, w_dims, y_dims)
                            : tconv_transpose_output_shape(&params, x_dims, w_dims, y_dims),
                        TCONV_STATUS_OK);
  const int64_t out = y_dims[2];
  printf("\n  %s: %lld inputs, %lld outputs", op == TCONV_OP_CONV ? "conv" : "transposed",
         (long long)in, (long long)out);
  CU_ASSERT(in > INT32_MAX || out > INT32_MAX);
  float w[16];
  for (int64_t j = 0; j < k; ++j)
    w[j] = (float)(j + 1);
  float *chunk = malloc(bytes_of(LARGE_CHUNK));
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);
  tconv_status status = tconv_buffer_create(ctx, bytes_of(in), &bx);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_create(ctx, bytes_of(out), &by);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_create(ctx, sizeof w, &bw);
  if (status != TCONV_STATUS_OK)
    printf("\n  device memory: %s", tconv_context_last_error(ctx));
  CU_ASSERT_EQUAL_FATAL(status, TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_upload(ctx, bw, 0, w, sizeof w), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(large_fill(bx, in, 0, chunk), 0);
  const tconv_tensor tx = tconv_tensor_make(bx, 0, 3, x_dims);
  const tconv_tensor tw = tconv_tensor_make(bw, 0, 3, w_dims);
  const tconv_tensor ty = tconv_tensor_make(by, 0, 3, y_dims);

  int64_t positions[20000 + 6];
  int count = 0;
  const int64_t fixed[6] = {0, 1, out - 1, out - 2, out / 2, INT32_MAX < out ? INT32_MAX : 3};
  for (int i = 0; i < 6; ++i)
    positions[count++] = fixed[i];
  for (int i = 0; i < 20000; ++i)
    positions[count++] = (int64_t)(test_rng_next() % (uint64_t)out);

  int checked = 0;
  for (size_t a = 0; a < CUDA_ALGO_COUNT; ++a) {
    const tconv_algo algo = cuda_algos[a];
    if (tconv_algo_supported(ctx, op, &params, &tx, &tw, NULL, algo) != TCONV_STATUS_OK) {
      CU_ASSERT(algo != TCONV_ALGO_DIRECT && algo != TCONV_ALGO_AUTO); /* these take all */
      printf("\n  %s refuses: %s", tconv_algo_name(algo), tconv_context_last_error(ctx));
      continue;
    }
    size_t need = 0;
    tconv_buffer *ws = NULL;
    CU_ASSERT_EQUAL(tconv_workspace_size(ctx, op, &params, &tx, &tw, NULL, algo, &need),
                    TCONV_STATUS_OK);
    if (need > 0 && tconv_buffer_create(ctx, need, &ws) != TCONV_STATUS_OK) {
      CU_FAIL("workspace");
      continue;
    }
    CU_ASSERT_EQUAL_FATAL(large_fill(by, out, 1, chunk), 0);
    status = op == TCONV_OP_CONV
                 ? tconv_conv_forward(ctx, &params, &tx, &tw, NULL, &ty, algo, ws)
                 : tconv_transpose_forward(ctx, &params, &tx, &tw, NULL, &ty, algo, ws);
    if (status == TCONV_STATUS_OK)
      status = tconv_context_synchronize(ctx);
    if (status != TCONV_STATUS_OK)
      printf("\n  %s: %s", tconv_algo_name(algo), tconv_context_last_error(ctx));
    CU_ASSERT_EQUAL(status, TCONV_STATUS_OK);
    int64_t wrong = 0;
    for (int i = 0; i < count && status == TCONV_STATUS_OK; ++i) {
      const int64_t o = positions[i];
      double want = 0.0;
      for (int64_t j = 0; j < k; ++j) {
        int64_t t;
        if (op == TCONV_OP_CONV) {
          t = o * s - p + j;
        } else {
          t = o + p - j;
          if (t < 0 || t % s != 0)
            continue;
          t /= s;
        }
        if (t >= 0 && t < in)
          want += (double)large_x(t) * w[j];
      }
      float got = NAN;
      if (tconv_buffer_download(ctx, by, bytes_of(o), &got, sizeof got) != TCONV_STATUS_OK ||
          got != (float)want) {
        if (wrong++ < 3)
          printf("\n  %s: y[%lld] is %g, expected %g", tconv_algo_name(algo), (long long)o,
                 (double)got, want);
      }
    }
    printf("\n  %s: %d positions checked, %lld wrong", tconv_algo_name(algo), count,
           (long long)wrong);
    CU_ASSERT_EQUAL(wrong, 0);
    checked += status == TCONV_STATUS_OK;
    tconv_buffer_destroy(ws);
  }
  CU_ASSERT(checked >= 2); /* direct and auto at least */
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(by);
  free(chunk);
}

/* Output of 2^31 + 6 elements (8 GiB) from 2^30 + 3 inputs. */
static void test_large_transpose(void) {
  large_case(TCONV_OP_TRANSPOSE, ((int64_t)1 << 30) + 3, 2, 2, 0);
}

/* Input of 2^31 + 7 elements (8 GiB), stride 2. */
static void test_large_conv(void) { large_case(TCONV_OP_CONV, ((int64_t)1 << 31) + 7, 3, 2, 1); }

static CU_TestInfo gpu_faults_tests[] = {
    {"out of memory is a status; the context keeps working", test_out_of_memory},
    {"every algorithm: 50 runs (TCONV_TEST_GPU_REPEATS) and two streams bitwise equal",
     test_repeats_and_streams},
    {"threads with their own contexts and streams", test_threads_own_contexts},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo gpu_faults_large_tests[] = {
    {"transposed conv, output > 2^31 elements", test_large_transpose},
    {"conv, input > 2^31 elements", test_large_conv},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo gpu_faults_errors_tests[] = {
    {"a CUDA error is a status naming the call", test_cuda_error_is_a_status},
    CU_TEST_INFO_NULL,
};

void gpu_drop_large_suite(CU_SuiteInfo *suites, const char *name) {
  const char *large = getenv("TCONV_TEST_GPU_LARGE");
  if (large != NULL && strcmp(large, "0") == 0) {
    printf("GPU suite %s: not registered (TCONV_TEST_GPU_LARGE=0), nothing counted\n", name);
    test_drop_suite(suites, name);
  }
}

/* gpu_faults_errors last: should a driver let the copy to freed memory through and fault (a
 * sticky error), nothing after it is lost (the unit list puts this table last too). */
static CU_SuiteInfo suites[] = {
    {"gpu_faults", gpu_suite_init, gpu_suite_cleanup, NULL, NULL, gpu_faults_tests},
    {"gpu_faults_large", gpu_suite_init, gpu_suite_cleanup, NULL, NULL, gpu_faults_large_tests},
    {"gpu_faults_errors", gpu_suite_init, gpu_suite_cleanup, NULL, NULL, gpu_faults_errors_tests},
    CU_SUITE_INFO_NULL,
};

CU_SuiteInfo *test_suites_gpu_faults(void) {
  gpu_drop_large_suite(suites, "gpu_faults_large");
  return suites;
}
