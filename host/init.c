/*
 * init.c - weight initialisers: the bilinear upsampling kernel of FCN (Long, Shelhamer and
 * Darrell), used as a depthwise transposed convolution so that an integer upsampling factor
 * F turns an (i) image into an (F*i) one with bilinear interpolation inside.
 */
#include "internal.h"

#include <math.h>

/* The 1-D profile for kernel size k: FCN's upsample_filt(). Its "factor" is ceil(k / 2),
 * which equals F for k = 2F - F mod 2, so the peak sits on the input sample and the taps
 * fall off linearly to 1/F (odd k) or 1/(2F) (even k) at the ends. */
static double profile(int64_t k, int64_t j) {
  const double f = (double)((k + 1) / 2);
  const double c = k % 2 == 1 ? f - 1.0 : f - 0.5;
  return 1.0 - fabs((double)j - c) / f;
}

tconv_status tconv_bilinear_kernel(int spatial_rank, int64_t factor, int64_t channels, float *w,
                                   int64_t capacity) {
  if (spatial_rank < 1 || spatial_rank > TCONV_MAX_SPATIAL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "bilinear kernel: spatial_rank %d must be 1, 2 or 3", spatial_rank);
  if (factor < 1)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "bilinear kernel: factor %lld must be >= 1", (long long)factor);
  if (channels < 1)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "bilinear kernel: channels %lld must be >= 1", (long long)channels);
  if (w == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "bilinear kernel: w is NULL");
  if (capacity < 0)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "bilinear kernel: capacity %lld must be >= 0", (long long)capacity);
  /* k = 2F - F mod 2 and channels * k^rank, each step checked: a factor near INT64_MAX must
   * be refused, not wrapped into a small size that fits the capacity. */
  int64_t k, taps = 1, needed;
  if (__builtin_mul_overflow(factor, (int64_t)2, &k))
    return tconv_fail(NULL, TCONV_STATUS_SIZE_OVERFLOW,
                      "bilinear kernel: kernel size 2*%lld does not fit in 64 bits",
                      (long long)factor);
  k -= factor % 2;
  for (int d = 0; d < spatial_rank; ++d) {
    if (__builtin_mul_overflow(taps, k, &taps))
      return tconv_fail(NULL, TCONV_STATUS_SIZE_OVERFLOW,
                        "bilinear kernel: %lld^%d taps do not fit in 64 bits", (long long)k,
                        spatial_rank);
  }
  if (__builtin_mul_overflow(taps, channels, &needed))
    return tconv_fail(NULL, TCONV_STATUS_SIZE_OVERFLOW,
                      "bilinear kernel: %lld channels * %lld taps do not fit in 64 bits",
                      (long long)channels, (long long)taps);
  if (capacity < needed)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                      "bilinear kernel: capacity %lld is smaller than the %lld elements of "
                      "(%lld, 1, %lld^%d)",
                      (long long)capacity, (long long)needed, (long long)channels, (long long)k,
                      spatial_rank);

  /* Every tap is the product of the per-axis profiles (the kernel is separable); the
   * product is taken in double and rounded once. */
  for (int64_t t = 0; t < taps; ++t) {
    double v = 1.0;
    int64_t rest = t;
    for (int d = 0; d < spatial_rank; ++d) {
      v *= profile(k, rest % k);
      rest /= k;
    }
    w[t] = (float)v;
  }
  for (int64_t c = 1; c < channels; ++c) {
    for (int64_t t = 0; t < taps; ++t)
      w[c * taps + t] = w[t];
  }
  return TCONV_STATUS_OK;
}
