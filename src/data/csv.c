/*
 * csv.c - the CSV loader: one example per line, comma-separated numbers, one
 * column holding the class label.  No quoting; spaces and tabs around a field
 * are ignored; lines may end in LF or CRLF and have any length.  Messages name
 * the file, the line and the 1-based column at fault.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "a2d/data.h"

/* Fields shown in messages are cut to this many characters. */
#define CSV_SHOW "%.60s"

/* The fields of one line, pointers into the line buffer (which split_line modifies). */
typedef struct csv_fields {
  char **field;
  size_t count;
  size_t cap;
} csv_fields;

/* Grow *array (of `size`-byte items, capacity *cap) to hold at least `need` items. */
static a2d_err csv_grow(void *array, size_t *cap, size_t need, size_t size) {
  void **p = (void **)array;
  if (need <= *cap) return A2D_OK;
  size_t want = *cap ? *cap : 64;
  while (want < need) {
    if (want > SIZE_MAX / 2 / size)
      return A2D_ERROR(A2D_ERR_MEM, "CSV loader: %zu items of %zu bytes is too large", need, size);
    want *= 2;
  }
  void *grown = realloc(*p, want * size);
  if (!grown)
    return A2D_ERROR(A2D_ERR_MEM, "out of memory allocating %.1f MiB",
                     (double)want * (double)size / 1048576.0);
  *p = grown;
  *cap = want;
  return A2D_OK;
}

/* True for the blanks allowed around a field. */
static int csv_is_space(char c) {
  return c == ' ' || c == '\t';
}

/* Split `line` at commas in place into trimmed, NUL-terminated fields. */
static a2d_err csv_split(char *line, csv_fields *out) {
  out->count = 0;
  for (char *p = line;;) {
    char *start = p, *end;
    while (*p && *p != ',') p++;
    end = p;
    while (start < end && csv_is_space(*start)) start++;
    while (end > start && csv_is_space(end[-1])) end--;
    A2D_CHECK(csv_grow(&out->field, &out->cap, out->count + 1, sizeof(char *)));
    out->field[out->count++] = start;
    int last = (*p == '\0');
    *end = '\0'; /* after testing *p: end may equal p */
    if (last) break;
    p++;
  }
  return A2D_OK;
}

/* Parse a whole field as a number with strtod; 1 if it is one (possibly NaN or infinite), else 0.
 */
static int csv_number(const char *s, double *value) {
  char *end;
  if (*s == '\0') return 0;
  *value = strtod(s, &end);
  return *end == '\0';
}

/* True if the line holds nothing but blanks. */
static int csv_is_blank(const char *line) {
  for (; *line; line++)
    if (!csv_is_space(*line)) return 0;
  return 1;
}

/* Load a CSV file into `out` (see a2d/data.h). */
a2d_err a2d_csv_load(const char *path, const a2d_csv_options *opt, a2d_dataset *out) {
  a2d_err err = A2D_OK;
  FILE *f = NULL;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  csv_fields fields = {0};
  float *x = NULL;
  int32_t *y = NULL;
  size_t x_cap = 0, y_cap = 0;
  long long lineno = 0, first_line = 0, first_blank = 0;
  size_t ncols = 0, label_col = 0;
  int64_t n = 0, d = 0;
  int32_t max_label = -1;
  a2d_dataset ds = {0};

  if (opt->label_column < -1 || opt->header < -1 || opt->header > 1 || opt->classes < 0)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "CSV loader: invalid options (label_column %d, header %d, classes %d)",
                     opt->label_column, opt->header, (int)opt->classes);
  f = fopen(path, "r");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", path, strerror(errno));

  while ((len = getline(&line, &line_cap, f)) != -1) {
    lineno++;
    if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
    if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
    if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
      memmove(line, line + 3, (size_t)len - 2); /* a UTF-8 byte order mark, and the NUL */
      len -= 3;
    }
    if ((size_t)len != strlen(line))
      A2D_FAIL(A2D_ERR_DATA, "%s:%lld: NUL byte in line", path, lineno);
    if (csv_is_blank(line)) {
      if (!first_blank) first_blank = lineno;
      continue;
    }
    if (first_blank)
      A2D_FAIL(A2D_ERR_DATA, "%s:%lld: blank line (only blank lines at the end are allowed)", path,
               first_blank);
    A2D_TRY(csv_split(line, &fields));

    if (ncols == 0) {
      /* The first line fixes the column count, the label column and whether it is a header. */
      ncols = fields.count;
      first_line = lineno;
      if (ncols < 2)
        A2D_FAIL(A2D_ERR_DATA, "%s:%lld: 1 column, expected a label and at least one feature", path,
                 lineno);
      if (opt->label_column >= 0 && (size_t)opt->label_column >= ncols)
        A2D_FAIL(A2D_ERR_DATA, "%s:%lld: no label column %d: the line has %zu columns", path,
                 lineno, opt->label_column + 1, ncols);
      label_col = opt->label_column < 0 ? ncols - 1 : (size_t)opt->label_column;
      d = (int64_t)ncols - 1;
      int header = opt->header;
      if (header < 0) {
        double v;
        header = 0;
        for (size_t c = 0; c < ncols; c++)
          if (fields.field[c][0] != '\0' && !csv_number(fields.field[c], &v)) header = 1;
      }
      if (header) continue;
    } else if (fields.count != ncols) {
      A2D_FAIL(A2D_ERR_DATA, "%s:%lld: %zu columns, but line %lld has %zu", path, lineno,
               fields.count, first_line, ncols);
    }

    A2D_TRY(csv_grow(&x, &x_cap, (size_t)(n + 1) * (size_t)d, sizeof(float)));
    A2D_TRY(csv_grow(&y, &y_cap, (size_t)(n + 1), sizeof(int32_t)));
    float *row = x + n * d;
    for (size_t c = 0; c < ncols; c++) {
      const char *s = fields.field[c];
      double v;
      if (c == label_col) {
        if (!csv_number(s, &v) || !(v >= 0.0) || v >= (double)INT32_MAX || v != floor(v))
          A2D_FAIL(A2D_ERR_DATA,
                   "%s:%lld: column %zu: label must be a non-negative integer, got \"" CSV_SHOW
                   "\"",
                   path, lineno, c + 1, s);
        int32_t label = (int32_t)v;
        if (opt->classes > 0 && label >= opt->classes)
          A2D_FAIL(A2D_ERR_DATA, "%s:%lld: column %zu: label %d is out of range: expected 0..%d",
                   path, lineno, c + 1, (int)label, (int)opt->classes - 1);
        if (label > max_label) max_label = label;
        y[n] = label;
      } else {
        if (!csv_number(s, &v) || !isfinite(v))
          A2D_FAIL(A2D_ERR_DATA,
                   "%s:%lld: column %zu: expected a finite number, got \"" CSV_SHOW "\"", path,
                   lineno, c + 1, s);
        float fv = (float)v;
        if (!isfinite(fv))
          A2D_FAIL(A2D_ERR_DATA, "%s:%lld: column %zu: " CSV_SHOW " is beyond the float range",
                   path, lineno, c + 1, s);
        *row++ = fv;
      }
    }
    n++;
  }
  if (ferror(f)) A2D_FAIL(A2D_ERR_IO, "%s: read error: %s", path, strerror(errno));
  if (ncols == 0) A2D_FAIL(A2D_ERR_DATA, "%s: empty file, expected one example per line", path);
  if (n == 0) A2D_FAIL(A2D_ERR_DATA, "%s: no data rows after the header line", path);

  ds.n = n;
  ds.d = d;
  ds.classes = opt->classes > 0 ? opt->classes : max_label + 1;
  ds.x = x; /* the growing arrays become the data set's */
  ds.y = y;
  x = NULL;
  y = NULL;
  A2D_TRY(A2D_CALLOC(ds.index, n));
  for (int64_t i = 0; i < n; i++) ds.index[i] = i;
  *out = ds;
  ds = (a2d_dataset){0};

cleanup:
  if (f) fclose(f);
  free(line);
  free(fields.field);
  free(x);
  free(y);
  a2d_dataset_free(&ds);
  return err;
}
