/*
 * test_api.c - suite "api": status codes, versions, contexts, buffers, the CPU backend's
 * forward calls against the reference, and every invalid input: its exact status, a last
 * error naming the parameter, and y left untouched.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_status_names_and_messages(void) {
  CU_ASSERT_EQUAL(TCONV_STATUS_OK, 0);
  for (int a = 0; a < TCONV_STATUS_COUNT_; ++a) {
    CU_ASSERT(strncmp(tconv_status_name((tconv_status)a), "TCONV_STATUS_", 13) == 0);
    CU_ASSERT(strlen(tconv_status_string((tconv_status)a)) > 0);
    for (int b = 0; b < a; ++b)
      CU_ASSERT(strcmp(tconv_status_name((tconv_status)a), tconv_status_name((tconv_status)b)));
  }
  CU_ASSERT_STRING_EQUAL(tconv_status_name(TCONV_STATUS_SHAPE_MISMATCH),
                         "TCONV_STATUS_SHAPE_MISMATCH");
  CU_ASSERT_STRING_EQUAL(tconv_status_name((tconv_status)999), "TCONV_STATUS_UNKNOWN");
  CU_ASSERT_STRING_EQUAL(tconv_status_name((tconv_status)-1), "TCONV_STATUS_UNKNOWN");
  CU_ASSERT_STRING_EQUAL(tconv_status_string((tconv_status)999), "unknown status");
}

static void test_version(void) {
  CU_ASSERT_EQUAL(tconv_version_number(), TCONV_VERSION_NUMBER);
  CU_ASSERT_STRING_EQUAL(tconv_version_string(), TCONV_VERSION_STRING);
  char text[32];
  snprintf(text, sizeof text, "%d.%d.%d", TCONV_VERSION_MAJOR, TCONV_VERSION_MINOR,
           TCONV_VERSION_PATCH);
  CU_ASSERT_STRING_EQUAL(tconv_version_string(), text);
}

static void test_context_lifecycle(void) {
  tconv_context *ctx = (tconv_context *)&ctx; /* must be overwritten */
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_backend(ctx), TCONV_BACKEND_CPU);
  CU_ASSERT_EQUAL(tconv_context_device(ctx), 0);
  CU_ASSERT_PTR_NULL(tconv_context_stream(ctx));
  CU_ASSERT_EQUAL(tconv_context_set_stream(ctx, NULL), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_stream(ctx, (void *)&ctx), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "stream"));
  CU_ASSERT_PTR_NULL(tconv_context_stream(ctx));
  CU_ASSERT_EQUAL(tconv_context_synchronize(ctx), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(ctx), "");
  tconv_context_destroy(ctx);
  tconv_context_destroy(NULL);
  tconv_buffer_destroy(NULL);
}

static void test_context_invalid_arguments(void) {
  tconv_context *ctx = (tconv_context *)&ctx;
  CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_CPU, 0, NULL), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_context_create((tconv_backend)7, 0, &ctx), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(ctx);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "backend"));
  CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_CPU, 1, &ctx), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "device"));
  CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_AUTO, -1, &ctx),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "device"));
}

/* Without a usable device, CUDA is refused with the reason and AUTO falls back to the CPU. */
static void test_cuda_availability(void) {
  char reason[256] = "";
  const tconv_status probe = tconv_cuda_probe(reason, sizeof reason);
  tconv_context *ctx = NULL;
  if (probe == TCONV_STATUS_OK) {
    CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(tconv_context_backend(ctx), TCONV_BACKEND_CUDA);
    tconv_context_destroy(ctx);
    return;
  }
  CU_ASSERT_EQUAL(probe, TCONV_STATUS_NO_DEVICE);
  CU_ASSERT(strlen(reason) > 0);
  CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_CUDA, 0, &ctx), TCONV_STATUS_NO_DEVICE);
  CU_ASSERT_PTR_NULL(ctx);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), reason));
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_backend(ctx), TCONV_BACKEND_CPU);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), reason));
  tconv_context_destroy(ctx);
}

static void test_buffers(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  tconv_buffer *b = (tconv_buffer *)&b;
  CU_ASSERT_EQUAL(tconv_buffer_create(ctx, 0, &b), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(b);
  CU_ASSERT_EQUAL(tconv_buffer_create(ctx, 16, NULL), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_buffer_create(NULL, 16, &b), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(ctx, 16, &b), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_size(b), 16);

  const char in[16] = "0123456789abcde";
  char out[16] = {0};
  CU_ASSERT_EQUAL(tconv_buffer_upload(ctx, b, 0, in, 16), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, b, 4, out, 12), TCONV_STATUS_OK);
  CU_ASSERT(memcmp(out, in + 4, 12) == 0);
  CU_ASSERT_EQUAL(tconv_buffer_upload(ctx, b, 8, in, 9), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "exceeds"));
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, b, 17, out, 0), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_buffer_download(ctx, b, 0, NULL, 4), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx), "dst"));
  CU_ASSERT_EQUAL(tconv_buffer_upload(ctx, NULL, 0, in, 4), TCONV_STATUS_INVALID_ARGUMENT);

  float host[4] = {1, 2, 3, 4};
  tconv_buffer *wrapped = NULL;
  CU_ASSERT_EQUAL(tconv_buffer_wrap(ctx, NULL, 16, &wrapped), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_wrap(ctx, host, sizeof host, &wrapped), TCONV_STATUS_OK);
  CU_ASSERT_PTR_EQUAL(tconv_buffer_data(wrapped), host);
  tconv_buffer_destroy(wrapped); /* must not free host */
  CU_ASSERT_EQUAL(host[3], 4);

  tconv_context *other = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &other), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_buffer_upload(other, b, 0, in, 4), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(other), "another context"));
  tconv_context_destroy(other);
  tconv_buffer_destroy(b);
  tconv_context_destroy(ctx);
}

/* ---- forward calls ------------------------------------------------------------------- */

/* A valid transposed (or conv) call on the CPU backend that each invalid case bends once. */
typedef struct {
  tconv_context *ctx, *other;
  tconv_buffer *bx, *bw, *bb, *by, *small, *foreign;
  tconv_op op;
  tconv_params p;
  tconv_tensor x, w, b, y;
  const tconv_tensor *bias;
  tconv_algo algo;
  tconv_buffer *workspace;
  int64_t ny;
} fixture;

#define Y_PATTERN 0x7Fu

static void fixture_setup(fixture *f, tconv_op op) {
  memset(f, 0, sizeof *f);
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &f->ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &f->other), TCONV_STATUS_OK);
  f->op = op;
  f->p = tconv_params_default(2);
  tconv_params_set_uniform(&f->p, 2, 1, 1, op == TCONV_OP_TRANSPOSE);
  f->p.groups = 2;
  const int64_t xd[4] = {2, 4, 3, 5};
  const int64_t wt[4] = {4, 3, 3, 2}, wc[4] = {6, 2, 3, 2};
  const int64_t *wd = op == TCONV_OP_TRANSPOSE ? wt : wc;
  int64_t yd[4];
  CU_ASSERT_EQUAL_FATAL(op == TCONV_OP_TRANSPOSE ? tconv_transpose_output_shape(&f->p, xd, wd, yd)
                                                 : tconv_conv_output_shape(&f->p, xd, wd, yd),
                        TCONV_STATUS_OK);
  const int64_t nx = test_count(4, xd), nw = test_count(4, wd);
  f->ny = test_count(4, yd);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->ctx, (size_t)nx * 4, &f->bx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->ctx, (size_t)nw * 4, &f->bw), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->ctx, 6 * 4, &f->bb), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->ctx, (size_t)f->ny * 4, &f->by), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->ctx, 16, &f->small), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL_FATAL(tconv_buffer_create(f->other, (size_t)nx * 4, &f->foreign),
                        TCONV_STATUS_OK);
  float *data = malloc((size_t)(nx > nw ? nx : nw) * 4);
  test_fill_int(data, nx, -2, 2);
  tconv_buffer_upload(f->ctx, f->bx, 0, data, (size_t)nx * 4);
  test_fill_int(data, nw, -2, 2);
  tconv_buffer_upload(f->ctx, f->bw, 0, data, (size_t)nw * 4);
  test_fill_int(data, 6, -2, 2);
  tconv_buffer_upload(f->ctx, f->bb, 0, data, 6 * 4);
  free(data);
  const int64_t bd[1] = {6};
  f->x = tconv_tensor_make(f->bx, 0, 4, xd);
  f->w = tconv_tensor_make(f->bw, 0, 4, wd);
  f->b = tconv_tensor_make(f->bb, 0, 1, bd);
  f->y = tconv_tensor_make(f->by, 0, 4, yd);
  f->bias = &f->b;
  f->algo = TCONV_ALGO_AUTO;
}

static void fixture_teardown(fixture *f) {
  tconv_buffer *all[] = {f->bx, f->bw, f->bb, f->by, f->small, f->foreign};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    tconv_buffer_destroy(all[i]);
  tconv_context_destroy(f->ctx);
  tconv_context_destroy(f->other);
}

static tconv_status fixture_call(fixture *f, tconv_context *ctx, const tconv_params *p,
                                 const tconv_tensor *x, const tconv_tensor *w,
                                 const tconv_tensor *y) {
  return f->op == TCONV_OP_TRANSPOSE
             ? tconv_transpose_forward(ctx, p, x, w, f->bias, y, f->algo, f->workspace)
             : tconv_conv_forward(ctx, p, x, w, f->bias, y, f->algo, f->workspace);
}

static void test_cpu_forward_matches_reference(void) {
  for (int op = TCONV_OP_CONV; op <= TCONV_OP_TRANSPOSE; ++op) {
    fixture f;
    fixture_setup(&f, (tconv_op)op);
    for (int algo = TCONV_ALGO_AUTO; algo <= TCONV_ALGO_REFERENCE; algo += 2) {
      f.algo = (tconv_algo)algo;
      CU_ASSERT_EQUAL_FATAL(fixture_call(&f, f.ctx, &f.p, &f.x, &f.w, &f.y), TCONV_STATUS_OK);
      float *hx = tconv_buffer_data(f.bx), *hw = tconv_buffer_data(f.bw);
      float *hb = tconv_buffer_data(f.bb), *hy = tconv_buffer_data(f.by);
      float *want = malloc((size_t)f.ny * 4);
      CU_ASSERT_EQUAL_FATAL(
          op == TCONV_OP_TRANSPOSE
              ? tconv_reference_transpose(&f.p, TCONV_FORMULATION_SCATTER, f.x.dims, hx, f.w.dims,
                                          hw, hb, f.y.dims, want)
              : tconv_reference_conv(&f.p, f.x.dims, hx, f.w.dims, hw, hb, f.y.dims, want),
          TCONV_STATUS_OK);
      CU_ASSERT_EQUAL(test_first_difference(hy, want, f.ny), -1);
      free(want);
    }
    size_t bytes = 1;
    CU_ASSERT_EQUAL(
        tconv_workspace_size(f.ctx, (tconv_op)op, &f.p, &f.x, &f.w, &f.y, TCONV_ALGO_AUTO, &bytes),
        TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(bytes, 0);
    fixture_teardown(&f);
  }
}

/* One invalid case: bends the fixture; `ctx_null` etc. are applied at the call. */
typedef struct {
  const char *name;
  tconv_op op;
  void (*bend)(fixture *f);
  tconv_status status;
  const char *needle; /* the parameter the last error must name */
} invalid_case;

#define BEND(fn, body)                                                                             \
  static void fn(fixture *f) { body; }
BEND(stride_zero, f->p.stride[1] = 0)
BEND(stride_negative, f->p.stride[0] = -2)
BEND(dilation_zero, f->p.dilation[0] = 0)
BEND(pad_begin_negative, f->p.pad_begin[1] = -1)
BEND(pad_end_negative, f->p.pad_end[0] = -1)
BEND(output_padding_too_large, f->p.output_padding[0] = 2)
BEND(output_padding_negative, f->p.output_padding[1] = -1)
BEND(output_padding_on_conv, f->p.output_padding[0] = 1)
BEND(groups_zero, f->p.groups = 0)
BEND(groups_not_dividing_cin, f->p.groups = 3)
BEND(groups_not_dividing_cout, f->w.dims[0] = 5; f->y.dims[1] = 5)
BEND(weight_cin_mismatch, f->w.dims[0] = 2)
BEND(weight_cin_per_group_mismatch, f->w.dims[1] = 1)
BEND(spatial_rank_zero, f->p.spatial_rank = 0)
BEND(spatial_rank_four, f->p.spatial_rank = 4)
BEND(x_rank_mismatch, f->x.rank = 3)
BEND(w_rank_mismatch, f->w.rank = 5)
BEND(y_rank_mismatch, f->y.rank = 3)
BEND(y_dims_mismatch, f->y.dims[3] -= 1)
BEND(y_batch_mismatch, f->y.dims[0] = 1)
BEND(bias_length, f->b.dims[0] = 5)
BEND(bias_rank, f->b.rank = 2)
BEND(output_too_small, f->p.pad_begin[0] = f->p.pad_end[0] = 4)
BEND(kernel_exceeds_input, f->p.pad_begin[0] = f->p.pad_end[0] = 0; f->p.dilation[0] = 3)
BEND(x_dim_zero, f->x.dims[2] = 0)
BEND(x_buffer_too_small, f->x.buffer = f->small)
BEND(y_buffer_too_small, f->y.offset = 8)
BEND(x_buffer_null, f->x.buffer = NULL)
BEND(x_misaligned, f->x.offset = 2)
BEND(x_foreign_buffer, f->x.buffer = f->foreign)
BEND(workspace_foreign, f->workspace = f->foreign)
BEND(dtype_out_of_range, f->w.dtype = (tconv_dtype)3)
BEND(layout_out_of_range, f->x.layout = (tconv_layout)2)
BEND(dtype_mixed, f->y.dtype = TCONV_DTYPE_FLOAT16)
BEND(dtype_mixed_bias, f->x.dtype = f->w.dtype = f->y.dtype = TCONV_DTYPE_BFLOAT16)
BEND(half_offset_odd, f->x.dtype = f->w.dtype = f->y.dtype = f->b.dtype = TCONV_DTYPE_FLOAT16;
     f->x.offset = 1)
BEND(math_out_of_range, f->p.math = (tconv_math)2)
BEND(algo_direct_on_cpu, f->algo = TCONV_ALGO_DIRECT)
BEND(algo_out_of_range, f->algo = (tconv_algo)42)
BEND(y_overlaps_x, f->x.buffer = f->by)
BEND(sizes_overflow, f->x.dims[0] = INT64_C(1) << 62)

static const invalid_case invalid_cases[] = {
    {"stride 0", TCONV_OP_TRANSPOSE, stride_zero, TCONV_STATUS_INVALID_ARGUMENT, "stride 0"},
    {"stride -2", TCONV_OP_CONV, stride_negative, TCONV_STATUS_INVALID_ARGUMENT, "stride -2"},
    {"dilation 0", TCONV_OP_TRANSPOSE, dilation_zero, TCONV_STATUS_INVALID_ARGUMENT, "dilation"},
    {"pad_begin -1", TCONV_OP_CONV, pad_begin_negative, TCONV_STATUS_INVALID_ARGUMENT, "pad_begin"},
    {"pad_end -1", TCONV_OP_TRANSPOSE, pad_end_negative, TCONV_STATUS_INVALID_ARGUMENT, "pad_end"},
    {"output_padding = stride", TCONV_OP_TRANSPOSE, output_padding_too_large,
     TCONV_STATUS_INVALID_ARGUMENT,
     "output_padding 2 must be smaller than stride 2 or dilation 1 (dimension 0)"},
    {"output_padding -1", TCONV_OP_TRANSPOSE, output_padding_negative,
     TCONV_STATUS_INVALID_ARGUMENT, "output_padding"},
    {"output_padding on conv", TCONV_OP_CONV, output_padding_on_conv, TCONV_STATUS_INVALID_ARGUMENT,
     "output_padding"},
    {"groups 0", TCONV_OP_TRANSPOSE, groups_zero, TCONV_STATUS_INVALID_ARGUMENT, "groups"},
    {"groups not dividing Cin", TCONV_OP_TRANSPOSE, groups_not_dividing_cin,
     TCONV_STATUS_INVALID_ARGUMENT, "groups"},
    {"groups not dividing Cout", TCONV_OP_CONV, groups_not_dividing_cout,
     TCONV_STATUS_INVALID_ARGUMENT, "groups"},
    {"w dim 0 != Cin (transposed)", TCONV_OP_TRANSPOSE, weight_cin_mismatch,
     TCONV_STATUS_SHAPE_MISMATCH, "w dimension 0"},
    {"w dim 1 != Cin/g (conv)", TCONV_OP_CONV, weight_cin_per_group_mismatch,
     TCONV_STATUS_SHAPE_MISMATCH, "w dimension 1"},
    {"spatial_rank 0", TCONV_OP_TRANSPOSE, spatial_rank_zero, TCONV_STATUS_INVALID_ARGUMENT,
     "spatial_rank"},
    {"spatial_rank 4", TCONV_OP_CONV, spatial_rank_four, TCONV_STATUS_INVALID_ARGUMENT,
     "spatial_rank"},
    {"x rank", TCONV_OP_TRANSPOSE, x_rank_mismatch, TCONV_STATUS_SHAPE_MISMATCH, "x has rank"},
    {"w rank", TCONV_OP_CONV, w_rank_mismatch, TCONV_STATUS_SHAPE_MISMATCH, "w has rank"},
    {"y rank", TCONV_OP_TRANSPOSE, y_rank_mismatch, TCONV_STATUS_SHAPE_MISMATCH, "y has rank"},
    {"y dims", TCONV_OP_TRANSPOSE, y_dims_mismatch, TCONV_STATUS_SHAPE_MISMATCH, "y dimension 3"},
    {"y batch", TCONV_OP_CONV, y_batch_mismatch, TCONV_STATUS_SHAPE_MISMATCH, "y dimension 0"},
    {"bias length", TCONV_OP_TRANSPOSE, bias_length, TCONV_STATUS_SHAPE_MISMATCH, "bias"},
    {"bias rank", TCONV_OP_CONV, bias_rank, TCONV_STATUS_SHAPE_MISMATCH, "bias"},
    {"output size < 1", TCONV_OP_TRANSPOSE, output_too_small, TCONV_STATUS_INVALID_ARGUMENT,
     "output size"},
    {"kernel extent > padded input", TCONV_OP_CONV, kernel_exceeds_input,
     TCONV_STATUS_INVALID_ARGUMENT, "kernel extent"},
    {"x size 0", TCONV_OP_TRANSPOSE, x_dim_zero, TCONV_STATUS_INVALID_ARGUMENT, "x dimension 2"},
    {"x buffer too small", TCONV_OP_TRANSPOSE, x_buffer_too_small, TCONV_STATUS_INVALID_ARGUMENT,
     "x needs"},
    {"y past its buffer", TCONV_OP_CONV, y_buffer_too_small, TCONV_STATUS_INVALID_ARGUMENT,
     "y needs"},
    {"x buffer NULL", TCONV_OP_TRANSPOSE, x_buffer_null, TCONV_STATUS_INVALID_ARGUMENT,
     "x has no buffer"},
    {"x offset misaligned", TCONV_OP_CONV, x_misaligned, TCONV_STATUS_INVALID_ARGUMENT,
     "x's byte offset"},
    {"x in another context", TCONV_OP_TRANSPOSE, x_foreign_buffer, TCONV_STATUS_INVALID_ARGUMENT,
     "another context"},
    {"workspace in another context", TCONV_OP_CONV, workspace_foreign,
     TCONV_STATUS_INVALID_ARGUMENT, "workspace"},
    {"dtype 3", TCONV_OP_TRANSPOSE, dtype_out_of_range, TCONV_STATUS_INVALID_ARGUMENT,
     "w has dtype 3"},
    {"layout 2", TCONV_OP_CONV, layout_out_of_range, TCONV_STATUS_INVALID_ARGUMENT,
     "x has layout 2"},
    {"y float16, x float32", TCONV_OP_TRANSPOSE, dtype_mixed, TCONV_STATUS_INVALID_ARGUMENT,
     "y has dtype float16 but x has float32"},
    {"bias float32, x bfloat16", TCONV_OP_CONV, dtype_mixed_bias, TCONV_STATUS_INVALID_ARGUMENT,
     "bias has dtype float32 but x has bfloat16"},
    {"float16 x at an odd byte offset", TCONV_OP_CONV, half_offset_odd,
     TCONV_STATUS_INVALID_ARGUMENT, "x's byte offset 1 is not a multiple of 2"},
    {"math 2", TCONV_OP_TRANSPOSE, math_out_of_range, TCONV_STATUS_INVALID_ARGUMENT, "math 2"},
    {"algo direct on CPU", TCONV_OP_TRANSPOSE, algo_direct_on_cpu, TCONV_STATUS_UNSUPPORTED,
     "direct needs the CUDA backend"},
    {"algo 42", TCONV_OP_CONV, algo_out_of_range, TCONV_STATUS_INVALID_ARGUMENT, "algo 42"},
    {"y overlaps x", TCONV_OP_TRANSPOSE, y_overlaps_x, TCONV_STATUS_INVALID_ARGUMENT, "overlap"},
    {"element count overflow", TCONV_OP_TRANSPOSE, sizes_overflow, TCONV_STATUS_SIZE_OVERFLOW,
     "overflow"},
};

/* Fills y with the pattern, returns whether y still holds it after the failed call. */
static void poison_y(fixture *f) { memset(tconv_buffer_data(f->by), Y_PATTERN, (size_t)f->ny * 4); }

static int y_untouched(fixture *f) {
  const unsigned char *y = tconv_buffer_data(f->by);
  for (int64_t i = 0; i < f->ny * 4; ++i)
    if (y[i] != Y_PATTERN)
      return 0;
  return 1;
}

static void test_invalid_forward_calls(void) {
  int failures = 0;
  const size_t n = sizeof invalid_cases / sizeof invalid_cases[0];
  for (size_t i = 0; i < n; ++i) {
    const invalid_case *c = &invalid_cases[i];
    fixture f;
    fixture_setup(&f, c->op);
    c->bend(&f);
    poison_y(&f);
    const tconv_status st = fixture_call(&f, f.ctx, &f.p, &f.x, &f.w, &f.y);
    const int ok = st == c->status && strstr(tconv_context_last_error(f.ctx), c->needle) &&
                   strstr(tconv_last_error(), c->needle) && y_untouched(&f);
    if (!ok) {
      ++failures;
      printf("\n  %s: got %s \"%s\", want %s naming \"%s\"%s", c->name, tconv_status_name(st),
             tconv_context_last_error(f.ctx), tconv_status_name(c->status), c->needle,
             y_untouched(&f) ? "" : " (y was written)");
    }
    fixture_teardown(&f);
  }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT(n >= 35);
}

static void test_null_arguments(void) {
  fixture f;
  fixture_setup(&f, TCONV_OP_TRANSPOSE);
  poison_y(&f);
  CU_ASSERT_EQUAL(fixture_call(&f, NULL, &f.p, &f.x, &f.w, &f.y), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "ctx"));
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, NULL, &f.x, &f.w, &f.y), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(f.ctx), "params"));
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, &f.p, NULL, &f.w, &f.y), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(f.ctx), "x is NULL"));
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, &f.p, &f.x, NULL, &f.y), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(f.ctx), "w is NULL"));
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, &f.p, &f.x, &f.w, NULL), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(f.ctx), "y is NULL"));
  CU_ASSERT(y_untouched(&f));

  int64_t yd[4];
  CU_ASSERT_EQUAL(tconv_transpose_output_shape(NULL, f.x.dims, f.w.dims, yd),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_conv_output_shape(&f.p, NULL, f.w.dims, yd), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(tconv_conv_output_shape(&f.p, f.x.dims, f.w.dims, NULL),
                  TCONV_STATUS_INVALID_ARGUMENT);
  float y[1];
  CU_ASSERT_EQUAL(tconv_reference_transpose(
                      &f.p, (tconv_formulation)9, f.x.dims, tconv_buffer_data(f.bx), f.w.dims,
                      tconv_buffer_data(f.bw), NULL, f.y.dims, tconv_buffer_data(f.by)),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "formulation"));
  CU_ASSERT_EQUAL(tconv_reference_conv(&f.p, f.x.dims, NULL, f.w.dims, y, NULL, f.y.dims, y),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT(y_untouched(&f));
  fixture_teardown(&f);
}

/* A successful call clears the previous failure's sentence. */
static void test_last_error_is_cleared(void) {
  fixture f;
  fixture_setup(&f, TCONV_OP_TRANSPOSE);
  f.p.stride[0] = 0;
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, &f.p, &f.x, &f.w, &f.y), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT(strlen(tconv_context_last_error(f.ctx)) > 0);
  f.p.stride[0] = 2;
  CU_ASSERT_EQUAL(fixture_call(&f, f.ctx, &f.p, &f.x, &f.w, &f.y), TCONV_STATUS_OK);
  CU_ASSERT_STRING_EQUAL(tconv_context_last_error(f.ctx), "");
  CU_ASSERT_STRING_EQUAL(tconv_last_error(), "");
  fixture_teardown(&f);
}

/* ---- overlap by address, whichever buffers hold the tensors --------------------------- */

#define ARENA_FLOATS 128
#define ARENA_PATTERN 0x5Au

/* Tensors of a rank-1 problem (x 16 elements, w 3, bias 1, y 14 for conv / 18 for the
 * transposed conv) placed at float offsets of one host allocation, each through its own
 * wrapped buffer: only their addresses say whether they share memory. The arena is filled
 * with ARENA_PATTERN bytes so that a refused call can be shown to have written nothing. */
typedef struct arena_call {
  tconv_op op;
  int64_t x_at, w_at, b_at, y_at, ws_at, ws_floats; /* ws_at < 0: no workspace */
} arena_call;

static int64_t arena_y_count(const arena_call *a) { return a->op == TCONV_OP_CONV ? 14 : 18; }

/* The reference result from copies of the inputs, taken before the call. */
static tconv_status arena_reference(const float *arena, const arena_call *a, float *want) {
  const tconv_params p = tconv_params_default(1);
  const int64_t xd[3] = {1, 1, 16}, wd[3] = {1, 1, 3}, yd[3] = {1, 1, arena_y_count(a)};
  float x[16], w[3], b[1];
  memcpy(x, arena + a->x_at, sizeof x);
  memcpy(w, arena + a->w_at, sizeof w);
  memcpy(b, arena + a->b_at, sizeof b);
  return a->op == TCONV_OP_CONV
             ? tconv_reference_conv(&p, xd, x, wd, w, b, yd, want)
             : tconv_reference_transpose(&p, TCONV_FORMULATION_SCATTER, xd, x, wd, w, b, yd, want);
}

static tconv_status arena_run(tconv_context *ctx, float *arena, const arena_call *a) {
  const tconv_params p = tconv_params_default(1);
  const int64_t xd[3] = {1, 1, 16}, wd[3] = {1, 1, 3}, bd[1] = {1};
  const int64_t yd[3] = {1, 1, arena_y_count(a)};
  tconv_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL, *ws = NULL;
  tconv_status st = tconv_buffer_wrap(ctx, arena + a->x_at, 16 * 4, &bx);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, arena + a->w_at, 3 * 4, &bw);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, arena + a->b_at, 4, &bb);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, arena + a->y_at, (size_t)yd[2] * 4, &by);
  if (st == TCONV_STATUS_OK && a->ws_at >= 0)
    st = tconv_buffer_wrap(ctx, arena + a->ws_at, (size_t)a->ws_floats * 4, &ws);
  CU_ASSERT_EQUAL_FATAL(st, TCONV_STATUS_OK);
  const tconv_tensor x = tconv_tensor_make(bx, 0, 3, xd), w = tconv_tensor_make(bw, 0, 3, wd);
  const tconv_tensor b = tconv_tensor_make(bb, 0, 1, bd), y = tconv_tensor_make(by, 0, 3, yd);
  st = a->op == TCONV_OP_CONV
           ? tconv_conv_forward(ctx, &p, &x, &w, &b, &y, TCONV_ALGO_REFERENCE, ws)
           : tconv_transpose_forward(ctx, &p, &x, &w, &b, &y, TCONV_ALGO_REFERENCE, ws);
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(bb);
  tconv_buffer_destroy(by);
  tconv_buffer_destroy(ws);
  return st;
}

static int arena_untouched(const float *arena) {
  const unsigned char *bytes = (const unsigned char *)arena;
  for (size_t i = 0; i < ARENA_FLOATS * sizeof(float); ++i)
    if (bytes[i] != ARENA_PATTERN)
      return 0;
  return 1;
}

/* Two wraps of one allocation, y 32 bytes after x: the call must be refused, naming the pair,
 * and write nothing; tensors that only touch, or inputs that share memory, are accepted. */
static void test_overlap_by_address(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  float *arena = malloc(ARENA_FLOATS * sizeof(float));
  CU_ASSERT_PTR_NOT_NULL_FATAL(arena);
  static const struct {
    arena_call call;
    const char *needle; /* NULL: accepted */
  } rows[] = {
      /* y 8 floats (32 bytes) after x's start: inside x */
      {{TCONV_OP_CONV, 0, 40, 50, 8, -1, 0}, "y overlaps x"},
      {{TCONV_OP_TRANSPOSE, 0, 40, 50, 8, -1, 0}, "y overlaps x"},
      /* y ends 4 bytes into x */
      {{TCONV_OP_CONV, 30, 80, 90, 17, -1, 0}, "y overlaps x"},
      {{TCONV_OP_CONV, 0, 20, 50, 18, -1, 0}, "y overlaps w"},
      {{TCONV_OP_TRANSPOSE, 0, 20, 40, 30, -1, 0}, "y overlaps bias"},
      {{TCONV_OP_CONV, 0, 20, 30, 40, 60, 8}, NULL},
      {{TCONV_OP_CONV, 0, 20, 30, 40, 50, 8}, "workspace overlaps y"},
      {{TCONV_OP_TRANSPOSE, 0, 20, 30, 40, 10, 4}, "workspace overlaps x"},
      /* y right after x, w and bias inside x (inputs may share memory): accepted */
      {{TCONV_OP_CONV, 0, 2, 5, 16, -1, 0}, NULL},
      {{TCONV_OP_TRANSPOSE, 18, 0, 15, 34, -1, 0}, NULL},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    memset(arena, ARENA_PATTERN, ARENA_FLOATS * sizeof(float));
    if (rows[i].needle == NULL) {
      /* Small integers, so that the result can be compared exactly with the reference. */
      for (int64_t e = 0; e < ARENA_FLOATS; ++e)
        arena[e] = (float)(e % 7 - 3);
    }
    const arena_call *a = &rows[i].call;
    float want[18];
    if (rows[i].needle == NULL)
      CU_ASSERT_EQUAL_FATAL(arena_reference(arena, a, want), TCONV_STATUS_OK);
    const tconv_status st = arena_run(ctx, arena, a);
    if (rows[i].needle == NULL) {
      if (st != TCONV_STATUS_OK)
        printf("\n  row %zu: %s", i, tconv_context_last_error(ctx));
      CU_ASSERT_EQUAL(st, TCONV_STATUS_OK);
      CU_ASSERT_EQUAL(test_first_difference(arena + a->y_at, want, arena_y_count(a)), -1);
      continue;
    }
    const char *said = tconv_context_last_error(ctx);
    const int ok = st == TCONV_STATUS_INVALID_ARGUMENT && strstr(said, rows[i].needle) != NULL &&
                   arena_untouched(arena);
    if (!ok)
      printf("\n  row %zu: got %s \"%s\", want INVALID_ARGUMENT naming \"%s\"%s", i,
             tconv_status_name(st), said, rows[i].needle,
             arena_untouched(arena) ? "" : " (memory was written)");
    CU_ASSERT(ok);
  }
  free(arena);
  tconv_context_destroy(ctx);
}

static CU_TestInfo api_tests[] = {
    {"status names and messages", test_status_names_and_messages},
    {"version", test_version},
    {"context lifecycle", test_context_lifecycle},
    {"context invalid arguments", test_context_invalid_arguments},
    {"CUDA availability and AUTO fallback", test_cuda_availability},
    {"buffers", test_buffers},
    {"CPU forward = reference", test_cpu_forward_matches_reference},
    {"every invalid forward call", test_invalid_forward_calls},
    {"NULL arguments", test_null_arguments},
    {"last error cleared on success", test_last_error_is_cleared},
    {"overlap by address across wrapped buffers", test_overlap_by_address},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_api[] = {
    {"api", NULL, NULL, NULL, NULL, api_tests},
    CU_SUITE_INFO_NULL,
};
