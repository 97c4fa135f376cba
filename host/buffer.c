/*
 * buffer.c - memory owned by a context: host memory on the CPU backend, device memory on
 * CUDA; created here or wrapped from the caller; copies to and from host memory.
 */
#include "internal.h"
#include "launch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static tconv_status buffer_new(tconv_context *ctx, void *data, size_t bytes, int owned,
                               tconv_buffer **buffer) {
  tconv_buffer *b = calloc(1, sizeof *b);
  if (b == NULL)
    return tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY, "buffer: cannot allocate the handle");
  b->ctx = ctx;
  b->data = data;
  b->bytes = bytes;
  b->owned = owned;
  *buffer = b;
  return TCONV_STATUS_OK;
}

tconv_status tconv_buffer_create(tconv_context *ctx, size_t bytes, tconv_buffer **buffer) {
  if (buffer != NULL) /* the handle is NULL after any failure, as tconv.h promises */
    *buffer = NULL;
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "buffer create: ctx is NULL");
  tconv_clear_error(ctx);
  if (buffer == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "buffer create: buffer is NULL");
  if (bytes == 0)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "buffer create: bytes is 0");

  void *data = NULL;
  if (ctx->backend == TCONV_BACKEND_CUDA) {
    tconv_status status = tconv_cuda_malloc(ctx, bytes, &data);
    if (status != TCONV_STATUS_OK)
      return status;
  } else {
    /* 64-byte alignment matches what cudaMalloc gives at least, so offsets behave alike. */
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded < bytes || (data = aligned_alloc(64, rounded)) == NULL)
      return tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY,
                        "buffer create: cannot allocate %zu bytes of host memory", bytes);
  }
  tconv_status status = buffer_new(ctx, data, bytes, 1, buffer);
  if (status != TCONV_STATUS_OK) {
    if (ctx->backend == TCONV_BACKEND_CUDA)
      tconv_cuda_free(ctx, data);
    else
      free(data);
  }
  return status;
}

tconv_status tconv_buffer_wrap(tconv_context *ctx, void *data, size_t bytes,
                               tconv_buffer **buffer) {
  if (buffer != NULL)
    *buffer = NULL;
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "buffer wrap: ctx is NULL");
  tconv_clear_error(ctx);
  if (buffer == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "buffer wrap: buffer is NULL");
  if (data == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "buffer wrap: data is NULL");
  if (bytes == 0)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "buffer wrap: bytes is 0");
  if (bytes > UINTPTR_MAX - (uintptr_t)data)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "buffer wrap: %zu bytes from %p run past the end of the address space", bytes,
                      data);
  /* A pointer the device cannot use is found here, not by a kernel's fault, which would lose
   * the device for the whole process. */
  if (ctx->backend == TCONV_BACKEND_CUDA) {
    const tconv_status status = tconv_cuda_check_wrap(ctx, data, bytes);
    if (status != TCONV_STATUS_OK)
      return status;
  }
  return buffer_new(ctx, data, bytes, 0, buffer);
}

void tconv_buffer_destroy(tconv_buffer *buffer) {
  if (buffer == NULL)
    return;
  if (buffer->owned) {
    if (buffer->ctx->backend == TCONV_BACKEND_CUDA)
      tconv_cuda_free(buffer->ctx, buffer->data);
    else
      free(buffer->data);
  }
  free(buffer);
}

/* The checks upload and download share: the buffer belongs to ctx, the range fits. */
static tconv_status check_copy(tconv_context *ctx, const tconv_buffer *buffer, size_t offset,
                               const void *host, size_t bytes, const char *what,
                               const char *host_name) {
  if (buffer == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: buffer is NULL", what);
  if (buffer->ctx != ctx)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: buffer belongs to another context",
                      what);
  if (host == NULL && bytes > 0)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", what, host_name);
  if (offset > buffer->bytes || bytes > buffer->bytes - offset)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "%s: range [%zu, %zu + %zu) exceeds the buffer's %zu bytes", what, offset,
                      offset, bytes, buffer->bytes);
  return TCONV_STATUS_OK;
}

tconv_status tconv_buffer_upload(tconv_context *ctx, tconv_buffer *buffer, size_t offset,
                                 const void *src, size_t bytes) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "buffer upload: ctx is NULL");
  tconv_clear_error(ctx);
  tconv_status status = check_copy(ctx, buffer, offset, src, bytes, "buffer upload", "src");
  if (status != TCONV_STATUS_OK || bytes == 0)
    return status;
  char *dst = (char *)buffer->data + offset;
  if (ctx->backend == TCONV_BACKEND_CUDA)
    return tconv_cuda_upload(ctx, dst, src, bytes);
  memcpy(dst, src, bytes);
  return TCONV_STATUS_OK;
}

tconv_status tconv_buffer_download(tconv_context *ctx, const tconv_buffer *buffer, size_t offset,
                                   void *dst, size_t bytes) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "buffer download: ctx is NULL");
  tconv_clear_error(ctx);
  tconv_status status = check_copy(ctx, buffer, offset, dst, bytes, "buffer download", "dst");
  if (status != TCONV_STATUS_OK || bytes == 0)
    return status;
  const char *src = (const char *)buffer->data + offset;
  if (ctx->backend == TCONV_BACKEND_CUDA)
    return tconv_cuda_download(ctx, dst, src, bytes);
  memcpy(dst, src, bytes);
  return TCONV_STATUS_OK;
}

void *tconv_buffer_data(const tconv_buffer *buffer) { return buffer != NULL ? buffer->data : NULL; }

size_t tconv_buffer_size(const tconv_buffer *buffer) { return buffer != NULL ? buffer->bytes : 0; }
