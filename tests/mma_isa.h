/*
 * mma_isa.h - the test side's own model of the tensor-core instructions, written from the
 * PTX ISA's text ("Matrix Fragments for mma.m16n8k16 with floating point type", "... for
 * mma.m16n8k8", "ldmatrix") in the ISA's case-by-case form. It shares nothing with
 * cuda/mma_frag.cuh but the conversions of cuda/float16.cuh, so that a layout assumption the
 * kernels make cannot hide in both places: tests/test_mma.c checks the header against it, and
 * tests/igemm_tc_emu.cpp runs the tensor-core implicit GEMM's warps on it.
 */
#ifndef TCONV_TEST_MMA_ISA_H
#define TCONV_TEST_MMA_ISA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* (lane, element i) -> (row, col) of each fragment, with g = lane / 4 and t = lane % 4. */
void isa_a16816(int lane, int i, int *row, int *col);
void isa_b16816(int lane, int i, int *row, int *col);
void isa_c(int lane, int i, int *row, int *col); /* C and D of both shapes */
void isa_a1688_tf32(int lane, int i, int *row, int *col);
void isa_b1688_tf32(int lane, int i, int *row, int *col);

/* ldmatrix.m8n8.x<num>{.trans}.b16: threads 8j..8j+7 hold the row addresses of matrix j
 * (element offsets into smem, 16-bit elements); "a group of four consecutive threads loads an
 * entire row", thread 0 the first fragment; .trans delivers the matrix as if stored
 * column-major. regs[lane][j] receives matrix j. */
void isa_ldmatrix(const uint16_t *smem, const int64_t *addr, int num, int trans,
                  uint32_t regs[32][4]);

/* d = A B + c of one m16n8k16 (bf16: bfloat16 operands, else binary16) on the registers,
 * c and d as 16 x 8 matrices; products summed in double, rounded once to float. */
void isa_mma16816(const uint32_t a[32][4], const uint32_t b[32][2], const float c[16][8], int bf16,
                  float d[16][8]);
/* The same for m16n8k8 .tf32: the operands are float32 bit patterns whose low 13 bits the
 * tensor cores do not read (taken as zero here). */
void isa_mma1688_tf32(const uint32_t a[32][4], const uint32_t b[32][2], const float c[16][8],
                      float d[16][8]);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_TEST_MMA_ISA_H */
