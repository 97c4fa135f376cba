/*
 * validate.c - the checks of a forward call before anything runs: every tensor's rank,
 * dtype and layout (storage.c), buffer, alignment and extent; the problem they describe
 * (shape.c); the bias; no output byte shared with an input, no workspace byte shared with a
 * tensor. Which algorithm may run is dispatch.c's question.
 */
#include "internal.h"
#include "elements.h"

#include <stdint.h>

#define FAIL(status, ...) tconv_fail(ctx, (status), __VA_ARGS__)

/* Rank, dtype, layout, buffer ownership, alignment and extent of one tensor. */
static tconv_status check_tensor(tconv_context *ctx, const char *label, const char *name,
                                 const tconv_tensor *t, int rank, const tconv_tensor *x) {
  const tconv_status status = tconv_check_storage(ctx, label, name, t, rank, x);
  if (status != TCONV_STATUS_OK)
    return status;
  const size_t esize = tconv_element_size(t->dtype);
  if (t->buffer == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: %s has no buffer", label, name);
  if (t->buffer->ctx != ctx)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: %s's buffer belongs to another context (backend %s)", label, name,
                tconv_backend_names.constants[t->buffer->ctx->backend]);
  if (t->offset % esize != 0)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: %s's byte offset %zu is not a multiple of %zu (the size of a %s)", label, name,
                t->offset, esize, tconv_dtype_name(t->dtype));
  if ((uintptr_t)t->buffer->data % esize != 0)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: %s's buffer starts at %p, which is not %zu-byte aligned (a wrapped pointer)",
                label, name, t->buffer->data, esize);
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    if (t->dims[i] < 1)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: %s dimension %d is %lld; sizes must be >= 1",
                  label, name, i, (long long)t->dims[i]);
    if (tconv_mul_i64(count, t->dims[i], &count))
      return FAIL(TCONV_STATUS_SIZE_OVERFLOW, "%s: %s's element count overflows int64", label,
                  name);
  }
  const size_t bytes = t->buffer->bytes;
  if ((uint64_t)count > SIZE_MAX / esize || t->offset > bytes ||
      (size_t)count * esize > bytes - t->offset)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: %s needs %lld elements of %zu bytes at offset %zu but its buffer holds %zu "
                "bytes",
                label, name, (long long)count, esize, t->offset, bytes);
  return TCONV_STATUS_OK;
}

/* The bytes a tensor of `count` elements occupies, as absolute addresses: two tensors in
 * different buffers still share memory when the buffers wrap one allocation, and on CUDA the
 * unified address space makes device addresses comparable in the same way. */
typedef struct byte_range {
  uintptr_t begin, end;
} byte_range;

static byte_range tensor_bytes(const tconv_tensor *t, int64_t count) {
  const uintptr_t begin = (uintptr_t)t->buffer->data + t->offset;
  return (byte_range){begin, begin + (uintptr_t)count * tconv_element_size(t->dtype)};
}

static int ranges_overlap(byte_range a, byte_range b) { return a.begin < b.end && b.begin < a.end; }

/* Index of the first of others[0, count) that r overlaps, or -1. */
static int first_overlap(byte_range r, const byte_range *others, int count) {
  for (int i = 0; i < count; ++i)
    if (ranges_overlap(r, others[i]))
      return i;
  return -1;
}

tconv_status tconv_validate_forward(tconv_context *ctx, tconv_problem *pr, tconv_op op,
                                    const tconv_params *params, const tconv_tensor *x,
                                    const tconv_tensor *w, const tconv_tensor *bias,
                                    const tconv_tensor *y, const tconv_buffer *workspace) {
  const char *label = tconv_op_label(op);
  if (params == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: params is NULL", label);
  tconv_status status = tconv_check_params(ctx, op, params);
  if (status != TCONV_STATUS_OK)
    return status;
  const int rank = params->spatial_rank + 2;
  if ((status = check_tensor(ctx, label, "x", x, rank, x)) != TCONV_STATUS_OK ||
      (status = check_tensor(ctx, label, "w", w, rank, x)) != TCONV_STATUS_OK ||
      (status = check_tensor(ctx, label, "y", y, rank, x)) != TCONV_STATUS_OK ||
      (bias != NULL && (status = check_tensor(ctx, label, "bias", bias, 1, x)) != TCONV_STATUS_OK))
    return status;
  if ((status = tconv_problem_resolve(ctx, pr, op, params, x->dims, w->dims)) != TCONV_STATUS_OK ||
      (status = tconv_problem_check_y_dims(ctx, pr, label, y->dims)) != TCONV_STATUS_OK)
    return status;
  tconv_problem_set_storage(pr, x, w, y);
  if (bias != NULL && bias->dims[0] != pr->cout)
    return FAIL(TCONV_STATUS_SHAPE_MISMATCH,
                "%s: bias has %lld elements but there are %lld output channels", label,
                (long long)bias->dims[0], (long long)pr->cout);
  /* y must not share a byte with an input (the inputs may share memory among themselves:
   * they are only read), nor the workspace with any tensor. */
  if (workspace != NULL && workspace->ctx != ctx)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: workspace belongs to another context", label);
  static const char *const names[4] = {"x", "w", "bias", "y"};
  const byte_range ranges[4] = {tensor_bytes(x, pr->x_count), tensor_bytes(w, pr->w_count),
                                bias != NULL ? tensor_bytes(bias, pr->cout) : (byte_range){0, 0},
                                tensor_bytes(y, pr->y_count)};
  int hit = first_overlap(ranges[3], ranges, 3);
  if (hit >= 0)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: y overlaps %s (y occupies bytes [%p, %p), %s [%p, %p))", label, names[hit],
                (void *)ranges[3].begin, (void *)ranges[3].end, names[hit],
                (void *)ranges[hit].begin, (void *)ranges[hit].end);
  if (workspace != NULL) {
    const uintptr_t w0 = (uintptr_t)workspace->data;
    if ((hit = first_overlap((byte_range){w0, w0 + workspace->bytes}, ranges, 4)) >= 0)
      return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: the workspace overlaps %s", label,
                  names[hit]);
  }
  return TCONV_STATUS_OK;
}
