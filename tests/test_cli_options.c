/*
 * test_cli_options.c - suite "cli_options" (unit "cli"): the parameter options of `tconv run`
 * and `tconv shape` (--pads, --auto-pad, --output-shape[-rule], --padding-mode, --activation,
 * --algo, --verify) change the result exactly as the same tconv_params do through the API,
 * and every malformed value or conflicting combination gives exit 2 naming the option (or the
 * library's sentence) and no output file.
 */
#include "cli.h"
#include "npy.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  for (int a = 0; a < TCONV_ALGO_COUNT; a++) {
    const char *name = tconv_algo_name((tconv_algo)a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    const tconv_tensor x = tconv_tensor_make(NULL, 0, 4, c.x_dims);
    const tconv_tensor w = tconv_tensor_make(NULL, 0, 4, c.w_dims);
    tconv_status st =
        tconv_algo_supported(ctx, TCONV_OP_TRANSPOSE, &c.params, &x, &w, NULL, (tconv_algo)a);
    /* The shapes test_write_valid_inputs gives. */
    const int64_t vx_dims[4] = {1, 4, 5, 5}, vt_dims[4] = {4, 3, 3, 3};
    const tconv_tensor valid_x = tconv_tensor_make(NULL, 0, 4, vx_dims);
    const tconv_tensor valid_t = tconv_tensor_make(NULL, 0, 4, vt_dims);
    CU_ASSERT_EQUAL(tconv_algo_supported(ctx, TCONV_OP_TRANSPOSE, &c.params, &valid_x, &valid_t,
                                         NULL, (tconv_algo)a),
                    st);
    c.what = name;
    c.unchanged = c.run_only = 1;
    SET_ARGS(c, "--algo", name);
    if (st == TCONV_STATUS_OK) {
      check_param_case(&c);
      continue;
    }
    test_write_valid_inputs();
    char words[64];
    snprintf(words, sizeof words, "algorithm %s", name);
    CU_ASSERT_EQUAL(cli_exit_code(st), 2);
    EXPECT_FAILURE(2, words, "run", "transpose", "--x", test_vx, "--w", test_vt, "--device", "cpu",
                   "--algo", name);
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
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
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
  test_write_valid_inputs();
  const char *x = test_vx, *w = test_vw, *t = test_vt;
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
  EXPECT_FAILURE(2, "auto (default) | direct | reference | igemm | gemm | depthwise | igemm_tc",
                 "run", "conv", "--x", x, "--w", w, "--groups", "2", "--algo", "fastest");
  /* An unknown name lists the library's names (the activations with their parameters). */
  EXPECT_FAILURE(2, "--auto-pad: 'same' is not one of notset, valid, same_upper, same_lower",
                 "shape", "conv", "--input", "5", "--kernel", "3", "--auto-pad", "same");
  EXPECT_FAILURE(2, "--padding-mode: 'mirror' is not one of zeros, reflect, replicate, circular",
                 "shape", "conv", "--input", "5", "--kernel", "3", "--padding-mode", "mirror");
  EXPECT_FAILURE(2, "--output-shape-rule: 'tf' is not one of pytorch, onnx", "shape", "transpose",
                 "--input", "5", "--kernel", "3", "--output-shape", "7", "--output-shape-rule",
                 "tf");
  EXPECT_FAILURE(2,
                 "--activation: 'gelu' is not one of none, relu, leaky_relu[:ALPHA], sigmoid, "
                 "tanh, clamp:LO:HI",
                 "shape", "conv", "--input", "5", "--kernel", "3", "--activation", "gelu");
  EXPECT_FAILURE(2, "--activation: 'clamp:1': clamp needs 2 numbers, clamp:LO:HI", "shape", "conv",
                 "--input", "5", "--kernel", "3", "--activation", "clamp:1");
  EXPECT_FAILURE(2, "leaky_relu takes at most 1 number, leaky_relu[:ALPHA]", "shape", "conv",
                 "--input", "5", "--kernel", "3", "--activation", "leaky_relu:0.1:2");
  EXPECT_FAILURE(2, "--activation: 'relu:1': relu takes no parameter", "shape", "conv", "--input",
                 "5", "--kernel", "3", "--activation", "relu:1");
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

static CU_TestInfo cli_options_tests[] = {
    {"--pads = API pad_begin / pad_end", test_option_pads},
    {"--auto-pad = API auto_pad", test_option_auto_pad},
    {"--output-shape[-rule] = API output_size", test_option_output_shape},
    {"--padding-mode = API padding_mode", test_option_padding_mode},
    {"--activation = API activation", test_option_activation},
    {"--algo: every name; unsupported is exit 2", test_option_algo},
    {"--verify: pass, and a mismatch is exit 1", test_option_verify},
    {"malformed and conflicting options exit 2", test_option_errors},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_cli_options[] = {
    {"cli_options", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, cli_options_tests},
    CU_SUITE_INFO_NULL,
};
