/*
 * unlearn_runner.h - unlearning as a list of jobs: each job is one method,
 * with the deck its [unlearn.<method>] settings come from, on one forget
 * set, run from each of the first K base models of stage `train` into K rows
 * of one study-file group (task_runner.h: margins and right/wrong on every
 * training and validation point, and the cost).  Stage `unlearn` runs one job
 * per forget set and method with the chosen settings; stage `tune` one per
 * method, configuration and tuning set.
 *
 * Inputs a method may need, prepared here:
 *   teacher (om): a model retrained from scratch on the retain set, seeded
 *     from ([unlearn] seed, set key, k) on streams disjoint from the oracles;
 *   datamodel targets (dmm, dm_direct): from /datamodel, per forget set
 *     theta . 1[F] and theta . 1[R] + b for every target (one PETSc MatMult
 *     each, gathered on every rank), combined per task with base model k's
 *     own outputs in the job's form.
 *
 * A task's randomness comes from ([unlearn] seed, "<set key>/<method>", k),
 * so every configuration of a method meets the same data order.
 */
#ifndef A2D_UNLEARN_RUNNER_H
#define A2D_UNLEARN_RUNNER_H

#include "a2d/dm_targets.h"
#include "a2d/unlearn.h"
#include "stage_util.h"

/* One method with one deck's settings on one forget set. */
typedef struct a2d_unlearn_job {
  const a2d_unlearn_method *method;
  const a2d_deck *deck; /* [unlearn.<method>] is read from here */
  int set;              /* index into the batch's sets */
  char group[256];      /* its rows: /unlearn/<forget>/<method>, /tune/runs/... */
} a2d_unlearn_job;

typedef struct a2d_unlearn_batch {
  const char *label, *state; /* progress label; group of the tasks_done checkpoint */
  int nsets;
  const char *const *sets; /* forget sets, as a2d_stage_read_forget names them */
  const char *const *keys; /* their names, keying seeds and teachers */
  int njobs;
  const a2d_unlearn_job *jobs; /* in task order: job t / models, base model t % models */
  int64_t models;              /* base models 0 .. models - 1 */
  int64_t per_rank;            /* tasks per rank per round */
  int keep_teachers;           /* keep each (set, model)'s OM teacher for the next job */
  int diverged_as_nan;         /* a diverged fine-tune gives NaN margins, not an error */
  /* npoints > 0: outputs on these training points alone (increasing), none on
     validation points; margins_train then has npoints columns. */
  const int64_t *points;
  int64_t npoints;
  int targets_only; /* set by a2d_unlearn_targets: no method runs, imported models allowed */
} a2d_unlearn_batch;

/* Run every job (collective), resuming after the last round when ctx->resume. */
a2d_err a2d_unlearn_run(a2d_context *ctx, const a2d_unlearn_batch *batch);

/*
 * The datamodel targets of the batch's first job (a method on datamodels:
 * dmm, dm_direct) from every base model, as stage unlearn forms them: into
 * out's margins (K x n), margins_val (K x n_val) and, with per-class
 * datamodels and out->logits set, logits (K x n x C) and logits_val; out's
 * sizes and per_target are set.  On every rank (collective set-up).
 */
a2d_err a2d_unlearn_targets(a2d_context *ctx, const a2d_unlearn_batch *b, a2d_dm_outputs *out);

/*
 * The unlearned parameters of the batch's first job from base models
 * [k0, k1) into params ((k1 - k0) x P; NULL: only *nparams = P), as stage
 * unlearn computes them (the same randomness, so the same model).
 */
a2d_err a2d_unlearn_params(a2d_context *ctx, const a2d_unlearn_batch *b, int64_t k0, int64_t k1,
                           float *params, int64_t *nparams);

/* Whether method m's unlearned models are imported ([unlearn.<method>] source = import). */
a2d_err a2d_unlearn_imported(const a2d_deck *deck, const a2d_unlearn_method *m, int *imported);

/* The deck's [unlearn] methods (at most 16); a method the model kind cannot take is refused. */
a2d_err a2d_unlearn_deck_methods(const a2d_deck *deck, const a2d_unlearn_method **methods,
                                 int *count);

#endif
