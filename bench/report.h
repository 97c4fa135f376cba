/*
 * report.h - what one layer's measurements are, and how they are written: the table on
 * stdout, the same rows as CSV, a progress line on stderr, and the summary against BENCH.md's
 * targets.
 */
#ifndef TCONV_BENCH_REPORT_H
#define TCONV_BENCH_REPORT_H

#include "ceiling.h"
#include "suite.h"

#include <stdio.h>

/* The largest acceptable max relative error of a tconv output against cuDNN's: both are
 * float32 results that the tests hold within 1e-5 of the exact value (tconv against the
 * double reference), so they differ by about 2e-5 at most; the margin covers cuDNN's FFT and
 * Winograd algorithms, whose rounding is coarser. */
#define BENCH_TOLERANCE 1e-4

/* One tconv algorithm on one layer. */
typedef struct bench_algo_result {
  tconv_algo algo;
  int ran;           /* 1: checked and timed; 0: failed (note says why) */
  double ms;         /* median */
  size_t workspace;  /* bytes */
  double error;      /* max relative error against cuDNN's output */
  int deterministic; /* two runs bitwise equal: 1, 0, or -1 when not checked */
  char note[240];
} bench_algo_result;

/* One cuDNN algorithm on one layer. */
typedef struct bench_cudnn_result {
  const char *algo; /* cudnn_algo_name() */
  double ms;
  size_t workspace;
} bench_cudnn_result;

typedef struct bench_result {
  const bench_layer *layer;
  bench_shape shape;
  double floor_ms;
  bench_cudnn_result best, v7;
  int count; /* rows: the supported algorithms in enum order, then AUTO */
  bench_algo_result rows[TCONV_ALGO_COUNT + 1];
  const char *find_pick; /* tconv_find_algo()'s fastest; NULL when it found none */
  double find_ms;
  char find_note[240]; /* why find_pick is NULL */
} bench_result;

/* Whether a row counts: it ran and matched cuDNN. */
int bench_row_valid(const bench_algo_result *row);
/* "ok", "failed", "wrong" (error above BENCH_TOLERANCE) or "nondeterministic". */
const char *bench_row_status(const bench_algo_result *row);

void bench_table_header(FILE *out);
void bench_table_rows(FILE *out, const bench_result *r);
void bench_csv_header(FILE *out);
void bench_csv_rows(FILE *out, const bench_result *r);
/* "[3/24] dcgan.up3: ..." */
void bench_progress(FILE *out, int index, int total, const bench_result *r);
/* The summary against BENCH.md's targets. Returns the number of rows that failed, differ
 * from cuDNN or are not deterministic: the benchmark's exit status depends on it. */
int bench_summary(FILE *out, const bench_result *results, int count, const bench_ceilings *c);

#endif /* TCONV_BENCH_REPORT_H */
