/*
 * tensor.c - tensor descriptors (tconv.h's tensors section): making them, and the size of
 * an element of each dtype. The names of the dtypes and layouts are made in names.c.
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

tconv_tensor tconv_tensor_make(tconv_buffer *buffer, size_t offset, int rank, const int64_t *dims) {
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
