/*
 * interp.c - the interpolation kernels and the exact arithmetic behind interp.h.
 *
 * Why the result is exact: the library computes in float32 (float32 products, FP32 or
 * double sums, float32 output). Every integer of magnitude at most 2^24 is a float32, so
 * when the taps and the input values are integers and sum(|tap|) * max|value| <= 2^24 for
 * every output, every product and every partial sum - in any order, fused or not - is such
 * an integer and nothing is rounded. Values beyond that bound are cut into digits of `bits`
 * bits (the sign kept on every digit); each digit plane is one more channel of the
 * depthwise problem, and the outputs are put together again in 64- or 128-bit integers.
 * Every output the library returns is checked to be an integer inside the bound, so an
 * algorithm that does not keep integers exact is reported, never rounded silently.
 *
 * Other storages (interp_storage) narrow the bounds, never the result: float16 tensors hold
 * integers exactly up to 2^11 and bfloat16 up to 2^8 (operands and the stored result; the
 * library sums in FP32), and TF32 math rounds float32 operands to 11 significant bits. The
 * digits get fewer bits and more planes; a filter whose taps themselves do not fit is
 * refused.
 */
#include "interp.h"

#include "cli.h"
#include "float16.cuh"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* round_clamp() relies on double operations rounding to double, as SSE2 and every 64-bit
 * ABI do (not x87's extended precision). */
_Static_assert(FLT_EVAL_METHOD == 0, "double arithmetic must be evaluated in double");

/* The final sums reach about 2^80 (16-bit colour times alpha, two bicubic passes). */
__extension__ typedef __int128 wide_int;

#define EXACT_LIMIT ((int64_t)1 << 24) /* float32 holds every integer up to here */
#define MAX_CHANNELS 4

static const char *const filter_names[] = {"nearest", "bilinear", "bicubic"};

const char *interp_filter_name(interp_filter filter) {
  return (unsigned)filter <= INTERP_BICUBIC ? filter_names[filter] : "?";
}

int interp_filter_parse(const char *name, interp_filter *filter) {
  for (int i = 0; i <= INTERP_BICUBIC; i++) {
    if (strcmp(name, filter_names[i]) == 0) {
      *filter = (interp_filter)i;
      return 0;
    }
  }
  return -1;
}

/* ---- kernels ---------------------------------------------------------------------------- */

/* The weight times D of an input m / T pixels away from the output's sampling position
 * (T = F for odd F, 2F for even F, so that m is an integer). Bicubic is Keys' cubic
 * convolution with A = -3/4, as PyTorch computes it, over the denominator 4 T^3:
 *   |x| <= 1      (A + 2)|x|^3 - (A + 3)|x|^2 + 1      -> 5a^3 - 9a^2 T + 4T^3
 *   1 < |x| < 2   A|x|^3 - 5A|x|^2 + 8A|x| - 4A        -> -3 (a^3 - 5a^2 T + 8a T^2 - 4T^3) */
static int64_t tap_value(interp_filter filter, int64_t m, int64_t t) {
  const int64_t a = m < 0 ? -m : m;
  switch (filter) {
  case INTERP_NEAREST:
    return 1;
  case INTERP_BILINEAR:
    return a < t ? t - a : 0;
  case INTERP_BICUBIC:
    if (a <= t)
      return 5 * a * a * a - 9 * a * a * t + 4 * t * t * t;
    if (a < 2 * t)
      return -3 * (a * a * a - 5 * a * a * t + 8 * a * t * t - 4 * t * t * t);
    return 0;
  }
  return 0;
}

int interp_kernel_make(interp_filter filter, int64_t factor, interp_kernel *kernel, char *err,
                       size_t err_size) {
  memset(kernel, 0, sizeof *kernel);
  const int64_t max = filter == INTERP_BICUBIC ? INTERP_MAX_BICUBIC_FACTOR : INTERP_MAX_FACTOR;
  if ((unsigned)filter > INTERP_BICUBIC) {
    snprintf(err, err_size, "internal: filter %d is not one of nearest, bilinear, bicubic",
             (int)filter);
    return CLI_EXIT_RUNTIME;
  }
  if (factor < 1 || factor > max) {
    snprintf(err, err_size, "--scale: %lld is outside 1 .. %lld%s", (long long)factor,
             (long long)max,
             filter == INTERP_BICUBIC
                 ? " for bicubic (larger scales need taps beyond float32's exact integers)"
                 : "");
    return CLI_EXIT_USAGE;
  }
  /* The support radius in input pixels is also the edge replication PyTorch's clamped
   * coordinates amount to. The kernel covers every output within it, centred at
   * (k - 1) / 2; padding (k - F) / 2 aligns output o's centre with (o + 0.5) / F - 0.5. */
  const int64_t radius = filter == INTERP_NEAREST ? 0 : filter == INTERP_BILINEAR ? 1 : 2;
  const int64_t t = factor % 2 == 1 ? factor : 2 * factor;
  kernel->filter = filter;
  kernel->factor = factor;
  kernel->size = radius == 0 ? factor : 2 * radius * factor - factor % 2;
  kernel->padding = (kernel->size - factor) / 2;
  kernel->margin = radius;
  kernel->denominator = radius == 0 ? 1 : radius == 1 ? t : 4 * t * t * t;
  kernel->taps = malloc((size_t)kernel->size * sizeof *kernel->taps);
  if (kernel->taps == NULL) {
    snprintf(err, err_size, "out of memory for a kernel of %lld taps", (long long)kernel->size);
    return CLI_EXIT_RUNTIME;
  }
  for (int64_t j = 0; j < kernel->size; j++) {
    /* Tap j sits (j - (k - 1) / 2) / F input pixels from the centre: m / T with m below. */
    const int64_t m = (2 * j - (kernel->size - 1)) * t / (2 * factor);
    kernel->taps[j] = tap_value(filter, m, t);
  }
  /* Every output phase's taps must sum to D (constant images stay constant). */
  for (int64_t r = 0; r < factor && r < kernel->size; r++) {
    int64_t sum = 0;
    for (int64_t j = r; j < kernel->size; j += factor)
      sum += kernel->taps[j];
    if (sum != kernel->denominator) {
      snprintf(err, err_size, "internal: %s taps of phase %lld sum to %lld, not %lld",
               filter_names[filter], (long long)r, (long long)sum, (long long)kernel->denominator);
      interp_kernel_free(kernel);
      return CLI_EXIT_RUNTIME;
    }
  }
  return 0;
}

void interp_kernel_free(interp_kernel *kernel) {
  if (kernel == NULL)
    return;
  free(kernel->taps);
  memset(kernel, 0, sizeof *kernel);
}

/* ---- one exact pass through the library -------------------------------------------------- */

/* A depthwise transposed convolution with the separable kernel th (along H) x tw (along W). */
typedef struct pass {
  int64_t kh, kw;
  const int64_t *th, *tw;
  int64_t sh, sw, ph, pw; /* stride and padding */
} pass;

/* A pass's output as digit planes: channel c owns planes first[c] .. first[c + 1] - 1, the
 * least significant digit first. */
typedef struct digit_planes {
  int bits;
  int64_t channels, first[MAX_CHANNELS + 1];
  int64_t height, width;
  float *y; /* (first[channels], height, width) */
} digit_planes;

/* The largest sum of |tap| that reaches one output: the worst phase of the stride. */
static int64_t phase_sum(const int64_t *taps, int64_t k, int64_t stride) {
  int64_t best = 0;
  for (int64_t r = 0; r < stride && r < k; r++) {
    int64_t sum = 0;
    for (int64_t j = r; j < k; j += stride)
      sum += llabs(taps[j]);
    best = sum > best ? sum : best;
  }
  return best;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The value of channel c at flat position i, from its digits. */
static inline wide_int digit_value(const digit_planes *dp, int64_t c, int64_t i) {
  const int64_t plane = dp->height * dp->width;
  if (dp->first[c + 1] - dp->first[c] == 1) /* the common case, without 128-bit arithmetic */
    return (int64_t)dp->y[dp->first[c] * plane + i];
  wide_int v = 0;
  for (int64_t p = dp->first[c + 1] - 1; p >= dp->first[c]; --p)
    v = v * ((int64_t)1 << dp->bits) + (int64_t)dp->y[p * plane + i];
  return v;
}

/* The integers a storage holds exactly: `operand` bounds |x| and |w| as the arithmetic sees
 * them, `result` bounds |y| as stored. Products and sums in between are FP32 (or double),
 * exact below 2^24. */
static void exact_limits(const interp_storage *s, int64_t *operand, int64_t *result) {
  if (s->dtype == TCONV_DTYPE_FLOAT16) {
    *operand = *result = (int64_t)1 << 11;
  } else if (s->dtype == TCONV_DTYPE_BFLOAT16) {
    *operand = *result = (int64_t)1 << 8;
  } else {
    *result = EXACT_LIMIT;
    *operand = s->math == TCONV_MATH_TF32 ? (int64_t)1 << 11 : EXACT_LIMIT;
  }
}

/* Element `at` of an array of s->dtype; the values stored are integers it holds exactly. */
static void store_element(void *data, tconv_dtype dtype, int64_t at, float v) {
  if (dtype == TCONV_DTYPE_FLOAT16)
    ((uint16_t *)data)[at] = tconv_f32_to_f16(v);
  else if (dtype == TCONV_DTYPE_BFLOAT16)
    ((uint16_t *)data)[at] = tconv_f32_to_bf16(v);
  else
    ((float *)data)[at] = v;
}

static float load_element(const void *data, tconv_dtype dtype, int64_t at) {
  if (dtype == TCONV_DTYPE_FLOAT16)
    return tconv_f16_to_f32(((const uint16_t *)data)[at]);
  if (dtype == TCONV_DTYPE_BFLOAT16)
    return tconv_bf16_to_f32(((const uint16_t *)data)[at]);
  return ((const float *)data)[at];
}

/* The bits per digit that keep the pass exact in storage s (0: none do), and a sentence when
 * none do or a tap itself is out of reach. */
static int digit_bits(const pass *ps, const interp_storage *s, char *err, size_t err_size) {
  int64_t operand, result, tap = 0;
  exact_limits(s, &operand, &result);
  for (int64_t a = 0; a < ps->kh; a++)
    for (int64_t b = 0; b < ps->kw; b++)
      tap = llabs(ps->th[a] * ps->tw[b]) > tap ? llabs(ps->th[a] * ps->tw[b]) : tap;
  const int64_t bound = phase_sum(ps->th, ps->kh, ps->sh) * phase_sum(ps->tw, ps->kw, ps->sw);
  int bits = 0;
  while (tap <= operand && bits < 24 && ((int64_t)2 << bits) - 1 <= operand &&
         (((int64_t)2 << bits) - 1) * bound <= result)
    bits++;
  if (bits == 0)
    snprintf(err, err_size,
             "--dtype %s --math %s: this filter and scale need taps up to %lld summing to %lld "
             "per output, beyond the integers those tensors hold exactly (operands up to %lld, "
             "results up to %lld); use %s",
             tconv_dtype_name(s->dtype), tconv_math_name(s->math), (long long)tap, (long long)bound,
             (long long)operand, (long long)result,
             s->dtype == TCONV_DTYPE_FLOAT32 ? "--math strict" : "a wider --dtype");
  return bits;
}

/* Cuts `channels` planes of ih x iw integers into digits, runs the pass on ctx and checks
 * that every output is an exact integer. Returns 0 with out filled (out->y malloc'ed), or
 * an exit code with a sentence in err. */
static int run_pass(tconv_context *ctx, const pass *ps, const interp_storage *s, const int64_t *in,
                    int64_t channels, int64_t ih, int64_t iw, digit_planes *out,
                    interp_pass_info *info, char *err, size_t err_size) {
  const int bits = digit_bits(ps, s, err, err_size);
  if (bits == 0)
    return CLI_EXIT_USAGE;
  int64_t operand, result;
  exact_limits(s, &operand, &result);
  const int64_t plane_in = ih * iw;
  memset(out, 0, sizeof *out);
  out->bits = bits;
  out->channels = channels;
  for (int64_t c = 0; c < channels; c++) {
    int64_t most = 0, digits = 1;
    for (int64_t i = 0; i < plane_in; i++)
      most |= llabs(in[c * plane_in + i]);
    while (digits * bits < 63 && (most >> (digits * bits)) != 0)
      digits++;
    out->first[c + 1] = out->first[c] + digits;
  }
  const int64_t planes = out->first[channels];
  cli_tensor x = {4, {1, planes, ih, iw, 0}, NULL};
  cli_tensor w = {4, {planes, 1, ps->kh, ps->kw, 0}, NULL};
  cli_tensor y = {4, {0}, NULL};
  tconv_params params = tconv_params_default(2);
  params.stride[0] = ps->sh, params.stride[1] = ps->sw;
  params.pad_begin[0] = params.pad_end[0] = ps->ph;
  params.pad_begin[1] = params.pad_end[1] = ps->pw;
  params.groups = planes;
  tconv_status st = tconv_transpose_output_shape(&params, x.dims, w.dims, y.dims);
  if (st != TCONV_STATUS_OK) {
    snprintf(err, err_size, "%s", tconv_last_error());
    return cli_exit_code(st);
  }
  params.math = s->math;
  const size_t x_bytes = cli_tensor_bytes_of(&x, s->dtype),
               w_bytes = cli_tensor_bytes_of(&w, s->dtype),
               y_bytes = cli_tensor_bytes_of(&y, s->dtype);
  const int64_t count = planes * y.dims[2] * y.dims[3];
  /* y as float32 planes: the library's own array, or one converted from s's storage. */
  const int native = s->dtype == TCONV_DTYPE_FLOAT32 && s->layout == TCONV_LAYOUT_NCHW;
  x.data = x_bytes > 0 ? malloc(x_bytes) : NULL;
  w.data = w_bytes > 0 ? malloc(w_bytes) : NULL;
  y.data = y_bytes > 0 ? malloc(y_bytes) : NULL;
  float *yf = native ? y.data : malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
  const int last = s->layout == TCONV_LAYOUT_NHWC; /* channels last: planes innermost */
  int rc = 0;
  if (x.data == NULL || w.data == NULL || y.data == NULL || yf == NULL) {
    snprintf(err, err_size, "out of memory for %lld planes of %lldx%lld", (long long)planes,
             (long long)y.dims[3], (long long)y.dims[2]);
    rc = CLI_EXIT_RUNTIME;
  }
  for (int64_t c = 0; rc == 0 && c < channels; c++) {
    for (int64_t p = out->first[c]; p < out->first[c + 1]; p++) {
      const int shift = bits * (int)(p - out->first[c]);
      for (int64_t i = 0; i < plane_in; i++) {
        const int64_t v = in[c * plane_in + i], digit = (llabs(v) >> shift) & ((1 << bits) - 1);
        store_element(x.data, s->dtype, last ? i * planes + p : p * plane_in + i,
                      (float)(v < 0 ? -digit : digit));
      }
    }
    /* w (planes, 1, kh, kw) has one output channel per group: both layouts store it alike. */
    for (int64_t p = out->first[c]; p < out->first[c + 1]; p++)
      for (int64_t a = 0; a < ps->kh; a++)
        for (int64_t b = 0; b < ps->kw; b++)
          store_element(w.data, s->dtype, (p * ps->kh + a) * ps->kw + b,
                        (float)(ps->th[a] * ps->tw[b]));
  }
  if (rc == 0) {
    const cli_storage storage = {s->dtype, s->layout, s->layout, s->layout};
    const double start = seconds_now();
    st = cli_forward_typed(ctx, TCONV_OP_TRANSPOSE, &params, TCONV_ALGO_AUTO, &storage, &x, &w,
                           NULL, &y, err, err_size);
    info->seconds = seconds_now() - start;
    if (st != TCONV_STATUS_OK)
      rc = cli_exit_code(st);
  }
  const int64_t plane_out = y.dims[2] * y.dims[3];
  if (rc == 0 && !native)
    for (int64_t p = 0; p < planes; p++)
      for (int64_t i = 0; i < plane_out; i++)
        yf[p * plane_out + i] =
            load_element(y.data, s->dtype, last ? i * planes + p : p * plane_out + i);
  for (int64_t i = 0; rc == 0 && i < count; i++) {
    const float v = yf[i];
    if (!(fabsf(v) <= (float)result) || v != (float)(int32_t)v) {
      const int64_t plane = plane_out;
      snprintf(err, err_size,
               "the library returned %.9g at plane %lld, row %lld, column %lld where an exact "
               "integer was due: the algorithm it chose does not keep %s integer arithmetic "
               "exact",
               (double)v, (long long)(i / plane), (long long)(i % plane / y.dims[3]),
               (long long)(i % y.dims[3]), tconv_dtype_name(s->dtype));
      rc = CLI_EXIT_RUNTIME;
    }
  }
  free(x.data);
  free(w.data);
  if (!native)
    free(y.data);
  if (rc != 0) {
    free(yf);
    return rc;
  }
  out->height = y.dims[2];
  out->width = y.dims[3];
  out->y = yf;
  *info = (interp_pass_info){ps->kh, ps->kw, planes, bits, info->seconds};
  return 0;
}

/* ---- the image ------------------------------------------------------------------------------ */

/* Whether colour is interpolated premultiplied by alpha: when the image has alpha and the
 * filter mixes pixels. Nearest copies pixels, where premultiplying would only erase the
 * colour under alpha 0. */
static int premultiplied(const pngfile_image *img, interp_filter filter) {
  return (img->channels == 2 || img->channels == 4) && filter != INTERP_NEAREST;
}

/* The values to interpolate, (channels, H + 2m, W + 2m) with the border replicated m times:
 * the samples, or colour * alpha and alpha. */
static int64_t *source_values(const pngfile_image *in, int64_t m, int premultiply) {
  const int64_t h = in->height + 2 * m, w = in->width + 2 * m, c_n = in->channels;
  const int64_t plane = in->height * in->width;
  int64_t *v = malloc((size_t)(c_n * h * w) * sizeof *v);
  if (v == NULL)
    return NULL;
  const uint16_t *alpha = in->data + (c_n - 1) * plane;
  for (int64_t c = 0; c < c_n; c++) {
    const int times_alpha = premultiply && c < c_n - 1;
    for (int64_t r = 0; r < h; r++) {
      const int64_t sr = r < m ? 0 : r - m >= in->height ? in->height - 1 : r - m;
      for (int64_t q = 0; q < w; q++) {
        const int64_t sq = q < m ? 0 : q - m >= in->width ? in->width - 1 : q - m;
        const int64_t at = sr * in->width + sq;
        v[(c * h + r) * w + q] = (int64_t)in->data[c * plane + at] * (times_alpha ? alpha[at] : 1);
      }
    }
  }
  return v;
}

/* num / den rounded half to even, clamped to 0 .. max, for integers num and den > 0 held
 * exactly in doubles, |num| < 2^52: num / den is either a half-integer, which the correctly
 * rounded quotient then equals, or at least 1 / (2 den) away from every half-integer, farther
 * than the quotient's error num / den * 2^-53 < 1 / (2 den); so the quotient lies on the same
 * side of every half-integer, and adding and subtracting 2^52 rounds it to the nearest
 * integer, ties to even (the default rounding mode, which nothing here changes). */
static inline uint16_t round_quotient(double num, double den, double max) {
  if (!(num > 0))
    return 0;
  const double q = num / den;
  return q >= max ? (uint16_t)max : (uint16_t)((q + 0x1p52) - 0x1p52);
}

/* The same for any sums; beyond 2^52 by a 128-bit integer division. */
static uint16_t round_clamp(wide_int num, wide_int den, unsigned max) {
  const wide_int exact_in_double = (wide_int)1 << 52;
  if (num <= 0)
    return 0;
  if (num < exact_in_double && den < exact_in_double)
    return round_quotient((double)(int64_t)num, (double)(int64_t)den, (double)max);
  wide_int q = num / den;
  const wide_int r = num % den;
  if (2 * r > den || (2 * r == den && (q & 1) != 0))
    q++;
  return q >= (wide_int)max ? (uint16_t)max : (uint16_t)q;
}

/* The rounding rule of interp.h on the exact sums (denominator d per value). */
static void round_out(const digit_planes *dp, wide_int d, int premultiply, pngfile_image *out) {
  const unsigned max = out->bit_depth == 16 ? 65535u : 255u;
  const int64_t plane = out->width * out->height, c_n = out->channels;
  int single = 1;
  for (int64_t c = 0; c < c_n; c++)
    single &= dp->first[c + 1] - dp->first[c] == 1;
  if (single) {
    /* One digit per channel (8-bit images, most filters and scales): every sum is a float32
     * integer below 2^24, and plane-wide loops without 128-bit arithmetic run much faster. */
    const float *alpha = dp->y + dp->first[c_n - 1] * plane;
    for (int64_t c = 0; c < c_n; c++) {
      const float *y = dp->y + dp->first[c] * plane;
      uint16_t *o = out->data + c * plane;
      if (premultiply && c < c_n - 1)
        for (int64_t i = 0; i < plane; i++)
          o[i] = round_quotient(y[i], alpha[i], max);
      else
        for (int64_t i = 0; i < plane; i++)
          o[i] = round_quotient(y[i], (double)d, max);
    }
    return;
  }
  for (int64_t i = 0; i < plane; i++) {
    const wide_int a = premultiply ? digit_value(dp, c_n - 1, i) : d;
    for (int64_t c = 0; c < c_n; c++) {
      uint16_t v;
      if (!premultiply)
        v = round_clamp(digit_value(dp, c, i), d, max);
      else if (c == c_n - 1)
        v = round_clamp(a, d, max);
      else
        v = a > 0 ? round_clamp(digit_value(dp, c, i), a, max) : 0;
      out->data[c * plane + i] = v;
    }
  }
}

/* The middle values, from pass 1's digits: |value| <= 2^32 * 2^24 fits int64_t. */
static int64_t *recombined(const digit_planes *dp) {
  const int64_t plane = dp->height * dp->width;
  int64_t *v = malloc((size_t)(dp->channels * plane) * sizeof *v);
  for (int64_t c = 0; v != NULL && c < dp->channels; c++)
    for (int64_t i = 0; i < plane; i++)
      v[c * plane + i] = (int64_t)digit_value(dp, c, i);
  return v;
}

int interp_upsample(tconv_context *ctx, const pngfile_image *in, const interp_kernel *kernel,
                    const interp_storage *storage, pngfile_image *out, interp_report *report,
                    char *err, size_t err_size) {
  static const interp_storage float32_nchw = {TCONV_DTYPE_FLOAT32, TCONV_LAYOUT_NCHW,
                                              TCONV_MATH_STRICT};
  const interp_storage *s = storage != NULL ? storage : &float32_nchw;
  memset(out, 0, sizeof *out);
  memset(report, 0, sizeof *report);
  snprintf(err, err_size, "out of memory"); /* replaced by any other failure's sentence */
  const int64_t f = kernel->factor, m = kernel->margin, k = kernel->size;
  const int64_t c_n = in->channels;
  const int premultiply = premultiplied(in, kernel->filter);
  /* Rows, then columns: per output pixel the two 1-D passes cost (1 + 1/F) k multiply-adds
   * instead of k^2 on a path that visits every tap, (1 + 1/F) ceil(k/F) instead of
   * ceil(k/F)^2 on one that visits only the taps that reach the output (1/F more for
   * nearest there), and give the same exact integers. The padding also crops the outputs
   * of the replicated margin. */
  static const int64_t one = 1;
  const int64_t pad = kernel->padding + m * f;
  const pass rows = {1, k, &one, kernel->taps, 1, f, 0, pad};
  const pass columns = {k, 1, kernel->taps, &one, f, 1, pad, 0};
  int64_t *values = source_values(in, m, premultiply);
  digit_planes mid = {0}, last = {0};
  int rc = values == NULL ? CLI_EXIT_RUNTIME : 0;
  if (rc == 0)
    rc = run_pass(ctx, &rows, s, values, c_n, in->height + 2 * m, in->width + 2 * m, &mid,
                  &report->pass[0], err, err_size);
  free(values);
  values = rc == 0 ? recombined(&mid) : NULL;
  if (rc == 0 && values == NULL)
    rc = CLI_EXIT_RUNTIME;
  if (rc == 0)
    rc = run_pass(ctx, &columns, s, values, c_n, mid.height, mid.width, &last, &report->pass[1],
                  err, err_size);
  free(mid.y);
  free(values);
  if (rc == 0 && (last.height != in->height * f || last.width != in->width * f)) {
    snprintf(err, err_size, "internal: the output is %lldx%lld, not %lld times %lldx%lld",
             (long long)last.width, (long long)last.height, (long long)f, (long long)in->width,
             (long long)in->height);
    rc = CLI_EXIT_RUNTIME;
  }
  if (rc == 0) {
    *out = (pngfile_image){last.width, last.height, in->channels, in->bit_depth, NULL};
    out->data = malloc((size_t)(c_n * last.height * last.width) * sizeof *out->data);
    if (out->data == NULL) {
      snprintf(err, err_size, "out of memory for a %lldx%lld output", (long long)last.width,
               (long long)last.height);
      rc = CLI_EXIT_RUNTIME;
    } else {
      /* Rows and columns each divide by D. */
      round_out(&last, (wide_int)kernel->denominator * kernel->denominator, premultiply, out);
    }
  }
  free(last.y);
  if (rc != 0)
    pngfile_free(out);
  return rc;
}
