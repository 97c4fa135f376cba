/*
 * test_gpu_process.c - suite "gpu_process" (GPU only): what only a fresh process can show.
 * The test binary runs itself again (/proc/self/exe) with TCONV_TEST_CHILD=<mode>; main()
 * hands such a run to test_child_main() before anything else, and its exit status is the
 * verdict (0 as expected, 1 not, 2 could not set up). A child's messages go to the same
 * stdout as the parent's.
 *
 * Modes and the tests that run them:
 * - device1: a context on device 1 (and a computation on it) must leave device 0's primary
 *   context inactive (cuDevicePrimaryCtxGetState), in a process that never chose a device.
 *   Needs two devices: with one, the test is not registered, and registration says so.
 * - fault: the child makes its device fault (tconv_test_cuda_fault, a store to an address no
 *   allocation has); that call, later calls on the same context (synchronize, an allocation)
 *   and a new context must all return DEVICE_LOST with a sentence saying the device is lost. Then
 * the parent - a second process with its own context on the same device - must still compute
 * correctly. TCONV_TEST_GPU_FAULT=0 leaves it unregistered (compute-sanitizer would count the fault
 *   as an error of its own).
 * - strict: the gemm algorithm on random floats, run with NVIDIA_TF32_OVERRIDE=1,
 *   CUBLAS_EMULATE_SINGLE_PRECISION=1 and CUBLAS_EMULATION_STRATEGY=EAGER in the child's
 *   environment: its result must carry the same bits as the parent's (computed without
 *   them, passed as a hash in TCONV_TEST_CHILD_HASH) and stay within 1e-5 of the reference.
 */
#include "cases.h"
#include "cuda_weak.h"
#include "internal.h" /* tconv_test_cuda_fault */

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHILD_TIMEOUT_MS 300000 /* five minutes: a child that hangs fails its test */
#define CHILD_SETUP_FAILED 2

/* The case the strict mode runs: a transposed layer with 64-long reductions. */
static const case_spec strict_spec = {
    TCONV_OP_TRANSPOSE, 2,      2,      64,     64,     1,      1,
    {16, 16},           {4, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {0, 0}};

static uint64_t hash_floats(const float *a, int64_t n) {
  const unsigned char *bytes = (const unsigned char *)a;
  uint64_t h = 0xCBF29CE484222325u;
  for (int64_t i = 0; i < n * (int64_t)sizeof(float); ++i) {
    h ^= bytes[i];
    h *= 0x100000001B3u;
  }
  return h;
}

/* Runs the strict case with gemm on `on`; writes the result's hash and error. 0 on success. */
static int strict_run(tconv_context *on, uint64_t *hash, double *error) {
  device_case d;
  float *y = NULL;
  int failed = device_case_make(&d, on, &strict_spec, 41) != 0 ||
               (y = malloc((size_t)d.c.y_count * sizeof(float))) == NULL ||
               device_case_run(&d, on, TCONV_ALGO_GEMM, y) != 0;
  if (!failed) {
    *hash = hash_floats(y, d.c.y_count);
    *error = test_rel_error(y, d.ref, d.c.y_count);
  }
  free(y);
  device_case_release(&d);
  return failed;
}

/* ---- the child's side -------------------------------------------------------------------- */

typedef int (*device_get_fn)(int *device, int ordinal);
typedef int (*primary_ctx_get_state_fn)(int device, unsigned *flags, int *active);

/* A driver API function through the runtime (the tests do not link libcuda), or NULL. */
static void *driver_function(const char *symbol) {
  void *fn = NULL;
  int found = 0;
  if (cudaGetDriverEntryPointByVersion == NULL ||
      cudaGetDriverEntryPointByVersion(symbol, &fn, 12000, 0, &found) != 0)
    return NULL;
  return fn;
}

/* The strict case on a fresh context of `device`, which is then destroyed: 0 when it ran,
 * 1 when the computation failed, CHILD_SETUP_FAILED without a context. */
static int child_strict_case(const char *mode, int device, uint64_t *hash, double *error) {
  tconv_context *c = NULL;
  if (tconv_context_create(TCONV_BACKEND_CUDA, device, &c) != TCONV_STATUS_OK) {
    printf("child %s: %s\n", mode, tconv_last_error());
    return CHILD_SETUP_FAILED;
  }
  const int ran = strict_run(c, hash, error);
  tconv_context_destroy(c);
  return ran;
}

static int child_device1(void) {
  uint64_t hash = 0;
  double error = 0.0;
  const int ran = child_strict_case("device1", 1, &hash, &error);
  if (ran == CHILD_SETUP_FAILED)
    return ran;
  const device_get_fn device_get = (device_get_fn)driver_function("cuDeviceGet");
  const primary_ctx_get_state_fn get_state =
      (primary_ctx_get_state_fn)driver_function("cuDevicePrimaryCtxGetState");
  int device0 = -1;
  if (device_get == NULL || get_state == NULL || device_get(&device0, 0) != 0) {
    printf("child device1: cannot resolve cuDeviceGet / cuDevicePrimaryCtxGetState\n");
    return CHILD_SETUP_FAILED;
  }
  unsigned flags = 0;
  int active = -1;
  const int rc = get_state(device0, &flags, &active);
  printf("child device1: computation on device 1 %s (error %.3g); device 0's primary context "
         "is %s\n",
         ran == 0 ? "done" : "FAILED", error, active == 0 ? "inactive" : "ACTIVE");
  return rc == 0 && active == 0 && ran == 0 && error <= TEST_F32_TOLERANCE ? 0 : 1;
}

static int said_lost(tconv_status st, const char *sentence) {
  return st == TCONV_STATUS_DEVICE_LOST && strstr(sentence, "lost") != NULL;
}

static int child_fault(void) {
  tconv_context *c = NULL;
  if (tconv_context_create(TCONV_BACKEND_CUDA, 0, &c) != TCONV_STATUS_OK) {
    printf("child fault: %s\n", tconv_last_error());
    return CHILD_SETUP_FAILED;
  }
  const tconv_status fault = tconv_test_cuda_fault(c);
  printf("child fault: the fault: %s \"%s\"\n", tconv_status_name(fault),
         tconv_context_last_error(c));
  int ok = said_lost(fault, tconv_context_last_error(c));
  const tconv_status wait = tconv_context_synchronize(c);
  printf("child fault: synchronize: %s \"%s\"\n", tconv_status_name(wait),
         tconv_context_last_error(c));
  ok = ok && said_lost(wait, tconv_context_last_error(c));
  tconv_buffer *b = NULL;
  const tconv_status later = tconv_buffer_create(c, 1024, &b);
  printf("child fault: a later call: %s \"%s\"\n", tconv_status_name(later),
         tconv_context_last_error(c));
  ok = ok && said_lost(later, tconv_context_last_error(c));
  tconv_buffer_destroy(b);
  tconv_context *fresh = NULL;
  const tconv_status again = tconv_context_create(TCONV_BACKEND_CUDA, 0, &fresh);
  printf("child fault: a new context: %s \"%s\"\n", tconv_status_name(again), tconv_last_error());
  ok = ok && said_lost(again, tconv_last_error()) && fresh == NULL;
  tconv_context_destroy(fresh);
  tconv_context_destroy(c);
  return ok ? 0 : 1;
}

static int child_strict(void) {
  const char *want = getenv("TCONV_TEST_CHILD_HASH");
  if (want == NULL) {
    printf("child strict: TCONV_TEST_CHILD_HASH is not set\n");
    return CHILD_SETUP_FAILED;
  }
  uint64_t hash = 0;
  double error = 0.0;
  if (child_strict_case("strict", 0, &hash, &error) != 0)
    return CHILD_SETUP_FAILED;
  const uint64_t expected = strtoull(want, NULL, 16);
  printf("child strict: NVIDIA_TF32_OVERRIDE=%s: error %.3g, bits %s the parent's\n",
         getenv("NVIDIA_TF32_OVERRIDE") ? getenv("NVIDIA_TF32_OVERRIDE") : "(unset)", error,
         hash == expected ? "equal to" : "DIFFERENT from");
  return hash == expected && error <= TEST_F32_TOLERANCE ? 0 : 1;
}

int test_child_main(const char *mode) {
  setvbuf(stdout, NULL, _IONBF, 0); /* interleave sensibly with the parent's output */
  if (strcmp(mode, "device1") == 0)
    return child_device1();
  if (strcmp(mode, "fault") == 0)
    return child_fault();
  if (strcmp(mode, "strict") == 0)
    return child_strict();
  printf("TCONV_TEST_CHILD=%s: no such mode (device1, fault, strict)\n", mode);
  return CHILD_SETUP_FAILED;
}

/* ---- the parent's side ------------------------------------------------------------------- */

/* Runs this binary in child `mode` with `extra` ("NAME=value" strings, NULL-terminated)
 * added to the environment; returns its exit status, or -1 when it could not run, died of a
 * signal or timed out. */
static int run_child(const char *mode, const char *const *extra) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return -1;
  self[n] = '\0';
  size_t count = 0, added = 0;
  while (environ[count] != NULL)
    ++count;
  while (extra != NULL && extra[added] != NULL)
    ++added;
  char child_mode[64];
  snprintf(child_mode, sizeof child_mode, "TCONV_TEST_CHILD=%s", mode);
  char **env = calloc(count + added + 2, sizeof *env);
  if (env == NULL)
    return -1;
  size_t e = 0;
  env[e++] = child_mode;
  for (size_t i = 0; i < added; ++i)
    env[e++] = (char *)extra[i];
  for (size_t i = 0; i < count; ++i) /* the first definition of a name wins */
    if (strncmp(environ[i], "TCONV_TEST_CHILD", 16) != 0)
      env[e++] = environ[i];
  char *const argv[] = {self, NULL};
  fflush(stdout);
  pid_t pid;
  const int rc = posix_spawn(&pid, self, NULL, NULL, argv, env);
  free(env);
  if (rc != 0)
    return -1;
  int status = 0;
  const struct timespec tick = {0, 10000000}; /* 10 ms */
  for (long waited = 0;; waited += 10) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if ((done < 0 && errno != EINTR) || waited >= CHILD_TIMEOUT_MS) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    nanosleep(&tick, NULL);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_device1_leaves_device0_alone(void) {
  printf("\n");
  CU_ASSERT_EQUAL(run_child("device1", NULL), 0);
}

static void test_fault_stays_in_its_process(void) {
  tconv_context *ctx = gpu_suite_context();
  printf("\n");
  CU_ASSERT_EQUAL(run_child("fault", NULL), 0);
  /* This process's context on the same device is unaffected. */
  uint64_t hash = 0;
  double error = 1.0;
  const int ran = strict_run(ctx, &hash, &error);
  if (ran != 0)
    printf("\n  after the child's fault: %s", tconv_context_last_error(ctx));
  CU_ASSERT_EQUAL(ran, 0);
  CU_ASSERT(error <= TEST_F32_TOLERANCE);
}

static void test_strict_fp32_whatever_the_environment(void) {
  tconv_context *ctx = gpu_suite_context();
  uint64_t hash = 0;
  double error = 1.0;
  CU_ASSERT_EQUAL_FATAL(strict_run(ctx, &hash, &error), 0);
  CU_ASSERT(error <= TEST_F32_TOLERANCE);
  char expect[64];
  snprintf(expect, sizeof expect, "TCONV_TEST_CHILD_HASH=%llx", (unsigned long long)hash);
  const char *const extra[] = {expect, "NVIDIA_TF32_OVERRIDE=1",
                               "CUBLAS_EMULATE_SINGLE_PRECISION=1",
                               "CUBLAS_EMULATION_STRATEGY=EAGER", NULL};
  printf("\n  parent: error %.3g\n", error);
  CU_ASSERT_EQUAL(run_child("strict", extra), 0);
}

static CU_TestInfo gpu_process_tests[] = {
    {"gemm is strict FP32 whatever the environment (child process)",
     test_strict_fp32_whatever_the_environment},
    {"a context on device 1 leaves device 0 alone (child process)",
     test_device1_leaves_device0_alone},
    {"a device fault stays in its process (child process)", test_fault_stays_in_its_process},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"gpu_process", gpu_suite_init, gpu_suite_cleanup, NULL, NULL, gpu_process_tests},
    CU_SUITE_INFO_NULL,
};

/* Without a second device, or with TCONV_TEST_GPU_FAULT=0, the test is left out of the table
 * (not registered, nothing counted) and a line says so. */
CU_SuiteInfo *test_suites_gpu_process(void) {
  int devices = 0;
  if (cudaGetDeviceCount == NULL || cudaGetDeviceCount(&devices) != 0)
    devices = 0;
  if (devices < 2) {
    printf("GPU test \"a context on device 1 leaves device 0 alone\": SKIPPED (%d CUDA device%s;"
           " it needs two), nothing counted\n",
           devices, devices == 1 ? "" : "s");
    test_drop_test(gpu_process_tests,
                   "a context on device 1 leaves device 0 alone (child process)");
  }
  const char *fault = getenv("TCONV_TEST_GPU_FAULT");
  if (fault != NULL && strcmp(fault, "0") == 0) {
    printf("GPU test \"a device fault stays in its process\": not registered "
           "(TCONV_TEST_GPU_FAULT=0), nothing counted\n");
    test_drop_test(gpu_process_tests, "a device fault stays in its process (child process)");
  }
  return suites;
}
