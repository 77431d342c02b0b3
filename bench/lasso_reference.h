/*
 * lasso_reference.h - bench/fit's reference solver: stage fit's LASSO path
 * solver as of commit 97b7d16 (see lasso_reference.c).  Same problem and
 * stopping rule as a2d/lasso.h, one row at a time.
 */
#ifndef A2D_BENCH_LASSO_REFERENCE_H
#define A2D_BENCH_LASSO_REFERENCE_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"

typedef struct ref_lasso_design {
  int64_t m, n;
  double *gram; /* n x n, row-major, symmetric */
  double *mean; /* n column means of X */
  double *x;    /* X itself as doubles, m x n */
} ref_lasso_design;

/* Every rank holds all of the m x n masks; the ranks share the Gram rows and gather them. */
a2d_err ref_lasso_design_create(MPI_Comm comm, const uint8_t *masks, int64_t m, int64_t n,
                                ref_lasso_design *out);
void ref_lasso_design_free(ref_lasso_design *d);
double ref_lasso_lambda_max(const ref_lasso_design *d, const double *c);

typedef struct ref_lasso_solver ref_lasso_solver;
a2d_err ref_lasso_solver_create(const ref_lasso_design *d, double tol, ref_lasso_solver **out);
void ref_lasso_solver_destroy(ref_lasso_solver **s);
void ref_lasso_start(ref_lasso_solver *s, const double *c, double yy);
a2d_err ref_lasso_solve(ref_lasso_solver *s, double lambda);
void ref_lasso_active(ref_lasso_solver *s, const int64_t **index, const double **value,
                      int64_t *count);

#endif
