/*
 * test_onnx.c - suite "onnx": the ONNX operator test cases for ConvTranspose and Conv, run
 * through the CPU reference (all three formulations for the transposed convolution), with
 * the output shapes and values ONNX publishes.
 *
 * Source: github.com/onnx/onnx, onnx/backend/test/case/node/convtranspose.py and
 * onnx/backend/test/case/node/conv.py (commit f7546912001bc31e92a238b17068a21b373d882e).
 * The expected outputs below are facts transcribed from those files as data, value for
 * value, in C order. The inputs there are literal arrays too; where they equal np.arange
 * (x) or np.ones (W) they are generated here by that formula, otherwise transcribed.
 * Every input and output is a small integer, so the comparison is exact (bitwise).
 *
 * Attribute mapping: pads [x1_begin, x2_begin, ..., x1_end, x2_end] -> pad_begin / pad_end;
 * auto_pad -> tconv_auto_pad; output_shape -> output_size with TCONV_OUTPUT_SIZE_ONNX;
 * group -> groups; kernel_shape is implied by W. ONNX's weight layouts, ConvTranspose
 * (C_in, C_out/group, k...) and Conv (M, C/group, k...), are the library's.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- published expected outputs (and the inputs that are not arange / ones) ---------- */

static const float y_convtranspose[50] = {
    0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8,
    0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
static const float y_convtranspose_1d[10] = {0, 1, 3, 3, 2, 0, 1, 3, 3, 2};
static const float y_convtranspose_3d[420] = {
    0,   1,   3,   6,   9,   7,   4,   5,   12,  21,  27,  33,  24,  13,  15,  33,  54,  63,  72,
    51,  27,  30,  63,  99,  108, 117, 81,  42,  25,  52,  81,  87,  93,  64,  33,  15,  31,  48,
    51,  54,  37,  19,  20,  42,  66,  72,  78,  54,  28,  50,  104, 162, 174, 186, 128, 66,  90,
    186, 288, 306, 324, 222, 114, 120, 246, 378, 396, 414, 282, 144, 90,  184, 282, 294, 306, 208,
    106, 50,  102, 156, 162, 168, 114, 58,  60,  123, 189, 198, 207, 141, 72,  135, 276, 423, 441,
    459, 312, 159, 225, 459, 702, 729, 756, 513, 261, 270, 549, 837, 864, 891, 603, 306, 195, 396,
    603, 621, 639, 432, 219, 105, 213, 324, 333, 342, 231, 117, 60,  122, 186, 192, 198, 134, 68,
    130, 264, 402, 414, 426, 288, 146, 210, 426, 648, 666, 684, 462, 234, 240, 486, 738, 756, 774,
    522, 264, 170, 344, 522, 534, 546, 368, 186, 90,  182, 276, 282, 288, 194, 98,  40,  81,  123,
    126, 129, 87,  44,  85,  172, 261, 267, 273, 184, 93,  135, 273, 414, 423, 432, 291, 147, 150,
    303, 459, 468, 477, 321, 162, 105, 212, 321, 327, 333, 224, 113, 55,  111, 168, 171, 174, 117,
    59,  0,   1,   3,   6,   9,   7,   4,   5,   12,  21,  27,  33,  24,  13,  15,  33,  54,  63,
    72,  51,  27,  30,  63,  99,  108, 117, 81,  42,  25,  52,  81,  87,  93,  64,  33,  15,  31,
    48,  51,  54,  37,  19,  20,  42,  66,  72,  78,  54,  28,  50,  104, 162, 174, 186, 128, 66,
    90,  186, 288, 306, 324, 222, 114, 120, 246, 378, 396, 414, 282, 144, 90,  184, 282, 294, 306,
    208, 106, 50,  102, 156, 162, 168, 114, 58,  60,  123, 189, 198, 207, 141, 72,  135, 276, 423,
    441, 459, 312, 159, 225, 459, 702, 729, 756, 513, 261, 270, 549, 837, 864, 891, 603, 306, 195,
    396, 603, 621, 639, 432, 219, 105, 213, 324, 333, 342, 231, 117, 60,  122, 186, 192, 198, 134,
    68,  130, 264, 402, 414, 426, 288, 146, 210, 426, 648, 666, 684, 462, 234, 240, 486, 738, 756,
    774, 522, 264, 170, 344, 522, 534, 546, 368, 186, 90,  182, 276, 282, 288, 194, 98,  40,  81,
    123, 126, 129, 87,  44,  85,  172, 261, 267, 273, 184, 93,  135, 273, 414, 423, 432, 291, 147,
    150, 303, 459, 468, 477, 321, 162, 105, 212, 321, 327, 333, 224, 113, 55,  111, 168, 171, 174,
    117, 59};
static const float y_convtranspose_attributes[160] = {
    0, 0, 1, 1,  3,  2,  2,  0, 0, 0, 1, 1,  3,  2,  2,  0, 0, 0, 1, 1, 3, 2, 2,  0,  3,  3,  7,
    4, 9, 5, 5,  0,  3,  3,  7, 4, 9, 5, 5,  0,  3,  3,  7, 4, 9, 5, 5, 0, 6, 6,  13, 7,  15, 8,
    8, 0, 6, 6,  13, 7,  15, 8, 8, 0, 6, 6,  13, 7,  15, 8, 8, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,
    0, 1, 1, 3,  2,  2,  0,  0, 0, 1, 1, 3,  2,  2,  0,  0, 0, 1, 1, 3, 2, 2, 0,  3,  3,  7,  4,
    9, 5, 5, 0,  3,  3,  7,  4, 9, 5, 5, 0,  3,  3,  7,  4, 9, 5, 5, 0, 6, 6, 13, 7,  15, 8,  8,
    0, 6, 6, 13, 7,  15, 8,  8, 0, 6, 6, 13, 7,  15, 8,  8, 0, 0, 0, 0, 0, 0, 0,  0,  0};
static const float y_convtranspose_autopad_same[72] = {
    0, 0, 1,  1,  3,  2,  0, 0, 1,  1, 3,  2, 3, 3, 8,  5,  12, 7,  3, 3, 7,  4, 9,  5,
    9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8, 0, 0, 1,  1,  3,  2,  0, 0, 1,  1, 3,  2,
    3, 3, 8,  5,  12, 7,  3, 3, 7,  4, 9,  5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8};
static const float y_convtranspose_dilations[25] = {
    21, 56, 13, 16, 2, 63, 35, 67, 10, 14, 24, 22, 76, 76, 21, 9, 5, 88, 45, 63, 3, 2, 33, 18, 54};
static const float x_convtranspose_dilations[9] = {3, 8, 1, 9, 5, 7, 3, 2, 6};
static const float w_convtranspose_dilations[4] = {7, 2, 1, 9};
static const float y_convtranspose_group_2[50] = {
    0,  1,  3,  3,   2,  3,  8,  15, 12, 7,  9,  21, 36, 27, 15, 9,  20,
    33, 24, 13, 6,   13, 21, 15, 8,  9,  19, 30, 21, 11, 21, 44, 69, 48,
    25, 36, 75, 117, 81, 42, 27, 56, 87, 60, 31, 15, 31, 48, 33, 17};
static const float y_convtranspose_group_2_image_3[150] = {
    0,  1,   3,  3,  2,  3,   8,  15, 12, 7,  9,  21, 36, 27,  15, 9,   20, 33,  24,  13,  6,  13,
    21, 15,  8,  9,  19, 30,  21, 11, 21, 44, 69, 48, 25, 36,  75, 117, 81, 42,  27,  56,  87, 60,
    31, 15,  31, 48, 33, 17,  18, 37, 57, 39, 20, 39, 80, 123, 84, 43,  63, 129, 198, 135, 69, 45,
    92, 141, 96, 49, 24, 49,  75, 51, 26, 9,  19, 30, 21, 11,  21, 44,  69, 48,  25,  36,  75, 117,
    81, 42,  27, 56, 87, 60,  31, 15, 31, 48, 33, 17, 0,  1,   3,  3,   2,  3,   8,   15,  12, 7,
    9,  21,  36, 27, 15, 9,   20, 33, 24, 13, 6,  13, 21, 15,  8,  9,   19, 30,  21,  11,  21, 44,
    69, 48,  25, 36, 75, 117, 81, 42, 27, 56, 87, 60, 31, 15,  31, 48,  33, 17};
static const float x_convtranspose_group_2_image_3[54] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,
    18, 19, 20, 21, 22, 23, 24, 25, 26, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17};
static const float y_convtranspose_pads[42] = {1, 1,  3, 1,  1,  3, 7,  4, 9,  7, 4,  9,  7, 4,
                                               9, 13, 7, 15, 13, 7, 15, 1, 1,  3, 1,  1,  3, 7,
                                               4, 9,  7, 4,  9,  7, 4,  9, 13, 7, 15, 13, 7, 15};
static const float y_basic_conv_with_padding[25] = {12,  21,  27, 33,  24,  33,  54, 63,  72,
                                                    51,  63,  99, 108, 117, 81,  93, 144, 153,
                                                    162, 111, 72, 111, 117, 123, 84};
static const float y_basic_conv_without_padding[9] = {54, 63, 72, 99, 108, 117, 144, 153, 162};
static const float y_conv_with_autopad_same[9] = {12, 27, 24, 63, 108, 81, 72, 117, 84};
static const float y_conv_with_strides_padding[12] = {12,  27,  24,  63,  108, 81,
                                                      123, 198, 141, 112, 177, 124};
static const float y_conv_with_strides_no_padding[6] = {54, 72, 144, 162, 234, 252};
static const float y_conv_with_strides_and_asymmetric_padding[8] = {21,  33,  99,  117,
                                                                    189, 207, 171, 183};

/* ---- the cases ------------------------------------------------------------------------ */

typedef struct {
  const char *name; /* ONNX's test name */
  int transposed;   /* ConvTranspose (1) or Conv (0) */
  int spatial;      /* spatial rank */
  int64_t xd[5], wd[5], yd[5];
  const float *x;                   /* NULL: x[i] = i (the published x is np.arange) */
  const float *w;                   /* NULL: all ones (the published W is np.ones) */
  const float *y;                   /* the published output */
  int64_t strides[3], dilations[3]; /* ONNX attributes; 0 = absent (1) */
  int64_t pads[6];                  /* ONNX order: begins, then ends */
  int64_t output_padding[3];
  int64_t output_shape[3]; /* 0 = absent */
  int64_t group;           /* 0 = absent (1) */
  tconv_auto_pad auto_pad;
} onnx_case;

static const onnx_case onnx_cases[] = {
    /* convtranspose.py */
    {.name = "test_convtranspose",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 5, 5},
     .y = y_convtranspose},
    {.name = "test_convtranspose_1d",
     .transposed = 1,
     .spatial = 1,
     .xd = {1, 1, 3},
     .wd = {1, 2, 3},
     .yd = {1, 2, 5},
     .y = y_convtranspose_1d},
    {.name = "test_convtranspose_3d",
     .transposed = 1,
     .spatial = 3,
     .xd = {1, 1, 3, 4, 5},
     .wd = {1, 2, 3, 3, 3},
     .yd = {1, 2, 5, 6, 7},
     .y = y_convtranspose_3d},
    /* strides=[3, 2], output_shape=[10, 8]: total padding 3*2 + 3 - 10 = -1 and
       2*2 + 3 - 8 = -1, so the output extends by one row and one column at the end. */
    {.name = "test_convtranspose_output_shape",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 10, 8},
     .y = y_convtranspose_attributes,
     .strides = {3, 2},
     .output_shape = {10, 8}},
    {.name = "test_convtranspose_pad",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 10, 8},
     .y = y_convtranspose_attributes,
     .strides = {3, 2},
     .output_padding = {1, 1}},
    /* output_shape=[10, 8] with output_padding=[1, 1] (and kernel_shape=[3, 3]): total
       padding 3*2 + 1 + 3 - 10 = 0 and 2*2 + 1 + 3 - 8 = 0. */
    {.name = "test_convtranspose_kernel_shape",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 10, 8},
     .y = y_convtranspose_attributes,
     .strides = {3, 2},
     .output_shape = {10, 8},
     .output_padding = {1, 1}},
    {.name = "test_convtranspose_pads",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 7, 3},
     .y = y_convtranspose_pads,
     .strides = {3, 2},
     .pads = {1, 2, 1, 2}},
    {.name = "test_convtranspose_dilations",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 1, 2, 2},
     .yd = {1, 1, 5, 5},
     .x = x_convtranspose_dilations,
     .w = w_convtranspose_dilations,
     .y = y_convtranspose_dilations,
     .dilations = {2, 2}},
    {.name = "test_convtranspose_autopad_same",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 1, 3, 3},
     .wd = {1, 2, 3, 3},
     .yd = {1, 2, 6, 6},
     .y = y_convtranspose_autopad_same,
     .strides = {2, 2},
     .auto_pad = TCONV_AUTO_PAD_SAME_UPPER},
    {.name = "test_convtranspose_group_2",
     .transposed = 1,
     .spatial = 2,
     .xd = {1, 2, 3, 3},
     .wd = {2, 1, 3, 3},
     .yd = {1, 2, 5, 5},
     .y = y_convtranspose_group_2,
     .group = 2},
    {.name = "test_convtranspose_group_2_image_3",
     .transposed = 1,
     .spatial = 2,
     .xd = {3, 2, 3, 3},
     .wd = {2, 1, 3, 3},
     .yd = {3, 2, 5, 5},
     .x = x_convtranspose_group_2_image_3,
     .y = y_convtranspose_group_2_image_3,
     .group = 2},
    /* conv.py */
    {.name = "test_basic_conv_with_padding",
     .spatial = 2,
     .xd = {1, 1, 5, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 5, 5},
     .y = y_basic_conv_with_padding,
     .pads = {1, 1, 1, 1}},
    {.name = "test_basic_conv_without_padding",
     .spatial = 2,
     .xd = {1, 1, 5, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 3, 3},
     .y = y_basic_conv_without_padding},
    {.name = "test_conv_with_strides_padding",
     .spatial = 2,
     .xd = {1, 1, 7, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 4, 3},
     .y = y_conv_with_strides_padding,
     .strides = {2, 2},
     .pads = {1, 1, 1, 1}},
    {.name = "test_conv_with_strides_no_padding",
     .spatial = 2,
     .xd = {1, 1, 7, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 3, 2},
     .y = y_conv_with_strides_no_padding,
     .strides = {2, 2}},
    {.name = "test_conv_with_strides_and_asymmetric_padding",
     .spatial = 2,
     .xd = {1, 1, 7, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 4, 2},
     .y = y_conv_with_strides_and_asymmetric_padding,
     .strides = {2, 2},
     .pads = {1, 0, 1, 0}},
    {.name = "test_conv_with_autopad_same",
     .spatial = 2,
     .xd = {1, 1, 5, 5},
     .wd = {1, 1, 3, 3},
     .yd = {1, 1, 3, 3},
     .y = y_conv_with_autopad_same,
     .strides = {2, 2},
     .auto_pad = TCONV_AUTO_PAD_SAME_LOWER},
};

enum { ONNX_CASES = sizeof onnx_cases / sizeof onnx_cases[0], ONNX_MAX_ELEMS = 512 };

static tconv_params case_params(const onnx_case *c) {
  tconv_params p = tconv_params_default(c->spatial);
  for (int d = 0; d < c->spatial; ++d) {
    p.stride[d] = c->strides[d] != 0 ? c->strides[d] : 1;
    p.dilation[d] = c->dilations[d] != 0 ? c->dilations[d] : 1;
    p.pad_begin[d] = c->pads[d];
    p.pad_end[d] = c->pads[c->spatial + d];
    p.output_padding[d] = c->output_padding[d];
    p.output_size[d] = c->output_shape[d];
  }
  p.output_size_rule = TCONV_OUTPUT_SIZE_ONNX;
  p.groups = c->group != 0 ? c->group : 1;
  p.auto_pad = c->auto_pad;
  return p;
}

/* Runs one case: shape query, then every formulation; prints what differs. Returns the
 * number of failures. */
static int run_case(const onnx_case *c) {
  static float x[ONNX_MAX_ELEMS], w[ONNX_MAX_ELEMS], y[ONNX_MAX_ELEMS];
  const int rank = c->spatial + 2;
  const int64_t nx = test_count(rank, c->xd), nw = test_count(rank, c->wd),
                ny = test_count(rank, c->yd);
  if (nx > ONNX_MAX_ELEMS || nw > ONNX_MAX_ELEMS || ny > ONNX_MAX_ELEMS) {
    printf("\n  %s: too large for the test's arrays", c->name);
    return 1;
  }
  for (int64_t t = 0; t < nx; ++t)
    x[t] = c->x != NULL ? c->x[t] : (float)t;
  for (int64_t t = 0; t < nw; ++t)
    w[t] = c->w != NULL ? c->w[t] : 1.0f;

  const tconv_params p = case_params(c);
  int64_t yd[5] = {-1, -1, -1, -1, -1};
  tconv_status st = c->transposed ? tconv_transpose_output_shape(&p, c->xd, c->wd, yd)
                                  : tconv_conv_output_shape(&p, c->xd, c->wd, yd);
  if (st != TCONV_STATUS_OK) {
    printf("\n  %s: output shape: %s (%s)", c->name, tconv_status_name(st), tconv_last_error());
    return 1;
  }
  if (memcmp(yd, c->yd, (size_t)rank * sizeof yd[0]) != 0) {
    printf("\n  %s: output shape", c->name);
    for (int d = 0; d < rank; ++d)
      printf(" %lld/%lld", (long long)yd[d], (long long)c->yd[d]);
    printf(" (got/published)");
    return 1;
  }

  int failures = 0;
  const int runs = c->transposed ? 3 : 1;
  for (int f = 0; f < runs; ++f) {
    for (int64_t t = 0; t < ny; ++t)
      y[t] = NAN;
    const char *how = c->transposed ? (f == TCONV_FORMULATION_GATHER    ? "gather"
                                       : f == TCONV_FORMULATION_SCATTER ? "scatter"
                                                                        : "zero-insertion")
                                    : "conv";
    st = c->transposed ? tconv_reference_transpose(&p, (tconv_formulation)f, c->xd, x, c->wd, w,
                                                   NULL, c->yd, y)
                       : tconv_reference_conv(&p, c->xd, x, c->wd, w, NULL, c->yd, y);
    if (st != TCONV_STATUS_OK) {
      printf("\n  %s (%s): %s (%s)", c->name, how, tconv_status_name(st), tconv_last_error());
      ++failures;
      continue;
    }
    const int64_t at = test_first_difference(y, c->y, ny);
    if (at != -1) {
      printf("\n  %s (%s): element %lld is %g, ONNX publishes %g", c->name, how, (long long)at,
             (double)y[at], (double)c->y[at]);
      ++failures;
    }
  }
  return failures;
}

static int run_cases(int transposed) {
  int failures = 0, ran = 0;
  for (size_t n = 0; n < ONNX_CASES; ++n)
    if (onnx_cases[n].transposed == transposed) {
      failures += run_case(&onnx_cases[n]);
      ++ran;
    }
  CU_ASSERT_EQUAL(failures, 0);
  return ran;
}

static void test_onnx_convtranspose(void) { CU_ASSERT_EQUAL(run_cases(1), 11); }

static void test_onnx_conv(void) { CU_ASSERT_EQUAL(run_cases(0), 6); }

/* The two tests together take every case of the table (each is one or the other). */
static void test_onnx_case_count(void) {
  int taken = 0;
  for (size_t n = 0; n < ONNX_CASES; ++n)
    taken += onnx_cases[n].transposed == 0 || onnx_cases[n].transposed == 1;
  CU_ASSERT_EQUAL(taken, (int)ONNX_CASES);
  CU_ASSERT(taken >= 12);
}

static CU_TestInfo onnx_tests[] = {
    {"ConvTranspose cases (convtranspose.py)", test_onnx_convtranspose},
    {"Conv cases (conv.py)", test_onnx_conv},
    {"all cases ran", test_onnx_case_count},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_onnx[] = {
    {"onnx", NULL, NULL, NULL, NULL, onnx_tests},
    CU_SUITE_INFO_NULL,
};
