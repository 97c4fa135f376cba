/*
 * shape.c - the arithmetic of DESIGN §1 in one place: parameter validation, output sizes
 * (int64_t, overflow-checked), the resolved problem every other file reads, the shape
 * queries of the public API and the parameters' initialisers. The forward calls' checks of
 * their tensors and buffers are in validate.c, the dtype and layout side in storage.c.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

#define FAIL(status, ...) tconv_fail(ctx, (status), __VA_ARGS__)

/* auto_pad, output_size and padding_mode: which combinations mean something. */
static tconv_status check_conventions(tconv_context *ctx, tconv_op op, const tconv_params *p) {
  const char *label = tconv_op_label(op);
  tconv_status status = tconv_check_enum(ctx, &tconv_auto_pad_names, label, (int)p->auto_pad);
  if (status != TCONV_STATUS_OK)
    return status;
  int explicit_pads = 0, sized = 0;
  for (int i = 0; i < p->spatial_rank; ++i) {
    explicit_pads |= p->pad_begin[i] != 0 || p->pad_end[i] != 0;
    if (p->output_size[i] < 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: output_size %lld must be >= 1, or 0 in every dimension (dimension %d)",
                  label, (long long)p->output_size[i], i);
    sized += p->output_size[i] > 0;
  }
  if (p->auto_pad != TCONV_AUTO_PAD_NOTSET && explicit_pads)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: pads must be 0 with auto_pad %s, which computes them", label,
                tconv_auto_pad_names.constants[p->auto_pad]);
  if (sized != 0) {
    if (op == TCONV_OP_CONV)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "conv: output_size applies to transposed conv only");
    if (sized != p->spatial_rank)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: output_size must be given for every dimension or none", label);
    status = tconv_check_enum(ctx, &tconv_output_size_rule_names, label, (int)p->output_size_rule);
    if (status != TCONV_STATUS_OK)
      return status;
    for (int i = 0; i < p->spatial_rank; ++i)
      if (p->output_size_rule == TCONV_OUTPUT_SIZE_PYTORCH && p->output_padding[i] != 0)
        return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                    "%s: output_padding %lld must be 0 with a PyTorch output_size, which "
                    "determines it (dimension %d)",
                    label, (long long)p->output_padding[i], i);
    if (p->output_size_rule == TCONV_OUTPUT_SIZE_PYTORCH && p->auto_pad != TCONV_AUTO_PAD_NOTSET)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: auto_pad %s cannot be combined with a PyTorch output_size", label,
                  tconv_auto_pad_names.constants[p->auto_pad]);
    if (p->output_size_rule == TCONV_OUTPUT_SIZE_ONNX && explicit_pads)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: pads must be 0 with an ONNX output_shape, which determines them", label);
    if (p->output_size_rule == TCONV_OUTPUT_SIZE_ONNX && p->auto_pad == TCONV_AUTO_PAD_VALID)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: auto_pad VALID cannot be combined with an ONNX output_shape", label);
  }
  status = tconv_check_enum(ctx, &tconv_padding_mode_names, label, (int)p->padding_mode);
  if (status != TCONV_STATUS_OK)
    return status;
  if (op == TCONV_OP_TRANSPOSE &&
      (p->padding_mode == TCONV_PADDING_REFLECT || p->padding_mode == TCONV_PADDING_REPLICATE))
    return FAIL(TCONV_STATUS_UNSUPPORTED,
                "transposed conv: padding_mode %s is not defined for transposed convolution "
                "(zeros and circular are)",
                tconv_padding_mode_name(p->padding_mode));
  return TCONV_STATUS_OK;
}

/* The fused activation and its two parameters: none is accepted and ignored. */
static tconv_status check_epilogue(tconv_context *ctx, tconv_op op, const tconv_params *p) {
  const char *label = tconv_op_label(op);
  const float alpha = p->activation_alpha, beta = p->activation_beta;
  switch (p->activation) {
  case TCONV_ACTIVATION_NONE:
  case TCONV_ACTIVATION_RELU:
  case TCONV_ACTIVATION_SIGMOID:
  case TCONV_ACTIVATION_TANH:
    if (alpha != 0.0f || beta != 0.0f)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: activation_alpha %g and activation_beta %g must be 0 for activation %s, "
                  "which takes no parameter",
                  label, (double)alpha, (double)beta, tconv_activation_name(p->activation));
    return TCONV_STATUS_OK;
  case TCONV_ACTIVATION_LEAKY_RELU:
    if (!isfinite(alpha) || beta != 0.0f)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: leaky_relu needs a finite activation_alpha (got %g) and activation_beta "
                  "0 (got %g)",
                  label, (double)alpha, (double)beta);
    return TCONV_STATUS_OK;
  case TCONV_ACTIVATION_CLAMP:
    if (isnan(alpha) || isnan(beta) || alpha > beta)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: clamp needs activation_alpha %g <= activation_beta %g", label, (double)alpha,
                  (double)beta);
    return TCONV_STATUS_OK;
  }
  return tconv_check_enum(ctx, &tconv_activation_names, label, (int)p->activation);
}

tconv_status tconv_check_params(tconv_context *ctx, tconv_op op, const tconv_params *p) {
  const char *label = tconv_op_label(op);
  if (p->spatial_rank < 1 || p->spatial_rank > TCONV_MAX_SPATIAL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: spatial_rank %d must be 1, 2 or 3", label,
                p->spatial_rank);
  for (int i = 0; i < p->spatial_rank; ++i) {
    const int64_t s = p->stride[i], d = p->dilation[i], op_pad = p->output_padding[i];
    if (s < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: stride %lld must be >= 1 (dimension %d)",
                  label, (long long)s, i);
    if (d < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: dilation %lld must be >= 1 (dimension %d)",
                  label, (long long)d, i);
    if (p->pad_begin[i] < 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: pad_begin %lld must be >= 0 (dimension %d)",
                  label, (long long)p->pad_begin[i], i);
    if (p->pad_end[i] < 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: pad_end %lld must be >= 0 (dimension %d)",
                  label, (long long)p->pad_end[i], i);
    if (op == TCONV_OP_CONV && op_pad != 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "conv: output_padding %lld must be 0: it applies to transposed conv only "
                  "(dimension %d)",
                  (long long)op_pad, i);
    if (op_pad < 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: output_padding %lld must be >= 0 (dimension %d)", label, (long long)op_pad,
                  i);
    if (op_pad >= (s > d ? s : d))
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "%s: output_padding %lld must be smaller than stride %lld or dilation %lld "
                  "(dimension %d)",
                  label, (long long)op_pad, (long long)s, (long long)d, i);
  }
  if (p->groups < 1)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: groups %lld must be >= 1", label,
                (long long)p->groups);
  tconv_status status = tconv_check_enum(ctx, &tconv_math_names, label, (int)p->math);
  if (status != TCONV_STATUS_OK)
    return status;
  status = check_conventions(ctx, op, p);
  return status != TCONV_STATUS_OK ? status : check_epilogue(ctx, op, p);
}

/* Channels, batch and kernel sizes from x and w (PyTorch's weight layouts). */
static tconv_status resolve_channels(tconv_context *ctx, tconv_problem *pr, tconv_op op,
                                     const int64_t *x, const int64_t *w) {
  const char *label = tconv_op_label(op);
  const int rank = pr->spatial_rank + 2;
  for (int i = 0; i < rank; ++i) {
    if (x[i] < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: x dimension %d is %lld; sizes must be >= 1",
                  label, i, (long long)x[i]);
    if (w[i] < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: w dimension %d is %lld; sizes must be >= 1",
                  label, i, (long long)w[i]);
  }
  const int64_t g = pr->groups;
  pr->n = x[0];
  pr->cin = x[1];
  if (pr->cin % g != 0)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: groups %lld does not divide the %lld input channels", label, (long long)g,
                (long long)pr->cin);
  if (op == TCONV_OP_CONV) {
    /* w is (Cout, Cin/g, k...) */
    pr->cout = w[0];
    if (w[1] != pr->cin / g)
      return FAIL(TCONV_STATUS_SHAPE_MISMATCH,
                  "conv: w dimension 1 is %lld but must be input channels %lld / groups %lld = "
                  "%lld (w is (Cout, Cin/groups, k...))",
                  (long long)w[1], (long long)pr->cin, (long long)g, (long long)(pr->cin / g));
    if (pr->cout % g != 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "conv: groups %lld does not divide the %lld output channels (w dimension 0)",
                  (long long)g, (long long)pr->cout);
  } else {
    /* w is (Cin, Cout/g, k...) */
    if (w[0] != pr->cin)
      return FAIL(TCONV_STATUS_SHAPE_MISMATCH,
                  "transposed conv: w dimension 0 is %lld but must be the %lld input channels "
                  "(w is (Cin, Cout/groups, k...))",
                  (long long)w[0], (long long)pr->cin);
    if (tconv_mul_i64(w[1], g, &pr->cout))
      return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                  "transposed conv: output channels %lld * groups %lld overflow int64",
                  (long long)w[1], (long long)g);
  }
  return TCONV_STATUS_OK;
}

/* Splits a total padding per auto_pad (ONNX: SAME_UPPER puts the smaller half first). A
 * negative total cannot be a padding: the pads stay 0 and the output grows at the end. */
static void split_padding(tconv_problem *pr, int i, int64_t total, tconv_auto_pad auto_pad) {
  if (total < 0) {
    pr->pad_begin[i] = pr->pad_end[i] = 0;
    pr->output_padding[i] += -total;
    return;
  }
  const int64_t small = total / 2;
  pr->pad_begin[i] = auto_pad == TCONV_AUTO_PAD_SAME_UPPER ? small : total - small;
  pr->pad_end[i] = total - pr->pad_begin[i];
}

/* Convolution: auto_pad, then the padding-mode limits, then o (DESIGN §1). */
static tconv_status resolve_conv_dimension(tconv_context *ctx, tconv_problem *pr, int i,
                                           const tconv_params *p, int64_t ke) {
  const int64_t in = pr->in[i], s = pr->stride[i];
  if (p->auto_pad == TCONV_AUTO_PAD_SAME_UPPER || p->auto_pad == TCONV_AUTO_PAD_SAME_LOWER) {
    const int64_t o = (in - 1) / s + 1; /* ceil(i / s) */
    int64_t total = (o - 1) * s;        /* <= i - 1 */
    if (tconv_add_i64(total, ke - in, &total))
      return FAIL(TCONV_STATUS_SIZE_OVERFLOW, "conv: SAME padding overflows int64 (dimension %d)",
                  i);
    split_padding(pr, i, total > 0 ? total : 0, p->auto_pad);
  }
  const int64_t pb = pr->pad_begin[i], pe = pr->pad_end[i];
  const tconv_padding_mode mode = pr->padding_mode;
  if (mode == TCONV_PADDING_REFLECT && (pb >= in || pe >= in))
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "conv: reflect padding %lld must be smaller than the input size %lld "
                "(dimension %d)",
                (long long)(pb > pe ? pb : pe), (long long)in, i);
  if (mode == TCONV_PADDING_CIRCULAR && (pb > in || pe > in))
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "conv: circular padding %lld must not exceed the input size %lld (dimension %d)",
                (long long)(pb > pe ? pb : pe), (long long)in, i);
  int64_t padded;
  if (tconv_add_i64(in, pb, &padded) || tconv_add_i64(padded, pe, &padded))
    return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                "conv: padded input size overflows int64 (dimension %d)", i);
  if (padded < ke)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "conv: padded input size %lld + %lld + %lld = %lld is smaller than the dilated "
                "kernel extent %lld (dimension %d)",
                (long long)in, (long long)pb, (long long)pe, (long long)padded, (long long)ke, i);
  pr->out[i] = (padded - ke) / s + 1;
  return TCONV_STATUS_OK;
}

/* Transposed: an explicit output size or auto_pad fixes pads / output_padding, then o. */
static tconv_status resolve_transpose_dimension(tconv_context *ctx, tconv_problem *pr, int i,
                                                const tconv_params *p, int64_t ke) {
  const int64_t in = pr->in[i], s = pr->stride[i];
  /* span = (i - 1)*s + ke + op: the output before cropping the pads. */
  int64_t span;
  if (tconv_mul_i64(in - 1, s, &span) || tconv_add_i64(span, ke, &span) ||
      tconv_add_i64(span, pr->output_padding[i], &span))
    return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                "transposed conv: output size overflows int64 (dimension %d)", i);
  int64_t wanted = p->output_size[i];
  const int same =
      p->auto_pad == TCONV_AUTO_PAD_SAME_UPPER || p->auto_pad == TCONV_AUTO_PAD_SAME_LOWER;
  if (wanted == 0 && same && tconv_mul_i64(in, s, &wanted))
    return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                "transposed conv: SAME output size %lld * %lld overflows int64 (dimension %d)",
                (long long)in, (long long)s, i);
  int64_t pads;
  if (tconv_add_i64(pr->pad_begin[i], pr->pad_end[i], &pads) || pads > span - 1)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "transposed conv: output size would be < 1: padding %lld + %lld covers all %lld "
                "positions (dimension %d)",
                (long long)pr->pad_begin[i], (long long)pr->pad_end[i], (long long)span, i);
  if (wanted > 0 && p->output_size_rule == TCONV_OUTPUT_SIZE_PYTORCH && p->output_size[i] > 0) {
    const int64_t smallest = span - pads;
    if (wanted < smallest || wanted - smallest > s - 1 || wanted < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                  "transposed conv: output_size %lld must lie between %lld and %lld (the sizes "
                  "output_padding 0 .. stride-1 give) (dimension %d)",
                  (long long)wanted, (long long)smallest, (long long)(smallest + s - 1), i);
    pr->output_padding[i] = wanted - smallest;
    if (tconv_add_i64(span, wanted - smallest, &span))
      return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                  "transposed conv: output size overflows int64 (dimension %d)", i);
  } else if (wanted > 0) {
    split_padding(pr, i, span - wanted, p->auto_pad);
    if (tconv_add_i64(wanted, pr->pad_begin[i], &span) ||
        tconv_add_i64(span, pr->pad_end[i], &span))
      return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                  "transposed conv: output size overflows int64 (dimension %d)", i);
  }
  const int64_t pb = pr->pad_begin[i], pe = pr->pad_end[i], op_pad = pr->output_padding[i];
  const int64_t out = span - pb - pe; /* span >= 1 and pads >= 0: cannot overflow downwards */
  if (out < 1)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "transposed conv: output size (%lld-1)*%lld - %lld - %lld + %lld + %lld = %lld "
                "must be >= 1: padding too large (dimension %d)",
                (long long)in, (long long)s, (long long)pb, (long long)pe, (long long)ke,
                (long long)op_pad, (long long)out, i);
  pr->out[i] = out;
  return TCONV_STATUS_OK;
}

/* The output size of one spatial dimension, DESIGN §1, after resolving the conventions. */
static tconv_status resolve_dimension(tconv_context *ctx, tconv_problem *pr, int i,
                                      const tconv_params *p) {
  const int64_t k = pr->k[i], d = pr->dilation[i];
  int64_t ke;
  if (tconv_mul_i64(d, k - 1, &ke) || tconv_add_i64(ke, 1, &ke))
    return FAIL(TCONV_STATUS_SIZE_OVERFLOW,
                "%s: dilated kernel extent %lld*(%lld-1)+1 overflows int64 (dimension %d)",
                tconv_op_label(pr->op), (long long)d, (long long)k, i);
  return pr->op == TCONV_OP_CONV ? resolve_conv_dimension(ctx, pr, i, p, ke)
                                 : resolve_transpose_dimension(ctx, pr, i, p, ke);
}

/* Element counts; all products checked. */
static tconv_status resolve_counts(tconv_context *ctx, tconv_problem *pr) {
  int64_t in = 1, out = 1, k = 1, w_channels;
  int bad = 0;
  for (int i = 0; i < TCONV_MAX_SPATIAL; ++i) {
    bad |= tconv_mul_i64(in, pr->in[i], &in);
    bad |= tconv_mul_i64(out, pr->out[i], &out);
    bad |= tconv_mul_i64(k, pr->k[i], &k);
  }
  bad |= tconv_mul_i64(pr->cin, pr->cout / pr->groups, &w_channels);
  bad |= tconv_mul_i64(w_channels, k, &pr->w_count);
  bad |= tconv_mul_i64(pr->n, pr->cin, &pr->x_count);
  bad |= tconv_mul_i64(pr->x_count, in, &pr->x_count);
  bad |= tconv_mul_i64(pr->n, pr->cout, &pr->y_count);
  bad |= tconv_mul_i64(pr->y_count, out, &pr->y_count);
  /* Byte sizes must fit too: every buffer check multiplies by sizeof(float). */
  int64_t bytes;
  bad |= tconv_mul_i64(pr->x_count, 4, &bytes) | tconv_mul_i64(pr->y_count, 4, &bytes) |
         tconv_mul_i64(pr->w_count, 4, &bytes);
  if (bad)
    return FAIL(TCONV_STATUS_SIZE_OVERFLOW, "%s: an element count overflows int64",
                tconv_op_label(pr->op));
  pr->in_spatial = in;
  pr->out_spatial = out;
  pr->k_spatial = k;
  return TCONV_STATUS_OK;
}

tconv_status tconv_problem_resolve(tconv_context *ctx, tconv_problem *pr, tconv_op op,
                                   const tconv_params *params, const int64_t *x_dims,
                                   const int64_t *w_dims) {
  tconv_status status;
  memset(pr, 0, sizeof *pr);
  pr->op = op;
  pr->spatial_rank = params->spatial_rank;
  pr->groups = params->groups;
  pr->padding_mode = params->padding_mode;
  pr->activation = params->activation;
  pr->activation_alpha = params->activation_alpha;
  pr->activation_beta = params->activation_beta;
  pr->math = params->math; /* dtype FLOAT32 and NCHW layouts: memset's zeros */
  for (int i = 0; i < TCONV_MAX_SPATIAL; ++i) {
    const int used = i < params->spatial_rank;
    pr->in[i] = used ? x_dims[2 + i] : 1;
    pr->k[i] = used ? w_dims[2 + i] : 1;
    pr->out[i] = 1;
    pr->stride[i] = used ? params->stride[i] : 1;
    pr->dilation[i] = used ? params->dilation[i] : 1;
    pr->pad_begin[i] = used ? params->pad_begin[i] : 0;
    pr->pad_end[i] = used ? params->pad_end[i] : 0;
    pr->output_padding[i] = used ? params->output_padding[i] : 0;
  }
  if ((status = resolve_channels(ctx, pr, op, x_dims, w_dims)) != TCONV_STATUS_OK)
    return status;
  for (int i = 0; i < params->spatial_rank; ++i)
    if ((status = resolve_dimension(ctx, pr, i, params)) != TCONV_STATUS_OK)
      return status;
  return resolve_counts(ctx, pr);
}

tconv_status tconv_problem_init(tconv_context *ctx, tconv_problem *pr, tconv_op op,
                                const tconv_params *params, const int64_t *x_dims,
                                const int64_t *w_dims) {
  if (op != TCONV_OP_CONV && op != TCONV_OP_TRANSPOSE)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "op %d is not CONV (0) or TRANSPOSE (1)", (int)op);
  const char *label = tconv_op_label(op);
  if (params == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: params is NULL", label);
  if (x_dims == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: x dims are NULL", label);
  if (w_dims == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: w dims are NULL", label);
  const tconv_status status = tconv_check_params(ctx, op, params);
  if (status != TCONV_STATUS_OK)
    return status;
  return tconv_problem_resolve(ctx, pr, op, params, x_dims, w_dims);
}

void tconv_problem_y_dims(const tconv_problem *pr, int64_t *dims) {
  dims[0] = pr->n;
  dims[1] = pr->cout;
  for (int i = 0; i < pr->spatial_rank; ++i)
    dims[2 + i] = pr->out[i];
}

tconv_status tconv_problem_check_y_dims(tconv_context *ctx, const tconv_problem *pr,
                                        const char *label, const int64_t *y_dims) {
  int64_t expect[TCONV_MAX_RANK];
  tconv_problem_y_dims(pr, expect);
  for (int i = 0; i < pr->spatial_rank + 2; ++i)
    if (y_dims[i] != expect[i])
      return FAIL(TCONV_STATUS_SHAPE_MISMATCH, "%s: y dimension %d is %lld but the output has %lld",
                  label, i, (long long)y_dims[i], (long long)expect[i]);
  return TCONV_STATUS_OK;
}

static tconv_status output_shape(tconv_op op, const tconv_params *params, const int64_t *x_dims,
                                 const int64_t *w_dims, int64_t *y_dims) {
  tconv_clear_error(NULL);
  tconv_context *ctx = NULL; /* for FAIL: shape queries have no context */
  if (y_dims == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: y dims are NULL", tconv_op_label(op));
  tconv_problem pr;
  tconv_status status = tconv_problem_init(NULL, &pr, op, params, x_dims, w_dims);
  if (status == TCONV_STATUS_OK)
    tconv_problem_y_dims(&pr, y_dims);
  return status;
}

tconv_status tconv_conv_output_shape(const tconv_params *params, const int64_t *x_dims,
                                     const int64_t *w_dims, int64_t *y_dims) {
  return output_shape(TCONV_OP_CONV, params, x_dims, w_dims, y_dims);
}

tconv_status tconv_transpose_output_shape(const tconv_params *params, const int64_t *x_dims,
                                          const int64_t *w_dims, int64_t *y_dims) {
  return output_shape(TCONV_OP_TRANSPOSE, params, x_dims, w_dims, y_dims);
}

tconv_params tconv_params_default(int spatial_rank) {
  tconv_params p;
  memset(&p, 0, sizeof p);
  p.spatial_rank = spatial_rank;
  for (int i = 0; i < TCONV_MAX_SPATIAL; ++i) {
    p.stride[i] = 1;
    p.dilation[i] = 1;
  }
  p.groups = 1;
  return p;
}

void tconv_params_set_uniform(tconv_params *p, int64_t stride, int64_t padding, int64_t dilation,
                              int64_t output_padding) {
  if (p == NULL)
    return;
  for (int i = 0; i < TCONV_MAX_SPATIAL; ++i) {
    p->stride[i] = stride;
    p->pad_begin[i] = padding;
    p->pad_end[i] = padding;
    p->dilation[i] = dilation;
    p->output_padding[i] = output_padding;
  }
}
