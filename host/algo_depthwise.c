/*
 * algo_depthwise.c - which problems the depthwise algorithm takes (see algos.h).
 */
#include "algos.h"

#include <stdio.h>

int tconv_depthwise_supports(const tconv_problem *problem, char *why, size_t why_size) {
  (void)problem;
  snprintf(why, why_size, "not built yet");
  return 0;
}
