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
#include "task_runner.h"

typedef struct oracle_state {
  a2d_dataset train, val;
  a2d_model model;
  a2d_sgd_config cfg;
  a2d_trainer *trainer;
  int64_t N, seed; /* oracles per forget set (2 x [oracle] models with noise_floor) */
  int nforget;
  const char **names;
  int64_t **retain, *nretain;
  float *params;
} oracle_state;

/* Task t: oracle t % N of forget set t / N. */
static a2d_err run_oracle(void *ctx, int64_t t, a2d_task_output *out) {
  oracle_state *s = ctx;
  const int64_t j = t % s->N, f = t / s->N;
  a2d_rng init, order;
  const uint64_t key = a2d_rng_key(s->names[f], (uint64_t)j);
  a2d_rng_seed(&init, (uint64_t)s->seed, A2D_STREAM_ORACLE_INIT, key);
  a2d_rng_seed(&order, (uint64_t)s->seed, A2D_STREAM_ORACLE_ORDER, key);
  A2D_CHECK(a2d_trainer_fit(s->trainer, s->train.x, s->train.y, s->retain[f], s->nretain[f], &init,
                            &order, s->params, NULL));
  out->examples = s->cfg.epochs * s->nretain[f];
  out->seconds = 0; /* the runner times the whole task */
  A2D_CHECK(a2d_task_model_outputs(&s->model, s->params, &s->train, &s->val, out));
  return A2D_OK;
}

a2d_err a2d_stage_oracle(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  oracle_state s = {0};
  char **groups = NULL;
  int64_t per_rank;

  /* ---- set up: data, model, recipe, retain sets ---- */
  int floor;
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "models", &s.N));
  A2D_TRY(a2d_deck_bool(ctx->deck, "oracle", "noise_floor", &floor));
  if (floor) s.N *= 2;
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "seed", &s.seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "chunk", &per_rank));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &s.train));
  A2D_TRY(a2d_stage_read_split(ctx, "val", &s.val));
  A2D_TRY(a2d_model_from_deck(ctx->deck, s.train.d, s.train.classes, &s.model));
  A2D_TRY(a2d_sgd_config_from_deck(ctx->deck, &s.cfg));
  A2D_TRY(a2d_trainer_create(&s.model, &s.cfg, &s.trainer));
  s.nforget = a2d_deck_named_count(ctx->deck, "forget");
  if (s.nforget == 0)
    A2D_FAIL(A2D_ERR_DECK, "%s: [forget] declares no forget sets", a2d_deck_name(ctx->deck));
  A2D_TRY(A2D_CALLOC(s.names, s.nforget));
  A2D_TRY(A2D_CALLOC(s.retain, s.nforget));
  A2D_TRY(A2D_CALLOC(s.nretain, s.nforget));
  A2D_TRY(A2D_CALLOC(groups, s.nforget));
  for (int f = 0; f < s.nforget; f++) {
    const char *spec;
    int64_t *forget = NULL, nforget;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &s.names[f], &spec));
    A2D_TRY(a2d_stage_read_forget(ctx, s.names[f], s.train.n, &forget, &nforget, &s.retain[f],
                                  &s.nretain[f]));
    free(forget);
    if (s.nretain[f] == 0)
      A2D_FAIL(A2D_ERR_DECK, "%s: [forget] %s leaves no training points to retrain on",
               a2d_deck_origin(ctx->deck, "forget", s.names[f]), s.names[f]);
    A2D_TRY(A2D_CALLOC(groups[f], 256));
    snprintf(groups[f], 256, "/oracle/%s", s.names[f]);
  }
  A2D_TRY(A2D_CALLOC(s.params, s.model.nparams));
  a2d_log("oracle: %lld retrains x %d forget sets, %lld epochs each%s", (long long)s.N, s.nforget,
          (long long)s.cfg.epochs, floor ? " (half of them for the noise floor)" : "");

  /* ---- the retrains, as checkpointed tasks ---- */
  a2d_task_plan plan = {"oracle",   "/oracle", s.nforget, (const char *const *)groups,
                        s.N,        s.train.n, s.val.n,   per_rank,
                        run_oracle, &s};
  A2D_TRY(a2d_tasks_run(ctx, &plan));
cleanup:
  for (int f = 0; f < s.nforget; f++) {
    if (s.retain) free(s.retain[f]);
    if (groups) free(groups[f]);
  }
  free(groups);
  free(s.names);
  free(s.retain);
  free(s.nretain);
  free(s.params);
  a2d_trainer_destroy(&s.trainer);
  a2d_dataset_free(&s.train);
  a2d_dataset_free(&s.val);
  return err;
}
