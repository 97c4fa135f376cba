/*
 * igemm_tc_emu.cpp - runs the tensor-core implicit-GEMM kernel's blocks on the CPU with the
 * code the GPU runs (cuda/igemm_tc.cuh, every warp's 32 lanes at once) and the arguments the
 * launcher makes (host/algo_igemm_tc.c). The warp-wide instructions are the test side's
 * model of the PTX ISA (tests/mma_isa.c: ldmatrix on the block's shared-memory bytes, mma
 * from the ISA's fragment tables), written apart from cuda/mma_frag.cuh, so a fragment
 * layout the kernel gets wrong gives wrong products here. Conversions are cuda/float16.cuh's
 * (round to nearest even; TF32 to nearest, ties away, as cvt.rna).
 *
 * Every warp's step between two barriers runs warp after warp (a step not followed by a
 * barrier is an error); shared memory and every warp's registers are NaN before each block.
 * The orders are parameters: warps and blocks forward or in reverse, and asynchronous copies
 * landing at the issuing lane's wait (late: a read before the wait and the barrier sees NaN)
 * or at once (early: a copy into a stage other warps still read overwrites it). Every copy
 * and element load that is not zero-filled must read inside x or w; every ldmatrix row must
 * lie inside the block's shared memory, on a 16-byte boundary.
 */
#include "float16.cuh"
#include "igemm_tc.cuh"
#include "mma_isa.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

extern "C" {
#include "igemm_tc_emu.h"
}

namespace {

struct Copy {
  uint32_t dst;
  unsigned char bytes[16];
};

template <class K> struct HostBlock {
  static constexpr int LANES = 32;
  static constexpr int WARPS = K::THREADS / 32;
  typedef igemm_tc::Warp<K, 32> W;
  typedef typename igemm_tc::Elem<K::TYPE>::T T;
  const test_tc_run &run;
  const unsigned char *x, *w;
  size_t x_bytes, w_bytes;
  std::unique_ptr<uint64_t[]> words; /* the shared memory, 8-byte aligned */
  std::vector<W> warps;
  std::vector<std::vector<Copy>> open;                  /* per lane of the block */
  std::vector<std::deque<std::vector<Copy>>> committed; /* per lane */
  bool stepped = false, failed = false;
  char error[sizeof(((test_tc_run *)nullptr)->error)] = "";

  HostBlock(const test_tc_run &r, const void *x_, size_t xb, const void *w_, size_t wb)
      : run(r), x(static_cast<const unsigned char *>(x_)),
        w(static_cast<const unsigned char *>(w_)), x_bytes(xb), w_bytes(wb),
        words(new uint64_t[(K::SMEM + 7) / 8]), warps(WARPS), open(K::THREADS),
        committed(K::THREADS) {}

  void fail(const char *what) {
    if (!failed)
      snprintf(error, sizeof error, "%s", what);
    failed = true;
  }
  int lane(int l) const { return l; }
  unsigned char *smem() { return reinterpret_cast<unsigned char *>(words.get()); }
  int index(const W &wp) const { return (int)(&wp - warps.data()); }

  /* A step is what every warp does between two barriers: two steps with no barrier between
   * them would hide a race between them. */
  template <class Step> void each(Step step) {
    if (stepped)
      fail("two steps without a barrier between them");
    stepped = true;
    for (int i = 0; i < WARPS; ++i) {
      const int wi = run.reverse ? WARPS - 1 - i : i;
      step(warps[wi], wi);
    }
  }
  void sync() { stepped = false; }

  void ldsm4(uint32_t (&r)[32][4], const uint32_t (&off)[32], bool trans) {
    int64_t addr[32];
    for (int l = 0; l < 32; ++l) {
      if (off[l] % 16 != 0 || off[l] + 16 > (uint32_t)K::SMEM) {
        fail("an ldmatrix row outside the shared memory or off a 16-byte boundary");
        memset(r, 0xFF, sizeof r);
        return;
      }
      addr[l] = off[l] / 2;
    }
    isa_ldmatrix(reinterpret_cast<const uint16_t *>(smem()), addr, 4, trans, r);
  }
  template <int TYPE>
  void mma(float (&d)[32][4], const uint32_t (&a)[32][4], const uint32_t (&b)[32][2]) {
    float c[16][8], out[16][8];
    for (int l = 0; l < 32; ++l)
      for (int i = 0; i < 4; ++i) {
        int row, col;
        isa_c(l, i, &row, &col);
        c[row][col] = d[l][i];
      }
    if (TYPE == TCONV_TC_TF32)
      isa_mma1688_tf32(a, b, c, out);
    else
      isa_mma16816(a, b, c, TYPE == TCONV_TC_BF16, out);
    for (int l = 0; l < 32; ++l)
      for (int i = 0; i < 4; ++i) {
        int row, col;
        isa_c(l, i, &row, &col);
        d[l][i] = out[row][col];
      }
  }
  uint32_t tf32(uint32_t bits) const {
    return tconv_f32_bits(tconv_f32_to_tf32(tconv_f32_from_bits(bits)));
  }
  uint32_t lds32(uint32_t off) {
    uint32_t v = 0xFFFFFFFFu;
    if (off % 4 != 0 || off + 4 > (uint32_t)K::SMEM)
      fail("a shared load outside the shared memory");
    else
      memcpy(&v, smem() + off, 4);
    return v;
  }
  /* Whether [p, p + n) lies inside x or w. */
  bool inside(const void *p, size_t n) const {
    const unsigned char *b = static_cast<const unsigned char *>(p);
    return (b >= x && b + n <= x + x_bytes) || (b >= w && b + n <= w + w_bytes);
  }
  void cp16(const W &wp, int l, uint32_t dst, const T *src, bool valid) {
    Copy c;
    c.dst = dst;
    memset(c.bytes, 0, sizeof c.bytes);
    if (dst % 16 != 0 || dst + 16 > (uint32_t)K::TAPS_OFF) {
      fail("a copy outside the stages or off a 16-byte boundary");
      return;
    }
    if (valid) {
      if (!inside(src, 16) || reinterpret_cast<uintptr_t>(src) % 16 != 0) {
        fail("a 16-byte copy from outside x and w or off a 16-byte boundary");
        return;
      }
      memcpy(c.bytes, src, 16);
    }
    if (run.late)
      open[index(wp) * 32 + l].push_back(c);
    else
      memcpy(smem() + dst, c.bytes, 16);
  }
  void commit(const W &wp) {
    for (int l = 0; l < 32; ++l) {
      const int t = index(wp) * 32 + l;
      committed[t].push_back(open[t]);
      open[t].clear();
    }
  }
  template <int N> void wait(const W &wp) {
    for (int l = 0; l < 32; ++l) {
      std::deque<std::vector<Copy>> &groups = committed[index(wp) * 32 + l];
      while (groups.size() > (size_t)N) {
        for (const Copy &c : groups.front())
          memcpy(smem() + c.dst, c.bytes, 16);
        groups.pop_front();
      }
    }
  }
  T load(const T *p, int64_t off, bool ok) {
    if (!ok)
      return T(0);
    if (!inside(p + off, sizeof(T))) {
      fail("an element load from outside x and w");
      return T(0);
    }
    return p[off];
  }
  void st16(unsigned char *dst, const T *e) { memcpy(dst, e, 16); }
  void stg16(T *dst, const T *e) { memcpy(dst, e, 16); }
  template <int TYPE> float widen(T v) const {
    if constexpr (TYPE == TCONV_TC_F16)
      return tconv_f16_to_f32(v);
    else if constexpr (TYPE == TCONV_TC_BF16)
      return tconv_bf16_to_f32(v);
    else
      return v;
  }
  template <int TYPE> T narrow(float f) const {
    if constexpr (TYPE == TCONV_TC_F16)
      return tconv_f32_to_f16(f);
    else if constexpr (TYPE == TCONV_TC_BF16)
      return tconv_f32_to_bf16(f);
    else
      return f;
  }

  /* After a block: no lane may end with copies in flight (empty groups are harmless). */
  void check_drained() {
    for (int t = 0; t < K::THREADS && !failed; ++t) {
      bool in_flight = !open[t].empty();
      for (const std::vector<Copy> &group : committed[t])
        in_flight = in_flight || !group.empty();
      if (in_flight)
        fail("a lane ends with copies in flight");
      open[t].clear();
      committed[t].clear();
    }
  }
};

template <class K>
int emulate(const tconv_tc_args &a, test_tc_run *run, const tconv_problem *p, const void *x,
            const void *w, const void *bias, void *y) {
  typedef typename igemm_tc::Elem<K::TYPE>::T T;
  std::unique_ptr<HostBlock<K>> ex(
      new HostBlock<K>(*run, x, (size_t)p->x_count * sizeof(T), w, (size_t)p->w_count * sizeof(T)));
  const int64_t tiles_y = a.base.g.groups * a.base.n_tiles;
  const int64_t blocks = a.base.phases * tiles_y * a.base.m_tiles;
  for (int64_t i = 0; i < blocks && !ex->failed; ++i) {
    const int64_t c = run->reverse ? blocks - 1 - i : i;
    const int64_t bx = c % a.base.m_tiles, by = c / a.base.m_tiles % tiles_y;
    const int64_t bz = c / a.base.m_tiles / tiles_y;
    const igemm::BlockInfo info = igemm::block_info<K>(a.base, bx, by, bz);
    if (info.m0 >= info.M)
      continue; /* the block returns */
    memset(ex->smem(), 0xFF, (size_t)K::SMEM);
    memset(static_cast<void *>(ex->warps.data()), 0xFF, ex->warps.size() * sizeof(ex->warps[0]));
    ex->stepped = false;
    igemm_tc::main_loop<K>(*ex, a.base, info, static_cast<const T *>(x), static_cast<const T *>(w));
    igemm_tc::epilogue<K>(*ex, a.base, info, static_cast<const T *>(bias), static_cast<T *>(y));
    ex->check_drained();
    ++run->blocks;
    run->macs += (int64_t)info.chunks * K::BM * K::BN * K::BK;
    if (info.chunks > run->max_chunks)
      run->max_chunks = info.chunks;
  }
  if (ex->failed)
    snprintf(run->error, sizeof run->error, "%s", ex->error);
  return ex->failed ? 1 : 0;
}

constexpr tconv_tc_config configs[TCONV_TC_CONFIG_COUNT] = {
#define EMU_CONFIG_ROW(id, bm, bn, wm, wn) {bm, bn, wm, wn, (bm / wm) * (bn / wn) * 32},
    TCONV_TC_CONFIGS(EMU_CONFIG_ROW)
#undef EMU_CONFIG_ROW
};

template <int ID, int TYPE, int PATH, int MUTANT = TCONV_TC_MUTANT_NONE>
using TileOf = igemm_tc::Tile<configs[ID].bm, configs[ID].bn, configs[ID].wm, configs[ID].wn, TYPE,
                              PATH, MUTANT>;

typedef int (*emulator)(const tconv_tc_args &, test_tc_run *, const tconv_problem *, const void *,
                        const void *, const void *, void *);

template <int ID, int TYPE> struct Paths {
  static constexpr emulator row[TCONV_TC_PATHS] = {emulate<TileOf<ID, TYPE, TCONV_TC_KVEC>>,
                                                   emulate<TileOf<ID, TYPE, TCONV_TC_NVEC>>,
                                                   emulate<TileOf<ID, TYPE, TCONV_TC_ELEM>>};
};
template <int TYPE> struct Configs {
  static constexpr const emulator *row[TCONV_TC_CONFIG_COUNT] = {
      Paths<0, TYPE>::row, Paths<1, TYPE>::row, Paths<2, TYPE>::row};
};
constexpr const emulator *const *emulators[TCONV_TC_TYPES] = {
    Configs<TCONV_TC_F16>::row, Configs<TCONV_TC_BF16>::row, Configs<TCONV_TC_TF32>::row};

/* The mutants, in configuration TEST_TC_MUTANT_CONFIG: float16 for all but the TF32
 * rounding, which only TF32 has. */
template <int MUTANT, int TYPE> struct Mutant {
  static constexpr emulator row[TCONV_TC_PATHS] = {
      emulate<TileOf<TEST_TC_MUTANT_CONFIG, TYPE, TCONV_TC_KVEC, MUTANT>>,
      emulate<TileOf<TEST_TC_MUTANT_CONFIG, TYPE, TCONV_TC_NVEC, MUTANT>>,
      emulate<TileOf<TEST_TC_MUTANT_CONFIG, TYPE, TCONV_TC_ELEM, MUTANT>>};
};
constexpr const emulator *mutants[TCONV_TC_MUTANT_COUNT] = {
    nullptr,
    Mutant<TCONV_TC_MUTANT_FRAGMENT_ORDER, TCONV_TC_F16>::row,
    Mutant<TCONV_TC_MUTANT_SWIZZLE, TCONV_TC_F16>::row,
    Mutant<TCONV_TC_MUTANT_STAGE, TCONV_TC_F16>::row,
    Mutant<TCONV_TC_MUTANT_WAIT, TCONV_TC_F16>::row,
    Mutant<TCONV_TC_MUTANT_TAP_MASK, TCONV_TC_F16>::row,
    Mutant<TCONV_TC_MUTANT_TF32_ROUNDING, TCONV_TC_TF32>::row,
};
constexpr int mutant_type[TCONV_TC_MUTANT_COUNT] = {
    -1, TCONV_TC_F16, TCONV_TC_F16, TCONV_TC_F16, TCONV_TC_F16, TCONV_TC_F16, TCONV_TC_TF32};

} // namespace

extern "C" int test_tc_emulate(const tconv_problem *p, test_tc_run *run, const void *x,
                               const void *w, const void *bias, void *y) {
  const int aligned = ((uintptr_t)x | (uintptr_t)w) % 16 == 0;
  tconv_tc_choice choice = tconv_tc_choose(p, aligned);
  if (run->config >= 0)
    choice.config = run->config;
  if (run->path >= 0)
    choice.path = run->path;
  run->config = choice.config;
  run->path = choice.path;
  run->type = choice.type;
  run->blocks = run->max_chunks = run->macs = 0;
  run->error[0] = '\0';
  std::unique_ptr<tconv_tc_args> a(new tconv_tc_args);
  tconv_tc_args_make(p, &choice, a.get());
  run->grid[0] = a->base.m_tiles;
  run->grid[1] = a->base.g.groups * a->base.n_tiles;
  run->grid[2] = a->base.phases;
  emulator fn = emulators[choice.type][choice.config][choice.path];
  if (run->mutant != TCONV_TC_MUTANT_NONE) {
    if (run->mutant < 0 || run->mutant >= TCONV_TC_MUTANT_COUNT ||
        choice.config != TEST_TC_MUTANT_CONFIG || mutant_type[run->mutant] != choice.type) {
      snprintf(run->error, sizeof run->error, "mutant %d is not built for this choice",
               run->mutant);
      return 1;
    }
    fn = mutants[run->mutant][choice.path];
  }
  return fn(*a, run, p, x, w, bias, y);
}
