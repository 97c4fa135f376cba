/*
 * context.c - contexts: which backend (CPU or CUDA), which device, which stream.
 * All CUDA work goes through cuda/launch.h, so this file needs no CUDA headers.
 */
#include "internal.h"
#include "launch.h"
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tconv_status tconv_cuda_probe(char *reason, size_t reason_size) {
  char local[TCONV_ERROR_CAPACITY];
  tconv_status status = tconv_cuda_probe_device(0, local, sizeof local);
  if (status != TCONV_STATUS_OK && reason != NULL && reason_size > 0)
    snprintf(reason, reason_size, "%s", local);
  return status;
}

tconv_status tconv_context_create(tconv_backend backend, int device, tconv_context **ctx) {
  tconv_clear_error(NULL);
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "context create: ctx is NULL");
  *ctx = NULL;
  const tconv_status valid =
      tconv_check_enum(NULL, &tconv_backend_names, "context create", (int)backend);
  if (valid != TCONV_STATUS_OK)
    return valid;
  if (device < 0)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "context create: device %d is negative",
                      device);
  if (backend == TCONV_BACKEND_CPU && device != 0)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "context create: device %d given for the CPU backend, which has only "
                      "device 0",
                      device);

  char reason[TCONV_ERROR_CAPACITY / 2] = ""; /* leaves room for the sentence around it */
  int threads = 1;
  if (tconv_cpu_default_threads(&threads, reason, sizeof reason) != TCONV_STATUS_OK)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "context create: %s", reason);
  tconv_backend chosen = TCONV_BACKEND_CPU;
  if (backend != TCONV_BACKEND_CPU) {
    const tconv_status probe = tconv_cuda_probe_device(device, reason, sizeof reason);
    if (probe == TCONV_STATUS_OK)
      chosen = TCONV_BACKEND_CUDA;
    else if (backend == TCONV_BACKEND_CUDA)
      return tconv_fail(NULL, probe, "context create: CUDA device %d: %s", device, reason);
  }

  tconv_context *c = calloc(1, sizeof *c);
  if (c == NULL)
    return tconv_fail(NULL, TCONV_STATUS_OUT_OF_MEMORY,
                      "context create: cannot allocate the context");
  c->backend = chosen;
  c->device = chosen == TCONV_BACKEND_CUDA ? device : 0;
  c->stream = NULL;
  c->threads = threads;
  const char *verify = getenv("TCONV_VERIFY");
  c->verify = verify != NULL && strcmp(verify, "1") == 0;
  c->verify_tolerance = TCONV_VERIFY_DEFAULT_TOLERANCE;
  if (backend == TCONV_BACKEND_AUTO && chosen == TCONV_BACKEND_CPU)
    snprintf(c->last_error, sizeof c->last_error, "AUTO chose the CPU backend: CUDA device %d: %s",
             device, reason);
  /* The cuBLAS handle is made here, not in the first forward call, which must not stall. */
  if (chosen == TCONV_BACKEND_CUDA) {
    const tconv_status status = tconv_cuda_context_init(c);
    if (status != TCONV_STATUS_OK) {
      tconv_cuda_context_release(c);
      free(c);
      return status;
    }
  }
  *ctx = c;
  return TCONV_STATUS_OK;
}

void tconv_context_destroy(tconv_context *ctx) {
  if (ctx != NULL && ctx->backend == TCONV_BACKEND_CUDA)
    tconv_cuda_context_release(ctx);
  if (ctx != NULL)
    tconv_cpu_release(ctx);
  free(ctx);
}

tconv_backend tconv_context_backend(const tconv_context *ctx) {
  return ctx != NULL ? ctx->backend : TCONV_BACKEND_CPU;
}

int tconv_context_device(const tconv_context *ctx) { return ctx != NULL ? ctx->device : 0; }

tconv_status tconv_context_set_stream(tconv_context *ctx, void *stream) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "set stream: ctx is NULL");
  tconv_clear_error(ctx);
  if (ctx->backend == TCONV_BACKEND_CPU) {
    if (stream != NULL)
      return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                        "set stream: stream must be NULL on the CPU backend");
    return TCONV_STATUS_OK;
  }
  return tconv_cuda_set_stream(ctx, stream);
}

void *tconv_context_stream(const tconv_context *ctx) { return ctx != NULL ? ctx->stream : NULL; }

tconv_status tconv_context_synchronize(tconv_context *ctx) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "synchronize: ctx is NULL");
  tconv_clear_error(ctx);
  return ctx->backend == TCONV_BACKEND_CUDA ? tconv_cuda_synchronize(ctx) : TCONV_STATUS_OK;
}

const char *tconv_context_last_error(const tconv_context *ctx) {
  return ctx != NULL ? ctx->last_error : "context is NULL";
}

tconv_status tconv_context_set_verify(tconv_context *ctx, int enabled, double tolerance) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "set verify: ctx is NULL");
  tconv_clear_error(ctx);
  if (enabled != 0 && enabled != 1)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "set verify: enabled is %d, not 0 or 1",
                      enabled);
  if (tolerance != tolerance) /* NaN */
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "set verify: tolerance is NaN");
  ctx->verify = enabled;
  ctx->verify_tolerance = tolerance > 0 ? tolerance : TCONV_VERIFY_DEFAULT_TOLERANCE;
  return TCONV_STATUS_OK;
}

int tconv_context_verify(const tconv_context *ctx) { return ctx != NULL ? ctx->verify : 0; }

tconv_status tconv_context_set_threads(tconv_context *ctx, int threads) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "set threads: ctx is NULL");
  tconv_clear_error(ctx);
  if (threads < 0 || threads > TCONV_MAX_THREADS)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "set threads: threads %d is not 0 (the default) or 1 to %d", threads,
                      TCONV_MAX_THREADS);
  if (threads == 0) {
    char why[TCONV_ERROR_CAPACITY / 2];
    const tconv_status status = tconv_cpu_default_threads(&threads, why, sizeof why);
    if (status != TCONV_STATUS_OK)
      return tconv_fail(ctx, status, "set threads: %s", why);
  }
  ctx->threads = threads;
  return TCONV_STATUS_OK;
}

int tconv_context_threads(const tconv_context *ctx) { return ctx != NULL ? ctx->threads : 0; }
