/* group.c - the forget-set group term of the datamodels (a2d/group.h). */
#include "a2d/group.h"
#include "a2d/datamodel_store.h"
#include "a2d/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Read this rank's targets' outputs (all ensemble models) from one split. */
static a2d_err read_outputs(a2d_store *store, const char *path, int64_t M, int64_t first,
                            int64_t count, int64_t per_target, float *buf) {
  int64_t start[3] = {0, first, 0}, cnt[3] = {M, count, per_target};
  A2D_CHECK(a2d_store_read_block(store, path, A2D_F32, per_target > 1 ? 3 : 2, start, cnt, buf));
  return A2D_OK;
}

/* Rows of the masks per collective read while gathering the fitting models' rows. */
#define GROUP_MASK_ROWS 256

/*
 * The fitting models' masks (models fit[0..m)) into memory shared by the
 * ranks of each node: its rank 0 reads the masks a chunk of rows at a time
 * and keeps the fitting models' rows (collective).
 */
static a2d_err read_fit_masks(a2d_store *store, MPI_Comm comm, const char *masks,
                              const int64_t *fit, int64_t M, a2d_group_model *g) {
  a2d_err err = A2D_OK;
  uint8_t *buf = NULL;
  const int64_t n = g->n;
  A2D_TRY(a2d_node_create(comm, &g->node));
  A2D_TRY(a2d_shared_create(&g->node, (size_t)(g->m * n), &g->masks_mem));
  const int reader = g->node.node_rank == 0;
  A2D_TRY(A2D_CALLOC(buf, (reader ? GROUP_MASK_ROWS : 1) * n));
  for (int64_t r0 = 0, j = 0; r0 < M; r0 += GROUP_MASK_ROWS) {
    const int64_t count = M - r0 < GROUP_MASK_ROWS ? M - r0 : GROUP_MASK_ROWS;
    A2D_TRY(a2d_store_read_rows(store, masks, A2D_U8, r0, reader ? count : 0, buf));
    for (; reader && j < g->m && fit[j] < r0 + count; j++)
      memcpy((uint8_t *)g->masks_mem.base + j * n, buf + (fit[j] - r0) * n, (size_t)n);
  }
  A2D_TRY(a2d_shared_publish(&g->node, &g->masks_mem));
  g->masks = g->masks_mem.base;
cleanup:
  free(buf);
  return err;
}

a2d_err a2d_group_model_load(a2d_store *store, MPI_Comm comm, const a2d_group_inputs *in,
                             a2d_attribution *A, a2d_group_model *g) {
  a2d_err err = A2D_OK;
  int64_t *fit = NULL, dims[8];
  float *ytrain = NULL, *yval = NULL;
  double *mean = NULL;
  int rank;
  memset(g, 0, sizeof *g);
  const int64_t n = A->n, P = A->per_target, t0 = A->target0, t1 = A->target1;
  const int64_t tr0 = t0 < n ? t0 : n, tr1 = t1 < n ? t1 : n; /* training targets [tr0, tr1) */
  const int64_t va0 = t0 > n ? t0 - n : 0, va1 = t1 > n ? t1 - n : 0; /* validation targets */

  /* ---- the fitting models and their subsets ---- */
  A2D_TRY(a2d_store_shape(store, in->masks, &rank, dims));
  const int64_t M = dims[0];
  if (rank != 2 || dims[1] != n)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s is not models x %lld training points, as the datamodels are",
             a2d_store_path(store), in->masks, (long long)n);
  A2D_TRY(a2d_datamodel_fit_models_read(store, M, &fit, &g->m));
  g->n = n;
  g->rows = A->row1 - A->row0;
  g->target0 = A->target0;
  g->per_target = A->per_target;
  A2D_TRY(read_fit_masks(store, comm, in->masks, fit, M, g));

  /* ---- this rank's targets' outputs on every model ---- */
  A2D_TRY(A2D_CALLOC(ytrain, M * (tr1 - tr0) * P + 1));
  A2D_TRY(A2D_CALLOC(yval, M * (va1 - va0) * P + 1));
  A2D_TRY(read_outputs(store, in->outputs_train, M, tr0, tr1 - tr0, P, ytrain));
  A2D_TRY(read_outputs(store, in->outputs_val, M, va0, va1 - va0, P, yval));

  /* ---- residuals: output minus the datamodel's prediction, centred per row ---- */
  /* The models are the outer loop so that memory streams; each row's mean
     still sums its residuals in model order. */
  A2D_TRY(A2D_CALLOC(g->residual, g->m * g->rows + 1));
  A2D_TRY(A2D_CALLOC(mean, g->rows + 1));
  A2D_TRY(a2d_attribution_predict_masks(A, g->masks, g->m, g->residual, g->rows));
  for (int64_t j = 0; j < g->m; j++) {
    for (int64_t r = 0; r < g->rows; r++) {
      const int64_t t = t0 + r / P, c = r % P;
      const float y = t < n ? ytrain[(fit[j] * (tr1 - tr0) + (t - tr0)) * P + c]
                            : yval[(fit[j] * (va1 - va0) + (t - n - va0)) * P + c];
      g->residual[j * g->rows + r] = (double)y - g->residual[j * g->rows + r];
      mean[r] += g->residual[j * g->rows + r];
    }
  }
  for (int64_t r = 0; r < g->rows; r++) mean[r] /= (double)g->m;
  for (int64_t j = 0; j < g->m; j++)
    for (int64_t r = 0; r < g->rows; r++) g->residual[j * g->rows + r] -= mean[r];
cleanup:
  free(mean);
  free(fit);
  free(ytrain);
  free(yval);
  if (err) a2d_group_model_free(g);
  return err;
}

/* Whether this rank's row r is a forget point's own row (a training target in F). */
static int is_forget_row(const a2d_group_model *g, const uint8_t *in_forget, int64_t r) {
  const int64_t t = g->target0 + r / g->per_target;
  return t < g->n && in_forget[t];
}

/*
 * Per row: the least-squares slope of the residuals on cf (centred counts)
 * and its SE squared.  Each row's sums run over the models in order; the
 * models are the outer loop so that the residuals stream through memory.
 */
static void row_slopes(const a2d_group_model *g, const double *cf, double scc, double *beta,
                       double *se2) {
  const int64_t rows = g->rows;
  for (int64_t r = 0; r < rows; r++) beta[r] = se2[r] = 0;
  for (int64_t j = 0; j < g->m; j++) {
    const double *res = g->residual + j * rows;
    for (int64_t r = 0; r < rows; r++) beta[r] += cf[j] * res[r];
  }
  for (int64_t r = 0; r < rows; r++) beta[r] /= scc;
  for (int64_t j = 0; j < g->m; j++) {
    const double *res = g->residual + j * rows;
    for (int64_t r = 0; r < rows; r++) {
      const double e = res[r] - beta[r] * cf[j];
      se2[r] += e * e;
    }
  }
  for (int64_t r = 0; r < rows; r++) se2[r] = se2[r] / (double)(g->m - 2) / scc;
}

/*
 * The forget rows' common prior, per class (one class for margin datamodels):
 * from every rank's forget rows, gathered in row order so that the sums are
 * the same on any number of ranks.  Record per forget row: class, slope, SE^2,
 * then its m residuals.
 */
static a2d_err forget_prior(const a2d_group_model *g, MPI_Comm comm, const uint8_t *in_forget,
                            const double *cf, double scc, const double *beta, const double *se2,
                            double *mean, double *shrunk_mean, double *tau2) {
  a2d_err err = A2D_OK;
  const int64_t P = g->per_target, m = g->m, rec = m + 3;
  double *mine = NULL, *all = NULL, *rho = NULL;
  int64_t nmine = 0, total = 0;
  for (int64_t r = 0; r < g->rows; r++) nmine += is_forget_row(g, in_forget, r);
  A2D_TRY(A2D_CALLOC(mine, nmine * rec + 1));
  A2D_TRY(A2D_CALLOC(rho, m));
  for (int64_t r = 0, k = 0; r < g->rows; r++) {
    if (!is_forget_row(g, in_forget, r)) continue;
    double *x = mine + (k++) * rec;
    x[0] = (double)(r % P), x[1] = beta[r], x[2] = se2[r];
    for (int64_t j = 0; j < m; j++) x[3 + j] = g->residual[j * g->rows + r];
  }
  A2D_TRY(a2d_allgather_doubles(comm, mine, nmine * rec, &all, &total));

  for (int64_t c = 0; c < P; c++) {
    int64_t k = 0;
    double sb = 0, ss = 0, sv = 0;
    memset(rho, 0, (size_t)m * sizeof *rho);
    for (int64_t i = 0; i < total / rec; i++) {
      const double *x = all + i * rec;
      if ((int64_t)x[0] != c) continue;
      k++, sb += x[1], ss += x[2];
      for (int64_t j = 0; j < m; j++) rho[j] += x[3 + j];
    }
    mean[c] = shrunk_mean[c] = tau2[c] = 0;
    if (k == 0) continue;
    mean[c] = sb / (double)k;
    for (int64_t i = 0; i < total / rec; i++) {
      const double *x = all + i * rec;
      if ((int64_t)x[0] == c) sv += (x[1] - mean[c]) * (x[1] - mean[c]);
    }
    tau2[c] = fmax(0.0, sv / (double)k - ss / (double)k);
    /* the mean's own SE: the forget rows' mean residual against the counts */
    double sse = 0;
    for (int64_t j = 0; j < m; j++) {
      const double e = rho[j] / (double)k - mean[c] * cf[j];
      sse += e * e;
    }
    const double se2_mean = sse / (double)(m - 2) / scc;
    if (mean[c] != 0) shrunk_mean[c] = mean[c] * fmax(0.0, 1.0 - se2_mean / (mean[c] * mean[c]));
  }
cleanup:
  free(mine);
  free(all);
  free(rho);
  return err;
}

void a2d_group_slopes_free(a2d_group_slopes *sl) {
  free(sl->beta);
  free(sl->se2);
  free(sl->in_forget);
  free(sl->mean);
  free(sl->shrunk);
  free(sl->tau2);
  memset(sl, 0, sizeof *sl);
}

a2d_err a2d_group_slopes_create(const a2d_group_model *g, MPI_Comm comm, const int64_t *forget,
                                int64_t nforget, int pool, a2d_group_slopes *sl) {
  a2d_err err = A2D_OK;
  const int64_t P = g->per_target;
  double *cf = NULL, scc = 0;
  memset(sl, 0, sizeof *sl);
  sl->nforget = nforget;
  if (nforget == 0) return A2D_OK; /* the same on every rank: no collective is skipped */
  A2D_TRY(A2D_CALLOC(cf, g->m));
  A2D_TRY(A2D_CALLOC(sl->beta, g->rows + 1));
  A2D_TRY(A2D_CALLOC(sl->se2, g->rows + 1));
  A2D_TRY(A2D_CALLOC(sl->mean, P));
  A2D_TRY(A2D_CALLOC(sl->shrunk, P));
  A2D_TRY(A2D_CALLOC(sl->tau2, P));
  A2D_TRY(A2D_CALLOC(sl->in_forget, g->n));
  for (int64_t i = 0; i < nforget; i++) sl->in_forget[forget[i]] = 1;
  for (int64_t j = 0; j < g->m; j++) {
    int64_t c = 0;
    for (int64_t i = 0; i < nforget; i++) c += g->masks[j * g->n + forget[i]];
    cf[j] = (double)c;
    sl->cbar += (double)c;
  }
  sl->cbar /= (double)g->m;
  for (int64_t j = 0; j < g->m; j++) cf[j] -= sl->cbar, scc += cf[j] * cf[j];
  if (scc == 0) goto cleanup; /* every model holds as many forget points: no slope to see */
  sl->slopes = 1;
  row_slopes(g, cf, scc, sl->beta, sl->se2);
  if (pool) {
    A2D_TRY(forget_prior(g, comm, sl->in_forget, cf, scc, sl->beta, sl->se2, sl->mean, sl->shrunk,
                         sl->tau2));
    sl->pooled = 1;
  }
cleanup:
  free(cf);
  if (err) a2d_group_slopes_free(sl);
  return err;
}

a2d_err a2d_group_apply(const a2d_group_model *g, const a2d_group_slopes *sl, double threshold,
                        int pool, double *shift, double *direct, int64_t *kept) {
  const int64_t P = g->per_target;
  *kept = 0;
  if (!sl->slopes) return A2D_OK;
  if (pool && !sl->pooled)
    return A2D_ERROR(A2D_ERR_INTERNAL, "group term: pooling asked of slopes made without it");
  for (int64_t r = 0; r < g->rows; r++) {
    const int64_t c = r % P;
    const double beta = sl->beta[r], se2 = sl->se2[r];
    double b;
    if (pool && is_forget_row(g, sl->in_forget, r)) {
      const double w = sl->tau2[c] + se2 > 0 ? sl->tau2[c] / (sl->tau2[c] + se2) : 0;
      b = sl->shrunk[c] + w * (beta - sl->mean[c]);
    } else {
      b = copysign(fmax(0.0, fabs(beta) - threshold * sqrt(se2)), beta);
    }
    if (b == 0) continue;
    (*kept)++;
    shift[r] -= b * (double)sl->nforget;
    direct[r] -= b * sl->cbar;
  }
  return A2D_OK;
}

a2d_err a2d_group_term(const a2d_group_model *g, MPI_Comm comm, const int64_t *forget,
                       int64_t nforget, double threshold, int pool, double *shift, double *direct,
                       int64_t *kept) {
  a2d_group_slopes sl;
  *kept = 0;
  A2D_CHECK(a2d_group_slopes_create(g, comm, forget, nforget, pool, &sl));
  a2d_err err = a2d_group_apply(g, &sl, threshold, pool, shift, direct, kept);
  a2d_group_slopes_free(&sl);
  return err;
}

a2d_err a2d_group_model_free(a2d_group_model *g) {
  a2d_err err = A2D_OK;
  A2D_CLEANUP(a2d_shared_free(&g->masks_mem));
  A2D_CLEANUP(a2d_node_free(&g->node));
  free(g->residual);
  memset(g, 0, sizeof *g);
  return err;
}
