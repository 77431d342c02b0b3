/*
 * a2d/summary.h - the evaluation's summary table: one row per forget set and
 * method (plus each forget set's noise floor), stored as the compound dataset
 * /eval/summary and printed by `a2d report`.
 *
 * Columns: forget, method; KLoM over the forget, retain and validation points
 * (mean, median, p90, p95, p99 each: klom_forget_p95, ...); accuracy on each
 * group, mean and standard deviation over models (acc_forget_mean,
 * acc_forget_std, ...); cost = examples through forward and backward passes
 * per request as a fraction of one retrain, prep_cost = what the method needed
 * first for each request (om's teacher) likewise, time_cost and
 * prep_time_cost the same in wall time; models = how many models the row
 * summarises; then the 95% bootstrap interval of each KLoM95
 * (klom_forget_p95_lo, klom_forget_p95_hi, ...; NaN without a bootstrap);
 * setup_cost = what serves every request and is paid once (the ensemble
 * behind the datamodels of dmm and dm_direct) in retrains' examples,
 * setup_time_cost = the ensemble and the fit in retrains' core-seconds;
 * breakeven and breakeven_time = the number of requests after which setup
 * plus per-request cost undercuts retraining for each (inf: never).
 */
#ifndef A2D_SUMMARY_H
#define A2D_SUMMARY_H

#include <stdio.h>

#include "a2d/klom.h"
#include "a2d/store.h"

typedef struct a2d_summary_row {
  char forget[64], method[32];
  a2d_summary klom[3]; /* forget, retain, validation points */
  double accuracy[3], accuracy_std[3];
  double cost, prep_cost, time_cost, models;
  double klom_lo[3], klom_hi[3]; /* 95% bootstrap interval of klom[g].p95 */
  double prep_time_cost, setup_cost, setup_time_cost, breakeven, breakeven_time;
} a2d_summary_row;

typedef struct a2d_summary_table {
  a2d_summary_row *rows;
  int64_t nrows, cap;
} a2d_summary_table;

a2d_err a2d_summary_append(a2d_summary_table *t, const a2d_summary_row *row);
void a2d_summary_free(a2d_summary_table *t);

/* Write the table as the dataset `path` (/eval/summary; collective). */
a2d_err a2d_summary_write(a2d_store *store, const char *path, a2d_summary_table *t);

/*
 * Read the table `path` (/eval/summary; every rank); a table of another
 * layout is A2D_ERR_DATA naming the column.
 */
a2d_err a2d_summary_read(a2d_store *store, const char *path, a2d_summary_table *t);

/* The headline columns as an aligned text table. */
void a2d_summary_print(FILE *out, const a2d_summary_table *t);

/*
 * The same with leading columns (a2d study collect): `lead_header` is printed
 * before the header and leads[i] before row i (the caller pads them); a blank
 * line separates rows whose lead or forget set differ.
 */
void a2d_summary_print_led(FILE *out, const a2d_summary_table *t, const char *lead_header,
                           const char *const *leads);

/* Every column as CSV (a header line, then one line per row). */
void a2d_summary_print_csv(FILE *out, const a2d_summary_table *t);

/* The CSV header and rows apart, each line starting with `lead` ("" or "3,0.001,"). */
void a2d_summary_print_csv_header(FILE *out, const char *lead);
void a2d_summary_print_csv_rows(FILE *out, const a2d_summary_table *t, const char *lead);

/* A break-even number of requests as text: a count (rounded up), "never" (inf), or "-" (NaN). */
void a2d_summary_requests(char *buf, size_t size, double v);

/* A Markdown table of the headline columns. */
void a2d_summary_print_markdown(FILE *out, const a2d_summary_table *t);

#endif
