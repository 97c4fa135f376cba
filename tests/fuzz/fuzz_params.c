/*
 * fuzz_params.c - libFuzzer harness: parameter validation and the shape queries with
 * arbitrary tconv_params and dims, plus the forward calls' validation on a CPU context and
 * the reference on the rare inputs that are both valid and tiny.
 *
 * Properties checked (a violation traps, so libFuzzer keeps the input):
 *   - no crash and no UBSan report (signed overflow included) for any input;
 *   - a failing query returns INVALID_ARGUMENT, SHAPE_MISMATCH, SIZE_OVERFLOW or
 *     UNSUPPORTED, records a sentence and leaves y_dims untouched; a successful one clears
 *     the sentence;
 *   - with explicit padding (auto_pad NOTSET, no output_size): OK exactly when DESIGN §1 and
 *     the padding mode's limits say the problem is valid and every size fits (recomputed
 *     here in __int128, so this check cannot overflow); an OK result equals the §1 formula;
 *     a valid problem whose sizes do not fit in int64 gets SIZE_OVERFLOW;
 *   - with auto_pad or output_size: an OK result has the requested output size (output_size,
 *     or SAME's ceil(i/s) for conv and i*s for transposed);
 *   - entries past spatial_rank (parameters and dims) change nothing;
 *   - tconv_workspace_size agrees with the shape query, and a forward call on the CPU
 *     backend fails whenever the query does, and otherwise (when the tensors fit the small
 *     buffers used here) succeeds with the reference's bits - in verify mode when the
 *     reference ran, so that the second formulation's check passes too;
 *   - on valid problems small enough, the reference's formulations give the same bits.
 *
 * Input encoding (see make_corpus.py): byte 0 flags (bit 0 transposed, bit 1 bias, bit 2
 * conventions follow), byte 1 spatial rank, then 26 values - per spatial dimension stride,
 * dilation, pad_begin, pad_end, output_padding; groups; x dims[5]; w dims[5] - each a tag
 * byte: 0-127 the value itself, 128-159 the negative -(tag-127), 160-175 a special value
 * (limits and overflow edges), 176-191 the next 2 bytes, 192-255 the next 8 bytes
 * (little-endian). With flag bit 2, bytes for auto_pad, output_size_rule, padding_mode,
 * activation, alpha and beta, then 3 output_size values. Missing bytes read 0.
 */
#include "tconv.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      __builtin_trap();                                                                            \
  } while (0)

typedef __int128 i128;

/* Capacities (floats) of the wrapped buffers the forward calls use. */
#define X_CAP 256
#define W_CAP 256
#define Y_CAP 1024
#define B_CAP 32
/* The reference runs only when its work (multiply-adds) and scratch stay this small. */
#define MAX_WORK 20000
#define MAX_SCRATCH 4096

typedef struct reader {
  const uint8_t *p, *end;
} reader;

static uint8_t next_byte(reader *r) { return r->p < r->end ? *r->p++ : 0; }

static int64_t next_value(reader *r) {
  static const int64_t special[16] = {
      INT64_MAX,         INT64_MIN,        INT64_MAX - 1,     INT64_MAX / 2,
      INT64_MAX / 2 + 1, INT64_MAX / 4,    INT64_MAX / 4 + 1, INT32_MAX,
      (int64_t)1 << 31,  (int64_t)1 << 32, 3037000499,        3037000500,
      (int64_t)1 << 62,  INT64_MIN + 1,    (int64_t)1 << 21,  ((int64_t)1 << 42) + 1};
  const uint8_t tag = next_byte(r);
  if (tag < 128)
    return tag;
  if (tag < 160)
    return -(int64_t)(tag - 127);
  if (tag < 176)
    return special[tag - 160];
  uint64_t u = 0;
  const int bytes = tag < 192 ? 2 : 8;
  for (int i = 0; i < bytes; ++i)
    u |= (uint64_t)next_byte(r) << (8 * i);
  int64_t v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* An enum value: mostly in range, sometimes just past it or negative. */
static int next_enum(reader *r, int count) {
  const uint8_t b = next_byte(r);
  return b < 128 ? b % (count + 1) : (int)(int8_t)b;
}

/* An activation parameter: small multiples of 1/4, and the non-finite values. */
static float next_float(reader *r) {
  const uint8_t b = next_byte(r);
  return b == 0x7f ? NAN : b == 0x80 ? INFINITY : b == 0x81 ? -INFINITY : (float)(int8_t)b / 4;
}

/* ---- DESIGN §1, recomputed in __int128 -------------------------------------------------- */

typedef enum verdict { INVALID, TOO_LARGE, VALID } verdict;

/* Multiplies into *acc while it stays within int64; returns 0 once it does not. */
static int mul_fits(i128 *acc, int64_t factor) {
  *acc *= factor; /* |acc| <= INT64_MAX and factor < 2^63: the product fits in i128 */
  return *acc <= INT64_MAX;
}

/* Whether §1 accepts the problem, and y's dims when it does. TOO_LARGE: valid, but a size
 * (or an intermediate of the §1 formula, or a byte count) exceeds int64. */
static verdict expected_shape(int transposed, const tconv_params *p, const int64_t *x,
                              const int64_t *w, int64_t *y) {
  const int sr = p->spatial_rank;
  if (sr < 1 || sr > 3 || p->groups < 1)
    return INVALID;
  const float alpha = p->activation_alpha, beta = p->activation_beta;
  switch (p->activation) {
  case TCONV_ACTIVATION_NONE:
  case TCONV_ACTIVATION_RELU:
  case TCONV_ACTIVATION_SIGMOID:
  case TCONV_ACTIVATION_TANH:
    if (alpha != 0.0f || beta != 0.0f)
      return INVALID;
    break;
  case TCONV_ACTIVATION_LEAKY_RELU:
    if (!isfinite(alpha) || beta != 0.0f)
      return INVALID;
    break;
  case TCONV_ACTIVATION_CLAMP:
    if (!(alpha <= beta))
      return INVALID;
    break;
  default:
    return INVALID;
  }
  const tconv_padding_mode mode = p->padding_mode;
  if ((unsigned)mode > TCONV_PADDING_CIRCULAR ||
      (transposed && (mode == TCONV_PADDING_REFLECT || mode == TCONV_PADDING_REPLICATE)))
    return INVALID;
  const int rank = sr + 2;
  for (int a = 0; a < rank; ++a)
    if (x[a] < 1 || w[a] < 1)
      return INVALID;
  const int64_t g = p->groups, cin = x[1];
  if (cin % g != 0)
    return INVALID;
  i128 cout;
  if (transposed) {
    if (w[0] != cin)
      return INVALID;
    cout = (i128)w[1] * g;
  } else {
    if (w[1] != cin / g || w[0] % g != 0)
      return INVALID;
    cout = w[0];
  }
  int fits = cout <= INT64_MAX;
  i128 out[3];
  for (int a = 0; a < sr; ++a) {
    const i128 i = x[2 + a], k = w[2 + a], s = p->stride[a], d = p->dilation[a];
    const i128 pb = p->pad_begin[a], pe = p->pad_end[a], op = p->output_padding[a];
    if (s < 1 || d < 1 || pb < 0 || pe < 0)
      return INVALID;
    const i128 ke = d * (k - 1) + 1;
    fits &= ke <= INT64_MAX;
    if (transposed) {
      if (op < 0 || op >= (s > d ? s : d))
        return INVALID;
      const i128 span = (i - 1) * s + ke + op; /* < 2^127: see the bounds of each term */
      fits &= (i - 1) * s <= INT64_MAX && (i - 1) * s + ke <= INT64_MAX && span <= INT64_MAX;
      out[a] = span - pb - pe;
      if (out[a] < 1)
        return INVALID;
    } else {
      if (op != 0)
        return INVALID;
      if ((mode == TCONV_PADDING_REFLECT && (pb >= i || pe >= i)) ||
          (mode == TCONV_PADDING_CIRCULAR && (pb > i || pe > i)))
        return INVALID;
      const i128 padded = i + pb + pe;
      fits &= padded <= INT64_MAX;
      if (padded < ke)
        return INVALID;
      out[a] = (padded - ke) / s + 1;
    }
  }
  if (!fits)
    return TOO_LARGE;
  /* The element counts, each also as bytes (times 4), as the library requires. */
  i128 xc = 4, wc = 4, yc = 4;
  fits = mul_fits(&xc, x[0]) && mul_fits(&xc, cin) && mul_fits(&yc, x[0]) &&
         mul_fits(&yc, (int64_t)cout) && mul_fits(&wc, cin) && mul_fits(&wc, (int64_t)cout / g);
  for (int a = 0; a < sr && fits; ++a)
    fits = mul_fits(&xc, x[2 + a]) && mul_fits(&wc, w[2 + a]) && mul_fits(&yc, (int64_t)out[a]);
  if (!fits)
    return TOO_LARGE;
  y[0] = x[0];
  y[1] = (int64_t)cout;
  for (int a = 0; a < sr; ++a)
    y[2 + a] = (int64_t)out[a];
  return VALID;
}

/* ---- calls ------------------------------------------------------------------------------ */

static tconv_status shape_query(int transposed, const tconv_params *p, const int64_t *x,
                                const int64_t *w, int64_t *y) {
  return transposed ? tconv_transpose_output_shape(p, x, w, y)
                    : tconv_conv_output_shape(p, x, w, y);
}

static int64_t count(int rank, const int64_t *dims) {
  int64_t c = 1;
  for (int a = 0; a < rank; ++a)
    c *= dims[a];
  return c;
}

static float x_data[X_CAP], w_data[W_CAP], y_data[Y_CAP], b_data[B_CAP], y_ref[Y_CAP];

/* Small integers: every sum in the reference is exact, so bits can be compared. */
static void fill_inputs(void) {
  for (int i = 0; i < X_CAP; ++i)
    x_data[i] = (float)(i % 7 - 3);
  for (int i = 0; i < W_CAP; ++i)
    w_data[i] = (float)(i % 5 - 2);
  for (int i = 0; i < B_CAP; ++i)
    b_data[i] = (float)(i % 3);
}

/* The reference on a valid problem whose work and scratch are tiny: each formulation must
 * succeed (zero insertion: with zero padding only), and all must give the same bits.
 * Returns 1 when it ran (y_ref then holds gather's, or the convolution's, result). */
static int run_reference(int transposed, const tconv_params *p, const int64_t *x, const int64_t *w,
                         const int64_t *y, int with_bias) {
  const int sr = p->spatial_rank, rank = sr + 2;
  const int64_t xc = count(rank, x), wc = count(rank, w), yc = count(rank, y);
  if (xc > X_CAP || wc > W_CAP || yc > Y_CAP || (with_bias && y[1] > B_CAP))
    return 0;
  const int64_t cin_g = x[1] / p->groups;
  /* Work: gather's taps, and scatter's fold of the uncropped output onto y, which is
   * quadratic (every output position scans the uncropped extent). Scratch: the uncropped
   * output (scatter) and the zero-inserted input (zero insertion). With auto_pad or
   * output_size the pads are the library's, but never wider than the uncropped extent
   * (i - 1)*s + ke + op, or the output itself when that is larger. */
  i128 taps = (i128)yc * cin_g, fold = (i128)yc * y[1] * x[0], scatter = (i128)x[0] * y[1];
  i128 zero_ins = (i128)x[0] * x[1];
  for (int a = 0; a < sr; ++a) {
    const i128 ke = (i128)p->dilation[a] * (w[2 + a] - 1) + 1;
    i128 full = (i128)(x[2 + a] - 1) * p->stride[a] + ke + p->output_padding[a];
    if (full < y[2 + a])
      full = y[2 + a];
    taps *= w[2 + a];
    fold *= full;
    scatter *= full;
    zero_ins *= y[2 + a] + ke;
    if (taps > MAX_WORK || fold > MAX_WORK || scatter > MAX_SCRATCH || zero_ins > MAX_SCRATCH)
      return 0;
  }
  const float *bias = with_bias ? b_data : NULL;
  if (!transposed) {
    CHECK(tconv_reference_conv(p, x, x_data, w, w_data, bias, y, y_ref) == TCONV_STATUS_OK);
    return 1;
  }
  CHECK(tconv_reference_transpose(p, TCONV_FORMULATION_GATHER, x, x_data, w, w_data, bias, y,
                                  y_ref) == TCONV_STATUS_OK);
  for (int f = TCONV_FORMULATION_SCATTER; f <= TCONV_FORMULATION_ZERO_INSERTION; ++f) {
    float other[Y_CAP];
    memset(other, 0xff, sizeof other);
    const tconv_status st =
        tconv_reference_transpose(p, (tconv_formulation)f, x, x_data, w, w_data, bias, y, other);
    if (f == TCONV_FORMULATION_ZERO_INSERTION && p->padding_mode != TCONV_PADDING_ZEROS) {
      CHECK(st == TCONV_STATUS_UNSUPPORTED);
      continue;
    }
    CHECK(st == TCONV_STATUS_OK);
    CHECK(memcmp(other, y_ref, (size_t)yc * sizeof(float)) == 0);
  }
  return 1;
}

/* The forward call's validation on the CPU backend with the same dims, over buffers of
 * X_CAP, W_CAP, Y_CAP floats: it may reject what the query accepts (a tensor larger than its
 * buffer) but never accept what the query rejects. */
static void check_forward(tconv_context *ctx, int transposed, const tconv_params *p,
                          const int64_t *x, const int64_t *w, const int64_t *y, int with_bias,
                          tconv_status query_status, int reference_ran) {
  static tconv_buffer *bx, *bw, *by, *bb;
  if (bx == NULL) {
    CHECK(tconv_buffer_wrap(ctx, x_data, sizeof x_data, &bx) == TCONV_STATUS_OK);
    CHECK(tconv_buffer_wrap(ctx, w_data, sizeof w_data, &bw) == TCONV_STATUS_OK);
    CHECK(tconv_buffer_wrap(ctx, y_data, sizeof y_data, &by) == TCONV_STATUS_OK);
    CHECK(tconv_buffer_wrap(ctx, b_data, sizeof b_data, &bb) == TCONV_STATUS_OK);
  }
  const int sr = p->spatial_rank;
  /* An invalid rank is rejected before any tensor is read; rank 3 keeps make() in bounds. */
  const int rank = sr >= 1 && sr <= 3 ? sr + 2 : 3;
  const int64_t bias_dims[1] = {y[1]};
  const tconv_tensor tx = tconv_tensor_make(bx, 0, rank, x);
  const tconv_tensor tw = tconv_tensor_make(bw, 0, rank, w);
  const tconv_tensor ty = tconv_tensor_make(by, 0, rank, y);
  const tconv_tensor tb = tconv_tensor_make(bb, 0, 1, bias_dims);

  size_t bytes = 1;
  const tconv_status ws = tconv_workspace_size(ctx, transposed ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                                               p, &tx, &tw, NULL, TCONV_ALGO_AUTO, &bytes);
  CHECK(ws == query_status);
  CHECK(ws != TCONV_STATUS_OK || bytes == 0);

  memset(y_data, 0xff, sizeof y_data);
  const tconv_tensor *bias = with_bias ? &tb : NULL;
  /* Verify mode (a second formulation recomputes y) where the reference was small enough to
   * run: it must pass, since the formulations agree bitwise on these inputs. */
  CHECK(tconv_context_set_verify(ctx, reference_ran, 0.0) == TCONV_STATUS_OK);
  const tconv_status st =
      transposed ? tconv_transpose_forward(ctx, p, &tx, &tw, bias, &ty, TCONV_ALGO_AUTO, NULL)
                 : tconv_conv_forward(ctx, p, &tx, &tw, bias, &ty, TCONV_ALGO_AUTO, NULL);
  CHECK(query_status == TCONV_STATUS_OK || st != TCONV_STATUS_OK);
  CHECK((st == TCONV_STATUS_OK) == (tconv_context_last_error(ctx)[0] == '\0'));
  /* AUTO runs a CPU algorithm (FP32 sums, float activations): the reference's values within
   * the float32 tolerance, and the same values to the sign of zero on these small integers
   * without a transcendental activation. */
  if (st == TCONV_STATUS_OK && reference_ran)
    for (int64_t i = 0; i < count(rank, y); ++i) {
      const float d = fabsf(y_data[i] - y_ref[i]);
      if (!(d <= 1e-5f * fmaxf(1.0f, fabsf(y_ref[i])))) {
        fprintf(stderr, "y[%lld] = %.9g, reference %.9g\n", (long long)i, (double)y_data[i],
                (double)y_ref[i]);
        CHECK(0);
      }
    }
  if (query_status == TCONV_STATUS_OK && count(rank, x) <= X_CAP && count(rank, w) <= W_CAP &&
      count(rank, y) <= Y_CAP && (!with_bias || y[1] <= B_CAP) && st != TCONV_STATUS_OK) {
    fprintf(stderr, "forward: %s (%s)\n", tconv_status_name(st), tconv_context_last_error(ctx));
    CHECK(0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static tconv_context *ctx; /* one for the whole run: creating it is not what is tested */
  if (ctx == NULL) {
    CHECK(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx) == TCONV_STATUS_OK);
    fill_inputs();
  }
  reader r = {data, data + size};
  const uint8_t flags = next_byte(&r);
  const int transposed = flags & 1, with_bias = (flags >> 1) & 1;
  const uint8_t rank_byte = next_byte(&r);
  tconv_params p;
  memset(&p, 0, sizeof p);
  p.spatial_rank = rank_byte < 128 ? rank_byte % 5 : (int)(int8_t)rank_byte;
  for (int a = 0; a < TCONV_MAX_SPATIAL; ++a) {
    p.stride[a] = next_value(&r);
    p.dilation[a] = next_value(&r);
    p.pad_begin[a] = next_value(&r);
    p.pad_end[a] = next_value(&r);
    p.output_padding[a] = next_value(&r);
  }
  p.groups = next_value(&r);
  int64_t x[TCONV_MAX_RANK], w[TCONV_MAX_RANK];
  for (int a = 0; a < TCONV_MAX_RANK; ++a)
    x[a] = next_value(&r);
  for (int a = 0; a < TCONV_MAX_RANK; ++a)
    w[a] = next_value(&r);
  if (flags & 4) {
    p.auto_pad = (tconv_auto_pad)next_enum(&r, 4);
    p.output_size_rule = (tconv_output_size_rule)next_enum(&r, 2);
    p.padding_mode = (tconv_padding_mode)next_enum(&r, 4);
    p.activation = (tconv_activation)next_enum(&r, 6);
    p.activation_alpha = next_float(&r);
    p.activation_beta = next_float(&r);
    for (int a = 0; a < TCONV_MAX_SPATIAL; ++a)
      p.output_size[a] = next_value(&r);
  }

  int64_t y[TCONV_MAX_RANK], expect[TCONV_MAX_RANK];
  memset(y, 0x5a, sizeof y);
  const tconv_status st = shape_query(transposed, &p, x, w, y);
  const int sr = p.spatial_rank;
  int sized = 0;
  for (int a = 0; a < sr && a < TCONV_MAX_SPATIAL; ++a)
    sized |= p.output_size[a] != 0;
  const int explicit_pads = p.auto_pad == TCONV_AUTO_PAD_NOTSET && !sized;
  const verdict v = expected_shape(transposed, &p, x, w, expect);
  if (st == TCONV_STATUS_OK) {
    CHECK(tconv_last_error()[0] == '\0');
    if (explicit_pads) {
      CHECK(v == VALID);
      CHECK(memcmp(y, expect, (size_t)(sr + 2) * sizeof y[0]) == 0);
    }
    for (int a = 0; a < sr; ++a) {
      CHECK(y[2 + a] >= 1);
      if (sized)
        CHECK(y[2 + a] == p.output_size[a]);
      else if (p.auto_pad == TCONV_AUTO_PAD_SAME_UPPER || p.auto_pad == TCONV_AUTO_PAD_SAME_LOWER)
        CHECK(transposed ? (i128)y[2 + a] == (i128)x[2 + a] * p.stride[a]
                         : y[2 + a] == (x[2 + a] - 1) / p.stride[a] + 1);
    }
  } else {
    CHECK(st == TCONV_STATUS_INVALID_ARGUMENT || st == TCONV_STATUS_SHAPE_MISMATCH ||
          st == TCONV_STATUS_SIZE_OVERFLOW || st == TCONV_STATUS_UNSUPPORTED);
    if (explicit_pads) {
      CHECK(v != VALID);
      CHECK(v != TOO_LARGE || st == TCONV_STATUS_SIZE_OVERFLOW);
    }
    CHECK(tconv_last_error()[0] != '\0');
    for (int a = 0; a < TCONV_MAX_RANK; ++a)
      CHECK(y[a] == (int64_t)0x5a5a5a5a5a5a5a5a);
  }

  /* Entries past the spatial rank are not read: scrambling them changes nothing. */
  if (sr >= 1 && sr <= 3) {
    tconv_params q = p;
    int64_t x2[TCONV_MAX_RANK], w2[TCONV_MAX_RANK], y2[TCONV_MAX_RANK];
    memcpy(x2, x, sizeof x2);
    memcpy(w2, w, sizeof w2);
    memcpy(y2, y, sizeof y2);
    for (int a = sr; a < TCONV_MAX_SPATIAL; ++a) {
      q.stride[a] = q.dilation[a] = q.pad_begin[a] = q.pad_end[a] = -7 - a;
      q.output_padding[a] = INT64_MIN;
      q.output_size[a] = -1;
    }
    for (int a = sr + 2; a < TCONV_MAX_RANK; ++a)
      x2[a] = w2[a] = INT64_MIN + a;
    CHECK(shape_query(transposed, &q, x2, w2, y2) == st);
    CHECK(memcmp(y2, y, sizeof y) == 0);
  }

  const int64_t *y_for_forward = st == TCONV_STATUS_OK ? y : x;
  int reference_ran = 0;
  if (st == TCONV_STATUS_OK)
    reference_ran = run_reference(transposed, &p, x, w, y, with_bias);
  check_forward(ctx, transposed, &p, x, w, y_for_forward, with_bias, st, reference_ran);
  return 0;
}
