/*
 * test_algos.c - suite "algos" (unit "algos", with tests/test_igemm.c's "igemm_emulated"):
 * the algorithm table through the public API on the CPU backend (names both ways,
 * the supports query with its reasons, workspace sizes, find and its cache), the implicit
 * GEMM's rules (what it takes, its choice of tile, K split and offset width), and the
 * plain-C planning interface (tconv_launch_plan_of, tconv_auto_algo) on the benchmark's
 * layers. (The CPU algorithms' sweeps are in test_cpu.c.)
 */
#include "cases.h"

#include "algos.h"
#include "problem.h"
#include "suite.h"
#include "igemm_args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the algorithm table on the CPU backend --------------------------------------------- */

static tconv_context *cpu;

static size_t bytes_of(int64_t n) { return (size_t)n * sizeof(float); }

static int algos_init(void) {
  return tconv_context_create(TCONV_BACKEND_CPU, 0, &cpu) == TCONV_STATUS_OK ? 0 : 1;
}

static int algos_cleanup(void) {
  tconv_context_destroy(cpu);
  cpu = NULL;
  return 0;
}

static void test_names(void) {
  static const char *const names[TCONV_ALGO_COUNT] = {"auto",      "direct",     "reference",
                                                      "igemm",     "gemm",       "depthwise",
                                                      "cpu_igemm", "cpu_direct", "igemm_tc"};
  for (int i = 0; i < TCONV_ALGO_COUNT; ++i) {
    CU_ASSERT_STRING_EQUAL(tconv_algo_name((tconv_algo)i), names[i]);
    tconv_algo algo = TCONV_ALGO_AUTO;
    CU_ASSERT_EQUAL(tconv_algo_from_name(names[i], &algo), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(algo, (tconv_algo)i);
  }
  CU_ASSERT_PTR_NULL(tconv_algo_name((tconv_algo)TCONV_ALGO_COUNT));
  CU_ASSERT_PTR_NULL(tconv_algo_name((tconv_algo)-1));
  tconv_algo algo = TCONV_ALGO_GEMM;
  CU_ASSERT_EQUAL(tconv_algo_from_name("Direct", &algo), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(algo, TCONV_ALGO_GEMM); /* untouched */
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "'Direct'"));
  CU_ASSERT_EQUAL(tconv_algo_from_name(NULL, &algo), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_algo_from_name("gemm", NULL), TCONV_STATUS_INVALID_ARGUMENT);
}

/* A 2-D transposed problem: x (2, 4, 5, 6), w (4, 3, 3, 3), stride 2, padding 1. */
static const int64_t x_dims[4] = {2, 4, 5, 6}, w_dims[4] = {4, 3, 3, 3};

static tconv_params params_2d(void) {
  tconv_params p = tconv_params_default(2);
  tconv_params_set_uniform(&p, 2, 1, 1, 0);
  return p;
}

static void test_supported(void) {
  const tconv_params p = params_2d();
  const tconv_tensor x = tconv_tensor_make(NULL, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(NULL, 0, 4, w_dims);
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_AUTO),
                  TCONV_STATUS_OK);
  static const tconv_algo cpu_algos[] = {TCONV_ALGO_REFERENCE, TCONV_ALGO_CPU_IGEMM,
                                         TCONV_ALGO_CPU_DIRECT};
  for (size_t i = 0; i < sizeof cpu_algos / sizeof cpu_algos[0]; ++i)
    CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, cpu_algos[i]),
                    TCONV_STATUS_OK);
  static const tconv_algo cuda_only[] = {TCONV_ALGO_DIRECT, TCONV_ALGO_IGEMM, TCONV_ALGO_GEMM,
                                         TCONV_ALGO_DEPTHWISE, TCONV_ALGO_IGEMM_TC};
  for (size_t i = 0; i < sizeof cuda_only / sizeof cuda_only[0]; ++i) {
    CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_CONV, &p, &x, &x, NULL, cuda_only[i]),
                    TCONV_STATUS_UNSUPPORTED);
    char want[96];
    snprintf(want, sizeof want, "algorithm %s needs the CUDA backend; this context is CPU",
             tconv_algo_name(cuda_only[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), want));
  }
  CU_ASSERT_EQUAL(
      tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, (tconv_algo)TCONV_ALGO_COUNT),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "is not a tconv_algo value"));
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, (tconv_op)7, &p, &x, &w, NULL, TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(
      tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, NULL, &w, NULL, TCONV_ALGO_AUTO),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_algo_supported(NULL, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  /* Invalid parameters keep their own status. */
  tconv_params bad = p;
  bad.stride[1] = 0;
  CU_ASSERT_EQUAL(
      tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &bad, &x, &w, NULL, TCONV_ALGO_REFERENCE),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "stride"));
}

/* Problems igemm refuses, with the reason, and one it takes. */
static void test_igemm_supports_rules(void) {
  tconv_params p = params_2d();
  tconv_problem pr;
  char why[256];
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims),
                        TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_igemm_supports(&pr, why, sizeof why));
  p.padding_mode = TCONV_PADDING_CIRCULAR;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "padding mode circular is not supported"));
  /* 300 x 300 output phases (strides 300) exceed the grid's 65535. */
  tconv_params wide = tconv_params_default(2);
  tconv_params_set_uniform(&wide, 300, 0, 1, 0);
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &wide, x_dims, w_dims),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "output phases"));
  /* Strides whose product overflows 64 bits (valid: the input is 1 wide there). */
  const int64_t thin_x[4] = {1, 2, 1, 1}, thin_w[4] = {2, 3, 4, 3};
  tconv_params huge = tconv_params_default(2);
  huge.stride[0] = 4;
  huge.stride[1] = ((int64_t)1 << 62) + 1;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &huge, thin_x, thin_w),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "output phases"));
  /* A reduction of 2^28 channels x 8 taps = 2^31. */
  const int64_t big_x[3] = {1, (int64_t)1 << 28, 8}, big_w[3] = {1, (int64_t)1 << 28, 8};
  const tconv_params one = tconv_params_default(1);
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &one, big_x, big_w),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "the reduction (Cin/g x kernel = 2147483648)"));
  /* Strides summing past the residue table (3 x 50), and a 23x23 kernel (529 taps). */
  tconv_params many = tconv_params_default(3);
  tconv_params_set_uniform(&many, 50, 0, 1, 0);
  const int64_t x3[5] = {1, 2, 2, 2, 2}, w3[5] = {2, 2, 3, 3, 3};
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &many, x3, w3),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "output phases"));
  const int64_t kx[4] = {1, 2, 30, 30}, kw[4] = {2, 2, 23, 23};
  const tconv_params plain = tconv_params_default(2);
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &plain, kx, kw),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "529 kernel taps in one output phase exceed 512"));
  /* 22 x 23 = 506 taps: taken, with the generic gather. */
  const int64_t kw2[4] = {2, 2, 22, 23};
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &plain, kx, kw2),
                        TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_TRUE(tconv_igemm_needs_generic(&pr));
  /* The generic gather (more than 64 taps) with positions beyond 2^30: refused (the mask
   * gather takes them). */
  const int64_t lx[3] = {1, 1, ((int64_t)1 << 30) + 5}, lw[3] = {1, 1, 70};
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &one, lx, lw),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "input positions beyond 2^30"));
  /* ... and with 2^31 input elements (the generic gather has no 64-bit kernel). */
  const int64_t wx[3] = {4096, 1, (int64_t)1 << 19}, ww[3] = {1, 1, 65};
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &one, wx, ww),
                        TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_supports(&pr, why, sizeof why));
  CU_ASSERT_PTR_NOT_NULL(strstr(why, "tensors that need 64-bit offsets"));
  const int64_t lw2[3] = {1, 1, 60}; /* two mask words */
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_CONV, &one, lx, lw2),
                        TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_igemm_supports(&pr, why, sizeof why));
}

/* On a problem of many waves the tile follows Cout/g; only kernels the build has are chosen,
 * splits of 1 to 8; the offset width. */
static void test_igemm_choice(void) {
  static const struct {
    int64_t cout, groups;
    int config;
  } table[] = {{128, 1, 0}, {512, 1, 0}, {256, 2, 0}, {127, 1, 0}, {64, 1, 1},
               {126, 2, 1}, {32, 1, 2},  {31, 1, 2},  {16, 1, 3},  {9, 1, 3},
               {8, 1, 4},   {5, 1, 4},   {4, 1, 5},   {3, 1, 5},   {256, 256, 5}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    tconv_params params = tconv_params_default(2);
    params.groups = table[i].groups;
    const int64_t cin_g = table[i].groups > 2 ? 1 : 32; /* depthwise: one channel a group */
    const int64_t x[4] = {64, table[i].groups * cin_g, 56, 56};
    const int64_t w[4] = {table[i].cout, cin_g, 3, 3};
    tconv_problem p;
    CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_CONV, &params, x, w),
                          TCONV_STATUS_OK);
    const tconv_igemm_choice c = tconv_igemm_choose(&p);
    CU_ASSERT_EQUAL(c.config, table[i].config);
    CU_ASSERT_EQUAL(c.gather, TCONV_IGEMM_MASK);
    CU_ASSERT_EQUAL(c.wide, 0);
  }
  /* Random problems: the choice always names a kernel of the build. */
  begin_test();
  for (int i = 0; i < 300; ++i) {
    test_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    tconv_problem p;
    char why[256];
    if (case_finish(&c) != 0 || case_problem(&c, &p) != 0 ||
        !tconv_igemm_supports(&p, why, sizeof why))
      continue;
    const tconv_igemm_choice ch = tconv_igemm_choose(&p);
    CU_ASSERT(tconv_igemm_available(ch.config, ch.gather, ch.wide));
    CU_ASSERT(ch.split >= 1 && ch.split <= TCONV_IGEMM_MAX_SPLIT);
  }
  /* 64-bit offsets: x, or w, of 2^31 elements; a small problem keeps 32. */
  const int64_t sx[3] = {4, 8, 1000}, sw[3] = {8, 8, 3};
  const int64_t bx[3] = {1, 2, (int64_t)1 << 30}, bw[3] = {4, 2, 3};
  const int64_t wx[3] = {1, (int64_t)1 << 14, 8}, ww[3] = {(int64_t)1 << 14, 1 << 13, 16};
  const tconv_params one = tconv_params_default(1);
  tconv_problem p;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_CONV, &one, sx, sw), TCONV_STATUS_OK);
  CU_ASSERT_FALSE(tconv_igemm_needs_wide(&p));
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_CONV, &one, bx, bw), TCONV_STATUS_OK);
  CU_ASSERT_TRUE(tconv_igemm_needs_wide(&p));
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &p, TCONV_OP_TRANSPOSE, &one, wx, ww),
                        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(p.w_count, (int64_t)1 << 31);
  CU_ASSERT_TRUE(tconv_igemm_needs_wide(&p));
  const tconv_igemm_choice c = tconv_igemm_choose(&p);
  CU_ASSERT(c.wide == 1 && tconv_igemm_available(c.config, c.gather, c.wide));
}

/* The plain-C planning interface: every CUDA algorithm has a plan, the others none. */
static void test_launch_plans(void) {
  const tconv_params p2 = params_2d();
  tconv_problem pr;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &p2, x_dims, w_dims),
                        TCONV_STATUS_OK);
  tconv_launch_plan plan;
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_DIRECT, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "direct_zeros<float>");
  CU_ASSERT(plan.threads == 256 && plan.grid_stride == 1 && plan.split_k == 0);
  CU_ASSERT_EQUAL(plan.grid[0], (pr.y_count + 255) / 256);
  /* Every (output, tap) pair that reaches an input, times Cin: the reference's count. */
  int64_t pairs = 0;
  for (int64_t o0 = 0; o0 < pr.out[0]; ++o0)
    for (int64_t o1 = 0; o1 < pr.out[1]; ++o1)
      for (int64_t j0 = 0; j0 < 3; ++j0)
        for (int64_t j1 = 0; j1 < 3; ++j1)
          pairs += tconv_transpose_input_index(o0, j0, pr.in[0], 2, 1, 1) >= 0 &&
                   tconv_transpose_input_index(o1, j1, pr.in[1], 2, 1, 1) >= 0;
  CU_ASSERT_EQUAL(plan.macs_computed, pr.n * pr.cout * pr.cin * pairs);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_IGEMM, &plan), TCONV_STATUS_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(plan.kernel, "igemm_128x4_mask_i32"));
  CU_ASSERT(plan.bm == 128 && plan.bn == 4 && plan.bk == 8 && plan.cluster == plan.split_k);
  CU_ASSERT(plan.macs_computed >= pr.n * pr.cout * pr.cin * pairs);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_GEMM, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "gemm_col2im<float>");
  CU_ASSERT_EQUAL(plan.macs_computed, pr.n * pr.cout * pr.cin * 9 * pr.in_spatial);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_DEPTHWISE, &plan), TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "does not take this problem"));
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_REFERENCE, &plan), TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_AUTO, &plan), TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_CPU_IGEMM, &plan), TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, (tconv_algo)42, &plan), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_IGEMM, NULL), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_auto_algo(&pr, TCONV_BACKEND_CUDA), TCONV_ALGO_IGEMM);
  /* 3 output channels: the CPU's direct algorithm. */
  CU_ASSERT_EQUAL(tconv_auto_algo(&pr, TCONV_BACKEND_CPU), TCONV_ALGO_CPU_DIRECT);
  tconv_problem half = pr; /* the CPU algorithms take float32 only: AUTO runs the reference */
  half.dtype = TCONV_DTYPE_FLOAT16;
  CU_ASSERT_EQUAL(tconv_auto_algo(&half, TCONV_BACKEND_CPU), TCONV_ALGO_REFERENCE);
  tconv_params circular = p2;
  circular.padding_mode = TCONV_PADDING_CIRCULAR;
  CU_ASSERT_EQUAL_FATAL(
      tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &circular, x_dims, w_dims),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_auto_algo(&pr, TCONV_BACKEND_CUDA), TCONV_ALGO_DIRECT);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_DIRECT, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "direct_circular<float>");
  /* Other storage: the plans name the kernel's instantiation; AUTO takes the tensor cores for
   * bfloat16 and TF32 math and falls through to direct where both implicit GEMMs refuse the
   * dtype, layout or math (float32 STRICT channels-last). */
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &p2, x_dims, w_dims),
                        TCONV_STATUS_OK);
  tconv_problem q = pr;
  q.dtype = TCONV_DTYPE_BFLOAT16;
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&q, TCONV_ALGO_DIRECT, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "direct_zeros<__nv_bfloat16>");
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&q, TCONV_ALGO_GEMM, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "gemm_col2im<__nv_bfloat16>");
  CU_ASSERT_EQUAL(tconv_auto_algo(&q, TCONV_BACKEND_CUDA), TCONV_ALGO_IGEMM_TC);
  q = pr;
  q.y_layout = TCONV_LAYOUT_NHWC;
  CU_ASSERT_EQUAL(tconv_auto_algo(&q, TCONV_BACKEND_CUDA), TCONV_ALGO_DIRECT);
  q = pr;
  q.math = TCONV_MATH_TF32;
  CU_ASSERT_EQUAL(tconv_auto_algo(&q, TCONV_BACKEND_CUDA), TCONV_ALGO_IGEMM_TC);
  /* Depthwise: the tiled kernel channels first, the direct kernels channels last. */
  tconv_params dw = p2;
  dw.groups = x_dims[1];
  const int64_t dw_w[4] = {x_dims[1], 1, 3, 3};
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &dw, x_dims, dw_w),
                        TCONV_STATUS_OK);
  pr.dtype = TCONV_DTYPE_FLOAT16;
  CU_ASSERT_EQUAL(tconv_auto_algo(&pr, TCONV_BACKEND_CUDA), TCONV_ALGO_DEPTHWISE);
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_DEPTHWISE, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "depthwise_tiled<__half>");
  pr.x_layout = TCONV_LAYOUT_NHWC;
  CU_ASSERT_EQUAL(tconv_launch_plan_of(&pr, TCONV_ALGO_DEPTHWISE, &plan), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(plan.kernel, "direct_zeros<__half>");
}

/* BENCH.md's layers, as AUTO runs them: every one fills the 132 SMs (at least a block per
 * SM; the implicit GEMM's a whole round of resident blocks, at the occupancy its
 * configurations are built for), and the dense ones run the implicit GEMM. The table is
 * printed: the static plan. */
static void test_bench_plans(void) {
  printf("\n  %-12s %-24s %5s %16s %6s %8s %6s", "layer", "kernel", "split", "grid", "blocks",
         "waves", "chunks");
  for (int i = 0; i < bench_suite_size; ++i) {
    const bench_layer *l = &bench_suite[i];
    bench_shape sh;
    char why[256];
    CU_ASSERT_EQUAL_FATAL(bench_shape_of(l, &sh, why, sizeof why), 0);
    tconv_problem pr;
    CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, l->op, &sh.params, sh.x, sh.w),
                          TCONV_STATUS_OK);
    const tconv_algo algo = tconv_auto_algo(&pr, TCONV_BACKEND_CUDA);
    tconv_launch_plan plan;
    CU_ASSERT_EQUAL_FATAL(tconv_launch_plan_of(&pr, algo, &plan), TCONV_STATUS_OK);
    CU_ASSERT(plan.active_blocks >= TCONV_IGEMM_PLAN_SMS);
    if (l->groups == 1)
      CU_ASSERT_EQUAL(algo, TCONV_ALGO_IGEMM);
    const int64_t per_sm = TCONV_IGEMM_WARPS_PER_SM * 32 / plan.threads;
    if (algo == TCONV_ALGO_IGEMM)
      CU_ASSERT(plan.active_blocks >= TCONV_IGEMM_PLAN_SMS * per_sm);
    char grid[40];
    snprintf(grid, sizeof grid, "%lldx%lldx%lld", (long long)plan.grid[0], (long long)plan.grid[1],
             (long long)plan.grid[2]);
    printf("\n  %-12s %-24s %5d %16s %6lld %8.2f %6lld", l->name, plan.kernel, plan.split_k, grid,
           (long long)plan.active_blocks,
           (double)plan.active_blocks / (double)(TCONV_IGEMM_PLAN_SMS * per_sm),
           (long long)plan.main_loop_trips);
  }
}

static void test_workspace_sizes(void) {
  tconv_buffer *buf = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(cpu, 4096, &buf), TCONV_STATUS_OK);
  const tconv_params p = params_2d();
  const tconv_tensor x = tconv_tensor_make(buf, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(buf, 0, 4, w_dims);
  size_t bytes = 12345;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  bytes = 12345;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_REFERENCE, &bytes),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  bytes = 12345;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_GEMM, &bytes),
      TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_EQUAL(bytes, 12345);
  tconv_buffer_destroy(buf);
}

/* find on the CPU: three rows (the reference and the two CPU algorithms), timed, fastest
 * first; y holds the last one's result (cpu_direct, last in the table); the winner is cached
 * and AUTO then computes its bits. */
static void test_find_cpu(void) {
  const tconv_params p = params_2d();
  int64_t y_dims[4];
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x_dims, w_dims, y_dims), TCONV_STATUS_OK);
  const int64_t xn = test_count(4, x_dims), wn = test_count(4, w_dims), yn = test_count(4, y_dims);
  float *host = malloc(bytes_of(xn + wn + 3 * yn));
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(host);
  float *hx = host, *hw = hx + xn, *ref = hw + wn, *got = ref + yn, *again = got + yn;
  test_fill_uniform(hx, xn);
  test_fill_uniform(hw, wn);
  CU_ASSERT_EQUAL_FATAL(tconv_reference_transpose(&p, TCONV_FORMULATION_GATHER, x_dims, hx, w_dims,
                                                  hw, NULL, y_dims, ref),
                        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, hx, bytes_of(xn), &bx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, hw, bytes_of(wn), &bw), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, got, bytes_of(yn), &by), TCONV_STATUS_OK);
  const tconv_tensor x = tconv_tensor_make(bx, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(bw, 0, 4, w_dims);
  const tconv_tensor y = tconv_tensor_make(by, 0, 4, y_dims);

  /* Capacity 0: nothing written, count 0. It times and caches as well, so it goes first: the
   * winner AUTO uses below is the one the call with rows reports (two finds may disagree when
   * the timings are close, as under valgrind). */
  tconv_algo_perf rows[TCONV_ALGO_COUNT];
  memset(rows, 0xA5, sizeof rows);
  const tconv_algo_perf untouched = rows[0];
  int count = -1;
  CU_ASSERT_EQUAL(
      tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows, 0, &count),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(count, 0);
  CU_ASSERT_EQUAL(memcmp(&rows[0], &untouched, sizeof untouched), 0);
  case_poison(got, yn);
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows,
                                  TCONV_ALGO_COUNT, &count),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(count, 3);
  int seen = 0;
  for (int i = 0; i < count; ++i) {
    seen |= 1 << rows[i].algo;
    CU_ASSERT_EQUAL(rows[i].status, TCONV_STATUS_OK);
    CU_ASSERT(rows[i].milliseconds >= (i > 0 ? rows[i - 1].milliseconds : 0.0));
    CU_ASSERT_EQUAL(rows[i].workspace_bytes, 0);
  }
  CU_ASSERT_EQUAL(seen, (1 << TCONV_ALGO_REFERENCE) | (1 << TCONV_ALGO_CPU_IGEMM) |
                            (1 << TCONV_ALGO_CPU_DIRECT));
  CU_ASSERT(test_rel_error(got, ref, yn) <= TEST_F32_TOLERANCE);
  const tconv_algo winner = rows[0].algo;
  /* AUTO after find: the winner's bits. */
  case_poison(got, yn);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x, &w, NULL, &y, winner, NULL),
                  TCONV_STATUS_OK);
  memcpy(again, got, bytes_of(yn));
  case_poison(got, yn);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(test_first_difference(again, got, yn), -1);
  /* Bad arguments. */
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows,
                                  TCONV_ALGO_COUNT, NULL),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "count is NULL"));
  CU_ASSERT_EQUAL(
      tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, NULL, 2, &count),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "results is NULL"));
  CU_ASSERT_EQUAL(
      tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows, -1, &count),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_CONV, &p, &x, &w, NULL, &y, NULL, rows,
                                  TCONV_ALGO_COUNT, &count),
                  TCONV_STATUS_SHAPE_MISMATCH);
  /* More distinct problems than the cache holds: every find still answers. */
  for (int i = 0; i < 70; ++i) {
    tconv_params q = p;
    q.output_padding[1] = i % 2;
    q.pad_end[0] = 1 + i / 2 % 2;
    int64_t qy[4];
    if (tconv_transpose_output_shape(&q, x_dims, w_dims, qy) != TCONV_STATUS_OK ||
        test_count(4, qy) > yn)
      continue;
    const tconv_tensor ty = tconv_tensor_make(by, 0, 4, qy);
    CU_ASSERT_EQUAL(
        tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &q, &x, &w, NULL, &ty, NULL, rows, 1, &count),
        TCONV_STATUS_OK);
  }
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(by);
  free(host);
}

/* Forward calls name the algorithm and backend when they refuse. */
static void test_forward_refusals(void) {
  const tconv_params p = params_2d();
  int64_t y_dims[4];
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x_dims, w_dims, y_dims), TCONV_STATUS_OK);
  tconv_buffer *buf = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(cpu, 1 << 16, &buf), TCONV_STATUS_OK);
  const tconv_tensor x = tconv_tensor_make(buf, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(buf, 4096, 4, w_dims);
  const tconv_tensor y = tconv_tensor_make(buf, 8192, 4, y_dims);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x, &w, NULL, &y, TCONV_ALGO_IGEMM, NULL),
                  TCONV_STATUS_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(tconv_context_last_error(cpu),
             "transposed conv: algorithm igemm needs the CUDA backend; this context is CPU"));
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x, &w, NULL, &y, (tconv_algo)99, NULL),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "algo 99 is not"));
  /* A workspace over x's bytes would be overwritten by the algorithm's scratch data. */
  tconv_buffer *ws = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, (char *)tconv_buffer_data(buf) + 64, 64, &ws),
                        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x, &w, NULL, &y, TCONV_ALGO_AUTO, ws),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "the workspace overlaps x"));
  tconv_buffer_destroy(ws);
  /* A wrapped pointer that is not 4-byte aligned (the offset alone would pass). */
  tconv_buffer *odd = NULL;
  CU_ASSERT_EQUAL_FATAL(
      tconv_buffer_wrap(cpu, (char *)tconv_buffer_data(buf) + 16384 + 2, 4096, &odd),
      TCONV_STATUS_OK);
  const tconv_tensor x_odd = tconv_tensor_make(odd, 0, 4, x_dims);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x_odd, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "not 4-byte aligned"));
  tconv_buffer_destroy(odd);
  tconv_buffer_destroy(buf);
}

static CU_TestInfo algos_tests[] = {
    {"names both ways", test_names},
    {"supports query on the CPU backend", test_supported},
    {"igemm supports rules", test_igemm_supports_rules},
    {"igemm choice: tile, kernels of the build, offset width", test_igemm_choice},
    {"launch plans and AUTO's choice", test_launch_plans},
    {"benchmark layers fill the GPU", test_bench_plans},
    {"workspace sizes", test_workspace_sizes},
    {"find on the CPU, cache", test_find_cpu},
    {"forward refusals: algorithm, backend, workspace, alignment", test_forward_refusals},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_algos[] = {
    {"algos", algos_init, algos_cleanup, NULL, NULL, algos_tests},
    CU_SUITE_INFO_NULL,
};
