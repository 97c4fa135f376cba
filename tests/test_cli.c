/*
 * test_cli.c - suite "cli": runs the command-line tool (test_cli_path()) as a child process
 * (testutil's spawn helper, stdout and stderr sent to files) and checks the DESIGN §4
 * contract: the demo's matrices, `shape` against the §1 formulas, `run` on the CPU against
 * the reference (exact, on small-integer data, float32 and float64 inputs), and exit status
 * 2 / 1 with "tconv: error:" for bad arguments / runtime failures, the output file never
 * created then. The parameter options are test_cli_options.c's.
 */
#include "cli.h"
#include "npy.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- demo, usage ----------------------------------------------------------------------- */

static void test_demo(void) {
  const test_cli_result *r = CLI("demo");
  EXPECT_EXIT(r, 0, "tconv demo");
  EXPECT_HAS(r->out, "backend: ");
  /* The matrices, as printed rows. */
  EXPECT_HAS(r->out, "   37   47");
  EXPECT_HAS(r->out, "   67   77");
  EXPECT_HAS(r->out, "    0    0    1");
  EXPECT_HAS(r->out, "    0    4    6");
  EXPECT_HAS(r->out, "    4   12    9");
  EXPECT_HAS(r->out, "expected [[37,47],[67,77]]: ok");
  EXPECT_HAS(r->out, "expected [[0,0,1],[0,4,6],[4,12,9]]: ok");
  EXPECT_HAS(r->out, "gather");
  EXPECT_HAS(r->out, "scatter");
  EXPECT_HAS(r->out, "zero insertion");
  EXPECT_HAS(r->out, "(3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 6");
  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
  EXPECT_HAS(r->out, "demo: all examples ok");
}

static void test_usage(void) {
  const test_cli_result *r = CLI("--help");
  EXPECT_EXIT(r, 0, "tconv --help");
  EXPECT_HAS(r->out, "usage: tconv demo");
  static const char *const listed[] = {
      "--stride",         "--padding",     "--pads",          "--dilation",
      "--output-padding", "--groups",      "--auto-pad",      "notset",
      "same_upper",       "same_lower",    "--output-shape ", "--output-shape-rule",
      "pytorch",          "onnx",          "--padding-mode",  "reflect",
      "replicate",        "circular",      "--activation",    "leaky_relu[:ALPHA]",
      "sigmoid",          "tanh",          "clamp:LO:HI",     "--device",
      "--algo",           "--verify",      "tconv solve",     "--in-channels",
      "--out-channels",   "tconv explain", "--frames",        "tconv upsample"};
  for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
    EXPECT_HAS(r->out, listed[i]);
    /* Every name the library gives the values of the options that take its enums. */
#define EXPECT_NAMES(type, COUNT)                                                                  \
  do {                                                                                             \
    for (int v = 0; v < (COUNT); v++)                                                              \
      EXPECT_HAS(r->out, tconv_##type##_name((tconv_##type)v));                                    \
  } while (0)
  EXPECT_NAMES(algo, TCONV_ALGO_COUNT);
  EXPECT_NAMES(auto_pad, TCONV_AUTO_PAD_COUNT);
  EXPECT_NAMES(output_size_rule, TCONV_OUTPUT_SIZE_RULE_COUNT);
  EXPECT_NAMES(padding_mode, TCONV_PADDING_MODE_COUNT);
  EXPECT_NAMES(activation, TCONV_ACTIVATION_COUNT);
  EXPECT_NAMES(backend, TCONV_BACKEND_COUNT);
  EXPECT_NAMES(dtype, TCONV_DTYPE_COUNT);
  EXPECT_NAMES(layout, TCONV_LAYOUT_COUNT);
  EXPECT_NAMES(math, TCONV_MATH_COUNT);
#undef EXPECT_NAMES
  r = CLI("run", "-h");
  EXPECT_EXIT(r, 0, "tconv run -h");
  EXPECT_HAS(r->out, "usage:");
  r = test_cli_run((const char *const[]){NULL});
  EXPECT_EXIT(r, 2, "tconv with no arguments");
  EXPECT_HAS(r->err, "usage:");
}

/* ---- shape ----------------------------------------------------------------------------- */

/* DESIGN §1, written out again here so the tool is checked against the formula itself. */
static int64_t formula(tconv_op op, int64_t i, int64_t k, int64_t s, int64_t p, int64_t d,
                       int64_t op_pad) {
  int64_t ke = d * (k - 1) + 1;
  return op == TCONV_OP_CONV ? (i + 2 * p - ke) / s + 1 : (i - 1) * s - 2 * p + ke + op_pad;
}

typedef struct shape_case {
  tconv_op op;
  int rank;
  int64_t i[3], k[3], s[3], p[3], d[3], op_pad[3];
} shape_case;

static void check_shape(const shape_case *c) {
  char out[128] = "output: ";
  size_t used = strlen(out);
  for (int a = 0; a < c->rank; a++) {
    int64_t o = formula(c->op, c->i[a], c->k[a], c->s[a], c->p[a], c->d[a], c->op_pad[a]);
    used += (size_t)snprintf(out + used, sizeof out - used, a ? "x%lld" : "%lld", (long long)o);
  }
  snprintf(out + used, sizeof out - used, "\n");
  const test_cli_result *r =
      CLI("shape", c->op == TCONV_OP_CONV ? "conv" : "transpose", "--input",
          test_int_list(c->rank, c->i), "--kernel", test_int_list(c->rank, c->k), "--stride",
          test_int_list(c->rank, c->s), "--padding", test_int_list(c->rank, c->p), "--dilation",
          test_int_list(c->rank, c->d), "--output-padding", test_int_list(c->rank, c->op_pad));
  EXPECT_EXIT(r, 0, "tconv shape");
  EXPECT_HAS(r->out, out);
  EXPECT_HAS(r->out, "dim 0: o = ");
}

static void test_shape_conv(void) {
  const shape_case cases[] = {
      {TCONV_OP_CONV, 1, {8}, {3}, {2}, {1}, {1}, {0}},
      {TCONV_OP_CONV, 1, {7}, {3}, {2}, {0}, {2}, {0}},
      {TCONV_OP_CONV, 2, {8, 9}, {3, 2}, {1, 2}, {0, 1}, {2, 1}, {0, 0}},
      {TCONV_OP_CONV, 3, {5, 6, 7}, {1, 2, 3}, {1, 2, 3}, {0, 1, 2}, {1, 1, 3}, {0, 0, 0}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_shape(&cases[c]);
  /* One value for every dimension, and the --opt=V form. */
  const test_cli_result *r =
      CLI("shape", "conv", "--input=8,8", "--kernel=3", "--stride=2", "--padding=1");
  EXPECT_EXIT(r, 0, "tconv shape conv --opt=V");
  EXPECT_HAS(r->out, "output: 4x4\n");
  r = CLI("shape", "conv", "--input", "8", "--kernel", "3", "--groups", "2", "--in-channels", "4",
          "--out-channels", "6");
  EXPECT_EXIT(r, 0, "tconv shape conv with groups and channels");
  EXPECT_HAS(r->out, "output: 6\n");
  EXPECT_HAS(r->out, "w 6x2x3");
}

static void test_shape_transpose(void) {
  const shape_case cases[] = {
      {TCONV_OP_TRANSPOSE, 1, {3}, {3}, {2}, {1}, {1}, {1}},
      {TCONV_OP_TRANSPOSE, 1, {5}, {4}, {3}, {2}, {2}, {2}},
      {TCONV_OP_TRANSPOSE, 2, {3, 4}, {3, 2}, {2, 1}, {1, 0}, {1, 2}, {1, 1}},
      {TCONV_OP_TRANSPOSE, 3, {2, 3, 4}, {2, 3, 4}, {2, 2, 3}, {0, 1, 2}, {1, 2, 1}, {1, 0, 2}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_shape(&cases[c]);
  const test_cli_result *r = CLI("shape", "transpose", "--input", "3,3", "--kernel", "3",
                                 "--stride", "2", "--padding", "1", "--output-padding", "1");
  EXPECT_EXIT(r, 0, "tconv shape transpose 3x3 -> 6x6");
  EXPECT_HAS(r->out, "output: 6x6\n");
  EXPECT_HAS(r->out, "(3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 6");
}

/* ---- run: files in, files out ---------------------------------------------------------- */

/* "(2, 3, 4)" / "(5,)" / "()" */
static const char *shape_text(int rank, const int64_t *dims) {
  static char text[128];
  size_t used = (size_t)snprintf(text, sizeof text, "(");
  for (int i = 0; i < rank; i++)
    used += (size_t)snprintf(text + used, sizeof text - used, i ? ", %lld" : "%lld",
                             (long long)dims[i]);
  snprintf(text + used, sizeof text - used, rank == 1 ? ",)" : ")");
  return text;
}

/* Writes values as a version 1.0 '<f8' file (what numpy.save does with float64). */
static void write_f64(const char *path, int rank, const int64_t *dims, const float *values) {
  int64_t n = test_count(rank, dims);
  unsigned char *data = malloc((size_t)n * 8 + 1);
  for (int64_t i = 0; i < n; i++) {
    double v = values[i];
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    test_put_le(data + i * 8, u, 8);
  }
  char dict[256];
  snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }",
           shape_text(rank, dims));
  size_t size;
  unsigned char *img = test_npy_image(1, dict, data, (size_t)n * 8, &size);
  test_write_bytes(path, img, size);
  free(img);
  free(data);
}

typedef struct run_case {
  tconv_op op;
  int rank; /* spatial */
  int64_t x_dims[5], w_dims[5];
  int64_t s[3], p[3], d[3], op_pad[3], groups;
  int bias;
  int f64_x, f64_w; /* write these inputs as float64 */
} run_case;

/* Runs one case through `tconv run ... --device cpu` and compares the output file with the
 * CPU reference, exactly. */
static void check_run(const run_case *c) {
  tconv_params params = tconv_params_default(c->rank);
  for (int a = 0; a < c->rank; a++) {
    params.stride[a] = c->s[a];
    params.pad_begin[a] = params.pad_end[a] = c->p[a];
    params.dilation[a] = c->d[a];
    params.output_padding[a] = c->op_pad[a];
  }
  params.groups = c->groups;
  int r = c->rank + 2;
  int64_t y_dims[5], cout = c->op == TCONV_OP_CONV ? c->w_dims[0] : c->w_dims[1] * c->groups;
  tconv_status st = c->op == TCONV_OP_CONV
                        ? tconv_conv_output_shape(&params, c->x_dims, c->w_dims, y_dims)
                        : tconv_transpose_output_shape(&params, c->x_dims, c->w_dims, y_dims);
  CU_ASSERT_EQUAL_FATAL(st, TCONV_STATUS_OK);
  int64_t nx = test_count(r, c->x_dims), nw = test_count(r, c->w_dims), ny = test_count(r, y_dims);
  float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4), *b = malloc((size_t)cout * 4);
  float *want = malloc((size_t)ny * 4);
  test_fill_int(x, nx, -3, 3);
  test_fill_int(w, nw, -3, 3);
  test_fill_int(b, cout, -5, 5);
  st = c->op == TCONV_OP_CONV
           ? tconv_reference_conv(&params, c->x_dims, x, c->w_dims, w, c->bias ? b : NULL, y_dims,
                                  want)
           : tconv_reference_transpose(&params, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims,
                                       w, c->bias ? b : NULL, y_dims, want);
  CU_ASSERT_EQUAL_FATAL(st, TCONV_STATUS_OK);

  char xp[TEST_PATH_SIZE], wp[TEST_PATH_SIZE], bp[TEST_PATH_SIZE], yp[TEST_PATH_SIZE];
  test_tmp_path(xp, "x.npy");
  test_tmp_path(wp, "w.npy");
  test_tmp_path(bp, "b.npy");
  test_tmp_path(yp, "y.npy");
  char err[512];
  if (c->f64_x)
    write_f64(xp, r, c->x_dims, x);
  else
    CU_ASSERT_EQUAL(npy_write(xp, r, c->x_dims, x, err, sizeof err), 0);
  if (c->f64_w)
    write_f64(wp, r, c->w_dims, w);
  else
    CU_ASSERT_EQUAL(npy_write(wp, r, c->w_dims, w, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(bp, 1, &cout, b, err, sizeof err), 0);
  unlink(yp);

  /* Both option forms: --x=V and --w V. */
  char x_opt[TEST_PATH_SIZE + 8], groups[32];
  snprintf(x_opt, sizeof x_opt, "--x=%s", xp);
  snprintf(groups, sizeof groups, "--groups=%lld", (long long)c->groups);
  const char *args[32];
  int n = 0;
  args[n++] = "run";
  args[n++] = c->op == TCONV_OP_CONV ? "conv" : "transpose";
  args[n++] = x_opt;
  args[n++] = "--w";
  args[n++] = wp;
  if (c->bias) {
    args[n++] = "--bias";
    args[n++] = bp;
  }
  const char *const tail[] = {"--out",      yp,
                              "--stride",   test_int_list(c->rank, c->s),
                              "--padding",  test_int_list(c->rank, c->p),
                              "--dilation", test_int_list(c->rank, c->d),
                              groups,       "--device",
                              "cpu"};
  for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
    args[n++] = tail[i];
  if (c->op == TCONV_OP_TRANSPOSE) {
    args[n++] = "--output-padding";
    args[n++] = test_int_list(c->rank, c->op_pad);
  }
  args[n] = NULL;
  const test_cli_result *res = test_cli_run(args);
  EXPECT_EXIT(res, 0, "tconv run");
  EXPECT_HAS(res->out, "on cpu");

  npy_array y;
  int read = npy_read(yp, &y, err, sizeof err);
  CU_ASSERT_EQUAL(read, 0);
  if (read == 0) {
    CU_ASSERT_EQUAL(y.rank, r);
    CU_ASSERT_EQUAL(memcmp(y.dims, y_dims, (size_t)r * sizeof y_dims[0]), 0);
    if (y.count == ny)
      CU_ASSERT_EQUAL(test_first_difference(y.data, want, ny), -1);
    npy_free(&y);
  }
  CU_ASSERT_FALSE(test_tmp_files_left());
  free(x);
  free(w);
  free(b);
  free(want);
}

static void test_run_conv_cpu(void) {
  const run_case cases[] = {
      /* op, rank, x, w, stride, padding, dilation, output_padding, groups, bias, f64 x, w */
      {TCONV_OP_CONV, 1, {2, 3, 11}, {4, 3, 3}, {2}, {1}, {1}, {0}, 1, 1, 0, 0},
      {TCONV_OP_CONV, 2, {1, 4, 7, 6}, {6, 2, 3, 3}, {2, 1}, {1, 2}, {1, 2}, {0, 0}, 2, 1, 0, 0},
      {TCONV_OP_CONV,
       3,
       {1, 2, 5, 4, 6},
       {2, 2, 2, 3, 1},
       {1, 2, 3},
       {0, 1, 0},
       {1, 1, 1},
       {0, 0, 0},
       1,
       0,
       0,
       0},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_run(&cases[c]);
}

static void test_run_transpose_cpu(void) {
  const run_case cases[] = {
      {TCONV_OP_TRANSPOSE, 1, {1, 2, 5}, {2, 3, 3}, {3}, {2}, {2}, {2}, 1, 0, 0, 0},
      {TCONV_OP_TRANSPOSE,
       2,
       {2, 4, 3, 5},
       {4, 3, 3, 2},
       {2, 3},
       {1, 0},
       {1, 1},
       {1, 2},
       2,
       1,
       0,
       0},
      {TCONV_OP_TRANSPOSE,
       3,
       {1, 2, 2, 3, 2},
       {2, 2, 3, 2, 2},
       {2, 2, 2},
       {1, 1, 0},
       {1, 1, 1},
       {1, 0, 1},
       1,
       1,
       0,
       0},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_run(&cases[c]);
}

static void test_run_float64_inputs(void) {
  const run_case cases[] = {
      {TCONV_OP_CONV, 2, {1, 2, 5, 5}, {3, 2, 2, 2}, {1, 2}, {0, 1}, {1, 1}, {0, 0}, 1, 1, 1, 0},
      {TCONV_OP_TRANSPOSE,
       2,
       {1, 2, 3, 3},
       {2, 2, 3, 3},
       {2, 2},
       {1, 1},
       {1, 1},
       {1, 1},
       1,
       1,
       1,
       1},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_run(&cases[c]);
}

/* ---- failures: exit status, message, and no output file ------------------------------- */

/* test_write_valid_inputs()' files */
char test_vx[TEST_PATH_SIZE], test_vw[TEST_PATH_SIZE], test_vt[TEST_PATH_SIZE];

/* Small valid inputs for the failure tests: test_vx (1, 4, 5, 5), conv weights test_vw
 * (6, 2, 3, 3) for groups 2, transposed weights test_vt (4, 3, 3, 3). */
void test_write_valid_inputs(void) {
  const int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {6, 2, 3, 3}, td[4] = {4, 3, 3, 3};
  float v[200];
  char err[512];
  test_fill_int(v, 200, -2, 2);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(test_vx, "vx.npy"), 4, xd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(test_vw, "vw.npy"), 4, wd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(test_vt, "vt.npy"), 4, td, v, err, sizeof err), 0);
}

static void test_bad_arguments_exit_2(void) {
  test_write_valid_inputs();
  const char *x = test_vx, *w = test_vw, *t = test_vt;
  EXPECT_FAILURE(2, "frobnicate", "frobnicate");
  EXPECT_FAILURE(2, "conv|transpose", "run", "convolve", "--x", x, "--w", w);
  EXPECT_FAILURE(2, "--strid", "run", "conv", "--x", x, "--w", w, "--strid", "2");
  EXPECT_FAILURE(2, "--stride", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--stride");
  EXPECT_FAILURE(2, "--stride", "run", "conv", "--x", x, "--w", w, "--stride", "two");
  EXPECT_FAILURE(2, "--padding", "run", "conv", "--x", x, "--w", w, "--padding", "1.5");
  EXPECT_FAILURE(2, "--groups", "run", "conv", "--x", x, "--w", w, "--groups", "2,2");
  EXPECT_FAILURE(2, "--stride", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--stride",
                 "1,2,1");
  EXPECT_FAILURE(2, "--dilation", "run", "conv", "--x", x, "--w", w, "--groups", "2",
                 "--dilation=1,1,1");
  EXPECT_FAILURE(2, "--x", "run", "conv", "--w", w);
  EXPECT_FAILURE(2, "--device", "run", "conv", "--x", x, "--w", w, "--device", "gpu");
  EXPECT_FAILURE(2, "--algo", "run", "conv", "--x", x, "--w", w, "--algo", "fastest");
  EXPECT_FAILURE(2, "output_padding|output-padding", "run", "transpose", "--x", x, "--w", t,
                 "--stride", "2", "--output-padding", "2");
  EXPECT_FAILURE(2, "output_padding|output-padding", "run", "conv", "--x", x, "--w", w, "--groups",
                 "2", "--output-padding", "1");
  EXPECT_FAILURE(2, "groups", "run", "conv", "--x", x, "--w", w, "--groups", "3");
  EXPECT_FAILURE(2, "groups", "run", "transpose", "--x", x, "--w", t, "--groups", "3");
  EXPECT_FAILURE(2, "stride", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--stride", "0");
  EXPECT_FAILURE(2, "padding|pad", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--padding",
                 "-1");
  /* The weights do not match x: conv w (6, 2, ...) needs groups 2 for 4 input channels. */
  EXPECT_FAILURE(2, "w |w)|weight|(Cout", "run", "conv", "--x", x, "--w", w);
  EXPECT_FAILURE(2, "w |w)|weight|(Cin", "run", "transpose", "--x", x, "--w", w);
  EXPECT_FAILURE(2, "bias", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--bias", x);
  EXPECT_FAILURE(2, "kernel|extent", "shape", "conv", "--input", "3,8", "--kernel", "5");
  /* shape's own argument errors. */
  EXPECT_FAILURE(2, "--kernel", "shape", "conv", "--input", "8");
  EXPECT_FAILURE(2, "--input", "shape", "conv", "--input", "1,2,3,4", "--kernel", "1");
  EXPECT_FAILURE(2, "--stride", "shape", "conv", "--input", "8,8", "--kernel", "3", "--stride",
                 "1,2,3");
  EXPECT_FAILURE(2, "output_padding|output-padding", "shape", "transpose", "--input", "4",
                 "--kernel", "3", "--stride", "2", "--output-padding", "2");
  EXPECT_FAILURE(2, "groups", "shape", "conv", "--input", "8", "--kernel", "3", "--groups", "2",
                 "--in-channels", "3");
}

static void test_runtime_failures_exit_1(void) {
  test_write_valid_inputs();
  const char *x = test_vx, *w = test_vw;
  char path[TEST_PATH_SIZE];
  EXPECT_FAILURE(1, "missing.npy", "run", "conv", "--x", test_tmp_path(path, "missing.npy"), "--w",
                 w, "--groups", "2");

  /* Malformed files, each named in the message. */
  static const float data[4] = {1, 2, 3, 4};
  size_t size;
  unsigned char *img = test_npy_image(
      1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 4), }", data, 16, &size);
  test_write_bytes(test_tmp_path(path, "trunc.npy"), img, size - 2);
  EXPECT_FAILURE(1, "trunc.npy", "run", "conv", "--x", path, "--w", w);
  img[0] = 'X';
  test_write_bytes(test_tmp_path(path, "magic.npy"), img, size);
  EXPECT_FAILURE(1, "magic.npy", "run", "conv", "--x", path, "--w", w);
  free(img);
  img = test_npy_image(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1, 4), }", data,
                       16, &size);
  test_write_bytes(test_tmp_path(path, "int.npy"), img, size);
  EXPECT_FAILURE(1, "<i4", "run", "conv", "--x", path, "--w", w);
  free(img);
  img = test_npy_image(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 2, 2), }", data,
                       16, &size);
  test_write_bytes(test_tmp_path(path, "fortran.npy"), img, size);
  EXPECT_FAILURE(1, "fortran", "run", "conv", "--x", x, "--w", path);
  free(img);
  EXPECT_FAILURE(1, "vx.npy.d", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--bias",
                 test_tmp_path(path, "vx.npy.d/b.npy"));

  /* A directory that does not exist: the write fails, and nothing is left behind. */
  const char *args[] = {"run",      "conv", "--x",      x,
                        "--w",      w,      "--groups", "2",
                        "--device", "cpu",  "--out",    test_tmp_path(path, "no-such-dir/y.npy"),
                        NULL};
  const test_cli_result *r = test_cli_run(args);
  EXPECT_EXIT(r, 1, "tconv run with an unwritable --out");
  EXPECT_HAS(r->err, "tconv: error: ");
  CU_ASSERT_FALSE(test_tmp_files_left());
}

static void test_device_cuda(void) {
  test_write_valid_inputs();
  const char *x = test_vx, *w = test_vw;
  char reason[256];
  if (tconv_cuda_probe(reason, sizeof reason) != TCONV_STATUS_OK) {
    EXPECT_FAILURE(1, "CUDA|cuda|device", "run", "conv", "--x", x, "--w", w, "--groups", "2",
                   "--device", "cuda");
    return;
  }
  /* With a device the same command succeeds, on CUDA. */
  char path[TEST_PATH_SIZE];
  const char *args[] = {"run",      "conv", "--x",      x,
                        "--w",      w,      "--groups", "2",
                        "--device", "cuda", "--out",    test_tmp_path(path, "cuda.npy"),
                        NULL};
  const test_cli_result *r = test_cli_run(args);
  EXPECT_EXIT(r, 0, "tconv run --device cuda");
  EXPECT_HAS(r->out, "on cuda");
  unlink(path);
}

static CU_TestInfo cli_tests[] = {
    {"demo prints and checks the worked examples", test_demo},
    {"usage and --help", test_usage},
    {"shape conv = DESIGN formula", test_shape_conv},
    {"shape transpose = DESIGN formula", test_shape_transpose},
    {"run conv on the CPU = reference", test_run_conv_cpu},
    {"run transpose on the CPU = reference", test_run_transpose_cpu},
    {"run with float64 inputs", test_run_float64_inputs},
    {"bad arguments exit 2, no output", test_bad_arguments_exit_2},
    {"runtime failures exit 1, no output", test_runtime_failures_exit_1},
    {"--device cuda", test_device_cuda},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_cli[] = {
    {"cli", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, cli_tests},
    CU_SUITE_INFO_NULL,
};
