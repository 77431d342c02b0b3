/*
 * registry.c - the pipeline: every stage, in the order `a2d run` executes them.
 * Adding a stage is one file under src/stages/ plus one line here.
 */
#include <string.h>

#include "a2d/stage.h"

const a2d_stage a2d_stages[] = {
    {"prepare", "load, select and scale the data set into /data", "/data", "", a2d_stage_prepare},
    {"train", "train the base models on the whole training set into /train", "/train", "prepare",
     a2d_stage_train},
    {"ensemble", "train the subset-retrain ensemble into /ensemble", "/ensemble", "prepare",
     a2d_stage_ensemble},
    {"fit", "fit the sparse datamodels and their LDS into /datamodel", "/datamodel", "ensemble",
     a2d_stage_fit},
    {"forget", "draw the forget sets into /forget", "/forget", "prepare", a2d_stage_forget},
    {"unlearn", "unlearn every forget set with every method from every base model into /unlearn",
     "/unlearn", "train,fit,forget", a2d_stage_unlearn},
    {"oracle", "retrain oracles on every forget set's retain set into /oracle", "/oracle", "forget",
     a2d_stage_oracle},
    {NULL, NULL, NULL, NULL, NULL}};

const a2d_stage *a2d_stage_find(const char *name) {
  for (const a2d_stage *s = a2d_stages; s->name; s++)
    if (!strcmp(s->name, name)) return s;
  return NULL;
}
