/*
 * test_explain.c - suite "explain": runs `tconv explain` (test_cli_path()) as a child process
 * with stdout sent to a file, so the output must be plain text, and checks the worked
 * examples of the source material (the transposed 2x2 * 2x2 -> 3x3 at stride 1; the 3x3,
 * kernel 3, stride 2, padding 1 -> 5x5 animation), the written-out arithmetic, the gather
 * lines, --frames, colour on request only, the refusal of large problems with exit 2, and
 * that no written-out formula disagrees with the library over sweeps of small parameters,
 * asymmetric --pads included.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define INT_TEXT_SIZE 12 /* "-2147483648" and its NUL */

/* ---- the worked examples ------------------------------------------------------------- */

static void test_transpose_2x2_stride_1(void) {
  const test_cli_result *r = CLI("explain", "transpose", "--input", "2,2", "--kernel", "2,2");
  EXPECT_EXIT(r, 0, "explain transpose 2x2");
  EXPECT_HAS(r->out, "transposed convolution, 2-D: input 2x2, kernel 2x2 -> output 3x3");
  EXPECT_HAS(r->out, "ke = d*(k-1) + 1 = 1*(2-1) + 1 = 2");
  EXPECT_HAS(r->out, "o = (i-1)*s - 2p + ke + op = (2-1)*1 - 2*0 + 2 + 0 = 3 (library: 3) ok");
  EXPECT_HAS(r->out, "(i-1)*s + 1 = (2-1)*1 + 1 = 2 cells, s-1 = 0 zeros between inputs");
  EXPECT_HAS(r->out, "ke-1-p = 1 before, ke-1-p+op = 1 after: 2 + 1 + 1 = 4 cells");
  EXPECT_HAS(r->out, "4 - ke + 1 = 4 - 2 + 1 = 3 (library: 3) ok");
  EXPECT_HAS(r->out, "floor((3 + 2*0 - 2)/1) + 1 = 2 (library: 2) ok");
  CU_ASSERT_EQUAL(test_count_of(r->out, "(library: 3) ok"), 4); /* two lines, two dimensions */
  /* The grid: padding around the four input cells; the output's gather counts. */
  EXPECT_HAS(r->out, "     .    .    .    .        1    2    1 \n"
                     "     .    0    1    .        2    4    2 \n"
                     "     .    2    3    .        1    2    1 \n");
  /* With x = w = [[0,1],[2,3]] these sums are the source material's [[0,0,1],[0,4,6],[4,12,9]]. */
  EXPECT_HAS(r->out, "y[0,0]    rows 0-1, cols 0-1: x[0,0]*w[0,0]\n");
  EXPECT_HAS(r->out, "y[1,1]    rows 1-2, cols 1-2: x[0,0]*w[1,1] + x[0,1]*w[1,0] + "
                     "x[1,0]*w[0,1] + x[1,1]*w[0,0]\n");
  EXPECT_HAS(r->out, "y[2,1]    rows 2-3, cols 1-2: x[1,0]*w[1,1] + x[1,1]*w[1,0]\n");
  CU_ASSERT_EQUAL(test_count_of(r->out, "\n  y["), 9);
  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
  CU_ASSERT_EQUAL(r->err[0], '\0');
}

static void test_transpose_stride_2_padded(void) {
  const test_cli_result *r = CLI("explain", "transpose", "--input", "3,3", "--kernel", "3",
                                 "--stride", "2", "--padding", "1");
  EXPECT_EXIT(r, 0, "explain transpose stride 2 padding 1");
  EXPECT_HAS(r->out, "input 3x3, kernel 3x3 -> output 5x5");
  EXPECT_HAS(r->out, "stride 2,2  padding 1,1  dilation 1,1  output_padding 0,0");
  EXPECT_HAS(r->out, "(3-1)*2 - 2*1 + 3 + 0 = 5 (library: 5) ok");
  EXPECT_HAS(r->out, "(3-1)*2 + 1 = 5 cells, s-1 = 1 zero between inputs");
  EXPECT_HAS(r->out, "ke-1-p = 1 before, ke-1-p+op = 1 after: 5 + 1 + 1 = 7 cells");
  EXPECT_HAS(r->out, "floor((5 + 2*1 - 3)/2) + 1 = 3 (library: 3) ok");
  EXPECT_HAS(r->out, "     .    0    z    1    z    2    .        2    4    2    4    2 \n"
                     "     .    z    z    z    z    z    .        1    2    1    2    1 \n");
  /* Gather: t = o + p - j must be a multiple of s. */
  EXPECT_HAS(r->out, "y[0,1]    rows 0-2, cols 1-3: x[0,0]*w[1,2] + x[0,1]*w[1,0]\n");
  EXPECT_HAS(r->out, "y[1,1]    rows 1-3, cols 1-3: x[0,0]*w[2,2] + x[0,1]*w[2,0] + "
                     "x[1,0]*w[0,2] + x[1,1]*w[0,0]\n");
  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
}

static void test_conv_examples(void) {
  const test_cli_result *r = CLI("explain", "conv", "--input", "3,3", "--kernel", "2,2");
  EXPECT_EXIT(r, 0, "explain conv 3x3 * 2x2");
  EXPECT_HAS(r->out, "convolution, 2-D: input 3x3, kernel 2x2 -> output 2x2");
  EXPECT_HAS(r->out, "floor((3 + 2*0 - 2)/1) + 1 = 2 (library: 2) ok");
  EXPECT_HAS(r->out, "y[1,1]    rows 1-2, cols 1-2: x[1,1]*w[0,0] + x[1,2]*w[0,1] + "
                     "x[2,1]*w[1,0] + x[2,2]*w[1,1]\n");
  r = CLI("explain", "conv", "--input", "6", "--kernel", "3", "--stride", "2", "--padding", "1");
  EXPECT_EXIT(r, 0, "explain conv 1-D stride 2");
  EXPECT_HAS(r->out, "convolution, 1-D: input 6, kernel 3 -> output 3");
  EXPECT_HAS(r->out, "(i + 2p - ke) mod s = 1 cell at the end");
  EXPECT_HAS(r->out, "op = (i + 2p - ke) mod s = 1: (o-1)*s - 2p + ke + op = (3-1)*2 - 2*1 + 3 + 1"
                     " = 6 (library: 6) ok");
  EXPECT_HAS(r->out, "     .    0    1    2    3    4    5    .        2    3    3 \n");
  EXPECT_HAS(r->out, "y[2]      cells 4-6: x[3]*w[0] + x[4]*w[1] + x[5]*w[2]\n");
}

static void test_frames(void) {
  const test_cli_result *r =
      CLI("explain", "transpose", "--input", "2,2", "--kernel", "2,2", "--frames");
  EXPECT_EXIT(r, 0, "explain --frames");
  CU_ASSERT_EQUAL(test_count_of(r->out, "\nframe "), 9);
  EXPECT_HAS(r->out, "frame 5/9:\n"
                     "     .    .    .    .        1    2    1 \n"
                     "     . [  0][  1]   .        2 [  4]   2 \n"
                     "     . [  2][  3]   .        1    2    1 \n");
  r = CLI("explain", "conv", "--input", "5", "--kernel", "2", "--dilation", "2", "--frames");
  EXPECT_EXIT(r, 0, "explain conv dilated --frames");
  EXPECT_HAS(r->out, "frame 2/3:\n     0 [  1]   2 [  3]   4        2 [  2]   2 \n");
}

static void test_colour(void) {
  const char *base[] = {"explain", "transpose", "--input", "2", "--kernel", "2"};
  const test_cli_result *r = CLI(base[0], base[1], base[2], base[3], base[4], base[5]);
  EXPECT_EXIT(r, 0, "explain, stdout a file");
  CU_ASSERT_PTR_NULL(strchr(r->out, '\x1b'));
  r = CLI(base[0], base[1], base[2], base[3], base[4], base[5], "--color=never");
  CU_ASSERT_PTR_NULL(strchr(r->out, '\x1b'));
  r = CLI(base[0], base[1], base[2], base[3], base[4], base[5], "--color", "always");
  EXPECT_EXIT(r, 0, "explain --color always");
  EXPECT_HAS(r->out, "\x1b[");
  EXPECT_HAS(r->out, "\x1b[0m");
  r = CLI(base[0], base[1], base[2], base[3], base[4], base[5], "--color=sometimes");
  EXPECT_EXIT(r, 2, "explain --color=sometimes");
  EXPECT_HAS(r->err, "tconv: error: --color: 'sometimes'");
}

static void test_refusals(void) {
  static const struct {
    const char *args[12];
    const char *words;
  } bad[] = {
      {{"explain", "transpose", "--input", "17,2", "--kernel", "2"}, "input size 17"},
      {{"explain", "conv", "--input", "4,17", "--kernel", "2"}, "input size 17"},
      {{"explain", "transpose", "--input", "16", "--kernel", "3", "--stride", "3"},
       "the output has 48 cells"},
      {{"explain", "conv", "--input", "4", "--kernel", "3", "--dilation", "9"}, "dilated kernel"},
      {{"explain", "conv", "--input", "4", "--kernel", "3", "--padding", "30", "--stride", "10"},
       "at most 48"},
      {{"explain", "transpose", "--input", "2,2,2", "--kernel", "2"}, "rank 1 or 2"},
      {{"explain", "transpose", "--input", "2", "--kernel", "2", "--stride", "2",
        "--output-padding", "2"},
       "output_padding 2"},
      {{"explain", "conv", "--input", "2", "--kernel", "3"}, "conv"},
      {{"explain", "deconv", "--input", "2", "--kernel", "2"}, "'deconv'"},
      {{"explain"}, "expected 'conv' or 'transpose'"},
      {{"explain", "conv", "--kernel", "2"}, "--input"},
      {{"explain", "conv", "--input", "2", "--kernel", "2", "--groups", "2"}, "--groups"},
      {{"explain", "conv", "--input", "4", "--kernel", "2", "--padding", "1", "--pads", "1,0"},
       "--padding and --pads"},
      {{"explain", "conv", "--input", "4,4", "--kernel", "2", "--pads", "1,0"}, "--pads"},
      {{"explain", "conv", "--input", "4", "--kernel", "2", "--pads", "1,-1"}, "pad_end -1"},
      {{"explain", "conv", "--input", "4", "--kernel", "2", "--frames=1"}, "--frames"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const test_cli_result *r = test_cli_run(bad[i].args);
    EXPECT_EXIT(r, 2, bad[i].args[2] != NULL ? bad[i].args[3] : "explain");
    EXPECT_HAS(r->err, "tconv: error: ");
    EXPECT_HAS(r->err, bad[i].words);
    CU_ASSERT_EQUAL(r->out[0], '\0');
  }
  const test_cli_result *r = CLI("explain", "--help");
  EXPECT_EXIT(r, 0, "explain --help");
  EXPECT_HAS(r->out, "usage: tconv explain conv|transpose");
}

/* Every written-out formula equals the library's answer, or the tool exits 1 saying
 * MISMATCH: a sweep over small parameters, both operations, ranks 1 and 2. */
static void test_arithmetic_sweep(void) {
  int ran = 0;
  for (int op = 0; op < 2; op++) {
    for (int i = 1; i <= 5; i += 2) {
      for (int k = 1; k <= 4; k++) {
        for (int s = 1; s <= 3; s++) {
          for (int p = 0; p <= 2; p++) {
            for (int d = 1; d <= 2; d++) {
              for (int o = 0; o < (op ? (s > d ? s : d) : 1); o++) {
                /* Sized for two ints of any value: the compiler checks that it fits. */
                char a[5][2 * INT_TEXT_SIZE], opad[INT_TEXT_SIZE];
                snprintf(a[0], sizeof a[0], "%d,%d", i, i + 1);
                snprintf(a[1], sizeof a[1], "%d,%d", k, k == 1 ? 2 : k - 1);
                snprintf(a[2], sizeof a[2], "%d", s);
                snprintf(a[3], sizeof a[3], "%d", p);
                snprintf(a[4], sizeof a[4], "%d", d);
                snprintf(opad, sizeof opad, "%d", o);
                const test_cli_result *r =
                    CLI("explain", op ? "transpose" : "conv", "--input", a[0], "--kernel", a[1],
                        "--stride", a[2], "--padding", a[3], "--dilation", a[4], "--output-padding",
                        opad);
                /* 2: a combination the library rejects (e.g. o < 1), with its sentence. */
                CU_ASSERT(r->status == 0 || r->status == 2);
                if (r->status == 0) {
                  ran++;
                  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
                  CU_ASSERT_EQUAL(test_count_of(r->out, ") ok\n"), op ? 6 : 4);
                } else if (r->status == 2) {
                  EXPECT_HAS(r->err, "tconv: error: ");
                } else {
                  fprintf(stderr, "\n  %s\n%s\n", r->err, r->out);
                }
              }
            }
          }
        }
      }
    }
  }
  CU_ASSERT(ran > 100);
}

/* --pads: asymmetric padding drawn and written out with pb and pe. */
static void test_asymmetric_pads(void) {
  const test_cli_result *r = CLI("explain", "transpose", "--input", "3", "--kernel", "3",
                                 "--stride", "2", "--pads", "0,1");
  EXPECT_EXIT(r, 0, "explain transpose --pads 0,1");
  EXPECT_HAS(r->out, "transposed convolution, 1-D: input 3, kernel 3 -> output 6\n");
  EXPECT_HAS(r->out, "  pads 0,1  dilation 1");
  EXPECT_HAS(r->out, "i=3 k=3 s=2 pb=0 pe=1 d=1 op=0\n");
  EXPECT_HAS(r->out,
             "o = (i-1)*s - pb - pe + ke + op = (3-1)*2 - 0 - 1 + 3 + 0 = 6 (library: 6) ok");
  EXPECT_HAS(r->out, "ke-1-pb = 2 before, ke-1-pe+op = 1 after: 5 + 2 + 1 = 8 cells");
  EXPECT_HAS(r->out, "floor((o + pb + pe - ke)/s) + 1 = floor((6 + 0 + 1 - 3)/2) + 1 = 3 "
                     "(library: 3) ok");
  EXPECT_HAS(r->out,
             "     .    .    0    z    1    z    2    .        1    1    2    1    2    1 \n");
  r = CLI("explain", "conv", "--input", "4,3", "--kernel", "2", "--pads", "1,0,0,2");
  EXPECT_EXIT(r, 0, "explain conv --pads 1,0,0,2");
  EXPECT_HAS(r->out, "  pads 1,0,0,2  dilation 1,1");
  EXPECT_HAS(r->out, "padded input    i + pb + pe = 4 + 1 + 0 = 5 cells");
  EXPECT_HAS(r->out, "padded input    i + pb + pe = 3 + 0 + 2 = 5 cells");
  EXPECT_HAS(r->out, "convolution, 2-D: input 4x3, kernel 2x2 -> output 4x4");
  /* Equal pads print as the symmetric padding they are. */
  r = CLI("explain", "transpose", "--input", "3,3", "--kernel", "3", "--stride", "2", "--pads",
          "1,1,1,1");
  EXPECT_EXIT(r, 0, "explain --pads 1,1,1,1");
  EXPECT_HAS(r->out, "stride 2,2  padding 1,1  dilation 1,1  output_padding 0,0");
  EXPECT_HAS(r->out, "(3-1)*2 - 2*1 + 3 + 0 = 5 (library: 5) ok");
  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
}

/* The sweep again with pb != pe: every written-out formula equals the library's answer. */
static void test_asymmetric_sweep(void) {
  int ran = 0;
  for (int op = 0; op < 2; op++) {
    for (int i = 1; i <= 4; i++) {
      for (int k = 1; k <= 3; k++) {
        for (int s = 1; s <= 3; s++) {
          for (int pb = 0; pb <= 2; pb++) {
            for (int pe = 0; pe <= 2; pe++) {
              char in[INT_TEXT_SIZE], ker[INT_TEXT_SIZE], st[INT_TEXT_SIZE];
              char pads[2 * INT_TEXT_SIZE], opad[INT_TEXT_SIZE];
              snprintf(in, sizeof in, "%d", i);
              snprintf(ker, sizeof ker, "%d", k);
              snprintf(st, sizeof st, "%d", s);
              snprintf(pads, sizeof pads, "%d,%d", pb, pe);
              snprintf(opad, sizeof opad, "%d", op ? s - 1 : 0);
              const test_cli_result *r =
                  CLI("explain", op ? "transpose" : "conv", "--input", in, "--kernel", ker,
                      "--stride", st, "--pads", pads, "--output-padding", opad);
              CU_ASSERT(r->status == 0 || r->status == 2);
              if (r->status == 0) {
                ran++;
                CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
                CU_ASSERT_EQUAL(test_count_of(r->out, ") ok\n"), op ? 3 : 2);
              } else {
                EXPECT_HAS(r->err, "tconv: error: ");
              }
            }
          }
        }
      }
    }
  }
  CU_ASSERT(ran > 100);
}

/* ---- registration -------------------------------------------------------------------- */

static CU_TestInfo explain_tests[] = {
    {"transposed 2x2 * 2x2, stride 1 -> 3x3", test_transpose_2x2_stride_1},
    {"transposed 3x3 * 3x3, stride 2, padding 1 -> 5x5", test_transpose_stride_2_padded},
    {"conv examples, rank 2 and rank 1", test_conv_examples},
    {"--frames: one frame per output cell", test_frames},
    {"plain unless colour is asked for", test_colour},
    {"large or invalid problems exit 2", test_refusals},
    {"written-out arithmetic = library, sweep", test_arithmetic_sweep},
    {"--pads: asymmetric padding", test_asymmetric_pads},
    {"written-out arithmetic = library, pb != pe sweep", test_asymmetric_sweep},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_explain[] = {
    {"explain", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, explain_tests},
    CU_SUITE_INFO_NULL,
};
