/* stage_util.c - data read-back and per-model outputs shared by the stages. */
#include "stage_util.h"

#include <stdio.h>

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

void a2d_stage_model_outputs(const a2d_model *m, const float *params, const a2d_dataset *train,
                             const a2d_dataset *val, a2d_workspace *ws, a2d_model_outputs *out) {
  int64_t correct;
  a2d_model_predict(m, params, train->x, train->y, train->n, ws, out->logits_train,
                    out->margins_train, &correct);
  out->accuracy_train = (double)correct / (double)train->n;
  a2d_model_predict(m, params, val->x, val->y, val->n, ws, out->logits_val, out->margins_val,
                    &correct);
  out->accuracy_val = val->n ? (double)correct / (double)val->n : 0.0;
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
