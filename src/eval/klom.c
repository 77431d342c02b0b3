/* klom.c - KLoM of one example and percentile summaries (a2d/klom.h). */
#include "a2d/klom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double clip(float v) {
  double x = (double)v;
  return x < -A2D_KLOM_CLIP ? -A2D_KLOM_CLIP : x > A2D_KLOM_CLIP ? A2D_KLOM_CLIP : x;
}

/* Bin of x in [lo, lo + 20 width]: half-open bins, the last one closed. */
static int bin_of(double x, double lo, double width) {
  int b = (int)floor((x - lo) / width);
  return b < 0 ? 0 : b >= A2D_KLOM_BINS ? A2D_KLOM_BINS - 1 : b;
}

double a2d_klom(const float *u, int64_t nu, int64_t su, const float *o, int64_t no, int64_t so) {
  if (nu <= 0 || no <= 0) return NAN;
  double lo = clip(u[0]), hi = lo;
  for (int64_t i = 0; i < nu; i++) {
    double x = clip(u[i * su]);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  for (int64_t i = 0; i < no; i++) {
    double x = clip(o[i * so]);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  if (hi == lo) hi = lo + 1.0;
  const double width = (hi - lo) / A2D_KLOM_BINS;
  int64_t cu[A2D_KLOM_BINS] = {0}, co[A2D_KLOM_BINS] = {0};
  for (int64_t i = 0; i < nu; i++) cu[bin_of(clip(u[i * su]), lo, width)]++;
  for (int64_t i = 0; i < no; i++) co[bin_of(clip(o[i * so]), lo, width)]++;
  double kl = 0.0;
  for (int b = 0; b < A2D_KLOM_BINS; b++) {
    if (!cu[b]) continue;
    double p = (double)cu[b] / (double)nu, q = (double)co[b] / (double)no;
    kl += p * log(p / (q > A2D_KLOM_FLOOR ? q : A2D_KLOM_FLOOR));
  }
  return kl;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Percentile q (0..100) of sorted v[0..n) by linear interpolation. */
static double percentile(const double *v, int64_t n, double q) {
  double pos = q / 100.0 * (double)(n - 1);
  int64_t i = (int64_t)floor(pos);
  if (i >= n - 1) return v[n - 1];
  return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

void a2d_summarize(const double *v, int64_t n, a2d_summary *s) {
  double *sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof *sorted);
  int64_t m = 0;
  double sum = 0.0;
  for (int64_t i = 0; sorted && i < n; i++)
    if (!isnan(v[i])) sorted[m++] = v[i], sum += v[i];
  if (!sorted || m == 0) {
    s->mean = s->median = s->p90 = s->p95 = s->p99 = NAN;
    free(sorted);
    return;
  }
  qsort(sorted, (size_t)m, sizeof *sorted, compare_double);
  s->mean = sum / (double)m;
  s->median = percentile(sorted, m, 50);
  s->p90 = percentile(sorted, m, 90);
  s->p95 = percentile(sorted, m, 95);
  s->p99 = percentile(sorted, m, 99);
  free(sorted);
}
