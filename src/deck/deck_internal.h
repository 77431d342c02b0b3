/* deck_internal.h - helpers shared by the files of src/deck. */
#ifndef A2D_DECK_INTERNAL_H
#define A2D_DECK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "a2d/deck.h"

/* Index of a section / a key of section s in the schema, or -1. */
int a2d_schema_find_section(const a2d_section_spec *schema, const char *name);
int a2d_schema_find_key(const a2d_section_spec *schema, int section, const char *name);

/* The candidate nearest to `word` by edit distance if it is a near miss, else NULL. */
const char *a2d_closest_name(const char *word, const char *const *candidates, int n);

/* Strict parsers of one value: 0 on success, -1 if `text` is not of the type. */
int a2d_parse_int(const char *text, int64_t *v);
int a2d_parse_real(const char *text, double *v);
int a2d_parse_bool(const char *text, int *v);

/* Index of `text` among "a|b|c", or -1. */
int a2d_choice_index(const char *choices, const char *text);

/* "a positive integer", "a real in [0, 1]", ... */
void a2d_describe_number(a2d_key_type type, const char *range, char *buf, size_t size);

#endif
