/*
 * igemm_args.h - the implicit-GEMM algorithm's launch, in plain C: its tile configurations,
 * the choice of configuration, gather, offset width and K split for a problem, and the
 * kernel arguments (the phases prepared on the host). host/algo_igemm.c computes them,
 * cuda/igemm.cu launches exactly that, and cuda/igemm.cuh (the kernels, and the host
 * emulation) reads it, so the launch plan, the launcher and the emulation cannot disagree.
 *
 * The problem as GEMMs (cuda/igemm.cuh has the full derivation). Per spatial dimension a
 * transposed convolution splits its outputs by residue r = o mod s into s phases; phase r
 * of a dimension is a dense stride-1 convolution:
 *   o = r + q*s,  t = t_base(r) + q - c*d',  j = j_first(r) + c*s',  c in [0, taps(r))
 * (s' = s/gcd(s, d), d' = d/gcd(s, d)); a convolution is one phase: o = q,
 * t = q*s - pb + j*d, every tap. A phase is one residue per dimension; per phase and group,
 *   C[m][n] = Σ_kk A[m][kk] B[kk][n],  m = (image, q0, q1, q2),  n = output channel in the
 *   group,  kk = (input channel in the group, tap0, tap1, tap2), taps fastest.
 */
#ifndef TCONV_CUDA_IGEMM_ARGS_H
#define TCONV_CUDA_IGEMM_ARGS_H

#include "geometry.cuh"

#ifdef __cplusplus
extern "C" {
#endif

#define TCONV_IGEMM_STAGES 2     /* cp.async double buffering: the next chunk in flight */
#define TCONV_IGEMM_MASK_TAPS 64 /* phases with up to this many taps: per-row tap masks */
#define TCONV_IGEMM_MASK_WORDS (TCONV_IGEMM_MASK_TAPS / 32)
#define TCONV_IGEMM_MAX_TAPS 512     /* the generic gather's tap table in shared memory */
#define TCONV_IGEMM_MAX_RESIDUES 128 /* Σ strides of a transposed problem (phases per dim) */
#define TCONV_IGEMM_MAX_SPLIT 8      /* K split across a cluster of blocks (portable size) */
#define TCONV_IGEMM_POSITION_LIMIT ((int64_t)1 << 30) /* generic gather: |t| in int32 */
/* The device the plan is made for (H100 SXM, H200: 132 SMs). The choice is a function of
 * the problem alone, so results are the same bits on every GPU model. */
#define TCONV_IGEMM_PLAN_SMS 132
#define TCONV_IGEMM_WARPS_PER_SM 16 /* the occupancy every configuration is built for */

/* The tile configurations: X(id, BM, BN, BK, TM, TN, THREADS). A block computes a BM x BN
 * tile of C, BK of K per pipeline stage; each thread a TM x TN micro-tile. */
#define TCONV_IGEMM_CONFIGS(X)                                                                     \
  X(0, 128, 128, 8, 8, 8, 256)                                                                     \
  X(1, 128, 64, 8, 8, 8, 128)                                                                      \
  X(2, 128, 32, 8, 8, 8, 64)                                                                       \
  X(3, 128, 16, 8, 8, 4, 64)                                                                       \
  X(4, 128, 8, 8, 8, 2, 64)                                                                        \
  X(5, 128, 4, 8, 8, 2, 32)
#define TCONV_IGEMM_CONFIG_COUNT 6

/* Gathers: MASK, per-row tap masks (phases of at most MASK_TAPS taps); GENERIC, bounds
 * checked per element; STRIP, the mask gather with each thread's rows in strips of 4
 * consecutive output positions, whose inputs are 4 consecutive elements of x (one address a
 * strip) and whose masks are one per strip, 4 bits a tap (phases of at most STRIP_TAPS taps:
 * tconv_igemm_strips_fit). */
enum { TCONV_IGEMM_MASK, TCONV_IGEMM_GENERIC, TCONV_IGEMM_STRIP };
#define TCONV_IGEMM_GATHERS 3
#define TCONV_IGEMM_STRIP_ROWS 4
#define TCONV_IGEMM_STRIP_TAPS 16
#define TCONV_IGEMM_STRIP_WORDS (TCONV_IGEMM_STRIP_TAPS * TCONV_IGEMM_STRIP_ROWS / 32)

typedef struct tconv_igemm_config {
  int bm, bn, bk, tm, tn, threads;
} tconv_igemm_config;

/* Configuration `id` (0 <= id < TCONV_IGEMM_CONFIG_COUNT). */
tconv_igemm_config tconv_igemm_config_of(int id);

/* How one problem is launched. */
typedef struct tconv_igemm_choice {
  int config; /* 0 .. TCONV_IGEMM_CONFIG_COUNT - 1 */
  int gather; /* MASK or STRIP: every phase has <= MASK_TAPS taps; GENERIC: bounds checked
                 per element */
  int wide;   /* 64-bit offsets (tconv_igemm_needs_wide) */
  int split;  /* K split: 1 to TCONV_IGEMM_MAX_SPLIT blocks (a cluster) per output tile */
} tconv_igemm_choice;

/* One residue of one dimension (transposed; the convolution has one per dimension). */
typedef struct tconv_igemm_residue {
  int64_t t_base;  /* input position of q = 0, tap 0 */
  int32_t taps;    /* contributing taps (0: the phase's outputs get the bias alone) */
  int32_t j_first; /* kernel index of tap 0 */
} tconv_igemm_residue;

/* Everything the kernel reads, made once on the host.
 *
 * Launch order: the hardware starts blocks roughly in blockIdx order (x fastest, z last), so
 * the phases (blockIdx.z) are laid out with the most taps first: along each dimension the
 * residues go in order[] (most taps first, ties by residue), and phase z is the mixed-radix
 * number of those positions, dimension 0 most significant. The busiest blocks then start
 * first and the light ones fill in behind them. */
typedef struct tconv_igemm_args {
  tconv_geom g;
  tconv_igemm_choice choice;
  int64_t m_tiles;                    /* M tiles of the largest phase (grid.x = m_tiles * split) */
  int64_t n_tiles;                    /* N tiles per group (grid.y = groups * n_tiles) */
  int64_t phases;                     /* grid.z */
  int32_t residues[TCONV_GEOM_DIMS];  /* phases along each dimension */
  int32_t res_first[TCONV_GEOM_DIMS]; /* where each dimension's residues start in res, order */
  uint8_t order[TCONV_IGEMM_MAX_RESIDUES]; /* launch position -> residue, per dimension */
  int64_t t_qstep[TCONV_GEOM_DIMS];        /* t per step of q */
  int64_t t_cstep[TCONV_GEOM_DIMS];        /* t per tap */
  int64_t o_step[TCONV_GEOM_DIMS];         /* o per step of q */
  int64_t j_step[TCONV_GEOM_DIMS];         /* kernel index per tap */
  /* q_count of residue r is q_count[d][0] for r < q_split[d], q_count[d][1] after. */
  int64_t q_count[TCONV_GEOM_DIMS][2];
  int32_t q_split[TCONV_GEOM_DIMS];
  tconv_divider q_div[TCONV_GEOM_DIMS][2];
  tconv_igemm_residue res[TCONV_IGEMM_MAX_RESIDUES];
} tconv_igemm_args;

/* The choice for a problem igemm takes (tconv_igemm_supports): the configuration that wastes
 * the fewest output-channel columns and, with the K split, fills the reference GPU's waves
 * best (cost model in host/algo_igemm.c); the gather and offset width the problem needs. */
tconv_igemm_choice tconv_igemm_choose(const tconv_problem *problem);
/* Whether the build has the kernel of (config, gather, wide) (cuda/igemm.cu's list): the mask
 * gather in every configuration, with 64-bit offsets in configurations 0 and 1 (the narrower
 * tiles' 64-bit address math would not stay in registers); the generic gather in
 * configuration 0 with 32-bit offsets (with 64 its tables would not fit in the 48 KB of
 * static shared memory; tconv_igemm_supports refuses those problems); the strip gather in
 * the three narrowest configurations with 32-bit offsets (the tiles whose loads, not their
 * FFMAs, fill the K loop). */
static inline int tconv_igemm_available(int config, int gather, int wide) {
  if (gather == TCONV_IGEMM_GENERIC)
    return config == 0 && !wide;
  if (gather == TCONV_IGEMM_STRIP)
    return config >= 3 && config < TCONV_IGEMM_CONFIG_COUNT && !wide;
  return !wide || config <= 1;
}

/* The gather and width a problem needs (whatever the configuration). */
int tconv_igemm_needs_generic(const tconv_problem *problem);
int tconv_igemm_needs_wide(const tconv_problem *problem);

/* Whether the strip gather computes a launch with these arguments: the rows of every phase
 * come in whole strips (rows per image and line of output positions along the innermost
 * dimension a multiple of TCONV_IGEMM_STRIP_ROWS), a step of q along that dimension is a
 * step of one element of x (transposed convolution: every phase; convolution: stride 1),
 * and no phase has more than TCONV_IGEMM_STRIP_TAPS taps. */
int tconv_igemm_strips_fit(const tconv_igemm_args *args);

/* The arguments of a launch with `choice` (any valid choice: the emulation tests others). */
void tconv_igemm_args_make(const tconv_problem *problem, const tconv_igemm_choice *choice,
                           tconv_igemm_args *args);

/* The kernel's name: "igemm_<BM>x<BN>_<mask|generic>_<i32|i64>". */
const char *tconv_igemm_kernel_name(const tconv_igemm_choice *choice);

/* What one launch computes: blocks that run (not the early exits past a phase's M), the
 * K chunks of the busiest block, the multiply-adds issued (tile padding included), and the
 * blocks in launch order as runs of alike blocks: run_blocks[i] blocks of run_chunks[i] K
 * chunks each (a split's blocks counted at their cluster's busiest, since the cluster's
 * epilogue waits for it), adjacent phases of equal chunks merged. Past
 * TCONV_IGEMM_WORK_RUNS runs, the last one takes the rest at their most chunks. */
#define TCONV_IGEMM_WORK_RUNS 32 /* = TCONV_PLAN_RUNS (host/algos.h) */
typedef struct tconv_igemm_work {
  int64_t blocks, max_chunks, macs;
  int runs;
  int64_t run_blocks[TCONV_IGEMM_WORK_RUNS], run_chunks[TCONV_IGEMM_WORK_RUNS];
} tconv_igemm_work;
tconv_igemm_work tconv_igemm_work_of(const tconv_igemm_args *args);
/* The same for tiles of bm x bn output elements and K chunks of bk, K split `split` ways, on
 * args' phases (the tensor-core kernel's tiles are its own). */
tconv_igemm_work tconv_igemm_work_tiled(const tconv_igemm_args *args, int bm, int bn, int bk,
                                        int64_t split);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_IGEMM_ARGS_H */
