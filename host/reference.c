/*
 * reference.c - the CPU reference: dumb loop nests written from the definitions of
 * DESIGN §1, double accumulation, every parameter, ranks 1-3 (unused spatial dimensions have
 * size 1, so every loop runs over three). It shares no index code with the CUDA kernels, so
 * a bug in one cannot hide in the other.
 *
 *   convolution     y[n,co,o] = b[co] + sum_{ci in group, j} x[n,ci,o*s - pb + j*d] w[co,ci',j]
 *   transposed, three ways that must agree:
 *     gather          y[n,co,o] = b[co] + sum_{ci, j : t = o + pb - j*d, s | t, 0 <= t/s < i}
 *                                   x[n,ci,t/s] w[ci,co',j]
 *     scatter         Y[n,co,t*s + j*d] += x[n,ci,t] w[ci,co',j];  y[o] = b + Y[o + pb]
 *     zero insertion  U = x with s-1 zeros between elements, padded by ke-1-pb before and
 *                     ke-1-pe+op after (negative pads crop); y = conv(U, flip(w) with its
 *                     channel axes swapped), stride 1, dilation d
 * (ci' and co' are the channel indices within the group.)
 *
 * Tensors of any dtype and layout are read and written only through host/elements.h: every
 * element widened exactly to double, every output rounded once to the dtype. The gather loop
 * nests can also write S = |bias| + sum |x w| per output (tconv_ref_magnitude) instead of the
 * result: the scale of the tolerance rule (host/tolerance.c).
 */
#include "internal.h"
#include "elements.h"
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The fused activation, in double, after the bias. */
static double activate(const tconv_problem *pr, double v) {
  switch (pr->activation) {
  case TCONV_ACTIVATION_NONE:
    return v;
  case TCONV_ACTIVATION_RELU:
    return v > 0.0 ? v : 0.0;
  case TCONV_ACTIVATION_LEAKY_RELU:
    return v >= 0.0 ? v : (double)pr->activation_alpha * v;
  case TCONV_ACTIVATION_SIGMOID:
    return 1.0 / (1.0 + exp(-v));
  case TCONV_ACTIVATION_TANH:
    return tanh(v);
  case TCONV_ACTIVATION_CLAMP:
    return fmin(fmax(v, (double)pr->activation_alpha), (double)pr->activation_beta);
  }
  return v;
}

/* Where padded input position t (possibly outside [0, n)) reads from under the padding mode,
 * or -1 for a zero. shape.c bounded the pads: reflect < n, circular <= n. */
static int64_t padded_source(tconv_padding_mode mode, int64_t t, int64_t n) {
  if (t >= 0 && t < n)
    return t;
  switch (mode) {
  case TCONV_PADDING_REFLECT:
    return t < 0 ? -t : 2 * (n - 1) - t;
  case TCONV_PADDING_REPLICATE:
    return t < 0 ? 0 : n - 1;
  case TCONV_PADDING_CIRCULAR:
    return ((t % n) + n) % n;
  case TCONV_PADDING_ZEROS:
    break;
  }
  return -1;
}

/* C-order offset of spatial position p in a volume of sizes dims. */
static int64_t spatial_offset(const int64_t *dims, const int64_t *p) {
  return (p[0] * dims[1] + p[1]) * dims[2] + p[2];
}

/* Where a loop nest's sums go: y (the problem's dtype and y layout, after the activation) or,
 * when magnitude is set, the sums of |term| as doubles at y's offsets (no activation). */
typedef struct ref_out {
  void *y;
  double *magnitude;
} ref_out;

static double term(const ref_out *out, double product) {
  return out->magnitude != NULL ? fabs(product) : product;
}

static double start(const tconv_problem *pr, const ref_out *out, const void *bias, int64_t co) {
  return bias != NULL ? term(out, tconv_load(pr->dtype, bias, co)) : 0.0;
}

static void emit(const tconv_problem *pr, const ref_out *out, int64_t n, int64_t co,
                 const int64_t *o, double acc);

/* Element loads at logical indices. */
static double load_x(const tconv_problem *pr, const void *x, int64_t n, int64_t ci, int64_t p) {
  return tconv_load(pr->dtype, x,
                    tconv_layout_offset(pr->x_layout, n, ci, pr->cin, p, pr->in_spatial));
}
/* w[outer, inner, j]: conv (Cout, Cin/g, k...), transposed (Cin, Cout/g, k...). */
static double load_w(const tconv_problem *pr, const void *w, int64_t outer, int64_t inner,
                     int64_t j) {
  const int64_t inners = pr->op == TCONV_OP_CONV ? pr->cin / pr->groups : pr->cout / pr->groups;
  return tconv_load(pr->dtype, w,
                    tconv_layout_offset(pr->w_layout, outer, inner, inners, j, pr->k_spatial));
}

/* Advances p over the volume dims in C order; returns 0 after the last position. */
static int next_position(const int64_t *dims, int64_t *p) {
  for (int i = TCONV_MAX_SPATIAL - 1; i >= 0; --i) {
    if (++p[i] < dims[i])
      return 1;
    p[i] = 0;
  }
  return 0;
}

static void emit(const tconv_problem *pr, const ref_out *out, int64_t n, int64_t co,
                 const int64_t *o, double acc) {
  const int64_t at = tconv_layout_offset(pr->y_layout, n, co, pr->cout, spatial_offset(pr->out, o),
                                         pr->out_spatial);
  if (out->magnitude != NULL)
    out->magnitude[at] = acc;
  else
    tconv_store(pr->dtype, out->y, at, activate(pr, acc));
}

static void conv_loops(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                       const ref_out *out) {
  const int64_t cin_g = pr->cin / pr->groups, cout_g = pr->cout / pr->groups;
  for (int64_t n = 0; n < pr->n; ++n) {
    for (int64_t co = 0; co < pr->cout; ++co) {
      const int64_t group = co / cout_g;
      int64_t o[3] = {0, 0, 0};
      do {
        double acc = start(pr, out, bias, co);
        for (int64_t cl = 0; cl < cin_g; ++cl) {
          const int64_t ci = group * cin_g + cl;
          int64_t j[3] = {0, 0, 0};
          do {
            int64_t t[3];
            int inside = 1;
            for (int a = 0; a < 3; ++a) {
              t[a] = padded_source(pr->padding_mode,
                                   o[a] * pr->stride[a] - pr->pad_begin[a] + j[a] * pr->dilation[a],
                                   pr->in[a]);
              inside &= t[a] >= 0;
            }
            if (inside)
              acc += term(out, load_x(pr, x, n, ci, spatial_offset(pr->in, t)) *
                                   load_w(pr, w, co, cl, spatial_offset(pr->k, j)));
          } while (next_position(pr->k, j));
        }
        emit(pr, out, n, co, o, acc);
      } while (next_position(pr->out, o));
    }
  }
}

/* Whether tap j carries input t to output o. Zero padding: t*s + j*d - pb = o. Circular:
 * the same modulo the output size (contributions wrap around). */
static int transposed_reaches(const tconv_problem *pr, int a, int64_t o, int64_t j, int64_t t) {
  const int64_t q = t * pr->stride[a] + j * pr->dilation[a] - pr->pad_begin[a];
  if (pr->padding_mode == TCONV_PADDING_CIRCULAR)
    return ((q % pr->out[a]) + pr->out[a]) % pr->out[a] == o;
  return q == o;
}

/* Circular transposed conv as a gather: every (input, tap) pair is tested, since with
 * wrap-around one output can receive one tap from several inputs. */
static void ref_transpose_gather_circular(const tconv_problem *pr, const void *x, const void *w,
                                          const void *bias, const ref_out *out) {
  const int64_t cin_g = pr->cin / pr->groups, cout_g = pr->cout / pr->groups;
  for (int64_t n = 0; n < pr->n; ++n) {
    for (int64_t co = 0; co < pr->cout; ++co) {
      const int64_t group = co / cout_g, col = co % cout_g;
      int64_t o[3] = {0, 0, 0};
      do {
        double acc = start(pr, out, bias, co);
        for (int64_t cl = 0; cl < cin_g; ++cl) {
          const int64_t ci = group * cin_g + cl;
          int64_t j[3] = {0, 0, 0};
          do {
            int64_t t[3] = {0, 0, 0};
            do {
              int reaches = 1;
              for (int a = 0; a < 3; ++a)
                reaches &= transposed_reaches(pr, a, o[a], j[a], t[a]);
              if (reaches)
                acc += term(out, load_x(pr, x, n, ci, spatial_offset(pr->in, t)) *
                                     load_w(pr, w, ci, col, spatial_offset(pr->k, j)));
            } while (next_position(pr->in, t));
          } while (next_position(pr->k, j));
        }
        emit(pr, out, n, co, o, acc);
      } while (next_position(pr->out, o));
    }
  }
}

static void gather_loops(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                         const ref_out *out) {
  if (pr->padding_mode == TCONV_PADDING_CIRCULAR) {
    ref_transpose_gather_circular(pr, x, w, bias, out);
    return;
  }
  const int64_t cin_g = pr->cin / pr->groups, cout_g = pr->cout / pr->groups;
  for (int64_t n = 0; n < pr->n; ++n) {
    for (int64_t co = 0; co < pr->cout; ++co) {
      const int64_t group = co / cout_g, col = co % cout_g;
      int64_t o[3] = {0, 0, 0};
      do {
        double acc = start(pr, out, bias, co);
        for (int64_t cl = 0; cl < cin_g; ++cl) {
          const int64_t ci = group * cin_g + cl;
          int64_t j[3] = {0, 0, 0};
          do {
            int64_t t[3];
            int reaches = 1;
            for (int a = 0; a < 3; ++a) {
              const int64_t u = o[a] + pr->pad_begin[a] - j[a] * pr->dilation[a];
              reaches &= u >= 0 && u % pr->stride[a] == 0 && u / pr->stride[a] < pr->in[a];
              t[a] = u / pr->stride[a];
            }
            if (reaches)
              acc += term(out, load_x(pr, x, n, ci, spatial_offset(pr->in, t)) *
                                   load_w(pr, w, ci, col, spatial_offset(pr->k, j)));
          } while (next_position(pr->k, j));
        }
        emit(pr, out, n, co, o, acc);
      } while (next_position(pr->out, o));
    }
  }
}

void tconv_ref_conv(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                    void *y) {
  const ref_out out = {y, NULL};
  conv_loops(pr, x, w, bias, &out);
}

void tconv_ref_transpose_gather(const tconv_problem *pr, const void *x, const void *w,
                                const void *bias, void *y) {
  const ref_out out = {y, NULL};
  gather_loops(pr, x, w, bias, &out);
}

void tconv_ref_magnitude(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                         double *magnitude) {
  const ref_out out = {NULL, magnitude};
  if (pr->op == TCONV_OP_CONV)
    conv_loops(pr, x, w, bias, &out);
  else
    gather_loops(pr, x, w, bias, &out);
}

/* Product of sizes, or -1 when it overflows. */
static int64_t checked_product(int64_t a, int64_t b, const int64_t *dims) {
  int64_t r;
  if (tconv_mul_i64(a, b, &r))
    return -1;
  for (int i = 0; i < TCONV_MAX_SPATIAL; ++i)
    if (tconv_mul_i64(r, dims[i], &r))
      return -1;
  return r;
}

static void *scratch_alloc(tconv_context *ctx, int64_t count, size_t elem, const char *what,
                           tconv_status *status) {
  void *p = NULL;
  if (count >= 0 && (uint64_t)count <= SIZE_MAX / elem)
    p = calloc(count > 0 ? (size_t)count : 1, elem);
  if (p == NULL)
    *status =
        tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY,
                   "reference %s: cannot allocate %lld scratch elements", what, (long long)count);
  return p;
}

tconv_status tconv_ref_transpose_scatter(tconv_context *ctx, const tconv_problem *pr, const void *x,
                                         const void *w, const void *bias, void *y) {
  const int64_t cin_g = pr->cin / pr->groups, cout_g = pr->cout / pr->groups;
  /* The full (uncropped) output: (i-1)*s + ke, plus output_padding at the end. */
  int64_t full[3];
  for (int a = 0; a < 3; ++a)
    full[a] = (pr->in[a] - 1) * pr->stride[a] + pr->dilation[a] * (pr->k[a] - 1) + 1 +
              pr->output_padding[a];
  const int64_t full_spatial = checked_product(1, 1, full);
  tconv_status status = TCONV_STATUS_OK;
  double *acc = scratch_alloc(ctx, checked_product(pr->n, pr->cout, full), sizeof(double),
                              "scatter", &status);
  if (acc == NULL)
    return status;

  for (int64_t n = 0; n < pr->n; ++n) {
    for (int64_t ci = 0; ci < pr->cin; ++ci) {
      const int64_t group = ci / cin_g;
      int64_t t[3] = {0, 0, 0};
      do {
        const double xv = load_x(pr, x, n, ci, spatial_offset(pr->in, t));
        for (int64_t col = 0; col < cout_g; ++col) {
          const int64_t co = group * cout_g + col;
          double *window = acc + (n * pr->cout + co) * full_spatial;
          int64_t j[3] = {0, 0, 0};
          do {
            int64_t q[3];
            for (int a = 0; a < 3; ++a)
              q[a] = t[a] * pr->stride[a] + j[a] * pr->dilation[a];
            window[spatial_offset(full, q)] +=
                xv * load_w(pr, w, ci, col, spatial_offset(pr->k, j));
          } while (next_position(pr->k, j));
        }
      } while (next_position(pr->in, t));
    }
  }
  /* Zero padding crops pad_begin at the front (the end is cropped by the output size);
   * circular padding instead folds every full position q onto output (q - pb) mod o. One
   * pass over the full positions per channel, into a double plane that starts at the bias:
   * each output sums its positions in increasing q, as a per-output scan would. */
  double *plane = scratch_alloc(ctx, pr->out_spatial, sizeof(double), "scatter", &status);
  if (plane == NULL) {
    free(acc);
    return status;
  }
  const int circular = pr->padding_mode == TCONV_PADDING_CIRCULAR;
  const ref_out out = {y, NULL};
  for (int64_t n = 0; n < pr->n; ++n) {
    for (int64_t co = 0; co < pr->cout; ++co) {
      for (int64_t i = 0; i < pr->out_spatial; ++i)
        plane[i] = start(pr, &out, bias, co);
      const double *full_plane = acc + (n * pr->cout + co) * full_spatial;
      int64_t q[3] = {0, 0, 0};
      do {
        int64_t o[3];
        int inside = 1;
        for (int a = 0; a < 3; ++a) {
          const int64_t shifted = q[a] - pr->pad_begin[a];
          o[a] = circular ? ((shifted % pr->out[a]) + pr->out[a]) % pr->out[a] : shifted;
          inside &= o[a] >= 0 && o[a] < pr->out[a];
        }
        if (inside)
          plane[spatial_offset(pr->out, o)] += full_plane[spatial_offset(full, q)];
      } while (next_position(full, q));
      int64_t o[3] = {0, 0, 0};
      do
        emit(pr, &out, n, co, o, plane[spatial_offset(pr->out, o)]);
      while (next_position(pr->out, o));
    }
  }
  free(plane);
  free(acc);
  return TCONV_STATUS_OK;
}

tconv_status tconv_ref_transpose_zero_insertion(tconv_context *ctx, const tconv_problem *pr,
                                                const void *x, const void *w, const void *bias,
                                                void *y) {
  if (pr->padding_mode != TCONV_PADDING_ZEROS)
    return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED,
                      "reference transposed conv: the zero-insertion formulation is defined for "
                      "zero padding only");
  const int64_t cin_g = pr->cin / pr->groups, cout_g = pr->cout / pr->groups;
  /* U: zeros inserted, then ke-1-pb before and ke-1-pe+op after (negative = crop). */
  int64_t before[3], upsampled[3];
  for (int a = 0; a < 3; ++a) {
    const int64_t ke = pr->dilation[a] * (pr->k[a] - 1) + 1;
    before[a] = ke - 1 - pr->pad_begin[a];
    const int64_t after = ke - 1 - pr->pad_end[a] + pr->output_padding[a];
    upsampled[a] = (pr->in[a] - 1) * pr->stride[a] + 1 + before[a] + after;
  }
  /* U and the flipped kernel hold x's and w's elements bit for bit (same dtype), channels
   * first; calloc's zero bytes are +0.0 in every dtype. */
  tconv_status status = TCONV_STATUS_OK;
  const size_t esize = tconv_element_size(pr->dtype);
  char *u = scratch_alloc(ctx, checked_product(pr->n, pr->cin, upsampled), esize, "zero insertion",
                          &status);
  char *flipped = scratch_alloc(ctx, pr->w_count, esize, "zero insertion", &status);
  if (u == NULL || flipped == NULL) {
    free(u);
    free(flipped);
    return status;
  }

  const int64_t u_spatial = checked_product(1, 1, upsampled);
  for (int64_t nc = 0; nc < pr->n * pr->cin; ++nc) {
    int64_t p[3] = {0, 0, 0};
    do {
      int64_t t[3];
      int data = 1;
      for (int a = 0; a < 3; ++a) {
        const int64_t q = p[a] - before[a]; /* coordinate in the zero-inserted input */
        data &= q >= 0 && q % pr->stride[a] == 0 && q / pr->stride[a] < pr->in[a];
        t[a] = q / pr->stride[a];
      }
      const int64_t from = tconv_layout_offset(pr->x_layout, nc / pr->cin, nc % pr->cin, pr->cin,
                                               spatial_offset(pr->in, t), pr->in_spatial);
      if (data)
        memcpy(u + (size_t)(nc * u_spatial + spatial_offset(upsampled, p)) * esize,
               (const char *)x + (size_t)from * esize, esize);
    } while (next_position(upsampled, p));
  }
  /* flipped[co, cl, j] = w[ci, col, k-1-j]: convolution layout (Cout, Cin/g, k). */
  for (int64_t co = 0; co < pr->cout; ++co) {
    const int64_t group = co / cout_g, col = co % cout_g;
    for (int64_t cl = 0; cl < cin_g; ++cl) {
      const int64_t ci = group * cin_g + cl;
      int64_t j[3] = {0, 0, 0};
      do {
        int64_t jr[3];
        for (int a = 0; a < 3; ++a)
          jr[a] = pr->k[a] - 1 - j[a];
        const int64_t from = tconv_layout_offset(pr->w_layout, ci, col, cout_g,
                                                 spatial_offset(pr->k, jr), pr->k_spatial);
        memcpy(flipped +
                   (size_t)((co * cin_g + cl) * pr->k_spatial + spatial_offset(pr->k, j)) * esize,
               (const char *)w + (size_t)from * esize, esize);
      } while (next_position(pr->k, j));
    }
  }

  tconv_problem conv = *pr;
  conv.op = TCONV_OP_CONV;
  for (int a = 0; a < 3; ++a) {
    conv.in[a] = upsampled[a];
    conv.stride[a] = 1;
    conv.pad_begin[a] = conv.pad_end[a] = conv.output_padding[a] = 0;
  }
  conv.in_spatial = u_spatial;
  conv.x_count = pr->n * pr->cin * u_spatial;
  conv.x_layout = conv.w_layout = TCONV_LAYOUT_NCHW; /* u and flipped; y keeps its layout */
  tconv_ref_conv(&conv, u, flipped, bias, y);
  free(u);
  free(flipped);
  return TCONV_STATUS_OK;
}

/* ---- public entry points on host arrays -------------------------------------------- */

/* The call's storage: one dtype, a layout per tensor. */
typedef struct reference_storage {
  tconv_dtype dtype;
  tconv_layout x_layout, w_layout, y_layout;
} reference_storage;

static const reference_storage float32_nchw = {TCONV_DTYPE_FLOAT32, TCONV_LAYOUT_NCHW,
                                               TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NCHW};

static tconv_status check_reference_call(tconv_problem *pr, tconv_op op, const tconv_params *params,
                                         const reference_storage *st, const int64_t *x_dims,
                                         const void *x, const int64_t *w_dims, const void *w,
                                         const int64_t *y_dims, const void *y) {
  const char *label = op == TCONV_OP_CONV ? "reference conv" : "reference transposed conv";
  tconv_status status = tconv_problem_init(NULL, pr, op, params, x_dims, w_dims);
  if (status != TCONV_STATUS_OK)
    return status;
  if ((status = tconv_check_enum(NULL, &tconv_dtype_names, label, (int)st->dtype)) !=
      TCONV_STATUS_OK)
    return status;
  const tconv_layout layouts[3] = {st->x_layout, st->w_layout, st->y_layout};
  static const char *const names[3] = {"x", "w", "y"};
  for (int i = 0; i < 3; ++i)
    if ((unsigned)layouts[i] >= TCONV_LAYOUT_COUNT) {
      char list[TCONV_ENUM_LIST_CAPACITY];
      return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s layout %d is not %s", label,
                        names[i], (int)layouts[i],
                        tconv_enum_list(&tconv_layout_names, 1, list, sizeof list));
    }
  if (x == NULL || w == NULL || y == NULL || y_dims == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", label,
                      x == NULL   ? "x"
                      : w == NULL ? "w"
                      : y == NULL ? "y"
                                  : "y_dims");
  pr->dtype = st->dtype;
  pr->x_layout = st->x_layout;
  pr->w_layout = st->w_layout;
  pr->y_layout = st->y_layout;
  return tconv_problem_check_y_dims(NULL, pr, label, y_dims);
}

static tconv_status reference_conv(const tconv_params *params, const reference_storage *st,
                                   const int64_t *x_dims, const void *x, const int64_t *w_dims,
                                   const void *w, const void *bias, const int64_t *y_dims,
                                   void *y) {
  tconv_clear_error(NULL);
  tconv_problem pr;
  tconv_status status =
      check_reference_call(&pr, TCONV_OP_CONV, params, st, x_dims, x, w_dims, w, y_dims, y);
  if (status == TCONV_STATUS_OK)
    tconv_ref_conv(&pr, x, w, bias, y);
  return status;
}

static tconv_status reference_transpose(const tconv_params *params, tconv_formulation formulation,
                                        const reference_storage *st, const int64_t *x_dims,
                                        const void *x, const int64_t *w_dims, const void *w,
                                        const void *bias, const int64_t *y_dims, void *y) {
  tconv_clear_error(NULL);
  tconv_problem pr;
  tconv_status status =
      check_reference_call(&pr, TCONV_OP_TRANSPOSE, params, st, x_dims, x, w_dims, w, y_dims, y);
  if (status != TCONV_STATUS_OK)
    return status;
  switch (formulation) {
  case TCONV_FORMULATION_GATHER:
    tconv_ref_transpose_gather(&pr, x, w, bias, y);
    return TCONV_STATUS_OK;
  case TCONV_FORMULATION_SCATTER:
    return tconv_ref_transpose_scatter(NULL, &pr, x, w, bias, y);
  case TCONV_FORMULATION_ZERO_INSERTION:
    return tconv_ref_transpose_zero_insertion(NULL, &pr, x, w, bias, y);
  }
  return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT,
                    "reference transposed conv: formulation %d is not GATHER (0), SCATTER (1) "
                    "or ZERO_INSERTION (2)",
                    (int)formulation);
}

tconv_status tconv_reference_conv(const tconv_params *params, const int64_t *x_dims, const float *x,
                                  const int64_t *w_dims, const float *w, const float *bias,
                                  const int64_t *y_dims, float *y) {
  return reference_conv(params, &float32_nchw, x_dims, x, w_dims, w, bias, y_dims, y);
}

tconv_status tconv_reference_transpose(const tconv_params *params, tconv_formulation formulation,
                                       const int64_t *x_dims, const float *x, const int64_t *w_dims,
                                       const float *w, const float *bias, const int64_t *y_dims,
                                       float *y) {
  return reference_transpose(params, formulation, &float32_nchw, x_dims, x, w_dims, w, bias, y_dims,
                             y);
}

tconv_status tconv_reference_conv_typed(const tconv_params *params, tconv_dtype dtype,
                                        tconv_layout x_layout, const int64_t *x_dims, const void *x,
                                        tconv_layout w_layout, const int64_t *w_dims, const void *w,
                                        const void *bias, tconv_layout y_layout,
                                        const int64_t *y_dims, void *y) {
  const reference_storage st = {dtype, x_layout, w_layout, y_layout};
  return reference_conv(params, &st, x_dims, x, w_dims, w, bias, y_dims, y);
}

tconv_status tconv_reference_transpose_typed(const tconv_params *params,
                                             tconv_formulation formulation, tconv_dtype dtype,
                                             tconv_layout x_layout, const int64_t *x_dims,
                                             const void *x, tconv_layout w_layout,
                                             const int64_t *w_dims, const void *w, const void *bias,
                                             tconv_layout y_layout, const int64_t *y_dims,
                                             void *y) {
  const reference_storage st = {dtype, x_layout, w_layout, y_layout};
  return reference_transpose(params, formulation, &st, x_dims, x, w_dims, w, bias, y_dims, y);
}
