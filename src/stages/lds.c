/* lds.c - the linear datamodeling score of stage fit (lds.h). */
#include "lds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/attribution.h"
#include "a2d/parallel.h"
#include "a2d/stats.h"
#include "subset_models.h"

/* Observed margins of targets [a, b) of one split, averaged over seeds: (b - a) x subsets. */
static a2d_err read_observed(a2d_context *ctx, const char *path, int64_t subsets, int64_t seeds,
                             int64_t a, int64_t b, double *obs) {
  float *raw = NULL;
  const int64_t width = b - a;
  int64_t start[2] = {0, a}, count[2] = {subsets * seeds, width};
  A2D_CHECK(A2D_CALLOC(raw, subsets * seeds * width));
  a2d_err err = a2d_store_read_block(ctx->store, path, A2D_F32, 2, start, count, raw);
  for (int64_t t = 0; !err && t < width; t++)
    for (int64_t s = 0; s < subsets; s++) {
      double sum = 0;
      for (int64_t r = 0; r < seeds; r++) sum += raw[(s * seeds + r) * width + t];
      obs[t * subsets + s] = sum / (double)seeds;
    }
  free(raw);
  A2D_CHECK(err);
  return A2D_OK;
}

/* Write rows [a, b) (a x subsets doubles each, or one double) of dataset path (collective). */
static a2d_err write_rows(a2d_context *ctx, const char *path, int64_t total, int64_t width,
                          int64_t a, int64_t b, const double *data) {
  int64_t dims[2] = {total, width};
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_F64, width > 1 ? 2 : 1, dims, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_F64, a, b - a, data));
  return A2D_OK;
}

/* Mean of a stored vector of n doubles, summed in order (collective read). */
static a2d_err mean_of(a2d_context *ctx, const char *path, int64_t n, double *mean) {
  double *v = NULL, sum = 0.0;
  A2D_CHECK(A2D_CALLOC(v, n));
  a2d_err err = a2d_store_read_rows(ctx->store, path, A2D_F64, 0, n, v);
  for (int64_t i = 0; i < n; i++) sum += v[i];
  free(v);
  A2D_CHECK(err);
  *mean = n ? sum / (double)n : 0.0;
  return A2D_OK;
}

a2d_err a2d_lds_run(a2d_context *ctx, int64_t subsets, int64_t seeds, int64_t seed,
                    a2d_import *imp) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_attribution A = {0};
  uint8_t *masks = NULL;
  double *obs = NULL, *pred = NULL, *lds = NULL, *out = NULL, *scratch = NULL;
  float *logits = NULL;
  int64_t subset = 0;
  int present;

  /* ---- the fresh models: trained here, or imported with the ensemble ---- */
  if (imp) {
    A2D_TRY(a2d_stage_read_labels(ctx, "train", &train));
    A2D_TRY(a2d_stage_read_labels(ctx, "val", &val));
  } else {
    A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
    A2D_TRY(a2d_stage_read_split(ctx, "val", &val));
    A2D_TRY(a2d_model_from_deck(ctx->deck, train.d, train.classes, &model));
    A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &cfg));
  }
  A2D_TRY(a2d_store_get_int(ctx->store, "/ensemble", "subset_size", &subset, &present));
  if (!present || subset < 1 || subset > train.n)
    A2D_FAIL(A2D_ERR_DATA, "%s: /ensemble has no valid subset_size", a2d_store_path(ctx->store));
  a2d_subset_plan p = {"/datamodel/lds",
                       "fit: lds",
                       subsets * seeds,
                       subset,
                       subsets * seeds < 16 ? subsets * seeds : 16,
                       seeds,
                       seed,
                       A2D_STREAM_LDS_SUBSET,
                       A2D_STREAM_LDS_INIT,
                       A2D_STREAM_LDS_ORDER,
                       0,
                       "/stages/fit/lds_models"};
  if (imp) {
    A2D_TRY(a2d_subset_models_import(ctx, &p, imp, "lds", &train, &val));
    subsets = p.models / seeds;
    a2d_log("fit: LDS on the import's %lld subsets, %lld model%s each", (long long)subsets,
            (long long)seeds, seeds > 1 ? "s" : "");
  } else {
    a2d_log("fit: LDS on %lld fresh subsets of %lld points, %lld model%s each", (long long)subsets,
            (long long)subset, (long long)seeds, seeds > 1 ? "s" : "");
    A2D_TRY(a2d_subset_models_train(ctx, &p, &train, &val, &model, &cfg));
  }

  /* ---- predicted and observed margins of this rank's targets ---- */
  A2D_TRY(a2d_attribution_load(ctx->store, ctx->comm, &A));
  const int64_t n = train.n, nv = val.n, C = A.per_target, S = subsets;
  const int64_t t0 = A.target0, t1 = A.target1, local = t1 - t0;
  const int64_t a_train = t0 < n ? t0 : n, b_train = t1 < n ? t1 : n;
  const int64_t a_val = (t0 > n ? t0 : n) - n, b_val = (t1 > n ? t1 : n) - n;
  A2D_TRY(A2D_CALLOC(masks, S * seeds * n));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/datamodel/lds/masks", A2D_U8, 0, S * seeds, masks));
  A2D_TRY(A2D_CALLOC(obs, local * S));
  A2D_TRY(A2D_CALLOC(pred, local * S));
  A2D_TRY(A2D_CALLOC(lds, local));
  A2D_TRY(A2D_CALLOC(out, local * C));
  A2D_TRY(A2D_CALLOC(logits, C));
  A2D_TRY(A2D_CALLOC(scratch, 3 * S));
  A2D_TRY(read_observed(ctx, "/datamodel/lds/margins_train", S, seeds, a_train, b_train, obs));
  A2D_TRY(read_observed(ctx, "/datamodel/lds/margins_val", S, seeds, a_val, b_val,
                        obs + (b_train - a_train) * S));
  for (int64_t s = 0; s < S; s++) {
    A2D_TRY(a2d_attribution_predict_direct(&A, masks + s * seeds * n, NULL, 0, out));
    for (int64_t t = 0; t < local; t++) {
      const int64_t target = t0 + t;
      const int32_t label = target < n ? train.y[target] : val.y[target - n];
      if (C == 1) {
        pred[t * S + s] = out[t];
      } else {
        for (int64_t c = 0; c < C; c++) logits[c] = (float)out[t * C + c];
        pred[t * S + s] = a2d_margin(logits, label, C);
      }
    }
  }
  double totals[2];
  for (int64_t t = 0; t < local; t++) lds[t] = a2d_spearman(pred + t * S, obs + t * S, S, scratch);
  A2D_TRY(a2d_agree(ctx->comm, A2D_OK));

  /* ---- write, each rank its targets ---- */
  const int64_t k = b_train - a_train;
  A2D_TRY(write_rows(ctx, "/datamodel/lds_train", n, 1, a_train, b_train, lds));
  A2D_TRY(write_rows(ctx, "/datamodel/lds_val", nv, 1, a_val, b_val, lds + k));
  A2D_TRY(write_rows(ctx, "/datamodel/lds_predicted_train", n, S, a_train, b_train, pred));
  A2D_TRY(write_rows(ctx, "/datamodel/lds_predicted_val", nv, S, a_val, b_val, pred + k * S));
  A2D_TRY(write_rows(ctx, "/datamodel/lds_observed_train", n, S, a_train, b_train, obs));
  A2D_TRY(write_rows(ctx, "/datamodel/lds_observed_val", nv, S, a_val, b_val, obs + k * S));
  /* Means summed in target order from the stored values, the same on any rank count. */
  A2D_TRY(mean_of(ctx, "/datamodel/lds_train", n, &totals[0]));
  A2D_TRY(mean_of(ctx, "/datamodel/lds_val", nv, &totals[1]));
  A2D_TRY(a2d_store_set_real(ctx->store, "/datamodel", "lds_train_mean", totals[0]));
  A2D_TRY(a2d_store_set_real(ctx->store, "/datamodel", "lds_val_mean", totals[1]));
  a2d_log("fit: LDS %.4f on training targets, %.4f on validation targets (%lld subsets)", totals[0],
          totals[1], (long long)S);
cleanup:
  A2D_CLEANUP(a2d_attribution_destroy(&A));
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  free(masks);
  free(obs);
  free(pred);
  free(lds);
  free(out);
  free(logits);
  free(scratch);
  return err;
}
