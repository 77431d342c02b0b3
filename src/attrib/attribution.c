/* attribution.c - the datamodels as a PETSc MPIAIJ matrix (a2d/attribution.h). */
#include "a2d/attribution.h"

#include "a2d/hot.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/petsc_check.h"

/* Read an int64 attribute of /datamodel that must be there. */
static a2d_err required_int(a2d_context *ctx, const char *name, int64_t *v) {
  int present;
  A2D_CHECK(a2d_store_get_int(ctx->store, "/datamodel", name, v, &present));
  if (!present)
    return A2D_ERROR(A2D_ERR_DATA, "%s: /datamodel has no attribute %s; rerun stage fit",
                     a2d_store_path(ctx->store), name);
  return A2D_OK;
}

/* Build the matrix from this rank's CSR rows (indptr from 0). */
static a2d_err create_matrix(a2d_context *ctx, a2d_attribution *A, const int64_t *indptr,
                             const int32_t *indices, const float *values) {
  const int64_t local = A->row1 - A->row0, nnz = indptr[local];
  PetscInt *i = NULL, *j = NULL;
  PetscScalar *a = NULL;
  a2d_err err = A2D_OK;
  A2D_TRY(A2D_CALLOC(i, local + 1));
  A2D_TRY(A2D_CALLOC(j, nnz));
  A2D_TRY(A2D_CALLOC(a, nnz));
  for (int64_t r = 0; r <= local; r++) i[r] = (PetscInt)indptr[r];
  for (int64_t k = 0; k < nnz; k++) j[k] = indices[k], a[k] = values[k];
  PetscErrorCode pe =
      MatCreateMPIAIJWithArrays(ctx->comm, (PetscInt)local, PETSC_DECIDE, (PetscInt)A->rows,
                                (PetscInt)A->n, i, j, a, &A->theta);
  if (pe)
    A2D_FAIL(A2D_ERR_INTERNAL, "PETSc: cannot build the %lld x %lld attribution matrix",
             (long long)A->rows, (long long)A->n);
  A2D_TRY(a2d_agree(ctx->comm, A2D_OK));
cleanup:
  free(i);
  free(j);
  free(a);
  return err;
}

a2d_err a2d_attribution_load(a2d_context *ctx, a2d_attribution *A) {
  a2d_err err = A2D_OK;
  int64_t *indptr = NULL, nnz_total = 0;
  int32_t *indices = NULL;
  float *values = NULL;
  memset(A, 0, sizeof *A);
  A2D_TRY(required_int(ctx, "rows_per_target", &A->per_target));
  A2D_TRY(required_int(ctx, "targets_train", &A->targets_train));
  A2D_TRY(required_int(ctx, "targets_val", &A->targets_val));
  A2D_TRY(required_int(ctx, "nnz", &nnz_total));
  int rank;
  int64_t dims[8];
  A2D_TRY(a2d_store_shape(ctx->store, "/ensemble/masks", &rank, dims));
  A->n = dims[1];
  A->rows = (A->targets_train + A->targets_val) * A->per_target;
  a2d_block_range(A->targets_train + A->targets_val, ctx->size, ctx->rank, &A->target0,
                  &A->target1);
  A->row0 = A->target0 * A->per_target;
  A->row1 = A->target1 * A->per_target;
  const int64_t local = A->row1 - A->row0;

  /* This rank's rows of the CSR arrays, checked before PETSc sees them. */
  A2D_TRY(A2D_CALLOC(indptr, local + 1));
  A2D_TRY(
      a2d_store_read_rows(ctx->store, "/datamodel/indptr", A2D_I64, A->row0, local + 1, indptr));
  const int64_t first = indptr[0], count = indptr[local] - first;
  int ok = count >= 0 && first >= 0 && indptr[local] <= nnz_total;
  for (int64_t r = 0; ok && r < local; r++) ok = indptr[r + 1] >= indptr[r];
  A2D_TRY(a2d_agree(ctx->comm, ok ? A2D_OK
                                  : A2D_ERROR(A2D_ERR_DATA,
                                              "%s: /datamodel/indptr is not a valid "
                                              "CSR row pointer",
                                              a2d_store_path(ctx->store))));
  A2D_TRY(A2D_CALLOC(indices, count));
  A2D_TRY(A2D_CALLOC(values, count));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/datamodel/indices", A2D_I32, first, count, indices));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/datamodel/values", A2D_F32, first, count, values));
  for (int64_t r = 0; r <= local; r++) indptr[r] -= first;
  for (int64_t k = 0; ok && k < count; k++) ok = indices[k] >= 0 && indices[k] < A->n;
  A2D_TRY(a2d_agree(ctx->comm, ok ? A2D_OK
                                  : A2D_ERROR(A2D_ERR_DATA,
                                              "%s: /datamodel/indices holds a column "
                                              "outside [0, %lld)",
                                              a2d_store_path(ctx->store), (long long)A->n)));
  A2D_TRY(A2D_CALLOC(A->intercept, local));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/datamodel/intercept", A2D_F64, A->row0, local,
                              A->intercept));
  A2D_TRY(create_matrix(ctx, A, indptr, indices, values));
  if (MatCreateVecs(A->theta, &A->indicator, &A->product))
    A2D_FAIL(A2D_ERR_INTERNAL, "PETSc: MatCreateVecs failed");
cleanup:
  free(indptr);
  free(indices);
  free(values);
  if (err) a2d_attribution_destroy(A);
  return err;
}

void a2d_attribution_destroy(a2d_attribution *A) {
  if (A->theta) MatDestroy(&A->theta);
  if (A->indicator) VecDestroy(&A->indicator);
  if (A->product) VecDestroy(&A->product);
  free(A->intercept);
  memset(A, 0, sizeof *A);
}

/* indicator = 1[subset] (all ones when NULL), then 0 at the forget points; product = theta x. */
static a2d_err multiply_indicator(a2d_attribution *A, const uint8_t *subset, int all_value,
                                  const int64_t *forget, int64_t nforget, int forget_value) {
  PetscInt lo, hi;
  PetscScalar *x;
  A2D_CHECK_PETSC(VecGetOwnershipRange(A->indicator, &lo, &hi));
  A2D_CHECK_PETSC(VecGetArray(A->indicator, &x));
  for (PetscInt i = lo; i < hi; i++) x[i - lo] = subset ? (subset[i] ? 1.0 : 0.0) : all_value;
  for (int64_t k = 0; k < nforget; k++)
    if (forget[k] >= lo && forget[k] < hi) x[forget[k] - lo] = forget_value;
  A2D_CHECK_PETSC(VecRestoreArray(A->indicator, &x));
  A2D_CHECK_PETSC(MatMult(A->theta, A->indicator, A->product));
  return A2D_OK;
}

/* Reject forget indices outside [0, n). */
static a2d_err check_forget(const a2d_attribution *A, const int64_t *forget, int64_t nforget) {
  for (int64_t k = 0; k < nforget; k++)
    if (forget[k] < 0 || forget[k] >= A->n)
      return A2D_ERROR(A2D_ERR_DATA, "forget index %lld is outside the %lld training points",
                       (long long)forget[k], (long long)A->n);
  return A2D_OK;
}

/* out = offset + sign * (the last product), over this rank's rows. */
static a2d_err combine(a2d_attribution *A, const double *offset, double sign, double *out) {
  const PetscScalar *p;
  A2D_CHECK_PETSC(VecGetArrayRead(A->product, &p));
  for (int64_t r = 0; r < A->row1 - A->row0; r++) out[r] = offset[r] + sign * p[r];
  A2D_CHECK_PETSC(VecRestoreArrayRead(A->product, &p));
  return A2D_OK;
}

a2d_err a2d_attribution_predict_direct(a2d_attribution *A, const uint8_t *subset,
                                       const int64_t *forget, int64_t nforget, double *out) {
  A2D_CHECK(check_forget(A, forget, nforget));
  A2D_CHECK(multiply_indicator(A, subset, 1, forget, nforget, 0));
  A2D_CHECK(combine(A, A->intercept, 1.0, out));
  return A2D_OK;
}

/* Subsets per pass over theta in a2d_attribution_predict_masks. */
#define PREDICT_MASKS_BLOCK 32

/* acc[jj] = sum over k of vals[k] xt[cols[k]][jj], jj < PREDICT_MASKS_BLOCK, k in order. */
A2D_HOT static void row_times_block(double *acc, const uint8_t *xt, const PetscInt *cols,
                                    const PetscScalar *vals, PetscInt nc) {
  for (int64_t jj = 0; jj < PREDICT_MASKS_BLOCK; jj++) acc[jj] = 0;
  for (PetscInt k = 0; k < nc; k++) {
    const double v = vals[k];
    const uint8_t *x = xt + (int64_t)cols[k] * PREDICT_MASKS_BLOCK;
    for (int64_t jj = 0; jj < PREDICT_MASKS_BLOCK; jj++) acc[jj] += v * (double)x[jj];
  }
}

a2d_err a2d_attribution_predict_masks(a2d_attribution *A, const uint8_t *masks, int64_t count,
                                      double *out, int64_t ldo) {
  a2d_err err = A2D_OK;
  const int64_t n = A->n, B = PREDICT_MASKS_BLOCK, rows = A->row1 - A->row0;
  uint8_t *xt = NULL; /* n x B: the block's subsets, point-major */
  double acc[PREDICT_MASKS_BLOCK];
  A2D_TRY(A2D_CALLOC(xt, n * B));
  for (int64_t j0 = 0; j0 < count; j0 += B) {
    const int64_t nb = count - j0 < B ? count - j0 : B;
    memset(xt, 0, (size_t)(n * B));
    for (int64_t jj = 0; jj < nb; jj++)
      for (int64_t p = 0; p < n; p++) xt[p * B + jj] = masks[(j0 + jj) * n + p] != 0;
    for (int64_t r = 0; r < rows; r++) {
      PetscInt nc;
      const PetscInt *cols;
      const PetscScalar *vals;
      A2D_TRY_PETSC(MatGetRow(A->theta, (PetscInt)(A->row0 + r), &nc, &cols, &vals));
      row_times_block(acc, xt, cols, vals, nc);
      A2D_TRY_PETSC(MatRestoreRow(A->theta, (PetscInt)(A->row0 + r), &nc, &cols, &vals));
      for (int64_t jj = 0; jj < nb; jj++) out[(j0 + jj) * ldo + r] = A->intercept[r] + acc[jj];
    }
  }
cleanup:
  free(xt);
  return err;
}

a2d_err a2d_attribution_predict_anchored(a2d_attribution *A, const double *base,
                                         const int64_t *forget, int64_t nforget, double *out) {
  A2D_CHECK(check_forget(A, forget, nforget));
  A2D_CHECK(multiply_indicator(A, NULL, 0, forget, nforget, 1));
  A2D_CHECK(combine(A, base, -1.0, out));
  return A2D_OK;
}
