/*
 * suite.h - the benchmark's 24 layers (the table in suite.c) and what each one
 * means to the library: parameters, tensor dims, useful FLOPs and bytes moved.
 *
 * Nothing here needs a GPU: `tconv-bench --list` prints the table and checks every output
 * size against the library's shape query.
 */
#ifndef TCONV_BENCH_SUITE_H
#define TCONV_BENCH_SUITE_H

#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

/* One layer as the table writes it: the same k, s, p in every spatial dimension. */
typedef struct bench_layer {
  const char *name;
  tconv_op op;
  int rank; /* spatial rank: 1, 2 or 3 */
  int64_t n, cin, cout;
  int64_t in[TCONV_MAX_SPATIAL]; /* input spatial sizes */
  int64_t k, s, p;
  int64_t op_or_d; /* transposed: output_padding; convolution: dilation */
  int64_t groups;
  int64_t out[TCONV_MAX_SPATIAL]; /* output spatial sizes, as the table states them */
  const char *from;               /* the model the layer comes from; "" when as above */
} bench_layer;

/* A layer resolved through the library. */
typedef struct bench_shape {
  tconv_params params;
  int dims;                          /* tensor rank: spatial rank + 2 */
  int64_t x[TCONV_MAX_RANK];         /* (N, Cin, input...) */
  int64_t w[TCONV_MAX_RANK];         /* conv (Cout, Cin/g, k...), transposed (Cin, Cout/g, k...) */
  int64_t y[TCONV_MAX_RANK];         /* (N, Cout, output...) */
  int64_t x_count, w_count, y_count; /* elements */
  double flops;                      /* useful FLOPs: products that reach an output from a real
                                        input, times 2 */
  double bytes;                      /* x + w + y, each read or written once */
} bench_shape;

extern const bench_layer bench_suite[];
extern const int bench_suite_size;

/* Resolves `layer`: parameters, dims from tconv_*_output_shape(), counts, FLOPs and bytes.
 * Returns 0, or -1 with the reason in why when the library rejects the layer or its output
 * differs from the table's. */
int bench_shape_of(const bench_layer *layer, bench_shape *shape, char *why, size_t why_size);

/* The target classes (report.h). Special: grouped, 1-D, 3-D or output_padding (target: 2x over
 * cuDNN's best). Dense 2-D: rank 2, groups 1 (targets: 70 % of the FP32 peak and 80 % of the
 * measured SGEMM ceiling in useful FLOP/s). A layer may be in both. */
int bench_layer_is_special(const bench_layer *layer);
int bench_layer_is_dense2d(const bench_layer *layer);

/* "transposed" or "conv". */
const char *bench_op_name(tconv_op op);

/* Marks in selected[] (bench_suite_size entries, zeroed by the caller) the layers of a comma
 * list of names. Returns the number selected, or -1 with the first unknown name in why. */
int bench_select(const char *names, int *selected, char *why, size_t why_size);

/* "64x64", "16000", "32x32x32". */
void bench_format_sizes(const int64_t *sizes, int count, char *out, size_t out_size);

#endif /* TCONV_BENCH_SUITE_H */
