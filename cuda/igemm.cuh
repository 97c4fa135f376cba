/*
 * igemm.cuh - the implicit-GEMM kernel, written once for the GPU and for the host: under
 * nvcc the per-thread steps are __host__ __device__, under a host C++ compiler plain inline
 * functions, and tests/igemm_emu.cpp runs whole thread blocks (whole clusters) on the CPU
 * with exactly this code, every thread's step between two barriers thread after thread,
 * with its asynchronous copies landing at its wait (or at once: both are tested).
 *
 * The GEMMs (cuda/igemm_args.h): per output phase and group, C[m][n] = Σ_kk A[m][kk] B[kk][n]
 * with m = (image, q0, q1, q2), n the output channel in the group, kk = (input channel c,
 * tap) taps fastest, A[m][kk] = x[image, c, t(q, tap)] (0 outside the input), B[kk][n] the
 * weight of tap j(tap) from c to n, y[image, n, o(q)] = act(C + bias).
 *
 * A block computes a BM x BN tile of one phase's C, in a cluster of `split` blocks that each
 * take a 1/split share of K (the split, 1 to 8, is a launch parameter; 1: a plain block). Threads
 * form a TY x TX grid, each a TM x TN micro-tile: rows ty*TM/2 + [0, TM/2) in each half of
 * the tile, columns tx*4 + [0, 4) in each half (TN = 8) or tx*TN + [0, TN) (TN = 4, 2), so
 * every operand comes from shared memory in 128-bit loads (for TN = 2, B is stored with k
 * fastest and a thread reads its two columns of a chunk at once) and a warp's loads are
 * contiguous.
 *
 * The K loop: two shared-memory stages of BK of K, filled by cp.async (4 bytes each, zero
 * filled when the element is outside the input or past K) one chunk ahead, one barrier per
 * chunk. A is stored k-major (As[kk][m]), B row-major (Bs[kk][n], TN = 2: Bs[n][kk]); a thread
 * loads A rows and B columns of one kk, the threads of a kk on consecutive rows and columns
 * (coalesced, and distinct banks). The loaders keep no per-element index math:
 *   - per block, a tap table in shared memory gives each tap's x offset and w offset (and
 *     for the generic gather its t displacement per dimension);
 *   - per thread, each of its A rows has its x offset, and either a mask of the taps that
 *     fall inside the input (MASK gather: every phase has at most 64 taps, two words) or its input
 *     position per dimension (GENERIC: bounds checked per element); each B column its w
 *     offset;
 *   - the thread's position in K, (channel, tap), advances by BK per chunk with one compare.
 * So a chunk costs each thread a table load, an address and a predicate per element besides
 * the FFMAs. Offsets are 32-bit unless a tensor is too large for that (WIDE).
 *
 * The STRIP gather (the narrow tiles, whose loads rather than their FFMAs fill the loop:
 * an element of A feeds only BN FFMAs) is the mask gather with a thread's rows in strips of
 * 4 consecutive rows, when those are 4 consecutive elements of x (tconv_igemm_strips_fit):
 * one offset a strip, the 4 copies at immediate displacements from one address, and one
 * mask word a strip with 4 bits a tap, so an element costs its copy and its predicate. The
 * bound of these tiles: copies cannot be wider than 4 bytes (a tap's elements have any
 * alignment), so each element of A, which feeds BN FFMAs, takes a copy and a predicate, and
 * the compute step's shared loads add 1.5 (128x8) or 0.75 (128x4) per element: the FFMA share
 * stays below 8 / 11.5 = 70 % (128x8) and 4 / 6.75 = 59 % (128x4) however little the
 * addressing costs.
 *
 * Epilogue, in two passes (the halves of the tile's rows): each thread stores its half of
 * the accumulators into shared memory, a row-major BM/2 x BN tile whose 16-byte chunks are
 * XOR-swizzled by row (both the threads' 128-bit stores and the row-wise 128-bit reads below
 * hit distinct banks); after a barrier (a cluster barrier when split), the threads read it
 * row by row, consecutive threads on consecutive rows m, sum the split's partial tiles in
 * rank order through distributed shared memory (a fixed order: the same bits every run),
 * add the bias, apply the activation (a template parameter, chosen once per block) and
 * store to y, a warp's stores contiguous along the output positions (a block with fewer
 * threads than the pass's rows takes a row per element).
 *
 * Accumulation is fmaf in a fixed order: deterministic.
 */
#ifndef TCONV_CUDA_IGEMM_CUH
#define TCONV_CUDA_IGEMM_CUH

#include "igemm_block.cuh"

#include <stdint.h>
#include <string.h>

namespace igemm {

template <int BM_, int BN_, int BK_, int TM_, int TN_, int THREADS_> struct Tile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_, THREADS = THREADS_;
  static constexpr int TX = BN / TN, TY = BM / TM;
  static constexpr int STAGES = TCONV_IGEMM_STAGES;
  static_assert(STAGES == 2, "the K loop alternates two stages");
  static constexpr int A_R = THREADS / BK; /* threads loading one kk (A rows, B columns) */
  static constexpr int A_RPT = BM / A_R;   /* A rows per thread */
  static constexpr int B_CPT = BN / A_R;   /* B columns per thread */
  static constexpr int A_SPT = A_RPT / TCONV_IGEMM_STRIP_ROWS; /* strip gather: strips */
  static constexpr int HALF = BM / 2;                          /* rows per epilogue pass */
  static constexpr int CHUNKS = BN / 4;                        /* 16-byte chunks per row of C */
  static constexpr int SWIZZLE = (CHUNKS < 8 ? CHUNKS : 8) - 1;
  static constexpr int MIN_BLOCKS = TCONV_IGEMM_WARPS_PER_SM * 32 / THREADS;
  static_assert(TX * TY == THREADS, "the thread grid covers the tile");
  static_assert(THREADS % BK == 0 && BM % A_R == 0 && BN % A_R == 0 && A_RPT % 4 == 0 &&
                    TCONV_IGEMM_STRIP_ROWS == 4,
                "loads divide; a strip is one row of the 128-bit mask vectors");
  static_assert(TM % 8 == 0 && (TN == 8 || TN == 4 || TN == 2), "128-bit fragments");
  /* TN = 2: B stored column-major, k fastest, so that a thread's two columns of a chunk come
   * in BK/2 128-bit loads rather than BK 64-bit ones; rows padded by 4 (16 bytes) so that
   * the threads' columns fall on distinct banks. */
  static constexpr bool B_T = TN == 2;
  static constexpr int B_ROWS = B_T ? BN : BK, B_COLS = B_T ? BK + 4 : BN;
  static_assert(!B_T || BK % 4 == 0, "B columns in 128-bit loads");
};

/* Offsets: 32-bit when every partial offset the kernel forms (a row's, a tap's, a channel's)
 * fits in 31 bits with room to spare (host/algo_igemm.c decides), else 64-bit. */
template <bool WIDE> struct Offset {
  typedef int32_t T;
  static IGEMM_HD T of(int64_t v) { return (int32_t)v; }
};
template <> struct Offset<true> {
  typedef int64_t T;
  static IGEMM_HD T of(int64_t v) { return v; }
};

/* base + i for a 32-bit i as one wide multiply-add (left to itself the compiler merges the
 * sums of offsets into 64-bit arithmetic, four instructions an element). */
IGEMM_HD const float *at(const float *base, int32_t i) {
#ifdef __CUDA_ARCH__
  const float *p;
  asm("mad.wide.s32 %0, %1, 4, %2;" : "=l"(p) : "r"(i), "l"(base));
  return p;
#else
  return base + i;
#endif
}
IGEMM_HD const float *at(const float *base, int64_t i) { return base + i; }

/* One tap of the phase: offsets of x and w from tap 0, t displacement per dimension. */
template <int GATHER, class Off> struct TapEntry {
  Off xoff, woff;
  int32_t dt[3];
};
template <class Off> struct TapEntry<TCONV_IGEMM_MASK, Off> { Off xoff, woff; };
template <class Off> struct TapEntry<TCONV_IGEMM_STRIP, Off> { Off xoff, woff; };

template <class K, int GATHER, bool WIDE> struct Smem {
  typedef typename Offset<WIDE>::T Off;
  static constexpr bool MASK = GATHER != TCONV_IGEMM_GENERIC;
  static constexpr bool STRIP = GATHER == TCONV_IGEMM_STRIP;
  /* Everything the K loop reads: the two stages of A and B; the tap table; each thread's A
   * rows (x offset, one a strip for STRIP; MASK: the taps inside the input; STRIP: the same
   * for a strip, bit 4 tap + row of the strip; GENERIC: the input position at tap 0) and B
   * columns (w offset), four per 16-byte load, kept here rather than in registers, which the
   * accumulators need. B is [kk][n], or [n][kk] (B_T). */
  struct alignas(16) Main {
    float a[K::STAGES][K::BK][K::BM];
    float b[K::STAGES][K::B_ROWS][K::B_COLS];
    Off row_off[STRIP ? (K::A_SPT + 3) / 4 : K::A_RPT / 4][K::THREADS][4];
    uint32_t row_mask[MASK && !STRIP ? K::A_RPT / 4 : 0][TCONV_IGEMM_MASK_WORDS][K::THREADS][4];
    uint32_t strip_mask[STRIP ? (K::A_SPT + 3) / 4 : 0][TCONV_IGEMM_STRIP_WORDS][K::THREADS][4];
    int32_t row_t[MASK ? 0 : K::A_RPT / 4][3][K::THREADS][4];
    Off cols[(K::B_CPT + 3) / 4][K::THREADS][4];
    TapEntry<GATHER, Off> tap[MASK ? TCONV_IGEMM_MASK_TAPS : TCONV_IGEMM_MAX_TAPS];
  };
  /* After it, the same bytes hold one epilogue pass of the C tile, swizzled. */
  union alignas(16) Bytes {
    Main m;
    float c[K::HALF * K::BN];
  } u;
};

/* N elements of T in one 128- or 64-bit access (a vector instruction on the device; p is
 * aligned to the access). */
template <int BYTES> struct Vector;
template <> struct Vector<16> {
#ifdef __CUDACC__
  typedef int4 T;
#endif
};
template <> struct Vector<8> {
#ifdef __CUDACC__
  typedef int2 T;
#endif
};
template <int N, class T> IGEMM_HD void vload(const T *p, T *v) {
#ifdef __CUDA_ARCH__
  typedef typename Vector<N * sizeof(T)>::T V;
  const V t = *reinterpret_cast<const V *>(p);
  memcpy(v, &t, sizeof t);
#else
  for (int i = 0; i < N; ++i)
    v[i] = p[i];
#endif
}
template <int N, class T> IGEMM_HD void vstore(T *p, const T *v) {
#ifdef __CUDA_ARCH__
  typedef typename Vector<N * sizeof(T)>::T V;
  V t;
  memcpy(&t, v, sizeof t);
  *reinterpret_cast<V *>(p) = t;
#else
  for (int i = 0; i < N; ++i)
    p[i] = v[i];
#endif
}

/* Where column chunk `chunk` of row `row` of an epilogue pass lies (16-byte chunks XORed with
 * the row's low bits). */
template <class K> IGEMM_HD int c_index(int row, int chunk) {
  return row * K::BN + ((chunk ^ (row & K::SWIZZLE)) << 2);
}

/* One thread: its loaders' state, its accumulators and its steps between barriers. */
template <class K, int GATHER, bool WIDE> struct Thread {
  typedef typename Offset<WIDE>::T Off;
  typedef Smem<K, GATHER, WIDE> S;
  static constexpr bool MASK = S::MASK, STRIP = S::STRIP;
  int tid;
  int32_t k_c, k_tap, k_left; /* the thread's kk as (channel, tap); K left from it */
  int32_t T, dc, dtap;        /* taps of the phase; the steps of a chunk */
  float acc[K::TM][K::TN];

  /* The tile row of the thread's A row i (0 <= i < A_RPT): the threads of a kk on
   * consecutive rows (rows i*A_R + tid % A_R), or (STRIP) on consecutive strips of 4 rows,
   * row i % 4 of strip i / 4. */
  IGEMM_HD int load_row(int i) const {
    if constexpr (STRIP)
      return 4 * (tid % K::A_R + i / 4 * K::A_R) + i % 4;
    return tid % K::A_R + i * K::A_R;
  }

  /* Row and column of micro-tile element (i, j) in the block tile. */
  IGEMM_HD int row(int i) const {
    const int ty = tid / K::TX;
    return i < K::TM / 2 ? ty * (K::TM / 2) + i : K::HALF + ty * (K::TM / 2) + i - K::TM / 2;
  }
  IGEMM_HD int col(int j) const {
    const int tx = tid % K::TX;
    if (K::TN == 8)
      return j < 4 ? tx * 4 + j : K::BN / 2 + tx * 4 + j - 4;
    return tx * K::TN + j;
  }

  /* The thread's K position: kk = k_c * T + k_tap, BK further each chunk. */
  IGEMM_HD void k_seek(int32_t kk, int32_t k_end) {
    k_c = T > 0 ? kk / T : 0;
    k_tap = kk - k_c * T;
    k_left = k_end - kk;
  }
  IGEMM_HD void k_advance() {
    k_left -= K::BK;
    k_c += dc;
    k_tap += dtap;
    if (k_tap >= T) {
      k_tap -= T;
      ++k_c;
    }
  }

  /* Fills this thread's share of the tap table. */
  IGEMM_HD void fill_taps(const tconv_igemm_args &a, const BlockInfo &b, S &s) const {
    for (int32_t e = tid; e < b.T; e += K::THREADS) {
      int64_t dt[3], xoff, woff;
      tap_entry(a, b, e, dt, &xoff, &woff);
      if constexpr (!MASK) {
        TCONV_UNROLL
        for (int d = 0; d < 3; ++d)
          s.u.m.tap[e].dt[d] = (int32_t)dt[d];
      }
      s.u.m.tap[e].xoff = Offset<WIDE>::of(xoff);
      s.u.m.tap[e].woff = Offset<WIDE>::of(woff);
    }
  }

  /* The thread's rows (MASK: into shared memory) and columns, its K positions, zero
   * accumulators. */
  IGEMM_HD void init(const tconv_igemm_args &a, const BlockInfo &b, int thread, S &s) {
    tid = thread;
    T = b.T;
    dc = T > 0 ? K::BK / T : 0;
    dtap = K::BK - dc * T;
    const int64_t group_x = b.group * a.g.cin_g * a.g.x_c;
    [[maybe_unused]] uint64_t strip_bits = 0; /* STRIP: tap e of row j is bit 4 e + j */
    TCONV_UNROLL
    for (int i = 0; i < K::A_RPT; ++i) {
      int64_t m = b.m0 + load_row(i), q[3];
      const bool valid = m < b.M;
      const int64_t image = split_row(a, b, valid ? m : 0, q);
      int64_t off = image * a.g.x_n + group_x;
      [[maybe_unused]] uint64_t dim_mask[3];
      TCONV_UNROLL
      for (int d = 0; d < 3; ++d) {
        const int64_t t0 = a.res[a.res_first[d] + b.r[d]].t_base + q[d] * a.t_qstep[d];
        off += t0 * a.g.x_s[d];
        if constexpr (MASK) {
          dim_mask[d] = 0;
          for (int32_t tap = 0; tap < b.taps[d]; ++tap) {
            const int64_t t = t0 + tap * a.t_cstep[d];
            dim_mask[d] |= (uint64_t)(t >= 0 && t < a.g.dim[d].in) << tap;
          }
        } else {
          s.u.m.row_t[i / 4][d][tid][i % 4] = valid ? (int32_t)t0 : -(1 << 30); /* never in */
        }
      }
      if (!STRIP) /* a strip's rows are its first one's offset plus 1, 2, 3 */
        s.u.m.row_off[i / 4][tid][i % 4] = Offset<WIDE>::of(off);
      else if (i % 4 == 0)
        s.u.m.row_off[i / 16][tid][i / 4 % 4] = Offset<WIDE>::of(off);
      if constexpr (MASK) {
        uint64_t mask = 0; /* tap (e0, e1, e2) is bit (e0 * taps1 + e1) * taps2 + e2 */
        for (int32_t e0 = 0; e0 < b.taps[0]; ++e0)
          for (int32_t e1 = 0; e1 < b.taps[1]; ++e1)
            if ((dim_mask[0] >> e0 & 1) && (dim_mask[1] >> e1 & 1))
              mask |= dim_mask[2] << ((e0 * b.taps[1] + e1) * b.taps[2]);
        if (!valid)
          mask = 0;
        if constexpr (STRIP) {
          strip_bits = i % 4 == 0 ? 0 : strip_bits;
          for (int32_t e = 0; e < b.T; ++e) /* T <= STRIP_TAPS (tconv_igemm_strips_fit) */
            strip_bits |= (mask >> e & 1) << (4 * e + i % 4);
          TCONV_UNROLL
          for (int word = 0; word < TCONV_IGEMM_STRIP_WORDS && i % 4 == 3; ++word)
            s.u.m.strip_mask[i / 16][word][tid][i / 4 % 4] = (uint32_t)(strip_bits >> (32 * word));
        } else {
          TCONV_UNROLL
          for (int word = 0; word < TCONV_IGEMM_MASK_WORDS; ++word)
            s.u.m.row_mask[i / 4][word][tid][i % 4] = (uint32_t)(mask >> (32 * word));
        }
      }
    }
    TCONV_UNROLL
    for (int i = 0; i < K::B_CPT; ++i) {
      int64_t n = b.n0 + tid % K::A_R + i * K::A_R;
      if (n >= a.g.cout_g)
        n = a.g.cout_g - 1; /* loads something; the column is never stored */
      s.u.m.cols[i / 4][tid][i % 4] = Offset<WIDE>::of(b.group * a.g.w_group + n * a.g.w_cout);
    }
    k_seek(b.k_begin + tid / K::A_R, b.k_end);
    TCONV_UNROLL
    for (int i = 0; i < K::TM; ++i)
      TCONV_UNROLL
    for (int j = 0; j < K::TN; ++j)
      acc[i][j] = 0.0f;
  }

  /* This thread's copies of the next chunk into `stage` (A rows and B columns at its kk),
   * then one step along K. */
  template <class Ex>
  IGEMM_HD void issue(Ex &ex, const tconv_igemm_args &a, S &s, int stage, const float *x,
                      const float *w) {
    const TapEntry<GATHER, Off> e = s.u.m.tap[k_tap];
    const bool ok = k_left > 0;
    const float *xk = at(x, (Off)k_c * Offset<WIDE>::of(a.g.x_c) + e.xoff);
    const float *wk = at(w, (Off)k_c * Offset<WIDE>::of(a.g.w_cin) + e.woff);
    float *da = &s.u.m.a[stage][tid / K::A_R][load_row(0)];
    float *db = K::B_T ? &s.u.m.b[stage][tid % K::A_R][tid / K::A_R]
                       : &s.u.m.b[stage][tid / K::A_R][tid % K::A_R];
    constexpr int db_step = K::B_T ? K::B_COLS : 1; /* to the next column */
    /* MASK: tap k_tap < 64 is bit k_tap % 32 of mask word k_tap / 32 */
    const uint32_t bit = MASK && ok ? 1u << (k_tap & 31) : 0u;
    [[maybe_unused]] const int word = k_tap >> 5;
    if constexpr (STRIP) {
      /* strip q: rows 4q .. 4q+3 of the thread, x elements xs[0..3] (one address); tap
       * k_tap < 16 of row j is bit 4 (k_tap % 8) + j of the strip's mask word k_tap / 8 */
      Off off[(K::A_SPT + 3) / 4 * 4];
      uint32_t mask[(K::A_SPT + 3) / 4 * 4], bits[4];
      TCONV_UNROLL
      for (int j = 0; j < K::A_SPT; j += 4) {
        vload<4>(s.u.m.row_off[j / 4][tid], off + j);
        vload<4>(s.u.m.strip_mask[j / 4][k_tap >> 3][tid], mask + j);
      }
      bits[0] = (uint32_t)ok << 4 * (k_tap & 7);
      TCONV_UNROLL
      for (int j = 1; j < 4; ++j)
        bits[j] = bits[0] << j;
      TCONV_UNROLL
      for (int q = 0; q < K::A_SPT; ++q) {
        const float *xs = at(xk, off[q]);
        TCONV_UNROLL
        for (int j = 0; j < 4; ++j)
          ex.copy(*this, da + 4 * K::A_R * q + j, xs + j, (mask[q] & bits[j]) != 0);
      }
    }
    TCONV_UNROLL
    for (int q = 0; q < (STRIP ? 0 : K::A_RPT / 4); ++q) {
      Off off[4];
      TCONV_UNROLL
      for (int j = 0; j < 4; j += (int)(16 / sizeof(Off)))
        vload<(int)(16 / sizeof(Off))>(s.u.m.row_off[q][tid] + j, off + j);
      if constexpr (MASK) {
        uint32_t mask[4];
        vload<4>(s.u.m.row_mask[q][word][tid], mask);
        TCONV_UNROLL
        for (int j = 0; j < 4; ++j)
          ex.copy(*this, da + (4 * q + j) * K::A_R, at(xk, off[j]), (mask[j] & bit) != 0);
      } else {
        int32_t t[3][4];
        TCONV_UNROLL
        for (int d = 0; d < 3; ++d)
          vload<4>(s.u.m.row_t[q][d][tid], t[d]);
        TCONV_UNROLL
        for (int j = 0; j < 4; ++j) {
          /* positions fit int32 here (host/algo_igemm.c), so do the sizes */
          const bool inside = (uint32_t)(t[0][j] + e.dt[0]) < (uint32_t)a.g.dim[0].in &&
                              (uint32_t)(t[1][j] + e.dt[1]) < (uint32_t)a.g.dim[1].in &&
                              (uint32_t)(t[2][j] + e.dt[2]) < (uint32_t)a.g.dim[2].in;
          ex.copy(*this, da + (4 * q + j) * K::A_R, at(xk, off[j]), ok && inside);
        }
      }
    }
    TCONV_UNROLL
    for (int q = 0; q < (K::B_CPT + 3) / 4; ++q) {
      Off off[4];
      TCONV_UNROLL
      for (int j = 0; j < 4; j += (int)(16 / sizeof(Off)))
        vload<(int)(16 / sizeof(Off))>(s.u.m.cols[q][tid] + j, off + j);
      TCONV_UNROLL
      for (int j = 0; j < 4 && 4 * q + j < K::B_CPT; ++j)
        ex.copy(*this, db + (4 * q + j) * K::A_R * db_step, at(wk, off[j]), ok);
    }
    k_advance();
  }

  /* acc += the chunk in `stage`. */
  IGEMM_HD void compute(const S &s, int stage) {
    const int ty = tid / K::TX, tx = tid % K::TX;
    [[maybe_unused]] float bt[2][K::BK]; /* B_T: the thread's two columns of the chunk */
    if constexpr (K::B_T) {
      TCONV_UNROLL
      for (int k = 0; k < K::BK; k += 4) {
        vload<4>(&s.u.m.b[stage][tx * 2][k], &bt[0][k]);
        vload<4>(&s.u.m.b[stage][tx * 2 + 1][k], &bt[1][k]);
      }
    }
    TCONV_UNROLL
    for (int k = 0; k < K::BK; ++k) {
      const float *as = s.u.m.a[stage][k], *bs = s.u.m.b[stage][K::B_T ? 0 : k];
      float af[K::TM], bf[K::TN];
      TCONV_UNROLL
      for (int i = 0; i < K::TM / 2; i += 4) {
        vload<4>(as + ty * (K::TM / 2) + i, af + i);
        vload<4>(as + K::HALF + ty * (K::TM / 2) + i, af + K::TM / 2 + i);
      }
      if constexpr (K::TN == 8) {
        vload<4>(bs + tx * 4, bf);
        vload<4>(bs + K::BN / 2 + tx * 4, bf + 4);
      } else if constexpr (K::TN == 4) {
        vload<4>(bs + tx * 4, bf);
      } else {
        bf[0] = bt[0][k];
        bf[1] = bt[1][k];
      }
      TCONV_UNROLL
      for (int i = 0; i < K::TM; ++i)
        TCONV_UNROLL
      for (int j = 0; j < K::TN; ++j)
        acc[i][j] = fmaf(af[i], bf[j], acc[i][j]);
    }
  }

  /* Epilogue pass `half`: this thread's accumulators of that half into the C tile. */
  IGEMM_HD void stage_c(S &s, int half) const {
    const int tx = tid % K::TX;
    TCONV_UNROLL
    for (int i = 0; i < K::TM / 2; ++i) {
      const int r = row(i); /* the row within the pass */
      const float *v = acc[half * (K::TM / 2) + i];
      if constexpr (K::TN == 8) {
        vstore<4>(s.u.c + c_index<K>(r, tx), v);
        vstore<4>(s.u.c + c_index<K>(r, K::CHUNKS / 2 + tx), v + 4);
      } else if constexpr (K::TN == 4) {
        vstore<4>(s.u.c + c_index<K>(r, tx), v);
      } else {
        vstore<2>(s.u.c + c_index<K>(r, tx / 2) + (tx % 2) * 2, v);
      }
    }
  }

  /* Epilogue pass `half`: this rank's share of the tile's chunks, summed over the split's
   * partial tiles in rank order, plus bias, activated, to y. */
  template <int ACT, class Ex>
  IGEMM_HD void drain_c(Ex &ex, const tconv_igemm_args &a, const BlockInfo &b, int half,
                        const float *bias, float *y) const {
    /* rank's share of the tile's HALF * CHUNKS chunks: [first, last), as even as it gets */
    const int first = b.rank * (K::HALF * K::CHUNKS) / b.split;
    const int last = (b.rank + 1) * (K::HALF * K::CHUNKS) / b.split;
    const float *bias_g = bias != nullptr ? bias + b.group * a.g.cout_g : nullptr;
    if constexpr (K::THREADS % K::HALF == 0) {
      const int r = (first + tid) % K::HALF; /* the same row for every element below */
      const int64_t m = b.m0 + half * K::HALF + r;
      if (m >= b.M)
        return;
      const int64_t row_off = y_row_offset(a, b, m);
      for (int e = first + tid; e < last; e += K::THREADS)
        drain_chunk<ACT>(ex, a, b, r, e / K::HALF, row_off, bias_g, y);
    } else { /* fewer threads than rows: a row per element */
      for (int e = first + tid; e < last; e += K::THREADS) {
        const int r = e % K::HALF;
        const int64_t m = b.m0 + half * K::HALF + r;
        if (m < b.M)
          drain_chunk<ACT>(ex, a, b, r, e / K::HALF, y_row_offset(a, b, m), bias_g, y);
      }
    }
  }

  /* Chunk `chunk` of row r of the pass, whose outputs start at y + row_off. */
  template <int ACT, class Ex>
  IGEMM_HD void drain_chunk(Ex &ex, const tconv_igemm_args &a, const BlockInfo &b, int r, int chunk,
                            int64_t row_off, const float *bias_g, float *y) const {
    float v[4], p[4];
    vload<4>(ex.peer(0).u.c + c_index<K>(r, chunk), v);
    for (int rank = 1; rank < b.split; ++rank) {
      vload<4>(ex.peer(rank).u.c + c_index<K>(r, chunk), p);
      TCONV_UNROLL
      for (int j = 0; j < 4; ++j)
        v[j] += p[j];
    }
    TCONV_UNROLL
    for (int j = 0; j < 4; ++j) {
      const int64_t n = b.n0 + chunk * 4 + j;
      if (n < a.g.cout_g) {
        const float sum = bias_g != nullptr ? v[j] + TCONV_LOAD(bias_g + n) : v[j];
        y[row_off + n * a.g.y_c] = tconv_activation_apply(ACT, a.g.alpha, a.g.beta, sum);
      }
    }
  }
};

/* What one block does, written once for both executors. `ex` runs a step on each of the
 * block's threads (ex.each: the block's; in the epilogue, the cluster's) and waits at a block
 * barrier (ex.sync) or a cluster barrier (ex.cluster_sync) - every step is followed by one,
 * so a step is exactly what a thread does between two barriers -, reaches a cluster peer's
 * shared memory (ex.peer), gives a thread's BlockInfo (ex.info) and issues, commits and
 * waits for a thread's asynchronous copies (ex.copy / commit / wait).
 *
 * main_loop: the block alone, up to the accumulators being final and the shared memory
 * free (a split's blocks may take different numbers of chunks); then epilogue: the cluster
 * together, the same barriers in every block. */
template <class K, int GATHER, bool WIDE, class Ex>
IGEMM_HD void main_loop(Ex &ex, const tconv_igemm_args &a, const BlockInfo &b, const float *x,
                        const float *w) {
  typedef Thread<K, GATHER, WIDE> Th;
  typedef Smem<K, GATHER, WIDE> S;
  ex.each([&](Th &t, S &s) {
    t.init(a, b, ex.thread_index(t), s);
    t.fill_taps(a, b, s);
  });
  ex.sync(); /* the tables are complete */
  k_loop<Th, S>(
      ex, b.chunks, [&](Th &t, S &s, int stage) { t.issue(ex, a, s, stage, x, w); },
      [&](Th &t, const S &s, int stage) { t.compute(s, stage); });
}

template <class K, int GATHER, bool WIDE, int ACT, class Ex>
IGEMM_HD void epilogue_act(Ex &ex, const tconv_igemm_args &a, const float *bias, float *y) {
  typedef Thread<K, GATHER, WIDE> Th;
  typedef Smem<K, GATHER, WIDE> S;
  TCONV_UNROLL
  for (int half = 0; half < 2; ++half) {
    ex.each([&](Th &t, S &s) { t.stage_c(s, half); });
    ex.cluster_sync();
    ex.each([&](Th &t, S &) {
      /* made again: kept from the start, it would hold registers through the K loop */
      const BlockInfo b = ex.info(t);
      t.template drain_c<ACT>(ex, a, b, half, bias, y);
    });
    ex.cluster_sync(); /* the next pass overwrites the tile; peers read it until here */
  }
}

template <class K, int GATHER, bool WIDE, class Ex>
IGEMM_HD void epilogue(Ex &ex, const tconv_igemm_args &a, const float *bias, float *y) {
  with_activation(a.g.activation, [&](auto act) {
    epilogue_act<K, GATHER, WIDE, decltype(act)::value>(ex, a, bias, y);
  });
}

} /* namespace igemm */

#endif /* TCONV_CUDA_IGEMM_CUH */
