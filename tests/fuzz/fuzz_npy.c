/*
 * fuzz_npy.c - libFuzzer harness: npy_parse() (tools/npy.c, the CLI's .npy reader) on
 * arbitrary bytes.
 *
 * Properties checked (a violation traps): no crash, no sanitizer report, no leak; success
 * gives a rank of 0 to NPY_MAX_RANK, non-negative dims whose product is the count, data that
 * is not NULL and exactly fills the input after the header (4 or 8 bytes per element);
 * failure gives a NUL-terminated sentence and an all-zero array. The error buffer is given
 * its full size and, on a second parse, a tiny one, to exercise the truncation of sentences.
 */
#include "npy.h"

#include <stdint.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      __builtin_trap();                                                                            \
  } while (0)

static void check_parse(const uint8_t *data, size_t size, size_t err_size) {
  char err[256];
  memset(err, 'x', sizeof err);
  npy_array a;
  memset(&a, 0x5a, sizeof a); /* npy_parse must reset it either way */
  const int rc = npy_parse(data, size, &a, err, err_size);
  if (rc == 0) {
    CHECK(a.rank >= 0 && a.rank <= NPY_MAX_RANK);
    CHECK(a.data != NULL);
    int64_t c = 1;
    for (int i = 0; i < a.rank; ++i) {
      CHECK(a.dims[i] >= 0);
      c *= a.dims[i]; /* cannot overflow: the data filled the input */
    }
    CHECK(c == a.count);
    CHECK((uint64_t)c * 2 <= size); /* '<f2', the narrowest element, filled the input */
    float sum = 0.0f;
    for (int64_t i = 0; i < a.count; ++i)
      sum += a.data[i]; /* reads every element: ASan checks the allocation's extent */
    (void)sum;
    npy_free(&a);
    CHECK(a.data == NULL);
  } else {
    CHECK(rc == -1);
    CHECK(a.data == NULL && a.rank == 0 && a.count == 0);
    CHECK(memchr(err, '\0', err_size) != NULL);
    CHECK(err_size < 2 || err[0] != '\0');
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_parse(data, size, 256);
  check_parse(data, size, 7);
  return 0;
}
