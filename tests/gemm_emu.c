/*
 * gemm_emu.c - the cuBLAS algorithm replayed on the CPU (see gemm_emu.h): the plan, the
 * kernels' per-element functions and the exact cuBLAS argument lists of cuda/gemm.cuh, a
 * naive SGEMM for cublasSgemmStridedBatched_64, and checks that every argument is what cuBLAS
 * accepts, every operand lies inside the part of its buffer it may use, and every GEMM output
 * element is written exactly once.
 */
#include "gemm_emu.h"

#include "gemm.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether `batch` column-major rows x cols matrices, `stride` apart, from element `offset` of
 * a buffer of `count` elements, with leading dimension ld, are valid cuBLAS operands inside
 * it. */
static int operand_fits(int64_t offset, int64_t rows, int64_t cols, int64_t ld, int64_t stride,
                        int64_t batch, int64_t count) {
  if (rows < 1 || cols < 1 || batch < 1 || ld < rows || stride < 0 || offset < 0)
    return 0;
  return offset + (batch - 1) * stride + (cols - 1) * ld + rows - 1 < count;
}

/* The element counts of a call's three operand buffers: A, B, C. */
typedef struct spans {
  int64_t a, b, c;
} spans;

/* Why cuBLAS would not take the call as given (sizes, leading dimensions, an operand leaving
 * its buffer, a batch count past the grid's limit), or NULL. */
static const char *call_rejected(const tconv_gemm_call *c, spans s) {
  const int64_t a_rows = c->trans_a ? c->k : c->m, a_cols = c->trans_a ? c->m : c->k;
  const int64_t b_rows = c->trans_b ? c->n : c->k, b_cols = c->trans_b ? c->k : c->n;
  if (c->batch > EMU_CUBLAS_MAX_BATCH)
    return "its batch count is above 65535";
  if (!operand_fits(c->offset_a, a_rows, a_cols, c->lda, c->stride_a, c->batch, s.a))
    return "operand A leaves its buffer or has a leading dimension too small";
  if (!operand_fits(c->offset_b, b_rows, b_cols, c->ldb, c->stride_b, c->batch, s.b))
    return "operand B leaves its buffer or has a leading dimension too small";
  if (!operand_fits(c->offset_c, c->m, c->n, c->ldc, c->stride_c, c->batch, s.c))
    return "operand C leaves its buffer or has a leading dimension too small";
  return NULL;
}

/* cublasSgemmStridedBatched_64 with alpha 1, beta 0, column-major, on the host: for every
 * batch b, C_b = op(A_b) op(B_b). C's writes are counted in written (indexed from c_base). */
static void emu_sgemm(const tconv_gemm_call *c, const tconv_gemm_operands *o, const float *c_base,
                      unsigned *written) {
  for (int64_t b = 0; b < c->batch; ++b) {
    const float *A = o->a + b * c->stride_a, *B = o->b + b * c->stride_b;
    float *C = o->c + b * c->stride_c;
    for (int64_t j = 0; j < c->n; ++j)
      for (int64_t i = 0; i < c->m; ++i) {
        float acc = 0.0f;
        for (int64_t l = 0; l < c->k; ++l) {
          const float a = c->trans_a ? A[l + i * c->lda] : A[i + l * c->lda];
          const float v = c->trans_b ? B[j + l * c->ldb] : B[l + j * c->ldb];
          acc = fmaf(a, v, acc);
        }
        C[i + j * c->ldc] = acc;
        ++written[(C - c_base) + i + j * c->ldc];
      }
  }
}

/* Index of the first element of written[0, n) not written `times` times, or -1. */
static int64_t not_written(const unsigned *written, int64_t n, unsigned times) {
  for (int64_t i = 0; i < n; ++i)
    if (written[i] != times)
      return i;
  return -1;
}

static void hash_i64(uint64_t *h, int64_t v) {
  for (int byte = 0; byte < 8; ++byte) {
    *h ^= (uint64_t)v >> (8 * byte) & 0xFF;
    *h *= 0x100000001B3u;
  }
}

/* The chunk's GEMM calls, as gemm_products() in gemm.cu issues them: each checked, hashed
 * into the trace and, when computing, run. col_count: the workspace elements they may use. */
static int emu_products(const test_case *tc, const tconv_problem *p, int64_t n0, int64_t images,
                        int compute, const float *x, const float *w, float *y, float *col,
                        int64_t col_count, unsigned *written, emu_trace *t) {
  const int conv = p->op == TCONV_OP_CONV;
  const spans s = {conv ? col_count : p->x_count, p->w_count, conv ? p->y_count : col_count};
  const int64_t calls = tconv_gemm_call_count(p, images);
  for (int64_t index = 0; index < calls; ++index) {
    const tconv_gemm_call c = tconv_gemm_call_make(p, n0, images, index);
    const char *why = call_rejected(&c, s);
    if (why != NULL) {
      CASE_FAIL(tc,
                "gemm call %lld of the chunk from image %lld (m %lld n %lld k %lld lda %lld ldb "
                "%lld ldc %lld batch %lld): %s",
                (long long)index, (long long)n0, (long long)c.m, (long long)c.n, (long long)c.k,
                (long long)c.lda, (long long)c.ldb, (long long)c.ldc, (long long)c.batch, why);
      return 1;
    }
    const int64_t fields[] = {c.trans_a,  c.trans_b, c.m,        c.n,        c.k,
                              c.lda,      c.ldb,     c.ldc,      c.stride_a, c.stride_b,
                              c.stride_c, c.batch,   c.offset_a, c.offset_b, c.offset_c};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; ++f)
      hash_i64(&t->hash, fields[f]);
    ++t->calls;
    t->max_batch = c.batch > t->max_batch ? c.batch : t->max_batch;
    if (p->groups <= images)
      ++t->calls_over_images;
    else
      ++t->calls_over_groups;
    if (compute) {
      const tconv_gemm_operands o = tconv_gemm_operands_make(p, &c, x, w, y, col);
      emu_sgemm(&c, &o, conv ? y : col, written);
    }
  }
  return 0;
}

/* One chunk's kernels and calls; computing, the transposed op's columns must each be written
 * once by the GEMM, nothing past them. */
static int emu_chunk(const test_case *tc, const tconv_problem *p, const tconv_geom *g, int64_t n0,
                     int64_t images, int compute, const float *x, const float *w, const float *bias,
                     float *y, float *col, int64_t col_count, unsigned *written, emu_trace *t) {
  const int conv = p->op == TCONV_OP_CONV;
  const int64_t per_col = tconv_gemm_image_columns(p), per_y = p->cout * p->out_spatial;
  if (images * per_col > col_count) {
    CASE_FAIL(tc,
              "a chunk of %lld images needs %lld column entries; the plan's workspace holds %lld",
              (long long)images, (long long)(images * per_col), (long long)col_count);
    return 1;
  }
  if (compute) {
    case_poison(col, col_count);
    if (conv)
      for (int64_t e = 0; e < images * per_col; ++e)
        col[e] = tconv_im2col_value(g, x, n0, e);
    else
      memset(written, 0, (size_t)col_count * sizeof(unsigned));
  }
  if (emu_products(tc, p, n0, images, compute, x, w, y, col, col_count, written, t) != 0)
    return 1;
  if (!compute)
    return 0;
  if (conv) {
    if (tconv_gemm_needs_epilogue(g, bias))
      for (int64_t e = 0; e < images * per_y; ++e)
        y[n0 * per_y + e] = tconv_gemm_epilogue_value(g, bias, e, y[n0 * per_y + e]);
    return 0;
  }
  int64_t at = not_written(written, images * per_col, 1);
  if (at < 0 &&
      (at = not_written(written + images * per_col, col_count - images * per_col, 0)) >= 0)
    at += images * per_col;
  if (at >= 0) {
    CASE_FAIL(tc, "column entry %lld written %u times", (long long)at, written[at]);
    return 1;
  }
  const int kind = tconv_gather_kind(g);
  for (int64_t e = 0; e < images * per_y; ++e) {
    float value;
    int64_t offset;
    tconv_col2im(g, kind, col, bias, n0, e, &value, &offset);
    if (offset != n0 * per_y + e) { /* y is dense here */
      CASE_FAIL(tc, "col2im writes output %lld of the chunk to %lld", (long long)e,
                (long long)offset);
      return 1;
    }
    y[offset] = value;
  }
  return 0;
}

int emu_gemm(const test_case *tc, const tconv_problem *p, size_t cap, size_t ws_bytes, int compute,
             const float *x, const float *w, const float *bias, float *y, emu_trace *trace) {
  memset(trace, 0, sizeof *trace);
  trace->hash = 0xCBF29CE484222325u;
  /* As gemm_run() in gemm.cu: the plan from the problem and the cap alone. */
  const int64_t chunk = tconv_gemm_chunk_for_cap(p, cap);
  const size_t need = tconv_gemm_workspace_for_cap(p, cap);
  if (chunk < 1 || ws_bytes < need) {
    CASE_FAIL(tc, "a workspace of %zu bytes is refused: the plan needs %zu", ws_bytes, need);
    return 1;
  }
  const int conv = p->op == TCONV_OP_CONV;
  const int64_t col_count = (int64_t)(need / sizeof(float));
  float *col = NULL;
  unsigned *written = NULL;
  int failed = 1;
  if (compute) {
    /* The whole workspace handed over, though only col_count elements may be used. */
    col = malloc(ws_bytes > 0 ? ws_bytes : 1);
    written = calloc((size_t)(conv ? p->y_count : col_count), sizeof(unsigned));
    if (col == NULL || written == NULL) {
      CASE_FAIL(tc, "out of host memory");
      goto done;
    }
  }
  const tconv_geom g = tconv_geom_make(p);
  for (int64_t n0 = 0; n0 < p->n; n0 += chunk) {
    const int64_t images = p->n - n0 < chunk ? p->n - n0 : chunk;
    ++trace->chunks;
    hash_i64(&trace->hash, n0);
    hash_i64(&trace->hash, images);
    if (emu_chunk(tc, p, &g, n0, images, compute, x, w, bias, y, col, col_count, written, trace) !=
        0)
      goto done;
  }
  if (compute && conv) {
    const int64_t at = not_written(written, p->y_count, 1);
    if (at >= 0) {
      CASE_FAIL(tc, "y element %lld written %u times by the GEMM", (long long)at, written[at]);
      goto done;
    }
  }
  failed = 0;
done:
  free(col);
  free(written);
  return failed;
}
