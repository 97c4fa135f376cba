/*
 * report.c - the table, the CSV, the progress lines and the summary of report.h.
 *
 * The text table is one block per layer (written as soon as the layer is measured, so a run
 * cut short keeps what it measured): tconv's rows with AUTO last and apart, then cuDNN's
 * FindEx rows with the benchmark's own times. Every CSV row repeats the layer's cuDNN
 * columns, so that each line stands on its own for grep, awk and spreadsheets.
 */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

int bench_row_valid(const bench_algo_result *row) { return row->ran && row->matched; }

const char *bench_row_status(const bench_algo_result *row) {
  if (!row->ran)
    return "failed";
  if (!row->matched)
    return "wrong";
  if (row->deterministic == 0)
    return "nondeterministic";
  return "ok";
}

static const char *det_name(int deterministic) {
  return deterministic > 0 ? "yes" : deterministic == 0 ? "NO" : "-";
}

/* The fastest valid row of a layer among the named algorithms (AUTO is reported apart: it
 * is one of them, chosen by the heuristic), or NULL. */
static const bench_algo_result *fastest(const bench_result *r) {
  const bench_algo_result *best = NULL;
  for (int i = 0; i < r->count; ++i)
    if (r->rows[i].algo != TCONV_ALGO_AUTO && bench_row_valid(&r->rows[i]) &&
        (best == NULL || r->rows[i].ms < best->ms))
      best = &r->rows[i];
  return best;
}

static const bench_algo_result *auto_row(const bench_result *r) {
  for (int i = 0; i < r->count; ++i)
    if (r->rows[i].algo == TCONV_ALGO_AUTO)
      return &r->rows[i];
  return NULL;
}

/* The baseline: the fastest valid FindEx row, or NULL. */
static const bench_cudnn_result *baseline(const bench_result *r) {
  return r->best >= 0 ? &r->cudnn[r->best] : NULL;
}

static const char *cudnn_name(const bench_result *r, const bench_cudnn_result *c) {
  return cudnn_algo_name(r->layer->op, c->found.algo);
}

/* Useful FLOP/s and bytes (x + w + y once) per second of a run of `ms`. */
static double tflops_of(const bench_result *r, double ms) {
  return r->shape.flops / (ms * 1e-3) / 1e12;
}
static double gbps_of(const bench_result *r, double ms) {
  return r->shape.bytes / (ms * 1e-3) / 1e9;
}

/* ---- table ---------------------------------------------------------------------------- */

#define TCONV_ROW "  %-10s %9s %8s %8s %7s %6s %10s %8s %-3s %7s  %s\n"
#define CUDNN_ROW "  %-22s %-26s %-14s %9s %9s %8s %10s %8s  %s\n"

static void tconv_row(FILE *out, const bench_result *r, const bench_algo_result *row,
                      const bench_cudnn_result *base) {
  char ms[32] = "-", host[32] = "-", tflops[32] = "-", gbps[32] = "-", floor_pct[32] = "-",
       ws[32] = "-", err[32] = "-", speedup[32] = "-", status[320];
  if (row->ran) {
    snprintf(ms, sizeof ms, "%.4f", row->ms);
    snprintf(host, sizeof host, "%.4f", row->host_ms);
    snprintf(tflops, sizeof tflops, "%.2f", tflops_of(r, row->ms));
    snprintf(gbps, sizeof gbps, "%.0f", gbps_of(r, row->ms));
    snprintf(floor_pct, sizeof floor_pct, "%.1f", 100.0 * r->floor_ms / row->ms);
    bench_format_bytes((double)row->workspace, ws, sizeof ws);
    snprintf(err, sizeof err, "%.1e", row->error);
    if (base != NULL)
      snprintf(speedup, sizeof speedup, "%.2f", base->ms / row->ms);
  }
  snprintf(status, sizeof status, "%s%s%s%s", bench_row_status(row),
           row->ran && row->host_ms > row->ms ? ", HOST-BOUND (enqueue > kernel time)" : "",
           row->note[0] ? ": " : "", row->note);
  fprintf(out, TCONV_ROW, tconv_algo_name(row->algo), ms, host, tflops, gbps, floor_pct, ws, err,
          det_name(row->deterministic), speedup, status);
}

static void cudnn_row(FILE *out, const bench_result *r, const bench_cudnn_result *c,
                      const char *mark) {
  char find_ms[32], ms[32] = "-", host[32] = "-", ws[32], err[32] = "-", status[64];
  snprintf(find_ms, sizeof find_ms, "%.4f", c->found.find_ms);
  if (c->ran) {
    snprintf(ms, sizeof ms, "%.4f", c->ms);
    snprintf(host, sizeof host, "%.4f", c->host_ms);
  }
  if (c->ran || isinf(c->error) || c->error > 0.0)
    snprintf(err, sizeof err, "%.1e", c->error);
  bench_format_bytes((double)c->found.memory, ws, sizeof ws);
  snprintf(status, sizeof status, "%s",
           c->found.status == CUDNN_STATUS_SUCCESS ? "ok" : cudnnGetErrorString(c->found.status));
  char note[300];
  snprintf(note, sizeof note, "%s%s%s", mark, mark[0] && c->note[0] ? "; " : "", c->note);
  fprintf(out, CUDNN_ROW, cudnn_name(r, c), status, cudnn_math_name(c->found.math), find_ms, ms,
          host, ws, err, note);
}

void bench_layer_report(FILE *out, const bench_result *r) {
  const bench_layer *l = r->layer;
  char channels[48], input[48], output[48];
  snprintf(channels, sizeof channels, "%lld->%lld", (long long)l->cin, (long long)l->cout);
  bench_format_sizes(l->in, l->rank, input, sizeof input);
  bench_format_sizes(l->out, l->rank, output, sizeof output);
  fprintf(out,
          "\n== %s: %s, N %lld, %s, %s -> %s, k %lld s %lld p %lld, groups %lld; %.3f GFLOP "
          "useful, %.1f MiB; floor %.4f ms\n",
          l->name, bench_op_name(l->op), (long long)l->n, channels, input, output, (long long)l->k,
          (long long)l->s, (long long)l->p, (long long)l->groups, r->shape.flops / 1e9,
          r->shape.bytes / BENCH_MIB, r->floor_ms);
  if (r->failed) {
    fprintf(out, "  LAYER FAILED: %s\n", r->failure);
    return;
  }
  const bench_cudnn_result *base = baseline(r);
  fprintf(out, TCONV_ROW, "tconv", "ms", "host ms", "TFLOP/s", "GB/s", "%floor", "workspace",
          "max err", "det", "speedup", "status");
  for (int i = 0; i < r->count; ++i)
    if (r->rows[i].algo != TCONV_ALGO_AUTO)
      tconv_row(out, r, &r->rows[i], base);
  const bench_algo_result *au = auto_row(r);
  if (au != NULL)
    tconv_row(out, r, au, base);
  fprintf(out, CUDNN_ROW, "cuDNN FindEx", "status", "math", "FindEx ms", "ms", "host ms",
          "workspace", "max err", "");
  for (int i = 0; i < r->cudnn_count; ++i)
    cudnn_row(out, r, &r->cudnn[i], i == r->best ? "baseline (fastest valid)" : "");
  if (r->v7.ran)
    fprintf(out, "  cuDNN v7 heuristic's pick: %s, %.4f ms\n", cudnn_name(r, &r->v7), r->v7.ms);
  else
    fprintf(out, "  cuDNN v7 heuristic's pick: %s, not timed: %s\n", cudnn_name(r, &r->v7),
            r->v7.note[0] ? r->v7.note : "no reference output");
  if (r->find_pick != NULL)
    fprintf(out, "  tconv_find_algo picks %s (%.4f ms by its own timing)\n", r->find_pick,
            r->find_ms);
  else
    fprintf(out, "  tconv_find_algo: %s\n", r->find_note);
}

/* ---- CSV ------------------------------------------------------------------------------ */

void bench_csv_header(FILE *out) {
  fputs("layer,op,dtype,layout,math,algo,status,ms,host_ms,tflops,gbps,pct_floor,floor_ms,"
        "workspace_bytes,"
        "max_rel_error,deterministic,cudnn_best_algo,cudnn_best_ms,cudnn_best_workspace_bytes,"
        "cudnn_v7_algo,cudnn_v7_ms,cudnn_v7_workspace_bytes,speedup,speedup_v7,find_pick,note\n",
        out);
}

/* A text field: quoted, with quotes doubled. */
static void csv_text(FILE *out, const char *text) {
  fputc('"', out);
  for (const char *p = text; *p != '\0'; ++p) {
    if (*p == '"')
      fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

void bench_csv_rows(FILE *out, const bench_result *r) {
  const char *name = r->layer->name, *op = bench_op_name(r->layer->op);
  char storage[64]; /* the three columns */
  snprintf(storage, sizeof storage, "%s,%s,%s", tconv_dtype_name(r->storage.dtype),
           tconv_layout_name(r->storage.layout), tconv_math_name(r->storage.math));
  if (r->failed) {
    fprintf(out, "%s,%s,%s,,layer-failed,,,,,,%.6f,,,,,,,,,,,,,", name, op, storage, r->floor_ms);
    csv_text(out, r->failure);
    fputc('\n', out);
    return;
  }
  const bench_cudnn_result *base = baseline(r);
  for (int i = 0; i < r->count; ++i) {
    const bench_algo_result *row = &r->rows[i];
    fprintf(out, "%s,%s,%s,%s,%s,", name, op, storage, tconv_algo_name(row->algo),
            bench_row_status(row));
    if (row->ran)
      fprintf(out, "%.6f,%.6f,%.4f,%.1f,%.2f,%.6f,%zu,%.3e,%s,", row->ms, row->host_ms,
              tflops_of(r, row->ms), gbps_of(r, row->ms), 100.0 * r->floor_ms / row->ms,
              r->floor_ms, row->workspace, row->error, det_name(row->deterministic));
    else
      fprintf(out, ",,,,,%.6f,,,,", r->floor_ms);
    fprintf(out, "%s,%.6f,%zu,%s,", cudnn_name(r, base), base->ms, base->found.memory,
            cudnn_name(r, &r->v7));
    if (r->v7.ran)
      fprintf(out, "%.6f,%zu,", r->v7.ms, r->v7.found.memory);
    else
      fputs(",,", out);
    if (row->ran)
      fprintf(out, "%.4f,", base->ms / row->ms);
    else
      fputs(",", out);
    if (row->ran && r->v7.ran)
      fprintf(out, "%.4f,", r->v7.ms / row->ms);
    else
      fputs(",", out);
    fprintf(out, "%s,", r->find_pick != NULL ? r->find_pick : "");
    csv_text(out, row->note);
    fputc('\n', out);
  }
}

/* ---- progress ------------------------------------------------------------------------- */

void bench_progress(FILE *out, int index, int total, const bench_result *r) {
  fprintf(out, "[%d/%d] %s: ", index, total, r->layer->name);
  if (r->failed) {
    fprintf(out, "FAILED: %s\n", r->failure);
    return;
  }
  const bench_cudnn_result *base = baseline(r);
  const bench_algo_result *best = fastest(r), *au = auto_row(r);
  fprintf(out, "cuDNN %s %.4f ms; ", cudnn_name(r, base), base->ms);
  if (best != NULL)
    fprintf(out, "tconv %s %.4f ms, speedup %.2f", tconv_algo_name(best->algo), best->ms,
            base->ms / best->ms);
  else
    fputs("no valid tconv result", out);
  if (au != NULL && bench_row_valid(au))
    fprintf(out, "; auto %.4f ms", au->ms);
  fputc('\n', out);
}

/* ---- summary -------------------------------------------------------------------------- */

/* Appends ", name value" entries to a list line. */
typedef struct list_line {
  char text[2048];
  size_t used;
  int items;
} list_line;

static void list_add(list_line *l, const char *format, ...) BENCH_PRINTF(2, 3);

static void list_add(list_line *l, const char *format, ...) {
  if (l->used >= sizeof l->text)
    return;
  va_list args;
  va_start(args, format);
  int n = snprintf(l->text + l->used, sizeof l->text - l->used, "%s", l->items ? ", " : "");
  if (n > 0)
    l->used += (size_t)n;
  if (l->used < sizeof l->text) {
    n = vsnprintf(l->text + l->used, sizeof l->text - l->used, format, args);
    if (n > 0)
      l->used += (size_t)n;
  }
  va_end(args);
  ++l->items;
}

static void list_print(FILE *out, const char *label, const list_line *l, const char *empty) {
  fprintf(out, "  %-48s %s\n", label, l->items ? l->text : empty);
}

static void geomean_line(FILE *out, const char *label, double log_sum, int n, int total,
                         double target) {
  if (n == 0) {
    fprintf(out, "  %-48s no layer\n", label);
    return;
  }
  const double g = exp(log_sum / n);
  fprintf(out, "  %-48s %.3f over %d of %d layers", label, g, n, total);
  if (target > 0.0)
    fprintf(out, " (target >= %.1f: %s)", target, g >= target ? "met" : "MISSED");
  fputc('\n', out);
}

/* The strict-FP32 targets beyond the geometric mean (BENCH.md): the lowest layer, the
 * special layers, the dense layers' share of the FP32 peak and of the SGEMM ceiling. */
static void strict_targets(FILE *out, const list_line *below, const list_line *special,
                           const list_line *dense_peak, const list_line *dense_sgemm,
                           const bench_ceilings *c, const char *min_layer, double min_speedup) {
  char label[128];
  if (min_layer != NULL)
    fprintf(out, "  %-48s %.3f (%s; target: none below %.1f: %s)\n", "lowest speedup:", min_speedup,
            min_layer, BENCH_TARGET_LOWEST, below->items ? "MISSED" : "met");
  snprintf(label, sizeof label, "layers below %.1f:", BENCH_TARGET_LOWEST);
  list_print(out, label, below, "none");
  snprintf(label, sizeof label,
           "grouped, 1-D, 3-D, output_padding below %.0fx:", BENCH_TARGET_SPECIAL);
  list_print(out, label, special, "none");
  snprintf(label, sizeof label,
           "dense 2-D below %.0f%% of the %.1f TFLOP/s peak:", 100.0 * BENCH_TARGET_PEAK,
           BENCH_FP32_PEAK / 1e12);
  list_print(out, label, dense_peak, "none");
  snprintf(label, sizeof label,
           "dense 2-D below %.0f%% of %.1f TFLOP/s SGEMM:", 100.0 * BENCH_TARGET_SGEMM,
           c->flops / 1e12);
  list_print(out, label, dense_sgemm, "none");
}

int bench_summary(FILE *out, const bench_result *results, int count, const bench_ceilings *c) {
  double log_best = 0, log_auto = 0, log_v7 = 0, min_speedup = INFINITY;
  int n_best = 0, n_auto = 0, n_v7 = 0, bad = 0, find_agrees = 0, find_total = 0;
  const char *min_layer = NULL;
  list_line below = {0}, special = {0}, dense_peak = {0}, dense_sgemm = {0}, nondet = {0},
            wrong = {0}, failed = {0}, none = {0}, auto_ws = {0}, find_differs = {0},
            host_bound = {0}, layers_failed = {0};
  for (int i = 0; i < count; ++i) {
    const bench_result *r = &results[i];
    const char *name = r->layer->name;
    if (r->failed) {
      list_add(&layers_failed, "%s", name);
      ++bad;
      continue;
    }
    for (int j = 0; j < r->count; ++j) {
      const bench_algo_result *row = &r->rows[j];
      const char *algo = tconv_algo_name(row->algo);
      if (!row->ran)
        list_add(&failed, "%s %s", name, algo);
      else if (!row->matched)
        list_add(&wrong, "%s %s (%.1e, %lld outside)", name, algo, row->error,
                 (long long)row->outside);
      if (row->deterministic == 0)
        list_add(&nondet, "%s %s", name, algo);
      if (row->ran && row->host_ms > row->ms)
        list_add(&host_bound, "%s %s (%.3f > %.3f ms)", name, algo, row->host_ms, row->ms);
      bad += strcmp(bench_row_status(row), "ok") != 0;
    }
    const bench_cudnn_result *base = baseline(r);
    const bench_algo_result *best = fastest(r), *au = auto_row(r);
    if (au != NULL && (!au->ran || au->workspace != 0))
      list_add(&auto_ws, "%s", name);
    if (au != NULL && bench_row_valid(au)) {
      log_auto += log(base->ms / au->ms);
      ++n_auto;
    }
    if (best == NULL) {
      list_add(&none, "%s", name);
      continue;
    }
    const double s = base->ms / best->ms;
    log_best += log(s);
    ++n_best;
    if (r->v7.ran) {
      log_v7 += log(r->v7.ms / best->ms);
      ++n_v7;
    }
    if (s < min_speedup) {
      min_speedup = s;
      min_layer = name;
    }
    if (s < BENCH_TARGET_LOWEST)
      list_add(&below, "%s %.2f", name, s);
    if (bench_layer_is_special(r->layer) && s < BENCH_TARGET_SPECIAL)
      list_add(&special, "%s %.2f", name, s);
    const double flops = tflops_of(r, best->ms) * 1e12;
    const char *bound =
        r->shape.bytes / c->bandwidth > r->shape.flops / c->flops ? " (bandwidth-bound)" : "";
    if (bench_layer_is_dense2d(r->layer) && flops < BENCH_TARGET_PEAK * BENCH_FP32_PEAK)
      list_add(&dense_peak, "%s %.0f%%%s", name, 100.0 * flops / BENCH_FP32_PEAK, bound);
    if (bench_layer_is_dense2d(r->layer) && flops < BENCH_TARGET_SGEMM * c->flops)
      list_add(&dense_sgemm, "%s %.0f%%%s", name, 100.0 * flops / c->flops, bound);
    if (r->find_pick != NULL) {
      ++find_total;
      if (strcmp(r->find_pick, tconv_algo_name(best->algo)) == 0)
        ++find_agrees;
      else
        list_add(&find_differs, "%s (find: %s, fastest here: %s)", name, r->find_pick,
                 tconv_algo_name(best->algo));
    }
  }

  /* The storage of the run: every result of one run shares it. */
  const bench_storage st = count > 0 ? results[0].storage : (bench_storage)BENCH_STORAGE_DEFAULT;
  const int strict = bench_storage_strict(&st);
  char storage[64];
  bench_storage_format(&st, storage, sizeof storage);
  fprintf(out,
          "\nsummary (%s, cuDNN %s; speedup = fastest valid cuDNN FindEx algorithm's ms / "
          "tconv ms, both timed here)\n",
          storage, strict ? "CUDNN_FMA_MATH" : "CUDNN_DEFAULT_MATH");
  geomean_line(out, "geometric mean speedup, fastest tconv algo:", log_best, n_best, count,
               strict ? BENCH_TARGET_GEOMEAN : BENCH_TARGET_TENSOR);
  geomean_line(out, "geometric mean speedup, auto:", log_auto, n_auto, count, 0.0);
  geomean_line(out, "geometric mean speedup over cuDNN's v7 pick:", log_v7, n_v7, count, 0.0);
  if (min_layer != NULL && !strict)
    fprintf(out, "  %-48s %.3f (%s)\n", "lowest speedup:", min_speedup, min_layer);
  char label[128];
  if (strict)
    strict_targets(out, &below, &special, &dense_peak, &dense_sgemm, c, min_layer, min_speedup);
  list_print(out, "auto needed a workspace or failed:", &auto_ws, "none (target met)");
  list_print(out, "not deterministic (bitwise, two runs):", &nondet, "none (target met)");
  snprintf(label, sizeof label,
           "outside %s:", strict ? "1e-4 of cuDNN (max relative)" : "the per-element bound");
  list_print(out, label, &wrong, "none");
  list_print(out, "failed to run:", &failed, "none");
  list_print(out, "layers that failed (not measured):", &layers_failed, "none");
  list_print(out, "layers without a valid tconv result:", &none, "none");
  list_print(out, "host enqueue above kernel time:", &host_bound, "none");
  fprintf(out, "  %-48s fastest measured on %d of %d layers\n",
          "tconv_find_algo's pick:", find_agrees, find_total);
  if (find_differs.items)
    list_print(out, "  where it differs:", &find_differs, "");
  return bad;
}
