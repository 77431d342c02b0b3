/* attribution.c - the datamodels as a PETSc MPIAIJ matrix (a2d/attribution.h). */
#include "a2d/attribution.h"

#include "a2d/hot.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/datamodel_store.h"
#include "a2d/parallel.h"
#include "a2d/petsc_check.h"

/* Build the matrix from this rank's CSR rows (collective). */
static a2d_err create_matrix(MPI_Comm comm, a2d_attribution *A, const a2d_dm_rows *csr) {
  const int64_t local = A->row1 - A->row0, nnz = csr->nnz;
  PetscInt *i = NULL, *j = NULL;
  PetscScalar *a = NULL;
  a2d_err err = A2D_OK;
  err = A2D_CALLOC(i, local + 1);
  if (!err) err = A2D_CALLOC(j, nnz);
  if (!err) err = A2D_CALLOC(a, nnz);
  A2D_TRY(a2d_agree(comm, err));
  for (int64_t r = 0; r <= local; r++) i[r] = (PetscInt)csr->indptr[r];
  for (int64_t k = 0; k < nnz; k++) j[k] = csr->indices[k], a[k] = csr->values[k];
  A2D_TRY_PETSC(MatCreateMPIAIJWithArrays(comm, (PetscInt)local, PETSC_DECIDE, (PetscInt)A->rows,
                                          (PetscInt)A->n, i, j, a, &A->theta));
cleanup:
  free(i);
  free(j);
  free(a);
  return err;
}

a2d_err a2d_attribution_load(a2d_store *store, MPI_Comm comm, a2d_attribution *A) {
  a2d_err err = A2D_OK;
  a2d_datamodel_info info;
  a2d_dm_rows csr = {0};
  int rank, size;
  memset(A, 0, sizeof *A);
  A2D_TRY_MPI(MPI_Comm_rank(comm, &rank));
  A2D_TRY_MPI(MPI_Comm_size(comm, &size));
  A2D_TRY(a2d_datamodel_info_read(store, &info));
  A->n = info.points;
  A->per_target = info.per_target;
  A->targets_train = info.targets_train;
  A->targets_val = info.targets_val;
  A->rows = (A->targets_train + A->targets_val) * A->per_target;
  a2d_block_range(A->targets_train + A->targets_val, size, rank, &A->target0, &A->target1);
  A->row0 = A->target0 * A->per_target;
  A->row1 = A->target1 * A->per_target;

  /* This rank's rows, checked before PETSc sees them. */
  A2D_TRY(a2d_datamodel_rows_read(store, comm, &info, A->row0, A->row1 - A->row0, &csr));
  A->intercept = csr.intercept;
  csr.intercept = NULL;
  A2D_TRY(create_matrix(comm, A, &csr));
  A2D_TRY_PETSC(MatCreateVecs(A->theta, &A->indicator, &A->product));
cleanup:
  a2d_dm_rows_free(&csr);
  if (err) a2d_attribution_destroy(A);
  return err;
}

a2d_err a2d_attribution_destroy(a2d_attribution *A) {
  a2d_err err = A2D_OK;
  if (A->theta) A2D_CLEANUP_PETSC(MatDestroy(&A->theta));
  if (A->indicator) A2D_CLEANUP_PETSC(VecDestroy(&A->indicator));
  if (A->product) A2D_CLEANUP_PETSC(VecDestroy(&A->product));
  free(A->intercept);
  memset(A, 0, sizeof *A);
  return err;
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
