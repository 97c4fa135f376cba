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

#include <cudnn.h>

#include <stddef.h>

typedef struct cudnn_layer {
  tconv_op op;
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
  int eligible; /* succeeded, strict FP32 (no tensor-op math), workspace within the limit */
} cudnn_found_row;

#define CUDNN_FOUND_MAX CUDNN_CONVOLUTION_FWD_ALGO_COUNT /* >= the backward-data count */

typedef struct cudnn_found {
  int count;
  cudnn_found_row rows[CUDNN_FOUND_MAX];
} cudnn_found;

/* Creates the descriptors of `shape` (math type CUDNN_FMA_MATH: strict FP32) and checks that
 * cuDNN's forward output of the convolution's input is the other tensor. Needs no GPU.
 * Returns 0, or -1 with the reason in why. */
int cudnn_layer_create(cudnn_layer *cl, tconv_op op, const bench_shape *shape, char *why,
                       size_t why_size);
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
