/*
 * a2d/stage.h - pipeline stages, their registry and their bookkeeping.
 *
 * A stage is one file under src/stages/: a function that reads the deck and
 * what it needs from the study file, computes, and writes its results back
 * under its own group.  The registry (src/stages/registry.c) lists the stages
 * in pipeline order; `a2d run` executes them in that order.
 *
 * Bookkeeping (src/stages/driver.c) lives in the study file's group
 * /stages/<name>: attribute `state` is "running" while the stage works,
 * "complete" only after its data is written and flushed, and "stale" when a
 * stage it depends on was recomputed.  `config` holds the deck keys the stage
 * depends on; a completed stage whose keys changed is refused unless forced.
 */
#ifndef A2D_STAGE_H
#define A2D_STAGE_H

#include <mpi.h>

#include "a2d/deck.h"
#include "a2d/error.h"
#include "a2d/store.h"

/* Study-file paths one stage writes and the report and `a2d study collect` read. */
#define A2D_EVAL_GROUP "/eval"           /* stage evaluate: the verdict's attributes */
#define A2D_EVAL_SUMMARY "/eval/summary" /* stage evaluate: the summary table */
#define A2D_TUNE_GROUP "/tune"           /* stage tune: the chosen settings */

typedef struct a2d_context {
  MPI_Comm comm;
  int rank, size;
  a2d_deck *deck;
  a2d_store *store;
  int force;         /* recompute even if complete */
  int verbose;       /* more logging */
  int resume;        /* set by the driver: partial results of an interrupted run may be reused */
  const char *stage; /* set by the driver: the stage running, for messages */
} a2d_context;

typedef struct a2d_stage {
  const char *name;    /* as typed on the command line and used in deck `stages` lists */
  const char *summary; /* one line for --help */
  const char *group;   /* the study-file group the stage owns: a run that does
                          not resume starts with it deleted, so nothing stale
                          (a dataset an earlier setting wrote) outlives it */
  const char *needs;   /* comma-separated stages that must be complete first */
  a2d_err (*run)(a2d_context *ctx);
  /*
   * Optional: whether the deck leaves the stage nothing to do (*why, a
   * reason, or NULL to run it).  The driver then logs "<stage>: nothing to
   * do (<why>)" and marks the stage complete without running it.
   */
  a2d_err (*idle)(const a2d_deck *deck, const char **why);
  /*
   * Optional: check the stage's deck settings without data or study file, so
   * that `a2d check` and the start of `a2d run` catch mistakes before hours
   * of earlier stages.  Runs on every rank; A2D_ERR_DECK for deck errors.
   */
  a2d_err (*check)(const a2d_deck *deck);
  /*
   * Optional: text appended to the stage's config for inputs the deck only
   * names (the contents of a forget set's index file), so that changing them
   * makes a completed stage out of date like a changed key.  Caller frees.
   */
  a2d_err (*fingerprint)(const a2d_deck *deck, char **text);
} a2d_stage;

/* Run the check of every stage (only == NULL) or of one, agreed over comm. */
a2d_err a2d_stages_check(MPI_Comm comm, const a2d_deck *deck, const a2d_stage *only);

/* The stages in pipeline order, terminated by {NULL}. */
extern const a2d_stage a2d_stages[];

/* The stage called `name`, or NULL. */
const a2d_stage *a2d_stage_find(const char *name);

/*
 * Run one stage with its bookkeeping: check its prerequisites, skip it if
 * complete for the same deck keys, refuse (A2D_ERR_STATE) if complete for
 * other keys unless ctx->force, mark later stages stale when it recomputes.
 */
a2d_err a2d_stage_execute(a2d_context *ctx, const a2d_stage *stage);

/* The stage's state in the study file: "complete", "running", "stale" or "absent". */
a2d_err a2d_stage_state(a2d_context *ctx, const a2d_stage *stage, char *state, size_t size);

/* ---- the stages ---- */
a2d_err a2d_stage_prepare(a2d_context *ctx);
a2d_err a2d_stage_prepare_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_train(a2d_context *ctx);
a2d_err a2d_stage_train_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_ensemble(a2d_context *ctx);
a2d_err a2d_stage_ensemble_check(const a2d_deck *deck);
a2d_err a2d_stage_ensemble_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_fit(a2d_context *ctx);
a2d_err a2d_stage_fit_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_trak(a2d_context *ctx);
a2d_err a2d_stage_trak_check(const a2d_deck *deck);
a2d_err a2d_stage_ensemble_idle(const a2d_deck *deck, const char **why);
a2d_err a2d_stage_fit_idle(const a2d_deck *deck, const char **why);
a2d_err a2d_stage_trak_idle(const a2d_deck *deck, const char **why);
a2d_err a2d_stage_forget(a2d_context *ctx);
a2d_err a2d_stage_forget_check(const a2d_deck *deck);
a2d_err a2d_stage_forget_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_tune(a2d_context *ctx);
a2d_err a2d_stage_tune_check(const a2d_deck *deck);
a2d_err a2d_stage_unlearn_check(const a2d_deck *deck);
a2d_err a2d_stage_unlearn(a2d_context *ctx);
a2d_err a2d_stage_oracle(a2d_context *ctx);
a2d_err a2d_stage_oracle_fingerprint(const a2d_deck *deck, char **text);
a2d_err a2d_stage_evaluate(a2d_context *ctx);

#endif
