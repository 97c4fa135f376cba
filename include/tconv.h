/*
 * tconv.h - transposed and strided convolution on NVIDIA GPUs, with a CPU reference.
 *
 * Overview
 * --------
 * tconv computes two operations on float32, float16 or bfloat16 tensors whose dims are
 * (N, C, W), (N, C, H, W) or (N, C, D, H, W), stored channels-first or channels-last (see
 * "tensors" below; accumulation is in FP32 or better, the output rounded once):
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
 * Conventions: every function that can fail returns a tconv_status. Arguments come in one
 * order: the context (or the object the call changes) first, then the inputs, then the
 * out-parameters - what the call returns through pointers: a handle, a size, a count, a
 * caller's array followed by its capacity. Tensor descriptors are inputs, always in the order
 * x, w, bias, y (y describes where the result goes; the call writes y's memory, not the
 * descriptor). On failure a call writes nothing to its out-parameters, except that the
 * constructors (tconv_context_create, tconv_buffer_create, tconv_buffer_wrap) set the handle
 * to NULL, and records a sentence naming the offending parameter, readable with
 * tconv_context_last_error() (per context) and tconv_last_error() (per thread). The library
 * never prints, exits or aborts. Dims and element counts are int64_t; byte sizes and byte
 * offsets are size_t.
 *
 * Enums: every enum but tconv_status, tconv_op and tconv_formulation is written once, as a
 * list TCONV_<TYPE>_LIST(X) of X(NAME, name, value) entries. The header makes the constants
 * from it (TCONV_<TYPE>_NAME = value; TCONV_PADDING_NAME for the padding modes,
 * TCONV_OUTPUT_SIZE_NAME for the output size rules) and TCONV_<TYPE>_COUNT, the number of
 * values, which run from 0 to TCONV_<TYPE>_COUNT - 1; the library makes the names:
 * tconv_<type>_name() gives the lower-case `name` (NULL for a value out of range),
 * tconv_<type>_from_name() reads it back (INVALID_ARGUMENT, with the valid names in the last
 * error, for any other text), and the command-line tool takes the same names. Sentences name
 * an invalid value by the constants ("auto_pad 7 is not NOTSET (0), VALID (1), SAME_UPPER (2)
 * or SAME_LOWER (3)"). Append only: the values are part of the ABI.
 *
 * Threads: a context must not be used by two threads at once; distinct contexts may be used
 * concurrently. Functions that take no context are thread-safe.
 *
 * Synchronisation on the CUDA backend. Work is queued on the context's stream and the host
 * waits only where said: upload, download, tconv_context_synchronize(), tconv_find_algo()
 * and verify mode wait for the context's stream (not the device). Buffers are allocated and
 * freed in the order of the context's stream (cudaMallocAsync / cudaFreeAsync), so neither
 * waits (an allocation that fails for lack of memory waits for the context's stream, which
 * may hold freed memory, and tries once more); on a device without memory pools
 * (cudaDevAttrMemoryPoolsSupported = 0) they use cudaMalloc / cudaFree, and cudaFree waits
 * for the whole device. Two calls wait for the whole device, every stream of every thread and
 * library on it: tconv_context_destroy() (cublasDestroy does, as cuBLAS documents), and
 * context creation may (it creates the device's primary context when the process has none,
 * and the cuBLAS handle). Create contexts once, not per call.
 *
 * A lost device. A kernel fault on a device (an illegal address, say from a pointer freed
 * behind the library's back) corrupts that device's CUDA context for the whole process: from
 * then on every call that reaches the device - through any context of the process, and
 * creating new ones - returns TCONV_STATUS_DEVICE_LOST, and the last error names the fault
 * and says the device is lost. Nothing brings it back but ending the process; other
 * processes, and other devices of this one, are not affected.
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
#define TCONV_VERSION_NUMBER                                                                       \
  (TCONV_VERSION_MAJOR * 10000 + TCONV_VERSION_MINOR * 100 + TCONV_VERSION_PATCH)
#define TCONV_STRINGIFY_(x) #x
#define TCONV_STRINGIFY(x) TCONV_STRINGIFY_(x)
#define TCONV_VERSION_STRING                                                                       \
  TCONV_STRINGIFY(TCONV_VERSION_MAJOR)                                                             \
  "." TCONV_STRINGIFY(TCONV_VERSION_MINOR) "." TCONV_STRINGIFY(TCONV_VERSION_PATCH)

/* Returns TCONV_VERSION_NUMBER of the library actually linked. */
TCONV_API unsigned tconv_version_number(void);
/* Returns "MAJOR.MINOR.PATCH" of the library actually linked. */
TCONV_API const char *tconv_version_string(void);

/* One entry of a TCONV_<TYPE>_LIST, counted (for TCONV_<TYPE>_COUNT). */
#define TCONV_COUNT_ONE_(NAME, name, value) +1

/* ---- status codes ------------------------------------------------------------------- */

/* X(name, message). Append only: the numeric values are part of the ABI. */
#define TCONV_STATUS_LIST(X)                                                                       \
  X(OK, "success")                                                                                 \
  X(INVALID_ARGUMENT, "invalid argument")                                                          \
  X(SHAPE_MISMATCH, "tensor shapes do not match")                                                  \
  X(UNSUPPORTED, "unsupported combination of parameters, algorithm or backend")                    \
  X(OUT_OF_MEMORY, "out of memory")                                                                \
  X(NO_DEVICE, "no usable CUDA device")                                                            \
  X(CUDA_ERROR, "CUDA runtime error")                                                              \
  X(CUBLAS_ERROR, "cuBLAS error")                                                                  \
  X(SIZE_OVERFLOW, "size does not fit in 64-bit arithmetic")                                       \
  X(INTERNAL, "internal error")                                                                    \
  X(VERIFY_MISMATCH, "result differs from the CPU reference (verify mode)")                        \
  X(DEVICE_LOST, "CUDA device lost to this process (a device fault); restart the process")

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

/* Where a context computes.
 *   AUTO  CUDA when a device is usable, else CPU (a context's backend is never AUTO)
 *   CPU   the CPU algorithms (CPU_IGEMM, CPU_DIRECT) and the reference; buffers live in host
 *         memory
 *   CUDA  CUDA kernels; buffers live in device memory */
#define TCONV_BACKEND_LIST(X)                                                                      \
  X(AUTO, "auto", 0)                                                                               \
  X(CPU, "cpu", 1)                                                                                 \
  X(CUDA, "cuda", 2)

typedef enum tconv_backend {
#define TCONV_BACKEND_ENUM_(NAME, name, value) TCONV_BACKEND_##NAME = value,
  TCONV_BACKEND_LIST(TCONV_BACKEND_ENUM_)
#undef TCONV_BACKEND_ENUM_
} tconv_backend;
#define TCONV_BACKEND_COUNT (0 TCONV_BACKEND_LIST(TCONV_COUNT_ONE_))
/* "auto", "cpu", "cuda"; NULL when out of range. */
TCONV_API const char *tconv_backend_name(tconv_backend backend);
/* The backend named `name` into *backend; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_backend_from_name(const char *name, tconv_backend *backend);

typedef struct tconv_context tconv_context;

/* Calls on a CUDA context make its device the calling thread's current CUDA device and leave
 * it so; code that mixes devices on one thread sets its own device again after them. No call
 * touches a device other than its context's: creating a context on device 1 does not create
 * device 0's primary context, even on a thread that never chose a device.
 *
 * Creates a context on `backend` and writes its handle to *ctx (NULL on failure). `device`
 * is the CUDA device index for CUDA and AUTO (INVALID_ARGUMENT when negative); the CPU
 * backend has only device 0 and refuses any other index (INVALID_ARGUMENT). Returns
 * NO_DEVICE when CUDA is requested but not usable (not compiled in, no driver, no device,
 * index out of range), with the runtime's reason in tconv_last_error(); DEVICE_LOST when the
 * device faulted earlier in this process. With AUTO, a CUDA failure falls back to the CPU
 * (device 0), and the reason stays readable via tconv_context_last_error(). A CUDA context
 * owns a cuBLAS handle, made here (not in the first forward call), with a workspace of its
 * own on the device (32 MiB from Hopper on, 4 MiB before). cuBLAS is not linked: the first
 * CUDA context of the process loads it (libcublas.so of the toolkit's major version), and
 * CUBLAS_ERROR, with the loader's sentence, says it could not be. */
TCONV_API tconv_status tconv_context_create(tconv_backend backend, int device, tconv_context **ctx);
/* Releases the context, with the threads and the scratch memory its CPU calls keep for reuse.
 * Buffers created in it must be destroyed first. NULL is fine. On the CUDA backend this
 * waits for the whole device (cublasDestroy does). */
TCONV_API void tconv_context_destroy(tconv_context *ctx);
/* The backend actually in use (never AUTO); CPU for NULL. */
TCONV_API tconv_backend tconv_context_backend(const tconv_context *ctx);
/* The CUDA device index in use; 0 on the CPU backend and for NULL. */
TCONV_API int tconv_context_device(const tconv_context *ctx);
/* Sets the cudaStream_t (passed as void *) on which computations are queued; it must belong
 * to the context's device. NULL is CUDA's default stream as the library was compiled: the
 * legacy default stream (which waits for, and is waited for by, every blocking stream of the
 * device), or the per-thread default stream in a build with nvcc --default-stream per-thread;
 * pass cudaStreamPerThread or cudaStreamLegacy to choose explicitly. The new stream waits (on
 * the device, the host does not) for everything already queued on the old one, so the
 * context's work stays in order and its cuBLAS handle is never on two streams at once; the
 * old stream must therefore still exist: set another before destroying it. On the CPU backend
 * only NULL is accepted. */
TCONV_API tconv_status tconv_context_set_stream(tconv_context *ctx, void *stream);
/* The stream set by tconv_context_set_stream() (NULL by default). */
TCONV_API void *tconv_context_stream(const tconv_context *ctx);
/* Waits for all work queued on the context's stream; reports asynchronous CUDA errors. */
TCONV_API tconv_status tconv_context_synchronize(tconv_context *ctx);
/* The sentence recorded by this context's last failing call, or by AUTO's fallback to the
 * CPU; empty string when none ("context is NULL" for NULL). Valid until the next call on the
 * context. */
TCONV_API const char *tconv_context_last_error(const tconv_context *ctx);
/* Verify mode, for CI on GPU runners: after every forward call the context synchronizes,
 * recomputes the result on the host with the CPU reference (on the CPU backend, whose
 * REFERENCE algorithm is that reference: with a second formulation - scatter for the
 * transposed convolution, a second run for the convolution) and compares. float32 tensors with
 * STRICT math: when max|y - ref| > tolerance * max(max|ref|, 1e-30) over the elements finite in
 * both, or when they differ in an element that is not finite in one of them (a NaN matches a NaN,
 * an infinity only the same infinity), the call returns VERIFY_MISMATCH. float16, bfloat16 and TF32
 * calls: every element is held to the per-element rule of the reference section
 * (TCONV_TOLERANCE_*), whatever `tolerance` says. The last error names the worst element: its flat
 * (memory) index, its N/C/spatial coordinates, the value and the reference value. y keeps the
 * computed (wrong) result. `enabled` is 0 or 1 and `tolerance` not NaN (else INVALID_ARGUMENT);
 * `tolerance` <= 0 selects the documented default 1e-5 (the float32 tolerance against the double
 * reference). Costs a host copy of x, w, bias and y and a reference computation per call: for
 * tests, not production. Also enabled for every new context by the environment variable
 * TCONV_VERIFY=1. */
TCONV_API tconv_status tconv_context_set_verify(tconv_context *ctx, int enabled, double tolerance);
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

/* Whether CUDA device 0 is usable, without creating a tconv context (the probe does make
 * device 0's primary CUDA context, as creating a context on it would): OK, or NO_DEVICE
 * (DEVICE_LOST when the device faulted earlier in this process) with the reason written to
 * `reason` (up to `reason_size` bytes, NUL-terminated; may be NULL). Nothing is written on
 * OK, and no last error is recorded. */
TCONV_API tconv_status tconv_cuda_probe(char *reason, size_t reason_size);

/* ---- buffers ------------------------------------------------------------------------ */

typedef struct tconv_buffer tconv_buffer;

/* Allocates `bytes` (>= 1) of memory on the context's backend (device memory for CUDA) and
 * writes the handle to *buffer (NULL on failure). The contents are undefined. Returns
 * OUT_OF_MEMORY when the allocation fails. On CUDA the
 * allocation is ordered on the context's stream: the context's calls may use it at once;
 * other streams and the host, once that stream has reached it (tconv_context_synchronize(),
 * or an event recorded on it; an upload or download has waited for it already). Such memory
 * comes from the device's default memory pool, which legacy IPC (cudaIpcGetMemHandle) cannot
 * share: wrap memory of your own for that. */
TCONV_API tconv_status tconv_buffer_create(tconv_context *ctx, size_t bytes, tconv_buffer **buffer);
/* Wraps memory the caller owns (a device pointer on CUDA, a host pointer on CPU) of
 * `bytes` bytes and writes the handle to *buffer (NULL on failure); tconv_buffer_destroy()
 * will not free the memory. On CUDA every byte of the range is
 * checked (cudaPointerGetAttributes, allocation by allocation) to be device memory of the
 * context's device, or managed memory it can use; pinned host memory, another device's
 * memory, ordinary host memory and freed memory are refused with INVALID_ARGUMENT and a
 * sentence saying which, and so is a range that runs past its allocation into memory that is
 * not. (Memory freed after wrapping cannot be detected: a kernel would fault on it, and the
 * device would be lost, see above.) Tensors in different buffers that share bytes are
 * refused by the forward calls, whichever buffers they are in. */
TCONV_API tconv_status tconv_buffer_wrap(tconv_context *ctx, void *data, size_t bytes,
                                         tconv_buffer **buffer);
/* Releases the buffer (and its memory unless wrapped). NULL is fine. On CUDA the memory is
 * freed in the order of the context's stream: work queued there may still use it; work on
 * other streams that uses it must be complete (or ordered before the context's stream) first. */
TCONV_API void tconv_buffer_destroy(tconv_buffer *buffer);
/* Copies `bytes` from host memory `src` into the buffer at byte `offset`. Returns when the
 * copy is complete, after all work queued earlier on the context's stream. */
TCONV_API tconv_status tconv_buffer_upload(tconv_context *ctx, tconv_buffer *buffer, size_t offset,
                                           const void *src, size_t bytes);
/* Copies `bytes` from the buffer at byte `offset` into host memory `dst`. Returns when the
 * copy is complete, after all work queued earlier on the context's stream. */
TCONV_API tconv_status tconv_buffer_download(tconv_context *ctx, const tconv_buffer *buffer,
                                             size_t offset, void *dst, size_t bytes);
/* The buffer's memory (device pointer on CUDA) and size in bytes. */
TCONV_API void *tconv_buffer_data(const tconv_buffer *buffer);
TCONV_API size_t tconv_buffer_size(const tconv_buffer *buffer);

/* ---- tensors ------------------------------------------------------------------------ */

#define TCONV_MAX_RANK 5 /* N, C and up to three spatial dimensions */
#define TCONV_MAX_SPATIAL 3

/* Element types. x, w, bias and y of one call share one dtype (INVALID_ARGUMENT otherwise).
 * Whatever the dtype, products are summed in FP32 or better and the output is rounded once,
 * to nearest with ties to even.
 *   FLOAT32   IEEE binary32
 *   FLOAT16   IEEE binary16 (half): 5 exponent, 10 mantissa bits
 *   BFLOAT16  bfloat16: float32's top 16 bits (8 exponent, 7 mantissa) */
#define TCONV_DTYPE_LIST(X)                                                                        \
  X(FLOAT32, "float32", 0)                                                                         \
  X(FLOAT16, "float16", 1)                                                                         \
  X(BFLOAT16, "bfloat16", 2)

typedef enum tconv_dtype {
#define TCONV_DTYPE_ENUM_(NAME, name, value) TCONV_DTYPE_##NAME = value,
  TCONV_DTYPE_LIST(TCONV_DTYPE_ENUM_)
#undef TCONV_DTYPE_ENUM_
} tconv_dtype;
#define TCONV_DTYPE_COUNT (0 TCONV_DTYPE_LIST(TCONV_COUNT_ONE_))
/* "float32", "float16", "bfloat16"; NULL when out of range. */
TCONV_API const char *tconv_dtype_name(tconv_dtype dtype);
/* The dtype named `name` into *dtype; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_dtype_from_name(const char *name, tconv_dtype *dtype);
/* Bytes per element: 4, 2, 2; 0 for a value that is not a tconv_dtype. */
TCONV_API size_t tconv_dtype_size(tconv_dtype dtype);

/* How a tensor's elements lie in memory. The dims are always the logical ones, (N, C,
 * spatial...) for data and PyTorch's (Cout, Cin/g, k...) / (Cin, Cout/g, k...) for weights,
 * as PyTorch's .shape reports them whatever the memory format; the layout says where each
 * element is. Chosen per tensor.
 *   NCHW  channels first, C order over the dims: PyTorch's torch.contiguous_format.
 *         Data (N, C, spatial...); conv weights (Cout, Cin/g, k...); transposed
 *         (Cin, Cout/g, k...).
 *   NHWC  channels last: PyTorch's torch.channels_last (rank 4) / torch.channels_last_3d
 *         (rank 5) memory format, and the same rule at rank 3 - the channel dimension
 *         moves innermost. In memory: data (N, spatial..., C); conv weights
 *         (Cout, k..., Cin/g); transposed weights (Cin, k..., Cout/g). A bias (rank 1) is
 *         the same in both. */
#define TCONV_LAYOUT_LIST(X)                                                                       \
  X(NCHW, "nchw", 0)                                                                               \
  X(NHWC, "nhwc", 1)

typedef enum tconv_layout {
#define TCONV_LAYOUT_ENUM_(NAME, name, value) TCONV_LAYOUT_##NAME = value,
  TCONV_LAYOUT_LIST(TCONV_LAYOUT_ENUM_)
#undef TCONV_LAYOUT_ENUM_
} tconv_layout;
#define TCONV_LAYOUT_COUNT (0 TCONV_LAYOUT_LIST(TCONV_COUNT_ONE_))
/* "nchw", "nhwc"; NULL when out of range. */
TCONV_API const char *tconv_layout_name(tconv_layout layout);
/* The layout named `name` into *layout; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_layout_from_name(const char *name, tconv_layout *layout);

/* A dense tensor stored in a buffer. Data tensors have rank 3-5; a bias has rank 1. */
typedef struct tconv_tensor {
  int rank;                     /* number of dimensions */
  int64_t dims[TCONV_MAX_RANK]; /* logical sizes, (N, C, spatial...) or the weight's
                                   PyTorch shape; entries past rank unused */
  tconv_dtype dtype;            /* element type; one per call */
  tconv_layout layout;          /* memory order of the elements */
  tconv_buffer *buffer;         /* where the data lives */
  size_t offset;                /* byte offset of element 0 in the buffer; a multiple of the
                                   element size (tconv_dtype_size) */
} tconv_tensor;

/* A float32 NCHW tensor of `rank` dimensions `dims` at byte `offset` of `buffer`. Dims
 * past `rank` are set to 0. (Does not validate: the forward calls do.) */
TCONV_API tconv_tensor tconv_tensor_make(tconv_buffer *buffer, size_t offset, int rank,
                                         const int64_t *dims);
/* The same with the element type and layout given. (Does not validate either.) */
TCONV_API tconv_tensor tconv_tensor_make_typed(tconv_buffer *buffer, size_t offset, int rank,
                                               const int64_t *dims, tconv_dtype dtype,
                                               tconv_layout layout);

/* ---- convolution parameters --------------------------------------------------------- */

/* How the padding is chosen (ONNX's auto_pad). With anything but NOTSET, pad_begin and
 * pad_end must be 0: the library computes them.
 *   convolution  SAME_*: o = ceil(i / s), total padding max((o - 1)*s + ke - i, 0)
 *   transposed   SAME_*: o = i * s,      total padding s*(i - 1) + op + ke - o
 * SAME_UPPER puts the smaller half at the begin, SAME_LOWER the larger. VALID: no padding.
 * A negative total (transposed, e.g. k < s) follows ONNX's shape inference, o = i * s: the
 * pads are 0 and the output extends at the end by the missing positions, which no input
 * reaches (they hold the bias). NOTSET (the default): the explicit pad_begin / pad_end. */
#define TCONV_AUTO_PAD_LIST(X)                                                                     \
  X(NOTSET, "notset", 0)                                                                           \
  X(VALID, "valid", 1)                                                                             \
  X(SAME_UPPER, "same_upper", 2)                                                                   \
  X(SAME_LOWER, "same_lower", 3)

typedef enum tconv_auto_pad {
#define TCONV_AUTO_PAD_ENUM_(NAME, name, value) TCONV_AUTO_PAD_##NAME = value,
  TCONV_AUTO_PAD_LIST(TCONV_AUTO_PAD_ENUM_)
#undef TCONV_AUTO_PAD_ENUM_
} tconv_auto_pad;
#define TCONV_AUTO_PAD_COUNT (0 TCONV_AUTO_PAD_LIST(TCONV_COUNT_ONE_))
/* "notset", "valid", "same_upper", "same_lower"; NULL when out of range. */
TCONV_API const char *tconv_auto_pad_name(tconv_auto_pad auto_pad);
/* The auto pad named `name` into *auto_pad; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_auto_pad_from_name(const char *name, tconv_auto_pad *auto_pad);

/* How an explicit transposed output size (tconv_params.output_size) is reached.
 *   PYTORCH  output_size must lie in [omin, omin + s - 1] with omin the size at
 *            output_padding 0; the difference becomes output_padding (which must be 0);
 *            auto_pad must be NOTSET.
 *   ONNX     output_shape: total padding s*(i - 1) + op + ke - o, split as auto_pad says
 *            (SAME_UPPER: smaller half at the begin; NOTSET or SAME_LOWER: larger half at
 *            the begin, ONNX's text; VALID is refused); pad_begin / pad_end must be 0; a
 *            negative total extends the output at the end as for auto_pad. */
#define TCONV_OUTPUT_SIZE_RULE_LIST(X)                                                             \
  X(PYTORCH, "pytorch", 0)                                                                         \
  X(ONNX, "onnx", 1)

typedef enum tconv_output_size_rule {
#define TCONV_OUTPUT_SIZE_RULE_ENUM_(NAME, name, value) TCONV_OUTPUT_SIZE_##NAME = value,
  TCONV_OUTPUT_SIZE_RULE_LIST(TCONV_OUTPUT_SIZE_RULE_ENUM_)
#undef TCONV_OUTPUT_SIZE_RULE_ENUM_
} tconv_output_size_rule;
#define TCONV_OUTPUT_SIZE_RULE_COUNT (0 TCONV_OUTPUT_SIZE_RULE_LIST(TCONV_COUNT_ONE_))
/* "pytorch", "onnx"; NULL when out of range. */
TCONV_API const char *tconv_output_size_rule_name(tconv_output_size_rule rule);
/* The output size rule named `name` into *rule; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_output_size_rule_from_name(const char *name,
                                                        tconv_output_size_rule *rule);

/* What the padded region holds.
 *   convolution  ZEROS; REFLECT (mirror without repeating the edge, pad < i); REPLICATE
 *                (the edge value); CIRCULAR (wrap around, pad <= i) - PyTorch's semantics.
 *   transposed   ZEROS; CIRCULAR: the adjoint of the circular convolution - every product
 *                x[t] w[j] lands on output (t*s + j*d - pb) mod o, so contributions that
 *                fall off one end wrap around to the other (periodic signals). REFLECT and
 *                REPLICATE are refused (UNSUPPORTED). */
#define TCONV_PADDING_MODE_LIST(X)                                                                 \
  X(ZEROS, "zeros", 0)                                                                             \
  X(REFLECT, "reflect", 1)                                                                         \
  X(REPLICATE, "replicate", 2)                                                                     \
  X(CIRCULAR, "circular", 3)

typedef enum tconv_padding_mode {
#define TCONV_PADDING_MODE_ENUM_(NAME, name, value) TCONV_PADDING_##NAME = value,
  TCONV_PADDING_MODE_LIST(TCONV_PADDING_MODE_ENUM_)
#undef TCONV_PADDING_MODE_ENUM_
} tconv_padding_mode;
#define TCONV_PADDING_MODE_COUNT (0 TCONV_PADDING_MODE_LIST(TCONV_COUNT_ONE_))
/* "zeros", "reflect", "replicate", "circular"; NULL when out of range. */
TCONV_API const char *tconv_padding_mode_name(tconv_padding_mode mode);
/* The padding mode named `name` into *mode; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_padding_mode_from_name(const char *name, tconv_padding_mode *mode);

/* What the arithmetic may do (tconv_params.math), per call.
 *   STRICT  FP32 fused multiply-adds on CUDA cores for float32 tensors: bitwise
 *           reproducible, the float32 tolerance. The default.
 *   TF32    float32 tensors may go through tensor cores, which read x and w with 10
 *           explicit mantissa bits (TF32) and accumulate in FP32 - cuDNN's default math on
 *           Hopper. The results are held to the TF32 tolerance (see the reference section).
 * float16 and bfloat16 tensors use tensor cores wherever the algorithm has them in either
 * mode: their products are exact in FP32, so STRICT and TF32 promise the same for them.
 * Algorithms without tensor cores (the CPU ones, DIRECT, DEPTHWISE, IGEMM) compute TF32
 * calls as STRICT or refuse them through the supports query; the reference is exact in both. */
#define TCONV_MATH_LIST(X)                                                                         \
  X(STRICT, "strict", 0)                                                                           \
  X(TF32, "tf32", 1)

typedef enum tconv_math {
#define TCONV_MATH_ENUM_(NAME, name, value) TCONV_MATH_##NAME = value,
  TCONV_MATH_LIST(TCONV_MATH_ENUM_)
#undef TCONV_MATH_ENUM_
} tconv_math;
#define TCONV_MATH_COUNT (0 TCONV_MATH_LIST(TCONV_COUNT_ONE_))
/* "strict", "tf32"; NULL when out of range. */
TCONV_API const char *tconv_math_name(tconv_math math);
/* The math named `name` into *math; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_math_from_name(const char *name, tconv_math *math);

/* Applied to every output element v after the bias (alpha, beta: tconv_params'
 * activation_alpha / activation_beta, 0 where not used).
 *   NONE        v
 *   RELU        max(v, 0)
 *   LEAKY_RELU  v >= 0 ? v : alpha * v   (alpha finite)
 *   SIGMOID     1 / (1 + exp(-v))
 *   TANH        tanh(v)
 *   CLAMP       min(max(v, alpha), beta), alpha <= beta */
#define TCONV_ACTIVATION_LIST(X)                                                                   \
  X(NONE, "none", 0)                                                                               \
  X(RELU, "relu", 1)                                                                               \
  X(LEAKY_RELU, "leaky_relu", 2)                                                                   \
  X(SIGMOID, "sigmoid", 3)                                                                         \
  X(TANH, "tanh", 4)                                                                               \
  X(CLAMP, "clamp", 5)

typedef enum tconv_activation {
#define TCONV_ACTIVATION_ENUM_(NAME, name, value) TCONV_ACTIVATION_##NAME = value,
  TCONV_ACTIVATION_LIST(TCONV_ACTIVATION_ENUM_)
#undef TCONV_ACTIVATION_ENUM_
} tconv_activation;
#define TCONV_ACTIVATION_COUNT (0 TCONV_ACTIVATION_LIST(TCONV_COUNT_ONE_))
/* "none", "relu", "leaky_relu", "sigmoid", "tanh", "clamp"; NULL when out of range. */
TCONV_API const char *tconv_activation_name(tconv_activation activation);
/* The activation named `name` into *activation; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_activation_from_name(const char *name, tconv_activation *activation);

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
  tconv_math math;                           /* STRICT by default; TF32 lets float32 tensors
                                                use tensor cores (see tconv_math) */
} tconv_params;

/* stride 1, dilation 1, no padding, no output_padding, groups 1, auto_pad NOTSET, no
 * output_size, zero padding, no activation, STRICT math. */
TCONV_API tconv_params tconv_params_default(int spatial_rank);
/* Sets every dimension's stride, dilation, symmetric padding and output_padding at once
 * (all TCONV_MAX_SPATIAL entries). NULL params: nothing. */
TCONV_API void tconv_params_set_uniform(tconv_params *params, int64_t stride, int64_t padding,
                                        int64_t dilation, int64_t output_padding);

/* ---- shape queries ------------------------------------------------------------------ */

/* Given x's and w's dims (each of rank spatial_rank + 2), validates the parameters and
 * writes y's dims (rank spatial_rank + 2) to y_dims. */
TCONV_API tconv_status tconv_conv_output_shape(const tconv_params *params, const int64_t *x_dims,
                                               const int64_t *w_dims, int64_t *y_dims);
TCONV_API tconv_status tconv_transpose_output_shape(const tconv_params *params,
                                                    const int64_t *x_dims, const int64_t *w_dims,
                                                    int64_t *y_dims);

/* ---- forward computations ----------------------------------------------------------- */

/* Algorithms. Every one is deterministic: the same inputs give the same bits on every run
 * and on every stream (no atomics; each output element is summed in a fixed order). GEMM
 * inherits cuBLAS's own guarantee (same toolkit, GPU model and SM count), which holds because
 * the context's cuBLAS handle has its own workspace and runs on one stream at a time (a
 * stream change waits for the old stream), and because its calls depend on the problem
 * alone, not on the size of the workspace passed. DIRECT, DEPTHWISE and GEMM take every
 * dtype, layout and math; IGEMM float32 channels-first tensors under STRICT math only;
 * IGEMM_TC float16 and bfloat16, and float32 under TF32 math (the supports query says why
 * for the rest).
 *   AUTO       the backend's best choice by a heuristic; needs no workspace (or the winner
 *              tconv_find_algo() cached for this problem, when the workspace passed is large
 *              enough for it)
 *   DIRECT     CUDA: one thread per output element, gather, FP32 arithmetic; takes every
 *              problem
 *   REFERENCE  CPU: the reference loop nest (gather formulation); every dtype and layout
 *   IGEMM      CUDA: implicit GEMM in shared-memory tiles, FP32 FFMA, zero padding only. The
 *              transposed convolution runs it once per output phase: the s^rank phases are
 *              dense stride-1 convolutions with about ceil(k/s) taps per axis, so no
 *              inserted zero is multiplied
 *   GEMM       CUDA: cuBLAS GEMM. float32 STRICT: SGEMM in strict FP32 (cuBLAS's pedantic
 *              math, which no environment variable turns into TF32); float32 TF32:
 *              COMPUTE_32F_FAST_TF32; float16 and bfloat16: 16-bit operands, FP32 results
 *              (COMPUTE_32F). Convolution = im2col + GEMM;
 *              transposed = GEMM (w^T x into columns) + a gather col2im. Needs workspace;
 *              chunks the batch to bound it (512 MiB of columns per chunk, at least one
 *              image) and cuts batches of more than 64512 matrices into several cuBLAS calls
 *   DEPTHWISE  CUDA: groups with one input and one output channel per group (depthwise,
 *              e.g. bilinear upsampling)
 *   CPU_IGEMM  CPU: implicit GEMM over packed panels with a vectorised micro-kernel (AVX-512,
 *              AVX2 + FMA or portable, chosen at run time), multithreaded; the transposed
 *              convolution per output phase, as IGEMM. FP32 accumulation in a fixed order:
 *              the same bits for every thread count, and the same as CPU_DIRECT. float32
 *              channels-first tensors only
 *   CPU_DIRECT CPU: one output channel at a time, rows of outputs held in vector registers;
 *              for depthwise and narrow problems. float32 channels-first tensors only
 *   IGEMM_TC   CUDA: IGEMM's implicit GEMM on tensor cores (mma.sync), FP32 accumulation:
 *              float16 and bfloat16 under either math, float32 under TF32 math only; every
 *              layout; zero padding only, at most 64 kernel taps per output phase */
#define TCONV_ALGO_LIST(X)                                                                         \
  X(AUTO, "auto", 0)                                                                               \
  X(DIRECT, "direct", 1)                                                                           \
  X(REFERENCE, "reference", 2)                                                                     \
  X(IGEMM, "igemm", 3)                                                                             \
  X(GEMM, "gemm", 4)                                                                               \
  X(DEPTHWISE, "depthwise", 5)                                                                     \
  X(CPU_IGEMM, "cpu_igemm", 6)                                                                     \
  X(CPU_DIRECT, "cpu_direct", 7)                                                                   \
  X(IGEMM_TC, "igemm_tc", 8)

typedef enum tconv_algo {
#define TCONV_ALGO_ENUM_(NAME, name, value) TCONV_ALGO_##NAME = value,
  TCONV_ALGO_LIST(TCONV_ALGO_ENUM_)
#undef TCONV_ALGO_ENUM_
} tconv_algo;
#define TCONV_ALGO_COUNT (0 TCONV_ALGO_LIST(TCONV_COUNT_ONE_))
/* "auto", "direct", "reference", "igemm", "gemm", "depthwise", "cpu_igemm", "cpu_direct",
 * "igemm_tc"; NULL when out of range. */
TCONV_API const char *tconv_algo_name(tconv_algo algo);
/* The algo named `name` into *algo; INVALID_ARGUMENT when none is. */
TCONV_API tconv_status tconv_algo_from_name(const char *name, tconv_algo *algo);

/* y = conv(x, w) (+ bias). x (N, Cin, i...), w (Cout, Cin/g, k...), bias (Cout) or NULL,
 * y (N, Cout, o...) with o from tconv_conv_output_shape(). All tensors in buffers of this
 * context. `workspace` may be NULL when tconv_workspace_size() says 0; an algorithm uses the
 * first tconv_workspace_size() bytes of it and nothing else, so a larger workspace changes
 * neither the result's bits nor its other bytes. Queued on the context's stream (synchronous
 * on the CPU backend). y must not share a byte with x, w or bias, nor the workspace with any
 * tensor, whichever buffers they are in (INVALID_ARGUMENT). */
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

/* The two algorithm queries take the problem as the forward calls do, as tensor
 * descriptors: whether an algorithm takes a problem, and what workspace it needs, depend on
 * the dtype and the layouts as well as on the dims, which a descriptor carries and a dims
 * array does not. A descriptor needs no memory - tconv_tensor_make_typed(NULL, 0, rank,
 * dims, dtype, layout) - so the queries still work before anything is allocated: their
 * buffers and offsets are not read. (The output-shape queries above take dims: their answer
 * depends on the dims alone, and it is what y's descriptor is made from.) x and w give rank,
 * dims, dtype and layout; y likewise, or NULL for the output in x's dtype and layout (then
 * the forward call checks the real y). The dtypes must agree and the values be valid
 * (INVALID_ARGUMENT); y's dims must be the output's (SHAPE_MISMATCH); invalid parameters give
 * their usual status. */

/* Whether `algo` can run this problem on ctx's backend: OK, or UNSUPPORTED with the reason
 * in the last error ("transposed conv: algorithm igemm does not take this problem: padding
 * mode reflect is not supported (zeros only); use direct"). AUTO: OK when what AUTO would
 * run without a workspace (a cached tconv_find_algo() winner that needs none, else the
 * heuristic's choice) takes the problem: on the CPU backend always, on CUDA every float32
 * channels-first STRICT problem. */
TCONV_API tconv_status tconv_algo_supported(tconv_context *ctx, tconv_op op,
                                            const tconv_params *params, const tconv_tensor *x,
                                            const tconv_tensor *w, const tconv_tensor *y,
                                            tconv_algo algo);
/* Bytes of workspace `algo` needs for this problem into *bytes (0 for AUTO, DIRECT,
 * REFERENCE, IGEMM and DEPTHWISE). UNSUPPORTED, with the reason, when `algo` cannot take the
 * problem on ctx's backend (as tconv_algo_supported says). */
TCONV_API tconv_status tconv_workspace_size(tconv_context *ctx, tconv_op op,
                                            const tconv_params *params, const tconv_tensor *x,
                                            const tconv_tensor *w, const tconv_tensor *y,
                                            tconv_algo algo, size_t *bytes);

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
TCONV_API tconv_status tconv_find_algo(tconv_context *ctx, tconv_op op, const tconv_params *params,
                                       const tconv_tensor *x, const tconv_tensor *w,
                                       const tconv_tensor *bias, const tconv_tensor *y,
                                       tconv_buffer *workspace, tconv_algo_perf *results,
                                       int capacity, int *count);

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

/* Convolution on float32 channels-first host arrays, accumulated in double. y_dims must equal
 * what tconv_conv_output_shape() gives; bias may be NULL. Single-threaded, no allocation. */
TCONV_API tconv_status tconv_reference_conv(const tconv_params *params, const int64_t *x_dims,
                                            const float *x, const int64_t *w_dims, const float *w,
                                            const float *bias, const int64_t *y_dims, float *y);
/* Transposed convolution on float32 channels-first host arrays by `formulation`, accumulated
 * in double. The scatter and zero-insertion formulations allocate scratch arrays and may
 * return OUT_OF_MEMORY. */
TCONV_API tconv_status tconv_reference_transpose(const tconv_params *params,
                                                 tconv_formulation formulation,
                                                 const int64_t *x_dims, const float *x,
                                                 const int64_t *w_dims, const float *w,
                                                 const float *bias, const int64_t *y_dims,
                                                 float *y);

/* The same two on host arrays of any dtype and layouts: x, w, bias and y hold `dtype`
 * elements (float, or uint16_t bit patterns for FLOAT16 / BFLOAT16), x, w and y each in its
 * own layout (the dims are the logical ones; a bias is a plain vector). Every element is
 * converted exactly to double, the sums are in double, and each output is rounded once to
 * `dtype`, to nearest with ties to even. params->math is checked but does not change the
 * result: the reference is the exact answer both math modes aim at. */
TCONV_API tconv_status tconv_reference_conv_typed(const tconv_params *params, tconv_dtype dtype,
                                                  tconv_layout x_layout, const int64_t *x_dims,
                                                  const void *x, tconv_layout w_layout,
                                                  const int64_t *w_dims, const void *w,
                                                  const void *bias, tconv_layout y_layout,
                                                  const int64_t *y_dims, void *y);
TCONV_API tconv_status tconv_reference_transpose_typed(
    const tconv_params *params, tconv_formulation formulation, tconv_dtype dtype,
    tconv_layout x_layout, const int64_t *x_dims, const void *x, tconv_layout w_layout,
    const int64_t *w_dims, const void *w, const void *bias, tconv_layout y_layout,
    const int64_t *y_dims, void *y);

/* Tolerances (how the tests and verify mode judge a result y against the reference ref,
 * element by element, DESIGN section 6). For float16, bfloat16, and float32 with TF32 math:
 *
 *   |y - ref| <= ulp(ref) + L * c * S   (+ 2^-20 * |ref| after sigmoid or tanh)
 *
 *   ulp(v)  the spacing of the output type at |v| (its subnormal spacing below the smallest
 *           normal): 2^-10 * 2^floor(log2|v|) for float16, 2^-7 * ... for bfloat16,
 *           2^-23 * ... for float32; one ulp covers rounding y and ref once each;
 *   S       |bias| + the sum of |x * w| over the terms of the element's sum;
 *   c       the FP32 accumulation bound TCONV_TOLERANCE_FP32 = 2^-20; with TF32 math on
 *           float32 tensors TCONV_TOLERANCE_TF32 = 2^-9 + 2^-19, which also covers x and w
 *           read with 10 mantissa bits (truncated or rounded);
 *   L       1, or |alpha| for a leaky_relu slope steeper than 1 (the activation's Lipschitz
 *           bound); sigmoid and tanh add their FP32 evaluation error, 2^-20 * |ref|.
 *
 * NaN and infinities must match exactly. float32 with STRICT math keeps the float32 rule:
 * max|y - ref| <= 1e-5 * max|ref| over the tensor (exactly equal on small-integer data). */
#define TCONV_TOLERANCE_FP32 (1.0 / 1048576.0)              /* 2^-20 */
#define TCONV_TOLERANCE_TF32 (1.0 / 512.0 + 1.0 / 524288.0) /* 2^-9 + 2^-19 */

#ifdef __cplusplus
}
#endif

#endif /* TCONV_H */
