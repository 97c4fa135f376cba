/*
 * fuzz_reference.c - libFuzzer harness: the CPU reference on small arbitrary problems.
 *
 * Every input decodes to a valid-looking problem of rank 1-3 with every parameter in a
 * small range (sizes 1-6, kernels 1-4, strides 1-4, dilations 1-3, paddings 0-4, any legal
 * output_padding, 1-3 groups of 1-3 channels, optional bias) and small-integer data, so that
 * every sum is exact in float32 and results can be compared bit for bit:
 *   - the three formulations of the transposed convolution (gather, scatter, zero insertion)
 *     give identical bits - with every activation, circular padding (gather and scatter;
 *     zero insertion must answer UNSUPPORTED), auto_pad and output_size too - and with
 *     explicit padding its output has the §1 size;
 *   - the convolution is the adjoint of the transposed convolution with the same weights:
 *     <conv(x), y> = <x, convT(y)>, with convT's output_padding chosen so that its output has
 *     x's size ((i + pb + pe - ke) mod s), checked exactly in int64, with zero and with
 *     circular padding;
 *   - with explicit padding, a problem the library rejects is one §1 rejects, with
 *     INVALID_ARGUMENT.
 * A violation traps. Problems whose work exceeds MAX_WORK multiply-adds are skipped, which
 * keeps each run well under a millisecond.
 *
 * Input encoding: 10 header bytes (rank, batch, groups, channels in / out per group, bias,
 * symmetric padding, padding mode, activation, conventions: auto_pad and output_size) and
 * 8 bytes per spatial dimension (size, kernel, stride, dilation, pad_begin, pad_end,
 * output_padding, output_size), each reduced modulo its range; the remaining bytes are
 * the data (value = byte mod 7 - 3), continued by a generator seeded from the input when
 * they run out.
 */
#include "tconv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      __builtin_trap();                                                                            \
  } while (0)

#define MAX_WORK 20000 /* multiply-adds (or scatter's fold steps) of one formulation */

typedef struct reader {
  const uint8_t *p, *end;
  uint64_t state; /* generator for data once the bytes run out */
} reader;

static uint8_t next_byte(reader *r) {
  if (r->p < r->end)
    return *r->p++;
  uint64_t z = (r->state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (uint8_t)(z ^ (z >> 31));
}

/* A value in [lo, lo + range). */
static int64_t next_in(reader *r, int64_t lo, int64_t range) { return lo + next_byte(r) % range; }

static int64_t count(int rank, const int64_t *dims) {
  int64_t c = 1;
  for (int a = 0; a < rank; ++a)
    c *= dims[a];
  return c;
}

/* Small integers in [-3, 3]; NULL when malloc fails (the input is then skipped). */
static float *random_tensor(reader *r, int64_t n) {
  float *a = malloc((size_t)(n > 0 ? n : 1) * sizeof *a);
  for (int64_t i = 0; a != NULL && i < n; ++i)
    a[i] = (float)(next_byte(r) % 7) - 3.0f;
  return a;
}

/* Exact inner product of two small-integer tensors; every element must have been written
 * (the outputs are poisoned with NaN first) and be an integer of plausible size. */
static int64_t dot(const float *a, const float *b, int64_t n) {
  int64_t s = 0;
  for (int64_t i = 0; i < n; ++i) {
    CHECK(a[i] >= -1e9f && a[i] <= 1e9f && b[i] >= -1e9f && b[i] <= 1e9f);
    CHECK(a[i] == (float)(int64_t)a[i] && b[i] == (float)(int64_t)b[i]);
    s += (int64_t)a[i] * (int64_t)b[i];
  }
  return s;
}

typedef struct problem {
  tconv_params p;
  int rank, with_bias;
  int explicit_pads; /* auto_pad NOTSET and no output_size: §1 applies as written */
  int64_t n, groups, cin_g, cout_g;
  int64_t in[3], k[3];
} problem;

static void decode(reader *r, problem *pr) {
  const int sr = (int)next_in(r, 1, 3);
  pr->rank = sr + 2;
  pr->n = next_in(r, 1, 2);
  pr->groups = next_in(r, 1, 3);
  pr->cin_g = next_in(r, 1, 3);
  pr->cout_g = next_in(r, 1, 3);
  pr->with_bias = next_byte(r) & 1;
  const int symmetric = next_byte(r) & 1; /* PyTorch's padding=p, the common case */
  pr->p = tconv_params_default(sr);
  pr->p.groups = pr->groups;
  pr->p.padding_mode = next_byte(r) % 4 == 3 ? TCONV_PADDING_CIRCULAR : TCONV_PADDING_ZEROS;
  /* Parameters that keep every activation exact on small integers. */
  static const float alpha[6] = {0, 0, 0.5f, 0, 0, -4}, beta[6] = {0, 0, 0, 0, 0, 6};
  const int act = next_byte(r) % 6;
  pr->p.activation = (tconv_activation)act;
  pr->p.activation_alpha = alpha[act];
  pr->p.activation_beta = beta[act];
  const uint8_t conventions = next_byte(r);
  pr->p.auto_pad = (tconv_auto_pad)(conventions % 4);
  const int sized = (conventions >> 2) % 4 == 3;
  pr->p.output_size_rule = (tconv_output_size_rule)((conventions >> 4) & 1);
  pr->explicit_pads = pr->p.auto_pad == TCONV_AUTO_PAD_NOTSET && !sized;
  for (int a = 0; a < sr; ++a) {
    pr->in[a] = next_in(r, 1, 6);
    pr->k[a] = next_in(r, 1, 4);
    const int64_t s = next_in(r, 1, 4), d = next_in(r, 1, 3);
    pr->p.stride[a] = s;
    pr->p.dilation[a] = d;
    pr->p.pad_begin[a] = next_in(r, 0, 5);
    pr->p.pad_end[a] = next_in(r, 0, 5);
    if (symmetric)
      pr->p.pad_end[a] = pr->p.pad_begin[a];
    pr->p.output_padding[a] = next_in(r, 0, s > d ? s : d);
    const int64_t size = next_in(r, 1, 24);
    if (sized)
      pr->p.output_size[a] = size;
    if (!pr->explicit_pads) /* the conventions compute the pads; op only with ONNX */
      pr->p.pad_begin[a] = pr->p.pad_end[a] = 0;
    if (sized && pr->p.output_size_rule == TCONV_OUTPUT_SIZE_PYTORCH)
      pr->p.output_padding[a] = 0;
  }
}

/* Transposed: x (N, g*cin_g, in...), w (g*cin_g, cout_g, k...); the three formulations. */
static void check_formulations(reader *r, const problem *pr) {
  const int sr = pr->p.spatial_rank;
  int64_t xd[5] = {pr->n, pr->groups * pr->cin_g}, wd[5] = {pr->groups * pr->cin_g, pr->cout_g};
  for (int a = 0; a < sr; ++a) {
    xd[2 + a] = pr->in[a];
    wd[2 + a] = pr->k[a];
  }
  int64_t yd[5];
  const tconv_status st = tconv_transpose_output_shape(&pr->p, xd, wd, yd);
  int positive = 1; /* §1: every o >= 1 */
  int64_t o[3];
  for (int a = 0; a < sr; ++a) {
    const tconv_params *p = &pr->p;
    o[a] = (pr->in[a] - 1) * p->stride[a] - p->pad_begin[a] - p->pad_end[a] +
           p->dilation[a] * (pr->k[a] - 1) + 1 + p->output_padding[a];
    positive &= o[a] >= 1;
  }
  if (!pr->explicit_pads) {
    CHECK(st == TCONV_STATUS_OK || st == TCONV_STATUS_INVALID_ARGUMENT);
    if (st != TCONV_STATUS_OK)
      return;
  } else if (!positive) {
    CHECK(st == TCONV_STATUS_INVALID_ARGUMENT);
    return;
  } else {
    CHECK(st == TCONV_STATUS_OK);
    for (int a = 0; a < sr; ++a)
      CHECK(yd[2 + a] == o[a]);
  }
  CHECK(yd[0] == pr->n && yd[1] == pr->groups * pr->cout_g);
  const int64_t xc = count(pr->rank, xd), wc = count(pr->rank, wd), yc = count(pr->rank, yd);
  /* Scatter folds its uncropped output onto y position by position: quadratic work. */
  int64_t fold = yc * yd[1], taps = yc * pr->cin_g * count(sr, pr->k);
  for (int a = 0; a < sr && fold <= MAX_WORK; ++a) {
    const int64_t span = o[a] + pr->p.pad_begin[a] + pr->p.pad_end[a]; /* (i-1)s + ke + op */
    fold *= span > yd[2 + a] ? span : yd[2 + a]; /* the conventions may grow y past it */
  }
  if (taps > MAX_WORK || fold > MAX_WORK)
    return;
  float *x = random_tensor(r, xc), *w = random_tensor(r, wc), *b = random_tensor(r, yd[1]);
  float *y[3] = {malloc((size_t)yc * sizeof(float)), malloc((size_t)yc * sizeof(float)),
                 malloc((size_t)yc * sizeof(float))};
  if (x != NULL && w != NULL && b != NULL && y[0] != NULL && y[1] != NULL && y[2] != NULL) {
    const float *bias = pr->with_bias ? b : NULL;
    const int zeros = pr->p.padding_mode == TCONV_PADDING_ZEROS;
    for (int f = 0; f < 3; ++f) {
      memset(y[f], 0xa5 + f, (size_t)yc * sizeof(float)); /* a different poison each */
      const tconv_status fs =
          tconv_reference_transpose(&pr->p, (tconv_formulation)f, xd, x, wd, w, bias, yd, y[f]);
      CHECK(fs == (f == TCONV_FORMULATION_ZERO_INSERTION && !zeros ? TCONV_STATUS_UNSUPPORTED
                                                                   : TCONV_STATUS_OK));
    }
    CHECK(memcmp(y[0], y[1], (size_t)yc * sizeof(float)) == 0);
    CHECK(!zeros || memcmp(y[0], y[2], (size_t)yc * sizeof(float)) == 0);
  }
  free(x), free(w), free(b), free(y[0]), free(y[1]), free(y[2]);
}

/* Conv: x (N, g*cin_g, in...), w (g*cout_g, cin_g, k...); then the adjoint identity. */
static void check_adjoint(reader *r, const problem *pr) {
  const int sr = pr->p.spatial_rank;
  if (!pr->explicit_pads)
    return; /* the adjoint pairs explicit paddings */
  tconv_params conv = pr->p;
  conv.activation = TCONV_ACTIVATION_NONE; /* the identity is linear */
  conv.activation_alpha = conv.activation_beta = 0.0f;
  const int circular = conv.padding_mode == TCONV_PADDING_CIRCULAR;
  int64_t xd[5] = {pr->n, pr->groups * pr->cin_g}, wd[5] = {pr->groups * pr->cout_g, pr->cin_g};
  int valid = 1;
  for (int a = 0; a < sr; ++a) {
    xd[2 + a] = pr->in[a];
    wd[2 + a] = pr->k[a];
    conv.output_padding[a] = 0;
    const int64_t ke = conv.dilation[a] * (pr->k[a] - 1) + 1;
    valid &= pr->in[a] + conv.pad_begin[a] + conv.pad_end[a] >= ke;
    valid &= !circular || (conv.pad_begin[a] <= pr->in[a] && conv.pad_end[a] <= pr->in[a]);
  }
  int64_t yd[5];
  const tconv_status st = tconv_conv_output_shape(&conv, xd, wd, yd);
  if (!valid) {
    CHECK(st == TCONV_STATUS_INVALID_ARGUMENT);
    return;
  }
  CHECK(st == TCONV_STATUS_OK);
  /* The transposed conv maps y's size back onto x's when its output_padding is the
   * remainder the convolution's floor dropped. */
  tconv_params transposed = conv;
  for (int a = 0; a < sr; ++a) {
    const int64_t ke = conv.dilation[a] * (pr->k[a] - 1) + 1;
    transposed.output_padding[a] =
        (pr->in[a] + conv.pad_begin[a] + conv.pad_end[a] - ke) % conv.stride[a];
  }
  const int64_t xc = count(pr->rank, xd), wc = count(pr->rank, wd), yc = count(pr->rank, yd);
  if (yc * pr->cin_g * count(sr, pr->k) > MAX_WORK)
    return;
  int64_t back[5];
  CHECK(tconv_transpose_output_shape(&transposed, yd, wd, back) == TCONV_STATUS_OK);
  CHECK(memcmp(back, xd, (size_t)pr->rank * sizeof back[0]) == 0);

  float *x = random_tensor(r, xc), *w = random_tensor(r, wc), *v = random_tensor(r, yc);
  float *y = malloc((size_t)yc * sizeof(float)), *z = malloc((size_t)xc * sizeof(float));
  if (x != NULL && w != NULL && v != NULL && y != NULL && z != NULL) {
    memset(y, 0xff, (size_t)yc * sizeof(float));
    memset(z, 0xff, (size_t)xc * sizeof(float));
    CHECK(tconv_reference_conv(&conv, xd, x, wd, w, NULL, yd, y) == TCONV_STATUS_OK);
    CHECK(tconv_reference_transpose(&transposed, TCONV_FORMULATION_GATHER, yd, v, wd, w, NULL, xd,
                                    z) == TCONV_STATUS_OK);
    CHECK(dot(y, v, yc) == dot(x, z, xc));
  }
  free(x), free(w), free(v), free(y), free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, data + size, 0x5eed};
  for (size_t i = 0; i < size; ++i)
    r.state = r.state * 31 + data[i];
  problem pr;
  decode(&r, &pr);
  check_formulations(&r, &pr);
  check_adjoint(&r, &pr);
  return 0;
}
