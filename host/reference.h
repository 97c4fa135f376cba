/*
 * reference.h - the CPU reference on a validated problem: what the CPU backend runs and what
 * the public tconv_reference_* functions call after validation.
 */
#ifndef TCONV_REFERENCE_H
#define TCONV_REFERENCE_H

#include "problem.h"

/* Dense float32 arrays of the problem's sizes; bias may be NULL. Double accumulation. */
void tconv_ref_conv(const tconv_problem *pr, const float *x, const float *w, const float *bias,
                    float *y);
void tconv_ref_transpose_gather(const tconv_problem *pr, const float *x, const float *w,
                                const float *bias, float *y);
/* These two allocate scratch memory; they return OUT_OF_MEMORY (through ctx) when it fails. */
tconv_status tconv_ref_transpose_scatter(struct tconv_context *ctx, const tconv_problem *pr,
                                         const float *x, const float *w, const float *bias,
                                         float *y);
tconv_status tconv_ref_transpose_zero_insertion(struct tconv_context *ctx,
                                                const tconv_problem *pr, const float *x,
                                                const float *w, const float *bias, float *y);

#endif /* TCONV_REFERENCE_H */
