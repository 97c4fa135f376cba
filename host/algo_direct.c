/*
 * algo_direct.c - the direct algorithm's host side: it takes every problem (every dtype,
 * layout and math mode; algo_storage.c) and needs no workspace, so what is left is its launch plan
 * (algos.h) and the multiply-adds its gathers issue, which the depthwise plan shares.
 *
 * The gathers visit only contributing taps with zero padding, so their multiply-adds are the
 * (output, tap) pairs that reach a real input, per dimension a sum that factors: Σ_o Π_d
 * taps_d(o_d) = Π_d Σ_{o_d} taps_d(o_d). Each dimension's sum is counted from the side with
 * fewer terms (taps, or positions).
 */
#include "algos.h"

#include "geometry.cuh"

/* Number of integers n in [lo, hi] (0 when empty). */
static int64_t span(int64_t lo, int64_t hi) { return hi >= lo ? hi - lo + 1 : 0; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* (output, tap) pairs of one dimension with zero padding: transposed, tap j carries input t
 * to o = t*s + j*d - pb; convolution, output o reads t = o*s - pb + j*d. */
static int64_t dim_pairs_zeros(const tconv_problem *p, int d) {
  const int64_t i = p->in[d], o = p->out[d], k = p->k[d], s = p->stride[d];
  const int64_t dl = p->dilation[d], pb = p->pad_begin[d];
  int64_t pairs = 0;
  if (p->op == TCONV_OP_TRANSPOSE) {
    if (k <= i) {
      for (int64_t j = 0; j < k; ++j) /* inputs t with 0 <= t*s + j*d - pb < o */
        pairs += span(max64(0, tconv_ceil_div(pb - j * dl, s)),
                      min64(i - 1, tconv_floor_div(o - 1 + pb - j * dl, s)));
    } else {
      for (int64_t t = 0; t < i; ++t) /* taps j with 0 <= t*s + j*d - pb < o */
        pairs += span(max64(0, tconv_ceil_div(pb - t * s, dl)),
                      min64(k - 1, tconv_floor_div(o - 1 + pb - t * s, dl)));
    }
  } else if (k <= o) {
    for (int64_t j = 0; j < k; ++j) /* outputs with 0 <= q*s - pb + j*d < i */
      pairs += span(max64(0, tconv_ceil_div(pb - j * dl, s)),
                    min64(o - 1, tconv_floor_div(i - 1 + pb - j * dl, s)));
  } else {
    for (int64_t q = 0; q < o; ++q)
      pairs += span(max64(0, tconv_ceil_div(pb - q * s, dl)),
                    min64(k - 1, tconv_floor_div(i - 1 + pb - q * s, dl)));
  }
  return pairs;
}

int64_t tconv_direct_macs(const tconv_problem *p) {
  int64_t macs = p->n * p->cout * (p->cin / p->groups);
  for (int d = 0; d < p->spatial_rank; ++d) {
    int64_t pairs;
    if (p->padding_mode == TCONV_PADDING_ZEROS)
      pairs = dim_pairs_zeros(p, d);
    else if (p->op == TCONV_OP_CONV)
      pairs = p->out[d] * p->k[d]; /* every tap reads a (mapped) input */
    else
      pairs = p->in[d] * p->k[d]; /* circular: each (input, tap) lands on one output */
    macs *= pairs;
  }
  return macs;
}

int64_t tconv_direct_max_taps(const tconv_problem *p) {
  int64_t taps = 1;
  for (int d = 0; d < p->spatial_rank; ++d) {
    const int64_t k = p->k[d], s = p->stride[d], dl = p->dilation[d];
    int64_t most = k;
    if (p->op == TCONV_OP_TRANSPOSE) {
      const int64_t step = s / tconv_gcd(s, dl);
      most = p->padding_mode == TCONV_PADDING_ZEROS
                 ? min64((k + step - 1) / step, p->in[d])
                 : k * ((p->in[d] - 1) * s / p->out[d] + 1); /* circular: every wrap */
    } else if (p->padding_mode == TCONV_PADDING_ZEROS) {
      most = min64(k, (p->in[d] - 1) / dl + 1);
    }
    taps *= most;
  }
  return taps;
}

tconv_status tconv_direct_plan(const tconv_problem *p, tconv_launch_plan *plan) {
  static const char *const names[3][TCONV_DTYPE_COUNT] = {
      TCONV_TYPED_KERNEL_NAMES("direct_zeros"), TCONV_TYPED_KERNEL_NAMES("direct_padded"),
      TCONV_TYPED_KERNEL_NAMES("direct_circular")};
  const int kind = p->padding_mode == TCONV_PADDING_ZEROS ? TCONV_GATHER_TAPS
                   : p->op == TCONV_OP_CONV               ? TCONV_GATHER_PADDED
                                                          : TCONV_GATHER_CIRCULAR;
  plan->kernel = names[kind][p->dtype];
  plan->threads = TCONV_DIRECT_THREADS;
  plan->grid[0] = (p->y_count + TCONV_DIRECT_THREADS - 1) / TCONV_DIRECT_THREADS;
  plan->grid[1] = plan->grid[2] = 1;
  plan->main_loop_trips = (p->cin / p->groups) * tconv_direct_max_taps(p);
  plan->macs_computed = tconv_direct_macs(p);
  plan->bm = plan->bn = plan->bk = plan->split_k = 0;
  plan->grid_stride = 1;
  plan->cluster = 1;
  plan->active_blocks = plan->grid[0];
  return TCONV_STATUS_OK;
}
