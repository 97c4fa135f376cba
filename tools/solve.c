/*
 * solve.c - `tconv solve --input I --output O --kernel K --stride S [--dilation D]`: which
 * padding makes a transposed convolution produce the wanted output size, and how to say so
 * in PyTorch, ONNX, Keras and TensorFlow.
 *
 * Every size comes from the library: the tool never evaluates the output-size formula. Each
 * spatial dimension is asked about as a rank-1 problem:
 *   - for every output_padding op below max(s, d) (PyTorch's range), the library's output
 *     never grows with the symmetric padding p, so a bisection over p finds the smallest p
 *     whose output is at most O; the library then says whether it is exactly O. That lists
 *     every symmetric (padding, output_padding) pair, at most one per op;
 *   - when there is none (stride and dilation 1 with the other parity), the same search with
 *     one more row of padding at the end finds ONNX's asymmetric pads;
 *   - the shown pair is the one with the smallest output_padding (0 when possible), which is
 *     also the one with the smallest padding.
 * The frameworks' own rules are mapped onto library parameters, never onto formulas here:
 *   Keras       padding='same' without output_padding is ONNX's SAME_UPPER (o = i*s);
 *               'valid' is padding 0 with output_padding max(ke, s) - ke; with an explicit
 *               output_padding (< stride), 'valid' is padding 0 and 'same' is padding
 *               floor(ke/2) on both sides (keras/src/backend/common/backend_utils.py),
 *               where ke = d*(k-1)+1. Keras refuses strides > 1 with dilation_rate > 1.
 *   TensorFlow  tf.nn.conv*_transpose takes output_shape and 'SAME' or 'VALID', and needs
 *               its forward convolution of the output (conv with SAME / VALID) to give the
 *               input size back; Keras 'same' with an output_padding runs into the same check
 *               on its TensorFlow backend, so it is offered only when that holds.
 */
#include "solve.h"

#include "args.h"
#include "cli.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* One spatial dimension of the problem. */
typedef struct axis {
  int64_t i, o, k, s, d;
} axis;

typedef struct pad_pair {
  int64_t pad, op;
} pad_pair;

/* What one dimension can do. */
typedef struct axis_solution {
  axis ax;
  int64_t max_out;                 /* the largest reachable output (the smallest is 1) */
  pad_pair pairs[SOLVE_MAX_SCALE]; /* every symmetric pair giving o, output_padding rising */
  int count;
  int asymmetric;                  /* no symmetric pair: begin != end below */
  int64_t pad_begin, pad_end, op;  /* the chosen padding */
  int64_t keras_same, keras_valid; /* library sizes of 'same' / 'valid' without output_padding */
  int64_t keras_same_op, keras_valid_op; /* smallest output_padding giving o, or -1 */
  int tf_same, tf_valid; /* whether tf.nn.conv*_transpose accepts o with 'SAME' / 'VALID' */
} axis_solution;

/* ---- asking the library -------------------------------------------------------------- */

static tconv_params axis_params(const axis *a) {
  tconv_params p = tconv_params_default(1);
  p.stride[0] = a->s;
  p.dilation[0] = a->d;
  return p;
}

/* The library's transposed output size of a with p, or -1 when it refuses; the status goes
 * to *status when status is not NULL. */
static int64_t transpose_size(const axis *a, const tconv_params *p, tconv_status *status) {
  const int64_t x[3] = {1, 1, a->i}, w[3] = {1, 1, a->k};
  int64_t y[3];
  tconv_status st = tconv_transpose_output_shape(p, x, w, y);
  if (status != NULL)
    *status = st;
  return st == TCONV_STATUS_OK ? y[2] : -1;
}

/* The output with padding pb at the begin, pb + extra at the end and output_padding op. */
static int64_t size_at(const axis *a, int64_t pb, int64_t extra, int64_t op) {
  tconv_params p = axis_params(a);
  if (__builtin_add_overflow(pb, extra, &p.pad_end[0]))
    return -1;
  p.pad_begin[0] = pb;
  p.output_padding[0] = op;
  return transpose_size(a, &p, NULL);
}

/* The library's convolution output for an input of `in` with auto_pad, or -1. */
static int64_t conv_size(const axis *a, int64_t in, tconv_auto_pad auto_pad) {
  tconv_params p = axis_params(a);
  p.auto_pad = auto_pad;
  const int64_t x[3] = {1, 1, in}, w[3] = {1, 1, a->k};
  int64_t y[3];
  return tconv_conv_output_shape(&p, x, w, y) == TCONV_STATUS_OK ? y[2] : -1;
}

/* The smallest pb >= 0 whose output (pads pb, pb + extra; output_padding op) is at most o. A
 * refusal (the pads cover everything) counts as smaller, and the output never grows with
 * the padding, so a doubling search then a bisection find it. */
static int64_t first_pad(const axis *a, int64_t extra, int64_t op) {
  if (size_at(a, 0, extra, op) <= a->o)
    return 0;
  int64_t lo = 0, hi = 1; /* size_at(lo) > o */
  while (size_at(a, hi, extra, op) > a->o) {
    lo = hi;
    if (hi > INT64_MAX / 4)
      return hi; /* unreachable: the library refuses pads this large */
    hi *= 2;
  }
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (size_at(a, mid, extra, op) > a->o)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

/* The Keras and TensorFlow columns of one dimension. */
static void fit_frameworks(axis_solution *sol) {
  const axis *a = &sol->ax;
  tconv_params p = axis_params(a);
  p.auto_pad = TCONV_AUTO_PAD_SAME_UPPER;
  sol->keras_same = transpose_size(a, &p, NULL);
  int64_t ke;
  if (__builtin_mul_overflow(a->d, a->k - 1, &ke) || __builtin_add_overflow(ke, 1, &ke))
    ke = INT64_MAX;
  sol->keras_valid = size_at(a, 0, 0, ke < a->s ? a->s - ke : 0);
  sol->tf_same = conv_size(a, a->o, TCONV_AUTO_PAD_SAME_UPPER) == a->i;
  sol->tf_valid = conv_size(a, a->o, TCONV_AUTO_PAD_VALID) == a->i;
  sol->keras_same_op = sol->keras_valid_op = -1;
  for (int64_t op = a->s - 1; op >= 0; op--) {
    if (sol->tf_same && size_at(a, ke / 2, 0, op) == a->o)
      sol->keras_same_op = op;
    if (size_at(a, 0, 0, op) == a->o)
      sol->keras_valid_op = op;
  }
}

/* Fills sol for sol->ax. Returns 0, or exit code 2 with a sentence in err. */
static int solve_axis(axis_solution *sol, int dim, char *err, size_t err_size) {
  const axis *a = &sol->ax;
  tconv_params p = axis_params(a);
  tconv_status st;
  transpose_size(a, &p, &st); /* the library's judgement of i, k, s and d */
  if (st != TCONV_STATUS_OK) {
    snprintf(err, err_size, "%s", tconv_last_error());
    return cli_exit_code(st);
  }
  const int64_t m = a->s > a->d ? a->s : a->d;
  if (m > SOLVE_MAX_SCALE) {
    snprintf(err, err_size,
             "solve: max(stride, dilation) = %lld along dimension %d is above %d, the largest "
             "solve searches (it tries every output_padding below it)",
             (long long)m, dim, SOLVE_MAX_SCALE);
    return CLI_EXIT_USAGE;
  }
  sol->max_out = size_at(a, 0, 0, m - 1);
  sol->count = 0;
  for (int64_t op = 0; op < m; op++) {
    int64_t pad = first_pad(a, 0, op);
    if (size_at(a, pad, 0, op) == a->o)
      sol->pairs[sol->count++] = (pad_pair){pad, op};
  }
  sol->asymmetric = sol->count == 0;
  if (!sol->asymmetric) {
    sol->pad_begin = sol->pad_end = sol->pairs[0].pad;
    sol->op = sol->pairs[0].op;
    fit_frameworks(sol);
    return 0;
  }
  for (int64_t op = 0; op < m; op++) {
    int64_t pad = first_pad(a, 1, op);
    if (size_at(a, pad, 1, op) == a->o) {
      sol->pad_begin = pad;
      sol->pad_end = pad + 1;
      sol->op = op;
      fit_frameworks(sol);
      return 0;
    }
  }
  snprintf(err, err_size,
           "solve: no padding gives output %lld along dimension %d: with input %lld, kernel "
           "%lld, stride %lld and dilation %lld the reachable outputs are 1 to %lld",
           (long long)a->o, dim, (long long)a->i, (long long)a->k, (long long)a->s, (long long)a->d,
           (long long)sol->max_out);
  return CLI_EXIT_USAGE;
}

/* ---- printing ------------------------------------------------------------------------ */

typedef enum list_style {
  STYLE_X,     /* 64x64 */
  STYLE_TUPLE, /* 4 (rank 1) or (4, 4): Python arguments that take an int or a tuple */
  STYLE_LIST   /* [4, 4] */
} list_style;

/* values[0..rank) in `style` into buf; returns buf. */
static const char *fmt(char *buf, size_t size, list_style style, int rank, const int64_t *values) {
  size_t n = 0;
  const int brackets = style == STYLE_LIST || (style == STYLE_TUPLE && rank > 1);
  buf[0] = '\0';
  if (brackets)
    n += (size_t)snprintf(buf, size, "%s", style == STYLE_LIST ? "[" : "(");
  for (int i = 0; i < rank && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld",
                          i == 0             ? ""
                          : style == STYLE_X ? "x"
                                             : ", ",
                          (long long)values[i]);
  if (brackets && n < size)
    snprintf(buf + n, size - n, "%s", style == STYLE_LIST ? "]" : ")");
  return buf;
}

#define AT(field) offsetof(axis_solution, field)

/* The int64_t at byte offset `at` of sol[0..rank) in `style` into buf; returns buf. */
static const char *fmt_field(char *buf, size_t size, list_style style, const axis_solution *sol,
                             int rank, size_t at) {
  int64_t v[TCONV_MAX_SPATIAL] = {0};
  for (int i = 0; i < rank; i++)
    memcpy(&v[i], (const char *)&sol[i] + at, sizeof v[i]);
  return fmt(buf, size, style, rank, v);
}

static void print_dimension(const axis_solution *sol, int dim) {
  const axis *a = &sol->ax;
  printf("\ndimension %d: i=%lld o=%lld k=%lld s=%lld d=%lld (reachable outputs: 1 to %lld)\n", dim,
         (long long)a->i, (long long)a->o, (long long)a->k, (long long)a->s, (long long)a->d,
         (long long)sol->max_out);
  printf("  (padding, output_padding) pairs:");
  for (int j = 0; j < sol->count; j++)
    printf(" (%lld, %lld)", (long long)sol->pairs[j].pad, (long long)sol->pairs[j].op);
  printf("%s\n", sol->count == 0 ? " none (no symmetric padding gives this size)" : "");
  if (sol->asymmetric)
    printf("  asymmetric pads needed: yes, begin %lld, end %lld, output_padding %lld\n",
           (long long)sol->pad_begin, (long long)sol->pad_end, (long long)sol->op);
  else
    printf("  asymmetric pads needed: no\n  chosen: padding %lld, output_padding %lld\n",
           (long long)sol->pad_begin, (long long)sol->op);
}

/* The checkerboard warning for one dimension, with the nearest kernels the stride divides
 * and what they would need. Returns whether it warned. */
static int print_overlap_warning(const axis_solution *sol, int dim) {
  const axis *a = &sol->ax;
  if (a->k % a->s == 0)
    return 0;
  printf("warning: dimension %d: kernel %lld is not a multiple of stride %lld: the kernel "
         "windows overlap unevenly, which leaves checkerboard artifacts;",
         dim, (long long)a->k, (long long)a->s);
  const int64_t below = a->k - a->k % a->s, candidates[2] = {below, below + a->s};
  const char *sep = " nearest kernels the stride divides:";
  for (int c = 0; c < 2; c++) {
    if (candidates[c] < 1)
      continue;
    axis_solution other;
    memset(&other, 0, sizeof other);
    other.ax = *a;
    other.ax.k = candidates[c];
    char unused[CLI_ERR_SIZE]; /* a candidate that fails is reported as such, not an error */
    int rc = solve_axis(&other, dim, unused, sizeof unused);
    printf("%s %lld", sep, (long long)candidates[c]);
    if (rc != 0)
      printf(" (does not reach %lld)", (long long)a->o);
    else if (other.asymmetric)
      printf(" (pads %lld, %lld, output_padding %lld)", (long long)other.pad_begin,
             (long long)other.pad_end, (long long)other.op);
    else
      printf(" (padding %lld, output_padding %lld)", (long long)other.pad_begin,
             (long long)other.op);
    sep = " or";
  }
  printf("\n");
  return 1;
}

/* "y[:, :, :64, :63]": the crop that turns PyTorch's one-longer output into ONNX's. */
static void print_crop(const axis_solution *sol, int rank) {
  printf("            PyTorch pads symmetrically: that gives one more position at the end of a "
         "dimension marked above; crop it: y = y[:, :");
  for (int i = 0; i < rank; i++)
    printf(", :%lld", (long long)sol[i].ax.o);
  printf("]\n");
}

static void print_pytorch_onnx(const axis_solution *sol, int rank) {
  int64_t v[2 * TCONV_MAX_SPATIAL] = {0};
  char k[96], st[96], pad[96], op[96], d[96], o[96];
  int asymmetric = 0, onnx_shape = 1;
  for (int i = 0; i < rank; i++) {
    asymmetric |= sol[i].asymmetric;
    tconv_params p = axis_params(&sol[i].ax);
    p.output_size[0] = sol[i].ax.o;
    p.output_size_rule = TCONV_OUTPUT_SIZE_ONNX;
    p.auto_pad = TCONV_AUTO_PAD_SAME_UPPER;
    onnx_shape &= transpose_size(&sol[i].ax, &p, NULL) == sol[i].ax.o;
  }
  fmt_field(k, sizeof k, STYLE_TUPLE, sol, rank, AT(ax.k));
  fmt_field(st, sizeof st, STYLE_TUPLE, sol, rank, AT(ax.s));
  fmt_field(pad, sizeof pad, STYLE_TUPLE, sol, rank, AT(pad_begin));
  fmt_field(op, sizeof op, STYLE_TUPLE, sol, rank, AT(op));
  fmt_field(d, sizeof d, STYLE_TUPLE, sol, rank, AT(ax.d));
  printf("PyTorch     nn.ConvTranspose%dd(in_channels, out_channels, kernel_size=%s, stride=%s, "
         "padding=%s, output_padding=%s, dilation=%s)\n",
         rank, k, st, pad, op, d);
  if (asymmetric)
    print_crop(sol, rank);

  fmt_field(k, sizeof k, STYLE_LIST, sol, rank, AT(ax.k));
  fmt_field(st, sizeof st, STYLE_LIST, sol, rank, AT(ax.s));
  for (int i = 0; i < rank; i++) {
    v[i] = sol[i].pad_begin;
    v[rank + i] = sol[i].pad_end;
  }
  fmt(pad, sizeof pad, STYLE_LIST, 2 * rank, v);
  fmt_field(op, sizeof op, STYLE_LIST, sol, rank, AT(op));
  fmt_field(d, sizeof d, STYLE_LIST, sol, rank, AT(ax.d));
  fmt_field(o, sizeof o, STYLE_LIST, sol, rank, AT(ax.o));
  printf("ONNX        ConvTranspose(kernel_shape=%s, strides=%s, pads=%s, output_padding=%s, "
         "dilations=%s)\n",
         k, st, pad, op, d);
  if (onnx_shape)
    printf("            or, with the padding split as TensorFlow's 'SAME' splits it: "
           "output_shape=%s, auto_pad='SAME_UPPER'\n",
           o);
}

/* Keras' padding is one string for every dimension: the first form that fits them all. */
static void print_keras(const axis_solution *sol, int rank) {
  int strided = 0, dilated = 0, same = 1, valid = 1, same_op = 1, valid_op = 1;
  for (int i = 0; i < rank; i++) {
    strided |= sol[i].ax.s > 1;
    dilated |= sol[i].ax.d > 1;
    same &= sol[i].keras_same == sol[i].ax.o;
    valid &= sol[i].keras_valid == sol[i].ax.o;
    same_op &= sol[i].keras_same_op >= 0;
    valid_op &= sol[i].keras_valid_op >= 0;
  }
  if (strided && dilated) {
    printf("Keras       none: Keras refuses strides > 1 together with dilation_rate > 1\n");
    return;
  }
  char k[96], st[96], op[96] = "", d[96] = "", o[96];
  fmt_field(o, sizeof o, STYLE_X, sol, rank, AT(ax.o));
  if (!same && !valid && !same_op && !valid_op) {
    char a[96], b[96];
    fmt_field(a, sizeof a, STYLE_X, sol, rank, AT(keras_same));
    fmt_field(b, sizeof b, STYLE_X, sol, rank, AT(keras_valid));
    printf("Keras       none: no padding string gives %s ('same' gives %s, 'valid' gives %s, and "
           "no output_padding below the stride closes the gap)\n",
           o, a, b);
    return;
  }
  const char *padding = same || (!valid && same_op) ? "same" : "valid";
  if (!same && !valid) {
    char text[64];
    snprintf(op, sizeof op, ", output_padding=%s",
             fmt_field(text, sizeof text, STYLE_TUPLE, sol, rank,
                       same_op ? AT(keras_same_op) : AT(keras_valid_op)));
  }
  if (dilated) {
    char text[64];
    snprintf(d, sizeof d, ", dilation_rate=%s",
             fmt_field(text, sizeof text, STYLE_TUPLE, sol, rank, AT(ax.d)));
  }
  fmt_field(k, sizeof k, STYLE_TUPLE, sol, rank, AT(ax.k));
  fmt_field(st, sizeof st, STYLE_TUPLE, sol, rank, AT(ax.s));
  printf("Keras       Conv%dDTranspose(filters, kernel_size=%s, strides=%s, padding='%s'%s%s)\n",
         rank, k, st, padding, op, d);
}

static void print_tensorflow(const axis_solution *sol, int rank) {
  int same = 1, valid = 1, dilated = 0;
  for (int i = 0; i < rank; i++) {
    same &= sol[i].tf_same;
    valid &= sol[i].tf_valid;
    dilated |= sol[i].ax.d > 1;
  }
  const list_style style = rank == 1 ? STYLE_TUPLE : STYLE_LIST;
  char shape[128] = "[N", o[96], st[96], d[128] = "";
  for (int i = 0; i < rank; i++) {
    size_t n = strlen(shape);
    snprintf(shape + n, sizeof shape - n, ", %lld", (long long)sol[i].ax.o);
  }
  strcat(shape, ", C_out]");
  if (!same && !valid) {
    printf("TensorFlow  none: neither 'SAME' nor 'VALID' takes output size %s (tf.nn.conv%dd_"
           "transpose needs its forward convolution of the output to give the input size)\n",
           fmt_field(o, sizeof o, STYLE_X, sol, rank, AT(ax.o)), rank);
    return;
  }
  if (dilated) {
    char text[96];
    snprintf(d, sizeof d, ", dilations=%s",
             fmt_field(text, sizeof text, style, sol, rank, AT(ax.d)));
  }
  printf("TensorFlow  tf.nn.conv%dd_transpose(x, filters, output_shape=%s, strides=%s, "
         "padding='%s'%s)\n",
         rank, shape, fmt_field(st, sizeof st, style, sol, rank, AT(ax.s)), same ? "SAME" : "VALID",
         d);
}

/* ---- the command --------------------------------------------------------------------- */

static const char solve_usage[] =
    "usage: tconv solve --input I[,I..] --output O[,O..] --kernel K[,K..] --stride S[,S..]\n"
    "                   [--dilation D[,D..]]\n"
    "For a transposed convolution from input size I to the wanted output size O, lists per\n"
    "dimension every (padding, output_padding) pair that gives O (PyTorch's symmetric\n"
    "padding, output_padding < max(S, D)), says whether asymmetric ONNX pads are needed\n"
    "instead, and prints the arguments that reach O in PyTorch, ONNX, Keras and TensorFlow\n"
    "for the chosen pair: the one with the smallest output_padding (0 when possible), which\n"
    "also has the smallest padding. Warns when a kernel size is not a multiple of the stride\n"
    "(uneven overlap: checkerboard artifacts). A per-dimension option takes one integer for\n"
    "every dimension or one per dimension; the rank is the number of --input entries.\n";

int cli_solve(int argc, char **argv) {
  const char *input, *output, *kernel, *stride, *dilation;
  const args_option options[] = {{"input", &input, NULL},
                                 {"output", &output, NULL},
                                 {"kernel", &kernel, NULL},
                                 {"stride", &stride, NULL},
                                 {"dilation", &dilation, NULL}};
  char err[CLI_ERR_SIZE];
  args_result parsed =
      args_parse(argc, argv, options, (int)(sizeof options / sizeof options[0]), err, sizeof err);
  if (parsed == ARGS_HELP) {
    fputs(solve_usage, stdout);
    return 0;
  }
  if (parsed != ARGS_OK)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  const char *missing = input == NULL    ? "input"
                        : output == NULL ? "output"
                        : kernel == NULL ? "kernel"
                        : stride == NULL ? "stride"
                                         : NULL;
  if (missing != NULL)
    return cli_fail(CLI_EXIT_USAGE, "solve needs --%s (see tconv solve --help)", missing);
  int64_t i[TCONV_MAX_SPATIAL], o[TCONV_MAX_SPATIAL], k[TCONV_MAX_SPATIAL], s[TCONV_MAX_SPATIAL],
      d[TCONV_MAX_SPATIAL];
  int rank = args_int_list("input", input, TCONV_MAX_SPATIAL, i, err, sizeof err);
  if (rank < 0 || args_per_dim("output", output, rank, 0, o, err, sizeof err) != 0 ||
      args_per_dim("kernel", kernel, rank, 0, k, err, sizeof err) != 0 ||
      args_per_dim("stride", stride, rank, 0, s, err, sizeof err) != 0 ||
      args_per_dim("dilation", dilation, rank, 1, d, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);

  const char *names[4] = {"input", "output", "kernel", "stride"},
             *texts[4] = {input, output, kernel, stride};
  const int64_t *values[4] = {i, o, k, s};
  for (int opt = 0; opt < 4; opt++)
    for (int dim = 0; dim < rank; dim++)
      if (values[opt][dim] < 1)
        return cli_fail(CLI_EXIT_USAGE,
                        "--%s: '%s': every size must be >= 1 (dimension %d is "
                        "%lld)",
                        names[opt], texts[opt], dim, (long long)values[opt][dim]);

  static axis_solution sol[TCONV_MAX_SPATIAL]; /* large; one command per process */
  for (int dim = 0; dim < rank; dim++) {
    memset(&sol[dim], 0, sizeof sol[dim]);
    sol[dim].ax = (axis){i[dim], o[dim], k[dim], s[dim], d[dim]};
    int rc = solve_axis(&sol[dim], dim, err, sizeof err);
    if (rc != 0)
      return cli_fail(rc, "%s", err);
  }

  char t[5][96];
  fmt_field(t[0], sizeof t[0], STYLE_X, sol, rank, AT(ax.i));
  fmt_field(t[1], sizeof t[1], STYLE_X, sol, rank, AT(ax.o));
  fmt_field(t[2], sizeof t[2], STYLE_X, sol, rank, AT(ax.k));
  fmt_field(t[3], sizeof t[3], STYLE_X, sol, rank, AT(ax.s));
  fmt_field(t[4], sizeof t[4], STYLE_X, sol, rank, AT(ax.d));
  printf("transposed convolution, %d-D: input %s -> output %s (kernel %s, stride %s, dilation "
         "%s)\n",
         rank, t[0], t[1], t[2], t[3], t[4]);
  for (int dim = 0; dim < rank; dim++)
    print_dimension(&sol[dim], dim);
  printf("\n");
  int warned = 0;
  for (int dim = 0; dim < rank; dim++)
    warned |= print_overlap_warning(&sol[dim], dim);
  if (warned)
    printf("\n");
  print_pytorch_onnx(sol, rank);
  print_keras(sol, rank);
  print_tensorflow(sol, rank);
  printf("\nchosen: per dimension the pair with the smallest output_padding (0 when possible),"
         " which also has the smallest padding\n");
  return 0;
}
