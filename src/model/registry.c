/*
 * registry.c - the model kinds a deck may name in [model] kind.
 * Adding a kind is one file under src/model/impls/ plus one line here (and its
 * name in the [model] kind choices of src/deck/schema.c; a test checks both agree).
 */
#include "a2d/model.h"

extern const a2d_model_kind a2d_model_logreg, a2d_model_mlp;

const a2d_model_kind *const a2d_model_kinds[] = {&a2d_model_logreg, &a2d_model_mlp, NULL};

const char *a2d_model_kind_choices(void) {
  return "logreg|mlp";
}
