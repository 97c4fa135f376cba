/*
 * cpu_threads.c - threads for the CPU algorithms: the default thread count of a context
 * (TCONV_NUM_THREADS, else the online processors), a parallel loop over tasks on pthreads
 * created per call, how many workers a job deserves, and the test hook that simulates
 * failing thread creation.
 *
 * The parallel loop hands out tasks from one atomic counter. Which thread runs a task never
 * changes what the task computes (cpu.h), so the scheduling is free to be dynamic; and a
 * thread that cannot be created only leaves its share to the others, the caller included.
 */
#include "cpu_impl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Multiply-adds below which another worker costs more (thread creation, a second cache)
 * than it saves: about 20 microseconds of one core's work. */
#define CPU_MIN_WORK 262144.0

static atomic_int spawn_limit = -1;        /* test hook: creations allowed per section */
static _Thread_local int last_workers = 0; /* test hook: the caller's last section */

tconv_status tconv_cpu_default_threads(int *threads, char *why, size_t why_size) {
  const char *env = getenv("TCONV_NUM_THREADS");
  if (env != NULL) {
    char *end = NULL;
    errno = 0;
    const long v = strtol(env, &end, 10);
    if (errno != 0 || end == env || *end != '\0' || v < 1 || v > TCONV_MAX_THREADS) {
      snprintf(why, why_size, "TCONV_NUM_THREADS='%.40s' is not an integer from 1 to %d", env,
               TCONV_MAX_THREADS);
      return TCONV_STATUS_INVALID_ARGUMENT;
    }
    *threads = (int)v;
    return TCONV_STATUS_OK;
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  *threads = online < 1 ? 1 : online > TCONV_MAX_THREADS ? TCONV_MAX_THREADS : (int)online;
  return TCONV_STATUS_OK;
}

int tconv_cpu_workers(const tconv_context *ctx, int64_t tasks, double work) {
  double by_work = work / CPU_MIN_WORK;
  int n = ctx->threads;
  if (tasks < n)
    n = (int)tasks;
  if (by_work < n)
    n = (int)by_work;
  return n < 1 ? 1 : n;
}

typedef struct parallel_job {
  cpu_task_fn fn;
  void *shared;
  int64_t tasks;
  atomic_llong next;
} parallel_job;

typedef struct worker_arg {
  parallel_job *job;
  int worker;
} worker_arg;

static void run_tasks(parallel_job *job, int worker) {
  for (;;) {
    const int64_t task = atomic_fetch_add(&job->next, 1);
    if (task >= job->tasks)
      return;
    job->fn(job->shared, worker, task);
  }
}

static void *worker_main(void *p) {
  const worker_arg *a = p;
  run_tasks(a->job, a->worker);
  return NULL;
}

int tconv_cpu_parallel(int workers, int64_t tasks, cpu_task_fn fn, void *shared) {
  parallel_job job = {fn, shared, tasks, 0};
  pthread_t threads[TCONV_MAX_THREADS];
  worker_arg args[TCONV_MAX_THREADS];
  if (workers > TCONV_MAX_THREADS)
    workers = TCONV_MAX_THREADS;
  const int limit = atomic_load(&spawn_limit);
  int started = 0;
  for (int i = 1; i < workers; ++i) {
    if (limit >= 0 && started >= limit)
      break; /* as if pthread_create had failed */
    args[started] = (worker_arg){&job, i};
    if (pthread_create(&threads[started], NULL, worker_main, &args[started]) != 0)
      break;
    ++started;
  }
  run_tasks(&job, 0);
  for (int i = 0; i < started; ++i)
    pthread_join(threads[i], NULL);
  if (started + 1 > last_workers)
    last_workers = started + 1;
  return started + 1;
}

/* ---- test hooks --------------------------------------------------------------------- */

int tconv_test_cpu_workers(void) { return last_workers; }

void tconv_cpu_reset_workers(void) { last_workers = 0; }

void tconv_test_cpu_spawn_limit(int limit) { atomic_store(&spawn_limit, limit); }
