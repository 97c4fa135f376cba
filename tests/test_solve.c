/*
 * test_solve.c - suite "solve": `tconv solve`, the padding solver of tools/solve.c.
 *
 * The sweep calls cli_solve() in this process (stdout and stderr sent to files: thousands of
 * problems, no process each) and checks its answers with tconv_transpose_output_shape()
 * alone: every printed (padding, output_padding) pair gives the wanted size, no pair the
 * brute force finds is missing, asymmetric pads are named exactly when no symmetric pair
 * exists (and give the size), the chosen pair has the smallest output_padding, sizes nothing
 * reaches exit 2 with the reachable range, and the checkerboard warning appears exactly when
 * the stride does not divide the kernel. Worked examples then run the tool itself and check
 * the framework lines (PyTorch, ONNX, Keras, TensorFlow) and the exit codes of bad input.
 */
#include "solve.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INT_TEXT_SIZE 24 /* an int64_t as text and its NUL */

/* ---- running cli_solve in this process ------------------------------------------------- */

static char solve_out[65536], solve_err[4096];

/* Runs cli_solve(args) with fds 1 and 2 sent to files; returns its exit code, the text in
 * solve_out / solve_err. */
static int run_solve(const char *const *args) {
  char *argv[16];
  int argc = 0;
  for (; args[argc] != NULL && argc < 15; argc++)
    argv[argc] = (char *)args[argc];
  argv[argc] = NULL;
  char out_path[TEST_PATH_SIZE], err_path[TEST_PATH_SIZE];
  test_tmp_path(out_path, "solve-out.txt");
  test_tmp_path(err_path, "solve-err.txt");
  fflush(stdout);
  fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = -1;
  if (saved_out >= 0 && saved_err >= 0 && out >= 0 && err >= 0 && dup2(out, 1) >= 0 &&
      dup2(err, 2) >= 0) {
    rc = cli_solve(argc, argv);
    fflush(stdout);
    fflush(stderr);
  }
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  close(out);
  close(err);
  test_read_text(out_path, solve_out, sizeof solve_out);
  test_read_text(err_path, solve_err, sizeof solve_err);
  return rc;
}

/* ---- the library's answers, by brute force -------------------------------------------- */

/* The library's output for one dimension, or -1 when it refuses. */
static int64_t library_size(int64_t i, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                            int64_t op) {
  const tconv_params p = test_params_1d(s, d, pb, pe, op);
  const int64_t x[3] = {1, 1, i}, w[3] = {1, 1, k};
  int64_t y[3];
  return tconv_transpose_output_shape(&p, x, w, y) == TCONV_STATUS_OK ? y[2] : -1;
}

#define MAX_PAIRS 64

typedef struct brute {
  int64_t pad[MAX_PAIRS], op[MAX_PAIRS]; /* symmetric pairs giving o, output_padding rising */
  int count;
  int reachable; /* some pads (symmetric or not) and output_padding give o */
  int64_t max_out;
} brute;

/* Every padding up to the size with no padding (beyond it nothing is left of the output),
 * every output_padding PyTorch allows: symmetric pads (p, p), and one-sided pads (p, 0) for
 * whether any padding reaches o. */
static brute brute_force(int64_t i, int64_t o, int64_t k, int64_t s, int64_t d) {
  brute b;
  memset(&b, 0, sizeof b);
  const int64_t m = s > d ? s : d;
  for (int64_t op = 0; op < m; op++) {
    const int64_t full = library_size(i, k, s, d, 0, 0, op);
    if (full > b.max_out)
      b.max_out = full;
    for (int64_t pad = 0; pad <= full; pad++) {
      b.reachable |= library_size(i, k, s, d, pad, 0, op) == o;
      if (library_size(i, k, s, d, pad, pad, op) == o && b.count < MAX_PAIRS) {
        b.reachable = 1;
        b.pad[b.count] = pad;
        b.op[b.count++] = op;
      }
    }
  }
  return b;
}

/* ---- the sweep ------------------------------------------------------------------------ */

/* The text after `label` on the line of dimension 0's block. */
static const char *after(const char *text, const char *label) {
  const char *p = strstr(text, label);
  return p != NULL ? p + strlen(label) : NULL;
}

static void check_one(int64_t i, int64_t o, int64_t k, int64_t s, int64_t d) {
  char a[5][INT_TEXT_SIZE];
  snprintf(a[0], sizeof a[0], "%lld", (long long)i);
  snprintf(a[1], sizeof a[1], "%lld", (long long)o);
  snprintf(a[2], sizeof a[2], "%lld", (long long)k);
  snprintf(a[3], sizeof a[3], "%lld", (long long)s);
  snprintf(a[4], sizeof a[4], "%lld", (long long)d);
  const char *args[] = {"--input",  a[0], "--output",   a[1], "--kernel", a[2],
                        "--stride", a[3], "--dilation", a[4], NULL};
  const int rc = run_solve(args);
  const brute b = brute_force(i, o, k, s, d);
  char where[128];
  snprintf(where, sizeof where, "i=%lld o=%lld k=%lld s=%lld d=%lld", (long long)i, (long long)o,
           (long long)k, (long long)s, (long long)d);
  int ok = 1;
  if (!b.reachable) {
    char range[96];
    snprintf(range, sizeof range, "the reachable outputs are 1 to %lld", (long long)b.max_out);
    ok &= rc == 2 && strstr(solve_err, "tconv: error: ") != NULL &&
          strstr(solve_err, range) != NULL && solve_out[0] == '\0';
  } else {
    ok &= rc == 0;
    /* The listed pairs, each checked with the library, and none missing. */
    const char *p = after(solve_out, "(padding, output_padding) pairs:");
    int listed = 0;
    long long pad, op;
    int used;
    while (p != NULL && sscanf(p, " (%lld, %lld)%n", &pad, &op, &used) == 2) {
      ok &= library_size(i, k, s, d, pad, pad, op) == o;
      ok &= listed < b.count && b.pad[listed] == pad && b.op[listed] == op;
      listed++;
      p += used;
    }
    ok &= listed == b.count;
    if (b.count > 0) {
      char chosen[96];
      snprintf(chosen, sizeof chosen, "chosen: padding %lld, output_padding %lld\n",
               (long long)b.pad[0], (long long)b.op[0]);
      ok &= strstr(solve_out, chosen) != NULL;
      ok &= strstr(solve_out, "asymmetric pads needed: no\n") != NULL;
    } else {
      long long pb, pe;
      const char *q = after(solve_out, "asymmetric pads needed: yes, ");
      ok &= q != NULL &&
            sscanf(q, "begin %lld, end %lld, output_padding %lld", &pb, &pe, &op) == 3 &&
            pb != pe && library_size(i, k, s, d, pb, pe, op) == o;
    }
    ok &= (test_count_of(solve_out, "warning: dimension 0: kernel") == 1) == (k % s != 0);
    ok &= strstr(solve_out, "PyTorch     nn.ConvTranspose1d(") != NULL;
  }
  CU_ASSERT(ok);
  if (!ok)
    fprintf(stderr, "\n  %s: exit %d\n%s%s\n", where, rc, solve_out, solve_err);
}

static void test_sweep_against_brute_force(void) {
  int cases = 0;
  for (int64_t i = 1; i <= 5; i++)
    for (int64_t k = 1; k <= 5; k++)
      for (int64_t s = 1; s <= 4; s++)
        for (int64_t d = 1; d <= 3; d++) {
          const int64_t m = s > d ? s : d;
          const int64_t top = library_size(i, k, s, d, 0, 0, m - 1);
          for (int64_t o = 1; o <= top + 2; o++, cases++)
            check_one(i, o, k, s, d);
        }
  CU_ASSERT(cases > 1000);
}

/* A large problem: the bisection answers at once where a linear search could not. */
static void test_large_sizes(void) {
  const int64_t i = 1000000000000LL;
  const char *args[] = {"--input", "1000000000000", "--output", "7", "--kernel",
                        "3",       "--stride",      "3",        NULL};
  CU_ASSERT_EQUAL(run_solve(args), 0);
  EXPECT_HAS(solve_out, "(padding, output_padding) pairs: (1499999999997, 1)\n");
  CU_ASSERT_EQUAL(library_size(i, 3, 3, 1, 1499999999997LL, 1499999999997LL, 1), 7);
  const char *top[] = {
      "--input", "1000000000000", "--output", "3000000000001", "--kernel", "3", "--stride", "3",
      NULL};
  CU_ASSERT_EQUAL(run_solve(top), 0);
  EXPECT_HAS(solve_out, "(padding, output_padding) pairs: (0, 1)\n");
  EXPECT_HAS(solve_out, "(reachable outputs: 1 to 3000000000002)");
  CU_ASSERT_EQUAL(library_size(i, 3, 3, 1, 0, 0, 1), 3000000000001LL);
}

/* ---- the tool itself: framework lines and exit codes ----------------------------------- */

static void test_upsample_by_two(void) {
  const test_cli_result *r =
      CLI("solve", "--input", "32,32", "--output", "64,64", "--kernel", "4", "--stride", "2");
  EXPECT_EXIT(r, 0, "solve 32 -> 64, kernel 4, stride 2");
  EXPECT_HAS(r->out, "transposed convolution, 2-D: input 32x32 -> output 64x64 (kernel 4x4, "
                     "stride 2x2, dilation 1x1)");
  EXPECT_HAS(r->out, "dimension 1: i=32 o=64 k=4 s=2 d=1 (reachable outputs: 1 to 67)\n"
                     "  (padding, output_padding) pairs: (1, 0)\n"
                     "  asymmetric pads needed: no\n"
                     "  chosen: padding 1, output_padding 0\n");
  EXPECT_HAS(r->out,
             "PyTorch     nn.ConvTranspose2d(in_channels, out_channels, kernel_size=(4, 4), "
             "stride=(2, 2), padding=(1, 1), output_padding=(0, 0), dilation=(1, 1))\n");
  EXPECT_HAS(r->out, "ONNX        ConvTranspose(kernel_shape=[4, 4], strides=[2, 2], "
                     "pads=[1, 1, 1, 1], output_padding=[0, 0], dilations=[1, 1])\n");
  EXPECT_HAS(r->out, "output_shape=[64, 64], auto_pad='SAME_UPPER'\n");
  EXPECT_HAS(r->out, "Keras       Conv2DTranspose(filters, kernel_size=(4, 4), strides=(2, 2), "
                     "padding='same')\n");
  EXPECT_HAS(r->out, "TensorFlow  tf.nn.conv2d_transpose(x, filters, output_shape=[N, 64, 64, "
                     "C_out], strides=[2, 2], padding='SAME')\n");
  CU_ASSERT_PTR_NULL(strstr(r->out, "warning"));
  CU_ASSERT_EQUAL(r->err[0], '\0');
}

static void test_framework_choices(void) {
  /* 32 -> 65, kernel 3: no padding; Keras 'valid'; TensorFlow VALID (SAME would want 33). */
  const test_cli_result *r =
      CLI("solve", "--input", "32", "--output", "65", "--kernel", "3", "--stride", "2");
  EXPECT_EXIT(r, 0, "solve 32 -> 65");
  EXPECT_HAS(r->out, "pairs: (0, 0)\n");
  EXPECT_HAS(r->out, "padding='valid')\n");
  EXPECT_HAS(r->out, "strides=2, padding='VALID')\n");
  EXPECT_HAS(r->out, "warning: dimension 0: kernel 3 is not a multiple of stride 2");
  EXPECT_HAS(r->out, "nearest kernels the stride divides: 2 (padding 0, output_padding 1) or 4 "
                     "(padding 1, output_padding 1)");
  /* 4 -> 7, kernel 3: only Keras 'same' with an explicit output_padding fits. */
  r = CLI("solve", "--input", "4", "--output", "7", "--kernel", "3", "--stride", "2");
  EXPECT_EXIT(r, 0, "solve 4 -> 7");
  EXPECT_HAS(r->out, "pairs: (1, 0)\n");
  EXPECT_HAS(r->out, "padding='same', output_padding=0)\n");
  EXPECT_HAS(r->out, "padding='SAME')\n");
  /* 4 -> 10, kernel 3: Keras 'valid' with output_padding 1. */
  r = CLI("solve", "--input", "4", "--output", "10", "--kernel", "3", "--stride", "2");
  EXPECT_EXIT(r, 0, "solve 4 -> 10");
  EXPECT_HAS(r->out, "pairs: (0, 1)\n");
  EXPECT_HAS(r->out, "padding='valid', output_padding=1)\n");
  EXPECT_HAS(r->out, "padding='VALID')\n");
  /* 4 -> 9, kernel 4: PyTorch can; no Keras string, no TensorFlow padding. */
  r = CLI("solve", "--input", "4", "--output", "9", "--kernel", "4", "--stride", "2");
  EXPECT_EXIT(r, 0, "solve 4 -> 9");
  EXPECT_HAS(r->out, "pairs: (1, 1)\n");
  EXPECT_HAS(r->out, "Keras       none: no padding string gives 9 ('same' gives 8, 'valid' "
                     "gives 10");
  EXPECT_HAS(r->out, "TensorFlow  none: neither 'SAME' nor 'VALID'");
  /* Stride and dilation both above 1: Keras refuses; TensorFlow gets dilations. */
  r = CLI("solve", "--input", "5", "--output", "10", "--kernel", "3", "--stride", "2", "--dilation",
          "2");
  EXPECT_EXIT(r, 0, "solve dilated");
  EXPECT_HAS(r->out, "pairs: (2, 1)\n");
  EXPECT_HAS(r->out, "Keras       none: Keras refuses strides > 1 together with dilation_rate > 1");
  EXPECT_HAS(r->out, "dilation=2)\n");
  EXPECT_HAS(r->out, "dilations=2)\n");
}

static void test_asymmetric_pads(void) {
  /* Stride 1: 5 -> 6 with kernel 3 needs one row of padding, on one side only. */
  const test_cli_result *r =
      CLI("solve", "--input", "5,5", "--output", "6,5", "--kernel", "3", "--stride", "1");
  EXPECT_EXIT(r, 0, "solve 5 -> 6, stride 1");
  EXPECT_HAS(r->out, "dimension 0: i=5 o=6 k=3 s=1 d=1 (reachable outputs: 1 to 7)\n"
                     "  (padding, output_padding) pairs: none (no symmetric padding gives this "
                     "size)\n"
                     "  asymmetric pads needed: yes, begin 0, end 1, output_padding 0\n");
  EXPECT_HAS(r->out, "dimension 1: i=5 o=5 k=3 s=1 d=1 (reachable outputs: 1 to 7)\n"
                     "  (padding, output_padding) pairs: (1, 0)\n");
  EXPECT_HAS(r->out, "pads=[0, 1, 1, 1]");
  EXPECT_HAS(r->out, "padding=(0, 1), output_padding=(0, 0)");
  EXPECT_HAS(r->out, "crop it: y = y[:, :, :6, :5]");
  CU_ASSERT_PTR_NULL(strstr(r->out, "warning"));
}

static void test_bad_input_exit_2(void) {
  static const struct {
    const char *args[12]; /* after "solve"; NULL-terminated */
    const char *words;
  } bad[] = {
      {{"--input", "5", "--output", "100", "--kernel", "3", "--stride", "2"},
       "reachable outputs are 1 to 12"},
      {{"--input", "5,5", "--output", "10,100", "--kernel", "3", "--stride", "2"},
       "along dimension 1"},
      {{"--input", "5", "--output", "10", "--kernel", "3"}, "--stride"},
      {{"--input", "5", "--kernel", "3", "--stride", "2"}, "--output"},
      {{"--output", "5", "--kernel", "3", "--stride", "2"}, "--input"},
      {{"--input", "5", "--output", "5", "--stride", "2"}, "--kernel"},
      {{"--input", "5", "--output", "0", "--kernel", "3", "--stride", "2"}, "--output"},
      {{"--input", "0", "--output", "5", "--kernel", "3", "--stride", "2"}, "--input"},
      {{"--input", "5", "--output", "5", "--kernel", "-1", "--stride", "2"}, "--kernel"},
      {{"--input", "5", "--output", "5", "--kernel", "3", "--stride", "0"}, "--stride"},
      {{"--input", "5", "--output", "5", "--kernel", "3", "--stride", "1", "--dilation", "0"},
       "dilation 0"},
      {{"--input", "5,5", "--output", "5,5,5", "--kernel", "3", "--stride", "1"}, "--output"},
      {{"--input", "5", "--output", "5", "--kernel", "x", "--stride", "1"}, "--kernel"},
      {{"--input", "5", "--output", "5", "--kernel", "3", "--stride", "1", "--padding", "1"},
       "--padding"},
      {{"--input", "5", "--output", "5", "--kernel", "3", "--stride", "2000"}, "above 1024"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *args[14] = {"solve"};
    for (int a = 0; bad[i].args[a] != NULL; a++)
      args[a + 1] = bad[i].args[a];
    test_expect_failure_at(2, bad[i].words, args, __FILE__, __LINE__);
  }
  const test_cli_result *r = CLI("solve", "--help");
  EXPECT_EXIT(r, 0, "solve --help");
  EXPECT_HAS(r->out, "usage: tconv solve --input");
}

/* ---- registration ---------------------------------------------------------------------- */

static CU_TestInfo solve_tests[] = {
    {"sweep: pairs = library brute force, warning iff k % s", test_sweep_against_brute_force},
    {"large sizes", test_large_sizes},
    {"32x32 -> 64x64, kernel 4, stride 2", test_upsample_by_two},
    {"Keras and TensorFlow choices", test_framework_choices},
    {"asymmetric pads when no symmetric pair exists", test_asymmetric_pads},
    {"bad input exits 2", test_bad_input_exit_2},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_solve[] = {
    {"solve", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, solve_tests},
    CU_SUITE_INFO_NULL,
};
