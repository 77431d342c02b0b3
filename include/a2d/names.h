/*
 * a2d/names.h - the one list of the names a deck may choose from a registry:
 * model kinds ([model] kind, src/model/registry.c) and unlearning methods
 * ([unlearn] methods, src/unlearn/registry.c).  The registries build their
 * tables from these lists and the deck schema builds its choices from them,
 * so the two cannot disagree.  A header of names only: the deck code (and
 * its fuzzers) include it without linking the models or the methods.
 *
 * Adding a method: its file under src/unlearn/impls/, defining
 * a2d_unlearn_<name>, and X(<name>) below.
 */
#ifndef A2D_NAMES_H
#define A2D_NAMES_H

/* X(name) for every model kind, in the order of the deck's choices. */
#define A2D_MODEL_KIND_NAMES(X) X(logreg) X(mlp)

/* X(name) for every unlearning method, in the order of the deck's choices. */
#define A2D_UNLEARN_METHOD_NAMES(X) \
  X(none) X(ga) X(gd) X(ascent_descent) X(scrub) X(om) X(dm_direct) X(dmm) X(newton)

/* "|a|b|c" from a list; the deck's choices string is this + 1, "a|b|c". */
#define A2D_NAME_CHOICE(name) "|" #name
#define A2D_CHOICES(LIST) (LIST(A2D_NAME_CHOICE) + 1)

#endif
