/*
 * train.c - stage `train`: K base models ([train] models) on the whole
 * training set; model k is initialised and ordered from ([train] seed, k).
 * Models are shared out in blocks over the ranks; each rank writes its rows of
 * /train/params, the margins and logits on both splits, and the accuracies.
 */
#include <stdio.h>
#include <stdlib.h>

#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "stage_util.h"
#include "task_import.h"

/* The arrays of the import that stage train reads (docs/import.md). */
static const char *const import_arrays[] = {"train/margins_train", "train/margins_val",
                                            "train/logits_train",  "train/logits_val",
                                            "train/correct_train", "train/correct_val"};

a2d_err a2d_stage_train_fingerprint(const a2d_deck *deck, char **text) {
  int source;
  *text = NULL;
  A2D_CHECK(a2d_deck_enum(deck, "train", "source", &source));
  if (!source) return A2D_OK;
  A2D_CHECK(a2d_stage_import_fingerprint(deck, import_arrays, 6, text));
  return A2D_OK;
}

/*
 * [train] source = import: the K base models' outputs (margins, logits if
 * given) and accuracies from the import's train/... arrays, each rank its
 * rows; no /train/params.
 */
static a2d_err import_base_models(a2d_context *ctx, int64_t K) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_import *imp = NULL;
  a2d_task_import ti = {0};
  float *margins[2] = {NULL, NULL}, *logits[2] = {NULL, NULL};
  uint8_t *correct[2] = {NULL, NULL};
  double *acc[2] = {NULL, NULL};
  int64_t lo, hi;
  A2D_TRY(a2d_stage_read_labels(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_labels(ctx, "val", &val));
  A2D_TRY(a2d_stage_import_open(ctx->deck, "[train] source = import", &imp));
  A2D_TRY(a2d_task_import_open(imp, "train", -1, &train, &val, &ti));
  if (ti.rows != K)
    A2D_FAIL(A2D_ERR_DATA, "%s: train/... holds %lld base models, expected [train] models = %lld",
             a2d_import_path(imp), (long long)ti.rows, (long long)K);
  a2d_block_range(K, ctx->size, ctx->rank, &lo, &hi);
  const int64_t nk = hi - lo, size[2] = {train.n, val.n}, C = train.classes;
  for (int o = 0; o < 2; o++) {
    A2D_TRY(A2D_CALLOC(margins[o], nk * size[o] + 1));
    A2D_TRY(A2D_CALLOC(correct[o], size[o] + 1));
    A2D_TRY(A2D_CALLOC(acc[o], nk + 1));
    if (ti.has_logits) A2D_TRY(A2D_CALLOC(logits[o], nk * size[o] * C + 1));
  }
  a2d_log("train: importing %lld base models from %s (%s)", (long long)K, a2d_import_path(imp),
          ti.has_logits ? "logits" : "margins; no logits");
  for (int64_t k = lo; k < hi; k++) {
    const int64_t j = k - lo;
    a2d_task_output out = {
        margins[0] + j * size[0], margins[1] + j * size[1], correct[0], correct[1], 0, 0, 0, 0};
    A2D_TRY(a2d_task_import_row(&ti, k, &out));
    for (int o = 0; o < 2; o++) {
      int64_t right = 0;
      for (int64_t i = 0; i < size[o]; i++) right += correct[o][i];
      acc[o][j] = (double)right / (double)size[o];
      if (ti.has_logits)
        A2D_TRY(a2d_import_read_f32(imp, &ti.logits[o], k, 1, logits[o] + j * size[o] * C));
    }
  }
  A2D_TRY(a2d_agree(ctx->comm, A2D_OK));
  const char *names[2][3] = {
      {"/train/margins_train", "/train/logits_train", "/train/accuracy_train"},
      {"/train/margins_val", "/train/logits_val", "/train/accuracy_val"}};
  int64_t dims[1] = {K};
  for (int o = 0; o < 2; o++) {
    A2D_TRY(a2d_stage_create_matrix(ctx, names[o][0], K, size[o], 0, 1));
    A2D_TRY(a2d_store_write_rows(ctx->store, names[o][0], A2D_F32, lo, nk, margins[o]));
    if (ti.has_logits) {
      A2D_TRY(a2d_stage_create_matrix(ctx, names[o][1], K, size[o], C, 1));
      A2D_TRY(a2d_store_write_rows(ctx->store, names[o][1], A2D_F32, lo, nk, logits[o]));
    }
    A2D_TRY(a2d_store_create(ctx->store, names[o][2], A2D_F64, 1, dims, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, names[o][2], A2D_F64, lo, nk, acc[o]));
  }
  A2D_TRY(a2d_store_set_string(ctx->store, "/train", "model", "imported"));
  A2D_TRY(a2d_store_set_int(ctx->store, "/train", "nparams", 0));
cleanup:
  for (int o = 0; o < 2; o++) {
    free(margins[o]);
    free(logits[o]);
    free(correct[o]);
    free(acc[o]);
  }
  a2d_task_import_free(&ti);
  A2D_CLEANUP(a2d_import_close(&imp));
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}

a2d_err a2d_stage_train(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_trainer *trainer = NULL;
  int64_t K, seed, lo, hi;
  float *params = NULL, *margins_train = NULL, *margins_val = NULL;
  float *logits_train = NULL, *logits_val = NULL;
  double *acc_train = NULL, *acc_val = NULL;

  /* ---- set up: data, model, optimiser, this rank's block of models ---- */
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "models", &K));
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "seed", &seed));
  int source;
  A2D_TRY(a2d_deck_enum(ctx->deck, "train", "source", &source));
  if (source) return import_base_models(ctx, K);
  A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, train.d, train.classes, &model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &cfg));
  A2D_TRY(a2d_trainer_create(&model, &cfg, &trainer));
  a2d_block_range(K, ctx->size, ctx->rank, &lo, &hi);
  const int64_t nk = hi - lo, P = model.nparams, C = model.classes, n = train.n, nv = val.n;
  A2D_TRY(A2D_CALLOC(params, nk * P));
  A2D_TRY(A2D_CALLOC(margins_train, nk * n));
  A2D_TRY(A2D_CALLOC(margins_val, nk * nv));
  A2D_TRY(A2D_CALLOC(logits_train, nk * n * C));
  A2D_TRY(A2D_CALLOC(logits_val, nk * nv * C));
  A2D_TRY(A2D_CALLOC(acc_train, nk));
  A2D_TRY(A2D_CALLOC(acc_val, nk));
  a2d_log("train: %lld %s models (%lld parameters each) on %lld examples, %lld epochs",
          (long long)K, model.kind->name, (long long)P, (long long)n, (long long)cfg.epochs);

  /* ---- train this rank's models ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, "train (rank 0)", "models", nk, 0);
  for (int64_t k = lo; k < hi; k++) {
    const int64_t j = k - lo;
    a2d_rng init, order;
    a2d_rng_seed(&init, (uint64_t)seed, A2D_STREAM_TRAIN_INIT, (uint64_t)k);
    a2d_rng_seed(&order, (uint64_t)seed, A2D_STREAM_TRAIN_ORDER, (uint64_t)k);
    double loss;
    A2D_TRY(
        a2d_trainer_fit(trainer, train.x, train.y, NULL, n, &init, &order, params + j * P, &loss));
    a2d_model_outputs out = {.margins_train = margins_train + j * n,
                             .margins_val = margins_val + j * nv,
                             .logits_train = logits_train + j * n * C,
                             .logits_val = logits_val + j * nv * C};
    A2D_TRY(a2d_stage_model_outputs(&model, params + j * P, &train, &val, &out));
    acc_train[j] = out.accuracy_train;
    acc_val[j] = out.accuracy_val;
    a2d_log_verbose("train: model %lld: loss %.4f, accuracy %.4f train, %.4f val", (long long)k,
                    loss, out.accuracy_train, out.accuracy_val);
    a2d_progress_update(&progress, j + 1);
  }
  A2D_TRY(a2d_agree(ctx->comm, A2D_OK));

  /* ---- write /train (emptied by the driver), each rank its rows ---- */
  int64_t dims[1] = {K};
  A2D_TRY(a2d_stage_create_matrix(ctx, "/train/params", K, P, 0, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/params", A2D_F32, lo, nk, params));
  A2D_TRY(a2d_stage_create_matrix(ctx, "/train/margins_train", K, n, 0, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/margins_train", A2D_F32, lo, nk, margins_train));
  A2D_TRY(a2d_stage_create_matrix(ctx, "/train/margins_val", K, nv, 0, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/margins_val", A2D_F32, lo, nk, margins_val));
  A2D_TRY(a2d_stage_create_matrix(ctx, "/train/logits_train", K, n, C, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/logits_train", A2D_F32, lo, nk, logits_train));
  A2D_TRY(a2d_stage_create_matrix(ctx, "/train/logits_val", K, nv, C, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/logits_val", A2D_F32, lo, nk, logits_val));
  A2D_TRY(a2d_store_create(ctx->store, "/train/accuracy_train", A2D_F64, 1, dims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/accuracy_train", A2D_F64, lo, nk, acc_train));
  A2D_TRY(a2d_store_create(ctx->store, "/train/accuracy_val", A2D_F64, 1, dims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/train/accuracy_val", A2D_F64, lo, nk, acc_val));
  A2D_TRY(a2d_store_set_string(ctx->store, "/train", "model", model.kind->name));
  A2D_TRY(a2d_store_set_int(ctx->store, "/train", "nparams", P));

  /* ---- report the mean accuracies (every rank's models) ---- */
  double local[2] = {0, 0}, total[2];
  for (int64_t j = 0; j < nk; j++) local[0] += acc_train[j], local[1] += acc_val[j];
  A2D_TRY_MPI(MPI_Allreduce(local, total, 2, MPI_DOUBLE, MPI_SUM, ctx->comm));
  a2d_log("train: mean accuracy %.2f%% train, %.2f%% validation over %lld models",
          100.0 * total[0] / (double)K, 100.0 * total[1] / (double)K, (long long)K);
cleanup:
  a2d_trainer_destroy(&trainer);
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  free(params);
  free(margins_train);
  free(margins_val);
  free(logits_train);
  free(logits_val);
  free(acc_train);
  free(acc_val);
  return err;
}
