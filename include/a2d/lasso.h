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
 * and b = ybar - mu^T theta.
 *
 * The design.  X lives block-cyclically on a 1 x p BLACS grid (a2d/grid.h),
 * in column blocks of A2D_LASSO_POINT_BLOCK points, so no rank holds all of
 * it.  The co-occurrence counts N = X^T X are computed there with PDGEMM and
 * kept as exact integers (16 bits up to 65,535 models, else 32) in memory
 * shared by the ranks of a node (a2d/node.h): one n x n matrix per node, not
 * one per rank.  G's entries are formed from N and the column sums s = diag N
 * as (m N_ij - s_i s_j) / m^2, the numerator in exact integer arithmetic, so
 * G is the same bit for bit however the work is shared out.
 *
 * The cross-products c = X^T yc / m of a round of targets (every rank its
 * own block) are one PDGEMM.  yc is first rounded to a slice whose products
 * with a 0/1 matrix are exact in double in any order of summation (a
 * multiple of one power of two, small enough that m of them cannot round;
 * it keeps 36 bits or more of the target's largest |yc|), so c is the same
 * on any rank count, grid or BLAS kernel.
 *
 * The solver.  Each target is solved along a decreasing lambda path with warm
 * starts by coordinate descent in covariance form (glmnet's "covariance
 * updates", Friedman, Hastie and Tibshirani 2010) on a working set: every
 * coordinate that has violated its KKT condition along the path so far.  The
 * working set's block of G is kept compact and grown in place, and the full
 * gradient c - G theta is formed from the counts of the nonzero coordinates.
 * Rows are solved one at a time: solving a target's class logits together on
 * the union of their working sets, so that a sweep reads G once for all of
 * them, was measured 7 times slower on the quickstart (the union of 10
 * classes' working sets held 3,200 of 5,000 points; one class's about 800).
 *
 *   int64_t row0, rows;
 *   a2d_lasso_rows(m, size, rank, &row0, &rows);   // this rank's rows of X
 *   a2d_lasso_design D;
 *   A2D_CHECK(a2d_lasso_design_create(comm, masks_of_my_rows, row0, rows, m, n, &D));
 *   A2D_CHECK(a2d_lasso_cross(&D, width, yc, c));  // collective: c of every rank's targets
 *   a2d_lasso_solver *s;
 *   A2D_CHECK(a2d_lasso_solver_create(&D, tol, &s));
 *   a2d_lasso_start(s, c, yy);                     // theta = 0 for a new row
 *   for each lambda of the path (decreasing):
 *     A2D_CHECK(a2d_lasso_solve(s, lambda));       // warm-started from the last one
 *     ... a2d_lasso_active(s), a2d_lasso_objective(s) ...
 */
#ifndef A2D_LASSO_H
#define A2D_LASSO_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"
#include "a2d/grid.h"
#include "a2d/node.h"

/* Points per column block of X on the grid. */
#define A2D_LASSO_POINT_BLOCK 64

/* The part shared by every target. */
typedef struct a2d_lasso_design {
  int64_t m, n;
  int count_bytes;    /* 2 or 4 */
  const void *counts; /* N, n x n row-major, uint16_t or uint32_t, node-shared */
  int64_t *sums;      /* s = diag N: how many fitting models hold each point */
  double *mean;       /* mu = s / m */
  a2d_grid grid;      /* 1 x p */
  a2d_dmatrix x;      /* X, m x n in column blocks */
  a2d_node node;
  a2d_shared shared; /* the window holding N */
} a2d_lasso_design;

/* The rows [*row0, *row0 + *rows) of X that `rank` of `size` passes to the design. */
void a2d_lasso_rows(int64_t m, int size, int rank, int64_t *row0, int64_t *rows);

/*
 * Collective on comm: build the design of the m x n 0/1 matrix X, of which
 * this rank passes rows [row0, row0 + rows) (row-major, rows x n; the split
 * a2d_lasso_rows gives).
 */
a2d_err a2d_lasso_design_create(MPI_Comm comm, const uint8_t *masks, int64_t row0, int64_t rows,
                                int64_t m, int64_t n, a2d_lasso_design *out);
a2d_err a2d_lasso_design_free(a2d_lasso_design *d);

/* G_ij, exactly as the solver forms it. */
double a2d_lasso_gram(const a2d_lasso_design *d, int64_t i, int64_t j);

/*
 * Collective: the cross-products of every rank's block of targets.  yc: this
 * rank's m x width centred outputs, column-major (column r: target r; pass
 * zeros for unused columns); c: n x width, column-major, c = X^T yc / m.
 * width must be the same on every rank.
 */
a2d_err a2d_lasso_cross(const a2d_lasso_design *d, int64_t width, const double *yc, double *c);

/* c = Xc^T yc / m for one target, and yy = yc^T yc / m, from y (m) and the full masks
   (m x n, row-major): the plain definition, for tests and benchmarks. */
void a2d_lasso_target(const a2d_lasso_design *d, const uint8_t *masks, const double *y, double *c,
                      double *yy, double *ybar);

/* lambda_max = max_j |c_j|: the smallest lambda whose solution is theta = 0. */
double a2d_lasso_lambda_max(const a2d_lasso_design *d, const double *c);

typedef struct a2d_lasso_solver a2d_lasso_solver;

/*
 * A solver for one row at a time.  tol: the sweeps over the working set stop
 * when no coordinate lowers the objective by more than tol x yy
 * (a2d_lasso_gap certifies the accuracy reached).
 */
a2d_err a2d_lasso_solver_create(const a2d_lasso_design *d, double tol, a2d_lasso_solver **out);
void a2d_lasso_solver_destroy(a2d_lasso_solver **s);

/* Start a new row: theta = 0.  c (n values) must stay valid until the next start. */
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
