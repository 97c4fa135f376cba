/*
 * test_upsample.c - suite "upsample": the library's tconv_bilinear_kernel() (hand-computed
 * values, error statuses), the tool's interpolation kernels (tools/interp.c) against the
 * library's bilinear kernel and Keys' cubic, then upsampling compared on every sample with
 * the PyTorch-made golden PNGs of tests/data/upsample (3 filters x scales 2, 3, 4, 5, 8 x
 * 8 colour types, computed in-process through a CPU context; through a CUDA context too when
 * a device is usable, otherwise a line says that part did not run), premultiplied alpha
 * (no fringes) at every scale 1..16, 16-bit bicubic at x13 and x16 against an exact 128-bit
 * oracle (the sums beyond 64 bits), scale 1 as the identity, and `tconv upsample` itself:
 * output files equal to the goldens, every failure with its exit status, its exact message
 * and no output file.
 */
#include "cli.h"
#include "interp.h"
#include "pngfile.h"
#include "testutil.h"

#include <png.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the library's bilinear kernel ------------------------------------------------------ */

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

/* ---- the tool's kernels ----------------------------------------------------------------- */

/* PyTorch's bicubic weight (cubic_convolution1/2, A = -0.75) in double. */
static double keys(double x) {
  const double a = -0.75;
  x = fabs(x);
  if (x <= 1)
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
}

static void test_interp_kernels(void) {
  char err[256];
  int bad = 0;
  for (int64_t f = 1; f <= 16; f++) {
    interp_kernel kn[3];
    for (int filter = 0; filter < 3; filter++)
      CU_ASSERT_EQUAL_FATAL(interp_kernel_make((interp_filter)filter, f, &kn[filter], err, 256), 0);
    const int64_t t = f % 2 ? f : 2 * f;
    CU_ASSERT(kn[0].size == f && kn[0].padding == 0 && kn[0].margin == 0 && kn[0].denominator == 1);
    CU_ASSERT(kn[1].size == 2 * f - f % 2 && kn[1].padding == f / 2 && kn[1].margin == 1 &&
              kn[1].denominator == t);
    CU_ASSERT(kn[2].size == 4 * f - f % 2 && kn[2].padding == (3 * f - f % 2) / 2 &&
              kn[2].margin == 2 && kn[2].denominator == 4 * t * t * t);
    float lib[64];
    CU_ASSERT_EQUAL_FATAL(tconv_bilinear_kernel(1, f, 1, lib, 64), TCONV_STATUS_OK);
    for (int64_t j = 0; j < kn[0].size; j++)
      bad += kn[0].taps[j] != 1;
    for (int64_t j = 0; j < kn[1].size; j++)
      bad += fabs((double)kn[1].taps[j] / (double)t - lib[j]) > 1e-7;
    for (int64_t j = 0; j < kn[2].size; j++) {
      const double x = ((double)j - (double)(kn[2].size - 1) / 2) / (double)f;
      bad += fabs((double)kn[2].taps[j] / (double)kn[2].denominator - keys(x)) > 1e-12;
    }
    for (int filter = 0; filter < 3; filter++)
      interp_kernel_free(&kn[filter]);
  }
  CU_ASSERT_EQUAL(bad, 0);
  interp_kernel kn;
  CU_ASSERT_EQUAL(interp_kernel_make(INTERP_BICUBIC, 64, &kn, err, 256), 0);
  interp_kernel_free(&kn);
  CU_ASSERT_EQUAL(interp_kernel_make(INTERP_BICUBIC, 65, &kn, err, 256), 2);
  CU_ASSERT_STRING_EQUAL(err, "--scale: 65 is outside 1 .. 64 for bicubic (larger scales need "
                              "taps beyond float32's exact integers)");
  CU_ASSERT_EQUAL(interp_kernel_make(INTERP_BILINEAR, 0, &kn, err, 256), 2);
  CU_ASSERT_STRING_EQUAL(err, "--scale: 0 is outside 1 .. 1048576");
  CU_ASSERT_PTR_NULL(kn.taps);
}

/* ---- PNG files read here with libpng, not with the tool's pngfile.c -------------------- */

#define MAX_SAMPLES (64 * 64 * 4)

typedef struct image {
  int width, height, channels, depth;
  unsigned v[MAX_SAMPLES]; /* interleaved samples */
} image;

static image want_img; /* large */

static const int colour_types[4] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};

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
           (size_t)im->width * (size_t)im->height * (size_t)im->channels <= MAX_SAMPLES;
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

/* Samples that differ between `got` (planar) and `want` (interleaved, same shape); the
 * largest difference goes to *max_diff. -1 when the shapes differ. */
static int64_t differences(const pngfile_image *got, const image *want, int *max_diff) {
  if (got->width != want->width || got->height != want->height || got->channels != want->channels ||
      got->bit_depth != want->depth)
    return -1;
  const int64_t plane = got->width * got->height;
  int64_t bad = 0;
  for (int64_t p = 0; p < plane; p++) {
    for (int c = 0; c < got->channels; c++) {
      const int d = abs((int)got->data[c * plane + p] - (int)want->v[p * got->channels + c]);
      bad += d != 0;
      *max_diff = d > *max_diff ? d : *max_diff;
    }
  }
  return bad;
}

/* ---- the golden files --------------------------------------------------------------------- */

static const char *const type_names[8] = {"g8",  "ga8",  "rgb8",  "rgba8",
                                          "g16", "ga16", "rgb16", "rgba16"};
static const int golden_scales[5] = {2, 3, 4, 5, 8};

static const char *data_path(char *buf, const char *name) {
  snprintf(buf, TEST_PATH_SIZE, "%s/upsample/%s", test_data_dir(), name);
  return buf;
}

/* What one storage's pass over the goldens found. */
typedef struct golden_tally {
  int64_t samples, bad;
  int max_diff, files, refused;
} golden_tally;

/* Upsamples in-<type>.png on ctx with its tensors stored as `storage` says (NULL: float32
 * channels-first) and compares it with its golden file. A storage that cannot hold the
 * filter's integers exactly may refuse, with exit code 2 and the reason. */
static void golden_case(tconv_context *ctx, const interp_storage *storage, interp_filter filter,
                        int f, const char *type, golden_tally *t) {
  char path[TEST_PATH_SIZE], name[64], err[CLI_ERR_SIZE];
  pngfile_image in, out;
  interp_kernel kn;
  interp_report report;
  snprintf(name, sizeof name, "in-%s.png", type);
  CU_ASSERT_EQUAL_FATAL(pngfile_read(data_path(path, name), &in, err, sizeof err), 0);
  snprintf(name, sizeof name, "%s-x%d-%s.png", interp_filter_name(filter), f, type);
  CU_ASSERT_EQUAL_FATAL(read_png(data_path(path, name), &want_img), 0);
  CU_ASSERT_EQUAL_FATAL(interp_kernel_make(filter, f, &kn, err, sizeof err), 0);
  const int rc = interp_upsample(ctx, &in, &kn, storage, &out, &report, err, sizeof err);
  t->files++;
  if (rc == 0) {
    const int64_t d = differences(&out, &want_img, &t->max_diff);
    CU_ASSERT_EQUAL(d, 0);
    if (d != 0)
      fprintf(stderr, "\n  %s: %lld samples differ (max %d)\n", name, (long long)d, t->max_diff);
    t->samples += out.width * out.height * out.channels;
    t->bad += d;
  } else if (storage != NULL &&
             (storage->dtype != TCONV_DTYPE_FLOAT32 || storage->math != TCONV_MATH_STRICT) &&
             rc == CLI_EXIT_USAGE &&
             strstr(err, "beyond the integers those tensors hold exactly") != NULL) {
    t->refused++;
  } else {
    CU_FAIL("upsample failed");
    fprintf(stderr, "\n  %s: %s\n", name, err);
  }
  pngfile_free(&out);
  pngfile_free(&in);
  interp_kernel_free(&kn);
}

static golden_tally goldens_stored(tconv_context *ctx, const interp_storage *storage) {
  golden_tally t = {0};
  for (int filter = 0; filter < 3; filter++)
    for (int s = 0; s < 5; s++)
      for (int i = 0; i < 8; i++)
        golden_case(ctx, storage, (interp_filter)filter, golden_scales[s], type_names[i], &t);
  return t;
}

static void goldens_on(tconv_backend backend) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(backend, 0, &ctx), TCONV_STATUS_OK);
  const golden_tally t = goldens_stored(ctx, NULL);
  /* tests/data/upsample/MANIFEST's total: every file was read and compared. */
  CU_ASSERT_EQUAL(t.samples, 82836);
  printf("\n    upsample goldens on %s: %d files, %lld samples compared, %lld differ, max "
         "|difference| %d ",
         backend == TCONV_BACKEND_CUDA ? "cuda" : "cpu", t.files, (long long)t.samples,
         (long long)t.bad, t.max_diff);
  /* Every other storage gives the same images, or refuses a filter and scale whose integers
   * it cannot hold (never float32 under STRICT math; float16 holds every bilinear and
   * nearest kernel of these scales). */
  for (int d = 0; d < TCONV_DTYPE_COUNT; d++)
    for (int l = 0; l < TCONV_LAYOUT_COUNT; l++)
      for (int m = 0; m < TCONV_MATH_COUNT; m++) {
        const interp_storage s = {(tconv_dtype)d, (tconv_layout)l, (tconv_math)m};
        if (d == TCONV_DTYPE_FLOAT32 && l == TCONV_LAYOUT_NCHW && m == TCONV_MATH_STRICT)
          continue;
        const golden_tally u = goldens_stored(ctx, &s);
        printf("\n    %s %s %s: %lld samples equal, %d of %d files refused",
               tconv_dtype_name(s.dtype), tconv_layout_name(s.layout), tconv_math_name(s.math),
               (long long)(u.samples - u.bad), u.refused, u.files);
        CU_ASSERT(u.samples > 0);
        if (d == TCONV_DTYPE_FLOAT32 && m == TCONV_MATH_STRICT)
          CU_ASSERT_EQUAL(u.samples, 82836);
        if (d == TCONV_DTYPE_FLOAT16)
          CU_ASSERT(u.refused <= 40); /* at most the bicubic files */
      }
  tconv_context_destroy(ctx);
}

static void test_goldens_cpu(void) { goldens_on(TCONV_BACKEND_CPU); }
static void test_goldens_cuda(void) { goldens_on(TCONV_BACKEND_CUDA); }

/* ---- properties at every scale up to 16 ------------------------------------------------- */

/* A 3x2 image with random samples (random_colour) or one colour with random alpha, some of
 * it 0 with random colour under it, which premultiplication must ignore. */
static void fill_image(pngfile_image *img, int channels, int depth, int random_colour) {
  const int max = depth == 16 ? 65535 : 255;
  *img = (pngfile_image){3, 2, channels, depth, malloc(6 * (size_t)channels * sizeof(uint16_t))};
  CU_ASSERT_PTR_NOT_NULL_FATAL(img->data);
  const int alpha_channel = channels % 2 == 0 ? channels - 1 : -1;
  for (int p = 0; p < 6; p++) {
    const int alpha = p % 3 == 0 ? 0 : p % 3 == 1 ? max : (int)test_rng_int(1, max);
    for (int c = 0; c < channels; c++) {
      const int v = c == alpha_channel            ? alpha
                    : random_colour || alpha == 0 ? (int)test_rng_int(0, max)
                                                  : max / 3 + c;
      img->data[c * 6 + p] = (uint16_t)v;
    }
  }
}

static void test_no_fringes_every_scale(void) {
  char err[CLI_ERR_SIZE];
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  int64_t checked = 0, bad = 0;
  for (int filter = INTERP_BILINEAR; filter <= INTERP_BICUBIC; filter++) {
    for (int f = 1; f <= 16; f++) {
      for (int channels = 2; channels <= 4; channels += 2) {
        const int depth = channels == 2 ? 8 : 16, max = depth == 16 ? 65535 : 255;
        pngfile_image in, out;
        interp_kernel kn;
        interp_report report;
        fill_image(&in, channels, depth, 0);
        CU_ASSERT_EQUAL_FATAL(interp_kernel_make((interp_filter)filter, f, &kn, err, 256), 0);
        CU_ASSERT_EQUAL_FATAL(interp_upsample(ctx, &in, &kn, NULL, &out, &report, err, 256), 0);
        /* Where any alpha arrives, the colour is exactly the one colour of the image. */
        const int64_t plane = out.width * out.height;
        for (int64_t p = 0; p < plane; p++) {
          for (int c = 0; c < channels - 1; c++) {
            const int v = out.data[c * plane + p], a = out.data[(channels - 1) * plane + p];
            bad += a > 0 ? v != max / 3 + c : v != 0 && v != max / 3 + c;
            checked++;
          }
        }
        pngfile_free(&in);
        pngfile_free(&out);
        interp_kernel_free(&kn);
      }
    }
  }
  tconv_context_destroy(ctx);
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT(checked > 0);
}

/* ---- an exact oracle for the sums beyond 64 bits ------------------------------------------ */

__extension__ typedef __int128 wide;

/* Keys' cubic (A = -3/4) at distance m / t, times 4 t^3. */
static wide keys_int(int64_t m, int64_t t) {
  const wide a = m < 0 ? -m : m, tt = t;
  if (a <= tt)
    return 5 * a * a * a - 9 * a * a * tt + 4 * tt * tt * tt;
  return a < 2 * tt ? -3 * (a * a * a - 5 * a * a * tt + 8 * a * tt * tt - 4 * tt * tt * tt) : 0;
}

/* PyTorch's bicubic source taps for output o (align_corners=False): the four inputs from
 * floor(real) - 1, clamped into [0, n), and their weights times 4 t^3. */
static void bicubic_taps(int64_t o, int64_t f, int64_t n, int64_t *at, wide *w) {
  const int64_t t = f % 2 ? f : 2 * f, u = (2 * o + 1 - f) * t / (2 * f); /* real * t */
  const int64_t base = u >= 0 ? u / t : -((-u + t - 1) / t), m = u - base * t;
  for (int j = 0; j < 4; j++) {
    const int64_t i = base - 1 + j;
    at[j] = i < 0 ? 0 : i >= n ? n - 1 : i;
    w[j] = keys_int(m + t - j * t, t);
  }
}

static unsigned oracle_round(wide num, wide den, unsigned max) {
  if (num <= 0)
    return 0;
  wide q = num / den, r = num % den;
  q += 2 * r > den || (2 * r == den && q % 2 == 1);
  return q > max ? max : (unsigned)q;
}

/* 16-bit RGBA, bicubic x13 and x16: full-scale colour where the 2-D weights are negative
 * (rows 0 and 3 of a 4x4 window against columns 1 and 2, and the other way round) drives the
 * premultiplied sums below -2^63, and elsewhere past 2^52: only the 128-bit path holds them. */
static void test_bicubic_16_bit_extremes(void) {
  char err[CLI_ERR_SIZE];
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  int64_t bad = 0, beyond52 = 0, below63 = 0;
  for (int f = 13; f <= 16; f += 3) {
    pngfile_image in = {4, 4, 4, 16, malloc(64 * sizeof(uint16_t))}, out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(in.data);
    for (int p = 0; p < 16; p++) {
      const int outer_row = p / 4 == 0 || p / 4 == 3, outer_column = p % 4 == 0 || p % 4 == 3;
      const int bright = outer_row != outer_column;
      for (int c = 0; c < 3; c++)
        in.data[c * 16 + p] = (uint16_t)(bright ? 65535 : c * 1000);
      in.data[48 + p] = (uint16_t)(bright ? 65535 : p == 0 ? 1 : 40000);
    }
    interp_kernel kn;
    interp_report report;
    CU_ASSERT_EQUAL_FATAL(interp_kernel_make(INTERP_BICUBIC, f, &kn, err, 256), 0);
    CU_ASSERT_EQUAL_FATAL(interp_upsample(ctx, &in, &kn, NULL, &out, &report, err, 256), 0);
    const wide d = (wide)kn.denominator * kn.denominator;
    for (int64_t y = 0; y < 4 * f; y++) {
      for (int64_t x = 0; x < 4 * f; x++) {
        int64_t ry[4], rx[4];
        wide wy[4], wx[4], sum[4] = {0, 0, 0, 0};
        bicubic_taps(y, f, 4, ry, wy);
        bicubic_taps(x, f, 4, rx, wx);
        for (int i = 0; i < 4; i++) {
          for (int j = 0; j < 4; j++) {
            const int64_t p = ry[i] * 4 + rx[j];
            for (int c = 0; c < 4; c++)
              sum[c] += wy[i] * wx[j] * in.data[c * 16 + p] * (c < 3 ? in.data[48 + p] : 1);
          }
        }
        for (int c = 0; c < 4; c++) {
          const unsigned want = c == 3       ? oracle_round(sum[3], d, 65535)
                                : sum[3] > 0 ? oracle_round(sum[c], sum[3], 65535)
                                             : 0;
          bad += out.data[c * out.width * out.height + y * out.width + x] != want;
          beyond52 += sum[c] >= (wide)1 << 52;
          below63 += sum[c] < -((wide)1 << 63);
        }
      }
    }
    pngfile_free(&in);
    pngfile_free(&out);
    interp_kernel_free(&kn);
  }
  tconv_context_destroy(ctx);
  CU_ASSERT_EQUAL(bad, 0);
  /* The case is only worth its name if both wide ranges occurred. */
  CU_ASSERT(beyond52 > 0);
  CU_ASSERT(below63 > 0);
}

static void test_scale_1_is_identity(void) {
  char err[CLI_ERR_SIZE];
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  for (int filter = 0; filter < 3; filter++) {
    for (int channels = 1; channels <= 4; channels++) {
      pngfile_image in, out;
      interp_kernel kn;
      interp_report report;
      fill_image(&in, channels, channels % 2 ? 16 : 8, 1);
      CU_ASSERT_EQUAL_FATAL(interp_kernel_make((interp_filter)filter, 1, &kn, err, 256), 0);
      CU_ASSERT_EQUAL_FATAL(interp_upsample(ctx, &in, &kn, NULL, &out, &report, err, 256), 0);
      /* Premultiplication zeroes the colour under alpha 0; everything else is unchanged. */
      const int zeroed = channels % 2 == 0 && filter != INTERP_NEAREST;
      for (int p = 0; p < 6; p++)
        for (int c = 0; c < channels; c++)
          CU_ASSERT_EQUAL(out.data[c * 6 + p],
                          zeroed && c < channels - 1 && in.data[(channels - 1) * 6 + p] == 0
                              ? 0
                              : in.data[c * 6 + p]);
      pngfile_free(&in);
      pngfile_free(&out);
      interp_kernel_free(&kn);
    }
  }
  tconv_context_destroy(ctx);
}

/* ---- the command ----------------------------------------------------------------------- */

/* `tconv upsample` writes exactly the golden file's samples and says what it did. */
static void test_cli_writes_goldens(void) {
  static const struct {
    const char *filter, *scale, *type, *says;
  } runs[] = {
      {"bicubic", "3", "rgba16", "3x3 RGBA 16-bit -> "},
      {"bilinear", "4", "ga8", "3x5 grey+alpha 8-bit -> "},
      {"nearest", "5", "rgb8", "5x3 RGB 8-bit -> "},
  };
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    char in[TEST_PATH_SIZE], golden[TEST_PATH_SIZE], out[TEST_PATH_SIZE], name[64], want[128];
    snprintf(name, sizeof name, "in-%s.png", runs[i].type);
    data_path(in, name);
    snprintf(name, sizeof name, "%s-x%s-%s.png", runs[i].filter, runs[i].scale, runs[i].type);
    test_tmp_path(out, "out.png");
    const test_cli_result *r =
        i == 1 ? CLI("upsample", in, out, "--scale", runs[i].scale, "--device", "cpu")
               : CLI("upsample", in, out, "--scale", runs[i].scale, "--filter", runs[i].filter,
                     "--device", "cpu");
    EXPECT_EXIT(r, 0, name);
    EXPECT_HAS(r->out, runs[i].says);
    snprintf(want, sizeof want, ", %s x%s on cpu in ", runs[i].filter, runs[i].scale);
    EXPECT_HAS(r->out, want);
    pngfile_image got;
    char err[CLI_ERR_SIZE];
    int max_diff = 0;
    CU_ASSERT_EQUAL_FATAL(pngfile_read(out, &got, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(read_png(data_path(golden, name), &want_img), 0);
    CU_ASSERT_EQUAL(differences(&got, &want_img, &max_diff), 0);
    pngfile_free(&got);
    unlink(out);
  }
}

/* The run exits with `code`, prints exactly "tconv: error: <message>\n" (only its start when
 * `prefix`: libpng's own words follow) and leaves no output file (OUT.png is fail.png). */
static void expect_failure(const char *const *args, int code, const char *message, int prefix,
                           int line) {
  char out[TEST_PATH_SIZE], want[1024], what[64];
  const test_cli_result *r = test_cli_run(args);
  snprintf(what, sizeof what, "upsample failure at line %d", line);
  test_expect_exit_at(r, code, what, __FILE__, line);
  snprintf(want, sizeof want, "tconv: error: %s%s", message, prefix ? "" : "\n");
  const int same = prefix ? strncmp(r->err, want, strlen(want)) == 0 : strcmp(r->err, want) == 0;
  CU_assertImplementation(same, (unsigned)line, "exact message", __FILE__, "", CU_FALSE);
  if (!same)
    fprintf(stderr, "\n  stderr: %s  expected: %s\n", r->err, want);
  CU_assertImplementation(!test_file_exists(test_tmp_path(out, "fail.png")) &&
                              !test_tmp_files_left(),
                          (unsigned)line, "no output file", __FILE__, "", CU_FALSE);
}
#define FAILS(code, message, ...)                                                                  \
  expect_failure((const char *const[]){"upsample", __VA_ARGS__, NULL}, (code), (message), 0,       \
                 __LINE__)
#define FAILS_WITH_PREFIX(code, message, ...)                                                      \
  expect_failure((const char *const[]){"upsample", __VA_ARGS__, NULL}, (code), (message), 1,       \
                 __LINE__)

static void test_failures(void) {
  char in[TEST_PATH_SIZE], out[TEST_PATH_SIZE], p[TEST_PATH_SIZE], msg[2 * TEST_PATH_SIZE];
  data_path(in, "in-rgb8.png");
  test_tmp_path(out, "fail.png");
  FAILS(2, "--scale: 0 is outside 1 .. 1048576", in, out, "--scale", "0");
  FAILS(2, "--scale: -3 is outside 1 .. 1048576", in, out, "--scale", "-3");
  FAILS(2, "--scale: 1048577 is outside 1 .. 1048576", in, out, "--scale", "1048577");
  FAILS(2,
        "--scale: 65 is outside 1 .. 64 for bicubic (larger scales need taps beyond float32's "
        "exact integers)",
        in, out, "--scale", "65", "--filter", "bicubic");
  FAILS(2, "--scale: '2.5' is not an integer", in, out, "--scale", "2.5");
  FAILS(2, "--filter: 'lanczos' is not one of bilinear, nearest, bicubic", in, out, "--scale", "2",
        "--filter", "lanczos");
  FAILS(2, "upsample needs --scale F", in, out);
  FAILS(2, "upsample needs IN.png and OUT.png (see tconv upsample -h)", in, "--scale", "2");
  FAILS(2, "--device: 'tpu' is not one of auto, cpu, cuda", in, out, "--scale", "2", "--device",
        "tpu");
  FAILS(2, "unknown option '--size'", in, out, "--scale", "2", "--size", "3");
  FAILS(2, "--dtype: 'float64' is not one of float32, float16, bfloat16", in, out, "--scale", "2",
        "--dtype", "float64");
  FAILS(2, "--layout: 'nc' is not one of nchw, nhwc", in, out, "--scale", "2", "--layout", "nc");
  FAILS(2,
        "--dtype bfloat16 --math strict: this filter and scale need taps up to 225 summing to 328 "
        "per output, beyond the integers those tensors hold exactly (operands up to 256, results "
        "up to 256); use a wider --dtype",
        in, out, "--scale", "2", "--filter", "bicubic", "--dtype", "bfloat16", "--device", "cpu");
  FAILS(2, "upsample: unexpected argument 'extra.png'", in, out, "extra.png", "--scale", "2");
  snprintf(msg, sizeof msg, "%s: cannot open: No such file or directory",
           test_tmp_path(p, "absent.png"));
  FAILS(1, msg, p, out, "--scale", "2");
  FILE *f = fopen(test_tmp_path(p, "text.png"), "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("not a PNG at all", f);
  fclose(f);
  snprintf(msg, sizeof msg, "%s: not a PNG file (bad signature)", p);
  FAILS(1, msg, p, out, "--scale", "2");
  /* A valid file cut short in its image data, and one with a corrupted chunk checksum. */
  static unsigned char bytes[4096];
  FILE *g = fopen(in, "rb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  const size_t n = fread(bytes, 1, sizeof bytes, g);
  fclose(g);
  CU_ASSERT_FATAL(n > 40 && n < sizeof bytes);
  test_write_bytes(test_tmp_path(p, "cut.png"), bytes, n - 20);
  snprintf(msg, sizeof msg, "%s: not a readable PNG: ", p);
  FAILS_WITH_PREFIX(1, msg, p, out, "--scale", "2");
  bytes[n - 20] ^= 0x5a; /* inside the IDAT chunk, so its CRC no longer matches */
  test_write_bytes(test_tmp_path(p, "crc.png"), bytes, n);
  snprintf(msg, sizeof msg, "%s: not a readable PNG: ", p);
  FAILS_WITH_PREFIX(1, msg, p, out, "--scale", "2");
  /* 2049 pixels wide times 2^20 is beyond PNG's 2^31 - 1 per side. */
  static uint16_t zeros[2049];
  const pngfile_image wide_img = {2049, 1, 1, 8, zeros};
  CU_ASSERT_EQUAL_FATAL(pngfile_write(test_tmp_path(p, "wide.png"), &wide_img, msg, sizeof msg), 0);
  FAILS(2,
        "--scale 1048576: the output (2148532224x1048576) exceeds PNG's limit of 2147483647 "
        "pixels per side",
        p, out, "--scale", "1048576", "--filter", "nearest");
  snprintf(msg, sizeof msg, "%s: cannot create a temporary file: No such file or directory",
           test_tmp_path(p, "no/such/dir.png"));
  expect_failure((const char *const[]){"upsample", in, p, "--scale", "2", "--device", "cpu", NULL},
                 1, msg, 0, __LINE__);
  const test_cli_result *r = CLI("upsample", "--help");
  EXPECT_EXIT(r, 0, "upsample --help");
  EXPECT_HAS(r->out, "usage: tconv upsample IN.png OUT.png --scale F [--filter");
}

/* ---- registration ---------------------------------------------------------------------- */

static int suite_init(void) { return test_tmp_dir_make(); }
static int suite_cleanup(void) { return test_tmp_dir_remove(); }

CU_ErrorCode test_register_upsample(void) {
  CU_pSuite s = CU_add_suite("upsample", suite_init, suite_cleanup);
  if (s == NULL)
    return CU_get_error();
  if (!CU_add_test(s, "bilinear kernel values, F = 1..4", test_kernel_values) ||
      !CU_add_test(s, "bilinear kernel errors: status, nothing written", test_kernel_errors) ||
      !CU_add_test(s, "interpolation kernels: library bilinear, Keys cubic, limits",
                   test_interp_kernels) ||
      !CU_add_test(s, "every sample of 120 PyTorch goldens, CPU, every storage",
                   test_goldens_cpu) ||
      !CU_add_test(s, "bilinear/bicubic premultiply: no fringes, scales 1..16",
                   test_no_fringes_every_scale) ||
      !CU_add_test(s, "bicubic x13, x16 16-bit RGBA: sums past 2^52 and -2^63 exact",
                   test_bicubic_16_bit_extremes) ||
      !CU_add_test(s, "scale 1 is the identity", test_scale_1_is_identity) ||
      !CU_add_test(s, "tconv upsample writes the goldens", test_cli_writes_goldens) ||
      !CU_add_test(s, "failures: exit 2 / 1, exact message, no output file", test_failures))
    return CU_get_error();
  char reason[256];
  if (tconv_cuda_probe(reason, sizeof reason) == TCONV_STATUS_OK) {
    if (!CU_add_test(s, "every sample of 120 PyTorch goldens, CUDA, every storage",
                     test_goldens_cuda))
      return CU_get_error();
  } else {
    printf("upsample: goldens on CUDA NOT RUN (%s)\n", reason);
  }
  return CUE_SUCCESS;
}
