/*
 * npy.h - reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0, C order,
 * little-endian float16, float32 or float64 data; written as version 1.0). Read into float32
 * (npy_read) or into any tconv dtype (npy_read_typed), each value rounded once to nearest
 * even; written from float32 ('<f4'), float16 ('<f2') or bfloat16 (widened to '<f4': NumPy
 * has no bfloat16). Used by the CLI and by the tests; not part of the library.
 */
#ifndef TCONV_NPY_H
#define TCONV_NPY_H

#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
  int rank;
  int64_t dims[NPY_MAX_RANK];
  int64_t count; /* product of dims (1 for rank 0) */
  float *data;   /* float32 values, converted from float64 when the file held those */
} npy_array;

/* The same array in one tconv dtype: count elements of dtype (float, or uint16_t patterns). */
typedef struct npy_typed {
  int rank;
  int64_t dims[NPY_MAX_RANK];
  int64_t count;
  tconv_dtype dtype;
  void *data;
} npy_typed;

/* Reads `path` into *array (data malloc'ed; free with npy_free). Returns 0, or -1 with a
 * sentence in err (e.g. "x.npy: unsupported dtype '<i4' (need '<f2', '<f4' or '<f8')"). */
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

/* Reads `path` into *t with every value rounded once to `dtype` (exact when the file holds
 * that type or a narrower one). Same contract as npy_read; free with npy_typed_free. */
int npy_read_typed(const char *path, tconv_dtype dtype, npy_typed *t, char *err, size_t err_size);
void npy_typed_free(npy_typed *t);
/* npy_write for `dtype` data: '<f4' for float32, '<f2' for float16, '<f4' holding the exact
 * float32 values of bfloat16 data. */
int npy_write_typed(const char *path, int rank, const int64_t *dims, tconv_dtype dtype,
                    const void *data, char *err, size_t err_size);

#endif /* TCONV_NPY_H */
