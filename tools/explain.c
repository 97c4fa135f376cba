/*
 * explain.c - `tconv explain conv|transpose`: the convolution arithmetic animations of
 * Dumoulin & Visin ("A guide to convolution arithmetic for deep learning") drawn in the
 * terminal for one small single-channel problem of rank 1 or 2.
 *
 * A transposed convolution is drawn as its zero-insertion equivalent: the input with s-1
 * zeros between cells and ke-1-p cells of padding (a negative amount crops), swept by the
 * flipped kernel at stride 1. A convolution is drawn as the padded input swept at stride s.
 * Sizes come from the library's shape queries; the formulas are then written out with the
 * numbers filled in and each result checked against the library's, so the text can never
 * silently disagree with what the library computes.
 *
 * Each axis is handled on its own (everything here is separable); a rank-1 problem is drawn
 * as a single row, with a trivial size-1 "rows" axis.
 */
#include "explain.h"

#include "args.h"
#include "cli.h"
#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_GRID 48 /* cells per axis of the drawn (padded) input */

/* One spatial axis of the problem, in the coordinates of the drawn grid. */
typedef struct axis {
  int64_t i, k, s, d, p, op; /* input, kernel, stride, dilation, begin padding, output_padding */
  int64_t pe;                /* end padding (= p unless --pads made it differ) */
  int64_t ke, o;             /* dilated extent; output size (from the library) */
  int64_t lead; /* grid cells before input cell 0: ke-1-p (transposed, < 0 crops) or p */
  int64_t grid; /* drawn cells: o+ke-1 (transposed) or i+p+pe (conv) */
  int64_t step; /* kernel move per output cell: 1 (transposed) or s (conv) */
} axis;

typedef enum cell_kind { CELL_PAD, CELL_ZERO, CELL_INPUT } cell_kind;

/* ANSI sequences, or empty strings when colour is off. */
typedef struct style {
  const char *input, *zero, *pad, *tap, *out, *cur, *reset;
} style;

static const style plain = {"", "", "", "", "", "", ""};
static const style ansi = {"\x1b[34m", "\x1b[2m",      "\x1b[2m", "\x1b[1;33m",
                           "\x1b[36m", "\x1b[1;7;32m", "\x1b[0m"};

typedef struct problem {
  int transposed, rank;
  axis ax[2]; /* [0] rows, [1] columns; rank 1 uses a trivial rows axis */
  const style *st;
} problem;

/* What grid cell u of axis a holds; writes the input index for CELL_INPUT. */
static cell_kind cell_at(const axis *a, int transposed, int64_t u, int64_t *index) {
  int64_t z = u - a->lead;
  if (transposed) {
    if (z < 0 || z > (a->i - 1) * a->s)
      return CELL_PAD;
    if (z % a->s != 0)
      return CELL_ZERO;
    *index = z / a->s;
    return CELL_INPUT;
  }
  if (z < 0 || z >= a->i)
    return CELL_PAD;
  *index = z;
  return CELL_INPUT;
}

/* Whether a kernel tap covers grid cell u while output o is computed; writes the weight
 * index (flipped for the transposed case: that is what zero insertion convolves with). */
static int tap_at(const axis *a, int transposed, int64_t o, int64_t u, int64_t *j) {
  int64_t r = u - o * a->step;
  if (r < 0 || r >= a->ke || r % a->d != 0)
    return 0;
  *j = transposed ? a->k - 1 - r / a->d : r / a->d;
  return 1;
}

/* How many input cells (not zeros, not padding) output (orow, ocol) gathers from. */
static int gathered(const problem *pb, int64_t orow, int64_t ocol) {
  int n = 0;
  for (int64_t r = 0; r < pb->ax[0].grid; r++) {
    for (int64_t c = 0; c < pb->ax[1].grid; c++) {
      int64_t j, ir, ic;
      n += tap_at(&pb->ax[0], pb->transposed, orow, r, &j) &&
           tap_at(&pb->ax[1], pb->transposed, ocol, c, &j) &&
           cell_at(&pb->ax[0], pb->transposed, r, &ir) == CELL_INPUT &&
           cell_at(&pb->ax[1], pb->transposed, c, &ic) == CELL_INPUT;
    }
  }
  return n;
}

/* "[r,c]" or "[c]" by rank. */
static void coord(const problem *pb, int64_t r, int64_t c, char *out, size_t size) {
  if (pb->rank == 2)
    snprintf(out, size, "[%lld,%lld]", (long long)r, (long long)c);
  else
    snprintf(out, size, "[%lld]", (long long)c);
}

/* One line: the output cell, the kernel's window on the grid, and the terms it sums. */
static void print_gather(const problem *pb, int64_t orow, int64_t ocol) {
  const axis *ar = &pb->ax[0], *ac = &pb->ax[1];
  char y[48], x[48], w[48];
  coord(pb, orow, ocol, y, sizeof y);
  printf("  y%-8s", y);
  int64_t c0 = ocol * ac->step, r0 = orow * ar->step;
  if (pb->rank == 2)
    printf(" rows %lld-%lld, cols %lld-%lld:", (long long)r0, (long long)(r0 + ar->ke - 1),
           (long long)c0, (long long)(c0 + ac->ke - 1));
  else
    printf(" cells %lld-%lld:", (long long)c0, (long long)(c0 + ac->ke - 1));
  int terms = 0;
  for (int64_t r = r0; r < r0 + ar->ke; r++) {
    for (int64_t c = c0; c < c0 + ac->ke; c++) {
      int64_t jr, jc, ir, ic;
      if (tap_at(ar, pb->transposed, orow, r, &jr) && tap_at(ac, pb->transposed, ocol, c, &jc) &&
          cell_at(ar, pb->transposed, r, &ir) == CELL_INPUT &&
          cell_at(ac, pb->transposed, c, &ic) == CELL_INPUT) {
        coord(pb, ir, ic, x, sizeof x);
        coord(pb, jr, jc, w, sizeof w);
        printf("%s x%s*w%s", terms++ ? " +" : "", x, w);
      }
    }
  }
  printf("%s\n", terms ? "" : " 0 (only zeros and padding under the kernel)");
}

/* Prints one 5-character grid cell; taps are bracketed so plain text shows them too. */
static void print_cell(const problem *pb, int64_t r, int64_t c, int tapped) {
  const style *st = pb->st;
  int64_t ir = 0, ic = 0;
  cell_kind kr = cell_at(&pb->ax[0], pb->transposed, r, &ir);
  cell_kind kc = cell_at(&pb->ax[1], pb->transposed, c, &ic);
  char text[16];
  const char *colour;
  if (kr == CELL_PAD || kc == CELL_PAD) {
    snprintf(text, sizeof text, ".");
    colour = st->pad;
  } else if (kr == CELL_ZERO || kc == CELL_ZERO) {
    snprintf(text, sizeof text, "z");
    colour = st->zero;
  } else {
    snprintf(text, sizeof text, "%lld", (long long)(ir * pb->ax[1].i + ic));
    colour = st->input;
  }
  if (tapped)
    printf("%s[%3s]%s", st->tap, text, st->reset);
  else
    printf(" %s%3s%s ", colour, text, st->reset);
}

/* The grid and the output side by side; with cur_r >= 0 the kernel sits on output
 * (cur_r, cur_c). Output cells show how many input cells they gather from. */
static void print_grids(const problem *pb, int64_t cur_r, int64_t cur_c) {
  const axis *ar = &pb->ax[0], *ac = &pb->ax[1];
  int64_t rows = ar->grid > ar->o ? ar->grid : ar->o;
  for (int64_t r = 0; r < rows; r++) {
    printf("  ");
    for (int64_t c = 0; c < ac->grid; c++) {
      if (r >= ar->grid) {
        printf("     ");
        continue;
      }
      int64_t j;
      int tapped = cur_r >= 0 && tap_at(ar, pb->transposed, cur_r, r, &j) &&
                   tap_at(ac, pb->transposed, cur_c, c, &j);
      print_cell(pb, r, c, tapped);
    }
    printf("    ");
    for (int64_t c = 0; r < ar->o && c < ac->o; c++) {
      int n = gathered(pb, r, c);
      if (r == cur_r && c == cur_c)
        printf("%s[%3d]%s", pb->st->cur, n, pb->st->reset);
      else
        printf(" %s%3d%s ", pb->st->out, n, pb->st->reset);
    }
    printf("\n");
  }
}

/* ---- the arithmetic, written out and checked ----------------------------------------- */

static const char *axis_name(const problem *pb, int dim) {
  return pb->rank == 1 ? "width" : dim == 0 ? "rows" : "columns";
}

/* Prints "ok" or "MISMATCH" after a written-out value; returns 1 on a mismatch. */
static int check(int64_t written, int64_t library) {
  if (written == library) {
    printf(" (library: %lld) ok\n", (long long)library);
    return 0;
  }
  printf(" (library: %lld) MISMATCH\n", (long long)library);
  return 1;
}

/* The padding as it enters a formula after `sign` ('+' or '-'): "2p" and "2*1" when both
 * sides are equal, else "pb + pe" and "0 + 1" (or "pb - pe" and "0 - 1"). */
static void pad_terms(const axis *a, char sign, char *sym, char *num, size_t size) {
  if (a->p == a->pe) {
    snprintf(sym, size, "2p");
    snprintf(num, size, "2*%lld", (long long)a->p);
  } else {
    snprintf(sym, size, "pb %c pe", sign);
    snprintf(num, size, "%lld %c %lld", (long long)a->p, sign, (long long)a->pe);
  }
}

/* The formulas for one axis; back_o is what the library maps the output back to. Returns
 * the number of mismatches. */
static int print_arithmetic(const problem *pb, int dim, int64_t back) {
  const axis *a = &pb->ax[pb->rank == 1 ? 1 : dim];
  long long i = a->i, k = a->k, s = a->s, d = a->d, p = a->p, pe = a->pe, op = a->op;
  long long ke = a->ke, o = a->o, pads = p + pe;
  char plus[48], plus_n[48], minus[48], minus_n[48]; /* each one size, for pad_terms */
  pad_terms(a, '+', plus, plus_n, sizeof plus);
  pad_terms(a, '-', minus, minus_n, sizeof minus);
  int bad = 0;
  printf("  dimension %d (%s): i=%lld k=%lld s=%lld ", dim, axis_name(pb, dim), i, k, s);
  if (p == pe)
    printf("p=%lld d=%lld", p, d);
  else
    printf("pb=%lld pe=%lld d=%lld", p, pe, d);
  printf(pb->transposed ? " op=%lld\n" : "\n", op);
  printf("    dilated kernel  ke = d*(k-1) + 1 = %lld*(%lld-1) + 1 = %lld\n", d, k, ke);
  if (pb->transposed) {
    long long written = (i - 1) * s - pads + ke + op;
    printf("    output          o = (i-1)*s - %s + ke + op = (%lld-1)*%lld - %s + %lld + %lld"
           " = %lld",
           minus, i, s, minus_n, ke, op, written);
    bad += check(written, o);
    long long spread = (i - 1) * s + 1, before = ke - 1 - p, after = ke - 1 - pe + op;
    printf("    zero insertion  (i-1)*s + 1 = (%lld-1)*%lld + 1 = %lld cells, s-1 = %lld zero%s"
           " between inputs\n",
           i, s, spread, s - 1, s == 2 ? "" : "s");
    printf("    padding         ke-1-%s = %lld before, ke-1-%s+op = %lld after%s: %lld + %lld + "
           "%lld = %lld cells\n",
           p == pe ? "p" : "pb", before, p == pe ? "p" : "pe", after,
           before < 0 || after < 0 ? " (negative: cropped)" : "", spread, before, after,
           spread + before + after);
    printf("    stride-1 conv   %lld - ke + 1 = %lld - %lld + 1 = %lld", spread + before + after,
           spread + before + after, ke, spread + before + after - ke + 1);
    bad += check(spread + before + after - ke + 1, o);
    long long conv_back = (o + pads - ke) / s + 1;
    printf("    back to input   conv, same k s p d: floor((o + %s - ke)/s) + 1 ="
           " floor((%lld + %s - %lld)/%lld) + 1 = %lld",
           plus, o, plus_n, ke, s, conv_back);
    bad += check(conv_back, back);
    if (back != i)
      printf("                    != i = %lld: output_padding %lld >= stride %lld, so the "
             "convolution cannot recover it\n",
             i, op, s);
  } else {
    long long written = (i + pads - ke) / s + 1, rest = (i + pads - ke) % s;
    printf("    padded input    i + %s = %lld + %s = %lld cells\n", plus, i, plus_n, i + pads);
    printf("    output          o = floor((i + %s - ke)/s) + 1 = floor((%lld + %s - %lld)/%lld)"
           " + 1 = %lld",
           plus, i, plus_n, ke, s, written);
    bad += check(written, o);
    if (rest > 0)
      printf("    left over       (i + %s - ke) mod s = %lld cell%s at the end never under the"
             " kernel's first tap\n",
             plus, rest, rest == 1 ? "" : "s");
    long long tback = (o - 1) * s - pads + ke + rest;
    printf("    back to input   transposed, same k s p d, op = (i + %s - ke) mod s = %lld:"
           " (o-1)*s - %s + ke + op = (%lld-1)*%lld - %s + %lld + %lld = %lld",
           plus, rest, minus, o, s, minus_n, ke, rest, tback);
    bad += check(tback, back);
  }
  return bad;
}

/* ---- options ------------------------------------------------------------------------- */

typedef struct explain_options {
  const char *input, *kernel, *stride, *padding, *pads, *dilation, *output_padding, *color;
  int frames;
} explain_options;

/* Parses everything after the operation word. Returns 0, -1 (help printed) or an exit code. */
static int parse_options(int argc, char **argv, explain_options *eo) {
  memset(eo, 0, sizeof *eo);
  const args_option options[] = {{"input", &eo->input, NULL},
                                 {"kernel", &eo->kernel, NULL},
                                 {"stride", &eo->stride, NULL},
                                 {"padding", &eo->padding, NULL},
                                 {"pads", &eo->pads, NULL},
                                 {"dilation", &eo->dilation, NULL},
                                 {"output-padding", &eo->output_padding, NULL},
                                 {"color", &eo->color, NULL},
                                 {"frames", NULL, &eo->frames}};
  char err[CLI_ERR_SIZE];
  args_result parsed =
      args_parse(argc, argv, options, (int)(sizeof options / sizeof options[0]), err, sizeof err);
  if (parsed == ARGS_HELP) {
    printf("usage: tconv explain conv|transpose --input I[,I] --kernel K[,K] [--stride S]\n"
           "         [--padding P | --pads B,..,E,..] [--dilation D] [--output-padding OP]\n"
           "         [--frames] [--color auto|always|never]\n"
           "Draws the problem as in the convolution arithmetic animations (rank 1 or 2, input\n"
           "<= %d and output <= %d per dimension, dilated kernel <= %d). --pads takes ONNX's\n"
           "order: every begin, then every end.\n",
           EXPLAIN_MAX_INPUT, EXPLAIN_MAX_OUTPUT, EXPLAIN_MAX_KERNEL);
    return -1;
  }
  if (parsed != ARGS_OK)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (eo->input == NULL || eo->kernel == NULL)
    return cli_fail(CLI_EXIT_USAGE, "explain needs --%s", eo->input == NULL ? "input" : "kernel");
  if (eo->padding != NULL && eo->pads != NULL)
    return cli_fail(CLI_EXIT_USAGE,
                    "--padding and --pads cannot be combined: give symmetric --padding or ONNX "
                    "--pads");
  return 0;
}

static int use_colour(const char *mode, int *colour) {
  if (mode == NULL || strcmp(mode, "auto") == 0)
    *colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
  else if (strcmp(mode, "always") == 0)
    *colour = 1;
  else if (strcmp(mode, "never") == 0)
    *colour = 0;
  else
    return cli_fail(CLI_EXIT_USAGE, "--color: '%s' is not one of auto, always, never", mode);
  return 0;
}

/* Fills the axes from the parameters and the library's sizes; refuses what is too large to
 * draw. Returns 0 or an exit code. */
static int build_axes(problem *pb, const tconv_params *prm, const int64_t *x_dims,
                      const int64_t *w_dims, const int64_t *y_dims) {
  for (int dim = 0; dim < 2; dim++) {
    axis *a = &pb->ax[dim];
    int src = pb->rank == 2 ? dim : 0;
    if (pb->rank == 1 && dim == 0) {
      *a = (axis){.i = 1, .k = 1, .s = 1, .d = 1, .ke = 1, .o = 1, .grid = 1, .step = 1};
      continue;
    }
    a->i = x_dims[2 + src];
    a->k = w_dims[2 + src];
    a->s = prm->stride[src];
    a->d = prm->dilation[src];
    a->p = prm->pad_begin[src];
    a->pe = prm->pad_end[src];
    a->op = prm->output_padding[src];
    a->ke = a->d * (a->k - 1) + 1;
    a->o = y_dims[2 + src];
    a->lead = pb->transposed ? a->ke - 1 - a->p : a->p;
    a->grid = pb->transposed ? a->o + a->ke - 1 : a->i + a->p + a->pe;
    a->step = pb->transposed ? 1 : a->s;
    if (a->o > EXPLAIN_MAX_OUTPUT)
      return cli_fail(CLI_EXIT_USAGE,
                      "explain: the output has %lld cells along dimension %d; explain draws at "
                      "most %d (use `tconv shape` for large problems)",
                      (long long)a->o, src, EXPLAIN_MAX_OUTPUT);
    if (a->grid > MAX_GRID)
      return cli_fail(CLI_EXIT_USAGE,
                      "explain: the %s input would be %lld cells along dimension %d; explain "
                      "draws at most %d",
                      pb->transposed ? "zero-inserted, padded" : "padded", (long long)a->grid, src,
                      MAX_GRID);
  }
  return 0;
}

/* Checks the sizes the tool is willing to draw before the library sees them, so that the
 * refusal names the limit rather than some other problem. */
static int check_limits(int rank, const int64_t *x_dims, const int64_t *w_dims,
                        const tconv_params *prm) {
  for (int dim = 0; dim < rank; dim++) {
    int64_t i = x_dims[2 + dim], k = w_dims[2 + dim], d = prm->dilation[dim];
    if (i > EXPLAIN_MAX_INPUT)
      return cli_fail(CLI_EXIT_USAGE,
                      "explain: input size %lld along dimension %d is too large to draw (at most "
                      "%d; use `tconv shape` for large problems)",
                      (long long)i, dim, EXPLAIN_MAX_INPUT);
    if (k >= 1 && d >= 1 && (k > EXPLAIN_MAX_KERNEL || d * (k - 1) + 1 > EXPLAIN_MAX_KERNEL))
      return cli_fail(CLI_EXIT_USAGE,
                      "explain: the dilated kernel extent along dimension %d is too large to "
                      "draw (at most %d)",
                      dim, EXPLAIN_MAX_KERNEL);
  }
  return 0;
}

/* ---- the command --------------------------------------------------------------------- */

/* "r,c" (rank 2) or "c" (rank 1) into out. */
static const char *pair(const problem *pb, int64_t r, int64_t c, char *out, size_t size) {
  if (pb->rank == 2)
    snprintf(out, size, "%lld,%lld", (long long)r, (long long)c);
  else
    snprintf(out, size, "%lld", (long long)c);
  return out;
}

static void print_header(const problem *pb) {
  const axis *ar = &pb->ax[0], *ac = &pb->ax[1];
  char in[48], k[48], out[48];
  if (pb->rank == 2) {
    snprintf(in, sizeof in, "%lldx%lld", (long long)ar->i, (long long)ac->i);
    snprintf(k, sizeof k, "%lldx%lld", (long long)ar->k, (long long)ac->k);
    snprintf(out, sizeof out, "%lldx%lld", (long long)ar->o, (long long)ac->o);
  } else {
    snprintf(in, sizeof in, "%lld", (long long)ac->i);
    snprintf(k, sizeof k, "%lld", (long long)ac->k);
    snprintf(out, sizeof out, "%lld", (long long)ac->o);
  }
  printf("%s, %d-D: input %s, kernel %s -> output %s\n",
         pb->transposed ? "transposed convolution" : "convolution", pb->rank, in, k, out);
  printf("  stride %s", pair(pb, ar->s, ac->s, in, sizeof in));
  if (ar->p == ar->pe && ac->p == ac->pe) {
    printf("  padding %s", pair(pb, ar->p, ac->p, in, sizeof in));
  } else {
    printf("  pads %s", pair(pb, ar->p, ac->p, in, sizeof in));
    printf(",%s", pair(pb, ar->pe, ac->pe, in, sizeof in));
  }
  printf("  dilation %s", pair(pb, ar->d, ac->d, in, sizeof in));
  if (pb->transposed)
    printf("  output_padding %s", pair(pb, ar->op, ac->op, in, sizeof in));
  printf("\n");
}

static void print_legend(const problem *pb) {
  printf("  numbers: input cells, row by row (x[r,c] is r*%lld + c);", (long long)pb->ax[1].i);
  printf(pb->transposed ? " z: inserted zero;" : "");
  printf(" .: padding; [ ]: under a kernel tap.\n");
  printf("  right: the output; each cell shows how many input cells it gathers from.\n");
}

int cli_explain(int argc, char **argv) {
  problem pb;
  memset(&pb, 0, sizeof pb);
  explain_options eo;
  char help[] = "--help";
  if (argc > 0 && (strcmp(argv[0], help) == 0 || strcmp(argv[0], "-h") == 0))
    return parse_options(1, (char *[]){help}, &eo) < 0 ? 0 : CLI_EXIT_USAGE;
  if (argc > 0 && strcmp(argv[0], "transpose") == 0)
    pb.transposed = 1;
  else if (argc < 1 || strcmp(argv[0], "conv") != 0)
    return cli_fail(CLI_EXIT_USAGE, "explain: expected 'conv' or 'transpose'%s%s%s",
                    argc > 0 ? " (got '" : "", argc > 0 ? argv[0] : "", argc > 0 ? "')" : "");
  int rc = parse_options(argc - 1, argv + 1, &eo);
  if (rc != 0)
    return rc < 0 ? 0 : rc;
  int colour = 0;
  if ((rc = use_colour(eo.color, &colour)) != 0)
    return rc;
  pb.st = colour ? &ansi : &plain;

  char err[CLI_ERR_SIZE];
  int64_t x_dims[4] = {1, 1, 0, 0}, w_dims[4] = {1, 1, 0, 0}, y_dims[4], back_dims[4];
  int rank = args_int_list("input", eo.input, 2, x_dims + 2, err, sizeof err);
  tconv_params prm;
  if (rank < 0 || args_per_dim("kernel", eo.kernel, rank, 1, w_dims + 2, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s (explain draws rank 1 or 2)", err);
  prm = tconv_params_default(rank);
  if (args_per_dim("stride", eo.stride, rank, 1, prm.stride, err, sizeof err) != 0 ||
      args_per_dim("padding", eo.padding, rank, 0, prm.pad_begin, err, sizeof err) != 0 ||
      args_per_dim("dilation", eo.dilation, rank, 1, prm.dilation, err, sizeof err) != 0 ||
      args_per_dim("output-padding", eo.output_padding, rank, 0, prm.output_padding, err,
                   sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  memcpy(prm.pad_end, prm.pad_begin, sizeof prm.pad_end);
  if (eo.pads != NULL &&
      params_pads(eo.pads, rank, prm.pad_begin, prm.pad_end, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  pb.rank = rank;
  if ((rc = check_limits(rank, x_dims, w_dims, &prm)) != 0)
    return rc;
  tconv_status st = pb.transposed ? tconv_transpose_output_shape(&prm, x_dims, w_dims, y_dims)
                                  : tconv_conv_output_shape(&prm, x_dims, w_dims, y_dims);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  if ((rc = build_axes(&pb, &prm, x_dims, w_dims, y_dims)) != 0)
    return rc;

  /* The way back: the convolution with the same parameters (transposed), or the transposed
   * convolution with the output_padding that restores the rows the floor dropped (conv). */
  tconv_params back = prm;
  for (int dim = 0; dim < rank; dim++) {
    const int64_t pad2 = prm.pad_begin[dim] + prm.pad_end[dim];
    const int64_t ke = prm.dilation[dim] * (w_dims[2 + dim] - 1) + 1;
    back.output_padding[dim] = pb.transposed ? 0 : (x_dims[2 + dim] + pad2 - ke) % prm.stride[dim];
  }
  st = pb.transposed ? tconv_conv_output_shape(&back, y_dims, w_dims, back_dims)
                     : tconv_transpose_output_shape(&back, y_dims, w_dims, back_dims);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());

  print_header(&pb);
  printf("\nshape arithmetic\n");
  int bad = 0;
  for (int dim = 0; dim < rank; dim++)
    bad += print_arithmetic(&pb, dim, back_dims[2 + dim]);

  printf("\nleft: %s\n", pb.transposed
                             ? "the input with s-1 zeros inserted and ke-1-p padding, swept by the "
                               "flipped kernel at stride 1"
                             : "the input with p padding, swept by the kernel at stride s");
  print_legend(&pb);
  const axis *ar = &pb.ax[0], *ac = &pb.ax[1];
  if (eo.frames) {
    int64_t total = ar->o * ac->o;
    for (int64_t r = 0; r < ar->o; r++) {
      for (int64_t c = 0; c < ac->o; c++) {
        printf("\nframe %lld/%lld:\n", (long long)(r * ac->o + c + 1), (long long)total);
        print_grids(&pb, r, c);
        print_gather(&pb, r, c);
      }
    }
  } else {
    printf("\n");
    print_grids(&pb, -1, -1);
    printf("\nwhere the kernel sits for each output cell, and what it gathers%s:\n",
           pb.transposed ? " (w as stored; the sweep applies it flipped)" : "");
    for (int64_t r = 0; r < ar->o; r++) {
      for (int64_t c = 0; c < ac->o; c++)
        print_gather(&pb, r, c);
    }
  }
  if (bad != 0)
    return cli_fail(CLI_EXIT_RUNTIME, "explain: %d written-out result%s disagree with the library",
                    bad, bad == 1 ? "" : "s");
  return 0;
}
