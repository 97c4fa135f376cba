/*
 * args.c - option parsing for the tconv command-line tool (see args.h).
 */
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_err(char *err, size_t err_size, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void set_err(char *err, size_t err_size, const char *format, ...) {
  if (err == NULL || err_size == 0)
    return;
  va_list args;
  va_start(args, format);
  vsnprintf(err, err_size, format, args);
  va_end(args);
}

static const args_option *find_option(const args_option *options, int count, const char *name,
                                      size_t name_len) {
  for (int i = 0; i < count; i++) {
    if (strlen(options[i].name) == name_len && memcmp(options[i].name, name, name_len) == 0)
      return &options[i];
  }
  return NULL;
}

args_result args_parse(int argc, char **argv, const args_option *options, int count, char *err,
                       size_t err_size) {
  for (int i = 0; i < count; i++) {
    if (options[i].value != NULL)
      *options[i].value = NULL;
    else
      *options[i].flag = 0;
  }
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
      return ARGS_HELP;
  }
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      set_err(err, err_size, "unexpected argument '%s'", arg);
      return ARGS_ERROR;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const args_option *option = find_option(options, count, name, name_len);
    if (option == NULL) {
      set_err(err, err_size, "unknown option '--%.*s'", (int)name_len, name);
      return ARGS_ERROR;
    }
    if (option->value == NULL) {
      if (eq != NULL) {
        set_err(err, err_size, "option --%s takes no value (got '%s')", option->name, arg);
        return ARGS_ERROR;
      }
      if (*option->flag) {
        set_err(err, err_size, "option --%s is given more than once", option->name);
        return ARGS_ERROR;
      }
      *option->flag = 1;
      continue;
    }
    const char *value;
    if (eq != NULL) {
      value = eq + 1;
    } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
      value = argv[++i];
    } else {
      set_err(err, err_size, "option --%s needs a value", option->name);
      return ARGS_ERROR;
    }
    if (*option->value != NULL) {
      set_err(err, err_size, "option --%s is given more than once", option->name);
      return ARGS_ERROR;
    }
    *option->value = value;
  }
  return ARGS_OK;
}

/* Parses an optionally signed run of decimal digits at *p, advancing *p past it. Returns 0,
 * -1 when there are no digits, -2 when the value does not fit in int64_t. */
static int parse_decimal(const char **p, int64_t *value) {
  const char *s = *p;
  int negative = 0;
  if (*s == '-' || *s == '+')
    negative = *s++ == '-';
  if (*s < '0' || *s > '9')
    return -1;
  int64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    /* Accumulate negatively so that INT64_MIN parses too. */
    if (__builtin_mul_overflow(v, (int64_t)10, &v) ||
        __builtin_sub_overflow(v, (int64_t)(*s - '0'), &v))
      return -2;
  }
  if (!negative && v == INT64_MIN)
    return -2;
  *value = negative ? v : -v;
  *p = s;
  return 0;
}

int args_int(const char *name, const char *text, int64_t *value, char *err, size_t err_size) {
  const char *p = text;
  int rc = parse_decimal(&p, value);
  if (rc == -2) {
    set_err(err, err_size, "--%s: '%s' does not fit in a 64-bit integer", name, text);
    return -1;
  }
  if (rc != 0 || *p != '\0') {
    set_err(err, err_size, "--%s: '%s' is not an integer", name, text);
    return -1;
  }
  return 0;
}

int args_int_list(const char *name, const char *text, int max_count, int64_t *values, char *err,
                  size_t err_size) {
  const char *p = text;
  int n = 0;
  for (;;) {
    int64_t v;
    int rc = parse_decimal(&p, &v);
    if (rc == -2) {
      set_err(err, err_size, "--%s: '%s' has an entry that does not fit in a 64-bit integer", name,
              text);
      return -1;
    }
    if (rc != 0 || (*p != ',' && *p != '\0')) {
      set_err(err, err_size, "--%s: '%s' is not an integer or a comma list of integers", name,
              text);
      return -1;
    }
    if (n == max_count) {
      set_err(err, err_size, "--%s: '%s' has more than %d entries", name, text, max_count);
      return -1;
    }
    values[n++] = v;
    if (*p == '\0')
      return n;
    p++;
  }
}

int args_per_dim(const char *name, const char *text, int rank, int64_t fallback, int64_t *out,
                 char *err, size_t err_size) {
  if (text == NULL) {
    for (int i = 0; i < rank; i++)
      out[i] = fallback;
    return 0;
  }
  int64_t values[ARGS_MAX_LIST];
  int n = args_int_list(name, text, ARGS_MAX_LIST, values, err, err_size);
  if (n < 0)
    return -1;
  if (n != 1 && n != rank) {
    set_err(err, err_size,
            "--%s: '%s' has %d entries; give one for every dimension or exactly %d (one per "
            "spatial dimension)",
            name, text, n, rank);
    return -1;
  }
  for (int i = 0; i < rank; i++)
    out[i] = values[n == 1 ? 0 : i];
  return 0;
}

int args_named(const char *option, const char *text, args_name_fn name, int count, int *value,
               char *err, size_t err_size) {
  char list[256] = "";
  size_t used = 0;
  for (int v = 0; v < count; v++) {
    if (strcmp(text, name(v)) == 0) {
      *value = v;
      return 0;
    }
    int n = snprintf(list + used, sizeof list - used, "%s%s", v ? ", " : "", name(v));
    if (n > 0 && (size_t)n < sizeof list - used)
      used += (size_t)n;
  }
  set_err(err, err_size, "--%s: '%s' is not one of %s", option, text, list);
  return -1;
}
