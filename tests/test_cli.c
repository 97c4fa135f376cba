/*
 * test_cli.c - suite "cli": runs the command-line tool (test_cli_path()) as a child process
 * (testutil's spawn helper, stdout and stderr sent to files) and checks the DESIGN §4
 * contract: the demo's matrices, `shape` against the §1 formulas, `run` on the CPU against
 * the reference (exact, on small-integer data, float32 and float64 inputs), and exit status
 * 2 / 1 with "tconv: error:" for bad arguments / runtime failures, the output file never
 * created then. The parameter options (--pads, --auto-pad, --output-shape[-rule],
 * --padding-mode, --activation, --algo, --verify) are checked to change the result exactly as
 * the same tconv_params do through the API, and every malformed value or conflicting
 * combination to give exit 2 naming the option (or the library's sentence) and no output.
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
  for (int a = 0; a < TCONV_ALGO_COUNT; a++) /* every algorithm the library names */
    EXPECT_HAS(r->out, tconv_algo_name((tconv_algo)a));
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

/* write_valid_inputs()' files */
static char vx[TEST_PATH_SIZE], vw[TEST_PATH_SIZE], vt[TEST_PATH_SIZE];

/* Small valid inputs for the failure tests: vx (1, 4, 5, 5), conv weights vw (6, 2, 3, 3) for
 * groups 2, transposed weights vt (4, 3, 3, 3). */
static void write_valid_inputs(void) {
  const int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {6, 2, 3, 3}, td[4] = {4, 3, 3, 3};
  float v[200];
  char err[512];
  test_fill_int(v, 200, -2, 2);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(vx, "vx.npy"), 4, xd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(vw, "vw.npy"), 4, wd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(vt, "vt.npy"), 4, td, v, err, sizeof err), 0);
}

static void test_bad_arguments_exit_2(void) {
  write_valid_inputs();
  const char *x = vx, *w = vw, *t = vt;
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
  write_valid_inputs();
  const char *x = vx, *w = vw;
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
  write_valid_inputs();
  const char *x = vx, *w = vw;
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

/* ---- parameter options: the CLI gives what the API gives ------------------------------ */

#define MAX_ARGS 32

/* One problem for the parameter options: the tconv_params the API is given, and the command
 * line options that must mean the same. */
typedef struct param_case {
  const char *what;
  tconv_op op;
  int rank;
  int64_t x_dims[5], w_dims[5];
  tconv_params params;
  const char *args[12]; /* NULL-terminated */
  int unchanged;        /* 1: the options do not change the default result (e.g. "none") */
  int run_only;         /* 1: options `tconv shape` does not take (--algo, --verify) */
} param_case;

/* x, w (small integers) and their reference output with `params`; y dims in y_dims. Returns
 * the status of the shape query; *y is malloc'ed on success. */
static tconv_status reference_output(const param_case *c, const tconv_params *params,
                                     const float *x, const float *w, int64_t *y_dims, float **y) {
  tconv_status st = c->op == TCONV_OP_CONV
                        ? tconv_conv_output_shape(params, c->x_dims, c->w_dims, y_dims)
                        : tconv_transpose_output_shape(params, c->x_dims, c->w_dims, y_dims);
  if (st != TCONV_STATUS_OK)
    return st;
  *y = malloc((size_t)test_count(c->rank + 2, y_dims) * sizeof(float));
  st = c->op == TCONV_OP_CONV
           ? tconv_reference_conv(params, c->x_dims, x, c->w_dims, w, NULL, y_dims, *y)
           : tconv_reference_transpose(params, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims, w,
                                       NULL, y_dims, *y);
  return st;
}

/* `tconv shape` with the case's options prints the API's output size. */
static void check_param_shape(const param_case *c, const int64_t *y_dims) {
  const char *argv[MAX_ARGS];
  int n = 0;
  argv[n++] = "shape";
  argv[n++] = c->op == TCONV_OP_CONV ? "conv" : "transpose";
  argv[n++] = "--input";
  argv[n++] = test_int_list(c->rank, c->x_dims + 2);
  argv[n++] = "--kernel";
  argv[n++] = test_int_list(c->rank, c->w_dims + 2);
  for (int i = 0; c->args[i] != NULL; i++)
    argv[n++] = c->args[i];
  argv[n] = NULL;
  const test_cli_result *r = test_cli_run(argv);
  char want[128], what[160];
  snprintf(want, sizeof want, "output: %s\n", test_int_list(c->rank, y_dims + 2));
  for (char *p = want; *p != '\0'; p++)
    *p = *p == ',' ? 'x' : *p;
  snprintf(what, sizeof what, "tconv shape, %s", c->what);
  EXPECT_EXIT(r, 0, what);
  EXPECT_HAS(r->out, want);
}

/* `tconv run --device cpu` with the case's options writes exactly the reference output for
 * c->params (and, unless c->unchanged, not the default parameters' output). */
static void check_param_case(const param_case *c) {
  const int r = c->rank + 2;
  const int64_t nx = test_count(r, c->x_dims), nw = test_count(r, c->w_dims);
  float *x = malloc((size_t)nx * sizeof(float)), *w = malloc((size_t)nw * sizeof(float));
  float *want = NULL, *base = NULL;
  test_fill_int(x, nx, -3, 3);
  test_fill_int(w, nw, -2, 2);
  int64_t y_dims[5], base_dims[5];
  tconv_status st = reference_output(c, &c->params, x, w, y_dims, &want);
  CU_ASSERT_EQUAL(st, TCONV_STATUS_OK);
  if (st != TCONV_STATUS_OK) {
    fprintf(stderr, "\n  %s: the API refuses the case: %s\n", c->what, tconv_last_error());
    goto done;
  }
  const int64_t ny = test_count(r, y_dims);
  tconv_params defaults = tconv_params_default(c->rank);
  if (!c->unchanged && reference_output(c, &defaults, x, w, base_dims, &base) == TCONV_STATUS_OK) {
    int same = memcmp(base_dims, y_dims, sizeof(int64_t) * (size_t)r) == 0 &&
               test_first_difference(base, want, ny) < 0;
    CU_ASSERT_FALSE(same); /* the option must matter in this case */
  }

  char xp[TEST_PATH_SIZE], wp[TEST_PATH_SIZE], yp[TEST_PATH_SIZE], err[512];
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(xp, "px.npy"), r, c->x_dims, x, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(wp, "pw.npy"), r, c->w_dims, w, err, sizeof err), 0);
  test_tmp_path(yp, "py.npy");
  unlink(yp);
  const char *argv[MAX_ARGS] = {"run",      c->op == TCONV_OP_CONV ? "conv" : "transpose",
                                "--x",      xp,
                                "--w",      wp,
                                "--out",    yp,
                                "--device", "cpu"};
  int n = 10;
  for (int i = 0; c->args[i] != NULL; i++)
    argv[n++] = c->args[i];
  argv[n] = NULL;
  const test_cli_result *res = test_cli_run(argv);
  char what[160];
  snprintf(what, sizeof what, "tconv run, %s", c->what);
  EXPECT_EXIT(res, 0, what);
  npy_array y;
  if (res->status == 0 && npy_read(yp, &y, err, sizeof err) == 0) {
    CU_ASSERT_EQUAL(y.rank, r);
    CU_ASSERT_EQUAL(memcmp(y.dims, y_dims, sizeof(int64_t) * (size_t)r), 0);
    if (y.count == ny && test_first_difference(y.data, want, ny) >= 0) {
      CU_FAIL("tconv run output = reference with the same tconv_params");
      fprintf(stderr, "\n  %s: output differs from the API's at element %lld\n", c->what,
              (long long)test_first_difference(y.data, want, ny));
    }
    npy_free(&y);
  }
  if (!c->run_only)
    check_param_shape(c, y_dims);
done:
  free(x);
  free(w);
  free(want);
  free(base);
}

/* A case: op, rank, x dims, w dims, the options; params filled by the caller. */
static param_case make_case(const char *what, tconv_op op, int rank, const int64_t *x_dims,
                            const int64_t *w_dims) {
  param_case c;
  memset(&c, 0, sizeof c);
  c.what = what;
  c.op = op;
  c.rank = rank;
  memcpy(c.x_dims, x_dims, sizeof(int64_t) * (size_t)(rank + 2));
  memcpy(c.w_dims, w_dims, sizeof(int64_t) * (size_t)(rank + 2));
  c.params = tconv_params_default(rank);
  return c;
}

#define SET_ARGS(c, ...)                                                                           \
  do {                                                                                             \
    const char *a_[] = {__VA_ARGS__, NULL};                                                        \
    memcpy((c).args, a_, sizeof a_);                                                               \
  } while (0)

static const int64_t x1[3] = {1, 2, 7}, w1[3] = {2, 3, 3}, c1[3] = {3, 2, 3};
static const int64_t x2[4] = {1, 2, 5, 4}, w2[4] = {2, 3, 3, 2}, c2[4] = {3, 2, 3, 2};

static void test_option_pads(void) {
  param_case c = make_case("transposed --pads 0,1,2,0", TCONV_OP_TRANSPOSE, 2, x2, w2);
  c.params.stride[0] = c.params.stride[1] = 2;
  c.params.pad_begin[0] = 0, c.params.pad_begin[1] = 1;
  c.params.pad_end[0] = 2, c.params.pad_end[1] = 0;
  SET_ARGS(c, "--stride", "2", "--pads", "0,1,2,0");
  check_param_case(&c);
  /* `shape` writes the formula out with both sides. */
  const test_cli_result *r = CLI("shape", "transpose", "--input", "5,4", "--kernel", "3,2",
                                 "--stride", "2", "--pads", "0,1,2,0");
  EXPECT_EXIT(r, 0, "shape --pads");
  EXPECT_HAS(r->out, "dim 0: o = (i-1)*s - pb - pe + d*(k-1) + op + 1 = (5-1)*2 - 0 - 2 + "
                     "1*(3-1) + 0 + 1 = 9\n");
  r = CLI("shape", "conv", "--input", "7", "--kernel", "3", "--pads", "2,0");
  EXPECT_HAS(r->out, "dim 0: o = floor((i + pb + pe - d*(k-1) - 1) / s) + 1 = floor((7 + 2 + 0 "
                     "- 1*(3-1) - 1) / 1) + 1 = 7\n");
  r = CLI("shape", "transpose", "--input", "7", "--kernel", "3", "--stride", "2", "--auto-pad",
          "same_lower");
  EXPECT_HAS(r->out, "dim 0: o = 14 (--auto-pad same_lower: the library chose the padding)\n");
  c = make_case("conv --pads 2,0", TCONV_OP_CONV, 1, x1, c1);
  c.params.pad_begin[0] = 2;
  SET_ARGS(c, "--pads=2,0");
  check_param_case(&c);
  c = make_case("conv --pads 1,0,0,1 --padding-mode circular", TCONV_OP_CONV, 2, x2, c2);
  c.params.pad_begin[0] = c.params.pad_end[1] = 1;
  c.params.padding_mode = TCONV_PADDING_CIRCULAR;
  SET_ARGS(c, "--pads", "1,0,0,1", "--padding-mode", "circular");
  check_param_case(&c);
}

static void test_option_auto_pad(void) {
  static const char *const names[] = {"valid", "same_upper", "same_lower"};
  static const tconv_auto_pad values[] = {TCONV_AUTO_PAD_VALID, TCONV_AUTO_PAD_SAME_UPPER,
                                          TCONV_AUTO_PAD_SAME_LOWER};
  for (int i = 0; i < 3; i++) {
    for (int op = 0; op < 2; op++) {
      param_case c = op ? make_case(names[i], TCONV_OP_TRANSPOSE, 2, x2, w2)
                        : make_case(names[i], TCONV_OP_CONV, 1, x1, c1);
      c.params.stride[0] = c.params.stride[1] = 2;
      c.params.auto_pad = values[i];
      /* VALID is the default padding of both operations: it changes nothing. */
      c.unchanged = values[i] == TCONV_AUTO_PAD_VALID;
      SET_ARGS(c, "--stride", "2", "--auto-pad", names[i]);
      check_param_case(&c);
    }
  }
  param_case c = make_case("--auto-pad notset", TCONV_OP_CONV, 1, x1, c1);
  c.unchanged = 1;
  SET_ARGS(c, "--auto-pad", "notset");
  check_param_case(&c);
}

static void test_option_output_shape(void) {
  param_case c = make_case("--output-shape 10,7 (pytorch)", TCONV_OP_TRANSPOSE, 2, x2, w2);
  c.params.stride[0] = c.params.stride[1] = 2;
  c.params.pad_begin[0] = c.params.pad_end[0] = c.params.pad_begin[1] = c.params.pad_end[1] = 1;
  c.params.output_size[0] = 10, c.params.output_size[1] = 7;
  SET_ARGS(c, "--stride", "2", "--padding", "1", "--output-shape", "10,7");
  check_param_case(&c);
  c.what = "--output-shape 10,7 --output-shape-rule pytorch";
  SET_ARGS(c, "--stride", "2", "--padding", "1", "--output-shape", "10,7", "--output-shape-rule",
           "pytorch");
  check_param_case(&c);
  c = make_case("--output-shape 10,9 --output-shape-rule onnx", TCONV_OP_TRANSPOSE, 2, x2, w2);
  c.params.stride[0] = c.params.stride[1] = 2;
  c.params.output_size[0] = 10, c.params.output_size[1] = 9;
  c.params.output_size_rule = TCONV_OUTPUT_SIZE_ONNX;
  SET_ARGS(c, "--stride", "2", "--output-shape", "10,9", "--output-shape-rule", "onnx");
  check_param_case(&c);
  c.what = "--output-shape 10,9, onnx rule, --auto-pad same_upper";
  c.params.auto_pad = TCONV_AUTO_PAD_SAME_UPPER;
  SET_ARGS(c, "--stride", "2", "--output-shape", "10,9", "--output-shape-rule=onnx", "--auto-pad",
           "same_upper");
  check_param_case(&c);
  c = make_case("--output-shape 16 (one value, rank 1)", TCONV_OP_TRANSPOSE, 1, x1, w1);
  c.params.stride[0] = 2;
  c.params.output_size[0] = 16;
  SET_ARGS(c, "--stride", "2", "--output-shape", "16");
  check_param_case(&c);
}

static void test_option_padding_mode(void) {
  static const char *const names[] = {"reflect", "replicate", "circular"};
  static const tconv_padding_mode values[] = {TCONV_PADDING_REFLECT, TCONV_PADDING_REPLICATE,
                                              TCONV_PADDING_CIRCULAR};
  for (int i = 0; i < 3; i++) {
    param_case c = make_case(names[i], TCONV_OP_CONV, 2, x2, c2);
    c.params.pad_begin[0] = c.params.pad_end[0] = c.params.pad_begin[1] = c.params.pad_end[1] = 1;
    c.params.padding_mode = values[i];
    SET_ARGS(c, "--padding", "1", "--padding-mode", names[i]);
    check_param_case(&c);
  }
  param_case c = make_case("transposed circular", TCONV_OP_TRANSPOSE, 1, x1, w1);
  c.params.stride[0] = 2;
  c.params.pad_begin[0] = c.params.pad_end[0] = 1;
  c.params.padding_mode = TCONV_PADDING_CIRCULAR;
  SET_ARGS(c, "--stride", "2", "--padding", "1", "--padding-mode", "circular");
  check_param_case(&c);
  c = make_case("--padding-mode zeros", TCONV_OP_TRANSPOSE, 1, x1, w1);
  c.unchanged = 1;
  SET_ARGS(c, "--padding-mode", "zeros");
  check_param_case(&c);
}

static void test_option_activation(void) {
  static const struct {
    const char *text;
    tconv_activation activation;
    float alpha, beta;
  } forms[] = {
      {"none", TCONV_ACTIVATION_NONE, 0.0f, 0.0f},
      {"relu", TCONV_ACTIVATION_RELU, 0.0f, 0.0f},
      {"leaky_relu", TCONV_ACTIVATION_LEAKY_RELU, 0.01f, 0.0f}, /* PyTorch's default slope */
      {"leaky_relu:0.2", TCONV_ACTIVATION_LEAKY_RELU, 0.2f, 0.0f},
      {"leaky_relu:-1.5e-1", TCONV_ACTIVATION_LEAKY_RELU, -0.15f, 0.0f},
      {"sigmoid", TCONV_ACTIVATION_SIGMOID, 0.0f, 0.0f},
      {"tanh", TCONV_ACTIVATION_TANH, 0.0f, 0.0f},
      {"clamp:-1:2.5", TCONV_ACTIVATION_CLAMP, -1.0f, 2.5f},
      {"clamp:0:inf", TCONV_ACTIVATION_CLAMP, 0.0f, INFINITY},
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    for (int op = 0; op < 2; op++) {
      param_case c = op ? make_case(forms[i].text, TCONV_OP_TRANSPOSE, 2, x2, w2)
                        : make_case(forms[i].text, TCONV_OP_CONV, 1, x1, c1);
      c.params.activation = forms[i].activation;
      c.params.activation_alpha = forms[i].alpha;
      c.params.activation_beta = forms[i].beta;
      c.unchanged = forms[i].activation == TCONV_ACTIVATION_NONE;
      SET_ARGS(c, "--activation", forms[i].text);
      check_param_case(&c);
    }
  }
}

/* Every algorithm name is accepted; on the CPU the ones the backend does not take exit 2
 * with the library's reason, exactly when tconv_algo_supported() says UNSUPPORTED. */
static void test_option_algo(void) {
  param_case c = make_case("--algo", TCONV_OP_TRANSPOSE, 2, x2, w2);
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(&ctx, TCONV_BACKEND_CPU, 0), TCONV_STATUS_OK);
  for (int a = 0; a < TCONV_ALGO_COUNT; a++) {
    const char *name = tconv_algo_name((tconv_algo)a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    tconv_status st =
        tconv_algo_supported(ctx, TCONV_OP_TRANSPOSE, &c.params, c.x_dims, c.w_dims, (tconv_algo)a);
    const int64_t vx_dims[4] = {1, 4, 5, 5}, vt_dims[4] = {4, 3, 3, 3}; /* write_valid_inputs */
    CU_ASSERT_EQUAL(
        tconv_algo_supported(ctx, TCONV_OP_TRANSPOSE, &c.params, vx_dims, vt_dims, (tconv_algo)a),
        st);
    c.what = name;
    c.unchanged = c.run_only = 1;
    SET_ARGS(c, "--algo", name);
    if (st == TCONV_STATUS_OK) {
      check_param_case(&c);
      continue;
    }
    write_valid_inputs();
    char words[64];
    snprintf(words, sizeof words, "algorithm %s", name);
    CU_ASSERT_EQUAL(cli_exit_code(st), 2);
    EXPECT_FAILURE(2, words, "run", "transpose", "--x", vx, "--w", vt, "--device", "cpu", "--algo",
                   name);
  }
  tconv_context_destroy(ctx);
}

/* --verify: a correct result passes (same output, said on stdout); a result the second
 * formulation disagrees with is exit 1 with the library's sentence and no output file. */
static void test_option_verify(void) {
  param_case c = make_case("--verify", TCONV_OP_TRANSPOSE, 2, x2, w2);
  c.params.stride[0] = c.params.stride[1] = 2;
  c.unchanged = c.run_only = 1;
  SET_ARGS(c, "--stride", "2", "--verify");
  check_param_case(&c);

  /* Catastrophic cancellation: one output (padding 2 crops the rest) sums 1, -1e20 and 1e20.
   * The gather adds them in that order and gets 0; the scatter adds 1e20 - 1e20 first and
   * gets 1. The API, asked the same, reports VERIFY_MISMATCH; the tool must pass it on. */
  const int64_t xd[3] = {1, 1, 3}, wd[3] = {1, 1, 3};
  const float x[3] = {1e20f, -1e20f, 1.0f}, w[3] = {1, 1, 1};
  float y[1] = {0};
  tconv_params p = tconv_params_default(1);
  p.pad_begin[0] = p.pad_end[0] = 2;
  int64_t yd[3];
  CU_ASSERT_EQUAL_FATAL(tconv_transpose_output_shape(&p, xd, wd, yd), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(yd[2], 1);
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(&ctx, TCONV_BACKEND_CPU, 0), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, 0.0), TCONV_STATUS_OK);
  char sentence[CLI_ERR_SIZE];
  const cli_tensor tx = {3, {1, 1, 3}, (float *)x}, tw = {3, {1, 1, 3}, (float *)w};
  cli_tensor ty = {3, {1, 1, 1}, y};
  tconv_status st = cli_forward(ctx, TCONV_OP_TRANSPOSE, &p, TCONV_ALGO_AUTO, &tx, &tw, NULL, &ty,
                                sentence, sizeof sentence);
  tconv_context_destroy(ctx);
  CU_ASSERT_EQUAL(st, TCONV_STATUS_VERIFY_MISMATCH);
  CU_ASSERT_EQUAL(cli_exit_code(TCONV_STATUS_VERIFY_MISMATCH), 1);
  char xp[TEST_PATH_SIZE], wp[TEST_PATH_SIZE], err[512];
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(xp, "cx.npy"), 3, xd, x, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(wp, "cw.npy"), 3, wd, w, err, sizeof err), 0);
  if (st == TCONV_STATUS_VERIFY_MISMATCH)
    EXPECT_FAILURE(1, sentence, "run", "transpose", "--x", xp, "--w", wp, "--padding", "2",
                   "--device", "cpu", "--verify");
  /* Without --verify the same run succeeds (and writes the gather's 0) - also when the
   * tests themselves run under TCONV_VERIFY=1, which the child would inherit. */
  char saved[16] = "";
  const char *env = getenv("TCONV_VERIFY");
  const int had = env != NULL;
  if (had)
    snprintf(saved, sizeof saved, "%s", env);
  unsetenv("TCONV_VERIFY");
  const test_cli_result *r = CLI("run", "transpose", "--x", xp, "--w", wp, "--padding", "2",
                                 "--device", "cpu", "--out", test_tmp_path(err, "cy.npy"));
  if (had)
    setenv("TCONV_VERIFY", saved, 1);
  EXPECT_EXIT(r, 0, "the cancellation case without --verify");
  unlink(err);
}

/* Malformed values and conflicting options: exit 2, the option named, no output file. */
static void test_option_errors(void) {
  write_valid_inputs();
  const char *x = vx, *w = vw, *t = vt;
  static const struct {
    const char *option, *value, *words;
  } bad[] = {
      {"--pads", "1,1", "--pads"},   /* rank 2 needs 4 */
      {"--pads", "1,2,3", "--pads"}, /* odd */
      {"--pads", "1,x,1,1", "--pads"},
      {"--pads", "1,1,1,1,1,1,1,1", "--pads"},
      {"--auto-pad", "same", "--auto-pad"},
      {"--auto-pad", "SAME_UPPER", "--auto-pad"},
      {"--output-shape", "0", "--output-shape"},
      {"--output-shape", "-3", "--output-shape"},
      {"--output-shape", "9,x", "--output-shape"},
      {"--output-shape", "9,9,9", "--output-shape"},
      {"--output-shape-rule", "tf", "--output-shape-rule"},
      {"--padding-mode", "mirror", "--padding-mode"},
      {"--activation", "gelu", "--activation"},
      {"--activation", "relu:1", "--activation"},
      {"--activation", "sigmoid:", "--activation"},
      {"--activation", "leaky_relu:", "--activation"},
      {"--activation", "leaky_relu:abc", "--activation"},
      {"--activation", "leaky_relu:0.1:2", "--activation"},
      {"--activation", "leaky_relu:1e39", "--activation"},
      {"--activation", "leaky_relu: 1", "--activation"},
      {"--activation", "clamp", "--activation"},
      {"--activation", "clamp:1", "--activation"},
      {"--activation", "clamp:a:b", "--activation"},
      {"--activation", "clamp:0:1:2", "--activation"},
      {"--activation", "RELU", "--activation"},
      {"--algo", "fastest", "--algo"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT_FAILURE(2, bad[i].words, "run", "transpose", "--x", x, "--w", t, "--stride", "2",
                   bad[i].option, bad[i].value);
    EXPECT_FAILURE(2, bad[i].words, "shape", "transpose", "--input", "5,5", "--kernel", "3",
                   "--stride", "2", bad[i].option, bad[i].value);
  }
  /* The unknown --algo names the valid ones. */
  EXPECT_FAILURE(2, "auto (default) | direct | reference | igemm | gemm | depthwise", "run", "conv",
                 "--x", x, "--w", w, "--groups", "2", "--algo", "fastest");
  /* Conflicts the tool refuses itself. */
  EXPECT_FAILURE(2, "--padding and --pads", "run", "conv", "--x", x, "--w", w, "--groups", "2",
                 "--padding", "1", "--pads", "1,1,1,1");
  EXPECT_FAILURE(2, "--padding and --pads", "shape", "conv", "--input", "5", "--kernel", "3",
                 "--pads", "1,1", "--padding", "1");
  EXPECT_FAILURE(2, "--output-shape-rule needs --output-shape", "run", "transpose", "--x", x, "--w",
                 t, "--output-shape-rule", "onnx");
  EXPECT_FAILURE(2, "--verify", "run", "transpose", "--x", x, "--w", t, "--verify=1");
  EXPECT_FAILURE(2, "--verify", "run", "transpose", "--x", x, "--w", t, "--verify", "--verify");
  EXPECT_FAILURE(2, "--verify", "shape", "transpose", "--input", "5", "--kernel", "3", "--verify");
  /* Combinations the library refuses: its sentence, exit 2. */
  EXPECT_FAILURE(2, "pads must be 0 with auto_pad SAME_UPPER", "run", "transpose", "--x", x, "--w",
                 t, "--pads", "1,1,1,1", "--auto-pad", "same_upper");
  EXPECT_FAILURE(2, "pads must be 0 with auto_pad SAME_LOWER", "shape", "conv", "--input", "5",
                 "--kernel", "3", "--padding", "1", "--auto-pad", "same_lower");
  EXPECT_FAILURE(2, "output_size 20 must lie between", "run", "transpose", "--x", x, "--w", t,
                 "--stride", "2", "--output-shape", "20");
  EXPECT_FAILURE(2, "output_size applies to transposed conv only", "run", "conv", "--x", x, "--w",
                 w, "--groups", "2", "--output-shape", "5");
  EXPECT_FAILURE(2, "output_padding 1 must be 0 with a PyTorch output_size", "run", "transpose",
                 "--x", x, "--w", t, "--stride", "2", "--output-padding", "1", "--output-shape",
                 "10");
  EXPECT_FAILURE(2, "pads must be 0 with an ONNX output_shape", "run", "transpose", "--x", x, "--w",
                 t, "--stride", "2", "--pads", "0,0,1,1", "--output-shape", "10",
                 "--output-shape-rule", "onnx");
  EXPECT_FAILURE(2, "reflect padding 5 must be smaller than the input size 5", "run", "conv", "--x",
                 x, "--w", w, "--groups", "2", "--padding", "5", "--padding-mode", "reflect");
  EXPECT_FAILURE(2, "circular padding 6 must not exceed the input size 5", "shape", "conv",
                 "--input", "5", "--kernel", "3", "--padding", "6", "--padding-mode", "circular");
  EXPECT_FAILURE(2, "padding_mode replicate is not defined for transposed convolution", "run",
                 "transpose", "--x", x, "--w", t, "--padding-mode", "replicate");
  EXPECT_FAILURE(2, "clamp needs activation_alpha 2 <= activation_beta 1", "run", "conv", "--x", x,
                 "--w", w, "--groups", "2", "--activation", "clamp:2:1");
  EXPECT_FAILURE(2, "leaky_relu needs a finite activation_alpha", "run", "conv", "--x", x, "--w", w,
                 "--groups", "2", "--activation", "leaky_relu:nan");
}

/* ---- registration ------------------------------------------------------------------------ */

static int suite_init(void) { return test_tmp_dir_make(); }
static int suite_cleanup(void) { return test_tmp_dir_remove(); }

CU_ErrorCode test_register_cli(void) {
  CU_pSuite cli = CU_add_suite("cli", suite_init, suite_cleanup);
  if (cli == NULL)
    return CU_get_error();
  if (!CU_add_test(cli, "demo prints and checks the worked examples", test_demo) ||
      !CU_add_test(cli, "usage and --help", test_usage) ||
      !CU_add_test(cli, "shape conv = DESIGN formula", test_shape_conv) ||
      !CU_add_test(cli, "shape transpose = DESIGN formula", test_shape_transpose) ||
      !CU_add_test(cli, "run conv on the CPU = reference", test_run_conv_cpu) ||
      !CU_add_test(cli, "run transpose on the CPU = reference", test_run_transpose_cpu) ||
      !CU_add_test(cli, "run with float64 inputs", test_run_float64_inputs) ||
      !CU_add_test(cli, "bad arguments exit 2, no output", test_bad_arguments_exit_2) ||
      !CU_add_test(cli, "runtime failures exit 1, no output", test_runtime_failures_exit_1) ||
      !CU_add_test(cli, "--device cuda", test_device_cuda) ||
      !CU_add_test(cli, "--pads = API pad_begin / pad_end", test_option_pads) ||
      !CU_add_test(cli, "--auto-pad = API auto_pad", test_option_auto_pad) ||
      !CU_add_test(cli, "--output-shape[-rule] = API output_size", test_option_output_shape) ||
      !CU_add_test(cli, "--padding-mode = API padding_mode", test_option_padding_mode) ||
      !CU_add_test(cli, "--activation = API activation", test_option_activation) ||
      !CU_add_test(cli, "--algo: every name; unsupported is exit 2", test_option_algo) ||
      !CU_add_test(cli, "--verify: pass, and a mismatch is exit 1", test_option_verify) ||
      !CU_add_test(cli, "malformed and conflicting options exit 2", test_option_errors))
    return CU_get_error();
  return CUE_SUCCESS;
}
