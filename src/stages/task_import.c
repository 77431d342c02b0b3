/* task_import.c - imported models as tasks (task_import.h). */
#include "task_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const split_names[2][3] = {{"margins_train", "logits_train", "correct_train"},
                                              {"margins_val", "logits_val", "correct_val"}};
static const char *const cost_names[4] = {"examples", "seconds", "prep_examples", "prep_seconds"};

a2d_err a2d_task_import_open(a2d_import *imp, const char *prefix, int64_t rows,
                             const a2d_dataset *train, const a2d_dataset *val,
                             a2d_task_import *ti) {
  char name[256];
  memset(ti, 0, sizeof *ti);
  ti->imp = imp;
  snprintf(ti->prefix, sizeof ti->prefix, "%s", prefix);
  ti->n = train->n, ti->nv = val->n, ti->C = train->classes;
  ti->y_train = train->y, ti->y_val = val->y;
  snprintf(name, sizeof name, "%s/margins_train", prefix);
  A2D_CHECK(a2d_import_has(imp, name, &ti->has_margins));
  snprintf(name, sizeof name, "%s/logits_train", prefix);
  A2D_CHECK(a2d_import_has(imp, name, &ti->has_logits));
  snprintf(name, sizeof name, "%s/correct_train", prefix);
  A2D_CHECK(a2d_import_has(imp, name, &ti->has_correct));
  if (!ti->has_margins && !ti->has_logits)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: no %s/margins_train or %s/logits_train: the models' outputs on the "
                     "training points are needed (docs/import.md)",
                     a2d_import_path(imp), prefix, prefix);
  for (int o = 0; o < 2; o++) {
    const int64_t points = o ? ti->nv : ti->n;
    int64_t d2[2] = {rows, points}, d3[3] = {rows, points, ti->C};
    if (ti->has_margins) {
      snprintf(name, sizeof name, "%s/%s", prefix, split_names[o][0]);
      A2D_CHECK(a2d_import_expect(imp, name, A2D_IMPORT_FLOAT, 2, d2, &ti->margins[o]));
      rows = d2[0];
    }
    if (ti->has_logits) {
      d3[0] = rows;
      snprintf(name, sizeof name, "%s/%s", prefix, split_names[o][1]);
      A2D_CHECK(a2d_import_expect(imp, name, A2D_IMPORT_FLOAT, 3, d3, &ti->logits[o]));
      rows = d3[0];
    }
    if (ti->has_correct) {
      d2[0] = rows, d2[1] = points;
      snprintf(name, sizeof name, "%s/%s", prefix, split_names[o][2]);
      A2D_CHECK(a2d_import_expect(imp, name, A2D_IMPORT_INTEGER, 2, d2, &ti->correct[o]));
    }
  }
  ti->rows = rows;
  for (int c = 0; c < 4; c++) {
    snprintf(name, sizeof name, "%s/%s", prefix, cost_names[c]);
    A2D_CHECK(a2d_import_has(imp, name, &ti->has[c]));
    int64_t d1[1] = {rows};
    if (ti->has[c])
      A2D_CHECK(a2d_import_expect(
          imp, name, c % 2 ? A2D_IMPORT_FLOAT | A2D_IMPORT_INTEGER : A2D_IMPORT_INTEGER, 1, d1,
          &ti->cost[c]));
  }
  A2D_CHECK(A2D_CALLOC(ti->logits_row, (ti->n > ti->nv ? ti->n : ti->nv) * ti->C + 1));
  return A2D_OK;
}

/* One split's margins and right/wrong of row r. */
static a2d_err split_row(a2d_task_import *ti, int o, int64_t r, float *margins, uint8_t *correct) {
  const int64_t points = o ? ti->nv : ti->n, C = ti->C;
  const int32_t *y = o ? ti->y_val : ti->y_train;
  if (ti->has_logits) {
    float *z = ti->logits_row;
    A2D_CHECK(a2d_import_read_f32(ti->imp, &ti->logits[o], r, 1, z));
    for (int64_t i = 0; i < points; i++) {
      const float *zi = z + i * C;
      int64_t best = 0;
      for (int64_t c = 1; c < C; c++)
        if (zi[c] > zi[best]) best = c;
      correct[i] = best == y[i];
      if (!ti->has_margins) margins[i] = a2d_margin(zi, y[i], C);
    }
  }
  if (ti->has_margins) {
    A2D_CHECK(a2d_import_read_f32(ti->imp, &ti->margins[o], r, 1, margins));
    if (!ti->has_logits)
      for (int64_t i = 0; i < points; i++) correct[i] = margins[i] > 0;
  }
  if (ti->has_correct) A2D_CHECK(a2d_import_read_mask(ti->imp, &ti->correct[o], r, 1, correct));
  return A2D_OK;
}

a2d_err a2d_task_import_row(a2d_task_import *ti, int64_t r, a2d_task_output *out) {
  A2D_CHECK(split_row(ti, 0, r, out->margins_train, out->correct_train));
  A2D_CHECK(split_row(ti, 1, r, out->margins_val, out->correct_val));
  int64_t counts[2] = {-1, 0};
  double times[2] = {NAN, 0};
  for (int c = 0; c < 4; c++) {
    if (!ti->has[c]) continue;
    if (c % 2 == 0) {
      A2D_CHECK(a2d_import_read_i64(ti->imp, &ti->cost[c], r, 1, 0, INT64_MAX / 4, &counts[c / 2]));
    } else {
      A2D_CHECK(a2d_import_read_f64(ti->imp, &ti->cost[c], r, 1, &times[c / 2]));
      if (times[c / 2] < 0)
        return A2D_ERROR(A2D_ERR_DATA, "%s: %s[%lld]: expected seconds >= 0, got %g",
                         a2d_import_path(ti->imp), ti->cost[c].name, (long long)r, times[c / 2]);
    }
  }
  out->examples = counts[0], out->prep_examples = counts[1];
  out->seconds = times[0], out->prep_seconds = times[1];
  return A2D_OK;
}

void a2d_task_import_free(a2d_task_import *ti) {
  free(ti->logits_row);
  memset(ti, 0, sizeof *ti);
}
