/*
 * cudnn_side.c - the cuDNN baseline of cudnn_side.h.
 *
 * Why backward-data is our transposed convolution, with our weights as they are. tconv's
 * transposed convolution of x (N, Cin, i) with w (Cin, Cout/g, k) is the adjoint of the
 * convolution F that maps (N, Cout, o) back to (N, Cin, i) with the same k, s, p, d and g,
 * whose filter is w read as cuDNN's (K, C/g, k) with K = Cin and C = Cout (DESIGN §1):
 *
 *   F(u)[n, ci, q]  = sum over c in ci's group, j:  w[ci, c mod (Cout/g), j] u[n, c, q*s - p + j*d]
 *   F'(x)[n, c, o]  = sum over ci in c's group, j with t = o + p - j*d, t % s == 0, 0 <= t/s < i:
 *                     w[ci, c mod (Cout/g), j] x[n, ci, t/s]
 *
 * F' is the gather formulation term for term. cuDNN's backward-data computes F'(dy) for the
 * forward convolution described by (w, conv), so dy = our x and dx = our y. cuDNN accepts dx
 * when F maps it to dy's size: floor((o + 2p - ke) / s) + 1 = i - 1 + floor(op / s) + 1 = i,
 * as op < s in every layer of the suite (cudnn_layer_create checks it); the op extra outputs
 * are computed from the same sum as all others. The convolution is the forward pass itself.
 *
 * cuDNN takes 4-D and 5-D tensors: a 1-D layer becomes 2-D with a leading spatial size 1
 * (kernel 1, stride 1, no padding there), which lays the same bytes out the same way.
 */
#include "cudnn_side.h"

#include "common.h"
#include "elements.h"

#include <stdio.h>
#include <string.h>

#define CUDNN_DIMS 5 /* up to N, C and three spatial */

/* For cudnn_layer_create, which must work without a GPU and report into why. */
#define DESCRIBE(call)                                                                             \
  do {                                                                                             \
    const cudnnStatus_t describe_status_ = (call);                                                 \
    if (describe_status_ != CUDNN_STATUS_SUCCESS) {                                                \
      snprintf(why, why_size, "%s: %s", #call, cudnnGetErrorString(describe_status_));             \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

/* Fatal cuDNN errors, with cuDNN's own last message. */
#define BENCH_CUDNN(call)                                                                          \
  do {                                                                                             \
    const cudnnStatus_t bench_cudnn_status_ = (call);                                              \
    if (bench_cudnn_status_ != CUDNN_STATUS_SUCCESS) {                                             \
      char bench_cudnn_detail_[512] = "";                                                          \
      cudnnGetLastErrorString(bench_cudnn_detail_, sizeof bench_cudnn_detail_);                    \
      return bench_fail("%s:%d: %s: %s%s%s", __FILE__, __LINE__, #call,                            \
                        cudnnGetErrorString(bench_cudnn_status_),                                  \
                        bench_cudnn_detail_[0] != '\0' ? ": " : "", bench_cudnn_detail_);          \
    }                                                                                              \
  } while (0)

/* cuDNN's dims of a tconv tensor: int, 1-D lifted to 2-D. */
static int cudnn_dims(const int64_t *dims, int rank, int *out) {
  int n = 0;
  out[n++] = (int)dims[0];
  out[n++] = (int)dims[1];
  if (rank == 3)
    out[n++] = 1;
  for (int i = 2; i < rank; ++i)
    out[n++] = (int)dims[i];
  return n;
}

static void format_dims(const int *dims, int n, char *out, size_t out_size) {
  int64_t wide[CUDNN_DIMS];
  for (int i = 0; i < n; ++i)
    wide[i] = dims[i];
  bench_format_sizes(wide, n, out, out_size);
}

static cudnnDataType_t cudnn_type(tconv_dtype dtype) {
  return dtype == TCONV_DTYPE_FLOAT16    ? CUDNN_DATA_HALF
         : dtype == TCONV_DTYPE_BFLOAT16 ? CUDNN_DATA_BFLOAT16
                                         : CUDNN_DATA_FLOAT;
}

/* Packed strides of the dims in the layout: NCHW in C order, NHWC with the channel (dim 1)
 * innermost and the spatial dims outside it in order - tconv's element offsets. */
static int set_tensor(cudnnTensorDescriptor_t desc, const int64_t *dims, int rank,
                      const bench_storage *st, char *why, size_t why_size) {
  int d[CUDNN_DIMS], strides[CUDNN_DIMS];
  const int n = cudnn_dims(dims, rank, d);
  if (st->layout == TCONV_LAYOUT_NHWC) {
    strides[1] = 1;
    int inner = d[1];
    for (int i = n - 1; i >= 2; --i) {
      strides[i] = inner;
      inner *= d[i];
    }
    strides[0] = inner;
  } else {
    strides[n - 1] = 1;
    for (int i = n - 2; i >= 0; --i)
      strides[i] = strides[i + 1] * d[i + 1];
  }
  DESCRIBE(cudnnSetTensorNdDescriptor(desc, cudnn_type(st->dtype), n, d, strides));
  return 0;
}

/* cuDNN's strides as set, against the library's element offsets (elements.h): a unit step
 * along each logical dim must land on the same element on both sides. Needs no GPU. */
static int check_strides(cudnnTensorDescriptor_t desc, const int64_t *dims, int rank,
                         tconv_layout layout, const char *label, char *why, size_t why_size) {
  cudnnDataType_t type;
  int n = 0, d[CUDNN_DIMS], strides[CUDNN_DIMS];
  DESCRIBE(cudnnGetTensorNdDescriptor(desc, CUDNN_DIMS, &type, &n, d, strides));
  int64_t spatials = 1;
  for (int i = 2; i < rank; ++i)
    spatials *= dims[i];
  int64_t expect[TCONV_MAX_RANK], got[TCONV_MAX_RANK], step = 1;
  expect[0] = tconv_layout_offset(layout, 1, 0, dims[1], 0, spatials);
  expect[1] = tconv_layout_offset(layout, 0, 1, dims[1], 0, spatials);
  for (int i = rank - 1; i >= 2; --i) {
    expect[i] = tconv_layout_offset(layout, 0, 0, dims[1], step, spatials);
    step *= dims[i];
  }
  got[0] = strides[0];
  got[1] = strides[1];
  for (int i = 2, j = rank == 3 ? 3 : 2; i < rank; ++i, ++j) /* past the lifted dim of 1-D */
    got[i] = strides[j];
  for (int i = 0; i < rank; ++i)
    if (got[i] != expect[i]) {
      snprintf(why, why_size,
               "cuDNN's %s strides differ from the library's %s offsets in dim %d: %lld, not %lld",
               label, tconv_layout_name(layout), i, (long long)got[i], (long long)expect[i]);
      return -1;
    }
  return 0;
}

int cudnn_layer_create(cudnn_layer *cl, tconv_op op, const bench_shape *sh, const bench_storage *st,
                       char *why, size_t why_size) {
  memset(cl, 0, sizeof *cl);
  cl->op = op;
  cl->storage = *st;
  DESCRIBE(cudnnCreateTensorDescriptor(&cl->x));
  DESCRIBE(cudnnCreateTensorDescriptor(&cl->y));
  DESCRIBE(cudnnCreateFilterDescriptor(&cl->w));
  DESCRIBE(cudnnCreateConvolutionDescriptor(&cl->conv));
  if (set_tensor(cl->x, sh->x, sh->dims, st, why, why_size) != 0 ||
      set_tensor(cl->y, sh->y, sh->dims, st, why, why_size) != 0 ||
      check_strides(cl->x, sh->x, sh->dims, st->layout, "x", why, why_size) != 0 ||
      check_strides(cl->y, sh->y, sh->dims, st->layout, "y", why, why_size) != 0)
    return -1;
  int wd[CUDNN_DIMS];
  const int n = cudnn_dims(sh->w, sh->dims, wd);
  DESCRIBE(cudnnSetFilterNdDescriptor(
      cl->w, cudnn_type(st->dtype),
      st->layout == TCONV_LAYOUT_NHWC ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, n, wd));

  const tconv_params *pa = &sh->params;
  int pad[3], stride[3], dilation[3], k = 0;
  if (pa->spatial_rank == 1) {
    pad[k] = 0, stride[k] = 1, dilation[k] = 1;
    ++k;
  }
  for (int i = 0; i < pa->spatial_rank; ++i, ++k) {
    if (pa->pad_begin[i] != pa->pad_end[i]) {
      snprintf(why, why_size, "cuDNN takes symmetric padding only (dimension %d)", i);
      return -1;
    }
    pad[k] = (int)pa->pad_begin[i];
    stride[k] = (int)pa->stride[i];
    dilation[k] = (int)pa->dilation[i];
  }
  DESCRIBE(cudnnSetConvolutionNdDescriptor(cl->conv, k, pad, stride, dilation,
                                           CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  DESCRIBE(cudnnSetConvolutionGroupCount(cl->conv, (int)pa->groups));
  DESCRIBE(cudnnSetConvolutionMathType(cl->conv, bench_storage_strict(st) ? CUDNN_FMA_MATH
                                                                          : CUDNN_DEFAULT_MATH));

  /* The forward convolution's input is tconv's y for the transposed layer, x for the
   * convolution; its output must be the other tensor. */
  int expect[CUDNN_DIMS], got[CUDNN_DIMS];
  cudnn_dims(op == TCONV_OP_TRANSPOSE ? sh->x : sh->y, sh->dims, expect);
  DESCRIBE(cudnnGetConvolutionNdForwardOutputDim(cl->conv, op == TCONV_OP_TRANSPOSE ? cl->y : cl->x,
                                                 cl->w, n, got));
  if (memcmp(expect, got, (size_t)n * sizeof(int)) != 0) {
    char e[96], g[96];
    format_dims(expect, n, e, sizeof e);
    format_dims(got, n, g, sizeof g);
    snprintf(why, why_size, "cuDNN's forward convolution gives %s where the %s is %s", g,
             op == TCONV_OP_TRANSPOSE ? "transposed convolution's input" : "output", e);
    return -1;
  }
  return 0;
}

void cudnn_layer_destroy(cudnn_layer *cl) {
  if (cl->x != NULL)
    cudnnDestroyTensorDescriptor(cl->x);
  if (cl->y != NULL)
    cudnnDestroyTensorDescriptor(cl->y);
  if (cl->w != NULL)
    cudnnDestroyFilterDescriptor(cl->w);
  if (cl->conv != NULL)
    cudnnDestroyConvolutionDescriptor(cl->conv);
  memset(cl, 0, sizeof *cl);
}

/* Whether a row's math fits the run: strict FP32 takes no tensor-op row; the tensor-core
 * modes take any, except conversion of float32 data to half precision. */
static int math_allowed(const bench_storage *st, cudnnMathType_t math) {
  if (bench_storage_strict(st))
    return math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
  return st->dtype != TCONV_DTYPE_FLOAT32 || math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

/* Copies a perf array (forward and backward-data perf structs have the same fields under
 * different types, hence a macro) and marks the rows the run's comparison may use. */
#define COPY_ROWS(st, perf, n, limit, found)                                                       \
  do {                                                                                             \
    (found)->count = (n) < CUDNN_FOUND_MAX ? (n) : CUDNN_FOUND_MAX;                                \
    for (int i_ = 0; i_ < (found)->count; ++i_) {                                                  \
      cudnn_found_row *row_ = &(found)->rows[i_];                                                  \
      row_->algo = (int)(perf)[i_].algo;                                                           \
      row_->status = (perf)[i_].status;                                                            \
      row_->math = (perf)[i_].mathType;                                                            \
      row_->find_ms = (perf)[i_].time;                                                             \
      row_->memory = (perf)[i_].memory;                                                            \
      row_->eligible = row_->status == CUDNN_STATUS_SUCCESS && row_->memory <= (limit) &&          \
                       math_allowed((st), row_->math);                                             \
    }                                                                                              \
  } while (0)

/* The heuristic's first row that succeeded, fits and whose math the run allows. */
#define PICK_FIRST(st, perf, n, limit, choice)                                                     \
  do {                                                                                             \
    cudnn_found found_;                                                                            \
    COPY_ROWS(st, perf, n, limit, &found_);                                                        \
    (choice)->found = 0;                                                                           \
    for (int i_ = 0; i_ < found_.count && !(choice)->found; ++i_)                                  \
      if (found_.rows[i_].eligible) {                                                              \
        (choice)->found = 1;                                                                       \
        (choice)->algo = found_.rows[i_].algo;                                                     \
        (choice)->memory = found_.rows[i_].memory;                                                 \
      }                                                                                            \
  } while (0)

int cudnn_find_all(cudnnHandle_t h, const cudnn_layer *cl, const void *x, const void *w, void *y,
                   void *workspace, size_t workspace_bytes, cudnn_found *found) {
  int count = 0;
  if (cl->op == TCONV_OP_CONV) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    BENCH_CUDNN(cudnnFindConvolutionForwardAlgorithmEx(h, cl->x, x, cl->w, w, cl->conv, cl->y, y,
                                                       CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count,
                                                       perf, workspace, workspace_bytes));
    COPY_ROWS(&cl->storage, perf, count, workspace_bytes, found);
  } else {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    BENCH_CUDNN(cudnnFindConvolutionBackwardDataAlgorithmEx(
        h, cl->w, w, cl->x, x, cl->conv, cl->y, y, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count,
        perf, workspace, workspace_bytes));
    COPY_ROWS(&cl->storage, perf, count, workspace_bytes, found);
  }
  return 0;
}

int cudnn_heuristic_pick(cudnnHandle_t h, const cudnn_layer *cl, size_t workspace_limit,
                         cudnn_choice *pick) {
  int count = 0;
  if (cl->op == TCONV_OP_CONV) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    BENCH_CUDNN(cudnnGetConvolutionForwardAlgorithm_v7(
        h, cl->x, cl->w, cl->conv, cl->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    PICK_FIRST(&cl->storage, perf, count, workspace_limit, pick);
  } else {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    BENCH_CUDNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, cl->w, cl->x, cl->conv, cl->y, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    PICK_FIRST(&cl->storage, perf, count, workspace_limit, pick);
  }
  if (!pick->found)
    return bench_fail("cuDNN's heuristic offers no %s algorithm within %.0f MiB of "
                      "workspace (%d candidates)",
                      bench_storage_strict(&cl->storage) ? "strict-FP32" : "eligible",
                      (double)workspace_limit / BENCH_MIB, count);
  return 0;
}

int cudnn_run(cudnnHandle_t h, const cudnn_layer *cl, const cudnn_choice *c, const void *x,
              const void *w, void *y, void *workspace) {
  const float one = 1.0f, zero = 0.0f;
  if (cl->op == TCONV_OP_CONV)
    BENCH_CUDNN(cudnnConvolutionForward(h, &one, cl->x, x, cl->w, w, cl->conv,
                                        (cudnnConvolutionFwdAlgo_t)c->algo, workspace, c->memory,
                                        &zero, cl->y, y));
  else
    BENCH_CUDNN(cudnnConvolutionBackwardData(h, &one, cl->w, w, cl->x, x, cl->conv,
                                             (cudnnConvolutionBwdDataAlgo_t)c->algo, workspace,
                                             c->memory, &zero, cl->y, y));
  return 0;
}

const char *cudnn_algo_name(tconv_op op, int algo) {
  static const char *const fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT] = {
      "IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING",
      "WINOGRAD",      "WINOGRAD_NONFUSED"};
  static const char *const bwd_data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT] = {
      "ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  if (op == TCONV_OP_CONV)
    return algo >= 0 && algo < CUDNN_CONVOLUTION_FWD_ALGO_COUNT ? fwd[algo] : "?";
  return algo >= 0 && algo < CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT ? bwd_data[algo] : "?";
}

const char *cudnn_math_name(cudnnMathType_t math) {
  switch (math) {
  case CUDNN_DEFAULT_MATH:
    return "DEFAULT";
  case CUDNN_TENSOR_OP_MATH:
    return "TENSOR_OP";
  case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
    return "TENSOR_OP_CONV";
  case CUDNN_FMA_MATH:
    return "FMA";
  default:
    return "?";
  }
}
