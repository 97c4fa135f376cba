/*
 * status.c - status names and messages (generated from TCONV_STATUS_LIST), the per-context
 * and per-thread last-error sentences, and the version functions.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char thread_last_error[TCONV_ERROR_CAPACITY];

static const char *const status_names[] = {
#define TCONV_STATUS_NAME_(name, message) "TCONV_STATUS_" #name,
    TCONV_STATUS_LIST(TCONV_STATUS_NAME_)
#undef TCONV_STATUS_NAME_
};

static const char *const status_messages[] = {
#define TCONV_STATUS_MESSAGE_(name, message) message,
    TCONV_STATUS_LIST(TCONV_STATUS_MESSAGE_)
#undef TCONV_STATUS_MESSAGE_
};

static int status_in_range(tconv_status status) {
  return (int)status >= 0 && (int)status < (int)TCONV_STATUS_COUNT_;
}

const char *tconv_status_name(tconv_status status) {
  return status_in_range(status) ? status_names[status] : "TCONV_STATUS_UNKNOWN";
}

const char *tconv_status_string(tconv_status status) {
  return status_in_range(status) ? status_messages[status] : "unknown status";
}

const char *tconv_last_error(void) { return thread_last_error; }

tconv_status tconv_failv(tconv_context *ctx, tconv_status status, const char *format,
                         va_list args) {
  vsnprintf(thread_last_error, sizeof thread_last_error, format, args);
  if (ctx != NULL)
    memcpy(ctx->last_error, thread_last_error, sizeof ctx->last_error);
  return status;
}

tconv_status tconv_fail(tconv_context *ctx, tconv_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  tconv_failv(ctx, status, format, args);
  va_end(args);
  return status;
}

void tconv_clear_error(tconv_context *ctx) {
  thread_last_error[0] = '\0';
  if (ctx != NULL)
    ctx->last_error[0] = '\0';
}

unsigned tconv_version_number(void) { return TCONV_VERSION_NUMBER; }

const char *tconv_version_string(void) { return TCONV_VERSION_STRING; }
