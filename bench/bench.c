/*
 * bench.c - tconv-bench: tconv against cuDNN on the suite's 24 layers, with the machine's
 * SGEMM and copy ceilings measured in the same run. Options, the header block and the loop
 * over layers live here; the suite in suite.c, cuDNN in cudnn_side.c, the ceilings in
 * ceiling.c, one layer's measurements in layer.c, the output in report.c.
 *
 * Exit status: 0 when every layer was measured and every row ran, matched cuDNN and was
 * deterministic (missed performance targets are reported, not failed); 1 otherwise, or on
 * any CUDA, cuDNN, cuBLAS or tconv failure, or without a usable GPU; 2 on bad arguments; 3
 * when --layer-timeout ended the run.
 */
#include "common.h"
#include "cudnn_side.h"
#include "layer.h"
#include "report.h"
#include "suite.h"
#include "typed.h"

#include <cudnn.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef TCONV_GIT_COMMIT
#define TCONV_GIT_COMMIT "unknown"
#endif

#define QUOTED_MIN_REPS 20 /* results that are quoted use at least this many repetitions */
#define CUDNN_WORKSPACE_CAP ((size_t)4 << 30)

static const char usage_text[] =
    "usage: tconv-bench [--layer NAME[,NAME..]] [--reps N] [--csv FILE] [--device N]\n"
    "                   [--layer-timeout S] [--dtype D] [--layout L] [--math M]\n"
    "       tconv-bench --list [--dtype D] [--layout L] [--math M] | --help\n"
    "\n"
    "Measures tconv against cuDNN on the suite's 24 layers (--list), in one process on one\n"
    "GPU, both sides on the same tensors in the same storage: by default float32 NCHW in\n"
    "strict FP32 (cuDNN: CUDNN_FMA_MATH, no TF32); with --dtype float16|bfloat16 or --math\n"
    "tf32, cuDNN in its default math (CUDNN_DEFAULT_MATH: tensor cores allowed) and tconv\n"
    "with that dtype and params.math. For each layer: every algorithm of that math\n"
    "that cudnnFind*AlgorithmEx returns (up to 4 GiB of workspace), each checked and timed here,\n"
    "the fastest being the baseline, and cuDNN's default pick (the *_v7 heuristic); every\n"
    "tconv algorithm that takes the layer, and auto on its own row; tconv_find_algo()'s pick.\n"
    "Every output is poisoned first; tconv's are compared with cuDNN's (float32 strict: max\n"
    "relative error <= 1e-4; the other storages: per element, within twice the library's\n"
    "tolerance for the dtype, ulp + c * S, S = sum |x w| computed by cuDNN in strict FP32)\n"
    "and run twice to check that they are bitwise deterministic before they are timed. Times\n"
    "are medians of CUDA event timings after at least 20 ms of warm-up, with the L2 cache\n"
    "flushed by reading a buffer of twice its size before each repetition; the host time to\n"
    "enqueue each call is reported beside them. The ceilings (a large cuBLAS SGEMM, a large\n"
    "device copy) give each layer's floor, max(FLOPs / FLOP ceiling, bytes / bandwidth\n"
    "ceiling). Useful FLOPs count products that reach an output from a real input.\n"
    "\n"
    "  --layer NAMES  only these layers (comma-separated; --list shows the names)\n"
    "  --reps N       timed repetitions per measurement (default 20; quoted results use\n"
    "                 at least 20)\n"
    "  --csv FILE     also write the rows as CSV (header line first)\n"
    "  --device N     CUDA device index (default 0)\n"
    "  --layer-timeout S  end the process (exit status 3) when one layer takes more than S\n"
    "                 seconds, so that a caller can go on with the next layers\n"
    "  --dtype D      float32 (default), float16 or bfloat16: x, w and y of both sides;\n"
    "                 cuDNN's compute type stays CUDNN_DATA_FLOAT (FP32 accumulation)\n"
    "  --layout L     nchw (default) or nhwc: channels last on both sides, weights included\n"
    "                 (cuDNN: NHWC strides, CUDNN_TENSOR_NHWC filters)\n"
    "  --math M       strict (default) or tf32: tconv's params.math; cuDNN gets\n"
    "                 CUDNN_FMA_MATH for float32 strict, CUDNN_DEFAULT_MATH otherwise\n"
    "  --list         print the suite with its shapes, checked against the library and\n"
    "                 cuDNN's descriptors in the storage the options give (and, but for\n"
    "                 float32 strict, the float32 ones of the magnitudes); needs no GPU\n"
    "  --help         this text\n"
    "\n"
    "stdout: a header block (GPU, driver, CUDA, cuBLAS, cuDNN and tconv versions, commit,\n"
    "date, ceilings), one block per layer (written as soon as it is measured), the summary\n"
    "against the suite's targets. stderr: a line when a layer starts and one when it ends,\n"
    "errors as \"tconv-bench: error: ...\". A layer that fails is reported and the run goes\n"
    "on with the next, unless the device is left unusable.\n"
    "Exit status: 0 when every layer was measured and every tconv row ran, matched cuDNN\n"
    "by the storage's rule and was deterministic; 1 otherwise or on any failure (no GPU\n"
    "included); 2 on bad arguments; 3 when --layer-timeout ended the run.\n";

typedef struct options {
  int selected[64]; /* by suite index; all when none is named */
  int named;
  int reps;
  int device;
  int layer_timeout; /* seconds, 0: none */
  const char *csv;
  bench_storage storage; /* --dtype, --layout, --math */
  int list, help;
} options;

static int usage_error(const char *format, const char *arg) {
  fputs("tconv-bench: error: ", stderr);
  fprintf(stderr, format, arg);
  fputs("\n(see tconv-bench --help)\n", stderr);
  return 2;
}

static int parse_int(const char *text, int min, int max, int *out) {
  char *end = NULL;
  errno = 0;
  const long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
    return -1;
  *out = (int)v;
  return 0;
}

/* Returns 0, or the exit status of a usage error (reported). */
static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->reps = QUOTED_MIN_REPS;
  o->storage = (bench_storage)BENCH_STORAGE_DEFAULT;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i], *value = NULL;
    char name[32];
    const char *eq = strchr(arg, '=');
    const size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    if (len >= sizeof name)
      return usage_error("unknown option '%s'", arg);
    memcpy(name, arg, len);
    name[len] = '\0';
    const int takes_value = strcmp(name, "--layer") == 0 || strcmp(name, "--reps") == 0 ||
                            strcmp(name, "--csv") == 0 || strcmp(name, "--device") == 0 ||
                            strcmp(name, "--layer-timeout") == 0 || strcmp(name, "--dtype") == 0 ||
                            strcmp(name, "--layout") == 0 || strcmp(name, "--math") == 0;
    if (takes_value) {
      if (eq != NULL)
        value = eq + 1;
      else if (i + 1 < argc)
        value = argv[++i];
      else
        return usage_error("%s needs a value", name);
    } else if (eq != NULL) {
      return usage_error("%s takes no value", name);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
      o->help = 1;
    } else if (strcmp(name, "--list") == 0) {
      o->list = 1;
    } else if (strcmp(name, "--layer") == 0) {
      char why[128];
      const int n = bench_select(value, o->selected, why, sizeof why);
      if (n < 0)
        return usage_error("%s", why);
      o->named += n;
    } else if (strcmp(name, "--reps") == 0) {
      if (parse_int(value, 1, 100000, &o->reps) != 0)
        return usage_error("--reps wants an integer from 1 to 100000, not '%s'", value);
    } else if (strcmp(name, "--layer-timeout") == 0) {
      if (parse_int(value, 1, 86400, &o->layer_timeout) != 0)
        return usage_error("--layer-timeout wants seconds from 1 to 86400, not '%s'", value);
    } else if (strcmp(name, "--device") == 0) {
      if (parse_int(value, 0, INT_MAX, &o->device) != 0)
        return usage_error("--device wants a device index (0, 1, ...), not '%s'", value);
    } else if (strcmp(name, "--dtype") == 0) {
      if (tconv_dtype_from_name(value, &o->storage.dtype) != TCONV_STATUS_OK)
        return usage_error("--dtype wants float32, float16 or bfloat16, not '%s'", value);
    } else if (strcmp(name, "--layout") == 0) {
      if (tconv_layout_from_name(value, &o->storage.layout) != TCONV_STATUS_OK)
        return usage_error("--layout wants nchw or nhwc, not '%s'", value);
    } else if (strcmp(name, "--math") == 0) {
      if (tconv_math_from_name(value, &o->storage.math) != TCONV_STATUS_OK)
        return usage_error("--math wants strict or tf32, not '%s'", value);
    } else if (strcmp(name, "--csv") == 0) {
      if (value[0] == '\0')
        return usage_error("%s", "--csv wants a file name");
      o->csv = value;
    } else {
      return usage_error("unknown option '%s'", arg);
    }
  }
  if (o->named == 0)
    for (int i = 0; i < bench_suite_size; ++i)
      o->selected[i] = 1;
  return 0;
}

/* ---- --list ----------------------------------------------------------------------------- */

/* The layer's descriptors as a run creates them: the storage's, and for the per-element
 * rule the float32 strict ones of the magnitudes (layer.c). */
static int describe(const bench_layer *l, const bench_shape *sh, const bench_storage *st, char *why,
                    size_t why_size) {
  const bench_storage magnitudes = {TCONV_DTYPE_FLOAT32, st->layout, TCONV_MATH_STRICT};
  cudnn_layer cl;
  int rc = cudnn_layer_create(&cl, l->op, sh, st, why, why_size);
  cudnn_layer_destroy(&cl);
  if (rc == 0 && !bench_storage_strict(st)) {
    rc = cudnn_layer_create(&cl, l->op, sh, &magnitudes, why, why_size);
    cudnn_layer_destroy(&cl);
  }
  return rc;
}

static int list_suite(const bench_storage *st) {
  int failures = 0;
  printf("%-12s %-10s %3s %10s %-10s %2s %1s %1s %-5s %3s %-11s %9s %9s  %s\n", "layer", "op", "N",
         "Cin->Cout", "input", "k", "s", "p", "op/d", "g", "output", "GFLOP", "MiB", "from");
  for (int i = 0; i < bench_suite_size; ++i) {
    const bench_layer *l = &bench_suite[i];
    bench_shape sh;
    char why[512], channels[32], input[48], output[48], extra[16];
    int ok = bench_shape_of(l, &sh, why, sizeof why) == 0;
    if (ok)
      ok = describe(l, &sh, st, why, sizeof why) == 0;
    snprintf(channels, sizeof channels, "%lld->%lld", (long long)l->cin, (long long)l->cout);
    bench_format_sizes(l->in, l->rank, input, sizeof input);
    bench_format_sizes(l->out, l->rank, output, sizeof output);
    snprintf(extra, sizeof extra, "%s=%lld", l->op == TCONV_OP_TRANSPOSE ? "op" : "d",
             (long long)l->op_or_d);
    printf("%-12s %-10s %3lld %10s %-10s %2lld %lld %lld %-5s %3lld %-11s %9.2f %9.1f  %s\n",
           l->name, bench_op_name(l->op), (long long)l->n, channels, input, (long long)l->k,
           (long long)l->s, (long long)l->p, extra, (long long)l->groups, output,
           ok ? sh.flops / 1e9 : 0.0, ok ? sh.bytes / BENCH_MIB : 0.0, l->from);
    if (!ok) {
      fprintf(stderr, "tconv-bench: error: %s\n", why);
      ++failures;
    }
  }
  char storage[64];
  bench_storage_format(st, storage, sizeof storage);
  printf("%d layers; output sizes checked against the library's shape query and cuDNN's "
         "forward output dims, descriptors in %s%s\n",
         bench_suite_size, storage, failures ? ": FAILED" : "");
  return failures ? 1 : 0;
}

/* ---- the header block ------------------------------------------------------------------- */

/* The kernel module's version from /proc/driver/nvidia/version ("570.133.20"), or "?". */
static void driver_version(char *out, size_t out_size) {
  snprintf(out, out_size, "?");
  FILE *f = fopen("/proc/driver/nvidia/version", "r");
  if (f == NULL)
    return;
  char line[512];
  if (fgets(line, sizeof line, f) != NULL)
    for (char *tok = strtok(line, " \t\n"); tok != NULL; tok = strtok(NULL, " \t\n"))
      if (tok[0] >= '0' && tok[0] <= '9' && strchr(tok, '.') != NULL) {
        snprintf(out, out_size, "%s", tok);
        break;
      }
  fclose(f);
}

static void version3(char *out, size_t out_size, long v) {
  snprintf(out, out_size, "%ld.%ld.%ld", v / 10000, v / 100 % 100, v % 100);
}

static int print_header(const options *o, int device, size_t l2_bytes, size_t flush_bytes,
                        const bench_ceilings *c, int layers) {
  struct cudaDeviceProp prop;
  int driver = 0, runtime = 0;
  BENCH_CUDA(cudaGetDeviceProperties(&prop, device));
  BENCH_CUDA(cudaDriverGetVersion(&driver));
  BENCH_CUDA(cudaRuntimeGetVersion(&runtime));
  char kernel_module[64], cudnn_run[32], cudnn_built[32], cublas[32], date[32];
  driver_version(kernel_module, sizeof kernel_module);
  version3(cudnn_run, sizeof cudnn_run, (long)cudnnGetVersion());
  version3(cudnn_built, sizeof cudnn_built, (long)CUDNN_VERSION);
  version3(cublas, sizeof cublas, c->cublas_version);
  const time_t now = time(NULL);
  struct tm utc;
  gmtime_r(&now, &utc);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);

  printf("tconv-bench: tconv %s, commit %s, %s\n", tconv_version_string(), TCONV_GIT_COMMIT, date);
  printf("gpu:       %s (device %d, sm_%d%d, %d SMs, %.1f GiB, L2 %.1f MiB)\n", prop.name, device,
         prop.major, prop.minor, prop.multiProcessorCount,
         (double)prop.totalGlobalMem / (1024.0 * BENCH_MIB), (double)l2_bytes / BENCH_MIB);
  printf("driver:    %s (CUDA driver API %d.%d)\n", kernel_module, driver / 1000,
         driver % 1000 / 10);
  printf("cuda:      runtime %d.%d, cuBLAS %s\n", runtime / 1000, runtime % 1000 / 10, cublas);
  const size_t cudnn_cuda = cudnnGetCudartVersion();
  printf("cudnn:     %s (headers %s; the library built for CUDA %zu.%zu)\n", cudnn_run, cudnn_built,
         cudnn_cuda / 1000, cudnn_cuda % 1000 / 10);
  char storage[64];
  bench_storage_format(&o->storage, storage, sizeof storage);
  if (bench_storage_strict(&o->storage))
    printf("storage:   %s: both sides strict FP32; cuDNN CUDNN_FMA_MATH, cuBLAS default math "
           "(no TF32)\n",
           storage);
  else
    printf("storage:   %s: tconv params.math %s; cuDNN %s data, compute CUDNN_DATA_FLOAT, "
           "CUDNN_DEFAULT_MATH (tensor cores allowed)\n",
           storage, tconv_math_name(o->storage.math), tconv_dtype_name(o->storage.dtype));
  printf("timing:    median of %d repetitions%s after >= %.0f ms of warm-up, CUDA events, L2 "
         "flushed before each by reading %.0f MiB; host enqueue time per call beside\n",
         o->reps, o->reps < QUOTED_MIN_REPS ? " (fewer than 20: not for quoting)" : "",
         BENCH_WARMUP_MS, (double)flush_bytes / BENCH_MIB);
  printf("ceilings:  SGEMM %d^3 %.2f TFLOP/s (%.3f ms); device copy %.0f MiB %.2f TB/s "
         "read+write (%.3f ms)\n",
         c->gemm_n, c->flops / 1e12, c->gemm_ms, (double)c->copy_bytes / BENCH_MIB,
         c->bandwidth / 1e12, c->copy_ms);
  printf("suite:     %d of %d layers, fixed seeds; against cuDNN: %s\n\n", layers, bench_suite_size,
         bench_rule_text(&o->storage));
  return 0;
}

/* ---- the run ---------------------------------------------------------------------------- */

/* --layer-timeout: SIGALRM ends the process with status 3 and a line naming the layer, so
 * that a caller (ci/gpu-check.sh) can go on with the next layers; a kernel that does not
 * return cannot be stopped from inside the process. */
static char timeout_message[160];

static void on_layer_timeout(int signal_number) {
  (void)signal_number;
  const ssize_t ignored = write(STDERR_FILENO, timeout_message, strlen(timeout_message));
  (void)ignored;
  _exit(3);
}

static void arm_layer_timeout(int seconds, const char *layer) {
  if (seconds <= 0)
    return;
  snprintf(timeout_message, sizeof timeout_message,
           "tconv-bench: error: layer %s: still running after %d s (--layer-timeout)\n", layer,
           seconds);
  signal(SIGALRM, on_layer_timeout);
  alarm((unsigned)seconds);
}

typedef struct run_state {
  tconv_context *ctx;
  cudaStream_t stream;
  cudnnHandle_t cudnn;
  bench_timer timer;
  FILE *csv;
  bench_result *results;
} run_state;

static void run_state_free(run_state *s) {
  if (s->csv != NULL)
    fclose(s->csv);
  bench_timer_destroy(&s->timer);
  if (s->cudnn != NULL)
    cudnnDestroy(s->cudnn);
  if (s->ctx != NULL)
    tconv_context_set_stream(s->ctx, NULL);
  if (s->stream != NULL)
    cudaStreamDestroy(s->stream);
  tconv_context_destroy(s->ctx);
  free(s->results);
}

/* Everything before the first layer. */
static int start(const options *o, run_state *s, size_t *l2_bytes) {
  if (tconv_context_create(TCONV_BACKEND_CUDA, o->device, &s->ctx) != TCONV_STATUS_OK)
    return bench_fail("no usable CUDA device: %s", tconv_last_error());
  int l2 = 0;
  BENCH_CUDA(cudaSetDevice(o->device));
  BENCH_CUDA(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, o->device));
  *l2_bytes = (size_t)l2;
  BENCH_CUDA(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
  BENCH_TCONV(s->ctx, tconv_context_set_stream(s->ctx, s->stream));
  /* Verify mode (TCONV_VERIFY=1) would time a host reference along with every run. */
  BENCH_TCONV(s->ctx, tconv_context_set_verify(s->ctx, 0, 0.0));
  cudnnStatus_t status = cudnnCreate(&s->cudnn);
  if (status == CUDNN_STATUS_SUCCESS)
    status = cudnnSetStream(s->cudnn, s->stream);
  if (status != CUDNN_STATUS_SUCCESS)
    return bench_fail("cuDNN: %s", cudnnGetErrorString(status));
  if (cudnnGetVersion() / 10000 != CUDNN_MAJOR)
    return bench_fail("cuDNN %zu is loaded, but the benchmark was built against %d.%d",
                      cudnnGetVersion(), CUDNN_MAJOR, CUDNN_MINOR);
  if (bench_timer_create(&s->timer, s->ctx, o->reps, *l2_bytes) != 0)
    return -1;
  if (o->csv != NULL && (s->csv = fopen(o->csv, "w")) == NULL)
    return bench_fail("cannot write %s: %s", o->csv, strerror(errno));
  return 0;
}

static int run(const options *o) {
  run_state s = {0};
  bench_ceilings ceilings = {0};
  size_t l2_bytes = 0;
  int layers = 0, rc = 1;
  for (int i = 0; i < bench_suite_size; ++i)
    layers += o->selected[i];
  s.results = calloc((size_t)layers, sizeof *s.results);
  if (s.results == NULL) {
    bench_fail("out of host memory");
    goto done;
  }
  if (start(o, &s, &l2_bytes) != 0)
    goto done;
  fprintf(stderr, "tconv-bench: measuring the SGEMM and copy ceilings\n");
  if (bench_measure_ceilings(s.ctx, &s.timer, &ceilings) != 0)
    goto done;
  const size_t flush_bytes = tconv_buffer_size(s.timer.flush);
  if (print_header(o, o->device, l2_bytes, flush_bytes, &ceilings, layers) != 0)
    goto done;
  if (s.csv != NULL)
    bench_csv_header(s.csv);
  const bench_env env = {s.ctx, s.cudnn, &s.timer, &ceilings, CUDNN_WORKSPACE_CAP, o->storage};
  int done_layers = 0;
  for (int i = 0; i < bench_suite_size; ++i) {
    if (!o->selected[i])
      continue;
    bench_result *r = &s.results[done_layers];
    fprintf(stderr, "tconv-bench: layer %s: start\n", bench_suite[i].name);
    arm_layer_timeout(o->layer_timeout, bench_suite[i].name);
    const int failed = bench_run_layer(&env, &bench_suite[i], r) != 0;
    alarm(0);
    ++done_layers;
    bench_progress(stderr, done_layers, layers, r);
    bench_layer_report(stdout, r);
    fflush(stdout);
    if (s.csv != NULL) {
      bench_csv_rows(s.csv, r);
      fflush(s.csv);
    }
    /* A failed layer is reported and the next one measured, unless the device is gone. */
    const cudaError_t device = failed ? cudaDeviceSynchronize() : cudaSuccess;
    if (device != cudaSuccess) {
      bench_fail("the device is unusable after layer %s (%s): the remaining layers are not "
                 "run",
                 bench_suite[i].name, cudaGetErrorString(device));
      break;
    }
  }
  const int bad = bench_summary(stdout, s.results, done_layers, &ceilings);
  if (s.csv != NULL) {
    const int write_error = ferror(s.csv);
    const int close_error = fclose(s.csv);
    s.csv = NULL;
    if (write_error || close_error != 0) {
      bench_fail("writing %s failed", o->csv);
      goto done;
    }
  }
  if (bad > 0)
    bench_fail("%d layer%s or tconv row%s failed, differed from cuDNN or were not "
               "deterministic (see the summary)",
               bad, bad == 1 ? "" : "s", bad == 1 ? "" : "s");
  rc = bad > 0 || done_layers < layers ? 1 : 0;
done:
  run_state_free(&s);
  return rc;
}

int main(int argc, char **argv) {
  options o;
  const int usage = parse_options(argc, argv, &o);
  if (usage != 0)
    return usage;
  if (o.help) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (o.list)
    return list_suite(&o.storage);
  return run(&o);
}
