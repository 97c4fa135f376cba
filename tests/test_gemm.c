/*
 * test_gemm.c - suites "gemm_emulated" and "gemm_rules".
 *
 * No GPU is needed: the gemm algorithm runs on the CPU with the very functions its kernels
 * call (cuda/gemm.cuh, compiled here as C), and is compared with the CPU reference on the
 * case generators of the GPU suites (tests/cases.h): floats within 1e-5, small integers
 * bitwise. im2col into a host column buffer, then a naive column-major SGEMM that takes
 * exactly the argument list gemm.cu gives cublasSgemmStridedBatched_64 (from
 * tconv_gemm_call_make) and checks it as cuBLAS would need it (leading dimensions, every
 * batch inside its operand's buffer), then col2im / the epilogue - per batch chunk, with the
 * chunk size gemm.cu derives from the workspace it is given. Every case runs with the
 * default workspace, with one just large enough for a random smaller chunk (several chunks),
 * and with one larger than needed. The column buffer is NaN before each chunk and y before
 * each run, and every GEMM output element must be written exactly once.
 *
 * gemm_rules: supports decisions and reasons, workspace sizes and chunking (the cap, at least
 * one image, overflow refused), the GEMM call layout.
 */
#include "cases.h"

#include "algos.h"
#include "problem.h"

#include "../cuda/gemm.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached, so a test can insist that every code path was exercised. */
static struct {
  int64_t gemm_runs, chunks, multi_chunk_runs, calls_over_images, calls_over_groups;
} seen;

static float *alloc_floats(int64_t n) { return malloc((size_t)(n > 0 ? n : 1) * sizeof(float)); }

/* ---- the GEMM algorithm on the CPU ---------------------------------------------------- */

/* An operand's buffer: where a call's matrices must lie. */
typedef struct span {
  const float *base;
  int64_t count;
} span;

/* Whether `batch` column-major rows x cols matrices, `stride` apart, from `at` with leading
 * dimension ld, are valid cuBLAS operands inside buffer b. */
static int operand_fits(const float *at, int64_t rows, int64_t cols, int64_t ld, int64_t stride,
                        int64_t batch, span b) {
  const int64_t offset = at - b.base;
  if (rows < 1 || cols < 1 || batch < 1 || ld < rows || stride < 0 || offset < 0)
    return 0;
  return offset + (batch - 1) * stride + (cols - 1) * ld + rows - 1 < b.count;
}

/* cublasSgemmStridedBatched_64 with alpha 1, beta 0, column-major, on the host: for every
 * batch b, C_b = op(A_b) op(B_b). C's writes are counted in written (indexed from cb.base).
 * Returns 0, or 1 with a reason in why when an argument is not what cuBLAS accepts. */
static int emu_sgemm(const tconv_gemm_call *c, const tconv_gemm_operands *o, span ab, span bb,
                     span cb, unsigned *written, char *why, size_t why_size) {
  const int64_t a_rows = c->trans_a ? c->k : c->m, a_cols = c->trans_a ? c->m : c->k;
  const int64_t b_rows = c->trans_b ? c->n : c->k, b_cols = c->trans_b ? c->k : c->n;
  const char *bad = NULL;
  if (!operand_fits(o->a, a_rows, a_cols, c->lda, c->stride_a, c->batch, ab))
    bad = "A";
  else if (!operand_fits(o->b, b_rows, b_cols, c->ldb, c->stride_b, c->batch, bb))
    bad = "B";
  else if (!operand_fits(o->c, c->m, c->n, c->ldc, c->stride_c, c->batch, cb))
    bad = "C";
  if (bad != NULL) {
    snprintf(why, why_size,
             "operand %s (m %lld n %lld k %lld lda %lld ldb %lld ldc %lld) leaves "
             "its buffer or has a leading dimension too small",
             bad, (long long)c->m, (long long)c->n, (long long)c->k, (long long)c->lda,
             (long long)c->ldb, (long long)c->ldc);
    return 1;
  }
  for (int64_t b = 0; b < c->batch; ++b) {
    const float *A = o->a + b * c->stride_a, *B = o->b + b * c->stride_b;
    float *C = o->c + b * c->stride_c;
    for (int64_t j = 0; j < c->n; ++j)
      for (int64_t i = 0; i < c->m; ++i) {
        float acc = 0.0f;
        for (int64_t l = 0; l < c->k; ++l) {
          const float a = c->trans_a ? A[l + i * c->lda] : A[i + l * c->lda];
          const float v = c->trans_b ? B[j + l * c->ldb] : B[l + j * c->ldb];
          acc = fmaf(a, v, acc);
        }
        C[i + j * c->ldc] = acc;
        ++written[(C - cb.base) + i + j * c->ldc];
      }
  }
  return 0;
}

/* Index of the first element of written[0, n) not written `times` times, or -1. */
static int64_t not_written(const unsigned *written, int64_t n, unsigned times) {
  for (int64_t i = 0; i < n; ++i)
    if (written[i] != times)
      return i;
  return -1;
}

/* The chunk's GEMM calls, as gemm_products() in gemm.cu issues them. */
static int emu_products(const test_case *tc, const tconv_problem *p, int64_t n0, int64_t images,
                        const float *x, const float *w, float *y, float *col, int64_t col_count,
                        unsigned *written) {
  const int conv = p->op == TCONV_OP_CONV;
  const span xs = {x, p->x_count}, ws = {w, p->w_count}, ys = {y, p->y_count};
  const span cs = {col, col_count};
  const int64_t calls = tconv_gemm_call_count(p, images);
  for (int64_t index = 0; index < calls; ++index) {
    const tconv_gemm_call c = tconv_gemm_call_make(p, n0, images, index);
    const tconv_gemm_operands o = tconv_gemm_operands_make(p, &c, x, w, y, col);
    char why[200];
    if (emu_sgemm(&c, &o, conv ? cs : xs, ws, conv ? ys : cs, written, why, sizeof why) != 0) {
      CASE_FAIL(tc, "gemm call %lld of the chunk from image %lld: %s", (long long)index,
                (long long)n0, why);
      return 1;
    }
    if (p->groups <= images)
      ++seen.calls_over_images;
    else
      ++seen.calls_over_groups;
  }
  return 0;
}

/* The whole algorithm with a workspace of ws_bytes, as tconv_cuda_gemm_conv / _transpose run
 * it. Returns 0, or 1 after recording a failure. */
static int emu_gemm(const test_case *tc, const tconv_problem *p, size_t ws_bytes, const float *x,
                    const float *w, const float *bias, float *y) {
  const int64_t chunk = tconv_gemm_chunk_images(p, ws_bytes);
  if (chunk < 1) {
    CASE_FAIL(tc, "a workspace of %zu bytes holds no image", ws_bytes);
    return 1;
  }
  const int conv = p->op == TCONV_OP_CONV;
  const tconv_geom g = tconv_geom_make(p);
  const int64_t col_count = (int64_t)(ws_bytes / sizeof(float));
  const int64_t per_col = tconv_gemm_image_columns(p), per_y = p->cout * p->out_spatial;
  float *col = alloc_floats(col_count);
  unsigned *written = calloc((size_t)(conv ? p->y_count : col_count), sizeof(unsigned));
  int failed = 1;
  if (col == NULL || written == NULL) {
    CASE_FAIL(tc, "out of host memory");
    goto done;
  }
  ++seen.gemm_runs;
  seen.multi_chunk_runs += chunk < p->n;
  for (int64_t n0 = 0; n0 < p->n; n0 += chunk) {
    const int64_t images = p->n - n0 < chunk ? p->n - n0 : chunk;
    ++seen.chunks;
    if (images * per_col > col_count) {
      CASE_FAIL(tc, "a chunk of %lld images needs %lld column entries; the workspace holds %lld",
                (long long)images, (long long)(images * per_col), (long long)col_count);
      goto done;
    }
    case_poison(col, col_count);
    if (conv) {
      for (int64_t e = 0; e < images * per_col; ++e)
        col[e] = tconv_im2col_value(&g, x, n0, e);
    } else {
      memset(written, 0, (size_t)col_count * sizeof(unsigned));
    }
    if (emu_products(tc, p, n0, images, x, w, y, col, col_count, written) != 0)
      goto done;
    if (conv) {
      if (tconv_gemm_needs_epilogue(&g, bias))
        for (int64_t e = 0; e < images * per_y; ++e)
          y[n0 * per_y + e] = tconv_gemm_epilogue_value(&g, bias, e, y[n0 * per_y + e]);
      continue;
    }
    /* Transposed: the chunk's columns written exactly once, nothing past them. */
    int64_t at = not_written(written, images * per_col, 1);
    if (at < 0 &&
        (at = not_written(written + images * per_col, col_count - images * per_col, 0)) >= 0)
      at += images * per_col;
    if (at >= 0) {
      CASE_FAIL(tc, "column entry %lld written %u times", (long long)at, written[at]);
      goto done;
    }
    const int kind = tconv_gather_kind(&g);
    for (int64_t e = 0; e < images * per_y; ++e) {
      float value;
      int64_t offset;
      tconv_col2im(&g, kind, col, bias, n0, e, &value, &offset);
      if (offset != n0 * per_y + e) { /* y is dense here */
        CASE_FAIL(tc, "col2im writes output %lld of the chunk to %lld", (long long)e,
                  (long long)offset);
        goto done;
      }
      y[offset] = value;
    }
  }
  if (conv) {
    const int64_t at = not_written(written, p->y_count, 1);
    if (at >= 0) {
      CASE_FAIL(tc, "y element %lld written %u times by the GEMM", (long long)at, written[at]);
      goto done;
    }
  }
  failed = 0;
done:
  free(col);
  free(written);
  return failed;
}

/* ---- one case ------------------------------------------------------------------------- */

/* The algorithm's runs of one input set with three workspaces; 0 when all match. */
static int run_gemm(const test_case *c, const tconv_problem *p, int integers, const float *x,
                    const float *w, const float *b, const float *ref, float *y) {
  char what[96];
  const size_t per_image = (size_t)tconv_gemm_image_columns(p) * sizeof(float);
  const size_t sizes[3] = {tconv_gemm_workspace(p),
                           per_image * (size_t)test_rng_int(1, max_i64(p->n - 1, 1)),
                           tconv_gemm_workspace(p) + per_image * 2 + 12};
  static const char *const names[3] = {"default", "smaller chunks", "larger than needed"};
  for (int i = 0; i < 3; ++i) {
    case_poison(y, c->y_count);
    snprintf(what, sizeof what, "gemm, %s workspace, %s", names[i],
             integers ? "integers" : "floats");
    if (emu_gemm(c, p, sizes[i], x, w, b, y) != 0 || case_compare(c, what, integers, y, ref))
      return 1;
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
             run_gemm(c, &p, integers, b.x, b.w, bias, b.ref, b.y) != 0;
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

CU_ErrorCode test_register_gemm(void) {
  CU_pSuite gemm = CU_add_suite("gemm_emulated", NULL, NULL);
  if (gemm == NULL || CU_add_test(gemm, "1-D sweep", test_gemm_sweep_1d) == NULL ||
      CU_add_test(gemm, "random rank 1-3, padding modes, activations", test_gemm_sweep_random) ==
          NULL ||
      CU_add_test(gemm, "edge and layer-like tables", test_gemm_tables) == NULL ||
      CU_add_test(gemm, "several chunks and both batch layouts reached", test_gemm_paths_reached) ==
          NULL)
    return CU_get_error();
  CU_pSuite rules = CU_add_suite("gemm_rules", NULL, NULL);
  if (rules == NULL ||
      CU_add_test(rules, "gemm workspace, chunking, overflow", test_gemm_workspace) == NULL ||
      CU_add_test(rules, "gemm call layout", test_gemm_call_layout) == NULL)
    return CU_get_error();
  return CUE_SUCCESS;
}
