/*
 * test_gpu_reliability.c - suites "gpu_reliability" and "gpu_reliability_large" (GPU only,
 * unit "gpu", registered only when a device is usable): what a real GPU process
 * meets that no CPU test shows.
 *
 * - tconv_buffer_wrap checks the pointer: ordinary host memory, pinned host memory, freed
 *   device memory, another device's memory and a range running past its allocation are
 *   refused with a sentence saying which; device memory (whole or a sub-range) and managed
 *   memory are taken, and a forward call through wrapped memory gives the worked example.
 * - The cuBLAS handle and its workspace exist as soon as the context does.
 * - A stream change while gemm work is in flight: the same context and the same gemm
 *   workspace on a second stream right after many queued runs on the first; both results
 *   must equal the reference (without the new stream waiting for the old one, the second
 *   run's columns overwrite the first's while its col2im reads them).
 * - groups = 70000 with one image through cuBLAS (more than 65535 matrices), both ops,
 *   against the reference.
 * - gpu_reliability_large (not registered with TCONV_TEST_GPU_LARGE=0): a transposed
 *   problem the 512 MiB cap cuts into two chunks, run with exactly the workspace the query
 *   gives and with one twice as large whose tail holds a sentinel: same bits, and the tail
 *   untouched.
 */
#include "cases.h"
#include "cuda_weak.h"
#include "internal.h" /* the context's cuBLAS handle */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- wrapped pointers ------------------------------------------------------------------- */

/* Wraps and expects a refusal whose sentence contains `needle`, and the handle NULL. */
static void expect_refused(void *data, size_t bytes, const char *needle, const char *what) {
  tconv_context *ctx = gpu_suite_context();
  tconv_buffer *b = (tconv_buffer *)&b;
  const tconv_status st = tconv_buffer_wrap(ctx, data, bytes, &b);
  const char *said = tconv_context_last_error(ctx);
  printf("\n  %s: %s \"%s\"", what, tconv_status_name(st), said);
  CU_ASSERT_EQUAL(st, TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(said, needle));
  CU_ASSERT_PTR_NULL(b);
  if (st == TCONV_STATUS_OK)
    tconv_buffer_destroy(b);
}

static void expect_taken(void *data, size_t bytes, const char *what) {
  tconv_context *ctx = gpu_suite_context();
  tconv_buffer *b = NULL;
  const tconv_status st = tconv_buffer_wrap(ctx, data, bytes, &b);
  if (st != TCONV_STATUS_OK)
    printf("\n  %s: %s \"%s\"", what, tconv_status_name(st), tconv_context_last_error(ctx));
  CU_ASSERT_EQUAL(st, TCONV_STATUS_OK);
  tconv_buffer_destroy(b);
}

/* The worked example (3x3 input 1..9, 2x2 kernel 1..4 -> 37 47 67 77) through buffers that
 * wrap one device allocation: x at 0, w at 256 bytes, y at 512. */
static void forward_through_wrapped(void *device) {
  tconv_context *ctx = gpu_suite_context();
  const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4};
  const int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, 2, 2};
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(ctx, device, sizeof x, &bx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(ctx, (char *)device + 256, sizeof w, &bw),
                        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(ctx, (char *)device + 512, 16, &by), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_upload(ctx, bx, 0, x, sizeof x), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_upload(ctx, bw, 0, w, sizeof w), TCONV_STATUS_OK);
  const tconv_params p = tconv_params_default(2);
  const tconv_tensor tx = tconv_tensor_make(bx, 0, 4, xd), tw = tconv_tensor_make(bw, 0, 4, wd);
  const tconv_tensor ty = tconv_tensor_make(by, 0, 4, yd);
  float y[4] = {0};
  CU_ASSERT_EQUAL(tconv_conv_forward(ctx, &p, &tx, &tw, NULL, &ty, TCONV_ALGO_DIRECT, NULL),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, by, 0, y, sizeof y), TCONV_STATUS_OK);
  CU_ASSERT(y[0] == 37 && y[1] == 47 && y[2] == 67 && y[3] == 77);
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(by);
}

static void test_wrap_checks_the_pointer(void) {
  CU_ASSERT_FATAL(cudaMalloc != NULL && cudaMallocHost != NULL && cudaMallocManaged != NULL &&
                  cudaGetDeviceCount != NULL && cudaSetDevice != NULL);
  const size_t mib = (size_t)1 << 20;
  void *device = NULL, *pinned = NULL, *managed = NULL, *freed = NULL;
  char *host = malloc(mib);
  CU_ASSERT_PTR_NOT_NULL_FATAL(host);
  CU_ASSERT_EQUAL_FATAL(cudaMalloc(&device, mib), 0);
  CU_ASSERT_EQUAL_FATAL(cudaMallocHost(&pinned, mib), 0);
  CU_ASSERT_EQUAL_FATAL(cudaMallocManaged(&managed, mib, TEST_CUDA_MEM_ATTACH_GLOBAL), 0);
  CU_ASSERT_EQUAL_FATAL(cudaMalloc(&freed, 64 * mib), 0);
  CU_ASSERT_EQUAL_FATAL(cudaFree(freed), 0);

  expect_taken(device, mib, "device memory, whole");
  expect_taken((char *)device + 4096, mib - 8192, "device memory, a sub-range");
  expect_taken(managed, mib, "managed memory");
  expect_refused(host, mib, "not CUDA memory", "malloc'ed host memory");
  expect_refused((void *)(uintptr_t)0x1000, 64, "not CUDA memory", "address 0x1000");
  expect_refused(freed, mib, "not CUDA memory", "freed device memory");
  expect_refused(pinned, mib, "pinned or registered host memory", "cudaMallocHost memory");
  /* More than any device holds: the range must leave device memory somewhere. */
  expect_refused(device, (size_t)1 << 40, "byte ", "1 TiB from a 1 MiB allocation");
  int count = 0;
  if (cudaGetDeviceCount(&count) == 0 && count >= 2) {
    void *other = NULL;
    CU_ASSERT_EQUAL_FATAL(cudaSetDevice(1), 0);
    CU_ASSERT_EQUAL_FATAL(cudaMalloc(&other, mib), 0);
    expect_refused(other, mib, "device memory of CUDA device 1", "device 1's memory");
    CU_ASSERT_EQUAL(cudaSetDevice(1), 0); /* the wrap made device 0 current */
    cudaFree(other);
  } else {
    printf("\n  another device's memory: not tested (one CUDA device)");
  }
  forward_through_wrapped(device);
  cudaFree(device);
  cudaFree(managed);
  cudaFreeHost(pinned);
  free(host);
}

/* ---- the cuBLAS handle ------------------------------------------------------------------ */

static void test_cublas_handle_made_with_the_context(void) {
  tconv_context *fresh = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CUDA, 0, &fresh), TCONV_STATUS_OK);
  CU_ASSERT_PTR_NOT_NULL(fresh->cublas);
  CU_ASSERT_PTR_NOT_NULL(fresh->cublas_workspace);
  CU_ASSERT(fresh->cublas_workspace_bytes >= ((size_t)4 << 20));
  tconv_context_destroy(fresh);
}

/* ---- a stream change while gemm work is in flight --------------------------------------- */

#define QUEUED_RUNS 50

/* Two input sets of one transposed problem on the shared context and one gemm workspace:
 * QUEUED_RUNS runs of the first on stream A, then, without waiting, the second on stream B. */
static void test_stream_change_in_flight(void) {
  tconv_context *ctx = gpu_suite_context();
  CU_ASSERT_FATAL(cudaStreamCreate != NULL);
  static const case_spec spec = {
      TCONV_OP_TRANSPOSE, 2,      4,      32,     32,     1,      1,
      {32, 32},           {4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {0, 0}};
  device_case first, second;
  CU_ASSERT_EQUAL_FATAL(device_case_make(&first, ctx, &spec, 11), 0);
  CU_ASSERT_EQUAL_FATAL(device_case_make(&second, ctx, &spec, 12), 0);
  const test_case *c = &first.c;
  const int rank = c->rank + 2;
  size_t need = 0;
  const tconv_tensor x1 = tconv_tensor_make(first.x, 0, rank, c->x_dims);
  const tconv_tensor w1 = tconv_tensor_make(first.w, 0, rank, c->w_dims);
  const tconv_tensor b1 = tconv_tensor_make(first.b, 0, 1, &c->cout);
  const tconv_tensor y1 = tconv_tensor_make(first.y, 0, rank, c->y_dims);
  const tconv_tensor x2 = tconv_tensor_make(second.x, 0, rank, c->x_dims);
  const tconv_tensor w2 = tconv_tensor_make(second.w, 0, rank, c->w_dims);
  const tconv_tensor b2 = tconv_tensor_make(second.b, 0, 1, &c->cout);
  const tconv_tensor y2 = tconv_tensor_make(second.y, 0, rank, c->y_dims);
  tconv_buffer *ws = NULL;
  CU_ASSERT_EQUAL_FATAL(
      tconv_workspace_size(ctx, c->op, &c->params, &x1, &w1, NULL, TCONV_ALGO_GEMM, &need),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(ctx, need, &ws), TCONV_STATUS_OK);
  void *streams[2] = {NULL, NULL};
  CU_ASSERT_EQUAL_FATAL(cudaStreamCreate(&streams[0]), 0);
  CU_ASSERT_EQUAL_FATAL(cudaStreamCreate(&streams[1]), 0);
  CU_ASSERT_EQUAL(tconv_context_set_stream(ctx, streams[0]), TCONV_STATUS_OK);
  for (int r = 0; r < QUEUED_RUNS; ++r)
    CU_ASSERT_EQUAL(
        tconv_transpose_forward(ctx, &c->params, &x1, &w1, &b1, &y1, TCONV_ALGO_GEMM, ws),
        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_stream(ctx, streams[1]), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &c->params, &x2, &w2, &b2, &y2, TCONV_ALGO_GEMM, ws),
                  TCONV_STATUS_OK);
  float *got = malloc((size_t)c->y_count * sizeof(float));
  CU_ASSERT_PTR_NOT_NULL_FATAL(got);
  /* Downloads run on stream B, after A's work (through the wait) and B's. */
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, first.y, 0, got, (size_t)c->y_count * 4),
                  TCONV_STATUS_OK);
  const double e1 = test_rel_error(got, first.ref, c->y_count);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, second.y, 0, got, (size_t)c->y_count * 4),
                  TCONV_STATUS_OK);
  const double e2 = test_rel_error(got, second.ref, c->y_count);
  printf("\n  stream A (%d runs): error %.3g; stream B: error %.3g", QUEUED_RUNS, e1, e2);
  CU_ASSERT(e1 <= TEST_F32_TOLERANCE);
  CU_ASSERT(e2 <= TEST_F32_TOLERANCE);
  CU_ASSERT_EQUAL(tconv_context_set_stream(ctx, NULL), TCONV_STATUS_OK);
  tconv_buffer_destroy(ws);
  device_case_release(&first);
  device_case_release(&second);
  CU_ASSERT_EQUAL(tconv_context_synchronize(ctx), TCONV_STATUS_OK);
  cudaStreamDestroy(streams[0]);
  cudaStreamDestroy(streams[1]);
  free(got);
}

/* ---- more than 65535 matrices in one cuBLAS series --------------------------------------- */

static void test_gemm_groups_past_65535(void) {
  tconv_context *ctx = gpu_suite_context();
  begin_test();
  /* clang-format off */
  static const case_spec specs[2] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, opad */
    {TCONV_OP_CONV, 1, 1, 70000, 70000, 70000, 1, {3}, {2}, {1}, {1}, {0}, {0}, {0}},
    {TCONV_OP_TRANSPOSE, 1, 1, 70000, 70000, 70000, 1, {3}, {2}, {2}, {1}, {0}, {0}, {1}},
  };
  /* clang-format on */
  int64_t failed = 0;
  for (int i = 0; i < 2; ++i) {
    device_case d;
    float *y = NULL;
    if (device_case_make(&d, ctx, &specs[i], 31 + (uint64_t)i) != 0 ||
        (y = malloc((size_t)d.c.y_count * sizeof(float))) == NULL ||
        device_case_run(&d, ctx, TCONV_ALGO_GEMM, y) != 0) {
      CASE_FAIL(&d.c, "gemm: %s", tconv_context_last_error(ctx));
      ++failed;
    } else {
      failed += case_compare_close(&d.c, "gemm, 70000 groups", y, d.ref) != 0;
    }
    free(y);
    device_case_release(&d);
  }
  end_test(failed, 2);
}

/* ---- a larger workspace changes nothing --------------------------------------------------- */

#define SENTINEL_WORD 0x7FA5A5A5u

/* Transposed, N 6, Cin 1, Cout 32, 4x4 kernel, stride 2, on 256 x 256: 128 MiB of columns per
 * image, four per chunk, 512 MiB of workspace; offered 1 GiB, of which the second half holds
 * the sentinel. */
static void test_gemm_larger_workspace(void) {
  tconv_context *ctx = gpu_suite_context();
  static const case_spec spec = {
      TCONV_OP_TRANSPOSE, 2,      6,      1,      32,     1,      1,
      {256, 256},         {4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {0, 0}};
  device_case d;
  CU_ASSERT_EQUAL_FATAL(device_case_make(&d, ctx, &spec, 21), 0);
  const test_case *c = &d.c;
  const int rank = c->rank + 2;
  const tconv_tensor x = tconv_tensor_make(d.x, 0, rank, c->x_dims);
  const tconv_tensor w = tconv_tensor_make(d.w, 0, rank, c->w_dims);
  const tconv_tensor b = tconv_tensor_make(d.b, 0, 1, &c->cout);
  const tconv_tensor y = tconv_tensor_make(d.y, 0, rank, c->y_dims);
  size_t need = 0;
  CU_ASSERT_EQUAL_FATAL(
      tconv_workspace_size(ctx, c->op, &c->params, &x, &w, &y, TCONV_ALGO_GEMM, &need),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(need, (size_t)512 << 20);
  tconv_buffer *exact = NULL, *large = NULL;
  const size_t tail_words = need / 4;
  uint32_t *tail = malloc(need);
  float *y_exact = malloc((size_t)c->y_count * 4), *y_large = malloc((size_t)c->y_count * 4);
  CU_ASSERT_FATAL(tail != NULL && y_exact != NULL && y_large != NULL);
  for (size_t i = 0; i < tail_words; ++i)
    tail[i] = SENTINEL_WORD;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(ctx, need, &exact), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(ctx, 2 * need, &large), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_upload(ctx, large, need, tail, need), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &c->params, &x, &w, &b, &y, TCONV_ALGO_GEMM, exact),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, d.y, 0, y_exact, (size_t)c->y_count * 4),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &c->params, &x, &w, &b, &y, TCONV_ALGO_GEMM, large),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, d.y, 0, y_large, (size_t)c->y_count * 4),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, large, need, tail, need), TCONV_STATUS_OK);
  size_t touched = 0;
  for (size_t i = 0; i < tail_words; ++i)
    touched += tail[i] != SENTINEL_WORD;
  const double error = test_rel_error(y_exact, d.ref, c->y_count);
  const int64_t differ = test_first_difference(y_large, y_exact, c->y_count);
  printf("\n  error %.3g; first difference between the two workspaces: %lld; tail words "
         "written: %zu",
         error, (long long)differ, touched);
  CU_ASSERT(error <= TEST_F32_TOLERANCE);
  CU_ASSERT_EQUAL(differ, -1);
  CU_ASSERT_EQUAL(touched, 0);
  tconv_buffer_destroy(exact);
  tconv_buffer_destroy(large);
  device_case_release(&d);
  free(tail);
  free(y_exact);
  free(y_large);
}

static CU_TestInfo gpu_reliability_tests[] = {
    {"wrap: device and managed memory taken, anything else refused, saying what",
     test_wrap_checks_the_pointer},
    {"the cuBLAS handle and its workspace are made with the context",
     test_cublas_handle_made_with_the_context},
    {"a stream change while gemm work is in flight", test_stream_change_in_flight},
    {"gemm with groups = 70000 (more than 65535 matrices per series)", test_gemm_groups_past_65535},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo gpu_reliability_large_tests[] = {
    {"gemm: a workspace twice the query's gives the same bits, its tail unused",
     test_gemm_larger_workspace},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"gpu_reliability", gpu_suite_init, gpu_suite_cleanup, NULL, NULL, gpu_reliability_tests},
    {"gpu_reliability_large", gpu_suite_init, gpu_suite_cleanup, NULL, NULL,
     gpu_reliability_large_tests},
    CU_SUITE_INFO_NULL,
};

CU_SuiteInfo *test_suites_gpu_reliability(void) {
  gpu_drop_large_suite(suites, "gpu_reliability_large");
  return suites;
}
