/*
 * subset_models.h - train many models, each on a random subset of the
 * training examples, chunk by chunk with checkpoints, recording their masks,
 * margins and (optionally) logits under one study-file group.  The ensemble
 * (stage `ensemble`) and the fresh models of the LDS (stage `fit`) both are
 * such sets of models.
 *
 * Model k trains on subset k / models_per_subset (so several seeds can share a
 * subset), drawn from (seed, stream_subset, k / models_per_subset); its
 * initialisation and data order come from (seed, stream_init, k) and
 * (seed, stream_order, k).  After each chunk, attribute `models_done` of the
 * group records how many leading models are final.
 */
#ifndef A2D_SUBSET_MODELS_H
#define A2D_SUBSET_MODELS_H

#include "stage_util.h"

typedef struct a2d_subset_plan {
  const char *group; /* e.g. "/ensemble" */
  const char *label; /* progress and fault-point label, e.g. "ensemble" */
  int64_t models, subset, chunk, models_per_subset;
  int64_t seed;
  uint64_t stream_subset, stream_init, stream_order;
  int save_logits;
  const char *timing; /* group of the per-model wall times, outside the results (e.g.
                         "/stages/ensemble/models"), so results compare bit for bit */
} a2d_subset_plan;

/*
 * Train the plan's models, resuming after the last checkpoint when
 * ctx->resume and the group's datasets fit the plan; otherwise afresh.
 * Datasets: masks (M x n uint8), margins_train (M x n), margins_val
 * (M x n_val), examples (M, int64: the cost of each model), and with
 * save_logits logits_train (M x n x C), logits_val; <timing>/seconds (M).
 */
a2d_err a2d_subset_models_train(a2d_context *ctx, const a2d_subset_plan *plan,
                                const a2d_dataset *train, const a2d_dataset *val,
                                const a2d_model *model, const a2d_sgd_config *cfg);

/*
 * Import the plan's models from the arrays <prefix>/... of an import
 * (docs/import.md: masks, margins_* or logits_*, optional examples and
 * seconds) in place of training them, checked and written in the same layout
 * and chunks, with the same checkpoints.  Sets p->models, p->subset (the
 * first mask's size) and p->save_logits from the import.  Without
 * <prefix>/examples the models' examples are recorded as -1 (unknown), and
 * without seconds their times as NaN.  Models k and k+1 of one subset
 * (models_per_subset > 1) must have equal masks.
 */
a2d_err a2d_subset_models_import(a2d_context *ctx, a2d_subset_plan *p, a2d_import *imp,
                                 const char *prefix, const a2d_dataset *train,
                                 const a2d_dataset *val);

#endif
