/*
 * minimal.c - the smallest complete use of tconv: a context (the GPU when there is one, else
 * the CPU), buffers, a stride-2 transposed convolution with bias, and a check of the result
 * against the CPU reference computed on the host.
 *
 * Every call's status is checked. On failure the program prints the failing call, the
 * status name and the library's sentence, frees what it made and exits with status 1.
 *
 * Build:  cc minimal.c $(pkg-config --cflags --libs tconv)      (or: make examples)
 */
#include "tconv.h"

#include <stdio.h>
#include <stdlib.h>

/* Runs `call`; on failure remembers which call it was and jumps to the cleanup. */
#define TRY(call)                                                                                  \
  do {                                                                                             \
    failed_call = #call;                                                                           \
    if ((st = (call)) != TCONV_STATUS_OK)                                                          \
      goto cleanup;                                                                                \
  } while (0)

/* |v|, written out so that the example needs no -lm of its own. */
static double magnitude(double v) { return v < 0.0 ? -v : v; }

int main(void) {
  /* x (N=1, Cin=2, 3, 3) and w (Cin=2, Cout=3, 3, 3): PyTorch's ConvTranspose2d(2, 3, 3,
   * stride=2, padding=1, output_padding=1), which doubles 3x3 into 6x6. */
  const int64_t x_dims[4] = {1, 2, 3, 3}, w_dims[4] = {2, 3, 3, 3}, b_dims[1] = {3};
  float x[2 * 3 * 3], w[2 * 3 * 3 * 3];
  const float bias[3] = {0.5f, -1.0f, 2.0f};
  for (int i = 0; i < 18; ++i)
    x[i] = (float)(i % 5) - 2.0f;
  for (int i = 0; i < 54; ++i)
    w[i] = (float)(i % 7) * 0.25f - 0.75f;
  tconv_params params = tconv_params_default(2);
  tconv_params_set_uniform(&params, 2, 1, 1, 1); /* stride, padding, dilation, output_pad */

  tconv_status st = TCONV_STATUS_OK;
  const char *failed_call = "";
  int mismatch = 0;
  tconv_context *ctx = NULL;
  tconv_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL;
  float *y = NULL, *y_ref = NULL;
  int64_t y_dims[4];

  TRY(tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx));
  if (tconv_context_backend(ctx) == TCONV_BACKEND_CUDA)
    printf("backend: CUDA device %d\n", tconv_context_device(ctx));
  else /* AUTO keeps the reason it did not use the GPU */
    printf("backend: CPU (%s)\n", tconv_context_last_error(ctx));

  /* Ask for the output size before allocating anything for it. */
  TRY(tconv_transpose_output_shape(&params, x_dims, w_dims, y_dims));
  const size_t y_count = (size_t)(y_dims[0] * y_dims[1] * y_dims[2] * y_dims[3]);
  y = malloc(y_count * sizeof *y);
  y_ref = malloc(y_count * sizeof *y_ref);
  if (y == NULL || y_ref == NULL) {
    fprintf(stderr, "minimal: out of host memory\n");
    goto cleanup;
  }

  TRY(tconv_buffer_create(ctx, sizeof x, &bx));
  TRY(tconv_buffer_create(ctx, sizeof w, &bw));
  TRY(tconv_buffer_create(ctx, sizeof bias, &bb));
  TRY(tconv_buffer_create(ctx, y_count * sizeof *y, &by));
  TRY(tconv_buffer_upload(ctx, bx, 0, x, sizeof x));
  TRY(tconv_buffer_upload(ctx, bw, 0, w, sizeof w));
  TRY(tconv_buffer_upload(ctx, bb, 0, bias, sizeof bias));
  const tconv_tensor tx = tconv_tensor_make(bx, 0, 4, x_dims);
  const tconv_tensor tw = tconv_tensor_make(bw, 0, 4, w_dims);
  const tconv_tensor tb = tconv_tensor_make(bb, 0, 1, b_dims);
  const tconv_tensor ty = tconv_tensor_make(by, 0, 4, y_dims);
  TRY(tconv_transpose_forward(ctx, &params, &tx, &tw, &tb, &ty, TCONV_ALGO_AUTO, NULL));
  /* The forward call is asynchronous; the download waits for it. */
  TRY(tconv_buffer_download(ctx, by, 0, y, y_count * sizeof *y));

  TRY(tconv_reference_transpose(&params, TCONV_FORMULATION_GATHER, x_dims, x, w_dims, w, bias,
                                y_dims, y_ref));
  /* The GPU sums in float32 in its own order, the reference in double: compare relatively. */
  double max_diff = 0.0, max_ref = 0.0;
  for (size_t i = 0; i < y_count; ++i) {
    const double diff = magnitude((double)y[i] - (double)y_ref[i]);
    const double ref = magnitude((double)y_ref[i]);
    if (diff > max_diff)
      max_diff = diff;
    if (ref > max_ref)
      max_ref = ref;
  }
  mismatch = !(max_diff <= 1e-5 * max_ref);
  printf("y: (%lld, %lld, %lld, %lld); y[0, 0, 0, :] =", (long long)y_dims[0], (long long)y_dims[1],
         (long long)y_dims[2], (long long)y_dims[3]);
  for (int64_t j = 0; j < y_dims[3]; ++j)
    printf(" %g", y[j]);
  printf("\nmax |y - reference| = %g (max |reference| = %g): %s\n", max_diff, max_ref,
         mismatch ? "MISMATCH" : "ok");

cleanup:
  if (st != TCONV_STATUS_OK) /* tconv_last_error(): the sentence of this thread's last failure */
    fprintf(stderr, "minimal: %s: %s: %s\n", failed_call, tconv_status_name(st),
            tconv_last_error());
  const int failed = st != TCONV_STATUS_OK || mismatch || y == NULL || y_ref == NULL;
  free(y);
  free(y_ref);
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(bb);
  tconv_buffer_destroy(by);
  tconv_context_destroy(ctx);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
