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

enum { SOURCE_A2D, SOURCE_IMPORT };

/* The arrays of the import that stage ensemble reads (docs/import.md). */
static const char *const import_arrays[] = {"ensemble/masks",       "ensemble/margins_train",
                                            "ensemble/margins_val", "ensemble/logits_train",
                                            "ensemble/logits_val",  "ensemble/examples",
                                            "ensemble/seconds"};

a2d_err a2d_stage_ensemble_check(const a2d_deck *deck) {
  int source;
  const char *path;
  A2D_CHECK(a2d_deck_enum(deck, "ensemble", "source", &source));
  A2D_CHECK(a2d_deck_string(deck, "import", "path", &path));
  if (source == SOURCE_IMPORT && !path[0])
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [ensemble] source = import needs [import] path, the import file or "
                     "folder (docs/import.md)",
                     a2d_deck_origin(deck, "ensemble", "source"));
  return A2D_OK;
}

a2d_err a2d_stage_ensemble_fingerprint(const a2d_deck *deck, char **text) {
  int source, trak = 0;
  *text = NULL;
  A2D_CHECK(a2d_deck_enum(deck, "ensemble", "source", &source));
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  if (source != SOURCE_IMPORT || trak) return A2D_OK;
  A2D_CHECK(a2d_stage_import_fingerprint(deck, import_arrays, 7, text));
  return A2D_OK;
}

/* [ensemble] source = import: the ensemble's masks and outputs from the import. */
static a2d_err import_ensemble(a2d_context *ctx, a2d_subset_plan *p) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_import *imp = NULL;
  A2D_TRY(a2d_stage_read_labels(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_labels(ctx, "val", &val));
  A2D_TRY(a2d_stage_import_open(ctx->deck, "[ensemble] source = import", &imp));
  A2D_TRY(a2d_subset_models_import(ctx, p, imp, "ensemble", &train, &val));
cleanup:
  A2D_CLEANUP(a2d_import_close(&imp));
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}

a2d_err a2d_stage_ensemble(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  int source;
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
  A2D_TRY(a2d_deck_enum(ctx->deck, "ensemble", "source", &source));
  if (source == SOURCE_IMPORT) return import_ensemble(ctx, &p);
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
