/*
 * unlearn_runner.c - unlearning jobs as checkpointed tasks (unlearn_runner.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/attribution.h"
#include "a2d/dm_targets.h"
#include "a2d/group.h"
#include "a2d/parallel.h"
#include "task_import.h"
#include "task_runner.h"
#include "trak_attribution.h"
#include "unlearn_runner.h"

/* One forget set. */
typedef struct forget_set {
  const char *name;
  int64_t *forget, nforget, *retain, nretain;
} forget_set;

/* Group-term settings of the jobs that use datamodels, and their predictions per forget set. */
typedef struct dm_variant {
  int term, pool;
  double threshold;
  a2d_dm_prediction *predicted; /* per forget set */
} dm_variant;

/* Everything the tasks share. */
typedef struct unlearn_state {
  a2d_context *ctx;
  const a2d_unlearn_batch *batch;
  a2d_dataset train, val;
  a2d_model model;
  a2d_sgd_config train_cfg;
  int64_t K, seed, P, C;
  double weight_decay;
  int nforget;
  forget_set *sets;
  int64_t per_target; /* datamodel rows per target: 1 (margin) or C (logits) */
  int nvariants;
  dm_variant *variants; /* distinct group-term settings among the jobs */
  int *job_variant;     /* per job: its variant (-1: no datamodels) */
  int *job_form;        /* per job with datamodels: its [unlearn.<method>] form */
  void **job_settings;  /* per job: its method's settings, read once (a2d_unlearn_settings_read) */
  float *params;        /* K x P base models */
  float *logits_train, *logits_val, *margins_train, *margins_val; /* base outputs, K x ... */
  float **teachers; /* keep_teachers: (set, k)'s teacher logits (n x C) and margins (n) */
  /* per-task scratch */
  a2d_trainer *teacher_trainer;
  float *params_out, *teacher_params, *target_logits, *target_logits_val;
  float *target_margins, *target_margins_val;
  /* The points the tasks' outputs are taken on: train and val, or with
     batch->npoints > 0 `eval` (those training points) and no validation
     points, when `full` receives what a method that writes its own outputs
     writes on every point. */
  const a2d_dataset *out_train, *out_val;
  a2d_dataset eval, no_val;
  a2d_task_output full;
  /* Imported jobs ([unlearn.<method>] source = import) and imported base models. */
  a2d_import *imp;
  int *job_imported;
  a2d_task_import *job_import;
  int have_params; /* /train/params exists: the base models can be fine-tuned */
  int have_logits; /* /train/logits_* exist */
} unlearn_state;

a2d_err a2d_unlearn_imported(const a2d_deck *deck, const a2d_unlearn_method *m, int *imported) {
  char section[64], key[80];
  *imported = 0;
  a2d_unlearn_section(m, section, sizeof section);
  snprintf(key, sizeof key, "%s.source", section);
  if (a2d_deck_key_spec(deck, key)) A2D_CHECK(a2d_deck_enum(deck, section, "source", imported));
  return A2D_OK;
}

/* ------------------------------------------------------------ set-up */

/* The deck's methods (at most 16); refuse a method the model kind cannot take. */
a2d_err a2d_unlearn_deck_methods(const a2d_deck *deck, const a2d_unlearn_method **methods,
                                 int *count) {
  int n;
  char name[64];
  const char *kind_name;
  const char *where = a2d_deck_origin(deck, "unlearn", "methods");
  A2D_CHECK(a2d_deck_list_len(deck, "unlearn", "methods", &n));
  A2D_CHECK(a2d_deck_choice(deck, "model", "kind", &kind_name));
  if (n == 0)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [unlearn] methods is empty; name at least one method",
                     where);
  if (n > 16) return A2D_ERROR(A2D_ERR_DECK, "%s: [unlearn] methods: at most 16 methods", where);
  for (int i = 0; i < n; i++) {
    A2D_CHECK(a2d_deck_list_string(deck, "unlearn", "methods", i, name, sizeof name));
    const a2d_unlearn_method *m = a2d_unlearn_find(name);
    if (!m)
      return A2D_ERROR(A2D_ERR_DECK, "%s: [unlearn] methods: method \"%s\" is not built in", where,
                       name);
    for (int j = 0; j < i; j++)
      if (methods[j] == m)
        return A2D_ERROR(A2D_ERR_DECK, "%s: [unlearn] methods: \"%s\" is listed twice", where,
                         name);
    if ((m->needs & A2D_UNLEARN_LOGREG_ONLY) && strcmp(kind_name, "logreg"))
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [unlearn] methods: %s needs [model] kind = logreg (a convex "
                       "objective), not %s",
                       where, name, kind_name);
    methods[i] = m;
  }
  *count = n;
  return A2D_OK;
}

/* Read the first K base models' parameters and outputs (on every rank). */
static a2d_err read_base_models(unlearn_state *s) {
  a2d_store *st = s->ctx->store;
  const int64_t K = s->K, n = s->train.n, nv = s->val.n, C = s->C;
  int rank;
  int64_t dims[8];
  A2D_CHECK(a2d_store_exists(st, "/train/logits_train", &s->have_logits));
  A2D_CHECK(A2D_CALLOC(s->logits_train, K * n * C));
  A2D_CHECK(A2D_CALLOC(s->logits_val, K * nv * C + 1));
  A2D_CHECK(A2D_CALLOC(s->margins_train, K * n));
  A2D_CHECK(A2D_CALLOC(s->margins_val, K * nv + 1));
  if (s->have_logits) {
    A2D_CHECK(a2d_store_read_rows(st, "/train/logits_train", A2D_F32, 0, K, s->logits_train));
    A2D_CHECK(a2d_store_read_rows(st, "/train/logits_val", A2D_F32, 0, K, s->logits_val));
  }
  A2D_CHECK(a2d_store_read_rows(st, "/train/margins_train", A2D_F32, 0, K, s->margins_train));
  A2D_CHECK(a2d_store_read_rows(st, "/train/margins_val", A2D_F32, 0, K, s->margins_val));
  A2D_CHECK(a2d_store_exists(st, "/train/params", &s->have_params));
  /* Imported base models have outputs only; a2d_unlearn_targets sets up no model. */
  if (!s->have_params || !s->P) return A2D_OK;
  A2D_CHECK(a2d_store_shape(st, "/train/params", &rank, dims));
  if (rank != 2 || dims[0] < K || dims[1] != s->P)
    return A2D_ERROR(A2D_ERR_DATA,
                     "/train/params holds %lld x %lld, expected %lld models x %lld parameters; "
                     "rerun stage train",
                     (long long)dims[0], (long long)(rank > 1 ? dims[1] : 0), (long long)K,
                     (long long)s->P);
  A2D_CHECK(A2D_CALLOC(s->params, K * s->P));
  A2D_CHECK(a2d_store_read_rows(st, "/train/params", A2D_F32, 0, K, s->params));
  return A2D_OK;
}

/*
 * Each job's settings, read once: its method's own, and with datamodels its
 * form and group-term settings ([unlearn.<method>] group_*), the latter as
 * distinct variants.
 */
static a2d_err job_settings(unlearn_state *s) {
  const a2d_unlearn_batch *b = s->batch;
  int trak;
  A2D_CHECK(a2d_attribution_is_trak(s->ctx->deck, &trak));
  A2D_CHECK(A2D_CALLOC(s->job_settings, b->njobs));
  A2D_CHECK(A2D_CALLOC(s->job_form, b->njobs));
  A2D_CHECK(A2D_CALLOC(s->job_variant, b->njobs));
  A2D_CHECK(A2D_CALLOC(s->variants, b->njobs));
  for (int j = 0; j < b->njobs; j++) {
    char section[64];
    dm_variant v = {0};
    A2D_CHECK(a2d_unlearn_settings_read(b->jobs[j].method, b->jobs[j].deck, &s->job_settings[j]));
    s->job_variant[j] = -1;
    if (s->job_imported[j] || !(b->jobs[j].method->needs & A2D_UNLEARN_NEEDS_DATAMODEL)) continue;
    a2d_unlearn_section(b->jobs[j].method, section, sizeof section);
    A2D_CHECK(a2d_deck_enum(b->jobs[j].deck, section, "form", &s->job_form[j]));
    A2D_CHECK(a2d_deck_bool(b->jobs[j].deck, section, "group_term", &v.term));
    A2D_CHECK(a2d_deck_bool(b->jobs[j].deck, section, "group_pool", &v.pool));
    A2D_CHECK(a2d_deck_real(b->jobs[j].deck, section, "group_threshold", &v.threshold));
    if (trak) v.term = 0; /* datamodels only: the deck check refuses it set explicitly */
    if (!v.term) v.pool = 0, v.threshold = 0;
    int found = -1;
    for (int i = 0; i < s->nvariants && found < 0; i++)
      if (s->variants[i].term == v.term && s->variants[i].pool == v.pool &&
          s->variants[i].threshold == v.threshold)
        found = i;
    if (found < 0) s->variants[found = s->nvariants++] = v;
    s->job_variant[j] = found;
  }
  return A2D_OK;
}

/*
 * Per variant and forget set, TRAK's predicted margin shifts for every target
 * ([attribution] method = trak): anchored targets only, without a group term
 * (the deck check refuses the rest), so every variant gets the same shifts.
 */
static a2d_err trak_predictions(unlearn_state *s) {
  a2d_err err = A2D_OK;
  a2d_trak_attribution T = {0};
  uint8_t *removed = NULL;
  double *shift = NULL;
  const int64_t n = s->train.n, targets = s->train.n + s->val.n, S = s->nforget;
  A2D_TRY(a2d_trak_attribution_open(s->ctx->store, n, s->val.n, 0, &T));
  A2D_TRY(A2D_CALLOC(removed, S * n));
  A2D_TRY(A2D_CALLOC(shift, S * targets));
  for (int f = 0; f < S; f++)
    for (int64_t i = 0; i < s->sets[f].nforget; i++) removed[f * n + s->sets[f].forget[i]] = 1;
  A2D_TRY(a2d_trak_predict_shifts(&T, s->ctx->comm, removed, S, shift));
  s->per_target = 1;
  for (int v = 0; v < s->nvariants; v++) {
    A2D_TRY(A2D_CALLOC(s->variants[v].predicted, S));
    for (int f = 0; f < S; f++) {
      a2d_dm_prediction *p = &s->variants[v].predicted[f];
      p->rows = targets;
      A2D_TRY(A2D_CALLOC(p->shift, targets));
      memcpy(p->shift, shift + f * targets, sizeof(double) * (size_t)targets);
    }
  }
  a2d_log("%s: TRAK predictions for %d forget sets (%lld models, %lld dimensions, scale %.4g)",
          s->batch->label, s->nforget, (long long)T.models, (long long)T.k, T.scale);
cleanup:
  a2d_trak_attribution_free(&T);
  free(removed);
  free(shift);
  return err;
}

/* Per variant and forget set: the datamodels' prediction for every row (a2d/dm_targets.h). */
static a2d_err datamodel_predictions(unlearn_state *s) {
  a2d_err err = A2D_OK;
  a2d_attribution A = {0};
  a2d_group_model group = {0};
  a2d_dm_setting *settings = NULL;
  a2d_dm_prediction *out = NULL;
  int64_t *kept = NULL;
  int any_group = 0;
  A2D_TRY(a2d_attribution_load(s->ctx->store, s->ctx->comm, &A));
  if (A.n != s->train.n || A.targets_train != s->train.n || A.targets_val != s->val.n)
    A2D_FAIL(A2D_ERR_DATA,
             "/datamodel covers %lld training points and %lld + %lld targets, expected %lld and "
             "%lld + %lld; rerun stage fit",
             (long long)A.n, (long long)A.targets_train, (long long)A.targets_val,
             (long long)s->train.n, (long long)s->train.n, (long long)s->val.n);
  if (A.per_target != 1 && A.per_target != s->C)
    A2D_FAIL(A2D_ERR_DATA, "/datamodel has %lld rows per target, expected 1 or %lld",
             (long long)A.per_target, (long long)s->C);
  s->per_target = A.per_target;
  for (int v = 0; v < s->nvariants; v++) any_group |= s->variants[v].term;
  if (any_group) {
    const int logits = A.per_target > 1;
    const a2d_group_inputs in = {"/ensemble/masks",
                                 logits ? "/ensemble/logits_train" : "/ensemble/margins_train",
                                 logits ? "/ensemble/logits_val" : "/ensemble/margins_val"};
    A2D_TRY(a2d_group_model_load(s->ctx->store, s->ctx->comm, &in, &A, &group));
  }
  /* Per forget set, every variant at once: they share the products and the slopes. */
  A2D_TRY(A2D_CALLOC(settings, s->nvariants));
  A2D_TRY(A2D_CALLOC(out, s->nvariants));
  A2D_TRY(A2D_CALLOC(kept, s->nvariants));
  for (int v = 0; v < s->nvariants; v++) {
    const dm_variant *dv = &s->variants[v];
    settings[v] = (a2d_dm_setting){.term = dv->term, .pool = dv->pool, .threshold = dv->threshold};
    A2D_TRY(A2D_CALLOC(s->variants[v].predicted, s->nforget));
  }
  for (int f = 0; f < s->nforget; f++) {
    forget_set *fs = &s->sets[f];
    A2D_TRY(a2d_dm_predict_settings(s->ctx->comm, &A, any_group ? &group : NULL, settings,
                                    s->nvariants, fs->forget, fs->nforget, out, kept));
    for (int v = 0; v < s->nvariants; v++) s->variants[v].predicted[f] = out[v];
    if (s->variants[0].term && s->nvariants == 1)
      a2d_log("%s: %s: group term on %lld of %lld datamodel rows", s->batch->label, fs->name,
              (long long)kept[0], (long long)A.rows);
  }
  a2d_log("%s: datamodel predictions for %d forget sets (%s datamodels; %d group-term setting%s)",
          s->batch->label, s->nforget, s->per_target == 1 ? "margin" : "per-class", s->nvariants,
          s->nvariants == 1 ? "" : "s");
cleanup:
  free(settings);
  free(out);
  free(kept);
  A2D_CLEANUP(a2d_group_model_free(&group));
  A2D_CLEANUP(a2d_attribution_destroy(&A));
  return err;
}

/* ------------------------------------------------------------ one task */

/*
 * Datamodel targets of base model k for job j (its forget set, its group-term
 * setting, its method's form): logits (per-class datamodels) and margins on
 * both splits.
 */
static a2d_err datamodel_targets(unlearn_state *s, int64_t j, int64_t k, a2d_unlearn_problem *p) {
  const a2d_unlearn_job *job = &s->batch->jobs[j];
  const int64_t n = s->train.n, nv = s->val.n, C = s->C;
  const a2d_dm_outputs base = {.n = n,
                               .n_val = nv,
                               .classes = C,
                               .per_target = s->per_target,
                               .y = s->train.y,
                               .y_val = s->val.y,
                               .logits = s->logits_train + k * n * C,
                               .logits_val = s->logits_val + k * nv * C,
                               .margins = s->margins_train + k * n,
                               .margins_val = s->margins_val + k * nv};
  a2d_dm_outputs targets = {.logits = s->target_logits,
                            .logits_val = s->target_logits_val,
                            .margins = s->target_margins,
                            .margins_val = s->target_margins_val};
  a2d_dm_targets(&s->variants[s->job_variant[j]].predicted[job->set], (a2d_dm_form)s->job_form[j],
                 &base, &targets);
  const int logits = s->per_target == C;
  p->target_logits = logits ? s->target_logits : NULL;
  p->target_logits_val = logits ? s->target_logits_val : NULL;
  p->target_margins = s->target_margins;
  p->target_margins_val = s->target_margins_val;
  return A2D_OK;
}

/*
 * OM's teacher for base model k: a model retrained on the retain set (kept per
 * (set, k) with keep_teachers); its logits and margins into p.
 */
static a2d_err teacher(unlearn_state *s, int f, int64_t k, a2d_unlearn_problem *p,
                       a2d_task_output *out) {
  const forget_set *fs = &s->sets[f];
  const int64_t n = s->train.n, C = s->C;
  const double start = a2d_now();
  float **kept = s->teachers ? &s->teachers[f * s->K + k] : NULL;
  out->prep_examples = s->train_cfg.epochs * fs->nretain;
  if (kept && *kept) {
    memcpy(s->target_logits, *kept, (size_t)(n * C) * sizeof(float));
    memcpy(s->target_margins, *kept + n * C, (size_t)n * sizeof(float));
  } else {
    a2d_rng init, order;
    uint64_t key = a2d_rng_key(fs->name, (uint64_t)k);
    a2d_rng_seed(&init, (uint64_t)s->seed, A2D_STREAM_TEACHER_INIT, key);
    a2d_rng_seed(&order, (uint64_t)s->seed, A2D_STREAM_TEACHER_ORDER, key);
    A2D_CHECK(a2d_trainer_fit(s->teacher_trainer, s->train.x, s->train.y, fs->retain, fs->nretain,
                              &init, &order, s->teacher_params, NULL));
    A2D_CHECK(a2d_model_predict(&s->model, s->teacher_params, s->train.x, s->train.y, n,
                                s->target_logits, s->target_margins, NULL, NULL));
    if (kept) {
      A2D_CHECK(A2D_CALLOC(*kept, n * C + n));
      memcpy(*kept, s->target_logits, (size_t)(n * C) * sizeof(float));
      memcpy(*kept + n * C, s->target_margins, (size_t)n * sizeof(float));
    }
  }
  p->teacher_logits = s->target_logits;
  p->target_margins = s->target_margins;
  out->prep_seconds = a2d_now() - start;
  return A2D_OK;
}

/*
 * A2D_ERR_DIVERGED when an unlearned model's margins are not finite or leave
 * +-A2D_UNLEARN_BLOWN_UP somewhere: its fine-tune blew up even where the loss
 * stayed finite, and KLoM, which clips margins at +-100 and bins the joint
 * range, would mistake it for a close match (every other sample in one bin).
 */
static a2d_err blown_up(const a2d_task_output *out, int64_t n, int64_t nv) {
  double worst = 0;
  for (int64_t i = 0; i < n + nv; i++) {
    const double m = fabs(i < n ? out->margins_train[i] : out->margins_val[i - n]);
    if (!(m <= worst)) worst = m; /* NaN too */
  }
  if (worst <= A2D_UNLEARN_BLOWN_UP) return A2D_OK;
  return A2D_ERROR(A2D_ERR_DIVERGED,
                   "fine-tune diverged (a margin of %g); lower the method's lr in its [unlearn.*] "
                   "section",
                   worst);
}

/* Out's outputs on the batch's points, from a method's own outputs on every point in full. */
static void gather_points(const unlearn_state *s, const a2d_task_output *full,
                          a2d_task_output *out) {
  for (int64_t i = 0; i < s->batch->npoints; i++) {
    out->margins_train[i] = full->margins_train[s->batch->points[i]];
    out->correct_train[i] = full->correct_train[s->batch->points[i]];
  }
}

/* Task t: job t / K from base model t % K. */
/* Base model k's outputs, unchanged (none, when the base models were imported). */
static void base_outputs(const unlearn_state *s, int64_t k, a2d_task_output *out) {
  const int64_t size[2] = {s->train.n, s->val.n}, C = s->C;
  for (int o = 0; o < 2; o++) {
    const float *m = (o ? s->margins_val : s->margins_train) + k * size[o];
    const float *z = (o ? s->logits_val : s->logits_train) + k * size[o] * C;
    const int32_t *y = o ? s->val.y : s->train.y;
    float *margins = o ? out->margins_val : out->margins_train;
    uint8_t *correct = o ? out->correct_val : out->correct_train;
    for (int64_t i = 0; i < size[o]; i++) {
      int64_t best = 0;
      for (int64_t c = 1; c < C; c++)
        if (z[i * C + c] > z[i * C + best]) best = c;
      margins[i] = m[i];
      correct[i] = s->have_logits ? best == y[i] : m[i] > 0;
    }
  }
}

static a2d_err run_task(void *ctx, int64_t t, a2d_task_output *out) {
  unlearn_state *s = ctx;
  const int64_t k = t % s->K;
  const a2d_unlearn_job *job = &s->batch->jobs[t / s->K];
  const a2d_unlearn_method *m = job->method;
  if (s->job_imported[t / s->K]) return a2d_task_import_row(&s->job_import[t / s->K], k, out);
  if (!s->have_params && !strcmp(m->name, "none")) {
    base_outputs(s, k, out);
    out->examples = 0;
    out->seconds = 0;
    return A2D_OK;
  }
  const forget_set *fs = &s->sets[job->set];
  const int some = s->batch->npoints > 0; /* outputs on the batch's points alone */
  const a2d_dataset *eval = s->out_train, *eval_val = s->out_val;
  char key[160];
  snprintf(key, sizeof key, "%s/%s", fs->name, m->name);
  a2d_unlearn_problem p = {.model = &s->model,
                           .settings = s->job_settings[t / s->K],
                           .x = s->train.x,
                           .y = s->train.y,
                           .n = s->train.n,
                           .n_val = s->val.n,
                           .y_val = s->val.y,
                           .forget = fs->forget,
                           .nforget = fs->nforget,
                           .retain = fs->retain,
                           .nretain = fs->nretain,
                           .params0 = s->params + k * s->P,
                           .base_logits = s->logits_train + k * s->train.n * s->C,
                           .train_weight_decay = s->weight_decay};
  a2d_rng_seed(&p.rng, (uint64_t)s->seed, A2D_STREAM_UNLEARN, a2d_rng_key(key, (uint64_t)k));
  if (m->needs & A2D_UNLEARN_NEEDS_TEACHER) A2D_CHECK(teacher(s, job->set, k, &p, out));
  if (m->needs & A2D_UNLEARN_NEEDS_DATAMODEL) A2D_CHECK(datamodel_targets(s, t / s->K, k, &p));
  const double start = a2d_now();
  const a2d_task_output *own = some ? &s->full : out;
  a2d_unlearn_result r = {.params = s->params_out,
                          .margins = own->margins_train,
                          .margins_val = own->margins_val,
                          .correct = own->correct_train,
                          .correct_val = own->correct_val};
  a2d_err ran = m->run(&p, &r);
  out->examples = r.examples;
  out->seconds = a2d_now() - start;
  if (!ran && (m->needs & A2D_UNLEARN_OUTPUTS_ONLY) && some) gather_points(s, own, out);
  if (!ran && !(m->needs & A2D_UNLEARN_OUTPUTS_ONLY)) {
    A2D_CHECK(a2d_task_model_outputs(&s->model, s->params_out, eval, eval_val, out));
    ran = blown_up(out, eval->n, eval_val->n);
  }
  if (ran == A2D_ERR_DIVERGED && s->batch->diverged_as_nan) {
    a2d_error_clear();
    for (int64_t i = 0; i < eval->n; i++) out->margins_train[i] = NAN, out->correct_train[i] = 0;
    for (int64_t i = 0; i < eval_val->n; i++) out->margins_val[i] = NAN, out->correct_val[i] = 0;
    return A2D_OK;
  }
  if (ran) {
    char why[1024];
    snprintf(why, sizeof why, "%s", a2d_error_message());
    a2d_error_clear();
    return A2D_ERROR(ran, "%s, base model %lld: %s", job->group, (long long)k, why);
  }
  return A2D_OK;
}

static void free_state(unlearn_state *s) {
  for (int j = 0; s->job_import && j < s->batch->njobs; j++)
    a2d_task_import_free(&s->job_import[j]);
  free(s->job_import);
  free(s->job_imported);
  if (a2d_import_close(&s->imp)) a2d_error_clear(); /* read-only: nothing to lose */
  for (int f = 0; s->sets && f < s->nforget; f++) {
    free(s->sets[f].forget);
    free(s->sets[f].retain);
  }
  free(s->sets);
  for (int v = 0; s->variants && v < s->nvariants; v++) {
    for (int f = 0; s->variants[v].predicted && f < s->nforget; f++)
      a2d_dm_prediction_free(&s->variants[v].predicted[f]);
    free(s->variants[v].predicted);
  }
  free(s->variants);
  free(s->job_variant);
  free(s->job_form);
  for (int j = 0; s->job_settings && j < s->batch->njobs; j++) free(s->job_settings[j]);
  free(s->job_settings);
  for (int64_t i = 0; s->teachers && i < s->nforget * s->K; i++) free(s->teachers[i]);
  free(s->teachers);
  a2d_dataset_free(&s->train);
  a2d_dataset_free(&s->val);
  a2d_trainer_destroy(&s->teacher_trainer);
  free(s->params);
  free(s->logits_train);
  free(s->logits_val);
  free(s->margins_train);
  free(s->margins_val);
  free(s->params_out);
  free(s->teacher_params);
  free(s->target_logits);
  free(s->target_logits_val);
  free(s->target_margins);
  free(s->target_margins_val);
  a2d_dataset_free(&s->eval);
  free(s->full.margins_train);
  free(s->full.margins_val);
  free(s->full.correct_train);
  free(s->full.correct_val);
}

/* Everything the batch's tasks share: data, forget sets, base models, settings, predictions. */
static a2d_err state_setup(a2d_context *ctx, const a2d_unlearn_batch *b, unlearn_state *sp) {
  a2d_err err = A2D_OK;
  unlearn_state *s = sp;
  *s = (unlearn_state){.ctx = ctx, .batch = b};

  /* ---- set up: data, model, forget sets, base models ---- */
  s->K = b->models;
  A2D_TRY(a2d_deck_int(ctx->deck, "unlearn", "seed", &s->seed));
  A2D_TRY(a2d_deck_real(ctx->deck, "train", "weight_decay", &s->weight_decay));
  A2D_TRY(A2D_CALLOC(s->job_imported, b->njobs));
  A2D_TRY(A2D_CALLOC(s->job_import, b->njobs));
  int train_imported, models_needed = 0;
  A2D_TRY(a2d_deck_enum(ctx->deck, "train", "source", &train_imported));
  for (int j = 0; j < b->njobs; j++) {
    const a2d_unlearn_method *m = b->jobs[j].method;
    A2D_TRY(a2d_unlearn_imported(b->jobs[j].deck, m, &s->job_imported[j]));
    const int outputs_only = !strcmp(m->name, "none") || (m->needs & A2D_UNLEARN_OUTPUTS_ONLY);
    if (b->targets_only) continue; /* a2d_unlearn_targets: no method runs */
    if (!s->job_imported[j] && !(train_imported && outputs_only)) models_needed = 1;
    if (!s->job_imported[j] && train_imported && !outputs_only)
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [unlearn] methods: %s fine-tunes the base models, but they are imported "
               "([train] source = import) without parameters; import its outputs too "
               "([unlearn.%s] source = import)",
               a2d_deck_name(ctx->deck), m->name, m->name);
  }
  if (models_needed) { /* the features, to train and evaluate models */
    A2D_TRY(a2d_stage_read_split(ctx, "train", &s->train));
    A2D_TRY(a2d_stage_read_split(ctx, "val", &s->val));
    A2D_TRY(a2d_model_from_deck(ctx->deck, s->train.d, s->train.classes, &s->model));
    A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &s->train_cfg));
  } else {
    A2D_TRY(a2d_stage_read_labels(ctx, "train", &s->train));
    A2D_TRY(a2d_stage_read_labels(ctx, "val", &s->val));
    s->model.classes = s->train.classes;
  }
  s->P = s->model.nparams;
  s->C = s->model.classes;
  s->nforget = b->nsets;
  A2D_TRY(A2D_CALLOC(s->sets, s->nforget));
  for (int f = 0; f < s->nforget; f++) {
    s->sets[f].name = b->keys[f];
    A2D_TRY(a2d_stage_read_forget(ctx, b->sets[f], s->train.n, &s->sets[f].forget,
                                  &s->sets[f].nforget, &s->sets[f].retain, &s->sets[f].nretain));
  }
  A2D_TRY(read_base_models(s));
  for (int j = 0; j < b->njobs; j++) {
    if (!s->job_imported[j]) continue;
    char prefix[300], who[96];
    if (!s->imp) {
      snprintf(who, sizeof who, "[unlearn.%s] source = import", b->jobs[j].method->name);
      A2D_TRY(a2d_stage_import_open(ctx->deck, who, &s->imp));
    }
    snprintf(prefix, sizeof prefix, "unlearn/%s/%s", b->keys[b->jobs[j].set],
             b->jobs[j].method->name);
    A2D_TRY(a2d_task_import_open(s->imp, prefix, s->K, &s->train, &s->val, &s->job_import[j]));
  }
  A2D_TRY(job_settings(s));
  int trak;
  A2D_TRY(a2d_attribution_is_trak(ctx->deck, &trak));
  if (s->nvariants) A2D_TRY(trak ? trak_predictions(s) : datamodel_predictions(s));
  if (s->nvariants && s->per_target > 1 && !s->have_logits)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: per-class datamodels anchor on the base models' logits, and /train has none "
             "(imported with margins alone); import train/logits_train and logits_val",
             a2d_store_path(ctx->store));
  if (b->keep_teachers) A2D_TRY(A2D_CALLOC(s->teachers, s->nforget * s->K));

  /* ---- per-task scratch ---- */
  const int64_t n = s->train.n, nv = s->val.n, C = s->C;
  if (models_needed) A2D_TRY(a2d_trainer_create(&s->model, &s->train_cfg, &s->teacher_trainer));
  A2D_TRY(A2D_CALLOC(s->params_out, s->P + 1));
  A2D_TRY(A2D_CALLOC(s->teacher_params, s->P + 1));
  A2D_TRY(A2D_CALLOC(s->target_logits, n * C));
  A2D_TRY(A2D_CALLOC(s->target_logits_val, nv * C + 1));
  A2D_TRY(A2D_CALLOC(s->target_margins, n));
  A2D_TRY(A2D_CALLOC(s->target_margins_val, nv + 1));

  s->out_train = &s->train, s->out_val = &s->val;
  if (b->npoints > 0) {
    for (int64_t i = 0; i < b->npoints; i++)
      if (b->points[i] < 0 || b->points[i] >= n || (i && b->points[i] <= b->points[i - 1]))
        A2D_FAIL(A2D_ERR_INTERNAL, "%s: point list not increasing inside [0, %lld)", b->label,
                 (long long)n);
    A2D_TRY(a2d_dataset_subset(&s->train, b->points, b->npoints, &s->eval));
    s->no_val = (a2d_dataset){.d = s->train.d, .classes = s->train.classes};
    A2D_TRY(A2D_CALLOC(s->full.margins_train, n));
    A2D_TRY(A2D_CALLOC(s->full.margins_val, nv + 1));
    A2D_TRY(A2D_CALLOC(s->full.correct_train, n));
    A2D_TRY(A2D_CALLOC(s->full.correct_val, nv + 1));
    s->out_train = &s->eval, s->out_val = &s->no_val;
  }
cleanup:
  return err;
}

a2d_err a2d_unlearn_run(a2d_context *ctx, const a2d_unlearn_batch *b) {
  a2d_err err = A2D_OK;
  unlearn_state s;
  A2D_TRY(state_setup(ctx, b, &s));

  /* ---- the tasks ---- */
  const char **groups = NULL;
  A2D_TRY(A2D_CALLOC(groups, b->njobs));
  for (int j = 0; j < b->njobs; j++) groups[j] = b->jobs[j].group;
  a2d_task_plan plan = {b->label,       b->state,     b->njobs,    groups,   s.K,
                        s.out_train->n, s.out_val->n, b->per_rank, run_task, &s};
  err = a2d_tasks_run(ctx, &plan);
  free(groups);
cleanup:
  free_state(&s);
  return err;
}

a2d_err a2d_unlearn_targets(a2d_context *ctx, const a2d_unlearn_batch *batch, a2d_dm_outputs *out) {
  a2d_err err = A2D_OK;
  unlearn_state s;
  a2d_unlearn_problem p;
  a2d_unlearn_batch b = *batch;
  b.targets_only = 1;
  A2D_TRY(state_setup(ctx, &b, &s));
  if (s.job_variant[0] < 0)
    A2D_FAIL(A2D_ERR_DECK, "%s: %s uses no datamodels: it has no targets to export",
             a2d_deck_name(ctx->deck), b.jobs[0].method->name);
  const int64_t n = s.train.n, nv = s.val.n, C = s.C;
  out->n = n, out->n_val = nv, out->classes = C, out->per_target = s.per_target;
  for (int64_t k = 0; k < s.K; k++) {
    memset(&p, 0, sizeof p);
    A2D_TRY(datamodel_targets(&s, 0, k, &p));
    memcpy(out->margins + k * n, s.target_margins, (size_t)n * sizeof(float));
    memcpy(out->margins_val + k * nv, s.target_margins_val, (size_t)nv * sizeof(float));
    if (s.per_target > 1 && out->logits) {
      memcpy(out->logits + k * n * C, s.target_logits, (size_t)(n * C) * sizeof(float));
      memcpy(out->logits_val + k * nv * C, s.target_logits_val, (size_t)(nv * C) * sizeof(float));
    }
  }
cleanup:
  free_state(&s);
  return err;
}

a2d_err a2d_unlearn_params(a2d_context *ctx, const a2d_unlearn_batch *b, int64_t k0, int64_t k1,
                           float *params, int64_t *nparams) {
  a2d_err err = A2D_OK;
  unlearn_state s;
  a2d_task_output out = {0};
  A2D_TRY(state_setup(ctx, b, &s));
  *nparams = s.P;
  if (!s.have_params || s.job_imported[0] || (b->jobs[0].method->needs & A2D_UNLEARN_OUTPUTS_ONLY))
    A2D_FAIL(A2D_ERR_DECK,
             "%s: %s gives no model here (imported, outputs only, or imported base models): no "
             "parameters to export",
             a2d_deck_name(ctx->deck), b->jobs[0].method->name);
  A2D_TRY(A2D_CALLOC(out.margins_train, s.train.n + 1));
  A2D_TRY(A2D_CALLOC(out.margins_val, s.val.n + 1));
  A2D_TRY(A2D_CALLOC(out.correct_train, s.train.n + 1));
  A2D_TRY(A2D_CALLOC(out.correct_val, s.val.n + 1));
  for (int64_t k = k0; k < k1 && params; k++) {
    A2D_TRY(run_task(&s, k, &out));
    memcpy(params + (k - k0) * s.P, s.params_out, (size_t)s.P * sizeof(float));
  }
cleanup:
  free(out.margins_train);
  free(out.margins_val);
  free(out.correct_train);
  free(out.correct_val);
  free_state(&s);
  return err;
}
