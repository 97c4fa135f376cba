/*
 * cuda_weak.h - the few CUDA runtime functions the GPU suites call themselves (streams,
 * memory the library did not allocate, device counts, driver entry points), declared here
 * rather than through the CUDA headers so that the tests stay plain C11. They are weak: a
 * build without nvcc still links (they are NULL there, and the GPU suites never run).
 * cudaError_t is an int-sized enum (0 = success), cudaStream_t a pointer.
 */
#ifndef TCONV_TEST_CUDA_WEAK_H
#define TCONV_TEST_CUDA_WEAK_H

#include <stddef.h>

#define TEST_CUDA_WEAK __attribute__((weak))

extern int cudaStreamCreate(void **stream) TEST_CUDA_WEAK;
extern int cudaStreamDestroy(void *stream) TEST_CUDA_WEAK;
extern int cudaMalloc(void **memory, size_t bytes) TEST_CUDA_WEAK;
extern int cudaFree(void *memory) TEST_CUDA_WEAK;
extern int cudaMallocHost(void **memory, size_t bytes) TEST_CUDA_WEAK;
extern int cudaFreeHost(void *memory) TEST_CUDA_WEAK;
extern int cudaMallocManaged(void **memory, size_t bytes, unsigned flags) TEST_CUDA_WEAK;
extern int cudaGetDeviceCount(int *count) TEST_CUDA_WEAK;
extern int cudaSetDevice(int device) TEST_CUDA_WEAK;
extern int cudaGetDriverEntryPointByVersion(const char *symbol, void **function,
                                            unsigned cuda_version, unsigned long long flags,
                                            int *found) TEST_CUDA_WEAK;

#define TEST_CUDA_MEM_ATTACH_GLOBAL 1u /* cudaMemAttachGlobal */

#endif /* TCONV_TEST_CUDA_WEAK_H */
