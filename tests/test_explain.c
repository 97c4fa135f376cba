/*
 * test_explain.c - suite "explain": runs `tconv explain` (test_cli_path()) as a child process
 * with stdout sent to a file, so the output must be plain text, and checks the worked
 * examples of the source material (the transposed 2x2 * 2x2 -> 3x3 at stride 1; the 3x3,
 * kernel 3, stride 2, padding 1 -> 5x5 animation), the written-out arithmetic, the gather
 * lines, --frames, colour on request only, the refusal of large problems with exit 2, and
 * that no written-out formula disagrees with the library over a sweep of small parameters.
 * The spawn helpers are copied from test_cli.c (static there).
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PATH_SIZE 1024
#define CLI_TIMEOUT_MS 120000 /* per run of the tool; the runs here take milliseconds */

static char tmp_dir[PATH_SIZE / 2]; /* made by the suite's init, removed by its cleanup */

/* Writes tmp_dir/name into buf (PATH_SIZE bytes) and returns buf. */
static const char *tmp_path(char *buf, const char *name) {
  snprintf(buf, PATH_SIZE, "%s/%s", tmp_dir, name);
  return buf;
}

static int make_tmp_dir(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tconv-test-XXXXXX",
           base != NULL && base[0] != '\0' ? base : "/tmp");
  return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_tmp_dir(void) {
  DIR *d = opendir(tmp_dir);
  if (d == NULL)
    return -1;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char path[PATH_SIZE];
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      unlink(tmp_path(path, e->d_name));
  }
  closedir(d);
  return rmdir(tmp_dir);
}

typedef struct cli_result {
  int status; /* exit status; -1 when it could not run or was killed by a signal */
  char out[262144];
  char err[8192];
} cli_result;

static cli_result result; /* one run at a time; too large for the stack */

static void read_text(const char *path, char *text, size_t size) {
  text[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return;
  size_t n = fread(text, 1, size - 1, f);
  text[n] = '\0';
  fclose(f);
}

/* Runs the tool with the NULL-terminated args (argv[0] is added), stdout and stderr sent to
 * files (so stdout is not a terminal), capturing into result. */
static const cli_result *run_cli(const char *const *args) {
  const char *argv[64];
  int argc = 0;
  argv[argc++] = test_cli_path();
  for (int i = 0; args[i] != NULL && argc < 63; i++)
    argv[argc++] = args[i];
  argv[argc] = NULL;
  char out[PATH_SIZE], err[PATH_SIZE];
  tmp_path(out, "stdout.txt");
  tmp_path(err, "stderr.txt");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  result.status = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    snprintf(result.err, sizeof result.err, "cannot run %s: %s", argv[0], strerror(rc));
    result.out[0] = '\0';
    return &result;
  }
  /* Poll, so that a hung tool fails its test instead of hanging the whole run. */
  int wstatus = 0;
  pid_t done = 0;
  const struct timespec tick = {0, 1000000}; /* 1 ms */
  for (long waited = 0; done == 0; waited++) {
    done = waitpid(pid, &wstatus, WNOHANG);
    if (done < 0 && errno == EINTR)
      done = 0;
    if (done == 0 && waited == CLI_TIMEOUT_MS) {
      kill(pid, SIGKILL);
      snprintf(result.err, sizeof result.err, "killed after %d ms", CLI_TIMEOUT_MS);
      waitpid(pid, &wstatus, 0);
      return &result;
    }
    if (done == 0)
      nanosleep(&tick, NULL);
  }
  if (done > 0 && WIFEXITED(wstatus))
    result.status = WEXITSTATUS(wstatus);
  read_text(out, result.out, sizeof result.out);
  read_text(err, result.err, sizeof result.err);
  unlink(out);
  unlink(err);
  return &result;
}

#define CLI(...) run_cli((const char *const[]){__VA_ARGS__, NULL})

/* Asserts the exit status at the caller's line; on a mismatch shows what the tool said. */
#define EXPECT_EXIT(r, code, what) expect_exit((r), (code), (what), __LINE__)
static void expect_exit(const cli_result *r, int code, const char *what, int line) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: exit status %d, expected %d", what, r->status, code);
  CU_assertImplementation(r->status == code, (unsigned)line, msg, __FILE__, "", CU_FALSE);
  if (r->status != code)
    fprintf(stderr, "\n  %s\n  stdout: %.2000s\n  stderr: %s\n", msg, r->out, r->err);
}

/* Asserts that `text` contains `needle`, at the caller's line. */
#define EXPECT_HAS(text, needle) expect_has((text), (needle), __LINE__)
static void expect_has(const char *text, const char *needle, int line) {
  char msg[512];
  snprintf(msg, sizeof msg, "output contains \"%s\"", needle);
  int ok = strstr(text, needle) != NULL;
  CU_assertImplementation(ok, (unsigned)line, msg, __FILE__, "", CU_FALSE);
  if (!ok)
    fprintf(stderr, "\n  missing \"%s\" in:\n%.3000s\n", needle, text);
}

/* Number of times needle occurs in text. */
static int count_of(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* ---- the worked examples ------------------------------------------------------------- */

static void test_transpose_2x2_stride_1(void) {
  const cli_result *r = CLI("explain", "transpose", "--input", "2,2", "--kernel", "2,2");
  EXPECT_EXIT(r, 0, "explain transpose 2x2");
  EXPECT_HAS(r->out, "transposed convolution, 2-D: input 2x2, kernel 2x2 -> output 3x3");
  EXPECT_HAS(r->out, "ke = d*(k-1) + 1 = 1*(2-1) + 1 = 2");
  EXPECT_HAS(r->out, "o = (i-1)*s - 2p + ke + op = (2-1)*1 - 2*0 + 2 + 0 = 3 (library: 3) ok");
  EXPECT_HAS(r->out, "(i-1)*s + 1 = (2-1)*1 + 1 = 2 cells, s-1 = 0 zeros between inputs");
  EXPECT_HAS(r->out, "ke-1-p = 1 before, ke-1-p+op = 1 after: 2 + 1 + 1 = 4 cells");
  EXPECT_HAS(r->out, "4 - ke + 1 = 4 - 2 + 1 = 3 (library: 3) ok");
  EXPECT_HAS(r->out, "floor((3 + 2*0 - 2)/1) + 1 = 2 (library: 2) ok");
  CU_ASSERT_EQUAL(count_of(r->out, "(library: 3) ok"), 4); /* two lines, two dimensions */
  /* The grid: padding around the four input cells; the output's gather counts. */
  EXPECT_HAS(r->out, "     .    .    .    .        1    2    1 \n"
                     "     .    0    1    .        2    4    2 \n"
                     "     .    2    3    .        1    2    1 \n");
  /* With x = w = [[0,1],[2,3]] these sums are the source material's [[0,0,1],[0,4,6],[4,12,9]]. */
  EXPECT_HAS(r->out, "y[0,0]    rows 0-1, cols 0-1: x[0,0]*w[0,0]\n");
  EXPECT_HAS(r->out, "y[1,1]    rows 1-2, cols 1-2: x[0,0]*w[1,1] + x[0,1]*w[1,0] + "
                     "x[1,0]*w[0,1] + x[1,1]*w[0,0]\n");
  EXPECT_HAS(r->out, "y[2,1]    rows 2-3, cols 1-2: x[1,0]*w[1,1] + x[1,1]*w[1,0]\n");
  CU_ASSERT_EQUAL(count_of(r->out, "\n  y["), 9);
  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
  CU_ASSERT_EQUAL(r->err[0], '\0');
}

static void test_transpose_stride_2_padded(void) {
  const cli_result *r = CLI("explain", "transpose", "--input", "3,3", "--kernel", "3",
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
  const cli_result *r = CLI("explain", "conv", "--input", "3,3", "--kernel", "2,2");
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
  const cli_result *r =
      CLI("explain", "transpose", "--input", "2,2", "--kernel", "2,2", "--frames");
  EXPECT_EXIT(r, 0, "explain --frames");
  CU_ASSERT_EQUAL(count_of(r->out, "\nframe "), 9);
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
  const cli_result *r = CLI(base[0], base[1], base[2], base[3], base[4], base[5]);
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
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const cli_result *r = run_cli(bad[i].args);
    EXPECT_EXIT(r, 2, bad[i].args[2] != NULL ? bad[i].args[3] : "explain");
    EXPECT_HAS(r->err, "tconv: error: ");
    EXPECT_HAS(r->err, bad[i].words);
    CU_ASSERT_EQUAL(r->out[0], '\0');
  }
  const cli_result *r = CLI("explain", "--help");
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
                char a[5][16];
                snprintf(a[0], 16, "%d,%d", i, i + 1);
                snprintf(a[1], 16, "%d,%d", k, k == 1 ? 2 : k - 1);
                snprintf(a[2], 16, "%d", s);
                snprintf(a[3], 16, "%d", p);
                snprintf(a[4], 16, "%d", d);
                char opad[16];
                snprintf(opad, 16, "%d", o);
                const cli_result *r = CLI("explain", op ? "transpose" : "conv", "--input", a[0],
                                          "--kernel", a[1], "--stride", a[2], "--padding", a[3],
                                          "--dilation", a[4], "--output-padding", opad);
                /* 2: a combination the library rejects (e.g. o < 1), with its sentence. */
                CU_ASSERT(r->status == 0 || r->status == 2);
                if (r->status == 0) {
                  ran++;
                  CU_ASSERT_PTR_NULL(strstr(r->out, "MISMATCH"));
                  CU_ASSERT_EQUAL(count_of(r->out, ") ok\n"), op ? 6 : 4);
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

/* ---- registration -------------------------------------------------------------------- */

static int suite_init(void) { return make_tmp_dir(); }
static int suite_cleanup(void) { return remove_tmp_dir(); }

CU_ErrorCode test_register_explain(void) {
  CU_pSuite s = CU_add_suite("explain", suite_init, suite_cleanup);
  if (s == NULL)
    return CU_get_error();
  if (!CU_add_test(s, "transposed 2x2 * 2x2, stride 1 -> 3x3", test_transpose_2x2_stride_1) ||
      !CU_add_test(s, "transposed 3x3 * 3x3, stride 2, padding 1 -> 5x5",
                   test_transpose_stride_2_padded) ||
      !CU_add_test(s, "conv examples, rank 2 and rank 1", test_conv_examples) ||
      !CU_add_test(s, "--frames: one frame per output cell", test_frames) ||
      !CU_add_test(s, "plain unless colour is asked for", test_colour) ||
      !CU_add_test(s, "large or invalid problems exit 2", test_refusals) ||
      !CU_add_test(s, "written-out arithmetic = library, sweep", test_arithmetic_sweep))
    return CU_get_error();
  return CUE_SUCCESS;
}
