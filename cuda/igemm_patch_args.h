/*
 * igemm_patch_args.h - the launch of the implicit GEMM's narrow-output "patch" kernel
 * (cuda/igemm_patch.cuh), in plain C: its configurations, the boxes of output positions its
 * blocks take, and whether a problem fits it. host/algo_igemm_patch.c computes them; the
 * kernels and the host emulation (tests/igemm_patch_emu.cpp) read them.
 *
 * Why a second kernel: with Cout/g <= 8 the tiled kernel's element of A feeds only BN FFMAs
 * and costs a 4-byte copy and a predicate, which bounds its FFMA share below 59 % (BN = 4)
 * or 70 % (BN = 8) (cuda/igemm.cuh). The patch kernel copies each input element of a box
 * into shared memory once per block, and every one then feeds Cout x taps FFMAs from
 * registers.
 *
 * A block: one output phase (tconv_igemm_args: residues, taps, t_base, steps), one image, one
 * group, all BN output channels of the group (Cout/g <= BN, padded), a box of BOX_Y x BOX_X
 * phase positions along the two innermost dimensions (rank 3: one position along the
 * outermost). The K loop runs over the group's input channels, CK per chunk; a chunk stages
 * the x patch the box reads for those channels (every tap row's planes and rows, BOX_X +
 * taps - 1 columns, zeros outside the input) and the phase's weights for them.
 *
 * The patch kernel takes problems where a step of q along the innermost dimension is one
 * element of x and consecutive taps there are one element apart (transposed: d/gcd(s, d) = 1
 * there; convolution: stride 1 and dilation 1 there), with at most TAPS_X taps along it, at
 * most TAP_ROWS taps over the outer dimensions, a patch of at most ROWS rows (planes x rows),
 * Cout/g <= BN and 32-bit offsets (tconv_patch_fits). VEC copies 16 bytes at a time and
 * needs rows of x that start on 16 bytes (a multiple of 4 elements along the innermost
 * dimension; x itself 16-byte aligned, which the launcher checks).
 */
#ifndef TCONV_CUDA_IGEMM_PATCH_ARGS_H
#define TCONV_CUDA_IGEMM_PATCH_ARGS_H

#include "igemm_args.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCONV_PATCH_THREADS 64
#define TCONV_PATCH_CK 2         /* input channels per K chunk */
#define TCONV_PATCH_TAPS_X 4     /* the most taps along the innermost dimension */
#define TCONV_PATCH_TAP_ROWS 8   /* the most taps over the outer dimensions (taps0 x taps1) */
#define TCONV_PATCH_BOX_X 32     /* positions along the innermost dimension per block */
#define TCONV_PATCH_MIN_BLOCKS 8 /* resident blocks per SM (16 warps) the kernels are built for */

/* The configurations: X(id, BN, TW): BN output channels, each thread TW consecutive
 * positions along the innermost dimension of one box row (TW x BN accumulators). */
#define TCONV_PATCH_CONFIGS(X)                                                                     \
  X(0, 4, 16)                                                                                      \
  X(1, 8, 8)
#define TCONV_PATCH_CONFIG_COUNT 2

typedef struct tconv_patch_config {
  int bn, tw;
  int box_y, box_x; /* the box: rows of threads x positions along a row */
  int rows;         /* patch rows (planes x rows) a stage holds per channel */
} tconv_patch_config;

/* Configuration `id`: threads per box row BOX_X / TW, box rows THREADS / that, patch rows
 * the box's plus 2 (taps up to 3 along the second innermost dimension at stride 1). */
static inline tconv_patch_config tconv_patch_config_of(int id) {
  static const int bn[TCONV_PATCH_CONFIG_COUNT] = {
#define TCONV_PATCH_BN(id, b, tw) b,
      TCONV_PATCH_CONFIGS(TCONV_PATCH_BN)
#undef TCONV_PATCH_BN
  };
  static const int tw[TCONV_PATCH_CONFIG_COUNT] = {
#define TCONV_PATCH_TW(id, b, t) t,
      TCONV_PATCH_CONFIGS(TCONV_PATCH_TW)
#undef TCONV_PATCH_TW
  };
  tconv_patch_config c;
  c.bn = bn[id];
  c.tw = tw[id];
  c.box_x = TCONV_PATCH_BOX_X;
  c.box_y = TCONV_PATCH_THREADS / (TCONV_PATCH_BOX_X / c.tw);
  c.rows = c.box_y + 2;
  return c;
}

/* Everything the kernel reads. */
typedef struct tconv_patch_args {
  tconv_igemm_args a; /* the phases (made for the tile of BN columns, mask gather, 32-bit
                         offsets, no split: a.n_tiles is 1) */
  int config, vec;    /* vec: 16-byte copies */
  int64_t boxes[3];   /* per image, of the largest phase: positions along dimension 0, boxes
                         along 1 and 2 */
  int64_t blocks;     /* grid.x: images x boxes (grid.y: groups, grid.z: phases) */
} tconv_patch_args;

/* The arguments of the patch kernel in configuration `config` for a problem igemm takes. */
void tconv_patch_args_make(const tconv_problem *problem, int config, int vec,
                           tconv_patch_args *args);

/* 1 when the patch kernel computes `args`' launch; else 0 and a sentence in why. */
int tconv_patch_fits(const tconv_problem *problem, const tconv_patch_args *args, char *why,
                     size_t why_size);

/* The kernel's name: "igemm_patch_<BN>_<x1|x4>" (x4: 16-byte copies). */
const char *tconv_patch_kernel_name(int config, int vec);

/* Launches the patch kernel of (config, vec) on ctx's stream (cuda/igemm_patch.cu), for a
 * problem it fits; vec only with x on 16 bytes. Like every launcher it runs after dispatch's
 * opening (host/dispatch.c, run_algo: a non-empty output, ctx's device current). Not called
 * yet: tconv_igemm_choose does not pick the patch kernel. */
tconv_status tconv_cuda_igemm_patch(tconv_context *ctx, const tconv_problem *problem, int config,
                                    int vec, const float *x, const float *w, const float *bias,
                                    float *y);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_IGEMM_PATCH_ARGS_H */
