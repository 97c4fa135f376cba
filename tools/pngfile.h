/*
 * pngfile.h - reading and writing PNG images with libpng for `tconv upsample` (and its
 * tests). Pixels are held as integer planes (channels, height, width) with the file's own
 * values (0 .. 2^bit_depth - 1): whoever computes on them decides how results are rounded.
 *
 * Named pngfile rather than png so that `#include <png.h>` keeps meaning libpng's header
 * in files compiled with -Itools (the tests).
 */
#ifndef TCONV_PNGFILE_H
#define TCONV_PNGFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pngfile_image {
  int64_t width, height;
  int channels;   /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  int bit_depth;  /* 8 or 16 */
  uint16_t *data; /* planar (channels, height, width); malloc'ed */
} pngfile_image;

/* "grey", "grey+alpha", "RGB", "RGBA" for 1..4 channels; "?" otherwise. */
const char *pngfile_colour_name(int channels);

/* Reads `path`. Palette images become RGB (RGBA with a tRNS chunk), grey of 1, 2 or 4 bits
 * becomes 8-bit grey, a tRNS chunk on grey or RGB becomes an alpha channel; 8- and 16-bit
 * images otherwise keep their colour type and depth. Returns 0, or -1 with a sentence
 * starting with the path in err; *img is then empty. */
int pngfile_read(const char *path, pngfile_image *img, char *err, size_t err_size);

/* Writes img to `path` (non-interlaced, the colour type of its channel count). A sample
 * above 2^bit_depth - 1 is refused (nothing is written), not clamped: rounding and clamping
 * belong to the computation that made the values. Atomic: a temporary file beside `path` is
 * written, flushed and renamed, so on failure `path` is not created. Returns 0, or -1 with a
 * sentence in err. */
int pngfile_write(const char *path, const pngfile_image *img, char *err, size_t err_size);

void pngfile_free(pngfile_image *img);

#endif /* TCONV_PNGFILE_H */
