/*
 * test_conventions.c - suite "conventions": auto_pad, explicit output sizes (PyTorch and
 * ONNX rules), padding modes and fused activations, each against a brute-force definition
 * built from the plain reference; invalid combinations get their exact statuses; the names
 * of every enum's values, made from its list in tconv.h, read back.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rank-1 problem: x (n, c, i), w laid out for `transposed`. */
typedef struct {
  int64_t xd[3], wd[3], yd[3];
  float x[64], w[64], b[4], y[512], want[512];
} case1d;

static void case_init(case1d *c, int transposed, int64_t i, int64_t k) {
  memset(c, 0, sizeof *c);
  c->xd[0] = 1, c->xd[1] = 2, c->xd[2] = i;
  c->wd[0] = transposed ? 2 : 3, c->wd[1] = transposed ? 3 : 2, c->wd[2] = k;
  test_fill_int(c->x, 2 * i, -4, 4);
  test_fill_int(c->w, 6 * k, -3, 3);
  test_fill_int(c->b, 3, -2, 2);
}

static tconv_status run_transpose(case1d *c, const tconv_params *p, float *y) {
  tconv_status st = tconv_transpose_output_shape(p, c->xd, c->wd, c->yd);
  return st ? st
            : tconv_reference_transpose(p, TCONV_FORMULATION_GATHER, c->xd, c->x, c->wd, c->w, c->b,
                                        c->yd, y);
}

static tconv_status run_conv(case1d *c, const tconv_params *p, float *y) {
  tconv_status st = tconv_conv_output_shape(p, c->xd, c->wd, c->yd);
  return st ? st : tconv_reference_conv(p, c->xd, c->x, c->wd, c->w, c->b, c->yd, y);
}

/* ONNX's split: SAME_UPPER puts total/2 at the begin, otherwise total - total/2. */
static void onnx_split(int64_t total, int upper, int64_t *pb, int64_t *pe) {
  *pb = upper ? total / 2 : total - total / 2;
  *pe = total - *pb;
}

static void test_conv_auto_pad(void) {
  int failures = 0;
  for (int64_t i = 1; i <= 9; ++i)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int mode = TCONV_AUTO_PAD_VALID; mode <= TCONV_AUTO_PAD_SAME_LOWER; ++mode) {
          case1d c;
          case_init(&c, 0, i, k);
          tconv_params p = tconv_params_default(1), q = p;
          p.stride[0] = q.stride[0] = s;
          p.auto_pad = (tconv_auto_pad)mode;
          if (mode != TCONV_AUTO_PAD_VALID) {
            const int64_t o = (i + s - 1) / s, total = (o - 1) * s + k - i;
            onnx_split(total > 0 ? total : 0, mode == TCONV_AUTO_PAD_SAME_UPPER, &q.pad_begin[0],
                       &q.pad_end[0]);
          }
          const tconv_status want = run_conv(&c, &q, c.want);
          const int64_t want_o = c.yd[2];
          const tconv_status got = run_conv(&c, &p, c.y);
          failures += got != want;
          if (got == TCONV_STATUS_OK && want == TCONV_STATUS_OK) {
            failures +=
                c.yd[2] != want_o || test_first_difference(c.y, c.want, test_count(3, c.yd)) != -1;
            if (mode != TCONV_AUTO_PAD_VALID)
              failures += c.yd[2] != (i + s - 1) / s;
          }
        }
  CU_ASSERT_EQUAL(failures, 0);
}

static void test_transpose_auto_pad_and_onnx_output_shape(void) {
  int failures = 0, negative_totals = 0;
  for (int64_t i = 1; i <= 7; ++i)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int upper = 0; upper <= 1; ++upper)
          for (int64_t extra = 0; extra <= 2; ++extra) {
            case1d c;
            case_init(&c, 1, i, k);
            /* extra = 0: auto_pad SAME (o = i*s); else an ONNX output_shape near it. */
            tconv_params p = tconv_params_default(1);
            p.stride[0] = s;
            p.auto_pad = upper ? TCONV_AUTO_PAD_SAME_UPPER : TCONV_AUTO_PAD_SAME_LOWER;
            const int64_t o = extra == 0 ? i * s : i * s - extra;
            if (o < 1)
              continue;
            if (extra != 0) {
              p.output_size[0] = o;
              p.output_size_rule = TCONV_OUTPUT_SIZE_ONNX;
            }
            const int64_t total = s * (i - 1) + k - o;
            tconv_params q = tconv_params_default(1);
            q.stride[0] = s;
            if (total >= 0)
              onnx_split(total, upper, &q.pad_begin[0], &q.pad_end[0]);
            const tconv_status got = run_transpose(&c, &p, c.y);
            if (got != TCONV_STATUS_OK || c.yd[2] != o) {
              ++failures;
              continue;
            }
            CU_ASSERT_EQUAL_FATAL(run_transpose(&c, &q, c.want), TCONV_STATUS_OK);
            if (total >= 0) {
              failures += test_first_difference(c.y, c.want, test_count(3, c.yd)) != -1;
            } else {
              /* The natural output, then -total positions holding only the bias. */
              ++negative_totals;
              const int64_t natural = o + total;
              for (int64_t ch = 0; ch < 3; ++ch)
                for (int64_t t = 0; t < o; ++t)
                  failures += c.y[ch * o + t] != (t < natural ? c.want[ch * natural + t] : c.b[ch]);
            }
          }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT(negative_totals > 0);
}

static void test_pytorch_output_size(void) {
  case1d c;
  case_init(&c, 1, 5, 3);
  tconv_params p = tconv_params_default(1);
  p.stride[0] = 3;
  p.pad_begin[0] = p.pad_end[0] = 1;
  /* omin = 4*3 - 2 + 3 = 13; output_size 13..15 are output_padding 0..2. */
  for (int64_t o = 13; o <= 15; ++o) {
    tconv_params q = p;
    p.output_size[0] = o;
    q.output_size[0] = 0;
    q.output_padding[0] = o - 13;
    CU_ASSERT_EQUAL_FATAL(run_transpose(&c, &q, c.want), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL_FATAL(run_transpose(&c, &p, c.y), TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(c.yd[2], o);
    CU_ASSERT_EQUAL(test_first_difference(c.y, c.want, 3 * o), -1);
  }
  for (int64_t o = 11; o <= 17; o += 6) {
    p.output_size[0] = o;
    int64_t yd[3] = {-1, -1, -1};
    CU_ASSERT_EQUAL(tconv_transpose_output_shape(&p, c.xd, c.wd, yd),
                    TCONV_STATUS_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "output_size"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), "between 13 and 15"));
    CU_ASSERT_EQUAL(yd[2], -1);
  }
}

/* PyTorch's F.pad modes, written out: the padded input, then a zero-padding convolution. */
static float padded_value(const float *row, int64_t n, int64_t t, tconv_padding_mode mode) {
  if (t >= 0 && t < n)
    return row[t];
  switch (mode) {
  case TCONV_PADDING_REFLECT:
    return row[t < 0 ? -t : 2 * n - 2 - t];
  case TCONV_PADDING_REPLICATE:
    return row[t < 0 ? 0 : n - 1];
  case TCONV_PADDING_CIRCULAR:
    return row[t < 0 ? t + n : t - n];
  default:
    return 0.0f;
  }
}

static void test_conv_padding_modes(void) {
  int failures = 0, compared = 0;
  for (int mode = TCONV_PADDING_REFLECT; mode <= TCONV_PADDING_CIRCULAR; ++mode)
    for (int64_t i = 1; i <= 7; ++i)
      for (int64_t pb = 0; pb <= 3; ++pb)
        for (int64_t pe = 0; pe <= 3; ++pe)
          for (int64_t d = 1; d <= 2; ++d) {
            case1d c;
            case_init(&c, 0, i, 3);
            tconv_params p = tconv_params_default(1);
            p.padding_mode = (tconv_padding_mode)mode;
            p.pad_begin[0] = pb, p.pad_end[0] = pe, p.dilation[0] = d, p.stride[0] = 1 + pb % 2;
            const int legal = mode == TCONV_PADDING_REFLECT    ? pb < i && pe < i
                              : mode == TCONV_PADDING_CIRCULAR ? pb <= i && pe <= i
                                                               : 1;
            const int fits = i + pb + pe >= 2 * d + 1;
            const tconv_status st = run_conv(&c, &p, c.y);
            if (!legal || !fits) {
              failures += st != TCONV_STATUS_INVALID_ARGUMENT;
              continue;
            }
            case1d padded = c;
            padded.xd[2] = i + pb + pe;
            for (int64_t ch = 0; ch < 2; ++ch)
              for (int64_t t = 0; t < i + pb + pe; ++t)
                padded.x[ch * (i + pb + pe) + t] =
                    padded_value(c.x + ch * i, i, t - pb, (tconv_padding_mode)mode);
            tconv_params q = p;
            q.padding_mode = TCONV_PADDING_ZEROS;
            q.pad_begin[0] = q.pad_end[0] = 0;
            failures += st != TCONV_STATUS_OK || run_conv(&padded, &q, padded.want) != 0 ||
                        test_first_difference(c.y, padded.want, test_count(3, c.yd)) != -1;
            ++compared;
          }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT(compared > 150);
}

/* Circular transposed conv: scatter = gather, and it is the adjoint of circular conv. */
static void test_transpose_circular(void) {
  int failures = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const int64_t i = test_rng_int(1, 6), k = test_rng_int(1, 4), s = test_rng_int(1, 3);
    const int64_t d = test_rng_int(1, 2), ke = d * (k - 1) + 1;
    case1d c;
    case_init(&c, 1, i, k);
    tconv_params p = tconv_params_default(1);
    p.padding_mode = TCONV_PADDING_CIRCULAR;
    p.stride[0] = s, p.dilation[0] = d;
    p.pad_begin[0] = test_rng_int(0, ke), p.pad_end[0] = test_rng_int(0, ke);
    if (tconv_transpose_output_shape(&p, c.xd, c.wd, c.yd) != TCONV_STATUS_OK)
      continue;
    const int64_t ny = test_count(3, c.yd);
    failures += run_transpose(&c, &p, c.y) != TCONV_STATUS_OK;
    failures += tconv_reference_transpose(&p, TCONV_FORMULATION_SCATTER, c.xd, c.x, c.wd, c.w, c.b,
                                          c.yd, c.want) != TCONV_STATUS_OK;
    failures += test_first_difference(c.y, c.want, ny) != -1;
    CU_ASSERT_EQUAL(tconv_reference_transpose(&p, TCONV_FORMULATION_ZERO_INSERTION, c.xd, c.x, c.wd,
                                              c.w, c.b, c.yd, c.want),
                    TCONV_STATUS_UNSUPPORTED);

    /* Adjoint: circular conv of z (size o) has size i when the pads stay within o. */
    const int64_t o = c.yd[2];
    if (p.pad_begin[0] > o || p.pad_end[0] > o || o + p.pad_begin[0] + p.pad_end[0] < ke)
      continue;
    int64_t zd[3] = {1, 3, o}, cd[3];
    tconv_params q = p;
    if (tconv_conv_output_shape(&q, zd, c.wd, cd) != TCONV_STATUS_OK || cd[2] != i)
      continue;
    float z[512], cz[64], ty[512];
    test_fill_int(z, 3 * o, -3, 3);
    CU_ASSERT_EQUAL_FATAL(tconv_reference_conv(&q, zd, z, c.wd, c.w, NULL, cd, cz),
                          TCONV_STATUS_OK);
    CU_ASSERT_EQUAL_FATAL(tconv_reference_transpose(&p, TCONV_FORMULATION_GATHER, c.xd, c.x, c.wd,
                                                    c.w, NULL, c.yd, ty),
                          TCONV_STATUS_OK);
    double lhs = 0, rhs = 0;
    for (int64_t t = 0; t < 2 * i; ++t)
      lhs += (double)c.x[t] * cz[t];
    for (int64_t t = 0; t < 3 * o; ++t)
      rhs += (double)ty[t] * z[t];
    failures += lhs != rhs;
  }
  CU_ASSERT_EQUAL(failures, 0);
}

static void test_activations(void) {
  /* The data below must hold negative sums: start from the seed, not from wherever the
   * suites that ran before left the generator. */
  test_rng_seed(test_rng_seed_value());
  static const struct {
    tconv_activation act;
    float alpha, beta;
  } acts[] = {{TCONV_ACTIVATION_RELU, 0, 0},
              {TCONV_ACTIVATION_LEAKY_RELU, 0.25f, 0},
              {TCONV_ACTIVATION_SIGMOID, 0, 0},
              {TCONV_ACTIVATION_TANH, 0, 0},
              {TCONV_ACTIVATION_CLAMP, -3, 2.5f}};
  for (size_t a = 0; a < sizeof acts / sizeof acts[0]; ++a)
    for (int transposed = 0; transposed <= 1; ++transposed) {
      case1d c;
      case_init(&c, transposed, 6, 3);
      tconv_params p = tconv_params_default(1);
      p.stride[0] = 2;
      const tconv_status plain =
          transposed ? run_transpose(&c, &p, c.want) : run_conv(&c, &p, c.want);
      CU_ASSERT_EQUAL_FATAL(plain, TCONV_STATUS_OK);
      p.activation = acts[a].act, p.activation_alpha = acts[a].alpha;
      p.activation_beta = acts[a].beta;
      CU_ASSERT_EQUAL_FATAL(transposed ? run_transpose(&c, &p, c.y) : run_conv(&c, &p, c.y),
                            TCONV_STATUS_OK);
      const int64_t ny = test_count(3, c.yd);
      int negatives = 0;
      for (int64_t t = 0; t < ny; ++t) {
        const double v = c.want[t]; /* exact: small integers */
        negatives += v < 0;
        double e = v;
        switch (acts[a].act) {
        case TCONV_ACTIVATION_RELU:
          e = v > 0 ? v : 0;
          break;
        case TCONV_ACTIVATION_LEAKY_RELU:
          e = v >= 0 ? v : 0.25 * v;
          break;
        case TCONV_ACTIVATION_SIGMOID:
          e = 1 / (1 + exp(-v));
          break;
        case TCONV_ACTIVATION_TANH:
          e = tanh(v);
          break;
        default:
          e = v < -3 ? -3 : v > 2.5 ? 2.5 : v;
          break;
        }
        CU_ASSERT_DOUBLE_EQUAL(c.y[t], e, 1e-7 * fabs(e) + 1e-30);
      }
      CU_ASSERT(negatives > 0); /* the data exercises both branches */
    }
}

typedef struct {
  const char *name;
  int transposed;
  void (*bend)(tconv_params *p);
  tconv_status status;
  const char *needle;
} invalid_convention;

#define BEND(fn, body)                                                                             \
  static void fn(tconv_params *p) { body; }
BEND(pads_with_auto_pad, p->auto_pad = TCONV_AUTO_PAD_SAME_UPPER; p->pad_begin[0] = 1)
BEND(auto_pad_range, p->auto_pad = (tconv_auto_pad)9)
BEND(output_size_on_conv, p->output_size[0] = 5)
BEND(output_size_partial, p->spatial_rank = 2; p->output_size[0] = 12)
BEND(output_size_negative, p->output_size[0] = -4)
BEND(output_size_with_output_padding, p->output_size[0] = 12; p->output_padding[0] = 1)
BEND(output_size_out_of_range, p->output_size[0] = 40)
BEND(onnx_output_shape_with_pads, p->output_size[0] = 12; p->pad_begin[0] = 1;
     p->output_size_rule = TCONV_OUTPUT_SIZE_ONNX)
BEND(output_size_rule_range, p->output_size[0] = 12;
     p->output_size_rule = (tconv_output_size_rule)5)
BEND(reflect_pad_too_large, p->padding_mode = TCONV_PADDING_REFLECT; p->pad_begin[0] = 6)
BEND(circular_pad_too_large, p->padding_mode = TCONV_PADDING_CIRCULAR; p->pad_end[0] = 7)
BEND(transposed_reflect, p->padding_mode = TCONV_PADDING_REFLECT)
BEND(transposed_replicate, p->padding_mode = TCONV_PADDING_REPLICATE)
BEND(padding_mode_range, p->padding_mode = (tconv_padding_mode)4)
BEND(relu_with_alpha, p->activation = TCONV_ACTIVATION_RELU; p->activation_alpha = 0.1f)
BEND(clamp_reversed, p->activation = TCONV_ACTIVATION_CLAMP; p->activation_alpha = 1;
     p->activation_beta = 0)
BEND(leaky_nan, p->activation = TCONV_ACTIVATION_LEAKY_RELU; p->activation_alpha = NAN)
BEND(activation_range, p->activation = (tconv_activation)17)

static const invalid_convention invalid_conventions[] = {
    {"pads with auto_pad", 1, pads_with_auto_pad, TCONV_STATUS_INVALID_ARGUMENT, "auto_pad"},
    {"auto_pad 9", 0, auto_pad_range, TCONV_STATUS_INVALID_ARGUMENT,
     "auto_pad 9 is not NOTSET (0), VALID (1), SAME_UPPER (2) or SAME_LOWER (3)"},
    {"output_size on conv", 0, output_size_on_conv, TCONV_STATUS_INVALID_ARGUMENT, "output_size"},
    {"output_size partial", 1, output_size_partial, TCONV_STATUS_INVALID_ARGUMENT,
     "every dimension"},
    {"output_size -4", 1, output_size_negative, TCONV_STATUS_INVALID_ARGUMENT, "output_size -4"},
    {"output_size + output_padding", 1, output_size_with_output_padding,
     TCONV_STATUS_INVALID_ARGUMENT, "output_padding"},
    {"output_size out of range", 1, output_size_out_of_range, TCONV_STATUS_INVALID_ARGUMENT,
     "output_size 40"},
    {"ONNX output_shape with pads", 1, onnx_output_shape_with_pads, TCONV_STATUS_INVALID_ARGUMENT,
     "output_shape"},
    {"output_size_rule 5", 1, output_size_rule_range, TCONV_STATUS_INVALID_ARGUMENT,
     "output_size_rule 5 is not PYTORCH (0) or ONNX (1)"},
    {"reflect pad >= input", 0, reflect_pad_too_large, TCONV_STATUS_INVALID_ARGUMENT, "reflect"},
    {"circular pad > input", 0, circular_pad_too_large, TCONV_STATUS_INVALID_ARGUMENT, "circular"},
    {"transposed reflect", 1, transposed_reflect, TCONV_STATUS_UNSUPPORTED, "reflect"},
    {"transposed replicate", 1, transposed_replicate, TCONV_STATUS_UNSUPPORTED, "replicate"},
    {"padding_mode 4", 0, padding_mode_range, TCONV_STATUS_INVALID_ARGUMENT,
     "padding_mode 4 is not ZEROS (0), REFLECT (1), REPLICATE (2) or CIRCULAR (3)"},
    {"relu with alpha", 1, relu_with_alpha, TCONV_STATUS_INVALID_ARGUMENT,
     "must be 0 for activation relu"},
    {"clamp lo > hi", 0, clamp_reversed, TCONV_STATUS_INVALID_ARGUMENT, "clamp"},
    {"leaky_relu NaN", 1, leaky_nan, TCONV_STATUS_INVALID_ARGUMENT, "leaky_relu"},
    {"activation 17", 0, activation_range, TCONV_STATUS_INVALID_ARGUMENT,
     "activation 17 is not NONE (0), RELU (1), LEAKY_RELU (2), SIGMOID (3), TANH (4) or CLAMP (5)"},
};

static void test_invalid_conventions(void) {
  int failures = 0;
  for (size_t n = 0; n < sizeof invalid_conventions / sizeof invalid_conventions[0]; ++n) {
    const invalid_convention *v = &invalid_conventions[n];
    case1d c;
    case_init(&c, v->transposed, 6, 3);
    tconv_params p = tconv_params_default(1);
    p.stride[0] = 2;
    v->bend(&p);
    for (int64_t t = 0; t < 512; ++t)
      c.y[t] = NAN;
    int64_t xd2[4] = {1, 2, 6, 6}, wd2[4] = {c.wd[0], c.wd[1], 3, 3}, yd2[4];
    const tconv_status st =
        p.spatial_rank == 2 ? tconv_transpose_output_shape(&p, xd2, wd2, yd2)
                            : (v->transposed ? run_transpose(&c, &p, c.y) : run_conv(&c, &p, c.y));
    const int ok = st == v->status && strstr(tconv_last_error(), v->needle) != NULL &&
                   isnan(c.y[0]) && isnan(c.y[511]);
    if (!ok) {
      ++failures;
      printf("\n  %s: got %s \"%s\", want %s naming \"%s\"", v->name, tconv_status_name(st),
             tconv_last_error(), tconv_status_name(v->status), v->needle);
    }
  }
  CU_ASSERT_EQUAL(failures, 0);
}

/* One enum's names: every value's name reads back to the value and differs from the
 * others'; values out of range have none; an unknown name is refused with every valid name
 * in the sentence, and the out-parameter is left alone. */
#define CHECK_NAMES(type, COUNT)                                                                   \
  do {                                                                                             \
    for (int v = 0; v < (COUNT); ++v) {                                                            \
      const char *name = tconv_##type##_name((tconv_##type)v);                                     \
      CU_ASSERT_PTR_NOT_NULL_FATAL(name);                                                          \
      tconv_##type back = (tconv_##type)(v == 0 ? 1 : 0);                                          \
      CU_ASSERT_EQUAL(tconv_##type##_from_name(name, &back), TCONV_STATUS_OK);                     \
      CU_ASSERT_EQUAL((int)back, v);                                                               \
      for (int u = 0; u < v; ++u)                                                                  \
        CU_ASSERT(strcmp(name, tconv_##type##_name((tconv_##type)u)) != 0);                        \
    }                                                                                              \
    CU_ASSERT_PTR_NULL(tconv_##type##_name((tconv_##type)(COUNT)));                                \
    CU_ASSERT_PTR_NULL(tconv_##type##_name((tconv_##type)(-1)));                                   \
    tconv_##type kept = (tconv_##type)0;                                                           \
    CU_ASSERT_EQUAL(tconv_##type##_from_name("Bogus", &kept), TCONV_STATUS_INVALID_ARGUMENT);      \
    CU_ASSERT_EQUAL((int)kept, 0);                                                                 \
    CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), #type " from name: 'Bogus' is not "));       \
    for (int v = 0; v < (COUNT); ++v)                                                              \
      CU_ASSERT_PTR_NOT_NULL(strstr(tconv_last_error(), tconv_##type##_name((tconv_##type)v)));    \
    CU_ASSERT_EQUAL(tconv_##type##_from_name(NULL, &kept), TCONV_STATUS_INVALID_ARGUMENT);         \
    CU_ASSERT_EQUAL(tconv_##type##_from_name(tconv_##type##_name((tconv_##type)0), NULL),          \
                    TCONV_STATUS_INVALID_ARGUMENT);                                                \
  } while (0)

static void test_enum_names(void) {
  CHECK_NAMES(backend, TCONV_BACKEND_COUNT);
  CHECK_NAMES(dtype, TCONV_DTYPE_COUNT);
  CHECK_NAMES(layout, TCONV_LAYOUT_COUNT);
  CHECK_NAMES(auto_pad, TCONV_AUTO_PAD_COUNT);
  CHECK_NAMES(output_size_rule, TCONV_OUTPUT_SIZE_RULE_COUNT);
  CHECK_NAMES(padding_mode, TCONV_PADDING_MODE_COUNT);
  CHECK_NAMES(math, TCONV_MATH_COUNT);
  CHECK_NAMES(activation, TCONV_ACTIVATION_COUNT);
  CHECK_NAMES(algo, TCONV_ALGO_COUNT);
  /* The counts follow the lists, and the names are the documented ones. */
  CU_ASSERT_EQUAL(TCONV_AUTO_PAD_COUNT, TCONV_AUTO_PAD_SAME_LOWER + 1);
  CU_ASSERT_EQUAL(TCONV_ACTIVATION_COUNT, TCONV_ACTIVATION_CLAMP + 1);
  CU_ASSERT_STRING_EQUAL(tconv_auto_pad_name(TCONV_AUTO_PAD_SAME_UPPER), "same_upper");
  CU_ASSERT_STRING_EQUAL(tconv_padding_mode_name(TCONV_PADDING_CIRCULAR), "circular");
  CU_ASSERT_STRING_EQUAL(tconv_activation_name(TCONV_ACTIVATION_LEAKY_RELU), "leaky_relu");
  CU_ASSERT_STRING_EQUAL(tconv_output_size_rule_name(TCONV_OUTPUT_SIZE_ONNX), "onnx");
  CU_ASSERT_STRING_EQUAL(tconv_backend_name(TCONV_BACKEND_CUDA), "cuda");
  tconv_padding_mode mode = TCONV_PADDING_ZEROS;
  CU_ASSERT_EQUAL(tconv_padding_mode_from_name("mirror", &mode), TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_STRING_EQUAL(tconv_last_error(), "padding_mode from name: 'mirror' is not zeros, "
                                             "reflect, replicate or circular");
  /* An algo out of range is answered with the list too. */
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  const int64_t xd[3] = {1, 1, 4}, wd[3] = {1, 1, 3};
  const tconv_tensor x = tconv_tensor_make(NULL, 0, 3, xd), w = tconv_tensor_make(NULL, 0, 3, wd);
  const tconv_params p = tconv_params_default(1);
  CU_ASSERT_EQUAL(
      tconv_algo_supported(ctx, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, (tconv_algo)TCONV_ALGO_COUNT),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(tconv_context_last_error(ctx),
                                "is not a tconv_algo value (AUTO (0), DIRECT (1), REFERENCE (2)"));
  tconv_context_destroy(ctx);
}

static CU_TestInfo conventions_tests[] = {
    {"conv auto_pad = explicit ONNX pads", test_conv_auto_pad},
    {"transposed auto_pad and ONNX output_shape", test_transpose_auto_pad_and_onnx_output_shape},
    {"PyTorch output_size", test_pytorch_output_size},
    {"conv padding modes = padded input", test_conv_padding_modes},
    {"transposed circular", test_transpose_circular},
    {"activations", test_activations},
    {"invalid combinations", test_invalid_conventions},
    {"enum names read back", test_enum_names},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_conventions[] = {
    {"conventions", NULL, NULL, NULL, NULL, conventions_tests},
    CU_SUITE_INFO_NULL,
};
