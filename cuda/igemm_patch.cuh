/*
 * igemm_patch.cuh - the implicit GEMM's narrow-output "patch" kernel (Cout/g <= 8), written
 * once for the GPU and the host like cuda/igemm.cuh (whose helpers it uses): under nvcc the
 * per-thread steps are __host__ __device__, and tests/igemm_patch_emu.cpp runs whole blocks
 * on the CPU with exactly this code.
 *
 * The math is the tiled kernel's (cuda/igemm_args.h): per output phase and group,
 * y[image, n, o(q)] = act(bias[n] + Σ_c Σ_tap x[image, c, t(q, tap)] w[c, n, j(tap)]), with
 * t(q, tap) = t_base + q * t_qstep + tap * t_cstep per dimension. Here, along the innermost
 * dimension, t_qstep = 1 and t_cstep = ±1 (tconv_patch_fits), so the taps of a position are
 * neighbours of the next position's: t(q, c2) = t_lo + (q - x0) + e, with e = c2
 * (convolution) or taps2 - 1 - c2 (transposed) and t_lo the box's first column.
 *
 * A block (cuda/igemm_patch_args.h): one phase, one image, one group, a box of BOX_Y x BOX_X
 * positions (rank 3: one position along dimension 0), BN output channels. Thread (ty, tx)
 * owns positions (y0 + ty, x0 + tx*TW + [0, TW)) and all BN channels: TW x BN accumulators.
 *
 * The K loop: CK input channels per chunk, two stages in shared memory filled by cp.async
 * one chunk ahead. A stage holds per channel the x patch: for each tap plane along dimension
 * 0, the rows the box's rows and taps reach along dimension 1, COLS columns from col_lo (t_lo,
 * or with 16-byte copies t_lo rounded down to 4 elements, so that a 16-byte copy is aligned
 * in x and in shared memory alike), zeros outside x; and the phase's weights for those
 * channels as [tap row][shift e'][BN] with e' = e + (t_lo - col_lo), so the shift of the
 * patch lies in the weights' index and the register window below needs no runtime shift.
 * Each thread copies the same patch slots every chunk: their x offsets and validity are made
 * once (a table in shared memory, a bit mask in a register), so a copy is an address and a
 * cp.async.
 *
 * The compute step, per channel and tap row: the thread loads its window of WIN patch
 * elements (128-bit loads: the patch row stride is a multiple of 4, windows start at
 * multiples of TW), then for each shift e' in [e_lo, e_hi) (a uniform branch over the
 * unrolled shifts) one 128-bit load of BN weights per 4 channels and TW x BN FFMAs,
 * acc[p][n] += window[p + e'] * w[e'][n]. Each x element copied once feeds taps x BN FFMAs
 * from registers.
 *
 * Epilogue: bias, activation (a template parameter, chosen once per block) and the stores to
 * y straight from the accumulators, through the geometry's strides.
 *
 * Accumulation is fmaf in a fixed order (chunks, channels, tap rows, shifts): deterministic.
 */
#ifndef TCONV_CUDA_IGEMM_PATCH_CUH
#define TCONV_CUDA_IGEMM_PATCH_CUH

#include "igemm.cuh"
#include "igemm_patch_args.h"

namespace igemm_patch {

template <int BN_, int TW_, bool VEC_> struct Tile {
  static constexpr int BN = BN_, TW = TW_, THREADS = TCONV_PATCH_THREADS, CK = TCONV_PATCH_CK;
  static constexpr bool VEC = VEC_;
  static constexpr int V = VEC ? 4 : 1; /* elements per copy */
  static constexpr int BOX_X = TCONV_PATCH_BOX_X, TX = BOX_X / TW, BOX_Y = THREADS / TX;
  static constexpr int STAGES = TCONV_IGEMM_STAGES;
  /* shifts: the taps, plus the patch's misalignment (up to 3) with 16-byte copies */
  static constexpr int E = TCONV_PATCH_TAPS_X + (VEC ? 3 : 0);
  static constexpr int WIN = TW + (VEC ? 8 : 4); /* TW + E - 1, in whole 128-bit loads */
  static constexpr int COLS = BOX_X + WIN - TW;  /* the last window's end */
  static constexpr int ROWS = BOX_Y + 2;
  static constexpr int PATCH = ROWS * COLS; /* floats per channel and stage */
  /* A thread's x slots: runs of 4 consecutive patch elements, one 16-byte copy or four 4-byte
   * copies at immediate displacements from one address; run k of thread t is run
   * t + k THREADS of the patch. */
  static constexpr int RUNS = PATCH / 4, SLOTS = (RUNS + THREADS - 1) / THREADS;
  static constexpr bool SLOTS_EXACT = RUNS % THREADS == 0;
  static constexpr int TAP_ROWS = TCONV_PATCH_TAP_ROWS, TAPS_X = TCONV_PATCH_TAPS_X;
  /* A thread's weight slots: W_SLOTS per channel, slot k being slot tid + k THREADS of the
   * channel's [tap row][tap][BN] (offsets in registers, the same for every channel) */
  static constexpr int W_CHANNEL = TAP_ROWS * TAPS_X * BN; /* weights per channel */
  static constexpr int W_SLOTS = W_CHANNEL / THREADS;
  /* Weight slot f = (rr TAPS_X + e) BN + n of a channel lands at (rr E + e') BN + n in the
   * stage, e' = e_lo + e: at f + f / (TAPS_X BN) (E - TAPS_X) BN + e_lo BN, so a thread's slot
   * k + 1 lies W_DST_STEP after its slot k (THREADS a multiple of TAPS_X BN). */
  static constexpr int W_DST_STEP = THREADS + THREADS / (TAPS_X * BN) * (E - TAPS_X) * BN;
  /* block_info's view: one column tile of BN */
  static constexpr int BM = 1, BK = 1;
  static_assert(STAGES == 2, "the K loop alternates two stages");
  static_assert(BOX_X % TW == 0 && THREADS % TX == 0 && TW % 4 == 0 && BN % 4 == 0,
                "the box splits into 128-bit windows");
  static_assert(COLS % 4 == 0 && PATCH % V == 0, "patch rows start on 16 bytes");
  static_assert(W_SLOTS * THREADS == W_CHANNEL && SLOTS * (VEC ? 1 : 4) <= 32 &&
                    THREADS % (TAPS_X * BN) == 0,
                "copies divide");
};

/* What a block computes. */
struct Block {
  igemm::BlockInfo p; /* the phase: residues, taps, group */
  int64_t image, q0;  /* image; position along dimension 0 */
  int64_t y0, x0;     /* the box's first position along dimensions 1 and 2 */
  int64_t qn1, qn2;   /* the phase's positions along dimensions 1 and 2 */
  int64_t row_lo;     /* x row of patch row 0 (each plane) */
  int64_t col_lo;     /* x column of patch column 0 */
  int32_t tap_rows;   /* taps0 x taps1 */
  int32_t plane_rows; /* patch rows per plane */
  int32_t e_lo, e_hi; /* the shifts the phase uses */
  int32_t chunks;     /* K chunks (0: the outputs get the bias alone) */
  bool empty;         /* the box holds none of the phase's positions */
};

/* The lowest of tap * step over taps [0, taps) (0 without taps). */
IGEMM_HD int64_t low_reach(int32_t taps, int64_t step) {
  return taps > 1 && step < 0 ? (taps - 1) * step : 0;
}

template <class K>
IGEMM_HD Block block_of(const tconv_patch_args &pa, int64_t bx, int64_t by, int64_t bz) {
  const tconv_igemm_args &a = pa.a;
  Block b;
  b.p = igemm::block_info<K>(a, 0, by, bz);
  int64_t rest = bx;
  const int64_t box2 = rest % pa.boxes[2];
  rest /= pa.boxes[2];
  const int64_t box1 = rest % pa.boxes[1];
  rest /= pa.boxes[1];
  b.q0 = rest % pa.boxes[0];
  b.image = rest / pa.boxes[0];
  int64_t qn[3];
  TCONV_UNROLL
  for (int d = 0; d < 3; ++d)
    qn[d] = a.q_count[d][b.p.r[d] < a.q_split[d] ? 0 : 1];
  b.y0 = box1 * K::BOX_Y;
  b.x0 = box2 * K::BOX_X;
  b.qn1 = qn[1];
  b.qn2 = qn[2];
  b.empty = b.q0 >= qn[0] || b.y0 >= qn[1] || b.x0 >= qn[2];
  const int32_t taps1 = b.p.taps[1], taps2 = b.p.taps[2];
  const int64_t step1 = a.t_cstep[1] < 0 ? -a.t_cstep[1] : a.t_cstep[1];
  b.tap_rows = b.p.taps[0] * taps1;
  b.plane_rows = (int32_t)((K::BOX_Y - 1) * a.t_qstep[1] + (taps1 > 1 ? taps1 - 1 : 0) * step1 + 1);
  b.row_lo = a.res[a.res_first[1] + b.p.r[1]].t_base + b.y0 * a.t_qstep[1] +
             low_reach(taps1, a.t_cstep[1]);
  const int64_t t_lo =
      a.res[a.res_first[2] + b.p.r[2]].t_base + b.x0 + low_reach(taps2, a.t_cstep[2]);
  b.col_lo = K::VEC ? t_lo & ~(int64_t)3 : t_lo; /* rounded down */
  b.e_lo = (int32_t)(t_lo - b.col_lo);
  b.e_hi = b.e_lo + taps2;
  b.chunks = b.p.T > 0 ? (int32_t)((a.g.cin_g + K::CK - 1) / K::CK) : 0;
  return b;
}

template <class K> struct Smem {
  float x[K::STAGES][K::CK][K::PATCH];
  float w[K::STAGES][K::CK][K::TAP_ROWS][K::E][K::BN];
  int32_t x_off[(K::SLOTS + 3) / 4][K::THREADS][4]; /* each thread's patch slots in x */
  int32_t row[K::TAP_ROWS];                         /* tap row -> its patch row's offset */
};

template <class K> struct Thread {
  typedef Smem<K> S;
  int tid;
  int32_t c;                 /* the next chunk's first input channel */
  int32_t base;              /* the thread's window in a channel's patch */
  int32_t w_dst;             /* where its weight slot 0 lands in a stage (slot k: + k W_DST_STEP) */
  uint32_t x_valid;          /* bit k (VEC) or 4 k + j: run k (its element j) reads x; else zeros */
  uint32_t w_valid;          /* bit k: weight slot k reads w; else zeros */
  int32_t w_off[K::W_SLOTS]; /* its weight slots in w (channel 0 of the group) */
  float acc[K::TW][K::BN];

  /* The thread's copy slots, the tap rows' offsets, zero accumulators. */
  IGEMM_HD void init(const tconv_patch_args &pa, const Block &b, int thread, S &s) {
    const tconv_igemm_args &a = pa.a;
    const tconv_geom &g = a.g;
    tid = thread;
    c = 0;
    base = (int32_t)((tid / K::TX) * a.t_qstep[1] * K::COLS + tid % K::TX * K::TW);
    const int64_t t0 = a.res[a.res_first[0] + b.p.r[0]].t_base + b.q0 * a.t_qstep[0];
    const int64_t x_block = b.image * g.x_n + b.p.group * g.cin_g * g.x_c;
    x_valid = 0;
    TCONV_UNROLL
    for (int k = 0; k < K::SLOTS; ++k) {
      const int32_t f = tid + k * K::THREADS; /* the run */
      const int32_t pr = f / (K::COLS / 4), col = f % (K::COLS / 4) * 4;
      const int32_t plane = pr / b.plane_rows, row = pr - plane * b.plane_rows;
      const int64_t xp = t0 + plane * a.t_cstep[0], xr = b.row_lo + row, xc = b.col_lo + col;
      const bool row_ok = f < K::RUNS && plane < b.p.taps[0] && xp >= 0 && xp < g.dim[0].in &&
                          xr >= 0 && xr < g.dim[1].in;
      /* 16-byte copies: xc is a multiple of 4 and so is the row length: all 4 or none */
      TCONV_UNROLL
      for (int j = 0; j < (K::VEC ? 1 : 4); ++j)
        x_valid |= (uint32_t)(row_ok && xc + j >= 0 && xc + j < g.dim[2].in)
                   << (K::VEC ? k : 4 * k + j);
      s.x_off[k / 4][tid][k % 4] =
          row_ok ? (int32_t)(x_block + xp * g.x_s[0] + xr * g.x_s[1] + xc) : 0;
    }
    w_valid = 0;
    TCONV_UNROLL
    for (int k = 0; k < K::W_SLOTS; ++k) {
      const int32_t f = tid + k * K::THREADS;
      const int32_t n = f % K::BN, e = f / K::BN % K::TAPS_X, rr = f / (K::BN * K::TAPS_X);
      const bool ok = rr < b.tap_rows && e < b.p.taps[2] && n < g.cout_g;
      int64_t off = 0;
      if (ok) {
        int64_t dt[3], xoff, woff;
        const int32_t c2 = g.transposed ? b.p.taps[2] - 1 - e : e;
        igemm::tap_entry(a, b.p, rr * b.p.taps[2] + c2, dt, &xoff, &woff);
        off = b.p.group * g.w_group + woff + n * g.w_cout;
      }
      w_valid |= (uint32_t)ok << k;
      w_off[k] = (int32_t)off;
    }
    w_dst = tid + tid / (K::TAPS_X * K::BN) * (K::E - K::TAPS_X) * K::BN + b.e_lo * K::BN;
    for (int32_t rr = tid; rr < b.tap_rows; rr += K::THREADS) {
      const int32_t c0 = rr / b.p.taps[1], c1 = rr - c0 * b.p.taps[1];
      const int64_t row =
          c0 * b.plane_rows + c1 * a.t_cstep[1] - low_reach(b.p.taps[1], a.t_cstep[1]);
      s.row[rr] = (int32_t)(row * K::COLS);
    }
    TCONV_UNROLL
    for (int p = 0; p < K::TW; ++p)
      TCONV_UNROLL
    for (int n = 0; n < K::BN; ++n)
      acc[p][n] = 0.0f;
  }

  /* This thread's copies of the next chunk (channels c .. c + CK - 1) into `stage`. */
  template <class Ex>
  IGEMM_HD void issue(Ex &ex, const tconv_patch_args &pa, S &s, int stage, const float *x,
                      const float *w) {
    const tconv_geom &g = pa.a.g;
    const int32_t cin_g = (int32_t)g.cin_g;
    TCONV_UNROLL
    for (int ci = 0; ci < K::CK; ++ci) {
      /* channels past Cin/g copy zeros */
      const uint32_t mask = c + ci < cin_g ? x_valid : 0u, w_mask = c + ci < cin_g ? w_valid : 0u;
      const float *xc = igemm::at(x, (int32_t)((c + ci) * g.x_c));
      float *dst = &s.x[stage][ci][tid * 4];
      TCONV_UNROLL
      for (int q = 0; q < (K::SLOTS + 3) / 4; ++q) {
        int32_t off[4];
        igemm::vload<4>(s.x_off[q][tid], off);
        TCONV_UNROLL
        for (int j = 0; j < 4 && 4 * q + j < K::SLOTS; ++j) {
          const int k = 4 * q + j;
          if (!K::SLOTS_EXACT && k + 1 == K::SLOTS && tid + k * K::THREADS >= K::RUNS)
            continue; /* past the patch */
          const float *src = igemm::at(xc, off[j]);
          float *d = dst + k * K::THREADS * 4;
          if constexpr (K::VEC) {
            ex.template copy_v<4>(*this, d, src, (mask >> k & 1) != 0);
          } else {
            TCONV_UNROLL
            for (int e = 0; e < 4; ++e)
              ex.template copy_v<1>(*this, d + e, src + e, (mask >> (4 * k + e) & 1) != 0);
          }
        }
      }
      const float *wc = igemm::at(w, (int32_t)((c + ci) * g.w_cin));
      float *wd = &s.w[stage][ci][0][0][0] + w_dst;
      TCONV_UNROLL
      for (int k = 0; k < K::W_SLOTS; ++k)
        ex.template copy_v<1>(*this, wd + k * K::W_DST_STEP, igemm::at(wc, w_off[k]),
                              (w_mask >> k & 1) != 0);
    }
    c += K::CK;
  }

  /* acc += the chunk in `stage`. */
  IGEMM_HD void compute(const Block &b, const S &s, int stage) {
    TCONV_UNROLL
    for (int ci = 0; ci < K::CK; ++ci) {
      const float *px = &s.x[stage][ci][base];
      for (int32_t rr = 0; rr < b.tap_rows; ++rr) {
        float win[K::WIN];
        const float *src = px + s.row[rr];
        TCONV_UNROLL
        for (int i = 0; i < K::WIN; i += 4)
          igemm::vload<4>(src + i, win + i);
        TCONV_UNROLL
        for (int e = 0; e < K::E; ++e) {
          if (e < b.e_lo || e >= b.e_hi)
            continue;
          float wv[K::BN];
          TCONV_UNROLL
          for (int n = 0; n < K::BN; n += 4)
            igemm::vload<4>(&s.w[stage][ci][rr][e][n], wv + n);
          TCONV_UNROLL
          for (int p = 0; p < K::TW; ++p)
            TCONV_UNROLL
          for (int n = 0; n < K::BN; ++n)
            acc[p][n] = fmaf(win[p + e], wv[n], acc[p][n]);
        }
      }
    }
  }

  /* The thread's outputs: bias, activation, to y. */
  template <int ACT>
  IGEMM_HD void store(const tconv_patch_args &pa, const Block &b, const float *bias,
                      float *y) const {
    const tconv_igemm_args &a = pa.a;
    const tconv_geom &g = a.g;
    const int64_t qy = b.y0 + tid / K::TX, qx0 = b.x0 + tid % K::TX * K::TW;
    if (qy >= b.qn1)
      return;
    int64_t o[3];
    const int64_t q[3] = {b.q0, qy, qx0};
    TCONV_UNROLL
    for (int d = 0; d < 3; ++d)
      o[d] = (g.transposed ? b.p.r[d] : 0) + q[d] * a.o_step[d];
    const int64_t row = b.image * g.y_n + b.p.group * g.cout_g * g.y_c + o[0] * g.y_s[0] +
                        o[1] * g.y_s[1] + o[2] * g.y_s[2];
    const float *bias_g = bias != nullptr ? bias + b.p.group * g.cout_g : nullptr;
    TCONV_UNROLL
    for (int n = 0; n < K::BN; ++n) {
      if (n >= g.cout_g)
        break;
      const float bn = bias_g != nullptr ? TCONV_LOAD(bias_g + n) : 0.0f;
      TCONV_UNROLL
      for (int p = 0; p < K::TW; ++p) {
        if (qx0 + p >= b.qn2)
          break;
        const float sum = bias_g != nullptr ? acc[p][n] + bn : acc[p][n];
        y[row + n * g.y_c + p * a.o_step[2] * g.y_s[2]] =
            tconv_activation_apply(ACT, g.alpha, g.beta, sum);
      }
    }
  }
};

/* What one block does, written once for both executors (the tiled kernel's executor
 * contract, cuda/igemm.cuh's main_loop, with copy_v<V> for copies of V floats), the
 * activation a template parameter. */
template <class K, int ACT, class Ex>
IGEMM_HD void block_act(Ex &ex, const tconv_patch_args &pa, const Block &b, const float *x,
                        const float *w, const float *bias, float *y) {
  typedef Thread<K> Th;
  typedef Smem<K> S;
  ex.each([&](Th &t, S &s) { t.init(pa, b, ex.thread_index(t), s); });
  ex.sync(); /* the tap rows' table is complete */
  igemm::k_loop<Th, S>(
      ex, b.chunks, [&](Th &t, S &s, int stage) { t.issue(ex, pa, s, stage, x, w); },
      [&](Th &t, const S &s, int stage) { t.compute(b, s, stage); });
  ex.each([&](Th &t, S &) { t.template store<ACT>(pa, b, bias, y); });
  ex.sync();
}

template <class K, class Ex>
IGEMM_HD void block(Ex &ex, const tconv_patch_args &pa, const Block &b, const float *x,
                    const float *w, const float *bias, float *y) {
  igemm::with_activation(pa.a.g.activation, [&](auto act) {
    block_act<K, decltype(act)::value>(ex, pa, b, x, w, bias, y);
  });
}

} /* namespace igemm_patch */

#endif /* TCONV_CUDA_IGEMM_PATCH_CUH */
