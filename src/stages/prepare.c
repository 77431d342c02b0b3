/*
 * prepare.c - stage `prepare`: load the data set named by [data], select the
 * training and validation examples (a seeded choice), fit the feature scaling
 * on the training examples, and write /data.  Every rank loads and selects
 * the same examples; each writes its own row block.
 */
#include <stdlib.h>
#include <string.h>

#include "a2d/data.h"
#include "a2d/parallel.h"
#include "a2d/rng.h"
#include "a2d/stage.h"
#include "stage_util.h"

enum { SRC_FASHION, SRC_MNIST, SRC_IDX, SRC_CSV, SRC_HDF5, SRC_SYNTHETIC, SRC_IMPORT };

/* The [data] keys, read once. */
typedef struct prepare_config {
  int source, scaling, header;
  const char *path, *val_path;
  int64_t n_train, n_val, seed, classes, label_column, features;
  double separation;
} prepare_config;

static a2d_err read_config(const a2d_deck *deck, prepare_config *c) {
  A2D_CHECK(a2d_deck_enum(deck, "data", "source", &c->source));
  A2D_CHECK(a2d_deck_enum(deck, "data", "scaling", &c->scaling));
  A2D_CHECK(a2d_deck_enum(deck, "data", "header", &c->header));
  A2D_CHECK(a2d_deck_string(deck, "data", "path", &c->path));
  A2D_CHECK(a2d_deck_string(deck, "data", "val_path", &c->val_path));
  A2D_CHECK(a2d_deck_int(deck, "data", "n_train", &c->n_train));
  A2D_CHECK(a2d_deck_int(deck, "data", "n_val", &c->n_val));
  A2D_CHECK(a2d_deck_int(deck, "data", "seed", &c->seed));
  A2D_CHECK(a2d_deck_int(deck, "data", "classes", &c->classes));
  A2D_CHECK(a2d_deck_int(deck, "data", "label_column", &c->label_column));
  A2D_CHECK(a2d_deck_int(deck, "data", "features", &c->features));
  A2D_CHECK(a2d_deck_real(deck, "data", "separation", &c->separation));
  return A2D_OK;
}

/* Load one file of a csv or hdf5 source. */
static a2d_err load_file(const prepare_config *c, const char *path, a2d_dataset *ds) {
  if (c->source == SRC_CSV) {
    a2d_csv_options opt = {(int)c->label_column,
                           c->header == 0   ? -1
                           : c->header == 1 ? 1
                                            : 0,
                           (int32_t)c->classes};
    A2D_CHECK(a2d_csv_load(path, &opt, ds));
  } else {
    A2D_CHECK(a2d_h5data_load(path, (int32_t)c->classes, ds));
  }
  return A2D_OK;
}

/* The arrays of the import that stage prepare reads (docs/import.md). */
static const char *const import_arrays[] = {"data/train/y", "data/val/y", "data/train/x",
                                            "data/val/x"};

/* One split's labels (and features, when the import has them) from the import. */
static a2d_err import_split(a2d_import *imp, const char *split, int64_t classes, int64_t d,
                            a2d_dataset *ds) {
  char name[64];
  a2d_import_array a;
  int64_t dims[2] = {-1, d}, *y = NULL;
  snprintf(name, sizeof name, "data/%s/y", split);
  A2D_CHECK(a2d_import_expect(imp, name, A2D_IMPORT_INTEGER, 1, dims, &a));
  ds->n = dims[0];
  A2D_CHECK(A2D_CALLOC(y, ds->n));
  a2d_err err = a2d_import_read_i64(imp, &a, 0, ds->n, 0, classes - 1, y);
  if (!err) err = A2D_CALLOC(ds->y, ds->n);
  if (!err) err = A2D_CALLOC(ds->index, ds->n);
  for (int64_t i = 0; !err && i < ds->n; i++) {
    ds->y[i] = (int32_t)y[i];
    ds->index[i] = i;
    if (y[i] + 1 > ds->classes) ds->classes = (int32_t)(y[i] + 1);
  }
  free(y);
  A2D_CHECK(err);
  if (d == 0) return A2D_OK;
  snprintf(name, sizeof name, "data/%s/x", split);
  dims[0] = ds->n;
  dims[1] = d;
  A2D_CHECK(a2d_import_expect(imp, name, A2D_IMPORT_FLOAT, 2, dims, &a));
  ds->d = dims[1];
  A2D_CHECK(A2D_CALLOC(ds->x, ds->n * ds->d));
  A2D_CHECK(a2d_import_read_f32(imp, &a, 0, ds->n, ds->x));
  return A2D_OK;
}

/*
 * [data] source = import: every example of the import's two splits, in its
 * order (no selection: the outputs imported for later stages are aligned with
 * them), labels only unless the import has features (data/train/x).
 */
static a2d_err load_import(const a2d_deck *deck, const prepare_config *c, a2d_dataset *train,
                           a2d_dataset *val) {
  a2d_err err = A2D_OK;
  a2d_import *imp = NULL;
  int has_x;
  const int64_t classes = c->classes ? c->classes : 1 << 16;
  A2D_TRY(a2d_stage_import_open(deck, "[data] source = import", &imp));
  A2D_TRY(a2d_import_has(imp, "data/train/x", &has_x));
  A2D_TRY(import_split(imp, "train", classes, has_x ? -1 : 0, train));
  A2D_TRY(import_split(imp, "val", classes, has_x ? train->d : 0, val));
  if (c->classes) train->classes = val->classes = (int32_t)c->classes;
  if (train->classes < 2) train->classes = 2;
  const char *keys[2] = {"n_train", "n_val"};
  const int64_t want[2] = {c->n_train, c->n_val}, have[2] = {train->n, val->n};
  for (int k = 0; k < 2; k++)
    if (want[k] && want[k] != have[k])
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [data] %s = %lld, but the import %s has %lld: imported examples are used "
               "all and in order (set 0)",
               a2d_deck_origin(deck, "data", keys[k]), keys[k], (long long)want[k],
               a2d_import_path(imp), (long long)have[k]);
cleanup:
  A2D_CLEANUP(a2d_import_close(&imp));
  return err;
}

a2d_err a2d_stage_prepare_fingerprint(const a2d_deck *deck, char **text) {
  int source;
  *text = NULL;
  A2D_CHECK(a2d_deck_enum(deck, "data", "source", &source));
  if (source != SRC_IMPORT) return A2D_OK;
  A2D_CHECK(a2d_stage_import_fingerprint(deck, import_arrays, 4, text));
  return A2D_OK;
}

/*
 * Load the training source into `train` and, when the source has its own,
 * the validation source into `val` (val->n == 0 otherwise).
 */
static a2d_err load_sources(const a2d_deck *deck, const prepare_config *c, a2d_dataset *train,
                            a2d_dataset *val) {
  const char *dir = c->path;
  switch (c->source) {
    case SRC_FASHION:
    case SRC_MNIST:
    case SRC_IDX:
      if (!dir[0] && c->source == SRC_IDX)
        return A2D_ERROR(A2D_ERR_DECK,
                         "%s: [data] path: source = idx needs the directory of the "
                         "IDX files",
                         a2d_deck_name(deck));
      if (!dir[0])
        dir = c->source == SRC_FASHION ? "/usr/share/datasets/fashion-mnist"
                                       : "/usr/share/datasets/mnist";
      A2D_CHECK(a2d_mnist_load(dir, "train", train));
      A2D_CHECK(a2d_mnist_load(dir, "t10k", val));
      return A2D_OK;
    case SRC_CSV:
    case SRC_HDF5:
      if (!dir[0])
        return A2D_ERROR(A2D_ERR_DECK, "%s: [data] path: source = %s needs the training file",
                         a2d_deck_name(deck), c->source == SRC_CSV ? "csv" : "hdf5");
      A2D_CHECK(load_file(c, dir, train));
      if (c->val_path[0]) A2D_CHECK(load_file(c, c->val_path, val));
      return A2D_OK;
    case SRC_IMPORT:
      return load_import(deck, c, train, val);
    case SRC_SYNTHETIC: {
      if (c->n_train == 0 || c->n_val == 0)
        return A2D_ERROR(A2D_ERR_DECK,
                         "%s: [data] n_train and n_val: source = synthetic needs "
                         "both set above 0",
                         a2d_deck_name(deck));
      int32_t classes = c->classes ? (int32_t)c->classes : 10;
      A2D_CHECK(a2d_synthetic_generate((uint64_t)c->seed, c->n_train + c->n_val, c->features,
                                       classes, c->separation, train));
      return A2D_OK;
    }
  }
  return A2D_ERROR(A2D_ERR_INTERNAL, "unknown data source %d", c->source);
}

/* Seeded choice of `want` of `avail` rows (0 = all), checked against the deck's key. */
static a2d_err choose_rows(const a2d_deck *deck, const char *key, int64_t want, int64_t avail,
                           uint64_t seed, uint64_t stream, int64_t **rows, int64_t *count) {
  if (want > avail)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [data] %s = %lld, but the source has only %lld examples",
                     a2d_deck_origin(deck, "data", key), key, (long long)want, (long long)avail);
  *count = want ? want : avail;
  A2D_CHECK(A2D_CALLOC(*rows, *count));
  a2d_rng rng;
  a2d_rng_seed(&rng, seed, stream, 0);
  a2d_rng_choose_sorted(&rng, avail, *count, *rows);
  return A2D_OK;
}

/*
 * Select training and validation examples.  With a separate validation
 * source each side is chosen from its own; otherwise validation rows are
 * chosen first from the training source and training rows from the rest.
 */
static a2d_err select_examples(const a2d_deck *deck, const prepare_config *c, a2d_dataset *src,
                               a2d_dataset *val_src, a2d_dataset *train, a2d_dataset *val) {
  a2d_err err = A2D_OK;
  int64_t *vrows = NULL, *trows = NULL, *rest = NULL, nv = 0, nt = 0;
  uint64_t seed = (uint64_t)c->seed;
  if (c->source == SRC_SYNTHETIC) {
    /* Generated rows: the first n_train train, the next n_val validate. */
    A2D_TRY(A2D_CALLOC(trows, c->n_train));
    A2D_TRY(A2D_CALLOC(vrows, c->n_val));
    for (int64_t i = 0; i < c->n_train; i++) trows[i] = i;
    for (int64_t i = 0; i < c->n_val; i++) vrows[i] = c->n_train + i;
    A2D_TRY(a2d_dataset_subset(src, trows, c->n_train, train));
    A2D_TRY(a2d_dataset_subset(src, vrows, c->n_val, val));
  } else if (val_src->n > 0) {
    A2D_TRY(
        choose_rows(deck, "n_val", c->n_val, val_src->n, seed, A2D_STREAM_DATA_VAL, &vrows, &nv));
    A2D_TRY(
        choose_rows(deck, "n_train", c->n_train, src->n, seed, A2D_STREAM_DATA_TRAIN, &trows, &nt));
    A2D_TRY(a2d_dataset_subset(src, trows, nt, train));
    A2D_TRY(a2d_dataset_subset(val_src, vrows, nv, val));
  } else {
    if (c->n_val == 0)
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [data] n_val: without val_path, validation examples are drawn "
               "from the training file; set n_val above 0",
               a2d_deck_name(deck));
    if (c->n_val >= src->n)
      A2D_FAIL(A2D_ERR_DECK, "%s: [data] n_val = %lld leaves no training examples of %lld",
               a2d_deck_origin(deck, "data", "n_val"), (long long)c->n_val, (long long)src->n);
    A2D_TRY(choose_rows(deck, "n_val", c->n_val, src->n, seed, A2D_STREAM_DATA_VAL, &vrows, &nv));
    A2D_TRY(A2D_CALLOC(rest, src->n - nv));
    int64_t nr = 0, j = 0;
    for (int64_t i = 0; i < src->n; i++) {
      if (j < nv && vrows[j] == i)
        j++;
      else
        rest[nr++] = i;
    }
    A2D_TRY(choose_rows(deck, "n_train", c->n_train, nr, seed, A2D_STREAM_DATA_TRAIN, &trows, &nt));
    for (int64_t i = 0; i < nt; i++) trows[i] = rest[trows[i]];
    A2D_TRY(a2d_dataset_subset(src, trows, nt, train));
    A2D_TRY(a2d_dataset_subset(src, vrows, nv, val));
  }
cleanup:
  free(vrows);
  free(trows);
  free(rest);
  return err;
}

/* Write x, y and index of one split under `group`, each rank its row block. */
static a2d_err write_split(a2d_context *ctx, const char *group, const a2d_dataset *ds) {
  char path[128];
  int64_t lo, hi, dims[2] = {ds->n, ds->d};
  /* About 1 MiB of features per chunk; rows are read in blocks later. */
  int64_t chunk_rows = ds->d > 0 ? (1 << 18) / ds->d : 1, chunk[2] = {chunk_rows, ds->d};
  a2d_block_range(ds->n, ctx->size, ctx->rank, &lo, &hi);

  if (ds->d > 0) { /* imported labels may come without features */
    snprintf(path, sizeof path, "%s/x", group);
    A2D_CHECK(a2d_store_create(ctx->store, path, A2D_F32, 2, dims, chunk, 1));
    A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_F32, lo, hi - lo, ds->x + lo * ds->d));
  }
  snprintf(path, sizeof path, "%s/y", group);
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_I32, 1, dims, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_I32, lo, hi - lo, ds->y + lo));
  snprintf(path, sizeof path, "%s/index", group);
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_I64, 1, dims, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_I64, lo, hi - lo, ds->index + lo));
  return A2D_OK;
}

a2d_err a2d_stage_prepare(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  prepare_config c;
  a2d_dataset src = {0}, val_src = {0}, train = {0}, val = {0};
  float *shift = NULL, *factor = NULL;
  static const char *source_names[] = {"fashion-mnist", "mnist",     "idx",   "csv",
                                       "hdf5",          "synthetic", "import"};
  static const char *scaling_names[] = {"none", "unit", "standard"};

  /* ---- load ---- */
  A2D_TRY(read_config(ctx->deck, &c));
  A2D_TRY(load_sources(ctx->deck, &c, &src, &val_src));
  if (val_src.n > 0 && val_src.d != src.d)
    A2D_FAIL(A2D_ERR_DATA, "%s: %lld features per example, but the training file %s has %lld",
             c.val_path[0] ? c.val_path : "validation split", (long long)val_src.d, c.path,
             (long long)src.d);
  a2d_log(
      "prepare: loaded %lld training-source and %lld validation-source examples (%s, %lld "
      "features)",
      (long long)src.n, (long long)val_src.n, source_names[c.source], (long long)src.d);

  /* ---- select and scale ---- */
  int32_t classes = src.classes > val_src.classes ? src.classes : val_src.classes;
  if (c.source == SRC_IMPORT) { /* every imported example, in order */
    train = src, val = val_src;
    memset(&src, 0, sizeof src);
    memset(&val_src, 0, sizeof val_src);
  } else {
    A2D_TRY(select_examples(ctx->deck, &c, &src, &val_src, &train, &val));
  }
  train.classes = val.classes = classes;
  A2D_TRY(A2D_CALLOC(shift, train.d + 1));
  A2D_TRY(A2D_CALLOC(factor, train.d + 1));
  if (train.d > 0) { /* imported labels may come without features */
    A2D_TRY(a2d_scaling_fit(&train, (a2d_scaling)c.scaling, shift, factor));
    a2d_scaling_apply(&train, shift, factor);
    a2d_scaling_apply(&val, shift, factor);
  }

  /* ---- write /data (the driver emptied it: a2d_stage.group) ---- */
  A2D_TRY(write_split(ctx, "/data/train", &train));
  A2D_TRY(write_split(ctx, "/data/val", &val));
  int64_t d = train.d;
  if (d > 0) { /* imported labels without features have no scaling */
    A2D_TRY(a2d_store_create(ctx->store, "/data/scaling/shift", A2D_F32, 1, &d, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, "/data/scaling/shift", A2D_F32, 0,
                                 ctx->rank == 0 ? d : 0, shift));
    A2D_TRY(a2d_store_create(ctx->store, "/data/scaling/factor", A2D_F32, 1, &d, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, "/data/scaling/factor", A2D_F32, 0,
                                 ctx->rank == 0 ? d : 0, factor));
  }
  A2D_TRY(a2d_store_set_string(ctx->store, "/data", "source", source_names[c.source]));
  A2D_TRY(a2d_store_set_string(ctx->store, "/data", "scaling", scaling_names[c.scaling]));
  A2D_TRY(a2d_store_set_int(ctx->store, "/data", "classes", classes));
  A2D_TRY(a2d_store_set_int(ctx->store, "/data", "features", train.d));
  A2D_TRY(a2d_store_set_int(ctx->store, "/data", "n_train", train.n));
  A2D_TRY(a2d_store_set_int(ctx->store, "/data", "n_val", val.n));
  a2d_log("prepare: wrote %lld training and %lld validation examples, %d classes, scaling %s",
          (long long)train.n, (long long)val.n, classes, scaling_names[c.scaling]);
cleanup:
  free(shift);
  free(factor);
  a2d_dataset_free(&src);
  a2d_dataset_free(&val_src);
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}
