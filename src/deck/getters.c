/*
 * getters.c - reading a finished deck: typed getters, list elements, named
 * entries, `a2d get` and where each value came from (see a2d/deck.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"
#include "deck_internal.h"

/* Find the slot of section.key, checking that its type is `type`. */
static a2d_err lookup(const a2d_deck *deck, const char *section, const char *key, a2d_key_type type,
                      const a2d_key_spec **spec, const a2d_slot **slot) {
  *spec = NULL;
  *slot = NULL;
  int s = a2d_schema_find_section(deck->schema, section);
  int k = s < 0 ? -1 : a2d_schema_find_key(deck->schema, s, key);
  if (k < 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck key [%s] %s is not in the schema", section, key);
  *spec = &deck->schema[s].keys[k];
  *slot = &deck->slots[s][k];
  if ((*spec)->type != type)
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck key [%s] %s read with the wrong type", section, key);
  if (!(*slot)->value)
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck key [%s] %s read before a2d_deck_finish", section,
                     key);
  return A2D_OK;
}

/* The value of an integer key. */
a2d_err a2d_deck_int(const a2d_deck *deck, const char *section, const char *key, int64_t *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_INT, &spec, &slot));
  if (a2d_parse_int(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored integer");
  return A2D_OK;
}

/* The value of a real key. */
a2d_err a2d_deck_real(const a2d_deck *deck, const char *section, const char *key, double *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_REAL, &spec, &slot));
  if (a2d_parse_real(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored real");
  return A2D_OK;
}

/* The value of a boolean key, 1 or 0. */
a2d_err a2d_deck_bool(const a2d_deck *deck, const char *section, const char *key, int *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_BOOL, &spec, &slot));
  if (a2d_parse_bool(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored boolean");
  return A2D_OK;
}

/* The text of a string key (valid while the deck lives). */
a2d_err a2d_deck_string(const a2d_deck *deck, const char *section, const char *key,
                        const char **v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_STRING, &spec, &slot));
  *v = slot->value;
  return A2D_OK;
}

/* The value of an enum key as its name. */
a2d_err a2d_deck_choice(const a2d_deck *deck, const char *section, const char *key,
                        const char **name) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_ENUM, &spec, &slot));
  *name = slot->value;
  return A2D_OK;
}

/* The value of an enum key as its index among the key's choices. */
a2d_err a2d_deck_enum(const a2d_deck *deck, const char *section, const char *key, int *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_ENUM, &spec, &slot));
  *v = a2d_choice_index(spec->choices, slot->value);
  if (*v < 0) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored choice");
  return A2D_OK;
}

/* Element i of a list key as text. */
static a2d_err list_element(const a2d_deck *deck, const char *section, const char *key, int i,
                            char *buf, size_t size, int *count) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  static char elems[A2D_LIST_MAX][256];
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_LIST, &spec, &slot));
  int n = slot->value[0] ? a2d_split_list(slot->value, elems, A2D_LIST_MAX) : 0;
  if (count) *count = n;
  if (i < 0) return A2D_OK;
  if (i >= n)
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck list [%s] %s has no element %d", section, key, i);
  snprintf(buf, size, "%s", elems[i]);
  return A2D_OK;
}

/* Number of elements of a list key. */
a2d_err a2d_deck_list_len(const a2d_deck *deck, const char *section, const char *key, int *n) {
  A2D_CHECK(list_element(deck, section, key, -1, NULL, 0, n));
  return A2D_OK;
}

/* Element i of a list key as an integer. */
a2d_err a2d_deck_list_int(const a2d_deck *deck, const char *section, const char *key, int i,
                          int64_t *v) {
  char buf[256];
  A2D_CHECK(list_element(deck, section, key, i, buf, sizeof buf, NULL));
  if (a2d_parse_int(buf, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored list integer");
  return A2D_OK;
}

/* Element i of a list key copied into buf. */
a2d_err a2d_deck_list_string(const a2d_deck *deck, const char *section, const char *key, int i,
                             char *buf, size_t size) {
  A2D_CHECK(list_element(deck, section, key, i, buf, size, NULL));
  return A2D_OK;
}

/* The slot of a named entry, or NULL. */
static const a2d_slot *find_named(const a2d_deck *deck, int s, const char *name) {
  for (int i = 0; i < deck->nnamed[s]; i++)
    if (!strcmp(deck->named[s][i].name, name)) return &deck->named[s][i].slot;
  return NULL;
}

/* Remove every named entry of a section. */
void a2d_deck_clear_named(a2d_deck *deck, const char *section) {
  int s = a2d_schema_find_section(deck->schema, section);
  for (int i = 0; s >= 0 && i < deck->nnamed[s]; i++) {
    free(deck->named[s][i].name);
    free(deck->named[s][i].slot.value);
    memset(&deck->named[s][i], 0, sizeof deck->named[s][i]);
  }
  if (s >= 0) deck->nnamed[s] = 0;
}

/* Number of named entries of a section (0 for an unknown section). */
int a2d_deck_named_count(const a2d_deck *deck, const char *section) {
  int s = a2d_schema_find_section(deck->schema, section);
  return s < 0 ? 0 : deck->nnamed[s];
}

/* Name and value text of named entry i of a section. */
a2d_err a2d_deck_named(const a2d_deck *deck, const char *section, int i, const char **name,
                       const char **value) {
  int s = a2d_schema_find_section(deck->schema, section);
  if (s < 0 || i < 0 || i >= deck->nnamed[s])
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck section [%s] has no named entry %d", section, i);
  *name = deck->named[s][i].name;
  *value = deck->named[s][i].slot.value;
  return A2D_OK;
}

/* Split "section.key" into the section's index and the key's (-1: a named entry), or -1. */
static int split_name(const a2d_deck *deck, const char *name, int *k) {
  const char *dot = strrchr(name, '.');
  char section[128];
  *k = -1;
  if (!dot || (size_t)(dot - name) >= sizeof section) return -1;
  memcpy(section, name, (size_t)(dot - name));
  section[dot - name] = '\0';
  int s = a2d_schema_find_section(deck->schema, section);
  if (s >= 0) *k = a2d_schema_find_key(deck->schema, s, dot + 1);
  return s;
}

/* The schema entry of "section.key": the key, the named template, or NULL. */
const a2d_key_spec *a2d_deck_key_spec(const a2d_deck *deck, const char *name) {
  int k, s = split_name(deck, name, &k);
  return k >= 0 ? &deck->schema[s].keys[k] : s >= 0 ? deck->schema[s].named : NULL;
}

/* The canonical value text of "section.key" (a named entry too). */
a2d_err a2d_deck_get(const a2d_deck *deck, const char *name, char *buf, size_t size) {
  if (!strchr(name, '.'))
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected section.key, e.g. output.path", name);
  int k, s = split_name(deck, name, &k);
  const a2d_slot *slot = k >= 0   ? &deck->slots[s][k]
                         : s >= 0 ? find_named(deck, s, strrchr(name, '.') + 1)
                                  : NULL;
  if (!slot || !slot->value)
    return A2D_ERROR(A2D_ERR_DECK, "%s: no such key in %s (see docs/deck.md)", name, deck->name);
  a2d_canonical_value(a2d_deck_key_spec(deck, name), slot->value, buf, size);
  return A2D_OK;
}

/* Where a value came from: "default", "--set" or "<deck>:<line>". */
const char *a2d_deck_origin(const a2d_deck *deck, const char *section, const char *key) {
  int s = a2d_schema_find_section(deck->schema, section);
  int k = s < 0 ? -1 : a2d_schema_find_key(deck->schema, s, key);
  const a2d_slot *slot = k >= 0 ? &deck->slots[s][k] : s >= 0 ? find_named(deck, s, key) : NULL;
  if (!slot) return "unknown";
  if (slot->origin == ORIGIN_SET) return "--set";
  if (slot->origin == ORIGIN_DEFAULT) return "default";
  a2d_deck *d = (a2d_deck *)deck;
  snprintf(d->origin_buf, sizeof d->origin_buf, "%s:%d", deck->name, slot->line);
  return d->origin_buf;
}
