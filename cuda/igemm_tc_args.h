/*
 * igemm_tc_args.h - the tensor-core implicit GEMM's launch, in plain C: its tile
 * configurations, element types and operand loaders, the choice for a problem, and the kernel
 * arguments. host/algo_igemm_tc.c computes them, cuda/igemm_tc.cu launches exactly that, and
 * cuda/igemm_tc.cuh (the kernels, and tests/igemm_tc_emu.cpp's host emulation) reads them.
 *
 * The GEMMs are the FP32 implicit GEMM's (cuda/igemm_args.h: per output phase and group,
 * C[m][n] = Σ_kk A[m][kk] B[kk][n]), with the same host-made phase tables
 * (tconv_igemm_args_make) and geometry (with the tensors' own layouts), except that the
 * reduction index runs channels fastest, kk = tap * Cin/g + c: in channels-last tensors
 * those are contiguous, so a stage of K is a run of 16-byte vectors.
 *
 * Element types: float16 and bfloat16 tensors multiply on mma.m16n8k16, float32 tensors under
 * TF32 math on mma.m16n8k8 (each operand rounded to TF32 first); accumulation is FP32.
 *
 * Operand loaders (the path), chosen per problem and per call:
 *   KVEC  x and w channels-last, Cin/g a multiple of the vector (8 halves, 4 floats), 16-byte
 *         aligned tensors, convolution: A and B by 16-byte cp.async along K (w is (Cout, k...,
 *         Cin/g): B stored n-major, read by ldmatrix)
 *   NVEC  the same for the transposed op, whose channels-last w is (Cin, k..., Cout/g): B by
 *         16-byte cp.async along N (Cout/g a multiple of the vector too), stored k-major, read
 *         by ldmatrix.trans (TF32: by 32-bit loads)
 *   ELEM  everything else (channels-first or mixed layouts, odd channel counts, unaligned
 *         tensors): element loads through registers into the KVEC shared-memory layout
 */
#ifndef TCONV_CUDA_IGEMM_TC_ARGS_H
#define TCONV_CUDA_IGEMM_TC_ARGS_H

#include "igemm_args.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCONV_TC_STAGES 4     /* cp.async pipeline depth: three stages in flight */
#define TCONV_TC_MAX_TAPS 64  /* taps per output phase: each A row's tap mask is 64-bit */
#define TCONV_TC_ROW_BYTES 64 /* bytes of K per A (and n-major B) row of a stage */

enum { TCONV_TC_F16, TCONV_TC_BF16, TCONV_TC_TF32 }; /* element types */
#define TCONV_TC_TYPES 3
enum { TCONV_TC_KVEC, TCONV_TC_NVEC, TCONV_TC_ELEM }; /* loaders */
#define TCONV_TC_PATHS 3

/* Deliberate bugs the kernel code can be built with, for the host emulation's mutation test
 * (tests/test_igemm_tc.c) and nothing else: every kernel of the library is built without. */
enum {
  TCONV_TC_MUTANT_NONE,
  TCONV_TC_MUTANT_FRAGMENT_ORDER, /* the two n8 B tiles of an ldmatrix.x4 swapped */
  TCONV_TC_MUTANT_SWIZZLE,        /* A fragments read from unswizzled addresses */
  TCONV_TC_MUTANT_STAGE,          /* the multiply reads the next chunk's stage */
  TCONV_TC_MUTANT_WAIT,           /* one cp.async group too few waited for */
  TCONV_TC_MUTANT_TAP_MASK,       /* an A row's tap mask tested at the next tap */
  TCONV_TC_MUTANT_TF32_ROUNDING,  /* TF32 operands not rounded (the tensor cores truncate) */
  TCONV_TC_MUTANT_COUNT
};

/* The tile configurations: X(id, BM, BN, WM, WN). A block computes a BM x BN tile of C with
 * (BM / WM) x (BN / WN) warps, each a WM x WN tile of mma fragments. */
#define TCONV_TC_CONFIGS(X)                                                                        \
  X(0, 128, 128, 64, 64)                                                                           \
  X(1, 128, 64, 64, 32)                                                                            \
  X(2, 64, 64, 32, 32)
#define TCONV_TC_CONFIG_COUNT 3

typedef struct tconv_tc_config {
  int bm, bn, wm, wn, threads;
} tconv_tc_config;

/* Configuration `id` (0 <= id < TCONV_TC_CONFIG_COUNT). */
tconv_tc_config tconv_tc_config_of(int id);

/* How one problem is launched. */
typedef struct tconv_tc_choice {
  int config; /* 0 .. TCONV_TC_CONFIG_COUNT - 1 */
  int type;   /* TCONV_TC_F16, _BF16, _TF32 */
  int path;   /* TCONV_TC_KVEC, _NVEC, _ELEM */
} tconv_tc_choice;

/* Everything the kernel reads, made once on the host: the FP32 implicit GEMM's phase tables
 * and geometry (base; its choice, K split and tiles are this kernel's: split 1, tiles of the
 * configuration), and the choice. */
typedef struct tconv_tc_args {
  tconv_igemm_args base;
  tconv_tc_choice choice;
} tconv_tc_args;

/* The element type of a problem the tensor-core kernel takes (float32 tensors: TF32). */
int tconv_tc_type_of(const tconv_problem *problem);
/* The loader for the problem's layouts and channel counts, for tensors whose addresses are
 * 16-byte aligned (aligned = 1) or not. */
int tconv_tc_path_of(const tconv_problem *problem, int aligned);
/* The choice for a problem tconv_igemm_tc_supports takes, x and w 16-byte aligned or not:
 * the configuration that fills the reference GPU best for the tile's waste of output
 * channels and positions (host/algo_igemm_tc.c), the loader tconv_tc_path_of gives. */
tconv_tc_choice tconv_tc_choose(const tconv_problem *problem, int aligned);
/* The arguments of a launch with `choice` (any valid choice: the emulation tests others). */
void tconv_tc_args_make(const tconv_problem *problem, const tconv_tc_choice *choice,
                        tconv_tc_args *args);
/* Dynamic shared memory of a configuration's kernels (the stages, the tap table). */
int tconv_tc_smem_bytes(int config);
/* Resident blocks per SM a configuration's kernels are built for (their launch bounds). */
int tconv_tc_resident(int config);
/* The kernel's name: "igemm_tc_<f16|bf16|tf32>_<BM>x<BN>_<kvec|nvec|elem>". */
const char *tconv_tc_kernel_name(const tconv_tc_choice *choice);
/* What one launch computes (blocks that run, K chunks of the busiest, multiply-adds issued). */
tconv_igemm_work tconv_tc_work_of(const tconv_tc_args *args);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_CUDA_IGEMM_TC_ARGS_H */
