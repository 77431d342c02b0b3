/*
 * deck_internal.h - what the files of src/deck share: the deck's data and
 * the helpers on one value's text.
 *
 *   deck.c     the deck: create, parse lines, --set overrides, defaults, copy
 *   value.c    one value's text: parse, check against its key, near misses
 *   getters.c  typed reads of a finished deck, named entries, origins
 *   format.c   text forms: the effective deck, a stage's config, the reference
 *   schema.c   the schema table itself
 */
#ifndef A2D_DECK_INTERNAL_H
#define A2D_DECK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "a2d/deck.h"

/* One key's value in a deck: text as written (NULL until set), and where from. */
typedef struct a2d_slot {
  char *value;
  int line;   /* line in the deck file; 0 when from --set or the default */
  int origin; /* 0 default, 1 file, 2 --set */
} a2d_slot;

/* A named entry of a section that accepts them (a2d_section_spec.named). */
typedef struct a2d_named {
  char *name;
  a2d_slot slot;
} a2d_named;

#define A2D_NAMED_MAX 256

struct a2d_deck {
  const a2d_section_spec *schema; /* a2d_deck_schema, or a test's own */
  char *name;
  int nsections;
  a2d_slot **slots;  /* slots[section][key], parallel to schema */
  a2d_named **named; /* named[section][i], in deck order */
  int *nnamed;       /* entries per section */
  char origin_buf[512];
};

enum { ORIGIN_DEFAULT = 0, ORIGIN_FILE = 1, ORIGIN_SET = 2 };

/* Most elements a list value may have. */
#define A2D_LIST_MAX 64

/* Index of a section / a key of section s in the schema, or -1. */
int a2d_schema_find_section(const a2d_section_spec *schema, const char *name);
int a2d_schema_find_key(const a2d_section_spec *schema, int section, const char *name);

/* Trim leading and trailing white space of s[0..*len): the new start, *len shortened. */
const char *a2d_trim(const char *s, size_t *len);

/* The candidate nearest to `word` by edit distance if it is a near miss, else NULL. */
const char *a2d_closest_name(const char *word, const char *const *candidates, int n);

/* Strict parsers of one value: 0 on success, -1 if `text` is not of the type. */
int a2d_parse_int(const char *text, int64_t *v);
int a2d_parse_real(const char *text, double *v);
int a2d_parse_bool(const char *text, int *v);

/* Index of `text` among "a|b|c", or -1. */
int a2d_choice_index(const char *choices, const char *text);

/* The choices "a|b|c" copied into buf as "a, b, c". */
void a2d_list_choices(const char *choices, char *buf, size_t size);

/* "a positive integer", "a real in [0, 1]", ... */
void a2d_describe_number(a2d_key_type type, const char *range, char *buf, size_t size);

/* Split a list value at commas into trimmed elements; returns the count (at most max). */
int a2d_split_list(const char *value, char elems[][256], int max);

/* Check `value` against `key`: 0 if valid, else -1 with the reason in msg. */
int a2d_check_value(const a2d_key_spec *key, const char *value, char *msg, size_t size);

/* Canonical text of a key's value: numbers re-printed, booleans true/false, lists "a, b". */
void a2d_canonical_value(const a2d_key_spec *key, const char *value, char *buf, size_t size);

#endif
