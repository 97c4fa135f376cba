/*
 * igemm_block.cuh - what one block of the implicit-GEMM kernel (cuda/igemm.cuh) computes, from
 * the launch's arguments (cuda/igemm_args.h): its output phase, tile, group and share of K;
 * a row's image and position, its offset in y; a tap's offsets in x and w; the K loop's
 * pipeline and the activation's dispatch, shared with the patch kernel (cuda/igemm_patch.cuh).
 * __host__ __device__ under nvcc, plain inline functions for the host emulations
 * (tests/igemm_emu.cpp, tests/igemm_patch_emu.cpp).
 */
#ifndef TCONV_CUDA_IGEMM_BLOCK_CUH
#define TCONV_CUDA_IGEMM_BLOCK_CUH

#include "igemm_args.h"

#include <stdint.h>

#include <type_traits>

#ifdef __CUDACC__
#define IGEMM_HD __host__ __device__ __forceinline__
#else
#define IGEMM_HD inline
#endif

namespace igemm {

/* What a block computes (the same for all its threads). */
struct BlockInfo {
  int32_t r[3];    /* residue (phase) per dimension: output positions r + q * stride */
  int32_t taps[3]; /* taps per dimension */
  int32_t T;       /* taps of the phase */
  int32_t split, rank;
  int32_t k_begin, k_end, chunks; /* this block's share of K */
  int64_t M, m0, n0, group;
};

template <class K>
IGEMM_HD BlockInfo block_info(const tconv_igemm_args &a, int64_t bx, int64_t by, int64_t bz) {
  BlockInfo b;
  int32_t phase = (int32_t)bz;
  b.T = 1;
  b.M = a.g.n;
  TCONV_UNROLL
  for (int d = 2; d >= 0; --d) {
    b.r[d] = a.order[a.res_first[d] + phase % a.residues[d]];
    phase /= a.residues[d];
    b.taps[d] = a.res[a.res_first[d] + b.r[d]].taps;
    b.T *= b.taps[d];
    b.M *= a.q_count[d][b.r[d] < a.q_split[d] ? 0 : 1];
  }
  b.split = a.choice.split;
  const int64_t tile = bx / b.split;
  b.rank = (int32_t)(bx - tile * b.split);
  b.m0 = tile * K::BM;
  const int32_t n_tiles = (int32_t)a.n_tiles;
  b.group = (int32_t)by / n_tiles;
  b.n0 = ((int32_t)by - b.group * n_tiles) * (int64_t)K::BN;
  const int32_t k_total = (int32_t)a.g.cin_g * b.T;
  const int32_t per_split = ((k_total + K::BK - 1) / K::BK + b.split - 1) / b.split;
  b.k_begin = b.rank * per_split * K::BK;
  b.k_end = (b.rank + 1) * per_split * K::BK;
  if (b.k_end > k_total)
    b.k_end = k_total;
  b.chunks = b.k_end > b.k_begin ? (b.k_end - b.k_begin + K::BK - 1) / K::BK : 0;
  return b;
}

/* Row m of the phase: its image and q per dimension. */
IGEMM_HD int64_t split_row(const tconv_igemm_args &a, const BlockInfo &b, int64_t m, int64_t *q) {
  TCONV_UNROLL
  for (int d = 2; d >= 0; --d) {
    const int i = b.r[d] < a.q_split[d] ? 0 : 1;
    const int64_t rest = tconv_div(a.q_div[d][i], m);
    q[d] = m - rest * a.q_count[d][i];
    m = rest;
  }
  return m;
}

/* Offset of y[image, group*Cout/g + 0, o(q)] for row m < M. */
IGEMM_HD int64_t y_row_offset(const tconv_igemm_args &a, const BlockInfo &b, int64_t m) {
  int64_t q[3];
  const int64_t image = split_row(a, b, m, q);
  int64_t off = image * a.g.y_n + b.group * a.g.cout_g * a.g.y_c;
  TCONV_UNROLL
  for (int d = 0; d < 3; ++d) {
    const int64_t o_first = a.g.transposed ? b.r[d] : 0;
    off += (o_first + q[d] * a.o_step[d]) * a.g.y_s[d];
  }
  return off;
}

/* Tap e of the block's phase (e = (e0 taps1 + e1) taps2 + e2): its input step per dimension
 * (dt) and its x and w offsets from tap 0, the tap tables' entries. */
IGEMM_HD void tap_entry(const tconv_igemm_args &a, const BlockInfo &b, int32_t e, int64_t *dt,
                        int64_t *xoff, int64_t *woff) {
  int32_t tap[3];
  tap[2] = e % b.taps[2];
  tap[1] = e / b.taps[2] % b.taps[1];
  tap[0] = e / (b.taps[2] * b.taps[1]);
  *xoff = *woff = 0;
  TCONV_UNROLL
  for (int d = 0; d < 3; ++d) {
    dt[d] = tap[d] * a.t_cstep[d];
    *xoff += dt[d] * a.g.x_s[d];
    *woff += (a.res[a.res_first[d] + b.r[d]].j_first + tap[d] * a.j_step[d]) * a.g.w_s[d];
  }
}

/* The K loop of a block, the tiled kernel's and the patch kernel's (cuda/igemm_patch.cuh):
 * chunk 0 issued and landed, then for chunk kc, in stage kc % 2: issue chunk kc + 1 into the
 * other stage (every thread is done with the chunk that was there), compute, wait for this
 * thread's copies, a barrier. issue(t, s, stage) makes a thread's copies of the next chunk,
 * compute(t, s, stage) multiplies the chunk in `stage`. Two chunks per trip, so each one's
 * stage is a constant. */
template <class Th, class S, class Ex, class Issue, class Compute>
IGEMM_HD void k_loop(Ex &ex, int nk, Issue issue, Compute compute) {
  ex.each([&](Th &t, S &s) {
    if (nk > 0)
      issue(t, s, 0);
    ex.commit(t);
    ex.template wait<0>(t);
  });
  ex.sync(); /* chunk 0 has landed */
  auto chunk = [&](int kc, int stage) {
    ex.each([&](Th &t, S &s) {
      if (kc + 1 < nk)
        issue(t, s, stage ^ 1);
      ex.commit(t);
      compute(t, s, stage);
      ex.template wait<0>(t);
    });
    ex.sync(); /* chunk kc + 1 has landed; chunk kc is free */
  };
  int kc = 0;
  for (; kc + 1 < nk; kc += 2) {
    chunk(kc, 0);
    chunk(kc + 1, 1);
  }
  if (kc < nk)
    chunk(kc, 0);
}

/* Calls f(std::integral_constant<int, ACT>()) for the activation `act` (tconv_activation):
 * the activation a template parameter, chosen once per block. */
template <class F> IGEMM_HD void with_activation(int act, F f) {
  switch (act) {
  case 1:
    f(std::integral_constant<int, 1>());
    break;
  case 2:
    f(std::integral_constant<int, 2>());
    break;
  case 3:
    f(std::integral_constant<int, 3>());
    break;
  case 4:
    f(std::integral_constant<int, 4>());
    break;
  case 5:
    f(std::integral_constant<int, 5>());
    break;
  default:
    f(std::integral_constant<int, 0>());
  }
}

} /* namespace igemm */

#endif /* TCONV_CUDA_IGEMM_BLOCK_CUH */
