/*
 * layer.c - measuring one layer (layer.h).
 *
 * Order of work, all on the context's stream: random x and w (fixed seeds, rounded to the
 * run's dtype and laid out in its layout); cuDNN's search with a generous workspace; every
 * algorithm it returns in the run's math (cudnn_side.h) run on a poisoned y
 * (an element left unwritten or non-finite fails that row), the first valid output kept on
 * the host as the reference, each valid one timed - the fastest is the baseline - and the
 * default (v7) pick too; then per tconv algorithm: y poisoned with NaNs, one run checked
 * against the reference, a second run compared bit for bit with the first, then timed (the
 * workspace is allocated before, outside the timed region). Outputs are compared by the
 * storage's rule (typed.h); for the per-element rule, S = sum |x w| per output element comes
 * from cuDNN in strict FP32 on |x| and |w| (magnitudes()). AUTO is measured before
 * tconv_find_algo() runs, so it is the heuristic's choice, not a cached winner. A fatal
 * error marks the layer failed (bench_run_layer returns -1); the caller goes on.
 */
#include "layer.h"

#include "cudnn_side.h"
#include "typed.h"

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
  int64_t y_count;
  void *ref, *first, *second; /* y_count elements of the dtype each */
  float *magnitude;           /* S per element of y (per-element rule only), else NULL */
} layer_data;

static void layer_data_free(layer_data *d) {
  tconv_buffer_destroy(d->x);
  tconv_buffer_destroy(d->w);
  tconv_buffer_destroy(d->y);
  free(d->ref);
  free(d->first);
  free(d->second);
  free(d->magnitude);
  memset(d, 0, sizeof *d);
}

/* A device buffer holding `bytes` of host data. */
static int upload(tconv_context *ctx, tconv_buffer **buffer, const void *host, size_t bytes) {
  tconv_status status = tconv_buffer_create(ctx, bytes, buffer);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_upload(ctx, *buffer, 0, host, bytes);
  if (status != TCONV_STATUS_OK)
    return bench_fail("%s: %s", tconv_status_name(status), tconv_context_last_error(ctx));
  return 0;
}

/* The seeded tensor of `dims` in the storage, on the device; its host copy in *host_out when
 * asked for (freed by the caller), else freed here. */
static int upload_random(tconv_context *ctx, const bench_storage *st, int rank, const int64_t *dims,
                         int64_t count, uint64_t seed, tconv_buffer **buffer, void **host_out) {
  const size_t bytes = (size_t)count * tconv_dtype_size(st->dtype);
  void *host = malloc(bytes);
  if (host == NULL)
    return bench_fail("out of host memory (%zu bytes)", bytes);
  int rc = bench_fill_typed(host, rank, dims, st, seed);
  if (rc == 0)
    rc = upload(ctx, buffer, host, bytes);
  if (host_out != NULL && rc == 0)
    *host_out = host;
  else
    free(host);
  return rc;
}

static int layer_data_create(tconv_context *ctx, const bench_shape *sh, const bench_storage *st,
                             layer_data *d, void **x_host, void **w_host) {
  memset(d, 0, sizeof *d);
  d->y_count = sh->y_count;
  d->y_bytes = (size_t)sh->y_count * tconv_dtype_size(st->dtype);
  if (upload_random(ctx, st, sh->dims, sh->x, sh->x_count, 1, &d->x, x_host) != 0 ||
      upload_random(ctx, st, sh->dims, sh->w, sh->w_count, 2, &d->w, w_host) != 0)
    return -1;
  BENCH_TCONV(ctx, tconv_buffer_create(ctx, d->y_bytes, &d->y));
  d->tx = tconv_tensor_make_typed(d->x, 0, sh->dims, sh->x, st->dtype, st->layout);
  d->tw = tconv_tensor_make_typed(d->w, 0, sh->dims, sh->w, st->dtype, st->layout);
  d->ty = tconv_tensor_make_typed(d->y, 0, sh->dims, sh->y, st->dtype, st->layout);
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
  char why[256];
  if (poison(env, d) != 0)
    return -1;
  if (run_cudnn_work(work, why, sizeof why) != 0) {
    snprintf(row->note, sizeof row->note, "run: %s", bench_last_failure());
    return cudaDeviceSynchronize() == cudaSuccess ? 0 : -1;
  }
  if (tconv_buffer_download(env->ctx, d->y, 0, d->first, d->y_bytes) != TCONV_STATUS_OK)
    return bench_fail("cuDNN's output: %s", tconv_context_last_error(env->ctx));
  const int64_t bad = bench_count_nonfinite(d->first, env->storage.dtype, d->y_count);
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
  const bench_match m = bench_compare(&env->storage, d->first, d->ref, d->magnitude, d->y_count);
  row->error = m.error;
  if (!m.ok) {
    snprintf(row->note, sizeof row->note,
             "differs from the reference row by %.1e (%lld elements outside the bound)", m.error,
             (long long)m.outside);
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
                 row->found.memory > ws_bytes          ? "workspace above the limit"
                 : bench_storage_strict(&env->storage) ? "tensor-op math (not strict FP32)"
                                                       : "converts float32 to half (below TF32)");
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
static int checked_run(const bench_env *env, tconv_work *t, void *host, bench_algo_result *row) {
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
    const bench_match m = bench_compare(&env->storage, d->first, d->ref, d->magnitude, d->y_count);
    row->error = m.error;
    row->outside = m.outside;
    row->matched = m.ok;
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
    const bench_storage *st = &env->storage;
    const tconv_tensor x = tconv_tensor_make_typed(NULL, 0, sh->dims, sh->x, st->dtype, st->layout);
    const tconv_tensor w = tconv_tensor_make_typed(NULL, 0, sh->dims, sh->w, st->dtype, st->layout);
    const tconv_tensor y = tconv_tensor_make_typed(NULL, 0, sh->dims, sh->y, st->dtype, st->layout);
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

/* S = sum |x w| per output element, for the per-element rule: cuDNN's heuristic pick in
 * strict FP32 on |x| and |w| (exact as floats) in the run's layout, into d->magnitude. The
 * sum of non-negative terms is accurate to a few float32 ulps whatever the algorithm, far
 * inside what the bound's c * S allows for. */
static int magnitudes(const bench_env *env, tconv_op op, const bench_shape *sh, const void *x_host,
                      const void *w_host, layer_data *d) {
  const bench_storage st = {TCONV_DTYPE_FLOAT32, env->storage.layout, TCONV_MATH_STRICT};
  const tconv_dtype dtype = env->storage.dtype;
  const int64_t most = sh->x_count > sh->w_count ? sh->x_count : sh->w_count;
  cudnn_layer cl = {0};
  cudnn_choice pick;
  tconv_buffer *ax = NULL, *aw = NULL, *s = NULL, *ws = NULL;
  float *host = malloc((size_t)most * sizeof *host);
  char why[512];
  int rc = -1;
  d->magnitude = malloc((size_t)sh->y_count * sizeof *d->magnitude);
  if (host == NULL || d->magnitude == NULL) {
    bench_fail("out of host memory for the magnitudes (%lld floats)", (long long)most);
    goto done;
  }
  if (cudnn_layer_create(&cl, op, sh, &st, why, sizeof why) != 0) {
    bench_fail("magnitudes: cuDNN descriptors: %s", why);
    goto done;
  }
  bench_abs_to_float(x_host, dtype, sh->x_count, host);
  if (upload(env->ctx, &ax, host, (size_t)sh->x_count * sizeof *host) != 0)
    goto done;
  bench_abs_to_float(w_host, dtype, sh->w_count, host);
  if (upload(env->ctx, &aw, host, (size_t)sh->w_count * sizeof *host) != 0 ||
      cudnn_heuristic_pick(env->cudnn, &cl, env->cudnn_workspace_cap, &pick) != 0)
    goto done;
  if (tconv_buffer_create(env->ctx, (size_t)sh->y_count * sizeof(float), &s) != TCONV_STATUS_OK ||
      (pick.memory > 0 && tconv_buffer_create(env->ctx, pick.memory, &ws) != TCONV_STATUS_OK)) {
    bench_fail("magnitudes: %s", tconv_context_last_error(env->ctx));
    goto done;
  }
  if (cudnn_run(env->cudnn, &cl, &pick, tconv_buffer_data(ax), tconv_buffer_data(aw),
                tconv_buffer_data(s), ws != NULL ? tconv_buffer_data(ws) : NULL) != 0)
    goto done;
  if (tconv_context_synchronize(env->ctx) != TCONV_STATUS_OK ||
      tconv_buffer_download(env->ctx, s, 0, d->magnitude, (size_t)sh->y_count * sizeof(float)) !=
          TCONV_STATUS_OK) {
    bench_fail("magnitudes: %s", tconv_context_last_error(env->ctx));
    goto done;
  }
  rc = 0;
done:
  cudnn_layer_destroy(&cl);
  tconv_buffer_destroy(ax);
  tconv_buffer_destroy(aw);
  tconv_buffer_destroy(s);
  tconv_buffer_destroy(ws);
  free(host);
  return rc;
}

int bench_run_layer(const bench_env *env, const bench_layer *layer, bench_result *r) {
  memset(r, 0, sizeof *r);
  r->layer = layer;
  r->storage = env->storage; /* a layer that fails still reports its storage */
  r->best = -1;
  char why[512];
  if (bench_shape_of(layer, &r->shape, why, sizeof why) != 0) {
    r->failed = 1;
    snprintf(r->failure, sizeof r->failure, "%s", why);
    return bench_fail("%s", why);
  }
  r->shape.params.math = env->storage.math;
  const bench_shape *sh = &r->shape;
  r->floor_ms = bench_floor_ms(env->ceilings, sh->flops, sh->bytes);

  int rc = -1;
  layer_data d = {0};
  cudnn_layer cl = {0};
  void *x_host = NULL, *w_host = NULL;
  const int per_element = !bench_storage_strict(&env->storage);
  if (cudnn_layer_create(&cl, layer->op, sh, &env->storage, why, sizeof why) != 0) {
    bench_fail("%s: cuDNN descriptors: %s", layer->name, why);
    goto cleanup;
  }
  /* The magnitudes come first: cuDNN's rows are compared by the same rule. */
  if (layer_data_create(env->ctx, sh, &env->storage, &d, per_element ? &x_host : NULL,
                        per_element ? &w_host : NULL) != 0 ||
      (per_element && magnitudes(env, layer->op, sh, x_host, w_host, &d) != 0) ||
      measure_cudnn(env, &cl, &d, r) != 0 || list_algos(env, sh, layer->op, r) != 0)
    goto cleanup;
  if (r->best < 0) {
    char storage[64];
    bench_storage_format(&env->storage, storage, sizeof storage);
    bench_fail("%s: no cuDNN algorithm gave a valid %s output to compare with", layer->name,
               storage);
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
  free(x_host);
  free(w_host);
  return rc;
}
