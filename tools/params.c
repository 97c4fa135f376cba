/*
 * params.c - the parameter options of `tconv shape` and `tconv run` (see params.h).
 */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PADS (2 * TCONV_MAX_SPATIAL)
#define LEAKY_RELU_DEFAULT_ALPHA 0.01f /* PyTorch's negative_slope default */

const char params_usage[] =
    "  --stride S             stride (default 1)\n"
    "  --padding P            padding on both sides, PyTorch's `padding` (default 0)\n"
    "  --pads B0,..,E0,..     ONNX pads: every begin, then every end (2 per dimension);\n"
    "                         not with --padding\n"
    "  --dilation D           kernel dilation (default 1)\n"
    "  --output-padding OP    transposed only: extra rows at the end, 0 <= OP < max(S, D)\n"
    "  --groups G             one integer: channel groups, must divide both channel counts\n"
    "  --auto-pad A           notset (default) | valid | same_upper | same_lower (ONNX):\n"
    "                         the library chooses the padding; not with --padding / --pads\n"
    "  --output-shape O       transposed only: the wanted output size per dimension\n"
    "  --output-shape-rule R  pytorch (default: the difference becomes output_padding) |\n"
    "                         onnx (output_shape: the library chooses the pads)\n"
    "  --padding-mode M       zeros (default) | reflect | replicate | circular; transposed:\n"
    "                         zeros | circular\n"
    "  --activation F         none (default) | relu | leaky_relu[:ALPHA] (ALPHA 0.01 by\n"
    "                         default) | sigmoid | tanh | clamp:LO:HI, after the bias\n";

static void set_err(char *err, size_t err_size, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void set_err(char *err, size_t err_size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(err, err_size, format, args);
  va_end(args);
}

int params_table(params_options *p, args_option *table) {
  const args_option entries[PARAMS_OPTION_COUNT] = {
      {"stride", &p->stride, NULL},
      {"padding", &p->padding, NULL},
      {"pads", &p->pads, NULL},
      {"dilation", &p->dilation, NULL},
      {"output-padding", &p->output_padding, NULL},
      {"groups", &p->groups, NULL},
      {"auto-pad", &p->auto_pad, NULL},
      {"output-shape", &p->output_shape, NULL},
      {"output-shape-rule", &p->output_shape_rule, NULL},
      {"padding-mode", &p->padding_mode, NULL},
      {"activation", &p->activation, NULL},
  };
  memcpy(table, entries, sizeof entries);
  return PARAMS_OPTION_COUNT;
}

/* ---- named values -------------------------------------------------------------------- */

/* The library's names of its enums, for args_named. */
static const char *auto_pad_name(int v) { return tconv_auto_pad_name((tconv_auto_pad)v); }
static const char *rule_name(int v) {
  return tconv_output_size_rule_name((tconv_output_size_rule)v);
}
static const char *mode_name(int v) { return tconv_padding_mode_name((tconv_padding_mode)v); }

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- --activation -------------------------------------------------------------------- */

/* A decimal or exponent float that fits in a float ("0.2", "-1e-3", "inf"). */
static int parse_float(const char *text, float *value) {
  if (text[0] == '\0' || isspace((unsigned char)text[0]))
    return -1;
  char *end;
  errno = 0;
  double d = strtod(text, &end);
  if (*end != '\0' || (errno == ERANGE && fabs(d) > 1.0) || (isfinite(d) && fabs(d) > FLT_MAX))
    return -1;
  *value = (float)d;
  return 0;
}

/* What --activation takes after an activation's name, by tconv_activation value: how many
 * ":"-separated numbers, and how the usage writes them (NULL: none). */
typedef struct activation_form {
  int min_args, max_args;
  const char *syntax;
} activation_form;

static const activation_form activation_forms[TCONV_ACTIVATION_COUNT] = {
    [TCONV_ACTIVATION_LEAKY_RELU] = {0, 1, "[:ALPHA]"},
    [TCONV_ACTIVATION_CLAMP] = {2, 2, ":LO:HI"},
};

/* "none, relu, leaky_relu[:ALPHA], ...": every activation the library names, as written. */
static void activation_list(char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (int v = 0; v < TCONV_ACTIVATION_COUNT; v++) {
    const char *syntax = activation_forms[v].syntax;
    int n = snprintf(out + used, size - used, "%s%s%s", v ? ", " : "",
                     tconv_activation_name((tconv_activation)v), syntax != NULL ? syntax : "");
    if (n < 0 || (size_t)n >= size - used)
      break;
    used += (size_t)n;
  }
}

/* "name[:a[:b]]" into activation, alpha and beta. */
static int parse_activation(const char *text, tconv_params *params, char *err, size_t err_size) {
  char copy[128];
  if (strlen(text) >= sizeof copy) {
    set_err(err, err_size, "--activation: '%.40s...' is too long", text);
    return -1;
  }
  strcpy(copy, text);
  char *fields[4];
  int n = 0;
  for (char *p = copy; n < 4;) {
    fields[n++] = p;
    p = strchr(p, ':');
    if (p == NULL)
      break;
    *p++ = '\0';
  }
  tconv_activation activation;
  if (tconv_activation_from_name(fields[0], &activation) != TCONV_STATUS_OK) {
    char list[256];
    activation_list(list, sizeof list);
    set_err(err, err_size, "--activation: '%s' is not one of %s", text, list);
    return -1;
  }
  const activation_form *form = &activation_forms[activation];
  const char *name = tconv_activation_name(activation);
  const int args = n - 1;
  if (args < form->min_args || args > form->max_args) {
    if (form->max_args == 0)
      set_err(err, err_size, "--activation: '%s': %s takes no parameter", text, name);
    else if (form->min_args == form->max_args)
      set_err(err, err_size, "--activation: '%s': %s needs %d numbers, %s%s", text, name,
              form->min_args, name, form->syntax);
    else
      set_err(err, err_size, "--activation: '%s': %s takes at most %d number%s, %s%s", text, name,
              form->max_args, form->max_args == 1 ? "" : "s", name, form->syntax);
    return -1;
  }
  float values[2] = {0.0f, 0.0f};
  for (int i = 0; i < args; i++) {
    if (parse_float(fields[1 + i], &values[i]) != 0) {
      set_err(err, err_size,
              "--activation: '%s': '%s' is not a number (or does not fit in a "
              "float)",
              text, fields[1 + i]);
      return -1;
    }
  }
  params->activation = activation;
  params->activation_alpha = values[0];
  params->activation_beta = values[1];
  if (activation == TCONV_ACTIVATION_LEAKY_RELU && args == 0)
    params->activation_alpha = LEAKY_RELU_DEFAULT_ALPHA;
  return 0;
}

/* ---- the options --------------------------------------------------------------------- */

int params_pads(const char *text, int rank, int64_t *begin, int64_t *end, char *err,
                size_t err_size) {
  int64_t values[MAX_PADS];
  int n = args_int_list("pads", text, MAX_PADS, values, err, err_size);
  if (n < 0)
    return -1;
  if (n != 2 * rank) {
    set_err(err, err_size,
            "--pads: '%s' has %d entr%s; ONNX pads need exactly %d (every begin, then every end, "
            "for %d spatial dimension%s)",
            text, n, n == 1 ? "y" : "ies", 2 * rank, rank, rank == 1 ? "" : "s");
    return -1;
  }
  for (int i = 0; i < rank; i++) {
    begin[i] = values[i];
    end[i] = values[rank + i];
  }
  return 0;
}

/* The named options, and the activation, into params (which may be a scratch copy). */
static int parse_named(const params_options *p, tconv_params *params, char *err, size_t err_size) {
  int v;
  if (p->auto_pad != NULL) {
    if (args_named("auto-pad", p->auto_pad, auto_pad_name, TCONV_AUTO_PAD_COUNT, &v, err, err_size))
      return -1;
    params->auto_pad = (tconv_auto_pad)v;
  }
  if (p->output_shape_rule != NULL) {
    if (args_named("output-shape-rule", p->output_shape_rule, rule_name,
                   TCONV_OUTPUT_SIZE_RULE_COUNT, &v, err, err_size))
      return -1;
    params->output_size_rule = (tconv_output_size_rule)v;
  }
  if (p->padding_mode != NULL) {
    if (args_named("padding-mode", p->padding_mode, mode_name, TCONV_PADDING_MODE_COUNT, &v, err,
                   err_size))
      return -1;
    params->padding_mode = (tconv_padding_mode)v;
  }
  if (p->activation != NULL && parse_activation(p->activation, params, err, err_size) != 0)
    return -1;
  return 0;
}

int params_check(const params_options *p, char *err, size_t err_size) {
  const char *names[] = {"stride", "padding", "dilation", "output-padding", "output-shape"};
  const char *texts[] = {p->stride, p->padding, p->dilation, p->output_padding, p->output_shape};
  int64_t values[MAX_PADS];
  for (int i = 0; i < COUNT(names); i++) {
    if (texts[i] != NULL &&
        args_int_list(names[i], texts[i], ARGS_MAX_LIST, values, err, err_size) < 0)
      return -1;
  }
  if (p->groups != NULL && args_int("groups", p->groups, &values[0], err, err_size) != 0)
    return -1;
  if (p->pads != NULL) {
    int n = args_int_list("pads", p->pads, MAX_PADS, values, err, err_size);
    if (n < 0)
      return -1;
    if (n % 2 != 0) {
      set_err(err, err_size,
              "--pads: '%s' has %d entries; ONNX pads come in pairs (every begin, then every "
              "end)",
              p->pads, n);
      return -1;
    }
  }
  if (p->padding != NULL && p->pads != NULL) {
    set_err(err, err_size,
            "--padding and --pads cannot be combined: give symmetric --padding or ONNX --pads");
    return -1;
  }
  if (p->output_shape_rule != NULL && p->output_shape == NULL) {
    set_err(err, err_size, "--output-shape-rule needs --output-shape (the size it reaches)");
    return -1;
  }
  tconv_params scratch = tconv_params_default(1);
  return parse_named(p, &scratch, err, err_size);
}

int params_build(const params_options *p, int rank, tconv_params *params, char *err,
                 size_t err_size) {
  if (params_check(p, err, err_size) != 0)
    return -1;
  *params = tconv_params_default(rank);
  if (args_per_dim("stride", p->stride, rank, 1, params->stride, err, err_size) != 0 ||
      args_per_dim("padding", p->padding, rank, 0, params->pad_begin, err, err_size) != 0 ||
      args_per_dim("dilation", p->dilation, rank, 1, params->dilation, err, err_size) != 0 ||
      args_per_dim("output-padding", p->output_padding, rank, 0, params->output_padding, err,
                   err_size) != 0 ||
      args_per_dim("output-shape", p->output_shape, rank, 0, params->output_size, err, err_size) !=
          0)
    return -1;
  for (int i = 0; p->output_shape != NULL && i < rank; i++) {
    /* 0 would mean "no output size" to the library: refused rather than ignored. */
    if (params->output_size[i] < 1) {
      set_err(err, err_size,
              "--output-shape: '%s': every size must be >= 1 (dimension %d is "
              "%lld)",
              p->output_shape, i, (long long)params->output_size[i]);
      return -1;
    }
  }
  memcpy(params->pad_end, params->pad_begin, sizeof params->pad_end);
  if (p->pads != NULL &&
      params_pads(p->pads, rank, params->pad_begin, params->pad_end, err, err_size) != 0)
    return -1;
  if (p->groups != NULL && args_int("groups", p->groups, &params->groups, err, err_size) != 0)
    return -1;
  return parse_named(p, params, err, err_size);
}
