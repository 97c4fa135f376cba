/*
 * cpu_threads.c - threads for the CPU algorithms: the default thread count of a context
 * (TCONV_NUM_THREADS, else the online processors), the context's team of threads (created
 * when first needed, asleep between jobs, joined by tconv_context_destroy), a parallel loop
 * over tasks on it, how many workers a job deserves, and the test hook that simulates
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
#include <sys/types.h>
#include <unistd.h>

/* Multiply-adds below which another worker costs more (thread creation, a second cache)
 * than it saves: about 20 microseconds of one core's work. */
#define CPU_MIN_WORK 262144.0

static atomic_int spawn_limit = -1;        /* test hook: team threads allowed */
static _Thread_local int last_offered = 0; /* test hooks: the caller's last forward call */
static _Thread_local int last_joined = 0;

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

/* A context's team: threads created on first need and kept until the context goes, asleep
 * between jobs. The calling thread is worker 0; team thread i is worker i + 1 and joins a
 * job when i + 1 < its worker count. */
struct tconv_cpu_team {
  pthread_mutex_t lock;
  pthread_cond_t start, done;
  pthread_t thread[TCONV_MAX_THREADS];
  int created;          /* team threads running */
  int quit;             /* set by tconv_cpu_team_release */
  unsigned long job_id; /* bumped per job; a thread waits for a new one */
  parallel_job *job;    /* the current job */
  int job_workers;      /* workers of the current job, the caller included */
  int closed;           /* the caller ran out of tasks: no thread joins the job any more */
  int active;           /* team threads that joined the current job and have not left it */
  int joined;           /* team threads that joined the current job */
  pid_t pid;            /* the process that created the threads */
  struct tconv_cpu_team *left_next; /* in a fork's child: the next team left behind */
};

/* Teams a fork's child found and replaced, kept reachable rather than freed: their locks may
 * be in any state. */
static _Atomic(tconv_cpu_team *) left_behind = NULL;

typedef struct team_thread {
  tconv_cpu_team *team;
  int index;
} team_thread;

static void run_tasks(parallel_job *job, int worker) {
  for (;;) {
    const int64_t task = atomic_fetch_add(&job->next, 1);
    if (task >= job->tasks)
      return;
    job->fn(job->shared, worker, task);
  }
}

static void *team_main(void *p) {
  team_thread self = *(team_thread *)p;
  free(p);
  tconv_cpu_team *t = self.team;
  unsigned long seen = 0;
  pthread_mutex_lock(&t->lock);
  for (;;) {
    while (!t->quit && t->job_id == seen)
      pthread_cond_wait(&t->start, &t->lock);
    if (t->quit)
      break;
    seen = t->job_id;
    if (self.index + 1 >= t->job_workers || t->closed)
      continue; /* not needed for this job, or too late for it */
    parallel_job *job = t->job;
    ++t->active;
    ++t->joined;
    pthread_mutex_unlock(&t->lock);
    run_tasks(job, self.index + 1);
    pthread_mutex_lock(&t->lock);
    if (--t->active == 0 && t->closed)
      pthread_cond_signal(&t->done);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

/* The context's team with at least `threads` threads if it can get them (a thread that
 * cannot be created, or that the test hook refuses, is simply not there); NULL when even the
 * team cannot be made. */
static tconv_cpu_team *team_of(tconv_context *ctx, int threads) {
  tconv_cpu_state *state = tconv_cpu_state_of(ctx);
  if (state == NULL)
    return NULL;
  tconv_cpu_team *t = state->team;
  if (t != NULL && t->pid != getpid()) {
    /* A fork's child has none of the team's threads: waiting for them would hang. The old
     * team is left behind (its lock may be in any state) and a new one made. */
    t->left_next = atomic_exchange(&left_behind, t);
    t = state->team = NULL;
  }
  if (t == NULL) {
    if ((t = calloc(1, sizeof *t)) == NULL)
      return NULL;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
      free(t);
      return NULL;
    }
    if (pthread_cond_init(&t->start, NULL) != 0 || pthread_cond_init(&t->done, NULL) != 0) {
      pthread_mutex_destroy(&t->lock);
      free(t); /* a condition variable that initialised is not kept: nothing uses it */
      return NULL;
    }
    t->pid = getpid();
    state->team = t;
  }
  const int limit = atomic_load(&spawn_limit);
  while (t->created < threads && (limit < 0 || t->created < limit)) {
    team_thread *arg = malloc(sizeof *arg);
    if (arg == NULL)
      break;
    *arg = (team_thread){t, t->created};
    if (pthread_create(&t->thread[t->created], NULL, team_main, arg) != 0) {
      free(arg);
      break;
    }
    ++t->created;
  }
  return t;
}

int tconv_cpu_parallel(tconv_context *ctx, int workers, int64_t tasks, cpu_task_fn fn,
                       void *shared) {
  parallel_job job = {fn, shared, tasks, 0};
  if (workers > TCONV_MAX_THREADS)
    workers = TCONV_MAX_THREADS;
  tconv_cpu_team *t = workers > 1 ? team_of(ctx, workers - 1) : NULL;
  const int limit = atomic_load(&spawn_limit);
  int helpers = t != NULL ? t->created : 0;
  if (helpers > workers - 1)
    helpers = workers - 1;
  if (limit >= 0 && helpers > limit)
    helpers = limit;
  if (helpers > 0) {
    pthread_mutex_lock(&t->lock);
    t->job = &job;
    t->job_workers = helpers + 1;
    t->closed = t->active = t->joined = 0;
    ++t->job_id;
    pthread_cond_broadcast(&t->start);
    pthread_mutex_unlock(&t->lock);
  }
  run_tasks(&job, 0);
  int joined = 0;
  if (helpers > 0) {
    /* Only threads that joined are waited for: one the scheduler has not woken yet (the
     * cores are busy) would hold the caller up for a time slice while there is nothing
     * left to do. */
    pthread_mutex_lock(&t->lock);
    t->closed = 1;
    while (t->active > 0)
      pthread_cond_wait(&t->done, &t->lock);
    joined = t->joined;
    pthread_mutex_unlock(&t->lock);
  }
  if (helpers + 1 > last_offered)
    last_offered = helpers + 1;
  if (joined + 1 > last_joined)
    last_joined = joined + 1;
  return helpers + 1;
}

void tconv_cpu_team_release(tconv_cpu_team *t) {
  if (t == NULL || t->pid != getpid())
    return; /* a fork's child: the threads are not its own */
  pthread_mutex_lock(&t->lock);
  t->quit = 1;
  pthread_cond_broadcast(&t->start);
  pthread_mutex_unlock(&t->lock);
  for (int i = 0; i < t->created; ++i)
    pthread_join(t->thread[i], NULL);
  pthread_cond_destroy(&t->start);
  pthread_cond_destroy(&t->done);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

/* ---- test hooks --------------------------------------------------------------------- */

int tconv_test_cpu_workers(void) { return last_offered; }

int tconv_test_cpu_joined(void) { return last_joined; }

void tconv_cpu_reset_workers(void) { last_offered = last_joined = 0; }

void tconv_test_cpu_spawn_limit(int limit) { atomic_store(&spawn_limit, limit); }
