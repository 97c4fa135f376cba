/*
 * mma_isa.c - the test side's model of ldmatrix and mma (mma_isa.h), from the PTX ISA's
 * fragment tables as the text states them.
 */
#include "mma_isa.h"

#include "float16.cuh"

void isa_a16816(int lane, int i, int *row, int *col) {
  const int g = lane >> 2, t = lane % 4;
  *row = (i < 2 || (i >= 4 && i < 6)) ? g : g + 8;
  *col = i < 4 ? t * 2 + (i & 0x1) : t * 2 + (i & 0x1) + 8;
}

void isa_b16816(int lane, int i, int *row, int *col) {
  const int g = lane >> 2, t = lane % 4;
  *row = i < 2 ? t * 2 + (i & 0x1) : t * 2 + (i & 0x1) + 8;
  *col = g;
}

void isa_c(int lane, int i, int *row, int *col) {
  const int g = lane >> 2, t = lane % 4;
  *row = i < 2 ? g : g + 8;
  *col = t * 2 + (i & 0x1);
}

void isa_a1688_tf32(int lane, int i, int *row, int *col) {
  const int g = lane >> 2, t = lane % 4;
  *row = (i == 0 || i == 2) ? g : g + 8;
  *col = (i == 0 || i == 1) ? t : t + 4;
}

void isa_b1688_tf32(int lane, int i, int *row, int *col) {
  const int g = lane >> 2, t = lane % 4;
  *row = i == 0 ? t : t + 4;
  *col = g;
}

void isa_ldmatrix(const uint16_t *smem, const int64_t *addr, int num, int trans,
                  uint32_t regs[32][4]) {
  for (int j = 0; j < num; ++j) {
    uint16_t m[8][8];
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        m[r][c] = smem[addr[8 * j + r] + c];
    for (int lane = 0; lane < 32; ++lane) {
      const int r = lane / 4, c0 = (lane % 4) * 2;
      const uint16_t lo = trans ? m[c0][r] : m[r][c0], hi = trans ? m[c0 + 1][r] : m[r][c0 + 1];
      regs[lane][j] = (uint32_t)lo | (uint32_t)hi << 16;
    }
  }
}

static float operand(uint32_t reg, int half, int bf16) {
  const uint16_t h = (uint16_t)(reg >> (16 * half));
  return bf16 ? tconv_bf16_to_f32(h) : tconv_f16_to_f32(h);
}

void isa_mma16816(const uint32_t a[32][4], const uint32_t b[32][2], const float c[16][8], int bf16,
                  float d[16][8]) {
  float A[16][16], B[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    int row, col;
    for (int i = 0; i < 8; ++i) {
      isa_a16816(lane, i, &row, &col);
      A[row][col] = operand(a[lane][i / 2], i % 2, bf16);
    }
    for (int i = 0; i < 4; ++i) {
      isa_b16816(lane, i, &row, &col);
      B[row][col] = operand(b[lane][i / 2], i % 2, bf16);
    }
  }
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      double s = c[m][n];
      for (int k = 0; k < 16; ++k)
        s += (double)A[m][k] * B[k][n];
      d[m][n] = (float)s;
    }
}

void isa_mma1688_tf32(const uint32_t a[32][4], const uint32_t b[32][2], const float c[16][8],
                      float d[16][8]) {
  float A[16][8], B[8][8];
  for (int lane = 0; lane < 32; ++lane) {
    int row, col;
    for (int i = 0; i < 4; ++i) {
      isa_a1688_tf32(lane, i, &row, &col);
      A[row][col] = tconv_f32_from_bits(a[lane][i] & 0xFFFFE000u);
    }
    for (int i = 0; i < 2; ++i) {
      isa_b1688_tf32(lane, i, &row, &col);
      B[row][col] = tconv_f32_from_bits(b[lane][i] & 0xFFFFE000u);
    }
  }
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      double s = c[m][n];
      for (int k = 0; k < 8; ++k)
        s += (double)A[m][k] * B[k][n];
      d[m][n] = (float)s;
    }
}
