/* repeats.c - a study's repeats over seeds, summarised (a2d/study.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/study.h"

int a2d_study_is_seed_key(const char *key) {
  const char *dot = strrchr(key, '.');
  return !strcmp(dot ? dot + 1 : key, "seed");
}

/* n, mean, standard deviation (n - 1), min and max of v[0..n). */
static void describe(const double *v, int64_t n, double out[4]) {
  double s = 0, s2 = 0, lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    s += v[i];
    s2 += v[i] * v[i];
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  out[0] = n ? s / (double)n : NAN;
  out[1] = n > 1 ? sqrt(fmax(0.0, (s2 - s * s / (double)n) / (double)(n - 1))) : NAN;
  out[2] = lo;
  out[3] = hi;
}

a2d_err a2d_study_print_repeats(FILE *out, FILE *csv, const char *header, const char *csv_header,
                                const a2d_summary_table *t, char *const *group,
                                char *const *csv_group) {
  double *forget = calloc((size_t)(t->nrows + 1), sizeof *forget);
  double *retain = calloc((size_t)(t->nrows + 1), sizeof *retain);
  char *done = calloc((size_t)(t->nrows + 1), 1);
  if (!forget || !retain || !done) {
    free(forget), free(retain), free(done);
    return A2D_ERROR(A2D_ERR_MEM, "out of memory for the repeats over seeds");
  }
  fprintf(out,
          "\nRepeats over seeds: KLoM95 mean, standard deviation and range over the cases that "
          "differ only in their seeds\n%s%-14s %-15s %5s %30s %30s\n",
          header, "forget set", "method", "seeds", "KLoM95 forget: mean sd [min, max]",
          "KLoM95 retain: mean sd [min, max]");
  fprintf(csv,
          "%sforget,method,seeds,klom_forget_p95_mean,klom_forget_p95_sd,klom_forget_p95_min,"
          "klom_forget_p95_max,klom_retain_p95_mean,klom_retain_p95_sd,klom_retain_p95_min,"
          "klom_retain_p95_max\n",
          csv_header);
  for (int64_t i = 0; i < t->nrows; i++) {
    if (done[i]) continue;
    int64_t n = 0;
    for (int64_t j = i; j < t->nrows; j++)
      if (!done[j] && !strcmp(group[j], group[i]) &&
          !strcmp(t->rows[j].forget, t->rows[i].forget) &&
          !strcmp(t->rows[j].method, t->rows[i].method)) {
        done[j] = 1;
        forget[n] = t->rows[j].klom[0].p95;
        retain[n++] = t->rows[j].klom[1].p95;
      }
    double f[4], r[4];
    char cf[64], cr[64];
    describe(forget, n, f);
    describe(retain, n, r);
    snprintf(cf, sizeof cf, "%.3f %.3f [%.3f, %.3f]", f[0], f[1], f[2], f[3]);
    snprintf(cr, sizeof cr, "%.3f %.3f [%.3f, %.3f]", r[0], r[1], r[2], r[3]);
    fprintf(out, "%s%-14s %-15s %5lld %30s %30s\n", group[i], t->rows[i].forget, t->rows[i].method,
            (long long)n, cf, cr);
    fprintf(csv, "%s%s,%s,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", csv_group[i],
            t->rows[i].forget, t->rows[i].method, (long long)n, f[0], f[1], f[2], f[3], r[0], r[1],
            r[2], r[3]);
  }
  free(forget);
  free(retain);
  free(done);
  return A2D_OK;
}
