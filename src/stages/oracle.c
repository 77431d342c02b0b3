/*
 * oracle.c - stage `oracle`: for every forget set, [oracle] models models
 * retrained from scratch on its retain set with [train]'s recipe; the
 * reference every unlearning method is judged against.  Oracle j of forget
 * set f is initialised and ordered from ([oracle] seed, f's name, j) on
 * streams of its own, disjoint from the OM teachers of stage `unlearn`.
 * Margins, right/wrong and the cost of each retrain go to row j of
 * /oracle/<forget>, so every method's cost can be stated in retrains.
 * With [oracle] noise_floor, N more oracles (rows N..2N-1, drawn the same
 * way) are the noise floor's second sample: stage evaluate compares them,
 * N against N, with rows 0..N-1, the reference of every method.
 */
#include <stdio.h>
#include <stdlib.h>

#include "a2d/parallel.h"
#include "oracle.h"
#include "task_import.h"
#include "task_runner.h"

typedef struct oracle_state {
  const a2d_oracle_plan *plan;
  a2d_dataset train, val;
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_trainer *trainer;
  int64_t **retain, *nretain;
  float *params;
} oracle_state;

/* Task t: oracle t % N of set t / N. */
static a2d_err run_oracle(void *ctx, int64_t t, a2d_task_output *out) {
  oracle_state *s = ctx;
  const a2d_oracle_plan *p = s->plan;
  const int64_t j = t % p->per_set, f = t / p->per_set;
  a2d_rng init, order;
  const uint64_t key = a2d_rng_key(p->keys[f], (uint64_t)j);
  a2d_rng_seed(&init, (uint64_t)p->seed, p->stream_init, key);
  a2d_rng_seed(&order, (uint64_t)p->seed, p->stream_order, key);
  A2D_CHECK(a2d_trainer_fit(s->trainer, s->train.x, s->train.y, s->retain[f], s->nretain[f], &init,
                            &order, s->params, NULL));
  out->examples = s->cfg.epochs * s->nretain[f];
  out->seconds = 0; /* the runner times the whole task */
  A2D_CHECK(a2d_task_model_outputs(&s->model, s->params, &s->train, &s->val, out));
  return A2D_OK;
}

a2d_err a2d_oracles_run(a2d_context *ctx, const a2d_oracle_plan *plan) {
  a2d_err err = A2D_OK;
  oracle_state s = {.plan = plan};

  /* ---- set up: data, model, recipe, retain sets ---- */
  A2D_TRY(a2d_stage_read_split(ctx, "train", &s.train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &s.val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, s.train.d, s.train.classes, &s.model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &s.cfg));
  A2D_TRY(a2d_trainer_create(&s.model, &s.cfg, &s.trainer));
  A2D_TRY(A2D_CALLOC(s.retain, plan->nsets));
  A2D_TRY(A2D_CALLOC(s.nretain, plan->nsets));
  for (int f = 0; f < plan->nsets; f++) {
    int64_t *forget = NULL, nforget;
    A2D_TRY(a2d_stage_read_forget(ctx, plan->sets[f], s.train.n, &forget, &nforget, &s.retain[f],
                                  &s.nretain[f]));
    free(forget);
    if (s.nretain[f] == 0)
      A2D_FAIL(A2D_ERR_DECK, "%s: forget set %s leaves no training points to retrain on",
               a2d_deck_name(ctx->deck), plan->keys[f]);
  }
  A2D_TRY(A2D_CALLOC(s.params, s.model.nparams));

  /* ---- the retrains, as checkpointed tasks ---- */
  a2d_task_plan tasks = {plan->label, plan->state, plan->nsets,    plan->groups, plan->per_set,
                         s.train.n,   s.val.n,     plan->per_rank, run_oracle,   &s};
  A2D_TRY(a2d_tasks_run(ctx, &tasks));
cleanup:
  for (int f = 0; s.retain && f < plan->nsets; f++) free(s.retain[f]);
  free(s.retain);
  free(s.nretain);
  free(s.params);
  a2d_trainer_destroy(&s.trainer);
  a2d_dataset_free(&s.train);
  a2d_dataset_free(&s.val);
  return err;
}

/* Imported oracles: one task per row of each set's oracle/<forget>/... arrays. */
typedef struct oracle_import {
  int64_t per_set;
  a2d_task_import *sets;
} oracle_import;

static a2d_err import_oracle(void *ctx, int64_t t, a2d_task_output *out) {
  oracle_import *s = ctx;
  A2D_CHECK(a2d_task_import_row(&s->sets[t / s->per_set], t % s->per_set, out));
  return A2D_OK;
}

/* [oracle] source = import: the oracles' outputs and cost from the import, set by set. */
static a2d_err oracles_import(a2d_context *ctx, const a2d_oracle_plan *plan) {
  a2d_err err = A2D_OK;
  a2d_dataset train = {0}, val = {0};
  a2d_import *imp = NULL;
  oracle_import s = {.per_set = plan->per_set};
  A2D_TRY(a2d_stage_read_labels(ctx, "train", &train));
  A2D_TRY(a2d_stage_read_labels(ctx, "val", &val));
  A2D_TRY(a2d_stage_import_open(ctx->deck, "[oracle] source = import", &imp));
  A2D_TRY(A2D_CALLOC(s.sets, plan->nsets));
  for (int f = 0; f < plan->nsets; f++) {
    char prefix[256];
    snprintf(prefix, sizeof prefix, "oracle/%s", plan->sets[f]);
    A2D_TRY(a2d_task_import_open(imp, prefix, -1, &train, &val, &s.sets[f]));
    if (s.sets[f].rows != plan->per_set)
      A2D_FAIL(A2D_ERR_DATA, "%s: %s holds %lld oracles, expected %lld ([oracle] models%s)",
               a2d_import_path(imp), prefix, (long long)s.sets[f].rows, (long long)plan->per_set,
               plan->per_set % 2 == 0 ? ", twice over with [oracle] noise_floor" : "");
  }
  a2d_log("%s: importing %lld oracles per forget set from %s", plan->label,
          (long long)plan->per_set, a2d_import_path(imp));
  a2d_task_plan tasks = {plan->label, plan->state, plan->nsets,    plan->groups,  plan->per_set,
                         train.n,     val.n,       plan->per_rank, import_oracle, &s};
  A2D_TRY(a2d_tasks_run(ctx, &tasks));
cleanup:
  for (int f = 0; s.sets && f < plan->nsets; f++) a2d_task_import_free(&s.sets[f]);
  free(s.sets);
  A2D_CLEANUP(a2d_import_close(&imp));
  a2d_dataset_free(&train);
  a2d_dataset_free(&val);
  return err;
}

/* The arrays of the import that stage oracle reads: each forget set's oracle group. */
a2d_err a2d_stage_oracle_fingerprint(const a2d_deck *deck, char **text) {
  static const char *const parts[] = {"margins_train", "margins_val", "logits_train", "logits_val",
                                      "correct_train", "correct_val", "examples",     "seconds",
                                      "prep_examples", "prep_seconds"};
  enum { NPARTS = sizeof parts / sizeof *parts };
  int source;
  *text = NULL;
  A2D_CHECK(a2d_deck_enum(deck, "oracle", "source", &source));
  if (!source) return A2D_OK;
  for (int f = 0; f < a2d_deck_named_count(deck, "forget"); f++) {
    const char *name, *spec;
    char buf[NPARTS][256];
    const char *names[NPARTS];
    A2D_CHECK(a2d_deck_named(deck, "forget", f, &name, &spec));
    for (int k = 0; k < NPARTS; k++) {
      snprintf(buf[k], sizeof buf[k], "oracle/%s/%s", name, parts[k]);
      names[k] = buf[k];
    }
    A2D_CHECK(a2d_stage_import_fingerprint(deck, names, NPARTS, text));
  }
  return A2D_OK;
}

a2d_err a2d_stage_oracle(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  const char **names = NULL;
  char **groups = NULL;
  int64_t N, seed, per_rank, epochs;
  int floor, nsets = a2d_deck_named_count(ctx->deck, "forget");
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "models", &N));
  A2D_TRY(a2d_deck_bool(ctx->deck, "oracle", "noise_floor", &floor));
  if (floor) N *= 2;
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "seed", &seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "chunk", &per_rank));
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "epochs", &epochs));
  if (nsets == 0)
    A2D_FAIL(A2D_ERR_DECK, "%s: [forget] declares no forget sets", a2d_deck_name(ctx->deck));
  A2D_TRY(A2D_CALLOC(names, nsets));
  A2D_TRY(A2D_CALLOC(groups, nsets));
  for (int f = 0; f < nsets; f++) {
    const char *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &names[f], &spec));
    A2D_TRY(A2D_CALLOC(groups[f], 256));
    snprintf(groups[f], 256, "/oracle/%s", names[f]);
  }
  int source;
  A2D_TRY(a2d_deck_enum(ctx->deck, "oracle", "source", &source));
  if (!source)
    a2d_log("oracle: %lld retrains x %d forget sets, %lld epochs each%s", (long long)N, nsets,
            (long long)epochs, floor ? " (half of them for the noise floor)" : "");
  a2d_oracle_plan plan = {.label = "oracle",
                          .state = "/oracle",
                          .nsets = nsets,
                          .sets = names,
                          .keys = names,
                          .groups = (const char *const *)groups,
                          .per_set = N,
                          .seed = seed,
                          .per_rank = per_rank,
                          .stream_init = A2D_STREAM_ORACLE_INIT,
                          .stream_order = A2D_STREAM_ORACLE_ORDER};
  A2D_TRY(source ? oracles_import(ctx, &plan) : a2d_oracles_run(ctx, &plan));
cleanup:
  for (int f = 0; groups && f < nsets; f++) free(groups[f]);
  free(groups);
  free(names);
  return err;
}
