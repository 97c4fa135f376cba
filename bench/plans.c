/*
 * plans.c - tconv-plans: for each layer of the suite, the launch AUTO makes on CUDA
 * (host/algos.h: grid, main-loop trips, the blocks in launch order as runs of alike blocks)
 * and the layer's useful FLOPs and bytes (suite.c), one JSON object per line.
 * Then one line per tensor-core kernel (cuda/igemm_tc_args.h): its block, dynamic shared
 * memory and the resident blocks its launch bounds ask for, which the SASS does not hold.
 * Then one line per FFMA implicit-GEMM kernel with the mask or strip gather and 32-bit offsets
 * (cuda/igemm_args.h), in configuration order: the figures AUTO's choice weighs are read from
 * them (host/igemm_figures.h).
 * The kernel report (bench/kernel_report.py) reads it to model each layer; nothing here
 * needs a GPU or cuDNN.
 *
 * Exit status 0, or 1 when a layer does not resolve or has no plan.
 */
#include "algos.h"
#include "igemm_args.h"
#include "igemm_tc_args.h"
#include "suite.h"

#include <stdio.h>

static void print_plan(const bench_layer *l, const bench_shape *sh, tconv_algo algo,
                       const tconv_launch_plan *p) {
  printf("{\"layer\": \"%s\", \"op\": \"%s\", \"rank\": %d, \"groups\": %lld, "
         "\"dense2d\": %d, \"special\": %d, \"algo\": \"%s\", \"kernel\": \"%s\", "
         "\"threads\": %d, \"grid\": [%lld, %lld, %lld], \"main_loop_trips\": %lld, "
         "\"macs_computed\": %lld, \"bm\": %d, \"bn\": %d, \"bk\": %d, \"split_k\": %d, "
         "\"useful_flops\": %.0f, \"bytes\": %.0f, \"active_blocks\": %lld, \"runs\": [",
         l->name, bench_op_name(l->op), l->rank, (long long)l->groups, bench_layer_is_dense2d(l),
         bench_layer_is_special(l), tconv_algo_name(algo), p->kernel, p->threads,
         (long long)p->grid[0], (long long)p->grid[1], (long long)p->grid[2],
         (long long)p->main_loop_trips, (long long)p->macs_computed, p->bm, p->bn, p->bk,
         p->split_k, sh->flops, sh->bytes, (long long)p->active_blocks);
  for (int i = 0; i < p->runs; ++i)
    printf("%s[%lld, %lld]", i ? ", " : "", (long long)p->run_blocks[i],
           (long long)p->run_trips[i]);
  printf("]}\n");
}

static void print_tc_kernels(void) {
  for (int type = 0; type < TCONV_TC_TYPES; ++type)
    for (int config = 0; config < TCONV_TC_CONFIG_COUNT; ++config)
      for (int path = 0; path < TCONV_TC_PATHS; ++path) {
        const tconv_tc_choice choice = {config, type, path};
        printf("{\"tc_kernel\": \"%s\", \"threads\": %d, \"dynamic_smem\": %d, "
               "\"resident\": %d}\n",
               tconv_tc_kernel_name(&choice), tconv_tc_config_of(config).threads,
               tconv_tc_smem_bytes(config), tconv_tc_resident(config));
      }
}

static void print_igemm_kernels(void) {
  static const int gathers[] = {TCONV_IGEMM_MASK, TCONV_IGEMM_STRIP};
  for (int config = 0; config < TCONV_IGEMM_CONFIG_COUNT; ++config)
    for (int i = 0; i < 2; ++i) {
      const tconv_igemm_choice choice = {config, gathers[i], 0, 1};
      if (tconv_igemm_available(config, choice.gather, 0))
        printf("{\"igemm_kernel\": \"%s\", \"config\": %d, \"gather\": \"%s\"}\n",
               tconv_igemm_kernel_name(&choice), config,
               choice.gather == TCONV_IGEMM_MASK ? "mask" : "strip");
    }
}

int main(void) {
  int failures = 0;
  for (int i = 0; i < bench_suite_size; ++i) {
    const bench_layer *l = &bench_suite[i];
    bench_shape sh;
    tconv_problem problem;
    tconv_launch_plan plan;
    char why[512];
    tconv_status status = TCONV_STATUS_OK;
    if (bench_shape_of(l, &sh, why, sizeof why) != 0 ||
        (status = tconv_problem_init(NULL, &problem, l->op, &sh.params, sh.x, sh.w)) !=
            TCONV_STATUS_OK) {
      fprintf(stderr, "tconv-plans: %s: %s\n", l->name,
              status != TCONV_STATUS_OK ? tconv_last_error() : why);
      ++failures;
      continue;
    }
    const tconv_algo algo = tconv_auto_algo(&problem, TCONV_BACKEND_CUDA);
    if ((status = tconv_launch_plan_of(&problem, algo, &plan)) != TCONV_STATUS_OK) {
      fprintf(stderr, "tconv-plans: %s: no launch plan for %s: %s\n", l->name,
              tconv_algo_name(algo), tconv_status_name(status));
      ++failures;
      continue;
    }
    print_plan(l, &sh, algo, &plan);
  }
  print_tc_kernels();
  print_igemm_kernels();
  return failures != 0;
}
