/*
 * forget.h - what stage `forget` lends stage `tune`: drawing the tuning twin
 * of every reported forget set.
 *
 * The twin of [forget] <name> is called tune_<name>.  It is [tune]'s entry
 * <name> when the deck gives one; otherwise a random set's twin is another
 * draw of the same size (drawn, like every random set, from ([forget] seed,
 * its own name)), a class set's the next class that no reported set or
 * earlier twin uses, a cluster set's the cluster no reported set or earlier
 * twin uses whose size is nearest (the same k-means as stage forget's).  A
 * file set needs a [tune] entry.
 */
#ifndef A2D_FORGET_H
#define A2D_FORGET_H

#include "a2d/stage.h"

/* Draw every twin into <root>/tune_<name>/indices (collective); *count twins, in [forget]'s order.
 */
a2d_err a2d_forget_draw_twins(a2d_context *ctx, const char *root, int *count);

#endif
