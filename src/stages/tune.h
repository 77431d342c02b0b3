/*
 * tune.h - what stage `tune` hands to stage `unlearn`: the deck with each
 * method's chosen settings.
 *
 * Stage tune (tune.c) draws a tuning twin of every reported forget set
 * (/tune/sets), retrains [tune] oracles oracles on each (/tune/oracle), runs
 * [tune] configs configurations of every method from the first [tune] models
 * base models on the twins (/tune/runs/<method>/<config>/<twin>), scores them
 * by the criterion of docs/tuning.md and records every configuration, its
 * score and the best under /tune/<method>.  No reported set or oracle is
 * read, so the choice is held out from what the report shows.
 */
#ifndef A2D_TUNE_H
#define A2D_TUNE_H

#include "a2d/stage.h"

/*
 * A copy of ctx->deck in which every method that stage tune tuned has its
 * chosen values (/tune/<method> attribute `chosen`) set; the deck's own
 * values where tuning is off ([tune] configs = 0).  Caller frees.
 */
a2d_err a2d_tune_chosen_deck(a2d_context *ctx, a2d_deck **out);

#endif
