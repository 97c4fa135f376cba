/*
 * report.c - the table, the CSV, the progress lines and the summary of report.h.
 *
 * Every row of a layer repeats the layer's cuDNN columns, so that each row (and each CSV
 * line) stands on its own for grep, awk and spreadsheets.
 */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

int bench_row_valid(const bench_algo_result *row) {
  return row->ran && row->error <= BENCH_TOLERANCE;
}

const char *bench_row_status(const bench_algo_result *row) {
  if (!row->ran)
    return "failed";
  if (!(row->error <= BENCH_TOLERANCE))
    return "wrong";
  if (row->deterministic == 0)
    return "nondeterministic";
  return "ok";
}

static const char *det_name(int deterministic) {
  return deterministic > 0 ? "yes" : deterministic == 0 ? "NO" : "-";
}

/* The fastest valid row of a layer, or NULL. */
static const bench_algo_result *fastest(const bench_result *r) {
  const bench_algo_result *best = NULL;
  for (int i = 0; i < r->count; ++i)
    if (bench_row_valid(&r->rows[i]) && (best == NULL || r->rows[i].ms < best->ms))
      best = &r->rows[i];
  return best;
}

static const bench_algo_result *auto_row(const bench_result *r) {
  for (int i = 0; i < r->count; ++i)
    if (r->rows[i].algo == TCONV_ALGO_AUTO)
      return &r->rows[i];
  return NULL;
}

/* ---- table ---------------------------------------------------------------------------- */

#define TABLE_FORMAT                                                                               \
  "%-12s %-9s %9s %8s %7s %6s %10s %8s %-3s | %-21s %9s %10s | %-21s %9s %10s | %7s  %s\n"

/* Useful FLOP/s and bytes (x + w + y once) per second of a run of `ms`. */
static double tflops_of(const bench_result *r, double ms) {
  return r->shape.flops / (ms * 1e-3) / 1e12;
}
static double gbps_of(const bench_result *r, double ms) {
  return r->shape.bytes / (ms * 1e-3) / 1e9;
}

void bench_table_header(FILE *out) {
  fprintf(out, TABLE_FORMAT, "layer", "algo", "ms", "TFLOP/s", "GB/s", "%floor", "workspace",
          "max err", "det", "cuDNN best", "ms", "workspace", "cuDNN v7", "ms", "workspace",
          "speedup", "status");
}

void bench_table_rows(FILE *out, const bench_result *r) {
  char best_ms[32], best_ws[32], v7_ms[32], v7_ws[32];
  snprintf(best_ms, sizeof best_ms, "%.4f", r->best.ms);
  snprintf(v7_ms, sizeof v7_ms, "%.4f", r->v7.ms);
  bench_format_bytes((double)r->best.workspace, best_ws, sizeof best_ws);
  bench_format_bytes((double)r->v7.workspace, v7_ws, sizeof v7_ws);
  for (int i = 0; i < r->count; ++i) {
    const bench_algo_result *row = &r->rows[i];
    char ms[32] = "-", tflops[32] = "-", gbps[32] = "-", floor_pct[32] = "-", ws[32] = "-",
         err[32] = "-", speedup[32] = "-", status[300];
    if (row->ran) {
      snprintf(ms, sizeof ms, "%.4f", row->ms);
      snprintf(tflops, sizeof tflops, "%.2f", tflops_of(r, row->ms));
      snprintf(gbps, sizeof gbps, "%.0f", gbps_of(r, row->ms));
      snprintf(floor_pct, sizeof floor_pct, "%.1f", 100.0 * r->floor_ms / row->ms);
      bench_format_bytes((double)row->workspace, ws, sizeof ws);
      snprintf(err, sizeof err, "%.1e", row->error);
      snprintf(speedup, sizeof speedup, "%.2f", r->best.ms / row->ms);
    }
    snprintf(status, sizeof status, "%s%s%s", bench_row_status(row), row->note[0] ? ": " : "",
             row->note);
    fprintf(out, TABLE_FORMAT, r->layer->name, tconv_algo_name(row->algo), ms, tflops, gbps,
            floor_pct, ws, err, det_name(row->deterministic), r->best.algo, best_ms, best_ws,
            r->v7.algo, v7_ms, v7_ws, speedup, status);
  }
}

/* ---- CSV ------------------------------------------------------------------------------ */

void bench_csv_header(FILE *out) {
  fputs("layer,op,algo,status,ms,tflops,gbps,pct_floor,floor_ms,workspace_bytes,max_rel_error,"
        "deterministic,cudnn_best_algo,cudnn_best_ms,cudnn_best_workspace_bytes,cudnn_v7_algo,"
        "cudnn_v7_ms,cudnn_v7_workspace_bytes,speedup,speedup_v7,find_pick,note\n",
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
  for (int i = 0; i < r->count; ++i) {
    const bench_algo_result *row = &r->rows[i];
    fprintf(out, "%s,%s,%s,%s,", r->layer->name, bench_op_name(r->layer->op),
            tconv_algo_name(row->algo), bench_row_status(row));
    if (row->ran)
      fprintf(out, "%.6f,%.4f,%.1f,%.2f,%.6f,%zu,%.3e,%s,", row->ms, tflops_of(r, row->ms),
              gbps_of(r, row->ms), 100.0 * r->floor_ms / row->ms, r->floor_ms, row->workspace,
              row->error, det_name(row->deterministic));
    else
      fprintf(out, ",,,,%.6f,,,,", r->floor_ms);
    fprintf(out, "%s,%.6f,%zu,%s,%.6f,%zu,", r->best.algo, r->best.ms, r->best.workspace,
            r->v7.algo, r->v7.ms, r->v7.workspace);
    if (row->ran)
      fprintf(out, "%.4f,%.4f,", r->best.ms / row->ms, r->v7.ms / row->ms);
    else
      fputs(",,", out);
    fprintf(out, "%s,", r->find_pick != NULL ? r->find_pick : "");
    csv_text(out, row->note);
    fputc('\n', out);
  }
}

/* ---- progress ------------------------------------------------------------------------- */

void bench_progress(FILE *out, int index, int total, const bench_result *r) {
  const bench_algo_result *best = fastest(r);
  fprintf(out, "[%d/%d] %s: cuDNN %s %.4f ms (v7 %s %.4f ms); ", index, total, r->layer->name,
          r->best.algo, r->best.ms, r->v7.algo, r->v7.ms);
  if (best != NULL)
    fprintf(out, "tconv %s %.4f ms, speedup %.2f, err %.1e", tconv_algo_name(best->algo), best->ms,
            r->best.ms / best->ms, best->error);
  else
    fputs("no valid tconv result", out);
  if (r->find_pick != NULL)
    fprintf(out, "; find_algo picks %s (%.4f ms)\n", r->find_pick, r->find_ms);
  else
    fprintf(out, "; find_algo: %s\n", r->find_note);
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
  fprintf(out, "  %-44s %s\n", label, l->items ? l->text : empty);
}

static void geomean_line(FILE *out, const char *label, double log_sum, int n, int total,
                         const char *target) {
  if (n == 0) {
    fprintf(out, "  %-44s no layer\n", label);
    return;
  }
  const double g = exp(log_sum / n);
  fprintf(out, "  %-44s %.3f over %d of %d layers", label, g, n, total);
  if (target != NULL)
    fprintf(out, " (target >= 1.0: %s)", g >= 1.0 ? "met" : "MISSED");
  fputc('\n', out);
}

int bench_summary(FILE *out, const bench_result *results, int count, const bench_ceilings *c) {
  double log_best = 0, log_auto = 0, log_v7 = 0, min_speedup = INFINITY;
  int n_best = 0, n_auto = 0, bad = 0, find_agrees = 0, find_total = 0;
  const char *min_layer = NULL;
  list_line below_08 = {0}, special = {0}, dense = {0}, nondet = {0}, wrong = {0}, failed = {0},
            none = {0}, auto_ws = {0}, find_differs = {0};
  for (int i = 0; i < count; ++i) {
    const bench_result *r = &results[i];
    const char *name = r->layer->name;
    for (int j = 0; j < r->count; ++j) {
      const bench_algo_result *row = &r->rows[j];
      const char *algo = tconv_algo_name(row->algo);
      if (!row->ran)
        list_add(&failed, "%s %s", name, algo);
      else if (!(row->error <= BENCH_TOLERANCE))
        list_add(&wrong, "%s %s (%.1e)", name, algo, row->error);
      if (row->deterministic == 0)
        list_add(&nondet, "%s %s", name, algo);
      bad += strcmp(bench_row_status(row), "ok") != 0;
    }
    const bench_algo_result *best = fastest(r), *au = auto_row(r);
    if (au != NULL && (!au->ran || au->workspace != 0))
      list_add(&auto_ws, "%s", name);
    if (au != NULL && bench_row_valid(au)) {
      log_auto += log(r->best.ms / au->ms);
      ++n_auto;
    }
    if (best == NULL) {
      list_add(&none, "%s", name);
      continue;
    }
    const double s = r->best.ms / best->ms;
    log_best += log(s);
    log_v7 += log(r->v7.ms / best->ms);
    ++n_best;
    if (s < min_speedup) {
      min_speedup = s;
      min_layer = name;
    }
    if (s < 0.8)
      list_add(&below_08, "%s %.2f", name, s);
    if (bench_layer_is_special(r->layer) && s < 2.0)
      list_add(&special, "%s %.2f", name, s);
    const double share = tflops_of(r, best->ms) * 1e12 / c->flops;
    if (bench_layer_is_dense2d(r->layer) && share < 0.5)
      list_add(&dense, "%s %.0f%%%s", name, 100.0 * share,
               r->shape.bytes / c->bandwidth > r->shape.flops / c->flops ? " (bandwidth-bound)"
                                                                         : "");
    if (r->find_pick != NULL) {
      ++find_total;
      if (strcmp(r->find_pick, tconv_algo_name(best->algo)) == 0)
        ++find_agrees;
      else
        list_add(&find_differs, "%s (find: %s, fastest here: %s)", name, r->find_pick,
                 tconv_algo_name(best->algo));
    }
  }

  fprintf(out, "\nsummary (strict FP32; speedup = cuDNN best ms / tconv ms)\n");
  geomean_line(out, "geometric mean speedup, fastest tconv algo:", log_best, n_best, count,
               "target");
  geomean_line(out, "geometric mean speedup, auto:", log_auto, n_auto, count, NULL);
  geomean_line(out, "geometric mean speedup over cuDNN's v7 pick:", log_v7, n_best, count, NULL);
  if (min_layer != NULL)
    fprintf(out, "  %-44s %.3f (%s; target: none below 0.8: %s)\n", "lowest speedup:", min_speedup,
            min_layer, below_08.items ? "MISSED" : "met");
  list_print(out, "layers below 0.8:", &below_08, "none");
  list_print(out, "grouped, 1-D, 3-D, output_padding below 2x:", &special, "none");
  char label[96];
  snprintf(label, sizeof label, "dense 2-D below 50%% of %.1f TFLOP/s SGEMM:", c->flops / 1e12);
  list_print(out, label, &dense, "none");
  list_print(out, "auto needed a workspace or failed:", &auto_ws, "none (target met)");
  list_print(out, "not deterministic (bitwise, two runs):", &nondet, "none (target met)");
  char tolerance[64];
  snprintf(tolerance, sizeof tolerance, "differ from cuDNN by more than %.0e:", BENCH_TOLERANCE);
  list_print(out, tolerance, &wrong, "none");
  list_print(out, "failed to run:", &failed, "none");
  list_print(out, "layers without a valid tconv result:", &none, "none");
  fprintf(out, "  %-44s fastest measured on %d of %d layers\n",
          "tconv_find_algo's pick:", find_agrees, find_total);
  if (find_differs.items)
    list_print(out, "  where it differs:", &find_differs, "");
  return bad;
}
