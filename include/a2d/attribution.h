/*
 * a2d/attribution.h - the fitted datamodels as a PETSc matrix, and what they
 * predict.
 *
 * /datamodel holds one sparse row per target (or per target and class):
 * theta_t over the n training points, and an intercept b_t.  Loaded, it is a
 * PETSc MPIAIJ matrix whose rows are shared out by target (each rank a
 * contiguous range of targets, all classes of a target on one rank).  For a
 * training subset S and a forget set F, one sparse matrix-vector product each:
 *
 *   direct:    f_t(S \ F) ~ theta_t . 1[S \ F] + b_t
 *   anchored:  f_t(S \ F) ~ f_t(S) - sum over i in F of theta_{t,i}
 *
 *   a2d_attribution A;
 *   A2D_CHECK(a2d_attribution_load(store, comm, &A));
 *   A2D_CHECK(a2d_attribution_predict_direct(&A, NULL, forget, nforget, out));  // S = all
 *   A2D_CHECK(a2d_attribution_destroy(&A));
 *
 * PETSc must be initialised (the a2d executable does so after MPI).
 */
#ifndef A2D_ATTRIBUTION_H
#define A2D_ATTRIBUTION_H

#include <petscmat.h>

#include "a2d/store.h"

typedef struct a2d_attribution {
  Mat theta;              /* rows x n */
  Vec indicator, product; /* work vectors: 0/1 over training points; rows */
  double *intercept;      /* this rank's rows */
  int64_t n, rows, per_target, targets_train, targets_val;
  int64_t target0, target1; /* this rank's targets [target0, target1) */
  int64_t row0, row1;       /* this rank's rows = targets x per_target */
} a2d_attribution;

/* Load /datamodel of the study file (a2d/datamodel_store.h), rows shared out over comm
 * (collective). */
a2d_err a2d_attribution_load(a2d_store *store, MPI_Comm comm, a2d_attribution *A);

/* Free the matrix and vectors (PETSc's destroy codes checked). */
a2d_err a2d_attribution_destroy(a2d_attribution *A);

/*
 * out (this rank's rows) = theta . v + b, where v is the 0/1 indicator of
 * the training points in `subset` (n entries, every rank the same; NULL = all
 * points) with the `forget` points (indices) removed.
 */
a2d_err a2d_attribution_predict_direct(a2d_attribution *A, const uint8_t *subset,
                                       const int64_t *forget, int64_t nforget, double *out);

/*
 * out[j * ldo + r] = theta_r . x_j + b_r for this rank's rows r and the
 * `count` 0/1 subsets x_j, rows of `masks` (count x n): many subsets at
 * once, reading theta once per block of them.  Each row's sum runs over its
 * nonzeros in column order, so it is the same on any number of ranks.  Local.
 */
a2d_err a2d_attribution_predict_masks(a2d_attribution *A, const uint8_t *masks, int64_t count,
                                      double *out, int64_t ldo);

/* out = base - theta . 1[F] (base and out: this rank's rows, e.g. a model's own outputs). */
a2d_err a2d_attribution_predict_anchored(a2d_attribution *A, const double *base,
                                         const int64_t *forget, int64_t nforget, double *out);

#endif
