/* group.c - the forget-set group term of the datamodels (a2d/group.h). */
#include "a2d/group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Read this rank's targets' outputs (all ensemble models) from one split. */
static a2d_err read_outputs(a2d_context *ctx, const char *path, int64_t M, int64_t first,
                            int64_t count, int64_t per_target, float *buf) {
  int64_t start[3] = {0, first, 0}, cnt[3] = {M, count, per_target};
  A2D_CHECK(
      a2d_store_read_block(ctx->store, path, A2D_F32, per_target > 1 ? 3 : 2, start, cnt, buf));
  return A2D_OK;
}

a2d_err a2d_group_model_load(a2d_context *ctx, a2d_attribution *A, a2d_group_model *g) {
  a2d_err err = A2D_OK;
  uint8_t *all_masks = NULL;
  int64_t *fit = NULL, dims[8];
  float *ytrain = NULL, *yval = NULL;
  double *pred = NULL;
  int rank;
  memset(g, 0, sizeof *g);
  const int64_t n = A->n, P = A->per_target, t0 = A->target0, t1 = A->target1;
  const int64_t tr0 = t0 < n ? t0 : n, tr1 = t1 < n ? t1 : n; /* training targets [tr0, tr1) */
  const int64_t va0 = t0 > n ? t0 - n : 0, va1 = t1 > n ? t1 - n : 0; /* validation targets */
  const int logits = P > 1;

  /* ---- the fitting models and their subsets ---- */
  A2D_TRY(a2d_store_shape(ctx->store, "/datamodel/fit_models", &rank, dims));
  g->m = dims[0];
  g->n = n;
  g->rows = A->row1 - A->row0;
  A2D_TRY(a2d_store_shape(ctx->store, "/ensemble/masks", &rank, dims));
  const int64_t M = dims[0];
  if (rank != 2 || dims[1] != n || g->m < 3)
    A2D_FAIL(A2D_ERR_DATA, "%s: /ensemble/masks and /datamodel/fit_models do not fit together",
             a2d_store_path(ctx->store));
  A2D_TRY(A2D_CALLOC(fit, g->m));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/datamodel/fit_models", A2D_I64, 0, g->m, fit));
  A2D_TRY(A2D_CALLOC(all_masks, M * n));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/ensemble/masks", A2D_U8, 0, M, all_masks));
  A2D_TRY(A2D_CALLOC(g->masks, g->m * n));
  for (int64_t j = 0; j < g->m; j++) {
    if (fit[j] < 0 || fit[j] >= M)
      A2D_FAIL(A2D_ERR_DATA, "%s: /datamodel/fit_models holds model %lld of %lld",
               a2d_store_path(ctx->store), (long long)fit[j], (long long)M);
    memcpy(g->masks + j * n, all_masks + fit[j] * n, (size_t)n);
  }

  /* ---- this rank's targets' outputs on every model ---- */
  A2D_TRY(A2D_CALLOC(ytrain, M * (tr1 - tr0) * P + 1));
  A2D_TRY(A2D_CALLOC(yval, M * (va1 - va0) * P + 1));
  A2D_TRY(read_outputs(ctx, logits ? "/ensemble/logits_train" : "/ensemble/margins_train", M, tr0,
                       tr1 - tr0, P, ytrain));
  A2D_TRY(read_outputs(ctx, logits ? "/ensemble/logits_val" : "/ensemble/margins_val", M, va0,
                       va1 - va0, P, yval));

  /* ---- residuals: output minus the datamodel's prediction, centred per row ---- */
  A2D_TRY(A2D_CALLOC(g->residual, g->m * g->rows + 1));
  A2D_TRY(A2D_CALLOC(pred, g->rows + 1));
  for (int64_t j = 0; j < g->m; j++) {
    A2D_TRY(a2d_attribution_predict_direct(A, g->masks + j * n, NULL, 0, pred));
    for (int64_t r = 0; r < g->rows; r++) {
      const int64_t t = t0 + r / P, c = r % P;
      const float y = t < n ? ytrain[(fit[j] * (tr1 - tr0) + (t - tr0)) * P + c]
                            : yval[(fit[j] * (va1 - va0) + (t - n - va0)) * P + c];
      g->residual[j * g->rows + r] = (double)y - pred[r];
    }
  }
  for (int64_t r = 0; r < g->rows; r++) {
    double mean = 0;
    for (int64_t j = 0; j < g->m; j++) mean += g->residual[j * g->rows + r];
    mean /= (double)g->m;
    for (int64_t j = 0; j < g->m; j++) g->residual[j * g->rows + r] -= mean;
  }
cleanup:
  free(all_masks);
  free(fit);
  free(ytrain);
  free(yval);
  free(pred);
  if (err) a2d_group_model_free(g);
  return err;
}

int64_t a2d_group_term(const a2d_group_model *g, const int64_t *forget, int64_t nforget,
                       double threshold, double *shift, double *direct) {
  double *cf = malloc((size_t)g->m * sizeof *cf), cbar = 0, scc = 0;
  int64_t kept = 0;
  if (!cf || nforget == 0) {
    free(cf);
    return 0;
  }
  for (int64_t j = 0; j < g->m; j++) {
    int64_t c = 0;
    for (int64_t i = 0; i < nforget; i++) c += g->masks[j * g->n + forget[i]];
    cf[j] = (double)c;
    cbar += (double)c;
  }
  cbar /= (double)g->m;
  for (int64_t j = 0; j < g->m; j++) cf[j] -= cbar, scc += cf[j] * cf[j];
  for (int64_t r = 0; scc > 0 && r < g->rows; r++) {
    double sxy = 0, sse = 0;
    for (int64_t j = 0; j < g->m; j++) sxy += cf[j] * g->residual[j * g->rows + r];
    const double beta = sxy / scc;
    for (int64_t j = 0; j < g->m; j++) {
      double e = g->residual[j * g->rows + r] - beta * cf[j];
      sse += e * e;
    }
    const double se = sqrt(sse / (double)(g->m - 2) / scc);
    const double b = copysign(fmax(0.0, fabs(beta) - threshold * se), beta);
    if (b == 0) continue;
    kept++;
    shift[r] -= b * (double)nforget;
    direct[r] -= b * cbar;
  }
  free(cf);
  return kept;
}

void a2d_group_model_free(a2d_group_model *g) {
  free(g->masks);
  free(g->residual);
  memset(g, 0, sizeof *g);
}
