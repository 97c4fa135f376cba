/*
 * cpu_cases.c - the inputs, reference results and host-buffer harness of cpu_cases.h.
 */
#include "cpu_cases.h"

#include <stdlib.h>
#include <string.h>

#define GUARD_WORDS 37          /* before and after y: odd, so y is not 16-byte aligned */
#define INPUT_GAP_WORDS 3       /* before x, w and bias */
#define POISON_WORD 0xFFFFFFFFu /* a NaN: an unwritten output fails every comparison */
#define GUARD_WORD 0x7FA5A5A5u  /* a NaN no algorithm computes: a stray write changes it */

const tconv_algo cpu_algos[CPU_ALGO_COUNT] = {TCONV_ALGO_CPU_IGEMM, TCONV_ALGO_CPU_DIRECT,
                                              TCONV_ALGO_AUTO};

static float *floats(int64_t n) { return malloc((size_t)(n > 0 ? n : 1) * sizeof(float)); }

/* The reference; for the transposed convolution its scatter formulation, which visits each
 * (input, tap) pair once where the gather tests every tap of every output (and, circular,
 * every input too) - the same sums, a fraction of the time. */
static int reference(const test_case *c, const float *x, const float *w, const float *bias,
                     float *y) {
  if (c->op != TCONV_OP_TRANSPOSE)
    return case_reference(c, x, w, bias, y);
  const tconv_status status =
      tconv_reference_transpose(&c->params, TCONV_FORMULATION_SCATTER, c->x_dims, x, c->w_dims, w,
                                c->bias ? bias : NULL, c->y_dims, y);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "CPU reference (scatter): %s (%s)", tconv_status_name(status), tconv_last_error());
    return 1;
  }
  return 0;
}

int cpu_data_make(const test_case *c, cpu_data *d) {
  memset(d, 0, sizeof *d);
  d->x = floats(c->x_count), d->w = floats(c->w_count), d->bias = floats(c->cout);
  d->xi = floats(c->x_count), d->wi = floats(c->w_count), d->biasi = floats(c->cout);
  d->ref = floats(c->y_count), d->refi = floats(c->y_count), d->yi = floats(c->y_count);
  int ok = d->x && d->w && d->bias && d->xi && d->wi && d->biasi && d->ref && d->refi && d->yi;
  for (int a = 0; a < CPU_ALGO_COUNT; ++a)
    ok &= (d->y[a] = floats(c->y_count)) != NULL;
  if (!ok) {
    CASE_FAIL(c, "out of host memory");
    cpu_data_free(d);
    return 1;
  }
  case_fill_inputs(c, 0, d->x, d->w, d->bias);
  case_fill_inputs(c, 1, d->xi, d->wi, d->biasi);
  if (reference(c, d->x, d->w, d->bias, d->ref) != 0 ||
      reference(c, d->xi, d->wi, d->biasi, d->refi) != 0) {
    cpu_data_free(d);
    return 1;
  }
  return 0;
}

void cpu_data_free(cpu_data *d) {
  float *all[] = {d->x, d->w, d->bias, d->xi, d->wi, d->biasi, d->ref, d->refi, d->yi};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    free(all[i]);
  for (int a = 0; a < CPU_ALGO_COUNT; ++a)
    free(d->y[a]);
  memset(d, 0, sizeof *d);
}

int cpu_harness_make(cpu_harness *h, tconv_context *ctx, const test_case *c) {
  memset(h, 0, sizeof *h);
  h->ctx = ctx;
  h->x_at = INPUT_GAP_WORDS;
  h->w_at = h->x_at + c->x_count + INPUT_GAP_WORDS;
  h->b_at = h->w_at + c->w_count + INPUT_GAP_WORDS;
  const int64_t in_words = h->b_at + c->cout;
  h->y_words = c->y_count + 2 * GUARD_WORDS;
  h->in = floats(in_words);
  h->out = floats(h->y_words);
  tconv_status status =
      h->in != NULL && h->out != NULL ? TCONV_STATUS_OK : TCONV_STATUS_OUT_OF_MEMORY;
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_wrap(ctx, h->in, (size_t)in_words * sizeof(float), &h->bin);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_wrap(ctx, h->out, (size_t)h->y_words * sizeof(float), &h->bout);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "setting up buffers: %s", tconv_status_name(status));
    cpu_harness_free(h);
    return 1;
  }
  return 0;
}

void cpu_harness_free(cpu_harness *h) {
  tconv_buffer_destroy(h->bin);
  tconv_buffer_destroy(h->bout);
  free(h->in);
  free(h->out);
  memset(h, 0, sizeof *h);
}

tconv_status cpu_harness_call(cpu_harness *h, const test_case *c, tconv_algo algo, const float *x,
                              const float *w, const float *bias, float *y, int *guards_ok) {
  memcpy(h->in + h->x_at, x, (size_t)c->x_count * sizeof(float));
  memcpy(h->in + h->w_at, w, (size_t)c->w_count * sizeof(float));
  if (bias != NULL)
    memcpy(h->in + h->b_at, bias, (size_t)c->cout * sizeof(float));
  uint32_t *raw = (uint32_t *)(void *)h->out;
  for (int64_t i = 0; i < h->y_words; ++i)
    raw[i] = i < GUARD_WORDS || i >= GUARD_WORDS + c->y_count ? GUARD_WORD : POISON_WORD;
  const int rank = c->rank + 2;
  const tconv_tensor tx =
      tconv_tensor_make(h->bin, (size_t)h->x_at * sizeof(float), rank, c->x_dims);
  const tconv_tensor tw =
      tconv_tensor_make(h->bin, (size_t)h->w_at * sizeof(float), rank, c->w_dims);
  const tconv_tensor tb = tconv_tensor_make(h->bin, (size_t)h->b_at * sizeof(float), 1, &c->cout);
  const tconv_tensor ty = tconv_tensor_make(h->bout, GUARD_WORDS * sizeof(float), rank, c->y_dims);
  const tconv_tensor *pb = bias != NULL ? &tb : NULL;
  const tconv_status status =
      c->op == TCONV_OP_CONV
          ? tconv_conv_forward(h->ctx, &c->params, &tx, &tw, pb, &ty, algo, NULL)
          : tconv_transpose_forward(h->ctx, &c->params, &tx, &tw, pb, &ty, algo, NULL);
  *guards_ok = 1;
  for (int64_t i = 0; i < h->y_words; ++i)
    if ((i < GUARD_WORDS || i >= GUARD_WORDS + c->y_count) && raw[i] != GUARD_WORD)
      *guards_ok = 0;
  memcpy(y, h->out + GUARD_WORDS, (size_t)c->y_count * sizeof(float));
  return status;
}

int cpu_harness_run(cpu_harness *h, const test_case *c, tconv_algo algo, const float *x,
                    const float *w, const float *bias, float *y) {
  int guards_ok;
  const tconv_status status = cpu_harness_call(h, c, algo, x, w, bias, y, &guards_ok);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "%s: %s (%s)", tconv_algo_name(algo), tconv_status_name(status),
              tconv_context_last_error(h->ctx));
    return 1;
  }
  if (!guards_ok) {
    CASE_FAIL(c, "%s wrote outside y (a guard word changed)", tconv_algo_name(algo));
    return 1;
  }
  return 0;
}
