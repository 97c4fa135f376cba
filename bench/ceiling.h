/*
 * ceiling.h - the machine's own ceilings, measured in the same run as the layers: a large
 * cuBLAS SGEMM (strict FP32: default math mode, no TF32) and a large device-to-device copy.
 * A layer's floor is max(useful FLOPs / FLOP ceiling, bytes / bandwidth ceiling).
 */
#ifndef TCONV_BENCH_CEILING_H
#define TCONV_BENCH_CEILING_H

#include "common.h"

typedef struct bench_ceilings {
  int gemm_n;         /* the SGEMM is gemm_n x gemm_n x gemm_n */
  double gemm_ms;     /* median */
  double flops;       /* FLOP/s */
  size_t copy_bytes;  /* bytes copied (each read once and written once) */
  double copy_ms;     /* median */
  double bandwidth;   /* bytes read + written per second */
  int cublas_version; /* cublasGetVersion() */
} bench_ceilings;

/* Measures both on ctx's device and stream with timer t (no L2 flush: both overflow it). */
int bench_measure_ceilings(tconv_context *ctx, bench_timer *t, bench_ceilings *c);

/* The layer's floor in milliseconds. */
double bench_floor_ms(const bench_ceilings *c, double flops, double bytes);

#endif /* TCONV_BENCH_CEILING_H */
