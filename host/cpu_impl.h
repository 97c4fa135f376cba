/*
 * cpu_impl.h - what the CPU algorithms' files share (see cpu.h for the arithmetic): the plan
 * of a problem (phases, taps, the prepared input), the per-instruction-set kernels, the
 * thread pool and scratch allocation, and the test hooks.
 *
 * The plan. Per spatial dimension a, the output positions split into phases; within a phase
 * the positions are m = 0..count-1 at output coordinate out_first + out_step * m, and every
 * tap of the phase reads the prepared input at coordinate m + base (one step per position,
 * never out of range), so a tap is one offset:
 *   transposed  phase = the outputs o with the same (o + pb) mod s; its taps j have
 *               j*d = (o + pb) mod s (mod s); out_step = s; the input is padded by what
 *               the taps reach beyond it;
 *   conv        one phase, every tap, out_step = 1; with a stride the input is split into
 *               s phase planes per dimension (the element u of the padded input goes to plane
 *               u mod s at u div s), which turns the stride into a step of one; the padding
 *               is written into the copy by the padding mode.
 * A position column is (n, m0, m1, m2); its input offset is n * n_stride + sum m_a *
 * in_stride[a], plus the tap's offset, plus the channel's.
 */
#ifndef TCONV_CPU_IMPL_H
#define TCONV_CPU_IMPL_H

#include "cpu.h"

#include <stddef.h>
#include <stdint.h>

#define CPU_DIMS TCONV_MAX_SPATIAL

/* ---- the plan (host/cpu_plan.c) ------------------------------------------------------- */

/* One dimension of one phase: its output positions and its taps (a range of the
 * dimension's tap arrays). */
typedef struct cpu_phase_dim {
  int64_t count;     /* positions m = 0 .. count - 1 */
  int64_t out_first; /* output coordinate of m = 0 */
  int64_t tap_first; /* first of its taps in tap_k / tap_off */
  int64_t ntaps;
} cpu_phase_dim;

typedef struct cpu_plan {
  tconv_context *ctx;      /* whose threads and scratch memory it uses */
  const char *algo;        /* the algorithm's name, for sentences */
  const tconv_problem *pr; /* what is computed (the uncropped problem of a circular
                              transposed convolution, see cpu_plan.c) */
  int64_t cin_g, cout_g;
  const float *source; /* the caller's x */
  const float *x;      /* the prepared input, (N, Cin, planes and extent), or the caller's x
                          when that is the same layout; NULL when copied but not prepared
                          (tconv_cpu_prepare makes each channel's plane on demand) */
  int copied;          /* whether the prepared layout differs from x */
  int64_t n_stride, c_stride, in_stride[CPU_DIMS];
  int64_t out_step[CPU_DIMS];   /* output coordinate step between consecutive positions */
  int64_t out_stride[CPU_DIMS]; /* element strides of y's spatial dimensions */
  int64_t nphases[CPU_DIMS];
  int64_t phase_count; /* product of nphases */
  cpu_phase_dim *phase[CPU_DIMS];
  int64_t *tap_k[CPU_DIMS];              /* kernel index of each tap, grouped by phase */
  int64_t *tap_off[CPU_DIMS];            /* input offset of each tap */
  int64_t max_count[CPU_DIMS], max_taps; /* largest phase count per dim; most taps of a phase */
  int64_t planes[CPU_DIMS], extent[CPU_DIMS]; /* the prepared input's shape per dimension */
  int64_t pitch; /* elements from one prepared row (extent[2] used) to the next */
  int64_t lead;  /* where a buffer of prepared planes should start past an aligned address */
  const int64_t *map[CPU_DIMS]; /* x index of each prepared coordinate (plane-major), -1: 0 */
  int64_t *run;                 /* per plane of the last dimension: the longest run of
                                   sources a fixed step apart, (first, end, step) */
  float *owned;                 /* the prepared copy when one was made */
  void *arrays;                 /* the phase and tap arrays */
} cpu_plan;

/* One phase of the plan, flattened: p = (p0 * nphases[1] + p1) * nphases[2] + p2. */
typedef struct cpu_phase {
  const cpu_phase_dim *dim[CPU_DIMS];
  int64_t positions; /* per image: the product of the counts */
  int64_t ntaps;     /* product of the dims' taps */
} cpu_phase;

/* Builds the plan of a problem without wrap-around (anything but a circular transposed
 * convolution), with `copy` the prepared copy of the whole input too (on ctx's threads), its
 * rows row_align elements apart or a multiple of that (1: packed). Returns OK or
 * OUT_OF_MEMORY (no sentence recorded: the caller words it). */
tconv_status tconv_cpu_plan_build(tconv_context *ctx, cpu_plan *plan, const tconv_problem *pr,
                                  const float *x, int copy, int64_t row_align);
/* Writes the prepared plane of input channel ci of image n (c_stride elements) to dst. */
void tconv_cpu_prepare(const cpu_plan *plan, int64_t n, int64_t ci, float *dst);
void tconv_cpu_plan_free(cpu_plan *plan);
/* Elements of the prepared input (an upper bound), or -1 when the count overflows. */
int64_t tconv_cpu_prepared_count(const tconv_problem *pr);

void tconv_cpu_phase_of(const cpu_plan *plan, int64_t p, cpu_phase *ph);
/* The phase's taps in k order (j0 outer, j2 inner): each one's input offset and flat kernel
 * index (into the weights' spatial block). */
void tconv_cpu_phase_taps(const cpu_plan *plan, const cpu_phase *ph, int64_t *off,
                          int64_t *kernel_index);
/* Offset in w of the weights joining input channel ci_local and output channel co_local of
 * group g, at kernel index 0 (conv: w[co, ci_local]; transposed: w[ci, co_local]). */
int64_t tconv_cpu_weight_offset(const cpu_plan *plan, int64_t g, int64_t co_local,
                                int64_t ci_local);

/* y = act(acc + bias) for len elements written `step` apart. */
void tconv_cpu_store(const tconv_problem *pr, float *y, int64_t step, const float *acc, int64_t len,
                     float bias);

/* Records OUT_OF_MEMORY: "<op>: <algo>: cannot allocate <what>". */
tconv_status tconv_cpu_out_of_memory(tconv_context *ctx, const cpu_plan *plan, const char *what);

/* The algorithm-specific part: computes the plan's problem into y (zero padding, no
 * wrap-around) with the given bias and the problem's activation. */
typedef tconv_status (*cpu_core_fn)(tconv_context *ctx, const cpu_plan *plan, const float *w,
                                    const float *bias, float *y);

/* Plans (with the prepared copy of the whole input when `copy`; without, the core prepares
 * what it reads; prepared rows row_align apart, see tconv_cpu_plan_build), runs `core`, and
 * for a circular transposed convolution folds the uncropped result into y. */
tconv_status tconv_cpu_run(tconv_context *ctx, const char *algo_name, const tconv_problem *pr,
                           const float *x, const float *w, const float *bias, float *y,
                           cpu_core_fn core, int copy, int64_t row_align);

/* host/cpu_igemm.c, host/cpu_direct.c */
tconv_status tconv_cpu_igemm_core(tconv_context *ctx, const cpu_plan *plan, const float *w,
                                  const float *bias, float *y);
tconv_status tconv_cpu_direct_core(tconv_context *ctx, const cpu_plan *plan, const float *w,
                                   const float *bias, float *y);

/* ---- kernels per instruction set (host/cpu_kernels.c, host/cpu_kernels_x86.c) ----------- */

#define CPU_DIRECT_ROWS 4     /* rows one direct-kernel call computes */
#define CPU_DIRECT_CHANNELS 3 /* output channels one direct-kernel call computes at most */

/* A run of consecutive columns of a B block that reads consecutive input elements: where it
 * goes in a packed row (panel * panel_stride + lane) and where it comes from. */
typedef struct cpu_piece {
  int64_t dst, src, len;
} cpu_piece;

typedef struct cpu_kernels {
  const char *name; /* "avx512", "avx2", "generic" */
  int mr, nr;       /* the GEMM micro-tile: rows (output channels) x columns (positions) */
  /* C (mr x nr, rows ldc apart) = (first ? 0 : C) + A x B over kc steps: a holds kc columns
   * of mr values, b kc rows of nr values (64-byte aligned); one FMA per element per step,
   * in increasing step. Columns from cols (1..nr) on may be left unread and unwritten (a
   * set computes them in whole vectors). */
  void (*gemm)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int first,
               int cols);
  /* As gemm, with A read where it lies: the value of row i at step k is arow[i][aoff[k]]
   * (i < mr; a row past the problem's points at a real one, its C row is left unused). The
   * pf_lines 64-byte lines from pf are fetched into cache along the way, one per step (the
   * rows of w the next block reads), or at the start where kc is shorter. */
  void (*gemm_rows)(int64_t kc, const float *const *arow, const int64_t *aoff, const float *b,
                    float *c, int64_t ldc, int first, int cols, const char *pf, int64_t pf_lines);
  /* As gemm_rows, on a wide_mr x wide_nr micro-tile (b's rows wide_nr values apart): fewer
   * broadcasts of A per product where the columns fill it (a set without one repeats mr, nr
   * and gemm_rows). */
  int wide_mr, wide_nr;
  void (*gemm_wide)(int64_t kc, const float *const *arow, const int64_t *aoff, const float *b,
                    float *c, int64_t ldc, int first, int cols, const char *pf, int64_t pf_lines);
  /* For c < chans (<= CPU_DIRECT_CHANNELS) and r < rows: out[c * CPU_DIRECT_ROWS + r][i] =
   * (first ? 0 : its value) + the sum over k < kc, in increasing k, of w[c * kc + k] *
   * src[r][off[k] + i], for i < len (one FMA per term). The channels share every load of
   * src. The pf_lines 64-byte lines from pf are fetched into cache along the way (one per
   * step of the reduction, while the products run), or at the start where kc is shorter. */
  void (*direct)(int64_t kc, const float *w, const int64_t *off, const float *const *src,
                 float *const *out, int chans, int rows, int64_t len, int first, const char *pf,
                 int64_t pf_lines);
  /* For r < rows: lead zeros, then len values from src + r * src_stride, then trail zeros,
   * written from dst + r * dst_stride. */
  void (*pad_rows)(float *dst, int64_t dst_stride, const float *src, int64_t src_stride,
                   int64_t rows, int64_t lead, int64_t len, int64_t trail);
  /* dst[i] = src[i * step], i < n (step >= 1). */
  void (*gather)(float *dst, const float *src, int64_t n, int64_t step);
  /* Packs kc rows of a B block of nr columns (nr or wide_nr): for kk < kc and every piece,
   * b[kk * nr + dst + i] = src[kk][piece src + i] for i < piece len (len <= nr). */
  void (*pack)(int64_t kc, const float *const *src, const cpu_piece *pieces, int64_t npieces,
               float *b, int nr);
} cpu_kernels;

/* The portable pad_rows (memset, memcpy). */
void tconv_cpu_pad_rows_generic(float *dst, int64_t dst_stride, const float *src,
                                int64_t src_stride, int64_t rows, int64_t lead, int64_t len,
                                int64_t trail);
/* The portable gather (memcpy for step 1). */
void tconv_cpu_gather_generic(float *dst, const float *src, int64_t n, int64_t step);
/* The portable packing loop (memcpy per piece), for sets with nr columns per row. */
void tconv_cpu_pack_rows(int64_t kc, const float *const *src, const cpu_piece *pieces,
                         int64_t npieces, float *b, int nr);

/* The widest set this processor runs (or the one a test forced). */
const cpu_kernels *tconv_cpu_kernels(void);
extern const cpu_kernels tconv_cpu_generic;
#if defined(__x86_64__) || defined(__i386__)
extern const cpu_kernels tconv_cpu_avx2, tconv_cpu_avx512;
#define TCONV_CPU_X86 1
#endif

/* ---- the CPU state of a context (host/cpu_memory.c) ------------------------------------- */

#define CPU_POOL_SLOTS 64

typedef struct cpu_pool_slot {
  void *block;
  size_t bytes;
  int used; /* handed out and not returned yet */
} cpu_pool_slot;

typedef struct tconv_cpu_team tconv_cpu_team;

struct tconv_cpu_state {
  cpu_pool_slot slot[CPU_POOL_SLOTS]; /* scratch blocks kept for reuse */
  tconv_cpu_team *team;               /* threads, made on first need (cpu_threads.c) */
};

/* ctx's state, made on first use; NULL when it cannot be allocated. */
tconv_cpu_state *tconv_cpu_state_of(tconv_context *ctx);
/* Stops and joins the team's threads and frees it (NULL is fine). */
void tconv_cpu_team_release(tconv_cpu_team *team);

/* ---- threads and scratch (host/cpu_threads.c) ------------------------------------------ */

/* Runs fn(shared, worker, task) for every task < tasks on up to `workers` threads of ctx's
 * team (the caller's included, as worker 0); each takes the next task from a shared
 * counter, so a thread that cannot be created, or that is not scheduled before the tasks run
 * out, only means fewer workers. Returns how many were offered the job. */
typedef void (*cpu_task_fn)(void *shared, int worker, int64_t task);
int tconv_cpu_parallel(tconv_context *ctx, int workers, int64_t tasks, cpu_task_fn fn,
                       void *shared);

/* How many workers a job of `tasks` tasks and `work` multiply-adds gets on ctx: at most the
 * context's thread count and the task count, and about one per CPU_MIN_WORK of work. */
int tconv_cpu_workers(const tconv_context *ctx, int64_t tasks, double work);

/* Starts a forward call's count for tconv_test_cpu_workers(). */
void tconv_cpu_reset_workers(void);

/* ---- scratch memory (host/cpu_memory.c) -------------------------------------------------- */

/* 64-byte-aligned scratch memory of count elements of size elem, from ctx's pool of blocks
 * kept from earlier calls when one is large enough; NULL on failure (or an overflowing size).
 * Contents undefined. Only the thread calling into ctx allocates. */
void *tconv_cpu_alloc(tconv_context *ctx, int64_t count, size_t elem);
/* Returns the block to ctx's pool (NULL is fine). */
void tconv_cpu_free(tconv_context *ctx, void *p);

/* Lays several arrays out in one block: every take is 64-byte aligned. With a NULL base,
 * only counts the bytes (then allocate `used` and take again in the same order). */
typedef struct cpu_carve {
  char *base;
  size_t used;
} cpu_carve;

static inline void *tconv_cpu_take(cpu_carve *c, int64_t count, size_t elem) {
  void *p = c->base != NULL ? c->base + c->used : NULL;
  c->used += ((size_t)count * elem + 63) / 64 * 64;
  return p;
}

/* ---- test hooks (not exported from the shared library) --------------------------------- */

/* Forces a kernel set by name ("generic", "avx2", "avx512"), or NULL for the processor's
 * widest; returns 0, or -1 when this processor (or build) cannot run it. */
int tconv_test_cpu_isa(const char *name);
/* The most workers any parallel section of the calling thread's last CPU forward call was
 * offered (the caller and the team threads asked to help), and the most that took part
 * (threads the scheduler did not wake before the work ran out are not waited for). */
int tconv_test_cpu_workers(void);
int tconv_test_cpu_joined(void);
/* Thread creation fails after `limit` successful creations per parallel section (-1: never;
 * the default). */
void tconv_test_cpu_spawn_limit(int limit);
/* The count-th scratch allocation from now fails (0: none; the default). */
void tconv_test_cpu_fail_alloc(int64_t count);

#endif /* TCONV_CPU_IMPL_H */
