/*
 * algo_gemm.c - which problems the gemm (cuBLAS) algorithm takes and the workspace it needs
 * (see algos.h). The column-matrix arithmetic lives in cuda/gemm.cuh, shared with the
 * launchers, so the size asked for here is the size the launchers use.
 *
 * Taken: both ops, ranks 1-3, every stride, dilation, padding, output_padding and group
 * count; convolution with every padding mode, transposed convolution with zero or circular
 * padding (everything shape.c accepts); every dtype, layout and math mode (float32 STRICT:
 * SGEMM; TF32: cuBLAS's TF32 compute type; float16 / bfloat16: 16-bit operands, FP32
 * results). The cuBLAS calls use the 64-bit API, so large dimensions are not a reason to
 * refuse. Refused: a problem whose workspace for a single image does not fit in 64-bit byte
 * counts.
 *
 * Workspace per image: the column matrix, convolution Cin·ks·P elements of the dtype,
 * transposed Cout·ks·Q floats, with ks the kernel's spatial size and P / Q the output /
 * input spatial sizes; plus, for a float16 / bfloat16 convolution, its Cout·P FP32 GEMM
 * results. The chunk is the largest number of images whose workspace stays under
 * TCONV_GEMM_WORKSPACE_CAP (512 MiB), but at least one image, even when that one is larger.
 */
#include "algos.h"

#include "gemm.cuh"

#include <stdio.h>

int tconv_gemm_supports(const tconv_problem *problem, char *why, size_t why_size) {
  if (tconv_gemm_image_bytes(problem) < 0) {
    snprintf(why, why_size,
             "the column matrix of one image (%s channels x kernel x %s positions) overflows "
             "64-bit byte counts",
             problem->op == TCONV_OP_CONV ? "input" : "output",
             problem->op == TCONV_OP_CONV ? "output" : "input");
    return 0;
  }
  return 1;
}

size_t tconv_gemm_workspace(const tconv_problem *problem) {
  return tconv_gemm_workspace_for_cap(problem, TCONV_GEMM_WORKSPACE_CAP);
}

/* The element kernel of the batch's first chunk (im2col, or col2im) and cuBLAS's products. */
tconv_status tconv_gemm_plan(const tconv_problem *p, tconv_launch_plan *plan) {
  const int conv = p->op == TCONV_OP_CONV;
  int64_t images = tconv_gemm_chunk_images(p, tconv_gemm_workspace(p));
  if (images < 1)
    images = 1;
  const int64_t elements = images * (conv ? tconv_gemm_image_columns(p) : p->cout * p->out_spatial);
  const int64_t positions = conv ? p->out_spatial : p->in_spatial;
  static const char *const names[3][TCONV_DTYPE_COUNT] = {
      TCONV_TYPED_KERNEL_NAMES("gemm_im2col"), TCONV_TYPED_KERNEL_NAMES("gemm_col2im_circular"),
      TCONV_TYPED_KERNEL_NAMES("gemm_col2im")};
  plan->kernel = names[conv ? 0 : p->padding_mode == TCONV_PADDING_CIRCULAR ? 1 : 2][p->dtype];
  plan->threads = TCONV_GEMM_THREADS;
  plan->grid[0] = (elements + TCONV_GEMM_THREADS - 1) / TCONV_GEMM_THREADS;
  plan->grid[1] = plan->grid[2] = 1;
  plan->main_loop_trips = 0; /* cuBLAS's */
  plan->macs_computed = p->n * p->cout * (p->cin / p->groups) * p->k_spatial * positions;
  plan->bm = plan->bn = plan->bk = plan->split_k = 0;
  plan->grid_stride = 1;
  plan->cluster = 1;
  plan->active_blocks = plan->grid[0];
  return TCONV_STATUS_OK;
}
