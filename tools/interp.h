/*
 * interp.h - integer-factor image upsampling that equals PyTorch's
 * F.interpolate(scale_factor=F, mode=nearest|bilinear|bicubic, align_corners=False) on every
 * pixel, computed by depthwise transposed convolutions through the library.
 *
 * Each filter is a 1-D transposed convolution with stride F whose taps are integers over a
 * common denominator D (the taps of every output phase sum to D). The input is
 * edge-replicated by the filter's support (1 pixel for bilinear, 2 for bicubic), which is
 * exactly PyTorch's clamping of source coordinates; the transposed convolution's padding
 * crops what lies outside. The arithmetic stays in integers that float32 holds exactly (the
 * values are cut into digits, interp.c), so the result is an exact integer sum N over D^2
 * (rows and columns each contribute D), and the rounding rule below is applied once to it:
 *
 *   no alpha, or nearest    sample = clamp(round_half_even(N / D^2), 0, M)
 *   alpha, bilinear/bicubic colour is interpolated premultiplied: with A and P the exact
 *                           sums of alpha and of colour * alpha, colour =
 *                           clamp(round_half_even(P / A), 0, M) where A > 0, else 0;
 *                           alpha = clamp(round_half_even(A / D^2), 0, M)
 *
 * with M = 2^bit_depth - 1 (nearest copies pixels, alpha or not: D = 1). Each filter runs as
 * two 1-D passes, rows then columns, whose integer result is the 2-D one's.
 */
#ifndef TCONV_INTERP_H
#define TCONV_INTERP_H

#include "pngfile.h"
#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

typedef enum interp_filter {
  INTERP_NEAREST = 0,  /* mode='nearest': output o copies input floor(o / F) */
  INTERP_BILINEAR = 1, /* mode='bilinear' */
  INTERP_BICUBIC = 2   /* mode='bicubic', A = -0.75 */
} interp_filter;

#define INTERP_MAX_FACTOR ((int64_t)1 << 20) /* nearest and bilinear */
#define INTERP_MAX_BICUBIC_FACTOR 64 /* beyond it the taps outgrow float32's exact integers */

/* "nearest", "bilinear", "bicubic". */
const char *interp_filter_name(interp_filter filter);
/* The filter called `name`; 0, or -1 when none is. */
int interp_filter_parse(const char *name, interp_filter *filter);

/* One filter at one factor as a 1-D transposed convolution with stride F. */
typedef struct interp_kernel {
  interp_filter filter;
  int64_t factor;      /* F, the stride */
  int64_t size;        /* k: F (nearest), 2F - F mod 2 (bilinear), 4F - F mod 2 (bicubic) */
  int64_t padding;     /* (k - F) / 2: the padding on an input that is not edge-replicated */
  int64_t margin;      /* pixels of edge replication on each side: 0, 1, 2 */
  int64_t denominator; /* D: 1, T (bilinear) or 4 T^3 (bicubic), T = F (F odd) or 2F */
  int64_t *taps;       /* k integers: the weights times D; malloc'ed */
} interp_kernel;

/* Builds the kernel of `filter` for factor F (1 <= F <= INTERP_MAX_FACTOR, bicubic at most
 * INTERP_MAX_BICUBIC_FACTOR). Returns 0, or a CLI exit code with a sentence in err. */
int interp_kernel_make(interp_filter filter, int64_t factor, interp_kernel *kernel, char *err,
                       size_t err_size);
void interp_kernel_free(interp_kernel *kernel);

/* How the passes store their tensors: the library's dtype, one layout for x, w and y, and
 * the math mode. Every storage gives the same image: the arithmetic stays in the integers it
 * holds exactly (interp.c), or interp_upsample() refuses it with the reason. */
typedef struct interp_storage {
  tconv_dtype dtype;
  tconv_layout layout;
  tconv_math math;
} interp_storage;

/* What interp_upsample() asked of the library. */
typedef struct interp_pass_info {
  int64_t kernel_h, kernel_w; /* kernel extent */
  int64_t planes;             /* digit planes = groups of the depthwise problem */
  int digit_bits;             /* bits per digit */
  double seconds;             /* the library call: buffers, upload, forward, download */
} interp_pass_info;

typedef struct interp_report {
  interp_pass_info pass[2]; /* rows, columns */
} interp_report;

/* out = in upsampled by the kernel, every pass a depthwise transposed convolution on ctx
 * with algorithm AUTO on tensors stored as `storage` says (NULL: float32, channels first,
 * strict). out gets the same channels and bit depth, F times the width and height (the
 * caller checks that these fit). Returns 0, or a CLI exit code with a sentence in err (exit
 * code 2 when the storage cannot hold the filter's integers exactly); out is then empty. */
int interp_upsample(tconv_context *ctx, const pngfile_image *in, const interp_kernel *kernel,
                    const interp_storage *storage, pngfile_image *out, interp_report *report,
                    char *err, size_t err_size);

#endif /* TCONV_INTERP_H */
