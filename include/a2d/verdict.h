/*
 * a2d/verdict.h - what the evaluation lets one say, read back from a study
 * file for `a2d report`: which differences between methods the paired
 * bootstrap supports, and what the methods cost over many requests.
 *
 *   a2d_verdict v;
 *   A2D_CHECK(a2d_verdict_read(store, "/eval", &table, &v));   (every rank)
 *   a2d_verdict_print_differences(stdout, &table, &v, 0);
 *   a2d_verdict_print_cost(stdout, &table, &v, 0);
 *   a2d_verdict_free(&v);
 */
#ifndef A2D_VERDICT_H
#define A2D_VERDICT_H

#include <stdio.h>

#include "a2d/store.h"
#include "a2d/summary.h"

typedef struct a2d_verdict {
  int64_t oracles, bootstrap; /* N; resamples (0: no intervals) */
  int noise_floor;            /* the floor compares N oracles with N others */
  int64_t nsets;
  char (*sets)[64];     /* forget sets, in the summary's order */
  int64_t *first, *end; /* each set's rows of the summary: [first, end), the floor first */
  double **replicates;  /* per set: resamples x rows x 3 KLoM95 (NULL without) */
  int64_t *rows;        /* per set: rows in its replicates */
  double setup_examples, setup_seconds, lds_examples, lds_seconds;
  double lds_train, lds_val; /* the attribution's mean LDS on training and validation targets */
  int64_t lds_models;
  char attribution[16]; /* behind dmm and dm_direct: "datamodels" or "trak" */
  char matching[512];   /* what the matching methods matched: "om: margin, dmm: margin" */
  char diverged[2048];  /* methods with diverged models: "om on cluster_3: 1 of 50 models" */
} a2d_verdict;

/* One line: the attribution behind dmm and dm_direct and its LDS. */
void a2d_verdict_print_attribution(FILE *out, const a2d_verdict *v);

/*
 * Read the attributes of the evaluation's group (/eval, docs/study-file.md)
 * and its sets' bootstrap replicates for the summary `t` (every rank).
 */
a2d_err a2d_verdict_read(a2d_store *store, const char *group, const a2d_summary_table *t,
                         a2d_verdict *v);
void a2d_verdict_free(a2d_verdict *v);

/*
 * Per forget set, the paired 95% interval of each method's forget-set KLoM95
 * minus the noise floor's and minus the best method's, and what they allow
 * one to call; as Markdown when `markdown`.
 */
void a2d_verdict_print_differences(FILE *out, const a2d_summary_table *t, const a2d_verdict *v,
                                   int markdown);

/* The methods' cost per request, their setup, the break-even, and the LDS apart. */
void a2d_verdict_print_cost(FILE *out, const a2d_summary_table *t, const a2d_verdict *v,
                            int markdown);

#endif
