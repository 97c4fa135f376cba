/*
 * igemm_emu.cpp - runs the implicit-GEMM kernel's thread blocks on the CPU with the code the
 * GPU runs (cuda/igemm.cuh): every thread's step between two barriers, thread after thread,
 * block after block, shared memory poisoned with NaN before each block. The thread order
 * inside a step is a parameter: a step whose threads read what others write in the same
 * step (a race on the GPU) gives different results in forward and reverse order.
 */
#include "igemm.cuh"

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

extern "C" int test_igemm_emulate(const tconv_problem *p, int config, int reverse,
                                  const float *x, const float *w, const float *bias, float *y);
extern "C" int test_igemm_config_of(const tconv_problem *p);
extern "C" void test_igemm_launch(const tconv_problem *p, int64_t grid[3], int tile[4],
                                  int64_t *trips, int64_t *macs);

namespace {

/* block_program's executor on the host: every thread of the block in turn. */
template <class C> struct HostBlock {
  std::vector<igemm::Thread<C>> threads = std::vector<igemm::Thread<C>>(C::THREADS);
  bool reverse = false;
  template <class Step> void each(Step step) {
    for (int i = 0; i < C::THREADS; ++i)
      step(threads[reverse ? C::THREADS - 1 - i : i]);
  }
  void sync() {}
};

template <class C>
void emulate(const tconv_problem *p, bool reverse, const float *x, const float *w,
             const float *bias, float *y) {
  int64_t grid[3];
  igemm::grid_of<C>(p, grid);
  HostBlock<C> block;
  block.reverse = reverse;
  std::unique_ptr<igemm::Smem<C>> smem(new igemm::Smem<C>);
  for (int64_t bz = 0; bz < grid[2]; ++bz)
    for (int64_t by = 0; by < grid[1]; ++by)
      for (int64_t bx = 0; bx < grid[0]; ++bx) {
        const igemm::Args a = igemm::make_args(p, bz, C::BN);
        if (bx * C::BM >= a.M)
          continue;
        float *raw = &smem->u.t.a[0][0][0];
        for (size_t i = 0; i < sizeof(igemm::Smem<C>) / sizeof(float); ++i)
          raw[i] = std::numeric_limits<float>::quiet_NaN();
        for (int t = 0; t < C::THREADS; ++t)
          block.threads[t].init(a, t, bx, by);
        igemm::block_program<C>(block, *smem, a, x, w, bias, y);
      }
}

/* The launch of configuration C as the launcher and the kernel make it: the grid, the tile,
 * and over the blocks that do not return at once, the most chunks of K one runs and the
 * multiply-adds of all of them (whole tiles, padding included). */
template <class C>
void launch_of(const tconv_problem *p, int64_t grid[3], int tile[4], int64_t *trips,
               int64_t *macs) {
  igemm::grid_of<C>(p, grid);
  tile[0] = C::BM, tile[1] = C::BN, tile[2] = C::BK, tile[3] = C::THREADS;
  *trips = *macs = 0;
  for (int64_t bz = 0; bz < grid[2]; ++bz) {
    const igemm::Args a = igemm::make_args(p, bz, C::BN);
    const int64_t nk = igemm::chunks(a, C::BK);
    for (int64_t bx = 0; bx < grid[0] && bx * C::BM < a.M; ++bx) {
      *trips = nk > *trips ? nk : *trips;
      *macs += grid[1] * nk * C::BM * C::BN * C::BK;
    }
  }
}

} // namespace

extern "C" int test_igemm_config_of(const tconv_problem *p) { return igemm::choose_config(p); }

extern "C" void test_igemm_launch(const tconv_problem *p, int64_t grid[3], int tile[4],
                                  int64_t *trips, int64_t *macs) {
  switch (igemm::choose_config(p)) {
  case igemm::CONFIG_L:
    return launch_of<igemm::ConfigL>(p, grid, tile, trips, macs);
  case igemm::CONFIG_M:
    return launch_of<igemm::ConfigM>(p, grid, tile, trips, macs);
  case igemm::CONFIG_S:
    return launch_of<igemm::ConfigS>(p, grid, tile, trips, macs);
  default:
    return launch_of<igemm::ConfigT>(p, grid, tile, trips, macs);
  }
}

/* config: one of igemm's CONFIG_* values, or -1 for the one the launcher picks. Returns the
 * configuration used. */
extern "C" int test_igemm_emulate(const tconv_problem *p, int config, int reverse,
                                  const float *x, const float *w, const float *bias, float *y) {
  if (config < 0)
    config = igemm::choose_config(p);
  switch (config) {
  case igemm::CONFIG_L:
    emulate<igemm::ConfigL>(p, reverse != 0, x, w, bias, y);
    break;
  case igemm::CONFIG_M:
    emulate<igemm::ConfigM>(p, reverse != 0, x, w, bias, y);
    break;
  case igemm::CONFIG_S:
    emulate<igemm::ConfigS>(p, reverse != 0, x, w, bias, y);
    break;
  default:
    emulate<igemm::ConfigT>(p, reverse != 0, x, w, bias, y);
    config = igemm::CONFIG_T;
  }
  return config;
}
