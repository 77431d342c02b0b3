/* stage_util.c - data read-back and per-model outputs shared by the stages. */
#include "stage_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Labels and indices of /data/<split>; features too when `features` and the study has them. */
static a2d_err read_split(a2d_context *ctx, const char *split, int features, a2d_dataset *ds) {
  char path[64];
  int rank, present, has_x;
  int64_t dims[8], classes = 0;
  const char *file = a2d_store_path(ctx->store);
  A2D_CHECK(a2d_store_get_int(ctx->store, "/data", "classes", &classes, &present));
  if (!present || classes < 2)
    return A2D_ERROR(A2D_ERR_DATA, "%s: /data has no valid attribute classes", file);
  snprintf(path, sizeof path, "/data/%s/y", split);
  A2D_CHECK(a2d_store_shape(ctx->store, path, &rank, dims));
  if (rank != 1)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s has rank %d, expected 1 (labels)", file, path, rank);
  ds->n = dims[0];
  ds->classes = (int32_t)classes;
  snprintf(path, sizeof path, "/data/%s/x", split);
  A2D_CHECK(a2d_store_exists(ctx->store, path, &has_x));
  if (features && !has_x)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: /data has no features ([data] source = import gave labels only), and "
                     "stage %s trains models on them; import its outputs instead "
                     "(docs/import.md)",
                     file, ctx->stage ? ctx->stage : "(this)");
  if (features) {
    A2D_CHECK(a2d_store_shape(ctx->store, path, &rank, dims));
    if (rank != 2 || dims[0] != ds->n)
      return A2D_ERROR(A2D_ERR_DATA, "%s: %s has the wrong shape, expected %lld x features", file,
                       path, (long long)ds->n);
    ds->d = dims[1];
    A2D_CHECK(A2D_CALLOC(ds->x, ds->n * ds->d));
    A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_F32, 0, ds->n, ds->x));
  }
  A2D_CHECK(A2D_CALLOC(ds->y, ds->n));
  A2D_CHECK(A2D_CALLOC(ds->index, ds->n));
  snprintf(path, sizeof path, "/data/%s/y", split);
  A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_I32, 0, ds->n, ds->y));
  snprintf(path, sizeof path, "/data/%s/index", split);
  A2D_CHECK(a2d_store_read_rows(ctx->store, path, A2D_I64, 0, ds->n, ds->index));
  for (int64_t i = 0; i < ds->n; i++)
    if (ds->y[i] < 0 || ds->y[i] >= ds->classes)
      return A2D_ERROR(A2D_ERR_DATA, "%s: /data/%s/y row %lld: label %d outside [0, %d)", file,
                       split, (long long)i, ds->y[i], ds->classes);
  return A2D_OK;
}

a2d_err a2d_stage_read_split(a2d_context *ctx, const char *split, a2d_dataset *ds) {
  return read_split(ctx, split, 1, ds);
}

a2d_err a2d_stage_read_labels(a2d_context *ctx, const char *split, a2d_dataset *ds) {
  return read_split(ctx, split, 0, ds);
}

a2d_err a2d_stage_resolve_path(const a2d_deck *deck, const char *path, char **out) {
  const char *deck_path = a2d_deck_name(deck), *slash = strrchr(deck_path, '/');
  size_t dir = path[0] == '/' || !slash ? 0 : (size_t)(slash - deck_path) + 1;
  size_t len = dir + strlen(path) + 1;
  A2D_CHECK(a2d_calloc(len, 1, out));
  memcpy(*out, deck_path, dir);
  memcpy(*out + dir, path, strlen(path) + 1);
  return A2D_OK;
}

a2d_err a2d_stage_import_open(const a2d_deck *deck, const char *who, a2d_import **imp) {
  const char *path;
  char *full = NULL;
  *imp = NULL;
  A2D_CHECK(a2d_deck_string(deck, "import", "path", &path));
  if (!path[0])
    return A2D_ERROR(A2D_ERR_DECK, "%s: %s needs [import] path, the import file or folder",
                     a2d_deck_name(deck), who);
  A2D_CHECK(a2d_stage_resolve_path(deck, path, &full));
  a2d_err err = a2d_import_open(full, imp);
  free(full);
  A2D_CHECK(err);
  return A2D_OK;
}

a2d_err a2d_stage_import_fingerprint(const a2d_deck *deck, const char *const *names, int count,
                                     char **text) {
  a2d_err err = A2D_OK;
  a2d_import *imp = NULL;
  char *sums = NULL;
  A2D_TRY(a2d_stage_import_open(deck, "the import", &imp));
  A2D_TRY(a2d_import_checksum(imp, names, count, &sums));
  const size_t old = *text ? strlen(*text) : 0, add = strlen(sums);
  char *joined = realloc(*text, old + add + 16 * (size_t)count + 1);
  if (!joined) A2D_FAIL(A2D_ERR_MEM, "out of memory fingerprinting the import");
  *text = joined;
  joined[old] = 0;
  for (char *line = sums; *line;) { /* "name = ..." lines become "[import] name = ..." */
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    sprintf(joined + strlen(joined), "[import] %s\n", line);
    if (!nl) break;
    line = nl + 1;
  }
cleanup:
  free(sums);
  A2D_CLEANUP(a2d_import_close(&imp));
  return err;
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
