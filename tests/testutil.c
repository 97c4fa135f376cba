/*
 * testutil.c - the seeded generator, error norms and paths of testutil.h, the temporary
 * directory, and running the command-line tool as a child process.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t rng_state, rng_seed;

void test_rng_seed(uint64_t seed) { rng_state = rng_seed = seed; }

uint64_t test_rng_seed_value(void) { return rng_seed; }

uint64_t test_rng_next(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t test_rng_int(int64_t lo, int64_t hi) {
  return lo + (int64_t)(test_rng_next() % (uint64_t)(hi - lo + 1));
}

void test_fill_uniform(float *a, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = (float)((double)(test_rng_next() >> 11) * 0x1.0p-52 - 1.0);
}

void test_fill_int(float *a, int64_t n, int lo, int hi) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = (float)test_rng_int(lo, hi);
}

double test_rel_error(const float *a, const float *b, int64_t n) {
  double diff = 0.0, scale = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (isnan(a[i]) || isnan(b[i]))
      return INFINITY;
    diff = fmax(diff, fabs((double)a[i] - (double)b[i]));
    scale = fmax(scale, fabs((double)b[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

int64_t test_first_difference(const float *a, const float *b, int64_t n) {
  const uint32_t *ua = (const uint32_t *)(const void *)a, *ub = (const uint32_t *)(const void *)b;
  for (int64_t i = 0; i < n; ++i)
    if (ua[i] != ub[i])
      return i;
  return -1;
}

int64_t test_count(int rank, const int64_t *dims) {
  int64_t c = 1;
  for (int i = 0; i < rank; ++i)
    c *= dims[i];
  return c;
}

const char *test_data_dir(void) {
  const char *d = getenv("TCONV_TEST_DATA");
  return d != NULL && d[0] != '\0' ? d : "tests/data";
}

const char *test_cli_path(void) {
  const char *p = getenv("TCONV_CLI");
  return p != NULL && p[0] != '\0' ? p : "build/bin/tconv";
}

/* ---- temporary directory ------------------------------------------------------------- */

static char tmp_dir[TEST_PATH_SIZE / 2];

int test_tmp_dir_make(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tconv-test-XXXXXX",
           base != NULL && base[0] != '\0' ? base : "/tmp");
  return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

int test_tmp_dir_remove(void) {
  DIR *d = opendir(tmp_dir);
  if (d == NULL)
    return -1;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char path[TEST_PATH_SIZE];
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      unlink(test_tmp_path(path, e->d_name));
  }
  closedir(d);
  return rmdir(tmp_dir);
}

const char *test_tmp_dir(void) { return tmp_dir; }

const char *test_tmp_path(char *buf, const char *name) {
  snprintf(buf, TEST_PATH_SIZE, "%s/%s", tmp_dir, name);
  return buf;
}

int test_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

int test_tmp_files_left(void) {
  DIR *d = opendir(tmp_dir);
  int found = 0;
  if (d == NULL)
    return 1;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    found |= strstr(e->d_name, ".tmp-") != NULL;
  closedir(d);
  return found;
}

/* ---- running the tool ---------------------------------------------------------------- */

#define CLI_TIMEOUT_MS 120000 /* per run; the runs in the suites take milliseconds */
#define CLI_MAX_ARGS 64

static test_cli_result cli_result; /* one run at a time; too large for the stack */

void test_read_text(const char *path, char *text, size_t size) {
  text[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return;
  size_t n = fread(text, 1, size - 1, f);
  text[n] = '\0';
  fclose(f);
}

const test_cli_result *test_cli_run(const char *const *args) {
  const char *argv[CLI_MAX_ARGS];
  int argc = 0;
  argv[argc++] = test_cli_path();
  for (int i = 0; args[i] != NULL && argc < CLI_MAX_ARGS - 1; i++)
    argv[argc++] = args[i];
  argv[argc] = NULL;
  char out[TEST_PATH_SIZE], err[TEST_PATH_SIZE];
  test_tmp_path(out, "stdout.txt");
  test_tmp_path(err, "stderr.txt");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  cli_result.status = -1;
  cli_result.out[0] = cli_result.err[0] = '\0';
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    snprintf(cli_result.err, sizeof cli_result.err, "cannot run %s: %s", argv[0], strerror(rc));
    return &cli_result;
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
      waitpid(pid, &wstatus, 0);
      snprintf(cli_result.err, sizeof cli_result.err, "killed after %d ms", CLI_TIMEOUT_MS);
      return &cli_result;
    }
    if (done == 0)
      nanosleep(&tick, NULL);
  }
  if (done > 0 && WIFEXITED(wstatus))
    cli_result.status = WEXITSTATUS(wstatus);
  test_read_text(out, cli_result.out, sizeof cli_result.out);
  test_read_text(err, cli_result.err, sizeof cli_result.err);
  unlink(out);
  unlink(err);
  return &cli_result;
}

void test_expect_exit_at(const test_cli_result *r, int code, const char *what, const char *file,
                         int line) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: exit status %d, expected %d", what, r->status, code);
  CU_assertImplementation(r->status == code, (unsigned)line, msg, file, "", CU_FALSE);
  if (r->status != code)
    fprintf(stderr, "\n  %s\n  stdout: %.2000s\n  stderr: %s\n", msg, r->out, r->err);
}

void test_expect_has_at(const char *text, const char *needle, const char *file, int line) {
  char msg[512];
  snprintf(msg, sizeof msg, "output contains \"%s\"", needle);
  int ok = strstr(text, needle) != NULL;
  CU_assertImplementation(ok, (unsigned)line, msg, file, "", CU_FALSE);
  if (!ok)
    fprintf(stderr, "\n  missing \"%s\" in:\n%.3000s\n", needle, text);
}

void test_expect_failure_at(int code, const char *words, const char *const *args, const char *file,
                            int line) {
  char out[TEST_PATH_SIZE];
  test_tmp_path(out, "out.npy");
  const char *argv[40];
  int n = 0;
  for (; args[n] != NULL && n < 36; n++)
    argv[n] = args[n];
  if (strcmp(args[0], "run") == 0) {
    argv[n++] = "--out";
    argv[n++] = out;
  }
  argv[n] = NULL;
  const test_cli_result *r = test_cli_run(argv);
  char what[256];
  snprintf(what, sizeof what, "tconv %s %s ... (expecting '%s')", args[0],
           args[1] != NULL ? args[1] : "", words);
  test_expect_exit_at(r, code, what, file, line);
  char msg[512];
  snprintf(msg, sizeof msg, "%s: stderr starts with \"tconv: error: \"", what);
  CU_assertImplementation(strncmp(r->err, "tconv: error: ", 14) == 0 ||
                              strstr(r->err, "\ntconv: error: ") != NULL,
                          (unsigned)line, msg, file, "", CU_FALSE);
  int named = 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", words);
  for (char *save = NULL, *word = strtok_r(copy, "|", &save); word != NULL;
       word = strtok_r(NULL, "|", &save))
    named |= strstr(r->err, word) != NULL;
  snprintf(msg, sizeof msg, "%s: the error names %s", what, words);
  CU_assertImplementation(named, (unsigned)line, msg, file, "", CU_FALSE);
  if (!named)
    fprintf(stderr, "\n  stderr: %s\n", r->err);
  snprintf(msg, sizeof msg, "%s: no output file", what);
  CU_assertImplementation(!test_file_exists(out) && !test_tmp_files_left(), (unsigned)line, msg,
                          file, "", CU_FALSE);
  unlink(out);
}

int test_count_of(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

const char *test_int_list(int n, const int64_t *values) {
  static char ring[16][128];
  static int next;
  char *p = ring[next++ % 16];
  size_t used = 0;
  p[0] = '\0';
  for (int i = 0; i < n && used < sizeof ring[0]; i++)
    used += (size_t)snprintf(p + used, sizeof ring[0] - used, i ? ",%lld" : "%lld",
                             (long long)values[i]);
  return p;
}

/* ---- .npy images ---------------------------------------------------------------------- */

void test_put_le(unsigned char *p, uint64_t v, int bytes) {
  for (int b = 0; b < bytes; b++)
    p[b] = (unsigned char)(v >> (8 * b));
}

unsigned char *test_npy_image(int major, const char *dict, const void *data, size_t data_bytes,
                              size_t *size) {
  size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
  size_t total_header = (pre + len + 1 + 63) / 64 * 64;
  unsigned char *img = malloc(total_header + data_bytes + 1);
  if (img == NULL) {
    *size = 0;
    return NULL;
  }
  memcpy(img, "\x93NUMPY", 6);
  img[6] = (unsigned char)major;
  img[7] = 0;
  test_put_le(img + 8, total_header - pre, major == 1 ? 2 : 4);
  memcpy(img + pre, dict, len);
  memset(img + pre + len, ' ', total_header - pre - len - 1);
  img[total_header - 1] = '\n';
  if (data_bytes > 0)
    memcpy(img + total_header, data, data_bytes);
  *size = total_header + data_bytes;
  return img;
}

void test_write_bytes(const char *path, const void *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(bytes, 1, size, f), size);
  fclose(f);
}

tconv_params test_params_1d(int64_t s, int64_t d, int64_t pb, int64_t pe, int64_t op) {
  tconv_params p = tconv_params_default(1);
  p.stride[0] = s;
  p.dilation[0] = d;
  p.pad_begin[0] = pb;
  p.pad_end[0] = pe;
  p.output_padding[0] = op;
  return p;
}

/* A CU_TestInfo or CU_SuiteInfo table: entries of `size` bytes whose first member is the
 * name, the last one's NULL. */
static void drop_named(void *table, size_t size, const char *name) {
  char *entry = table;
  while (*(const char **)entry != NULL && strcmp(*(const char **)entry, name) != 0)
    entry += size;
  for (; *(const char **)entry != NULL; entry += size)
    memcpy(entry, entry + size, size);
}

void test_drop_test(CU_TestInfo *tests, const char *name) {
  drop_named(tests, sizeof *tests, name);
}

void test_drop_suite(CU_SuiteInfo *suites, const char *name) {
  drop_named(suites, sizeof *suites, name);
}
