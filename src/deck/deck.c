/*
 * deck.c - parse, validate and query input decks (see a2d/deck.h).
 *
 * Our own line parser rather than libinih: Debian's libinih does not pass the
 * line number to the handler, treats `#` as a comment only at the start of a
 * line and cuts lines at 200 characters; every error here must name its line.
 */
#include "a2d/deck.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "a2d/text.h"
#include "deck_internal.h"

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

/* ---------------------------------------------------------------- helpers */

/* Duplicate s[0..len) as a NUL-terminated string. */
static a2d_err dup_range(const char *s, size_t len, char **out) {
  A2D_CHECK(a2d_calloc(len + 1, 1, out));
  memcpy(*out, s, len);
  return A2D_OK;
}

/* Trim leading and trailing white space of s[0..*len) in place of pointer and length. */
static const char *trim(const char *s, size_t *len) {
  while (*len && isspace((unsigned char)*s)) s++, (*len)--;
  while (*len && isspace((unsigned char)s[*len - 1])) (*len)--;
  return s;
}

static int count_keys(const a2d_section_spec *sec) {
  int n = 0;
  while (sec->keys[n].name) n++;
  return n;
}

int a2d_schema_find_section(const a2d_section_spec *schema, const char *name) {
  for (int s = 0; schema[s].name; s++)
    if (!strcmp(schema[s].name, name)) return s;
  return -1;
}

int a2d_schema_find_key(const a2d_section_spec *schema, int section, const char *name) {
  const a2d_key_spec *keys = schema[section].keys;
  for (int k = 0; keys[k].name; k++)
    if (!strcmp(keys[k].name, name)) return k;
  return -1;
}

/* Edit distance with adjacent transpositions (optimal string alignment). */
static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 63 || lb > 63) return 99;
  int d[64][64];
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++) {
    for (int j = 1; j <= lb; j++) {
      int cost = a[i - 1] != b[j - 1];
      int best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *a2d_closest_name(const char *word, const char *const *candidates, int n) {
  const char *best = NULL;
  int best_d = (int)strlen(word) >= 5 ? 2 : 1; /* "near miss" threshold */
  best_d++;
  for (int i = 0; i < n; i++) {
    int dist = edit_distance(word, candidates[i]);
    if (dist < best_d) best_d = dist, best = candidates[i];
  }
  return best;
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

/* ------------------------------------------------------- value validation */

/* Parse an interval "[lo, hi)" into bounds and openness; returns 0 on success. */
static int parse_range(const char *range, double *lo, double *hi, int *lo_open, int *hi_open) {
  char a[32], b[32], open, close;
  if (sscanf(range, " %c %31[^,] , %31[^])] %c", &open, a, b, &close) != 4) return -1;
  *lo_open = open == '(';
  *hi_open = close == ')';
  *lo = !strcmp(a, "-inf") ? -INFINITY : strtod(a, NULL);
  *hi = !strcmp(b, "inf") ? INFINITY : strtod(b, NULL);
  return 0;
}

/* "a positive integer", "a real in [0, 1]", ... for a numeric type and range. */
void a2d_describe_number(a2d_key_type type, const char *range, char *buf, size_t size) {
  const char *noun = type == A2D_KEY_INT ? "integer" : "real";
  double lo, hi;
  int lo_open, hi_open;
  if (!range || parse_range(range, &lo, &hi, &lo_open, &hi_open)) {
    snprintf(buf, size, "%s %s", type == A2D_KEY_INT ? "an" : "a", noun);
  } else if (isinf(hi) && lo == 0 && lo_open) {
    snprintf(buf, size, "a positive %s", noun);
  } else if (isinf(hi) && lo == 1 && !lo_open && type == A2D_KEY_INT) {
    snprintf(buf, size, "a positive integer");
  } else if (isinf(hi) && lo == 0 && !lo_open) {
    snprintf(buf, size, "a non-negative %s", noun);
  } else {
    snprintf(buf, size, "%s %s in %s", type == A2D_KEY_INT ? "an" : "a", noun, range);
  }
}

/* Check that a number lies in the declared range. */
static int in_range(double v, const char *range) {
  double lo, hi;
  int lo_open, hi_open;
  if (!range || parse_range(range, &lo, &hi, &lo_open, &hi_open)) return 1;
  if (lo_open ? !(v > lo) : !(v >= lo)) return 0;
  if (hi_open ? !(v < hi) : !(v <= hi)) return 0;
  return 1;
}

int a2d_parse_int(const char *text, int64_t *v) {
  char *end;
  errno = 0;
  long long x = strtoll(text, &end, 10);
  if (end == text || *end || errno) return -1;
  *v = x;
  return 0;
}

int a2d_parse_real(const char *text, double *v) {
  char *end;
  errno = 0;
  double x = strtod(text, &end);
  if (end == text || *end || errno == ERANGE || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

int a2d_parse_bool(const char *text, int *v) {
  static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
  for (int i = 0; i < 4; i++) {
    if (!strcasecmp(text, yes[i])) return *v = 1, 0;
    if (!strcasecmp(text, no[i])) return *v = 0, 0;
  }
  return -1;
}

/* Index of `text` in "a|b|c", or -1. */
int a2d_choice_index(const char *choices, const char *text) {
  size_t len = strlen(text);
  int i = 0;
  for (const char *p = choices; p;) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    if (n == len && !strncmp(p, text, n)) return i;
    p = bar ? bar + 1 : NULL;
    i++;
  }
  return -1;
}

/* Copy the choices "a|b|c" into buf as "a, b, c". */
static void list_choices(const char *choices, char *buf, size_t size) {
  size_t o = 0;
  for (const char *p = choices; *p && o + 3 < size; p++) {
    if (*p == '|') {
      buf[o++] = ',';
      buf[o++] = ' ';
    } else {
      buf[o++] = *p;
    }
  }
  buf[o] = '\0';
}

/* Closest choice to `text` copied into buf, or "" when none is near. */
static void closest_choice(const char *choices, const char *text, char *buf, size_t size) {
  char copy[512];
  const char *names[32];
  int n = 0;
  snprintf(copy, sizeof copy, "%s", choices);
  for (char *tok = strtok(copy, "|"); tok && n < 32; tok = strtok(NULL, "|")) names[n++] = tok;
  const char *best = a2d_closest_name(text, names, n);
  snprintf(buf, size, "%s", best ? best : "");
}

/*
 * Validate one scalar `text` against type/range/choices. On failure write
 * "expected ..., got "text"" into msg and return -1.
 */
static int check_scalar(a2d_key_type type, const char *range, const char *choices, const char *text,
                        char *msg, size_t size) {
  char what[160];
  switch (type) {
    case A2D_KEY_INT: {
      int64_t v;
      if (!a2d_parse_int(text, &v) && in_range((double)v, range)) return 0;
      a2d_describe_number(type, range, what, sizeof what);
      snprintf(msg, size, "expected %s, got \"%s\"", what, text);
      return -1;
    }
    case A2D_KEY_REAL: {
      double v;
      if (!a2d_parse_real(text, &v) && in_range(v, range)) return 0;
      a2d_describe_number(type, range, what, sizeof what);
      snprintf(msg, size, "expected %s, got \"%s\"", what, text);
      return -1;
    }
    case A2D_KEY_BOOL: {
      int v;
      if (!a2d_parse_bool(text, &v)) return 0;
      snprintf(msg, size, "expected a boolean (true or false), got \"%s\"", text);
      return -1;
    }
    case A2D_KEY_ENUM: {
      if (a2d_choice_index(choices, text) >= 0) return 0;
      char near[64];
      list_choices(choices, what, sizeof what);
      closest_choice(choices, text, near, sizeof near);
      if (near[0])
        snprintf(msg, size, "expected one of %s, got \"%s\"; did you mean \"%s\"?", what, text,
                 near);
      else
        snprintf(msg, size, "expected one of %s, got \"%s\"", what, text);
      return -1;
    }
    case A2D_KEY_STRING:
      return 0;
    case A2D_KEY_LIST:
      break;
  }
  snprintf(msg, size, "internal error: nested list");
  return -1;
}

/* Split a list value at commas into trimmed elements; returns the count (max n). */
static int split_list(const char *value, char elems[][256], int max) {
  int n = 0;
  const char *p = value;
  while (n < max) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *t = trim(p, &len);
    if (len > 255) len = 255;
    memcpy(elems[n], t, len);
    elems[n][len] = '\0';
    n++;
    if (!comma) break;
    p = comma + 1;
  }
  return n;
}

#define A2D_LIST_MAX 64

/* Validate `value` for `key`; on failure write the reason into msg. */
static int check_value(const a2d_key_spec *key, const char *value, char *msg, size_t size) {
  if (key->type != A2D_KEY_LIST)
    return check_scalar(key->type, key->range, key->choices, value, msg, size);
  static char elems[A2D_LIST_MAX + 1][256];
  if (!value[0]) return 0; /* the empty list */
  int n = split_list(value, elems, A2D_LIST_MAX + 1);
  if (n > A2D_LIST_MAX) {
    snprintf(msg, size, "expected at most %d list elements", A2D_LIST_MAX);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    char inner[400];
    if (!elems[i][0]) {
      snprintf(msg, size, "element %d of the list is empty", i + 1);
      return -1;
    }
    if (check_scalar(key->elem, key->range, key->choices, elems[i], inner, sizeof inner)) {
      snprintf(msg, size, "list element %d: %s", i + 1, inner);
      return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------- the deck */

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
  if (check_value(key, value, msg, sizeof msg))
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
    const char *v = trim(p, &len);
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
    if (check_value(spec, vals[n], msg, sizeof msg))
      return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: value %d (\"%s\"): %s", where, study, key_name,
                       n + 1, vals[n], msg);
    for (int i = 0; i < n; i++)
      if (!strcmp(vals[i], vals[n]))
        return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s: value \"%s\" is listed twice", where, study,
                         key_name, vals[n]);
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
    const char *t = trim(line + 1, &n);
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
  const char *kt = trim(line, &klen), *vt = trim(eq + 1, &vlen);
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

a2d_err a2d_deck_parse(const char *name, const char *text, a2d_deck **out) {
  A2D_CHECK(a2d_deck_parse_schema(a2d_deck_schema, name, text, out));
  return A2D_OK;
}

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
    const char *t = trim(p, &tlen);
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
  const char *vt = trim(eq + 1, &vlen);
  if (vlen >= sizeof value) return A2D_ERROR(A2D_ERR_DECK, "%s: value too long", where);
  memcpy(value, vt, vlen);
  value[vlen] = '\0';
  A2D_CHECK(assign(deck, where, s, name, value, 0, ORIGIN_SET));
  return A2D_OK;
}

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

/* ---------------------------------------------------------------- getters */

static void canonical_value(const a2d_key_spec *key, const char *value, char *buf, size_t size);

/* Find the slot of section.key, checking that its type is `type`. */
static a2d_err lookup(const a2d_deck *deck, const char *section, const char *key, a2d_key_type type,
                      const a2d_key_spec **spec, const a2d_slot **slot) {
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

a2d_err a2d_deck_int(const a2d_deck *deck, const char *section, const char *key, int64_t *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_INT, &spec, &slot));
  if (a2d_parse_int(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored integer");
  return A2D_OK;
}

a2d_err a2d_deck_real(const a2d_deck *deck, const char *section, const char *key, double *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_REAL, &spec, &slot));
  if (a2d_parse_real(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored real");
  return A2D_OK;
}

a2d_err a2d_deck_bool(const a2d_deck *deck, const char *section, const char *key, int *v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_BOOL, &spec, &slot));
  if (a2d_parse_bool(slot->value, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored boolean");
  return A2D_OK;
}

a2d_err a2d_deck_string(const a2d_deck *deck, const char *section, const char *key,
                        const char **v) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_STRING, &spec, &slot));
  *v = slot->value;
  return A2D_OK;
}

a2d_err a2d_deck_choice(const a2d_deck *deck, const char *section, const char *key,
                        const char **name) {
  const a2d_key_spec *spec;
  const a2d_slot *slot;
  A2D_CHECK(lookup(deck, section, key, A2D_KEY_ENUM, &spec, &slot));
  *name = slot->value;
  return A2D_OK;
}

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
  int n = slot->value[0] ? split_list(slot->value, elems, A2D_LIST_MAX) : 0;
  if (count) *count = n;
  if (i < 0) return A2D_OK;
  if (i >= n)
    return A2D_ERROR(A2D_ERR_INTERNAL, "deck list [%s] %s has no element %d", section, key, i);
  snprintf(buf, size, "%s", elems[i]);
  return A2D_OK;
}

a2d_err a2d_deck_list_len(const a2d_deck *deck, const char *section, const char *key, int *n) {
  A2D_CHECK(list_element(deck, section, key, -1, NULL, 0, n));
  return A2D_OK;
}

a2d_err a2d_deck_list_int(const a2d_deck *deck, const char *section, const char *key, int i,
                          int64_t *v) {
  char buf[256];
  A2D_CHECK(list_element(deck, section, key, i, buf, sizeof buf, NULL));
  if (a2d_parse_int(buf, v)) return A2D_ERROR(A2D_ERR_INTERNAL, "bad stored list integer");
  return A2D_OK;
}

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

void a2d_deck_clear_named(a2d_deck *deck, const char *section) {
  int s = a2d_schema_find_section(deck->schema, section);
  for (int i = 0; s >= 0 && i < deck->nnamed[s]; i++) {
    free(deck->named[s][i].name);
    free(deck->named[s][i].slot.value);
    memset(&deck->named[s][i], 0, sizeof deck->named[s][i]);
  }
  if (s >= 0) deck->nnamed[s] = 0;
}

int a2d_deck_named_count(const a2d_deck *deck, const char *section) {
  int s = a2d_schema_find_section(deck->schema, section);
  return s < 0 ? 0 : deck->nnamed[s];
}

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

const a2d_key_spec *a2d_deck_key_spec(const a2d_deck *deck, const char *name) {
  int k, s = split_name(deck, name, &k);
  return k >= 0 ? &deck->schema[s].keys[k] : s >= 0 ? deck->schema[s].named : NULL;
}

a2d_err a2d_deck_get(const a2d_deck *deck, const char *name, char *buf, size_t size) {
  if (!strchr(name, '.'))
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected section.key, e.g. output.path", name);
  int k, s = split_name(deck, name, &k);
  const a2d_slot *slot = k >= 0   ? &deck->slots[s][k]
                         : s >= 0 ? find_named(deck, s, strrchr(name, '.') + 1)
                                  : NULL;
  if (!slot || !slot->value)
    return A2D_ERROR(A2D_ERR_DECK, "%s: no such key in %s (see docs/deck.md)", name, deck->name);
  canonical_value(a2d_deck_key_spec(deck, name), slot->value, buf, size);
  return A2D_OK;
}

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

/* ------------------------------------------------------------ text forms */

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
static void canonical_value(const a2d_key_spec *key, const char *value, char *buf, size_t size) {
  if (key->type != A2D_KEY_LIST) {
    canonical_scalar(key->type, value, buf, size);
    return;
  }
  static char elems[A2D_LIST_MAX][256];
  int n = value[0] ? split_list(value, elems, A2D_LIST_MAX) : 0;
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
      canonical_value(&sec->keys[k], slot->value ? slot->value : "", value, sizeof value);
      if (annotate)
        A2D_TRY(text_append(&t, "%-16s = %-24s # %s\n", sec->keys[k].name, value,
                            a2d_deck_origin(deck, sec->name, sec->keys[k].name)));
      else
        A2D_TRY(text_append(&t, "%s = %s\n", sec->keys[k].name, value));
    }
    for (int i = 0; i < deck->nnamed[s]; i++) {
      const a2d_named *e = &deck->named[s][i];
      canonical_value(sec->named, e->slot.value, value, sizeof value);
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
      canonical_value(&sec->keys[k], slot->value ? slot->value : "", value, sizeof value);
      A2D_TRY(text_append(&t, "[%s] %s = %s\n", sec->name, sec->keys[k].name, value));
    }
    if (!sec->named || !sec->named->stages || !a2d_list_has(sec->named->stages, stage)) continue;
    for (int i = 0; i < deck->nnamed[s]; i++) {
      canonical_value(sec->named, deck->named[s][i].slot.value, value, sizeof value);
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
    list_choices(key->choices, choices, sizeof choices);
    snprintf(buf, size, "%sone of %s", key->type == A2D_KEY_LIST ? "list, each " : "", choices);
  } else if (key->type == A2D_KEY_LIST) {
    snprintf(buf, size, "list of %s%s%s", names[key->elem], key->range ? " in " : "",
             key->range ? key->range : "");
  } else {
    snprintf(buf, size, "%s%s%s", names[key->type], key->range ? " in " : "",
             key->range ? key->range : "");
  }
}

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
