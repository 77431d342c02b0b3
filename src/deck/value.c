/*
 * value.c - one value's text: the strict parsers, the check of a value
 * against its key's type, range and choices with the message that says what
 * was expected, and the "did you mean" guess for a near miss.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deck_internal.h"

/* Trim leading and trailing white space of s[0..*len) in place of pointer and length. */
const char *a2d_trim(const char *s, size_t *len) {
  while (*len && isspace((unsigned char)*s)) s++, (*len)--;
  while (*len && isspace((unsigned char)s[*len - 1])) (*len)--;
  return s;
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

/* The nearest candidate within 1 edit of `word` (2 for words of 5 or more letters), or NULL. */
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

/* A base-10 integer that fits in 64 bits, nothing after it: 0, else -1. */
int a2d_parse_int(const char *text, int64_t *v) {
  char *end;
  errno = 0;
  long long x = strtoll(text, &end, 10);
  if (end == text || *end || errno) return -1;
  *v = x;
  return 0;
}

/* A finite real, nothing after it: 0, else -1. */
int a2d_parse_real(const char *text, double *v) {
  char *end;
  errno = 0;
  double x = strtod(text, &end);
  if (end == text || *end || errno == ERANGE || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

/* true/yes/on/1 or false/no/off/0, any case: 0, else -1. */
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
void a2d_list_choices(const char *choices, char *buf, size_t size) {
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
      a2d_list_choices(choices, what, sizeof what);
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
int a2d_split_list(const char *value, char elems[][256], int max) {
  int n = 0;
  const char *p = value;
  while (n < max) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *t = a2d_trim(p, &len);
    if (len > 255) len = 255;
    memcpy(elems[n], t, len);
    elems[n][len] = '\0';
    n++;
    if (!comma) break;
    p = comma + 1;
  }
  return n;
}

/* Validate `value` for `key`; on failure write the reason into msg. */
int a2d_check_value(const a2d_key_spec *key, const char *value, char *msg, size_t size) {
  if (key->type != A2D_KEY_LIST)
    return check_scalar(key->type, key->range, key->choices, value, msg, size);
  static char elems[A2D_LIST_MAX + 1][256];
  if (!value[0]) return 0; /* the empty list */
  int n = a2d_split_list(value, elems, A2D_LIST_MAX + 1);
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
