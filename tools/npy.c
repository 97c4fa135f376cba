/*
 * npy.c - NumPy .npy reader and atomic writer (see npy.h).
 *
 * The format: the magic "\x93NUMPY", a major and a minor version byte, the header length
 * (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header - a Python
 * dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded
 * with spaces and ended by '\n' - then the raw C-order data. Version 3.0 differs from 2.0
 * only in allowing UTF-8 in the header, which our keys and values never need.
 *
 * Data of '<f2' (binary16), '<f4' or '<f8' is read into any tconv dtype: each value is
 * widened exactly to double and rounded once to the target (to nearest, ties to even; the
 * conversions of cuda/float16.cuh), so a float64 file is never rounded twice. The writer is
 * npy_write.c.
 *
 * The reader treats every byte as hostile (it is fuzzed): all parsing walks a cursor that
 * is checked against the end before each read, sizes are products checked for overflow,
 * and the data must fill the rest of the file exactly. Values are assembled from bytes, so
 * the code does not depend on the host's byte order.
 */
#include "npy.h"

#include "fileio.h"
#include "float16.cuh"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_SIZE 6
/* numpy writes headers of a few hundred bytes; a length far beyond that is corruption. */
#define NPY_MAX_HEADER (1u << 20)

/* What the header says about the data that follows it. */
typedef struct npy_header {
  int rank;
  int64_t dims[NPY_MAX_RANK];
  int64_t count;
  int itemsize;   /* 2 ('<f2'), 4 ('<f4') or 8 ('<f8') */
  size_t nbytes;  /* count * itemsize */
  size_t data_at; /* offset of the first data byte in the file */
} npy_header;

/* Copies up to 24 bytes of untrusted text into out as printable ASCII, for quoting it in an
 * error sentence without emitting control characters. */
static void printable(const char *text, size_t len, char *out, size_t out_size) {
  size_t n = 0;
  for (size_t i = 0; i < len && i < 24 && n + 1 < out_size; i++) {
    unsigned char c = (unsigned char)text[i];
    out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  if (len > 24 && n + 4 < out_size) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
}

/* ---- header dict parser -------------------------------------------------------------- */

typedef struct cursor {
  const char *p;
  const char *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

/* Consumes `ch` (after optional whitespace); returns 1 when it was there. */
static int accept(cursor *c, char ch) {
  skip_space(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 1;
  }
  return 0;
}

/* A Python string literal in single or double quotes, without escapes (numpy never writes
 * any in the keys and values we accept). Sets *s / *len to its contents. */
static int parse_string(cursor *c, const char **s, size_t *len) {
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return -1;
  char quote = *c->p++;
  const char *start = c->p;
  while (c->p < c->end && *c->p != quote) {
    if (*c->p == '\\' || *c->p == '\n')
      return -1;
    c->p++;
  }
  if (c->p >= c->end)
    return -1;
  *s = start;
  *len = (size_t)(c->p - start);
  c->p++;
  return 0;
}

/* Consumes the identifier `word` when it is next (not followed by more identifier chars). */
static int accept_word(cursor *c, const char *word) {
  skip_space(c);
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
    return 0;
  if (c->p + n < c->end) {
    char next = c->p[n];
    if (next == '_' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
        (next >= '0' && next <= '9'))
      return 0;
  }
  c->p += n;
  return 1;
}

/* A non-negative decimal integer (Python 2's long suffix 'L' tolerated) into *value. */
static int parse_dim(cursor *c, int64_t *value) {
  skip_space(c);
  if (c->p >= c->end || *c->p < '0' || *c->p > '9')
    return -1;
  int64_t v = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if (__builtin_mul_overflow(v, (int64_t)10, &v) ||
        __builtin_add_overflow(v, (int64_t)(*c->p - '0'), &v))
      return -2;
    c->p++;
  }
  if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
    c->p++;
  *value = v;
  return 0;
}

/* A shape tuple: "()", "(5,)", "(3, 4)", "(3, 4,)". A single element needs its comma, as
 * in Python, where "(5)" is an integer, not a tuple. */
static int parse_shape(cursor *c, npy_header *h, const char *name, char *err, size_t err_size) {
  if (!accept(c, '(')) {
    fileio_set_err(err, err_size, name, "malformed header: 'shape' is not a tuple");
    return -1;
  }
  h->rank = 0;
  if (accept(c, ')'))
    return 0;
  for (;;) {
    if (h->rank == NPY_MAX_RANK) {
      fileio_set_err(err, err_size, name, "shape has more than %d dimensions", NPY_MAX_RANK);
      return -1;
    }
    int rc = parse_dim(c, &h->dims[h->rank]);
    if (rc == -2) {
      fileio_set_err(err, err_size, name, "shape dimension %d does not fit in 64 bits", h->rank);
      return -1;
    }
    if (rc != 0) {
      fileio_set_err(err, err_size, name,
                     "malformed header: shape dimension %d is not a non-negative integer", h->rank);
      return -1;
    }
    h->rank++;
    int comma = accept(c, ',');
    if (accept(c, ')')) {
      if (h->rank == 1 && !comma) {
        fileio_set_err(err, err_size, name, "malformed header: shape '(n)' is not a tuple");
        return -1;
      }
      return 0;
    }
    if (!comma) {
      fileio_set_err(err, err_size, name, "malformed header: expected ',' or ')' in shape");
      return -1;
    }
  }
}

/* Parses the header dict text (exactly len bytes) into h: the three keys, each once, in
 * any order, and nothing else. */
static int parse_dict(const char *text, size_t len, npy_header *h, const char *name, char *err,
                      size_t err_size) {
  cursor c = {text, text + len};
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (!accept(&c, '{')) {
    fileio_set_err(err, err_size, name, "malformed header: does not start with '{'");
    return -1;
  }
  for (;;) {
    if (accept(&c, '}'))
      break;
    const char *key;
    size_t key_len;
    if (parse_string(&c, &key, &key_len) != 0) {
      fileio_set_err(err, err_size, name, "malformed header: expected a quoted key or '}'");
      return -1;
    }
    if (!accept(&c, ':')) {
      fileio_set_err(err, err_size, name, "malformed header: expected ':' after a key");
      return -1;
    }
    if (key_len == 5 && memcmp(key, "descr", 5) == 0 && !have_descr) {
      const char *d;
      size_t d_len;
      if (parse_string(&c, &d, &d_len) != 0) {
        fileio_set_err(
            err, err_size, name,
            "unsupported dtype: 'descr' is not a simple type string (need '<f2', '<f4' or "
            "'<f8')");
        return -1;
      }
      if (d_len == 3 && memcmp(d, "<f2", 3) == 0) {
        h->itemsize = 2;
      } else if (d_len == 3 && memcmp(d, "<f4", 3) == 0) {
        h->itemsize = 4;
      } else if (d_len == 3 && memcmp(d, "<f8", 3) == 0) {
        h->itemsize = 8;
      } else {
        char shown[32];
        printable(d, d_len, shown, sizeof shown);
        fileio_set_err(err, err_size, name, "unsupported dtype '%s' (need '<f2', '<f4' or '<f8')",
                       shown);
        return -1;
      }
      have_descr = 1;
    } else if (key_len == 13 && memcmp(key, "fortran_order", 13) == 0 && !have_order) {
      if (accept_word(&c, "True")) {
        fileio_set_err(err, err_size, name,
                       "fortran_order is True; only C order is supported "
                       "(save numpy.ascontiguousarray(a))");
        return -1;
      }
      if (!accept_word(&c, "False")) {
        fileio_set_err(err, err_size, name,
                       "malformed header: 'fortran_order' is not True or False");
        return -1;
      }
      have_order = 1;
    } else if (key_len == 5 && memcmp(key, "shape", 5) == 0 && !have_shape) {
      if (parse_shape(&c, h, name, err, err_size) != 0)
        return -1;
      have_shape = 1;
    } else {
      char shown[32];
      printable(key, key_len, shown, sizeof shown);
      fileio_set_err(err, err_size, name, "malformed header: unexpected or repeated key '%s'",
                     shown);
      return -1;
    }
    if (!accept(&c, ',')) {
      if (accept(&c, '}'))
        break;
      fileio_set_err(err, err_size, name, "malformed header: expected ',' or '}'");
      return -1;
    }
  }
  skip_space(&c);
  if (c.p != c.end) {
    fileio_set_err(err, err_size, name, "malformed header: unexpected text after '}'");
    return -1;
  }
  if (!have_descr || !have_order || !have_shape) {
    fileio_set_err(err, err_size, name, "malformed header: missing key '%s'",
                   !have_descr   ? "descr"
                   : !have_order ? "fortran_order"
                                 : "shape");
    return -1;
  }
  return 0;
}

/* Reads the fixed preamble (magic, version, header length) from the first bytes of a file:
 * `size` bytes are available. Sets h->data_at to where the data starts. Returns the
 * header's offset, or 0 on error. */
static size_t parse_preamble(const unsigned char *bytes, size_t size, npy_header *h,
                             const char *name, char *err, size_t err_size) {
  if (size < NPY_MAGIC_SIZE + 2) {
    fileio_set_err(err, err_size, name, "not a .npy file (only %zu bytes)", size);
    return 0;
  }
  if (memcmp(bytes, NPY_MAGIC, NPY_MAGIC_SIZE) != 0) {
    fileio_set_err(err, err_size, name, "not a .npy file (bad magic)");
    return 0;
  }
  unsigned major = bytes[6], minor = bytes[7];
  size_t len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3 || minor != 0) {
    fileio_set_err(err, err_size, name,
                   "unsupported .npy format version %u.%u (need 1.0, 2.0 or 3.0)", major, minor);
    return 0;
  }
  if (size < NPY_MAGIC_SIZE + 2 + len_bytes) {
    fileio_set_err(err, err_size, name, "truncated .npy header");
    return 0;
  }
  const unsigned char *l = bytes + NPY_MAGIC_SIZE + 2;
  uint32_t header_len = (uint32_t)l[0] | (uint32_t)l[1] << 8;
  if (len_bytes == 4)
    header_len |= (uint32_t)l[2] << 16 | (uint32_t)l[3] << 24;
  if (header_len > NPY_MAX_HEADER) {
    fileio_set_err(err, err_size, name, "header length %u is implausibly large",
                   (unsigned)header_len);
    return 0;
  }
  size_t header_at = NPY_MAGIC_SIZE + 2 + len_bytes;
  h->data_at = header_at + header_len;
  return header_at;
}

/* Parses the header text (bytes [header_at, data_at)) and computes count and nbytes. */
static int parse_header_text(const unsigned char *text, size_t len, npy_header *h, const char *name,
                             char *err, size_t err_size) {
  if (memchr(text, '\0', len) != NULL) {
    fileio_set_err(err, err_size, name, "malformed header: contains a NUL byte");
    return -1;
  }
  if (parse_dict((const char *)text, len, h, name, err, err_size) != 0)
    return -1;
  int64_t count = 1, nbytes;
  for (int i = 0; i < h->rank; i++) {
    if (__builtin_mul_overflow(count, h->dims[i], &count)) {
      fileio_set_err(err, err_size, name, "shape's element count does not fit in 64 bits");
      return -1;
    }
  }
  if (__builtin_mul_overflow(count, (int64_t)h->itemsize, &nbytes) ||
      (uint64_t)nbytes > (uint64_t)SIZE_MAX) {
    fileio_set_err(err, err_size, name, "data size does not fit in memory addresses");
    return -1;
  }
  h->count = count;
  h->nbytes = (size_t)nbytes;
  return 0;
}

/* Element i of little-endian data of `itemsize` bytes, exactly, as a double. */
static double element(const unsigned char *src, int itemsize, int64_t i) {
  const unsigned char *b = src + i * itemsize;
  uint64_t u = 0;
  for (int k = itemsize - 1; k >= 0; k--)
    u = u << 8 | b[k];
  if (itemsize == 2)
    return (double)tconv_f16_to_f32((uint16_t)u);
  if (itemsize == 4)
    return (double)tconv_f32_from_bits((uint32_t)u);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* Converts n values at src to `dtype` at dst, each rounded once. */
static void convert(const unsigned char *src, int itemsize, int64_t n, tconv_dtype dtype,
                    void *dst) {
  for (int64_t i = 0; i < n; i++) {
    const double v = element(src, itemsize, i);
    if (dtype == TCONV_DTYPE_FLOAT16)
      ((uint16_t *)dst)[i] = tconv_f64_to_f16(v);
    else if (dtype == TCONV_DTYPE_BFLOAT16)
      ((uint16_t *)dst)[i] = tconv_f64_to_bf16(v);
    else
      ((float *)dst)[i] = (float)v;
  }
}

/* Fills t's shape from h and allocates its data (at least one element, so data is never
 * NULL even for an empty array). */
static int alloc_typed(const npy_header *h, tconv_dtype dtype, npy_typed *t, const char *name,
                       char *err, size_t err_size) {
  const size_t esize = tconv_dtype_size(dtype);
  if ((uint64_t)h->count > SIZE_MAX / esize) {
    fileio_set_err(err, err_size, name, "data does not fit in memory addresses");
    return -1;
  }
  size_t bytes = (size_t)h->count * esize;
  void *data = malloc(bytes > 0 ? bytes : esize);
  if (data == NULL) {
    fileio_set_err(err, err_size, name, "out of memory for %lld elements", (long long)h->count);
    return -1;
  }
  t->rank = h->rank;
  memset(t->dims, 0, sizeof t->dims);
  memcpy(t->dims, h->dims, (size_t)h->rank * sizeof h->dims[0]);
  t->count = h->count;
  t->dtype = dtype;
  t->data = data;
  return 0;
}

static void reset_typed(npy_typed *t) {
  if (t != NULL)
    memset(t, 0, sizeof *t);
}

/* The float32 view of a typed float32 array. */
static void to_array(npy_typed *t, npy_array *array) {
  array->rank = t->rank;
  memcpy(array->dims, t->dims, sizeof array->dims);
  array->count = t->count;
  array->data = t->data;
}

static int parse_named(const unsigned char *bytes, size_t size, tconv_dtype dtype, npy_typed *t,
                       const char *name, char *err, size_t err_size) {
  npy_header h;
  memset(&h, 0, sizeof h);
  size_t header_at = parse_preamble(bytes, size, &h, name, err, err_size);
  if (header_at == 0)
    return -1;
  if (h.data_at > size) {
    fileio_set_err(err, err_size, name, "truncated .npy header");
    return -1;
  }
  if (parse_header_text(bytes + header_at, h.data_at - header_at, &h, name, err, err_size) != 0)
    return -1;
  size_t have = size - h.data_at;
  if (have != h.nbytes) {
    fileio_set_err(err, err_size, name, "%s data: the shape needs %zu bytes, the file holds %zu",
                   have < h.nbytes ? "truncated" : "trailing bytes after the", h.nbytes, have);
    return -1;
  }
  if (alloc_typed(&h, dtype, t, name, err, err_size) != 0)
    return -1;
  convert(bytes + h.data_at, h.itemsize, h.count, dtype, t->data);
  return 0;
}

int npy_parse(const unsigned char *bytes, size_t size, npy_array *array, char *err,
              size_t err_size) {
  if (array != NULL)
    memset(array, 0, sizeof *array);
  if (array == NULL || (bytes == NULL && size > 0)) {
    fileio_set_err(err, err_size, "npy", "NULL argument");
    return -1;
  }
  npy_typed t;
  reset_typed(&t);
  if (parse_named(bytes, size, TCONV_DTYPE_FLOAT32, &t, "npy data", err, err_size) != 0)
    return -1;
  to_array(&t, array);
  return 0;
}

/* ---- reading a file ------------------------------------------------------------------ */

/* Reads up to n bytes; returns the count read (less at end of file), or -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = read(fd, (char *)buf + done, n - done);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

/* Reads the whole file into *bytes / *size. Regular files are read in one piece of their
 * stat size; anything else (a pipe) grows a buffer until end of file. */
static int slurp(int fd, const struct stat *st, unsigned char **bytes, size_t *size,
                 const char *path, char *err, size_t err_size) {
  size_t capacity = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 1 << 16;
  size_t have = 0;
  unsigned char *buf = NULL;
  for (;;) {
    unsigned char *grown = realloc(buf, capacity);
    if (grown == NULL) {
      fileio_set_err(err, err_size, path, "out of memory reading %zu bytes", capacity);
      free(buf);
      return -1;
    }
    buf = grown;
    ssize_t got = read_full(fd, buf + have, capacity - have);
    if (got < 0) {
      fileio_set_err(err, err_size, path, "read failed: %s", strerror(errno));
      free(buf);
      return -1;
    }
    have += (size_t)got;
    if (have < capacity)
      break;
    if (capacity > SIZE_MAX / 2) {
      fileio_set_err(err, err_size, path, "file too large");
      free(buf);
      return -1;
    }
    capacity *= 2;
  }
  *bytes = buf;
  *size = have;
  return 0;
}

/* The whole file is read and handed to the same parser as npy_parse(), so the fuzzing of that
 * parser covers this path too; parse_named() checks the size before allocating the array. */
int npy_read_typed(const char *path, tconv_dtype dtype, npy_typed *t, char *err, size_t err_size) {
  reset_typed(t);
  if (path == NULL || t == NULL || tconv_dtype_size(dtype) == 0) {
    fileio_set_err(err, err_size, "npy", "NULL argument");
    return -1;
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fileio_set_err(err, err_size, path, "cannot open: %s", strerror(errno));
    return -1;
  }
  struct stat st;
  unsigned char *bytes = NULL;
  size_t size = 0;
  int rc = -1;
  if (fstat(fd, &st) != 0)
    fileio_set_err(err, err_size, path, "cannot stat: %s", strerror(errno));
  else if (S_ISDIR(st.st_mode))
    fileio_set_err(err, err_size, path, "is a directory");
  else if (slurp(fd, &st, &bytes, &size, path, err, err_size) == 0)
    rc = parse_named(bytes, size, dtype, t, path, err, err_size);
  close(fd);
  free(bytes);
  return rc;
}

int npy_read(const char *path, npy_array *array, char *err, size_t err_size) {
  if (array != NULL)
    memset(array, 0, sizeof *array);
  npy_typed t;
  if (array == NULL) {
    fileio_set_err(err, err_size, "npy", "NULL argument");
    return -1;
  }
  if (npy_read_typed(path, TCONV_DTYPE_FLOAT32, &t, err, err_size) != 0)
    return -1;
  to_array(&t, array);
  return 0;
}

void npy_free(npy_array *array) {
  if (array == NULL)
    return;
  free(array->data);
  memset(array, 0, sizeof *array);
}

void npy_typed_free(npy_typed *t) {
  if (t == NULL)
    return;
  free(t->data);
  memset(t, 0, sizeof *t);
}
