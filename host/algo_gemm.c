/*
 * algo_gemm.c - which problems the gemm algorithm takes (see algos.h).
 */
#include "algos.h"

#include <stdio.h>

int tconv_gemm_supports(const tconv_problem *problem, char *why, size_t why_size) {
  (void)problem;
  snprintf(why, why_size, "not built yet");
  return 0;
}

size_t tconv_gemm_workspace(const tconv_problem *problem) {
  (void)problem;
  return 0;
}
