/*
 * testutil.c - the seeded generator, error norms and paths of testutil.h.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

static uint64_t rng_state, rng_seed;

void test_rng_seed(uint64_t seed) { rng_state = rng_seed = seed; }

uint64_t test_rng_seed_value(void) { return rng_seed; }

uint64_t test_rng_next(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t test_rng_int(int64_t lo, int64_t hi) {
  return lo + (int64_t)(test_rng_next() % (uint64_t)(hi - lo + 1));
}

void test_fill_uniform(float *a, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = (float)((double)(test_rng_next() >> 11) * 0x1.0p-52 - 1.0);
}

void test_fill_int(float *a, int64_t n, int lo, int hi) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = (float)test_rng_int(lo, hi);
}

double test_rel_error(const float *a, const float *b, int64_t n) {
  double diff = 0.0, scale = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (isnan(a[i]) || isnan(b[i]))
      return INFINITY;
    diff = fmax(diff, fabs((double)a[i] - (double)b[i]));
    scale = fmax(scale, fabs((double)b[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

int64_t test_first_difference(const float *a, const float *b, int64_t n) {
  const uint32_t *ua = (const uint32_t *)(const void *)a, *ub = (const uint32_t *)(const void *)b;
  for (int64_t i = 0; i < n; ++i)
    if (ua[i] != ub[i])
      return i;
  return -1;
}

int64_t test_count(int rank, const int64_t *dims) {
  int64_t c = 1;
  for (int i = 0; i < rank; ++i)
    c *= dims[i];
  return c;
}

const char *test_data_dir(void) {
  const char *d = getenv("TCONV_TEST_DATA");
  return d != NULL && d[0] != '\0' ? d : "tests/data";
}

const char *test_cli_path(void) {
  const char *p = getenv("TCONV_CLI");
  return p != NULL && p[0] != '\0' ? p : "build/bin/tconv";
}
