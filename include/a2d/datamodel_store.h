/*
 * a2d/datamodel_store.h - the /datamodel group of the study file: the fitted
 * datamodels in CSR form, written by stage fit and read by the attribution
 * matrix (a2d/attribution.h) and the group term (a2d/group.h).  This module
 * alone knows the group's datasets and attributes (docs/study-file.md).
 *
 *   /datamodel/indptr     rows + 1  int64   row r's entries: [indptr[r], indptr[r+1])
 *   /datamodel/indices    nnz       int32   training point of each entry, increasing per row
 *   /datamodel/values     nnz       float32 its coefficient
 *   /datamodel/intercept, lambda, val_mse, val_mse_topk   rows  float64
 *   /datamodel/fit_models, val_models   the ensemble models each part of the fit used
 *   attributes output, rows_per_target, targets_train, targets_val, nnz
 *
 * Row t * rows_per_target + c is target t's class c (training points first,
 * then validation points).  Stage fit writes blocks of rows as pieces of the
 * same layout under /datamodel/blocks/bNNNNNN, then joins them:
 *
 *   a2d_dm_rows r;                                     // filled by the fit
 *   A2D_CHECK(a2d_datamodel_csr_create(st, "/datamodel", rows, nnz));  // collective
 *   A2D_CHECK(a2d_datamodel_csr_write(st, "/datamodel", &r, row0, nz0, last));
 *
 *   a2d_datamodel_info info;                           // a reader
 *   A2D_CHECK(a2d_datamodel_info_read(st, &info));
 *   A2D_CHECK(a2d_datamodel_rows_read(st, comm, &info, row0, count, &r));
 *   a2d_dm_rows_free(&r);
 */
#ifndef A2D_DATAMODEL_STORE_H
#define A2D_DATAMODEL_STORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "a2d/store.h"

/* The group's path. */
#define A2D_DATAMODEL_GROUP "/datamodel"

/* Rows of datamodels in CSR form, with each row's intercept and fit statistics. */
typedef struct a2d_dm_rows {
  int64_t rows, nnz, cap; /* cap: room in indices and values (for appending) */
  int64_t *indptr;        /* rows + 1, from 0 */
  int32_t *indices;
  float *values;
  double *intercept, *lambda, *val_mse, *val_mse_topk; /* rows each (NULL when not read) */
} a2d_dm_rows;

void a2d_dm_rows_free(a2d_dm_rows *r);

/* What a reader needs to know of /datamodel. */
typedef struct a2d_datamodel_info {
  int logits;            /* per-class logit rows (1) or margin rows (0) */
  int64_t points;        /* training points: the columns */
  int64_t per_target;    /* rows per target: 1 or the number of classes */
  int64_t targets_train; /* targets on training points (= points) ... */
  int64_t targets_val;   /* ... and on validation points */
  int64_t nnz;           /* entries of the whole matrix */
} a2d_datamodel_info;

/*
 * Read the attributes (and the training point count from /ensemble/masks).
 * A missing attribute is A2D_ERR_DATA naming it, with "rerun stage fit".
 */
a2d_err a2d_datamodel_info_read(a2d_store *st, a2d_datamodel_info *info);

/* Write the attributes (points is not written; collective). */
a2d_err a2d_datamodel_info_write(a2d_store *st, const a2d_datamodel_info *info);

/* "/datamodel/blocks/bNNNNNN": where stage fit keeps block b until the join. */
void a2d_datamodel_block_group(int64_t b, char *buf, size_t size);

/* Create the datasets of a CSR piece of `rows` rows and `nnz` entries under group (collective). */
a2d_err a2d_datamodel_csr_create(a2d_store *st, const char *group, int64_t rows, int64_t nnz);

/*
 * Write rows r into group's piece at row offset row0 and entry offset nz0
 * (collective; r == NULL writes nothing from this rank).  indptr entries get
 * nz0 added; the closing indptr entry (the next rows' first) only with `last`.
 */
a2d_err a2d_datamodel_csr_write(a2d_store *st, const char *group, const a2d_dm_rows *r,
                                int64_t row0, int64_t nz0, int last);

/* Read a whole piece of `rows` rows and `nnz` entries back from group (this rank alone). */
a2d_err a2d_datamodel_csr_read(a2d_store *st, const char *group, int64_t rows, int64_t nnz,
                               a2d_dm_rows *r);

/*
 * Rows [row0, row0 + count) of /datamodel into r: indptr (from 0), indices,
 * values and intercept.  The row pointer and the column indices are checked
 * against info (A2D_ERR_DATA naming the dataset) on every rank (collective).
 */
a2d_err a2d_datamodel_rows_read(a2d_store *st, MPI_Comm comm, const a2d_datamodel_info *info,
                                int64_t row0, int64_t count, a2d_dm_rows *r);

/* Write which ensemble models fitted (fit, m) and which chose lambda (val, mv); rank 0's data. */
a2d_err a2d_datamodel_split_write(a2d_store *st, int rank, const int64_t *fit, int64_t m,
                                  const int64_t *val, int64_t mv);

/*
 * The fitting models (*fit, *m entries; free it), checked to be increasing
 * model numbers below the ensemble's `models` and at least 3 of them.
 */
a2d_err a2d_datamodel_fit_models_read(a2d_store *st, int64_t models, int64_t **fit, int64_t *m);

#endif
