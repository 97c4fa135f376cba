/*
 * upsample.c - `tconv upsample`: a PNG scaled up by an integer factor F with FCN's bilinear
 * construction, a depthwise transposed convolution (groups = channels) with the kernel of
 * tconv_bilinear_kernel(): k = 2F - F mod 2, stride F, padding ceil((F-1)/2), which maps
 * every size i to exactly F*i. Each channel (alpha included, not premultiplied) is
 * interpolated on its own, in the file's integer scale, then rounded and clamped.
 *
 * Near the border the kernel reaches into the zero padding, so the outermost ~F/2 output
 * pixels are darker than the interpolation would give with edge replication: that is the
 * transposed convolution's own behaviour, kept so the tool shows what the operation does.
 */
#include "upsample.h"

#include "args.h"
#include "cli.h"
#include "pngfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_POSITIONAL 2
#define PNG_MAX_SIDE 0x7fffffffLL /* PNG stores widths and heights in 31 bits */

static const char upsample_usage[] =
    "usage: tconv upsample IN.png OUT.png --scale F [--device auto|cpu|cuda]\n"
    "Scales IN.png up by the integer F >= 1 (bilinear, as a depthwise transposed convolution)\n"
    "and writes OUT.png with the same colour type and bit depth. Palette and 1/2/4-bit grey\n"
    "images are expanded to 8 bits (RGB, RGBA with transparency, grey); a tRNS chunk becomes\n"
    "an alpha channel.\n";

typedef struct upsample_options {
  const char *in, *out, *scale, *device;
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
  const args_option options[] = {{"scale", &uo->scale, NULL}, {"device", &uo->device, NULL}};
  char err[CLI_ERR_SIZE];
  if (args_parse(n_opts, opts, options, 2, err, sizeof err) != ARGS_OK)
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

/* The problem: x (1, C, H, W), bilinear w (C, 1, k, k), params, y's dims from the library.
 * Returns 0 or an exit code. */
static int set_up(const pngfile_image *img, int64_t f, cli_tensor *x, cli_tensor *w, cli_tensor *y,
                  tconv_params *params) {
  const int64_t k = 2 * f - f % 2, c = img->channels;
  *params = tconv_params_default(2);
  tconv_params_set_uniform(params, f, f / 2, 1, 0); /* f / 2 == ceil((f - 1) / 2) */
  params->groups = c;
  *x = (cli_tensor){4, {1, c, img->height, img->width, 0}, img->data};
  *w = (cli_tensor){4, {c, 1, k, k, 0}, NULL};
  *y = (cli_tensor){4, {0}, NULL};
  tconv_status st = tconv_transpose_output_shape(params, x->dims, w->dims, y->dims);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  /* The construction's promise; a different size would mean a wrong k or padding here. */
  if (y->dims[2] != img->height * f || y->dims[3] != img->width * f)
    return cli_fail(CLI_EXIT_RUNTIME, "internal: output %lldx%lld is not %lld times %lldx%lld",
                    (long long)y->dims[3], (long long)y->dims[2], (long long)f,
                    (long long)img->width, (long long)img->height);
  if (y->dims[2] > PNG_MAX_SIDE || y->dims[3] > PNG_MAX_SIDE)
    return cli_fail(CLI_EXIT_USAGE,
                    "--scale %lld: the output (%lldx%lld) exceeds PNG's limit of "
                    "%lld pixels per side",
                    (long long)f, (long long)y->dims[3], (long long)y->dims[2], PNG_MAX_SIDE);
  size_t w_bytes = cli_tensor_bytes(w), y_bytes = cli_tensor_bytes(y);
  if (w_bytes == 0 || y_bytes == 0)
    return cli_fail(CLI_EXIT_USAGE, "--scale %lld: the output is too large for this machine",
                    (long long)f);
  w->data = malloc(w_bytes);
  y->data = malloc(y_bytes);
  if (w->data == NULL || y->data == NULL)
    return cli_fail(CLI_EXIT_RUNTIME, "out of memory for a %lldx%lld output", (long long)y->dims[3],
                    (long long)y->dims[2]);
  st = tconv_bilinear_kernel(2, f, c, w->data, (int64_t)(w_bytes / sizeof(float)));
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  return 0;
}

int cli_upsample(int argc, char **argv) {
  upsample_options uo = {NULL, NULL, NULL, NULL};
  int rc = parse(argc, argv, &uo);
  if (rc != 0)
    return rc < 0 ? 0 : rc;
  char err[CLI_ERR_SIZE];
  int64_t f;
  tconv_backend backend = TCONV_BACKEND_AUTO;
  if (args_int("scale", uo.scale, &f, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  if (f < 1)
    return cli_fail(CLI_EXIT_USAGE, "--scale: %lld must be an integer >= 1", (long long)f);
  /* Far beyond any image's use, and keeps 2F and F*side well inside int64_t. */
  if (f > 1 << 20)
    return cli_fail(CLI_EXIT_USAGE, "--scale: %lld is too large (at most %d)", (long long)f,
                    1 << 20);
  if ((rc = cli_parse_device(uo.device, &backend)) != 0)
    return rc;

  pngfile_image in, out = {0};
  if (pngfile_read(uo.in, &in, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_RUNTIME, "%s", err);
  cli_tensor x, w = {0}, y = {0};
  tconv_params params;
  tconv_context *ctx = NULL;
  rc = set_up(&in, f, &x, &w, &y, &params);
  if (rc == 0)
    rc = cli_open_context(backend, &ctx);
  double elapsed = 0;
  if (rc == 0) {
    double start = seconds_now();
    tconv_status st = cli_forward(ctx, TCONV_OP_TRANSPOSE, &params, TCONV_ALGO_AUTO, &x, &w, NULL,
                                  &y, err, sizeof err);
    elapsed = seconds_now() - start;
    if (st != TCONV_STATUS_OK)
      rc = cli_fail_status(st, err);
  }
  if (rc == 0) {
    out = (pngfile_image){y.dims[3], y.dims[2], in.channels, in.bit_depth, y.data};
    if (pngfile_write(uo.out, &out, err, sizeof err) != 0)
      rc = cli_fail(CLI_EXIT_RUNTIME, "%s", err);
  }
  if (rc == 0)
    printf("%s: %lldx%lld %s %d-bit -> %s: %lldx%lld (scale %lld: bilinear kernel %lldx%lld, "
           "stride %lld, padding %lld, %d groups) on %s in %.3f ms\n",
           uo.in, (long long)in.width, (long long)in.height, pngfile_colour_name(in.channels),
           in.bit_depth, uo.out, (long long)out.width, (long long)out.height, (long long)f,
           (long long)w.dims[2], (long long)w.dims[3], (long long)f, (long long)(f / 2),
           in.channels, tconv_context_backend(ctx) == TCONV_BACKEND_CUDA ? "cuda" : "cpu",
           1e3 * elapsed);
  tconv_context_destroy(ctx);
  free(w.data);
  free(y.data);
  pngfile_free(&in);
  return rc;
}
