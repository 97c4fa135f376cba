/*
 * emu_exec.h - the host executor of the kernels written once for the GPU and the host
 * (cuda/igemm.cuh, cuda/igemm_patch.cuh): it runs a block's (a cluster's) threads on the CPU,
 * every thread's step between two barriers thread after thread (a step not followed by a
 * barrier is an error), and models cp.async: copies land at the issuing thread's wait (late:
 * a read before the wait and the barrier sees the poison) or at once (early: a copy into a
 * stage other threads still read overwrites it). Every copy that is not zero-filled must
 * read inside x or w. Threads and blocks run forward or in reverse (a step whose threads read
 * what others write in the same step then gives different results).
 *
 * C++, for tests/igemm_emu.cpp and tests/igemm_patch_emu.cpp only.
 */
#ifndef TCONV_TEST_EMU_EXEC_H
#define TCONV_TEST_EMU_EXEC_H

#include <stdint.h>

#include <cstdio>
#include <deque>
#include <memory>
#include <vector>

namespace emu {

const uint32_t POISON = 0x7fc00000u; /* a quiet NaN as float, a huge offset as integer */

template <class T> void poison(T *object) {
  uint32_t *words = reinterpret_cast<uint32_t *>(object);
  for (size_t i = 0; i < sizeof(T) / sizeof(uint32_t); ++i)
    words[i] = POISON;
}

struct Copy {
  float *dst;
  float value;
};

/* Th: a thread's state (registers), S: a block's shared memory, Info: what a thread may
 * recompute about its block (ex.info). `active` is the block running alone (its K loop), or
 * -1: every block of the cluster in step (the epilogue). */
template <class Th, class S, class Info, int THREADS> struct HostCluster {
  const float *x, *w;
  int64_t x_count, w_count;
  int split;
  bool reverse, late;
  std::vector<std::unique_ptr<S>> smem;
  std::vector<Th> threads;
  std::vector<Info> infos;
  std::vector<std::vector<Copy>> open;
  std::vector<std::deque<std::vector<Copy>>> committed;
  int active = -1;
  bool stepped = false; /* a step ran since the last barrier */
  bool failed = false;
  char error[160] = "";

  HostCluster(int blocks, bool reverse_, bool late_, const float *x_, int64_t xn, const float *w_,
              int64_t wn)
      : x(x_), w(w_), x_count(xn), w_count(wn), split(blocks), reverse(reverse_), late(late_),
        threads((size_t)blocks * THREADS), infos((size_t)blocks), open((size_t)blocks * THREADS),
        committed((size_t)blocks * THREADS) {
    for (int i = 0; i < blocks; ++i)
      smem.emplace_back(new S);
  }

  int index(const Th &t) const { return (int)(&t - threads.data()); }

  /* Records the first failure: `what`, and the thread when it is one thread's (>= 0). */
  void fail(const char *what, int thread) {
    if (!failed && thread >= 0)
      snprintf(error, sizeof error, "thread %d %s", thread, what);
    else if (!failed)
      snprintf(error, sizeof error, "%s", what);
    failed = true;
  }

  /* Shared memory and registers of every block and thread to NaN. */
  void poison_all() {
    for (auto &s : smem)
      poison(s.get());
    for (auto &t : threads)
      poison(&t);
  }

  template <class Step> void each(Step step) {
    if (stepped)
      fail("two steps without a barrier between them", -1);
    stepped = true;
    const int first = active >= 0 ? active : 0, blocks = active >= 0 ? 1 : split;
    for (int b = 0; b < blocks; ++b) {
      const int rank = first + (reverse ? blocks - 1 - b : b);
      for (int i = 0; i < THREADS; ++i) {
        const int t = reverse ? THREADS - 1 - i : i;
        step(threads[(size_t)rank * THREADS + t], *smem[rank]);
      }
    }
  }
  void sync() { stepped = false; }
  void cluster_sync() { stepped = false; }
  const S &peer(int rank) const { return *smem[rank]; }
  int thread_index(const Th &t) const { return index(t) % THREADS; }
  Info info(const Th &t) const { return infos[index(t) / THREADS]; }

  /* `count` floats (1 or 4) from src to dst, zeros when !valid. */
  void copy_n(const Th &t, float *dst, const float *src, bool valid, int count) {
    for (int i = 0; i < count; ++i) {
      float value = 0.0f;
      if (valid) {
        const float *p = src + i;
        if (!(p >= x && p < x + x_count) && !(p >= w && p < w + w_count)) {
          fail("copies from outside x and w", index(t));
          return;
        }
        value = *p;
      }
      if (late)
        open[index(t)].push_back({dst + i, value});
      else
        dst[i] = value;
    }
  }
  void copy(const Th &t, float *dst, const float *src, bool valid) {
    copy_n(t, dst, src, valid, 1);
  }
  /* N floats in one copy (cp.async of 4 N bytes): both addresses aligned to it. */
  template <int N> void copy_v(const Th &t, float *dst, const float *src, bool valid) {
    if (N > 1 && ((uintptr_t)dst % (4 * N) != 0 || (valid && (uintptr_t)src % (4 * N) != 0))) {
      fail("makes a misaligned vector copy", index(t));
      return;
    }
    copy_n(t, dst, src, valid, N);
  }
  void commit(const Th &t) {
    committed[index(t)].push_back(open[index(t)]);
    open[index(t)].clear();
  }
  template <int N> void wait(const Th &t) {
    std::deque<std::vector<Copy>> &groups = committed[index(t)];
    while (groups.size() > (size_t)N) {
      for (const Copy &c : groups.front())
        *c.dst = c.value;
      groups.pop_front();
    }
  }

  /* After a cluster: no thread may end with copies in flight (empty groups committed last
   * are harmless); clears the queues. */
  void check_drained() {
    for (size_t t = 0; t < threads.size(); ++t) {
      bool in_flight = !open[t].empty();
      for (const std::vector<Copy> &group : committed[t])
        in_flight = in_flight || !group.empty();
      if (in_flight)
        fail("ends with copies in flight", (int)t);
      open[t].clear();
      committed[t].clear();
    }
  }
};

} // namespace emu

#endif /* TCONV_TEST_EMU_EXEC_H */
