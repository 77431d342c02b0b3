/*
 * a2d/kmeans.h - k-means clustering of the training features (for the
 * cluster:J:K forget sets).
 *
 * Greedy k-means++ (2 + ln k candidates per centre, the best kept, as in
 * scikit-learn) chooses the first centres from (seed, A2D_STREAM_KMEANS, 0); then
 * Lloyd iterations assign every point to its nearest centre (squared
 * Euclidean distance, ||x||^2 - 2 x.c + ||c||^2 with x.c from one SGEMM, ties
 * to the lower cluster) and move each centre to the mean of its points
 * (accumulated in double), until no assignment changes or after
 * `max_iterations`.  A cluster left empty takes the point farthest from its
 * centre among clusters with more than one point (ties: lowest index).  At the
 * end clusters are numbered by size, largest first (ties: the cluster holding
 * the lowest point index first), and the centres are the means of their
 * points.  Serial and deterministic: the same input gives bit-identical output.
 *
 *   a2d_kmeans km = {0};
 *   A2D_CHECK(a2d_kmeans_fit(x, n, d, 10, 50, seed, &km));
 *   ... km.assignment[i] is point i's cluster, km.centres + j * d cluster j's centre
 *   a2d_kmeans_free(&km);
 */
#ifndef A2D_KMEANS_H
#define A2D_KMEANS_H

#include <stdint.h>

#include "a2d/error.h"

typedef struct a2d_kmeans {
  int64_t n, d, k;
  float *centres;      /* k x d, row-major */
  int32_t *assignment; /* n: cluster of each point */
  int64_t *sizes;      /* k: points per cluster, decreasing */
  int64_t iterations;  /* Lloyd iterations run */
  int converged;       /* 1 if the last iteration changed no assignment */
} a2d_kmeans;

/*
 * Cluster the n x d points x (row-major) into k clusters.  Requires
 * 1 <= k <= n, d >= 1 and max_iterations >= 1 (else A2D_ERR_INTERNAL: the
 * caller checks its deck first).  `out` is overwritten, not freed.
 */
a2d_err a2d_kmeans_fit(const float *x, int64_t n, int64_t d, int64_t k, int64_t max_iterations,
                       uint64_t seed, a2d_kmeans *out);

/* Free the arrays of `km` and zero it. */
void a2d_kmeans_free(a2d_kmeans *km);

/*
 * The `count` points of x (n x d) nearest to `centre` (d floats), distances
 * computed in double, ties to the lower index; written to out[0..count) in
 * increasing index order.  Requires 0 <= count <= n.
 */
a2d_err a2d_kmeans_nearest(const float *x, int64_t n, int64_t d, const float *centre, int64_t count,
                           int64_t *out);

#endif
