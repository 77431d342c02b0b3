/*
 * registry.c - the unlearning methods by name (a2d/unlearn.h), like PETSc's
 * KSPRegisterAll: a deck names a method, this table finds it.  Adding a
 * method is one file under impls/ and its name in a2d/names.h.
 */
#include <stdio.h>
#include <string.h>

#include "a2d/names.h"
#include "unlearn_internal.h"

/* Every method, in the order of the deck's choices (a2d/names.h). */
#define ENTRY(name) &a2d_unlearn_##name,
const a2d_unlearn_method *const a2d_unlearn_methods[] = {A2D_UNLEARN_METHOD_NAMES(ENTRY) NULL};
#undef ENTRY

const a2d_unlearn_method *a2d_unlearn_find(const char *name) {
  for (int i = 0; a2d_unlearn_methods[i]; i++)
    if (!strcmp(a2d_unlearn_methods[i]->name, name)) return a2d_unlearn_methods[i];
  return NULL;
}

const char *a2d_unlearn_section(const a2d_unlearn_method *m, char *buf, size_t size) {
  snprintf(buf, size, "unlearn.%s", m->name);
  return buf;
}
