/*
 * problem.h - one convolution problem, fully resolved and validated: the single struct that
 * shape.c fills (validate.c and storage.c for the forward calls and the tensor queries) and
 * that the reference, the dispatcher and the CUDA launchers all read.
 * Plain C, no CUDA: the kernels receive it by value.
 */
#ifndef TCONV_PROBLEM_H
#define TCONV_PROBLEM_H

#include "tconv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tconv_problem {
  tconv_op op;
  int spatial_rank; /* 1..3 */
  int64_t n, cin, cout, groups;
  /* Per spatial dimension, outermost first; entries past spatial_rank are 1 (sizes,
   * stride, dilation) or 0 (pads), so a loop over all TCONV_MAX_SPATIAL dims is exact. */
  int64_t in[TCONV_MAX_SPATIAL];  /* input spatial size */
  int64_t out[TCONV_MAX_SPATIAL]; /* output spatial size */
  int64_t k[TCONV_MAX_SPATIAL];   /* kernel size */
  int64_t stride[TCONV_MAX_SPATIAL];
  int64_t dilation[TCONV_MAX_SPATIAL];
  int64_t pad_begin[TCONV_MAX_SPATIAL];
  int64_t pad_end[TCONV_MAX_SPATIAL];
  int64_t output_padding[TCONV_MAX_SPATIAL];
  /* pad_begin, pad_end and output_padding above are resolved: auto_pad and output_size have
   * been turned into explicit values (output_padding may then exceed max(s, d) - 1). */
  tconv_padding_mode padding_mode;
  tconv_activation activation;
  float activation_alpha, activation_beta;
  /* Element counts, overflow-checked. */
  int64_t x_count, w_count, y_count;
  int64_t in_spatial, out_spatial, k_spatial; /* products over the spatial dims */
  /* Storage and arithmetic (DESIGN §6): the dtype x, w, bias and y share, each tensor's
   * layout, the math mode. From shapes alone (tconv_problem_init): FLOAT32, NCHW, and
   * params->math; the forward calls and tconv_problem_init_tensors take them from the
   * tensors. */
  tconv_dtype dtype;
  tconv_layout x_layout, w_layout, y_layout;
  tconv_math math;
} tconv_problem;

struct tconv_context;

/* Validates params and the x / w dims for `op` and fills *problem (y dims included).
 * On failure records a sentence naming the parameter in ctx (may be NULL) and the thread,
 * and returns its status; *problem is then unspecified. The one place output sizes are
 * computed. */
tconv_status tconv_problem_init(struct tconv_context *ctx, tconv_problem *problem, tconv_op op,
                                const tconv_params *params, const int64_t *x_dims,
                                const int64_t *w_dims);

/* The parts of tconv_problem_init, for validate.c, which checks the tensors between them:
 * the parameters alone (spatial rank, per-dimension values, groups, math, the padding
 * conventions, the activation), then the problem from checked parameters and dims. */
tconv_status tconv_check_params(struct tconv_context *ctx, tconv_op op, const tconv_params *params);
tconv_status tconv_problem_resolve(struct tconv_context *ctx, tconv_problem *problem, tconv_op op,
                                   const tconv_params *params, const int64_t *x_dims,
                                   const int64_t *w_dims);

/* host/validate.c. Validates a forward call: every tensor (rank, dtype, layout, buffer of
 * this context, alignment, size, dims against the problem, no overlap with y), the workspace
 * (its context, no overlap with a tensor); fills *problem. Same failure contract as
 * tconv_problem_init. Which algorithm may run is dispatch.c's question. */
tconv_status tconv_validate_forward(struct tconv_context *ctx, tconv_problem *problem, tconv_op op,
                                    const tconv_params *params, const tconv_tensor *x,
                                    const tconv_tensor *w, const tconv_tensor *bias,
                                    const tconv_tensor *y, const tconv_buffer *workspace);

/* host/storage.c. A tensor descriptor's rank, dtype and layout values (dtype equal to x's,
 * unless t is x); the sentence names the tensor `name`, prefixed with label. */
tconv_status tconv_check_storage(struct tconv_context *ctx, const char *label, const char *name,
                                 const tconv_tensor *t, int rank, const tconv_tensor *x);
/* The problem's dtype (x's) and layouts (y NULL: x's layout). */
void tconv_problem_set_storage(tconv_problem *problem, const tconv_tensor *x, const tconv_tensor *w,
                               const tconv_tensor *y);
/* tconv_problem_init from tensor descriptors (rank, dims, dtype, layout; buffers not read):
 * the dtypes must agree and be valid, the layouts valid. y may be NULL: then it is taken to
 * have x's dtype and layout. For the queries that take tensors. */
tconv_status tconv_problem_init_tensors(struct tconv_context *ctx, tconv_problem *problem,
                                        tconv_op op, const tconv_params *params,
                                        const tconv_tensor *x, const tconv_tensor *w,
                                        const tconv_tensor *y);

/* The dims of y (rank spatial_rank + 2) of a filled problem. */
void tconv_problem_y_dims(const tconv_problem *problem, int64_t *dims);
/* SHAPE_MISMATCH, naming the first dimension that differs (sentence prefixed with label),
 * unless y_dims are the problem's output dims. */
tconv_status tconv_problem_check_y_dims(struct tconv_context *ctx, const tconv_problem *problem,
                                        const char *label, const int64_t *y_dims);

/* "conv" or "transposed conv": how sentences name the operation. */
static inline const char *tconv_op_label(tconv_op op) {
  return op == TCONV_OP_CONV ? "conv" : "transposed conv";
}

/* Checked int64 arithmetic: return 0 and write *r, or 1 on overflow. */
static inline int tconv_mul_i64(int64_t a, int64_t b, int64_t *r) {
  return __builtin_mul_overflow(a, b, r);
}
static inline int tconv_add_i64(int64_t a, int64_t b, int64_t *r) {
  return __builtin_add_overflow(a, b, r);
}

#ifdef __cplusplus
}
#endif

#endif /* TCONV_PROBLEM_H */
