/*
 * layer.c - measuring one layer (layer.h).
 *
 * Order of work, all on the context's stream: random x and w (fixed seeds); cuDNN's search
 * with a generous workspace; every strict-FP32 algorithm it returns run on a poisoned y
 * (an element left unwritten or non-finite fails that row), the first valid output kept on
 * the host as the reference, each valid one timed - the fastest is the baseline - and the
 * default (v7) pick too; then per tconv algorithm: y poisoned with NaNs, one run checked
 * against the reference, a second run compared bit for bit with the first, then timed (the
 * workspace is allocated before, outside the timed region). AUTO is measured before
 * tconv_find_algo() runs, so it is the heuristic's choice, not a cached winner. A fatal
 * error marks the layer failed (bench_run_layer returns -1); the caller goes on.
 */
#include "layer.h"

#include "cudnn_side.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUDNN_RESERVE_BYTES ((size_t)256 << 20) /* left free for cuDNN's own allocations */
#define MIN_WORKSPACE_BYTES ((size_t)1 << 20)

/* The layer's tensors on the device and the host copies of outputs. */
typedef struct layer_data {
  tconv_buffer *x, *w, *y;
  tconv_tensor tx, tw, ty;
  size_t y_bytes;
  float *ref, *first, *second; /* y_count each */
} layer_data;

static void layer_data_free(layer_data *d) {
  tconv_buffer_destroy(d->x);
  tconv_buffer_destroy(d->w);
  tconv_buffer_destroy(d->y);
  free(d->ref);
  free(d->first);
  free(d->second);
  memset(d, 0, sizeof *d);
}

static int upload_random(tconv_context *ctx, tconv_buffer **buffer, int64_t count, uint64_t seed) {
  const size_t bytes = (size_t)count * sizeof(float);
  float *host = malloc(bytes);
  if (host == NULL)
    return bench_fail("out of host memory (%zu bytes)", bytes);
  bench_random_fill(host, count, seed);
  tconv_status status = tconv_buffer_create(ctx, bytes, buffer);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_upload(ctx, *buffer, 0, host, bytes);
  free(host);
  if (status != TCONV_STATUS_OK)
    return bench_fail("%s: %s", tconv_status_name(status), tconv_context_last_error(ctx));
  return 0;
}

static int layer_data_create(tconv_context *ctx, const bench_shape *sh, layer_data *d) {
  memset(d, 0, sizeof *d);
  d->y_bytes = (size_t)sh->y_count * sizeof(float);
  if (upload_random(ctx, &d->x, sh->x_count, 1) != 0 ||
      upload_random(ctx, &d->w, sh->w_count, 2) != 0)
    return -1;
  BENCH_TCONV(ctx, tconv_buffer_create(ctx, d->y_bytes, &d->y));
  d->tx = tconv_tensor_make(d->x, 0, sh->dims, sh->x);
  d->tw = tconv_tensor_make(d->w, 0, sh->dims, sh->w);
  d->ty = tconv_tensor_make(d->y, 0, sh->dims, sh->y);
  d->ref = malloc(d->y_bytes);
  d->first = malloc(d->y_bytes);
  d->second = malloc(d->y_bytes);
  if (d->ref == NULL || d->first == NULL || d->second == NULL)
    return bench_fail("out of host memory (3 x %zu bytes)", d->y_bytes);
  return 0;
}

/* y's bytes all 0xff: NaN in every element, so an output that is not written cannot pass. */
static int poison(const bench_env *env, const layer_data *d) {
  BENCH_CUDA(cudaMemsetAsync(tconv_buffer_data(d->y), 0xff, d->y_bytes, env->timer->stream));
  return 0;
}

/* ---- cuDNN ---------------------------------------------------------------------------- */

typedef struct cudnn_work {
  cudnnHandle_t handle;
  const cudnn_layer *cl;
  const cudnn_choice *choice;
  const layer_data *d;
  void *workspace;
} cudnn_work;

static int run_cudnn_work(void *arg, char *why, size_t why_size) {
  (void)why, (void)why_size;
  const cudnn_work *c = arg;
  return cudnn_run(c->handle, c->cl, c->choice, tconv_buffer_data(c->d->x),
                   tconv_buffer_data(c->d->w), tconv_buffer_data(c->d->y), c->workspace);
}

/* The largest workspace up to the cap that the device can spare now. */
static tconv_buffer *generous_workspace(const bench_env *env) {
  size_t free_bytes = 0, total_bytes = 0, bytes = env->cudnn_workspace_cap;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    const size_t spare = free_bytes > CUDNN_RESERVE_BYTES ? free_bytes - CUDNN_RESERVE_BYTES : 0;
    if (spare < bytes)
      bytes = spare;
  }
  tconv_buffer *ws = NULL;
  for (bytes &= ~(MIN_WORKSPACE_BYTES - 1); bytes >= MIN_WORKSPACE_BYTES && ws == NULL; bytes /= 2)
    if (tconv_buffer_create(env->ctx, bytes, &ws) != TCONV_STATUS_OK)
      ws = NULL;
  return ws;
}

/* Checks one cuDNN algorithm's output (poisoned first; every element must be written and
 * finite; the first valid row's output becomes the reference), then times it. 0 with the
 * outcome in the row; -1 when the device failed. */
static int measure_cudnn_row(const bench_env *env, cudnn_work *work, layer_data *d,
                             int *have_reference, bench_cudnn_result *row) {
  const int64_t n = (int64_t)(d->y_bytes / sizeof(float));
  char why[256];
  if (poison(env, d) != 0)
    return -1;
  if (run_cudnn_work(work, why, sizeof why) != 0) {
    snprintf(row->note, sizeof row->note, "run: %s", bench_last_failure());
    return cudaDeviceSynchronize() == cudaSuccess ? 0 : -1;
  }
  if (tconv_buffer_download(env->ctx, d->y, 0, d->first, d->y_bytes) != TCONV_STATUS_OK)
    return bench_fail("cuDNN's output: %s", tconv_context_last_error(env->ctx));
  const int64_t bad = bench_count_nonfinite(d->first, n);
  if (bad > 0) {
    snprintf(row->note, sizeof row->note, "output holds %lld non-finite values (poison left?)",
             (long long)bad);
    row->error = INFINITY;
    return 0;
  }
  if (!*have_reference) {
    memcpy(d->ref, d->first, d->y_bytes);
    *have_reference = 1;
  }
  row->error = bench_max_rel_error(d->first, d->ref, n);
  if (!(row->error <= BENCH_TOLERANCE)) {
    snprintf(row->note, sizeof row->note, "differs from the reference row by %.1e", row->error);
    return 0;
  }
  bench_timing timing;
  const int rc = bench_time(env->timer, 1, run_cudnn_work, work, &timing, why, sizeof why);
  if (rc < 0)
    return -1;
  row->ran = 1;
  row->ms = timing.ms;
  row->host_ms = timing.host_ms;
  return 0;
}

/* FindEx with a generous workspace; every eligible row checked and timed by the benchmark's
 * timer (FindEx's own time is one run with a warm L2): the fastest valid one is the
 * baseline. The heuristic's pick is timed too unless it is one of them. */
static int measure_cudnn(const bench_env *env, const cudnn_layer *cl, layer_data *d,
                         bench_result *r) {
  int rc = -1, have_reference = 0;
  tconv_buffer *ws = generous_workspace(env);
  void *ws_data = ws != NULL ? tconv_buffer_data(ws) : NULL;
  const size_t ws_bytes = ws != NULL ? tconv_buffer_size(ws) : 0;
  cudnn_found found;
  cudnn_choice v7;
  r->best = -1;
  if (cudnn_find_all(env->cudnn, cl, tconv_buffer_data(d->x), tconv_buffer_data(d->w),
                     tconv_buffer_data(d->y), ws_data, ws_bytes, &found) != 0 ||
      cudnn_heuristic_pick(env->cudnn, cl, ws_bytes, &v7) != 0)
    goto cleanup;
  r->cudnn_count = found.count;
  for (int i = 0; i < found.count; ++i) {
    bench_cudnn_result *row = &r->cudnn[i];
    row->found = found.rows[i];
    if (!row->found.eligible) { /* a failed status speaks for itself in the table */
      if (row->found.status == CUDNN_STATUS_SUCCESS)
        snprintf(row->note, sizeof row->note, "%s",
                 row->found.memory > ws_bytes ? "workspace above the limit"
                                              : "tensor-op math (not strict FP32)");
      continue;
    }
    const cudnn_choice choice = {1, row->found.algo, row->found.memory};
    cudnn_work work = {env->cudnn, cl, &choice, d, ws_data};
    if (measure_cudnn_row(env, &work, d, &have_reference, row) != 0)
      goto cleanup;
    if (row->ran && (r->best < 0 || row->ms < r->cudnn[r->best].ms))
      r->best = i;
  }
  memset(&r->v7, 0, sizeof r->v7);
  r->v7.found.algo = v7.algo;
  r->v7.found.memory = v7.memory;
  r->v7.found.eligible = 1;
  for (int i = 0; i < found.count; ++i)
    if (r->cudnn[i].found.algo == v7.algo && r->cudnn[i].ran)
      r->v7 = r->cudnn[i];
  if (!r->v7.ran && have_reference) {
    cudnn_work work = {env->cudnn, cl, &v7, d, ws_data};
    if (measure_cudnn_row(env, &work, d, &have_reference, &r->v7) != 0)
      goto cleanup;
  }
  rc = 0;
cleanup:
  tconv_buffer_destroy(ws);
  return rc;
}

/* ---- tconv ---------------------------------------------------------------------------- */

typedef struct tconv_work {
  tconv_context *ctx;
  const bench_shape *sh;
  tconv_op op;
  const layer_data *d;
  tconv_algo algo;
  tconv_buffer *workspace;
} tconv_work;

static int run_tconv_work(void *arg, char *why, size_t why_size) {
  const tconv_work *t = arg;
  const tconv_params *pa = &t->sh->params;
  const tconv_status status = t->op == TCONV_OP_TRANSPOSE
                                  ? tconv_transpose_forward(t->ctx, pa, &t->d->tx, &t->d->tw, NULL,
                                                            &t->d->ty, t->algo, t->workspace)
                                  : tconv_conv_forward(t->ctx, pa, &t->d->tx, &t->d->tw, NULL,
                                                       &t->d->ty, t->algo, t->workspace);
  if (status != TCONV_STATUS_OK) {
    snprintf(why, why_size, "%s: %s", tconv_status_name(status), tconv_context_last_error(t->ctx));
    return 1;
  }
  return 0;
}

/* One checked run into `host`: poison, run, wait, download. 1 (reason in the row's note)
 * when the algorithm fails; asynchronous errors are fatal, since they leave the device
 * unusable. */
static int checked_run(const bench_env *env, tconv_work *t, float *host, bench_algo_result *row) {
  const char *name = tconv_algo_name(t->algo);
  int rc = poison(env, t->d);
  if (rc == 0)
    rc = run_tconv_work(t, row->note, sizeof row->note);
  if (rc != 0)
    return rc;
  tconv_status status = tconv_context_synchronize(env->ctx);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_download(env->ctx, t->d->y, 0, host, t->d->y_bytes);
  if (status != TCONV_STATUS_OK)
    return bench_fail("algo %s: %s: %s", name, tconv_status_name(status),
                      tconv_context_last_error(env->ctx));
  return 0;
}

static int measure_algo(const bench_env *env, const bench_shape *sh, tconv_op op,
                        const layer_data *d, bench_algo_result *row) {
  tconv_work t = {env->ctx, sh, op, d, row->algo, NULL};
  row->deterministic = -1;
  if (row->algo != TCONV_ALGO_AUTO) {
    const tconv_status status = tconv_workspace_size(env->ctx, op, &sh->params, &d->tx, &d->tw,
                                                     &d->ty, row->algo, &row->workspace);
    if (status != TCONV_STATUS_OK) {
      snprintf(row->note, sizeof row->note, "workspace size: %s: %s", tconv_status_name(status),
               tconv_context_last_error(env->ctx));
      return 0;
    }
  }
  if (row->workspace > 0 &&
      tconv_buffer_create(env->ctx, row->workspace, &t.workspace) != TCONV_STATUS_OK) {
    snprintf(row->note, sizeof row->note, "its workspace of %zu bytes: %s", row->workspace,
             tconv_context_last_error(env->ctx));
    return 0;
  }
  int rc = checked_run(env, &t, d->first, row);
  if (rc == 0) {
    row->error = bench_max_rel_error(d->first, d->ref, (int64_t)(d->y_bytes / sizeof(float)));
    rc = checked_run(env, &t, d->second, row);
  }
  if (rc == 0) {
    row->deterministic = memcmp(d->first, d->second, d->y_bytes) == 0;
    bench_timing timing;
    rc = bench_time(env->timer, 1, run_tconv_work, &t, &timing, row->note, sizeof row->note);
    row->ms = timing.ms;
    row->host_ms = timing.host_ms;
  }
  tconv_buffer_destroy(t.workspace);
  if (rc < 0)
    return -1;
  row->ran = rc == 0;
  return 0;
}

/* The rows: every algorithm the library accepts for this layer, in enum order, then AUTO. */
static int list_algos(const bench_env *env, const bench_shape *sh, tconv_op op, bench_result *r) {
  r->count = 0;
  for (int a = 0; a < TCONV_ALGO_COUNT; ++a) {
    if (a == TCONV_ALGO_AUTO)
      continue;
    const tconv_tensor x = tconv_tensor_make(NULL, 0, sh->dims, sh->x);
    const tconv_tensor w = tconv_tensor_make(NULL, 0, sh->dims, sh->w);
    const tconv_tensor y = tconv_tensor_make(NULL, 0, sh->dims, sh->y);
    const tconv_status status =
        tconv_algo_supported(env->ctx, op, &sh->params, &x, &w, &y, (tconv_algo)a);
    if (status == TCONV_STATUS_OK)
      r->rows[r->count++].algo = (tconv_algo)a;
    else if (status != TCONV_STATUS_UNSUPPORTED)
      return bench_fail("tconv_algo_supported(%s): %s: %s", tconv_algo_name((tconv_algo)a),
                        tconv_status_name(status), tconv_context_last_error(env->ctx));
  }
  r->rows[r->count++].algo = TCONV_ALGO_AUTO;
  return 0;
}

static int run_find(const bench_env *env, const bench_shape *sh, tconv_op op, const layer_data *d,
                    bench_result *r) {
  size_t bytes = 0;
  for (int i = 0; i < r->count; ++i)
    if (r->rows[i].workspace > bytes)
      bytes = r->rows[i].workspace;
  tconv_buffer *ws = NULL;
  if (bytes > 0 && tconv_buffer_create(env->ctx, bytes, &ws) != TCONV_STATUS_OK) {
    snprintf(r->find_note, sizeof r->find_note, "no workspace of %zu bytes: %s", bytes,
             tconv_context_last_error(env->ctx));
    return 0;
  }
  tconv_algo_perf perf[TCONV_ALGO_COUNT];
  int count = 0;
  const tconv_status status = tconv_find_algo(env->ctx, op, &sh->params, &d->tx, &d->tw, NULL,
                                              &d->ty, ws, perf, TCONV_ALGO_COUNT, &count);
  tconv_buffer_destroy(ws);
  if (status != TCONV_STATUS_OK) {
    snprintf(r->find_note, sizeof r->find_note, "%s: %s", tconv_status_name(status),
             tconv_context_last_error(env->ctx));
    return 0;
  }
  if (count == 0 || perf[0].status != TCONV_STATUS_OK) {
    snprintf(r->find_note, sizeof r->find_note, "no algorithm could be timed");
    return 0;
  }
  r->find_pick = tconv_algo_name(perf[0].algo);
  r->find_ms = perf[0].milliseconds;
  return 0;
}

int bench_run_layer(const bench_env *env, const bench_layer *layer, bench_result *r) {
  memset(r, 0, sizeof *r);
  r->layer = layer;
  r->best = -1;
  char why[512];
  if (bench_shape_of(layer, &r->shape, why, sizeof why) != 0) {
    r->failed = 1;
    snprintf(r->failure, sizeof r->failure, "%s", why);
    return bench_fail("%s", why);
  }
  const bench_shape *sh = &r->shape;
  r->floor_ms = bench_floor_ms(env->ceilings, sh->flops, sh->bytes);

  int rc = -1;
  layer_data d = {0};
  cudnn_layer cl = {0};
  if (cudnn_layer_create(&cl, layer->op, sh, why, sizeof why) != 0) {
    bench_fail("%s: cuDNN descriptors: %s", layer->name, why);
    goto cleanup;
  }
  if (layer_data_create(env->ctx, sh, &d) != 0 || measure_cudnn(env, &cl, &d, r) != 0 ||
      list_algos(env, sh, layer->op, r) != 0)
    goto cleanup;
  if (r->best < 0) {
    bench_fail("%s: no cuDNN algorithm gave a valid strict-FP32 output to compare with",
               layer->name);
    goto cleanup;
  }
  for (int i = 0; i < r->count; ++i)
    if (measure_algo(env, sh, layer->op, &d, &r->rows[i]) != 0)
      goto cleanup;
  if (run_find(env, sh, layer->op, &d, r) != 0)
    goto cleanup;
  rc = 0;
cleanup:
  if (rc != 0) {
    r->failed = 1;
    snprintf(r->failure, sizeof r->failure, "%s", bench_last_failure());
  }
  cudnn_layer_destroy(&cl);
  layer_data_free(&d);
  return rc;
}
