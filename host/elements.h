/*
 * elements.h - reading and writing one element of a tensor of any dtype and layout on the
 * host: the element size, the memory offset of a logical (outer, inner, spatial) index under
 * each layout, and loads / stores through double (exact widening; one rounding to nearest
 * even on the way back, cuda/float16.cuh). The reference, verify mode and the tolerance
 * checks read tensors through these and nothing else.
 *
 * Every tensor of the library is (outer, inner, spatial...) in logical order: data
 * (N, C, spatial...), conv weights (Cout, Cin/g, k...), transposed weights (Cin, Cout/g,
 * k...). The layouts differ only in where `inner` goes:
 *   NCHW  (outer * inners + inner) * spatials + position
 *   NHWC  (outer * spatials + position) * inners + inner      (inner innermost)
 */
#ifndef TCONV_ELEMENTS_H
#define TCONV_ELEMENTS_H

#include "tconv.h"
#include "float16.cuh"

#include <stddef.h>
#include <stdint.h>

static inline size_t tconv_element_size(tconv_dtype dtype) {
  return dtype == TCONV_DTYPE_FLOAT32 ? 4 : 2;
}

/* Offset (in elements) of (outer, inner, spatial position p) in a tensor with `inners`
 * inner indices and `spatials` positions per (outer, inner). */
static inline int64_t tconv_layout_offset(tconv_layout layout, int64_t outer, int64_t inner,
                                          int64_t inners, int64_t p, int64_t spatials) {
  return layout == TCONV_LAYOUT_NHWC ? (outer * spatials + p) * inners + inner
                                     : (outer * inners + inner) * spatials + p;
}

/* The logical (outer, inner, position) of memory offset i: the inverse of the above. */
static inline void tconv_layout_index(tconv_layout layout, int64_t i, int64_t inners,
                                      int64_t spatials, int64_t *outer, int64_t *inner,
                                      int64_t *p) {
  if (layout == TCONV_LAYOUT_NHWC) {
    *inner = i % inners;
    *p = i / inners % spatials;
    *outer = i / inners / spatials;
  } else {
    *p = i % spatials;
    *inner = i / spatials % inners;
    *outer = i / spatials / inners;
  }
}

/* Element i of a `dtype` array, exactly, as a double. */
static inline double tconv_load(tconv_dtype dtype, const void *base, int64_t i) {
  switch (dtype) {
  case TCONV_DTYPE_FLOAT16:
    return (double)tconv_f16_to_f32(((const uint16_t *)base)[i]);
  case TCONV_DTYPE_BFLOAT16:
    return (double)tconv_bf16_to_f32(((const uint16_t *)base)[i]);
  case TCONV_DTYPE_FLOAT32:
    break;
  }
  return (double)((const float *)base)[i];
}

/* Stores v, rounded once to nearest even, as element i of a `dtype` array. */
static inline void tconv_store(tconv_dtype dtype, void *base, int64_t i, double v) {
  switch (dtype) {
  case TCONV_DTYPE_FLOAT16:
    ((uint16_t *)base)[i] = tconv_f64_to_f16(v);
    return;
  case TCONV_DTYPE_BFLOAT16:
    ((uint16_t *)base)[i] = tconv_f64_to_bf16(v);
    return;
  case TCONV_DTYPE_FLOAT32:
    break;
  }
  ((float *)base)[i] = (float)v; /* C's conversion: the current rounding mode, nearest even */
}

#endif /* TCONV_ELEMENTS_H */
