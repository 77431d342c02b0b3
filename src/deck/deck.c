/*
 * deck.c - the deck: parse deck text line by line, apply --set overrides,
 * fill in defaults, copy (see a2d/deck.h).  Values are checked by value.c.
 *
 * Our own line parser rather than libinih: Debian's libinih does not pass the
 * line number to the handler, treats `#` as a comment only at the start of a
 * line and cuts lines at 200 characters; every error here must name its line.
 */
#include "a2d/deck.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/text.h"
#include "deck_internal.h"

/* Duplicate s[0..len) as a NUL-terminated string. */
static a2d_err dup_range(const char *s, size_t len, char **out) {
  A2D_CHECK(a2d_calloc(len + 1, 1, out));
  memcpy(*out, s, len);
  return A2D_OK;
}

/* Number of keys of a section (its table ends at a NULL name). */
static int count_keys(const a2d_section_spec *sec) {
  int n = 0;
  while (sec->keys[n].name) n++;
  return n;
}

/* Index of section `name` in the schema, or -1. */
int a2d_schema_find_section(const a2d_section_spec *schema, const char *name) {
  for (int s = 0; schema[s].name; s++)
    if (!strcmp(schema[s].name, name)) return s;
  return -1;
}

/* Index of key `name` of section `section`, or -1. */
int a2d_schema_find_key(const a2d_section_spec *schema, int section, const char *name) {
  const a2d_key_spec *keys = schema[section].keys;
  for (int k = 0; keys[k].name; k++)
    if (!strcmp(keys[k].name, name)) return k;
  return -1;
}

/* Closest section name to `word`, or NULL. */
static const char *closest_section(const a2d_section_spec *schema, const char *word) {
  const char *names[64];
  int n = 0;
  for (int s = 0; schema[s].name && n < 64; s++) names[n++] = schema[s].name;
  return a2d_closest_name(word, names, n);
}

/* Closest key name of section s to `word`, or NULL. */
static const char *closest_key(const a2d_section_spec *schema, int s, const char *word) {
  const char *names[128];
  int n = 0;
  for (const a2d_key_spec *k = schema[s].keys; k->name && n < 128; k++) names[n++] = k->name;
  return a2d_closest_name(word, names, n);
}

/* An empty deck on `schema`: one unset slot per key of every section. */
static a2d_err deck_create(const a2d_section_spec *schema, const char *name, a2d_deck **out) {
  a2d_err err = A2D_OK;
  a2d_deck *deck = NULL;
  *out = NULL;
  A2D_TRY(A2D_CALLOC(deck, 1));
  deck->schema = schema;
  A2D_TRY(dup_range(name, strlen(name), &deck->name));
  while (deck->schema[deck->nsections].name) deck->nsections++;
  A2D_TRY(A2D_CALLOC(deck->slots, deck->nsections));
  A2D_TRY(A2D_CALLOC(deck->named, deck->nsections));
  A2D_TRY(A2D_CALLOC(deck->nnamed, deck->nsections));
  for (int s = 0; s < deck->nsections; s++)
    A2D_TRY(A2D_CALLOC(deck->slots[s], count_keys(&deck->schema[s]) + 1));
  *out = deck;
  return A2D_OK;
cleanup:
  a2d_deck_free(&deck);
  return err;
}

/* Free a deck and its values; *deck becomes NULL (NULL is fine). */
void a2d_deck_free(a2d_deck **deck) {
  a2d_deck *d = *deck;
  if (!d) return;
  for (int s = 0; d->slots && s < d->nsections; s++) {
    if (!d->slots[s]) continue;
    for (int k = 0; k < count_keys(&d->schema[s]); k++) free(d->slots[s][k].value);
    free(d->slots[s]);
  }
  free(d->slots);
  for (int s = 0; d->named && s < d->nsections; s++) {
    for (int i = 0; d->named[s] && i < d->nnamed[s]; i++) {
      free(d->named[s][i].name);
      free(d->named[s][i].slot.value);
    }
    free(d->named[s]);
  }
  free(d->named);
  free(d->nnamed);
  free(d->name);
  free(d);
  *deck = NULL;
}

/* The deck's name, as given at parse time. */
const char *a2d_deck_name(const a2d_deck *deck) {
  return deck->name;
}

/*
 * The slot of named entry `name` of section s, created empty if new; NULL
 * (with *err set) when the section takes no named entries or is full.
 */
static a2d_slot *named_slot(a2d_deck *deck, const char *where, int s, const char *name,
                            a2d_err *err) {
  *err = A2D_OK;
  for (int i = 0; i < deck->nnamed[s]; i++)
    if (!strcmp(deck->named[s][i].name, name)) return &deck->named[s][i].slot;
  if (!deck->named[s] && (*err = A2D_CALLOC(deck->named[s], A2D_NAMED_MAX))) return NULL;
  if (deck->nnamed[s] == A2D_NAMED_MAX) {
    *err = A2D_ERROR(A2D_ERR_DECK, "%s: [%s] holds more than %d named entries", where,
                     deck->schema[s].name, A2D_NAMED_MAX);
    return NULL;
  }
  a2d_named *e = &deck->named[s][deck->nnamed[s]];
  if ((*err = dup_range(name, strlen(name), &e->name))) return NULL;
  deck->nnamed[s]++;
  return &e->slot;
}

/* Store value text into a slot after validation; `where` prefixes messages. */
static a2d_err assign_slot(a2d_deck *deck, const char *where, int s, const a2d_key_spec *key,
                           const char *key_name, a2d_slot *slot, const char *value, int line,
                           int origin) {
  char msg[600];
  if (origin == ORIGIN_FILE && slot->origin == ORIGIN_FILE && slot->value)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: duplicate key (first set on line %d)", where,
                     deck->schema[s].name, key_name, slot->line);
  if (a2d_check_value(key, value, msg, sizeof msg))
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: %s", where, deck->schema[s].name, key_name, msg);
  char *copy;
  A2D_CHECK(dup_range(value, strlen(value), &copy));
  free(slot->value);
  slot->value = copy;
  slot->line = line;
  slot->origin = origin;
  return A2D_OK;
}

#define A2D_SWEEP_MAX 256

/*
 * Check a sweep entry of section s (a2d_section_spec.sweeps): `key_name` is
 * "section.key" of another section (or one of its named entries) and `value`
 * that key's values separated by |, each valid for the key and distinct.
 */
static a2d_err check_sweep(const a2d_deck *deck, const char *where, int s, const char *key_name,
                           const char *value) {
  const char *study = deck->schema[s].name, *dot = strrchr(key_name, '.');
  char section[128], msg[600];
  if (!dot || dot == key_name || !dot[1] || (size_t)(dot - key_name) >= sizeof section)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [%s] %s: expected the key to sweep as section.key, e.g. "
                     "unlearn.dmm.lr",
                     where, study, key_name);
  memcpy(section, key_name, (size_t)(dot - key_name));
  section[dot - key_name] = '\0';
  const char *key = dot + 1;
  int t = a2d_schema_find_section(deck->schema, section);
  if (t < 0) {
    const char *near = closest_section(deck->schema, section);
    return near ? A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: unknown section [%s]; did you mean [%s]?",
                            where, study, key_name, section, near)
                : A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: unknown section [%s]", where, study,
                            key_name, section);
  }
  if (deck->schema[t].sweeps || !strcmp(section, "output"))
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: [%s] cannot be swept%s", where, study, key_name,
                     section,
                     deck->schema[t].sweeps ? "" : " (`a2d study expand` sets each case's output)");
  int k = a2d_schema_find_key(deck->schema, t, key);
  const a2d_key_spec *spec = k >= 0 ? &deck->schema[t].keys[k] : deck->schema[t].named;
  if (!spec) {
    const char *near = closest_key(deck->schema, t, key);
    return near ? A2D_ERROR(A2D_ERR_DECK,
                            "%s: [%s] %s: [%s] has no key \"%s\"; did you mean "
                            "\"%s\"?",
                            where, study, key_name, section, key, near)
                : A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: [%s] has no key \"%s\"", where, study,
                            key_name, section, key);
  }
  if (k < 0 && (!islower((unsigned char)key[0]) || strchr(key, '.')))
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [%s] %s: a name in [%s] must start with a lower-case "
                     "letter and hold only lower-case letters, digits, _ and -",
                     where, study, key_name, section);
  static char vals[A2D_SWEEP_MAX][4096];
  int n = 0;
  for (const char *p = value;; n++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    const char *v = a2d_trim(p, &len);
    if (n == A2D_SWEEP_MAX)
      return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: more than %d values", where, study, key_name,
                       A2D_SWEEP_MAX);
    if (!len)
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [%s] %s: value %d is empty (values are separated by "
                       "|, e.g. 0.001 | 0.01)",
                       where, study, key_name, n + 1);
    if (len >= sizeof vals[0] || memchr(v, '\t', len))
      return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: value %d is too long or holds a tab", where,
                       study, key_name, n + 1);
    memcpy(vals[n], v, len);
    vals[n][len] = '\0';
    if (a2d_check_value(spec, vals[n], msg, sizeof msg))
      return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: value %d (\"%s\"): %s", where, study, key_name,
                       n + 1, vals[n], msg);
    if (!bar) break;
    p = bar + 1;
  }
  return A2D_OK;
}

/* Assign key `key_name` of section s: a schema key, else a named entry if the section takes them.
 */
static a2d_err assign(a2d_deck *deck, const char *where, int s, const char *key_name,
                      const char *value, int line, int origin) {
  const a2d_section_spec *sec = &deck->schema[s];
  int k = a2d_schema_find_key(deck->schema, s, key_name);
  if (k >= 0)
    return assign_slot(deck, where, s, &sec->keys[k], key_name, &deck->slots[s][k], value, line,
                       origin);
  if (!sec->named) {
    const char *near = closest_key(deck->schema, s, key_name);
    if (near)
      return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] unknown key \"%s\"; did you mean \"%s\"?", where,
                       sec->name, key_name, near);
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] unknown key \"%s\"", where, sec->name, key_name);
  }
  if (sec->sweeps) {
    A2D_CHECK(check_sweep(deck, where, s, key_name, value));
  } else if (!islower((unsigned char)key_name[0]) || strchr(key_name, '.'))
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [%s] %s: a name must start with a lower-case letter and hold only "
                     "lower-case letters, digits, _ and -",
                     where, sec->name, key_name);
  a2d_err err;
  a2d_slot *slot = named_slot(deck, where, s, key_name, &err);
  if (!slot) return err;
  return assign_slot(deck, where, s, sec->named, key_name, slot, value, line, origin);
}

/* Strip an inline comment (whitespace then # or ;) and surrounding quotes. */
static void clean_value(char *v) {
  size_t len = strlen(v);
  if (len >= 2 && v[0] == '"') {
    char *close = strchr(v + 1, '"');
    if (close) {
      memmove(v, v + 1, (size_t)(close - v - 1));
      v[close - v - 1] = '\0';
      return;
    }
  }
  for (size_t i = 1; i < len; i++) {
    if ((v[i] == '#' || v[i] == ';') && isspace((unsigned char)v[i - 1])) {
      v[i] = '\0';
      break;
    }
  }
  len = strlen(v);
  while (len && isspace((unsigned char)v[len - 1])) v[--len] = '\0';
}

/* Whether s is a key name: lower case, digits, _, - and . (not empty). */
static int valid_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '-' ||
          *s == '.'))
      return 0;
  return 1;
}

/* Parse one line (already trimmed, no newline) into the deck. */
static a2d_err parse_line(a2d_deck *deck, const char *line, int lineno, int *section) {
  char where[400];
  snprintf(where, sizeof where, "%s:%d", deck->name, lineno);
  size_t len = strlen(line);
  if (!len || line[0] == '#' || line[0] == ';') return A2D_OK;
  if (line[0] == '[') {
    const char *close = strchr(line, ']');
    if (!close)
      return A2D_ERROR(A2D_ERR_DECK, "%s: expected \"[section]\", got \"%s\"", where, line);
    char name[128];
    size_t n = (size_t)(close - line - 1);
    const char *t = a2d_trim(line + 1, &n);
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, t, n);
    name[n] = '\0';
    const char *rest = close + 1;
    while (isspace((unsigned char)*rest)) rest++;
    if (*rest && *rest != '#' && *rest != ';')
      return A2D_ERROR(A2D_ERR_DECK, "%s: unexpected text after [%s]: \"%s\"", where, name, rest);
    *section = a2d_schema_find_section(deck->schema, name);
    if (*section < 0) {
      const char *near = closest_section(deck->schema, name);
      if (near)
        return A2D_ERROR(A2D_ERR_DECK, "%s: unknown section [%s]; did you mean [%s]?", where, name,
                         near);
      return A2D_ERROR(A2D_ERR_DECK, "%s: unknown section [%s]", where, name);
    }
    return A2D_OK;
  }
  const char *eq = strchr(line, '=');
  if (!eq)
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected \"key = value\" or \"[section]\", got \"%s\"",
                     where, line);
  char key[128], value[4096];
  size_t klen = (size_t)(eq - line), vlen = strlen(eq + 1);
  const char *kt = a2d_trim(line, &klen), *vt = a2d_trim(eq + 1, &vlen);
  if (klen >= sizeof key) klen = sizeof key - 1;
  if (vlen >= sizeof value)
    return A2D_ERROR(A2D_ERR_DECK, "%s: value longer than %zu characters", where, sizeof value - 1);
  memcpy(key, kt, klen);
  key[klen] = '\0';
  memcpy(value, vt, vlen);
  value[vlen] = '\0';
  clean_value(value);
  if (!valid_name(key))
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected a key name (lower case, digits, _), got \"%s\"",
                     where, key);
  if (*section < 0)
    return A2D_ERROR(A2D_ERR_DECK, "%s: key \"%s\" before any [section]", where, key);
  return assign(deck, where, *section, key, value, lineno, ORIGIN_FILE);
}

/* Parse deck text against a2d_deck_schema. */
a2d_err a2d_deck_parse(const char *name, const char *text, a2d_deck **out) {
  A2D_CHECK(a2d_deck_parse_schema(a2d_deck_schema, name, text, out));
  return A2D_OK;
}

/* Parse deck text line by line against `schema`; the first bad line fails. */
a2d_err a2d_deck_parse_schema(const a2d_section_spec *schema, const char *name, const char *text,
                              a2d_deck **out) {
  a2d_err err = A2D_OK;
  a2d_deck *deck = NULL;
  char *line = NULL;
  int section = -1, lineno = 0;
  *out = NULL;
  A2D_TRY(deck_create(schema, name, &deck));
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    if (memchr(p, '\0', len)) A2D_FAIL(A2D_ERR_DECK, "%s:%d: unexpected NUL byte", name, lineno);
    size_t tlen = len;
    const char *t = a2d_trim(p, &tlen);
    A2D_TRY(dup_range(t, tlen, &line));
    A2D_TRY(parse_line(deck, line, lineno, &section));
    free(line);
    line = NULL;
    p = nl ? nl + 1 : p + len;
  }
  *out = deck;
  return A2D_OK;
cleanup:
  free(line);
  a2d_deck_free(&deck);
  return err;
}

/* Read a deck file, refusing one with NUL bytes, and parse it. */
a2d_err a2d_deck_load(const char *path, a2d_deck **out) {
  char *text = NULL;
  size_t len = 0;
  A2D_CHECK(a2d_read_text_file(path, &text, &len));
  if (strlen(text) != len) {
    free(text);
    return A2D_ERROR(A2D_ERR_DECK, "%s: not a text file (contains NUL bytes)", path);
  }
  a2d_err err = a2d_deck_parse(path, text, out);
  free(text);
  A2D_CHECK(err);
  return A2D_OK;
}

/* Apply one --set override "section.key=value", checked like a deck line. */
a2d_err a2d_deck_set(a2d_deck *deck, const char *assignment) {
  char where[600], name[256];
  snprintf(where, sizeof where, "--set %s", assignment);
  const char *eq = strchr(assignment, '=');
  const char *dot = eq ? memchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
  /* The key is after the last dot before '=' (section names may contain dots). */
  for (const char *p = dot; p && p < eq; p = memchr(p + 1, '.', (size_t)(eq - p - 1)))
    if (p) dot = p;
  if (!eq || !dot) return A2D_ERROR(A2D_ERR_DECK, "%s: expected section.key=value", where);
  /* A sweeping section's keys are themselves section.key: then split at the first dot. */
  const char *first = memchr(assignment, '.', (size_t)(eq - assignment));
  if ((size_t)(first - assignment) < sizeof name) {
    memcpy(name, assignment, (size_t)(first - assignment));
    name[first - assignment] = '\0';
    int f = a2d_schema_find_section(deck->schema, name);
    if (f >= 0 && deck->schema[f].sweeps) dot = first;
  }
  size_t slen = (size_t)(dot - assignment), klen = (size_t)(eq - dot - 1);
  if (slen >= sizeof name || klen >= sizeof name)
    return A2D_ERROR(A2D_ERR_DECK, "%s: name too long", where);
  memcpy(name, assignment, slen);
  name[slen] = '\0';
  int s = a2d_schema_find_section(deck->schema, name);
  if (s < 0) {
    const char *near = closest_section(deck->schema, name);
    return near ? A2D_ERROR(A2D_ERR_DECK, "%s: unknown section [%s]; did you mean [%s]?", where,
                            name, near)
                : A2D_ERROR(A2D_ERR_DECK, "%s: unknown section [%s]", where, name);
  }
  memcpy(name, dot + 1, klen);
  name[klen] = '\0';
  if (!valid_name(name))
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected a key name (lower case, digits, _), got \"%s\"",
                     where, name);
  char value[4096];
  size_t vlen = strlen(eq + 1);
  const char *vt = a2d_trim(eq + 1, &vlen);
  if (vlen >= sizeof value) return A2D_ERROR(A2D_ERR_DECK, "%s: value too long", where);
  memcpy(value, vt, vlen);
  value[vlen] = '\0';
  A2D_CHECK(assign(deck, where, s, name, value, 0, ORIGIN_SET));
  return A2D_OK;
}

/* Give every unset key its default; a required key without a value fails. */
a2d_err a2d_deck_finish(a2d_deck *deck) {
  for (int s = 0; s < deck->nsections; s++) {
    const a2d_section_spec *sec = &deck->schema[s];
    for (int k = 0; sec->keys[k].name; k++) {
      a2d_slot *slot = &deck->slots[s][k];
      if (slot->value) continue;
      if (!sec->keys[k].def)
        return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: required key is missing (%s)", deck->name,
                         sec->name, sec->keys[k].name, sec->keys[k].doc);
      A2D_CHECK(dup_range(sec->keys[k].def, strlen(sec->keys[k].def), &slot->value));
      slot->origin = ORIGIN_DEFAULT;
    }
  }
  return A2D_OK;
}

/* Reparse the effective deck, apply the ;-separated overrides and finish it. */
a2d_err a2d_deck_copy_with(const a2d_deck *deck, const char *assignments, a2d_deck **out) {
  a2d_err err = A2D_OK;
  char *text = NULL, *list = NULL;
  *out = NULL;
  A2D_TRY(a2d_deck_format(deck, 0, &text));
  A2D_TRY(a2d_deck_parse(a2d_deck_name(deck), text, out));
  A2D_TRY(a2d_calloc(strlen(assignments) + 1, 1, &list));
  memcpy(list, assignments, strlen(assignments));
  for (char *save = NULL, *a = strtok_r(list, ";", &save); a; a = strtok_r(NULL, ";", &save))
    A2D_TRY(a2d_deck_set(*out, a));
  A2D_TRY(a2d_deck_finish(*out));
cleanup:
  if (err) a2d_deck_free(out);
  free(text);
  free(list);
  return err;
}
