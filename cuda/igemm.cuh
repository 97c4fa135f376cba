/*
 * igemm.cuh - the implicit-GEMM algorithm, written once for the GPU and for the host: under
 * nvcc the per-thread steps are __host__ __device__, under a host C++ compiler they are
 * plain inline functions, and tests/igemm_emu.cpp runs whole thread blocks on the CPU with
 * exactly this code (every thread's step between two barriers, thread after thread), so the
 * index math, the tiling and the double buffering are checked without a GPU.
 *
 * The problem as GEMMs. One spatial dimension (i, k, s, d, pb; o output, j tap, t input):
 *
 *   convolution   t = o*s - pb + j*d. One "phase": q = o, every tap.
 *   transposed    t = (o + pb - j*d) / s when divisible. Split the outputs by residue:
 *                 o = r + q*s (phase r in [0, s)). Then the taps that reach phase r are a
 *                 progression j = j0 + c*s' (s' = s/gcd(s, d)), and
 *                 t = q + (r + pb - j0*d)/s - c*d'   (d' = d/gcd(s, d)):
 *                 a dense stride-1 convolution with about ceil(k/s) taps, no inserted zero.
 *
 * Both are  t = t_base + q*t_qstep + c*t_cstep  and  o = o_first + q*o_step,
 * j = j_first + c*j_step, c in [0, taps), q in [0, q_count), per dimension; a phase is one
 * choice of r per dimension (s^rank phases; convolution has one). A phase where some
 * dimension has no tap still has outputs: they get the bias alone.
 *
 * Per phase and group, a GEMM  C[m][n] = sum_kk A[m][kk] B[kk][n]:
 *   m  = (image, q0, q1, q2)        M = N * prod q_count
 *   n  = output channel in the group  (Cout/g)
 *   kk = (channel in the group, tap0, tap1, tap2), taps fastest       K = Cin/g * prod taps
 *   A[m][kk] = x[image, group*Cin/g + c, t0, t1, t2] (0 when any t is outside [0, i))
 *   B[kk][n] = w[group*Cin/g + c, n, j...]   (transposed: w is (Cin, Cout/g, k...))
 *            = w[group*Cout/g + n, c, j...]   (convolution: w is (Cout, Cin/g, k...))
 *   y[image, group*Cout/g + n, o0, o1, o2] = act(C[m][n] + bias)
 *
 * A block computes a BM x BN tile of C with THREADS threads, each a TM x TN micro-tile
 * split in two halves (rows r and r + BM/2, columns c and c + BN/2) so that a warp's
 * shared-memory reads are contiguous. K advances BK at a time through two shared-memory
 * buffers: while the block multiplies one, each thread has already fetched its part of the
 * next chunk into registers and stores it into the other (one barrier per chunk). Loads are
 * laid out for coalescing: consecutive threads load consecutive rows m of A (neighbouring
 * outputs read neighbouring inputs) and consecutive kk of B (taps fastest: the convolution's
 * weights w[co, c, j...] are contiguous along kk; the transposed one's nearly so). Every
 * thread loads A for one fixed row and B at one fixed kk offset, so the row's address
 * arithmetic is done once; the kk positions advance incrementally (no division in the loop).
 * The B tile's rows are padded by 4 floats so that those column-wise stores hit distinct
 * shared-memory banks.
 * Accumulation is fmaf in a fixed order: deterministic.
 */
#ifndef TCONV_CUDA_IGEMM_CUH
#define TCONV_CUDA_IGEMM_CUH

#include "index.cuh"
#include "problem.h"

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define IGEMM_HD __host__ __device__ __forceinline__
#else
#define IGEMM_HD inline
#endif
#ifdef __CUDA_ARCH__
#define IGEMM_UNROLL _Pragma("unroll")
#else
#define IGEMM_UNROLL
#endif

namespace igemm {

/* Per spatial dimension of one phase (see the header comment). */
struct Dim {
  int64_t q_count, o_first, o_step;
  int64_t t_base, t_qstep, t_cstep;
  int64_t taps, j_first, j_step;
};

/* Everything the kernel reads, prepared on the host per phase. */
struct Args {
  int op; /* tconv_op */
  int activation;
  float alpha, beta;
  int64_t n, cin, cout, cin_g, cout_g, groups;
  int64_t in[3], out[3], k[3];
  int64_t in_spatial, out_spatial, k_spatial;
  Dim dim[3];
  int64_t q_spatial; /* prod q_count */
  int64_t taps_total;
  int64_t M, N, K; /* the GEMM of one group */
  int64_t n_tiles; /* ceil(N / BN): blockIdx.y = group * n_tiles + tile */
};

IGEMM_HD int64_t gcd64(int64_t a, int64_t b) {
  while (b != 0) {
    int64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/* Number of phases of the problem: prod s for the transposed convolution, 1 for conv. */
IGEMM_HD int64_t phase_count(const tconv_problem *p) {
  if (p->op == TCONV_OP_CONV)
    return 1;
  int64_t count = 1;
  for (int d = 0; d < 3; ++d)
    count *= p->stride[d];
  return count;
}

/* The arguments of phase `phase` (0 <= phase < phase_count; residues of the outermost
 * dimension vary slowest). Tiles of BN columns. */
IGEMM_HD Args make_args(const tconv_problem *p, int64_t phase, int64_t bn) {
  Args a;
  a.op = (int)p->op;
  a.activation = (int)p->activation;
  a.alpha = p->activation_alpha;
  a.beta = p->activation_beta;
  a.n = p->n;
  a.cin = p->cin;
  a.cout = p->cout;
  a.groups = p->groups;
  a.cin_g = p->cin / p->groups;
  a.cout_g = p->cout / p->groups;
  a.in_spatial = p->in_spatial;
  a.out_spatial = p->out_spatial;
  a.k_spatial = p->k_spatial;
  a.q_spatial = 1;
  a.taps_total = 1;
  int64_t residue[3];
  for (int d = 2; d >= 0; --d) {
    residue[d] = p->op == TCONV_OP_CONV ? 0 : phase % p->stride[d];
    if (p->op != TCONV_OP_CONV)
      phase /= p->stride[d];
  }
  for (int d = 0; d < 3; ++d) {
    a.in[d] = p->in[d];
    a.out[d] = p->out[d];
    a.k[d] = p->k[d];
    Dim &m = a.dim[d];
    const int64_t s = p->stride[d], dl = p->dilation[d], pb = p->pad_begin[d];
    if (p->op == TCONV_OP_CONV) {
      m.q_count = p->out[d];
      m.o_first = 0;
      m.o_step = 1;
      m.t_base = -pb;
      m.t_qstep = s;
      m.t_cstep = dl;
      m.taps = p->k[d];
      m.j_first = 0;
      m.j_step = 1;
    } else {
      const int64_t r = residue[d];
      m.o_first = r;
      m.o_step = s;
      m.q_count = r < p->out[d] ? (p->out[d] - r + s - 1) / s : 0;
      m.t_qstep = 1;
      const int64_t g = gcd64(s, dl), step = s / g, in_step = dl / g;
      const int64_t u = r + pb;
      m.j_step = step;
      m.t_cstep = -in_step;
      m.taps = 0;
      m.j_first = 0;
      m.t_base = 0;
      if (u % g == 0) {
        /* j*d = u (mod s)  <=>  j*d' = u/g (mod s'): j = (u/g) * inv(d') mod s'. */
        const int64_t j0 =
            tconv_mulmod((u / g) % step, tconv_mod_inverse(in_step, step), step);
        if (j0 < p->k[d]) {
          m.j_first = j0;
          m.taps = (p->k[d] - j0 + step - 1) / step;
          m.t_base = (u - j0 * dl) / s; /* exact */
        }
      }
    }
    a.q_spatial *= m.q_count;
    a.taps_total *= m.taps;
  }
  a.M = a.n * a.q_spatial;
  a.N = a.cout_g;
  a.K = a.cin_g * a.taps_total;
  a.n_tiles = (a.N + bn - 1) / bn;
  return a;
}

/* Position of one kk index, advanced incrementally. */
struct KPos {
  int c; /* channel in the group (K < 2^31: algo_igemm.c checks) */
  int tap[3];
};

IGEMM_HD KPos kpos_at(const Args &a, int64_t kk) {
  KPos p;
  const int64_t taps = a.taps_total > 0 ? a.taps_total : 1;
  const int64_t t2 = a.dim[2].taps > 0 ? a.dim[2].taps : 1;
  const int64_t t1 = a.dim[1].taps > 0 ? a.dim[1].taps : 1;
  int64_t t = kk % taps;
  p.c = (int)(kk / taps);
  p.tap[2] = (int)(t % t2);
  t /= t2;
  p.tap[1] = (int)(t % t1);
  p.tap[0] = (int)(t / t1);
  return p;
}

/* kk += step (step >= 0), carrying from the innermost tap outwards into the channel
 * (c == Cin/g means past the end). Only called when K > 0, so every tap count is >= 1. */
IGEMM_HD void kpos_advance(const Args &a, KPos &p, int step) {
  p.tap[2] += step;
  while (p.tap[2] >= a.dim[2].taps) {
    p.tap[2] -= (int)a.dim[2].taps;
    if (++p.tap[1] == a.dim[1].taps) {
      p.tap[1] = 0;
      if (++p.tap[0] == a.dim[0].taps) {
        p.tap[0] = 0;
        ++p.c;
      }
    }
  }
}

IGEMM_HD bool kpos_valid(const Args &a, const KPos &p) { return p.c < a.cin_g; }

/* One thread's fixed A row: the image's channel-0 block of x and the row's t offsets. */
struct ARow {
  int64_t x_base; /* offset of x[image, group*Cin/g, 0, 0, 0] */
  int64_t tq[3];  /* t_base + q*t_qstep */
  bool valid;
};

IGEMM_HD ARow arow_make(const Args &a, int64_t m, int64_t group) {
  ARow r;
  r.valid = m < a.M;
  if (!r.valid)
    m = 0;
  const int64_t image = m / a.q_spatial;
  int64_t q = m % a.q_spatial;
  int64_t qd[3];
  qd[2] = q % a.dim[2].q_count;
  q /= a.dim[2].q_count;
  qd[1] = q % a.dim[1].q_count;
  qd[0] = q / a.dim[1].q_count;
  r.x_base = (image * a.cin + group * a.cin_g) * a.in_spatial;
  for (int d = 0; d < 3; ++d)
    r.tq[d] = a.dim[d].t_base + qd[d] * a.dim[d].t_qstep;
  return r;
}

/* A[m][kk] for the thread's row and the position p. */
IGEMM_HD float a_load(const Args &a, const ARow &r, const KPos &p, const float *x) {
  if (!r.valid || !kpos_valid(a, p))
    return 0.0f;
  const int64_t t0 = r.tq[0] + p.tap[0] * a.dim[0].t_cstep;
  const int64_t t1 = r.tq[1] + p.tap[1] * a.dim[1].t_cstep;
  const int64_t t2 = r.tq[2] + p.tap[2] * a.dim[2].t_cstep;
  if (t0 < 0 || t0 >= a.in[0] || t1 < 0 || t1 >= a.in[1] || t2 < 0 || t2 >= a.in[2])
    return 0.0f;
  return x[r.x_base + p.c * a.in_spatial + (t0 * a.in[1] + t1) * a.in[2] + t2];
}

/* One thread's B columns: where w[.., n, ..] of channel 0 starts for its first column, and
 * the strides from one column and one channel to the next. */
struct BCols {
  int64_t w_base, n_stride, c_stride;
  int64_t n_first;
};

IGEMM_HD BCols bcols_make(const Args &a, int64_t n_first, int64_t group) {
  BCols b;
  b.n_first = n_first;
  if (a.op == TCONV_OP_CONV) { /* w[group*Cout/g + n, c, j] */
    b.n_stride = a.cin_g * a.k_spatial;
    b.c_stride = a.k_spatial;
    b.w_base = group * a.cout_g * b.n_stride;
  } else { /* w[group*Cin/g + c, n, j] */
    b.n_stride = a.k_spatial;
    b.c_stride = a.cout_g * a.k_spatial;
    b.w_base = group * a.cin_g * b.c_stride;
  }
  return b;
}

/* B[kk][n] for column n (absolute in the group) and the position p. */
IGEMM_HD float b_load(const Args &a, const BCols &b, int64_t n, const KPos &p, const float *w) {
  if (n >= a.N || !kpos_valid(a, p))
    return 0.0f;
  const int64_t j0 = a.dim[0].j_first + p.tap[0] * a.dim[0].j_step;
  const int64_t j1 = a.dim[1].j_first + p.tap[1] * a.dim[1].j_step;
  const int64_t j2 = a.dim[2].j_first + p.tap[2] * a.dim[2].j_step;
  return w[b.w_base + n * b.n_stride + p.c * b.c_stride + (j0 * a.k[1] + j1) * a.k[2] + j2];
}

/* The fused activation after the bias. */
IGEMM_HD float activate(const Args &a, float v) {
  return tconv_activation_apply(a.activation, a.alpha, a.beta, v);
}

/* Offset of y[image, group*Cout/g + 0, o...] for row m (valid m only). */
IGEMM_HD int64_t y_row_offset(const Args &a, int64_t m, int64_t group) {
  const int64_t image = m / a.q_spatial;
  int64_t q = m % a.q_spatial;
  int64_t o[3];
  o[2] = a.dim[2].o_first + (q % a.dim[2].q_count) * a.dim[2].o_step;
  q /= a.dim[2].q_count;
  o[1] = a.dim[1].o_first + (q % a.dim[1].q_count) * a.dim[1].o_step;
  o[0] = a.dim[0].o_first + (q / a.dim[1].q_count) * a.dim[0].o_step;
  return (image * a.cout + group * a.cout_g) * a.out_spatial + (o[0] * a.out[1] + o[1]) * a.out[2] +
         o[2];
}

/* One tile configuration. */
template <int BM_, int BN_, int BK_, int TM_, int TN_> struct Config {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int TX = BN / TN, TY = BM / TM; /* thread grid of the compute step */
  static constexpr int THREADS = TX * TY;
  static constexpr int A_PER_THREAD = BM * BK / THREADS; /* loads per thread per chunk */
  static constexpr int B_PER_THREAD = BN * BK / THREADS;
  static constexpr int A_KSTEP = THREADS / BM; /* kk distance between a thread's A loads */
  static constexpr int B_NSTEP = THREADS / BK; /* n distance between a thread's B loads */
  static constexpr int BN_PADDED = BN + 4;
  static_assert(THREADS % BM == 0 && THREADS % BK == 0, "a thread keeps one row and one kk");
  static_assert(A_PER_THREAD * THREADS == BM * BK && B_PER_THREAD * THREADS == BN * BK,
                "loads divide evenly");
  static_assert(TM % 2 == 0 && TN % 2 == 0, "micro-tiles split in halves");
};

/* The block's shared memory: two buffers of A (k-major) and B tiles during the K loop; the
 * same bytes then hold the C tile, a pass of C_COLS columns at a time, on its way to y; and
 * the y offset of each row of the tile (-1 past M). */
template <class C> struct Smem {
  struct Tiles {
    float a[2][C::BK][C::BM];
    float b[2][C::BK][C::BN_PADDED];
  };
  static constexpr int FLOATS = (int)(sizeof(Tiles) / sizeof(float));
  static constexpr int C_COLS = FLOATS / C::BM < C::BN ? FLOATS / C::BM : C::BN;
  static constexpr int PASSES = (C::BN + C_COLS - 1) / C_COLS;
  union {
    Tiles t;
    float c[C_COLS][C::BM]; /* column-major: a warp's stores to y follow m */
  } u;
  int64_t row_offset[C::BM];
};

/* One thread of a block: its registers and its steps between barriers. */
template <class C> struct Thread {
  int tid;
  int64_t group, m0, n0; /* the block's tile */
  ARow arow;
  BCols bcols;
  KPos apos, bpos; /* kk of the thread's first A load and of its B loads, this chunk */
  float areg[C::A_PER_THREAD], breg[C::B_PER_THREAD];
  float acc[C::TM][C::TN];

  /* Row of the micro-tile's element (i, j) inside the block tile. */
  IGEMM_HD int row(int i) const {
    return (tid / C::TX) * (C::TM / 2) + (i < C::TM / 2 ? i : i - C::TM / 2 + C::BM / 2);
  }
  IGEMM_HD int col(int j) const {
    return (tid % C::TX) * (C::TN / 2) + (j < C::TN / 2 ? j : j - C::TN / 2 + C::BN / 2);
  }

  IGEMM_HD void init(const Args &a, int thread, int64_t block_m, int64_t block_y) {
    tid = thread;
    group = block_y / a.n_tiles;
    m0 = block_m * C::BM;
    n0 = (block_y - group * a.n_tiles) * C::BN;
    arow = arow_make(a, m0 + tid % C::BM, group);
    bcols = bcols_make(a, n0 + tid / C::BK, group);
    apos = kpos_at(a, tid / C::BM);
    bpos = kpos_at(a, tid % C::BK);
    IGEMM_UNROLL
    for (int i = 0; i < C::TM; ++i)
      IGEMM_UNROLL
      for (int j = 0; j < C::TN; ++j)
        acc[i][j] = 0.0f;
  }

  /* Global -> registers: this thread's part of the current chunk; then step to the next. */
  IGEMM_HD void fetch(const Args &a, const float *x, const float *w) {
    KPos p = apos;
    IGEMM_UNROLL
    for (int i = 0; i < C::A_PER_THREAD; ++i) {
      areg[i] = a_load(a, arow, p, x);
      kpos_advance(a, p, C::A_KSTEP);
    }
    kpos_advance(a, apos, C::BK);
    IGEMM_UNROLL
    for (int i = 0; i < C::B_PER_THREAD; ++i)
      breg[i] = b_load(a, bcols, bcols.n_first + i * C::B_NSTEP, bpos, w);
    kpos_advance(a, bpos, C::BK);
  }

  /* Registers -> shared buffer `buf`. */
  IGEMM_HD void store(Smem<C> &s, int buf) const {
    IGEMM_UNROLL
    for (int i = 0; i < C::A_PER_THREAD; ++i)
      s.u.t.a[buf][tid / C::BM + i * C::A_KSTEP][tid % C::BM] = areg[i];
    IGEMM_UNROLL
    for (int i = 0; i < C::B_PER_THREAD; ++i)
      s.u.t.b[buf][tid % C::BK][tid / C::BK + i * C::B_NSTEP] = breg[i];
  }

  /* acc += the chunk in shared buffer `buf`. */
  IGEMM_HD void compute(const Smem<C> &s, int buf) {
    IGEMM_UNROLL
    for (int kk = 0; kk < C::BK; ++kk) {
      float af[C::TM], bf[C::TN];
      IGEMM_UNROLL
      for (int i = 0; i < C::TM; ++i)
        af[i] = s.u.t.a[buf][kk][row(i)];
      IGEMM_UNROLL
      for (int j = 0; j < C::TN; ++j)
        bf[j] = s.u.t.b[buf][kk][col(j)];
      IGEMM_UNROLL
      for (int i = 0; i < C::TM; ++i)
        IGEMM_UNROLL
        for (int j = 0; j < C::TN; ++j)
          acc[i][j] = fmaf(af[i], bf[j], acc[i][j]);
    }
  }

  /* The epilogue, in passes of C_COLS columns so that the writes to y coalesce: stage puts
   * this thread's acc + bias, activated, for the pass's columns into the C tile (and, in
   * the first pass, the y offset of row tid); drain writes the tile to y, consecutive
   * threads along m. A barrier follows each. */
  IGEMM_HD void stage(Smem<C> &s, const Args &a, const float *bias, int pass) const {
    if (pass == 0 && tid < C::BM) {
      const int64_t m = m0 + tid;
      s.row_offset[tid] = m < a.M ? y_row_offset(a, m, group) : -1;
    }
    const int first = pass * Smem<C>::C_COLS;
    IGEMM_UNROLL
    for (int j = 0; j < C::TN; ++j) {
      const int c = col(j) - first;
      if (c < 0 || c >= Smem<C>::C_COLS)
        continue;
      const int64_t n = n0 + col(j);
      const float b = bias != nullptr && n < a.N ? bias[group * a.cout_g + n] : 0.0f;
      IGEMM_UNROLL
      for (int i = 0; i < C::TM; ++i)
        s.u.c[c][row(i)] = activate(a, acc[i][j] + b);
    }
  }

  IGEMM_HD void drain(const Smem<C> &s, const Args &a, float *y, int pass) const {
    const int first = pass * Smem<C>::C_COLS;
    for (int e = tid; e < Smem<C>::C_COLS * C::BM; e += C::THREADS) {
      const int r = e % C::BM, c = e / C::BM;
      const int64_t n = n0 + first + c, offset = s.row_offset[r];
      if (first + c < C::BN && n < a.N && offset >= 0)
        y[offset + n * a.out_spatial] = s.u.c[c][r];
    }
  }
};

/* Chunks of K. */
IGEMM_HD int64_t chunks(const Args &a, int bk) { return (a.K + bk - 1) / bk; }

/* What one block does after its threads' init, written once for both executors: `block`
 * runs a step on each of its threads (block.each) and waits at a barrier (block.sync). On
 * the GPU a block object is one thread and sync is __syncthreads(); the host emulation's
 * runs the step on every thread in turn. Two buffers: the chunk being multiplied is read
 * from one while the next is stored into the other, so one barrier per chunk suffices. */
template <class C, class Block>
IGEMM_HD void block_program(Block &block, Smem<C> &s, const Args &a, const float *x,
                            const float *w, const float *bias, float *y) {
  const int64_t nk = chunks(a, C::BK);
  if (nk > 0) {
    block.each([&](Thread<C> &t) {
      t.fetch(a, x, w);
      t.store(s, 0);
    });
    block.sync();
    for (int64_t kc = 0; kc < nk; ++kc) {
      const int cur = (int)(kc & 1);
      const bool more = kc + 1 < nk;
      block.each([&](Thread<C> &t) {
        if (more)
          t.fetch(a, x, w);
        t.compute(s, cur);
        if (more)
          t.store(s, cur ^ 1);
      });
      block.sync();
    }
  }
  for (int pass = 0; pass < Smem<C>::PASSES; ++pass) {
    block.each([&](Thread<C> &t) { t.stage(s, a, bias, pass); });
    block.sync();
    block.each([&](Thread<C> &t) { t.drain(s, a, y, pass); });
    block.sync();
  }
}

/* The largest M over the phases (residue 0 has the most outputs in every dimension). */
inline int64_t max_rows(const tconv_problem *p) {
  int64_t m = p->n;
  for (int d = 0; d < 3; ++d)
    m *= p->op == TCONV_OP_CONV ? p->out[d] : (p->out[d] + p->stride[d] - 1) / p->stride[d];
  return m;
}

/* The tile configurations, and which one a problem gets: the widest BN that the output
 * channels of a group fill. */
typedef Config<128, 128, 8, 8, 8> ConfigL;
typedef Config<128, 64, 8, 8, 4> ConfigM;
typedef Config<64, 32, 8, 4, 2> ConfigS;
typedef Config<128, 16, 8, 8, 2> ConfigT;
enum { CONFIG_L, CONFIG_M, CONFIG_S, CONFIG_T, CONFIG_COUNT };

inline int choose_config(const tconv_problem *p) {
  const int64_t n = p->cout / p->groups;
  return n >= 128 ? CONFIG_L : n >= 64 ? CONFIG_M : n >= 32 ? CONFIG_S : CONFIG_T;
}

/* Grid of configuration C: x over M tiles, y over groups x N tiles, z over phases. */
template <class C> inline void grid_of(const tconv_problem *p, int64_t grid[3]) {
  grid[0] = (max_rows(p) + C::BM - 1) / C::BM;
  grid[1] = p->groups * ((p->cout / p->groups + C::BN - 1) / C::BN);
  grid[2] = phase_count(p);
}

} /* namespace igemm */

#endif /* TCONV_CUDA_IGEMM_CUH */
