/*
 * upsample.c - `tconv upsample`: a PNG scaled up by an integer factor F with PyTorch's
 * nearest, bilinear or bicubic interpolation (align_corners=False), every pixel equal to
 * PyTorch's value under the rounding rule of interp.h. The arithmetic is interp.c's:
 * depthwise transposed convolutions through the library, on the CPU or the GPU.
 */
#include "upsample.h"

#include "args.h"
#include "cli.h"
#include "interp.h"
#include "pngfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_POSITIONAL 2
#define PNG_MAX_SIDE 0x7fffffffLL /* PNG stores widths and heights in 31 bits */

static const char upsample_usage[] =
    "usage: tconv upsample IN.png OUT.png --scale F [--filter bilinear|nearest|bicubic]\n"
    "                      [--device auto|cpu|cuda] [--dtype float32|float16|bfloat16]\n"
    "                      [--layout nchw|nhwc] [--math strict|tf32]\n"
    "Scales IN.png up by the integer F (1 .. 1048576; bicubic 1 .. 64) and writes OUT.png with\n"
    "the same colour type and bit depth. Every pixel equals PyTorch's\n"
    "F.interpolate(scale_factor=F, mode=FILTER, align_corners=False) in exact arithmetic,\n"
    "rounded half to even and clamped to the pixel range; bilinear and bicubic interpolate\n"
    "colour premultiplied by alpha, nearest copies pixels as they are. Computed by two\n"
    "depthwise transposed convolutions through the library, rows then columns. Palette and\n"
    "1/2/4-bit grey images are expanded to 8 bits (RGB, RGBA with transparency, grey); a tRNS\n"
    "chunk becomes an alpha channel. Default filter: bilinear.\n"
    "--dtype, --layout and --math choose how the convolutions' tensors are stored and\n"
    "computed (default float32, nchw, strict); each gives the same image, the digits\n"
    "narrowing to the integers the dtype holds exactly (float16 2^11, bfloat16 2^8; TF32 math\n"
    "rounds operands to 11 bits). A filter and scale whose taps do not fit are refused.\n";

typedef struct upsample_options {
  const char *in, *out, *scale, *filter, *device, *dtype, *layout, *math;
} upsample_options;

/* Splits positional arguments from options. Returns 0, -1 (help printed) or an exit code. */
static int parse(int argc, char **argv, upsample_options *uo) {
  char *opts[64];
  const char *pos[MAX_POSITIONAL];
  int n_opts = 0, n_pos = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(upsample_usage, stdout);
      return -1;
    }
  }
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && n_opts + 2 <= 64) {
      opts[n_opts++] = argv[i];
      /* "--name value": the value travels with its option. */
      if (strchr(argv[i], '=') == NULL && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
        opts[n_opts++] = argv[++i];
    } else if (n_pos < MAX_POSITIONAL) {
      pos[n_pos++] = argv[i];
    } else {
      return cli_fail(CLI_EXIT_USAGE, "upsample: unexpected argument '%s'", argv[i]);
    }
  }
  const args_option options[] = {{"scale", &uo->scale, NULL},   {"filter", &uo->filter, NULL},
                                 {"device", &uo->device, NULL}, {"dtype", &uo->dtype, NULL},
                                 {"layout", &uo->layout, NULL}, {"math", &uo->math, NULL}};
  char err[CLI_ERR_SIZE];
  if (args_parse(n_opts, opts, options, (int)(sizeof options / sizeof options[0]), err,
                 sizeof err) != ARGS_OK)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (n_pos < 2)
    return cli_fail(CLI_EXIT_USAGE, "upsample needs IN.png and OUT.png (see tconv upsample -h)");
  if (uo->scale == NULL)
    return cli_fail(CLI_EXIT_USAGE, "upsample needs --scale F");
  uo->in = pos[0];
  uo->out = pos[1];
  return 0;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The filter, the factor, the device and the storage from the options. Returns 0 or an exit
 * code. */
static int read_options(const upsample_options *uo, interp_kernel *kernel, tconv_backend *backend,
                        interp_storage *storage) {
  char err[CLI_ERR_SIZE];
  int64_t f;
  interp_filter filter = INTERP_BILINEAR;
  if (args_int("scale", uo->scale, &f, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (uo->filter != NULL && interp_filter_parse(uo->filter, &filter) != 0)
    return cli_fail(CLI_EXIT_USAGE, "--filter: '%s' is not one of bilinear, nearest, bicubic",
                    uo->filter);
  int rc = cli_parse_device(uo->device, backend);
  if (rc == 0)
    rc = cli_parse_storage(uo->dtype, uo->layout, uo->math, &storage->dtype, &storage->layout,
                           &storage->math);
  if (rc == 0 && (rc = interp_kernel_make(filter, f, kernel, err, sizeof err)) != 0)
    cli_fail(rc, "%s", err);
  return rc;
}

/* Prints what was computed, how, and how long it took. */
static void print_summary(const upsample_options *uo, const pngfile_image *in,
                          const pngfile_image *out, const interp_kernel *kernel,
                          const interp_report *report, const interp_storage *storage,
                          tconv_backend backend, double seconds) {
  double library = 0;
  char shapes[128] = "", planes[64] = "";
  for (int p = 0; p < 2; p++) {
    const interp_pass_info *pi = &report->pass[p];
    const size_t n = strlen(shapes), m = strlen(planes);
    snprintf(shapes + n, sizeof shapes - n, "%s%lldx%lld", p > 0 ? " then " : "",
             (long long)pi->kernel_h, (long long)pi->kernel_w);
    snprintf(planes + m, sizeof planes - m, "%s%lld", p > 0 ? " + " : "", (long long)pi->planes);
    library += pi->seconds;
  }
  printf("%s: %lldx%lld %s %d-bit -> %s: %lldx%lld, %s x%lld on %s in %.3f ms (2 depthwise "
         "transposed convolutions, kernel %s, stride %lld, %s planes of %s %s %s; library calls "
         "%.3f ms)\n",
         uo->in, (long long)in->width, (long long)in->height, pngfile_colour_name(in->channels),
         in->bit_depth, uo->out, (long long)out->width, (long long)out->height,
         interp_filter_name(kernel->filter), (long long)kernel->factor,
         backend == TCONV_BACKEND_CUDA ? "cuda" : "cpu", 1e3 * seconds, shapes,
         (long long)kernel->factor, planes, tconv_dtype_name(storage->dtype),
         tconv_layout_name(storage->layout), tconv_math_name(storage->math), 1e3 * library);
}

int cli_upsample(int argc, char **argv) {
  upsample_options uo = {NULL};
  int rc = parse(argc, argv, &uo);
  if (rc != 0)
    return rc < 0 ? 0 : rc;
  interp_kernel kernel;
  tconv_backend backend = TCONV_BACKEND_AUTO;
  interp_storage storage;
  if ((rc = read_options(&uo, &kernel, &backend, &storage)) != 0)
    return rc;

  char err[CLI_ERR_SIZE];
  pngfile_image in, out = {0};
  if (pngfile_read(uo.in, &in, err, sizeof err) != 0) {
    interp_kernel_free(&kernel);
    return cli_fail(CLI_EXIT_RUNTIME, "%s", err);
  }
  const int64_t f = kernel.factor;
  tconv_context *ctx = NULL;
  if (in.width > PNG_MAX_SIDE / f || in.height > PNG_MAX_SIDE / f)
    rc =
        cli_fail(CLI_EXIT_USAGE,
                 "--scale %lld: the output (%lldx%lld) exceeds PNG's limit of %lld pixels per "
                 "side",
                 (long long)f, (long long)(in.width * f), (long long)(in.height * f), PNG_MAX_SIDE);
  if (rc == 0)
    rc = cli_open_context(backend, &ctx);
  interp_report report;
  double seconds = 0;
  if (rc == 0) {
    const double start = seconds_now();
    rc = interp_upsample(ctx, &in, &kernel, &storage, &out, &report, err, sizeof err);
    seconds = seconds_now() - start;
    if (rc != 0)
      cli_fail(rc, "%s", err);
  }
  if (rc == 0 && pngfile_write(uo.out, &out, err, sizeof err) != 0)
    rc = cli_fail(CLI_EXIT_RUNTIME, "%s", err);
  if (rc == 0)
    print_summary(&uo, &in, &out, &kernel, &report, &storage, tconv_context_backend(ctx), seconds);
  tconv_context_destroy(ctx);
  interp_kernel_free(&kernel);
  pngfile_free(&out);
  pngfile_free(&in);
  return rc;
}
