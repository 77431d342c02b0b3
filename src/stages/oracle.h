/*
 * oracle.h - retraining oracles: for each of a list of forget sets, N models
 * retrained from scratch on its retain set with [train]'s recipe, as
 * checkpointed tasks (task_runner.h).  Stage `oracle` runs them for the
 * reported forget sets, stage `tune` for the tuning twins, each on streams of
 * its own.
 *
 * Oracle j of set f is initialised and ordered from (seed, stream_init,
 * a2d_rng_key(key f, j)) and (seed, stream_order, ...), so it depends on the
 * set's key and j only, not on the rank.
 */
#ifndef A2D_ORACLE_H
#define A2D_ORACLE_H

#include "stage_util.h"

typedef struct a2d_oracle_plan {
  const char *label, *state; /* progress label; group of the tasks_done checkpoint */
  int nsets;
  const char *const *sets;   /* forget sets, as a2d_stage_read_forget names them */
  const char *const *keys;   /* the names keying each set's streams */
  const char *const *groups; /* where each set's oracles go */
  int64_t per_set, seed, per_rank;
  uint64_t stream_init, stream_order;
} a2d_oracle_plan;

/* Train every oracle of the plan, resuming after the last round (collective). */
a2d_err a2d_oracles_run(a2d_context *ctx, const a2d_oracle_plan *plan);

#endif
