/*
 * test_npy.c - suite "npy": tools/npy.c tested directly (the CLI's .npy reader and writer):
 * write/read round trips, headers of versions 1.0, 2.0 and 3.0 built here byte by byte,
 * float64 conversion, malformed or truncated images, file errors and atomic replacement.
 */
#include "npy.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_npy_write_read_round_trip(void) {
  const int64_t dims[8] = {2, 1, 3, 2, 2, 1, 1, 2};
  const int ranks[] = {0, 1, 2, 5, 8};
  float v[96];
  test_fill_uniform(v, 96);
  v[0] = -0.0f;
  v[1] = INFINITY;
  v[2] = 1e-40f; /* subnormal */
  for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
    const int rank = ranks[i];
    char path[TEST_PATH_SIZE];
    test_tmp_path(path, "round.npy");
    char err[512];
    CU_ASSERT_EQUAL_FATAL(npy_write(path, rank, dims, v, err, sizeof err), 0);
    npy_array a;
    CU_ASSERT_EQUAL_FATAL(npy_read(path, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.rank, rank);
    CU_ASSERT_EQUAL(a.count, test_count(rank, dims));
    CU_ASSERT_EQUAL(memcmp(a.dims, dims, (size_t)rank * sizeof dims[0]), 0);
    CU_ASSERT_EQUAL(memcmp(a.data, v, (size_t)a.count * sizeof(float)), 0);
    npy_free(&a);
    CU_ASSERT_PTR_NULL(a.data);

    /* numpy's layout: version 1.0, header padded to 64 bytes, ending in '\n'. */
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fread(head, 1, 10, f), 10);
    size_t header_len = (size_t)head[8] | (size_t)head[9] << 8;
    CU_ASSERT_EQUAL((10 + header_len) % 64, 0);
    CU_ASSERT_EQUAL(fseek(f, (long)(10 + header_len - 1), SEEK_SET), 0);
    CU_ASSERT_EQUAL(fgetc(f), '\n');
    fclose(f);
    CU_ASSERT_EQUAL(memcmp(head, "\x93NUMPY\x01\x00", 8), 0);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL((int64_t)st.st_size, (int64_t)(10 + header_len) + 4 * test_count(rank, dims));
  }
  CU_ASSERT_FALSE(test_tmp_files_left());
}

/* Parses an image and checks its dims and the data against `want`. */
static void expect_parsed(const unsigned char *img, size_t size, int rank, const int64_t *dims,
                          const float *want) {
  npy_array a;
  char err[512] = "";
  int rc = npy_parse(img, size, &a, err, sizeof err);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc != 0) {
    fprintf(stderr, "\n  npy_parse: %s\n", err);
    return;
  }
  CU_ASSERT_EQUAL(a.rank, rank);
  CU_ASSERT_EQUAL(memcmp(a.dims, dims, (size_t)rank * sizeof dims[0]), 0);
  CU_ASSERT_EQUAL(a.count, test_count(rank, dims));
  CU_ASSERT_EQUAL(memcmp(a.data, want, (size_t)a.count * sizeof(float)), 0);
  npy_free(&a);
}

static void test_npy_versions_and_header_forms(void) {
  const float f[6] = {1.5f, -2, 0.25f, 3, -0.125f, 7};
  unsigned char f32[24], f64[48];
  for (int i = 0; i < 6; i++) {
    uint32_t u;
    memcpy(&u, &f[i], 4);
    test_put_le(f32 + 4 * i, u, 4);
    double d = f[i];
    uint64_t u64;
    memcpy(&u64, &d, 8);
    test_put_le(f64 + 8 * i, u64, 8);
  }
  const int64_t d23[2] = {2, 3}, d6[1] = {6}, d1[5] = {1, 1, 2, 1, 3};
  static const struct {
    const char *dict;
    int rank;
    int f8;
  } forms[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 0},
      {"{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}", 2, 1},
      {"{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3,)}", 2, 0},
      {"{ 'fortran_order' : False , 'descr' : '<f8' , 'shape' : ( 2 , 3 , ) , }", 2, 1},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 1, 0},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", 1, 0},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2, 1, 3), }", 5, 1},
  };
  for (int major = 1; major <= 3; major++) {
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
      size_t size;
      unsigned char *img = test_npy_image(major, forms[i].dict, forms[i].f8 ? (void *)f64 : f32,
                                          forms[i].f8 ? 48 : 24, &size);
      const int64_t *dims = forms[i].rank == 2 ? d23 : forms[i].rank == 1 ? d6 : d1;
      expect_parsed(img, size, forms[i].rank, dims, f);
      free(img);
    }
  }
  /* Rank 0: one element. */
  size_t size;
  unsigned char *img =
      test_npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32, 4, &size);
  expect_parsed(img, size, 0, d6, f);
  free(img);
  /* An empty array parses, with a non-NULL data pointer. */
  const int64_t d0[2] = {0, 3};
  img = test_npy_image(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", NULL, 0,
                       &size);
  expect_parsed(img, size, 2, d0, f);
  free(img);
}

static void test_npy_float64_conversion(void) {
  const double values[4] = {0.1, -1e300, 1e-300, 3.0};
  unsigned char bytes[32];
  for (int i = 0; i < 4; i++) {
    uint64_t u;
    memcpy(&u, &values[i], 8);
    test_put_le(bytes + 8 * i, u, 8);
  }
  size_t size;
  unsigned char *img = test_npy_image(
      1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", bytes, 32, &size);
  npy_array a;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(npy_parse(img, size, &a, err, sizeof err), 0);
  CU_ASSERT_EQUAL(a.data[0], (float)0.1);
  CU_ASSERT(isinf(a.data[1]) && a.data[1] < 0);
  CU_ASSERT_EQUAL(a.data[2], 0.0f);
  CU_ASSERT_EQUAL(a.data[3], 3.0f);
  npy_free(&a);
  free(img);
}

/* Expects npy_parse to fail on the image with a sentence containing `word`. */
static void expect_rejected(const unsigned char *img, size_t size, const char *word) {
  npy_array a;
  char err[512] = "";
  int rc = npy_parse(img, size, &a, err, sizeof err);
  CU_ASSERT_EQUAL(rc, -1);
  CU_ASSERT_PTR_NULL(a.data);
  CU_ASSERT_EQUAL(strncmp(err, "npy data: ", 10), 0);
  if (word != NULL && strstr(err, word) == NULL) {
    CU_FAIL("npy_parse's sentence names the problem");
    fprintf(stderr, "\n  expected '%s' in: %s\n", word, err);
  }
  if (rc == 0)
    npy_free(&a);
}

static void test_npy_malformed_headers(void) {
  static const struct {
    const char *dict;
    const char *word;
  } bad[] = {
      {"{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", "<i4"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", ">f4"},
      {"{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }", "=f4"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", "dtype"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'shape': (4,), }", "fortran_order"},
      {"{'descr': '<f4', 'fortran_order': False, }", "shape"},
      {"{'fortran_order': False, 'shape': (4,), }", "descr"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "descr"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}", "extra"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,2), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 2), }", "shape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,4), }", "dimensions"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "64"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "64"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,) }x", "after"},
      {"{'descr': '<f4', 'fortran_order': False 'shape': (4,)}", "','"},
      {"['descr', '<f4']", "'{'"},
      {"{'descr: '<f4', 'fortran_order': False, 'shape': (4,), }", NULL},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), ", NULL},
      {"", NULL},
  };
  static const float data[4] = {1, 2, 3, 4};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t size;
    unsigned char *img = test_npy_image(1, bad[i].dict, data, 16, &size);
    expect_rejected(img, size, bad[i].word);
    free(img);
  }

  /* The preamble and the data size. */
  size_t size;
  unsigned char *img = test_npy_image(
      1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data, 16, &size);
  img = realloc(img, size + 1);
  expect_parsed(img, size, 1, (const int64_t[]){4}, data);
  for (size_t cut = 0; cut < size; cut++) /* every truncation, down to the empty file */
    expect_rejected(img, cut, NULL);
  expect_rejected(img, size - 3, "truncated");
  img[size] = 0;
  expect_rejected(img, size + 1, "trailing");
  img[6] = 4;
  expect_rejected(img, size, "version");
  img[6] = 1;
  img[7] = 1;
  expect_rejected(img, size, "version");
  img[7] = 0;
  img[8] = 0xff; /* header length past the end of the image */
  img[9] = 0xff;
  expect_rejected(img, size, "truncated");
  img[5] = 'P';
  expect_rejected(img, size, "magic");
  free(img);
  img = test_npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data, 16,
                       &size);
  img[20] = '\0';
  expect_rejected(img, size, "NUL");
  free(img);
  npy_array a;
  char err[64];
  CU_ASSERT_EQUAL(npy_parse(NULL, 0, &a, err, sizeof err), -1);
  CU_ASSERT_EQUAL(npy_parse((const unsigned char *)"x", 1, &a, err, 1), -1); /* tiny err */
  CU_ASSERT_EQUAL(npy_parse((const unsigned char *)"x", 1, &a, NULL, 0), -1);
}

static void test_npy_file_errors(void) {
  npy_array a;
  char err[512];
  char path[TEST_PATH_SIZE], none[TEST_PATH_SIZE];
  CU_ASSERT_EQUAL(npy_read(test_tmp_path(path, "absent.npy"), &a, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "absent.npy: "));
  CU_ASSERT_EQUAL(npy_read(test_tmp_dir(), &a, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "directory"));

  const int64_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, neg[1] = {-1};
  const float v[1] = {0};
  test_tmp_path(path, "w.npy");
  unlink(path);
  CU_ASSERT_EQUAL(npy_write(path, 9, dims, v, err, sizeof err), -1);
  CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
  CU_ASSERT_EQUAL(npy_write(path, 1, neg, v, err, sizeof err), -1);
  CU_ASSERT_EQUAL(npy_write(test_tmp_path(none, "none/w.npy"), 1, dims, v, err, sizeof err), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "none/w.npy: "));
  CU_ASSERT_FALSE(test_file_exists(path));
  CU_ASSERT_FALSE(test_tmp_files_left());
  /* Replacing an existing file is atomic: the new contents, no temporary left. */
  const int64_t d1[1] = {1};
  const float one[1] = {1}, two[1] = {2};
  CU_ASSERT_EQUAL(npy_write(path, 1, d1, one, err, sizeof err), 0);
  CU_ASSERT_EQUAL(npy_write(path, 1, d1, two, err, sizeof err), 0);
  CU_ASSERT_EQUAL_FATAL(npy_read(path, &a, err, sizeof err), 0);
  CU_ASSERT_EQUAL(a.data[0], 2.0f);
  npy_free(&a);
  CU_ASSERT_FALSE(test_tmp_files_left());
}

/* ---- registration ------------------------------------------------------------------------ */

static CU_TestInfo npy_tests[] = {
    {"write/read round trip, ranks 0 to 8", test_npy_write_read_round_trip},
    {"versions 1.0/2.0/3.0 and header forms", test_npy_versions_and_header_forms},
    {"float64 converted to float32", test_npy_float64_conversion},
    {"malformed and truncated images", test_npy_malformed_headers},
    {"file errors and atomic replacement", test_npy_file_errors},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_npy[] = {
    {"npy", test_tmp_dir_make, test_tmp_dir_remove, NULL, NULL, npy_tests},
    CU_SUITE_INFO_NULL,
};
