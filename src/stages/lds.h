/*
 * lds.h - the linear datamodeling score of the fitted datamodels (Ilyas et
 * al. 2022), the last step of stage `fit`.
 *
 * `subsets` fresh random alpha-subsets are drawn from ([datamodel] seed, s);
 * `seeds` models are trained on each (src/stages/subset_models.c, group
 * /datamodel/lds, checkpointed) and their margins averaged.  For each target
 * the datamodels predict the margin on every subset (through the PETSc
 * attribution matrix; with logit datamodels, the margin of the predicted logit
 * vector), and the LDS of the target is the Spearman rank correlation across
 * subsets between predicted and observed margins.  Writes
 * /datamodel/lds_train (n), /datamodel/lds_val (n_val), the predicted and
 * observed margins (targets x subsets), and the means as attributes.
 */
#ifndef A2D_LDS_H
#define A2D_LDS_H

#include "a2d/import.h"
#include "a2d/stage.h"

/*
 * With `imp` (an imported ensemble), the LDS models are the import's lds/...
 * arrays (rows k*seeds .. k*seeds+seeds-1 on subset k) instead of trained
 * ones, and `subsets` is their number of rows / seeds.
 */
a2d_err a2d_lds_run(a2d_context *ctx, int64_t subsets, int64_t seeds, int64_t seed,
                    a2d_import *imp);

#endif
