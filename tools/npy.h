/*
 * npy.h - reading and writing NumPy .npy files (format versions 1.0 and 2.0, C order,
 * little-endian float32 or float64 data; written as version 1.0 float32). Used by the CLI
 * and by the tests; not part of the library.
 */
#ifndef TCONV_NPY_H
#define TCONV_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
  int rank;
  int64_t dims[NPY_MAX_RANK];
  int64_t count; /* product of dims (1 for rank 0) */
  float *data;   /* float32 values, converted from float64 when the file held those */
} npy_array;

/* Reads `path` into *array (data malloc'ed; free with npy_free). Returns 0, or -1 with a
 * sentence in err (e.g. "x.npy: unsupported dtype '<i4' (need '<f4' or '<f8')"). */
int npy_read(const char *path, npy_array *array, char *err, size_t err_size);
/* Parses an in-memory .npy image (as npy_read, for fuzzing and tests). */
int npy_parse(const unsigned char *bytes, size_t size, npy_array *array, char *err,
              size_t err_size);
/* Writes float32 data as a version 1.0 .npy to `path` atomically: a temporary file in the
 * same directory is written, flushed and renamed, so on failure `path` is not created.
 * Returns 0, or -1 with a sentence in err. */
int npy_write(const char *path, int rank, const int64_t *dims, const float *data, char *err,
              size_t err_size);
void npy_free(npy_array *array);

#endif /* TCONV_NPY_H */
