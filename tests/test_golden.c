/*
 * test_golden.c - the "golden" suite: the CPU reference (tconv_reference_conv and all three
 * formulations of tconv_reference_transpose) against results computed by PyTorch and stored
 * in tests/data/golden/ by tests/data/make_golden.py. MANIFEST there lists one case per line
 * (its '#' header documents the format); each case's tensors are float32 .npy files.
 *
 * tests/data/golden_typed/ holds float16, bfloat16 and channels-last cases made the same way
 * (its MANIFEST adds dtype= and layout=; y is PyTorch's float64 result, which the .npy reader
 * rounds once to the dtype): the typed reference, every formulation, and the CPU backend
 * through the API must give, element by element, that value within one ulp of the dtype.
 *
 * Anything missing or malformed is a failure, never a skip: a golden suite that silently
 * checks nothing would hide exactly the regressions it exists to catch.
 */
#include "npy.h"
#include "testutil.h"
#include "tolerance.h"
#include "float16.cuh"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_MAX_CASES 1024
#define GOLDEN_MIN_CASES 51 /* the set covers every parameter only when it is this large */
#define GOLDEN_MIN_PER_OP 20
#define GOLDEN_NAME_MAX 128
#define GOLDEN_LINE_MAX 1024
#define GOLDEN_MSG_MAX 1024
#define GOLDEN_TYPED_MIN_CASES 12

typedef struct golden_case {
  char name[GOLDEN_NAME_MAX];
  tconv_op op;
  tconv_params params;
  int bias;
  tconv_dtype dtype;   /* golden_typed: dtype=; else float32 */
  tconv_layout layout; /* golden_typed: layout=; else nchw */
  int line;            /* in MANIFEST, so that messages point at it */
} golden_case;

typedef struct golden_set {
  golden_case cases[GOLDEN_MAX_CASES];
  int count;      /* lines parsed into cases */
  int case_lines; /* lines that are neither blank nor '#' comments */
  int opened;     /* whether MANIFEST could be read at all */
} golden_set;

/* Parsing keys, in the order the values are interpreted (rank first: the lists need it). */
enum {
  KEY_NAME,
  KEY_OP,
  KEY_RANK,
  KEY_STRIDE,
  KEY_DILATION,
  KEY_PAD_BEGIN,
  KEY_PAD_END,
  KEY_OUTPUT_PADDING,
  KEY_GROUPS,
  KEY_BIAS,
  KEY_DTYPE, /* optional, the last two */
  KEY_LAYOUT,
  KEY_COUNT
};

static const char *const golden_keys[KEY_COUNT] = {
    "name",           "op",     "rank", "stride", "dilation", "pad_begin", "pad_end",
    "output_padding", "groups", "bias", "dtype",  "layout"};

/* Records one CUnit assertion whose failure text is formatted (CUnit copies the text), so
 * every failure names the case it comes from. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
golden_check(int ok, int line, const char *fmt, ...) {
  char msg[GOLDEN_MSG_MAX] = "golden";
  if (!ok) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
  }
  CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, __FILE__, "", CU_FALSE);
  return ok;
}

#define GOLDEN_CHECK(ok, ...) golden_check((ok), __LINE__, __VA_ARGS__)

/* Parses a decimal integer in [lo, hi] that fills the whole string. */
static int golden_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *value) {
  char *end = NULL;
  long long v;
  if (*s == '\0')
    return -1;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi)
    return -1;
  *value = (int64_t)v;
  return 0;
}

/* Parses exactly `rank` comma-separated non-negative integers. */
static int golden_parse_list(const char *s, int rank, int64_t *values) {
  char buf[GOLDEN_LINE_MAX];
  char *save = NULL;
  char *item;
  int n = 0;
  if (strlen(s) >= sizeof buf || s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
    return -1;
  strcpy(buf, s);
  for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
    if (n == rank || golden_parse_int(item, 0, 1000000, &values[n]) != 0)
      return -1;
    n++;
  }
  return n == rank ? 0 : -1;
}

static int golden_valid_name(const char *s) {
  size_t len = strlen(s);
  if (len == 0 || len >= GOLDEN_NAME_MAX)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return 0;
  return 1;
}

/* Parses one case line (modified in place). Returns 0, or -1 with the reason in err. */
static int golden_parse_line(char *text, golden_case *c, char *err, size_t err_size) {
  const char *values[KEY_COUNT] = {NULL};
  int64_t *lists[KEY_COUNT] = {NULL};
  char *save = NULL;
  int64_t v;
  int rank;

  for (char *tok = strtok_r(text, " \t\r\n", &save); tok != NULL;
       tok = strtok_r(NULL, " \t\r\n", &save)) {
    char *eq = strchr(tok, '=');
    int key = -1;
    if (eq == NULL) {
      snprintf(err, err_size, "token '%s' is not key=value", tok);
      return -1;
    }
    *eq = '\0';
    for (int k = 0; k < KEY_COUNT; k++)
      if (strcmp(tok, golden_keys[k]) == 0)
        key = k;
    if (key < 0 || values[key] != NULL) {
      snprintf(err, err_size, "%s key '%s'", key < 0 ? "unknown" : "repeated", tok);
      return -1;
    }
    values[key] = eq + 1;
  }
  for (int k = 0; k < KEY_DTYPE; k++) {
    if (values[k] == NULL) {
      snprintf(err, err_size, "missing key '%s'", golden_keys[k]);
      return -1;
    }
  }

  if (!golden_valid_name(values[KEY_NAME])) {
    snprintf(err, err_size, "bad name '%s' (need 1-%d characters of [a-z0-9_])", values[KEY_NAME],
             GOLDEN_NAME_MAX - 1);
    return -1;
  }
  strcpy(c->name, values[KEY_NAME]);
  if (strcmp(values[KEY_OP], "conv") == 0) {
    c->op = TCONV_OP_CONV;
  } else if (strcmp(values[KEY_OP], "transpose") == 0) {
    c->op = TCONV_OP_TRANSPOSE;
  } else {
    snprintf(err, err_size, "bad op '%s' (need conv or transpose)", values[KEY_OP]);
    return -1;
  }
  if (golden_parse_int(values[KEY_RANK], 1, TCONV_MAX_SPATIAL, &v) != 0) {
    snprintf(err, err_size, "bad rank '%s'", values[KEY_RANK]);
    return -1;
  }
  rank = (int)v;
  c->params = tconv_params_default(rank);
  lists[KEY_STRIDE] = c->params.stride;
  lists[KEY_DILATION] = c->params.dilation;
  lists[KEY_PAD_BEGIN] = c->params.pad_begin;
  lists[KEY_PAD_END] = c->params.pad_end;
  lists[KEY_OUTPUT_PADDING] = c->params.output_padding;
  for (int k = 0; k < KEY_COUNT; k++) {
    if (lists[k] != NULL && golden_parse_list(values[k], rank, lists[k]) != 0) {
      snprintf(err, err_size, "bad %s '%s' (need %d comma-separated integers)", golden_keys[k],
               values[k], rank);
      return -1;
    }
  }
  if (golden_parse_int(values[KEY_GROUPS], 1, 1000000, &c->params.groups) != 0) {
    snprintf(err, err_size, "bad groups '%s'", values[KEY_GROUPS]);
    return -1;
  }
  if (golden_parse_int(values[KEY_BIAS], 0, 1, &v) != 0) {
    snprintf(err, err_size, "bad bias '%s' (need 0 or 1)", values[KEY_BIAS]);
    return -1;
  }
  c->bias = (int)v;
  c->dtype = TCONV_DTYPE_FLOAT32;
  c->layout = TCONV_LAYOUT_NCHW;
  for (int d = 0; values[KEY_DTYPE] != NULL && d <= TCONV_DTYPE_COUNT; d++) {
    if (d == TCONV_DTYPE_COUNT) {
      snprintf(err, err_size, "bad dtype '%s'", values[KEY_DTYPE]);
      return -1;
    }
    if (strcmp(values[KEY_DTYPE], tconv_dtype_name((tconv_dtype)d)) == 0) {
      c->dtype = (tconv_dtype)d;
      break;
    }
  }
  if (values[KEY_LAYOUT] != NULL && strcmp(values[KEY_LAYOUT], "nchw") != 0) {
    if (strcmp(values[KEY_LAYOUT], "nhwc") != 0) {
      snprintf(err, err_size, "bad layout '%s'", values[KEY_LAYOUT]);
      return -1;
    }
    c->layout = TCONV_LAYOUT_NHWC;
  }
  return 0;
}

/* Reads MANIFEST into *set, recording a failure for every line (or the file) it cannot use. */
static void golden_load_manifest(golden_set *set, const char *dir) {
  char path[1024];
  char text[GOLDEN_LINE_MAX];
  int line = 0;
  FILE *f;
  int n;

  memset(set, 0, sizeof *set);
  n = snprintf(path, sizeof path, "%s/%s/MANIFEST", test_data_dir(), dir);
  if (!GOLDEN_CHECK(n > 0 && (size_t)n < sizeof path, "golden: data path too long"))
    return;
  f = fopen(path, "r");
  if (!GOLDEN_CHECK(f != NULL, "golden: cannot open %s: %s", path, strerror(errno)))
    return;
  set->opened = 1;
  while (fgets(text, sizeof text, f) != NULL) {
    char err[256];
    const char *p = text;
    size_t len = strlen(text);
    line++;
    if (!GOLDEN_CHECK(len + 1 < sizeof text || text[len - 1] == '\n',
                      "golden: %s line %d is longer than %d characters", path, line,
                      GOLDEN_LINE_MAX - 2)) {
      int ch;
      /* Skip the rest of the over-long line; it still counts as a case line. */
      while ((ch = fgetc(f)) != EOF && ch != '\n')
        continue;
      set->case_lines++;
      continue;
    }
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
      continue;
    set->case_lines++;
    if (!GOLDEN_CHECK(set->count < GOLDEN_MAX_CASES, "golden: %s has more than %d cases", path,
                      GOLDEN_MAX_CASES))
      break;
    if (GOLDEN_CHECK(golden_parse_line(text, &set->cases[set->count], err, sizeof err) == 0,
                     "golden: %s line %d: %s", path, line, err)) {
      set->cases[set->count].line = line;
      set->count++;
    }
  }
  GOLDEN_CHECK(!ferror(f), "golden: error reading %s", path);
  fclose(f);
}

/* Reads <name>_<tag>.npy of case c. Returns 0, or -1 after recording the failure. */
static int golden_read(const golden_case *c, const char *tag, npy_array *array) {
  char path[1024];
  char err[512];
  int n = snprintf(path, sizeof path, "%s/golden/%s_%s.npy", test_data_dir(), c->name, tag);
  memset(array, 0, sizeof *array);
  if (!GOLDEN_CHECK(n > 0 && (size_t)n < sizeof path, "golden case %s: path too long", c->name))
    return -1;
  err[0] = '\0';
  if (!GOLDEN_CHECK(npy_read(path, array, err, sizeof err) == 0,
                    "golden case %s (MANIFEST line %d): %s", c->name, c->line, err))
    return -1;
  return 0;
}

static const char *golden_formulation_name(tconv_formulation f) {
  switch (f) {
  case TCONV_FORMULATION_GATHER:
    return "gather";
  case TCONV_FORMULATION_SCATTER:
    return "scatter";
  case TCONV_FORMULATION_ZERO_INSERTION:
    return "zero insertion";
  }
  return "?";
}

/* Runs one case through the reference (formulation only matters for transpose) and compares
 * with PyTorch's y. */
static void golden_run(const golden_case *c, tconv_formulation formulation) {
  const char *what = c->op == TCONV_OP_CONV ? "conv" : golden_formulation_name(formulation);
  const int rank = c->params.spatial_rank + 2;
  npy_array x, w, b, y;
  int64_t y_dims[TCONV_MAX_RANK] = {0};
  float *out = NULL;
  tconv_status st;
  int shapes_ok;

  memset(&b, 0, sizeof b);
  if (golden_read(c, "x", &x) != 0)
    return;
  if (golden_read(c, "w", &w) != 0)
    goto free_x;
  if (golden_read(c, "y", &y) != 0)
    goto free_w;
  if (c->bias && golden_read(c, "b", &b) != 0)
    goto free_y;

  shapes_ok = GOLDEN_CHECK(x.rank == rank && w.rank == rank && y.rank == rank,
                           "golden case %s: x, w, y have ranks %d, %d, %d (need %d)", c->name,
                           x.rank, w.rank, y.rank, rank);
  if (shapes_ok && c->bias)
    shapes_ok = GOLDEN_CHECK(b.rank == 1 && b.dims[0] == y.dims[1],
                             "golden case %s: bias has %d dims, %lld elements (need %lld)", c->name,
                             b.rank, (long long)b.count, (long long)y.dims[1]);
  if (!shapes_ok)
    goto free_b;

  st = c->op == TCONV_OP_CONV ? tconv_conv_output_shape(&c->params, x.dims, w.dims, y_dims)
                              : tconv_transpose_output_shape(&c->params, x.dims, w.dims, y_dims);
  if (!GOLDEN_CHECK(st == TCONV_STATUS_OK, "golden case %s: output shape query failed: %s (%s)",
                    c->name, tconv_status_name(st), tconv_last_error()))
    goto free_b;
  for (int i = 0; i < rank; i++) {
    if (!GOLDEN_CHECK(y_dims[i] == y.dims[i],
                      "golden case %s: output dim %d is %lld, PyTorch's is %lld", c->name, i,
                      (long long)y_dims[i], (long long)y.dims[i]))
      goto free_b;
  }

  out = malloc((size_t)y.count * sizeof *out);
  if (!GOLDEN_CHECK(out != NULL, "golden case %s: out of memory", c->name))
    goto free_b;
  /* NaN poison: an element the reference forgets to write shows up as an infinite error. */
  for (int64_t i = 0; i < y.count; i++)
    out[i] = NAN;
  st = c->op == TCONV_OP_CONV
           ? tconv_reference_conv(&c->params, x.dims, x.data, w.dims, w.data,
                                  c->bias ? b.data : NULL, y.dims, out)
           : tconv_reference_transpose(&c->params, formulation, x.dims, x.data, w.dims, w.data,
                                       c->bias ? b.data : NULL, y.dims, out);
  if (GOLDEN_CHECK(st == TCONV_STATUS_OK, "golden case %s (%s): reference failed: %s (%s)", c->name,
                   what, tconv_status_name(st), tconv_last_error())) {
    double err = test_rel_error(out, y.data, y.count);
    GOLDEN_CHECK(err <= TEST_F32_TOLERANCE,
                 "golden case %s (MANIFEST line %d, %s): relative error %.3g > %.0e", c->name,
                 c->line, what, err, TEST_F32_TOLERANCE);
  }
  free(out);
free_b:
  npy_free(&b);
free_y:
  npy_free(&y);
free_w:
  npy_free(&w);
free_x:
  npy_free(&x);
}

/* One heap copy per test: the set is too large for the stack. */
static golden_set *golden_load_dir(const char *dir) {
  golden_set *set = malloc(sizeof *set);
  if (GOLDEN_CHECK(set != NULL, "golden: out of memory"))
    golden_load_manifest(set, dir);
  return set;
}

static golden_set *golden_load(void) { return golden_load_dir("golden"); }

static void golden_run_op(tconv_op op, tconv_formulation formulation) {
  golden_set *set = golden_load();
  int ran = 0;
  if (set == NULL)
    return;
  for (int i = 0; i < set->count; i++) {
    if (set->cases[i].op == op) {
      golden_run(&set->cases[i], formulation);
      ran++;
    }
  }
  /* A filter or parser slip must not turn into a vacuous pass. */
  GOLDEN_CHECK(ran >= GOLDEN_MIN_PER_OP, "golden: only %d %s cases ran (need >= %d)", ran,
               op == TCONV_OP_CONV ? "conv" : "transpose", GOLDEN_MIN_PER_OP);
  free(set);
}

static void test_golden_manifest(void) {
  golden_set *set = golden_load();
  if (set == NULL)
    return;
  if (set->opened) {
    GOLDEN_CHECK(set->count == set->case_lines,
                 "golden: MANIFEST has %d case lines but only %d parsed", set->case_lines,
                 set->count);
    GOLDEN_CHECK(set->count >= GOLDEN_MIN_CASES, "golden: MANIFEST has %d cases (need >= %d)",
                 set->count, GOLDEN_MIN_CASES);
  }
  for (int i = 0; i < set->count; i++)
    for (int j = 0; j < i; j++)
      GOLDEN_CHECK(strcmp(set->cases[i].name, set->cases[j].name) != 0,
                   "golden: case name %s repeated (MANIFEST lines %d and %d)", set->cases[i].name,
                   set->cases[j].line, set->cases[i].line);
  free(set);
}

static void test_golden_conv(void) { golden_run_op(TCONV_OP_CONV, TCONV_FORMULATION_GATHER); }

static void test_golden_transpose_gather(void) {
  golden_run_op(TCONV_OP_TRANSPOSE, TCONV_FORMULATION_GATHER);
}

static void test_golden_transpose_scatter(void) {
  golden_run_op(TCONV_OP_TRANSPOSE, TCONV_FORMULATION_SCATTER);
}

static void test_golden_transpose_zero_insertion(void) {
  golden_run_op(TCONV_OP_TRANSPOSE, TCONV_FORMULATION_ZERO_INSERTION);
}

/* ---- golden_typed: float16, bfloat16, channels last ------------------------------------- */

/* Reads <name>_<tag>.npy of a typed case into dtype (y: PyTorch's float64, rounded once) and
 * puts its dims back in logical order (nhwc files hold (A, spatial..., B)). */
static int golden_read_typed(const golden_case *c, const char *tag, tconv_layout layout,
                             npy_typed *t, int64_t *dims) {
  char path[1024], err[512] = "";
  snprintf(path, sizeof path, "%s/golden_typed/%s_%s.npy", test_data_dir(), c->name, tag);
  if (!GOLDEN_CHECK(npy_read_typed(path, c->dtype, t, err, sizeof err) == 0,
                    "golden_typed case %s (MANIFEST line %d): %s", c->name, c->line, err))
    return -1;
  memcpy(dims, t->dims, sizeof(int64_t) * (size_t)(t->rank < 5 ? t->rank : 5));
  if (layout == TCONV_LAYOUT_NHWC && t->rank >= 3) {
    dims[1] = t->dims[t->rank - 1];
    for (int i = 2; i < t->rank; i++)
      dims[i] = t->dims[i - 1];
  }
  return 0;
}

/* Within one ulp of the dtype, element by element (memory order, as the files are). */
static int golden_typed_close(const golden_case *c, const char *what, const void *got,
                              const npy_typed *want) {
  for (int64_t i = 0; i < want->count; i++) {
    const double g = c->dtype == TCONV_DTYPE_FLOAT32 ? ((const float *)got)[i]
                     : c->dtype == TCONV_DTYPE_FLOAT16
                         ? tconv_f16_to_f32(((const uint16_t *)got)[i])
                         : tconv_bf16_to_f32(((const uint16_t *)got)[i]);
    const double r = c->dtype == TCONV_DTYPE_FLOAT32 ? ((const float *)want->data)[i]
                     : c->dtype == TCONV_DTYPE_FLOAT16
                         ? tconv_f16_to_f32(((const uint16_t *)want->data)[i])
                         : tconv_bf16_to_f32(((const uint16_t *)want->data)[i]);
    if (!GOLDEN_CHECK(tconv_tolerance_accepts(g, r, tconv_ulp(c->dtype, r)),
                      "golden_typed case %s (%s): element %lld is %.9g, PyTorch's %.9g", c->name,
                      what, (long long)i, g, r))
      return 1;
  }
  return 0;
}

/* One typed case: the typed reference by every formulation and the CPU backend's AUTO. */
static void golden_run_typed(const golden_case *c) {
  const int rank = c->params.spatial_rank + 2;
  const tconv_layout L = c->layout;
  npy_typed x = {0}, w = {0}, b = {0}, y = {0};
  int64_t xd[5] = {0}, wd[5] = {0}, yd[5] = {0}, bd[5] = {0};
  if (golden_read_typed(c, "x", L, &x, xd) || golden_read_typed(c, "w", L, &w, wd) ||
      golden_read_typed(c, "y", L, &y, yd) ||
      (c->bias && golden_read_typed(c, "b", TCONV_LAYOUT_NCHW, &b, bd)) ||
      !GOLDEN_CHECK(x.rank == rank && w.rank == rank && y.rank == rank,
                    "golden_typed case %s: ranks %d %d %d", c->name, x.rank, w.rank, y.rank))
    goto done;
  const size_t bytes = (size_t)y.count * tconv_dtype_size(c->dtype);
  void *out = malloc(bytes);
  const void *bias = c->bias ? b.data : NULL;
  for (int f = 0; f < 3 && out != NULL; f++) {
    if (c->op == TCONV_OP_CONV && f > 0)
      break;
    memset(out, 0xFF, bytes); /* NaN: an element left unwritten fails */
    const tconv_status st =
        c->op == TCONV_OP_CONV
            ? tconv_reference_conv_typed(&c->params, c->dtype, L, xd, x.data, L, wd, w.data, bias,
                                         L, yd, out)
            : tconv_reference_transpose_typed(&c->params, (tconv_formulation)f, c->dtype, L, xd,
                                              x.data, L, wd, w.data, bias, L, yd, out);
    if (GOLDEN_CHECK(st == TCONV_STATUS_OK, "golden_typed case %s: reference: %s (%s)", c->name,
                     tconv_status_name(st), tconv_last_error()))
      golden_typed_close(c, golden_formulation_name((tconv_formulation)f), out, &y);
  }
  /* Through the API on the CPU backend, the files' arrays as they are. */
  tconv_context *ctx = NULL;
  tconv_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL;
  const size_t esize = tconv_dtype_size(c->dtype);
  tconv_status st = tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, x.data, (size_t)x.count * esize, &bx);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_wrap(ctx, w.data, (size_t)w.count * esize, &bw);
  if (st == TCONV_STATUS_OK && c->bias)
    st = tconv_buffer_wrap(ctx, b.data, (size_t)b.count * esize, &bb);
  if (st == TCONV_STATUS_OK && out != NULL) {
    memset(out, 0xFF, bytes);
    st = tconv_buffer_wrap(ctx, out, bytes, &by);
  }
  if (st == TCONV_STATUS_OK) {
    const tconv_tensor tx = tconv_tensor_make_typed(bx, 0, rank, xd, c->dtype, L);
    const tconv_tensor tw = tconv_tensor_make_typed(bw, 0, rank, wd, c->dtype, L);
    const tconv_tensor tb = tconv_tensor_make_typed(bb, 0, 1, bd, c->dtype, TCONV_LAYOUT_NCHW);
    const tconv_tensor ty = tconv_tensor_make_typed(by, 0, rank, yd, c->dtype, L);
    st = c->op == TCONV_OP_CONV
             ? tconv_conv_forward(ctx, &c->params, &tx, &tw, c->bias ? &tb : NULL, &ty,
                                  TCONV_ALGO_AUTO, NULL)
             : tconv_transpose_forward(ctx, &c->params, &tx, &tw, c->bias ? &tb : NULL, &ty,
                                       TCONV_ALGO_AUTO, NULL);
  }
  if (GOLDEN_CHECK(st == TCONV_STATUS_OK, "golden_typed case %s: CPU backend: %s (%s)", c->name,
                   tconv_status_name(st), tconv_last_error()))
    golden_typed_close(c, "CPU backend", out, &y);
  tconv_buffer_destroy(bx), tconv_buffer_destroy(bw), tconv_buffer_destroy(bb);
  tconv_buffer_destroy(by);
  tconv_context_destroy(ctx);
  free(out);
done:
  npy_typed_free(&x), npy_typed_free(&w), npy_typed_free(&b), npy_typed_free(&y);
}

static void test_golden_typed(void) {
  golden_set *set = golden_load_dir("golden_typed");
  if (set == NULL)
    return;
  int per[TCONV_DTYPE_COUNT][TCONV_LAYOUT_COUNT] = {{0}};
  for (int i = 0; i < set->count; i++) {
    golden_run_typed(&set->cases[i]);
    per[set->cases[i].dtype][set->cases[i].layout]++;
  }
  GOLDEN_CHECK(set->count == set->case_lines && set->count >= GOLDEN_TYPED_MIN_CASES,
               "golden_typed: %d cases of %d lines (need >= %d)", set->count, set->case_lines,
               GOLDEN_TYPED_MIN_CASES);
  GOLDEN_CHECK(per[TCONV_DTYPE_FLOAT16][0] && per[TCONV_DTYPE_FLOAT16][1] &&
                   per[TCONV_DTYPE_BFLOAT16][0] && per[TCONV_DTYPE_BFLOAT16][1] &&
                   per[TCONV_DTYPE_FLOAT32][1],
               "golden_typed: float16 and bfloat16 in both layouts and float32 nhwc are needed");
  free(set);
}

static CU_TestInfo golden_tests[] = {
    {"MANIFEST parses, every line a case", test_golden_manifest},
    {"conv vs PyTorch", test_golden_conv},
    {"transpose (gather) vs PyTorch", test_golden_transpose_gather},
    {"transpose (scatter) vs PyTorch", test_golden_transpose_scatter},
    {"transpose (zero insertion) vs PyTorch", test_golden_transpose_zero_insertion},
    {"float16, bfloat16, channels last vs PyTorch (reference, CPU backend)", test_golden_typed},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_golden[] = {
    {"golden", NULL, NULL, NULL, NULL, golden_tests},
    CU_SUITE_INFO_NULL,
};
