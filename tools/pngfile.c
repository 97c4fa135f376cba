/*
 * pngfile.c - PNG reading and writing with libpng's classic API (see pngfile.h).
 *
 * libpng reports errors by longjmp to the setjmp in the calling function; the pointers that
 * are assigned after the setjmp and freed in its error branch are volatile, as C requires.
 * The simplified API (png_image_*) is not used: it converts 16-bit data to linear light,
 * which would change the values being upsampled.
 */
#include "pngfile.h"

#include "fileio.h"

#include <png.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libpng's error message, kept for the sentence after the longjmp. */
typedef struct png_failure {
  char message[256];
} png_failure;

static void on_error(png_structp png, png_const_charp message) {
  png_failure *f = png_get_error_ptr(png);
  snprintf(f->message, sizeof f->message, "%s", message);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
  (void)png, (void)message; /* warnings (e.g. a bad iCCP profile) do not stop the read */
}

const char *pngfile_colour_name(int channels) {
  static const char *names[] = {"grey", "grey+alpha", "RGB", "RGBA"};
  return channels >= 1 && channels <= 4 ? names[channels - 1] : "?";
}

void pngfile_free(pngfile_image *img) {
  if (img == NULL)
    return;
  free(img->data);
  memset(img, 0, sizeof *img);
}

/* Bytes of (channels, height, width) samples of `sample` bytes each, or 0 when it does not
 * fit in size_t. */
static size_t image_bytes(int64_t width, int64_t height, int channels, size_t sample) {
  size_t n;
  if (width < 1 || height < 1 || __builtin_mul_overflow((size_t)width, (size_t)height, &n) ||
      __builtin_mul_overflow(n, (size_t)channels, &n) || __builtin_mul_overflow(n, sample, &n))
    return 0;
  return n;
}

/* Reads the decoded rows into `pixels` (height * rowbytes). Returns 0, or -1 with err set. */
static int decode(FILE *f, const char *path, pngfile_image *img, unsigned char **pixels, char *err,
                  size_t err_size) {
  png_failure failure = {""};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, on_error, on_warning);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  unsigned char *volatile data = NULL;
  png_bytep *volatile rows = NULL;
  if (info == NULL) {
    png_destroy_read_struct(png != NULL ? &png : NULL, NULL, NULL);
    fileio_set_err(err, err_size, path, "out of memory");
    return -1;
  }
  if (setjmp(png_jmpbuf(png))) {
    fileio_set_err(err, err_size, path, "not a readable PNG: %s", failure.message);
    free(rows);
    free(data);
    png_destroy_read_struct(&png, &info, NULL);
    return -1;
  }
  png_init_io(png, f);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  /* Palette -> RGB, grey below 8 bits -> 8, tRNS -> alpha: afterwards every image is
   * 8- or 16-bit grey, grey+alpha, RGB or RGBA. */
  png_set_expand(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  img->width = png_get_image_width(png, info);
  img->height = png_get_image_height(png, info);
  img->channels = png_get_channels(png, info);
  img->bit_depth = png_get_bit_depth(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  size_t bytes = image_bytes(img->width, img->height, img->channels, img->bit_depth / 8);
  if (bytes == 0 || rowbytes * (size_t)img->height != bytes) {
    fileio_set_err(err, err_size, path, "unexpected layout after expansion (%d channels, %d bits)",
                   img->channels, img->bit_depth);
    png_destroy_read_struct(&png, &info, NULL);
    return -1;
  }
  data = malloc(bytes);
  rows = malloc((size_t)img->height * sizeof *rows);
  if (data == NULL || rows == NULL)
    png_error(png, "out of memory");
  for (int64_t y = 0; y < img->height; y++)
    rows[y] = data + (size_t)y * rowbytes;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);
  *pixels = data;
  return 0;
}

int pngfile_read(const char *path, pngfile_image *img, char *err, size_t err_size) {
  memset(img, 0, sizeof *img);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fileio_set_err(err, err_size, path, "cannot open: %s", strerror(errno));
    return -1;
  }
  unsigned char sig[8];
  if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
    fileio_set_err(err, err_size, path, "not a PNG file (bad signature)");
    fclose(f);
    return -1;
  }
  unsigned char *pixels = NULL;
  int rc = decode(f, path, img, &pixels, err, err_size);
  fclose(f);
  if (rc != 0) {
    memset(img, 0, sizeof *img);
    return -1;
  }
  const size_t plane = (size_t)img->width * (size_t)img->height;
  img->data = malloc(plane * (size_t)img->channels * sizeof *img->data);
  if (img->data == NULL) {
    free(pixels);
    memset(img, 0, sizeof *img);
    fileio_set_err(err, err_size, path, "out of memory");
    return -1;
  }
  /* Interleaved big-endian samples -> planes. */
  const int wide = img->bit_depth == 16, c_n = img->channels;
  for (size_t p = 0; p < plane; p++) {
    for (int c = 0; c < c_n; c++) {
      size_t at = p * (size_t)c_n + (size_t)c;
      img->data[(size_t)c * plane + p] =
          (uint16_t)(wide ? (unsigned)pixels[2 * at] << 8 | pixels[2 * at + 1] : pixels[at]);
    }
  }
  free(pixels);
  return 0;
}

/* Encodes the rows into the open file. Returns 0, or -1 with err set. */
static int encode(FILE *f, const char *path, const pngfile_image *img, unsigned char *pixels,
                  png_bytep *rows, char *err, size_t err_size) {
  static const int types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                              PNG_COLOR_TYPE_RGB_ALPHA};
  png_failure failure = {""};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, on_error, on_warning);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info == NULL) {
    png_destroy_write_struct(png != NULL ? &png : NULL, NULL);
    fileio_set_err(err, err_size, path, "out of memory");
    return -1;
  }
  if (setjmp(png_jmpbuf(png))) {
    fileio_set_err(err, err_size, path, "cannot write the PNG: %s", failure.message);
    png_destroy_write_struct(&png, &info);
    return -1;
  }
  const size_t rowbytes = (size_t)img->width * (size_t)img->channels * (size_t)(img->bit_depth / 8);
  for (int64_t y = 0; y < img->height; y++)
    rows[y] = pixels + (size_t)y * rowbytes;
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, img->bit_depth,
               types[img->channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return 0;
}

int pngfile_write(const char *path, const pngfile_image *img, char *err, size_t err_size) {
  if (img == NULL || img->data == NULL || img->channels < 1 || img->channels > 4 ||
      (img->bit_depth != 8 && img->bit_depth != 16) || img->width > 0x7fffffff ||
      img->height > 0x7fffffff) {
    fileio_set_err(err, err_size, path, "cannot write: invalid image description");
    return -1;
  }
  const int wide = img->bit_depth == 16, c_n = img->channels;
  const size_t bytes = image_bytes(img->width, img->height, c_n, (size_t)(wide + 1));
  unsigned char *pixels = bytes > 0 ? malloc(bytes) : NULL;
  png_bytep *rows = malloc((size_t)img->height * sizeof *rows);
  if (pixels == NULL || rows == NULL) {
    free(pixels), free(rows);
    fileio_set_err(err, err_size, path, bytes == 0 ? "image too large" : "out of memory");
    return -1;
  }
  /* Planes -> interleaved big-endian samples. */
  const unsigned max = wide ? 65535u : 255u;
  const size_t plane = (size_t)img->width * (size_t)img->height;
  for (size_t p = 0; p < plane; p++) {
    for (int c = 0; c < c_n; c++) {
      unsigned u = img->data[(size_t)c * plane + p];
      size_t at = p * (size_t)c_n + (size_t)c;
      if (u > max) {
        free(pixels), free(rows);
        fileio_set_err(err, err_size, path, "cannot write: sample %u exceeds the %d-bit range", u,
                       img->bit_depth);
        return -1;
      }
      if (wide) {
        pixels[2 * at] = (unsigned char)(u >> 8);
        pixels[2 * at + 1] = (unsigned char)(u & 0xff);
      } else {
        pixels[at] = (unsigned char)u;
      }
    }
  }
  /* Readers see either no file or the whole image (fileio.h). */
  char *tmp = NULL;
  int rc = -1, fd = fileio_create_temporary(path, &tmp, err, err_size);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (fd >= 0 && f == NULL) {
    fileio_set_err(err, err_size, path, "cannot open the temporary file: %s", strerror(errno));
    close(fd);
    fileio_abort(tmp);
  } else if (f != NULL) {
    int ok = encode(f, path, img, pixels, rows, err, err_size) == 0;
    if (ok && (fflush(f) != 0 || fsync(fd) != 0)) {
      fileio_set_err(err, err_size, path, "write failed: %s", strerror(errno));
      ok = 0;
    }
    if (fclose(f) != 0 && ok) {
      fileio_set_err(err, err_size, path, "write failed: %s", strerror(errno));
      ok = 0;
    }
    if (ok)
      rc = fileio_commit(path, tmp, err, err_size);
    else
      fileio_abort(tmp);
  }
  free(pixels), free(rows);
  return rc;
}
