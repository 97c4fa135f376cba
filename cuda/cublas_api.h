/*
 * cublas_api.h - the cuBLAS entry points the gemm algorithm calls, loaded from the shared
 * library the first time a CUDA context is made rather than linked into every program.
 *
 * Why: libcublas pulls in libcublasLt, over half a gigabyte whose relocations cost every
 * process that links them about 0.1 s at start (measured on the development machine: a
 * program that does nothing takes 1 ms, 95 ms linked with -lcublas), whether or not it ever
 * makes a CUDA context. Loaded on demand, a CPU-only run or a command-line call pays nothing,
 * and a CUDA context pays once per process.
 *
 * The library is looked up by its soname (libcublas.so.<CUBLAS_VER_MAJOR>, the major version
 * of the headers the library was built against) through the usual search (rpath, runpath,
 * LD_LIBRARY_PATH, ld.so.cache), then in the toolkit's lib64 of the build.
 */
#ifndef TCONV_CUBLAS_API_H
#define TCONV_CUBLAS_API_H

#include <cublas_v2.h>
#include <stddef.h>

typedef struct tconv_cublas_api {
  cublasStatus_t (*create)(cublasHandle_t *handle);
  cublasStatus_t (*destroy)(cublasHandle_t handle);
  cublasStatus_t (*set_math_mode)(cublasHandle_t handle, cublasMath_t mode);
  cublasStatus_t (*set_atomics_mode)(cublasHandle_t handle, cublasAtomicsMode_t mode);
  cublasStatus_t (*set_stream)(cublasHandle_t handle, cudaStream_t stream);
  cublasStatus_t (*set_workspace)(cublasHandle_t handle, void *workspace, size_t bytes);
  const char *(*status_string)(cublasStatus_t status);
  const char *(*status_name)(cublasStatus_t status);
  decltype(&cublasSgemmStridedBatched_64) sgemm_strided_batched;
  decltype(&cublasGemmStridedBatchedEx_64) gemm_strided_batched_ex;
} tconv_cublas_api;

/* The entry points, loaded on the first call (thread-safe; later calls return the same
 * table), or NULL with the loader's reason in why when the library or a symbol is missing. */
const tconv_cublas_api *tconv_cublas_load(char *why, size_t why_size);

#endif
