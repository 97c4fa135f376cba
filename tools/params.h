/*
 * params.h - the parameter options of `tconv shape` and `tconv run` (and the --pads parser
 * `tconv explain` shares): their text as given on the command line, the checks that need no
 * spatial rank (run before any file is read, so a typo is exit 2 at once), and the mapping
 * onto tconv_params once the rank is known. Whether the values make sense together is the
 * library's to judge; only the syntax and the combinations the tool itself would have to
 * guess about (--padding with --pads, a rule without a shape) are refused here.
 */
#ifndef TCONV_PARAMS_H
#define TCONV_PARAMS_H

#include "tconv.h"
#include "args.h"

#include <stddef.h>
#include <stdint.h>

/* The options' text; NULL when not given. */
typedef struct params_options {
  const char *stride, *padding, *pads, *dilation, *output_padding, *groups;
  const char *auto_pad, *output_shape, *output_shape_rule, *padding_mode, *activation;
} params_options;

#define PARAMS_OPTION_COUNT 11

/* The usage lines of the options, one per option, for the tool's help text. */
extern const char params_usage[];

/* Writes the PARAMS_OPTION_COUNT args_option entries of the options (name -> field of p) to
 * table and returns PARAMS_OPTION_COUNT. */
int params_table(params_options *p, args_option *table);

/* Checks what needs no rank: every number and name, list lengths up to the largest rank,
 * --padding with --pads, --output-shape-rule without --output-shape. Returns 0, or -1 with
 * a sentence naming the option in err. */
int params_check(const params_options *p, char *err, size_t err_size);

/* Fills *params for `rank` spatial dimensions (unset options keep tconv_params_default's
 * values). Returns 0, or -1 with a sentence naming the option in err. */
int params_build(const params_options *p, int rank, tconv_params *params, char *err,
                 size_t err_size);

/* ONNX pads "B0,..,E0,.." (all begins, then all ends: exactly 2 * rank integers) into
 * begin[0..rank) and end[0..rank). Returns 0, or -1 with a sentence naming --pads. */
int params_pads(const char *text, int rank, int64_t *begin, int64_t *end, char *err,
                size_t err_size);

#endif /* TCONV_PARAMS_H */
