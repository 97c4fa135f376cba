/*
 * tconv.h - transposed and strided convolution on NVIDIA GPUs, with a CPU reference.
 *
 * Overview
 * --------
 * tconv computes two operations on float32 tensors in channels-first layout
 * ((N, C, W), (N, C, H, W) or (N, C, D, H, W)):
 *
 *   convolution             y = conv(x, w) + bias          weights (Cout, Cin/g, k...)
 *   transposed convolution  y = conv_transpose(x, w) + bias weights (Cin, Cout/g, k...)
 *
 * with PyTorch's semantics (torch.nn.functional.conv{1,2,3}d and conv_transpose{1,2,3}d):
 * per spatial dimension, with input size i, kernel k, stride s, dilation d, begin / end
 * padding pb / pe, output_padding op and dilated extent ke = d*(k-1)+1,
 *
 *   convolution  o = floor((i + pb + pe - ke) / s) + 1
 *   transposed   o = (i - 1)*s - pb - pe + ke + op,   0 <= op < max(s, d)
 *
 * The transposed convolution is computed gather-style: every output element sums the
 * inputs that reach it (t = o + pb - j*d contributes when t >= 0, t % s == 0, t/s < i),
 * so results are deterministic and no atomics are used.
 *
 * Usage: create a context (CPU or CUDA backend), create buffers in it, upload, describe the
 * tensors, call tconv_conv_forward() or tconv_transpose_forward(), download. The CPU
 * reference (tconv_reference_*) works on plain host arrays and is what every GPU result is
 * tested against; users may call it to check results of their own.
 *
 * Conventions: every function that can fail returns a tconv_status; on failure it writes
 * nothing to its outputs and records a sentence naming the offending parameter, readable
 * with tconv_context_last_error() (per context) and tconv_last_error() (per thread). The
 * library never prints, exits or aborts. Element counts and offsets are int64_t.
 *
 * Threads: a context must not be used by two threads at once; distinct contexts may be used
 * concurrently. Functions that take no context are thread-safe.
 */
#ifndef TCONV_H
#define TCONV_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define TCONV_API __declspec(dllexport)
#elif defined(__GNUC__)
#define TCONV_API __attribute__((visibility("default")))
#else
#define TCONV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version ------------------------------------------------------------------------ */

#define TCONV_VERSION_MAJOR 0
#define TCONV_VERSION_MINOR 1
#define TCONV_VERSION_PATCH 0
#define TCONV_VERSION_NUMBER \
  (TCONV_VERSION_MAJOR * 10000 + TCONV_VERSION_MINOR * 100 + TCONV_VERSION_PATCH)
#define TCONV_STRINGIFY_(x) #x
#define TCONV_STRINGIFY(x) TCONV_STRINGIFY_(x)
#define TCONV_VERSION_STRING                                                             \
  TCONV_STRINGIFY(TCONV_VERSION_MAJOR)                                                   \
  "." TCONV_STRINGIFY(TCONV_VERSION_MINOR) "." TCONV_STRINGIFY(TCONV_VERSION_PATCH)

/* Returns TCONV_VERSION_NUMBER of the library actually linked. */
TCONV_API unsigned tconv_version_number(void);
/* Returns "MAJOR.MINOR.PATCH" of the library actually linked. */
TCONV_API const char *tconv_version_string(void);

/* ---- status codes ------------------------------------------------------------------- */

/* X(name, message). Append only: the numeric values are part of the ABI. */
#define TCONV_STATUS_LIST(X)                                                             \
  X(OK, "success")                                                                       \
  X(INVALID_ARGUMENT, "invalid argument")                                                \
  X(SHAPE_MISMATCH, "tensor shapes do not match")                                        \
  X(UNSUPPORTED, "unsupported combination of parameters, algorithm or backend")          \
  X(OUT_OF_MEMORY, "out of memory")                                                      \
  X(NO_DEVICE, "no usable CUDA device")                                                  \
  X(CUDA_ERROR, "CUDA runtime error")                                                    \
  X(CUBLAS_ERROR, "cuBLAS error")                                                        \
  X(SIZE_OVERFLOW, "size does not fit in 64-bit arithmetic")                             \
  X(INTERNAL, "internal error")                                                          \
  X(VERIFY_MISMATCH, "result differs from the CPU reference (verify mode)")

typedef enum tconv_status {
#define TCONV_STATUS_ENUM_(name, message) TCONV_STATUS_##name,
  TCONV_STATUS_LIST(TCONV_STATUS_ENUM_)
#undef TCONV_STATUS_ENUM_
  TCONV_STATUS_COUNT_ /* not a status; one past the last */
} tconv_status;

/* "TCONV_STATUS_INVALID_ARGUMENT" etc.; "TCONV_STATUS_UNKNOWN" for values out of range. */
TCONV_API const char *tconv_status_name(tconv_status status);
/* A short message for the code ("invalid argument"); never NULL. */
TCONV_API const char *tconv_status_string(tconv_status status);
/* The sentence recorded by the last failing call made by this thread (any context, or none),
 * e.g. "transposed conv: output_padding 2 must be smaller than stride 2 or dilation 1
 * (dimension 0)". Empty string when none. Valid until this thread's next tconv call. */
TCONV_API const char *tconv_last_error(void);

/* ---- context ------------------------------------------------------------------------ */

typedef enum tconv_backend {
  TCONV_BACKEND_AUTO = 0, /* CUDA when a device is usable, else CPU */
  TCONV_BACKEND_CPU = 1,  /* the CPU algorithms and the reference; buffers in host memory */
  TCONV_BACKEND_CUDA = 2  /* CUDA kernels; buffers live in device memory */
} tconv_backend;

typedef struct tconv_context tconv_context;

/* Calls on a CUDA context make its device the calling thread's current CUDA device and leave
 * it so; code that mixes devices on one thread sets its own device again after them.
 *
 * Creates a context on `backend` using CUDA device `device` (ignored by the CPU backend,
 * which requires it to be 0). Writes the handle to *ctx; on failure writes NULL.
 * Returns NO_DEVICE when CUDA is requested but not usable (not compiled in, no driver, no
 * device, bad index), with the runtime's reason in tconv_last_error(). With AUTO, a
 * CUDA failure falls back to the CPU, and the reason stays readable via
 * tconv_context_last_error(). */
TCONV_API tconv_status tconv_context_create(tconv_context **ctx, tconv_backend backend,
                                            int device);
/* Releases the context, with the threads and the scratch memory its CPU calls keep for reuse.
 * Buffers created in it must be destroyed first. NULL is fine. */
TCONV_API void tconv_context_destroy(tconv_context *ctx);
/* The backend actually in use (never AUTO). */
TCONV_API tconv_backend tconv_context_backend(const tconv_context *ctx);
/* The CUDA device index in use; 0 on the CPU backend. */
TCONV_API int tconv_context_device(const tconv_context *ctx);
/* Sets the cudaStream_t (passed as void *) on which computations are queued; NULL is the
 * default stream. On the CPU backend only NULL is accepted. */
TCONV_API tconv_status tconv_context_set_stream(tconv_context *ctx, void *stream);
/* The stream set by tconv_context_set_stream() (NULL by default). */
TCONV_API void *tconv_context_stream(const tconv_context *ctx);
/* Waits for all work queued on the context's stream; reports asynchronous CUDA errors. */
TCONV_API tconv_status tconv_context_synchronize(tconv_context *ctx);
/* The sentence recorded by this context's last failing call, or by AUTO's fallback to the
 * CPU; empty string when none. Valid until the next call on the context. */
TCONV_API const char *tconv_context_last_error(const tconv_context *ctx);
/* Verify mode, for CI on GPU runners: after every forward call the context synchronizes,
 * recomputes the result on the host with the CPU reference (on the CPU backend the transposed
 * convolution is recomputed with the scatter formulation, which shares no code with the
 * gather that the REFERENCE algorithm runs) and compares. When max|y - ref| > tolerance * max(max|ref|, 1e-30), or any
 * element is NaN where the reference is not, the call returns VERIFY_MISMATCH and the last
 * error names the worst element: its flat index, its N/C/spatial coordinates, the value and
 * the reference value. y keeps the computed (wrong) result. `tolerance` <= 0 selects the
 * documented default 1e-5 (the float32 tolerance against the double reference). Costs a
 * host copy of x, w, bias and y and a reference computation per call: for tests, not
 * production. Also enabled for every new context by the environment variable
 * TCONV_VERIFY=1. */
TCONV_API tconv_status tconv_context_set_verify(tconv_context *ctx, int enabled,
                                                double tolerance);
/* Whether verify mode is on (0 or 1); 0 for NULL. */
TCONV_API int tconv_context_verify(const tconv_context *ctx);
#define TCONV_VERIFY_DEFAULT_TOLERANCE 1e-5

/* Threads of the CPU backend's algorithms (CPU_IGEMM, CPU_DIRECT) in this context's calls:
 * 1 .. TCONV_MAX_THREADS, or 0 for the default: TCONV_NUM_THREADS when the environment sets
 * it (an integer from 1 to TCONV_MAX_THREADS; read by tconv_context_create(), which fails
 * with INVALID_ARGUMENT on any other value, and by this call with 0), else the number of
 * online processors. The threads are created on first need and sleep between calls; the
 * calling thread is one of them. A call may use fewer (small problems, or threads the system
 * refuses to create); its result does not depend on the count: every thread count gives the
 * same bits. A CUDA context keeps the value, which its kernels do not use. INVALID_ARGUMENT
 * for other values (the count is then unchanged). */
TCONV_API tconv_status tconv_context_set_threads(tconv_context *ctx, int threads);
/* The thread count in effect (never 0); 0 for NULL. */
TCONV_API int tconv_context_threads(const tconv_context *ctx);
#define TCONV_MAX_THREADS 1024

/* Whether a CUDA device is usable, without creating a context: returns OK, or NO_DEVICE
 * with the reason written to `reason` (up to `reason_size` bytes, NUL-terminated; may be
 * NULL). */
TCONV_API tconv_status tconv_cuda_probe(char *reason, size_t reason_size);

/* ---- buffers ------------------------------------------------------------------------ */

typedef struct tconv_buffer tconv_buffer;

/* Allocates `bytes` (>= 1) of memory on the context's backend (device memory for CUDA).
 * The contents are undefined. Returns OUT_OF_MEMORY when the allocation fails. */
TCONV_API tconv_status tconv_buffer_create(tconv_context *ctx, size_t bytes,
                                           tconv_buffer **buffer);
/* Wraps memory the caller owns (a device pointer on CUDA, a host pointer on CPU) of
 * `bytes` bytes; tconv_buffer_destroy() will not free it. */
TCONV_API tconv_status tconv_buffer_wrap(tconv_context *ctx, void *data, size_t bytes,
                                         tconv_buffer **buffer);
/* Releases the buffer (and its memory unless wrapped). NULL is fine. */
TCONV_API void tconv_buffer_destroy(tconv_buffer *buffer);
/* Copies `bytes` from host memory `src` into the buffer at byte `offset`. Returns when the
 * copy is complete, after all work queued earlier on the context's stream. */
TCONV_API tconv_status tconv_buffer_upload(tconv_context *ctx, tconv_buffer *buffer,
                                           size_t offset, const void *src, size_t bytes);
/* Copies `bytes` from the buffer at byte `offset` into host memory `dst`. Returns when the
 * copy is complete, after all work queued earlier on the context's stream. */
TCONV_API tconv_status tconv_buffer_download(tconv_context *ctx, const tconv_buffer *buffer,
                                             size_t offset, void *dst, size_t bytes);
/* The buffer's memory (device pointer on CUDA) and size in bytes. */
TCONV_API void *tconv_buffer_data(const tconv_buffer *buffer);
TCONV_API size_t tconv_buffer_size(const tconv_buffer *buffer);

/* ---- tensors ------------------------------------------------------------------------ */

#define TCONV_MAX_RANK 5    /* N, C and up to three spatial dimensions */
#define TCONV_MAX_SPATIAL 3

typedef enum tconv_dtype { TCONV_DTYPE_FLOAT32 = 0 } tconv_dtype;

/* Channels first, C order: (N, C, W), (N, C, H, W), (N, C, D, H, W); weights likewise
 * (Cout, Cin/g, k...) or (Cin, Cout/g, k...). */
typedef enum tconv_layout { TCONV_LAYOUT_NCHW = 0 } tconv_layout;

/* A dense tensor stored in a buffer. Data tensors have rank 3-5; a bias has rank 1. */
typedef struct tconv_tensor {
  int rank;                     /* number of dimensions */
  int64_t dims[TCONV_MAX_RANK]; /* sizes, outermost first; entries past rank unused */
  tconv_dtype dtype;            /* TCONV_DTYPE_FLOAT32 */
  tconv_layout layout;          /* TCONV_LAYOUT_NCHW */
  tconv_buffer *buffer;         /* where the data lives */
  size_t offset;                /* byte offset of element 0 in the buffer; 4-byte aligned */
} tconv_tensor;

/* A float32 NCHW tensor of `rank` dimensions `dims` at byte `offset` of `buffer`. Dims
 * past `rank` are set to 0. (Does not validate: the forward calls do.) */
TCONV_API tconv_tensor tconv_tensor_make(tconv_buffer *buffer, size_t offset, int rank,
                                         const int64_t *dims);

/* ---- convolution parameters --------------------------------------------------------- */

/* How the padding is chosen (ONNX's auto_pad). With anything but NOTSET, pad_begin and
 * pad_end must be 0: the library computes them.
 *   convolution  SAME_*: o = ceil(i / s), total padding max((o - 1)*s + ke - i, 0)
 *   transposed   SAME_*: o = i * s,      total padding s*(i - 1) + op + ke - o
 * SAME_UPPER puts the smaller half at the begin, SAME_LOWER the larger. VALID: no padding.
 * A negative total (transposed, e.g. k < s) follows ONNX's shape inference, o = i * s: the
 * pads are 0 and the output extends at the end by the missing positions, which no input
 * reaches (they hold the bias). */
typedef enum tconv_auto_pad {
  TCONV_AUTO_PAD_NOTSET = 0, /* explicit pad_begin / pad_end */
  TCONV_AUTO_PAD_VALID = 1,
  TCONV_AUTO_PAD_SAME_UPPER = 2,
  TCONV_AUTO_PAD_SAME_LOWER = 3
} tconv_auto_pad;

/* How an explicit transposed output size (tconv_params.output_size) is reached.
 *   PYTORCH  output_size must lie in [omin, omin + s - 1] with omin the size at
 *            output_padding 0; the difference becomes output_padding (which must be 0).
 *   ONNX     output_shape: total padding s*(i - 1) + op + ke - o, split as auto_pad says
 *            (SAME_UPPER: smaller half at the begin; NOTSET or SAME_LOWER: larger half at
 *            the begin, ONNX's text); pad_begin / pad_end must be 0; a negative total
 *            extends the output at the end as for auto_pad. */
typedef enum tconv_output_size_rule {
  TCONV_OUTPUT_SIZE_PYTORCH = 0,
  TCONV_OUTPUT_SIZE_ONNX = 1
} tconv_output_size_rule;

/* What the padded region holds.
 *   convolution  ZEROS; REFLECT (mirror without repeating the edge, pad < i); REPLICATE
 *                (the edge value); CIRCULAR (wrap around, pad <= i) - PyTorch's semantics.
 *   transposed   ZEROS; CIRCULAR: the adjoint of the circular convolution - every product
 *                x[t] w[j] lands on output (t*s + j*d - pb) mod o, so contributions that
 *                fall off one end wrap around to the other (periodic signals). REFLECT and
 *                REPLICATE are refused (UNSUPPORTED). */
typedef enum tconv_padding_mode {
  TCONV_PADDING_ZEROS = 0,
  TCONV_PADDING_REFLECT = 1,
  TCONV_PADDING_REPLICATE = 2,
  TCONV_PADDING_CIRCULAR = 3
} tconv_padding_mode;

/* Applied to every output element after the bias. */
typedef enum tconv_activation {
  TCONV_ACTIVATION_NONE = 0,
  TCONV_ACTIVATION_RELU = 1,       /* max(v, 0) */
  TCONV_ACTIVATION_LEAKY_RELU = 2, /* v >= 0 ? v : alpha * v */
  TCONV_ACTIVATION_SIGMOID = 3,    /* 1 / (1 + exp(-v)) */
  TCONV_ACTIVATION_TANH = 4,       /* tanh(v) */
  TCONV_ACTIVATION_CLAMP = 5       /* min(max(v, alpha), beta), alpha <= beta */
} tconv_activation;

/* Per spatial dimension (index 0 = outermost spatial dimension, e.g. H of NCHW). Entries at
 * index >= spatial_rank are not read. Start from tconv_params_default(). */
typedef struct tconv_params {
  int spatial_rank;                          /* 1, 2 or 3 */
  int64_t stride[TCONV_MAX_SPATIAL];         /* >= 1 */
  int64_t dilation[TCONV_MAX_SPATIAL];       /* >= 1 */
  int64_t pad_begin[TCONV_MAX_SPATIAL];      /* >= 0: PyTorch's padding, leading side */
  int64_t pad_end[TCONV_MAX_SPATIAL];        /* >= 0: trailing side */
  int64_t output_padding[TCONV_MAX_SPATIAL]; /* transposed only: 0 <= op < max(s, d);
                                                must be 0 for convolution */
  int64_t groups;                            /* >= 1, divides Cin and Cout */
  tconv_auto_pad auto_pad;                   /* NOTSET: use pad_begin / pad_end */
  int64_t output_size[TCONV_MAX_SPATIAL];    /* transposed only: wanted output size per
                                                dimension, or all 0 for the formula's */
  tconv_output_size_rule output_size_rule;   /* how output_size is reached */
  tconv_padding_mode padding_mode;           /* ZEROS by default */
  tconv_activation activation;               /* NONE by default */
  float activation_alpha;                    /* LEAKY_RELU slope, CLAMP low; else 0 */
  float activation_beta;                     /* CLAMP high; else 0 */
} tconv_params;

/* stride 1, dilation 1, no padding, no output_padding, groups 1, auto_pad NOTSET, no
 * output_size, zero padding, no activation. */
TCONV_API tconv_params tconv_params_default(int spatial_rank);
/* Sets every dimension's stride, dilation, symmetric padding and output_padding at once. */
TCONV_API void tconv_params_set_uniform(tconv_params *params, int64_t stride, int64_t padding,
                                        int64_t dilation, int64_t output_padding);

/* ---- shape queries ------------------------------------------------------------------ */

/* Given x's and w's dims (each of rank spatial_rank + 2), validates the parameters and
 * writes y's dims (rank spatial_rank + 2) to y_dims. */
TCONV_API tconv_status tconv_conv_output_shape(const tconv_params *params,
                                               const int64_t *x_dims, const int64_t *w_dims,
                                               int64_t *y_dims);
TCONV_API tconv_status tconv_transpose_output_shape(const tconv_params *params,
                                                    const int64_t *x_dims,
                                                    const int64_t *w_dims, int64_t *y_dims);

/* ---- forward computations ----------------------------------------------------------- */

/* Algorithms. Every one is deterministic: the same inputs give the same bits on every run
 * and on every stream (no atomics; each output element is summed in a fixed order). GEMM
 * inherits cuBLAS's own guarantee, which holds while one stream at a time runs the context's
 * cuBLAS work (one context per stream, as the threading rule already asks). */
typedef enum tconv_algo {
  TCONV_ALGO_AUTO = 0,      /* the backend's best choice by a heuristic; needs no workspace
                               (or the winner tconv_find_algo() cached for this problem,
                               when the workspace passed is large enough for it) */
  TCONV_ALGO_DIRECT = 1,    /* CUDA: one thread per output element, gather; takes every
                               problem */
  TCONV_ALGO_REFERENCE = 2, /* CPU: the reference loop nest (gather formulation) */
  TCONV_ALGO_IGEMM = 3,     /* CUDA: implicit GEMM in shared-memory tiles, FP32 FFMA. The
                               transposed convolution runs it once per output phase: the
                               s^rank phases are dense stride-1 convolutions with about
                               ceil(k/s) taps per axis, so no inserted zero is multiplied */
  TCONV_ALGO_GEMM = 4,      /* CUDA: cuBLAS SGEMM. Convolution = im2col + GEMM; transposed =
                               GEMM (w^T x into columns) + a gather col2im. Needs workspace;
                               chunks the batch to bound it */
  TCONV_ALGO_DEPTHWISE = 5, /* CUDA: groups with one input and one output channel per group
                               (depthwise, e.g. bilinear upsampling) */
  TCONV_ALGO_CPU_IGEMM = 6, /* CPU: implicit GEMM over packed panels with a vectorised
                               micro-kernel (AVX-512, AVX2 + FMA or portable, chosen at run
                               time), multithreaded; the transposed convolution per output
                               phase, as IGEMM. FP32 accumulation in a fixed order: the same
                               bits for every thread count, and the same as CPU_DIRECT */
  TCONV_ALGO_CPU_DIRECT = 7 /* CPU: one output channel at a time, rows of outputs held in
                               vector registers; for depthwise and narrow problems */
} tconv_algo;
#define TCONV_ALGO_COUNT 8 /* the algo values are 0 .. TCONV_ALGO_COUNT - 1 */

/* y = conv(x, w) (+ bias). x (N, Cin, i...), w (Cout, Cin/g, k...), bias (Cout) or NULL,
 * y (N, Cout, o...) with o from tconv_conv_output_shape(). All tensors in buffers of this
 * context. `workspace` may be NULL when tconv_workspace_size() says 0. Queued on the
 * context's stream (synchronous on the CPU backend). y must not overlap x, w or bias. */
TCONV_API tconv_status tconv_conv_forward(tconv_context *ctx, const tconv_params *params,
                                          const tconv_tensor *x, const tconv_tensor *w,
                                          const tconv_tensor *bias, const tconv_tensor *y,
                                          tconv_algo algo, tconv_buffer *workspace);
/* y = conv_transpose(x, w) (+ bias). x (N, Cin, i...), w (Cin, Cout/g, k...), bias (Cout) or
 * NULL, y (N, Cout, o...) with o from tconv_transpose_output_shape(). As above. */
TCONV_API tconv_status tconv_transpose_forward(tconv_context *ctx, const tconv_params *params,
                                               const tconv_tensor *x, const tconv_tensor *w,
                                               const tconv_tensor *bias, const tconv_tensor *y,
                                               tconv_algo algo, tconv_buffer *workspace);

typedef enum tconv_op { TCONV_OP_CONV = 0, TCONV_OP_TRANSPOSE = 1 } tconv_op;

/* Bytes of workspace `algo` needs for this problem (0 for AUTO, DIRECT, REFERENCE, IGEMM and
 * DEPTHWISE). UNSUPPORTED, with the reason, when `algo` cannot take the problem on ctx's
 * backend. */
TCONV_API tconv_status tconv_workspace_size(tconv_context *ctx, tconv_op op,
                                            const tconv_params *params,
                                            const tconv_tensor *x, const tconv_tensor *w,
                                            tconv_algo algo, size_t *bytes);
/* Whether `algo` can run this problem on ctx's backend, from shapes alone (x_dims and w_dims
 * of rank spatial_rank + 2, as for the shape queries): OK, or UNSUPPORTED with the reason in
 * the last error ("igemm: padding mode reflect is not supported; use direct"); invalid
 * parameters give their usual status. AUTO is always supported. */
TCONV_API tconv_status tconv_algo_supported(tconv_context *ctx, tconv_op op,
                                            const tconv_params *params, const int64_t *x_dims,
                                            const int64_t *w_dims, tconv_algo algo);

/* One row of tconv_find_algo()'s answer. */
typedef struct tconv_algo_perf {
  tconv_algo algo;
  tconv_status status;    /* OK when timed; UNSUPPORTED, or OUT_OF_MEMORY when its workspace
                             exceeds the one passed, when not */
  double milliseconds;    /* median of the timed runs; 0 when not timed */
  size_t workspace_bytes; /* what it needs */
} tconv_algo_perf;

/* Runs and times every algorithm of ctx's backend on the caller's tensors (y is
 * overwritten; the last run's result is left there), fastest first, then the untimed ones.
 * Writes up to `capacity` rows to results and their number to *count. The fastest
 * algorithm whose workspace fits `workspace` (NULL: none) is cached in the context for this
 * (op, shapes, parameters, device); later AUTO calls on the same problem use it when they
 * are passed a workspace at least that large. Synchronizes the context's stream. */
TCONV_API tconv_status tconv_find_algo(tconv_context *ctx, tconv_op op,
                                       const tconv_params *params, const tconv_tensor *x,
                                       const tconv_tensor *w, const tconv_tensor *bias,
                                       const tconv_tensor *y, tconv_buffer *workspace,
                                       tconv_algo_perf *results, int capacity, int *count);

/* "auto", "direct", "reference", "igemm", "gemm", "depthwise", "cpu_igemm", "cpu_direct";
 * NULL when out of range. */
TCONV_API const char *tconv_algo_name(tconv_algo algo);
/* The algo whose tconv_algo_name() is `name`; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_algo_from_name(const char *name, tconv_algo *algo);

/* ---- weight initialisers ------------------------------------------------------------ */

/* Writes the bilinear upsampling kernel for integer `factor` F >= 1 (FCN's initialiser) for
 * `channels` channels: w has shape (channels, 1, k, ...) with k = 2F - F mod 2 in each of the
 * spatial_rank dimensions, every channel the same separable kernel
 * prod (1 - |j - c| / f) with f = ceil(k / 2) = F, c = f - 1 (k odd) or f - 0.5 (k even).
 * Use it as a depthwise transposed convolution: stride F, padding ceil((F - 1) / 2),
 * groups = channels. `capacity` is w's length in elements; nothing is written unless it holds
 * channels * k^spatial_rank. */
TCONV_API tconv_status tconv_bilinear_kernel(int spatial_rank, int64_t factor, int64_t channels,
                                             float *w, int64_t capacity);

/* ---- CPU reference on host arrays --------------------------------------------------- */

/* The three equivalent formulations of the transposed convolution (see README). */
typedef enum tconv_formulation {
  TCONV_FORMULATION_GATHER = 0,        /* each output sums the inputs that reach it */
  TCONV_FORMULATION_SCATTER = 1,       /* each input adds kernel * x into an output window */
  TCONV_FORMULATION_ZERO_INSERTION = 2 /* insert s-1 zeros, pad, stride-1 conv with the
                                          flipped, channel-swapped kernel */
} tconv_formulation;

/* Convolution on host arrays in C order, accumulated in double. y_dims must equal what
 * tconv_conv_output_shape() gives; bias may be NULL. Single-threaded, no allocation. */
TCONV_API tconv_status tconv_reference_conv(const tconv_params *params, const int64_t *x_dims,
                                            const float *x, const int64_t *w_dims,
                                            const float *w, const float *bias,
                                            const int64_t *y_dims, float *y);
/* Transposed convolution on host arrays by `formulation`, accumulated in double. The
 * scatter and zero-insertion formulations allocate a double-precision scratch array and may
 * return OUT_OF_MEMORY. */
TCONV_API tconv_status tconv_reference_transpose(const tconv_params *params,
                                                 tconv_formulation formulation,
                                                 const int64_t *x_dims, const float *x,
                                                 const int64_t *w_dims, const float *w,
                                                 const float *bias, const int64_t *y_dims,
                                                 float *y);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_H */
