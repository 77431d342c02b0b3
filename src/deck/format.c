/*
 * format.c - the deck as text: the effective deck (`a2d check`), the keys a
 * stage depends on, and the key reference of docs/deck.md (see a2d/deck.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"
#include "a2d/text.h"
#include "deck_internal.h"

/* Copy text into buf (size > 0), truncating; no format directive involved. */
static void copy_text(char *buf, size_t size, const char *text) {
  size_t n = strlen(text);
  if (n >= size) n = size - 1;
  memcpy(buf, text, n);
  buf[n] = '\0';
}

/* Canonical text of one scalar: integers and reals re-printed, booleans true/false. */
static void canonical_scalar(a2d_key_type type, const char *text, char *buf, size_t size) {
  int64_t i;
  double r;
  int b;
  if (type == A2D_KEY_INT && !a2d_parse_int(text, &i))
    snprintf(buf, size, "%lld", (long long)i);
  else if (type == A2D_KEY_REAL && !a2d_parse_real(text, &r)) {
    /* The shortest form that reads back as the same double: 0.0003, not 0.00029999999999999997. */
    for (int digits = 15; digits <= 17; digits++) {
      snprintf(buf, size, "%.*g", digits, r);
      if (strtod(buf, NULL) == r) break;
    }
  } else if (type == A2D_KEY_BOOL && !a2d_parse_bool(text, &b))
    copy_text(buf, size, b ? "true" : "false");
  else
    copy_text(buf, size, text);
}

/* Canonical text of a key's value (lists as "a, b, c"). */
void a2d_canonical_value(const a2d_key_spec *key, const char *value, char *buf, size_t size) {
  if (key->type != A2D_KEY_LIST) {
    canonical_scalar(key->type, value, buf, size);
    return;
  }
  static char elems[A2D_LIST_MAX][256];
  int n = value[0] ? a2d_split_list(value, elems, A2D_LIST_MAX) : 0;
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && o < size; i++) {
    char one[300];
    canonical_scalar(key->elem, elems[i], one, sizeof one);
    o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", one);
  }
}

/* A growable text buffer. */
typedef struct text_buf {
  char *s;
  size_t len, cap;
} text_buf;

/* Append printf-style text to t, growing it as needed. */
static a2d_err text_append(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static a2d_err text_append(text_buf *t, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) return A2D_ERROR(A2D_ERR_INTERNAL, "formatting failed");
    if (t->s && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return A2D_OK;
    }
    size_t cap = t->cap ? t->cap : 1024;
    while (cap <= t->len + (size_t)n) cap *= 2;
    char *bigger = realloc(t->s, cap);
    if (!bigger) return A2D_ERROR(A2D_ERR_MEM, "out of memory formatting the deck");
    t->s = bigger;
    t->cap = cap;
  }
}

/* The effective deck as text, every key in schema order, then the named entries. */
a2d_err a2d_deck_format(const a2d_deck *deck, int annotate, char **text) {
  a2d_err err = A2D_OK;
  text_buf t = {0};
  char value[4096];
  *text = NULL;
  A2D_TRY(text_append(&t, "# effective deck of %s\n", deck->name));
  for (int s = 0; s < deck->nsections; s++) {
    const a2d_section_spec *sec = &deck->schema[s];
    A2D_TRY(text_append(&t, "\n[%s]\n", sec->name));
    for (int k = 0; sec->keys[k].name; k++) {
      const a2d_slot *slot = &deck->slots[s][k];
      a2d_canonical_value(&sec->keys[k], slot->value ? slot->value : "", value, sizeof value);
      if (annotate)
        A2D_TRY(text_append(&t, "%-16s = %-24s # %s\n", sec->keys[k].name, value,
                            a2d_deck_origin(deck, sec->name, sec->keys[k].name)));
      else
        A2D_TRY(text_append(&t, "%s = %s\n", sec->keys[k].name, value));
    }
    for (int i = 0; i < deck->nnamed[s]; i++) {
      const a2d_named *e = &deck->named[s][i];
      a2d_canonical_value(sec->named, e->slot.value, value, sizeof value);
      if (annotate)
        A2D_TRY(text_append(&t, "%-16s = %-24s # %s\n", e->name, value,
                            a2d_deck_origin(deck, sec->name, e->name)));
      else
        A2D_TRY(text_append(&t, "%s = %s\n", e->name, value));
    }
  }
  *text = t.s;
  return A2D_OK;
cleanup:
  free(t.s);
  return err;
}

/* The "[section] key = value" lines of the keys `stage` depends on. */
a2d_err a2d_deck_stage_config(const a2d_deck *deck, const char *stage, char **text) {
  a2d_err err = A2D_OK;
  text_buf t = {0};
  char value[4096];
  *text = NULL;
  A2D_TRY(text_append(&t, "%s", ""));
  for (int s = 0; s < deck->nsections; s++) {
    const a2d_section_spec *sec = &deck->schema[s];
    for (int k = 0; sec->keys[k].name; k++) {
      if (!sec->keys[k].stages || !a2d_list_has(sec->keys[k].stages, stage)) continue;
      const a2d_slot *slot = &deck->slots[s][k];
      a2d_canonical_value(&sec->keys[k], slot->value ? slot->value : "", value, sizeof value);
      A2D_TRY(text_append(&t, "[%s] %s = %s\n", sec->name, sec->keys[k].name, value));
    }
    if (!sec->named || !sec->named->stages || !a2d_list_has(sec->named->stages, stage)) continue;
    for (int i = 0; i < deck->nnamed[s]; i++) {
      a2d_canonical_value(sec->named, deck->named[s][i].slot.value, value, sizeof value);
      A2D_TRY(text_append(&t, "[%s] %s = %s\n", sec->name, deck->named[s][i].name, value));
    }
  }
  *text = t.s;
  return A2D_OK;
cleanup:
  free(t.s);
  return err;
}

/* The type column of the reference: "integer in [0, inf)", "one of a, b". */
static void describe_type(const a2d_key_spec *key, char *buf, size_t size) {
  static const char *names[] = {"integer", "real", "boolean", "string", "enum", "list"};
  char choices[256];
  if (key->type == A2D_KEY_ENUM || (key->type == A2D_KEY_LIST && key->elem == A2D_KEY_ENUM)) {
    a2d_list_choices(key->choices, choices, sizeof choices);
    snprintf(buf, size, "%sone of %s", key->type == A2D_KEY_LIST ? "list, each " : "", choices);
  } else if (key->type == A2D_KEY_LIST) {
    snprintf(buf, size, "list of %s%s%s", names[key->elem], key->range ? " in " : "",
             key->range ? key->range : "");
  } else {
    snprintf(buf, size, "%s%s%s", names[key->type], key->range ? " in " : "",
             key->range ? key->range : "");
  }
}

/* One Markdown table per section: key, type, default, stages, meaning. */
void a2d_deck_write_reference(FILE *out) {
  char type[300];
  for (int s = 0; a2d_deck_schema[s].name; s++) {
    const a2d_section_spec *sec = &a2d_deck_schema[s];
    fprintf(out, "### [%s]\n\n%s\n\n", sec->name, sec->doc);
    fprintf(out, "| key | type | default | stages | meaning |\n");
    fprintf(out, "|---|---|---|---|---|\n");
    for (int k = 0; sec->keys[k].name; k++) {
      const a2d_key_spec *key = &sec->keys[k];
      describe_type(key, type, sizeof type);
      fprintf(out, "| `%s` | %s | %s | %s | %s |\n", key->name, type,
              !key->def     ? "**required**"
              : key->def[0] ? key->def
                            : "(empty)",
              key->stages ? key->stages : "-", key->doc);
    }
    if (sec->named) {
      describe_type(sec->named, type, sizeof type);
      fprintf(out, "| `%s` | %s | - | %s | %s |\n", sec->named->name, type,
              sec->named->stages ? sec->named->stages : "-", sec->named->doc);
    }
    fprintf(out, "\n");
  }
}
