/*
 * npy_write.c - the atomic .npy writer (see npy.h): version 1.0 headers laid out as numpy
 * writes them, float32 data as '<f4', float16 as '<f2', bfloat16 widened (exactly) to
 * '<f4', since NumPy has no bfloat16. Values are stored byte by byte, little-endian, so the
 * host's byte order does not matter.
 */
#include "npy.h"

#include "fileio.h"
#include "float16.cuh"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_SIZE 6
#define NPY_WRITE_CHUNK 4096 /* elements converted per write() */

static int write_full(int fd, const void *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, (const char *)buf + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    done += (size_t)w;
  }
  return 0;
}

/* Builds the version 1.0 preamble and header for `descr` data of this shape into out; the
 * total is padded with spaces to a multiple of 64 bytes and ends in '\n' (numpy's layout,
 * which keeps the data aligned for memory mapping). Returns its length, or 0 when it does
 * not fit. */
static size_t build_header(const char *descr, int rank, const int64_t *dims, char *out,
                           size_t out_size) {
  char dict[512];
  size_t n = (size_t)snprintf(dict, sizeof dict,
                              "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < rank; i++) {
    int w = snprintf(dict + n, sizeof dict - n, i == 0 ? "%lld," : " %lld,", (long long)dims[i]);
    if (w < 0 || (size_t)w >= sizeof dict - n)
      return 0;
    n += (size_t)w;
  }
  /* Python's tuple repr drops the trailing comma unless there is exactly one element. */
  if (rank > 1)
    n--;
  int w = snprintf(dict + n, sizeof dict - n, "), }");
  if (w < 0 || (size_t)w >= sizeof dict - n)
    return 0;
  n += (size_t)w;
  size_t pre = NPY_MAGIC_SIZE + 2 + 2;
  size_t total = (pre + n + 1 + 63) / 64 * 64;
  if (total > out_size || total - pre > 65535)
    return 0;
  memcpy(out, NPY_MAGIC, NPY_MAGIC_SIZE);
  out[6] = 1;
  out[7] = 0;
  out[8] = (char)((total - pre) & 0xff);
  out[9] = (char)((total - pre) >> 8);
  memcpy(out + pre, dict, n);
  memset(out + pre + n, ' ', total - pre - n - 1);
  out[total - 1] = '\n';
  return total;
}

/* Writes header and data to fd: float32 or binary16 bit patterns as they are, bfloat16
 * widened to float32 (exact). */
static int write_contents(int fd, const char *header, size_t header_len, tconv_dtype dtype,
                          const void *data, int64_t count) {
  if (write_full(fd, header, header_len) != 0)
    return -1;
  unsigned char chunk[NPY_WRITE_CHUNK * 4];
  const int out_size = dtype == TCONV_DTYPE_FLOAT16 ? 2 : 4;
  for (int64_t done = 0; done < count;) {
    int64_t n = count - done < NPY_WRITE_CHUNK ? count - done : NPY_WRITE_CHUNK;
    for (int64_t i = 0; i < n; i++) {
      uint32_t u;
      if (dtype == TCONV_DTYPE_FLOAT32)
        memcpy(&u, (const float *)data + done + i, sizeof u);
      else if (dtype == TCONV_DTYPE_BFLOAT16)
        u = tconv_f32_bits(tconv_bf16_to_f32(((const uint16_t *)data)[done + i]));
      else
        u = ((const uint16_t *)data)[done + i];
      for (int k = 0; k < out_size; k++)
        chunk[i * out_size + k] = (unsigned char)(u >> (8 * k));
    }
    if (write_full(fd, chunk, (size_t)(n * out_size)) != 0)
      return -1;
    done += n;
  }
  return 0;
}

int npy_write(const char *path, int rank, const int64_t *dims, const float *data, char *err,
              size_t err_size) {
  return npy_write_typed(path, rank, dims, TCONV_DTYPE_FLOAT32, data, err, err_size);
}

int npy_write_typed(const char *path, int rank, const int64_t *dims, tconv_dtype dtype,
                    const void *data, char *err, size_t err_size) {
  if (path == NULL || (rank > 0 && dims == NULL) || tconv_dtype_size(dtype) == 0) {
    fileio_set_err(err, err_size, "npy", "NULL argument");
    return -1;
  }
  if (rank < 0 || rank > NPY_MAX_RANK) {
    fileio_set_err(err, err_size, path, "cannot write rank %d (0 to %d supported)", rank,
                   NPY_MAX_RANK);
    return -1;
  }
  int64_t count = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || __builtin_mul_overflow(count, dims[i], &count) || count > INT64_MAX / 4) {
      fileio_set_err(err, err_size, path, "cannot write: invalid or too large shape (dimension %d)",
                     i);
      return -1;
    }
  }
  if (count > 0 && data == NULL) {
    fileio_set_err(err, err_size, path, "NULL data");
    return -1;
  }
  char header[1024];
  size_t header_len =
      build_header(dtype == TCONV_DTYPE_FLOAT16 ? "<f2" : "<f4", rank, dims, header, sizeof header);
  if (header_len == 0) {
    fileio_set_err(err, err_size, path, "cannot write: header too long");
    return -1;
  }

  /* Readers see either no file or the whole file (fileio.h). */
  char *tmp = NULL;
  const int fd = fileio_create_temporary(path, &tmp, err, err_size);
  if (fd < 0)
    return -1;
  if (write_contents(fd, header, header_len, dtype, data, count) != 0 || fsync(fd) != 0) {
    fileio_set_err(err, err_size, path, "write failed: %s", strerror(errno));
    close(fd);
    fileio_abort(tmp);
    return -1;
  }
  if (close(fd) != 0) {
    fileio_set_err(err, err_size, path, "write failed: %s", strerror(errno));
    fileio_abort(tmp);
    return -1;
  }
  return fileio_commit(path, tmp, err, err_size);
}
