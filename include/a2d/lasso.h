/*
 * a2d/lasso.h - many LASSO regressions that share one 0/1 design matrix.
 *
 * For a target t with outputs y (one per fitting model) and the models' mask
 * matrix X (m models x n training points, entries 0/1), solve
 *
 *   minimise over theta, b:  (1/2m) ||y - X theta - b 1||^2 + lambda ||theta||_1
 *
 * with the intercept b unpenalised.  Centring removes b: with column means mu
 * and ybar, Xc = X - 1 mu^T, yc = y - ybar, the problem in theta is
 *
 *   (1/2) theta^T G theta - c^T theta + yy/2 + lambda ||theta||_1,
 *   G = Xc^T Xc / m (shared by all targets),  c = Xc^T yc / m,  yy = yc^T yc / m,
 *
 * and b = ybar - mu^T theta.  G is computed exactly from integer
 * co-occurrence counts, so it is the same bit for bit however it is shared
 * out.  Each target is solved along a decreasing lambda path with warm starts
 * by coordinate descent in covariance form (glmnet's "covariance updates",
 * Friedman, Hastie and Tibshirani 2010) on a working set: the last nonzeros
 * plus every KKT violator, grown until a full KKT check finds none.
 *
 *   a2d_lasso_design D;
 *   A2D_CHECK(a2d_lasso_design_create(comm, masks, m, n, &D));
 *   a2d_lasso_solver *s;
 *   A2D_CHECK(a2d_lasso_solver_create(&D, tol, &s));
 *   a2d_lasso_start(s, c, yy);                   // theta = 0 for a new target
 *   for each lambda of the path (decreasing):
 *     A2D_CHECK(a2d_lasso_solve(s, lambda));     // warm-started from the last one
 *     ... a2d_lasso_active(s), a2d_lasso_objective(s) ...
 */
#ifndef A2D_LASSO_H
#define A2D_LASSO_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"

/* The part shared by every target: the centred Gram matrix and the column means. */
typedef struct a2d_lasso_design {
  int64_t m, n;
  double *gram; /* n x n, row-major, symmetric */
  double *mean; /* n column means of X */
  double *x;    /* X itself as doubles, m x n (for the X^T y GEMMs) */
} a2d_lasso_design;

/*
 * Build the design of the m x n 0/1 matrix `masks` (row-major, every rank
 * holds all of it).  The ranks of `comm` share the Gram rows and gather them.
 */
a2d_err a2d_lasso_design_create(MPI_Comm comm, const uint8_t *masks, int64_t m, int64_t n,
                                a2d_lasso_design *out);
void a2d_lasso_design_free(a2d_lasso_design *d);

/* c = Xc^T yc / m for one target, and yy = yc^T yc / m, from y (m) and the masks. */
void a2d_lasso_target(const a2d_lasso_design *d, const uint8_t *masks, const double *y, double *c,
                      double *yy, double *ybar);

/* lambda_max = max_j |c_j|: the smallest lambda whose solution is theta = 0. */
double a2d_lasso_lambda_max(const a2d_lasso_design *d, const double *c);

typedef struct a2d_lasso_solver a2d_lasso_solver;

/*
 * A solver for one target at a time.  tol: the sweeps over the working set
 * stop when no coordinate lowers the objective by more than tol x yy
 * (a2d_lasso_gap certifies the accuracy reached).
 */
a2d_err a2d_lasso_solver_create(const a2d_lasso_design *d, double tol, a2d_lasso_solver **out);
void a2d_lasso_solver_destroy(a2d_lasso_solver **s);

/* Start a new target: theta = 0.  c (n values) must stay valid until the next start. */
void a2d_lasso_start(a2d_lasso_solver *s, const double *c, double yy);

/* Solve at lambda, warm-started from the current theta (lambdas should decrease). */
a2d_err a2d_lasso_solve(a2d_lasso_solver *s, double lambda);

/* The nonzero coefficients: *count indices (increasing) and values, valid until the next call. */
void a2d_lasso_active(a2d_lasso_solver *s, const int64_t **index, const double **value,
                      int64_t *count);

/* The objective (1/2m)||yc - Xc theta||^2 + lambda ||theta||_1 of the current theta. */
double a2d_lasso_objective(const a2d_lasso_solver *s, double lambda);

/* Duality gap of the current theta at lambda (after a2d_lasso_solve), and its objective. */
double a2d_lasso_gap(const a2d_lasso_solver *s, double lambda, double *primal);

#endif
