/*
 * task_runner.h - many independent tasks, each producing one model's outputs
 * (margins and right/wrong on every training and validation point, and its
 * cost), shared out over the ranks in checkpointed rounds.  Stages `unlearn`
 * (forget set x method x base model) and `oracle` (forget set x retrain) are
 * such task lists.
 *
 * The tasks fill `ngroups` study-file groups of `per_group` rows each: task t
 * writes row t % per_group of group t / per_group.  Each group gets datasets
 * margins_train (rows x n f32), margins_val (rows x n_val), correct_train and
 * correct_val (u8: the predicted class is the label), examples and
 * prep_examples (i64), seconds and prep_seconds (f64).  A round is
 * `per_rank` tasks per rank: rank r runs its tasks r, r + size, ... of the
 * round, so that every rank gets its share of each job however unequal the
 * jobs' costs, and the outputs are then exchanged so that each rank writes a
 * consecutive block.  After a round, attribute `tasks_done` of the plan's
 * state group records how many leading tasks are final, so a killed run
 * resumes after the last round.  A task's result must not depend on which
 * rank runs it.
 */
#ifndef A2D_TASK_RUNNER_H
#define A2D_TASK_RUNNER_H

#include "stage_util.h"

/* What one task produces (buffers owned by the runner). */
typedef struct a2d_task_output {
  float *margins_train, *margins_val;   /* n, n_val */
  uint8_t *correct_train, *correct_val; /* n, n_val */
  int64_t examples, prep_examples;      /* cost: examples through forward + backward passes */
  double seconds, prep_seconds;         /* wall time of the task; of its preparation */
} a2d_task_output;

typedef struct a2d_task_plan {
  const char *label; /* progress, and fault points "<label>:round-N" */
  const char *state; /* group holding attribute tasks_done, e.g. "/unlearn" */
  int ngroups;
  const char *const *groups; /* group paths, in task order */
  int64_t per_group;         /* tasks (rows) per group */
  int64_t n, n_val;
  int64_t per_rank; /* tasks per rank per round */
  /* Run task t into out (outputs zeroed, costs 0 on entry); ctx passed through. */
  a2d_err (*run)(void *ctx, int64_t t, a2d_task_output *out);
  void *ctx;
} a2d_task_plan;

/* Run every task of the plan, resuming after the last round when ctx->resume (collective). */
a2d_err a2d_tasks_run(a2d_context *ctx, const a2d_task_plan *plan);

/* Margins and right/wrong of a model on both splits into out (a2d_stage_model_outputs). */
a2d_err a2d_task_model_outputs(const a2d_model *m, const float *params, const a2d_dataset *train,
                               const a2d_dataset *val, a2d_task_output *out);

#endif
