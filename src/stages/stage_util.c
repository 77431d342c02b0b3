/* stage_util.c - data read-back and per-model outputs shared by the stages. */
#include "stage_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

a2d_err a2d_stage_read_split(a2d_context *ctx, const char *split, a2d_dataset *ds) {
  char path[64];
  int rank;
  int64_t dims[8], classes = 0;
  int present;
  snprintf(path, sizeof path, "/data/%s/x", split);
  A2D_CHECK(a2d_store_shape(ctx->store, path, &rank, dims));
  if (rank != 2)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s has rank %d, expected 2 (examples x features)",
                     a2d_store_path(ctx->store), path, rank);
  A2D_CHECK(a2d_store_get_int(ctx->store, "/data", "classes", &classes, &present));
  if (!present || classes < 2)
    return A2D_ERROR(A2D_ERR_DATA, "%s: /data has no valid attribute classes",
                     a2d_store_path(ctx->store));
  ds->n = dims[0];
  ds->d = dims[1];
  ds->classes = (int32_t)classes;
  A2D_CHECK(A2D_CALLOC(ds->x, ds->n * ds->d));
  A2D_CHECK(A2D_CALLOC(ds->y, ds->n));
  A2D_CHECK(A2D_CALLOC(ds->index, ds->n));
  A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_F32, 0, ds->n, ds->x));
  snprintf(path, sizeof path, "/data/%s/y", split);
  A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_I32, 0, ds->n, ds->y));
  snprintf(path, sizeof path, "/data/%s/index", split);
  A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_I64, 0, ds->n, ds->index));
  for (int64_t i = 0; i < ds->n; i++)
    if (ds->y[i] < 0 || ds->y[i] >= ds->classes)
      return A2D_ERROR(A2D_ERR_DATA, "%s: /data/%s/y row %lld: label %d outside [0, %d)",
                       a2d_store_path(ctx->store), split, (long long)i, ds->y[i], ds->classes);
  return A2D_OK;
}

a2d_err a2d_stage_read_forget(a2d_context *ctx, const char *name, int64_t n, int64_t **forget,
                              int64_t *nforget, int64_t **retain, int64_t *nretain) {
  a2d_err err = A2D_OK;
  char path[300];
  int exists, rank;
  int64_t dims[8], *f = NULL, *r = NULL, count = 0;
  const char *file = a2d_store_path(ctx->store);
  *forget = *retain = NULL;
  *nforget = *nretain = 0;
  if (name[0] == '/')
    snprintf(path, sizeof path, "%s/indices", name);
  else
    snprintf(path, sizeof path, "/forget/%s/indices", name);
  A2D_TRY(a2d_store_exists(ctx->store, path, &exists));
  if (!exists)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: no forget set %s (dataset %s is missing); declare it in the deck's [forget] "
             "section and run stage forget",
             file, name, path);
  A2D_TRY(a2d_store_shape(ctx->store, path, &rank, dims));
  count = dims[0];
  if (rank != 1 || count > n)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: %s has shape %s%lld, expected at most %lld indices in one dimension", file, path,
             rank != 1 ? "of rank > 1, first dimension " : "", (long long)count, (long long)n);
  A2D_TRY(A2D_CALLOC(f, count > 0 ? count : 1));
  A2D_TRY(A2D_CALLOC(r, n - count > 0 ? n - count : 1));
  A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_I64, 0, count, f));
  for (int64_t i = 0; i < count; i++) {
    if (f[i] < 0 || f[i] >= n)
      A2D_FAIL(A2D_ERR_DATA,
               "%s: %s row %lld: index %lld is outside the training set of %lld points (0 to %lld)",
               file, path, (long long)i, (long long)f[i], (long long)n, (long long)(n - 1));
    if (i > 0 && f[i] <= f[i - 1])
      A2D_FAIL(A2D_ERR_DATA, "%s: %s row %lld: index %lld follows %lld; indices must increase",
               file, path, (long long)i, (long long)f[i], (long long)f[i - 1]);
  }
  /* The complement: every point not in f, in order. */
  int64_t m = 0;
  for (int64_t i = 0, j = 0; i < n; i++) {
    if (j < count && f[j] == i)
      j++;
    else
      r[m++] = i;
  }
  *forget = f;
  *retain = r;
  *nforget = count;
  *nretain = m;
  f = r = NULL;
cleanup:
  free(f);
  free(r);
  return err;
}

a2d_err a2d_stage_model_outputs(const a2d_model *m, const float *params, const a2d_dataset *train,
                                const a2d_dataset *val, a2d_model_outputs *out) {
  int64_t right;
  A2D_CHECK(a2d_model_predict(m, params, train->x, train->y, train->n, out->logits_train,
                              out->margins_train, out->correct_train, &right));
  out->accuracy_train = train->n ? (double)right / (double)train->n : 0.0;
  A2D_CHECK(a2d_model_predict(m, params, val->x, val->y, val->n, out->logits_val, out->margins_val,
                              out->correct_val, &right));
  out->accuracy_val = val->n ? (double)right / (double)val->n : 0.0;
  return A2D_OK;
}

a2d_err a2d_stage_create_matrix(a2d_context *ctx, const char *path, int64_t rows, int64_t cols,
                                int64_t classes, int64_t chunk_rows) {
  /* Chunks of chunk_rows models x 1024 targets (x classes): a block of targets reads fast. */
  int64_t dims[3] = {rows, cols, classes}, chunk[3] = {chunk_rows, 1024, classes};
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_F32, classes > 0 ? 3 : 2, dims, chunk, 0));
  return A2D_OK;
}

int64_t a2d_subset_size(double alpha, int64_t n) {
  int64_t s = (int64_t)(alpha * (double)n + 0.5);
  return s < 1 ? 1 : s > n ? n : s;
}

a2d_err a2d_stage_retain_sample(const char *name, int64_t seed, uint64_t stream, int64_t want,
                                const int64_t *retain, int64_t nretain, int64_t **out,
                                int64_t *count) {
  int64_t take = want == 0 || want > nretain ? nretain : want;
  A2D_CHECK(A2D_CALLOC(*out, take + 1));
  *count = take;
  if (take == nretain) {
    memcpy(*out, retain, (size_t)nretain * sizeof *retain);
    return A2D_OK;
  }
  a2d_rng rng;
  a2d_rng_seed(&rng, (uint64_t)seed, stream, a2d_rng_key(name, 0));
  a2d_rng_choose_sorted(&rng, nretain, take, *out);
  for (int64_t i = 0; i < take; i++) (*out)[i] = retain[(*out)[i]];
  return A2D_OK;
}
