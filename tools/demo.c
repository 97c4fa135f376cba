/*
 * demo.c - `tconv demo`: the worked examples of the source material, computed by the library
 * on a context created with the AUTO backend (the GPU when there is one, else the CPU), shown
 * as matrices and checked against the expected values (exact: every value is a small dyadic
 * rational, so float32 sums in any order agree).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* One matrix to show: a row-major rows x cols array under a label. */
typedef struct shown {
  const char *label;
  int64_t rows, cols;
  const float *m;
} shown;

#define CELL 5 /* characters per printed value */

/* Prints n (at most 4) matrices side by side, labels above, so inputs and results read
 * together. */
static void print_matrices(int n, const shown *s) {
  int64_t rows = 0;
  int width[4];
  for (int i = 0; i < n; i++) {
    width[i] = (int)(s[i].cols * CELL);
    if ((int)strlen(s[i].label) > width[i])
      width[i] = (int)strlen(s[i].label);
    width[i] += 3;
    if (s[i].rows > rows)
      rows = s[i].rows;
  }
  printf("   ");
  for (int i = 0; i < n; i++)
    printf("%-*s", i + 1 < n ? width[i] : 0, s[i].label);
  printf("\n");
  for (int64_t r = 0; r < rows; r++) {
    printf("   ");
    for (int i = 0; i < n; i++) {
      int used = 0;
      for (int64_t c = 0; r < s[i].rows && c < s[i].cols; c++)
        used += printf("%*g", CELL, (double)s[i].m[r * s[i].cols + c]);
      if (i + 1 < n)
        printf("%*s", width[i] - used, "");
    }
    printf("\n");
  }
}

/* Prints "ok" or "MISMATCH" after `what`; returns 1 on a mismatch (all values here are exact
 * in float32, so equality is the right test). */
static int verdict(const char *what, const float *got, const float *want, int64_t n) {
  int same = 1;
  for (int64_t i = 0; i < n; i++)
    same &= got[i] == want[i];
  printf("   %s: %s\n", what, same ? "ok" : "MISMATCH");
  return !same;
}

/* A single-channel 2-D problem (N = C = 1) for the demo. */
static cli_tensor image(int64_t rows, int64_t cols, float *data) {
  cli_tensor t = {4, {1, 1, rows, cols, 0}, data};
  return t;
}

/* Runs op on ctx and reports errors; returns 0, or 1 with the sentence printed. */
static int demo_forward(tconv_context *ctx, tconv_op op, const tconv_params *params,
                        const cli_tensor *x, const cli_tensor *w, cli_tensor *y) {
  char err[CLI_ERR_SIZE];
  tconv_status st = cli_forward(ctx, op, params, TCONV_ALGO_AUTO, x, w, NULL, y, err, sizeof err);
  if (st != TCONV_STATUS_OK) {
    cli_fail(CLI_EXIT_RUNTIME, "%s", err[0] ? err : tconv_status_string(st));
    return 1;
  }
  return 0;
}

static int demo_conv(tconv_context *ctx) {
  float xd[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wd[4] = {1, 2, 3, 4}, yd[4];
  const float want[4] = {37, 47, 67, 77};
  cli_tensor x = image(3, 3, xd), w = image(2, 2, wd), y = image(2, 2, yd);
  tconv_params params = tconv_params_default(2);
  printf("1. Convolution, stride 1: the 3x3 input 1..9 and the 2x2 kernel [[1,2],[3,4]]\n");
  if (demo_forward(ctx, TCONV_OP_CONV, &params, &x, &w, &y) != 0)
    return 1;
  const shown s[3] = {{"x", 3, 3, xd}, {"w", 2, 2, wd}, {"y = conv(x, w)", 2, 2, yd}};
  print_matrices(3, s);
  printf("   (y[0][0] = 1*1 + 2*2 + 4*3 + 5*4 = 37: the kernel laid on x's top-left corner)\n");
  return verdict("expected [[37,47],[67,77]]", yd, want, 4);
}

static int demo_transpose(tconv_context *ctx) {
  float xd[4] = {0, 1, 2, 3}, wd[4] = {0, 1, 2, 3}, yd[9];
  const float want[9] = {0, 0, 1, 0, 4, 6, 4, 12, 9};
  cli_tensor x = image(2, 2, xd), w = image(2, 2, wd), y = image(3, 3, yd);
  tconv_params params = tconv_params_default(2);
  printf("\n2. Transposed convolution, stride 1: [[0,1],[2,3]] with the kernel [[0,1],[2,3]]\n"
         "   (each input element scales the kernel, which is added at its position: 2x2 -> 3x3)\n");
  if (demo_forward(ctx, TCONV_OP_TRANSPOSE, &params, &x, &w, &y) != 0)
    return 1;
  const shown s[3] = {{"x", 2, 2, xd}, {"w", 2, 2, wd}, {"y = conv_transpose(x, w)", 3, 3, yd}};
  print_matrices(3, s);
  return verdict("expected [[0,0,1],[0,4,6],[4,12,9]]", yd, want, 9);
}

static int demo_formulations(tconv_context *ctx) {
  float xd[4] = {1, 2, 3, 4}, wd[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, yd[16], ref[3][16];
  const float want[16] = {5, 14, 10, 12, 14, 36, 24, 30, 15, 34, 20, 24, 24, 55, 32, 36};
  static const char *const names[3] = {"gather", "scatter", "zero insertion"};
  const tconv_formulation forms[3] = {TCONV_FORMULATION_GATHER, TCONV_FORMULATION_SCATTER,
                                      TCONV_FORMULATION_ZERO_INSERTION};
  cli_tensor x = image(2, 2, xd), w = image(3, 3, wd), y = image(4, 4, yd);
  tconv_params params = tconv_params_default(2);
  tconv_params_set_uniform(&params, 2, 1, 1, 1);
  printf("\n3. The three formulations agree: [[1,2],[3,4]] with the 3x3 kernel 1..9, stride 2,\n"
         "   padding 1, output_padding 1 (2x2 -> 4x4), by the CPU reference and the library\n"
         "   gather:         each output sums the inputs that reach it (what the GPU computes)\n"
         "   scatter:        each input adds x * kernel into a window of the output\n"
         "   zero insertion: s-1 zeros between inputs, pad, stride-1 conv, flipped kernel\n");
  for (int f = 0; f < 3; f++) {
    tconv_status st =
        tconv_reference_transpose(&params, forms[f], x.dims, xd, w.dims, wd, NULL, y.dims, ref[f]);
    if (st != TCONV_STATUS_OK) {
      cli_fail(CLI_EXIT_RUNTIME, "%s",
               tconv_last_error()[0] ? tconv_last_error() : tconv_status_string(st));
      return 1;
    }
  }
  if (demo_forward(ctx, TCONV_OP_TRANSPOSE, &params, &x, &w, &y) != 0)
    return 1;
  const shown s[4] = {{names[0], 4, 4, ref[0]},
                      {names[1], 4, 4, ref[1]},
                      {names[2], 4, 4, ref[2]},
                      {"transpose_forward", 4, 4, yd}};
  print_matrices(4, s);
  int bad = 0;
  char what[96];
  for (int f = 0; f < 4; f++) {
    snprintf(what, sizeof what, "%s equals the expected values", f < 3 ? names[f] : s[3].label);
    bad |= verdict(what, f < 3 ? ref[f] : yd, want, 16);
  }
  return bad;
}

static int demo_upsample(tconv_context *ctx) {
  float xd[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, yd[36];
  /* The bilinear kernel: even outputs copy an input, odd ones average two neighbours. */
  float wd[9] = {0.25f, 0.5f, 0.25f, 0.5f, 1, 0.5f, 0.25f, 0.5f, 0.25f};
  const float want[36] = {1, 1.5, 2, 2.5, 3, 1.5, 2.5, 3,    3.5, 4,    4.5, 2.25,
                          4, 4.5, 5, 5.5, 6, 3,   5.5, 6,    6.5, 7,    7.5, 3.75,
                          7, 7.5, 8, 8.5, 9, 4.5, 3.5, 3.75, 4,   4.25, 4.5, 2.25};
  cli_tensor x = image(3, 3, xd), w = image(3, 3, wd), y = image(6, 6, yd);
  tconv_params params = tconv_params_default(2);
  tconv_params_set_uniform(&params, 2, 1, 1, 1);
  int64_t y_dims[4];
  tconv_status st = tconv_transpose_output_shape(&params, x.dims, w.dims, y_dims);
  if (st != TCONV_STATUS_OK) {
    cli_fail(CLI_EXIT_RUNTIME, "%s",
             tconv_last_error()[0] ? tconv_last_error() : tconv_status_string(st));
    return 1;
  }
  printf("\n4. Stride-2 upsampling: the 3x3 input 1..9, the bilinear 3x3 kernel, stride 2,\n"
         "   padding 1, output_padding 1. The output size, per spatial dimension:\n"
         "   o = (i-1)*s - 2p + d*(k-1) + op + 1 = (3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = %lld\n",
         (long long)y_dims[2]);
  int bad = y_dims[2] != 6 || y_dims[3] != 6;
  printf("   output size %lldx%lld, expected 6x6: %s\n", (long long)y_dims[2], (long long)y_dims[3],
         bad ? "MISMATCH" : "ok");
  if (bad)
    return 1;
  if (demo_forward(ctx, TCONV_OP_TRANSPOSE, &params, &x, &w, &y) != 0)
    return 1;
  const shown s[3] = {{"x", 3, 3, xd}, {"w", 3, 3, wd}, {"y = conv_transpose(x, w)", 6, 6, yd}};
  print_matrices(3, s);
  return verdict("expected x interpolated bilinearly (zero past its last row and column)", yd, want,
                 36);
}

int cli_demo(void) {
  tconv_context *ctx = NULL;
  tconv_status st = tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  printf("tconv %s demo: the worked examples, through the library\n", tconv_version_string());
  if (tconv_context_backend(ctx) == TCONV_BACKEND_CUDA)
    printf("backend: cuda (device %d)\n\n", tconv_context_device(ctx));
  else
    printf("backend: cpu (CUDA not used: %s)\n\n",
           tconv_context_last_error(ctx)[0] ? tconv_context_last_error(ctx) : "no reason given");
  int bad = demo_conv(ctx);
  bad |= demo_transpose(ctx);
  bad |= demo_formulations(ctx);
  bad |= demo_upsample(ctx);
  tconv_context_destroy(ctx);
  printf("\n%s\n", bad ? "demo: FAILED (see above)" : "demo: all examples ok");
  return bad ? 1 : 0;
}
