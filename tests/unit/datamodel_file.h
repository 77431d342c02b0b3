/*
 * datamodel_file.h - write a hand-made /datamodel (CSR rows of a dense theta,
 * intercepts, the attributes a2d_attribution_load reads) and the
 * /ensemble/masks it checks n against, for unit tests (collective; rank 0
 * writes the data).
 */
#ifndef A2D_TEST_DATAMODEL_FILE_H
#define A2D_TEST_DATAMODEL_FILE_H

#include <stdlib.h>

#include "a2d/store.h"
#include "check.h"

/* theta: rows x n, row-major; zeros are left out of the CSR matrix. */
static void write_datamodel_file(a2d_store *st, int rank, const double *theta,
                                 const double *intercept, int64_t rows, int64_t n,
                                 int64_t per_target, int64_t targets_train, int64_t targets_val) {
  int64_t *indptr = calloc((size_t)rows + 1, sizeof *indptr), nnz = 0;
  int32_t *indices = calloc((size_t)(rows * n) + 1, sizeof *indices);
  float *values = calloc((size_t)(rows * n) + 1, sizeof *values);
  uint8_t *masks = calloc((size_t)(4 * n), 1);
  if (!indptr || !indices || !values || !masks) {
    CHECK(!"out of memory");
  } else {
    for (int64_t r = 0; r < rows; r++) {
      indptr[r] = nnz;
      for (int64_t j = 0; j < n; j++)
        if (theta[r * n + j] != 0)
          indices[nnz] = (int32_t)j, values[nnz++] = (float)theta[r * n + j];
    }
    indptr[rows] = nnz;
    int64_t np1 = rows + 1, dims[2] = {4, n};
    CHECK_OK(a2d_store_create(st, "/datamodel/indptr", A2D_I64, 1, &np1, NULL, 0));
    CHECK_OK(a2d_store_write_rows(st, "/datamodel/indptr", A2D_I64, 0, rank ? 0 : np1, indptr));
    CHECK_OK(a2d_store_create(st, "/datamodel/indices", A2D_I32, 1, &nnz, NULL, 0));
    CHECK_OK(a2d_store_write_rows(st, "/datamodel/indices", A2D_I32, 0, rank ? 0 : nnz, indices));
    CHECK_OK(a2d_store_create(st, "/datamodel/values", A2D_F32, 1, &nnz, NULL, 0));
    CHECK_OK(a2d_store_write_rows(st, "/datamodel/values", A2D_F32, 0, rank ? 0 : nnz, values));
    CHECK_OK(a2d_store_create(st, "/datamodel/intercept", A2D_F64, 1, &rows, NULL, 0));
    CHECK_OK(
        a2d_store_write_rows(st, "/datamodel/intercept", A2D_F64, 0, rank ? 0 : rows, intercept));
    CHECK_OK(a2d_store_create(st, "/ensemble/masks", A2D_U8, 2, dims, NULL, 0));
    CHECK_OK(a2d_store_write_rows(st, "/ensemble/masks", A2D_U8, 0, rank ? 0 : 4, masks));
    CHECK_OK(a2d_store_set_int(st, "/datamodel", "rows_per_target", per_target));
    CHECK_OK(a2d_store_set_int(st, "/datamodel", "targets_train", targets_train));
    CHECK_OK(a2d_store_set_int(st, "/datamodel", "targets_val", targets_val));
    CHECK_OK(a2d_store_set_int(st, "/datamodel", "nnz", nnz));
  }
  free(indptr);
  free(indices);
  free(values);
  free(masks);
}

#endif
