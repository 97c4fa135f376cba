/*
 * test_upsample.c - suite "upsample": tconv_bilinear_kernel() against hand-computed values
 * and its error statuses, then `tconv upsample` run as a child process on PNGs this file
 * writes with libpng (8 and 16 bits; grey, grey+alpha, RGB, RGBA): exact output sizes, the
 * same colour type and depth, constant images constant and linear ramps linear away from
 * the border, scale 1 the identity, failures with exit 1 / 2 and no output file. The
 * GPU-vs-CPU comparison is registered only when a CUDA device is usable; otherwise a line
 * says it did not run (and nothing is counted for it).
 */
#include "testutil.h"

#include <png.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the bilinear kernel ------------------------------------------------------------- */

static void expect_profile(int64_t factor, int n, const double *want) {
  float w[2 * 64];
  CU_ASSERT_EQUAL_FATAL(tconv_bilinear_kernel(1, factor, 2, w, 2 * n), TCONV_STATUS_OK);
  for (int j = 0; j < 2 * n; j++)
    CU_ASSERT_DOUBLE_EQUAL(w[j], want[j % n], 1e-7);
}

static void test_kernel_values(void) {
  /* FCN's upsample_filt by hand: f = ceil(k/2) = F, centre f-1 (odd k) or f-0.5 (even k). */
  static const double f1[1] = {1};
  static const double f2[4] = {0.25, 0.75, 0.75, 0.25};
  static const double f3[5] = {1.0 / 3, 2.0 / 3, 1, 2.0 / 3, 1.0 / 3};
  static const double f4[8] = {0.125, 0.375, 0.625, 0.875, 0.875, 0.625, 0.375, 0.125};
  expect_profile(1, 1, f1);
  expect_profile(2, 4, f2);
  expect_profile(3, 5, f3);
  expect_profile(4, 8, f4);
  /* Rank 2 and 3: separable products, the same for every channel. */
  float w2[3 * 16], w3[64];
  CU_ASSERT_EQUAL_FATAL(tconv_bilinear_kernel(2, 2, 3, w2, 48), TCONV_STATUS_OK);
  for (int c = 0; c < 3; c++)
    for (int r = 0; r < 4; r++)
      for (int q = 0; q < 4; q++)
        CU_ASSERT_DOUBLE_EQUAL(w2[c * 16 + r * 4 + q], f2[r] * f2[q], 1e-7);
  CU_ASSERT_EQUAL(w2[5], 0.5625f);
  CU_ASSERT_EQUAL_FATAL(tconv_bilinear_kernel(3, 2, 1, w3, 64), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(w3[0], 0.015625f);
  CU_ASSERT_DOUBLE_EQUAL(w3[1 * 16 + 2 * 4 + 3], f2[1] * f2[2] * f2[3], 1e-7);
  float w9[81];
  CU_ASSERT_EQUAL_FATAL(tconv_bilinear_kernel(2, 3, 1, w9, 81), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(w9[2 * 5 + 2], 1.0f);
  CU_ASSERT_DOUBLE_EQUAL(w9[0], 1.0 / 9, 1e-7);
}

/* A failing call returns `status`, says "bilinear kernel" and leaves w untouched. */
static void expect_kernel_error(int rank, int64_t factor, int64_t channels, int null_w,
                                int64_t capacity, tconv_status status) {
  float w[64];
  for (int i = 0; i < 64; i++)
    w[i] = -7.0f;
  CU_ASSERT_EQUAL(tconv_bilinear_kernel(rank, factor, channels, null_w ? NULL : w, capacity),
                  status);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "bilinear kernel: "));
  for (int i = 0; i < 64; i++)
    CU_ASSERT_EQUAL(w[i], -7.0f);
}

static void test_kernel_errors(void) {
  expect_kernel_error(0, 2, 1, 0, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(4, 2, 1, 0, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, 0, 1, 0, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, -3, 1, 0, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, 2, 0, 0, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, 2, 1, 1, 64, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, 2, 1, 0, -1, TCONV_STATUS_INVALID_ARGUMENT);
  expect_kernel_error(2, 2, 4, 0, 63, TCONV_STATUS_INVALID_ARGUMENT); /* needs 4*16 */
  expect_kernel_error(1, INT64_MAX, 1, 0, 64, TCONV_STATUS_SIZE_OVERFLOW);
  expect_kernel_error(3, (int64_t)1 << 30, 1, 0, 64, TCONV_STATUS_SIZE_OVERFLOW);
  expect_kernel_error(2, (int64_t)1 << 20, INT64_MAX / 4, 0, 64, TCONV_STATUS_SIZE_OVERFLOW);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "64 bits"));
}

/* ---- PNG files written and read here with libpng ------------------------------------- */

typedef struct image {
  int width, height, channels, depth;
  unsigned v[64 * 64 * 4 * 16]; /* interleaved samples */
} image;

static image in_img, out_img, cpu_img; /* large; one of each at a time */

static const int colour_types[4] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};

static int write_png(const char *path, const image *im) {
  FILE *f = fopen(path, "wb");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  int bytes = im->depth / 8, row = im->width * im->channels * bytes;
  unsigned char *data = malloc((size_t)(row * im->height));
  if (f == NULL || data == NULL || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    if (f != NULL)
      fclose(f);
    free(data);
    return -1;
  }
  for (int i = 0; i < im->width * im->height * im->channels; i++) {
    if (bytes == 2) {
      data[2 * i] = (unsigned char)(im->v[i] >> 8);
      data[2 * i + 1] = (unsigned char)im->v[i];
    } else {
      data[i] = (unsigned char)im->v[i];
    }
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)im->width, (png_uint_32)im->height, im->depth,
               colour_types[im->channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < im->height; y++)
    png_write_row(png, data + y * row);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  free(data);
  return fclose(f);
}

/* Reads a PNG as it is stored (no transformations). Returns 0 or -1. */
static int read_png(const char *path, image *im) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return -1;
  }
  png_init_io(png, f);
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
  im->width = (int)png_get_image_width(png, info);
  im->height = (int)png_get_image_height(png, info);
  im->channels = png_get_channels(png, info);
  im->depth = png_get_bit_depth(png, info);
  int ok = png_get_color_type(png, info) == colour_types[im->channels - 1] &&
           (size_t)im->width * (size_t)im->height * (size_t)im->channels <=
               sizeof im->v / sizeof im->v[0];
  png_bytepp rows = png_get_rows(png, info);
  for (int y = 0; ok && y < im->height; y++) {
    for (int i = 0; i < im->width * im->channels; i++)
      im->v[y * im->width * im->channels + i] =
          im->depth == 16 ? (unsigned)rows[y][2 * i] << 8 | rows[y][2 * i + 1] : rows[y][i];
  }
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
  return ok ? 0 : -1;
}

/* Sample (x, y, c) of an image. */
static unsigned at(const image *im, int x, int y, int c) {
  return im->v[(y * im->width + x) * im->channels + c];
}

/* Channel c of the test image: a constant, or a ramp along x (c odd) or y (c even > 0). */
static double pattern(int ramp, int depth, int x, int y, int c) {
  double unit = depth == 16 ? 257.0 : 1.0;
  if (!ramp)
    return unit * (40 + 50 * c);
  return unit * (c % 2 == 1 ? 10 + 20 * x : 5 + 15 * y + 3 * c);
}

static const test_cli_result *last_run; /* upsample()'s run of the tool */

/* Writes the pattern, upsamples by `scale` on `device`, reads the result into out_img;
 * checks size, type and depth. Returns 0 when the output could be read. */
static int upsample(int channels, int depth, int ramp, int scale, const char *device) {
  char in[TEST_PATH_SIZE], out[TEST_PATH_SIZE], scale_text[16];
  in_img.width = 7;
  in_img.height = 5;
  in_img.channels = channels;
  in_img.depth = depth;
  for (int y = 0; y < in_img.height; y++)
    for (int x = 0; x < in_img.width; x++)
      for (int c = 0; c < channels; c++)
        in_img.v[(y * in_img.width + x) * channels + c] = (unsigned)pattern(ramp, depth, x, y, c);
  CU_ASSERT_EQUAL_FATAL(write_png(test_tmp_path(in, "in.png"), &in_img), 0);
  test_tmp_path(out, "out.png");
  unlink(out);
  snprintf(scale_text, sizeof scale_text, "%d", scale);
  const test_cli_result *r = CLI("upsample", in, out, "--scale", scale_text, "--device", device);
  last_run = r;
  EXPECT_EXIT(r, 0, "tconv upsample");
  if (r->status != 0 || read_png(out, &out_img) != 0) {
    CU_FAIL("the upsampled PNG can be read");
    return -1;
  }
  EXPECT_HAS(r->out, "in.png: 7x5 ");
  CU_ASSERT_EQUAL(out_img.width, 7 * scale);
  CU_ASSERT_EQUAL(out_img.height, 5 * scale);
  CU_ASSERT_EQUAL(out_img.channels, channels);
  CU_ASSERT_EQUAL(out_img.depth, depth);
  return out_img.width == 7 * scale && out_img.height == 5 * scale ? 0 : -1;
}

/* Away from the border (F pixels), output pixel (X, Y) samples the input at
 * ((X + 0.5)/F - 0.5, (Y + 0.5)/F - 0.5); the pattern is linear, so interpolation is exact
 * up to the final rounding. */
static void check_interior(int ramp, int scale) {
  int bad = 0;
  for (int y = scale; y < out_img.height - scale; y++) {
    for (int x = scale; x < out_img.width - scale; x++) {
      double sx = (x + 0.5) / scale - 0.5, sy = (y + 0.5) / scale - 0.5;
      for (int c = 0; c < out_img.channels; c++) {
        double want = ramp ? pattern(1, out_img.depth, 0, 0, c) +
                                 (c % 2 == 1 ? sx * (pattern(1, out_img.depth, 1, 0, c) -
                                                     pattern(1, out_img.depth, 0, 0, c))
                                             : sy * (pattern(1, out_img.depth, 0, 1, c) -
                                                     pattern(1, out_img.depth, 0, 0, c)))
                           : pattern(0, out_img.depth, 0, 0, c);
        bad += fabs((double)at(&out_img, x, y, c) - want) > (ramp ? 0.5 + 1e-3 : 0.0);
      }
    }
  }
  CU_ASSERT_EQUAL(bad, 0);
  if (bad != 0)
    fprintf(stderr, "\n  %d interior samples off (%d channels, %d bits, ramp %d, scale %d)\n", bad,
            out_img.channels, out_img.depth, ramp, scale);
}

static void test_png_constant_and_ramp(void) {
  for (int channels = 1; channels <= 4; channels++)
    for (int depth = 8; depth <= 16; depth += 8)
      for (int ramp = 0; ramp <= 1; ramp++)
        for (int scale = 2; scale <= 4; scale++)
          if (upsample(channels, depth, ramp, scale, "cpu") == 0)
            check_interior(ramp, scale);
}

static void test_png_scale_1_is_identity(void) {
  for (int channels = 1; channels <= 4; channels += 3) {
    if (upsample(channels, 16, 1, 1, "cpu") != 0)
      continue;
    CU_ASSERT_EQUAL(memcmp(out_img.v, in_img.v, sizeof(unsigned) * 7 * 5 * (size_t)channels), 0);
  }
}

static void test_failures(void) {
  char in[TEST_PATH_SIZE], out[TEST_PATH_SIZE], junk[TEST_PATH_SIZE];
  struct stat st;
  upsample(3, 8, 0, 2, "cpu"); /* leaves a valid in.png */
  test_tmp_path(in, "in.png");
  test_tmp_path(out, "fail.png");
  const test_cli_result *r = CLI("upsample", in, out, "--scale", "0");
  EXPECT_EXIT(r, 2, "--scale 0");
  EXPECT_HAS(r->err, "tconv: error: --scale");
  r = CLI("upsample", in, out, "--scale", "x2");
  EXPECT_EXIT(r, 2, "--scale x2");
  r = CLI("upsample", in, out);
  EXPECT_EXIT(r, 2, "no --scale");
  r = CLI("upsample", in, "--scale", "2");
  EXPECT_EXIT(r, 2, "no OUT.png");
  r = CLI("upsample", in, out, "--scale", "2", "--device", "tpu");
  EXPECT_EXIT(r, 2, "--device tpu");
  r = CLI("upsample", test_tmp_path(junk, "absent.png"), out, "--scale", "2");
  EXPECT_EXIT(r, 1, "missing input");
  EXPECT_HAS(r->err, "absent.png: cannot open");
  FILE *f = fopen(test_tmp_path(junk, "junk.png"), "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("\x89PNG\r\n\x1a\nnot really", f);
  fclose(f);
  r = CLI("upsample", junk, out, "--scale", "2");
  EXPECT_EXIT(r, 1, "truncated PNG");
  EXPECT_HAS(r->err, "junk.png: not a readable PNG");
  r = CLI("upsample", in, test_tmp_path(junk, "no/such/dir.png"), "--scale", "2");
  EXPECT_EXIT(r, 1, "unwritable output");
  CU_ASSERT_NOT_EQUAL(stat(out, &st), 0);
  r = CLI("upsample", "--help");
  EXPECT_EXIT(r, 0, "upsample --help");
  EXPECT_HAS(r->out, "usage: tconv upsample");
  CU_ASSERT_FALSE(test_tmp_files_left());
}

static void test_gpu_matches_cpu(void) {
  for (int channels = 1; channels <= 4; channels++) {
    for (int depth = 8; depth <= 16; depth += 8) {
      if (upsample(channels, depth, 1, 3, "cpu") != 0)
        continue;
      cpu_img = out_img;
      if (upsample(channels, depth, 1, 3, "cuda") != 0)
        continue;
      EXPECT_HAS(last_run->out, " on cuda in ");
      int differ = 0; /* float sums in another order may round a .5 the other way */
      for (int i = 0; i < out_img.width * out_img.height * channels; i++)
        differ += abs((int)out_img.v[i] - (int)cpu_img.v[i]) > 1;
      CU_ASSERT_EQUAL(differ, 0);
    }
  }
}

/* ---- registration -------------------------------------------------------------------- */

static int suite_init(void) { return test_tmp_dir_make(); }
static int suite_cleanup(void) { return test_tmp_dir_remove(); }

CU_ErrorCode test_register_upsample(void) {
  CU_pSuite s = CU_add_suite("upsample", suite_init, suite_cleanup);
  if (s == NULL)
    return CU_get_error();
  if (!CU_add_test(s, "bilinear kernel values, F = 1..4", test_kernel_values) ||
      !CU_add_test(s, "bilinear kernel errors: status, nothing written", test_kernel_errors) ||
      !CU_add_test(s, "PNG 8/16-bit, 1-4 channels: sizes, constants, ramps",
                   test_png_constant_and_ramp) ||
      !CU_add_test(s, "scale 1 is the identity", test_png_scale_1_is_identity) ||
      !CU_add_test(s, "failures: exit 2 / 1, no output file", test_failures))
    return CU_get_error();
  char reason[256];
  if (tconv_cuda_probe(reason, sizeof reason) == TCONV_STATUS_OK) {
    if (!CU_add_test(s, "GPU output = CPU output", test_gpu_matches_cpu))
      return CU_get_error();
  } else {
    printf("upsample: GPU-vs-CPU check NOT RUN (%s)\n", reason);
  }
  return CUE_SUCCESS;
}
