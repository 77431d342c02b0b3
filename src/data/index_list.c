/* index_list.c - reading index lists, one training-point index per line (a2d/index_list.h). */
#include "a2d/index_list.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/text.h"

/* Whether c is blank space within a line. */
static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Check one line's content (comment removed, trimmed, len > 0) and record its
 * index in first_line (the 1-based line where each index appeared, 0: not yet).
 */
static a2d_err take_line(const char *path, int64_t line, const char *s, size_t len, int64_t n,
                         int64_t *first_line, int64_t *value) {
  int64_t v = 0;
  int overflow = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s:%lld: expected one index (a non-negative integer), got \"%.*s\"", path,
                       (long long)line, (int)len, s);
    if (v > (INT64_MAX - 9) / 10) overflow = 1;
    if (!overflow) v = v * 10 + (s[i] - '0');
  }
  *value = overflow ? INT64_MAX : v;
  if (n < 0) return A2D_OK; /* syntax only: repeats are found after the whole file */
  if (overflow || v >= n) {
    if (n == 0)
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s:%lld: index %.*s is out of range: the training set has no points", path,
                       (long long)line, (int)len, s);
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s:%lld: index %.*s is out of range: the training set has %lld points "
                     "(0 to %lld)",
                     path, (long long)line, (int)len, s, (long long)n, (long long)(n - 1));
  }
  if (first_line[v])
    return A2D_ERROR(A2D_ERR_DATA, "%s:%lld: index %lld repeats line %lld", path, (long long)line,
                     (long long)v, (long long)first_line[v]);
  first_line[v] = line;
  return A2D_OK;
}

/* An index and the line it is on, for finding repeats without knowing n. */
typedef struct index_line {
  int64_t value, line;
} index_line;

static int by_value_then_line(const void *a, const void *b) {
  const index_line *x = a, *y = b;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* The first line (in file order) repeating an earlier line's index, as the full check reports. */
static a2d_err find_repeat(const char *path, index_line *seen, int64_t count) {
  qsort(seen, (size_t)count, sizeof *seen, by_value_then_line);
  int64_t worst = -1;
  for (int64_t i = 1; i < count; i++)
    if (seen[i].value == seen[i - 1].value && (seen[i - 1].line < seen[i].line) &&
        (i < 2 || seen[i - 2].value != seen[i].value) &&
        (worst < 0 || seen[i].line < seen[worst].line))
      worst = i;
  if (worst < 0) return A2D_OK;
  return A2D_ERROR(A2D_ERR_DATA, "%s:%lld: index %lld repeats line %lld", path,
                   (long long)seen[worst].line, (long long)seen[worst].value,
                   (long long)seen[worst - 1].line);
}

a2d_err a2d_index_list_read(const char *path, int64_t n, int64_t **idx, int64_t *count) {
  a2d_err err = A2D_OK;
  char *text = NULL;
  size_t len = 0;
  int64_t *first_line = NULL, *out = NULL, found = 0, line = 0, value = 0, cap = 0;
  index_line *seen = NULL; /* syntax-only mode: every index with its line */
  *idx = NULL;
  *count = 0;
  A2D_TRY(a2d_read_text_file(path, &text, &len));
  if (strlen(text) != len) A2D_FAIL(A2D_ERR_DATA, "%s: not a text file (contains NUL bytes)", path);
  A2D_TRY(A2D_CALLOC(first_line, n > 0 ? n : 1)); /* n < 0: syntax only, nothing recorded */
  for (const char *p = text; *p;) {
    const char *end = strchr(p, '\n');
    if (!end) end = p + strlen(p);
    line++;
    const char *hash = memchr(p, '#', (size_t)(end - p));
    const char *a = p, *b = hash ? hash : end;
    while (a < b && is_blank(*a)) a++;
    while (b > a && is_blank(b[-1])) b--;
    if (b > a) {
      A2D_TRY(take_line(path, line, a, (size_t)(b - a), n, first_line, &value));
      if (n < 0 && found == cap) {
        index_line *bigger = realloc(seen, (size_t)(cap * 2 + 64) * sizeof *seen);
        if (!bigger) A2D_FAIL(A2D_ERR_MEM, "%s: out of memory", path);
        seen = bigger;
        cap = cap * 2 + 64;
      }
      if (n < 0) seen[found] = (index_line){value, line};
      found++;
    }
    p = *end ? end + 1 : end;
  }
  if (found == 0) A2D_FAIL(A2D_ERR_DATA, "%s: holds no indices", path);
  if (n < 0) {
    A2D_TRY(find_repeat(path, seen, found));
    *count = found;
    goto cleanup;
  }
  A2D_TRY(A2D_CALLOC(out, found));
  for (int64_t i = 0, j = 0; i < n; i++)
    if (first_line[i]) out[j++] = i;
  *idx = out;
  *count = found;
  out = NULL;
cleanup:
  free(seen);
  free(text);
  free(first_line);
  free(out);
  return err;
}
