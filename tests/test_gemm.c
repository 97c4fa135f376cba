/*
 * test_gemm.c - suites "gemm_emulated" and "gemm_rules".
 *
 * No GPU is needed: the gemm algorithm runs on the CPU with the very functions its kernels
 * call (cuda/gemm.cuh, compiled here as C), and is compared with the CPU reference on the
 * case generators of the GPU suites (tests/cases.h): floats within 1e-5, small integers
 * bitwise.
 *
 * gemm_emulated: the whole algorithm replayed as gemm.cu runs it (gemm_emu.c: im2col, the
 * exact argument list gemm.cu gives cublasSgemmStridedBatched_64, checked as cuBLAS needs it,
 * a naive column-major SGEMM, col2im / the epilogue), per batch chunk. Every case runs with
 * the workspace the query asks for, with a larger one (the same calls and the same bits are
 * required), and planned for a random smaller cap (several chunks). The column buffer is NaN
 * before each chunk and y before each run, and every GEMM output element must be written
 * exactly once. The same replay also runs every dtype x layout x math combination (typed.h),
 * judged by the tolerance rule of host/tolerance.c, half of the checks planned for a smaller cap.
 *
 * gemm_rules: supports decisions and reasons, workspace sizes and chunking (the cap, at least
 * one image, overflow refused), the GEMM call layout.
 */
#include "cases.h"
#include "gemm_emu.h"
#include "typed.h"

#include "algos.h"
#include "problem.h"

#include "gemm.cuh"
#include "launch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached, so a test can insist that every code path was exercised. */
static struct {
  int64_t gemm_runs, chunks, multi_chunk_runs, calls_over_images, calls_over_groups;
} seen;

/* ---- one case ------------------------------------------------------------------------- */

/* The algorithm's runs of one input set: the launcher's plan with exactly the workspace it
 * asks for, then with a larger one (same calls, same bits), then planned for a random smaller
 * cap (several chunks). 0 when all match the reference. */
static int run_gemm(const test_case *c, const tconv_problem *p, int integers, const float *x,
                    const float *w, const float *b, const float *ref, float *y, float *y2) {
  char what[96];
  const size_t per_image = (size_t)tconv_gemm_image_columns(p) * sizeof(float);
  const size_t small_cap = per_image * (size_t)test_rng_int(1, max_i64(p->n - 1, 1));
  const struct {
    size_t cap, ws_bytes;
    const char *name;
  } runs[3] = {{TCONV_GEMM_WORKSPACE_CAP, tconv_gemm_workspace(p), "default"},
               {TCONV_GEMM_WORKSPACE_CAP, tconv_gemm_workspace(p) + per_image * 2 + 12,
                "larger than needed"},
               {small_cap, tconv_gemm_workspace_for_cap(p, small_cap), "smaller chunks"}};
  emu_trace first = {0}, t;
  for (int i = 0; i < 3; ++i) {
    float *out = i == 1 ? y2 : y;
    case_poison(out, c->y_count);
    snprintf(what, sizeof what, "gemm, %s workspace, %s", runs[i].name,
             integers ? "integers" : "floats");
    if (emu_gemm(c, p, runs[i].cap, runs[i].ws_bytes, 1, x, w, b, out, &t) != 0 ||
        case_compare(c, what, integers, out, ref))
      return 1;
    seen.gemm_runs += 1;
    seen.chunks += t.chunks;
    seen.multi_chunk_runs += t.chunks > 1;
    seen.calls_over_images += t.calls_over_images;
    seen.calls_over_groups += t.calls_over_groups;
    if (i == 0)
      first = t;
    if (i == 1 && (t.hash != first.hash || case_compare_exact(c, what, y2, y) != 0)) {
      CASE_FAIL(c, "%s: the calls or the bits changed with the workspace's size", what);
      return 1;
    }
  }
  return 0;
}

/* Runs a finished case, floats then integers. Returns 1 on a failure. */
static int emulate_case(const test_case *c) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  char why[256];
  if (!tconv_gemm_supports(&p, why, sizeof why)) {
    CASE_FAIL(c, "gemm refuses the case: %s", why);
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
             run_gemm(c, &p, integers, b.x, b.w, bias, b.ref, b.y, b.y2) != 0;
  }
  case_buffers_free(&b);
  return failed;
}

static int sweep_gemm(test_case *c, void *data) {
  (void)data;
  return emulate_case(c);
}

static void test_gemm_sweep_1d(void) { case_test_sweep_1d(sweep_gemm); }

/* Random rank 1-3 problems with random padding modes and activations. */
static void test_gemm_sweep_random(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < 300) {
    test_case c;
    case_random_conventions(&c);
    if (case_finish(&c) != 0) {
      ++failed;
      continue;
    }
    if (case_reference_work(&c) > CASE_WORK_LIMIT)
      continue;
    ++cases;
    failed += emulate_case(&c);
  }
  end_test(failed, cases);
}

/* The shared edge and layer-like tables (large channel counts: the GEMM's real shapes). */
static void test_gemm_tables(void) { case_test_tables(sweep_gemm); }

/* Every path was reached: several chunks, both batching layouts. */
static void test_gemm_paths_reached(void) {
  printf("\n  gemm runs %lld, chunks %lld, runs in several chunks %lld, calls batched over "
         "images %lld / over groups %lld",
         (long long)seen.gemm_runs, (long long)seen.chunks, (long long)seen.multi_chunk_runs,
         (long long)seen.calls_over_images, (long long)seen.calls_over_groups);
  CU_ASSERT(seen.multi_chunk_runs > 100);
  CU_ASSERT(seen.calls_over_images > 100);
  CU_ASSERT(seen.calls_over_groups > 100);
}

/* ---- every dtype x layout x math ---------------------------------------------------------- */

/* Typed runs in several chunks, and 16-bit convolutions through the FP32 output buffer. */
static struct { int64_t multi_chunk, buffered_out; } typed_seen;

/* The launcher's plan, or on every other check one for a random smaller cap (several chunks
 * with the dtype's own column and output-buffer sizes). */
static int typed_gemm(const test_case *c, const tconv_problem *p, const void *x, const void *w,
                      const void *bias, void *y, void *data) {
  (void)data;
  size_t cap = TCONV_GEMM_WORKSPACE_CAP;
  if (test_rng_int(0, 1))
    cap = (size_t)tconv_gemm_image_bytes(p) * (size_t)test_rng_int(1, max_i64(p->n - 1, 1));
  emu_trace t;
  const size_t ws_bytes = tconv_gemm_workspace_for_cap(p, cap);
  if (emu_gemm(c, p, cap, ws_bytes, 1, x, w, bias, y, &t) != 0)
    return 1;
  typed_seen.multi_chunk += t.chunks > 1;
  typed_seen.buffered_out += tconv_gemm_out_buffered(p);
  return 0;
}

#define TYPED_EMULATED_CASES 40

static void test_gemm_typed(void) {
  int64_t ran[TYPED_COMBO_COUNT];
  typed_sweep_emulated("gemm", TYPED_EMULATED_CASES, NULL, tconv_gemm_supports, typed_gemm, NULL,
                       ran);
  for (int k = 0; k < TYPED_COMBO_COUNT; ++k)
    CU_ASSERT(ran[k] == TYPED_EMULATED_CASES); /* gemm takes every combination */
  printf("\n  runs in several chunks %lld, convolutions through the FP32 output buffer %lld",
         (long long)typed_seen.multi_chunk, (long long)typed_seen.buffered_out);
  CU_ASSERT(typed_seen.multi_chunk > 50);
  CU_ASSERT(typed_seen.buffered_out > 50);
}

/* ---- rules: supports, workspace, call layout, tile shapes ----------------------------- */

static void test_gemm_workspace(void) {
  char why[256];
  /* conv, N 1000, 64 -> 64, 3x3 on 66 x 66 (64 x 64 out): 64·9·4096 floats = 9 MiB/image. */
  const int64_t x[4] = {1000, 64, 66, 66}, w[4] = {64, 64, 3, 3};
  tconv_problem p = case_problem_of(TCONV_OP_CONV, 2, x, w, 1);
  const int64_t per = 64 * 9 * 4096;
  CU_ASSERT_EQUAL(tconv_gemm_image_columns(&p), per);
  CU_ASSERT_TRUE(tconv_gemm_supports(&p, why, sizeof why));
  const int64_t chunk = (int64_t)(TCONV_GEMM_WORKSPACE_CAP / 4) / per; /* 56 images */
  CU_ASSERT_EQUAL(chunk, 56);
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&p), (size_t)(chunk * per * 4));
  CU_ASSERT(tconv_gemm_workspace(&p) <= TCONV_GEMM_WORKSPACE_CAP);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_images(&p, tconv_gemm_workspace(&p)), chunk);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_images(&p, tconv_gemm_workspace(&p) - 1), chunk - 1);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_images(&p, (size_t)per * 4 - 1), 0);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_images(&p, SIZE_MAX), 1000); /* at most the batch */
  /* Caps below one image still give one image. */
  CU_ASSERT_EQUAL(tconv_gemm_workspace_for_cap(&p, 0), (size_t)per * 4);
  CU_ASSERT_EQUAL(tconv_gemm_workspace_for_cap(&p, (size_t)per * 4 * 3 + 5), (size_t)per * 12);
  /* A small batch needs no more than itself. */
  p.n = 3;
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&p), (size_t)per * 12);
  /* Transposed: Cout·ks·Q per image. One image above the cap: exactly one image. */
  const int64_t tx[4] = {4, 1024, 128, 128}, tw[4] = {1024, 512, 4, 4};
  const tconv_problem t = case_problem_of(TCONV_OP_TRANSPOSE, 2, tx, tw, 1);
  const int64_t tper = (int64_t)512 * 16 * 128 * 128; /* 2^27 floats = 512 MiB */
  CU_ASSERT_EQUAL(tconv_gemm_image_columns(&t), tper);
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&t), (size_t)tper * 4);
  const int64_t tx2[4] = {4, 1024, 129, 128};
  const tconv_problem t2 = case_problem_of(TCONV_OP_TRANSPOSE, 2, tx2, tw, 1);
  CU_ASSERT(tconv_gemm_workspace(&t2) > TCONV_GEMM_WORKSPACE_CAP);
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&t2), (size_t)tconv_gemm_image_columns(&t2) * 4);
  /* Columns whose bytes overflow (2^20 channels x 2^20 taps x about 2^23 positions) while
   * x and w stay addressable: refused, no workspace. */
  const int64_t bx[3] = {1, (int64_t)1 << 20, (int64_t)1 << 23};
  const int64_t bw[3] = {1, (int64_t)1 << 20, (int64_t)1 << 20};
  const tconv_problem big = case_problem_of(TCONV_OP_CONV, 1, bx, bw, 1);
  CU_ASSERT_EQUAL(tconv_gemm_image_columns(&big), -1);
  CU_ASSERT_FALSE(tconv_gemm_supports(&big, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "overflows 64-bit byte counts"));
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&big), 0);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_images(&big, SIZE_MAX), 0);
}

/* The operand layout of one conv and one transposed problem, argument by argument. */
static void test_gemm_call_layout(void) {
  /* conv: N 5, Cin 6, Cout 4, groups 2, k 3x2, in 7x5 -> out 5x4 (P 20), K = 3·6 = 18. */
  const int64_t x[4] = {5, 6, 7, 5}, w[4] = {4, 3, 3, 2};
  const tconv_problem p = case_problem_of(TCONV_OP_CONV, 2, x, w, 2);
  CU_ASSERT_EQUAL(tconv_gemm_call_count(&p, 3), 2); /* one per group, batched over 3 images */
  tconv_gemm_call c = tconv_gemm_call_make(&p, 2, 3, 1);
  CU_ASSERT(c.trans_a == 0 && c.trans_b == 0);
  CU_ASSERT(c.m == 20 && c.n == 2 && c.k == 18 && c.lda == 20 && c.ldb == 18 && c.ldc == 20);
  CU_ASSERT(c.batch == 3 && c.stride_a == 6 * 6 * 20 && c.stride_b == 0 && c.stride_c == 4 * 20);
  CU_ASSERT(c.offset_a == 18 * 20 && c.offset_b == 2 * 18 && c.offset_c == (2 * 4 + 2) * 20);
  CU_ASSERT_EQUAL(tconv_gemm_call_count(&p, 1), 1); /* one image: batched over the groups */
  c = tconv_gemm_call_make(&p, 4, 1, 0);
  CU_ASSERT(c.batch == 2 && c.stride_a == 18 * 20 && c.stride_b == 2 * 18 && c.stride_c == 2 * 20);
  CU_ASSERT(c.offset_a == 0 && c.offset_b == 0 && c.offset_c == 4 * 4 * 20);
  /* transposed: N 2, Cin 6, Cout 4 (2 per group), groups 2, k 3x2, in 7x5 (Q 35), R 2·6. */
  const int64_t tw[4] = {6, 2, 3, 2};
  const tconv_problem t = case_problem_of(TCONV_OP_TRANSPOSE, 2, x, tw, 2);
  c = tconv_gemm_call_make(&t, 1, 1, 0); /* image 1 alone: over groups, call = image 0 */
  CU_ASSERT(c.trans_a == 0 && c.trans_b == 1);
  CU_ASSERT(c.m == 35 && c.n == 12 && c.k == 3 && c.lda == 35 && c.ldb == 12 && c.ldc == 35);
  CU_ASSERT(c.batch == 2 && c.stride_a == 3 * 35 && c.stride_b == 3 * 12 && c.stride_c == 12 * 35);
  CU_ASSERT(c.offset_a == 6 * 35 && c.offset_b == 0 && c.offset_c == 0);
  c = tconv_gemm_call_make(&t, 0, 2, 1); /* two images: over images, call = group 1 */
  CU_ASSERT(c.batch == 2 && c.stride_a == 6 * 35 && c.stride_b == 0 && c.stride_c == 4 * 6 * 35);
  CU_ASSERT(c.offset_a == 3 * 35 && c.offset_b == 3 * 12 && c.offset_c == 12 * 35);
}

static CU_TestInfo gemm_emulated_tests[] = {
    {"1-D sweep", test_gemm_sweep_1d},
    {"random rank 1-3, padding modes, activations", test_gemm_sweep_random},
    {"edge and layer-like tables", test_gemm_tables},
    {"several chunks and both batch layouts reached", test_gemm_paths_reached},
    {"every dtype x layout x math vs the reference, by its tolerance", test_gemm_typed},
    CU_TEST_INFO_NULL,
};

/* cuBLAS is loaded, not linked (cuda/cublas_api.h): the loader finds the library and every
 * entry point the gemm algorithm calls, without a GPU. A build without nvcc has no loader and
 * says so. */
static void test_cublas_loads(void) {
  char why[512] = "";
  const int loaded = tconv_cuda_cublas_loadable(why, sizeof why);
  if (!loaded && strstr(why, "built without nvcc") == NULL)
    fprintf(stderr, "\n  %s\n", why);
  CU_ASSERT(loaded || strstr(why, "built without nvcc") != NULL);
  /* The table is kept: a second call answers the same. */
  CU_ASSERT_EQUAL(tconv_cuda_cublas_loadable(why, sizeof why), loaded);
}

static CU_TestInfo gemm_rules_tests[] = {
    {"cuBLAS loaded on demand", test_cublas_loads},
    {"gemm workspace, chunking, overflow", test_gemm_workspace},
    {"gemm call layout", test_gemm_call_layout},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_gemm[] = {
    {"gemm_emulated", NULL, NULL, NULL, NULL, gemm_emulated_tests},
    {"gemm_rules", NULL, NULL, NULL, NULL, gemm_rules_tests},
    CU_SUITE_INFO_NULL,
};
