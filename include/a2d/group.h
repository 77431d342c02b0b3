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
 *   a2d_group_model g;
 *   A2D_CHECK(a2d_group_model_load(ctx, &A, &g));            // collective
 *   a2d_group_term(&g, forget, nforget, 2.0, shift, direct);  // this rank's rows
 *   a2d_group_model_free(&g);
 */
#ifndef A2D_GROUP_H
#define A2D_GROUP_H

#include "a2d/attribution.h"

typedef struct a2d_group_model {
  int64_t m, n;     /* fitting models, training points */
  int64_t rows;     /* this rank's datamodel rows (A->row1 - A->row0) */
  uint8_t *masks;   /* m x n: the fitting models' subsets */
  double *residual; /* m x rows: output minus prediction, centred per row */
} a2d_group_model;

/* Residuals of this rank's rows on the datamodels' fitting models (collective). */
a2d_err a2d_group_model_load(a2d_context *ctx, a2d_attribution *A, a2d_group_model *g);

/*
 * Add the group term of forget set F to this rank's rows of shift (anchored
 * form) and direct; returns how many rows got a non-zero term.
 */
int64_t a2d_group_term(const a2d_group_model *g, const int64_t *forget, int64_t nforget,
                       double threshold, double *shift, double *direct);

void a2d_group_model_free(a2d_group_model *g);

#endif
