/* verdict.c - paired differences and cost over many requests (a2d/verdict.h). */
#include "a2d/verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/bootstrap.h"
#include "a2d/unlearn.h"

void a2d_verdict_free(a2d_verdict *v) {
  for (int64_t s = 0; v->replicates && s < v->nsets; s++) free(v->replicates[s]);
  free(v->replicates);
  free(v->sets);
  free(v->first);
  free(v->end);
  free(v->rows);
  memset(v, 0, sizeof *v);
}

/* An attribute of the evaluation's group, or `fallback` when a study file predates it. */
static a2d_err eval_int(a2d_store *store, const char *group, const char *name, int64_t fallback,
                        int64_t *value) {
  int present;
  A2D_CHECK(a2d_store_get_int(store, group, name, value, &present));
  if (!present) *value = fallback;
  return A2D_OK;
}

static a2d_err eval_real(a2d_store *store, const char *group, const char *name, double *value) {
  int present;
  A2D_CHECK(a2d_store_get_real(store, group, name, value, &present));
  if (!present) *value = NAN;
  return A2D_OK;
}

a2d_err a2d_verdict_read(a2d_store *store, const char *group, const a2d_summary_table *t,
                         a2d_verdict *v) {
  int64_t floor = 0;
  memset(v, 0, sizeof *v);
  A2D_CHECK(eval_int(store, group, "oracles", 0, &v->oracles));
  A2D_CHECK(eval_int(store, group, "bootstrap", 0, &v->bootstrap));
  A2D_CHECK(eval_int(store, group, "noise_floor", 0, &floor));
  A2D_CHECK(eval_int(store, group, "lds_models", 0, &v->lds_models));
  A2D_CHECK(eval_real(store, group, "setup_examples", &v->setup_examples));
  A2D_CHECK(eval_real(store, group, "setup_seconds", &v->setup_seconds));
  A2D_CHECK(eval_real(store, group, "lds_examples", &v->lds_examples));
  A2D_CHECK(eval_real(store, group, "lds_seconds", &v->lds_seconds));
  A2D_CHECK(eval_real(store, group, "lds_train", &v->lds_train));
  A2D_CHECK(eval_real(store, group, "lds_val", &v->lds_val));
  v->noise_floor = (int)floor;
  char *attribution = NULL;
  A2D_CHECK(a2d_store_get_string(store, group, "attribution", &attribution));
  snprintf(v->attribution, sizeof v->attribution, "%s", attribution ? attribution : "datamodels");
  free(attribution);
  char *matched = NULL;
  A2D_CHECK(a2d_store_get_string(store, group, "matching", &matched));
  snprintf(v->matching, sizeof v->matching, "%s", matched ? matched : "");
  free(matched);
  char *diverged = NULL;
  A2D_CHECK(a2d_store_get_string(store, group, "diverged", &diverged));
  snprintf(v->diverged, sizeof v->diverged, "%s", diverged ? diverged : "");
  free(diverged);
  A2D_CHECK(A2D_CALLOC(v->sets, t->nrows + 1));
  A2D_CHECK(A2D_CALLOC(v->first, t->nrows + 1));
  A2D_CHECK(A2D_CALLOC(v->end, t->nrows + 1));
  A2D_CHECK(A2D_CALLOC(v->rows, t->nrows + 1));
  A2D_CHECK(A2D_CALLOC(v->replicates, t->nrows + 1));
  for (int64_t i = 0; i < t->nrows; i++) {
    if (i == 0 || strcmp(t->rows[i].forget, t->rows[i - 1].forget)) {
      snprintf(v->sets[v->nsets], 64, "%s", t->rows[i].forget);
      v->first[v->nsets++] = i;
    }
    v->end[v->nsets - 1] = i + 1;
  }
  for (int64_t s = 0; s < v->nsets && v->bootstrap > 0; s++) {
    char path[160];
    int rank, exists;
    int64_t dims[8];
    const int64_t want = v->end[s] - v->first[s] - (v->noise_floor ? 0 : 1);
    snprintf(path, sizeof path, "%s/%s/bootstrap_klom95", group, v->sets[s]);
    A2D_CHECK(a2d_store_exists(store, path, &exists));
    if (!exists) continue;
    A2D_CHECK(a2d_store_shape(store, path, &rank, dims));
    if (rank != 3 || dims[0] != v->bootstrap || dims[1] != want || dims[2] != 3)
      return A2D_ERROR(
          A2D_ERR_DATA, "%s: %s is %lld x %lld x %lld, expected %lld resamples x %lld rows x 3",
          a2d_store_path(store), path, (long long)dims[0], (long long)(rank > 1 ? dims[1] : 0),
          (long long)(rank > 2 ? dims[2] : 0), (long long)v->bootstrap, (long long)want);
    v->rows[s] = want;
    A2D_CHECK(A2D_CALLOC(v->replicates[s], dims[0] * want * 3));
    A2D_CHECK(a2d_store_read_rows(store, path, A2D_F64, 0, dims[0], v->replicates[s]));
  }
  return A2D_OK;
}

/* The replicates of summary row i of set s on group g (NULL when it has none). */
static const double *replicates_of(const a2d_verdict *v, int64_t s, int64_t i, int g) {
  if (!v->replicates[s]) return NULL;
  int64_t r = i - v->first[s] - (v->noise_floor ? 0 : 1);
  if (r < 0 || r >= v->rows[s]) return NULL;
  return v->replicates[s] + r * 3 + g;
}

/* "+0.41 [+0.12, +0.70]" into buf: the point difference and its paired interval. */
static void difference(const a2d_summary_table *t, const a2d_verdict *v, int64_t s, int64_t i,
                       int64_t j, char *buf, size_t size, int *called) {
  const double *a = replicates_of(v, s, i, 0), *c = replicates_of(v, s, j, 0);
  double lo = NAN, hi = NAN, d = t->rows[i].klom[0].p95 - t->rows[j].klom[0].p95;
  *called = 0;
  if (!a || !c ||
      a2d_bootstrap_paired(t->rows[i].klom[0].p95, a, t->rows[j].klom[0].p95, c, v->bootstrap,
                           v->rows[s] * 3, &lo, &hi) ||
      isnan(lo) || isnan(hi)) {
    snprintf(buf, size, "%+.2f", d);
    return;
  }
  *called = lo > 0 || hi < 0;
  snprintf(buf, size, "%+.2f [%+.2f, %+.2f]", d, lo, hi);
}

/* A baseline: a method that needs neither a teacher nor datamodels, other than `none`. */
static int is_baseline(const char *method) {
  const a2d_unlearn_method *m = a2d_unlearn_find(method);
  return m && strcmp(method, "none") &&
         !(m->needs & (A2D_UNLEARN_NEEDS_TEACHER | A2D_UNLEARN_NEEDS_DATAMODEL));
}

/* Row i minus reference row `ref` into cell and its mark (<, >, =); "-" where there is none. */
static void against(const a2d_summary_table *t, const a2d_verdict *v, int64_t s, int64_t i,
                    int64_t ref, char *cell, size_t size, const char **mark) {
  int called = 0;
  snprintf(cell, size, "-");
  *mark = "";
  if (ref < 0 || ref == i) return;
  difference(t, v, s, i, ref, cell, size, &called);
  *mark = !called ? "=" : t->rows[i].klom[0].p95 > t->rows[ref].klom[0].p95 ? ">" : "<";
}

void a2d_verdict_print_differences(FILE *out, const a2d_summary_table *t, const a2d_verdict *v,
                                   int markdown) {
  if (v->bootstrap <= 0) {
    fprintf(out, "\nNo bootstrap ([evaluate] bootstrap = 0): no difference is called.\n");
    return;
  }
  fprintf(out, markdown ? "\n## Differences\n\n"
                        : "\nDifferences in forget-set KLoM95, paired bootstrap (95%%):\n");
  fprintf(out,
          "%s%lld resamples of the base models (shared by the methods), the %lld reference "
          "oracles%s and the points. Each method minus the noise floor, minus the lowest method "
          "and minus the best baseline (the lowest of the methods that need neither a teacher "
          "nor datamodels, `none` aside). A difference is called (`<`, `>`) only where its "
          "paired interval excludes 0; `=` marks the rest.\n",
          markdown ? "" : "  ", (long long)v->bootstrap, (long long)v->oracles,
          v->noise_floor ? ", the floor's other oracles" : "");
  for (int64_t s = 0; s < v->nsets; s++) {
    int64_t refs[3] = {v->noise_floor ? v->first[s] : -1, -1, -1}; /* floor, lowest, baseline */
    for (int64_t i = v->first[s] + 1; i < v->end[s]; i++) {
      const double k = t->rows[i].klom[0].p95;
      if (isnan(k)) continue;
      if (refs[1] < 0 || k < t->rows[refs[1]].klom[0].p95) refs[1] = i;
      if (is_baseline(t->rows[i].method) && (refs[2] < 0 || k < t->rows[refs[2]].klom[0].p95))
        refs[2] = i;
    }
    if (refs[1] < 0) continue;
    const char *lowest = t->rows[refs[1]].method,
               *base = refs[2] < 0 ? "-" : t->rows[refs[2]].method;
    if (markdown)
      fprintf(out,
              "\n**%s** (lowest: %s; best baseline: %s)\n\n| method | KLoM95 forget | minus floor "
              "| | minus %s | | minus %s | |\n|---|---:|---:|:-:|---:|:-:|---:|:-:|\n",
              v->sets[s], lowest, base, lowest, base);
    else
      fprintf(out, "\n  %s (lowest: %s; best baseline: %s)\n  %-15s %8s %26s %26s %26s\n",
              v->sets[s], lowest, base, "method", "KLoM95", "minus floor", "minus lowest",
              "minus best baseline");
    for (int64_t i = v->first[s] + 1; i < v->end[s]; i++) {
      char cells[3][64];
      const char *marks[3];
      for (int r = 0; r < 3; r++)
        against(t, v, s, i, refs[r], cells[r], sizeof cells[r], &marks[r]);
      if (markdown)
        fprintf(out, "| %s | %.3f | %s | %s | %s | %s | %s | %s |\n", t->rows[i].method,
                t->rows[i].klom[0].p95, cells[0], marks[0], cells[1], marks[1], cells[2], marks[2]);
      else
        fprintf(out, "  %-15s %8.3f %24s %1s %24s %1s %24s %1s\n", t->rows[i].method,
                t->rows[i].klom[0].p95, cells[0], marks[0], cells[1], marks[1], cells[2], marks[2]);
    }
  }
}

void a2d_verdict_print_attribution(FILE *out, const a2d_verdict *v) {
  fprintf(out, "\nAttribution behind dmm and dm_direct ([attribution] method): %s; ",
          v->attribution);
  if (isnan(v->lds_train))
    fprintf(out, "no LDS ([datamodel] lds_subsets = 0).\n");
  else
    fprintf(out, "LDS %.4f on training targets, %.4f on validation targets.\n", v->lds_train,
            v->lds_val);
}

void a2d_verdict_print_cost(FILE *out, const a2d_summary_table *t, const a2d_verdict *v,
                            int markdown) {
  char seconds[64] = "an unknown number of"; /* NaN: stages run by an a2d that did not time them */
  if (!isnan(v->setup_seconds)) snprintf(seconds, sizeof seconds, "%.4g", v->setup_seconds);
  fprintf(out, markdown ? "\n## Cost\n\n" : "\nCost, in retrains of each forget set:\n");
  const int trak = !strcmp(v->attribution, "trak");
  fprintf(out,
          "%sPer request: cost (the method's own examples) and prep (om's teacher, a retrain "
          "per request). Setup, paid once for every request: the attribution behind dmm and "
          "dm_direct, here %s, %.4g examples, and with %s %s core-seconds. Break-even: the "
          "requests after which setup plus per-request cost undercuts one retrain per request. "
          "It assumes the attribution stays valid across requests (%s not redone after a "
          "deletion).%s\n",
          markdown ? "" : "  ",
          trak ? "TRAK's: its features at the base models (a gradient pass per example and "
                 "block of projection columns) and its calibration models"
               : "the ensemble behind the datamodels",
          v->setup_examples, trak ? "the kernel, in all," : "the fit", seconds,
          trak ? "it is" : "the ensemble and the fit are",
          trak ? " TRAK has no forget-set group term (it needs the ensemble's residuals): dmm "
                 "and dm_direct ran without it."
               : "");
  if (markdown)
    fprintf(out,
            "\n| forget set | method | cost | prep | setup | break-even | time cost | "
            "prep time | setup time | break-even (time) |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  else
    fprintf(out, "\n  %-14s %-15s %8s %6s %8s %10s %9s %9s %10s %10s\n", "forget set", "method",
            "cost", "prep", "setup", "break-even", "time", "prep time", "setup time", "break-even");
  for (int64_t i = 0; i < t->nrows; i++) {
    const a2d_summary_row *r = &t->rows[i];
    if (!strcmp(r->method, "noise_floor")) continue;
    char be[32], bt[32];
    a2d_summary_requests(be, sizeof be, r->breakeven);
    a2d_summary_requests(bt, sizeof bt, r->breakeven_time);
    if (markdown)
      fprintf(out, "| %s | %s | %.4f | %.3f | %.1f | %s | %.4f | %.3f | %.1f | %s |\n", r->forget,
              r->method, r->cost, r->prep_cost, r->setup_cost, be, r->time_cost, r->prep_time_cost,
              r->setup_time_cost, bt);
    else
      fprintf(out, "  %-14s %-15s %8.4f %6.3f %8.1f %10s %9.4f %9.3f %10.1f %10s\n", r->forget,
              r->method, r->cost, r->prep_cost, r->setup_cost, be, r->time_cost, r->prep_time_cost,
              r->setup_time_cost, bt);
  }
  if (v->lds_models > 0)
    fprintf(out,
            "%s%sThe LDS models, a diagnostic of the attribution, are in no method's cost: %lld "
            "models, %.4g examples, %.4g core-seconds.\n",
            markdown ? "\n" : "\n", markdown ? "" : "  ", (long long)v->lds_models, v->lds_examples,
            v->lds_seconds);
}
