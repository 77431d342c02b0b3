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

/*
 * The benchmark's bin of x (np.digitize on np.linspace(lo, hi, 21)): the
 * number of edges <= x, less one; -1 below the first edge and BINS at or above
 * the last, both left out.
 */
static int digitize(double x, const double *edge) {
  int i = 0;
  while (i <= A2D_KLOM_BINS && edge[i] <= x) i++;
  return i - 1;
}

/* The benchmark's form on counts it kept: KL(p || q) with q floored where p > 0, both renormalised.
 */
static double kl_renormalised(const int64_t *cu, const int64_t *co) {
  int64_t pt = 0, qt = 0;
  double p[A2D_KLOM_BINS], q[A2D_KLOM_BINS], sp = 0.0, sq = 0.0, kl = 0.0;
  for (int b = 0; b < A2D_KLOM_BINS; b++) pt += cu[b], qt += co[b];
  for (int b = 0; b < A2D_KLOM_BINS; b++) {
    p[b] = pt ? (double)cu[b] / (double)pt : 0.0;
    q[b] = qt ? (double)co[b] / (double)qt : 0.0;
    if (p[b] > 0 && q[b] < A2D_KLOM_FLOOR) q[b] = A2D_KLOM_FLOOR;
    sp += p[b];
    sq += q[b];
  }
  if (sp == 0.0) return NAN; /* scipy: 0/0 */
  for (int b = 0; b < A2D_KLOM_BINS; b++) {
    const double pn = p[b] / sp, qn = q[b] / sq;
    if (pn > 0) kl += pn * log(pn / qn);
  }
  return kl;
}

double a2d_klom(const float *u, int64_t nu, int64_t su, const float *o, int64_t no, int64_t so,
                a2d_klom_form form) {
  if (nu <= 0 || no <= 0) return NAN;
  double lo = clip(u[0]), hi = lo;
  for (int64_t i = 0; i < nu; i++) {
    double x = clip(u[i * su]);
    if (isnan(x)) return NAN; /* a diverged model: no histogram */
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  for (int64_t i = 0; i < no; i++) {
    double x = clip(o[i * so]);
    if (isnan(x)) return NAN;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  if (hi == lo) hi = lo + 1.0;
  const double width = (hi - lo) / A2D_KLOM_BINS;
  int64_t cu[A2D_KLOM_BINS] = {0}, co[A2D_KLOM_BINS] = {0};
  if (form == A2D_KLOM_BENCHMARK) {
    double edge[A2D_KLOM_BINS + 1]; /* np.linspace: k * step + lo, the last edge hi itself */
    for (int k = 0; k < A2D_KLOM_BINS; k++) edge[k] = (double)k * width + lo;
    edge[A2D_KLOM_BINS] = hi;
    for (int64_t i = 0; i < nu; i++) {
      const int b = digitize(clip(u[i * su]), edge);
      if (b >= 0 && b < A2D_KLOM_BINS) cu[b]++;
    }
    for (int64_t i = 0; i < no; i++) {
      const int b = digitize(clip(o[i * so]), edge);
      if (b >= 0 && b < A2D_KLOM_BINS) co[b]++;
    }
    return kl_renormalised(cu, co);
  }
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
