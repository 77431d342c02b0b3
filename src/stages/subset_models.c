/* subset_models.c - chunked, checkpointed training of subset models (subset_models.h). */
#include "subset_models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/progress.h"

/* "<group>/<name>" into buf. */
static const char *member(const a2d_subset_plan *p, const char *name, char *buf, size_t size) {
  snprintf(buf, size, "%s/%s", p->group, name);
  return buf;
}

/* The datasets a plan writes, in order; logits only with save_logits. */
static const char *const outputs[] = {"margins_train", "margins_val", "logits_train", "logits_val"};

/* Create the group's datasets afresh and record 0 models done. */
static a2d_err create_datasets(a2d_context *ctx, const a2d_subset_plan *p, int64_t n, int64_t nv,
                               int64_t C) {
  char path[256];
  int64_t dims[2] = {p->models, n}, chunk[2] = {p->chunk, 4096};
  A2D_CHECK(a2d_store_delete(ctx->store, p->group));
  A2D_CHECK(a2d_store_create(ctx->store, member(p, "masks", path, sizeof path), A2D_U8, 2, dims,
                             chunk, 4));
  for (int o = 0; o < (p->save_logits ? 4 : 2); o++)
    A2D_CHECK(a2d_stage_create_matrix(ctx, member(p, outputs[o], path, sizeof path), p->models,
                                      o % 2 ? nv : n, o >= 2 ? C : 0, p->chunk));
  int64_t m[1] = {p->models};
  A2D_CHECK(a2d_store_create(ctx->store, member(p, "examples", path, sizeof path), A2D_I64, 1, m,
                             NULL, 0));
  snprintf(path, sizeof path, "%s/seconds", p->timing);
  A2D_CHECK(a2d_store_delete(ctx->store, p->timing));
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_F64, 1, m, NULL, 0));
  A2D_CHECK(a2d_store_set_int(ctx->store, p->group, "subset_size", p->subset));
  A2D_CHECK(a2d_store_set_int(ctx->store, p->group, "models_done", 0));
  return A2D_OK;
}

/* How many models an interrupted run finished, if its datasets fit the plan (else 0). */
static a2d_err models_already_done(a2d_context *ctx, const a2d_subset_plan *p, int64_t n,
                                   int64_t *done) {
  char path[256];
  int exists, rank, present;
  int64_t dims[8], subset = -1;
  *done = 0;
  A2D_CHECK(a2d_store_exists(ctx->store, member(p, "margins_val", path, sizeof path), &exists));
  if (!exists) return A2D_OK;
  A2D_CHECK(a2d_store_exists(ctx->store, member(p, "logits_val", path, sizeof path), &exists));
  if (exists != p->save_logits) return A2D_OK;
  snprintf(path, sizeof path, "%s/seconds", p->timing);
  A2D_CHECK(a2d_store_exists(ctx->store, path, &exists));
  if (!exists) return A2D_OK;
  A2D_CHECK(a2d_store_shape(ctx->store, member(p, "masks", path, sizeof path), &rank, dims));
  if (rank != 2 || dims[0] != p->models || dims[1] != n) return A2D_OK;
  A2D_CHECK(a2d_store_get_int(ctx->store, p->group, "subset_size", &subset, &present));
  if (subset != p->subset) return A2D_OK;
  A2D_CHECK(a2d_store_get_int(ctx->store, p->group, "models_done", done, &present));
  if (!present || *done < 0 || *done > p->models) *done = 0;
  return A2D_OK;
}

/* Buffers for one rank's share of a chunk: `rows` models at most. */
typedef struct chunk_buffers {
  int64_t *subset_rows;
  float *params, *out[4];
  uint8_t *masks;
  int64_t *examples; /* per model: examples through forward and backward passes */
  double *seconds;   /* per model: training and outputs, wall time on its rank */
} chunk_buffers;

/* Train models [lo, hi) into the chunk buffers (row 0 = model lo). */
static a2d_err train_block(const a2d_subset_plan *p, const a2d_model *model, a2d_trainer *trainer,
                           const a2d_sgd_config *cfg, const a2d_dataset *train,
                           const a2d_dataset *val, int64_t lo, int64_t hi, chunk_buffers *b) {
  const int64_t n = train->n, nv = val->n, C = model->classes;
  for (int64_t k = lo; k < hi; k++) {
    const int64_t j = k - lo;
    const double start = a2d_now();
    a2d_rng subset, init, order;
    a2d_rng_seed(&subset, (uint64_t)p->seed, p->stream_subset,
                 (uint64_t)(k / p->models_per_subset));
    a2d_rng_seed(&init, (uint64_t)p->seed, p->stream_init, (uint64_t)k);
    a2d_rng_seed(&order, (uint64_t)p->seed, p->stream_order, (uint64_t)k);
    a2d_rng_choose_sorted(&subset, n, p->subset, b->subset_rows);
    memset(b->masks + j * n, 0, (size_t)n);
    for (int64_t i = 0; i < p->subset; i++) b->masks[j * n + b->subset_rows[i]] = 1;
    A2D_CHECK(a2d_trainer_fit(trainer, train->x, train->y, b->subset_rows, p->subset, &init, &order,
                              b->params, NULL));
    a2d_model_outputs out = {.margins_train = b->out[0] + j * n,
                             .margins_val = b->out[1] + j * nv,
                             .logits_train = p->save_logits ? b->out[2] + j * n * C : NULL,
                             .logits_val = p->save_logits ? b->out[3] + j * nv * C : NULL};
    A2D_CHECK(a2d_stage_model_outputs(model, b->params, train, val, &out));
    b->examples[j] = cfg->epochs * p->subset;
    b->seconds[j] = a2d_now() - start;
  }
  return A2D_OK;
}

/* Write rows [row0, row0 + count) of every dataset of the plan (collective). */
static a2d_err write_block(a2d_context *ctx, const a2d_subset_plan *p, int64_t row0, int64_t count,
                           const chunk_buffers *b) {
  char path[256];
  A2D_CHECK(a2d_store_write_rows(ctx->store, member(p, "masks", path, sizeof path), A2D_U8, row0,
                                 count, b->masks));
  for (int o = 0; o < (p->save_logits ? 4 : 2); o++)
    A2D_CHECK(a2d_store_write_rows(ctx->store, member(p, outputs[o], path, sizeof path), A2D_F32,
                                   row0, count, b->out[o]));
  A2D_CHECK(a2d_store_write_rows(ctx->store, member(p, "examples", path, sizeof path), A2D_I64,
                                 row0, count, b->examples));
  snprintf(path, sizeof path, "%s/seconds", p->timing);
  A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_F64, row0, count, b->seconds));
  return A2D_OK;
}

/* Fills the chunk buffers with models [lo, hi) (row 0 = model lo): trains or imports them. */
typedef a2d_err (*fill_block)(void *state, int64_t lo, int64_t hi, chunk_buffers *b);

/*
 * Chunk by chunk from model `done`: every rank fills its block of the chunk,
 * the ranks write it together, and the group records the checkpoint.
 */
static a2d_err run_chunks(a2d_context *ctx, const a2d_subset_plan *p, int64_t done, fill_block fill,
                          void *state, chunk_buffers *b) {
  char fault[96];
  const int64_t S = p->chunk;
  a2d_progress progress;
  a2d_progress_start(&progress, p->label, "models", p->models, done);
  for (int64_t c0 = done; c0 < p->models; c0 += S) {
    const int64_t c1 = c0 + S < p->models ? c0 + S : p->models;
    int64_t lo, hi;
    a2d_block_range(c1 - c0, ctx->size, ctx->rank, &lo, &hi);
    A2D_CHECK(a2d_agree(ctx->comm, fill(state, c0 + lo, c0 + hi, b)));
    A2D_CHECK(write_block(ctx, p, c0 + lo, hi - lo, b));
    A2D_CHECK(a2d_store_flush(ctx->store));
    A2D_CHECK(a2d_store_set_int(ctx->store, p->group, "models_done", c1));
    A2D_CHECK(a2d_store_flush(ctx->store));
    a2d_progress_update(&progress, c1);
    snprintf(fault, sizeof fault, "%s:checkpoint-%lld", p->label, (long long)(c1 / S));
    a2d_fault_point(fault);
  }
  return A2D_OK;
}

/* Buffers for this rank's share of one chunk of p's models. */
static a2d_err buffers_create(a2d_context *ctx, const a2d_subset_plan *p, int64_t n, int64_t nv,
                              int64_t C, int64_t nparams, chunk_buffers *b) {
  const int64_t most = (p->chunk + ctx->size - 1) / ctx->size;
  A2D_CHECK(A2D_CALLOC(b->subset_rows, p->subset + 1));
  A2D_CHECK(A2D_CALLOC(b->params, nparams + 1));
  A2D_CHECK(A2D_CALLOC(b->masks, most * n + 1));
  A2D_CHECK(A2D_CALLOC(b->examples, most + 1));
  A2D_CHECK(A2D_CALLOC(b->seconds, most + 1));
  A2D_CHECK(A2D_CALLOC(b->out[0], most * n + 1));
  A2D_CHECK(A2D_CALLOC(b->out[1], most * nv + 1));
  if (p->save_logits) {
    A2D_CHECK(A2D_CALLOC(b->out[2], most * n * C + 1));
    A2D_CHECK(A2D_CALLOC(b->out[3], most * nv * C + 1));
  }
  return A2D_OK;
}

static void buffers_free(chunk_buffers *b) {
  free(b->subset_rows);
  free(b->params);
  free(b->masks);
  free(b->examples);
  free(b->seconds);
  for (int o = 0; o < 4; o++) free(b->out[o]);
  memset(b, 0, sizeof *b);
}

/* What train_block needs, for run_chunks. */
typedef struct train_state {
  const a2d_subset_plan *p;
  const a2d_model *model;
  a2d_trainer *trainer;
  const a2d_sgd_config *cfg;
  const a2d_dataset *train, *val;
} train_state;

static a2d_err train_fill(void *state, int64_t lo, int64_t hi, chunk_buffers *b) {
  const train_state *t = state;
  return train_block(t->p, t->model, t->trainer, t->cfg, t->train, t->val, lo, hi, b);
}

a2d_err a2d_subset_models_train(a2d_context *ctx, const a2d_subset_plan *p,
                                const a2d_dataset *train, const a2d_dataset *val,
                                const a2d_model *model, const a2d_sgd_config *cfg) {
  a2d_err err = A2D_OK;
  a2d_trainer *trainer = NULL;
  chunk_buffers b = {0};
  int64_t done = 0;
  const int64_t n = train->n, nv = val->n, C = model->classes;

  /* ---- resume after the last checkpoint, or start afresh ---- */
  if (ctx->resume) A2D_TRY(models_already_done(ctx, p, n, &done));
  if (done == 0) A2D_TRY(create_datasets(ctx, p, n, nv, C));
  if (done > 0) a2d_log("%s: resuming after %lld finished models", p->label, (long long)done);

  /* ---- chunk by chunk: train, write, checkpoint ---- */
  A2D_TRY(a2d_trainer_create(model, cfg, &trainer));
  A2D_TRY(buffers_create(ctx, p, n, nv, C, model->nparams, &b));
  train_state state = {p, model, trainer, cfg, train, val};
  A2D_TRY(run_chunks(ctx, p, done, train_fill, &state, &b));
cleanup:
  a2d_trainer_destroy(&trainer);
  buffers_free(&b);
  return err;
}

/* ---------------------------------------------------------------- imports */

/* The import's arrays for a plan, found and checked (import_models). */
typedef struct import_state {
  const a2d_subset_plan *p;
  a2d_import *imp;
  const a2d_dataset *train, *val;
  int64_t C;
  int has_margins, has_examples, has_seconds;
  a2d_import_array masks, margins[2], logits[2], examples, seconds;
  int64_t *ibuf;
} import_state;

/* Import models [lo, hi) into the chunk buffers (row 0 = model lo). */
static a2d_err import_fill(void *state, int64_t lo, int64_t hi, chunk_buffers *b) {
  const import_state *s = state;
  const a2d_subset_plan *p = s->p;
  const int64_t n = s->train->n, nv = s->val->n, C = s->C, k = hi - lo;
  const int64_t size[2] = {n, nv};
  if (k == 0) return A2D_OK;
  A2D_CHECK(a2d_import_read_mask(s->imp, &s->masks, lo, k, b->masks));
  /* Models that share a subset (LDS seeds) must share their mask. */
  for (int64_t j = 0; j < k; j++) {
    const int64_t model = lo + j, first = model - model % p->models_per_subset;
    if (model == first || j == 0) continue;
    if (memcmp(b->masks + j * n, b->masks + (j - 1) * n, (size_t)n))
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s: %s rows %lld and %lld differ, but rows %lld..%lld are %lld seeds "
                       "on one subset ([datamodel] lds_seeds)",
                       a2d_import_path(s->imp), s->masks.name, (long long)(model - 1),
                       (long long)model, (long long)first,
                       (long long)(first + p->models_per_subset - 1),
                       (long long)p->models_per_subset);
  }
  for (int o = 0; o < 2; o++) {
    const a2d_dataset *ds = o ? s->val : s->train;
    if (p->save_logits) A2D_CHECK(a2d_import_read_f32(s->imp, &s->logits[o], lo, k, b->out[2 + o]));
    if (s->has_margins) {
      A2D_CHECK(a2d_import_read_f32(s->imp, &s->margins[o], lo, k, b->out[o]));
    } else { /* a2d's margin of the imported logits */
      for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < size[o]; i++)
          b->out[o][j * size[o] + i] =
              a2d_margin(b->out[2 + o] + (j * size[o] + i) * C, ds->y[i], C);
    }
  }
  if (s->has_examples) {
    A2D_CHECK(a2d_import_read_i64(s->imp, &s->examples, lo, k, 0, INT64_MAX / 2, b->examples));
  } else {
    for (int64_t j = 0; j < k; j++) b->examples[j] = -1; /* unknown: see the log */
  }
  if (s->has_seconds) {
    A2D_CHECK(a2d_import_read_f64(s->imp, &s->seconds, lo, k, b->seconds));
    for (int64_t j = 0; j < k; j++)
      if (b->seconds[j] < 0)
        return A2D_ERROR(A2D_ERR_DATA, "%s: %s[%lld]: expected seconds >= 0, got %g",
                         a2d_import_path(s->imp), s->seconds.name, (long long)(lo + j),
                         b->seconds[j]);
  } else {
    for (int64_t j = 0; j < k; j++) b->seconds[j] = NAN;
  }
  return A2D_OK;
}

/* "<prefix>/<name>" into buf. */
static const char *in_prefix(const char *prefix, const char *name, char *buf, size_t size) {
  snprintf(buf, size, "%s/%s", prefix, name);
  return buf;
}

a2d_err a2d_subset_models_import(a2d_context *ctx, a2d_subset_plan *p, a2d_import *imp,
                                 const char *prefix, const a2d_dataset *train,
                                 const a2d_dataset *val) {
  a2d_err err = A2D_OK;
  chunk_buffers b = {0};
  import_state s;
  char name[192];
  int has_logits;
  int64_t done = 0, *row = NULL;
  const int64_t n = train->n, nv = val->n;

  /* ---- find and check the arrays ---- */
  memset(&s, 0, sizeof s);
  s.p = p, s.imp = imp, s.train = train, s.val = val, s.C = train->classes;
  int64_t dims[3] = {-1, n, 0};
  A2D_TRY(a2d_import_expect(imp, in_prefix(prefix, "masks", name, sizeof name), A2D_IMPORT_INTEGER,
                            2, dims, &s.masks));
  const int64_t M = dims[0];
  A2D_TRY(
      a2d_import_has(imp, in_prefix(prefix, "margins_train", name, sizeof name), &s.has_margins));
  A2D_TRY(a2d_import_has(imp, in_prefix(prefix, "logits_train", name, sizeof name), &has_logits));
  if (!s.has_margins && !has_logits)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: no %s/margins_train or %s/logits_train: the models' outputs on the training "
             "points are needed (docs/import.md)",
             a2d_import_path(imp), prefix, prefix);
  const char *which[2][2] = {{"margins_train", "margins_val"}, {"logits_train", "logits_val"}};
  for (int o = 0; o < 2; o++) {
    int64_t d2[2] = {M, o ? nv : n}, d3[3] = {M, o ? nv : n, s.C};
    if (s.has_margins)
      A2D_TRY(a2d_import_expect(imp, in_prefix(prefix, which[0][o], name, sizeof name),
                                A2D_IMPORT_FLOAT, 2, d2, &s.margins[o]));
    if (has_logits)
      A2D_TRY(a2d_import_expect(imp, in_prefix(prefix, which[1][o], name, sizeof name),
                                A2D_IMPORT_FLOAT, 3, d3, &s.logits[o]));
  }
  A2D_TRY(a2d_import_has(imp, in_prefix(prefix, "examples", name, sizeof name), &s.has_examples));
  if (s.has_examples)
    A2D_TRY(a2d_import_expect(imp, name, A2D_IMPORT_INTEGER, 1, (int64_t[]){M}, &s.examples));
  A2D_TRY(a2d_import_has(imp, in_prefix(prefix, "seconds", name, sizeof name), &s.has_seconds));
  if (s.has_seconds)
    A2D_TRY(a2d_import_expect(imp, name, A2D_IMPORT_FLOAT | A2D_IMPORT_INTEGER, 1, (int64_t[]){M},
                              &s.seconds));
  if (M % p->models_per_subset)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: %s/masks has %lld rows, not a multiple of the %lld seeds per subset "
             "([datamodel] lds_seeds)",
             a2d_import_path(imp), prefix, (long long)M, (long long)p->models_per_subset);

  /* ---- the plan: the import's models, their subset size from the first mask ---- */
  A2D_TRY(A2D_CALLOC(row, n));
  p->models = M;
  p->save_logits = has_logits;
  p->subset = 0;
  A2D_TRY(a2d_import_read_i64(imp, &s.masks, 0, 1, 0, 1, row));
  for (int64_t i = 0; i < n; i++) p->subset += row[i];
  if (p->chunk > M) p->chunk = M;
  a2d_log("%s: importing %lld models from %s (%s%s%s)", p->label, (long long)M,
          a2d_import_path(imp), s.has_margins ? "margins" : "margins of the logits",
          has_logits ? ", logits" : "",
          s.has_examples ? "" : "; no examples per model: the cost is unknown");

  /* ---- resume after the last checkpoint, or start afresh ---- */
  if (ctx->resume) A2D_TRY(models_already_done(ctx, p, n, &done));
  if (done == 0) A2D_TRY(create_datasets(ctx, p, n, nv, s.C));
  A2D_TRY(buffers_create(ctx, p, n, nv, s.C, 0, &b));
  A2D_TRY(run_chunks(ctx, p, done, import_fill, &s, &b));
cleanup:
  free(row);
  buffers_free(&b);
  return err;
}
