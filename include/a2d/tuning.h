/*
 * a2d/tuning.h - what stage tune chose, read back from a study file for `a2d
 * report`: per method, the configurations tried on the tuning sets, the best
 * score, the chosen values, and which of them lie in the outer 10% of their
 * search range (a hint that the range was too narrow).
 *
 *   a2d_tuning t;
 *   A2D_CHECK(a2d_tuning_read(store, "/tune", &t));   (every rank)
 *   a2d_tuning_print(stdout, &t, 0);
 *   a2d_tuning_free(&t);
 */
#ifndef A2D_TUNING_H
#define A2D_TUNING_H

#include <stdio.h>

#include "a2d/store.h"

typedef struct a2d_tuned_method {
  char name[32];
  int64_t configs;
  double best_score;
  char *chosen; /* "lr=0.001, epochs=7"; "" for the deck's settings */
  char *edges;  /* keys whose chosen value is in the outer 10% of the range, "lr,epochs" */
} a2d_tuned_method;

typedef struct a2d_tuning {
  int present;                      /* the study file has /tune (a stage tune ran) */
  int64_t configs, models, oracles; /* [tune] configs (0: off), base models, oracles per set */
  char *sets;                       /* the tuning sets, "tune_random_100,tune_cluster_0" */
  int nmethods;
  a2d_tuned_method methods[16];
} a2d_tuning;

/* Read stage tune's group (/tune; every rank); a file without it reads as not present. */
a2d_err a2d_tuning_read(a2d_store *store, const char *tune, a2d_tuning *t);
void a2d_tuning_free(a2d_tuning *t);

/* The tuning section of the report, as Markdown when `markdown`. */
void a2d_tuning_print(FILE *out, const a2d_tuning *t, int markdown);

#endif
