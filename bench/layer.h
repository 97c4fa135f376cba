/*
 * layer.h - one layer of the suite, measured in the run's storage (typed.h): every algorithm
 * cuDNN's FindEx returns in that storage and the default (v7) pick, then every tconv algorithm that
 * takes the layer and AUTO (each checked against cuDNN's output and for determinism before it is
 * timed), then tconv_find_algo()'s pick.
 */
#ifndef TCONV_BENCH_LAYER_H
#define TCONV_BENCH_LAYER_H

#include "report.h"

#include <cudnn.h>

/* What every layer shares. */
typedef struct bench_env {
  tconv_context *ctx; /* CUDA backend; its stream is the timer's and cuDNN's */
  cudnnHandle_t cudnn;
  bench_timer *timer;
  const bench_ceilings *ceilings;
  size_t cudnn_workspace_cap; /* the most cuDNN's search may use */
  bench_storage storage;      /* dtype, layout and math of both sides */
} bench_env;

/* Measures `layer` into *r. Failures of one algorithm (tconv's or cuDNN's) land in its row;
 * anything else (CUDA, cuDNN, allocations of the layer's tensors, no valid cuDNN output)
 * fails the layer: reported, r->failed set with the sentence, -1. */
int bench_run_layer(const bench_env *env, const bench_layer *layer, bench_result *r);

#endif /* TCONV_BENCH_LAYER_H */
