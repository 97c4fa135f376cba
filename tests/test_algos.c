/*
 * test_algos.c - suites "igemm_emulated" and "algos".
 *
 * igemm_emulated: the implicit-GEMM kernel's thread blocks run on the CPU
 * (tests/igemm_emu.cpp, the code of cuda/igemm.cuh) against the CPU reference, on the same
 * case generators as the GPU suites: the 1-D sweep, random rank 1-3 cases, activations, the
 * edge table and layer-like sizes, each in the configuration the launcher picks and the
 * layer-like ones in every configuration, threads run forward and in reverse (a race between
 * the threads of a step would make the two differ). Shared memory is NaN before each block
 * and y is NaN before each run: a tile element never loaded or an output never written shows.
 *
 * algos: the algorithm table through the public API on the CPU backend: names both ways, the
 * supports query with its reasons, workspace sizes, find and its cache, and the igemm
 * supports rules. (The CPU algorithms' sweeps are in test_cpu.c.)
 */
#include "cases.h"

#include "algos.h"
#include "problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/igemm_emu.cpp */
int test_igemm_emulate(const tconv_problem *p, int config, int reverse, const float *x,
                       const float *w, const float *bias, float *y);
int test_igemm_config_of(const tconv_problem *p);
#define IGEMM_CONFIGS 4

static int64_t config_runs[IGEMM_CONFIGS]; /* emulated runs per configuration */

static size_t bytes_of(int64_t n) { return (size_t)n * sizeof(float); }

/* Emulates the case in configuration `config` (-1: the launcher's) on floats and on
 * integers, threads in forward order, and when `both_orders` also in reverse (bitwise equal
 * to forward). Returns 1 on a failure. */
static int emulate_case(test_case *c, int config, int both_orders) {
  tconv_problem p;
  if (case_problem(c, &p) != 0)
    return 1;
  char why[256];
  if (!tconv_igemm_supports(&p, why, sizeof why)) {
    if (c->padding_mode == TCONV_PADDING_ZEROS) {
      CASE_FAIL(c, "igemm refuses a zero-padded case: %s", why);
      return 1;
    }
    return 0; /* other padding modes are direct's */
  }
  if (c->padding_mode != TCONV_PADDING_ZEROS) {
    CASE_FAIL(c, "igemm takes padding mode %d", c->padding_mode);
    return 1;
  }
  float *x = malloc(bytes_of(c->x_count)), *w = malloc(bytes_of(c->w_count));
  float *bias = malloc(bytes_of(c->cout)), *ref = malloc(bytes_of(c->y_count));
  float *y = malloc(bytes_of(c->y_count)), *y2 = malloc(bytes_of(c->y_count));
  int failed = 1;
  if (x == NULL || w == NULL || bias == NULL || ref == NULL || y == NULL || y2 == NULL) {
    CASE_FAIL(c, "out of host memory");
    goto done;
  }
  const int transcendental =
      c->activation == TCONV_ACTIVATION_SIGMOID || c->activation == TCONV_ACTIVATION_TANH;
  for (int integers = 0; integers < 2; ++integers) {
    case_fill_inputs(c, integers, x, w, bias);
    const float *b = c->bias ? bias : NULL;
    if (case_reference(c, x, w, b, ref) != 0)
      goto done;
    case_poison(y, c->y_count);
    const int used = test_igemm_emulate(&p, config, 0, x, w, b, y);
    ++config_runs[used];
    char what[64];
    snprintf(what, sizeof what, "igemm config %d, %s", used, integers ? "integers" : "floats");
    if ((integers && !transcendental ? case_compare_exact(c, what, y, ref)
                                     : case_compare_close(c, what, y, ref)) != 0)
      goto done;
    if (both_orders) {
      case_poison(y2, c->y_count);
      test_igemm_emulate(&p, config, 1, x, w, b, y2);
      snprintf(what, sizeof what, "igemm config %d, threads reversed vs forward", used);
      if (case_compare_exact(c, what, y2, y) != 0)
        goto done;
    }
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

static int sweep_emulate(test_case *c, void *data) {
  (void)data;
  return emulate_case(c, -1, 0);
}

static void test_igemm_sweep_1d(void) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = case_sweep_1d(sweep_emulate, NULL, &cases);
  end_test(failed, cases);
}

/* data: the cases emulated so far; every fourth runs in a random configuration, every eighth
 * in both thread orders. */
static int sweep_emulate_varied(test_case *c, void *data) {
  int64_t *emulated = data;
  const int64_t n = (*emulated)++;
  const int config = n % 4 == 0 ? (int)test_rng_int(0, IGEMM_CONFIGS - 1) : -1;
  return emulate_case(c, config, n % 8 == 0);
}

/* Random rank 1-3 cases. */
static void test_igemm_sweep_random(void) {
  begin_test();
  int64_t emulated = 0;
  end_test(case_sweep_random(sweep_emulate_varied, &emulated, 400, 0, CASE_WORK_LIMIT / 4, NULL),
           400);
}

/* Activations (and padding modes, which igemm must refuse but for zeros). */
static void test_igemm_conventions(void) {
  begin_test();
  end_test(case_sweep_random(sweep_emulate, NULL, 150, 1, CASE_WORK_LIMIT / 4, NULL), 150);
}

static void test_igemm_edge_cases(void) {
  begin_test();
  int64_t failed = 0, cases = 0;
  for (size_t i = 0; i < case_edge_count; ++i)
    for (int config = 0; config < IGEMM_CONFIGS; ++config) {
      test_case c;
      case_from_spec(&c, &case_edge_table[i]);
      failed += case_finish(&c) != 0 || emulate_case(&c, config, config == 0);
      ++cases;
    }
  end_test(failed, cases);
}

static void test_igemm_tiled_sizes(void) {
  begin_test();
  int64_t failed = 0, cases = 0;
  for (size_t i = 0; i < case_tile_count; ++i)
    for (int config = 0; config < IGEMM_CONFIGS; ++config) {
      test_case c;
      case_from_spec(&c, &case_tile_table[i]);
      failed += case_finish(&c) != 0 || emulate_case(&c, config, config == 1);
      ++cases;
    }
  end_test(failed, cases);
}

/* After the sweeps: each configuration ran, and the launcher's choice follows Cout/g. */
static void test_igemm_configs(void) {
  for (int i = 0; i < IGEMM_CONFIGS; ++i) {
    printf("\n  config %d: %lld emulated runs", i, (long long)config_runs[i]);
    CU_ASSERT(config_runs[i] >= 20);
  }
  static const struct {
    int64_t cout, groups;
    int config;
  } table[] = {{128, 1, 0}, {256, 2, 0}, {64, 1, 1}, {127, 1, 1}, {32, 1, 2},
               {126, 2, 2}, {31, 1, 3},  {3, 1, 3},   {256, 256, 3}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    tconv_problem p;
    memset(&p, 0, sizeof p);
    p.cout = table[i].cout;
    p.groups = table[i].groups;
    CU_ASSERT_EQUAL(test_igemm_config_of(&p), table[i].config);
  }
}

/* ---- the algorithm table on the CPU backend --------------------------------------------- */

static tconv_context *cpu;

static int algos_init(void) {
  return tconv_context_create(&cpu, TCONV_BACKEND_CPU, 0) == TCONV_STATUS_OK ? 0 : 1;
}

static int algos_cleanup(void) {
  tconv_context_destroy(cpu);
  cpu = NULL;
  return 0;
}

static void test_names(void) {
  static const char *const names[TCONV_ALGO_COUNT] = {
      "auto", "direct", "reference", "igemm", "gemm", "depthwise", "cpu_igemm", "cpu_direct"};
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
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims,
                                       TCONV_ALGO_AUTO),
                  TCONV_STATUS_OK);
  static const tconv_algo cpu_algos[] = {TCONV_ALGO_REFERENCE, TCONV_ALGO_CPU_IGEMM,
                                         TCONV_ALGO_CPU_DIRECT};
  for (size_t i = 0; i < sizeof cpu_algos / sizeof cpu_algos[0]; ++i)
    CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims,
                                         cpu_algos[i]),
                    TCONV_STATUS_OK);
  static const tconv_algo cuda_only[] = {TCONV_ALGO_DIRECT, TCONV_ALGO_IGEMM, TCONV_ALGO_GEMM,
                                         TCONV_ALGO_DEPTHWISE};
  for (size_t i = 0; i < sizeof cuda_only / sizeof cuda_only[0]; ++i) {
    CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_CONV, &p, x_dims, x_dims, cuda_only[i]),
                    TCONV_STATUS_UNSUPPORTED);
    char want[96];
    snprintf(want, sizeof want, "algorithm %s needs the CUDA backend; this context is CPU",
             tconv_algo_name(cuda_only[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), want));
  }
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims,
                                       (tconv_algo)TCONV_ALGO_COUNT),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "is not a tconv_algo value"));
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, (tconv_op)7, &p, x_dims, w_dims, TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, NULL, w_dims,
                                       TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_algo_supported(NULL, TCONV_OP_TRANSPOSE, &p, x_dims, w_dims,
                                       TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  /* Invalid parameters keep their own status. */
  tconv_params bad = p;
  bad.stride[1] = 0;
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &bad, x_dims, w_dims,
                                       TCONV_ALGO_REFERENCE),
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
}

static void test_workspace_sizes(void) {
  tconv_buffer *buf = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(cpu, 4096, &buf), TCONV_STATUS_OK);
  const tconv_params p = params_2d();
  const tconv_tensor x = tconv_tensor_make(buf, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(buf, 0, 4, w_dims);
  size_t bytes = 12345;
  CU_ASSERT_EQUAL(tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, TCONV_ALGO_AUTO,
                                       &bytes),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  bytes = 12345;
  CU_ASSERT_EQUAL(tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w,
                                       TCONV_ALGO_REFERENCE, &bytes),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  bytes = 12345;
  CU_ASSERT_EQUAL(tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, TCONV_ALGO_GEMM,
                                       &bytes),
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
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x_dims, w_dims, y_dims),
                        TCONV_STATUS_OK);
  const int64_t xn = test_count(4, x_dims), wn = test_count(4, w_dims), yn = test_count(4, y_dims);
  float *host = malloc(bytes_of(xn + wn + 3 * yn));
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(host);
  float *hx = host, *hw = hx + xn, *ref = hw + wn, *got = ref + yn, *again = got + yn;
  test_fill_uniform(hx, xn);
  test_fill_uniform(hw, wn);
  CU_ASSERT_EQUAL_FATAL(tconv_reference_transpose(&p, TCONV_FORMULATION_GATHER, x_dims, hx,
                                                  w_dims, hw, NULL, y_dims, ref),
                        TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, hx, bytes_of(xn), &bx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, hw, bytes_of(wn), &bw), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, got, bytes_of(yn), &by), TCONV_STATUS_OK);
  const tconv_tensor x = tconv_tensor_make(bx, 0, 4, x_dims);
  const tconv_tensor w = tconv_tensor_make(bw, 0, 4, w_dims);
  const tconv_tensor y = tconv_tensor_make(by, 0, 4, y_dims);

  tconv_algo_perf rows[TCONV_ALGO_COUNT];
  memset(rows, 0xA5, sizeof rows);
  int count = -1;
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
  /* Capacity 0: nothing written, count 0. */
  memset(rows, 0xA5, sizeof rows);
  const tconv_algo_perf untouched = rows[0];
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows, 0,
                                  &count),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(count, 0);
  CU_ASSERT_EQUAL(memcmp(&rows[0], &untouched, sizeof untouched), 0);
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
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, NULL, 2,
                                  &count),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "results is NULL"));
  CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, &y, NULL, rows, -1,
                                  &count),
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
    CU_ASSERT_EQUAL(tconv_find_algo(cpu, TCONV_OP_TRANSPOSE, &q, &x, &w, NULL, &ty, NULL, rows,
                                    1, &count),
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
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, x_dims, w_dims, y_dims),
                        TCONV_STATUS_OK);
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
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(cpu, (char *)tconv_buffer_data(buf) + 16384 + 2, 4096,
                                          &odd),
                        TCONV_STATUS_OK);
  const tconv_tensor x_odd = tconv_tensor_make(odd, 0, 4, x_dims);
  CU_ASSERT_EQUAL(tconv_transpose_forward(cpu, &p, &x_odd, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(cpu), "not 4-byte aligned"));
  tconv_buffer_destroy(odd);
  tconv_buffer_destroy(buf);
}

CU_ErrorCode test_register_algos(void) {
  CU_pSuite emu = CU_add_suite("igemm_emulated", NULL, NULL);
  if (emu == NULL ||
      CU_add_test(emu, "1-D sweep", test_igemm_sweep_1d) == NULL ||
      CU_add_test(emu, "random rank 1-3 sweep", test_igemm_sweep_random) == NULL ||
      CU_add_test(emu, "activations; padding modes refused", test_igemm_conventions) == NULL ||
      CU_add_test(emu, "edge cases, every configuration", test_igemm_edge_cases) == NULL ||
      CU_add_test(emu, "layer-like sizes, every configuration", test_igemm_tiled_sizes) ==
          NULL ||
      CU_add_test(emu, "configurations used and chosen", test_igemm_configs) == NULL)
    return CU_get_error();
  CU_pSuite suite = CU_add_suite("algos", algos_init, algos_cleanup);
  if (suite == NULL || CU_add_test(suite, "names both ways", test_names) == NULL ||
      CU_add_test(suite, "supports query on the CPU backend", test_supported) == NULL ||
      CU_add_test(suite, "igemm supports rules", test_igemm_supports_rules) == NULL ||
      CU_add_test(suite, "workspace sizes", test_workspace_sizes) == NULL ||
      CU_add_test(suite, "find on the CPU, cache", test_find_cpu) == NULL ||
      CU_add_test(suite, "forward refusals: algorithm, backend, workspace, alignment", test_forward_refusals) ==
          NULL)
    return CU_get_error();
  return CUE_SUCCESS;
}
