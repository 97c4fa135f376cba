/*
 * typed.h - the dtype x layout x math sweep harness: one case through one algorithm of a
 * context with tensors of a given dtype, per-tensor layouts and math mode, checked against
 * the reference by the dtype's tolerance (host/tolerance.c). Used by the CPU unit "typed"
 * (the CPU backend), by the GPU suite gpu_typed (every CUDA algorithm, each on the
 * combinations its supports rule takes, so a CUDA algorithm that starts taking a combination
 * is compared automatically), and by the host emulations of the direct, depthwise, gemm and
 * tensor-core kernels (typed_check_emulated, typed_check_with: the kernels' own code run on
 * the CPU in place of the call).
 *
 * What one check does: seeded floats in [-1, 1) rounded to the dtype; x, w and bias stored
 * in the combination's layouts by the test's own permutation (not the library's offsets) at
 * odd element offsets of one buffer, or each on a 16-byte boundary (aligned: what the
 * tensor-core kernel's 16-byte loaders take); y poisoned with NaN and guarded before and
 * after; the forward call (or a host emulation: typed_check_with, typed_check_emulated); the
 * guards must be intact; y is permuted back to channels-first by the test and compared with
 * (1) the float32 channels-first reference of the rounded inputs, within |y - ref| <=
 * ulp(ref) + L c S (S from the same reference on |x|, |w|, |bias|; float32 STRICT: the float32
 * rule), and (2) when `exact` is set, the typed reference on channels-first copies, bit for
 * bit (the CPU backend's reference computes exactly that).
 */
#ifndef TCONV_TEST_TYPED_H
#define TCONV_TEST_TYPED_H

#include "cases.h"

typedef struct typed_combo {
  tconv_dtype dtype;
  tconv_layout x, w, y;
  tconv_math math;
} typed_combo;

/* Every dtype x {all nchw, all nhwc, x/y nhwc with nchw w, x/y nchw with nhwc w} x math. */
#define TYPED_COMBO_COUNT 24
extern const typed_combo typed_combos[TYPED_COMBO_COUNT];

/* The test's own storage code: the channels-first floats src of a rank-`rank` tensor stored in
 * `layout` as dtype (rounded to nearest even), and back. */
void typed_store(tconv_dtype dtype, tconv_layout layout, int rank, const int64_t *dims,
                 const float *src, void *dst);
void typed_load(tconv_dtype dtype, tconv_layout layout, int rank, const int64_t *dims,
                const void *src, float *dst);

/* "float16 x nhwc w nchw y nhwc strict" */
void typed_describe(const typed_combo *combo, char *text, size_t size);

/* Whether `algo` takes (c, combo) on ctx (tconv_algo_supported_tensors); when it does not,
 * the reason must be a sentence (a failure is recorded otherwise). */
int typed_supported(tconv_context *ctx, const test_case *c, const typed_combo *combo,
                    tconv_algo algo);

/* Draws the sweep's case number `index`: a random op and rank, every `conventions_every`-th
 * with a padding mode and an activation; finished. Returns 0 when usable, -1 when its work
 * exceeds work_limit (draw again), 1 when it could not be finished (a failure recorded). */
int typed_draw_case(test_case *c, int64_t index, int conventions_every, int64_t work_limit);

/* One finished case through `algo`, the tensors aligned or at odd offsets; 0 when it passes,
 * 1 after recording the failure. */
int typed_check(tconv_context *ctx, tconv_algo algo, const test_case *c, const typed_combo *combo,
                int exact, int aligned);

/* A computation of the case on host copies of the tensors, stored in the combination's dtype
 * and layouts (bias NULL without one), writing y; 0, or 1 with the reason in why (left empty
 * when the runner has recorded the failure itself). */
typedef int (*typed_runner)(void *data, const test_case *c, const typed_combo *combo, const void *x,
                            const void *w, const void *bias, void *y, char *why, size_t why_size);
/* typed_check with `runner` (named `name` in failures) instead of a forward call. */
int typed_check_with(typed_runner runner, void *data, const char *name, const test_case *c,
                     const typed_combo *combo, int aligned);

/* The work limit of the sweeps' cases (typed_sweep). */
#define TYPED_WORK_LIMIT (CASE_WORK_LIMIT / 4)

/* Changes a drawn case number `index` (e.g. into a depthwise one) and finishes it again; 0,
 * or non-zero after recording a failure. */
typedef int (*typed_reshape)(test_case *c, int64_t index);

/* Runs `cases` seeded random cases through check (0 when it passes, 1 after recording a
 * failure): case number i from typed_draw_case (every conventions_every-th with a padding
 * mode and an activation), changed by `reshape` (may be NULL), drawn again until its work is
 * within TYPED_WORK_LIMIT. Returns the cases that failed (a case that could not be finished
 * counts, its failure recorded). */
int64_t typed_sweep(int64_t cases, int conventions_every, typed_reshape reshape,
                    int (*check)(const test_case *c, void *data), void *data);

struct tconv_problem;
/* The validated problem of a finished case with a combination's dtype, layouts and math; 0,
 * or 1 after recording a failure. */
int typed_problem(const test_case *c, const typed_combo *combo, struct tconv_problem *p);

/* A host emulation of an algorithm: runs problem p (the combination's storage) on host
 * tensors of p's dtype in p's layouts (bias NULL without one), writing y; 0, or 1 after
 * recording a failure. */
typedef int (*typed_emulator)(const test_case *c, const struct tconv_problem *p, const void *x,
                              const void *w, const void *bias, void *y, void *data);

/* The same check as typed_check with an emulation in place of the library: the same data,
 * staging (odd offsets, y poisoned and guarded), guard check and tolerance judgement; `name`
 * names the emulation in failures. 0 when it passes, 1 after recording the failure. */
int typed_check_emulated(const test_case *c, const typed_combo *combo, const char *name,
                         typed_emulator emulate, void *data);

/* The emulations' sweep: `cases` seeded random cases (typed_sweep: every third with a
 * padding mode and an activation, each changed by `reshape`, which may be NULL) run through
 * every combination `supports` takes (a refusal must come with a reason) by
 * typed_check_emulated. Prints the checks per combination and stores them in
 * ran[TYPED_COMBO_COUNT]; the test fails on any failed check. */
void typed_sweep_emulated(const char *name, int64_t cases, typed_reshape reshape,
                          int (*supports)(const struct tconv_problem *, char *, size_t),
                          typed_emulator emulate, void *data, int64_t *ran);

/* Whether the supports rule of CUDA algorithm `algo` takes `combo` on a problem the
 * algorithm otherwise takes (igemm_tc: zero padding, at most TCONV_TC_MAX_TAPS taps per output
 * phase): direct, depthwise, gemm (and so AUTO) every combination, the implicit GEMM float32
 * channels-first STRICT only, igemm_tc float16 and bfloat16 under either math and float32
 * under TF32 math, every layout. When it does not, *named is the text its reason must hold
 * (the first thing refused: the dtype, a layout or the math), else NULL. */
int typed_cuda_takes(tconv_algo algo, const typed_combo *combo, const char **named);

#endif /* TCONV_TEST_TYPED_H */
