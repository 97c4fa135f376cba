/*
 * gemm.cu - the cuBLAS algorithm: convolution = im2col + GEMM (+ bias, activation and the
 * rounding to y's dtype in a small epilogue pass); transposed convolution = GEMM into columns
 * + a gather col2im that adds the bias and applies the activation. The decomposition, every
 * kernel's per-element math and every argument given to cuBLAS are in cuda/gemm.cuh
 * (tests/test_gemm.c runs the same code on the CPU); this file only launches.
 *
 * Storage: every dtype and layout. float32 STRICT runs cublasSgemmStridedBatched_64 (FP32
 * products and sums); float32 TF32 runs cublasGemmStridedBatchedEx_64 with
 * CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores, x and w read with 10 mantissa bits);
 * float16 and bfloat16 run it with 16-bit A and B, an FP32 C and CUBLAS_COMPUTE_32F (exact
 * products, FP32 sums, tensor cores). The element kernels are templates over the element type
 * (float, __half, __nv_bfloat16) and compute in FP32; every output is rounded once.
 *
 * The batch runs in chunks of as many images as TCONV_GEMM_WORKSPACE_CAP (512 MiB) holds
 * columns (and, for a 16-bit convolution, FP32 outputs) for (at least one): the chunk depends
 * on the problem alone, never on the size of the workspace handed in, so a larger workspace
 * changes neither the calls nor the bits, and no byte of it past what tconv_workspace_size()
 * says is touched. Per chunk, the GEMM is issued as strided-batched calls (over the chunk's
 * images, one series per group, or over the groups, one series per image; a series longer
 * than TCONV_GEMM_MAX_BATCH is cut into several calls) through the 64-bit cuBLAS API, so no
 * dimension, leading dimension or stride is ever narrowed to int.
 *
 * cuBLAS is loaded when the first CUDA context is made, not linked (cublas_api.h says why).
 * The cuBLAS handle belongs to the context and is made with it (tconv_cuda_gemm_init):
 * PEDANTIC_MATH, so that neither TF32 tensor cores nor BF16x9 emulation - whatever the
 * environment says (NVIDIA_TF32_OVERRIDE, cuBLAS's emulation variables) - touch strict FP32
 * (the Ex calls name their compute type, which the math mode does not override); atomics
 * disallowed; a workspace of its own (cublasSetWorkspace), so that cuBLAS's kernel choice
 * does not depend on what its internal pool holds. cublasSetStream resets the handle's
 * workspace to that pool, so every use binds the stream and then the workspace again.
 *
 * Determinism: col2im sums each output's column entries in a fixed order (no atomics);
 * cuBLAS gives bitwise-identical results run to run for a given toolkit, GPU and stream
 * configuration with atomics disallowed and a fixed workspace.
 *
 * Thread → element: the three element-wise kernels (im2col: one thread per column element;
 * epilogue: one per y element; col2im: one per output element, in y's memory order) are
 * grid-stride loops over int64 linear indices, consecutive threads on consecutive
 * addresses, one wave of blocks; indices are split with the geometry's dividers, never a
 * 64-bit division.
 *
 * Versions:
 *   v1  naive element kernels, every index decomposed per element.
 *   v2  every dtype (16-bit operands, FP32 results) and layout; TF32 through the compute type.
 */
#include "launch.h"

#include "cublas_api.h"
#include "gemm.cuh"
#include "grid.cuh"

/* The loaded entry points: only called once tconv_cuda_gemm_init has loaded them. */
static const tconv_cublas_api *cublas(void) { return tconv_cublas_load(NULL, 0); }

/* Records the failure of a cuBLAS call and returns its status: OUT_OF_MEMORY for an
 * allocation failure (the caller can handle it like any other), DEVICE_LOST when the device
 * faulted earlier (cuBLAS then reports a generic failure; the stream says what happened),
 * else CUBLAS_ERROR. */
static tconv_status gemm_cublas_fail(tconv_context *ctx, cublasStatus_t status,
                                     const char *statement, const char *file, int line) {
  const cudaError_t device = cudaStreamQuery((cudaStream_t)ctx->stream);
  if (tconv_cuda_sticky(device))
    return tconv_cuda_fail(ctx, device, statement, file, line);
  (void)cudaGetLastError();
  return tconv_fail(ctx,
                    status == CUBLAS_STATUS_ALLOC_FAILED ? TCONV_STATUS_OUT_OF_MEMORY
                                                         : TCONV_STATUS_CUBLAS_ERROR,
                    "%s failed: %s (%s) at %s:%d", statement, cublas()->status_string(status),
                    cublas()->status_name(status), file, line);
}

/* Runs a cuBLAS call; on failure records "<call> failed: <status string> (<status name>) at
 * <file>:<line>" and returns from the enclosing function (gemm_cublas_fail's status). */
#define TCONV_CUBLAS_TRY(ctx, call)                                                                \
  do {                                                                                             \
    cublasStatus_t tconv_cublas_status_ = (call);                                                  \
    if (tconv_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                             \
      return gemm_cublas_fail((ctx), tconv_cublas_status_, #call, __FILE__, __LINE__);             \
  } while (0)

/* cuBLAS's own workspace: the size its documentation recommends, 32 MiB from Hopper on and
 * 4 MiB before. */
#define GEMM_CUBLAS_WORKSPACE_HOPPER ((size_t)32 << 20)
#define GEMM_CUBLAS_WORKSPACE_OLDER ((size_t)4 << 20)

template <class T>
static __global__ void __launch_bounds__(TCONV_GEMM_THREADS)
    gemm_im2col(const tconv_geom g, int64_t n0, int64_t count, const T *__restrict__ x,
                T *__restrict__ col) {
  constexpr int DT = TCONV_DTYPE_OF(T);
  tconv_grid_stride(count, [&](int64_t e) {
    tconv_elem_store(DT, col, e, tconv_im2col_value(&g, DT, x, n0, e));
  });
}

/* The GEMM's FP32 sums `sums` (y itself for float32: read and written in place, hence no
 * __restrict__) into y; both point at the chunk's first output, e runs over the chunk. */
template <class T>
static __global__ void __launch_bounds__(TCONV_GEMM_THREADS)
    gemm_epilogue(const tconv_geom g, int64_t count, const T *__restrict__ bias, const float *sums,
                  T *y) {
  constexpr int DT = TCONV_DTYPE_OF(T);
  tconv_grid_stride(count, [&](int64_t e) {
    tconv_elem_store(DT, y, e, tconv_gemm_epilogue_value(&g, DT, bias, e, sums[e]));
  });
}

/* e runs over the chunk's outputs from image n0; one instantiation per gather, so neither
 * carries the other's registers. */
template <int KIND, class T>
static __device__ __forceinline__ void col2im_body(const tconv_geom &g, int64_t n0, int64_t count,
                                                   const float *__restrict__ col,
                                                   const T *__restrict__ bias, T *__restrict__ y) {
  constexpr int DT = TCONV_DTYPE_OF(T);
  tconv_grid_stride(count, [&](int64_t e) {
    float value;
    int64_t offset;
    tconv_col2im(&g, KIND, DT, col, bias, n0, e, &value, &offset);
    tconv_elem_store(DT, y, offset, value);
  });
}

/* At least one resident block, said explicitly (as in direct.cu: ptxas would otherwise cap
 * the registers for three and spill the gathers to the stack). */
template <class T>
static __global__ void __launch_bounds__(TCONV_GEMM_THREADS, 1)
    gemm_col2im(const tconv_geom g, int64_t n0, int64_t count, const float *__restrict__ col,
                const T *__restrict__ bias, T *__restrict__ y) {
  col2im_body<TCONV_GATHER_TAPS>(g, n0, count, col, bias, y);
}

template <class T>
static __global__ void __launch_bounds__(TCONV_GEMM_THREADS, 1)
    gemm_col2im_circular(const tconv_geom g, int64_t n0, int64_t count,
                         const float *__restrict__ col, const T *__restrict__ bias,
                         T *__restrict__ y) {
  col2im_body<TCONV_GATHER_CIRCULAR>(g, n0, count, col, bias, y);
}

/* Strict FP32 whatever the environment: PEDANTIC_MATH runs SGEMM with FP32 products and FP32
 * accumulation and, unlike DEFAULT_MATH, lets no environment variable switch on TF32 tensor
 * cores or BF16x9 emulation, either of which would break the 1e-5 contract. Atomics are
 * disallowed: routines that may use them are then not reproducible. */
static tconv_status gemm_configure(tconv_context *ctx, cublasHandle_t h) {
  TCONV_CUBLAS_TRY(ctx, cublas()->set_math_mode(h, CUBLAS_PEDANTIC_MATH));
  TCONV_CUBLAS_TRY(ctx, cublas()->set_atomics_mode(h, CUBLAS_ATOMICS_NOT_ALLOWED));
  return TCONV_STATUS_OK;
}

/* Called by tconv_cuda_context_init with ctx's device current; on failure the caller runs
 * tconv_cuda_gemm_release, which frees what was made. */
extern "C" tconv_status tconv_cuda_gemm_init(tconv_context *ctx) {
  char why[512];
  if (tconv_cublas_load(why, sizeof why) == NULL)
    return tconv_fail(ctx, TCONV_STATUS_CUBLAS_ERROR, "%s", why);
  int major = 0;
  TCONV_CUDA_TRY(ctx,
                 cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ctx->device));
  const size_t bytes = major >= 9 ? GEMM_CUBLAS_WORKSPACE_HOPPER : GEMM_CUBLAS_WORKSPACE_OLDER;
  tconv_status status = tconv_cuda_malloc(ctx, bytes, &ctx->cublas_workspace);
  if (status != TCONV_STATUS_OK)
    return status;
  ctx->cublas_workspace_bytes = bytes;
  cublasHandle_t h = NULL;
  TCONV_CUBLAS_TRY(ctx, cublas()->create(&h));
  ctx->cublas = h;
  return gemm_configure(ctx, h);
}

/* The context's handle bound for this call (ctx's device is current: launch.h): ctx's stream
 * (it may have changed since the last call), then the handle's own workspace, which
 * cublasSetStream has just reset to cuBLAS's pool. */
static tconv_status gemm_handle(tconv_context *ctx, cublasHandle_t *handle) {
  *handle = (cublasHandle_t)ctx->cublas;
  TCONV_CUBLAS_TRY(ctx, cublas()->set_stream(*handle, (cudaStream_t)ctx->stream));
  TCONV_CUBLAS_TRY(
      ctx, cublas()->set_workspace(*handle, ctx->cublas_workspace, ctx->cublas_workspace_bytes));
  return TCONV_STATUS_OK;
}

/* cublasDestroy waits for the whole device (cuBLAS documents it): one stall per context, at
 * its end, instead of one per call; the header says so. The workspace is then freed in the
 * order of ctx's stream. Errors are dropped: a destructor cannot report them. */
extern "C" void tconv_cuda_gemm_release(tconv_context *ctx) {
  if (ctx == NULL)
    return;
  (void)cudaSetDevice(ctx->device);
  if (ctx->cublas != NULL)
    (void)cublas()->destroy((cublasHandle_t)ctx->cublas);
  ctx->cublas = NULL;
  tconv_cuda_free(ctx, ctx->cublas_workspace);
  ctx->cublas_workspace = NULL;
  ctx->cublas_workspace_bytes = 0;
  (void)cudaGetLastError();
}

/* cuBLAS's name for an operand's element type. */
static cudaDataType gemm_data_type(int dtype) {
  return dtype == TCONV_DTYPE_FLOAT16    ? CUDA_R_16F
         : dtype == TCONV_DTYPE_BFLOAT16 ? CUDA_R_16BF
                                         : CUDA_R_32F;
}

/* The chunk's GEMM: every call of tconv_gemm_call_make(), alpha 1, beta 0, in the problem's
 * arithmetic (gemm.cuh). */
static tconv_status gemm_products(tconv_context *ctx, cublasHandle_t handle,
                                  const tconv_problem *problem, int64_t n0, int64_t images,
                                  const tconv_gemm_buffers *bufs) {
  const float one = 1.0f, zero = 0.0f;
  const int strict = problem->dtype == TCONV_DTYPE_FLOAT32 && problem->math == TCONV_MATH_STRICT;
  const cublasComputeType_t compute =
      problem->dtype == TCONV_DTYPE_FLOAT32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  const int64_t calls = tconv_gemm_call_count(problem, images);
  for (int64_t index = 0; index < calls; ++index) {
    const tconv_gemm_call c = tconv_gemm_call_make(problem, n0, images, index);
    const cublasOperation_t ta = c.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t tb = c.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    void *a = tconv_gemm_operand_at(problem, bufs, c.role_a, c.offset_a);
    void *b = tconv_gemm_operand_at(problem, bufs, c.role_b, c.offset_b);
    void *out = tconv_gemm_operand_at(problem, bufs, c.role_c, c.offset_c);
    if (strict) {
      TCONV_CUBLAS_TRY(ctx, cublas()->sgemm_strided_batched(
                                handle, ta, tb, c.m, c.n, c.k, &one, (const float *)a, c.lda,
                                c.stride_a, (const float *)b, c.ldb, c.stride_b, &zero,
                                (float *)out, c.ldc, c.stride_c, c.batch));
      continue;
    }
    TCONV_CUBLAS_TRY(
        ctx, cublas()->gemm_strided_batched_ex(
                 handle, ta, tb, c.m, c.n, c.k, &one, a,
                 gemm_data_type(tconv_gemm_role_dtype(problem, c.role_a)), c.lda, c.stride_a, b,
                 gemm_data_type(tconv_gemm_role_dtype(problem, c.role_b)), c.ldb, c.stride_b, &zero,
                 out, CUDA_R_32F, c.ldc, c.stride_c, c.batch, compute, CUBLAS_GEMM_DEFAULT));
  }
  return TCONV_STATUS_OK;
}

/* Blocks' worth of work for `count` elements. */
static int64_t gemm_work(int64_t count) {
  return (count + TCONV_GEMM_THREADS - 1) / TCONV_GEMM_THREADS;
}

/* One chunk of the convolution: im2col, the GEMM into y (or the FP32 buffer), the epilogue
 * when there is one. */
template <class T>
static tconv_status gemm_conv_chunk(tconv_context *ctx, cublasHandle_t handle,
                                    const tconv_problem *problem, const tconv_geom *g, int64_t n0,
                                    int64_t images, const T *bias, T *y,
                                    const tconv_gemm_buffers *bufs) {
  const int64_t columns = images * tconv_gemm_image_columns(problem);
  const int64_t per_image = problem->cout * problem->out_spatial, outputs = images * per_image;
  tconv_status status =
      tconv_launch_wave(ctx, TCONV_KERNEL(gemm_im2col<T>), TCONV_GEMM_THREADS, gemm_work(columns),
                        *g, n0, columns, (const T *)bufs->x, (T *)bufs->col);
  if (status == TCONV_STATUS_OK)
    status = gemm_products(ctx, handle, problem, n0, images, bufs);
  if (status != TCONV_STATUS_OK || !tconv_gemm_needs_epilogue(g, bias))
    return status;
  T *y_chunk = y + n0 * per_image;
  const float *sums =
      tconv_gemm_out_buffered(problem) ? (const float *)bufs->out : (const float *)(void *)y_chunk;
  return tconv_launch_wave(ctx, TCONV_KERNEL(gemm_epilogue<T>), TCONV_GEMM_THREADS,
                           gemm_work(outputs), *g, outputs, bias, sums, y_chunk);
}

/* One chunk of the transposed convolution: the GEMM into the columns, then col2im. */
template <class T>
static tconv_status gemm_transpose_chunk(tconv_context *ctx, cublasHandle_t handle,
                                         const tconv_problem *problem, const tconv_geom *g,
                                         int64_t n0, int64_t images, const T *bias, T *y,
                                         const tconv_gemm_buffers *bufs) {
  const int64_t outputs = images * problem->cout * problem->out_spatial;
  const tconv_status status = gemm_products(ctx, handle, problem, n0, images, bufs);
  if (status != TCONV_STATUS_OK)
    return status;
  const float *col = (const float *)bufs->col;
  if (tconv_gather_kind(g) == TCONV_GATHER_CIRCULAR)
    return tconv_launch_wave(ctx, TCONV_KERNEL(gemm_col2im_circular<T>), TCONV_GEMM_THREADS,
                             gemm_work(outputs), *g, n0, outputs, col, bias, y);
  return tconv_launch_wave(ctx, TCONV_KERNEL(gemm_col2im<T>), TCONV_GEMM_THREADS,
                           gemm_work(outputs), *g, n0, outputs, col, bias, y);
}

/* Both ops for element type T: the batch in chunks planned from the problem alone
 * (gemm.cuh). The chunks share the workspace: the chunk's FP32 output buffers, then its
 * columns; they are ordered on ctx's stream, to which cuBLAS is bound. */
template <class T>
static tconv_status gemm_run(tconv_context *ctx, const tconv_problem *problem, const void *x,
                             const void *w, const void *bias, void *y, void *workspace,
                             int64_t chunk) {
  cublasHandle_t handle = NULL;
  tconv_status status = gemm_handle(ctx, &handle);
  const tconv_geom g = tconv_geom_make(problem);
  tconv_gemm_buffers bufs;
  bufs.x = x;
  bufs.w = w;
  bufs.out = tconv_gemm_out_buffered(problem) ? workspace : y;
  bufs.col = (unsigned char *)workspace + chunk * tconv_gemm_image_out_bytes(problem);
  for (int64_t n0 = 0; n0 < problem->n && status == TCONV_STATUS_OK; n0 += chunk) {
    const int64_t images = problem->n - n0 < chunk ? problem->n - n0 : chunk;
    status =
        problem->op == TCONV_OP_CONV
            ? gemm_conv_chunk(ctx, handle, problem, &g, n0, images, (const T *)bias, (T *)y, &bufs)
            : gemm_transpose_chunk(ctx, handle, problem, &g, n0, images, (const T *)bias, (T *)y,
                                   &bufs);
  }
  return status;
}

/* The pointers are the problem's dtype in its layouts (tconv_run_fn's float * aside). */
extern "C" tconv_status tconv_cuda_gemm(tconv_context *ctx, const tconv_problem *problem,
                                        const float *x, const float *w, const float *bias, float *y,
                                        void *workspace, size_t workspace_bytes) {
  const int64_t chunk = tconv_gemm_chunk_for_cap(problem, TCONV_GEMM_WORKSPACE_CAP);
  const size_t need = tconv_gemm_workspace_for_cap(problem, TCONV_GEMM_WORKSPACE_CAP);
  if (chunk < 1 || workspace_bytes < need)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "gemm: a workspace of %zu bytes is too small; this problem needs %zu "
                      "(tconv_workspace_size)",
                      workspace_bytes, need);
  switch (problem->dtype) {
  case TCONV_DTYPE_FLOAT16:
    return gemm_run<__half>(ctx, problem, x, w, bias, y, workspace, chunk);
  case TCONV_DTYPE_BFLOAT16:
    return gemm_run<__nv_bfloat16>(ctx, problem, x, w, bias, y, workspace, chunk);
  default:
    return gemm_run<float>(ctx, problem, x, w, bias, y, workspace, chunk);
  }
}
