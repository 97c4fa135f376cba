/*
 * cublas_api.cu - loads the cuBLAS entry points of cublas_api.h once per process (dlopen and
 * dlsym under pthread_once); the table and any failure's sentence are kept for every later
 * call. The library handle is never closed: the table lives as long as the process.
 */
#include "cublas_api.h"
#include "launch.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define TCONV_STR_(x) #x
#define TCONV_STR(x) TCONV_STR_(x)
#define CUBLAS_SONAME "libcublas.so." TCONV_STR(CUBLAS_VER_MAJOR)

static pthread_once_t cublas_once = PTHREAD_ONCE_INIT;
static tconv_cublas_api cublas_table;
static int cublas_loaded;
static char cublas_why[512];

/* The soname through the dynamic loader's search, then the build's toolkit directory. */
static void *cublas_open(void) {
  void *lib = dlopen(CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
#ifdef TCONV_CUDA_LIBDIR
  if (lib == NULL)
    lib = dlopen(TCONV_CUDA_LIBDIR "/" CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
#endif
  return lib;
}

/* Stores symbol `name` of lib in *slot; 0, or -1 with the reason recorded. */
template <class F> static int cublas_symbol(void *lib, const char *name, F *slot) {
  void *address = dlsym(lib, name);
  if (address == NULL) {
    snprintf(cublas_why, sizeof cublas_why, "cuBLAS (%s) has no %s", CUBLAS_SONAME, name);
    return -1;
  }
  *slot = reinterpret_cast<F>(address);
  return 0;
}

static void cublas_load_once(void) {
  void *lib = cublas_open();
  if (lib == NULL) {
    const char *error = dlerror();
    snprintf(cublas_why, sizeof cublas_why, "cuBLAS could not be loaded (%s): %s", CUBLAS_SONAME,
             error != NULL ? error : "not found");
    return;
  }
  tconv_cublas_api *t = &cublas_table;
  if (cublas_symbol(lib, "cublasCreate_v2", &t->create) != 0 ||
      cublas_symbol(lib, "cublasDestroy_v2", &t->destroy) != 0 ||
      cublas_symbol(lib, "cublasSetMathMode", &t->set_math_mode) != 0 ||
      cublas_symbol(lib, "cublasSetAtomicsMode", &t->set_atomics_mode) != 0 ||
      cublas_symbol(lib, "cublasSetStream_v2", &t->set_stream) != 0 ||
      cublas_symbol(lib, "cublasSetWorkspace_v2", &t->set_workspace) != 0 ||
      cublas_symbol(lib, "cublasGetStatusString", &t->status_string) != 0 ||
      cublas_symbol(lib, "cublasGetStatusName", &t->status_name) != 0 ||
      cublas_symbol(lib, "cublasSgemmStridedBatched_64", &t->sgemm_strided_batched) != 0 ||
      cublas_symbol(lib, "cublasGemmStridedBatchedEx_64", &t->gemm_strided_batched_ex) != 0)
    return;
  cublas_loaded = 1;
}

const tconv_cublas_api *tconv_cublas_load(char *why, size_t why_size) {
  (void)pthread_once(&cublas_once, cublas_load_once);
  if (cublas_loaded)
    return &cublas_table;
  snprintf(why, why_size, "%s", cublas_why);
  return NULL;
}

extern "C" int tconv_cuda_cublas_loadable(char *why, size_t why_size) {
  return tconv_cublas_load(why, why_size) != NULL;
}
