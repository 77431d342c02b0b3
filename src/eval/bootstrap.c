/* bootstrap.c - percentile intervals of bootstrap replicates (a2d/bootstrap.h). */
#include "a2d/bootstrap.h"

#include <math.h>
#include <stdlib.h>

#include "a2d/error.h"

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double a2d_percentile(double *v, int64_t n, double q) {
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++)
    if (!isnan(v[i])) v[m++] = v[i];
  if (m == 0) return NAN;
  qsort(v, (size_t)m, sizeof *v, compare_double);
  const double pos = q / 100.0 * (double)(m - 1);
  const int64_t i = (int64_t)floor(pos);
  if (i >= m - 1) return v[m - 1];
  return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* The interval centred on t from the replicates w[0..B), reordered. */
static void interval(double t, double *w, int64_t B, double *lo, double *hi) {
  const double m = a2d_percentile(w, B, 50.0);
  const double qlo = a2d_percentile(w, B, A2D_BOOTSTRAP_LOW);
  const double qhi = a2d_percentile(w, B, A2D_BOOTSTRAP_HIGH);
  *lo = t - (m - qlo);
  *hi = t + (qhi - m);
}

int a2d_bootstrap_interval(double estimate, const double *rep, int64_t B, int64_t stride,
                           double *lo, double *hi) {
  double *w = malloc((size_t)(B > 0 ? B : 1) * sizeof *w);
  if (!w) return A2D_ERR_MEM;
  for (int64_t b = 0; b < B; b++) w[b] = rep[b * stride];
  interval(estimate, w, B, lo, hi);
  free(w);
  return 0;
}

int a2d_bootstrap_paired(double estimate_a, const double *a, double estimate_c, const double *c,
                         int64_t B, int64_t stride, double *lo, double *hi) {
  double *w = malloc((size_t)(B > 0 ? B : 1) * sizeof *w);
  if (!w) return A2D_ERR_MEM;
  for (int64_t b = 0; b < B; b++) w[b] = a[b * stride] - c[b * stride];
  interval(estimate_a - estimate_c, w, B, lo, hi);
  free(w);
  return 0;
}
