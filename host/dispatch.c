/*
 * dispatch.c - the forward entry points: validate once (shape.c), choose the algorithm,
 * run it on the context's backend. Every algorithm so far needs no workspace.
 */
#include "internal.h"
#include "reference.h"
#include "../cuda/launch.h"

static tconv_status forward(tconv_context *ctx, tconv_op op, const tconv_params *params,
                            const tconv_tensor *x, const tconv_tensor *w, const tconv_tensor *bias,
                            const tconv_tensor *y, tconv_algo algo, tconv_buffer *workspace) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: ctx is NULL",
                      op == TCONV_OP_CONV ? "conv" : "transposed conv");
  tconv_clear_error(ctx);
  tconv_problem pr;
  tconv_status status =
      tconv_validate_forward(ctx, &pr, op, params, x, w, bias, y, algo, workspace);
  if (status != TCONV_STATUS_OK)
    return status;

  const float *xd = tconv_tensor_data(x), *wd = tconv_tensor_data(w);
  const float *bd = bias != NULL ? tconv_tensor_data(bias) : NULL;
  float *yd = tconv_tensor_data(y);
  if (ctx->backend == TCONV_BACKEND_CPU) {
    if (op == TCONV_OP_CONV)
      tconv_ref_conv(&pr, xd, wd, bd, yd);
    else
      tconv_ref_transpose_gather(&pr, xd, wd, bd, yd);
    return TCONV_STATUS_OK;
  }
  /* CUDA: AUTO and DIRECT are the direct kernels until faster algorithms arrive. */
  return op == TCONV_OP_CONV ? tconv_cuda_direct_conv(ctx, &pr, xd, wd, bd, yd)
                             : tconv_cuda_direct_transpose(ctx, &pr, xd, wd, bd, yd);
}

tconv_status tconv_conv_forward(tconv_context *ctx, const tconv_params *params,
                                const tconv_tensor *x, const tconv_tensor *w,
                                const tconv_tensor *bias, const tconv_tensor *y, tconv_algo algo,
                                tconv_buffer *workspace) {
  return forward(ctx, TCONV_OP_CONV, params, x, w, bias, y, algo, workspace);
}

tconv_status tconv_transpose_forward(tconv_context *ctx, const tconv_params *params,
                                     const tconv_tensor *x, const tconv_tensor *w,
                                     const tconv_tensor *bias, const tconv_tensor *y,
                                     tconv_algo algo, tconv_buffer *workspace) {
  return forward(ctx, TCONV_OP_TRANSPOSE, params, x, w, bias, y, algo, workspace);
}

tconv_status tconv_workspace_size(tconv_context *ctx, tconv_op op, const tconv_params *params,
                                  const tconv_tensor *x, const tconv_tensor *w, tconv_algo algo,
                                  size_t *bytes) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "workspace size: ctx is NULL");
  tconv_clear_error(ctx);
  if (bytes == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "workspace size: bytes is NULL");
  if (x == NULL || w == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "workspace size: %s is NULL",
                      x == NULL ? "x" : "w");
  tconv_problem pr;
  tconv_status status = tconv_problem_init(ctx, &pr, op, params, x->dims, w->dims);
  if (status != TCONV_STATUS_OK)
    return status;
  if (algo != TCONV_ALGO_AUTO && algo != TCONV_ALGO_DIRECT && algo != TCONV_ALGO_REFERENCE)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "workspace size: algo %d is not a tconv_algo value", (int)algo);
  *bytes = 0;
  return TCONV_STATUS_OK;
}

const char *tconv_algo_name(tconv_algo algo) {
  switch (algo) {
  case TCONV_ALGO_AUTO:
    return "auto";
  case TCONV_ALGO_DIRECT:
    return "direct";
  case TCONV_ALGO_REFERENCE:
    return "reference";
  }
  return NULL;
}
