/* kmeans.c - k-means++ and Lloyd iterations, deterministic (a2d/kmeans.h). */
#include "a2d/kmeans.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/rng.h"

void a2d_kmeans_free(a2d_kmeans *km) {
  free(km->centres);
  free(km->assignment);
  free(km->sizes);
  memset(km, 0, sizeof *km);
}

/* Squared Euclidean distance of two d-vectors, in double. */
static double sqdist(const float *a, const float *b, int64_t d) {
  double s = 0;
  for (int64_t t = 0; t < d; t++) {
    double u = (double)a[t] - (double)b[t];
    s += u * u;
  }
  return s;
}

/*
 * A point drawn with probability proportional to its weight w[i] (total > 0):
 * the first whose running sum exceeds a uniform draw in [0, total).
 */
static int64_t draw_weighted(a2d_rng *rng, const double *w, int64_t n, double total) {
  double u = a2d_rng_uniform(rng) * total, cum = 0;
  for (int64_t i = 0; i < n; i++) {
    cum += w[i];
    if (w[i] > 0 && cum > u) return i;
  }
  /* Rounding can leave u at the very end: take the last point with weight. */
  for (int64_t i = n - 1; i >= 0; i--)
    if (w[i] > 0) return i;
  return 0;
}

/*
 * Greedy k-means++ (as scikit-learn): the first centre uniformly; for each
 * next one, 2 + floor(ln k) candidates drawn with probability proportional to
 * the squared distance to the nearest centre so far, keeping the candidate
 * that lowers the sum of those distances most (ties: the first drawn); a
 * uniform draw instead if every point coincides with a centre.
 */
static a2d_err seed_centres(const float *x, int64_t n, int64_t d, int64_t k, uint64_t seed,
                            float *centres) {
  a2d_err err = A2D_OK;
  double *mind = NULL;
  a2d_rng rng;
  const int trials = 2 + (int)floor(log((double)k));
  a2d_rng_seed(&rng, seed, A2D_STREAM_KMEANS, 0);
  A2D_TRY(A2D_CALLOC(mind, n));
  int64_t pick = (int64_t)a2d_rng_below(&rng, (uint64_t)n);
  memcpy(centres, x + pick * d, (size_t)d * sizeof *centres);
  for (int64_t i = 0; i < n; i++) mind[i] = sqdist(x + i * d, centres, d);
  for (int64_t j = 1; j < k; j++) {
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += mind[i];
    if (total > 0) {
      double best = INFINITY;
      for (int t = 0; t < trials; t++) {
        int64_t cand = draw_weighted(&rng, mind, n, total);
        double potential = 0;
        for (int64_t i = 0; i < n; i++) {
          double s = sqdist(x + i * d, x + cand * d, d);
          potential += s < mind[i] ? s : mind[i];
        }
        if (potential < best) best = potential, pick = cand;
      }
    } else {
      pick = (int64_t)a2d_rng_below(&rng, (uint64_t)n);
    }
    float *c = centres + j * d;
    memcpy(c, x + pick * d, (size_t)d * sizeof *c);
    for (int64_t i = 0; i < n; i++) {
      double s = sqdist(x + i * d, c, d);
      if (s < mind[i]) mind[i] = s;
    }
  }
cleanup:
  free(mind);
  return err;
}

/*
 * Assign every point to its nearest centre (ties: lower cluster), with its
 * squared distance in dist; returns how many assignments changed.  G is n x k
 * scratch, xn the points' squared norms, cn k scratch.
 */
static int64_t assign_points(const float *x, const double *xn, int64_t n, int64_t d, int64_t k,
                             const float *centres, float *G, double *cn, int32_t *assignment,
                             double *dist) {
  for (int64_t j = 0; j < k; j++) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) s += (double)centres[j * d + t] * (double)centres[j * d + t];
    cn[j] = s;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0f, x, (int)d,
              centres, (int)d, 0.0f, G, (int)k);
  int64_t changed = 0;
  for (int64_t i = 0; i < n; i++) {
    int32_t best = 0;
    double bd = INFINITY;
    for (int64_t j = 0; j < k; j++) {
      double dd = xn[i] - 2.0 * (double)G[i * k + j] + cn[j];
      if (dd < bd) bd = dd, best = (int32_t)j;
    }
    dist[i] = bd > 0 ? bd : 0;
    if (assignment[i] != best) changed++, assignment[i] = best;
  }
  return changed;
}

/*
 * Give every empty cluster the point farthest from its centre among clusters
 * of more than one point (ties: lowest index); returns the points moved.
 */
static int64_t fill_empty(int64_t n, int64_t k, int32_t *assignment, double *dist,
                          int64_t *counts) {
  int64_t moved = 0;
  for (int64_t j = 0; j < k; j++) {
    if (counts[j] > 0) continue;
    int64_t far = -1;
    for (int64_t i = 0; i < n; i++)
      if (counts[assignment[i]] > 1 && dist[i] >= 0 && (far < 0 || dist[i] > dist[far])) far = i;
    if (far < 0) break; /* cannot happen when k <= n */
    counts[assignment[far]]--;
    assignment[far] = (int32_t)j;
    counts[j] = 1;
    dist[far] = -1; /* moved once per iteration at most */
    moved++;
  }
  return moved;
}

/* Centres = means of their points, accumulated in double. */
static void update_centres(const float *x, int64_t n, int64_t d, int64_t k,
                           const int32_t *assignment, const int64_t *counts, double *sum,
                           float *centres) {
  memset(sum, 0, (size_t)(k * d) * sizeof *sum);
  for (int64_t i = 0; i < n; i++) {
    double *s = sum + (int64_t)assignment[i] * d;
    for (int64_t t = 0; t < d; t++) s[t] += (double)x[i * d + t];
  }
  for (int64_t j = 0; j < k; j++)
    if (counts[j] > 0)
      for (int64_t t = 0; t < d; t++) centres[j * d + t] = (float)(sum[j * d + t] / counts[j]);
}

/* Renumber clusters by size, largest first (ties: lowest member index first). */
static a2d_err order_clusters(a2d_kmeans *km, const int64_t *counts) {
  a2d_err err = A2D_OK;
  const int64_t n = km->n, d = km->d, k = km->k;
  int64_t *first = NULL, *perm = NULL, *inv = NULL;
  float *old = NULL;
  A2D_TRY(A2D_CALLOC(first, k));
  A2D_TRY(A2D_CALLOC(perm, k));
  A2D_TRY(A2D_CALLOC(inv, k));
  A2D_TRY(A2D_CALLOC(old, k * d));
  for (int64_t j = 0; j < k; j++) first[j] = n, perm[j] = j;
  for (int64_t i = n - 1; i >= 0; i--) first[km->assignment[i]] = i;
  /* Insertion sort of the k cluster numbers: stable and k is small. */
  for (int64_t a = 1; a < k; a++) {
    int64_t c = perm[a], b = a;
    while (b > 0 && (counts[perm[b - 1]] < counts[c] ||
                     (counts[perm[b - 1]] == counts[c] && first[perm[b - 1]] > first[c]))) {
      perm[b] = perm[b - 1];
      b--;
    }
    perm[b] = c;
  }
  memcpy(old, km->centres, (size_t)(k * d) * sizeof *old);
  for (int64_t j = 0; j < k; j++) {
    inv[perm[j]] = j;
    km->sizes[j] = counts[perm[j]];
    memcpy(km->centres + j * d, old + perm[j] * d, (size_t)d * sizeof *old);
  }
  for (int64_t i = 0; i < n; i++) km->assignment[i] = (int32_t)inv[km->assignment[i]];
cleanup:
  free(first);
  free(perm);
  free(inv);
  free(old);
  return err;
}

a2d_err a2d_kmeans_fit(const float *x, int64_t n, int64_t d, int64_t k, int64_t max_iterations,
                       uint64_t seed, a2d_kmeans *out) {
  a2d_err err = A2D_OK;
  double *xn = NULL, *cn = NULL, *dist = NULL, *sum = NULL;
  float *G = NULL;
  int64_t *counts = NULL;
  a2d_kmeans km = {n, d, k, NULL, NULL, NULL, 0, 0};
  memset(out, 0, sizeof *out);
  if (k < 1 || k > n || d < 1 || max_iterations < 1 || n > INT_MAX || d > INT_MAX)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "k-means: %lld clusters of %lld points in %lld dimensions, %lld iterations",
                     (long long)k, (long long)n, (long long)d, (long long)max_iterations);
  A2D_TRY(A2D_CALLOC(km.centres, k * d));
  A2D_TRY(A2D_CALLOC(km.assignment, n));
  A2D_TRY(A2D_CALLOC(km.sizes, k));
  A2D_TRY(A2D_CALLOC(xn, n));
  A2D_TRY(A2D_CALLOC(cn, k));
  A2D_TRY(A2D_CALLOC(dist, n));
  A2D_TRY(A2D_CALLOC(sum, k * d));
  A2D_TRY(A2D_CALLOC(G, n * k));
  A2D_TRY(A2D_CALLOC(counts, k));
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) s += (double)x[i * d + t] * (double)x[i * d + t];
    xn[i] = s;
    km.assignment[i] = -1;
  }
  A2D_TRY(seed_centres(x, n, d, k, seed, km.centres));
  for (int64_t it = 0; it < max_iterations; it++) {
    int64_t changed = assign_points(x, xn, n, d, k, km.centres, G, cn, km.assignment, dist);
    memset(counts, 0, (size_t)k * sizeof *counts);
    for (int64_t i = 0; i < n; i++) counts[km.assignment[i]]++;
    changed += fill_empty(n, k, km.assignment, dist, counts);
    km.iterations = it + 1;
    if (changed == 0) {
      km.converged = 1;
      break;
    }
    update_centres(x, n, d, k, km.assignment, counts, sum, km.centres);
  }
  A2D_TRY(order_clusters(&km, counts));
  *out = km;
  memset(&km, 0, sizeof km);
cleanup:
  a2d_kmeans_free(&km);
  free(xn);
  free(cn);
  free(dist);
  free(sum);
  free(G);
  free(counts);
  return err;
}

/* A point's distance to the centre, with its index, for sorting. */
typedef struct ranked {
  double dist;
  int64_t index;
} ranked;

/* Order by distance, then index. */
static int by_distance(const void *a, const void *b) {
  const ranked *p = a, *q = b;
  if (p->dist != q->dist) return p->dist < q->dist ? -1 : 1;
  return (p->index > q->index) - (p->index < q->index);
}

/* Increasing int64. */
static int by_index(const void *a, const void *b) {
  int64_t p = *(const int64_t *)a, q = *(const int64_t *)b;
  return (p > q) - (p < q);
}

a2d_err a2d_kmeans_nearest(const float *x, int64_t n, int64_t d, const float *centre, int64_t count,
                           int64_t *out) {
  ranked *r = NULL;
  if (count < 0 || count > n)
    return A2D_ERROR(A2D_ERR_INTERNAL, "k-means: %lld nearest of %lld points", (long long)count,
                     (long long)n);
  if (count == 0) return A2D_OK;
  A2D_CHECK(A2D_CALLOC(r, n));
  for (int64_t i = 0; i < n; i++) r[i] = (ranked){sqdist(x + i * d, centre, d), i};
  qsort(r, (size_t)n, sizeof *r, by_distance);
  for (int64_t i = 0; i < count; i++) out[i] = r[i].index;
  qsort(out, (size_t)count, sizeof *out, by_index);
  free(r);
  return A2D_OK;
}
