/*
 * registry.c - the unlearning methods by name (a2d/unlearn.h), like PETSc's
 * KSPRegisterAll: a deck names a method, this table finds it.  Adding a
 * method is one file under impls/ and its name in a2d/names.h.
 */
#include <stdio.h>
#include <stdlib.h>
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

a2d_err a2d_unlearn_settings_read(const a2d_unlearn_method *m, const a2d_deck *deck,
                                  void **settings) {
  char section[64];
  *settings = NULL;
  if (!m->read_settings) return A2D_OK;
  A2D_CHECK(a2d_calloc(1, m->settings_size, settings));
  a2d_err err = m->read_settings(deck, a2d_unlearn_section(m, section, sizeof section), *settings);
  if (err) {
    free(*settings);
    *settings = NULL;
    return a2d_error_pass(__FILE__, __LINE__, __func__, err);
  }
  return A2D_OK;
}

const char *a2d_unlearn_section(const a2d_unlearn_method *m, char *buf, size_t size) {
  snprintf(buf, size, "unlearn.%s", m->name);
  return buf;
}
