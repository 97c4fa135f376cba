/*
 * npy.c - NumPy .npy reader and atomic writer (see npy.h).
 *
 * The format: the magic "\x93NUMPY", a major and a minor version byte, the header length
 * (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header - a Python
 * dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded
 * with spaces and ended by '\n' - then the raw C-order data. Version 3.0 differs from 2.0
 * only in allowing UTF-8 in the header, which our keys and values never need.
 *
 * The reader treats every byte as hostile (it is fuzzed): all parsing walks a cursor that
 * is checked against the end before each read, sizes are products checked for overflow,
 * and the data must fill the rest of the file exactly. Values are assembled from bytes, so
 * the code does not depend on the host's byte order.
 */
#include "npy.h"

#include "fileio.h"

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
#define NPY_WRITE_CHUNK 4096 /* floats converted per write() */

/* What the header says about the data that follows it. */
typedef struct npy_header {
  int rank;
  int64_t dims[NPY_MAX_RANK];
  int64_t count;
  int itemsize;   /* 4 ('<f4') or 8 ('<f8') */
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
            "unsupported dtype: 'descr' is not a simple type string (need '<f4' or '<f8')");
        return -1;
      }
      if (d_len == 3 && memcmp(d, "<f4", 3) == 0) {
        h->itemsize = 4;
      } else if (d_len == 3 && memcmp(d, "<f8", 3) == 0) {
        h->itemsize = 8;
      } else {
        char shown[32];
        printable(d, d_len, shown, sizeof shown);
        fileio_set_err(err, err_size, name, "unsupported dtype '%s' (need '<f4' or '<f8')", shown);
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

/* Converts n little-endian values of h's item size at src to float32 at dst. */
static void convert(const unsigned char *src, int itemsize, int64_t n, float *dst) {
  for (int64_t i = 0; i < n; i++) {
    const unsigned char *b = src + i * itemsize;
    if (itemsize == 4) {
      uint32_t u =
          (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
      memcpy(&dst[i], &u, sizeof u);
    } else {
      uint64_t u = 0;
      for (int k = 7; k >= 0; k--)
        u = u << 8 | b[k];
      double d;
      memcpy(&d, &u, sizeof d);
      dst[i] = (float)d;
    }
  }
}

/* Fills array's shape from h and allocates its data (at least one float, so data is never
 * NULL even for an empty array). */
static int alloc_array(const npy_header *h, npy_array *array, const char *name, char *err,
                       size_t err_size) {
  if ((uint64_t)h->count > SIZE_MAX / sizeof(float)) {
    fileio_set_err(err, err_size, name, "data does not fit in memory addresses");
    return -1;
  }
  size_t bytes = (size_t)h->count * sizeof(float);
  float *data = malloc(bytes > 0 ? bytes : sizeof(float));
  if (data == NULL) {
    fileio_set_err(err, err_size, name, "out of memory for %lld elements", (long long)h->count);
    return -1;
  }
  array->rank = h->rank;
  memset(array->dims, 0, sizeof array->dims);
  memcpy(array->dims, h->dims, (size_t)h->rank * sizeof h->dims[0]);
  array->count = h->count;
  array->data = data;
  return 0;
}

static void reset_array(npy_array *array) {
  if (array != NULL)
    memset(array, 0, sizeof *array);
}

static int parse_named(const unsigned char *bytes, size_t size, npy_array *array, const char *name,
                       char *err, size_t err_size) {
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
  if (alloc_array(&h, array, name, err, err_size) != 0)
    return -1;
  convert(bytes + h.data_at, h.itemsize, h.count, array->data);
  return 0;
}

int npy_parse(const unsigned char *bytes, size_t size, npy_array *array, char *err,
              size_t err_size) {
  reset_array(array);
  if (array == NULL || (bytes == NULL && size > 0)) {
    fileio_set_err(err, err_size, "npy", "NULL argument");
    return -1;
  }
  return parse_named(bytes, size, array, "npy data", err, err_size);
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
int npy_read(const char *path, npy_array *array, char *err, size_t err_size) {
  reset_array(array);
  if (path == NULL || array == NULL) {
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
    rc = parse_named(bytes, size, array, path, err, err_size);
  close(fd);
  free(bytes);
  return rc;
}

void npy_free(npy_array *array) {
  if (array == NULL)
    return;
  free(array->data);
  memset(array, 0, sizeof *array);
}

/* ---- writing ------------------------------------------------------------------------- */

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

/* Builds the version 1.0 preamble and header for '<f4' data of this shape into out; the
 * total is padded with spaces to a multiple of 64 bytes and ends in '\n' (numpy's layout,
 * which keeps the data aligned for memory mapping). Returns its length, or 0 when it does
 * not fit. */
static size_t build_header(int rank, const int64_t *dims, char *out, size_t out_size) {
  char dict[512];
  size_t n =
      (size_t)snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
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

/* Writes header and data to fd. */
static int write_contents(int fd, const char *header, size_t header_len, const float *data,
                          int64_t count) {
  if (write_full(fd, header, header_len) != 0)
    return -1;
  unsigned char chunk[NPY_WRITE_CHUNK * 4];
  for (int64_t done = 0; done < count;) {
    int64_t n = count - done < NPY_WRITE_CHUNK ? count - done : NPY_WRITE_CHUNK;
    for (int64_t i = 0; i < n; i++) {
      uint32_t u;
      memcpy(&u, &data[done + i], sizeof u);
      for (int k = 0; k < 4; k++)
        chunk[i * 4 + k] = (unsigned char)(u >> (8 * k));
    }
    if (write_full(fd, chunk, (size_t)n * 4) != 0)
      return -1;
    done += n;
  }
  return 0;
}

int npy_write(const char *path, int rank, const int64_t *dims, const float *data, char *err,
              size_t err_size) {
  if (path == NULL || (rank > 0 && dims == NULL)) {
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
  size_t header_len = build_header(rank, dims, header, sizeof header);
  if (header_len == 0) {
    fileio_set_err(err, err_size, path, "cannot write: header too long");
    return -1;
  }

  /* Readers see either no file or the whole file (fileio.h). */
  char *tmp = NULL;
  const int fd = fileio_create_temporary(path, &tmp, err, err_size);
  if (fd < 0)
    return -1;
  if (write_contents(fd, header, header_len, data, count) != 0 || fsync(fd) != 0) {
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
