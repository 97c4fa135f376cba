/*
 * reference.h - the CPU reference on a validated problem: what the CPU backend runs and what
 * the public tconv_reference_* functions call after validation.
 */
#ifndef TCONV_REFERENCE_H
#define TCONV_REFERENCE_H

#include "problem.h"

/* Dense arrays of the problem's sizes, in its dtype and layouts (pr->dtype, pr->x_layout, ...);
 * bias may be NULL. Double accumulation, one rounding per output. */
void tconv_ref_conv(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                    void *y);
void tconv_ref_transpose_gather(const tconv_problem *pr, const void *x, const void *w,
                                const void *bias, void *y);
/* These two allocate scratch memory; they return OUT_OF_MEMORY (through ctx) when it fails. */
tconv_status tconv_ref_transpose_scatter(struct tconv_context *ctx, const tconv_problem *pr,
                                         const void *x, const void *w, const void *bias, void *y);
tconv_status tconv_ref_transpose_zero_insertion(struct tconv_context *ctx, const tconv_problem *pr,
                                                const void *x, const void *w, const void *bias,
                                                void *y);
/* S = |bias| + sum |x w| of every output, as doubles at y's offsets (pr->y_layout, y_count
 * of them): the scale of the tolerance rule. The gather loop nests of the two ops. */
void tconv_ref_magnitude(const tconv_problem *pr, const void *x, const void *w, const void *bias,
                         double *magnitude);

#endif /* TCONV_REFERENCE_H */
