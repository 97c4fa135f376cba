/*
 * cli.c - the tool's shared helpers (see cli.h): error printing, the status to exit code
 * mapping, --device and the context, and one forward computation through the public API.
 */
#include "cli.h"
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_fail(int code, const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("tconv: error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  return code;
}

static const char *dtype_name(int v) { return tconv_dtype_name((tconv_dtype)v); }
static const char *layout_name(int v) { return tconv_layout_name((tconv_layout)v); }
static const char *math_name(int v) { return tconv_math_name((tconv_math)v); }

/* One of the library's names for the option's values (NULL: the first). 0, or exit code 2
 * with the error printed. */
static int parse_named(const char *option, const char *text, args_name_fn name, int count,
                       int *value) {
  char err[CLI_ERR_SIZE];
  *value = 0;
  if (text != NULL && args_named(option, text, name, count, value, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  return 0;
}

int cli_parse_storage(const char *dtype, const char *layout, const char *math,
                      tconv_dtype *dtype_out, tconv_layout *layout_out, tconv_math *math_out) {
  int dt, lay, mm, rc;
  if ((rc = parse_named("dtype", dtype, dtype_name, TCONV_DTYPE_COUNT, &dt)) != 0 ||
      (rc = parse_named("layout", layout, layout_name, TCONV_LAYOUT_COUNT, &lay)) != 0 ||
      (rc = parse_named("math", math, math_name, TCONV_MATH_COUNT, &mm)) != 0)
    return rc;
  *dtype_out = (tconv_dtype)dt;
  *layout_out = (tconv_layout)lay;
  *math_out = (tconv_math)mm;
  return 0;
}

int cli_exit_code(tconv_status status) {
  switch (status) {
  case TCONV_STATUS_OK:
    return 0;
  case TCONV_STATUS_INVALID_ARGUMENT:
  case TCONV_STATUS_SHAPE_MISMATCH:
  case TCONV_STATUS_UNSUPPORTED:
  case TCONV_STATUS_SIZE_OVERFLOW:
    return CLI_EXIT_USAGE;
  case TCONV_STATUS_VERIFY_MISMATCH:
    return CLI_EXIT_RUNTIME;
  default:
    return CLI_EXIT_RUNTIME;
  }
}

int cli_fail_status(tconv_status status, const char *sentence) {
  if (sentence == NULL || sentence[0] == '\0')
    sentence = tconv_status_string(status);
  return cli_fail(cli_exit_code(status), "%s", sentence);
}

static const char *backend_name(int v) { return tconv_backend_name((tconv_backend)v); }

int cli_parse_device(const char *device, tconv_backend *backend) {
  char err[CLI_ERR_SIZE];
  int v = TCONV_BACKEND_AUTO;
  if (device != NULL &&
      args_named("device", device, backend_name, TCONV_BACKEND_COUNT, &v, err, sizeof err) != 0)
    return cli_fail(CLI_EXIT_USAGE, "%s", err);
  *backend = (tconv_backend)v;
  return 0;
}

int cli_open_context(tconv_backend backend, tconv_context **ctx) {
  tconv_status st = tconv_context_create(backend, 0, ctx);
  if (st != TCONV_STATUS_OK)
    return cli_fail_status(st, tconv_last_error());
  if (backend == TCONV_BACKEND_AUTO && tconv_context_backend(*ctx) == TCONV_BACKEND_CPU &&
      tconv_context_last_error(*ctx)[0] != '\0')
    fprintf(stderr, "tconv: note: running on the CPU: %s\n", tconv_context_last_error(*ctx));
  return 0;
}

size_t cli_tensor_bytes(const cli_tensor *t) { return cli_tensor_bytes_of(t, TCONV_DTYPE_FLOAT32); }

size_t cli_tensor_bytes_of(const cli_tensor *t, tconv_dtype dtype) {
  const size_t esize = tconv_dtype_size(dtype);
  uint64_t count = 1;
  for (int i = 0; i < t->rank; i++) {
    if (t->dims[i] < 0 || __builtin_mul_overflow(count, (uint64_t)t->dims[i], &count))
      return 0;
  }
  if (esize == 0 || count > SIZE_MAX / esize)
    return 0;
  return (size_t)count * esize;
}

tconv_status cli_forward(tconv_context *ctx, tconv_op op, const tconv_params *params,
                         tconv_algo algo, const cli_tensor *x, const cli_tensor *w,
                         const cli_tensor *bias, cli_tensor *y, char *err, size_t err_size) {
  static const cli_storage float32_nchw = {TCONV_DTYPE_FLOAT32, TCONV_LAYOUT_NCHW,
                                           TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NCHW};
  return cli_forward_typed(ctx, op, params, algo, &float32_nchw, x, w, bias, y, err, err_size);
}

tconv_status cli_forward_typed(tconv_context *ctx, tconv_op op, const tconv_params *params,
                               tconv_algo algo, const cli_storage *storage, const cli_tensor *x,
                               const cli_tensor *w, const cli_tensor *bias, cli_tensor *y,
                               char *err, size_t err_size) {
  const cli_tensor *host[4] = {x, w, bias, y};
  const tconv_layout layouts[4] = {storage->x, storage->w, TCONV_LAYOUT_NCHW, storage->y};
  tconv_buffer *buffer[4] = {NULL, NULL, NULL, NULL};
  tconv_tensor tensor[4];
  tconv_buffer *workspace = NULL;
  tconv_status st = TCONV_STATUS_OK;
  for (int i = 0; i < 4 && st == TCONV_STATUS_OK; i++) {
    if (host[i] == NULL)
      continue;
    size_t bytes = cli_tensor_bytes_of(host[i], storage->dtype);
    /* Empty or unrepresentable shapes still get a buffer, so the forward call is the one
     * that explains what is wrong with them. */
    st = tconv_buffer_create(ctx, bytes > 0 ? bytes : sizeof(float), &buffer[i]);
    if (st == TCONV_STATUS_OK && i < 3 && bytes > 0)
      st = tconv_buffer_upload(ctx, buffer[i], 0, host[i]->data, bytes);
    tensor[i] = tconv_tensor_make_typed(buffer[i], 0, host[i]->rank, host[i]->dims, storage->dtype,
                                        layouts[i]);
  }
  size_t ws_bytes = 0;
  if (st == TCONV_STATUS_OK)
    st = tconv_workspace_size(ctx, op, params, &tensor[0], &tensor[1], &tensor[3], algo, &ws_bytes);
  if (st == TCONV_STATUS_OK && ws_bytes > 0)
    st = tconv_buffer_create(ctx, ws_bytes, &workspace);
  if (st == TCONV_STATUS_OK) {
    const tconv_tensor *b = bias != NULL ? &tensor[2] : NULL;
    st = op == TCONV_OP_CONV ? tconv_conv_forward(ctx, params, &tensor[0], &tensor[1], b,
                                                  &tensor[3], algo, workspace)
                             : tconv_transpose_forward(ctx, params, &tensor[0], &tensor[1], b,
                                                       &tensor[3], algo, workspace);
  }
  if (st == TCONV_STATUS_OK)
    st = tconv_context_synchronize(ctx);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_download(ctx, buffer[3], 0, y->data, cli_tensor_bytes_of(y, storage->dtype));
  if (st != TCONV_STATUS_OK) {
    const char *sentence = tconv_context_last_error(ctx);
    snprintf(err, err_size, "%s", sentence[0] ? sentence : tconv_last_error());
  }
  tconv_buffer_destroy(workspace);
  for (int i = 0; i < 4; i++)
    tconv_buffer_destroy(buffer[i]);
  return st;
}
