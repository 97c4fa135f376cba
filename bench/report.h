/*
 * report.h - what one layer's measurements are, and how they are written: the table on
 * stdout, the same rows as CSV, a progress line on stderr, and the summary against the
 * suite's targets (defined here).
 */
#ifndef TCONV_BENCH_REPORT_H
#define TCONV_BENCH_REPORT_H

#include "ceiling.h"
#include "cudnn_side.h"
#include "suite.h"
#include "typed.h"

#include <stdio.h>

/* float32 STRICT (typed.h has the rule of the other storages): the largest acceptable max
 * relative error of a tconv output against cuDNN's: both are
 * float32 results that the tests hold within 1e-5 of the exact value (tconv against the
 * double reference), so they differ by about 2e-5 at most; the margin covers cuDNN's FFT and
 * Winograd algorithms, whose rounding is coarser. */
#define BENCH_TOLERANCE 1e-4

/* One tconv algorithm (or AUTO) on one layer. */
typedef struct bench_algo_result {
  tconv_algo algo;
  int ran;           /* 1: checked and timed; 0: failed (note says why) */
  double ms;         /* median */
  double host_ms;    /* median host time to enqueue one call */
  size_t workspace;  /* bytes */
  double error;      /* max relative error against cuDNN's output */
  int64_t outside;   /* elements beyond the per-element bound (typed.h), 0 under the normwise */
  int matched;       /* within the storage's rule (bench_compare) */
  int deterministic; /* two runs bitwise equal: 1, 0, or -1 when not checked */
  char note[240];
} bench_algo_result;

/* One cuDNN algorithm: FindEx's row, and the benchmark's own check and time of it. */
typedef struct bench_cudnn_result {
  cudnn_found_row found;
  int ran; /* its output was checked and it was timed */
  double ms, host_ms;
  double error;   /* against the reference: the first valid row's output */
  char note[200]; /* why it was not timed, or failed */
} bench_cudnn_result;

typedef struct bench_result {
  const bench_layer *layer;
  bench_storage storage; /* the run's dtype, layout and math */
  bench_shape shape;
  double floor_ms;
  int failed; /* the layer could not be measured (failure says why) */
  char failure[512];
  int cudnn_count; /* FindEx's rows */
  bench_cudnn_result cudnn[CUDNN_FOUND_MAX];
  int best;              /* the fastest valid FindEx row (the baseline), -1 when none */
  bench_cudnn_result v7; /* the *_v7 heuristic's pick */
  int count;             /* rows: the supported algorithms in enum order, then AUTO */
  bench_algo_result rows[TCONV_ALGO_COUNT + 1];
  const char *find_pick; /* tconv_find_algo()'s fastest; NULL when it found none */
  double find_ms;
  char find_note[240]; /* why find_pick is NULL */
} bench_result;

/* The suite's targets, strict FP32 (the tensor-core modes: BENCH_TARGET_TENSOR only). */
#define BENCH_TARGET_GEOMEAN 1.5 /* geometric mean of the speedup over cuDNN's best */
#define BENCH_TARGET_LOWEST 0.9  /* no layer below */
#define BENCH_TARGET_SPECIAL 2.0 /* grouped, 1-D, 3-D, output_padding layers */
#define BENCH_TARGET_PEAK 0.70   /* dense 2-D layers: share of the FP32 peak, useful FLOP/s */
#define BENCH_TARGET_SGEMM 0.80  /* and of the SGEMM ceiling measured in the run */
#define BENCH_TARGET_TENSOR 1.2  /* TF32, FP16, BF16: geometric mean over cuDNN's default math */
#define BENCH_FP32_PEAK 66.9e12  /* H100 SXM (and H200): 132 SMs x 128 lanes x 2 x 1.98 GHz */

/* Whether a row counts: it ran and matched cuDNN by the storage's rule. */
int bench_row_valid(const bench_algo_result *row);
/* "ok", "failed", "wrong" (outside the storage's rule) or "nondeterministic". */
const char *bench_row_status(const bench_algo_result *row);

/* One layer's block of the table: the layer, every tconv row with AUTO last, FindEx's rows
 * with the benchmark's times, the heuristic's pick, tconv_find_algo()'s pick. */
void bench_layer_report(FILE *out, const bench_result *r);
void bench_csv_header(FILE *out);
void bench_csv_rows(FILE *out, const bench_result *r);
/* "[3/24] dcgan.up3: ..." */
void bench_progress(FILE *out, int index, int total, const bench_result *r);
/* The summary against the targets. Returns the number of rows that failed, differ
 * from cuDNN or are not deterministic, plus the layers that failed: the benchmark's exit
 * status depends on it. */
int bench_summary(FILE *out, const bench_result *results, int count, const bench_ceilings *c);

#endif /* TCONV_BENCH_REPORT_H */
