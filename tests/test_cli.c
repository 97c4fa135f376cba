/*
 * test_cli.c - suites "cli" and "npy".
 *
 * "cli" runs the command-line tool (test_cli_path()) as a child process with posix_spawn, its
 * stdout and stderr sent to files in a temporary directory, and checks the DESIGN §4 contract:
 * the demo's matrices, `shape` against the §1 formulas, `run` on the CPU against the reference
 * (exact, on small-integer data, float32 and float64 inputs), and exit status 2 / 1 with
 * "tconv: error:" for bad arguments / runtime failures, the output file never created then.
 *
 * "npy" tests tools/npy.c directly: write/read round trips, headers of versions 1.0, 2.0 and
 * 3.0 built here byte by byte, float64 conversion, and malformed or truncated images.
 */
#include "npy.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PATH_SIZE 1024
#define CLI_TIMEOUT_MS 120000 /* per run of the tool; the runs here take milliseconds */

static char tmp_dir[PATH_SIZE / 2]; /* made by the suites' init, removed by their cleanup */

/* ---- temporary directory ------------------------------------------------------------- */

/* Writes tmp_dir/name into buf (PATH_SIZE bytes) and returns buf. */
static const char *tmp_path(char *buf, const char *name) {
  snprintf(buf, PATH_SIZE, "%s/%s", tmp_dir, name);
  return buf;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Whether a temporary file of npy_write (name containing ".tmp-") was left behind. */
static int temp_files_left(void) {
  DIR *d = opendir(tmp_dir);
  int found = 0;
  if (d == NULL)
    return 1;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    found |= strstr(e->d_name, ".tmp-") != NULL;
  closedir(d);
  return found;
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

/* ---- running the tool ---------------------------------------------------------------- */

typedef struct cli_result {
  int status; /* exit status; -1 when it could not run or was killed by a signal */
  char out[32768];
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

/* Runs the tool with the NULL-terminated args (argv[0] is added), capturing into result. */
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
      done = waitpid(pid, &wstatus, 0);
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

/* ---- demo, usage ----------------------------------------------------------------------- */

static void test_demo(void) {
  const cli_result *r = CLI("demo");
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
  const cli_result *r = CLI("--help");
  EXPECT_EXIT(r, 0, "tconv --help");
  EXPECT_HAS(r->out, "usage: tconv demo");
  EXPECT_HAS(r->out, "--output-padding");
  r = CLI("run", "-h");
  EXPECT_EXIT(r, 0, "tconv run -h");
  EXPECT_HAS(r->out, "usage:");
  r = run_cli((const char *const[]){NULL});
  EXPECT_EXIT(r, 2, "tconv with no arguments");
  EXPECT_HAS(r->err, "usage:");
}

/* ---- shape ----------------------------------------------------------------------------- */

/* "a,b,c" from n values, in one of a ring of 16 buffers: a command line built from up to 16
 * calls stays valid. */
static const char *list(int n, const int64_t *v) {
  static char ring[16][128];
  static int next;
  char *p = ring[next++ % 16];
  size_t used = 0;
  for (int i = 0; i < n; i++)
    used +=
        (size_t)snprintf(p + used, sizeof ring[0] - used, i ? ",%lld" : "%lld", (long long)v[i]);
  return p;
}

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
  const cli_result *r = CLI("shape", c->op == TCONV_OP_CONV ? "conv" : "transpose", "--input",
                            list(c->rank, c->i), "--kernel", list(c->rank, c->k), "--stride",
                            list(c->rank, c->s), "--padding", list(c->rank, c->p), "--dilation",
                            list(c->rank, c->d), "--output-padding", list(c->rank, c->op_pad));
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
  const cli_result *r =
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
  const cli_result *r = CLI("shape", "transpose", "--input", "3,3", "--kernel", "3", "--stride",
                            "2", "--padding", "1", "--output-padding", "1");
  EXPECT_EXIT(r, 0, "tconv shape transpose 3x3 -> 6x6");
  EXPECT_HAS(r->out, "output: 6x6\n");
  EXPECT_HAS(r->out, "(3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 6");
}

/* ---- run: files in, files out ---------------------------------------------------------- */

static void put_le(unsigned char *p, uint64_t v, int bytes) {
  for (int b = 0; b < bytes; b++)
    p[b] = (unsigned char)(v >> (8 * b));
}

/* A .npy image built by hand: magic, version major.0, header length (2 bytes for version 1,
 * else 4), the dict text padded with spaces and '\n' to a multiple of 64, then data_bytes.
 * Returns a malloc'ed buffer. */
static unsigned char *npy_image(int major, const char *dict, const void *data, size_t data_bytes,
                                size_t *size) {
  size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
  size_t total_header = (pre + len + 1 + 63) / 64 * 64;
  unsigned char *img = malloc(total_header + data_bytes + 1);
  memcpy(img, "\x93NUMPY", 6);
  img[6] = (unsigned char)major;
  img[7] = 0;
  put_le(img + 8, total_header - pre, major == 1 ? 2 : 4);
  memcpy(img + pre, dict, len);
  memset(img + pre + len, ' ', total_header - pre - len - 1);
  img[total_header - 1] = '\n';
  if (data_bytes > 0)
    memcpy(img + total_header, data, data_bytes);
  *size = total_header + data_bytes;
  return img;
}

static void write_bytes(const char *path, const void *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(bytes, 1, size, f), size);
  fclose(f);
}

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
    put_le(data + i * 8, u, 8);
  }
  char dict[256];
  snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }",
           shape_text(rank, dims));
  size_t size;
  unsigned char *img = npy_image(1, dict, data, (size_t)n * 8, &size);
  write_bytes(path, img, size);
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

  char xp[PATH_SIZE], wp[PATH_SIZE], bp[PATH_SIZE], yp[PATH_SIZE];
  tmp_path(xp, "x.npy");
  tmp_path(wp, "w.npy");
  tmp_path(bp, "b.npy");
  tmp_path(yp, "y.npy");
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
  char x_opt[PATH_SIZE + 8], groups[32];
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
                              "--stride",   list(c->rank, c->s),
                              "--padding",  list(c->rank, c->p),
                              "--dilation", list(c->rank, c->d),
                              groups,       "--device",
                              "cpu"};
  for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
    args[n++] = tail[i];
  if (c->op == TCONV_OP_TRANSPOSE) {
    args[n++] = "--output-padding";
    args[n++] = list(c->rank, c->op_pad);
  }
  args[n] = NULL;
  const cli_result *res = run_cli(args);
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
  CU_ASSERT_FALSE(temp_files_left());
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

static char vx[PATH_SIZE], vw[PATH_SIZE], vt[PATH_SIZE]; /* write_valid_inputs()' files */

/* Small valid inputs for the failure tests: vx (1, 4, 5, 5), conv weights vw (6, 2, 3, 3) for
 * groups 2, transposed weights vt (4, 3, 3, 3). */
static void write_valid_inputs(void) {
  const int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {6, 2, 3, 3}, td[4] = {4, 3, 3, 3};
  float v[200];
  char err[512];
  test_fill_int(v, 200, -2, 2);
  CU_ASSERT_EQUAL(npy_write(tmp_path(vx, "vx.npy"), 4, xd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(tmp_path(vw, "vw.npy"), 4, wd, v, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(tmp_path(vt, "vt.npy"), 4, td, v, err, sizeof err), 0);
}

/* Runs args (with "--out out.npy" appended for `run`) and checks the exit status, that stderr is
 * "tconv: error: ..." naming one of the '|'-separated words, and that no output appeared. */
#define EXPECT_FAILURE(code, words, ...)                                                           \
  expect_failure((code), (words), (const char *const[]){__VA_ARGS__, NULL}, __LINE__)
static void expect_failure(int code, const char *words, const char *const *args, int line) {
  char out[PATH_SIZE];
  tmp_path(out, "out.npy");
  const char *argv[40];
  int n = 0;
  for (; args[n] != NULL && n < 36; n++)
    argv[n] = args[n];
  if (strcmp(args[0], "run") == 0) {
    argv[n++] = "--out";
    argv[n++] = out;
  }
  argv[n] = NULL;
  const cli_result *r = run_cli(argv);
  char what[256];
  snprintf(what, sizeof what, "tconv %s %s ... (expecting '%s')", args[0],
           args[1] != NULL ? args[1] : "", words);
  expect_exit(r, code, what, line);
  char msg[512];
  snprintf(msg, sizeof msg, "%s: stderr starts with \"tconv: error: \"", what);
  CU_assertImplementation(strncmp(r->err, "tconv: error: ", 14) == 0 ||
                              strstr(r->err, "\ntconv: error: ") != NULL,
                          (unsigned)line, msg, __FILE__, "", CU_FALSE);
  int named = 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", words);
  for (char *save = NULL, *word = strtok_r(copy, "|", &save); word != NULL;
       word = strtok_r(NULL, "|", &save))
    named |= strstr(r->err, word) != NULL;
  snprintf(msg, sizeof msg, "%s: the error names %s", what, words);
  CU_assertImplementation(named, (unsigned)line, msg, __FILE__, "", CU_FALSE);
  if (!named)
    fprintf(stderr, "\n  stderr: %s\n", r->err);
  snprintf(msg, sizeof msg, "%s: no output file", what);
  CU_assertImplementation(!file_exists(out) && !temp_files_left(), (unsigned)line, msg, __FILE__,
                          "", CU_FALSE);
  unlink(out);
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
  char path[PATH_SIZE];
  EXPECT_FAILURE(1, "missing.npy", "run", "conv", "--x", tmp_path(path, "missing.npy"), "--w", w,
                 "--groups", "2");

  /* Malformed files, each named in the message. */
  static const float data[4] = {1, 2, 3, 4};
  size_t size;
  unsigned char *img = npy_image(
      1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 4), }", data, 16, &size);
  write_bytes(tmp_path(path, "trunc.npy"), img, size - 2);
  EXPECT_FAILURE(1, "trunc.npy", "run", "conv", "--x", path, "--w", w);
  img[0] = 'X';
  write_bytes(tmp_path(path, "magic.npy"), img, size);
  EXPECT_FAILURE(1, "magic.npy", "run", "conv", "--x", path, "--w", w);
  free(img);
  img = npy_image(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1, 4), }", data, 16,
                  &size);
  write_bytes(tmp_path(path, "int.npy"), img, size);
  EXPECT_FAILURE(1, "<i4", "run", "conv", "--x", path, "--w", w);
  free(img);
  img = npy_image(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 2, 2), }", data, 16,
                  &size);
  write_bytes(tmp_path(path, "fortran.npy"), img, size);
  EXPECT_FAILURE(1, "fortran", "run", "conv", "--x", x, "--w", path);
  free(img);
  EXPECT_FAILURE(1, "vx.npy.d", "run", "conv", "--x", x, "--w", w, "--groups", "2", "--bias",
                 tmp_path(path, "vx.npy.d/b.npy"));

  /* A directory that does not exist: the write fails, and nothing is left behind. */
  const char *args[] = {"run",      "conv", "--x",      x,
                        "--w",      w,      "--groups", "2",
                        "--device", "cpu",  "--out",    tmp_path(path, "no-such-dir/y.npy"),
                        NULL};
  const cli_result *r = run_cli(args);
  EXPECT_EXIT(r, 1, "tconv run with an unwritable --out");
  EXPECT_HAS(r->err, "tconv: error: ");
  CU_ASSERT_FALSE(temp_files_left());
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
  char path[PATH_SIZE];
  const char *args[] = {"run",      "conv", "--x",      x,      "--w",   w,
                        "--groups", "2",    "--device", "cuda", "--out", tmp_path(path, "cuda.npy"),
                        NULL};
  const cli_result *r = run_cli(args);
  EXPECT_EXIT(r, 0, "tconv run --device cuda");
  EXPECT_HAS(r->out, "on cuda");
  unlink(path);
}

/* ---- npy unit tests -------------------------------------------------------------------- */

static void test_npy_write_read_round_trip(void) {
  const int64_t dims[8] = {2, 1, 3, 2, 2, 1, 1, 2};
  const int ranks[] = {0, 1, 2, 5, 8};
  float v[96];
  test_fill_uniform(v, 96);
  v[0] = -0.0f;
  v[1] = INFINITY;
  v[2] = 1e-40f; /* subnormal */
  for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
    const int rank = ranks[i];
    char path[PATH_SIZE];
    tmp_path(path, "round.npy");
    char err[512];
    CU_ASSERT_EQUAL_FATAL(npy_write(path, rank, dims, v, err, sizeof err), 0);
    npy_array a;
    CU_ASSERT_EQUAL_FATAL(npy_read(path, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.rank, rank);
    CU_ASSERT_EQUAL(a.count, test_count(rank, dims));
    CU_ASSERT_EQUAL(memcmp(a.dims, dims, (size_t)rank * sizeof dims[0]), 0);
    CU_ASSERT_EQUAL(memcmp(a.data, v, (size_t)a.count * sizeof(float)), 0);
    npy_free(&a);
    CU_ASSERT_PTR_NULL(a.data);

    /* numpy's layout: version 1.0, header padded to 64 bytes, ending in '\n'. */
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fread(head, 1, 10, f), 10);
    size_t header_len = (size_t)head[8] | (size_t)head[9] << 8;
    CU_ASSERT_EQUAL((10 + header_len) % 64, 0);
    CU_ASSERT_EQUAL(fseek(f, (long)(10 + header_len - 1), SEEK_SET), 0);
    CU_ASSERT_EQUAL(fgetc(f), '\n');
    fclose(f);
    CU_ASSERT_EQUAL(memcmp(head, "\x93NUMPY\x01\x00", 8), 0);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL((int64_t)st.st_size, (int64_t)(10 + header_len) + 4 * test_count(rank, dims));
  }
  CU_ASSERT_FALSE(temp_files_left());
}

/* Parses an image and checks its dims and the data against `want`. */
static void expect_parsed(const unsigned char *img, size_t size, int rank, const int64_t *dims,
                          const float *want) {
  npy_array a;
  char err[512] = "";
  int rc = npy_parse(img, size, &a, err, sizeof err);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc != 0) {
    fprintf(stderr, "\n  npy_parse: %s\n", err);
    return;
  }
  CU_ASSERT_EQUAL(a.rank, rank);
  CU_ASSERT_EQUAL(memcmp(a.dims, dims, (size_t)rank * sizeof dims[0]), 0);
  CU_ASSERT_EQUAL(a.count, test_count(rank, dims));
  CU_ASSERT_EQUAL(memcmp(a.data, want, (size_t)a.count * sizeof(float)), 0);
  npy_free(&a);
}

static void test_npy_versions_and_header_forms(void) {
  const float f[6] = {1.5f, -2, 0.25f, 3, -0.125f, 7};
  unsigned char f32[24], f64[48];
  for (int i = 0; i < 6; i++) {
    uint32_t u;
    memcpy(&u, &f[i], 4);
    put_le(f32 + 4 * i, u, 4);
    double d = f[i];
    uint64_t u64;
    memcpy(&u64, &d, 8);
    put_le(f64 + 8 * i, u64, 8);
  }
  const int64_t d23[2] = {2, 3}, d6[1] = {6}, d1[5] = {1, 1, 2, 1, 3};
  static const struct {
    const char *dict;
    int rank;
    int f8;
  } forms[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 0},
      {"{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}", 2, 1},
      {"{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3,)}", 2, 0},
      {"{ 'fortran_order' : False , 'descr' : '<f8' , 'shape' : ( 2 , 3 , ) , }", 2, 1},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 1, 0},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", 1, 0},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2, 1, 3), }", 5, 1},
  };
  for (int major = 1; major <= 3; major++) {
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
      size_t size;
      unsigned char *img = npy_image(major, forms[i].dict, forms[i].f8 ? (void *)f64 : f32,
                                     forms[i].f8 ? 48 : 24, &size);
      const int64_t *dims = forms[i].rank == 2 ? d23 : forms[i].rank == 1 ? d6 : d1;
      expect_parsed(img, size, forms[i].rank, dims, f);
      free(img);
    }
  }
  /* Rank 0: one element. */
  size_t size;
  unsigned char *img =
      npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32, 4, &size);
  expect_parsed(img, size, 0, d6, f);
  free(img);
  /* An empty array parses, with a non-NULL data pointer. */
  const int64_t d0[2] = {0, 3};
  img = npy_image(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", NULL, 0, &size);
  expect_parsed(img, size, 2, d0, f);
  free(img);
}

static void test_npy_float64_conversion(void) {
  const double values[4] = {0.1, -1e300, 1e-300, 3.0};
  unsigned char bytes[32];
  for (int i = 0; i < 4; i++) {
    uint64_t u;
    memcpy(&u, &values[i], 8);
    put_le(bytes + 8 * i, u, 8);
  }
  size_t size;
  unsigned char *img =
      npy_image(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", bytes, 32, &size);
  npy_array a;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(npy_parse(img, size, &a, err, sizeof err), 0);
  CU_ASSERT_EQUAL(a.data[0], (float)0.1);
  CU_ASSERT(isinf(a.data[1]) && a.data[1] < 0);
  CU_ASSERT_EQUAL(a.data[2], 0.0f);
  CU_ASSERT_EQUAL(a.data[3], 3.0f);
  npy_free(&a);
  free(img);
}

/* Expects npy_parse to fail on the image with a sentence containing `word`. */
static void expect_rejected(const unsigned char *img, size_t size, const char *word) {
  npy_array a;
  char err[512] = "";
  int rc = npy_parse(img, size, &a, err, sizeof err);
  CU_ASSERT_EQUAL(rc, -1);
  CU_ASSERT_PTR_NULL(a.data);
  CU_ASSERT_EQUAL(strncmp(err, "npy data: ", 10), 0);
  if (word != NULL && strstr(err, word) == NULL) {
    CU_FAIL("npy_parse's sentence names the problem");
    fprintf(stderr, "\n  expected '%s' in: %s\n", word, err);
  }
  if (rc == 0)
    npy_free(&a);
}

static void test_npy_malformed_headers(void) {
  static const struct {
    const char *dict;
    const char *word;
  } bad[] = {
      {"{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", "<i4"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", ">f4"},
      {"{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }", "=f4"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", "dtype"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': False, }", "shape"},
      {"{'fortran_order': False, 'shape': (4,), }", "descr"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "descr"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}", "extra"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,2), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 2), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,4), }", "dimensions"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "64"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "64"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,) }x", "after"},
      {"{'descr': '<f4', 'fortran_order': False 'shape': (4,)}", "','"},
      {"['descr', '<f4']", "'{'"},
      {"{'descr: '<f4', 'fortran_order': False, 'shape': (4,), }", NULL},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), ", NULL},
      {"", NULL},
  };
  static const float data[4] = {1, 2, 3, 4};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t size;
    unsigned char *img = npy_image(1, bad[i].dict, data, 16, &size);
    expect_rejected(img, size, bad[i].word);
    free(img);
  }

  /* The preamble and the data size. */
  size_t size;
  unsigned char *img =
      npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data, 16, &size);
  img = realloc(img, size + 1);
  expect_parsed(img, size, 1, (const int64_t[]){4}, data);
  for (size_t cut = 0; cut < size; cut++) /* every truncation, down to the empty file */
    expect_rejected(img, cut, NULL);
  expect_rejected(img, size - 3, "truncated");
  img[size] = 0;
  expect_rejected(img, size + 1, "trailing");
  img[6] = 4;
  expect_rejected(img, size, "version");
  img[6] = 1;
  img[7] = 1;
  expect_rejected(img, size, "version");
  img[7] = 0;
  img[8] = 0xff; /* header length past the end of the image */
  img[9] = 0xff;
  expect_rejected(img, size, "truncated");
  img[5] = 'P';
  expect_rejected(img, size, "magic");
  free(img);
  img = npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data, 16, &size);
  img[20] = '\0';
  expect_rejected(img, size, "NUL");
  free(img);
  npy_array a;
  char err[64];
  CU_ASSERT_EQUAL(npy_parse(NULL, 0, &a, err, sizeof err), -1);
  CU_ASSERT_EQUAL(npy_parse((const unsigned char *)"x", 1, &a, err, 1), -1); /* tiny err */
  CU_ASSERT_EQUAL(npy_parse((const unsigned char *)"x", 1, &a, NULL, 0), -1);
}

static void test_npy_file_errors(void) {
  npy_array a;
  char err[512];
  char path[PATH_SIZE], none[PATH_SIZE];
  CU_ASSERT_EQUAL(npy_read(tmp_path(path, "absent.npy"), &a, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "absent.npy: "));
  CU_ASSERT_EQUAL(npy_read(tmp_dir, &a, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "directory"));

  const int64_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, neg[1] = {-1};
  const float v[1] = {0};
  tmp_path(path, "w.npy");
  unlink(path);
  CU_ASSERT_EQUAL(npy_write(path, 9, dims, v, err, sizeof err), -1);
  CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
  CU_ASSERT_EQUAL(npy_write(path, 1, neg, v, err, sizeof err), -1);
  CU_ASSERT_EQUAL(npy_write(tmp_path(none, "none/w.npy"), 1, dims, v, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "none/w.npy: "));
  CU_ASSERT_FALSE(file_exists(path));
  CU_ASSERT_FALSE(temp_files_left());
  /* Replacing an existing file is atomic: the new contents, no temporary left. */
  const int64_t d1[1] = {1};
  const float one[1] = {1}, two[1] = {2};
  CU_ASSERT_EQUAL(npy_write(path, 1, d1, one, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(path, 1, d1, two, err, sizeof err), 0);
  CU_ASSERT_EQUAL_FATAL(npy_read(path, &a, err, sizeof err), 0);
  CU_ASSERT_EQUAL(a.data[0], 2.0f);
  npy_free(&a);
  CU_ASSERT_FALSE(temp_files_left());
}

/* ---- registration ------------------------------------------------------------------------ */

static int suite_init(void) { return make_tmp_dir(); }
static int suite_cleanup(void) { return remove_tmp_dir(); }

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
      !CU_add_test(cli, "--device cuda", test_device_cuda))
    return CU_get_error();
  CU_pSuite npy = CU_add_suite("npy", suite_init, suite_cleanup);
  if (npy == NULL)
    return CU_get_error();
  if (!CU_add_test(npy, "write/read round trip, ranks 0 to 8", test_npy_write_read_round_trip) ||
      !CU_add_test(npy, "versions 1.0/2.0/3.0 and header forms",
                   test_npy_versions_and_header_forms) ||
      !CU_add_test(npy, "float64 converted to float32", test_npy_float64_conversion) ||
      !CU_add_test(npy, "malformed and truncated images", test_npy_malformed_headers) ||
      !CU_add_test(npy, "file errors and atomic replacement", test_npy_file_errors))
    return CU_get_error();
  return CUE_SUCCESS;
}
