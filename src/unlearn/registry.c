/*
 * registry.c - the unlearning methods by name (a2d/unlearn.h), like PETSc's
 * KSPRegisterAll: a deck names a method, this table finds it.  Adding a
 * method is one file under impls/ and one line here.
 */
#include <stdio.h>
#include <string.h>

#include "unlearn_internal.h"

/* Every method, in the order of the deck's choices; adding one is one line here. */
const a2d_unlearn_method *const a2d_unlearn_methods[] = {
    &a2d_unlearn_none,      &a2d_unlearn_ga,
    &a2d_unlearn_gd,        &a2d_unlearn_ascent_descent,
    &a2d_unlearn_scrub,     &a2d_unlearn_om,
    &a2d_unlearn_dm_direct, &a2d_unlearn_dmm,
    &a2d_unlearn_newton,    NULL};

const a2d_unlearn_method *a2d_unlearn_find(const char *name) {
  for (int i = 0; a2d_unlearn_methods[i]; i++)
    if (!strcmp(a2d_unlearn_methods[i]->name, name)) return a2d_unlearn_methods[i];
  return NULL;
}

const char *a2d_unlearn_section(const a2d_unlearn_method *m, char *buf, size_t size) {
  snprintf(buf, size, "unlearn.%s", m->name);
  return buf;
}
