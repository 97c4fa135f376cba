/*
 * mma_ptx.cu - compiled, never run: one warp's worth of every tensor-core wrapper of
 * cuda/mma_frag.cuh (ldmatrix x1 / x2 / x4 and their .trans, mma.sync m16n8k16 f16 and bf16,
 * m16n8k8 tf32, cvt.rna.tf32) with the header's lane addressing, built for sm_90 so ptxas
 * checks the inline PTX and `make mma-check` can look for the instructions in the SASS.
 */
#include "mma_frag.cuh"

__global__ void tconv_mma_ptx_check(const uint16_t *a, const uint16_t *b, const float *tf,
                                    float *out) {
  __shared__ __align__(16) uint16_t sa[16 * 24], sb[16 * 24];
  const int lane = threadIdx.x & 31;
  for (int i = lane; i < 16 * 24; i += 32) {
    sa[i] = a[i];
    sb[i] = b[i];
  }
  __syncwarp();
  uint32_t ra[4], rb[2], rbt[2], r1[1], r4t[4];
  tconv_ldsm_x4(ra, sa + tconv_frag_a_ldsm(lane, 24));
  tconv_ldsm_x2(rb, sb + tconv_frag_b_ldsm(lane, 24));
  tconv_ldsm_x2_trans(rbt, sb + tconv_frag_b_ldsm_trans(lane, 24));
  tconv_ldsm_x1(r1, sa + (lane & 7) * 24);
  tconv_ldsm_x4_trans(r4t, sb + (lane & 15) * 24 + 8 * (lane >> 4));
  float c[4] = {0, 0, 0, 0}, d[4], e[4], f[4];
  tconv_mma16816_f16(d, ra, rb, c);
  tconv_mma16816_bf16(e, ra, rbt, d);
  uint32_t ta[4], tb[2];
  for (int i = 0; i < 4; ++i)
    ta[i] = tconv_cvt_tf32(tf[tconv_frag_a_tf32(lane, i, 8)]);
  for (int i = 0; i < 2; ++i)
    tb[i] = tconv_cvt_tf32(tf[128 + tconv_frag_b_tf32(lane, i, 8)]);
  tconv_mma1688_tf32(f, ta, tb, e);
  for (int i = 0; i < 4; ++i) {
    int row, col;
    tconv_mma_c(lane, i, &row, &col);
    out[row * 8 + col] = f[i] + (float)(r1[0] & 1u) + (float)(r4t[i] & 1u);
  }
}
