/*
 * test_gemm_plan.c - suite "gemm_plan" (unit "gemm"): the cuBLAS algorithm's plan, replayed on
 * the CPU by gemm_emu.c with the launcher's own functions (cuda/gemm.cuh).
 *
 * - The chunking depends on the problem alone: handed a workspace larger than the one the
 *   query asks for, the launcher issues the same calls (so cuBLAS picks the same kernels and
 *   the bits do not change) and touches no byte past what the query said. Checked on problems
 *   where the 512 MiB cap really cuts the batch (too large to compute here, so their calls
 *   are replayed and checked without arithmetic).
 * - No call has a batch count above 65535: groups = 70000 with one image, 70000 and 140000
 *   images, both ops, computed and compared with the reference bitwise (small integers).
 */
#include "cases.h"
#include "gemm_emu.h"

#include "algos.h"

#include "gemm.cuh"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tconv_problem plan_problem(tconv_op op, const int64_t *x_dims, const int64_t *w_dims,
                                  int64_t groups) {
  tconv_params params = tconv_params_default(2);
  params.groups = groups;
  tconv_problem p;
  memset(&p, 0, sizeof p);
  CU_ASSERT_EQUAL(tconv_problem_init(NULL, &p, op, &params, x_dims, w_dims), TCONV_STATUS_OK);
  return p;
}

/* Replays problem p with the workspace the query gives, then with larger ones: the call lists
 * must be equal and stay inside the queried bytes (emu_gemm checks every operand against
 * them). Returns the number of chunks. */
static int64_t same_calls_for_any_workspace(const tconv_problem *p) {
  const size_t need = tconv_gemm_workspace(p);
  const size_t per_image = (size_t)tconv_gemm_image_columns(p) * sizeof(float);
  CU_ASSERT_EQUAL(need, tconv_gemm_workspace_for_cap(p, TCONV_GEMM_WORKSPACE_CAP));
  const size_t offered[4] = {need, need + per_image, 2 * need + 12, (size_t)1 << 46};
  emu_trace first, t;
  if (emu_gemm(NULL, p, TCONV_GEMM_WORKSPACE_CAP, need, 0, NULL, NULL, NULL, NULL, &first) != 0)
    return 0;
  for (int i = 1; i < 4; ++i) {
    if (emu_gemm(NULL, p, TCONV_GEMM_WORKSPACE_CAP, offered[i], 0, NULL, NULL, NULL, NULL, &t) != 0)
      return 0;
    if (t.hash != first.hash || t.chunks != first.chunks || t.calls != first.calls)
      printf("\n  workspace %zu bytes: %lld chunks, %lld calls; with %zu bytes: %lld, %lld",
             offered[i], (long long)t.chunks, (long long)t.calls, need, (long long)first.chunks,
             (long long)first.calls);
    CU_ASSERT_EQUAL(t.hash, first.hash);
  }
  return first.chunks;
}

static void test_chunking_ignores_the_workspace_size(void) {
  /* conv, N 1000, 64 -> 64, 3x3 on 66 x 66: 9 MiB of columns per image, 56 per chunk. */
  const int64_t x[4] = {1000, 64, 66, 66}, w[4] = {64, 64, 3, 3};
  const tconv_problem conv = plan_problem(TCONV_OP_CONV, x, w, 1);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_for_cap(&conv, TCONV_GEMM_WORKSPACE_CAP), 56);
  CU_ASSERT_EQUAL(same_calls_for_any_workspace(&conv), (1000 + 55) / 56);
  /* transposed, N 6, Cin 1, Cout 32, 4x4 on 256 x 256: 128 MiB per image, 4 per chunk. */
  const int64_t tx[4] = {6, 1, 256, 256}, tw[4] = {1, 32, 4, 4};
  const tconv_problem transposed = plan_problem(TCONV_OP_TRANSPOSE, tx, tw, 1);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_for_cap(&transposed, TCONV_GEMM_WORKSPACE_CAP), 4);
  CU_ASSERT_EQUAL(same_calls_for_any_workspace(&transposed), 2);
  /* 4 groups, 12 images of 90 MiB (64·9·160·256 floats), 5 per chunk: the chunks of 5 are
   * batched over the images, the last one of 2 over the groups. */
  const int64_t gx[4] = {12, 64, 162, 258}, gw[4] = {64, 16, 3, 3};
  const tconv_problem grouped = plan_problem(TCONV_OP_CONV, gx, gw, 4);
  CU_ASSERT_EQUAL(tconv_gemm_chunk_for_cap(&grouped, TCONV_GEMM_WORKSPACE_CAP), 5);
  CU_ASSERT_EQUAL(same_calls_for_any_workspace(&grouped), 3);
}

/* One computed problem with a batch past the limit: the calls stay under it, and the result
 * equals the reference bitwise. */
static void batch_case(const case_spec *spec, int64_t want_calls) {
  test_case c;
  case_from_spec(&c, spec);
  tconv_problem p;
  if (case_finish(&c) != 0 || case_problem(&c, &p) != 0)
    return;
  float *x = malloc((size_t)c.x_count * sizeof(float));
  float *w = malloc((size_t)c.w_count * sizeof(float));
  float *bias = malloc((size_t)c.cout * sizeof(float));
  float *y = malloc((size_t)c.y_count * sizeof(float));
  float *ref = malloc((size_t)c.y_count * sizeof(float));
  CU_ASSERT_FATAL(x != NULL && w != NULL && bias != NULL && y != NULL && ref != NULL);
  case_fill_inputs(&c, 1, x, w, bias);
  const float *b = c.bias ? bias : NULL;
  emu_trace t;
  case_poison(y, c.y_count);
  if (case_reference(&c, x, w, b, ref) == 0 &&
      emu_gemm(&c, &p, TCONV_GEMM_WORKSPACE_CAP, tconv_gemm_workspace(&p), 1, x, w, b, y, &t) ==
          0) {
    printf("\n  %s N %lld groups %lld: %lld calls, largest batch %lld",
           c.op == TCONV_OP_CONV ? "conv" : "transposed", (long long)c.n, (long long)c.groups,
           (long long)t.calls, (long long)t.max_batch);
    CU_ASSERT_EQUAL(t.calls, want_calls);
    CU_ASSERT(t.max_batch <= EMU_CUBLAS_MAX_BATCH);
    CU_ASSERT_EQUAL(case_compare_exact(&c, "gemm past 65535 batches", y, ref), 0);
  }
  free(x);
  free(w);
  free(bias);
  free(y);
  free(ref);
}

static void test_batch_counts_past_65535(void) {
  begin_test();
  CU_ASSERT(TCONV_GEMM_MAX_BATCH <= EMU_CUBLAS_MAX_BATCH);
  /* clang-format off */
  static const case_spec specs[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, opad */
    /* groups = 70000, one image: batched over the groups, cut in two */
    {TCONV_OP_CONV, 1, 1, 70000, 70000, 70000, 1, {3}, {2}, {1}, {1}, {0}, {0}, {0}},
    {TCONV_OP_TRANSPOSE, 1, 1, 70000, 70000, 70000, 1, {3}, {2}, {2}, {1}, {0}, {0}, {1}},
    /* 70000 images, one group: batched over the images, cut in two */
    {TCONV_OP_CONV, 1, 70000, 1, 1, 1, 0, {3}, {2}, {1}, {1}, {0}, {0}, {0}},
    {TCONV_OP_TRANSPOSE, 1, 70000, 1, 2, 1, 1, {2}, {2}, {1}, {1}, {0}, {0}, {0}},
    /* 140000 images, two groups: two series of three calls */
    {TCONV_OP_CONV, 1, 140000, 2, 2, 2, 1, {2}, {1}, {1}, {1}, {0}, {0}, {0}},
  };
  /* clang-format on */
  static const int64_t calls[] = {2, 2, 2, 2, 6};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i)
    batch_case(&specs[i], calls[i]);
  end_test(0, (int64_t)(sizeof specs / sizeof specs[0]));
}

static CU_TestInfo gemm_plan_tests[] = {
    {"a larger workspace changes neither the calls nor the bytes used",
     test_chunking_ignores_the_workspace_size},
    {"batch counts past 65535 are cut into calls", test_batch_counts_past_65535},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_gemm_plan[] = {
    {"gemm_plan", NULL, NULL, NULL, NULL, gemm_plan_tests},
    CU_SUITE_INFO_NULL,
};
