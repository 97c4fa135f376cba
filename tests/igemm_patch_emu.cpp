/*
 * igemm_patch_emu.cpp - runs the implicit GEMM's patch kernel (cuda/igemm_patch.cuh) on the
 * CPU with the code the GPU runs and the arguments the launcher makes
 * (host/algo_igemm_patch.c): every block of the grid, every thread's step between two
 * barriers thread after thread, with tests/emu_exec.h's executor. Shared memory and every
 * thread's registers are NaN before each block.
 */
#include "emu_exec.h"
#include "igemm_patch.cuh"

#include <cstdio>
#include <memory>

extern "C" {
#include "igemm_patch_emu.h"
}

namespace {

template <class K>
int emulate(const tconv_patch_args &pa, test_patch_run *run, const float *x, int64_t x_count,
            const float *w, int64_t w_count, const float *bias, float *y) {
  typedef igemm_patch::Thread<K> Th;
  typedef igemm_patch::Smem<K> S;
  emu::HostCluster<Th, S, igemm_patch::Block, K::THREADS> ex(1, run->reverse != 0, run->late != 0,
                                                             x, x_count, w, w_count);
  ex.active = 0;
  const int64_t blocks = pa.blocks * pa.a.g.groups * pa.a.phases;
  for (int64_t i = 0; i < blocks && !ex.failed; ++i) {
    const int64_t id = run->reverse ? blocks - 1 - i : i;
    const int64_t bx = id % pa.blocks, by = id / pa.blocks % pa.a.g.groups;
    const int64_t bz = id / pa.blocks / pa.a.g.groups;
    const igemm_patch::Block b = igemm_patch::block_of<K>(pa, bx, by, bz);
    if (b.empty)
      continue;
    ex.infos[0] = b;
    ex.poison_all();
    igemm_patch::block<K>(ex, pa, b, x, w, bias, y);
    ex.check_drained();
    ++run->blocks;
  }
  if (ex.failed)
    snprintf(run->error, sizeof run->error, "%s", ex.error);
  return ex.failed ? 1 : 0;
}

template <int BN, int TW>
int emulate_config(const tconv_patch_args &pa, test_patch_run *run, const float *x, int64_t xn,
                   const float *w, int64_t wn, const float *bias, float *y) {
  return pa.vec ? emulate<igemm_patch::Tile<BN, TW, true>>(pa, run, x, xn, w, wn, bias, y)
                : emulate<igemm_patch::Tile<BN, TW, false>>(pa, run, x, xn, w, wn, bias, y);
}

} // namespace

extern "C" int test_patch_emulate(const tconv_problem *p, test_patch_run *run, const float *x,
                                  const float *w, const float *bias, float *y) {
  run->blocks = 0;
  run->error[0] = '\0';
  std::unique_ptr<tconv_patch_args> pa(new tconv_patch_args);
  tconv_patch_args_make(p, run->config, run->vec, pa.get());
  run->grid[0] = pa->blocks;
  run->grid[1] = pa->a.g.groups;
  run->grid[2] = pa->a.phases;
  if (!tconv_patch_fits(p, pa.get(), run->error, sizeof run->error))
    return 1;
  switch (run->config) {
#define EMU_PATCH_CONFIG(id, bn, tw)                                                               \
  case id:                                                                                         \
    return emulate_config<bn, tw>(*pa, run, x, p->x_count, w, p->w_count, bias, y);
    TCONV_PATCH_CONFIGS(EMU_PATCH_CONFIG)
#undef EMU_PATCH_CONFIG
  default:
    snprintf(run->error, sizeof run->error, "no patch configuration %d", run->config);
    return 1;
  }
}
