/*
 * registry.c - the model kinds a deck may name in [model] kind, from the one
 * list of their names (a2d/names.h).  Adding a kind is one file under
 * src/model/impls/, defining a2d_model_<name>, plus its name in that list.
 */
#include "a2d/model.h"
#include "a2d/names.h"

#define DECLARE(name) extern const a2d_model_kind a2d_model_##name;
A2D_MODEL_KIND_NAMES(DECLARE)
#undef DECLARE

#define ENTRY(name) &a2d_model_##name,
const a2d_model_kind *const a2d_model_kinds[] = {A2D_MODEL_KIND_NAMES(ENTRY) NULL};
#undef ENTRY

const char *a2d_model_kind_choices(void) {
  return A2D_CHOICES(A2D_MODEL_KIND_NAMES);
}
