/*
 * igemm_emu.cpp - runs the implicit-GEMM kernel's thread blocks on the CPU with the code the
 * GPU runs (cuda/igemm.cuh) and the arguments the launcher makes (host/algo_igemm.c): every
 * thread's step between two barriers, thread after thread, with tests/emu_exec.h's executor;
 * each block's K loop alone, then its cluster's epilogue with every block of the split in step
 * (their partial tiles read through the peers' shared memory). Shared memory and every
 * thread's registers are NaN before each block. The orders (threads and blocks forward or in
 * reverse, copies landing late or early) are the run's parameters.
 */
#include "emu_exec.h"
#include "igemm.cuh"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

extern "C" {
#include "igemm_emu.h"
}

#include <cstdio>

namespace {

template <class K, int GATHER, bool WIDE>
using HostCluster = emu::HostCluster<igemm::Thread<K, GATHER, WIDE>, igemm::Smem<K, GATHER, WIDE>,
                                     igemm::BlockInfo, K::THREADS>;

template <class K, int GATHER, bool WIDE>
int emulate(const tconv_igemm_args &a, test_igemm_run *run, const float *x, int64_t x_count,
            const float *w, int64_t w_count, const float *bias, float *y) {
  const int split = a.choice.split;
  HostCluster<K, GATHER, WIDE> ex(split, run->reverse != 0, run->late != 0, x, x_count, w, w_count);
  const int64_t tiles_y = a.g.groups * a.n_tiles;
  const int64_t clusters = a.phases * tiles_y * a.m_tiles;
  std::vector<int32_t> busiest((size_t)clusters, -1); /* per cluster in launch order; -1: exits */
  for (int64_t i = 0; i < clusters && !ex.failed; ++i) {
    const int64_t c = run->reverse ? clusters - 1 - i : i;
    const int64_t mt = c % a.m_tiles, by = c / a.m_tiles % tiles_y, bz = c / a.m_tiles / tiles_y;
    for (int r = 0; r < split; ++r)
      ex.infos[r] = igemm::block_info<K>(a, mt * split + r, by, bz);
    if (ex.infos[0].m0 >= ex.infos[0].M)
      continue; /* the whole cluster returns */
    for (int r = 0; r < split; ++r)
      busiest[(size_t)c] = std::max(busiest[(size_t)c], ex.infos[r].chunks);
    ex.poison_all();
    for (int b = 0; b < split; ++b) {
      ex.active = run->reverse ? split - 1 - b : b;
      const igemm::BlockInfo &info = ex.infos[ex.active];
      igemm::main_loop<K, GATHER, WIDE>(ex, a, info, x, w);
      ++run->blocks;
      run->macs += (int64_t)info.chunks * K::BM * K::BN * K::BK;
      if (info.chunks > run->max_chunks)
        run->max_chunks = info.chunks;
    }
    ex.active = -1;
    igemm::epilogue<K, GATHER, WIDE>(ex, a, bias, y);
    ex.check_drained();
  }
  const int capacity = TCONV_PLAN_RUNS;
  run->runs = 0;
  for (int32_t chunks : busiest) {
    if (chunks < 0)
      continue;
    const int last = run->runs - 1;
    if (run->runs > 0 && (run->run_chunks[last] == chunks || run->runs == capacity)) {
      run->run_blocks[last] += split;
      run->run_chunks[last] = std::max(run->run_chunks[last], (int64_t)chunks);
    } else {
      run->run_blocks[run->runs] = split;
      run->run_chunks[run->runs++] = chunks;
    }
  }
  if (ex.failed)
    snprintf(run->error, sizeof run->error, "%s", ex.error);
  return ex.failed ? 1 : 0;
}

template <int ID> struct TileOf;
#define EMU_TILE(id, bm, bn, bk, tm, tn, threads)                                                  \
  template <> struct TileOf<id> { typedef igemm::Tile<bm, bn, bk, tm, tn, threads> T; };
TCONV_IGEMM_CONFIGS(EMU_TILE)
#undef EMU_TILE

template <int ID>
int emulate_config(const tconv_igemm_args &a, test_igemm_run *run, const float *x, int64_t xn,
                   const float *w, int64_t wn, const float *bias, float *y) {
  typedef typename TileOf<ID>::T K;
  const int gather = a.choice.gather, wide = a.choice.wide;
  if (gather == TCONV_IGEMM_STRIP) {
    if (wide || !tconv_igemm_strips_fit(&a)) {
      snprintf(run->error, sizeof run->error, "the strip gather does not take this launch");
      return 1;
    }
    return emulate<K, TCONV_IGEMM_STRIP, false>(a, run, x, xn, w, wn, bias, y);
  }
  if (gather == TCONV_IGEMM_MASK)
    return wide ? emulate<K, TCONV_IGEMM_MASK, true>(a, run, x, xn, w, wn, bias, y)
                : emulate<K, TCONV_IGEMM_MASK, false>(a, run, x, xn, w, wn, bias, y);
  return wide ? emulate<K, TCONV_IGEMM_GENERIC, true>(a, run, x, xn, w, wn, bias, y)
              : emulate<K, TCONV_IGEMM_GENERIC, false>(a, run, x, xn, w, wn, bias, y);
}

} // namespace

extern "C" int test_igemm_emulate(const tconv_problem *p, test_igemm_run *run, const float *x,
                                  const float *w, const float *bias, float *y) {
  tconv_igemm_choice choice = tconv_igemm_choose(p);
  if (run->config >= 0)
    choice.config = run->config;
  if (run->gather >= 0)
    choice.gather = run->gather;
  if (run->wide >= 0)
    choice.wide = run->wide;
  if (run->split >= 0)
    choice.split = run->split;
  run->config = choice.config;
  run->gather = choice.gather;
  run->wide = choice.wide;
  run->split = choice.split;
  run->blocks = run->max_chunks = run->macs = 0;
  run->error[0] = '\0';
  std::unique_ptr<tconv_igemm_args> a(new tconv_igemm_args);
  tconv_igemm_args_make(p, &choice, a.get());
  run->grid[0] = a->m_tiles * choice.split;
  run->grid[1] = a->g.groups * a->n_tiles;
  run->grid[2] = a->phases;
  switch (choice.config) {
  case 0:
    return emulate_config<0>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  case 1:
    return emulate_config<1>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  case 2:
    return emulate_config<2>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  case 3:
    return emulate_config<3>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  case 4:
    return emulate_config<4>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  default:
    return emulate_config<5>(*a, run, x, p->x_count, w, p->w_count, bias, y);
  }
}
