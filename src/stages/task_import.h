/*
 * task_import.h - a group of imported models as tasks (task_runner.h): row r
 * of the import's <prefix>/... arrays (docs/import.md) becomes the outputs
 * and cost of task r, so that imported oracles and unlearned models land in
 * the study file in the layout of models a2d computed, checked on the way.
 *
 * A group holds margins_train and margins_val (rows x n, rows x n_val) or
 * logits_train and logits_val (rows x n x C, rows x n_val x C: the margins
 * are then a2d's of them); optionally correct_train and correct_val (0/1:
 * the model's prediction is the label; otherwise the logits' argmax, or with
 * margins alone margin > 0, which a correct prediction may fail); examples
 * and prep_examples (integers >= 0; without them the cost is unknown, -1, and
 * prep 0) and seconds and prep_seconds (>= 0; NaN and 0 without them).
 *
 *   a2d_task_import ti;
 *   A2D_CHECK(a2d_task_import_open(imp, "oracle/random_100", rows, &train, &val, &ti));
 *   ... in a task: A2D_CHECK(a2d_task_import_row(&ti, r, out));
 *   a2d_task_import_free(&ti);
 */
#ifndef A2D_TASK_IMPORT_H
#define A2D_TASK_IMPORT_H

#include "task_runner.h"

typedef struct a2d_task_import {
  a2d_import *imp;
  char prefix[160];
  int64_t rows, n, nv, C;
  const int32_t *y_train, *y_val;
  int has_margins, has_logits, has_correct, has[4]; /* has: examples, seconds, prep_* */
  a2d_import_array margins[2], logits[2], correct[2], cost[4];
  float *logits_row;
} a2d_task_import;

/*
 * Find and check <prefix>'s arrays: `rows` rows each (rows < 0: any, set to
 * the import's), the shapes of the two splits.  Missing outputs, another
 * shape or kind are A2D_ERR_DATA naming the array.
 */
a2d_err a2d_task_import_open(a2d_import *imp, const char *prefix, int64_t rows,
                             const a2d_dataset *train, const a2d_dataset *val, a2d_task_import *ti);

/* Row r of the group into a task's outputs (values checked: finite, 0/1, >= 0). */
a2d_err a2d_task_import_row(a2d_task_import *ti, int64_t r, a2d_task_output *out);

void a2d_task_import_free(a2d_task_import *ti);

#endif
