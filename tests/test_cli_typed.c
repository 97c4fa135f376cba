/*
 * test_cli_typed.c - suite "cli_typed" (unit "cli"): `tconv run --dtype --layout --math` and
 * the .npy side of it. A float16 / bfloat16 run, with channels-first or channels-last files,
 * gives exactly the typed reference of the same rounded inputs (permuted here, by the test's
 * own loops, into and out of PyTorch's channels_last order); float16 results are '<f2'
 * files, bfloat16 results '<f4' holding the exact widened values; float64 inputs are rounded
 * once to the dtype; bad option values exit 2 naming the option, with no output file.
 */
#include "cli.h"
#include "npy.h"
#include "testutil.h"

#include "float16.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The channels-last file order of logical (A, B, spatial...) data: (A, spatial..., B). */
static void to_file_order(int rank, const int64_t *dims, const float *src, float *dst,
                          int64_t *file_dims) {
  const int64_t ns = test_count(rank - 2, dims + 2);
  for (int64_t a = 0; a < dims[0]; ++a)
    for (int64_t b = 0; b < dims[1]; ++b)
      for (int64_t p = 0; p < ns; ++p)
        dst[(a * ns + p) * dims[1] + b] = src[(a * dims[1] + b) * ns + p];
  file_dims[0] = dims[0];
  for (int i = 2; i < rank; ++i)
    file_dims[i - 1] = dims[i];
  file_dims[rank - 1] = dims[1];
}

/* The header dict of a version 1.0 .npy file (after its 10-byte preamble). */
static void read_header(const char *path, char *text, size_t size) {
  text[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return;
  const size_t n = fseek(f, 10, SEEK_SET) == 0 ? fread(text, 1, size - 1, f) : 0;
  text[n] = '\0';
  fclose(f);
}

/* One run of the reference algorithm: random inputs written as float32 files (rounded by the
 * tool on load), the run, and y compared bit for bit with the typed reference of the rounded
 * inputs. */
static void check_run(tconv_op op, tconv_dtype dtype, tconv_layout layout, const char *math) {
  const int rank = 4;
  const int64_t xd[4] = {2, 4, 5, 3};
  const int64_t wd[4] = {op == TCONV_OP_CONV ? 6 : 4, op == TCONV_OP_CONV ? 2 : 3, 3, 2};
  tconv_params p = tconv_params_default(2);
  tconv_params_set_uniform(&p, 2, 1, 1, 0);
  p.groups = 2;
  if (op == TCONV_OP_TRANSPOSE)
    p.output_padding[0] = 1;
  int64_t yd[4];
  CU_ASSERT_EQUAL_FATAL(op == TCONV_OP_CONV ? tconv_conv_output_shape(&p, xd, wd, yd)
                                            : tconv_transpose_output_shape(&p, xd, wd, yd),
                        TCONV_STATUS_OK);
  const int64_t nx = test_count(rank, xd), nw = test_count(rank, wd), ny = test_count(rank, yd);
  const int64_t nb = yd[1];
  float *x = malloc((size_t)nx * 4), *w = malloc((size_t)nw * 4), *b = malloc((size_t)nb * 4);
  float *fx = malloc((size_t)nx * 4), *fw = malloc((size_t)nw * 4);
  uint16_t *hx = malloc((size_t)nx * 4), *hw = malloc((size_t)nw * 4), *hb = malloc((size_t)nb * 4);
  float *want = malloc((size_t)ny * 4), *got = malloc((size_t)ny * 4);
  test_fill_uniform(x, nx);
  test_fill_uniform(w, nw);
  test_fill_uniform(b, nb);
  char xp[TEST_PATH_SIZE], wp[TEST_PATH_SIZE], bp[TEST_PATH_SIZE], yp[TEST_PATH_SIZE], err[256];
  int64_t xf[4], wf[4], yf[4];
  memcpy(xf, xd, sizeof xf);
  memcpy(wf, wd, sizeof wf);
  memcpy(fx, x, (size_t)nx * 4);
  memcpy(fw, w, (size_t)nw * 4);
  if (layout == TCONV_LAYOUT_NHWC) {
    to_file_order(rank, xd, x, fx, xf);
    to_file_order(rank, wd, w, fw, wf);
  }
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(xp, "tx.npy"), rank, xf, fx, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(wp, "tw.npy"), rank, wf, fw, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(bp, "tb.npy"), 1, &nb, b, err, sizeof err), 0);
  test_tmp_path(yp, "ty.npy");
  const test_cli_result *r =
      CLI("run", op == TCONV_OP_CONV ? "conv" : "transpose", "--x", xp, "--w", wp, "--bias", bp,
          "--out", yp, "--stride", "2", "--padding", "1", "--groups", "2", "--output-padding",
          op == TCONV_OP_CONV ? "0" : "1,0", "--dtype", tconv_dtype_name(dtype), "--layout",
          tconv_layout_name(layout), "--math", math, "--device", "cpu", "--algo", "reference");
  EXPECT_EXIT(r, 0, "typed run");
  EXPECT_HAS(r->out, dtype == TCONV_DTYPE_FLOAT16 ? ": float16 " : ": float32 ");
  if (layout == TCONV_LAYOUT_NHWC)
    EXPECT_HAS(r->out, "layout nhwc");
  if (dtype == TCONV_DTYPE_BFLOAT16)
    EXPECT_HAS(r->out, "bfloat16 widened to float32");
  /* The expected result: the typed reference on the rounded inputs, channels first. */
  uint16_t (*const narrow)(float) =
      dtype == TCONV_DTYPE_FLOAT16 ? tconv_f32_to_f16 : tconv_f32_to_bf16;
  const void *rx = x, *rw = w, *rb = b;
  if (dtype != TCONV_DTYPE_FLOAT32) {
    for (int64_t i = 0; i < nx; ++i)
      hx[i] = narrow(x[i]);
    for (int64_t i = 0; i < nw; ++i)
      hw[i] = narrow(w[i]);
    for (int64_t i = 0; i < nb; ++i)
      hb[i] = narrow(b[i]);
    rx = hx, rw = hw, rb = hb;
  }
  uint16_t *hy = (uint16_t *)(void *)got; /* room for ny halves */
  void *ry = dtype == TCONV_DTYPE_FLOAT32 ? (void *)want : (void *)hy;
  const tconv_layout L = TCONV_LAYOUT_NCHW;
  CU_ASSERT_EQUAL_FATAL(
      op == TCONV_OP_CONV
          ? tconv_reference_conv_typed(&p, dtype, L, xd, rx, L, wd, rw, rb, L, yd, ry)
          : tconv_reference_transpose_typed(&p, TCONV_FORMULATION_GATHER, dtype, L, xd, rx, L, wd,
                                            rw, rb, L, yd, ry),
      TCONV_STATUS_OK);
  if (dtype == TCONV_DTYPE_FLOAT16)
    for (int64_t i = ny - 1; i >= 0; --i)
      want[i] = tconv_f16_to_f32(hy[i]);
  else if (dtype == TCONV_DTYPE_BFLOAT16)
    for (int64_t i = ny - 1; i >= 0; --i)
      want[i] = tconv_bf16_to_f32(hy[i]);
  /* The file: read as float32 (exact for '<f2' and the widened bfloat16), in file order. */
  npy_array y;
  if (r->status == 0 && npy_read(yp, &y, err, sizeof err) == 0) {
    if (layout == TCONV_LAYOUT_NHWC) {
      to_file_order(rank, yd, want, got, yf);
      memcpy(want, got, (size_t)ny * 4);
    } else {
      memcpy(yf, yd, sizeof yf);
    }
    CU_ASSERT_EQUAL(y.rank, rank);
    CU_ASSERT_EQUAL(memcmp(y.dims, yf, sizeof yf), 0);
    CU_ASSERT_EQUAL(y.count, ny);
    if (y.count == ny)
      CU_ASSERT_EQUAL(test_first_difference(y.data, want, ny), -1);
    npy_free(&y);
  }
  /* A '<f2' result file says so in its header. */
  char text[128];
  read_header(yp, text, sizeof text);
  if (r->status == 0)
    EXPECT_HAS(text, dtype == TCONV_DTYPE_FLOAT16 ? "'<f2'" : "'<f4'");
  free(x), free(w), free(b), free(fx), free(fw), free(hx), free(hw), free(hb), free(want),
      free(got);
}

static void test_run_every_dtype_and_layout(void) {
  for (int op = 0; op < 2; ++op)
    for (int d = 0; d < TCONV_DTYPE_COUNT; ++d)
      for (int l = 0; l < TCONV_LAYOUT_COUNT; ++l)
        check_run((tconv_op)op, (tconv_dtype)d, (tconv_layout)l,
                  (d + l + op) % 2 ? "tf32" : "strict");
}

/* '<f2' read and written; float64 rounded once; bfloat16 written widened. */
static void test_npy_half(void) {
  char path[TEST_PATH_SIZE], err[256];
  const int64_t n = 4;
  /* float64 values a hair above a binary16 tie (1 + 2^-11): one rounding goes up, a detour
   * through float32 would land on the tie and go to even (down). */
  const double tie = 1.0 + ldexp(1.0, -11);
  const double d[4] = {tie * (1 + ldexp(1.0, -40)), tie, -65520.0, 1e-9};
  unsigned char bytes[32];
  for (int i = 0; i < 4; ++i) {
    uint64_t u;
    memcpy(&u, &d[i], 8);
    test_put_le(bytes + 8 * i, u, 8);
  }
  size_t size;
  unsigned char *img = test_npy_image(
      1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", bytes, sizeof bytes, &size);
  test_write_bytes(test_tmp_path(path, "d.npy"), img, size);
  free(img);
  npy_typed t;
  CU_ASSERT_EQUAL_FATAL(npy_read_typed(path, TCONV_DTYPE_FLOAT16, &t, err, sizeof err), 0);
  const uint16_t *h = t.data;
  CU_ASSERT_EQUAL(h[0], 0x3C01u); /* rounded up, once */
  CU_ASSERT_EQUAL(h[1], 0x3C00u); /* the tie itself: to even */
  CU_ASSERT_EQUAL(h[2], 0xFC00u); /* -65520: the tie at the top goes to infinity */
  CU_ASSERT_EQUAL(h[3], 0x0000u); /* below half the smallest subnormal */
  /* Written as '<f2' and read back bit for bit, as float16 and as float32. */
  CU_ASSERT_EQUAL(
      npy_write_typed(test_tmp_path(path, "h.npy"), 1, &n, TCONV_DTYPE_FLOAT16, h, err, sizeof err),
      0);
  char text[128];
  read_header(path, text, sizeof text);
  EXPECT_HAS(text, "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }");
  npy_typed back;
  CU_ASSERT_EQUAL_FATAL(npy_read_typed(path, TCONV_DTYPE_FLOAT16, &back, err, sizeof err), 0);
  CU_ASSERT_EQUAL(memcmp(back.data, h, 8), 0);
  npy_typed_free(&back);
  npy_array f;
  CU_ASSERT_EQUAL_FATAL(npy_read(path, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(f.data[0], tconv_f16_to_f32(0x3C01u));
  CU_ASSERT(isinf(f.data[2]) && f.data[2] < 0);
  npy_free(&f);
  npy_typed_free(&t);
  /* bfloat16 data goes out as the exact float32 values. */
  const uint16_t bf[2] = {0x3F81u, 0xC2F7u};
  const int64_t two = 2;
  CU_ASSERT_EQUAL(npy_write_typed(test_tmp_path(path, "bf.npy"), 1, &two, TCONV_DTYPE_BFLOAT16, bf,
                                  err, sizeof err),
                  0);
  CU_ASSERT_EQUAL_FATAL(npy_read(path, &f, err, sizeof err), 0);
  CU_ASSERT_EQUAL(f.data[0], tconv_bf16_to_f32(0x3F81u));
  CU_ASSERT_EQUAL(f.data[1], tconv_bf16_to_f32(0xC2F7u));
  npy_free(&f);
}

static void test_bad_values(void) {
  test_write_valid_inputs();
  EXPECT_FAILURE(2, "--dtype: 'float64' is not one of float32, float16, bfloat16", "run", "conv",
                 "--x", test_vx, "--w", test_vw, "--groups", "2", "--dtype", "float64");
  EXPECT_FAILURE(2, "--layout: 'nchwc' is not one of nchw, nhwc", "run", "conv", "--x", test_vx,
                 "--w", test_vw, "--groups", "2", "--layout", "nchwc");
  EXPECT_FAILURE(2, "--math: 'fast' is not one of strict, tf32", "run", "conv", "--x", test_vx,
                 "--w", test_vw, "--groups", "2", "--math", "fast");
  /* nhwc reads test_vx (1, 4, 5, 5) as N=1, C=5, 4x5: channels do not match the weights. */
  EXPECT_FAILURE(2, "groups 2 does not divide the 5 input channels", "run", "conv", "--x", test_vx,
                 "--w", test_vw, "--groups", "2", "--layout", "nhwc");
}

static CU_TestInfo cli_typed_tests[] = {
    {"run --dtype x --layout x --math = typed reference", test_run_every_dtype_and_layout},
    {".npy float16 read / written, float64 rounded once, bfloat16 widened", test_npy_half},
    {"bad --dtype / --layout / --math exit 2", test_bad_values},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_cli_typed[] = {
    {"cli_typed", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, cli_typed_tests},
    CU_SUITE_INFO_NULL,
};
