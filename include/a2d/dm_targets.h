/*
 * a2d/dm_targets.h - what the datamodels predict a base model's outputs
 * become once a forget set is removed: the targets dmm fine-tunes towards
 * and dm_direct reports.  Stage `unlearn` builds every target through these
 * two calls, and so does test_unlearn, so the unit test checks the stage's
 * own arithmetic.
 *
 * Per forget set F, one collective prediction over every datamodel row r
 * (training targets first, then validation targets; per_target rows each):
 *
 *   shift_r  = -theta_r . 1[F]         (+ the group term, a2d/group.h)
 *   direct_r =  theta_r . 1[R] + b_r   (R: the retain set; + the group term)
 *
 * then per base model k, in the method's form:
 *
 *   anchored:  target = f_k(all points) + shift     (the model's own outputs)
 *   direct:    target = direct
 *
 * with per-class datamodels (per_target = C) the targets are logits and their
 * margins follow from them; with margin datamodels, margins only.
 *
 *   a2d_dm_prediction pred;
 *   A2D_CHECK(a2d_dm_predict(comm, &A, NULL, 0, 0, forget, nforget, &pred, NULL));
 *   a2d_dm_targets(&pred, A2D_DM_ANCHORED, &base_k, &targets);
 *   a2d_dm_prediction_free(&pred);
 */
#ifndef A2D_DM_TARGETS_H
#define A2D_DM_TARGETS_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/attribution.h"
#include "a2d/group.h"

/* The datamodel prediction for one forget set: every row, on every rank. */
typedef struct a2d_dm_prediction {
  int64_t rows;   /* (n + n_val) x per_target */
  double *shift;  /* -theta . 1[F], with the group term */
  double *direct; /* theta . 1[R] + b, with the group term */
} a2d_dm_prediction;

/*
 * Predict for forget set `forget` (sorted indices) from the loaded
 * attribution A (collective); with `group` (NULL: none) the group term over
 * rows whose forget-set coefficient mass passes `threshold` (pooled by class
 * when `pool`), *kept (if set) counting those rows over all ranks.
 */
a2d_err a2d_dm_predict(MPI_Comm comm, a2d_attribution *A, a2d_group_model *group, double threshold,
                       int pool, const int64_t *forget, int64_t nforget, a2d_dm_prediction *out,
                       int64_t *kept);

/* One group-term setting (term 0: none). */
typedef struct a2d_dm_setting {
  int term, pool;
  double threshold;
} a2d_dm_setting;

/*
 * a2d_dm_predict for `count` settings of one forget set at once: the
 * products with theta and the group term's slopes are formed once and shared
 * (out[i], kept[i] for setting i; kept may be NULL).  The same numbers as
 * `count` calls of a2d_dm_predict.
 */
a2d_err a2d_dm_predict_settings(MPI_Comm comm, a2d_attribution *A, a2d_group_model *group,
                                const a2d_dm_setting *settings, int count, const int64_t *forget,
                                int64_t nforget, a2d_dm_prediction *out, int64_t *kept);
void a2d_dm_prediction_free(a2d_dm_prediction *p);

/* Which target ([unlearn.dmm] form, [unlearn.dm_direct] form). */
typedef enum a2d_dm_form { A2D_DM_ANCHORED = 0, A2D_DM_DIRECT = 1 } a2d_dm_form;

/* A base model's outputs and the labels, on the training and validation points. */
typedef struct a2d_dm_outputs {
  int64_t n, n_val, classes, per_target; /* per_target: 1 (margins) or classes (logits) */
  const int32_t *y, *y_val;
  float *logits, *logits_val;   /* n x C, n_val x C; per-class only */
  float *margins, *margins_val; /* n, n_val */
} a2d_dm_outputs;

/*
 * The targets of one base model in `form` into out (caller-allocated, of the
 * base's shape): from base's logits with per-class datamodels, its margins
 * otherwise (base is read only).
 */
void a2d_dm_targets(const a2d_dm_prediction *p, a2d_dm_form form, const a2d_dm_outputs *base,
                    a2d_dm_outputs *out);

#endif
