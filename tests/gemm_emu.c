/*
 * gemm_emu.c - the cuBLAS algorithm replayed on the CPU (see gemm_emu.h): the plan, the
 * kernels' per-element functions and the exact cuBLAS argument lists of cuda/gemm.cuh, a
 * naive GEMM for the strided-batched calls (operands of their dtype, TF32 operands rounded
 * as the tensor cores may read them, FP32 sums and results), and checks that every argument is what
 * cuBLAS accepts, every operand lies inside the part of its buffer it may use, and every GEMM
 * output element is written exactly once.
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

/* The element counts of the four operand buffers (indexed by role): x, w, the columns the
 * calls may use, and the FP32 output (y, or the chunk's output buffer). */
typedef struct spans {
  int64_t of[4];
} spans;

/* Why cuBLAS would not take the call as given (sizes, leading dimensions, an operand leaving
 * its buffer, a batch count past the grid's limit), or NULL. */
static const char *call_rejected(const tconv_gemm_call *c, spans s) {
  const int64_t a_rows = c->trans_a ? c->k : c->m, a_cols = c->trans_a ? c->m : c->k;
  const int64_t b_rows = c->trans_b ? c->n : c->k, b_cols = c->trans_b ? c->k : c->n;
  if (c->batch > EMU_CUBLAS_MAX_BATCH)
    return "its batch count is above 65535";
  if (!operand_fits(c->offset_a, a_rows, a_cols, c->lda, c->stride_a, c->batch, s.of[c->role_a]))
    return "operand A leaves its buffer or has a leading dimension too small";
  if (!operand_fits(c->offset_b, b_rows, b_cols, c->ldb, c->stride_b, c->batch, s.of[c->role_b]))
    return "operand B leaves its buffer or has a leading dimension too small";
  if (!operand_fits(c->offset_c, c->m, c->n, c->ldc, c->stride_c, c->batch, s.of[c->role_c]))
    return "operand C leaves its buffer or has a leading dimension too small";
  if (c->role_c != TCONV_GEMM_Y && c->role_c != TCONV_GEMM_COL)
    return "operand C is an input";
  return NULL;
}

/* One element of operand `role` (its dtype), as the GEMM reads it: TF32 math on float32
 * rounds it to TF32 (cvt.rna: to nearest, ties away), as the tensor cores read it at most. */
static float emu_operand(const tconv_problem *p, int role, const void *base, int64_t i) {
  const float v = tconv_elem_load(tconv_gemm_role_dtype(p, role), base, i);
  return p->dtype == TCONV_DTYPE_FLOAT32 && p->math == TCONV_MATH_TF32 ? tconv_f32_to_tf32(v) : v;
}

/* The strided-batched GEMM on the host, alpha 1, beta 0, column-major, FP32 sums: for every
 * batch b, C_b = op(A_b) op(B_b). C's writes are counted in written (indexed from c_base). */
static void emu_gemm_call(const tconv_problem *p, const tconv_gemm_call *c,
                          const tconv_gemm_buffers *bufs, const float *c_base, unsigned *written) {
  const void *A = tconv_gemm_operand_at(p, bufs, c->role_a, c->offset_a);
  const void *B = tconv_gemm_operand_at(p, bufs, c->role_b, c->offset_b);
  float *C = tconv_gemm_operand_at(p, bufs, c->role_c, c->offset_c);
  for (int64_t b = 0; b < c->batch; ++b, C += c->stride_c) {
    const int64_t a0 = b * c->stride_a, b0 = b * c->stride_b;
    for (int64_t j = 0; j < c->n; ++j)
      for (int64_t i = 0; i < c->m; ++i) {
        float acc = 0.0f;
        for (int64_t l = 0; l < c->k; ++l) {
          const float av =
              emu_operand(p, c->role_a, A, a0 + (c->trans_a ? l + i * c->lda : i + l * c->lda));
          const float bv =
              emu_operand(p, c->role_b, B, b0 + (c->trans_b ? j + l * c->ldb : l + j * c->ldb));
          acc = fmaf(av, bv, acc);
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

/* Records a failure unless written[0, used) holds 1 and written[used, all) 0. */
static int check_written(const test_case *tc, const char *what, const unsigned *written,
                         int64_t used, int64_t all) {
  int64_t at = not_written(written, used, 1);
  if (at < 0 && (at = not_written(written + used, all - used, 0)) >= 0)
    at += used;
  if (at < 0)
    return 0;
  CASE_FAIL(tc, "%s element %lld written %u times by the GEMM", what, (long long)at, written[at]);
  return 1;
}

static void hash_i64(uint64_t *h, int64_t v) {
  for (int byte = 0; byte < 8; ++byte) {
    *h ^= (uint64_t)v >> (8 * byte) & 0xFF;
    *h *= 0x100000001B3u;
  }
}

/* The chunk's GEMM calls, as gemm_products() in gemm.cu issues them: each checked, hashed
 * into the trace and, when computing, run. */
static int emu_products(const test_case *tc, const tconv_problem *p, int64_t n0, int64_t images,
                        int compute, const tconv_gemm_buffers *bufs, spans s, unsigned *written,
                        emu_trace *t) {
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
    const int64_t fields[] = {c.role_a,   c.role_b,   c.role_c, c.trans_a,  c.trans_b,  c.m,
                              c.n,        c.k,        c.lda,    c.ldb,      c.ldc,      c.stride_a,
                              c.stride_b, c.stride_c, c.batch,  c.offset_a, c.offset_b, c.offset_c};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; ++f)
      hash_i64(&t->hash, fields[f]);
    ++t->calls;
    t->max_batch = c.batch > t->max_batch ? c.batch : t->max_batch;
    if (p->groups <= images)
      ++t->calls_over_images;
    else
      ++t->calls_over_groups;
    if (compute)
      emu_gemm_call(p, &c, bufs, tconv_gemm_operand_at(p, bufs, c.role_c, 0), written);
  }
  return 0;
}

/* One chunk's kernels and calls; computing, every FP32 output of the chunk's GEMM must be
 * written once, nothing past it. */
static int emu_chunk(const test_case *tc, const tconv_problem *p, const tconv_geom *g, int64_t n0,
                     int64_t images, int compute, const tconv_gemm_buffers *bufs, spans s,
                     const void *bias, void *y, unsigned *written, emu_trace *t) {
  const int conv = p->op == TCONV_OP_CONV, buffered = tconv_gemm_out_buffered(p);
  const int col_dtype = tconv_gemm_role_dtype(p, TCONV_GEMM_COL);
  const int64_t per_col = tconv_gemm_image_columns(p), per_y = p->cout * p->out_spatial;
  if (images * per_col > s.of[TCONV_GEMM_COL] ||
      (buffered && images * per_y > s.of[TCONV_GEMM_Y])) {
    CASE_FAIL(tc, "a chunk of %lld images does not fit in the plan's workspace", (long long)images);
    return 1;
  }
  const int64_t c_span = s.of[conv ? TCONV_GEMM_Y : TCONV_GEMM_COL];
  if (compute) {
    memset(bufs->col, 0xFF, (size_t)(s.of[TCONV_GEMM_COL] * tconv_elem_bytes(col_dtype)));
    if (buffered)
      memset(bufs->out, 0xFF, (size_t)s.of[TCONV_GEMM_Y] * sizeof(float));
    if (conv)
      for (int64_t e = 0; e < images * per_col; ++e)
        tconv_elem_store(col_dtype, bufs->col, e, tconv_im2col_value(g, g->dtype, bufs->x, n0, e));
    if (!conv || buffered)
      memset(written, 0, (size_t)c_span * sizeof(unsigned));
  }
  if (emu_products(tc, p, n0, images, compute, bufs, s, written, t) != 0)
    return 1;
  if (!compute)
    return 0;
  if (conv) {
    if (buffered && check_written(tc, "FP32 output", written, images * per_y, c_span))
      return 1;
    if (tconv_gemm_needs_epilogue(g, bias))
      for (int64_t e = 0; e < images * per_y; ++e) {
        const float sum = buffered ? ((const float *)bufs->out)[e] : ((float *)y)[n0 * per_y + e];
        tconv_elem_store(g->dtype, y, n0 * per_y + e,
                         tconv_gemm_epilogue_value(g, g->dtype, bias, e, sum));
      }
    return 0;
  }
  if (check_written(tc, "column", written, images * per_col, c_span))
    return 1;
  const int kind = tconv_gather_kind(g);
  for (int64_t e = 0; e < images * per_y; ++e) {
    float value;
    int64_t offset;
    tconv_col2im(g, kind, g->dtype, (const float *)bufs->col, bias, n0, e, &value, &offset);
    if (offset != n0 * per_y + e) { /* y is dense; e runs in its memory order */
      CASE_FAIL(tc, "col2im writes output %lld of the chunk to %lld", (long long)e,
                (long long)offset);
      return 1;
    }
    tconv_elem_store(g->dtype, y, offset, value);
  }
  return 0;
}

int emu_gemm(const test_case *tc, const tconv_problem *p, size_t cap, size_t ws_bytes, int compute,
             const void *x, const void *w, const void *bias, void *y, emu_trace *trace) {
  memset(trace, 0, sizeof *trace);
  trace->hash = 0xCBF29CE484222325u;
  /* As tconv_cuda_gemm() in gemm.cu: the plan from the problem and the cap alone. */
  const int64_t chunk = tconv_gemm_chunk_for_cap(p, cap);
  const size_t need = tconv_gemm_workspace_for_cap(p, cap);
  if (chunk < 1 || ws_bytes < need) {
    CASE_FAIL(tc, "a workspace of %zu bytes is refused: the plan needs %zu", ws_bytes, need);
    return 1;
  }
  const int conv = p->op == TCONV_OP_CONV, buffered = tconv_gemm_out_buffered(p);
  const size_t out_bytes = (size_t)(chunk * tconv_gemm_image_out_bytes(p));
  spans s;
  s.of[TCONV_GEMM_X] = p->x_count;
  s.of[TCONV_GEMM_W] = p->w_count;
  s.of[TCONV_GEMM_COL] =
      (int64_t)(need - out_bytes) / tconv_elem_bytes(tconv_gemm_role_dtype(p, TCONV_GEMM_COL));
  s.of[TCONV_GEMM_Y] = buffered ? (int64_t)(out_bytes / sizeof(float)) : p->y_count;
  const int64_t c_span = s.of[conv ? TCONV_GEMM_Y : TCONV_GEMM_COL];
  unsigned char *ws = NULL;
  unsigned *written = NULL;
  int failed = 1;
  if (compute) {
    /* The whole workspace handed over, though only `need` bytes of it may be used. */
    ws = malloc(ws_bytes > 0 ? ws_bytes : 1);
    written = calloc((size_t)(c_span > 0 ? c_span : 1), sizeof(unsigned));
    if (ws == NULL || written == NULL) {
      CASE_FAIL(tc, "out of host memory");
      goto done;
    }
  }
  /* As gemm_run() in gemm.cu: the chunk's output buffers, then its columns. */
  tconv_gemm_buffers bufs;
  bufs.x = x;
  bufs.w = w;
  bufs.out = buffered ? (void *)ws : y;
  bufs.col = ws != NULL ? ws + out_bytes : NULL;
  const tconv_geom g = tconv_geom_make(p);
  for (int64_t n0 = 0; n0 < p->n; n0 += chunk) {
    const int64_t images = p->n - n0 < chunk ? p->n - n0 : chunk;
    ++trace->chunks;
    hash_i64(&trace->hash, n0);
    hash_i64(&trace->hash, images);
    if (emu_chunk(tc, p, &g, n0, images, compute, &bufs, s, bias, y, written, trace) != 0)
      goto done;
  }
  if (compute && conv && !buffered && check_written(tc, "y", written, p->y_count, p->y_count))
    goto done;
  failed = 0;
done:
  free(ws);
  free(written);
  return failed;
}
