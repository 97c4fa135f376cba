/*
 * storage.c - the dtype and layout side of validation (DESIGN §6): a tensor descriptor's
 * dtype and layout values, one dtype per call, and the problem's storage fields; the
 * problem from tensor descriptors for the queries that take them. validate.c's checks of the
 * forward calls start from tconv_check_storage.
 */
#include "internal.h"

#define FAIL(status, ...) tconv_fail(ctx, (status), __VA_ARGS__)

/* A tensor descriptor's rank, dtype and layout; its dtype must be `dtype` (x's) unless that
 * is the tensor itself. */
tconv_status tconv_check_storage(tconv_context *ctx, const char *label, const char *name,
                                 const tconv_tensor *t, int rank, const tconv_tensor *x) {
  if (t == NULL)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", label, name);
  if (t->rank != rank)
    return FAIL(TCONV_STATUS_SHAPE_MISMATCH, "%s: %s has rank %d but must have rank %d", label,
                name, t->rank, rank);
  char list[TCONV_ENUM_LIST_CAPACITY];
  if ((unsigned)t->dtype >= TCONV_DTYPE_COUNT)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: %s has dtype %d, which is not %s", label, name,
                (int)t->dtype, tconv_enum_list(&tconv_dtype_names, 1, list, sizeof list));
  if ((unsigned)t->layout >= TCONV_LAYOUT_COUNT)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT, "%s: %s has layout %d, which is not %s", label, name,
                (int)t->layout, tconv_enum_list(&tconv_layout_names, 1, list, sizeof list));
  if (t != x && t->dtype != x->dtype)
    return FAIL(TCONV_STATUS_INVALID_ARGUMENT,
                "%s: %s has dtype %s but x has %s; x, w, bias and y of one call share one dtype",
                label, name, tconv_dtype_name(t->dtype), tconv_dtype_name(x->dtype));
  return TCONV_STATUS_OK;
}

void tconv_problem_set_storage(tconv_problem *pr, const tconv_tensor *x, const tconv_tensor *w,
                               const tconv_tensor *y) {
  pr->dtype = x->dtype;
  pr->x_layout = x->layout;
  pr->w_layout = w->layout;
  pr->y_layout = y != NULL ? y->layout : x->layout;
}

tconv_status tconv_problem_init_tensors(tconv_context *ctx, tconv_problem *pr, tconv_op op,
                                        const tconv_params *params, const tconv_tensor *x,
                                        const tconv_tensor *w, const tconv_tensor *y) {
  /* Parameters first, as the shape queries and the forward calls order their checks. */
  tconv_status status = tconv_problem_init(ctx, pr, op, params, x != NULL ? x->dims : NULL,
                                           w != NULL ? w->dims : NULL);
  if (status != TCONV_STATUS_OK)
    return status;
  const char *label = tconv_op_label(op);
  const int rank = params->spatial_rank + 2;
  if ((status = tconv_check_storage(ctx, label, "x", x, rank, x)) != TCONV_STATUS_OK ||
      (status = tconv_check_storage(ctx, label, "w", w, rank, x)) != TCONV_STATUS_OK ||
      (y != NULL && (status = tconv_check_storage(ctx, label, "y", y, rank, x)) != TCONV_STATUS_OK))
    return status;
  tconv_problem_set_storage(pr, x, w, y);
  return y != NULL ? tconv_problem_check_y_dims(ctx, pr, label, y->dims) : TCONV_STATUS_OK;
}
