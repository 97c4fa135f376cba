/*
 * peak.c - the machine's FMA ceiling for `make bench-cpu`: one register-only FMA loop per
 * thread on the widest vector unit the processor runs (AVX-512, else AVX2 + FMA, else
 * scalar fmaf), all threads at once, FLOPs counted as 2 per lane per FMA. Built into a
 * small shared object that bench/cpu/bench.py loads with ctypes, so the ceiling is measured
 * in the same process as the layers.
 *
 * Each loop keeps ACCUMULATORS independent chains, more than FMA latency times the FMA units
 * needs, so the units never wait; nothing is loaded or stored inside the loop.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PEAK_X86 1
#endif

#define ACCUMULATORS 16

typedef struct peak_thread {
  pthread_t thread;
  int64_t iterations;
  int isa; /* 2 AVX-512, 1 AVX2, 0 scalar */
  float sink;
  double cpu_seconds; /* the thread's own CPU time in its loop */
} peak_thread;

#ifdef PEAK_X86
__attribute__((target("avx512f"))) static float loop_avx512(int64_t iterations) {
  __m512 acc[ACCUMULATORS];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < ACCUMULATORS; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (int64_t n = 0; n < iterations; ++n)
#pragma GCC unroll 16
    for (int i = 0; i < ACCUMULATORS; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < ACCUMULATORS; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float loop_avx2(int64_t iterations) {
  __m256 acc[ACCUMULATORS];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < ACCUMULATORS; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  for (int64_t n = 0; n < iterations; ++n)
#pragma GCC unroll 16
    for (int i = 0; i < ACCUMULATORS; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float out[8], total = 0.0f;
  __m256 sum = acc[0];
  for (int i = 1; i < ACCUMULATORS; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  _mm256_storeu_ps(out, sum);
  for (int i = 0; i < 8; ++i)
    total += out[i];
  return total;
}
#endif

static float loop_scalar(int64_t iterations) {
  float acc[ACCUMULATORS], total = 0.0f;
  for (int i = 0; i < ACCUMULATORS; ++i)
    acc[i] = (float)i;
  for (int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < ACCUMULATORS; ++i)
      acc[i] = __builtin_fmaf(acc[i], 0.999999f, 1e-7f);
  for (int i = 0; i < ACCUMULATORS; ++i)
    total += acc[i];
  return total;
}

static int widest(void) {
#ifdef PEAK_X86
  if (__builtin_cpu_supports("avx512f"))
    return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return 1;
#endif
  return 0;
}

static int lanes(int isa) { return isa == 2 ? 16 : isa == 1 ? 8 : 1; }

static double thread_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *run(void *p) {
  peak_thread *t = p;
  const double start = thread_cpu_now();
#ifdef PEAK_X86
  if (t->isa == 2)
    t->sink = loop_avx512(t->iterations);
  else if (t->isa == 1)
    t->sink = loop_avx2(t->iterations);
  else
#endif
    t->sink = loop_scalar(t->iterations);
  t->cpu_seconds = thread_cpu_now() - start;
  return NULL;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* FLOP/s of `threads` loops of `iterations` iterations each, run at once; with `cpu`, per
 * second of CPU time given to each loop (what the loops reach while they run, whatever
 * else shares the cores), each loop timed by its own thread's clock so that the CPU time of
 * the process's other threads (the caller's, a library's pool) is not counted. */
static double measure(int threads, int isa, int64_t iterations, int cpu) {
  peak_thread t[64];
  if (threads > 64)
    threads = 64;
  const double start = wall_now();
  int started = 0;
  for (int i = 0; i < threads; ++i) {
    t[i].iterations = iterations;
    t[i].isa = isa;
    if (pthread_create(&t[i].thread, NULL, run, &t[i]) != 0)
      break;
    ++started;
  }
  for (int i = 0; i < started; ++i)
    pthread_join(t[i].thread, NULL);
  double seconds = wall_now() - start;
  if (cpu && started > 0) {
    seconds = 0.0;
    for (int i = 0; i < started; ++i)
      seconds += t[i].cpu_seconds / started;
  }
  return 2.0 * ACCUMULATORS * lanes(isa) * (double)iterations * started / seconds;
}

/* The best of `repeats` runs of about `seconds` each, in FLOP/s (with `cpu`, per CPU second
 * of each thread: see measure); the unit's name in isa ("avx512", "avx2", "scalar").
 * Exported for ctypes. */
__attribute__((visibility("default"))) double tconv_bench_fma_peak(int threads, double seconds,
                                                                   int repeats, int cpu,
                                                                   char *isa, int isa_size);
double tconv_bench_fma_peak(int threads, double seconds, int repeats, int cpu, char *isa,
                            int isa_size) {
  const int unit = widest();
  snprintf(isa, (size_t)isa_size, "%s", unit == 2 ? "avx512" : unit == 1 ? "avx2" : "scalar");
  int64_t iterations = 1 << 16; /* grown until one run takes about `seconds` */
  double rate = measure(threads, unit, iterations, cpu);
  while ((double)iterations * 2.0 * ACCUMULATORS * lanes(unit) * threads / rate < seconds)
    rate = measure(threads, unit, iterations *= 2, cpu);
  double best = rate;
  for (int r = 1; r < repeats; ++r) {
    rate = measure(threads, unit, iterations, cpu);
    best = rate > best ? rate : best;
  }
  return best;
}
