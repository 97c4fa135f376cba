/*
 * upsample.c - 2x bilinear upsampling of a 4x4 gradient image, the classic use of a
 * transposed convolution (FCN, segmentation decoders): the kernel comes from
 * tconv_bilinear_kernel(), the stride is the factor F and the padding ceil((F - 1) / 2),
 * so an HxW image becomes (F*H)x(F*W).
 *
 * Inside, each output pixel is the bilinear interpolation of its input neighbours; along the
 * border the kernel also reaches the zero padding outside the image, so edge pixels come
 * out darker (as with PyTorch's ConvTranspose2d given the same weights).
 *
 * Every status is checked; a failure (including UNSUPPORTED from a library built without the
 * initialiser) prints the call, the status name and the library's sentence, then exits 1.
 *
 * Build:  cc upsample.c $(pkg-config --cflags --libs tconv)     (or: make examples)
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

enum {
  SIZE = 4,                    /* input image: SIZE x SIZE */
  FACTOR = 2,                  /* upsampling factor F */
  K = 2 * FACTOR - FACTOR % 2, /* bilinear kernel size per dimension */
  PAD = FACTOR / 2,            /* ceil((F - 1) / 2) */
  OUT = SIZE * FACTOR          /* output image: OUT x OUT */
};

int main(void) {
  const int64_t x_dims[4] = {1, 1, SIZE, SIZE}, w_dims[4] = {1, 1, K, K};
  const int64_t y_dims[4] = {1, 1, OUT, OUT};
  float x[SIZE * SIZE], w[K * K], y[OUT * OUT];
  for (int r = 0; r < SIZE; ++r)
    for (int c = 0; c < SIZE; ++c)
      x[r * SIZE + c] = (float)(r + c); /* a diagonal gradient, 0 to 6 */
  tconv_params params = tconv_params_default(2);
  tconv_params_set_uniform(&params, FACTOR, PAD, 1, 0); /* stride, padding, dilation, op */

  tconv_status st = TCONV_STATUS_OK;
  const char *failed_call = "";
  tconv_context *ctx = NULL;
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;

  TRY(tconv_bilinear_kernel(2, FACTOR, 1, w, K * K));
  TRY(tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx));
  /* Check the sizes above against the library's arithmetic before using them. */
  int64_t dims[4];
  TRY(tconv_transpose_output_shape(&params, x_dims, w_dims, dims));
  if (dims[2] != OUT || dims[3] != OUT) {
    fprintf(stderr, "upsample: output is %lldx%lld, expected %dx%d\n", (long long)dims[2],
            (long long)dims[3], OUT, OUT);
    st = TCONV_STATUS_INTERNAL;
    failed_call = "tconv_transpose_output_shape";
    goto cleanup;
  }

  TRY(tconv_buffer_create(ctx, sizeof x, &bx));
  TRY(tconv_buffer_create(ctx, sizeof w, &bw));
  TRY(tconv_buffer_create(ctx, sizeof y, &by));
  TRY(tconv_buffer_upload(ctx, bx, 0, x, sizeof x));
  TRY(tconv_buffer_upload(ctx, bw, 0, w, sizeof w));
  const tconv_tensor tx = tconv_tensor_make(bx, 0, 4, x_dims);
  const tconv_tensor tw = tconv_tensor_make(bw, 0, 4, w_dims);
  const tconv_tensor ty = tconv_tensor_make(by, 0, 4, y_dims);
  TRY(tconv_transpose_forward(ctx, &params, &tx, &tw, NULL, &ty, TCONV_ALGO_AUTO, NULL));
  TRY(tconv_buffer_download(ctx, by, 0, y, sizeof y));

  printf("input %dx%d:\n", SIZE, SIZE);
  for (int r = 0; r < SIZE; ++r)
    for (int c = 0; c < SIZE; ++c)
      printf("%6.2f%s", x[r * SIZE + c], c == SIZE - 1 ? "\n" : " ");
  printf("bilinear x%d, %dx%d:\n", FACTOR, OUT, OUT);
  for (int r = 0; r < OUT; ++r)
    for (int c = 0; c < OUT; ++c)
      printf("%6.2f%s", y[r * OUT + c], c == OUT - 1 ? "\n" : " ");

cleanup:
  if (st != TCONV_STATUS_OK)
    fprintf(stderr, "upsample: %s: %s: %s\n", failed_call, tconv_status_name(st),
            tconv_last_error());
  tconv_buffer_destroy(bx);
  tconv_buffer_destroy(bw);
  tconv_buffer_destroy(by);
  tconv_context_destroy(ctx);
  return st == TCONV_STATUS_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
