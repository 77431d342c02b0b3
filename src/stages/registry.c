/*
 * registry.c - the pipeline: every stage, in the order `a2d run` executes them.
 * Adding a stage is one file under src/stages/ plus one line here.  Cheap
 * stages that can refuse bad input (forget: sizes and index lists against the
 * prepared data) come before the expensive ones.
 */
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/stage.h"

const a2d_stage a2d_stages[] = {
    {.name = "prepare",
     .summary = "load, select and scale the data set into /data",
     .group = "/data",
     .needs = "",
     .run = a2d_stage_prepare,
     .fingerprint = a2d_stage_prepare_fingerprint},
    {.name = "forget",
     .summary = "draw the forget sets into /forget",
     .group = "/forget",
     .needs = "prepare",
     .run = a2d_stage_forget,
     .check = a2d_stage_forget_check,
     .fingerprint = a2d_stage_forget_fingerprint},
    {.name = "train",
     .summary = "train the base models on the whole training set into /train",
     .group = "/train",
     .needs = "prepare",
     .run = a2d_stage_train,
     .fingerprint = a2d_stage_train_fingerprint},
    {.name = "ensemble",
     .summary = "train the subset-retrain ensemble into /ensemble",
     .group = "/ensemble",
     .needs = "prepare",
     .run = a2d_stage_ensemble,
     .idle = a2d_stage_ensemble_idle,
     .check = a2d_stage_ensemble_check,
     .fingerprint = a2d_stage_ensemble_fingerprint},
    {.name = "fit",
     .summary = "fit the sparse datamodels and their LDS into /datamodel",
     .group = "/datamodel",
     .needs = "ensemble",
     .run = a2d_stage_fit,
     .idle = a2d_stage_fit_idle,
     .fingerprint = a2d_stage_fit_fingerprint},
    {.name = "trak",
     .summary = "TRAK attributions from the base models, calibrated, and their LDS into "
                "/attribution ([attribution] method = trak)",
     .group = "/attribution",
     .needs = "train",
     .run = a2d_stage_trak,
     .idle = a2d_stage_trak_idle,
     .check = a2d_stage_trak_check},
    {.name = "tune",
     .summary = "choose every method's settings on tuning twins of the forget sets into /tune",
     .group = "/tune",
     .needs = "train,fit,trak,forget",
     .run = a2d_stage_tune,
     .check = a2d_stage_tune_check},
    {.name = "unlearn",
     .summary = "unlearn every forget set with every method from every base model into /unlearn",
     .group = "/unlearn",
     .needs = "train,fit,trak,forget,tune",
     .run = a2d_stage_unlearn,
     .check = a2d_stage_unlearn_check},
    {.name = "oracle",
     .summary = "retrain oracles on every forget set's retain set into /oracle",
     .group = "/oracle",
     .needs = "forget",
     .run = a2d_stage_oracle,
     .fingerprint = a2d_stage_oracle_fingerprint},
    {.name = "evaluate",
     .summary = "KLoM, accuracy and cost of every method against the oracles into /eval",
     .group = "/eval",
     .needs = "unlearn,oracle",
     .run = a2d_stage_evaluate},
    {.name = NULL}};

a2d_err a2d_stages_check(MPI_Comm comm, const a2d_deck *deck, const a2d_stage *only) {
  a2d_err err = A2D_OK;
  for (const a2d_stage *s = a2d_stages; s->name && !err; s++)
    if (s->check && (!only || only == s)) err = s->check(deck);
  A2D_CHECK(a2d_agree(comm, err));
  return A2D_OK;
}

const a2d_stage *a2d_stage_find(const char *name) {
  for (const a2d_stage *s = a2d_stages; s->name; s++)
    if (!strcmp(s->name, name)) return s;
  return NULL;
}
