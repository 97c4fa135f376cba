/*
 * init.c - weight initialisers (not written yet).
 */
#include "internal.h"

tconv_status tconv_bilinear_kernel(int spatial_rank, int64_t factor, int64_t channels, float *w,
                                   int64_t capacity) {
  (void)spatial_rank, (void)factor, (void)channels, (void)w, (void)capacity;
  return tconv_fail(NULL, TCONV_STATUS_UNSUPPORTED, "bilinear kernel: not implemented yet");
}
