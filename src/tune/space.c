/* space.c - search spaces of held-out tuning and draws from them (a2d/tune_space.h). */
#include "a2d/tune_space.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPACE_FORMS "expected log:LO:HI, lin:LO:HI, int:LO:HI or values separated by |"

void a2d_space_free(a2d_space *s) {
  for (int i = 0; s->choices && i < s->nchoices; i++) free(s->choices[i]);
  free(s->choices);
  memset(s, 0, sizeof *s);
}

/* A finite real filling all of text, or -1. */
static int parse_real(const char *text, double *v) {
  char *end;
  errno = 0;
  double x = strtod(text, &end);
  if (end == text || *end || errno == ERANGE || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

/* A copy of text[0..n) without leading and trailing blanks, or NULL. */
static char *trimmed(const char *text, size_t n) {
  while (n && (*text == ' ' || *text == '\t')) text++, n--;
  while (n && (text[n - 1] == ' ' || text[n - 1] == '\t')) n--;
  char *out = malloc(n + 1);
  if (out) memcpy(out, text, n), out[n] = '\0';
  return out;
}

/* LO:HI after a prefix, checked for its kind. */
static a2d_err parse_range(const char *text, const char *origin, a2d_space *s) {
  char lo[64], hi[64];
  const char *colon = strchr(text, ':');
  if (!colon || (size_t)(colon - text) >= sizeof lo || strlen(colon + 1) >= sizeof hi)
    return A2D_ERROR(A2D_ERR_DECK, "%s: \"%s\": %s", origin, text, SPACE_FORMS);
  memcpy(lo, text, (size_t)(colon - text));
  lo[colon - text] = '\0';
  snprintf(hi, sizeof hi, "%s", colon + 1);
  if (parse_real(lo, &s->lo) || parse_real(hi, &s->hi))
    return A2D_ERROR(A2D_ERR_DECK, "%s: \"%s\": LO and HI must be numbers", origin, text);
  if (s->kind == A2D_SPACE_INT && (s->lo != floor(s->lo) || s->hi != floor(s->hi)))
    return A2D_ERROR(A2D_ERR_DECK, "%s: int:%s: LO and HI must be integers", origin, text);
  if (s->kind == A2D_SPACE_INT ? s->lo > s->hi : s->lo >= s->hi)
    return A2D_ERROR(A2D_ERR_DECK, "%s: \"%s\": LO must be below HI", origin, text);
  if (s->kind == A2D_SPACE_LOG && s->lo <= 0)
    return A2D_ERROR(A2D_ERR_DECK, "%s: log:%s: a log-uniform range needs 0 < LO", origin, text);
  return A2D_OK;
}

a2d_err a2d_space_parse(const char *text, const char *origin, a2d_space *s) {
  static const struct {
    const char *prefix;
    a2d_space_kind kind;
  } ranges[3] = {{"log:", A2D_SPACE_LOG}, {"lin:", A2D_SPACE_LIN}, {"int:", A2D_SPACE_INT}};
  memset(s, 0, sizeof *s);
  for (int r = 0; r < 3; r++)
    if (!strncmp(text, ranges[r].prefix, 4)) {
      s->kind = ranges[r].kind;
      return parse_range(text + 4, origin, s);
    }
  /* choices: A | B | C */
  s->kind = A2D_SPACE_CHOICE;
  int count = 1;
  for (const char *p = text; *p; p++) count += *p == '|';
  s->choices = calloc((size_t)count, sizeof *s->choices);
  if (!s->choices) return A2D_ERROR(A2D_ERR_MEM, "out of memory");
  for (const char *p = text;; s->nchoices++) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    char *value = trimmed(p, n);
    if (!value) {
      a2d_space_free(s);
      return A2D_ERROR(A2D_ERR_MEM, "out of memory");
    }
    s->choices[s->nchoices] = value;
    if (!*value) {
      s->nchoices++;
      a2d_space_free(s);
      return A2D_ERROR(A2D_ERR_DECK, "%s: \"%s\": an empty value; %s", origin, text, SPACE_FORMS);
    }
    if (!bar) {
      s->nchoices++;
      break;
    }
    p = bar + 1;
  }
  return A2D_OK;
}

void a2d_space_seed(a2d_rng *rng, uint64_t seed, const char *method, int64_t config) {
  a2d_rng_seed(rng, seed, A2D_STREAM_TUNE_CONFIG, a2d_rng_key(method, (uint64_t)config));
}

void a2d_space_draw(const a2d_space *s, a2d_rng *rng, char *buf, size_t size) {
  switch (s->kind) {
    case A2D_SPACE_LOG:
      snprintf(buf, size, "%.6g",
               exp(log(s->lo) + a2d_rng_uniform(rng) * (log(s->hi) - log(s->lo))));
      break;
    case A2D_SPACE_LIN:
      snprintf(buf, size, "%.6g", s->lo + a2d_rng_uniform(rng) * (s->hi - s->lo));
      break;
    case A2D_SPACE_INT:
      snprintf(buf, size, "%lld",
               (long long)s->lo + (long long)a2d_rng_below(rng, (uint64_t)(s->hi - s->lo) + 1));
      break;
    case A2D_SPACE_CHOICE:
      snprintf(buf, size, "%s", s->choices[a2d_rng_below(rng, (uint64_t)s->nchoices)]);
      break;
  }
}
