/*
 * names.c - the names of the public enums' values, made from their X-macro lists in tconv.h:
 * tconv_<type>_name() and tconv_<type>_from_name(), and the tables the library's sentences
 * list the valid values from (internal.h), so that no list of names is written twice.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define NAME_(NAME, name, value) [value] = name,
#define CONSTANT_(NAME, name, value) [value] = #NAME,

/* One enum's table and its two public functions. The designated initializers refuse to
 * compile a list whose values are not exactly 0 .. COUNT - 1 (COUNT is the number of
 * entries): a value >= COUNT lies outside the array, and two equal values are an initializer
 * override, an error under -Wextra -Werror. */
#define ENUM_NAMES(type, LIST, COUNT)                                                              \
  static const char *const type##_names_[COUNT] = {LIST(NAME_)};                                   \
  static const char *const type##_constants_[COUNT] = {LIST(CONSTANT_)};                           \
  const tconv_enum_names tconv_##type##_names = {#type, COUNT, type##_names_, type##_constants_};  \
  const char *tconv_##type##_name(tconv_##type value) {                                            \
    return tconv_enum_name(&tconv_##type##_names, (int)value);                                     \
  }                                                                                                \
  tconv_status tconv_##type##_from_name(const char *name, tconv_##type *value) {                   \
    int v = 0;                                                                                     \
    const tconv_status status =                                                                    \
        tconv_enum_from_name(&tconv_##type##_names, name, value == NULL, &v);                      \
    if (status == TCONV_STATUS_OK)                                                                 \
      *value = (tconv_##type)v;                                                                    \
    return status;                                                                                 \
  }

const char *tconv_enum_name(const tconv_enum_names *e, int value) {
  return value >= 0 && value < e->count ? e->names[value] : NULL;
}

const char *tconv_enum_list(const tconv_enum_names *e, int constants, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int v = 0; v < e->count && used < size; ++v) {
    const char *sep = v == 0 ? "" : v + 1 < e->count ? ", " : " or ";
    const int n = constants
                      ? snprintf(buf + used, size - used, "%s%s (%d)", sep, e->constants[v], v)
                      : snprintf(buf + used, size - used, "%s%s", sep, e->names[v]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  return buf;
}

tconv_status tconv_enum_from_name(const tconv_enum_names *e, const char *name, int no_value,
                                  int *value) {
  tconv_clear_error(NULL);
  if (name == NULL || no_value)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s from name: %s is NULL", e->type,
                      name == NULL ? "name" : e->type);
  for (int v = 0; v < e->count; ++v)
    if (strcmp(name, e->names[v]) == 0) {
      *value = v;
      return TCONV_STATUS_OK;
    }
  char list[TCONV_ENUM_LIST_CAPACITY];
  return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s from name: '%s' is not %s", e->type,
                    name, tconv_enum_list(e, 0, list, sizeof list));
}

tconv_status tconv_check_enum(tconv_context *ctx, const tconv_enum_names *e, const char *label,
                              int value) {
  if (value >= 0 && value < e->count)
    return TCONV_STATUS_OK;
  char list[TCONV_ENUM_LIST_CAPACITY];
  return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s %d is not %s", label, e->type,
                    value, tconv_enum_list(e, 1, list, sizeof list));
}

ENUM_NAMES(backend, TCONV_BACKEND_LIST, TCONV_BACKEND_COUNT)
ENUM_NAMES(dtype, TCONV_DTYPE_LIST, TCONV_DTYPE_COUNT)
ENUM_NAMES(layout, TCONV_LAYOUT_LIST, TCONV_LAYOUT_COUNT)
ENUM_NAMES(auto_pad, TCONV_AUTO_PAD_LIST, TCONV_AUTO_PAD_COUNT)
ENUM_NAMES(output_size_rule, TCONV_OUTPUT_SIZE_RULE_LIST, TCONV_OUTPUT_SIZE_RULE_COUNT)
ENUM_NAMES(padding_mode, TCONV_PADDING_MODE_LIST, TCONV_PADDING_MODE_COUNT)
ENUM_NAMES(math, TCONV_MATH_LIST, TCONV_MATH_COUNT)
ENUM_NAMES(activation, TCONV_ACTIVATION_LIST, TCONV_ACTIVATION_COUNT)
ENUM_NAMES(algo, TCONV_ALGO_LIST, TCONV_ALGO_COUNT)
