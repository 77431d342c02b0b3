/* datamodel.c - the /datamodel group of the study file (a2d/datamodel_store.h). */
#include "a2d/datamodel_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"

/* The per-row datasets of a piece, in the order of a2d_dm_rows' fields. */
static const char *const row_sets[] = {"intercept", "lambda", "val_mse", "val_mse_topk"};
#define ROW_SETS 4

void a2d_dm_rows_free(a2d_dm_rows *r) {
  free(r->indptr);
  free(r->indices);
  free(r->values);
  free(r->intercept);
  free(r->lambda);
  free(r->val_mse);
  free(r->val_mse_topk);
  memset(r, 0, sizeof *r);
}

/* Read an int64 attribute of /datamodel that must be there. */
static a2d_err required_int(a2d_store *st, const char *name, int64_t *v) {
  int present;
  A2D_CHECK(a2d_store_get_int(st, A2D_DATAMODEL_GROUP, name, v, &present));
  if (!present)
    return A2D_ERROR(A2D_ERR_DATA, "%s: /datamodel has no attribute %s; rerun stage fit",
                     a2d_store_path(st), name);
  return A2D_OK;
}

a2d_err a2d_datamodel_info_read(a2d_store *st, a2d_datamodel_info *info) {
  int rank;
  int64_t dims[8];
  memset(info, 0, sizeof *info);
  A2D_CHECK(required_int(st, "rows_per_target", &info->per_target));
  A2D_CHECK(required_int(st, "targets_train", &info->targets_train));
  A2D_CHECK(required_int(st, "targets_val", &info->targets_val));
  A2D_CHECK(required_int(st, "nnz", &info->nnz));
  A2D_CHECK(a2d_store_shape(st, "/ensemble/masks", &rank, dims));
  info->points = dims[1];
  info->logits = info->per_target > 1;
  return A2D_OK;
}

a2d_err a2d_datamodel_info_write(a2d_store *st, const a2d_datamodel_info *info) {
  const char *g = A2D_DATAMODEL_GROUP;
  A2D_CHECK(a2d_store_set_string(st, g, "output", info->logits ? "logits" : "margin"));
  A2D_CHECK(a2d_store_set_int(st, g, "rows_per_target", info->per_target));
  A2D_CHECK(a2d_store_set_int(st, g, "targets_train", info->targets_train));
  A2D_CHECK(a2d_store_set_int(st, g, "targets_val", info->targets_val));
  A2D_CHECK(a2d_store_set_int(st, g, "nnz", info->nnz));
  return A2D_OK;
}

void a2d_datamodel_block_group(int64_t b, char *buf, size_t size) {
  snprintf(buf, size, "%s/blocks/b%06lld", A2D_DATAMODEL_GROUP, (long long)b);
}

a2d_err a2d_datamodel_csr_create(a2d_store *st, const char *group, int64_t rows, int64_t nnz) {
  char path[256];
  int64_t np1 = rows + 1;
  snprintf(path, sizeof path, "%s/indptr", group);
  A2D_CHECK(a2d_store_create(st, path, A2D_I64, 1, &np1, NULL, 0));
  snprintf(path, sizeof path, "%s/indices", group);
  A2D_CHECK(a2d_store_create(st, path, A2D_I32, 1, &nnz, NULL, 0));
  snprintf(path, sizeof path, "%s/values", group);
  A2D_CHECK(a2d_store_create(st, path, A2D_F32, 1, &nnz, NULL, 0));
  for (int i = 0; i < ROW_SETS; i++) {
    snprintf(path, sizeof path, "%s/%s", group, row_sets[i]);
    A2D_CHECK(a2d_store_create(st, path, A2D_F64, 1, &rows, NULL, 0));
  }
  return A2D_OK;
}

a2d_err a2d_datamodel_csr_write(a2d_store *st, const char *group, const a2d_dm_rows *r,
                                int64_t row0, int64_t nz0, int last) {
  char path[256];
  int64_t rows = r ? r->rows : 0, nnz = r ? r->nnz : 0, *shifted = NULL;
  A2D_CHECK(A2D_CALLOC(shifted, rows + 1));
  for (int64_t i = 0; i <= rows && r; i++) shifted[i] = r->indptr[i] + nz0;
  a2d_err err = A2D_OK;
  snprintf(path, sizeof path, "%s/indptr", group);
  A2D_TRY(a2d_store_write_rows(st, path, A2D_I64, row0, r ? rows + (last ? 1 : 0) : 0, shifted));
  snprintf(path, sizeof path, "%s/indices", group);
  A2D_TRY(a2d_store_write_rows(st, path, A2D_I32, nz0, nnz, r ? r->indices : NULL));
  snprintf(path, sizeof path, "%s/values", group);
  A2D_TRY(a2d_store_write_rows(st, path, A2D_F32, nz0, nnz, r ? r->values : NULL));
  const double *sets[ROW_SETS] = {r ? r->intercept : NULL, r ? r->lambda : NULL,
                                  r ? r->val_mse : NULL, r ? r->val_mse_topk : NULL};
  for (int i = 0; i < ROW_SETS; i++) {
    snprintf(path, sizeof path, "%s/%s", group, row_sets[i]);
    A2D_TRY(a2d_store_write_rows(st, path, A2D_F64, row0, rows, sets[i]));
  }
cleanup:
  free(shifted);
  return err;
}

a2d_err a2d_datamodel_csr_read(a2d_store *st, const char *group, int64_t rows, int64_t nnz,
                               a2d_dm_rows *r) {
  char path[256];
  memset(r, 0, sizeof *r);
  r->rows = rows;
  r->nnz = nnz;
  A2D_CHECK(A2D_CALLOC(r->indptr, rows + 1));
  A2D_CHECK(A2D_CALLOC(r->indices, nnz));
  A2D_CHECK(A2D_CALLOC(r->values, nnz));
  double **sets[ROW_SETS] = {&r->intercept, &r->lambda, &r->val_mse, &r->val_mse_topk};
  for (int i = 0; i < ROW_SETS; i++) A2D_CHECK(A2D_CALLOC(*sets[i], rows));
  const int64_t zero = 0, np1 = rows + 1;
  snprintf(path, sizeof path, "%s/indptr", group);
  A2D_CHECK(a2d_store_read_local(st, path, A2D_I64, 1, &zero, &np1, r->indptr));
  snprintf(path, sizeof path, "%s/indices", group);
  A2D_CHECK(a2d_store_read_local(st, path, A2D_I32, 1, &zero, &nnz, r->indices));
  snprintf(path, sizeof path, "%s/values", group);
  A2D_CHECK(a2d_store_read_local(st, path, A2D_F32, 1, &zero, &nnz, r->values));
  for (int i = 0; i < ROW_SETS; i++) {
    snprintf(path, sizeof path, "%s/%s", group, row_sets[i]);
    A2D_CHECK(a2d_store_read_local(st, path, A2D_F64, 1, &zero, &rows, *sets[i]));
  }
  return A2D_OK;
}

a2d_err a2d_datamodel_rows_read(a2d_store *st, MPI_Comm comm, const a2d_datamodel_info *info,
                                int64_t row0, int64_t count, a2d_dm_rows *r) {
  a2d_err err = A2D_OK;
  memset(r, 0, sizeof *r);
  r->rows = count;
  A2D_TRY(A2D_CALLOC(r->indptr, count + 1));
  A2D_TRY(a2d_store_read_rows(st, "/datamodel/indptr", A2D_I64, row0, count + 1, r->indptr));
  const int64_t first = r->indptr[0], nnz = r->indptr[count] - first;
  int ok = nnz >= 0 && first >= 0 && r->indptr[count] <= info->nnz;
  for (int64_t i = 0; ok && i < count; i++) ok = r->indptr[i + 1] >= r->indptr[i];
  A2D_TRY(a2d_agree(
      comm, ok ? A2D_OK
               : A2D_ERROR(A2D_ERR_DATA, "%s: /datamodel/indptr is not a valid CSR row pointer",
                           a2d_store_path(st))));
  r->nnz = nnz;
  A2D_TRY(A2D_CALLOC(r->indices, nnz));
  A2D_TRY(A2D_CALLOC(r->values, nnz));
  A2D_TRY(a2d_store_read_rows(st, "/datamodel/indices", A2D_I32, first, nnz, r->indices));
  A2D_TRY(a2d_store_read_rows(st, "/datamodel/values", A2D_F32, first, nnz, r->values));
  for (int64_t i = 0; i <= count; i++) r->indptr[i] -= first;
  for (int64_t k = 0; ok && k < nnz; k++) ok = r->indices[k] >= 0 && r->indices[k] < info->points;
  A2D_TRY(a2d_agree(
      comm, ok ? A2D_OK
               : A2D_ERROR(A2D_ERR_DATA, "%s: /datamodel/indices holds a column outside [0, %lld)",
                           a2d_store_path(st), (long long)info->points)));
  A2D_TRY(A2D_CALLOC(r->intercept, count));
  A2D_TRY(a2d_store_read_rows(st, "/datamodel/intercept", A2D_F64, row0, count, r->intercept));
cleanup:
  if (err) a2d_dm_rows_free(r);
  return err;
}

a2d_err a2d_datamodel_split_write(a2d_store *st, int rank, const int64_t *fit, int64_t m,
                                  const int64_t *val, int64_t mv) {
  A2D_CHECK(a2d_store_create(st, "/datamodel/fit_models", A2D_I64, 1, &m, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(st, "/datamodel/fit_models", A2D_I64, 0, rank ? 0 : m, fit));
  A2D_CHECK(a2d_store_create(st, "/datamodel/val_models", A2D_I64, 1, &mv, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(st, "/datamodel/val_models", A2D_I64, 0, rank ? 0 : mv, val));
  return A2D_OK;
}

a2d_err a2d_datamodel_fit_models_read(a2d_store *st, int64_t models, int64_t **fit, int64_t *m) {
  a2d_err err = A2D_OK;
  int rank;
  int64_t dims[8];
  *fit = NULL;
  A2D_TRY(a2d_store_shape(st, "/datamodel/fit_models", &rank, dims));
  *m = dims[0];
  if (rank != 1 || *m < 3)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: /datamodel/fit_models holds %lld models (expected a list of at least 3)",
             a2d_store_path(st), (long long)*m);
  A2D_TRY(A2D_CALLOC(*fit, *m));
  A2D_TRY(a2d_store_read_rows(st, "/datamodel/fit_models", A2D_I64, 0, *m, *fit));
  for (int64_t j = 0; j < *m; j++)
    if ((*fit)[j] < 0 || (*fit)[j] >= models || (j > 0 && (*fit)[j] <= (*fit)[j - 1]))
      A2D_FAIL(A2D_ERR_DATA,
               "%s: /datamodel/fit_models holds model %lld of %lld (expected increasing "
               "model numbers below %lld)",
               a2d_store_path(st), (long long)(*fit)[j], (long long)models, (long long)models);
cleanup:
  if (err) {
    free(*fit);
    *fit = NULL;
  }
  return err;
}
