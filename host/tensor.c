/*
 * tensor.c - tensor descriptors (tconv.h's tensors section): making them, and the size and
 * name of each element type; the names of the layouts and math modes.
 */
#include "internal.h"

#include <string.h>

size_t tconv_dtype_size(tconv_dtype dtype) {
  switch (dtype) {
  case TCONV_DTYPE_FLOAT32:
    return 4;
  case TCONV_DTYPE_FLOAT16:
  case TCONV_DTYPE_BFLOAT16:
    return 2;
  }
  return 0;
}

const char *tconv_dtype_name(tconv_dtype dtype) {
  static const char *const names[TCONV_DTYPE_COUNT] = {"float32", "float16", "bfloat16"};
  return (unsigned)dtype < TCONV_DTYPE_COUNT ? names[dtype] : NULL;
}

const char *tconv_layout_name(tconv_layout layout) {
  static const char *const names[TCONV_LAYOUT_COUNT] = {"nchw", "nhwc"};
  return (unsigned)layout < TCONV_LAYOUT_COUNT ? names[layout] : NULL;
}

const char *tconv_math_name(tconv_math math) {
  static const char *const names[TCONV_MATH_COUNT] = {"strict", "tf32"};
  return (unsigned)math < TCONV_MATH_COUNT ? names[math] : NULL;
}

tconv_tensor tconv_tensor_make(tconv_buffer *buffer, size_t offset, int rank,
                               const int64_t *dims) {
  tconv_tensor t;
  memset(&t, 0, sizeof t);
  t.rank = rank;
  t.dtype = TCONV_DTYPE_FLOAT32;
  t.layout = TCONV_LAYOUT_NCHW;
  t.buffer = buffer;
  t.offset = offset;
  for (int i = 0; i < rank && i < TCONV_MAX_RANK && dims != NULL; ++i)
    t.dims[i] = dims[i];
  return t;
}

tconv_tensor tconv_tensor_make_typed(tconv_buffer *buffer, size_t offset, int rank,
                                     const int64_t *dims, tconv_dtype dtype, tconv_layout layout) {
  tconv_tensor t = tconv_tensor_make(buffer, offset, rank, dims);
  t.dtype = dtype;
  t.layout = layout;
  return t;
}
