/*
 * mma_frag.cuh - warp-level tensor-core fragments for the tensor-core implicit GEMM, written
 * once for the device and the host: under nvcc the index functions are __host__ __device__,
 * under a C11 compiler plain static inline functions, so the host tests run the same code
 * the kernels will.
 *
 * From the PTX ISA ("Matrix Fragments for mma.m16n8k16 with floating point type", "... for
 * mma.m16n8k8", "ldmatrix"), with g = lane >> 2 (groupID) and t = lane % 4
 * (threadID_in_group):
 *
 *   m16n8k16 .f16/.bf16, f32 accumulate        m16n8k8 .tf32, f32 accumulate
 *   A 16x16, a0..a7 (4 regs of 2 halves):      A 16x8, a0..a3 (4 regs):
 *     row g + 8*((i >> 1) & 1)                   row g + 8*(i & 1)
 *     col 2t + (i & 1) + 8*(i >> 2)              col t + 4*(i >> 1)
 *   B 16x8, b0..b3 (2 regs of 2 halves):       B 8x8, b0..b1 (2 regs):
 *     row 2t + (i & 1) + 8*(i >> 1), col g        row t + 4*i, col g
 *   C/D 16x8, c0..c3 (4 floats), both shapes: row g + 8*(i >> 1), col 2t + (i & 1)
 *
 *   ldmatrix.m8n8.x1/.x2/.x4{.trans}.b16: lanes 8j..8j+7 give the row addresses of matrix j
 *   (x1: lanes 0-7; x2: 0-15; x4: all); register j of every lane receives matrix j: lane l
 *   gets row l/4, columns 2(l%4) and 2(l%4)+1 (low half first); with .trans it gets column
 *   l/4, rows 2(l%4) and 2(l%4)+1 of the matrix as stored.
 *
 * The loaders below say, per lane, which shared-memory element feeds which register - the
 * only layout decisions a kernel makes - and the emulations run ldmatrix and mma on the host
 * from the mapping functions, for the host emulation of whole warps. tests/test_mma.c checks
 * both against tables and an mma written there independently, through a plain matrix
 * product on random matrices. The inline-asm wrappers at the end are device only; nvcc
 * compiles them for sm_90 in tests/mma_ptx.cu so ptxas checks their syntax (make mma-check).
 */
#ifndef TCONV_CUDA_MMA_FRAG_CUH
#define TCONV_CUDA_MMA_FRAG_CUH

#include "float16.cuh"

#include <stdint.h>

/* ---- the PTX fragment layouts: (lane, element i) -> (row, col) ------------------------- */

TCONV_HD void tconv_mma16816_a(int lane, int i, int *row, int *col) {
  *row = (lane >> 2) + 8 * ((i >> 1) & 1);
  *col = 2 * (lane & 3) + (i & 1) + 8 * (i >> 2);
}
TCONV_HD void tconv_mma16816_b(int lane, int i, int *row, int *col) {
  *row = 2 * (lane & 3) + (i & 1) + 8 * (i >> 1);
  *col = lane >> 2;
}
/* C and D of both shapes (f32 accumulators). */
TCONV_HD void tconv_mma_c(int lane, int i, int *row, int *col) {
  *row = (lane >> 2) + 8 * (i >> 1);
  *col = 2 * (lane & 3) + (i & 1);
}
TCONV_HD void tconv_mma1688_tf32_a(int lane, int i, int *row, int *col) {
  *row = (lane >> 2) + 8 * (i & 1);
  *col = (lane & 3) + 4 * (i >> 1);
}
TCONV_HD void tconv_mma1688_tf32_b(int lane, int i, int *row, int *col) {
  *row = (lane & 3) + 4 * i;
  *col = lane >> 2;
}

/* ---- ldmatrix ------------------------------------------------------------------------- */

/* The matrix and row whose start address lane supplies (for .x1 only lanes 0-7 count, .x2
 * lanes 0-15). */
TCONV_HD void tconv_ldmatrix_source(int lane, int *matrix, int *row) {
  *matrix = lane >> 3;
  *row = lane & 7;
}
/* The element of each matrix that half h (0: low 16 bits) of lane's register receives. */
TCONV_HD void tconv_ldmatrix_element(int lane, int h, int trans, int *row, int *col) {
  if (trans) {
    *row = 2 * (lane & 3) + h;
    *col = lane >> 2;
  } else {
    *row = lane >> 2;
    *col = 2 * (lane & 3) + h;
  }
}

/* ---- the loaders: which shared-memory element each lane points at -------------------- */

/* A (16 x 16, row-major: element (m, k) at m * lda + k) by ldmatrix.x4: matrices 0-3 are
 * rows 0-7 / 8-15 of columns 0-7, then of columns 8-15, which makes registers 0-3 exactly
 * a0a1, a2a3, a4a5, a6a7. Offset (in elements) of the row start lane supplies. */
TCONV_HD int64_t tconv_frag_a_ldsm(int lane, int64_t lda) {
  return (int64_t)((lane & 7) + 8 * ((lane >> 3) & 1)) * lda + 8 * (lane >> 4);
}
/* B (16 x 8, k x n) stored n-major (element (k, n) at n * ldb + k, as channels-last
 * weights give it) by ldmatrix.x2: matrix 0 is k 0-7, matrix 1 k 8-15; registers 0-1 are
 * b0b1, b2b3. Lanes 16-31 repeat lanes 0-15 (ignored by .x2). */
TCONV_HD int64_t tconv_frag_b_ldsm(int lane, int64_t ldb) {
  return (int64_t)(lane & 7) * ldb + 8 * ((lane >> 3) & 1);
}
/* B stored k-major (element (k, n) at k * ldb + n) by ldmatrix.x2.trans: lane l points at
 * row k = l % 16 (matrix l/8 is k 8(l/8) .. 8(l/8)+7). */
TCONV_HD int64_t tconv_frag_b_ldsm_trans(int lane, int64_t ldb) {
  return (int64_t)(lane & 15) * ldb;
}
/* TF32 has no ldmatrix (32-bit elements): register i of lane is one plain load. A (16 x 8,
 * row-major, lda), B (8 x 8, n-major, ldb). */
TCONV_HD int64_t tconv_frag_a_tf32(int lane, int i, int64_t lda) {
  int row, col;
  tconv_mma1688_tf32_a(lane, i, &row, &col);
  return (int64_t)row * lda + col;
}
TCONV_HD int64_t tconv_frag_b_tf32(int lane, int i, int64_t ldb) {
  int row, col;
  tconv_mma1688_tf32_b(lane, i, &row, &col);
  return (int64_t)col * ldb + row;
}

/* ---- host emulation of a warp ---------------------------------------------------------- */

/* ldmatrix of `num` (1, 2, 4) 8x8 matrices of 16-bit elements: lane l supplied the element
 * offset addr[l] of its row in smem; regs[l][j] receives matrix j as the ISA says. */
TCONV_HD void tconv_ldmatrix_emulate(const uint16_t *smem, const int64_t *addr, int num, int trans,
                                     uint32_t regs[32][4]) {
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < num; ++j) {
      uint32_t r = 0;
      for (int h = 0; h < 2; ++h) {
        int row, col;
        tconv_ldmatrix_element(lane, h, trans, &row, &col);
        r |= (uint32_t)smem[addr[8 * j + row] + col] << (16 * h);
      }
      regs[lane][j] = r;
    }
}

/* D = A B + C of one m16n8k16 over the warp's registers (bf16: bfloat16 operands, else
 * binary16); products are exact in float, summed in double and rounded once (the hardware's
 * order and internal rounding are not specified; results agree within the FP32 bound). */
TCONV_HD void tconv_mma16816_emulate(const uint32_t a[32][4], const uint32_t b[32][2],
                                     const float c[32][4], float d[32][4], int bf16) {
  float A[16][16], B[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 8; ++i) {
      int row, col;
      const uint16_t h = (uint16_t)(a[lane][i >> 1] >> (16 * (i & 1)));
      tconv_mma16816_a(lane, i, &row, &col);
      A[row][col] = bf16 ? tconv_bf16_to_f32(h) : tconv_f16_to_f32(h);
    }
    for (int i = 0; i < 4; ++i) {
      int row, col;
      const uint16_t h = (uint16_t)(b[lane][i >> 1] >> (16 * (i & 1)));
      tconv_mma16816_b(lane, i, &row, &col);
      B[row][col] = bf16 ? tconv_bf16_to_f32(h) : tconv_f16_to_f32(h);
    }
  }
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < 4; ++i) {
      int row, col;
      tconv_mma_c(lane, i, &row, &col);
      double acc = c[lane][i];
      for (int k = 0; k < 16; ++k)
        acc += (double)A[row][k] * (double)B[k][col];
      d[lane][i] = (float)acc;
    }
}

/* D = A B + C of one m16n8k8 on TF32 operands: the registers hold float32 bit patterns whose
 * low 13 bits the tensor cores ignore. */
TCONV_HD void tconv_mma1688_tf32_emulate(const uint32_t a[32][4], const uint32_t b[32][2],
                                         const float c[32][4], float d[32][4]) {
  float A[16][8], B[8][8];
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 4; ++i) {
      int row, col;
      tconv_mma1688_tf32_a(lane, i, &row, &col);
      A[row][col] = tconv_f32_from_bits(a[lane][i] & 0xFFFFE000u);
    }
    for (int i = 0; i < 2; ++i) {
      int row, col;
      tconv_mma1688_tf32_b(lane, i, &row, &col);
      B[row][col] = tconv_f32_from_bits(b[lane][i] & 0xFFFFE000u);
    }
  }
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < 4; ++i) {
      int row, col;
      tconv_mma_c(lane, i, &row, &col);
      double acc = c[lane][i];
      for (int k = 0; k < 8; ++k)
        acc += (double)A[row][k] * (double)B[k][col];
      d[lane][i] = (float)acc;
    }
}

/* ---- the instructions (device only; sm_80 and newer) ------------------------------------ */

#if defined(__CUDACC__) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800

static __device__ __forceinline__ uint32_t tconv_smem_address(const void *p) {
  return (uint32_t)__cvta_generic_to_shared(p);
}

static __device__ __forceinline__ void tconv_ldsm_x1(uint32_t r[1], const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n"
               : "=r"(r[0])
               : "r"(tconv_smem_address(row)));
}
static __device__ __forceinline__ void tconv_ldsm_x2(uint32_t r[2], const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(tconv_smem_address(row)));
}
static __device__ __forceinline__ void tconv_ldsm_x4(uint32_t r[4], const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(tconv_smem_address(row)));
}
static __device__ __forceinline__ void tconv_ldsm_x2_trans(uint32_t r[2], const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(tconv_smem_address(row)));
}
static __device__ __forceinline__ void tconv_ldsm_x4_trans(uint32_t r[4], const void *row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(tconv_smem_address(row)));
}

static __device__ __forceinline__ void tconv_mma16816_f16(float d[4], const uint32_t a[4],
                                                          const uint32_t b[2], const float c[4]) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, "
               "{%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]),
                 "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
static __device__ __forceinline__ void tconv_mma16816_bf16(float d[4], const uint32_t a[4],
                                                           const uint32_t b[2], const float c[4]) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, "
               "{%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]),
                 "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
static __device__ __forceinline__ void tconv_mma1688_tf32(float d[4], const uint32_t a[4],
                                                          const uint32_t b[2], const float c[4]) {
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, "
               "{%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]),
                 "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
/* float32 -> TF32 bits, to nearest with ties away (tconv_f32_to_tf32 on the host). */
static __device__ __forceinline__ uint32_t tconv_cvt_tf32(float f) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(f));
  return r;
}

#endif /* __CUDA_ARCH__ >= 800 */

#endif /* TCONV_CUDA_MMA_FRAG_CUH */
