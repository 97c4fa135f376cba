/*
 * algo_igemm.c - which problems the implicit-GEMM algorithm takes (see algos.h and
 * cuda/igemm.cuh). The limits come from the launch: blockIdx.z holds the phase, blockIdx.y
 * the group and a tile of at least 16 output channels, blockIdx.x a tile of at least 64
 * output positions; the kernels walk K with 32-bit positions.
 */
#include "algos.h"

#include <stdint.h>
#include <stdio.h>

#define GRID_YZ_MAX 65535
#define GRID_X_MAX 2147483647
#define IGEMM_BN_MIN 16
#define IGEMM_BM_MIN 64

static const char *const mode_names[] = {"zeros", "reflect", "replicate", "circular"};

int tconv_igemm_supports(const tconv_problem *p, char *why, size_t why_size) {
  if (!tconv_fp32_nchw_only(p, why, why_size))
    return 0;
  if (p->padding_mode != TCONV_PADDING_ZEROS) {
    snprintf(why, why_size, "padding mode %s is not supported (zeros only); use direct",
             mode_names[p->padding_mode]);
    return 0;
  }
  int64_t phases = 1, rows = p->n, k_total = p->cin / p->groups;
  for (int d = 0; d < TCONV_MAX_SPATIAL; ++d) {
    const int64_t s = p->stride[d];
    if (p->op == TCONV_OP_TRANSPOSE) {
      if (s > GRID_YZ_MAX / phases) { /* phases * s > GRID_YZ_MAX, without overflowing */
        snprintf(why, why_size, "the output phases (the product of the strides) exceed %d",
                 GRID_YZ_MAX);
        return 0;
      }
      phases *= s;
    }
    const int64_t q = p->op == TCONV_OP_CONV ? p->out[d] : (p->out[d] + s - 1) / s;
    if (tconv_mul_i64(rows, q, &rows) || tconv_mul_i64(k_total, p->k[d], &k_total)) {
      snprintf(why, why_size, "the GEMM dimensions overflow 64 bits");
      return 0;
    }
  }
  if ((rows + IGEMM_BM_MIN - 1) / IGEMM_BM_MIN > GRID_X_MAX) {
    snprintf(why, why_size, "%lld output positions per phase exceed the grid (%lld tiles)",
             (long long)rows, (long long)GRID_X_MAX);
    return 0;
  }
  const int64_t cout_g = p->cout / p->groups;
  if (p->groups * ((cout_g + IGEMM_BN_MIN - 1) / IGEMM_BN_MIN) > GRID_YZ_MAX) {
    snprintf(why, why_size, "%lld groups of %lld output channels exceed the grid's %d tiles",
             (long long)p->groups, (long long)cout_g, GRID_YZ_MAX);
    return 0;
  }
  if (k_total > INT32_MAX - 1024) {
    snprintf(why, why_size, "the reduction (Cin/g x kernel = %lld) exceeds 2^31 - 1024",
             (long long)k_total);
    return 0;
  }
  return 1;
}
