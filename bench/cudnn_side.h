/*
 * cudnn_side.h - the cuDNN baseline: one layer described to cuDNN with the same tensors in
 * the same memory, every algorithm cudnnFind*AlgorithmEx returns (the benchmark times each
 * eligible one itself), the default pick of the *_v7 heuristic, and runs of any.
 *
 * The mapping (see cudnn_side.c for why it holds): the filter descriptor is tconv's weight
 * tensor as it is, for both operations, and the convolution descriptor carries the layer's
 * stride, padding, dilation and groups.
 *   convolution   cudnnConvolutionForward:      x = tconv x, y = tconv y
 *   transposed    cudnnConvolutionBackwardData: dy = tconv x, dx = tconv y
 */
#ifndef TCONV_BENCH_CUDNN_SIDE_H
#define TCONV_BENCH_CUDNN_SIDE_H

#include "suite.h"
#include "typed.h"

#include <cudnn.h>

#include <stddef.h>

typedef struct cudnn_layer {
  tconv_op op;
  bench_storage storage;        /* the data type, layout and math of every descriptor */
  cudnnTensorDescriptor_t x, y; /* tconv's x and y */
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t conv;
} cudnn_layer;

/* An algorithm and what it needs. */
typedef struct cudnn_choice {
  int found;     /* 0: no algorithm qualified */
  int algo;      /* cudnnConvolutionFwdAlgo_t or cudnnConvolutionBwdDataAlgo_t */
  size_t memory; /* workspace bytes */
} cudnn_choice;

/* One row of cudnnFind*AlgorithmEx's answer, as cuDNN gives it. */
typedef struct cudnn_found_row {
  int algo;
  cudnnStatus_t status;
  cudnnMathType_t math;
  float find_ms; /* cuDNN's own time (warm L2, one run) */
  size_t memory;
  int eligible; /* succeeded, workspace within the limit, math allowed (cudnn_side.c) */
} cudnn_found_row;

#define CUDNN_FOUND_MAX CUDNN_CONVOLUTION_FWD_ALGO_COUNT /* >= the backward-data count */

typedef struct cudnn_found {
  int count;
  cudnn_found_row rows[CUDNN_FOUND_MAX];
} cudnn_found;

/* Creates the descriptors of `shape` in `storage` and checks that cuDNN's forward output of
 * the convolution's input is the other tensor. Needs no GPU. Returns 0, or -1 with the
 * reason in why. The storage maps to cuDNN as:
 *   dtype   CUDNN_DATA_FLOAT / _HALF / _BFLOAT16 for the tensors and the filter; the
 *           convolution's compute type is CUDNN_DATA_FLOAT in all three (FP32 accumulation)
 *   layout  NCHW: packed strides; NHWC: the channel stride 1 (the tensors' strides) and
 *           CUDNN_TENSOR_NHWC for the filter, i.e. (K, k..., C/g) - tconv's NHWC weights
 *   math    float32 STRICT: CUDNN_FMA_MATH (no TF32); float32 TF32, float16 and bfloat16:
 *           CUDNN_DEFAULT_MATH, cuDNN's own default, under which it may run tensor cores
 *           (TF32 for float data on Ampere and later, FP16/BF16 MMA). FindEx's rows with
 *           CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION are not eligible for float32 data: they
 *           round the inputs to half precision, below what TF32 promises. */
int cudnn_layer_create(cudnn_layer *cl, tconv_op op, const bench_shape *shape,
                       const bench_storage *storage, char *why, size_t why_size);
void cudnn_layer_destroy(cudnn_layer *cl);

/* cudnnFind*AlgorithmEx with `workspace_bytes` of workspace: every row it returns, in its
 * order (fastest first by cuDNN's one warm run); y is overwritten. Fatal errors are reported
 * (-1); no eligible row is not an error here. */
int cudnn_find_all(cudnnHandle_t handle, const cudnn_layer *cl, const void *x, const void *w,
                   void *y, void *workspace, size_t workspace_bytes, cudnn_found *found);
/* The *_v7 heuristic's first pick whose workspace fits `workspace_limit` bytes. */
int cudnn_heuristic_pick(cudnnHandle_t handle, const cudnn_layer *cl, size_t workspace_limit,
                         cudnn_choice *pick);
/* Enqueues y = layer(x, w) with `choice` on the handle's stream. */
int cudnn_run(cudnnHandle_t handle, const cudnn_layer *cl, const cudnn_choice *choice,
              const void *x, const void *w, void *y, void *workspace);

/* cuDNN's name of an algorithm without the enum prefix: "ALGO_1", "IMPLICIT_PRECOMP_GEMM". */
const char *cudnn_algo_name(tconv_op op, int algo);
/* "FMA", "DEFAULT", "TENSOR_OP", "TENSOR_OP_CONV" (tensor-op math allowing conversion). */
const char *cudnn_math_name(cudnnMathType_t math);

#endif /* TCONV_BENCH_CUDNN_SIDE_H */
