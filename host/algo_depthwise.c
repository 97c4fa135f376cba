/*
 * algo_depthwise.c - which problems the depthwise algorithm takes (see algos.h); no
 * workspace.
 *
 * Taken: groups == Cin == Cout (one input and one output channel per group), both ops,
 * ranks 1-3, every stride, dilation, padding and output_padding; convolution with every
 * padding mode, transposed convolution with zero or circular padding; every dtype, layout
 * and math mode (TF32 computed in strict FP32; channels-last x or y, like the padding modes
 * other than zeros, run the direct kernels). Refused: channel
 * multipliers (Cout a multiple of Cin) and grouped problems with several channels per
 * group; and, since the tiled kernel keeps positions inside one channel in 32-bit
 * integers, a spatial size, kernel size, stride or dilation, or the element count of one
 * channel's input, output or kernel, above 2^31 - 1.
 */
#include "algos.h"

#include "depthwise.cuh"

#include <stdint.h>
#include <stdio.h>

/* The first per-channel quantity that exceeds int32, or NULL. */
static const char *int32_excess(const tconv_problem *p) {
  if (p->in_spatial > INT32_MAX)
    return "input elements per channel";
  if (p->out_spatial > INT32_MAX)
    return "output elements per channel";
  if (p->k_spatial > INT32_MAX)
    return "kernel taps";
  for (int dim = 0; dim < p->spatial_rank; ++dim)
    if (p->stride[dim] > INT32_MAX || p->dilation[dim] > INT32_MAX)
      return "stride or dilation";
  return NULL;
}

int tconv_depthwise_supports(const tconv_problem *problem, char *why, size_t why_size) {
  if (problem->groups != problem->cin || problem->cout != problem->cin) {
    snprintf(why, why_size,
             "needs one input and one output channel per group (groups == Cin == Cout); this "
             "problem has groups %lld, Cin %lld, Cout %lld",
             (long long)problem->groups, (long long)problem->cin, (long long)problem->cout);
    return 0;
  }
  const char *excess = int32_excess(problem);
  if (excess != NULL) {
    snprintf(why, why_size, "%s above 2^31 - 1 are not supported; use direct", excess);
    return 0;
  }
  return 1;
}

tconv_status tconv_depthwise_plan(const tconv_problem *problem, tconv_launch_plan *plan) {
  if (!tconv_dw_tiled(problem))
    return tconv_direct_plan(problem, plan); /* the direct kernels run other padding modes */
  const tconv_dw_args a = tconv_dw_args_make(problem);
  static const char *const names[TCONV_DTYPE_COUNT] = TCONV_TYPED_KERNEL_NAMES("depthwise_tiled");
  plan->kernel = names[problem->dtype];
  plan->threads = a.threads;
  plan->grid[0] = a.tile_count;
  plan->grid[1] = plan->grid[2] = 1;
  plan->main_loop_trips = a.rows_per_thread * tconv_direct_max_taps(problem);
  plan->macs_computed = tconv_direct_macs(problem);
  plan->bm = plan->bn = plan->bk = plan->split_k = 0;
  plan->grid_stride = 1;
  plan->cluster = 1;
  plan->active_blocks = a.tile_count;
  return TCONV_STATUS_OK;
}
