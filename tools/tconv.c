/*
 * tconv.c - the command-line tool (DESIGN §4): `demo` runs the worked examples through the
 * library, `shape` prints output sizes with their formulas, `run` computes a convolution or a
 * transposed convolution on .npy files. It uses only the public API (tconv.h). The demo is in
 * demo.c, the shared helpers (errors, context, one forward pass) in cli.c, option parsing in
 * args.c and params.c, .npy files in npy.c, `solve` in solve.c; this file has the usage
 * text, `shape`, `run` and main().
 *
 * Exit status: 0 success; 2 bad arguments or parameters the library rejects as such
 * (INVALID_ARGUMENT, SHAPE_MISMATCH, UNSUPPORTED, SIZE_OVERFLOW); 1 runtime failures
 * (unreadable or malformed files, no CUDA device, CUDA errors, out of memory, a --verify
 * mismatch).
 */
#include "tconv.h"
#include "args.h"
#include "cli.h"
#include "explain.h"
#include "npy.h"
#include "params.h"
#include "solve.h"
#include "upsample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_head[] =
    "usage: tconv demo\n"
    "       tconv shape conv|transpose --input I[,I..] --kernel K[,K..] [parameter options]\n"
    "                   [--in-channels C] [--out-channels C]\n"
    "       tconv run conv|transpose --x X.npy --w W.npy --out Y.npy [--bias B.npy]\n"
    "                   [parameter options] [--device auto|cpu|cuda] [--algo ALGO] [--verify]\n"
    "                   [--dtype float32|float16|bfloat16] [--layout nchw|nhwc]\n"
    "                   [--math strict|tf32]\n"
    "       tconv solve --input I[,I..] --output O[,O..] --kernel K[,K..] --stride S[,S..]\n"
    "                   [--dilation D[,D..]]\n"
    "       tconv explain conv|transpose --input I[,I] --kernel K[,K] [--stride S]\n"
    "                   [--padding P | --pads B,..,E,..] [--dilation D] [--output-padding OP]\n"
    "                   [--frames] [--color auto|always|never]\n"
    "       tconv upsample IN.png OUT.png --scale F [--filter bilinear|nearest|bicubic]\n"
    "                   [--device auto|cpu|cuda]\n"
    "       tconv --help | --version\n"
    "\n"
    "parameter options (a per-dimension option takes one integer for every spatial\n"
    "dimension, or a comma list with exactly one integer per spatial dimension):\n";

static const char usage_tail[] =
    "Options are written `--opt V` or `--opt=V`.\n"
    "\n"
    "demo   the worked examples through the library, on the GPU when there is one, else on\n"
    "       the CPU (it says which); each is checked, and any mismatch exits with 1.\n"
    "shape  prints the output's spatial size (\"output: 8x8\") and the formula per dimension.\n"
    "       The spatial rank is the number of --input entries; channel counts (needed only to\n"
    "       check --groups) default to G.\n"
    "run    reads x (N, Cin, spatial...) and the weights in PyTorch's layout - conv\n"
    "       (Cout, Cin/G, k...), transpose (Cin, Cout/G, k...) - and the optional bias (Cout)\n"
    "       from .npy files (little-endian float32 or float64, C order; spatial rank =\n"
    "       x.ndim - 2), computes y and writes it as a float32 .npy. The file appears only\n"
    "       when everything succeeded (written to a temporary file, then renamed). On success\n"
    "       one line goes to stdout: \"Y.npy: float32 1x8x16x16 (transpose on cuda, algo auto)\".\n"
    "  --device D             auto (default: CUDA when usable, else the CPU), cpu or cuda\n"
    "  --algo A               %s;\n"
    "                         one the backend or the problem does not take is exit 2\n"
    "  --verify               recompute the result on the host with the CPU reference (a\n"
    "                         second formulation on the CPU) and compare; a mismatch is\n"
    "                         exit 1 and no output file\n"
    "  --dtype T              float32 (default), float16 or bfloat16: every input is rounded\n"
    "                         once to T on load (nearest even); float16 results are written\n"
    "                         as '<f2', bfloat16 results widened to float32 (exact)\n"
    "  --layout L             nchw (default) or nhwc: with nhwc every .npy holds its tensor in\n"
    "                         memory order, PyTorch's channels_last: x and y (N, spatial..., C),\n"
    "                         conv weights (Cout, k..., Cin/G), transpose (Cin, k..., Cout/G)\n"
    "  --math M               strict (default) or tf32 (float32 on tensor cores, where an\n"
    "                         algorithm has them)\n"
    "solve  transposed convolution: every (padding, output_padding) pair that gives the wanted\n"
    "       output size, found by asking the library, and the arguments to reach it in\n"
    "       PyTorch, ONNX, Keras and TensorFlow; warns when the kernel is not a multiple of\n"
    "       the stride (checkerboard artifacts).\n"
    "explain  draws a small rank-1 or rank-2 problem (input <= 16, output <= 32 per\n"
    "       dimension) as in the convolution arithmetic animations: the (zero-inserted,)\n"
    "       padded input, where the kernel sits for each output cell (--frames: one frame\n"
    "       per cell), what each output cell gathers, and the shape arithmetic checked\n"
    "       against the library. Colour when stdout is a terminal (--color to choose).\n"
    "upsample  scales a PNG up by the integer F, every pixel equal to PyTorch's\n"
    "       F.interpolate(mode=FILTER, align_corners=False) rounded half to even (bilinear\n"
    "       and bicubic premultiply colour by alpha), by depthwise transposed convolutions\n"
    "       through the library.\n"
    "       8/16-bit grey, grey+alpha, RGB, RGBA; palette and 1/2/4-bit images are expanded\n"
    "       to 8 bits. OUT.png appears only when everything succeeded.\n"
    "\n"
    "exit status: 0 success, 2 bad arguments or invalid parameters (also an algorithm or\n"
    "padding mode the library does not support for the problem), 1 runtime failure (file\n"
    "unreadable or malformed, no CUDA device for --device cuda, CUDA error, a --verify\n"
    "mismatch). Errors go to stderr as \"tconv: error: <sentence>\".\n";

/* The algorithm names as one "a | b | c" string, from the library so new ones show up. */
static void algo_names(char *out, size_t size) {
  size_t n = 0;
  out[0] = '\0';
  for (int a = 0; tconv_algo_name((tconv_algo)a) != NULL && n < size; a++) {
    int w = snprintf(out + n, size - n, "%s%s%s", a > 0 ? " | " : "",
                     tconv_algo_name((tconv_algo)a), a == 0 ? " (default)" : "");
    if (w < 0)
      break;
    n += (size_t)w;
  }
}

static void print_usage(FILE *f) {
  char algos[256];
  algo_names(algos, sizeof algos);
  fputs(usage_head, f);
  fputs(params_usage, f);
  fprintf(f, usage_tail, algos);
}

static void format_dims(int rank, const int64_t *dims, char *out, size_t size) {
  size_t n = 0;
  out[0] = '\0';
  for (int i = 0; i < rank && n < size; i++) {
    int w = snprintf(out + n, size - n, i ? "x%lld" : "%lld", (long long)dims[i]);
    if (w < 0)
      break;
    n += (size_t)w;
  }
}

/* The output dims of op for x and w, from the library (the one place sizes are computed). */
static tconv_status output_dims(tconv_op op, const tconv_params *params, const int64_t *x_dims,
                                const int64_t *w_dims, int64_t *y_dims) {
  return op == TCONV_OP_CONV ? tconv_conv_output_shape(params, x_dims, w_dims, y_dims)
                             : tconv_transpose_output_shape(params, x_dims, w_dims, y_dims);
}

static int is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

/* The operation word after `shape` / `run`. Returns 0, or an exit code with the error printed. */
static int parse_op(const char *command, int argc, char **argv, tconv_op *op) {
  if (argc < 1 || strncmp(argv[0], "-", 1) == 0)
    return cli_fail(CLI_EXIT_USAGE, "%s: expected 'conv' or 'transpose' after '%s'", command,
                    command);
  if (strcmp(argv[0], "conv") == 0)
    *op = TCONV_OP_CONV;
  else if (strcmp(argv[0], "transpose") == 0)
    *op = TCONV_OP_TRANSPOSE;
  else
    return cli_fail(CLI_EXIT_USAGE, "%s: unknown operation '%s' (expected 'conv' or 'transpose')",
                    command, argv[0]);
  return 0;
}

/* ---- tconv shape --------------------------------------------------------------------- */

/* The output size formula of one dimension with the numbers filled in, ending in the
 * library's answer o. When --auto-pad or --output-shape let the library choose the padding,
 * which the public API does not report, the line says so instead of guessing the numbers. */
static void print_formula(tconv_op op, int dim, const int64_t *x_dims, const int64_t *w_dims,
                          const tconv_params *p, int64_t o) {
  long long i = (long long)x_dims[2 + dim], k = (long long)w_dims[2 + dim];
  long long s = (long long)p->stride[dim], pb = (long long)p->pad_begin[dim];
  long long pe = (long long)p->pad_end[dim];
  long long d = (long long)p->dilation[dim], op_ = (long long)p->output_padding[dim];
  if (op == TCONV_OP_TRANSPOSE && p->output_size[dim] > 0) {
    printf("  dim %d: o = %lld (--output-shape, %s rule: %s)\n", dim, (long long)o,
           tconv_output_size_rule_name(p->output_size_rule),
           p->output_size_rule == TCONV_OUTPUT_SIZE_ONNX
               ? "the library chose the pads"
               : "the difference from the size at output_padding 0 is the output_padding");
  } else if (p->auto_pad != TCONV_AUTO_PAD_NOTSET) {
    printf("  dim %d: o = %lld (--auto-pad %s: the library chose the padding)\n", dim, (long long)o,
           tconv_auto_pad_name(p->auto_pad));
  } else if (op == TCONV_OP_CONV && pb == pe) {
    printf("  dim %d: o = floor((i + 2p - d*(k-1) - 1) / s) + 1"
           " = floor((%lld + 2*%lld - %lld*(%lld-1) - 1) / %lld) + 1 = %lld\n",
           dim, i, pb, d, k, s, (long long)o);
  } else if (op == TCONV_OP_CONV) {
    printf("  dim %d: o = floor((i + pb + pe - d*(k-1) - 1) / s) + 1"
           " = floor((%lld + %lld + %lld - %lld*(%lld-1) - 1) / %lld) + 1 = %lld\n",
           dim, i, pb, pe, d, k, s, (long long)o);
  } else if (pb == pe) {
    printf("  dim %d: o = (i-1)*s - 2p + d*(k-1) + op + 1"
           " = (%lld-1)*%lld - 2*%lld + %lld*(%lld-1) + %lld + 1 = %lld\n",
           dim, i, s, pb, d, k, op_, (long long)o);
  } else {
    printf("  dim %d: o = (i-1)*s - pb - pe + d*(k-1) + op + 1"
           " = (%lld-1)*%lld - %lld - %lld + %lld*(%lld-1) + %lld + 1 = %lld\n",
           dim, i, s, pb, pe, d, k, op_, (long long)o);
  }
}

static int cmd_shape(int argc, char **argv) {
  if (argc > 0 && is_help(argv[0])) {
    print_usage(stdout);
    return 0;
  }
  tconv_op op;
  int rc = parse_op("shape", argc, argv, &op);
  if (rc != 0)
    return rc;
  params_options p;
  const char *input, *kernel, *in_channels, *out_channels;
  args_option options[4 + PARAMS_OPTION_COUNT] = {{"input", &input, NULL},
                                                  {"kernel", &kernel, NULL},
                                                  {"in-channels", &in_channels, NULL},
                                                  {"out-channels", &out_channels, NULL}};
  int count = 4 + params_table(&p, options + 4);
  char err[CLI_ERR_SIZE];
  args_result parsed = args_parse(argc - 1, argv + 1, options, count, err, sizeof err);
  if (parsed == ARGS_HELP) {
    print_usage(stdout);
    return 0;
  }
  if (parsed != ARGS_OK)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (input == NULL || kernel == NULL)
    return cli_fail(CLI_EXIT_USAGE, "shape needs --%s", input == NULL ? "input" : "kernel");

  int64_t x_dims[TCONV_MAX_RANK], w_dims[TCONV_MAX_RANK], y_dims[TCONV_MAX_RANK];
  int rank = args_int_list("input", input, TCONV_MAX_SPATIAL, x_dims + 2, err, sizeof err);
  tconv_params params;
  int64_t cin = 0, cout = 0;
  if (rank < 0 || args_per_dim("kernel", kernel, rank, 1, w_dims + 2, err, sizeof err) != 0 ||
      params_build(&p, rank, &params, err, sizeof err) != 0 ||
      (in_channels != NULL && args_int("in-channels", in_channels, &cin, err, sizeof err) != 0) ||
      (out_channels != NULL && args_int("out-channels", out_channels, &cout, err, sizeof err) != 0))
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  int64_t g = params.groups;
  if (in_channels == NULL)
    cin = g;
  if (out_channels == NULL)
    cout = g;
  /* The weight dims divide a channel count by G; a G the library would reject anyway is
   * passed through undivided so that its sentence, not a division by zero, reports it. */
  if (g >= 1 && (cin % g != 0 || cout % g != 0))
    return cli_fail(CLI_EXIT_USAGE, "--groups %lld does not divide the %lld %s channels",
                    (long long)g, (long long)(cin % g != 0 ? cin : cout),
                    cin % g != 0 ? "input" : "output");
  int64_t per_group = g >= 1 ? g : 1;
  x_dims[0] = 1;
  x_dims[1] = cin;
  w_dims[0] = op == TCONV_OP_CONV ? cout : cin;
  w_dims[1] = op == TCONV_OP_CONV ? cin / per_group : cout / per_group;

  tconv_status st = output_dims(op, &params, x_dims, w_dims, y_dims);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  char text[3][128];
  format_dims(rank, y_dims + 2, text[0], sizeof text[0]);
  printf("output: %s\n", text[0]);
  for (int d = 0; d < rank; d++)
    print_formula(op, d, x_dims, w_dims, &params, y_dims[2 + d]);
  format_dims(rank + 2, x_dims, text[0], sizeof text[0]);
  format_dims(rank + 2, w_dims, text[1], sizeof text[1]);
  format_dims(rank + 2, y_dims, text[2], sizeof text[2]);
  printf("tensors: x %s, w %s, y %s\n", text[0], text[1], text[2]);
  return 0;
}

/* ---- tconv run ----------------------------------------------------------------------- */

/* Reads a .npy into a host tensor of rank at most TCONV_MAX_RANK, every value rounded to
 * dtype. With nhwc the file holds the tensor in memory order, the channel dimension (index 1
 * of the logical dims) last: its dims are put back in logical order. Returns an exit code. */
static int load(const char *path, const char *role, tconv_dtype dtype, tconv_layout layout,
                npy_typed *array, cli_tensor *t) {
  char err[CLI_ERR_SIZE];
  if (npy_read_typed(path, dtype, array, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_RUNTIME, "%s", err);
  if (array->rank > TCONV_MAX_RANK)
    return cli_fail(CLI_EXIT_USAGE, "%s: %s has %d dimensions; at most %d are supported", path,
                    role, array->rank, TCONV_MAX_RANK);
  memset(t, 0, sizeof *t);
  t->rank = array->rank;
  memcpy(t->dims, array->dims, (size_t)array->rank * sizeof t->dims[0]);
  if (layout == TCONV_LAYOUT_NHWC && array->rank >= 3) {
    t->dims[1] = array->dims[array->rank - 1];
    for (int i = 2; i < array->rank; i++)
      t->dims[i] = array->dims[i - 1];
  }
  t->data = array->data;
  return 0;
}

/* The dims a .npy of a tensor with logical dims `dims` has in `layout` (channels last). */
static void file_dims(tconv_layout layout, int rank, const int64_t *dims, int64_t *out) {
  memcpy(out, dims, (size_t)rank * sizeof *out);
  if (layout == TCONV_LAYOUT_NHWC) {
    for (int i = 1; i + 1 < rank; i++)
      out[i] = dims[i + 1];
    out[rank - 1] = dims[1];
  }
}

/* The --algo name through the library's table, so every algorithm it has is accepted. */
static int parse_algo(const char *name, tconv_algo *algo) {
  *algo = TCONV_ALGO_AUTO;
  if (name == NULL || tconv_algo_from_name(name, algo) == TCONV_STATUS_OK)
    return 0;
  char algos[256];
  algo_names(algos, sizeof algos);
  return cli_fail(CLI_EXIT_USAGE, "--algo: unknown algorithm '%s' (one of %s)", name, algos);
}

/* How `run` stores and computes: from --dtype, --layout, --math. */
typedef struct run_storage {
  tconv_dtype dtype;
  tconv_layout layout;
  tconv_math math;
} run_storage;

/* Everything after the options are parsed; files in, file out. */
static int run_files(tconv_op op, const char *x_path, const char *w_path, const char *b_path,
                     const char *out_path, const params_options *p, tconv_backend backend,
                     tconv_algo algo, int verify, const run_storage *rs) {
  npy_typed xa = {0}, wa = {0}, ba = {0};
  cli_tensor x, w, b, y = {0};
  tconv_context *ctx = NULL;
  char err[CLI_ERR_SIZE];
  const cli_storage storage = {rs->dtype, rs->layout, rs->layout, rs->layout};
  int rc = load(x_path, "x", rs->dtype, rs->layout, &xa, &x);
  if (rc == 0)
    rc = load(w_path, "w", rs->dtype, rs->layout, &wa, &w);
  if (rc == 0 && b_path != NULL)
    rc = load(b_path, "bias", rs->dtype, TCONV_LAYOUT_NCHW, &ba, &b);
  if (rc != 0)
    goto done;
  if (x.rank < 3 || x.rank > 2 + TCONV_MAX_SPATIAL) {
    rc = cli_fail(CLI_EXIT_USAGE,
                  "%s: x has %d dimensions; need (N, C, spatial...) with 1 to %d spatial "
                  "dimensions",
                  x_path, x.rank, TCONV_MAX_SPATIAL);
    goto done;
  }
  if (w.rank != x.rank) {
    rc = cli_fail(
        CLI_EXIT_USAGE, "%s: w has %d dimensions but x has %d; the weights are %s", w_path, w.rank,
        x.rank,
        rs->layout == TCONV_LAYOUT_NHWC
            ? (op == TCONV_OP_CONV ? "(Cout, k..., Cin/groups) with --layout nhwc"
                                   : "(Cin, k..., Cout/groups) with --layout nhwc")
            : (op == TCONV_OP_CONV ? "(Cout, Cin/groups, k...)" : "(Cin, Cout/groups, k...)"));
    goto done;
  }
  tconv_params params;
  if (params_build(p, x.rank - 2, &params, err, sizeof err) != 0) {
    rc = cli_fail(CLI_EXIT_USAGE, "%s", err);
    goto done;
  }
  params.math = rs->math;
  y.rank = x.rank;
  tconv_status st = output_dims(op, &params, x.dims, w.dims, y.dims);
  if (st != TCONV_STATUS_OK) {
    rc = cli_fail_status(st, tconv_last_error());
    goto done;
  }
  size_t y_bytes = cli_tensor_bytes_of(&y, rs->dtype);
  y.data = malloc(y_bytes > 0 ? y_bytes : sizeof(float));
  if (y.data == NULL) {
    rc = cli_fail(CLI_EXIT_RUNTIME, "out of memory for the output (%zu bytes)", y_bytes);
    goto done;
  }
  rc = cli_open_context(backend, &ctx);
  if (rc != 0)
    goto done;
  if (verify && (st = tconv_context_set_verify(ctx, 1, 0.0)) != TCONV_STATUS_OK) {
    rc = cli_fail_status(st, tconv_context_last_error(ctx));
    goto done;
  }
  st = cli_forward_typed(ctx, op, &params, algo, &storage, &x, &w, b_path != NULL ? &b : NULL, &y,
                         err, sizeof err);
  if (st != TCONV_STATUS_OK) {
    rc = cli_fail_status(st, err);
    goto done;
  }
  int64_t out_dims[TCONV_MAX_RANK];
  file_dims(rs->layout, y.rank, y.dims, out_dims);
  if (npy_write_typed(out_path, y.rank, out_dims, rs->dtype, y.data, err, sizeof err) != 0) {
    rc = cli_fail(CLI_EXIT_RUNTIME, "%s", err);
    goto done;
  }
  char dims[128];
  format_dims(y.rank, out_dims, dims, sizeof dims);
  /* The file's dtype: bfloat16 results are widened to float32 (NumPy has no bfloat16). */
  const tconv_dtype file_dtype = rs->dtype == TCONV_DTYPE_FLOAT16 ? rs->dtype : TCONV_DTYPE_FLOAT32;
  printf("%s: %s %s (%s on %s, algo %s%s%s%s%s)\n", out_path, tconv_dtype_name(file_dtype), dims,
         op == TCONV_OP_CONV ? "conv" : "transpose", tconv_backend_name(tconv_context_backend(ctx)),
         tconv_algo_name(algo),
         rs->dtype == TCONV_DTYPE_BFLOAT16 ? ", bfloat16 widened to float32" : "",
         rs->layout == TCONV_LAYOUT_NHWC ? ", layout nhwc" : "",
         rs->math == TCONV_MATH_TF32 ? ", math tf32" : "",
         tconv_context_verify(ctx) ? ", verified against the CPU reference" : "");
done:
  tconv_context_destroy(ctx);
  free(y.data);
  npy_typed_free(&xa);
  npy_typed_free(&wa);
  npy_typed_free(&ba);
  return rc;
}

static int cmd_run(int argc, char **argv) {
  if (argc > 0 && is_help(argv[0])) {
    print_usage(stdout);
    return 0;
  }
  tconv_op op;
  int rc = parse_op("run", argc, argv, &op);
  if (rc != 0)
    return rc;
  params_options p;
  const char *x, *w, *bias, *out, *device, *algo_name, *dtype, *layout, *math;
  int verify;
  args_option options[10 + PARAMS_OPTION_COUNT] = {
      {"x", &x, NULL},           {"w", &w, NULL},           {"bias", &bias, NULL},
      {"out", &out, NULL},       {"device", &device, NULL}, {"algo", &algo_name, NULL},
      {"verify", NULL, &verify}, {"dtype", &dtype, NULL},   {"layout", &layout, NULL},
      {"math", &math, NULL}};
  int count = 10 + params_table(&p, options + 10);
  char err[CLI_ERR_SIZE];
  args_result parsed = args_parse(argc - 1, argv + 1, options, count, err, sizeof err);
  if (parsed == ARGS_HELP) {
    print_usage(stdout);
    return 0;
  }
  if (parsed != ARGS_OK)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (x == NULL || w == NULL || out == NULL)
    return cli_fail(CLI_EXIT_USAGE, "run needs --%s",
                    x == NULL   ? "x X.npy"
                    : w == NULL ? "w W.npy"
                                : "out Y.npy");
  tconv_backend backend = TCONV_BACKEND_AUTO;
  tconv_algo algo = TCONV_ALGO_AUTO;
  run_storage rs;
  if ((rc = cli_parse_device(device, &backend)) != 0 || (rc = parse_algo(algo_name, &algo)) != 0 ||
      (rc = cli_parse_storage(dtype, layout, math, &rs.dtype, &rs.layout, &rs.math)) != 0)
    return rc;
  if (params_check(&p, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  return run_files(op, x, w, bias, out, &p, backend, algo, verify, &rs);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *command = argv[1];
  if (is_help(command)) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(command, "--version") == 0) {
    printf("tconv %s\n", tconv_version_string());
    return 0;
  }
  if (strcmp(command, "demo") == 0) {
    if (argc > 2 && is_help(argv[2])) {
      print_usage(stdout);
      return 0;
    }
    if (argc > 2)
      return cli_fail(CLI_EXIT_USAGE, "demo takes no arguments (got '%s')", argv[2]);
    return cli_demo();
  }
  if (strcmp(command, "shape") == 0)
    return cmd_shape(argc - 2, argv + 2);
  if (strcmp(command, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(command, "solve") == 0)
    return cli_solve(argc - 2, argv + 2);
  if (strcmp(command, "explain") == 0)
    return cli_explain(argc - 2, argv + 2);
  if (strcmp(command, "upsample") == 0)
    return cli_upsample(argc - 2, argv + 2);
  return cli_fail(
      CLI_EXIT_USAGE,
      "unknown command '%s' (expected demo, shape, run, solve, explain or upsample; see "
      "tconv --help)",
      command);
}
