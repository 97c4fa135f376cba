/*
 * igemm_tc.cuh - the tensor-core implicit-GEMM kernel, written once for the GPU and for the
 * host: every step is per warp, over Ex::LANES lanes - one on the device (the thread's own
 * lane), all 32 in tests/igemm_tc_emu.cpp, which runs whole blocks on the CPU with exactly
 * this code. The warp-wide instructions (ldmatrix, mma), the asynchronous copies, the
 * conversions and the barriers are the executor's: inline PTX on the device
 * (cuda/igemm_tc.cu), the test side's model of the PTX ISA on the host (tests/mma_isa.c).
 *
 * The GEMMs, phases and geometry are the FP32 implicit GEMM's (cuda/igemm_args.h, and its
 * block_info / split_row / y_row_offset), with the reduction index channels fastest:
 * kk = tap * Cin/g + c (cuda/igemm_tc_args.h).
 *
 * A block computes a BM x BN tile of one phase's C with 4 warps in a 2 x 2 grid, each warp a
 * WM x WN tile of (WM/16) x (WN/8) mma tiles, accumulators in FP32. K goes by stages of
 * 64 bytes per row (32 halves, 16 floats) through a ring of TCONV_TC_STAGES shared-memory
 * stages filled TCONV_TC_STAGES - 1 chunks ahead, one barrier per chunk:
 *   A   (BM rows of K) row-major, 64-byte rows of four 16-byte chunks, chunk c of row r at
 *       c ^ ((r >> 1) & 3): the 8 rows one ldmatrix reads hit 8 distinct bank groups;
 *   B   n-major (KVEC, ELEM) like A, read by ldmatrix; or k-major (NVEC) with rows of BN
 *       elements, chunk c of row k at c ^ (k & 7) (halves: ldmatrix.trans reads 8 rows) or
 *       c ^ ((k & 3) << 1) (TF32: 32-bit loads of 4 rows x 8 columns).
 * Every 16-byte chunk is one cp.async (KVEC, NVEC; zero-filled outside the input or past K)
 * or eight (four) element loads packed into one shared store (ELEM). Per thread the loaders
 * keep each of their A rows' x offset and 64-bit mask of the taps that fall inside the
 * input, each of their B columns' w offset, and their position in K as (tap, channel),
 * advanced by one chunk with one compare; a tap table in shared memory gives each tap's x and
 * w offsets.
 *
 * Fragments: ldmatrix.x4 gives an A tile's a0..a3 (lane l supplies row l % 16, chunk l / 16
 * of the k step: the loaders of cuda/mma_frag.cuh, swizzled) and two n8 B tiles' b0, b1
 * (n-major: row (l % 8) + 8 (l / 16), chunk (l / 8) % 2; k-major, .trans: row l % 16, chunk
 * l / 16). For TF32 the same ldmatrix moves 32-bit elements in pairs of halves, which lands
 * exactly the m16n8k8 fragments; each operand is then rounded with cvt.rna.tf32.
 *
 * Epilogue, in two passes (the warps of each half of the rows): the accumulators into a
 * BM/2 x (BN + 8) FP32 tile in shared memory (the pad spreads the lanes' 8-byte stores over
 * the banks), a barrier, then per thread whole output elements: bias and activation in FP32,
 * one rounding to nearest even into the output type, stored along the channels in 16-byte
 * vectors when y is channels-last (consecutive threads on consecutive vectors), else along
 * the positions (consecutive threads on consecutive rows).
 *
 * The mma tiles are added in a fixed order (k steps in order, each a hardware mma): the same
 * bits on every run.
 */
#ifndef TCONV_CUDA_IGEMM_TC_CUH
#define TCONV_CUDA_IGEMM_TC_CUH

#include "igemm.cuh"
#include "igemm_tc_args.h"

#include <stdint.h>

namespace igemm_tc {

/* The stored element of each type and its mma's K. */
template <int TYPE> struct Elem {
  typedef uint16_t T;
  static constexpr int BYTES = 2, MMA_K = 16;
};
template <> struct Elem<TCONV_TC_TF32> {
  typedef float T;
  static constexpr int BYTES = 4, MMA_K = 8;
};

/* MUTANT: one of igemm_tc_args.h's deliberate bugs, for the emulation only. */
template <int BM_, int BN_, int WM_, int WN_, int TYPE_, int PATH_,
          int MUTANT_ = TCONV_TC_MUTANT_NONE>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, WM = WM_, WN = WN_, TYPE = TYPE_, PATH = PATH_;
  static constexpr int MUTANT = MUTANT_;
  static constexpr int WARPS_M = BM / WM, WARPS_N = BN / WN, THREADS = WARPS_M * WARPS_N * 32;
  static constexpr int STAGES = TCONV_TC_STAGES;
  static constexpr int BYTES = Elem<TYPE>::BYTES;
  static constexpr int VEC = 16 / BYTES;                  /* elements per 16-byte chunk */
  static constexpr int BK = TCONV_TC_ROW_BYTES / BYTES;   /* K per stage */
  static constexpr int KV = BK / VEC;                     /* chunks per row of a stage */
  static constexpr int KSTEPS = BK / Elem<TYPE>::MMA_K;   /* mma k steps per stage */
  static constexpr int MI = WM / 16, NI = WN / 8;         /* mma tiles per warp */
  static constexpr int A_BYTES = BM * TCONV_TC_ROW_BYTES; /* per stage */
  static constexpr int B_BYTES = BN * TCONV_TC_ROW_BYTES; /* either B layout */
  static constexpr int B_ROW = BN * BYTES;                /* k-major B: bytes per k row */
  static constexpr int STAGE_BYTES = A_BYTES + B_BYTES;
  static constexpr int TAPS_OFF = STAGES * STAGE_BYTES; /* the tap table */
  static constexpr int SMEM = TAPS_OFF + TCONV_TC_MAX_TAPS * 16;
  static constexpr int C_PITCH = BN + 8; /* floats per epilogue row */
  static constexpr bool ELEM = PATH == TCONV_TC_ELEM;
  /* Loaders per thread: A rows (ELEM: one row, KV / (THREADS / BM) chunks of it); n-major B
   * columns likewise; k-major B: one k row, B_NV chunks of it. */
  static constexpr int A_ROWS = ELEM ? 1 : BM * KV / THREADS;
  static constexpr int A_EV = KV * BM / THREADS;
  static constexpr int B_COLS = PATH == TCONV_TC_NVEC ? 0 : ELEM ? 1 : BN * KV / THREADS;
  static constexpr int B_TPK = THREADS / BK; /* k-major B: threads per k row */
  static constexpr int B_NV = BN / VEC / B_TPK;
  static constexpr int MIN_BLOCKS = BN == 128 ? 2 : BM == 128 ? 3 : 4;
  static_assert(WARPS_M == 2, "the epilogue's two passes are the two rows of warps");
  static_assert(NI % 2 == 0 && KV == 4 && THREADS % BM == 0 && THREADS % BN == 0 &&
                    THREADS % BK == 0 && (BN / VEC) % B_TPK == 0 && (BM * KV) % THREADS == 0,
                "the loaders divide the tile");
  static_assert((BM / 2) * C_PITCH * 4 <= STAGES * STAGE_BYTES, "a C pass fits the stages");
};

/* Shared-memory byte offsets of 16-byte chunk `chunk` of row `row`: 64-byte rows (A,
 * n-major B), k-major B rows of halves, of floats. */
IGEMM_HD uint32_t swz64(int row, int chunk) {
  return (uint32_t)(row * TCONV_TC_ROW_BYTES + ((chunk ^ ((row >> 1) & 3)) << 4));
}
template <class K> IGEMM_HD uint32_t swz_kn(int k, int chunk) {
  const int sw = K::TYPE == TCONV_TC_TF32 ? (k & 3) << 1 : k & 7;
  return (uint32_t)(k * K::B_ROW + ((chunk ^ sw) << 4));
}

/* One tap of the phase: x and w offsets from tap 0. */
struct TapEntry {
  int64_t xoff, woff;
};

/* The x offset of row m of the block (image, group, input position of tap 0) and its mask of
 * taps inside the input (tap (e0, e1, e2) is bit (e0 taps1 + e1) taps2 + e2, as in the tap
 * table); a row past M gets offset 0 and no tap. */
IGEMM_HD void row_state(const tconv_igemm_args &a, const igemm::BlockInfo &b, int64_t m,
                        int64_t *off, uint64_t *mask) {
  *off = 0;
  *mask = 0;
  if (m >= b.M)
    return;
  int64_t q[3];
  const int64_t image = igemm::split_row(a, b, m, q);
  int64_t o = image * a.g.x_n + b.group * a.g.cin_g * a.g.x_c;
  uint64_t dim_mask[3];
  TCONV_UNROLL
  for (int d = 0; d < 3; ++d) {
    const int64_t t0 = a.res[a.res_first[d] + b.r[d]].t_base + q[d] * a.t_qstep[d];
    o += t0 * a.g.x_s[d];
    dim_mask[d] = 0;
    for (int32_t tap = 0; tap < b.taps[d]; ++tap) {
      const int64_t t = t0 + tap * a.t_cstep[d];
      dim_mask[d] |= (uint64_t)(t >= 0 && t < a.g.dim[d].in) << tap;
    }
  }
  uint64_t all = 0;
  for (int32_t e0 = 0; e0 < b.taps[0]; ++e0)
    for (int32_t e1 = 0; e1 < b.taps[1]; ++e1)
      if ((dim_mask[0] >> e0 & 1) && (dim_mask[1] >> e1 & 1))
        all |= dim_mask[2] << ((e0 * b.taps[1] + e1) * b.taps[2]);
  *off = o;
  *mask = all;
}

/* A position in K, kk = tap * Cin/g + c, moved forward by `by` (0 <= c < Cin/g). */
IGEMM_HD void k_forward(int32_t cin_g, int32_t by, int32_t *tap, int32_t *c) {
  *c += by;
  if (*c >= cin_g) {
    const int32_t q = *c / cin_g;
    *tap += q;
    *c -= q * cin_g;
  }
}

/* One warp: its loaders' state and accumulators per lane, and its steps between barriers. */
template <class K, int L> struct Warp {
  typedef typename Elem<K::TYPE>::T T;
  int warp;                    /* index in the block */
  int32_t T_, cin_g, dtap, dc; /* taps of the phase; Cin/g; a chunk's step in (tap, c) */
  int32_t a_tap[L], a_c[L];    /* A (and n-major B) position in K; ELEM: the chunk's */
  int32_t b_tap[L], b_c[L];    /* k-major B position in K */
  int64_t a_row[K::A_ROWS][L]; /* x offsets of the A rows */
  uint64_t a_mask[K::A_ROWS][L];
  int64_t b_col[K::B_COLS > 0 ? K::B_COLS : 1][L]; /* w offsets of the B columns; -1: past N */
  float acc[K::MI][K::NI][L][4];

  IGEMM_HD int warp_m() const { return warp / K::WARPS_N; }
  IGEMM_HD int warp_n() const { return warp % K::WARPS_N; }

  /* This warp's share of the tap table. */
  template <class Ex>
  IGEMM_HD void fill_taps(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b) const {
    TapEntry *table = reinterpret_cast<TapEntry *>(ex.smem() + K::TAPS_OFF);
    for (int l = 0; l < L; ++l)
      for (int32_t e = warp * 32 + ex.lane(l); e < b.T; e += K::THREADS) {
        int64_t dt[3], xoff, woff;
        igemm::tap_entry(a, b, e, dt, &xoff, &woff);
        table[e].xoff = xoff;
        table[e].woff = woff;
      }
  }

  /* The loaders' rows, columns and K positions; zero accumulators. */
  template <class Ex>
  IGEMM_HD void init(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b, int index) {
    warp = index;
    T_ = b.T;
    cin_g = (int32_t)a.g.cin_g;
    dtap = K::BK / cin_g;
    dc = K::BK - dtap * cin_g;
    for (int l = 0; l < L; ++l) {
      const int tid = warp * 32 + ex.lane(l);
      TCONV_UNROLL
      for (int i = 0; i < K::A_ROWS; ++i) {
        const int r = K::ELEM ? tid % K::BM : tid / K::KV + i * (K::THREADS / K::KV);
        row_state(a, b, b.m0 + r, &a_row[i][l], &a_mask[i][l]);
      }
      TCONV_UNROLL
      for (int j = 0; j < K::B_COLS; ++j) {
        const int64_t n = b.n0 + (K::ELEM ? tid % K::BN : tid / K::KV + j * (K::THREADS / K::KV));
        b_col[j][l] = n < a.g.cout_g ? b.group * a.g.w_group + n * a.g.w_cout : -1;
      }
      a_tap[l] = a_c[l] = b_tap[l] = b_c[l] = 0;
      if (!K::ELEM) /* ELEM walks from the chunk's first kk */
        k_forward(cin_g, (tid % K::KV) * K::VEC, &a_tap[l], &a_c[l]);
      if (K::PATH == TCONV_TC_NVEC)
        k_forward(cin_g, tid / K::B_TPK, &b_tap[l], &b_c[l]);
      for (int mi = 0; mi < K::MI; ++mi)
        for (int ni = 0; ni < K::NI; ++ni)
          for (int i = 0; i < 4; ++i)
            acc[mi][ni][l][i] = 0.0f;
    }
  }

  /* The next chunk of K into `stage`: A and B, each lane its 16-byte chunks; then one chunk
   * further along K. */
  template <class Ex>
  IGEMM_HD void load(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b, int stage,
                     const T *x, const T *w) {
    const TapEntry *table = reinterpret_cast<const TapEntry *>(ex.smem() + K::TAPS_OFF);
    const uint32_t sa = (uint32_t)(stage * K::STAGE_BYTES), sb = sa + K::A_BYTES;
    for (int l = 0; l < L; ++l) {
      const int tid = warp * 32 + ex.lane(l);
      if constexpr (K::ELEM) {
        load_elem(ex, a, table, l, tid, sa, sb, x, w);
      } else {
        const bool ka = a_tap[l] < T_;
        const TapEntry ea = table[ka ? a_tap[l] : 0];
        const int v = tid % K::KV;
        TCONV_UNROLL
        for (int i = 0; i < K::A_ROWS; ++i) {
          const int r = tid / K::KV + i * (K::THREADS / K::KV);
          const bool ok =
              ka &&
              (a_mask[i][l] >> ((a_tap[l] + (K::MUTANT == TCONV_TC_MUTANT_TAP_MASK)) & 63) & 1);
          ex.cp16(*this, l, sa + swz64(r, v), ok ? x + a_row[i][l] + ea.xoff + a_c[l] : x, ok);
        }
        TCONV_UNROLL
        for (int j = 0; j < K::B_COLS; ++j) {
          const int n = tid / K::KV + j * (K::THREADS / K::KV);
          const bool ok = ka && b_col[j][l] >= 0;
          ex.cp16(*this, l, sb + swz64(n, v), ok ? w + b_col[j][l] + ea.woff + a_c[l] : w, ok);
        }
        k_forward(cin_g, K::BK, &a_tap[l], &a_c[l]);
        if constexpr (K::PATH == TCONV_TC_NVEC) {
          const bool kb = b_tap[l] < T_;
          const int kr = tid / K::B_TPK;
          const T *wk =
              w + b.group * a.g.w_group + b_c[l] * a.g.w_cin + table[kb ? b_tap[l] : 0].woff + b.n0;
          TCONV_UNROLL
          for (int j = 0; j < K::B_NV; ++j) {
            const int nv = tid % K::B_TPK + j * K::B_TPK;
            const bool ok = kb && b.n0 + nv * K::VEC < a.g.cout_g;
            ex.cp16(*this, l, sb + swz_kn<K>(kr, nv), ok ? wk + nv * K::VEC : w, ok);
          }
          k_forward(cin_g, K::BK, &b_tap[l], &b_c[l]);
        }
      }
    }
  }

  /* ELEM: this lane's chunks of A (its row) and B (its column), element by element. */
  template <class Ex>
  IGEMM_HD void load_elem(Ex &ex, const tconv_igemm_args &a, const TapEntry *table, int l, int tid,
                          uint32_t sa, uint32_t sb, const T *x, const T *w) {
    TCONV_UNROLL
    for (int u = 0; u < K::A_EV + (K::KV * K::BN / K::THREADS); ++u) {
      const bool is_a = u < K::A_EV;
      const int rows = is_a ? K::BM : K::BN,
                v = tid / rows + (is_a ? u : u - K::A_EV) * (K::THREADS / rows);
      int32_t tap = a_tap[l], c = a_c[l];
      k_forward(cin_g, v * K::VEC, &tap, &c);
      T e[K::VEC];
      TCONV_UNROLL
      for (int i = 0; i < K::VEC; ++i) {
        const bool in_k = tap < T_;
        const TapEntry t = table[in_k ? tap : 0];
        bool ok;
        int64_t off;
        if (is_a) {
          ok = in_k && (a_mask[0][l] >> (tap & 63) & 1);
          off = a_row[0][l] + t.xoff + c * a.g.x_c;
        } else {
          ok = in_k && b_col[0][l] >= 0;
          off = b_col[0][l] + t.woff + c * a.g.w_cin;
        }
        e[i] = ex.load(is_a ? x : w, off, ok);
        k_forward(cin_g, 1, &tap, &c);
      }
      ex.st16(ex.smem() + (is_a ? sa : sb) + swz64(tid % rows, v), e);
    }
    k_forward(cin_g, K::BK, &a_tap[l], &a_c[l]);
  }

  /* acc += the chunk in `stage`. */
  template <class Ex> IGEMM_HD void compute(Ex &ex, int stage) {
    const uint32_t sa = (uint32_t)(stage * K::STAGE_BYTES), sb = sa + K::A_BYTES;
    TCONV_UNROLL
    for (int ks = 0; ks < K::KSTEPS; ++ks) {
      uint32_t af[K::MI][L][4], bf[K::NI][L][2], off[L];
      TCONV_UNROLL
      for (int mi = 0; mi < K::MI; ++mi) {
        for (int l = 0; l < L; ++l) {
          const int lane = ex.lane(l);
          const int row = warp_m() * K::WM + mi * 16 + (lane & 15), chunk = (lane >> 4) + 2 * ks;
          off[l] =
              sa + (K::MUTANT == TCONV_TC_MUTANT_SWIZZLE ? row * TCONV_TC_ROW_BYTES + chunk * 16
                                                         : swz64(row, chunk));
        }
        ex.ldsm4(af[mi], off, false);
      }
      if constexpr (K::PATH == TCONV_TC_NVEC && K::TYPE == TCONV_TC_TF32) {
        for (int l = 0; l < L; ++l) { /* b_j = B[k = t + 4j][n = g] of each n8 tile */
          const int lane = ex.lane(l);
          TCONV_UNROLL
          for (int ni = 0; ni < K::NI; ++ni)
            TCONV_UNROLL
          for (int j = 0; j < 2; ++j) {
            const int k = ks * 8 + (lane & 3) + 4 * j, n = warp_n() * K::WN + ni * 8 + (lane >> 2);
            bf[ni][l][j] = ex.lds32(sb + swz_kn<K>(k, n / 4) + (n % 4) * 4);
          }
        }
      } else {
        TCONV_UNROLL
        for (int nj = 0; nj < K::NI / 2; ++nj) {
          uint32_t r[L][4];
          for (int l = 0; l < L; ++l) {
            const int lane = ex.lane(l), n0 = warp_n() * K::WN + nj * 16;
            off[l] =
                K::PATH == TCONV_TC_NVEC
                    ? sb + swz_kn<K>(ks * 16 + (lane & 15), n0 / 8 + (lane >> 4))
                    : sb + swz64(n0 + (lane & 7) + 8 * (lane >> 4), ((lane >> 3) & 1) + 2 * ks);
          }
          ex.ldsm4(r, off, K::PATH == TCONV_TC_NVEC);
          constexpr int lo =
              K::MUTANT == TCONV_TC_MUTANT_FRAGMENT_ORDER ? 2 : 0; /* registers of tile 0 */
          for (int l = 0; l < L; ++l) {
            bf[2 * nj][l][0] = r[l][lo];
            bf[2 * nj][l][1] = r[l][lo + 1];
            bf[2 * nj + 1][l][0] = r[l][2 - lo];
            bf[2 * nj + 1][l][1] = r[l][3 - lo];
          }
        }
      }
      if constexpr (K::TYPE == TCONV_TC_TF32 && K::MUTANT != TCONV_TC_MUTANT_TF32_ROUNDING) {
        for (int l = 0; l < L; ++l) {
          TCONV_UNROLL
          for (int mi = 0; mi < K::MI; ++mi)
            TCONV_UNROLL
          for (int i = 0; i < 4; ++i)
            af[mi][l][i] = ex.tf32(af[mi][l][i]);
          TCONV_UNROLL
          for (int ni = 0; ni < K::NI; ++ni)
            TCONV_UNROLL
          for (int j = 0; j < 2; ++j)
            bf[ni][l][j] = ex.tf32(bf[ni][l][j]);
        }
      }
      TCONV_UNROLL
      for (int mi = 0; mi < K::MI; ++mi)
        TCONV_UNROLL
      for (int ni = 0; ni < K::NI; ++ni)
        ex.template mma<K::TYPE>(acc[mi][ni], af[mi], bf[ni]);
    }
  }

  /* Epilogue: this warp's accumulators into its pass's C tile (rows from the warp's first). */
  template <class Ex> IGEMM_HD void stage_c(Ex &ex) const {
    float *c = reinterpret_cast<float *>(ex.smem());
    for (int l = 0; l < L; ++l) {
      const int lane = ex.lane(l);
      TCONV_UNROLL
      for (int mi = 0; mi < K::MI; ++mi)
        TCONV_UNROLL
      for (int ni = 0; ni < K::NI; ++ni)
        TCONV_UNROLL
      for (int h = 0; h < 2; ++h) {
        const int row = mi * 16 + (lane >> 2) + 8 * h;
        const int col = warp_n() * K::WN + ni * 8 + 2 * (lane & 3);
        igemm::vstore<2>(c + row * K::C_PITCH + col, &acc[mi][ni][l][2 * h]);
      }
    }
  }

  /* Epilogue pass `pass`: whole output elements of its rows, bias, activation, one rounding. */
  template <int ACT, class Ex>
  IGEMM_HD void store_c(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b, int pass,
                        const T *bias, T *y) const {
    const float *c = reinterpret_cast<const float *>(ex.smem());
    const T *bias_g = bias != nullptr ? bias + b.group * a.g.cout_g : nullptr;
    const int64_t first = b.m0 + pass * (K::BM / 2);
    for (int l = 0; l < L; ++l) {
      const int tid = warp * 32 + ex.lane(l);
      if (a.g.y_c == 1) { /* channels-last y: 8 channels per thread and step */
        constexpr int NV = K::BN / 8, STEP = K::THREADS / NV;
        for (int row = tid / NV; row < K::BM / 2; row += STEP) {
          if (first + row >= b.M)
            break;
          const int64_t n = b.n0 + (tid % NV) * 8;
          if (n >= a.g.cout_g)
            break;
          T *dst = y + igemm::y_row_offset(a, b, first + row) + n;
          float v[8];
          igemm::vload<4>(c + row * K::C_PITCH + (tid % NV) * 8, v);
          igemm::vload<4>(c + row * K::C_PITCH + (tid % NV) * 8 + 4, v + 4);
          T out[8];
          TCONV_UNROLL
          for (int j = 0; j < 8; ++j)
            out[j] = finish<ACT>(ex, a, bias_g, n + j, v[j]);
          if (n + 8 <= a.g.cout_g && ((uintptr_t)dst & 15) == 0) {
            TCONV_UNROLL
            for (int j = 0; j < 8; j += K::VEC)
              ex.stg16(dst + j, out + j);
          } else {
            for (int j = 0; j < 8 && n + j < a.g.cout_g; ++j)
              dst[j] = out[j];
          }
        }
      } else { /* along the positions: consecutive threads on consecutive rows */
        constexpr int ROWS = K::BM / 2, TPR = K::THREADS / ROWS;
        const int row = tid % ROWS;
        if (first + row >= b.M)
          continue;
        const int64_t off = igemm::y_row_offset(a, b, first + row);
        for (int col = tid / ROWS; col < K::BN; col += TPR) {
          const int64_t n = b.n0 + col;
          if (n >= a.g.cout_g)
            break;
          y[off + n * a.g.y_c] = finish<ACT>(ex, a, bias_g, n, c[row * K::C_PITCH + col]);
        }
      }
    }
  }

  template <int ACT, class Ex>
  static IGEMM_HD T finish(Ex &ex, const tconv_igemm_args &a, const T *bias_g, int64_t n, float v) {
    if (n >= a.g.cout_g)
      return T(0);
    if (bias_g != nullptr)
      v += ex.template widen<K::TYPE>(bias_g[n]);
    return ex.template narrow<K::TYPE>(tconv_activation_apply(ACT, a.g.alpha, a.g.beta, v));
  }
};

/* What one block does, written once for both executors. `ex` runs a step on each of the
 * block's warps (ex.each) and waits at a barrier (ex.sync) - every step is followed by one,
 * so a step is exactly what a warp does between two barriers -, and gives the warp-wide
 * instructions, the copies (ex.cp16 / commit / wait), the conversions and the shared memory. */
template <class K, class Ex>
IGEMM_HD void main_loop(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b,
                        const typename Elem<K::TYPE>::T *x, const typename Elem<K::TYPE>::T *w) {
  typedef Warp<K, Ex::LANES> W;
  constexpr int S = K::STAGES;
  const int nk = b.chunks;
  ex.each([&](W &wp, int index) {
    wp.warp = index;
    wp.fill_taps(ex, a, b);
  });
  ex.sync(); /* the tap table is complete */
  ex.each([&](W &wp, int index) {
    wp.init(ex, a, b, index);
    for (int s = 0; s < S - 1; ++s) {
      if (s < nk)
        wp.load(ex, a, b, s, x, w);
      ex.commit(wp);
    }
    ex.template wait<S - 2>(wp);
  });
  ex.sync(); /* chunk 0 has landed */
  /* Chunk kc is in stage kc % S: issue chunk kc + S - 1 into the stage chunk kc - 1 left
   * (every warp is done with it), multiply, wait for this lane's copies of chunk kc + 1. */
  for (int kc = 0; kc < nk; ++kc) {
    ex.each([&](W &wp, int) {
      if (kc + S - 1 < nk)
        wp.load(ex, a, b, (kc + S - 1) % S, x, w);
      ex.commit(wp);
      wp.compute(ex, (kc + (K::MUTANT == TCONV_TC_MUTANT_STAGE)) % S);
      ex.template wait<K::MUTANT == TCONV_TC_MUTANT_WAIT ? S - 1 : S - 2>(wp);
    });
    ex.sync(); /* chunk kc + 1 has landed; stage kc % S is free */
  }
}

template <class K, int ACT, class Ex>
IGEMM_HD void epilogue_act(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b,
                           const typename Elem<K::TYPE>::T *bias, typename Elem<K::TYPE>::T *y) {
  typedef Warp<K, Ex::LANES> W;
  TCONV_UNROLL
  for (int pass = 0; pass < 2; ++pass) {
    ex.each([&](W &wp, int) {
      if (wp.warp_m() == pass)
        wp.stage_c(ex);
    });
    ex.sync();
    ex.each([&](W &wp, int) { wp.template store_c<ACT>(ex, a, b, pass, bias, y); });
    ex.sync(); /* the next pass overwrites the tile */
  }
}

template <class K, class Ex>
IGEMM_HD void epilogue(Ex &ex, const tconv_igemm_args &a, const igemm::BlockInfo &b,
                       const typename Elem<K::TYPE>::T *bias, typename Elem<K::TYPE>::T *y) {
  switch (a.g.activation) {
  case 1:
    epilogue_act<K, 1>(ex, a, b, bias, y);
    break;
  case 2:
    epilogue_act<K, 2>(ex, a, b, bias, y);
    break;
  case 3:
    epilogue_act<K, 3>(ex, a, b, bias, y);
    break;
  case 4:
    epilogue_act<K, 4>(ex, a, b, bias, y);
    break;
  case 5:
    epilogue_act<K, 5>(ex, a, b, bias, y);
    break;
  default:
    epilogue_act<K, 0>(ex, a, b, bias, y);
  }
}

} /* namespace igemm_tc */

#endif /* TCONV_CUDA_IGEMM_TC_CUH */
