/*
 * a2d/group.h - the forget-set group term of the datamodels.
 *
 * A sparse datamodel keeps the coefficients it can tell from noise; a
 * coherent forget set (a cluster of similar images) acts through many small
 * coefficients it sets to zero, so theta . 1[F] misses most of the set's
 * effect (docs/tuning.md).  The ensemble still holds that effect: across the
 * subset models, a target's output moves with c = |F ∩ S_k|, the number of
 * forget points in the model's subset.  For one forget set, per datamodel row,
 * the group term is the slope beta of the fitting models' residuals (output
 * minus the datamodel's prediction) on c, soft-thresholded at `threshold`
 * standard errors so that only effects the ensemble can resolve are added:
 *
 *   anchored shift  -theta . 1[F]       becomes  -theta . 1[F] - beta |F|
 *   direct          theta . 1[R] + b    becomes  theta . 1[R] + b - beta mean(c)
 *
 * With `pool`, the rows of the forget points themselves (per class, for
 * per-class datamodels) share strength instead: a forget set is removed as a
 * unit, so its members' slopes are drawn from one distribution, estimated
 * from them (empirical Bayes, normal prior by moments).  Each forget row gets
 *
 *   beta = mu' + tau^2 / (tau^2 + se^2) (beta_raw - mu)
 *
 * where mu is the forget rows' mean slope, tau^2 the spread of their slopes
 * beyond their standard errors, and mu' = mu max(0, 1 - se(mu)^2 / mu^2) the
 * mean shrunk by its own signal fraction (se(mu) from the forget rows' mean
 * residual, so correlated rows are not counted as independent).  Other rows
 * keep the soft threshold.  The forget rows' slopes and residuals are gathered
 * in row order, so the result is the same on any number of ranks.
 *
 *   a2d_group_model g;
 *   A2D_CHECK(a2d_group_model_load(store, comm, &inputs, &A, &g));  // collective
 *   A2D_CHECK(a2d_group_term(&g, comm, forget, nforget, 2.0, 1,  // collective;
 *                            shift, direct, &kept));            // this rank's rows
 *   a2d_group_model_free(&g);
 */
#ifndef A2D_GROUP_H
#define A2D_GROUP_H

#include "a2d/attribution.h"
#include "a2d/node.h"

typedef struct a2d_group_model {
  int64_t m, n;         /* fitting models, training points */
  int64_t rows;         /* this rank's datamodel rows (A->row1 - A->row0) */
  int64_t target0;      /* the target of this rank's first row (A->target0) */
  int64_t per_target;   /* rows per target: 1 (margins) or the number of classes */
  const uint8_t *masks; /* m x n: the fitting models' subsets, one copy per node */
  double *residual;     /* m x rows: output minus prediction, centred per row */
  a2d_node node;        /* the ranks that share the masks ... */
  a2d_shared masks_mem; /* ... and the memory that holds them */
} a2d_group_model;

/*
 * Where the ensemble the datamodels were fitted on lives in the study file:
 * its masks (models x n, uint8) and its outputs on the training and the
 * validation targets (models x targets, or models x targets x classes for
 * per-class datamodels; float32).
 */
typedef struct a2d_group_inputs {
  const char *masks, *outputs_train, *outputs_val;
} a2d_group_inputs;

/*
 * Residuals of this rank's rows on the datamodels' fitting models (the
 * fitting models from a2d_datamodel_fit_models_read; collective).
 */
a2d_err a2d_group_model_load(a2d_store *store, MPI_Comm comm, const a2d_group_inputs *in,
                             a2d_attribution *A, a2d_group_model *g);

/*
 * Add the group term of forget set F to this rank's rows of shift (anchored
 * form) and direct; *kept = how many of this rank's rows got a non-zero term.
 * Collective (every rank the same forget set and settings).
 */
a2d_err a2d_group_term(const a2d_group_model *g, MPI_Comm comm, const int64_t *forget,
                       int64_t nforget, double threshold, int pool, double *shift, double *direct,
                       int64_t *kept);

/*
 * The part of the group term that depends on the forget set alone, so that
 * several settings (threshold, pool) can share it: the slopes and their
 * SEs on this rank's rows and, with `pool`, the forget rows' prior.
 */
typedef struct a2d_group_slopes {
  int64_t nforget;
  double cbar;                  /* mean number of forget points in a fitting model's subset */
  int slopes;                   /* 0: the counts do not vary (or F is empty): no term */
  int pooled;                   /* the prior below was formed */
  double *beta, *se2;           /* per row of this rank */
  uint8_t *in_forget;           /* n: 1 on F */
  double *mean, *shrunk, *tau2; /* per class: the forget rows' prior */
} a2d_group_slopes;

/* Slopes of forget set F (collective, like a2d_group_term). */
a2d_err a2d_group_slopes_create(const a2d_group_model *g, MPI_Comm comm, const int64_t *forget,
                                int64_t nforget, int pool, a2d_group_slopes *slopes);

/* Add the group term at one setting to this rank's rows, as a2d_group_term does (local). */
a2d_err a2d_group_apply(const a2d_group_model *g, const a2d_group_slopes *slopes, double threshold,
                        int pool, double *shift, double *direct, int64_t *kept);

void a2d_group_slopes_free(a2d_group_slopes *slopes);

a2d_err a2d_group_model_free(a2d_group_model *g);

#endif
