/* stats.c - plain statistics on arrays of doubles (see a2d/stats.h). */
#include "a2d/stats.h"

#include <math.h>

/* Average ranks (1-based) of x[0..n) into rank[], ties sharing their mean rank. */
static void average_ranks(const double *x, int64_t n, double *rank, int64_t *order) {
  for (int64_t i = 0; i < n; i++) order[i] = i;
  for (int64_t i = 1; i < n; i++) /* insertion sort of indices by value; n is small */
    for (int64_t j = i; j > 0 && x[order[j]] < x[order[j - 1]]; j--) {
      int64_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j + 1 < n && x[order[j + 1]] == x[order[i]]) j++;
    double mean = 0.5 * (double)(i + j) + 1.0;
    for (int64_t k = i; k <= j; k++) rank[order[k]] = mean;
    i = j + 1;
  }
}

/* Pearson correlation of the average ranks of a and b. */
double a2d_spearman(const double *a, const double *b, int64_t n, double *scratch) {
  double *ra = scratch, *rb = scratch + n;
  int64_t *order = (int64_t *)(scratch + 2 * n);
  average_ranks(a, n, ra, order);
  average_ranks(b, n, rb, order);
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (int64_t i = 0; i < n; i++) ma += ra[i], mb += rb[i];
  ma /= (double)n;
  mb /= (double)n;
  for (int64_t i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}
