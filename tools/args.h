/*
 * args.h - option parsing for the tconv command-line tool: "--name value" and "--name=value",
 * decimal integers, the per-dimension comma lists ("3" or "3,4"), and named values (the
 * library's names of its enums). Every error is a sentence naming the option, for the tool to
 * print after "tconv: error: ". No printing here.
 */
#ifndef TCONV_ARGS_H
#define TCONV_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define ARGS_MAX_LIST 3 /* one entry per spatial dimension at most */

/* One option: either one that takes a value (*value stays NULL until the option is given)
 * or, with value NULL, a flag that takes none (*flag becomes 1 when given, else 0). */
typedef struct args_option {
  const char *name;   /* without the leading "--", e.g. "output-padding" */
  const char **value; /* where the (borrowed) argv text goes; NULL for a flag */
  int *flag;          /* a flag's 0 / 1; unused when value is set */
} args_option;

typedef enum args_result {
  ARGS_OK = 0,
  ARGS_HELP = 1, /* --help or -h was given: print the usage, exit 0 */
  ARGS_ERROR = 2 /* sentence in err */
} args_result;

/* Matches argv[0..argc) against options. Each option may be given once; a value that starts
 * with "--" counts as missing (so "--stride --padding 1" is an error, not stride "--padding");
 * a flag given a value ("--verify=1") is an error. */
args_result args_parse(int argc, char **argv, const args_option *options, int count, char *err,
                       size_t err_size);

/* A decimal integer ("-3", "12"; no spaces, no other bases) that fits in int64_t. Returns 0, or -1
 * with "--<name>: '<text>' is not an integer" in err. */
int args_int(const char *name, const char *text, int64_t *value, char *err, size_t err_size);

/* A comma list of 1..max_count integers ("3", "3,4"). Returns the count, or -1 with a sentence. */
int args_int_list(const char *name, const char *text, int max_count, int64_t *values, char *err,
                  size_t err_size);

/* A per-dimension option for `rank` spatial dimensions: one integer for every dimension, or
 * exactly `rank` of them. Writes rank values to out; when text is NULL (option not given) writes
 * fallback. Returns 0, or -1 with a sentence. */
int args_per_dim(const char *name, const char *text, int rank, int64_t fallback, int64_t *out,
                 char *err, size_t err_size);

/* The name of value v, or NULL when v is past the last (e.g. tconv_dtype_name through a
 * one-line adapter that takes an int). */
typedef const char *(*args_name_fn)(int value);

/* The value v in [0, count) whose name(v) is `text`. Returns 0, or -1 with
 * "--<option>: '<text>' is not one of <name(0)>, <name(1)>, ..." in err. */
int args_named(const char *option, const char *text, args_name_fn name, int count, int *value,
               char *err, size_t err_size);

#endif /* TCONV_ARGS_H */
