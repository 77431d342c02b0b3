/*
 * ensemble.c - stage `ensemble`: M models ([ensemble] models), model k
 * trained on its own random subset of round(alpha * n) training examples,
 * subset, initialisation and order all drawn from ([ensemble] seed, k).
 *
 * Models are processed in chunks of [ensemble] chunk; within a chunk the
 * ranks share the models in blocks and write their rows collectively.  After
 * each chunk the number of finished models is recorded (attribute
 * models_done of /ensemble), so a killed run resumes after the last finished
 * chunk and ends with the same datasets as an uninterrupted run.
 */
#include <string.h>

#include "a2d/parallel.h"
#include "subset_models.h"

a2d_err a2d_stage_ensemble_idle(const a2d_deck *deck, const char **why) {
  int trak = 0;
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  *why = trak ? "[attribution] method = trak needs no ensemble" : NULL;
  return A2D_OK;
}

a2d_err a2d_stage_ensemble(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_subset_plan p;
  double alpha;

  memset(&p, 0, sizeof p);
  p.group = "/ensemble";
  p.timing = "/stages/ensemble/models";
  p.label = "ensemble";
  p.models_per_subset = 1;
  p.stream_subset = A2D_STREAM_ENSEMBLE_SUBSET;
  p.stream_init = A2D_STREAM_ENSEMBLE_INIT;
  p.stream_order = A2D_STREAM_ENSEMBLE_ORDER;
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "models", &p.models));
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "seed", &p.seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "chunk", &p.chunk));
  A2D_TRY(a2d_deck_real(ctx->deck, "ensemble", "alpha", &alpha));
  A2D_TRY(a2d_deck_bool(ctx->deck, "ensemble", "save_logits", &p.save_logits));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, train.d, train.classes, &model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &cfg));
  p.subset = a2d_subset_size(alpha, train.n);
  if (p.chunk > p.models) p.chunk = p.models;
  a2d_log(
      "ensemble: %lld %s models on subsets of %lld of %lld examples (alpha %.3g), %lld "
      "epochs, checkpoint every %lld models",
      (long long)p.models, model.kind->name, (long long)p.subset, (long long)train.n, alpha,
      (long long)cfg.epochs, (long long)p.chunk);
  A2D_TRY(a2d_subset_models_train(ctx, &p, &train, &val, &model, &cfg));
cleanup:
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}
