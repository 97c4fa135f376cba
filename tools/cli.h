/*
 * cli.h - what the files of the tconv command-line tool share: exit codes, error printing,
 * and running one problem through a context (host arrays in, host array out). Nothing here
 * depends on tconv.c, which holds the tool's only main().
 */
#ifndef TCONV_CLI_H
#define TCONV_CLI_H

#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

#define CLI_EXIT_RUNTIME 1 /* unreadable file, no device, CUDA error, out of memory */
#define CLI_EXIT_USAGE 2   /* bad arguments or parameters the library rejects as invalid */
#define CLI_ERR_SIZE 1024

/* Prints "tconv: error: <sentence>" to stderr and returns code, for `return cli_fail(..)`. */
int cli_fail(int code, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The exit code for a library status: 2 for INVALID_ARGUMENT, SHAPE_MISMATCH, UNSUPPORTED and
 * SIZE_OVERFLOW (the caller's parameters: UNSUPPORTED is an algorithm, padding mode or
 * combination the library does not take, which other arguments fix), 1 for the rest (the
 * machine's trouble, and VERIFY_MISMATCH: a wrong result), 0 for OK. */
int cli_exit_code(tconv_status status);
/* cli_fail() with the library's sentence (or the status message when it left none). */
int cli_fail_status(tconv_status status, const char *sentence);

/* --device auto|cpu|cuda (NULL: auto) into *backend. Returns 0, or exit code 2 with the
 * error printed. */
int cli_parse_device(const char *device, tconv_backend *backend);
/* A context on backend (device 0); with auto, says on stderr why CUDA was not used. Returns
 * 0, or an exit code with the error printed. */
int cli_open_context(tconv_backend backend, tconv_context **ctx);

/* A dense array in host memory with its logical dims: float32 channels-first, or as a
 * cli_storage says. */
typedef struct cli_tensor {
  int rank;
  int64_t dims[TCONV_MAX_RANK];
  void *data;
} cli_tensor;

/* How the tensors of one call are stored: one dtype, a layout for each of x, w and y (the
 * bias is a plain vector). */
typedef struct cli_storage {
  tconv_dtype dtype;
  tconv_layout x, w, y;
} cli_storage;

/* --dtype, --layout and --math (each NULL: float32, nchw, strict) by the library's names.
 * Returns 0, or exit code 2 with the error printed. */
int cli_parse_storage(const char *dtype, const char *layout, const char *math,
                      tconv_dtype *dtype_out, tconv_layout *layout_out, tconv_math *math_out);

/* Bytes of t's float32 data; 0 when the count is negative or does not fit in size_t. */
size_t cli_tensor_bytes(const cli_tensor *t);
/* The same for elements of `dtype`. */
size_t cli_tensor_bytes_of(const cli_tensor *t, tconv_dtype dtype);

/* y = op(x, w) + bias on ctx: buffers, upload, workspace, forward, synchronize, download.
 * bias may be NULL; y->dims must be set and y->data hold them. On failure copies the
 * library's sentence to err before the cleanup calls can replace it. */
tconv_status cli_forward(tconv_context *ctx, tconv_op op, const tconv_params *params,
                         tconv_algo algo, const cli_tensor *x, const cli_tensor *w,
                         const cli_tensor *bias, cli_tensor *y, char *err, size_t err_size);
/* cli_forward on tensors stored as `storage` says. */
tconv_status cli_forward_typed(tconv_context *ctx, tconv_op op, const tconv_params *params,
                               tconv_algo algo, const cli_storage *storage, const cli_tensor *x,
                               const cli_tensor *w, const cli_tensor *bias, cli_tensor *y,
                               char *err, size_t err_size);

/* `tconv demo`: the worked examples through the library; returns the exit code. */
int cli_demo(void);

#endif /* TCONV_CLI_H */
