/* subset_models.c - chunked, checkpointed training of subset models (subset_models.h). */
#include "subset_models.h"

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

a2d_err a2d_subset_models_train(a2d_context *ctx, const a2d_subset_plan *p,
                                const a2d_dataset *train, const a2d_dataset *val,
                                const a2d_model *model, const a2d_sgd_config *cfg) {
  a2d_err err = A2D_OK;
  a2d_trainer *trainer = NULL;
  chunk_buffers b = {0};
  int64_t done = 0;
  char fault[96];
  const int64_t n = train->n, nv = val->n, C = model->classes, S = p->chunk;

  /* ---- resume after the last checkpoint, or start afresh ---- */
  if (ctx->resume) A2D_TRY(models_already_done(ctx, p, n, &done));
  if (done == 0) A2D_TRY(create_datasets(ctx, p, n, nv, C));
  if (done > 0) a2d_log("%s: resuming after %lld finished models", p->label, (long long)done);

  /* ---- buffers for this rank's share of one chunk ---- */
  const int64_t most = (S + ctx->size - 1) / ctx->size;
  A2D_TRY(a2d_trainer_create(model, cfg, &trainer));
  A2D_TRY(A2D_CALLOC(b.subset_rows, p->subset));
  A2D_TRY(A2D_CALLOC(b.params, model->nparams));
  A2D_TRY(A2D_CALLOC(b.masks, most * n));
  A2D_TRY(A2D_CALLOC(b.examples, most + 1));
  A2D_TRY(A2D_CALLOC(b.seconds, most + 1));
  A2D_TRY(A2D_CALLOC(b.out[0], most * n));
  A2D_TRY(A2D_CALLOC(b.out[1], most * nv));
  if (p->save_logits) {
    A2D_TRY(A2D_CALLOC(b.out[2], most * n * C));
    A2D_TRY(A2D_CALLOC(b.out[3], most * nv * C));
  }

  /* ---- chunk by chunk: train, write, checkpoint ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, p->label, "models", p->models, done);
  for (int64_t c0 = done; c0 < p->models; c0 += S) {
    const int64_t c1 = c0 + S < p->models ? c0 + S : p->models;
    int64_t lo, hi;
    a2d_block_range(c1 - c0, ctx->size, ctx->rank, &lo, &hi);
    A2D_TRY(a2d_agree(ctx->comm,
                      train_block(p, model, trainer, cfg, train, val, c0 + lo, c0 + hi, &b)));
    A2D_TRY(write_block(ctx, p, c0 + lo, hi - lo, &b));
    A2D_TRY(a2d_store_flush(ctx->store));
    A2D_TRY(a2d_store_set_int(ctx->store, p->group, "models_done", c1));
    A2D_TRY(a2d_store_flush(ctx->store));
    a2d_progress_update(&progress, c1);
    snprintf(fault, sizeof fault, "%s:checkpoint-%lld", p->label, (long long)(c1 / S));
    a2d_fault_point(fault);
  }
cleanup:
  a2d_trainer_destroy(&trainer);
  free(b.subset_rows);
  free(b.params);
  free(b.masks);
  free(b.examples);
  free(b.seconds);
  for (int o = 0; o < 4; o++) free(b.out[o]);
  return err;
}
