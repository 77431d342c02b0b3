/*
 * export.c - `a2d export` (a2d/export.h): a study's arrays in the import
 * layout.  Rank 0 reads the study file by itself and writes; the targets and
 * the parameters are computed by the unlearn runner on every rank, as stage
 * unlearn computes them.
 */
#include "a2d/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/import_writer.h"
#include "a2d/parallel.h"
#include "tune.h"
#include "unlearn_runner.h"

/* A study dataset, if it exists, into the writer under `name` (rank 0 alone). */
static a2d_err copy_array(a2d_store *store, a2d_import_writer *w, const char *path,
                          const char *name, a2d_dtype type) {
  int exists, rank;
  int64_t dims[8], start[8] = {0}, count = 1;
  void *data = NULL;
  A2D_CHECK(a2d_store_exists(store, path, &exists));
  if (!exists) return A2D_OK;
  A2D_CHECK(a2d_store_shape(store, path, &rank, dims));
  for (int d = 0; d < rank; d++) count *= dims[d];
  A2D_CHECK(a2d_calloc((size_t)count + 1,
                       type == A2D_U8                       ? 1
                       : type == A2D_F32 || type == A2D_I32 ? 4
                                                            : 8,
                       &data));
  a2d_err err = a2d_store_read_local(store, path, type, rank, start, dims, data);
  if (!err) err = a2d_import_writer_array(w, name, type, rank, dims, data);
  free(data);
  A2D_CHECK(err);
  return A2D_OK;
}

/* The arrays of a group of model outputs (task_runner.h's layout), study group -> import prefix. */
static a2d_err copy_outputs(a2d_store *store, a2d_import_writer *w, const char *group,
                            const char *prefix) {
  static const struct {
    const char *name;
    a2d_dtype type;
  } parts[] = {{"margins_train", A2D_F32}, {"margins_val", A2D_F32},  {"correct_train", A2D_U8},
               {"correct_val", A2D_U8},    {"examples", A2D_I64},     {"seconds", A2D_F64},
               {"prep_examples", A2D_I64}, {"prep_seconds", A2D_F64}, {"logits_train", A2D_F32},
               {"logits_val", A2D_F32},    {"masks", A2D_U8}};
  char path[512], name[512];
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    snprintf(path, sizeof path, "%s/%s", group, parts[i].name);
    snprintf(name, sizeof name, "%s/%s", prefix, parts[i].name);
    A2D_CHECK(copy_array(store, w, path, name, parts[i].type));
  }
  return A2D_OK;
}

/* Every model output of the study (rank 0 alone). */
static a2d_err export_study(a2d_context *ctx, a2d_import_writer *w) {
  a2d_store *st = ctx->store;
  int nm = 0;
  const a2d_unlearn_method *methods[16];
  char group[512], prefix[512];
  A2D_CHECK(copy_array(st, w, "/data/train/y", "data/train/y", A2D_I32));
  A2D_CHECK(copy_array(st, w, "/data/val/y", "data/val/y", A2D_I32));
  A2D_CHECK(copy_array(st, w, "/data/train/x", "data/train/x", A2D_F32));
  A2D_CHECK(copy_array(st, w, "/data/val/x", "data/val/x", A2D_F32));
  A2D_CHECK(copy_outputs(st, w, "/ensemble", "ensemble"));
  A2D_CHECK(copy_array(st, w, "/stages/ensemble/models/seconds", "ensemble/seconds", A2D_F64));
  A2D_CHECK(copy_outputs(st, w, "/datamodel/lds", "lds"));
  A2D_CHECK(copy_array(st, w, "/stages/fit/lds_models/seconds", "lds/seconds", A2D_F64));
  A2D_CHECK(copy_outputs(st, w, "/train", "train"));
  A2D_CHECK(a2d_unlearn_deck_methods(ctx->deck, methods, &nm));
  for (int f = 0; f < a2d_deck_named_count(ctx->deck, "forget"); f++) {
    const char *name, *spec;
    A2D_CHECK(a2d_deck_named(ctx->deck, "forget", f, &name, &spec));
    snprintf(group, sizeof group, "/forget/%s/indices", name);
    snprintf(prefix, sizeof prefix, "forget/%s/indices", name);
    A2D_CHECK(copy_array(st, w, group, prefix, A2D_I64));
    snprintf(group, sizeof group, "/oracle/%s", name);
    snprintf(prefix, sizeof prefix, "oracle/%s", name);
    A2D_CHECK(copy_outputs(st, w, group, prefix));
    for (int m = 0; m < nm; m++) {
      snprintf(group, sizeof group, "/unlearn/%s/%s", name, methods[m]->name);
      snprintf(prefix, sizeof prefix, "unlearn/%s/%s", name, methods[m]->name);
      A2D_CHECK(copy_outputs(st, w, group, prefix));
    }
  }
  return A2D_OK;
}

/* A batch of one job: `method` on forget set `forget`, with the chosen settings. */
typedef struct one_job {
  a2d_deck *tuned;
  a2d_unlearn_job job;
  const char *sets[1];
  a2d_unlearn_batch batch;
} one_job;

static a2d_err one_job_setup(a2d_context *ctx, const char *forget, const char *method, int own,
                             one_job *o) {
  int found = 0;
  memset(o, 0, sizeof *o);
  for (int f = 0; f < a2d_deck_named_count(ctx->deck, "forget") && !found; f++) {
    const char *name, *spec;
    A2D_CHECK(a2d_deck_named(ctx->deck, "forget", f, &name, &spec));
    found = !strcmp(name, forget);
  }
  if (!found)
    return A2D_ERROR(A2D_ERR_DECK, "%s: no forget set %s in [forget]", a2d_deck_name(ctx->deck),
                     forget);
  const a2d_unlearn_method *m = a2d_unlearn_find(method);
  if (!m) return A2D_ERROR(A2D_ERR_DECK, "--method %s: not a method of a2d", method);
  int64_t K;
  A2D_CHECK(a2d_deck_int(ctx->deck, "train", "models", &K));
  A2D_CHECK(a2d_tune_chosen_deck(ctx, &o->tuned));
  if (own) { /* targets: a2d forms them even when the method's models are imported */
    char set[96];
    a2d_deck *copy = NULL;
    snprintf(set, sizeof set, "unlearn.%s.source=a2d", method);
    a2d_err err = a2d_deck_copy_with(o->tuned, set, &copy);
    a2d_deck_free(&o->tuned);
    o->tuned = copy;
    A2D_CHECK(err);
  }
  o->sets[0] = forget;
  o->job = (a2d_unlearn_job){.method = m, .deck = o->tuned, .set = 0};
  snprintf(o->job.group, sizeof o->job.group, "/export/%s/%s", forget, method);
  o->batch = (a2d_unlearn_batch){.label = "export",
                                 .state = "/export",
                                 .nsets = 1,
                                 .sets = o->sets,
                                 .keys = o->sets,
                                 .njobs = 1,
                                 .jobs = &o->job,
                                 .models = K,
                                 .per_rank = 1};
  return A2D_OK;
}

static a2d_err export_targets(a2d_context *ctx, const char *forget, a2d_import_writer *w) {
  a2d_err err = A2D_OK;
  one_job o;
  a2d_dm_outputs t = {0};
  char name[512];
  int64_t K, n, nv, C, dims[8];
  int rank, present;
  A2D_TRY(one_job_setup(ctx, forget, "dmm", 1, &o));
  K = o.batch.models;
  A2D_TRY(a2d_store_shape(ctx->store, "/data/train/y", &rank, dims));
  n = dims[0];
  A2D_TRY(a2d_store_shape(ctx->store, "/data/val/y", &rank, dims));
  nv = dims[0];
  A2D_TRY(a2d_store_get_int(ctx->store, "/data", "classes", &C, &present));
  A2D_TRY(A2D_CALLOC(t.margins, K * n + 1));
  A2D_TRY(A2D_CALLOC(t.margins_val, K * nv + 1));
  A2D_TRY(A2D_CALLOC(t.logits, K * n * C + 1));
  A2D_TRY(A2D_CALLOC(t.logits_val, K * nv * C + 1));
  A2D_TRY(a2d_agree(ctx->comm, a2d_unlearn_targets(ctx, &o.batch, &t)));
  a2d_log("export: DMM's targets for %s from %lld base models (%s datamodels)", forget,
          (long long)K, t.per_target > 1 ? "per-class" : "margin");
  if (ctx->rank == 0) {
    int64_t d2[2] = {K, n}, d2v[2] = {K, nv}, d3[3] = {K, n, C}, d3v[3] = {K, nv, C};
    snprintf(name, sizeof name, "targets/%s/margins_train", forget);
    err = a2d_import_writer_array(w, name, A2D_F32, 2, d2, t.margins);
    snprintf(name, sizeof name, "targets/%s/margins_val", forget);
    if (!err) err = a2d_import_writer_array(w, name, A2D_F32, 2, d2v, t.margins_val);
    if (!err && t.per_target > 1) {
      snprintf(name, sizeof name, "targets/%s/logits_train", forget);
      err = a2d_import_writer_array(w, name, A2D_F32, 3, d3, t.logits);
      snprintf(name, sizeof name, "targets/%s/logits_val", forget);
      if (!err) err = a2d_import_writer_array(w, name, A2D_F32, 3, d3v, t.logits_val);
    }
    char path[512];
    snprintf(path, sizeof path, "/forget/%s/indices", forget);
    snprintf(name, sizeof name, "forget/%s/indices", forget);
    if (!err) err = copy_array(ctx->store, w, path, name, A2D_I64);
    if (!err) err = copy_array(ctx->store, w, "/data/train/y", "data/train/y", A2D_I32);
    if (!err) err = copy_array(ctx->store, w, "/data/val/y", "data/val/y", A2D_I32);
    if (!err) err = copy_outputs(ctx->store, w, "/train", "train");
  }
  A2D_TRY(a2d_agree(ctx->comm, err));
cleanup:
  free(t.margins);
  free(t.margins_val);
  free(t.logits);
  free(t.logits_val);
  a2d_deck_free(&o.tuned);
  return err;
}

static a2d_err export_params(a2d_context *ctx, const char *forget, const char *method,
                             a2d_import_writer *w) {
  a2d_err err = A2D_OK;
  one_job o;
  float *mine = NULL, *all = NULL;
  int64_t P, lo, hi;
  char name[512];
  A2D_TRY(one_job_setup(ctx, forget, method, 0, &o));
  const int64_t K = o.batch.models;
  a2d_block_range(K, ctx->size, ctx->rank, &lo, &hi);
  A2D_TRY(a2d_agree(ctx->comm, a2d_unlearn_params(ctx, &o.batch, 0, 0, NULL, &P)));
  A2D_TRY(A2D_CALLOC(mine, K * P + 1)); /* zero outside this rank's rows: summed below */
  A2D_TRY(A2D_CALLOC(all, K * P + 1));
  A2D_TRY(a2d_agree(ctx->comm, a2d_unlearn_params(ctx, &o.batch, lo, hi, mine + lo * P, &P)));
  A2D_TRY_MPI(MPI_Reduce(mine, all, (int)(K * P), MPI_FLOAT, MPI_SUM, 0, ctx->comm));
  a2d_log("export: %s's unlearned parameters for %s from %lld base models (%lld each)", method,
          forget, (long long)K, (long long)P);
  if (ctx->rank == 0) {
    int64_t dims[2] = {K, P};
    snprintf(name, sizeof name, "unlearn/%s/%s/params", forget, method);
    err = a2d_import_writer_array(w, name, A2D_F32, 2, dims, all);
  }
  A2D_TRY(a2d_agree(ctx->comm, err));
cleanup:
  free(mine);
  free(all);
  a2d_deck_free(&o.tuned);
  return err;
}

a2d_err a2d_export(a2d_context *ctx, a2d_export_what what, const char *forget, const char *method,
                   const char *out) {
  a2d_err err = A2D_OK, local = A2D_OK;
  a2d_import_writer *w = NULL;
  if (what != A2D_EXPORT_STUDY && !forget)
    return A2D_ERROR(A2D_ERR_DECK, "a2d export --what %s needs --forget NAME",
                     what == A2D_EXPORT_TARGETS ? "targets" : "params");
  if (what == A2D_EXPORT_PARAMS && !method)
    return A2D_ERROR(A2D_ERR_DECK, "a2d export --what params needs --method NAME");
  if (ctx->rank == 0) local = a2d_import_writer_create(out, &w);
  A2D_TRY(a2d_agree(ctx->comm, local));
  if (what == A2D_EXPORT_STUDY) {
    if (ctx->rank == 0) local = export_study(ctx, w);
    A2D_TRY(a2d_agree(ctx->comm, local));
  } else if (what == A2D_EXPORT_TARGETS) {
    A2D_TRY(export_targets(ctx, forget, w));
  } else {
    A2D_TRY(export_params(ctx, forget, method, w));
  }
  if (ctx->rank == 0) local = a2d_import_writer_close(&w);
  A2D_TRY(a2d_agree(ctx->comm, local));
  a2d_log("export: wrote %s", out);
cleanup:
  if (w && a2d_import_writer_close(&w)) a2d_error_clear();
  return err;
}
