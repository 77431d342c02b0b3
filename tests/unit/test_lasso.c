/*
 * test_lasso.c - the multi-target LASSO solver: on small random problems it
 * matches a plain reference solver (naive cyclic coordinate descent with an
 * explicit intercept, run to exhaustion) to 1e-6 relative in objective at
 * every lambda of the path; the count matrix, the Gram entries and the
 * cross-products are bit-identical however many ranks (and pseudo-nodes,
 * A2D_NODE_RANKS) share them, and the cross-products equal the plain sums;
 * a planted sparse linear model is recovered.
 * Ranks: 1, 2, 4 (and 4 in pseudo-nodes of 2).
 */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/lasso.h"
#include "a2d/rng.h"
#include "check.h"

/* (1/2m)||y - X theta - b||^2 + lambda ||theta||_1 straight from the data. */
static double objective(const uint8_t *X, const double *y, int64_t m, int64_t n,
                        const double *theta, double b, double lambda) {
  double ss = 0, l1 = 0;
  for (int64_t v = 0; v < m; v++) {
    double r = y[v] - b;
    for (int64_t j = 0; j < n; j++) r -= X[v * n + j] * theta[j];
    ss += r * r;
  }
  for (int64_t j = 0; j < n; j++) l1 += fabs(theta[j]);
  return ss / (2.0 * (double)m) + lambda * l1;
}

/* The design of the full m x n masks X, every rank passing its block of rows. */
static a2d_err design_of(MPI_Comm comm, const uint8_t *X, int64_t m, int64_t n,
                         a2d_lasso_design *D) {
  int rank, size;
  int64_t row0, rows;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  a2d_lasso_rows(m, size, rank, &row0, &rows);
  return a2d_lasso_design_create(comm, X + row0 * n, row0, rows, m, n, D);
}

/* Reference: cyclic coordinate descent on the raw problem, intercept updated exactly. */
static void reference_solve(const uint8_t *X, const double *y, int64_t m, int64_t n, double lambda,
                            double *theta, double *b) {
  double *r = calloc((size_t)m, sizeof(double));
  for (int64_t v = 0; v < m; v++) {
    r[v] = y[v] - *b;
    for (int64_t j = 0; j < n; j++) r[v] -= X[v * n + j] * theta[j];
  }
  for (int sweep = 0; sweep < 200000; sweep++) {
    double moved = 0;
    double db = 0;
    for (int64_t v = 0; v < m; v++) db += r[v];
    db /= (double)m;
    *b += db;
    for (int64_t v = 0; v < m; v++) r[v] -= db;
    moved = fabs(db);
    for (int64_t j = 0; j < n; j++) {
      double xx = 0, xr = 0;
      for (int64_t v = 0; v < m; v++)
        if (X[v * n + j]) xx += 1, xr += r[v];
      if (xx == 0) continue;
      double z = (xr + xx * theta[j]) / (double)m, a = xx / (double)m;
      double t = fabs(z) > lambda ? (z > 0 ? z - lambda : z + lambda) / a : 0.0;
      double d = t - theta[j];
      if (d != 0)
        for (int64_t v = 0; v < m; v++)
          if (X[v * n + j]) r[v] -= d;
      theta[j] = t;
      if (fabs(d) > moved) moved = fabs(d);
    }
    if (moved < 1e-13) break;
  }
  free(r);
}

/* A random m x n 0/1 design, and y = X w + 0.5 + noise for a random sparse w. */
static void random_problem(uint64_t seed, int64_t m, int64_t n, int nonzero, uint8_t *X, double *y,
                           double *w) {
  a2d_rng rng;
  a2d_rng_seed(&rng, seed, 77, 0);
  for (int64_t i = 0; i < m * n; i++) X[i] = a2d_rng_uniform(&rng) < 0.5;
  memset(w, 0, sizeof(double) * (size_t)n);
  for (int k = 0; k < nonzero; k++) w[a2d_rng_below(&rng, (uint64_t)n)] = a2d_rng_normal(&rng);
  for (int64_t v = 0; v < m; v++) {
    y[v] = 0.5 + 0.3 * a2d_rng_normal(&rng);
    for (int64_t j = 0; j < n; j++) y[v] += X[v * n + j] * w[j];
  }
}

/* Every lambda of a 20-step path: a2d's objective equals the reference's to 1e-6. */
static void test_path_against_reference(uint64_t seed, int64_t m, int64_t n) {
  uint8_t *X = calloc((size_t)(m * n), 1);
  double *y = calloc((size_t)m, sizeof(double)), *w = calloc((size_t)n, sizeof(double));
  double *c = calloc((size_t)n, sizeof(double)), *ref = calloc((size_t)n, sizeof(double));
  double *theta = calloc((size_t)n, sizeof(double));
  random_problem(seed, m, n, 6, X, y, w);
  a2d_lasso_design D;
  a2d_lasso_solver *s = NULL;
  CHECK_OK(design_of(MPI_COMM_WORLD, X, m, n, &D));
  CHECK_OK(a2d_lasso_solver_create(&D, 1e-14, &s));
  if (!s) return;
  double yy, ybar, refb = 0;
  a2d_lasso_target(&D, X, y, c, &yy, &ybar);
  a2d_lasso_start(s, c, yy);
  const double lmax = a2d_lasso_lambda_max(&D, c);
  double worst = 0;
  for (int k = 0; k < 20; k++) {
    const double lambda = lmax * pow(1e-3, k / 19.0);
    CHECK_OK(a2d_lasso_solve(s, lambda));
    const int64_t *idx;
    const double *val;
    int64_t nnz;
    a2d_lasso_active(s, &idx, &val, &nnz);
    memset(theta, 0, sizeof(double) * (size_t)n);
    double mu_theta = 0;
    for (int64_t a = 0; a < nnz; a++) theta[idx[a]] = val[a], mu_theta += D.mean[idx[a]] * val[a];
    double ours = objective(X, y, m, n, theta, ybar - mu_theta, lambda);
    CHECK(fabs(ours - a2d_lasso_objective(s, lambda)) <= 1e-9 * ours);
    double primal, gap = a2d_lasso_gap(s, lambda, &primal);
    /* A loose certificate here: the gap shrinks like the square root of the error. */
    CHECK(gap >= 0 && gap <= 1e-3 * primal && fabs(primal - ours) <= 1e-9 * ours);
    reference_solve(X, y, m, n, lambda, ref, &refb);
    double theirs = objective(X, y, m, n, ref, refb, lambda);
    double rel = fabs(ours - theirs) / theirs;
    worst = rel > worst ? rel : worst;
    if (k == 0) CHECK(nnz == 0);
  }
  printf("path %llu (%lld x %lld): worst relative objective difference %.2e\n",
         (unsigned long long)seed, (long long)m, (long long)n, worst);
  CHECK(worst <= 1e-6);
  a2d_lasso_solver_destroy(&s);
  a2d_lasso_design_free(&D);
  free(X), free(y), free(w), free(c), free(ref), free(theta);
}

/*
 * The counts, Gram entries and cross-products are the same bit for bit on
 * any number of ranks; the cross-products equal the plain sums to 2^-36 of
 * the target's largest |y| (what one slice of at least 36 bits keeps).
 */
static void test_design_ranks(void) {
  const int64_t m = 57, n = 133, width = 70; /* more than one PDGEMM of targets */
  uint8_t *X = calloc((size_t)(m * n), 1);
  double y[57], w[133];
  double *yc = calloc((size_t)(m * width), sizeof(double));
  double *c_all = calloc((size_t)(n * width), sizeof(double));
  double *c_one = calloc((size_t)(n * width), sizeof(double));
  double *c_ref = calloc((size_t)n, sizeof(double));
  random_problem(9, m, n, 3, X, y, w);
  a2d_rng rng;
  a2d_rng_seed(&rng, 10, 79, 0);
  for (int64_t i = 0; i < m * width; i++) /* magnitudes over 12 orders, as outputs can have */
    yc[i] = a2d_rng_normal(&rng) * pow(10.0, (double)(i % 13) - 6.0);
  for (int64_t i = 0; i < m; i++) yc[5 * m + i] = 0.0; /* an all-zero target */
  a2d_lasso_design all, one;
  CHECK_OK(design_of(MPI_COMM_WORLD, X, m, n, &all));
  CHECK_OK(design_of(MPI_COMM_SELF, X, m, n, &one));
  if (!all.counts || !one.counts) return;
  CHECK(all.count_bytes == 2 && !memcmp(all.counts, one.counts, (size_t)(n * n * 2)));
  /* Every rank passes the same targets here, so each gets the same c. */
  CHECK_OK(a2d_lasso_cross(&all, width, yc, c_all));
  CHECK_OK(a2d_lasso_cross(&one, width, yc, c_one));
  CHECK(!memcmp(c_all, c_one, sizeof(double) * (size_t)(n * width)));
  /* Symmetric counts whose diagonal is the column sums; G's diagonal is mu (1 - mu). */
  int ok = 1;
  double worst = 0;
  for (int64_t i = 0; i < n; i++) {
    double mu = one.mean[i];
    int64_t sum = 0;
    for (int64_t v = 0; v < m; v++) sum += X[v * n + i];
    ok &= one.sums[i] == sum && all.sums[i] == sum;
    ok &= fabs(a2d_lasso_gram(&one, i, i) - mu * (1 - mu)) < 1e-12;
    for (int64_t j = 0; j < n; j++) {
      ok &= a2d_lasso_gram(&one, i, j) == a2d_lasso_gram(&one, j, i);
      ok &= a2d_lasso_gram(&one, i, j) == a2d_lasso_gram(&all, i, j);
    }
  }
  for (int64_t r = 0; r < width; r++) {
    memset(c_ref, 0, sizeof(double) * (size_t)n);
    double scale = 0;
    for (int64_t v = 0; v < m; v++) {
      scale = fabs(yc[r * m + v]) > scale ? fabs(yc[r * m + v]) : scale;
      for (int64_t j = 0; j < n; j++)
        if (X[v * n + j]) c_ref[j] += yc[r * m + v] / (double)m;
    }
    for (int64_t j = 0; j < n && scale > 0; j++) {
      double e = fabs(c_all[r * n + j] - c_ref[j]) / scale;
      worst = e > worst ? e : worst;
    }
  }
  printf("cross-products: largest difference from the plain sums %.2e of max |y|\n", worst);
  CHECK(ok);
  CHECK(worst > 0 && worst <= ldexp(1.0, -36)); /* > 0: the slice does drop bits here */
  a2d_lasso_design_free(&all);
  a2d_lasso_design_free(&one);
  free(X), free(yc), free(c_all), free(c_one), free(c_ref);
}

/* A planted 5-sparse model in 150 points is recovered from 600 noisy models. */
static void test_planted(void) {
  const int64_t m = 600, n = 150;
  uint8_t *X = calloc((size_t)(m * n), 1);
  double *y = calloc((size_t)m, sizeof(double)), w[150] = {0}, c[150];
  a2d_rng rng;
  a2d_rng_seed(&rng, 3, 78, 0);
  for (int64_t i = 0; i < m * n; i++) X[i] = a2d_rng_uniform(&rng) < 0.5;
  const int64_t support[5] = {3, 40, 77, 101, 149};
  const double truth[5] = {1.0, -0.8, 0.6, -1.2, 0.9};
  for (int k = 0; k < 5; k++) w[support[k]] = truth[k];
  for (int64_t v = 0; v < m; v++) {
    y[v] = 2.0 + 0.1 * a2d_rng_normal(&rng);
    for (int64_t j = 0; j < n; j++) y[v] += X[v * n + j] * w[j];
  }
  a2d_lasso_design D;
  a2d_lasso_solver *s = NULL;
  CHECK_OK(design_of(MPI_COMM_WORLD, X, m, n, &D));
  CHECK_OK(a2d_lasso_solver_create(&D, 1e-12, &s));
  if (!s) return;
  double yy, ybar;
  a2d_lasso_target(&D, X, y, c, &yy, &ybar);
  a2d_lasso_start(s, c, yy);
  CHECK_OK(a2d_lasso_solve(s, 0.01));
  const int64_t *idx;
  const double *val;
  int64_t nnz;
  a2d_lasso_active(s, &idx, &val, &nnz);
  double theta[150] = {0};
  for (int64_t a = 0; a < nnz; a++) theta[idx[a]] = val[a];
  int found = 1;
  double largest_other = 0;
  for (int k = 0; k < 5; k++) found &= fabs(theta[support[k]] - truth[k]) < 0.05;
  for (int64_t j = 0; j < n; j++) {
    int in = 0;
    for (int k = 0; k < 5; k++) in |= j == support[k];
    if (!in && fabs(theta[j]) > largest_other) largest_other = fabs(theta[j]);
  }
  printf("planted: %lld nonzeros, largest spurious |theta| %.3f\n", (long long)nnz, largest_other);
  CHECK(found);
  CHECK(largest_other < 0.05);
  a2d_lasso_solver_destroy(&s);
  a2d_lasso_design_free(&D);
  free(X);
  free(y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_path_against_reference(1, 40, 25);  /* more points than models, like datamodels */
  test_path_against_reference(2, 120, 30); /* more models than points */
  test_path_against_reference(3, 60, 60);
  test_design_ranks();
  test_planted();
  return check_finalize("test_lasso");
}
