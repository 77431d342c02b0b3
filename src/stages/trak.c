/*
 * trak.c - stage `trak`: TRAK attributions ([attribution] method = trak) from
 * the [train] base models, their calibration and their LDS, into
 * /attribution/trak (trak_attribution.h).  With method = datamodels there is
 * nothing to do: stages ensemble and fit attribute instead.
 *
 * Per base model j, one checkpoint (attribute `complete` of model_NNNN):
 *   - the features of the training and validation points (a2d_trak_features;
 *     rows shared out in whole batches by a2d_trak_rows);
 *   - psi = Phi (Phi^T Phi + lambda I)^-1 on ScaLAPACK (a2d_trak_solve), with
 *     lambda in units of the kernel's mean diagonal entry.
 * Then the calibration: [attribution] calibration_models models on fresh
 * alpha-subsets ([ensemble] alpha); one scale, by least squares of their
 * observed margin shifts (from the base models' mean margins) on the shifts
 * TRAK predicts for the points each left out.  Never the oracles.
 * Then the LDS, on the same fresh subsets as the datamodels' ([datamodel]
 * lds_subsets, lds_seeds, seed), so the two backends' scores compare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "a2d/stats.h"
#include "a2d/trak.h"
#include "subset_models.h"
#include "trak_attribution.h"

/* The [attribution] keys and what the stage needs besides. */
typedef struct trak_config {
  int64_t base_models, models, dims, calibration_models, seed, lds_subsets, lds_seeds, lds_seed;
  double lambda, alpha;
} trak_config;

/* Whether the deck attributes with TRAK ([attribution] method = trak). */
a2d_err a2d_attribution_is_trak(const a2d_deck *deck, int *trak) {
  const char *method;
  A2D_CHECK(a2d_deck_choice(deck, "attribution", "method", &method));
  *trak = !strcmp(method, "trak");
  return A2D_OK;
}

a2d_err a2d_stage_trak_check(const a2d_deck *deck) {
  int64_t base, trained, own;
  A2D_CHECK(a2d_deck_int(deck, "attribution", "base_models", &base));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "models", &own));
  A2D_CHECK(a2d_deck_int(deck, "train", "models", &trained));
  if (base > 0 && own > 0)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [attribution] base_models and models are both set: TRAK takes the base "
                     "models' features or trains its own, not both",
                     a2d_deck_origin(deck, "attribution", "models"));
  if (base > trained)
    return A2D_ERROR(
        A2D_ERR_DECK, "%s: [attribution] base_models = %lld, more than the %lld [train] models",
        a2d_deck_origin(deck, "attribution", "base_models"), (long long)base, (long long)trained);
  return A2D_OK;
}

static a2d_err read_config(const a2d_deck *deck, trak_config *c) {
  A2D_CHECK(a2d_deck_int(deck, "attribution", "base_models", &c->base_models));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "models", &c->models));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "dims", &c->dims));
  A2D_CHECK(a2d_deck_real(deck, "attribution", "lambda", &c->lambda));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "calibration_models", &c->calibration_models));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "seed", &c->seed));
  A2D_CHECK(a2d_deck_real(deck, "ensemble", "alpha", &c->alpha));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_subsets", &c->lds_subsets));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_seeds", &c->lds_seeds));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "seed", &c->lds_seed));
  return A2D_OK;
}

/* Write rows [row0, row0 + rows) of an n x k float32 dataset from doubles (collective). */
static a2d_err write_features(a2d_context *ctx, const char *group, const char *name, int64_t n,
                              int64_t k, int64_t row0, int64_t rows, const double *v) {
  char path[160];
  float *f = NULL;
  int64_t dims[2] = {n, k};
  snprintf(path, sizeof path, "%s/%s", group, name);
  A2D_CHECK(A2D_CALLOC(f, rows * k + 1));
  for (int64_t i = 0; i < rows * k; i++) f[i] = (float)v[i];
  a2d_err err = a2d_store_create(ctx->store, path, A2D_F32, 2, dims, NULL, 0);
  if (!err) err = a2d_store_write_rows(ctx->store, path, A2D_F32, row0, rows, f);
  free(f);
  A2D_CHECK(err);
  return A2D_OK;
}

/*
 * The kernel's mean diagonal entry, (1/k) sum of |phi_i|^2: summed per batch
 * of A2D_TRAK_BATCH rows, the batches' sums added in order, so every rank
 * count gives the same bits (collective).
 */
static a2d_err mean_diagonal(MPI_Comm comm, const double *phi, int64_t rows, int64_t k,
                             double *mean) {
  double *mine = NULL, *all = NULL, sum = 0.0;
  int64_t total, nb = (rows + A2D_TRAK_BATCH - 1) / A2D_TRAK_BATCH;
  A2D_CHECK(A2D_CALLOC(mine, nb + 1));
  for (int64_t i = 0; i < rows; i++)
    for (int64_t c = 0; c < k; c++) mine[i / A2D_TRAK_BATCH] += phi[i * k + c] * phi[i * k + c];
  a2d_err err = a2d_allgather_doubles(comm, mine, nb, &all, &total);
  for (int64_t b = 0; !err && b < total; b++) sum += all[b];
  free(mine);
  free(all);
  A2D_CHECK(err);
  *mean = sum / (double)k;
  return A2D_OK;
}

/*
 * [attribution] models > 0: TRAK's own models on the whole training set,
 * shared out in blocks over the ranks, into /attribution/trak/own_params
 * (models x P; attribute complete once written, so a resumed run keeps
 * them).  *examples and *core_seconds: their training cost (collective).
 */
static a2d_err own_models(a2d_context *ctx, const trak_config *c, const a2d_model *model,
                          const a2d_sgd_config *cfg, const a2d_dataset *train, double *examples,
                          double *core_seconds) {
  a2d_err err = A2D_OK;
  const char *path = A2D_TRAK_GROUP "/own_params", *group = A2D_TRAK_GROUP;
  int64_t lo, hi, done = 0;
  int present;
  float *params = NULL;
  a2d_trainer *trainer = NULL;
  *examples = (double)(c->models * train->n * cfg->epochs);
  if (ctx->resume) A2D_CHECK(a2d_store_get_int(ctx->store, group, "own_complete", &done, &present));
  if (done) {
    A2D_CHECK(a2d_store_get_real(ctx->store, group, "own_core_seconds", core_seconds, &present));
    return A2D_OK;
  }
  const double start = a2d_now();
  a2d_block_range(c->models, ctx->size, ctx->rank, &lo, &hi);
  A2D_TRY(a2d_trainer_create(model, cfg, &trainer));
  A2D_TRY(A2D_CALLOC(params, (hi - lo) * model->nparams + 1));
  a2d_log("trak: training %lld models of its own on %lld examples, %lld epochs",
          (long long)c->models, (long long)train->n, (long long)cfg->epochs);
  for (int64_t k = lo; k < hi; k++) {
    a2d_rng init, order;
    a2d_rng_seed(&init, (uint64_t)c->seed, A2D_STREAM_TRAK_INIT, (uint64_t)k);
    a2d_rng_seed(&order, (uint64_t)c->seed, A2D_STREAM_TRAK_ORDER, (uint64_t)k);
    err = a2d_trainer_fit(trainer, train->x, train->y, NULL, train->n, &init, &order,
                          params + (k - lo) * model->nparams, NULL);
    if (err) break;
  }
  A2D_TRY(a2d_agree(ctx->comm, err));
  A2D_TRY(a2d_stage_create_matrix(ctx, path, c->models, model->nparams, 0, 1));
  A2D_TRY(a2d_store_write_rows(ctx->store, path, A2D_F32, lo, hi - lo, params));
  *core_seconds = (a2d_now() - start) * ctx->size;
  A2D_TRY(a2d_store_set_real(ctx->store, group, "own_core_seconds", *core_seconds));
  A2D_TRY(a2d_store_flush(ctx->store));
  A2D_TRY(a2d_store_set_int(ctx->store, group, "own_complete", 1));
  A2D_TRY(a2d_store_flush(ctx->store));
cleanup:
  a2d_trainer_destroy(&trainer);
  free(params);
  return err;
}

/* Model j's features and psi into its group, unless a resumed run finished it (collective). */
static a2d_err trak_model(a2d_context *ctx, const trak_config *c, const a2d_model *model,
                          const a2d_dataset *train, const a2d_dataset *val, const float *params,
                          int64_t j, int64_t *passes) {
  a2d_err err = A2D_OK;
  char group[128];
  int64_t done = 0, row0, rows, vrow0, vrows, dims[1] = {train->n};
  int present;
  double *phi = NULL, *psi = NULL, *q = NULL, *phiv = NULL, mean = 0;
  const int64_t k = c->dims, n = train->n, nv = val->n;
  a2d_trak_model_group(j, group, sizeof group);
  *passes = (n + nv) * ((k + A2D_TRAK_COLUMNS - 1) / A2D_TRAK_COLUMNS);
  if (ctx->resume) A2D_CHECK(a2d_store_get_int(ctx->store, group, "complete", &done, &present));
  if (done) return A2D_OK;
  const double start = a2d_now();
  a2d_trak_rows(n, ctx->size, ctx->rank, &row0, &rows);
  a2d_trak_rows(nv, ctx->size, ctx->rank, &vrow0, &vrows);
  A2D_TRY(A2D_CALLOC(phi, rows * k + 1));
  A2D_TRY(A2D_CALLOC(psi, rows * k + 1));
  A2D_TRY(A2D_CALLOC(q, rows + 1));
  A2D_TRY(A2D_CALLOC(phiv, vrows * k + 1));
  A2D_TRY(a2d_agree(ctx->comm, a2d_trak_features(model, params, train->x, train->y, row0, rows, k,
                                                 (uint64_t)c->seed, (uint64_t)j, phi, q)));
  A2D_TRY(a2d_agree(ctx->comm, a2d_trak_features(model, params, val->x, val->y, vrow0, vrows, k,
                                                 (uint64_t)c->seed, (uint64_t)j, phiv, NULL)));
  A2D_TRY(mean_diagonal(ctx->comm, phi, rows, k, &mean));
  A2D_TRY(a2d_trak_solve(ctx->comm, n, k, c->lambda * mean, phi, psi));
  A2D_TRY(write_features(ctx, group, "phi_train", n, k, row0, rows, phi));
  A2D_TRY(write_features(ctx, group, "phi_val", nv, k, vrow0, vrows, phiv));
  A2D_TRY(write_features(ctx, group, "psi", n, k, row0, rows, psi));
  char path[160];
  snprintf(path, sizeof path, "%s/q", group);
  A2D_TRY(a2d_store_create(ctx->store, path, A2D_F64, 1, dims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, path, A2D_F64, row0, rows, q));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "lambda", c->lambda * mean));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "core_seconds", (a2d_now() - start) * ctx->size));
  A2D_TRY(a2d_store_flush(ctx->store));
  A2D_TRY(a2d_store_set_int(ctx->store, group, "complete", 1));
  A2D_TRY(a2d_store_flush(ctx->store));
cleanup:
  free(phi);
  free(psi);
  free(q);
  free(phiv);
  return err;
}

/*
 * Subset models on alpha-subsets into `group` and, for each, TRAK's predicted
 * shifts (unscaled) against their observed margins: pred and obs, S x (n +
 * n_val), the observed averaged over the plan's seeds per subset (collective).
 */
static a2d_err subset_shifts(a2d_context *ctx, const a2d_subset_plan *p, const a2d_dataset *train,
                             const a2d_dataset *val, const a2d_model *model,
                             const a2d_sgd_config *cfg, double *pred, double *obs) {
  a2d_err err = A2D_OK;
  a2d_trak_attribution T = {0};
  const int64_t n = train->n, nv = val->n, targets = n + nv, seeds = p->models_per_subset;
  const int64_t S = p->models / seeds;
  uint8_t *removed = NULL;
  float *margins = NULL;
  char path[160];
  A2D_TRY(a2d_subset_models_train(ctx, p, train, val, model, cfg));
  A2D_TRY(A2D_CALLOC(removed, S * n));
  A2D_TRY(A2D_CALLOC(margins, p->models * (n > nv ? n : nv)));
  snprintf(path, sizeof path, "%s/masks", p->group);
  for (int64_t s = 0; s < S; s++) {
    A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_U8, s * seeds, 1, removed + s * n));
    for (int64_t i = 0; i < n; i++) removed[s * n + i] = !removed[s * n + i];
  }
  A2D_TRY(a2d_trak_attribution_open(ctx->store, n, nv, 1, &T));
  A2D_TRY(a2d_trak_predict_shifts(&T, ctx->comm, removed, S, pred));
  for (int split = 0; split < 2; split++) {
    const int64_t w = split ? nv : n, off = split ? n : 0;
    snprintf(path, sizeof path, "%s/%s", p->group, split ? "margins_val" : "margins_train");
    A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_F32, 0, p->models, margins));
    for (int64_t s = 0; s < S; s++)
      for (int64_t t = 0; t < w; t++) {
        double sum = 0;
        for (int64_t r = 0; r < seeds; r++) sum += margins[(s * seeds + r) * w + t];
        obs[s * targets + off + t] = sum / (double)seeds;
      }
  }
cleanup:
  a2d_trak_attribution_free(&T);
  free(removed);
  free(margins);
  return err;
}

/* The base models' mean margins on the training and validation points (n + n_val). */
static a2d_err base_margins(a2d_context *ctx, int64_t K, int64_t n, int64_t nv, double *mean) {
  float *m = NULL;
  A2D_CHECK(A2D_CALLOC(m, K * (n > nv ? n : nv)));
  a2d_err err = A2D_OK;
  for (int split = 0; split < 2 && !err; split++) {
    const int64_t w = split ? nv : n, off = split ? n : 0;
    err = a2d_store_read_rows(ctx->store, split ? "/train/margins_val" : "/train/margins_train",
                              A2D_F32, 0, K, m);
    for (int64_t t = 0; !err && t < w; t++) {
      double sum = 0;
      for (int64_t j = 0; j < K; j++) sum += m[j * w + t];
      mean[off + t] = sum / (double)K;
    }
  }
  free(m);
  A2D_CHECK(err);
  return A2D_OK;
}

/* The calibration's scale: least squares of observed on predicted shifts (collective). */
static a2d_err calibrate(a2d_context *ctx, const trak_config *c, const a2d_dataset *train,
                         const a2d_dataset *val, const a2d_model *model, const a2d_sgd_config *cfg,
                         int64_t K) {
  a2d_err err = A2D_OK;
  const int64_t n = train->n, nv = val->n, targets = n + nv, S = c->calibration_models;
  double *pred = NULL, *obs = NULL, *base = NULL, scale = 1.0, r = NAN;
  if (S > 0) {
    a2d_subset_plan p = {A2D_TRAK_GROUP "/calibration",
                         "trak: calibration",
                         S,
                         a2d_subset_size(c->alpha, n),
                         S < 16 ? S : 16,
                         1,
                         c->seed,
                         A2D_STREAM_TRAK_CAL_SUBSET,
                         A2D_STREAM_TRAK_CAL_INIT,
                         A2D_STREAM_TRAK_CAL_ORDER,
                         0,
                         "/stages/trak/calibration_models"};
    a2d_log("trak: calibration on %lld models of %lld-point subsets", (long long)S,
            (long long)p.subset);
    A2D_TRY(A2D_CALLOC(pred, S * targets));
    A2D_TRY(A2D_CALLOC(obs, S * targets));
    A2D_TRY(A2D_CALLOC(base, targets));
    A2D_TRY(subset_shifts(ctx, &p, train, val, model, cfg, pred, obs));
    A2D_TRY(base_margins(ctx, K, n, nv, base));
    double pp = 0, po = 0, oo = 0;
    for (int64_t s = 0; s < S; s++)
      for (int64_t t = 0; t < targets; t++) {
        const double x = pred[s * targets + t], y = obs[s * targets + t] - base[t];
        pp += x * x, po += x * y, oo += y * y;
      }
    if (!(pp > 0)) A2D_FAIL(A2D_ERR_DATA, "trak: every predicted shift of the calibration is 0");
    scale = po / pp;
    r = po / sqrt(pp * oo);
    a2d_log("trak: scale %.4g (correlation of predicted and observed shifts %.3f)", scale, r);
  }
  A2D_TRY(a2d_store_set_real(ctx->store, A2D_TRAK_GROUP, "scale", scale));
  A2D_TRY(a2d_store_set_real(ctx->store, A2D_TRAK_GROUP, "calibration_correlation", r));
cleanup:
  free(pred);
  free(obs);
  free(base);
  return err;
}

/* The LDS of TRAK's predictions on the datamodels' LDS subsets (collective). */
static a2d_err trak_lds(a2d_context *ctx, const trak_config *c, const a2d_dataset *train,
                        const a2d_dataset *val, const a2d_model *model, const a2d_sgd_config *cfg) {
  a2d_err err = A2D_OK;
  const int64_t n = train->n, nv = val->n, targets = n + nv, S = c->lds_subsets;
  double *pred = NULL, *obs = NULL, *lds = NULL, *a = NULL, *b = NULL, *scratch = NULL;
  a2d_subset_plan p = {A2D_TRAK_GROUP "/lds",
                       "trak: lds",
                       S * c->lds_seeds,
                       a2d_subset_size(c->alpha, n),
                       S * c->lds_seeds < 16 ? S * c->lds_seeds : 16,
                       c->lds_seeds,
                       c->lds_seed,
                       A2D_STREAM_LDS_SUBSET,
                       A2D_STREAM_LDS_INIT,
                       A2D_STREAM_LDS_ORDER,
                       0,
                       "/stages/trak/lds_models"};
  a2d_log("trak: LDS on %lld fresh subsets of %lld points (the datamodels' LDS subsets)",
          (long long)S, (long long)p.subset);
  A2D_TRY(A2D_CALLOC(pred, S * targets));
  A2D_TRY(A2D_CALLOC(obs, S * targets));
  A2D_TRY(A2D_CALLOC(lds, targets));
  A2D_TRY(A2D_CALLOC(a, S));
  A2D_TRY(A2D_CALLOC(b, S));
  A2D_TRY(A2D_CALLOC(scratch, 3 * S));
  A2D_TRY(subset_shifts(ctx, &p, train, val, model, cfg, pred, obs));
  double sums[2] = {0, 0};
  for (int64_t t = 0; t < targets; t++) {
    for (int64_t s = 0; s < S; s++) a[s] = pred[s * targets + t], b[s] = obs[s * targets + t];
    lds[t] = a2d_spearman(a, b, S, scratch);
    sums[t < n ? 0 : 1] += lds[t];
  }
  /* Predicted and observed, target by target (targets x subsets), as /datamodel keeps them. */
  double *rows = NULL;
  A2D_TRY(A2D_CALLOC(rows, targets * S));
  const char *names[4] = {"lds_predicted_train", "lds_predicted_val", "lds_observed_train",
                          "lds_observed_val"};
  for (int d = 0; d < 4; d++) {
    const double *src = d < 2 ? pred : obs;
    const int64_t t0 = d % 2 ? n : 0, count = d % 2 ? nv : n, dims2[2] = {count, S};
    char path[160];
    for (int64_t t = 0; t < count; t++)
      for (int64_t s = 0; s < S; s++) rows[t * S + s] = src[s * targets + t0 + t];
    snprintf(path, sizeof path, "%s/%s", A2D_TRAK_GROUP, names[d]);
    err = a2d_store_create(ctx->store, path, A2D_F64, 2, dims2, NULL, 0);
    if (!err) err = a2d_store_write_rows(ctx->store, path, A2D_F64, 0, ctx->rank ? 0 : count, rows);
    if (err) break;
  }
  free(rows);
  A2D_TRY(err);
  int64_t dn[1] = {n}, dv[1] = {nv};
  A2D_TRY(a2d_store_create(ctx->store, A2D_TRAK_GROUP "/lds_train", A2D_F64, 1, dn, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, A2D_TRAK_GROUP "/lds_train", A2D_F64, 0,
                               ctx->rank ? 0 : n, lds));
  A2D_TRY(a2d_store_create(ctx->store, A2D_TRAK_GROUP "/lds_val", A2D_F64, 1, dv, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, A2D_TRAK_GROUP "/lds_val", A2D_F64, 0,
                               ctx->rank ? 0 : nv, lds + n));
  A2D_TRY(a2d_store_set_real(ctx->store, A2D_TRAK_GROUP, "lds_train_mean", sums[0] / (double)n));
  A2D_TRY(a2d_store_set_real(ctx->store, A2D_TRAK_GROUP, "lds_val_mean",
                             nv ? sums[1] / (double)nv : NAN));
  a2d_log("trak: LDS %.4f on training targets, %.4f on validation targets (%lld subsets)",
          sums[0] / (double)n, nv ? sums[1] / (double)nv : NAN, (long long)S);
cleanup:
  free(pred);
  free(obs);
  free(lds);
  free(a);
  free(b);
  free(scratch);
  return err;
}

a2d_err a2d_stage_trak_idle(const a2d_deck *deck, const char **why) {
  int trak = 0;
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  *why = trak ? NULL : "[attribution] method = datamodels";
  return A2D_OK;
}

a2d_err a2d_stage_trak(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  trak_config c;
  a2d_dataset train = {0}, val = {0};
  a2d_model model;
  a2d_sgd_config cfg;
  float *params = NULL;
  int rank;
  int64_t dims[8], passes = 0, all_passes = 0;
  double core_seconds = 0, model_seconds;
  A2D_TRY(read_config(ctx->deck, &c));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, train.d, train.classes, &model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &cfg));
  A2D_TRY(a2d_store_shape(ctx->store, "/train/params", &rank, dims));
  if (rank != 2 || dims[1] != model.nparams)
    A2D_FAIL(A2D_ERR_DATA, "%s: /train/params does not hold %s models of %lld parameters",
             a2d_store_path(ctx->store), model.kind->name, (long long)model.nparams);
  if (c.base_models > dims[0])
    A2D_FAIL(A2D_ERR_DECK, "%s: [attribution] base_models = %lld, but /train holds %lld models",
             a2d_deck_origin(ctx->deck, "attribution", "base_models"), (long long)c.base_models,
             (long long)dims[0]);
  const int64_t K = c.models ? c.models : c.base_models ? c.base_models : dims[0];
  const char *source = c.models ? A2D_TRAK_GROUP "/own_params" : "/train/params";
  a2d_log(
      "trak: %lld %s models, %lld-dimensional projections of %lld parameters, lambda %g x "
      "the kernel's mean diagonal",
      (long long)K, c.models ? "own" : "base", (long long)c.dims, (long long)model.nparams,
      c.lambda);
  A2D_TRY(a2d_store_group(ctx->store, A2D_TRAK_GROUP));
  double own_examples = 0, own_seconds = 0;
  if (c.models) A2D_TRY(own_models(ctx, &c, &model, &cfg, &train, &own_examples, &own_seconds));
  A2D_TRY(a2d_store_set_int(ctx->store, A2D_TRAK_GROUP, "models", K));
  A2D_TRY(a2d_store_set_int(ctx->store, A2D_TRAK_GROUP, "dims", c.dims));
  A2D_TRY(a2d_store_set_real(ctx->store, A2D_TRAK_GROUP, "lambda", c.lambda));
  A2D_TRY(A2D_CALLOC(params, model.nparams));
  int64_t finished = 0;
  for (int64_t j = 0; ctx->resume && j < K; j++) {
    char group[128];
    int64_t done = 0;
    int present;
    a2d_trak_model_group(j, group, sizeof group);
    A2D_TRY(a2d_store_get_int(ctx->store, group, "complete", &done, &present));
    finished += done != 0;
  }
  if (finished) a2d_log("trak: resuming after %lld finished models", (long long)finished);
  a2d_progress progress;
  a2d_progress_start(&progress, "trak", "models", K, finished);
  for (int64_t j = 0; j < K; j++) {
    A2D_TRY(a2d_store_read_rows(ctx->store, source, A2D_F32, j, 1, params));
    A2D_TRY(trak_model(ctx, &c, &model, &train, &val, params, j, &passes));
    all_passes += passes;
    char group[128];
    int present;
    a2d_trak_model_group(j, group, sizeof group);
    A2D_TRY(a2d_store_get_real(ctx->store, group, "core_seconds", &model_seconds, &present));
    core_seconds += model_seconds;
    a2d_progress_update(&progress, j + 1);
    char fault[64];
    snprintf(fault, sizeof fault, "trak:model-%lld", (long long)j + 1);
    a2d_fault_point(fault);
  }
  /* The features' cost: one forward and backward pass per example and projection pass. */
  /* ... plus, with models of its own, their training. */
  A2D_TRY(a2d_store_set_int(ctx->store, "/stages/trak", "feature_examples",
                            all_passes + (int64_t)own_examples));
  A2D_TRY(a2d_store_set_real(ctx->store, "/stages/trak", "feature_seconds",
                             core_seconds + own_seconds));
  A2D_TRY(calibrate(ctx, &c, &train, &val, &model, &cfg, K));
  if (c.lds_subsets > 0) A2D_TRY(trak_lds(ctx, &c, &train, &val, &model, &cfg));
cleanup:
  free(params);
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}
