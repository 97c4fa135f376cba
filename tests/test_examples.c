/*
 * test_examples.c - suite "examples": the code users copy works as documented.
 *
 * - The README's C example (its first ```c block) compiles against include/ and the built
 *   libtconv.a and prints the seed example's 3x3 result.
 * - `make install` into a temporary prefix gives the documented tree (header, static and
 *   versioned shared library with its symlinks, CLI, tconv.pc) and the shared library exports
 *   only tconv_*; examples/minimal.c builds from it with pkg-config, statically and against
 *   the shared library, and runs; `make uninstall` removes every file again. The same with
 *   DESTDIR staging; a relative PREFIX is refused.
 * - `make examples` builds both examples; upsample's picture is the bilinear interpolation
 *   computed here from its definition.
 *
 * Commands run through /bin/sh from the repository root (where `make test` runs the
 * binary), with make's variables removed from their environment so that the child make
 * neither joins this run's jobserver nor inherits its goals. It gets BUILD, NVCC and CC from
 * TCONV_TEST_BUILD / _NVCC / _CC (exported by mk/install.mk for `make test`; set them when
 * running the binary on another build), so it reuses this build and rebuilds nothing; the
 * examples are compiled with that CC too (the system cc by default), since a sanitized
 * library must be linked with the sanitizer. A missing tool (the compiler, make, pkg-config,
 * readelf, nm) is a failure naming it, never a skip.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#define CMD_SIZE 4096
#define OUTPUT_SIZE 65536
#define STRICT "-std=c11 -Wall -Wextra -Werror" /* how the examples must compile for users */
#define CMD_TIMEOUT_MS 300000 /* a child make may have to link the library: allow minutes */

static char tmp_dir[PATH_SIZE / 2]; /* made by the suite's init, removed by its cleanup */
static char output[OUTPUT_SIZE];    /* stdout and stderr of the last command */

/* ---- files ----------------------------------------------------------------------------- */

/* Writes tmp_dir/name into buf (PATH_SIZE bytes) and returns buf. */
static const char *tmp_path(char *buf, const char *name) {
  snprintf(buf, PATH_SIZE, "%s/%s", tmp_dir, name);
  return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)ftw;
  return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a directory tree; symlinks are removed, never followed. */
static int remove_tree(const char *path) {
  return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)ftw;
  if (flag != FTW_D && flag != FTW_DP) {
    fprintf(stderr, "\n  left behind: %s", path);
    return 1;
  }
  return 0;
}

/* Whether the tree under path holds anything but directories (printing what it finds). */
static int tree_has_files(const char *path) { return nftw(path, count_file, 16, FTW_PHYS) != 0; }

static int read_file(const char *path, char *text, size_t size) {
  text[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  size_t n = fread(text, 1, size - 1, f);
  text[n] = '\0';
  fclose(f);
  return 0;
}

/* ---- commands -------------------------------------------------------------------------- */

/* The environment without make's own variables (see the file comment). */
static char **child_env(void) {
  static char *env[1024];
  static const char *const drop[] = {
      "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", "MAKEFILES=", "GNUMAKEFLAGS=", "MAKEOVERRIDES="};
  size_t n = 0;
  for (char **e = environ; *e != NULL && n + 1 < sizeof env / sizeof env[0]; ++e) {
    int keep = 1;
    for (size_t d = 0; d < sizeof drop / sizeof drop[0]; ++d)
      keep &= strncmp(*e, drop[d], strlen(drop[d])) != 0;
    if (keep)
      env[n++] = *e;
  }
  env[n] = NULL;
  return env;
}

/* Runs `sh -c` on the printf-formatted command, its stdout and stderr into `output`.
 * Returns the exit status, or -1 when it could not run, was killed or timed out. */
static int run(const char *format, ...) {
  char cmd[CMD_SIZE], log[PATH_SIZE];
  va_list args;
  va_start(args, format);
  int len = vsnprintf(cmd, sizeof cmd, format, args);
  va_end(args);
  output[0] = '\0';
  if (len < 0 || (size_t)len >= sizeof cmd) {
    snprintf(output, sizeof output, "command too long: %.200s...", cmd);
    return -1;
  }
  tmp_path(log, "command.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  char *const argv[] = {"/bin/sh", "-c", cmd, NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, child_env());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    snprintf(output, sizeof output, "cannot run /bin/sh: %s", strerror(rc));
    return -1;
  }
  /* Poll, so that a hung command fails its test instead of hanging the whole run. */
  int wstatus = 0;
  pid_t done = 0;
  const struct timespec tick = {0, 1000000}; /* 1 ms */
  for (long waited = 0; done == 0; ++waited) {
    done = waitpid(pid, &wstatus, WNOHANG);
    if (done < 0 && errno == EINTR)
      done = 0;
    if (done == 0 && waited == CMD_TIMEOUT_MS) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      snprintf(output, sizeof output, "killed after %d ms: %s", CMD_TIMEOUT_MS, cmd);
      return -1;
    }
    if (done == 0)
      nanosleep(&tick, NULL);
  }
  read_file(log, output, sizeof output);
  return done > 0 && WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/* Asserts at the caller's line; on failure prints `what` and the last command's output. */
#define EXPECT(cond, ...) expect((cond), __LINE__, __VA_ARGS__)
static int expect(int cond, int line, const char *format, ...) {
  char msg[512];
  va_list args;
  va_start(args, format);
  vsnprintf(msg, sizeof msg, format, args);
  va_end(args);
  CU_assertImplementation(cond ? CU_TRUE : CU_FALSE, (unsigned)line, msg, __FILE__, "", CU_FALSE);
  if (!cond)
    fprintf(stderr, "\n  FAILED: %s\n  output:\n%.4000s\n", msg, output);
  return cond;
}

/* Single-quotes `text` for sh into buf (PATH_SIZE bytes); NULL when it holds a quote. */
static const char *quote(char *buf, const char *text) {
  if (strchr(text, '\'') != NULL || strlen(text) + 3 > PATH_SIZE)
    return NULL;
  snprintf(buf, PATH_SIZE, "'%s'", text);
  return buf;
}

static const char *build_dir(void) {
  const char *b = getenv("TCONV_TEST_BUILD");
  return b != NULL && b[0] != '\0' ? b : "build";
}

/* "make -s BUILD=... [NVCC=...] [CC=...]" with this run's settings, into buf (CMD_SIZE). An
 * unset TCONV_TEST_NVCC lets the child probe for nvcc itself; an empty one means no CUDA. */
static const char *make_command(char *buf) {
  const char *names[] = {"BUILD", "NVCC", "CC"};
  const char *values[] = {build_dir(), getenv("TCONV_TEST_NVCC"), getenv("TCONV_TEST_CC")};
  size_t used = (size_t)snprintf(buf, CMD_SIZE, "make -s");
  for (int i = 0; i < 3; ++i) {
    char q[PATH_SIZE];
    if (values[i] == NULL)
      continue;
    if (quote(q, values[i]) == NULL)
      return NULL;
    used += (size_t)snprintf(buf + used, CMD_SIZE - used, " %s=%s", names[i], q);
  }
  return buf;
}

/* The compiler that built the library, flags included (sanitizers must be linked too); the
 * system cc by default. Word-split by the shell. */
static const char *compiler(void) {
  const char *cc = getenv("TCONV_TEST_CC");
  return cc != NULL && cc[0] != '\0' ? cc : "cc";
}

/* Whether every tool is on PATH ("CC": the compiler's first word); a missing one is a
 * failure naming it. */
static int have_tools(const char *const *tools) {
  int all = 1;
  for (; *tools != NULL; ++tools) {
    char tool[PATH_SIZE];
    snprintf(tool, sizeof tool, "%.*s",
             strcmp(*tools, "CC") == 0 ? (int)strcspn(compiler(), " \t") : (int)strlen(*tools),
             strcmp(*tools, "CC") == 0 ? compiler() : *tools);
    all &= EXPECT(
        run("command -v '%s'", tool) == 0, "'%s' is needed by this test and is not on PATH%s", tool,
        strcmp(tool, "pkg-config") == 0 ? " (Debian/Ubuntu: apt-get install pkgconf)" : "");
  }
  return all;
}

/* ---- README example -------------------------------------------------------------------- */

/* Copies the first ```c block of README.md into `path`. Returns 0 on success. */
static int extract_readme_example(const char *path) {
  static char readme[1 << 17];
  if (read_file("README.md", readme, sizeof readme) != 0)
    return -1;
  const char *start = strstr(readme, "\n```c\n");
  if (start == NULL)
    return -1;
  start += strlen("\n```c\n");
  const char *end = strstr(start, "\n```");
  FILE *f = fopen(path, "w");
  if (end == NULL || f == NULL) {
    if (f != NULL)
      fclose(f);
    return -1;
  }
  int ok = fwrite(start, 1, (size_t)(end - start) + 1, f) == (size_t)(end - start) + 1;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_readme_example(void) {
  static const char *const tools[] = {"CC", "make", NULL};
  char src[PATH_SIZE], exe[PATH_SIZE], make[CMD_SIZE], ldlibs[CMD_SIZE], q[PATH_SIZE];
  if (!have_tools(tools))
    return;
  if (!EXPECT(extract_readme_example(tmp_path(src, "readme.c")) == 0,
              "README.md (in the current directory) has a ```c block"))
    return;
  if (!EXPECT(make_command(make) != NULL, "build settings without quotes") ||
      !EXPECT(run("%s print-ldlibs", make) == 0, "make print-ldlibs"))
    return;
  snprintf(ldlibs, sizeof ldlibs, "%.*s", (int)strcspn(output, "\n"), output);
  char lib[PATH_SIZE];
  snprintf(lib, sizeof lib, "%s/lib/libtconv.a", build_dir());
  if (!EXPECT(quote(q, lib) != NULL && access(lib, R_OK) == 0, "%s exists (make lib)", lib))
    return;
  if (!EXPECT(run("%s " STRICT " -Iinclude -o %s %s %s %s", compiler(), tmp_path(exe, "readme"),
                  src, q, ldlibs) == 0,
              "the README example compiles with %s", compiler()))
    return;
  EXPECT(run("%s", exe) == 0, "the README example exits with status 0");
  EXPECT(strcmp(output, "0 0 1\n0 4 6\n4 12 9\n") == 0, "the README example prints the 3x3 result");
}

/* ---- install, pkg-config, uninstall ---------------------------------------------------- */

/* Asserts that dir/name is a regular file, or a symlink to `target` when target != NULL. */
static void expect_installed(const char *dir, const char *name, const char *target) {
  char path[PATH_SIZE], link[PATH_SIZE];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (!EXPECT(lstat(path, &st) == 0, "%s is installed", path))
    return;
  if (target == NULL) {
    EXPECT(S_ISREG(st.st_mode), "%s is a regular file", path);
    return;
  }
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = '\0';
  EXPECT(S_ISLNK(st.st_mode) && strcmp(link, target) == 0, "%s is a symlink to %s (is '%s')", path,
         target, link);
}

/* The installed tree under root (PREFIX, or DESTDIR + PREFIX). */
static void expect_install_tree(const char *root) {
  char dir[PATH_SIZE], full[64], major[64];
  snprintf(full, sizeof full, "libtconv.so.%s", TCONV_VERSION_STRING);
  snprintf(major, sizeof major, "libtconv.so.%d", TCONV_VERSION_MAJOR);
  snprintf(dir, sizeof dir, "%s/include", root);
  expect_installed(dir, "tconv.h", NULL);
  snprintf(dir, sizeof dir, "%s/lib", root);
  expect_installed(dir, "libtconv.a", NULL);
  expect_installed(dir, full, NULL);
  expect_installed(dir, major, full);
  expect_installed(dir, "libtconv.so", major);
  expect_installed(dir, "pkgconfig/tconv.pc", NULL);
  snprintf(dir, sizeof dir, "%s/bin", root);
  expect_installed(dir, "tconv", NULL);
}

/* The installed shared library exports the API and nothing else (-fvisibility=hidden and
 * host/tconv.map): every defined dynamic symbol starts with tconv_. */
static void expect_only_api_exported(const char *lib) {
  if (!EXPECT(run("nm -D --defined-only %s/libtconv.so.%s", lib, TCONV_VERSION_STRING) == 0,
              "nm -D --defined-only reads the shared library"))
    return;
  int symbols = 0, foreign = 0;
  for (const char *p = output; *p != '\0';) {
    const size_t len = strcspn(p, "\n");
    char line[512], address[64], type[8], name[256];
    snprintf(line, sizeof line, "%.*s", (int)len, p);
    p += len + (p[len] == '\n');
    if (sscanf(line, "%63s %7s %255s", address, type, name) != 3)
      continue;
    ++symbols;
    if (strncmp(name, "tconv_", 6) != 0 && foreign++ == 0)
      fprintf(stderr, "\n  exported and not tconv_*: %s", name);
  }
  EXPECT(symbols > 0 && foreign == 0,
         "the shared library exports only tconv_* (%d symbols, %d others)", symbols, foreign);
}

static void test_install_pkgconfig_uninstall(void) {
  static const char *const tools[] = {"CC", "make", "pkg-config", "readelf", "nm", NULL};
  char make[CMD_SIZE], prefix[PATH_SIZE], pc[PATH_SIZE + 64], lib[PATH_SIZE + 8];
  char exe_static[PATH_SIZE], exe_shared[PATH_SIZE];
  if (!have_tools(tools) || !EXPECT(make_command(make) != NULL, "build settings without quotes"))
    return;
  tmp_path(prefix, "prefix");
  if (!EXPECT(run("%s install PREFIX=%s", make, prefix) == 0, "make install PREFIX=%s", prefix))
    return;
  expect_install_tree(prefix);

  snprintf(pc, sizeof pc, "PKG_CONFIG_PATH=%s/lib/pkgconfig pkg-config", prefix);
  snprintf(lib, sizeof lib, "%s/lib", prefix);
  expect_only_api_exported(lib);
  EXPECT(run("%s --modversion tconv", pc) == 0 &&
             strncmp(output, TCONV_VERSION_STRING "\n", strlen(TCONV_VERSION_STRING) + 1) == 0,
         "pkg-config --modversion tconv is %s", TCONV_VERSION_STRING);

  /* Static: -ltconv would pick the .so, so that one flag is wrapped in -Bstatic; everything
   * else (the private libraries) comes from pkg-config --static as given. */
  tmp_path(exe_static, "minimal-static");
  const char *to_static = "sed 's/-ltconv/-Wl,-Bstatic -ltconv -Wl,-Bdynamic/'";
  if (EXPECT(run("%s " STRICT " -o %s examples/minimal.c $(%s --cflags tconv)"
                 " $(%s --static --libs tconv | %s)",
                 compiler(), exe_static, pc, pc, to_static) == 0,
             "examples/minimal.c links statically with pkg-config --static --libs tconv")) {
    EXPECT(run("readelf -d %s", exe_static) == 0 && strstr(output, "libtconv") == NULL,
           "the static build does not depend on libtconv.so");
    EXPECT(run("%s", exe_static) == 0, "the static build of minimal.c exits with status 0");
  }

  tmp_path(exe_shared, "minimal-shared");
  if (EXPECT(run("%s " STRICT " -o %s examples/minimal.c $(%s --cflags --libs tconv)", compiler(),
                 exe_shared, pc) == 0,
             "examples/minimal.c links with pkg-config --cflags --libs tconv")) {
    char needed[64];
    snprintf(needed, sizeof needed, "[libtconv.so.%d]", TCONV_VERSION_MAJOR);
    EXPECT(run("readelf -d %s", exe_shared) == 0 && strstr(output, needed) != NULL,
           "the shared build needs %s (the soname)", needed);
    EXPECT(run("LD_LIBRARY_PATH=%s %s", lib, exe_shared) == 0,
           "the shared build of minimal.c exits with status 0 (LD_LIBRARY_PATH=%s)", lib);
  }

  EXPECT(run("%s uninstall PREFIX=%s", make, prefix) == 0, "make uninstall PREFIX=%s", prefix);
  EXPECT(!tree_has_files(prefix), "make uninstall leaves no file under %s", prefix);
}

static void test_install_destdir(void) {
  static const char *const tools[] = {"make", NULL};
  char make[CMD_SIZE], stage[PATH_SIZE], root[PATH_SIZE + 16], pc[PATH_SIZE + 64];
  char text[4096];
  if (!have_tools(tools) || !EXPECT(make_command(make) != NULL, "build settings without quotes"))
    return;
  tmp_path(stage, "stage");
  if (!EXPECT(run("%s install DESTDIR=%s PREFIX=/opt/tconv", make, stage) == 0,
              "make install DESTDIR=%s PREFIX=/opt/tconv", stage))
    return;
  snprintf(root, sizeof root, "%s/opt/tconv", stage);
  expect_install_tree(root);
  snprintf(pc, sizeof pc, "%s/lib/pkgconfig/tconv.pc", root);
  read_file(pc, text, sizeof text);
  EXPECT(strstr(text, "prefix=/opt/tconv\n") != NULL, "tconv.pc says prefix=/opt/tconv");
  EXPECT(strstr(text, "Version: " TCONV_VERSION_STRING "\n") != NULL, "tconv.pc says Version: %s",
         TCONV_VERSION_STRING);
  EXPECT(strstr(text, "Libs: -L${libdir} -ltconv\n") != NULL, "tconv.pc's Libs");
  EXPECT(strstr(text, "@") == NULL, "tconv.pc has no placeholder left");
  EXPECT(run("%s uninstall DESTDIR=%s PREFIX=/opt/tconv", make, stage) == 0,
         "make uninstall DESTDIR=%s PREFIX=/opt/tconv", stage);
  EXPECT(!tree_has_files(stage), "make uninstall leaves no file under %s", stage);
}

static void test_install_rejects_relative_prefix(void) {
  char make[CMD_SIZE];
  if (!EXPECT(make_command(make) != NULL, "build settings without quotes"))
    return;
  EXPECT(run("%s install PREFIX=relative/dir", make) != 0 &&
             strstr(output, "must be absolute") != NULL,
         "make install PREFIX=relative/dir stops with an error");
}

/* ---- make examples --------------------------------------------------------------------- */

/* Bilinear weight of tap t of the factor-F kernel, from FCN's definition: kernel size
 * k = 2F - F mod 2, f = ceil(k / 2), centre f - 1 (k odd) or f - 0.5 (k even). */
static double bilinear_tap(int64_t t, int64_t factor) {
  const int64_t k = 2 * factor - factor % 2, f = (k + 1) / 2;
  const double c = k % 2 == 1 ? (double)f - 1.0 : (double)f - 0.5;
  const double w = 1.0 - ((double)t > c ? (double)t - c : c - (double)t) / (double)f;
  return w > 0.0 ? w : 0.0;
}

static void test_examples_build_and_run(void) {
  enum { SIZE = 4, FACTOR = 2, OUT = SIZE * FACTOR, PAD = FACTOR / 2, K = 2 * FACTOR - FACTOR % 2 };
  static const char *const tools[] = {"make", NULL};
  char make[CMD_SIZE], q[PATH_SIZE];
  if (!have_tools(tools) || !EXPECT(make_command(make) != NULL, "build settings without quotes"))
    return;
  if (!EXPECT(run("%s examples", make) == 0, "make examples"))
    return;
  if (!EXPECT(quote(q, build_dir()) != NULL, "build directory without quotes"))
    return;
  EXPECT(run("%s/bin/example-minimal", q) == 0 && strstr(output, ": ok\n") != NULL,
         "example-minimal agrees with the reference");

  const int status = run("%s/bin/example-upsample", q);
  if (!EXPECT(status == 0, "example-upsample exits with status 0"))
    return;
  /* The printed 8x8 picture: the gradient x[r][c] = r + c through the bilinear kernel. */
  const char *p = strstr(output, "8x8:\n");
  if (!EXPECT(p != NULL, "example-upsample prints its 8x8 output"))
    return;
  p += strlen("8x8:\n");
  double worst = 0.0;
  for (int64_t r = 0; r < OUT; ++r)
    for (int64_t c = 0; c < OUT; ++c) {
      double expected = 0.0;
      for (int64_t i = 0; i < SIZE; ++i)
        for (int64_t j = 0; j < SIZE; ++j) {
          const int64_t tr = r + PAD - i * FACTOR, tc = c + PAD - j * FACTOR;
          if (tr >= 0 && tr < K && tc >= 0 && tc < K)
            expected += (double)(i + j) * bilinear_tap(tr, FACTOR) * bilinear_tap(tc, FACTOR);
        }
      char *end;
      const double got = strtod(p, &end);
      const double diff = end == p ? 1e9 : (got > expected ? got - expected : expected - got);
      worst = diff > worst ? diff : worst;
      p = end;
    }
  EXPECT(worst <= 0.005 + 1e-9,
         "example-upsample's values are the bilinear interpolation "
         "(to the 2 printed decimals; worst difference %g)",
         worst);
}

/* ---- registration ---------------------------------------------------------------------- */

static int suite_init(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tconv-examples-XXXXXX",
           base != NULL && base[0] != '\0' ? base : "/tmp");
  return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int suite_cleanup(void) { return remove_tree(tmp_dir); }

static CU_TestInfo examples_tests[] = {
    {"README example", test_readme_example},
    {"install, pkg-config, uninstall", test_install_pkgconfig_uninstall},
    {"install with DESTDIR", test_install_destdir},
    {"install rejects a relative PREFIX", test_install_rejects_relative_prefix},
    {"make examples", test_examples_build_and_run},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_examples[] = {
    {"examples", suite_init, suite_cleanup, NULL, NULL, examples_tests},
    CU_SUITE_INFO_NULL,
};
