/*
 * unlearn.c - stage `unlearn`: every forget set x method x base model, one
 * task each.  A task starts from base model k of stage `train` and runs the
 * method (src/unlearn) on forget set f; the unlearned model's margins and
 * right/wrong on every training and validation point, and its cost, go to row
 * k of /unlearn/<forget>/<method>.  Tasks are shared out over the ranks in
 * checkpointed rounds (task_runner.h), ordered method by method so that a
 * round holds tasks of similar cost.
 *
 * Inputs a method may need, prepared here:
 *   teacher (om): a model retrained from scratch on the retain set, seeded
 *     from ([unlearn] seed, forget set, k) on streams disjoint from the
 *     oracles of stage `oracle`;
 *   datamodel targets (dmm, dm_direct): from /datamodel, per forget set
 *     theta . 1[F] and theta . 1[R] + b for every target (one PETSc MatMult
 *     each, gathered on every rank), combined per task with base model k's
 *     own outputs in the anchored form.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/attribution.h"
#include "a2d/dm_targets.h"
#include "a2d/group.h"
#include "a2d/parallel.h"
#include "a2d/unlearn.h"
#include "task_runner.h"

/* One forget set, and its datamodel predictions when a method needs them. */
typedef struct forget_set {
  const char *name;
  int64_t *forget, nforget, *retain, nretain;
  a2d_dm_prediction predicted; /* the datamodels' prediction, when a method needs it */
} forget_set;

/* Everything the tasks share. */
typedef struct unlearn_state {
  a2d_context *ctx;
  a2d_dataset train, val;
  a2d_model model;
  a2d_sgd_config train_cfg;
  int64_t K, seed, P, C;
  double weight_decay;
  int nmethods, nforget;
  const a2d_unlearn_method *methods[16];
  forget_set *sets;
  int64_t per_target; /* datamodel rows per target: 1 (margin) or C (logits) */
  float *params;      /* K x P base models */
  float *logits_train, *logits_val, *margins_train, *margins_val; /* base outputs, K x ... */
  /* per-task scratch */
  a2d_trainer *teacher_trainer;
  float *params_out, *teacher_params, *target_logits, *target_logits_val;
  float *target_margins, *target_margins_val;
} unlearn_state;

/* ------------------------------------------------------------ set-up */

/* The deck's methods (at most 16); refuse a method the model kind cannot take. */
static a2d_err deck_methods(const a2d_deck *deck, const a2d_unlearn_method **methods, int *count) {
  int n, kind;
  char name[64];
  const char *where = a2d_deck_origin(deck, "unlearn", "methods");
  A2D_CHECK(a2d_deck_list_len(deck, "unlearn", "methods", &n));
  A2D_CHECK(a2d_deck_enum(deck, "model", "kind", &kind));
  const char *kind_name = a2d_model_kinds[kind]->name;
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

a2d_err a2d_stage_unlearn_check(const a2d_deck *deck) {
  const a2d_unlearn_method *methods[16];
  int n;
  A2D_CHECK(deck_methods(deck, methods, &n));
  return A2D_OK;
}

/* Read base models' parameters and outputs (all K, on every rank). */
static a2d_err read_base_models(unlearn_state *s) {
  a2d_store *st = s->ctx->store;
  const int64_t K = s->K, n = s->train.n, nv = s->val.n, C = s->C;
  int rank;
  int64_t dims[8];
  A2D_CHECK(a2d_store_shape(st, "/train/params", &rank, dims));
  if (rank != 2 || dims[0] != K || dims[1] != s->P)
    return A2D_ERROR(A2D_ERR_DATA,
                     "/train/params holds %lld x %lld, expected %lld models x %lld parameters; "
                     "rerun stage train",
                     (long long)dims[0], (long long)(rank > 1 ? dims[1] : 0), (long long)K,
                     (long long)s->P);
  A2D_CHECK(A2D_CALLOC(s->params, K * s->P));
  A2D_CHECK(A2D_CALLOC(s->logits_train, K * n * C));
  A2D_CHECK(A2D_CALLOC(s->logits_val, K * nv * C));
  A2D_CHECK(A2D_CALLOC(s->margins_train, K * n));
  A2D_CHECK(A2D_CALLOC(s->margins_val, K * nv));
  A2D_CHECK(a2d_store_read_rows(st, "/train/params", A2D_F32, 0, K, s->params));
  A2D_CHECK(a2d_store_read_rows(st, "/train/logits_train", A2D_F32, 0, K, s->logits_train));
  A2D_CHECK(a2d_store_read_rows(st, "/train/logits_val", A2D_F32, 0, K, s->logits_val));
  A2D_CHECK(a2d_store_read_rows(st, "/train/margins_train", A2D_F32, 0, K, s->margins_train));
  A2D_CHECK(a2d_store_read_rows(st, "/train/margins_val", A2D_F32, 0, K, s->margins_val));
  return A2D_OK;
}

/* Per forget set: the datamodels' prediction for every row (a2d/dm_targets.h). */
static a2d_err datamodel_predictions(unlearn_state *s) {
  a2d_err err = A2D_OK;
  a2d_attribution A = {0};
  a2d_group_model group = {0};
  double threshold;
  int use_group, pool;
  A2D_TRY(a2d_deck_bool(s->ctx->deck, "unlearn", "group_term", &use_group));
  A2D_TRY(a2d_deck_bool(s->ctx->deck, "unlearn", "group_pool", &pool));
  A2D_TRY(a2d_deck_real(s->ctx->deck, "unlearn", "group_threshold", &threshold));
  A2D_TRY(a2d_attribution_load(s->ctx, &A));
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
  if (use_group) A2D_TRY(a2d_group_model_load(s->ctx, &A, &group));
  for (int f = 0; f < s->nforget; f++) {
    forget_set *fs = &s->sets[f];
    int64_t kept = 0;
    A2D_TRY(a2d_dm_predict(s->ctx->comm, &A, use_group ? &group : NULL, threshold, pool, fs->forget,
                           fs->nforget, &fs->predicted, &kept));
    if (use_group)
      a2d_log("unlearn: %s: group term on %lld of %lld datamodel rows", fs->name, (long long)kept,
              (long long)A.rows);
  }
  a2d_log("unlearn: datamodel predictions for %d forget sets (%s datamodels%s)", s->nforget,
          s->per_target == 1 ? "margin" : "per-class", use_group ? ", with group terms" : "");
cleanup:
  a2d_group_model_free(&group);
  a2d_attribution_destroy(&A);
  return err;
}

/* ------------------------------------------------------------ one task */

/*
 * Datamodel targets of base model k for forget set fs in the method's form:
 * logits (per-class datamodels) and margins on both splits.
 */
static a2d_err datamodel_targets(unlearn_state *s, const a2d_unlearn_method *m,
                                 const forget_set *fs, int64_t k, a2d_unlearn_problem *p) {
  char section[64];
  int form; /* anchored|direct */
  const int64_t n = s->train.n, nv = s->val.n, C = s->C;
  A2D_CHECK(
      a2d_deck_enum(s->ctx->deck, a2d_unlearn_section(m, section, sizeof section), "form", &form));
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
  a2d_dm_targets(&fs->predicted, (a2d_dm_form)form, &base, &targets);
  const int logits = s->per_target == C;
  p->target_logits = logits ? s->target_logits : NULL;
  p->target_logits_val = logits ? s->target_logits_val : NULL;
  p->target_margins = s->target_margins;
  p->target_margins_val = s->target_margins_val;
  return A2D_OK;
}

/* Train OM's teacher for base model k on the retain set; its logits into s->target_logits. */
static a2d_err train_teacher(unlearn_state *s, const forget_set *fs, int64_t k,
                             a2d_unlearn_problem *p, a2d_task_output *out) {
  const double start = a2d_now();
  a2d_rng init, order;
  uint64_t key = a2d_rng_key(fs->name, (uint64_t)k);
  a2d_rng_seed(&init, (uint64_t)s->seed, A2D_STREAM_TEACHER_INIT, key);
  a2d_rng_seed(&order, (uint64_t)s->seed, A2D_STREAM_TEACHER_ORDER, key);
  A2D_CHECK(a2d_trainer_fit(s->teacher_trainer, s->train.x, s->train.y, fs->retain, fs->nretain,
                            &init, &order, s->teacher_params, NULL));
  A2D_CHECK(a2d_model_predict(&s->model, s->teacher_params, s->train.x, s->train.y, s->train.n,
                              s->target_logits, s->target_margins, NULL, NULL));
  p->teacher_logits = s->target_logits;
  p->target_margins = s->target_margins;
  out->prep_examples = s->train_cfg.epochs * fs->nretain;
  out->prep_seconds = a2d_now() - start;
  return A2D_OK;
}

/* Task t: method t / (F K), forget set (t / K) % F, base model t % K. */
static a2d_err run_task(void *ctx, int64_t t, a2d_task_output *out) {
  unlearn_state *s = ctx;
  const int64_t k = t % s->K, g = t / s->K;
  const a2d_unlearn_method *m = s->methods[g / s->nforget];
  const forget_set *fs = &s->sets[g % s->nforget];
  char key[160];
  snprintf(key, sizeof key, "%s/%s", fs->name, m->name);
  a2d_unlearn_problem p = {.model = &s->model,
                           .deck = s->ctx->deck,
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
  if (m->needs & A2D_UNLEARN_NEEDS_TEACHER) A2D_CHECK(train_teacher(s, fs, k, &p, out));
  if (m->needs & A2D_UNLEARN_NEEDS_DATAMODEL) A2D_CHECK(datamodel_targets(s, m, fs, k, &p));
  const double start = a2d_now();
  a2d_unlearn_result r = {.params = s->params_out,
                          .margins = out->margins_train,
                          .margins_val = out->margins_val,
                          .correct = out->correct_train,
                          .correct_val = out->correct_val};
  A2D_CHECK(m->run(&p, &r));
  out->examples = r.examples;
  out->seconds = a2d_now() - start;
  if (!(m->needs & A2D_UNLEARN_OUTPUTS_ONLY))
    A2D_CHECK(a2d_task_model_outputs(&s->model, s->params_out, &s->train, &s->val, out));
  return A2D_OK;
}

/* ------------------------------------------------------------ the stage */

static void free_state(unlearn_state *s) {
  for (int f = 0; s->sets && f < s->nforget; f++) {
    free(s->sets[f].forget);
    free(s->sets[f].retain);
    a2d_dm_prediction_free(&s->sets[f].predicted);
  }
  free(s->sets);
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
}

a2d_err a2d_stage_unlearn(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  unlearn_state s = {0};
  char **groups = NULL;
  int ngroups = 0, needs_dm = 0;
  int64_t per_rank;
  s.ctx = ctx;

  /* ---- set up: data, model, methods, forget sets, base models ---- */
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "models", &s.K));
  A2D_TRY(a2d_deck_int(ctx->deck, "unlearn", "seed", &s.seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "unlearn", "chunk", &per_rank));
  A2D_TRY(a2d_deck_real(ctx->deck, "train", "weight_decay", &s.weight_decay));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &s.train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &s.val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, s.train.d, s.train.classes, &s.model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &s.train_cfg));
  s.P = s.model.nparams;
  s.C = s.model.classes;
  A2D_TRY(deck_methods(ctx->deck, s.methods, &s.nmethods));
  s.nforget = a2d_deck_named_count(ctx->deck, "forget");
  if (s.nforget == 0)
    A2D_FAIL(A2D_ERR_DECK, "%s: [forget] declares no forget sets", a2d_deck_name(ctx->deck));
  A2D_TRY(A2D_CALLOC(s.sets, s.nforget));
  for (int f = 0; f < s.nforget; f++) {
    const char *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &s.sets[f].name, &spec));
    A2D_TRY(a2d_stage_read_forget(ctx, s.sets[f].name, s.train.n, &s.sets[f].forget,
                                  &s.sets[f].nforget, &s.sets[f].retain, &s.sets[f].nretain));
  }
  A2D_TRY(read_base_models(&s));
  for (int i = 0; i < s.nmethods; i++)
    needs_dm |= s.methods[i]->needs & A2D_UNLEARN_NEEDS_DATAMODEL;
  if (needs_dm) A2D_TRY(datamodel_predictions(&s));

  /* ---- per-task scratch ---- */
  const int64_t n = s.train.n, nv = s.val.n, C = s.C;
  A2D_TRY(a2d_trainer_create(&s.model, &s.train_cfg, &s.teacher_trainer));
  A2D_TRY(A2D_CALLOC(s.params_out, s.P));
  A2D_TRY(A2D_CALLOC(s.teacher_params, s.P));
  A2D_TRY(A2D_CALLOC(s.target_logits, n * C));
  A2D_TRY(A2D_CALLOC(s.target_logits_val, nv * C + 1));
  A2D_TRY(A2D_CALLOC(s.target_margins, n));
  A2D_TRY(A2D_CALLOC(s.target_margins_val, nv + 1));

  /* ---- the task list: groups /unlearn/<forget>/<method>, method-major ---- */
  ngroups = s.nmethods * s.nforget;
  A2D_TRY(A2D_CALLOC(groups, ngroups));
  for (int g = 0; g < ngroups; g++) {
    A2D_TRY(A2D_CALLOC(groups[g], 256));
    snprintf(groups[g], 256, "/unlearn/%s/%s", s.sets[g % s.nforget].name,
             s.methods[g / s.nforget]->name);
  }
  a2d_log("unlearn: %d methods x %d forget sets x %lld base models = %lld tasks", s.nmethods,
          s.nforget, (long long)s.K, (long long)(ngroups * s.K));
  a2d_task_plan plan = {"unlearn", "/unlearn", ngroups, (const char *const *)groups, s.K, n, nv,
                        per_rank,  run_task,   &s};
  A2D_TRY(a2d_tasks_run(ctx, &plan));
  for (int f = 0; f < s.nforget; f++) {
    char path[256];
    snprintf(path, sizeof path, "/unlearn/%s", s.sets[f].name);
    A2D_TRY(a2d_store_set_int(ctx->store, path, "forget_size", s.sets[f].nforget));
  }
  for (int g = 0; g < ngroups; g++)
    A2D_TRY(
        a2d_store_set_string(ctx->store, groups[g], "method", s.methods[g / s.nforget]->summary));
cleanup:
  for (int g = 0; groups && g < ngroups; g++) free(groups[g]);
  free(groups);
  free_state(&s);
  return err;
}
