/*
 * suite.c - the benchmark's table of layers and the arithmetic of each layer. The output sizes
 * are written here as the table states them and checked against the library's shape query,
 * so a typo in either place stops the benchmark before it measures anything.
 */
#include "suite.h"

#include <stdio.h>
#include <string.h>

#define T TCONV_OP_TRANSPOSE
#define C TCONV_OP_CONV

/* name, op, rank, N, Cin, Cout, input, k, s, p, op (transposed) or d (conv), g, output, from */
/* clang-format off: one layer per line */
const bench_layer bench_suite[] = {
    {"dcgan.up1", T, 2, 64, 1024, 512, {4, 4}, 4, 2, 1, 0, 1, {8, 8}, "DCGAN generator"},
    {"dcgan.up2", T, 2, 64, 512, 256, {8, 8}, 4, 2, 1, 0, 1, {16, 16}, ""},
    {"dcgan.up3", T, 2, 64, 256, 128, {16, 16}, 4, 2, 1, 0, 1, {32, 32}, ""},
    {"dcgan.out", T, 2, 64, 128, 3, {32, 32}, 4, 2, 1, 0, 1, {64, 64}, ""},
    {"unet.up1", T, 2, 8, 1024, 512, {32, 32}, 2, 2, 0, 0, 1, {64, 64}, "U-Net decoder"},
    {"unet.up4", T, 2, 8, 128, 64, {256, 256}, 2, 2, 0, 0, 1, {512, 512}, ""},
    {"ae.k3s2", T, 2, 16, 256, 128, {32, 32}, 3, 2, 1, 1, 1, {64, 64}, "autoencoders"},
    {"sr.s4", T, 2, 8, 64, 64, {64, 64}, 8, 4, 2, 0, 1, {256, 256}, "super-resolution x4"},
    {"fcn.up8", T, 2, 1, 21, 21, {64, 64}, 16, 8, 4, 0, 21, {512, 512}, "FCN-8s bilinear"},
    {"dw.up2", T, 2, 8, 256, 256, {64, 64}, 4, 2, 1, 0, 256, {128, 128}, "depthwise upsampling"},
    {"hifigan.up1", T, 1, 16, 512, 256, {32}, 16, 8, 4, 0, 1, {256}, "HiFi-GAN vocoder"},
    {"hifigan.up2", T, 1, 16, 256, 128, {256}, 16, 8, 4, 0, 1, {2048}, ""},
    {"hifigan.up3", T, 1, 16, 128, 64, {2048}, 4, 2, 1, 0, 1, {4096}, ""},
    {"unet3d.up", T, 3, 2, 256, 128, {16, 16, 16}, 2, 2, 0, 0, 1, {32, 32, 32}, "3-D U-Net"},
    {"vnet.up", T, 3, 2, 128, 64, {32, 32, 32}, 4, 2, 1, 0, 1, {64, 64, 64}, "3-D V-Net"},
    {"resnet.stem", C, 2, 32, 3, 64, {224, 224}, 7, 2, 3, 1, 1, {112, 112}, "ResNet-50"},
    {"resnet.down", C, 2, 32, 128, 128, {56, 56}, 3, 2, 1, 1, 1, {28, 28}, ""},
    {"resnet.proj", C, 2, 32, 256, 512, {56, 56}, 1, 2, 0, 1, 1, {28, 28}, ""},
    {"dcgan.disc2", C, 2, 64, 128, 256, {16, 16}, 4, 2, 1, 1, 1, {8, 8}, "DCGAN discriminator"},
    {"mbv2.dw", C, 2, 32, 144, 144, {56, 56}, 3, 2, 1, 1, 144, {28, 28}, "MobileNetV2"},
    {"atrous.s2", C, 2, 8, 256, 256, {64, 64}, 3, 2, 2, 2, 1, {32, 32}, "dilated + strided"},
    {"wav2vec.c0", C, 1, 8, 1, 512, {16000}, 10, 5, 0, 1, 1, {3199}, "wav2vec 2.0 encoder"},
    {"wav2vec.c1", C, 1, 8, 512, 512, {3199}, 3, 2, 0, 1, 1, {1599}, ""},
    {"conv3d.s2", C, 3, 2, 64, 128, {32, 32, 32}, 3, 2, 1, 1, 1, {16, 16, 16}, "3-D"},
};
/* clang-format on */

#undef T
#undef C

const int bench_suite_size = (int)(sizeof bench_suite / sizeof bench_suite[0]);

/* floor(a / b) for b > 0 and any sign of a. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }

/* How many a in [0, count) put a*s + c in [0, bound). */
static int64_t positions_within(int64_t count, int64_t s, int64_t c, int64_t bound) {
  int64_t lo = -floor_div(c, s), hi = floor_div(bound - 1 - c, s); /* lo = ceil(-c / s) */
  if (lo < 0)
    lo = 0;
  if (hi > count - 1)
    hi = count - 1;
  return hi >= lo ? hi - lo + 1 : 0;
}

/* The useful pairs along one dimension: tap j joins input t and output o when
 * o = t*s - p + j*d (transposed; o must survive the crop) or t = o*s - p + j*d
 * (convolution; t must be a real input, not padding). */
static int64_t useful_pairs(const bench_layer *l, int dim) {
  const int64_t d = l->op == TCONV_OP_TRANSPOSE ? 1 : l->op_or_d;
  int64_t pairs = 0;
  for (int64_t j = 0; j < l->k; ++j)
    pairs += l->op == TCONV_OP_TRANSPOSE
                 ? positions_within(l->in[dim], l->s, j * d - l->p, l->out[dim])
                 : positions_within(l->out[dim], l->s, j * d - l->p, l->in[dim]);
  return pairs;
}

static int64_t count_of(const int64_t *dims, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i)
    n *= dims[i];
  return n;
}

int bench_shape_of(const bench_layer *l, bench_shape *sh, char *why, size_t why_size) {
  memset(sh, 0, sizeof *sh);
  const int r = l->rank;
  sh->dims = r + 2;
  sh->params = tconv_params_default(r);
  if (l->op == TCONV_OP_TRANSPOSE)
    tconv_params_set_uniform(&sh->params, l->s, l->p, 1, l->op_or_d);
  else
    tconv_params_set_uniform(&sh->params, l->s, l->p, l->op_or_d, 0);
  sh->params.groups = l->groups;

  sh->x[0] = l->n;
  sh->x[1] = l->cin;
  if (l->op == TCONV_OP_TRANSPOSE) {
    sh->w[0] = l->cin;
    sh->w[1] = l->cout / l->groups;
  } else {
    sh->w[0] = l->cout;
    sh->w[1] = l->cin / l->groups;
  }
  for (int i = 0; i < r; ++i) {
    sh->x[2 + i] = l->in[i];
    sh->w[2 + i] = l->k;
  }
  const tconv_status status = l->op == TCONV_OP_TRANSPOSE
                                  ? tconv_transpose_output_shape(&sh->params, sh->x, sh->w, sh->y)
                                  : tconv_conv_output_shape(&sh->params, sh->x, sh->w, sh->y);
  if (status != TCONV_STATUS_OK) {
    snprintf(why, why_size, "%s: the library rejects the layer: %s", l->name, tconv_last_error());
    return -1;
  }
  if (sh->y[0] != l->n || sh->y[1] != l->cout ||
      memcmp(&sh->y[2], l->out, (size_t)r * sizeof(int64_t)) != 0) {
    char got[64], want[64];
    bench_format_sizes(&sh->y[2], r, got, sizeof got);
    bench_format_sizes(l->out, r, want, sizeof want);
    snprintf(why, why_size, "%s: the library gives output %s, the suite's table %s", l->name, got,
             want);
    return -1;
  }
  sh->x_count = count_of(sh->x, sh->dims);
  sh->w_count = count_of(sh->w, sh->dims);
  sh->y_count = count_of(sh->y, sh->dims);
  /* 2 N Cout (Cin/g) times the useful (position, tap) pairs, dimension by dimension: the
   * plain 2 N Cin (Cout/g) prod(k) prod(input) would count products that land in the cropped
   * padding (transposed) or read it (convolution). */
  sh->flops = 2.0 * (double)l->n * (double)l->cout * (double)(l->cin / l->groups);
  for (int i = 0; i < r; ++i)
    sh->flops *= (double)useful_pairs(l, i);
  sh->bytes = 4.0 * ((double)sh->x_count + (double)sh->w_count + (double)sh->y_count);
  return 0;
}

int bench_layer_is_special(const bench_layer *l) {
  return l->groups > 1 || l->rank != 2 || (l->op == TCONV_OP_TRANSPOSE && l->op_or_d > 0);
}

int bench_layer_is_dense2d(const bench_layer *l) { return l->rank == 2 && l->groups == 1; }

const char *bench_op_name(tconv_op op) { return op == TCONV_OP_TRANSPOSE ? "transposed" : "conv"; }

int bench_select(const char *names, int *selected, char *why, size_t why_size) {
  int count = 0;
  const char *p = names;
  for (;;) {
    const char *end = strchr(p, ',');
    const size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    int found = -1;
    for (int i = 0; i < bench_suite_size && found < 0; ++i)
      if (strlen(bench_suite[i].name) == len && strncmp(bench_suite[i].name, p, len) == 0)
        found = i;
    if (found < 0) {
      snprintf(why, why_size, "unknown layer '%.*s' (--list shows the suite)", (int)len, p);
      return -1;
    }
    if (!selected[found])
      ++count;
    selected[found] = 1;
    if (end == NULL)
      return count;
    p = end + 1;
  }
}

void bench_format_sizes(const int64_t *sizes, int count, char *out, size_t out_size) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < count && used < out_size; ++i) {
    const int n =
        snprintf(out + used, out_size - used, "%s%lld", i > 0 ? "x" : "", (long long)sizes[i]);
    if (n < 0)
      return;
    used += (size_t)n;
  }
}
