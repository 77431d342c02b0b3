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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "stage_util.h"

/* The ensemble's shape and options. */
typedef struct ensemble_plan {
  int64_t models, seed, chunk, subset, n, nv, classes;
  int save_logits;
} ensemble_plan;

/* Create every /ensemble dataset afresh and record 0 models done. */
static a2d_err create_datasets(a2d_context *ctx, const ensemble_plan *p) {
  int64_t dims[2] = {p->models, p->n}, chunk[2] = {p->chunk, 4096};
  A2D_CHECK(a2d_store_delete(ctx->store, "/ensemble"));
  A2D_CHECK(a2d_store_create(ctx->store, "/ensemble/masks", A2D_U8, 2, dims, chunk, 4));
  A2D_CHECK(a2d_stage_create_matrix(ctx, "/ensemble/margins_train", p->models, p->n, 0, p->chunk));
  A2D_CHECK(a2d_stage_create_matrix(ctx, "/ensemble/margins_val", p->models, p->nv, 0, p->chunk));
  if (p->save_logits) {
    A2D_CHECK(a2d_stage_create_matrix(ctx, "/ensemble/logits_train", p->models, p->n, p->classes,
                                      p->chunk));
    A2D_CHECK(a2d_stage_create_matrix(ctx, "/ensemble/logits_val", p->models, p->nv, p->classes,
                                      p->chunk));
  }
  A2D_CHECK(a2d_store_set_int(ctx->store, "/ensemble", "subset_size", p->subset));
  A2D_CHECK(a2d_store_set_int(ctx->store, "/ensemble", "models_done", 0));
  return A2D_OK;
}

/*
 * How many models an interrupted run finished: its models_done if its
 * datasets have the shapes this plan expects, else 0 (start afresh).
 */
static a2d_err models_already_done(a2d_context *ctx, const ensemble_plan *p, int64_t *done) {
  int exists, rank, present;
  int64_t dims[8];
  *done = 0;
  A2D_CHECK(a2d_store_exists(ctx->store, "/ensemble/margins_val", &exists));
  if (!exists) return A2D_OK;
  A2D_CHECK(a2d_store_exists(ctx->store, "/ensemble/logits_val", &exists));
  if (exists != p->save_logits) return A2D_OK;
  A2D_CHECK(a2d_store_shape(ctx->store, "/ensemble/masks", &rank, dims));
  if (rank != 2 || dims[0] != p->models || dims[1] != p->n) return A2D_OK;
  A2D_CHECK(a2d_store_get_int(ctx->store, "/ensemble", "models_done", done, &present));
  if (!present || *done < 0 || *done > p->models) *done = 0;
  return A2D_OK;
}

/* Train models [lo, hi) of the ensemble into the chunk buffers (row 0 = model lo). */
static a2d_err train_block(const ensemble_plan *p, const a2d_model *model, a2d_trainer *trainer,
                           const a2d_dataset *train, const a2d_dataset *val, int64_t lo, int64_t hi,
                           int64_t *rows, float *params, uint8_t *masks, float *margins_train,
                           float *margins_val, float *logits_train, float *logits_val) {
  const int64_t n = p->n, nv = p->nv, C = p->classes;
  for (int64_t k = lo; k < hi; k++) {
    const int64_t j = k - lo;
    a2d_rng subset, init, order;
    a2d_rng_seed(&subset, (uint64_t)p->seed, A2D_STREAM_ENSEMBLE_SUBSET, (uint64_t)k);
    a2d_rng_seed(&init, (uint64_t)p->seed, A2D_STREAM_ENSEMBLE_INIT, (uint64_t)k);
    a2d_rng_seed(&order, (uint64_t)p->seed, A2D_STREAM_ENSEMBLE_ORDER, (uint64_t)k);
    a2d_rng_choose_sorted(&subset, n, p->subset, rows);
    memset(masks + j * n, 0, (size_t)n);
    for (int64_t i = 0; i < p->subset; i++) masks[j * n + rows[i]] = 1;
    A2D_CHECK(
        a2d_trainer_fit(trainer, train->x, train->y, rows, p->subset, &init, &order, params, NULL));
    a2d_model_outputs out = {margins_train + j * n,
                             margins_val + j * nv,
                             logits_train ? logits_train + j * n * C : NULL,
                             logits_val ? logits_val + j * nv * C : NULL,
                             0,
                             0};
    a2d_stage_model_outputs(model, params, train, val, a2d_trainer_workspace(trainer), &out);
  }
  return A2D_OK;
}

/* Write rows [row0, row0 + count) of every ensemble dataset (collective). */
static a2d_err write_block(a2d_context *ctx, const ensemble_plan *p, int64_t row0, int64_t count,
                           const uint8_t *masks, const float *margins_train,
                           const float *margins_val, const float *logits_train,
                           const float *logits_val) {
  A2D_CHECK(a2d_store_write_rows(ctx->store, "/ensemble/masks", A2D_U8, row0, count, masks));
  A2D_CHECK(a2d_store_write_rows(ctx->store, "/ensemble/margins_train", A2D_F32, row0, count,
                                 margins_train));
  A2D_CHECK(
      a2d_store_write_rows(ctx->store, "/ensemble/margins_val", A2D_F32, row0, count, margins_val));
  if (p->save_logits) {
    A2D_CHECK(a2d_store_write_rows(ctx->store, "/ensemble/logits_train", A2D_F32, row0, count,
                                   logits_train));
    A2D_CHECK(
        a2d_store_write_rows(ctx->store, "/ensemble/logits_val", A2D_F32, row0, count, logits_val));
  }
  return A2D_OK;
}

a2d_err a2d_stage_ensemble(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_trainer *trainer = NULL;
  ensemble_plan p;
  double alpha;
  int64_t *rows = NULL, done = 0;
  float *params = NULL, *margins_train = NULL, *margins_val = NULL;
  float *logits_train = NULL, *logits_val = NULL;
  uint8_t *masks = NULL;
  char fault[64];

  /* ---- set up ---- */
  memset(&p, 0, sizeof p);
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "models", &p.models));
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "seed", &p.seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "ensemble", "chunk", &p.chunk));
  A2D_TRY(a2d_deck_real(ctx->deck, "ensemble", "alpha", &alpha));
  A2D_TRY(a2d_deck_bool(ctx->deck, "ensemble", "save_logits", &p.save_logits));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, train.d, train.classes, &model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &cfg));
  A2D_TRY(a2d_trainer_create(&model, &cfg, &trainer));
  p.n = train.n;
  p.nv = val.n;
  p.classes = model.classes;
  p.subset = (int64_t)(alpha * (double)p.n + 0.5);
  if (p.subset < 1) p.subset = 1;
  if (p.chunk > p.models) p.chunk = p.models;
  const int64_t n = p.n, nv = p.nv, C = p.classes, S = p.chunk;

  /* ---- resume after the last finished chunk, or start afresh ---- */
  if (ctx->resume) A2D_TRY(models_already_done(ctx, &p, &done));
  if (done == 0) A2D_TRY(create_datasets(ctx, &p));
  if (done > 0) a2d_log("ensemble: resuming after %lld finished models", (long long)done);
  a2d_log(
      "ensemble: %lld %s models on subsets of %lld of %lld examples (alpha %.3g), %lld "
      "epochs, checkpoint every %lld models",
      (long long)p.models, model.kind->name, (long long)p.subset, (long long)n, alpha,
      (long long)cfg.epochs, (long long)S);

  /* Buffers for this rank's share of one chunk (at most ceil(S / size) models). */
  const int64_t most = (S + ctx->size - 1) / ctx->size;
  A2D_TRY(A2D_CALLOC(rows, p.subset));
  A2D_TRY(A2D_CALLOC(params, model.nparams));
  A2D_TRY(A2D_CALLOC(masks, most * n));
  A2D_TRY(A2D_CALLOC(margins_train, most * n));
  A2D_TRY(A2D_CALLOC(margins_val, most * nv));
  if (p.save_logits) {
    A2D_TRY(A2D_CALLOC(logits_train, most * n * C));
    A2D_TRY(A2D_CALLOC(logits_val, most * nv * C));
  }

  /* ---- chunk by chunk: train, write, checkpoint ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, "ensemble", "models", p.models, done);
  for (int64_t c0 = done; c0 < p.models; c0 += S) {
    const int64_t c1 = c0 + S < p.models ? c0 + S : p.models;
    int64_t lo, hi;
    a2d_block_range(c1 - c0, ctx->size, ctx->rank, &lo, &hi);
    A2D_TRY(a2d_agree(ctx->comm,
                      train_block(&p, &model, trainer, &train, &val, c0 + lo, c0 + hi, rows, params,
                                  masks, margins_train, margins_val, logits_train, logits_val)));
    A2D_TRY(write_block(ctx, &p, c0 + lo, hi - lo, masks, margins_train, margins_val, logits_train,
                        logits_val));
    A2D_TRY(a2d_store_flush(ctx->store));
    A2D_TRY(a2d_store_set_int(ctx->store, "/ensemble", "models_done", c1));
    A2D_TRY(a2d_store_flush(ctx->store));
    a2d_progress_update(&progress, c1);
    snprintf(fault, sizeof fault, "ensemble:checkpoint-%lld", (long long)(c1 / S));
    a2d_fault_point(fault);
  }
cleanup:
  a2d_trainer_destroy(&trainer);
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  free(rows);
  free(params);
  free(masks);
  free(margins_train);
  free(margins_val);
  free(logits_train);
  free(logits_val);
  return err;
}
