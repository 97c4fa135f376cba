/*
 * test_gemm.c - suites "gemm_emulated", "depthwise_emulated" and "gemm_depthwise_rules".
 *
 * No GPU is needed: the two algorithms run on the CPU with the very functions their kernels
 * call (cuda/gemm.cuh, cuda/depthwise.cuh, compiled here as C), and are compared with the CPU
 * reference on the case generators of the GPU suites (tests/cases.h): floats within 1e-5,
 * small integers bitwise.
 *
 * gemm_emulated: the whole algorithm replayed as gemm.cu runs it (gemm_emu.c: im2col, the
 * exact argument list gemm.cu gives cublasSgemmStridedBatched_64, checked as cuBLAS needs it,
 * a naive column-major SGEMM, col2im / the epilogue), per batch chunk. Every case runs with
 * the workspace the query asks for, with a larger one (the same calls and the same bits are
 * required), and planned for a random smaller cap (several chunks). The column buffer is NaN
 * before each chunk and y before each run, and every GEMM output element must be written
 * exactly once.
 *
 * depthwise_emulated: the tiled kernel block by block (phase 1 for every thread, then phase 2,
 * as __syncthreads orders them; shared memory NaN / -1 before each tile), threads forward and
 * in reverse (bitwise equal), and the generic kernel per element.
 *
 * gemm_depthwise_rules: supports decisions and reasons, workspace sizes and chunking (the cap,
 * at least one image, overflow refused), the GEMM call layout, depthwise tile shapes.
 */
#include "cases.h"
#include "gemm_emu.h"

#include "algos.h"
#include "problem.h"

#include "../cuda/depthwise.cuh"
#include "../cuda/gemm.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the sweeps reached, so a test can insist that every code path was exercised. */
static struct {
  int64_t gemm_runs, chunks, multi_chunk_runs, calls_over_images, calls_over_groups;
  int64_t tiled_runs, generic_runs, kernel_in_global_runs;
} seen;

static float *alloc_floats(int64_t n) { return malloc((size_t)(n > 0 ? n : 1) * sizeof(float)); }

/* The reference's cost of a finished case: its circular transposed gather tries every input
 * position for every output and tap. */
static int64_t reference_work(const test_case *c) {
  if (c->op == TCONV_OP_CONV || c->padding_mode != TCONV_PADDING_CIRCULAR)
    return c->work;
  return c->work * (c->x_count / (c->n * c->cin));
}

/* ---- the depthwise algorithm on the CPU ----------------------------------------------- */

/* The tiled kernel: every tile's block, phase 1 then phase 2 for all its threads, in forward
 * or reverse thread order. */
static int emu_dw_tiled(const tconv_problem *p, int reverse, const float *x, const float *w,
                        const float *bias, float *y) {
  const tconv_dw_args a = tconv_dw_args_make(p);
  tconv_dw_shared *sh = malloc(sizeof *sh);
  if (sh == NULL)
    return 1;
  for (int64_t tile = 0; tile < a.tile_count; ++tile) {
    memset(sh, 0xFF, sizeof *sh); /* floats NaN, table entries -1 */
    for (int i = 0; i < a.threads; ++i)
      tconv_dw_fill(&a, tile, reverse ? a.threads - 1 - i : i, sh, w);
    for (int i = 0; i < a.threads; ++i)
      tconv_dw_compute(&a, tile, reverse ? a.threads - 1 - i : i, sh, x, w, bias, y);
  }
  free(sh);
  ++seen.tiled_runs;
  seen.kernel_in_global_runs += !a.kernel_in_smem;
  return 0;
}

static void emu_dw_generic(const tconv_problem *p, const float *x, const float *w,
                           const float *bias, float *y) {
  const tconv_geom g = tconv_geom_make(p);
  for (int64_t e = 0; e < p->y_count; ++e)
    y[e] = tconv_dw_generic_value(&g, x, w, bias, e, g.transposed);
  ++seen.generic_runs;
}

/* ---- one case, both algorithms ------------------------------------------------------- */

typedef enum which { GEMM, DEPTHWISE } which;

static int check_result(const test_case *c, const char *what, int integers, const float *y,
                        const float *ref) {
  const int exact = integers && c->activation != TCONV_ACTIVATION_SIGMOID &&
                    c->activation != TCONV_ACTIVATION_TANH;
  return exact ? case_compare_exact(c, what, y, ref) : case_compare_close(c, what, y, ref);
}

/* The algorithm's runs of one input set; 0 when all match the reference. */
static int run_algorithm(const test_case *c, const tconv_problem *p, which algo, int integers,
                         const float *x, const float *w, const float *b, const float *ref, float *y,
                         float *y2) {
  char what[96];
  const char *kind = integers ? "integers" : "floats";
  if (algo == GEMM) {
    /* The launcher's plan with exactly the workspace it asks for, then with a larger one
     * (same calls, same bits), then planned for a random smaller cap (several chunks). */
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
      case_poison(i == 1 ? y2 : y, c->y_count);
      snprintf(what, sizeof what, "gemm, %s workspace, %s", runs[i].name, kind);
      if (emu_gemm(c, p, runs[i].cap, runs[i].ws_bytes, 1, x, w, b, i == 1 ? y2 : y, &t) != 0 ||
          check_result(c, what, integers, i == 1 ? y2 : y, ref))
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
  case_poison(y, c->y_count);
  emu_dw_generic(p, x, w, b, y);
  snprintf(what, sizeof what, "depthwise generic, %s", kind);
  if (check_result(c, what, integers, y, ref))
    return 1;
  if (!tconv_dw_tiled(p))
    return 0;
  case_poison(y, c->y_count);
  case_poison(y2, c->y_count);
  if (emu_dw_tiled(p, 0, x, w, b, y) != 0 || emu_dw_tiled(p, 1, x, w, b, y2) != 0) {
    CASE_FAIL(c, "out of host memory");
    return 1;
  }
  snprintf(what, sizeof what, "depthwise tiled, %s", kind);
  if (check_result(c, what, integers, y, ref))
    return 1;
  snprintf(what, sizeof what, "depthwise tiled, threads reversed vs forward, %s", kind);
  return case_compare_exact(c, what, y2, y);
}

/* Runs `algo` on a finished case, floats then integers. Returns 1 on a failure. */
static int emulate_case(const test_case *c, which algo) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  char why[256];
  const int takes = algo == GEMM ? tconv_gemm_supports(&p, why, sizeof why)
                                 : tconv_depthwise_supports(&p, why, sizeof why);
  if (!takes) {
    CASE_FAIL(c, "%s refuses the case: %s", algo == GEMM ? "gemm" : "depthwise", why);
    return 1;
  }
  float *x = alloc_floats(c->x_count), *w = alloc_floats(c->w_count);
  float *bias = alloc_floats(c->cout), *ref = alloc_floats(c->y_count);
  float *y = alloc_floats(c->y_count), *y2 = alloc_floats(c->y_count);
  int failed = 1;
  if (x == NULL || w == NULL || bias == NULL || ref == NULL || y == NULL || y2 == NULL) {
    CASE_FAIL(c, "out of host memory");
    goto done;
  }
  for (int integers = 0; integers < 2; ++integers) {
    case_fill_inputs(c, integers, x, w, bias);
    const float *b = c->bias ? bias : NULL;
    if (case_reference(c, x, w, b, ref) != 0 ||
        run_algorithm(c, &p, algo, integers, x, w, b, ref, y, y2) != 0)
      goto done;
  }
  failed = 0;
done:
  free(x);
  free(w);
  free(bias);
  free(ref);
  free(y);
  free(y2);
  return failed;
}

/* Makes a case depthwise (groups == Cin == Cout) and finishes it. */
static int make_depthwise(test_case *c, int64_t channels) {
  c->cin = c->cout = c->groups = channels;
  return case_finish(c);
}

static int sweep_gemm(test_case *c, void *data) {
  (void)data;
  return emulate_case(c, GEMM);
}

static int sweep_depthwise(test_case *c, void *data) {
  (void)data;
  return make_depthwise(c, test_rng_int(1, 4)) != 0 || emulate_case(c, DEPTHWISE);
}

#define RANDOM_CASES 300

static void sweep_1d(int (*fn)(test_case *c, void *data)) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = case_sweep_1d(fn, NULL, &cases);
  end_test(failed, cases);
}

static void test_gemm_sweep_1d(void) { sweep_1d(sweep_gemm); }
static void test_depthwise_sweep_1d(void) { sweep_1d(sweep_depthwise); }

/* Random rank 1-3 problems with random padding modes and activations; for depthwise, some
 * with planes wider than one tile (W > 256) or taller than one row tile. */
static void sweep_random(which algo) {
  begin_test();
  int64_t cases = 0, failed = 0;
  while (cases < RANDOM_CASES) {
    test_case c;
    case_random_conventions(&c);
    const int64_t shape = test_rng_int(0, 3);
    if (algo == DEPTHWISE && shape == 1 && c.rank <= 2)
      c.in[c.rank - 1] += test_rng_int(60, 300); /* wide */
    else if (algo == DEPTHWISE && shape == 2 && c.rank >= 2)
      c.in[c.rank - 2] += test_rng_int(30, 150); /* tall */
    for (int i = 0; i < c.rank; ++i)
      case_fit_input(&c, i);
    if ((algo == DEPTHWISE ? make_depthwise(&c, test_rng_int(1, 4)) : case_finish(&c)) != 0) {
      ++failed;
      continue;
    }
    if (reference_work(&c) > CASE_WORK_LIMIT)
      continue;
    ++cases;
    failed += emulate_case(&c, algo);
  }
  end_test(failed, cases);
}

static void test_gemm_sweep_random(void) { sweep_random(GEMM); }
static void test_depthwise_sweep_random(void) { sweep_random(DEPTHWISE); }

/* The shared edge and layer-like tables (large channel counts: the GEMM's real shapes). */
static void test_gemm_tables(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  const struct {
    const case_spec *rows;
    size_t count;
  } tables[2] = {{case_edge_table, case_edge_count}, {case_tile_table, case_tile_count}};
  for (int t = 0; t < 2; ++t)
    for (size_t i = 0; i < tables[t].count; ++i) {
      test_case c;
      case_from_spec(&c, &tables[t].rows[i]);
      ++cases;
      failed += case_finish(&c) != 0 || emulate_case(&c, GEMM);
    }
  end_test(failed, cases);
}

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

/* The benchmark's depthwise layers at reduced size, the edge table's depthwise rows, and a
 * 3-D kernel of 13^3 = 2197 taps (more than shared memory stages: read from global). */
static void test_depthwise_layers(void) {
  /* clang-format off */
  static const case_spec layers[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
    /* dw.up2: k4 s2 p1 */
    {TCONV_OP_TRANSPOSE, 2, 2, 3, 3, 3, 1, {16, 16, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* fcn.up8: k16 s8 p4 (512 x 512 output at full size; 64 x 64 here) */
    {TCONV_OP_TRANSPOSE, 2, 1, 2, 2, 2, 0, {8, 8, 1}, {16, 16, 1}, {8, 8, 1}, {1, 1, 1},
     {4, 4, 0}, {4, 4, 0}, {0, 0, 0}},
    /* mbv2.dw: k3 s2 p1 */
    {TCONV_OP_CONV, 2, 2, 4, 4, 4, 1, {14, 14, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* 1-D, two column tiles and a partial third */
    {TCONV_OP_TRANSPOSE, 1, 2, 2, 2, 2, 1, {300, 1, 1}, {4, 1, 1}, {2, 1, 1}, {1, 1, 1},
     {1, 0, 0}, {0, 0, 0}, {1, 0, 0}},
    /* narrow and tall: tile_w 8, several row tiles */
    {TCONV_OP_CONV, 2, 1, 2, 2, 2, 1, {300, 5, 1}, {3, 3, 1}, {1, 1, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
    /* 3-D kernels too large for shared memory, both ops */
    {TCONV_OP_CONV, 3, 1, 1, 1, 1, 1, {13, 14, 15}, {13, 13, 13}, {1, 1, 1}, {1, 1, 1},
     {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
    {TCONV_OP_TRANSPOSE, 3, 1, 1, 1, 1, 1, {2, 2, 2}, {13, 13, 13}, {3, 2, 1}, {1, 1, 1},
     {5, 6, 7}, {4, 5, 6}, {2, 1, 0}},
    /* the edge table's depthwise 3-D transposed row */
    {TCONV_OP_TRANSPOSE, 3, 2, 3, 3, 3, 1, {3, 4, 5}, {3, 3, 2}, {2, 2, 3}, {1, 2, 1},
     {1, 0, 2}, {0, 1, 0}, {1, 1, 2}},
  };
  /* clang-format on */
  begin_test();
  int64_t cases = 0, failed = 0;
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; ++i)
    for (int mode = 0; mode < 2; ++mode) {
      test_case c;
      case_from_spec(&c, &layers[i]);
      /* Each layer also with a non-zero padding mode (the generic kernel) and an activation,
       * where the reference's circular gather stays cheap. */
      if (mode == 1) {
        c.padding_mode = c.op == TCONV_OP_CONV ? TCONV_PADDING_REFLECT : TCONV_PADDING_CIRCULAR;
        c.activation = TCONV_ACTIVATION_LEAKY_RELU;
        c.alpha = 0.25f;
      }
      if (case_finish(&c) != 0) {
        ++failed;
        continue;
      }
      if (mode == 1 && reference_work(&c) > 50 * CASE_WORK_LIMIT)
        continue;
      ++cases;
      failed += emulate_case(&c, DEPTHWISE);
    }
  end_test(failed, cases);
}

static void test_depthwise_paths_reached(void) {
  printf("\n  depthwise tiled runs %lld (kernel from global memory %lld), generic runs %lld",
         (long long)seen.tiled_runs, (long long)seen.kernel_in_global_runs,
         (long long)seen.generic_runs);
  CU_ASSERT(seen.tiled_runs > 100);
  CU_ASSERT(seen.kernel_in_global_runs > 0);
  CU_ASSERT(seen.generic_runs > 100);
}

/* ---- rules: supports, workspace, call layout, tile shapes ----------------------------- */

static tconv_problem problem(tconv_op op, int rank, const int64_t *x_dims, const int64_t *w_dims,
                             int64_t groups) {
  tconv_params params = tconv_params_default(rank);
  params.groups = groups;
  tconv_problem p;
  memset(&p, 0, sizeof p);
  CU_ASSERT_EQUAL(tconv_problem_init(NULL, &p, op, &params, x_dims, w_dims), TCONV_STATUS_OK);
  return p;
}

static void test_gemm_workspace(void) {
  char why[256];
  /* conv, N 1000, 64 -> 64, 3x3 on 66 x 66 (64 x 64 out): 64·9·4096 floats = 9 MiB/image. */
  const int64_t x[4] = {1000, 64, 66, 66}, w[4] = {64, 64, 3, 3};
  tconv_problem p = problem(TCONV_OP_CONV, 2, x, w, 1);
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
  const tconv_problem t = problem(TCONV_OP_TRANSPOSE, 2, tx, tw, 1);
  const int64_t tper = (int64_t)512 * 16 * 128 * 128; /* 2^27 floats = 512 MiB */
  CU_ASSERT_EQUAL(tconv_gemm_image_columns(&t), tper);
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&t), (size_t)tper * 4);
  const int64_t tx2[4] = {4, 1024, 129, 128};
  const tconv_problem t2 = problem(TCONV_OP_TRANSPOSE, 2, tx2, tw, 1);
  CU_ASSERT(tconv_gemm_workspace(&t2) > TCONV_GEMM_WORKSPACE_CAP);
  CU_ASSERT_EQUAL(tconv_gemm_workspace(&t2), (size_t)tconv_gemm_image_columns(&t2) * 4);
  /* Columns whose bytes overflow (2^20 channels x 2^20 taps x about 2^23 positions) while
   * x and w stay addressable: refused, no workspace. */
  const int64_t bx[3] = {1, (int64_t)1 << 20, (int64_t)1 << 23};
  const int64_t bw[3] = {1, (int64_t)1 << 20, (int64_t)1 << 20};
  const tconv_problem big = problem(TCONV_OP_CONV, 1, bx, bw, 1);
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
  const tconv_problem p = problem(TCONV_OP_CONV, 2, x, w, 2);
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
  const tconv_problem t = problem(TCONV_OP_TRANSPOSE, 2, x, tw, 2);
  c = tconv_gemm_call_make(&t, 1, 1, 0); /* image 1 alone: over groups, call = image 0 */
  CU_ASSERT(c.trans_a == 0 && c.trans_b == 1);
  CU_ASSERT(c.m == 35 && c.n == 12 && c.k == 3 && c.lda == 35 && c.ldb == 12 && c.ldc == 35);
  CU_ASSERT(c.batch == 2 && c.stride_a == 3 * 35 && c.stride_b == 3 * 12 && c.stride_c == 12 * 35);
  CU_ASSERT(c.offset_a == 6 * 35 && c.offset_b == 0 && c.offset_c == 0);
  c = tconv_gemm_call_make(&t, 0, 2, 1); /* two images: over images, call = group 1 */
  CU_ASSERT(c.batch == 2 && c.stride_a == 6 * 35 && c.stride_b == 0 && c.stride_c == 4 * 6 * 35);
  CU_ASSERT(c.offset_a == 3 * 35 && c.offset_b == 3 * 12 && c.offset_c == 12 * 35);
}

static void test_depthwise_supports(void) {
  char why[256];
  const int64_t x[4] = {2, 8, 9, 9}, w[4] = {8, 1, 3, 3};
  tconv_problem p = problem(TCONV_OP_CONV, 2, x, w, 8);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  p = problem(TCONV_OP_TRANSPOSE, 2, x, w, 8);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  /* Dense, grouped with two channels per group, channel multiplier 2: refused. */
  const int64_t dense_w[4] = {8, 8, 3, 3}, grouped_w[4] = {8, 2, 3, 3}, mult_w[4] = {16, 1, 3, 3};
  const struct {
    const int64_t *w;
    int64_t groups;
  } refused[3] = {{dense_w, 1}, {grouped_w, 4}, {mult_w, 8}};
  for (int i = 0; i < 3; ++i) {
    p = problem(TCONV_OP_CONV, 2, x, refused[i].w, refused[i].groups);
    CU_ASSERT_FALSE(tconv_depthwise_supports(&p, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "groups == Cin == Cout"));
  }
  /* A 1-D channel of 2^31 elements: beyond the tiled kernel's int32 positions. */
  const int64_t lx[3] = {1, 1, (int64_t)1 << 31}, lw[3] = {1, 1, 3};
  p = problem(TCONV_OP_CONV, 1, lx, lw, 1);
  CU_ASSERT_FALSE(tconv_depthwise_supports(&p, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "input elements per channel above 2^31 - 1"));
  /* Padding modes are taken (the generic kernel). */
  tconv_params params = tconv_params_default(2);
  params.groups = 8;
  params.padding_mode = TCONV_PADDING_REPLICATE;
  tconv_params_set_uniform(&params, 2, 1, 1, 0);
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_CONV, &params, x, w),
                        TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_depthwise_supports(&p, why, sizeof why));
  CU_ASSERT_FALSE(tconv_dw_tiled(&p));
}

/* Tile shapes of the benchmark's depthwise layers and of short planes. */
static void test_depthwise_tiles(void) {
  static const struct {
    tconv_op op;
    int rank;
    int64_t x[5], w[5], stride, pad;
    int tile_w, block_rows, rows_per_thread, threads;
  } rows[] = {
      /* dw.up2 (8, 256, 64, 64) k4 s2 p1 -> 128 x 128 */
      {TCONV_OP_TRANSPOSE, 2, {8, 256, 64, 64}, {256, 1, 4, 4}, 2, 1, 128, 2, 4, 256},
      /* mbv2.dw (32, 144, 56, 56) k3 s2 p1 -> 28 x 28 */
      {TCONV_OP_CONV, 2, {32, 144, 56, 56}, {144, 1, 3, 3}, 2, 1, 32, 8, 4, 256},
      /* fcn.up8 (1, 21, 64, 64) k16 s8 p4 -> 512 x 512 */
      {TCONV_OP_TRANSPOSE, 2, {1, 21, 64, 64}, {21, 1, 16, 16}, 8, 4, 256, 1, 4, 256},
      /* 1-D of width 10: one row, a block of 16 threads */
      {TCONV_OP_CONV, 1, {4, 3, 12}, {3, 1, 3}, 1, 0, 16, 1, 1, 16},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    tconv_params params = tconv_params_default(rows[i].rank);
    params.groups = rows[i].x[1];
    tconv_params_set_uniform(&params, rows[i].stride, rows[i].pad, 1, 0);
    tconv_problem p;
    CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, rows[i].op, &params, rows[i].x, rows[i].w),
                          TCONV_STATUS_OK);
    const tconv_dw_args a = tconv_dw_args_make(&p);
    CU_ASSERT_EQUAL(a.tile_w, rows[i].tile_w);
    CU_ASSERT_EQUAL(a.block_rows, rows[i].block_rows);
    CU_ASSERT_EQUAL(a.rows_per_thread, rows[i].rows_per_thread);
    CU_ASSERT_EQUAL(a.threads, rows[i].threads);
    CU_ASSERT(a.tile_h <= TCONV_DW_MAX_TILE_H && a.threads <= TCONV_DW_THREADS);
    CU_ASSERT_EQUAL(a.tile_count, p.n * p.cout * a.tiles_h * a.tiles_w);
  }
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
  CU_pSuite dw = CU_add_suite("depthwise_emulated", NULL, NULL);
  if (dw == NULL || CU_add_test(dw, "1-D sweep", test_depthwise_sweep_1d) == NULL ||
      CU_add_test(dw, "random rank 1-3, wide and tall planes", test_depthwise_sweep_random) ==
          NULL ||
      CU_add_test(dw, "benchmark layers, large kernels", test_depthwise_layers) == NULL ||
      CU_add_test(dw, "tiled, global-kernel and generic paths reached",
                  test_depthwise_paths_reached) == NULL)
    return CU_get_error();
  CU_pSuite rules = CU_add_suite("gemm_depthwise_rules", NULL, NULL);
  if (rules == NULL ||
      CU_add_test(rules, "gemm workspace, chunking, overflow", test_gemm_workspace) == NULL ||
      CU_add_test(rules, "gemm call layout", test_gemm_call_layout) == NULL ||
      CU_add_test(rules, "depthwise supports", test_depthwise_supports) == NULL ||
      CU_add_test(rules, "depthwise tile shapes", test_depthwise_tiles) == NULL)
    return CU_get_error();
  return test_register_gemm_plan();
}
