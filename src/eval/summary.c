/* summary.c - the evaluation's summary table (a2d/summary.h). */
#include "a2d/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Column names: forget, method, then the reals in the order row_reals() lists them. */
enum { NREALS = 15 + 6 + 4 + 6 + 5, NCOLS = 2 + NREALS };
static const char *const column_names[NCOLS] = {"forget",
                                                "method",
                                                "klom_forget_mean",
                                                "klom_forget_median",
                                                "klom_forget_p90",
                                                "klom_forget_p95",
                                                "klom_forget_p99",
                                                "klom_retain_mean",
                                                "klom_retain_median",
                                                "klom_retain_p90",
                                                "klom_retain_p95",
                                                "klom_retain_p99",
                                                "klom_val_mean",
                                                "klom_val_median",
                                                "klom_val_p90",
                                                "klom_val_p95",
                                                "klom_val_p99",
                                                "acc_forget_mean",
                                                "acc_forget_std",
                                                "acc_retain_mean",
                                                "acc_retain_std",
                                                "acc_val_mean",
                                                "acc_val_std",
                                                "cost",
                                                "prep_cost",
                                                "time_cost",
                                                "models",
                                                "klom_forget_p95_lo",
                                                "klom_forget_p95_hi",
                                                "klom_retain_p95_lo",
                                                "klom_retain_p95_hi",
                                                "klom_val_p95_lo",
                                                "klom_val_p95_hi",
                                                "prep_time_cost",
                                                "setup_cost",
                                                "setup_time_cost",
                                                "breakeven",
                                                "breakeven_time"};
static const int column_widths[NCOLS] = {64, 32}; /* the rest 0: float64 */

/* Pointers to a row's reals, in column order. */
static void row_reals(a2d_summary_row *r, double *v[NREALS]) {
  int j = 0;
  for (int g = 0; g < 3; g++) {
    v[j++] = &r->klom[g].mean;
    v[j++] = &r->klom[g].median;
    v[j++] = &r->klom[g].p90;
    v[j++] = &r->klom[g].p95;
    v[j++] = &r->klom[g].p99;
  }
  for (int g = 0; g < 3; g++) {
    v[j++] = &r->accuracy[g];
    v[j++] = &r->accuracy_std[g];
  }
  v[j++] = &r->cost;
  v[j++] = &r->prep_cost;
  v[j++] = &r->time_cost;
  v[j++] = &r->models;
  for (int g = 0; g < 3; g++) {
    v[j++] = &r->klom_lo[g];
    v[j++] = &r->klom_hi[g];
  }
  v[j++] = &r->prep_time_cost;
  v[j++] = &r->setup_cost;
  v[j++] = &r->setup_time_cost;
  v[j++] = &r->breakeven;
  v[j++] = &r->breakeven_time;
}

a2d_err a2d_summary_append(a2d_summary_table *t, const a2d_summary_row *row) {
  if (t->nrows == t->cap) {
    int64_t cap = t->cap ? 2 * t->cap : 16;
    a2d_summary_row *bigger = realloc(t->rows, (size_t)cap * sizeof *bigger);
    if (!bigger) return A2D_ERROR(A2D_ERR_MEM, "out of memory for the summary table");
    t->rows = bigger;
    t->cap = cap;
  }
  t->rows[t->nrows++] = *row;
  return A2D_OK;
}

void a2d_summary_free(a2d_summary_table *t) {
  free(t->rows);
  memset(t, 0, sizeof *t);
}

static a2d_table describe(int64_t nrows, unsigned char *data) {
  return (a2d_table){NCOLS, column_names, column_widths, nrows, data};
}

a2d_err a2d_summary_write(a2d_store *store, const char *path, a2d_summary_table *t) {
  a2d_table table = describe(t->nrows, NULL);
  const size_t size = a2d_table_record_size(&table);
  A2D_CHECK(a2d_calloc(t->nrows ? (size_t)t->nrows : 1, size, &table.data));
  for (int64_t i = 0; i < t->nrows; i++) {
    unsigned char *rec = table.data + (size_t)i * size;
    double *v[NREALS];
    row_reals(&t->rows[i], v);
    memcpy(rec, t->rows[i].forget, 64);
    memcpy(rec + 64, t->rows[i].method, 32);
    for (int j = 0; j < NREALS; j++) memcpy(rec + 96 + 8 * j, v[j], 8);
  }
  a2d_err err = a2d_store_write_table(store, path, &table);
  free(table.data);
  A2D_CHECK(err);
  return A2D_OK;
}

a2d_err a2d_summary_read(a2d_store *store, const char *path, a2d_summary_table *t) {
  a2d_table table = describe(0, NULL);
  const size_t size = a2d_table_record_size(&table);
  memset(t, 0, sizeof *t);
  A2D_CHECK(a2d_store_read_table(store, path, &table));
  a2d_err err = A2D_OK;
  for (int64_t i = 0; i < table.nrows && !err; i++) {
    const unsigned char *rec = table.data + (size_t)i * size;
    a2d_summary_row row = {0};
    double *v[NREALS];
    row_reals(&row, v);
    memcpy(row.forget, rec, 63);
    memcpy(row.method, rec + 64, 31);
    for (int j = 0; j < NREALS; j++) memcpy(v[j], rec + 96 + 8 * j, 8);
    err = a2d_summary_append(t, &row);
  }
  free(table.data);
  A2D_CHECK(err);
  return A2D_OK;
}

/* A real for a table cell: fixed digits, "-" for NaN. */
static void cell(char *buf, size_t size, double v, int digits) {
  if (isnan(v))
    snprintf(buf, size, "-");
  else
    snprintf(buf, size, "%.*f", digits, v);
}

/* A KLoM95 with its interval: "4.120 [3.801, 4.512]", or the value alone without one. */
static void cell_interval(char *buf, size_t size, double v, double lo, double hi) {
  if (isnan(v))
    snprintf(buf, size, "-");
  else if (isnan(lo) || isnan(hi))
    snprintf(buf, size, "%.3f", v);
  else
    snprintf(buf, size, "%.3f [%.2f, %.2f]", v, lo, hi);
}

void a2d_summary_requests(char *buf, size_t size, double v) {
  if (isnan(v))
    snprintf(buf, size, "-");
  else if (isinf(v))
    snprintf(buf, size, "never");
  else
    snprintf(buf, size, "%.0f", ceil(v));
}

enum { NHEAD = 9 };
static const char *const headline_names[NHEAD] = {"KLoM95 forget [95% CI]",
                                                  "KLoM95 retain [95% CI]",
                                                  "KLoM95 val",
                                                  "acc forget",
                                                  "acc val",
                                                  "cost",
                                                  "prep cost",
                                                  "setup cost",
                                                  "break-even"};
static const int headline_widths[NHEAD] = {24, 24, 10, 10, 8, 8, 9, 10, 10};

/* The headline cells of a row: KLoM95 per group (intervals), accuracies, costs, break-even. */
static void headline(const a2d_summary_row *r, char cells[NHEAD][48]) {
  cell_interval(cells[0], 48, r->klom[0].p95, r->klom_lo[0], r->klom_hi[0]);
  cell_interval(cells[1], 48, r->klom[1].p95, r->klom_lo[1], r->klom_hi[1]);
  cell(cells[2], 48, r->klom[2].p95, 3);
  cell(cells[3], 48, r->accuracy[0], 3);
  cell(cells[4], 48, r->accuracy[2], 3);
  cell(cells[5], 48, r->cost, 4);
  cell(cells[6], 48, r->prep_cost, 3);
  cell(cells[7], 48, r->setup_cost, 1);
  a2d_summary_requests(cells[8], 48, r->breakeven);
}

void a2d_summary_print(FILE *out, const a2d_summary_table *t) {
  a2d_summary_print_led(out, t, "", NULL);
}

void a2d_summary_print_led(FILE *out, const a2d_summary_table *t, const char *lead_header,
                           const char *const *leads) {
  char cells[NHEAD][48];
  fprintf(out, "%s%-14s %-15s", lead_header, "forget set", "method");
  for (int c = 0; c < NHEAD; c++) fprintf(out, " %*s", headline_widths[c], headline_names[c]);
  fprintf(out, "\n");
  for (int64_t i = 0; i < t->nrows; i++) {
    if (i && (strcmp(t->rows[i].forget, t->rows[i - 1].forget) ||
              (leads && strcmp(leads[i], leads[i - 1]))))
      fprintf(out, "\n");
    headline(&t->rows[i], cells);
    fprintf(out, "%s%-14s %-15s", leads ? leads[i] : "", t->rows[i].forget, t->rows[i].method);
    for (int c = 0; c < NHEAD; c++) fprintf(out, " %*s", headline_widths[c], cells[c]);
    fprintf(out, "\n");
  }
}

void a2d_summary_print_markdown(FILE *out, const a2d_summary_table *t) {
  char cells[NHEAD][48];
  fprintf(out, "| forget set | method |");
  for (int c = 0; c < NHEAD; c++) fprintf(out, " %s |", headline_names[c]);
  fprintf(out, "\n|---|---|");
  for (int c = 0; c < NHEAD; c++) fprintf(out, "---:|");
  fprintf(out, "\n");
  for (int64_t i = 0; i < t->nrows; i++) {
    headline(&t->rows[i], cells);
    fprintf(out, "| %s | %s |", t->rows[i].forget, t->rows[i].method);
    for (int c = 0; c < NHEAD; c++) fprintf(out, " %s |", cells[c]);
    fprintf(out, "\n");
  }
}

void a2d_summary_print_csv(FILE *out, const a2d_summary_table *t) {
  a2d_summary_print_csv_header(out, "");
  a2d_summary_print_csv_rows(out, t, "");
}

void a2d_summary_print_csv_header(FILE *out, const char *lead) {
  fputs(lead, out);
  for (int j = 0; j < NCOLS; j++) fprintf(out, "%s%s", j ? "," : "", column_names[j]);
  fprintf(out, "\n");
}

void a2d_summary_print_csv_rows(FILE *out, const a2d_summary_table *t, const char *lead) {
  for (int64_t i = 0; i < t->nrows; i++) {
    a2d_summary_row row = t->rows[i];
    double *v[NREALS];
    row_reals(&row, v);
    fprintf(out, "%s%s,%s", lead, row.forget, row.method);
    for (int j = 0; j < NREALS; j++) {
      if (isnan(*v[j]))
        fprintf(out, ",");
      else
        fprintf(out, ",%.17g", *v[j]);
    }
    fprintf(out, "\n");
  }
}
