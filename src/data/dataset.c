/* dataset.c - freeing, row selection and feature scaling of data sets (see a2d/data.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/data.h"

/* Free the arrays of `ds` and zero it; safe on a zeroed or already freed data set. */
void a2d_dataset_free(a2d_dataset *ds) {
  if (!ds) return;
  free(ds->x);
  free(ds->y);
  free(ds->index);
  memset(ds, 0, sizeof *ds);
}

/* Copy rows `rows[0..k)` of src into a new data set `out`; every row must exist in src. */
a2d_err a2d_dataset_subset(const a2d_dataset *src, const int64_t *rows, int64_t k,
                           a2d_dataset *out) {
  a2d_err err = A2D_OK;
  a2d_dataset sub = {0};

  if (k < 0 || (k > 0 && !rows))
    return A2D_ERROR(A2D_ERR_INTERNAL, "subset: invalid row list (k = %lld)", (long long)k);
  for (int64_t i = 0; i < k; i++) {
    if (rows[i] < 0 || rows[i] >= src->n)
      return A2D_ERROR(A2D_ERR_INTERNAL,
                       "subset: row %lld (entry %lld of the list) is out of range: the data set "
                       "has %lld rows",
                       (long long)rows[i], (long long)i, (long long)src->n);
  }

  sub.n = k;
  sub.d = src->d;
  sub.classes = src->classes;
  A2D_TRY(a2d_calloc((size_t)k, (size_t)src->d * sizeof(float), &sub.x));
  A2D_TRY(A2D_CALLOC(sub.y, k));
  A2D_TRY(A2D_CALLOC(sub.index, k));
  for (int64_t i = 0; i < k; i++) {
    int64_t r = rows[i];
    memcpy(sub.x + i * sub.d, src->x + r * src->d, (size_t)src->d * sizeof(float));
    sub.y[i] = src->y[r];
    sub.index[i] = src->index ? src->index[r] : r;
  }
  *out = sub;
  return A2D_OK;

cleanup:
  a2d_dataset_free(&sub);
  return err;
}

/* Fit shift[0..d) and factor[0..d) on `train` so that (x - shift) * factor is scaled per `mode`. */
a2d_err a2d_scaling_fit(const a2d_dataset *train, a2d_scaling mode, float *shift, float *factor) {
  a2d_err err = A2D_OK;
  const int64_t n = train->n, d = train->d;
  double *sum = NULL, *sumsq = NULL;
  float *lo = NULL, *hi = NULL;

  if (d <= 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "scaling: data set has %lld features", (long long)d);
  if (mode == A2D_SCALE_NONE) {
    for (int64_t j = 0; j < d; j++) shift[j] = 0.0f, factor[j] = 1.0f;
    return A2D_OK;
  }
  if (mode != A2D_SCALE_UNIT && mode != A2D_SCALE_STANDARD)
    return A2D_ERROR(A2D_ERR_INTERNAL, "scaling: unknown mode %d", (int)mode);
  if (n <= 0) return A2D_ERROR(A2D_ERR_DATA, "scaling: cannot fit on an empty training set");

  if (mode == A2D_SCALE_UNIT) {
    /* One global minimum and maximum, shared by all features. */
    float mn = train->x[0], mx = train->x[0];
    for (int64_t i = 0; i < n * d; i++) {
      if (train->x[i] < mn) mn = train->x[i];
      if (train->x[i] > mx) mx = train->x[i];
    }
    double f = mx > mn ? 1.0 / ((double)mx - (double)mn) : 1.0;
    for (int64_t j = 0; j < d; j++) shift[j] = mn, factor[j] = (float)f;
    return A2D_OK;
  }

  /* STANDARD: per-feature mean and population standard deviation, two passes in double. */
  A2D_TRY(A2D_CALLOC(sum, d));
  A2D_TRY(A2D_CALLOC(sumsq, d));
  A2D_TRY(A2D_CALLOC(lo, d));
  A2D_TRY(A2D_CALLOC(hi, d));
  memcpy(lo, train->x, (size_t)d * sizeof(float));
  memcpy(hi, train->x, (size_t)d * sizeof(float));
  for (int64_t i = 0; i < n; i++) {
    const float *row = train->x + i * d;
    for (int64_t j = 0; j < d; j++) {
      sum[j] += row[j];
      if (row[j] < lo[j]) lo[j] = row[j];
      if (row[j] > hi[j]) hi[j] = row[j];
    }
  }
  for (int64_t j = 0; j < d; j++) sum[j] /= (double)n; /* now the mean */
  for (int64_t i = 0; i < n; i++) {
    const float *row = train->x + i * d;
    for (int64_t j = 0; j < d; j++) {
      double dev = row[j] - sum[j];
      sumsq[j] += dev * dev;
    }
  }
  for (int64_t j = 0; j < d; j++) {
    double sd = sqrt(sumsq[j] / (double)n);
    float f = 1.0f;
    if (hi[j] > lo[j] && sd > 0.0) f = (float)(1.0 / sd);
    if (!isfinite(f)) f = 1.0f; /* a spread too small for float: treat as constant */
    shift[j] = (float)sum[j];
    factor[j] = f;
  }

cleanup:
  free(sum);
  free(sumsq);
  free(lo);
  free(hi);
  return err;
}

/* Replace every feature x[i][j] of ds by (x[i][j] - shift[j]) * factor[j]. */
void a2d_scaling_apply(a2d_dataset *ds, const float *shift, const float *factor) {
  for (int64_t i = 0; i < ds->n; i++) {
    float *row = ds->x + i * ds->d;
    for (int64_t j = 0; j < ds->d; j++) row[j] = (row[j] - shift[j]) * factor[j];
  }
}
