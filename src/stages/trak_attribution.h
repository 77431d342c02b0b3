/*
 * trak_attribution.h - TRAK's attribution as stage trak stores it, and the
 * margin shifts it predicts (a2d/trak.h has the method).
 *
 *   /attribution/trak/model_NNNN/phi_train   n x k float32   features of the training points
 *   /attribution/trak/model_NNNN/phi_val     n_val x k       ... and of the validation points
 *   /attribution/trak/model_NNNN/psi         n x k           (Phi^T Phi + lambda I)^-1 phi_i
 *   /attribution/trak/model_NNNN/q           n float64       out-to-loss weights
 *   attributes of /attribution/trak: models, dims, lambda, scale (calibration)
 *
 * Removing a set F of training points moves target t's margin by about
 *
 *   shift_t = -scale (1/K) sum over models of phi_t . (sum over i in F of qbar_i psi_i)
 *
 * with qbar the out-to-loss weights averaged over the K models.  Every sum
 * runs in a fixed order with plain loops, so predictions from one stored
 * attribution are the same bits on any number of ranks.
 */
#ifndef A2D_TRAK_ATTRIBUTION_H
#define A2D_TRAK_ATTRIBUTION_H

#include "a2d/stage.h"

/* The group of stage trak's results. */
#define A2D_TRAK_GROUP "/attribution/trak"

/* "/attribution/trak/model_NNNN": model j's features, psi and weights. */
void a2d_trak_model_group(int64_t j, char *buf, size_t size);

typedef struct a2d_trak_attribution {
  a2d_store *store;
  int64_t n, n_val, k, models;
  double scale; /* the calibration's scale of the shifts (1 before calibration) */
  double *qbar; /* n: out-to-loss weights averaged over the models */
} a2d_trak_attribution;

/*
 * Open stage trak's attribution for n training and n_val validation points
 * (collective; every rank reads the weights).  A missing or inconsistent
 * group is A2D_ERR_DATA naming it.  With `unscaled` the scale is 1 (the
 * calibration itself predicts unscaled shifts).
 */
a2d_err a2d_trak_attribution_open(a2d_store *store, int64_t n, int64_t n_val, int unscaled,
                                  a2d_trak_attribution *T);
void a2d_trak_attribution_free(a2d_trak_attribution *T);

/*
 * Predicted margin shifts of removing each of S sets of training points
 * (removed: S x n flags) into shift (S x (n + n_val): training targets, then
 * validation targets; every row on every rank).  Collective.
 */
a2d_err a2d_trak_predict_shifts(a2d_trak_attribution *T, MPI_Comm comm, const uint8_t *removed,
                                int64_t S, double *shift);

#endif
