/*
 * test_grid.c - the ScaLAPACK layer (a2d/grid.h) against serial LAPACK: a
 * kernel Phi^T Phi + lambda I formed with PDGEMM on a 2-D grid, factored with
 * PDPOTRF and applied to Phi^T with PDPOTRS (after PDTRAN), as TRAK does;
 * every rank checks its blocks against dpotrf/dpotrs of the same matrix on
 * one rank.  A matrix that is not positive definite is refused.
 * Ranks: 1, 2, 4.
 */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/grid.h"
#include "a2d/rng.h"
#include "check.h"

/* LAPACK in OpenBLAS (Fortran calling convention). */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);

enum { ROWS = 50, K = 37, BLOCK = 8 };
static const double LAMBDA = 0.5;

/* Phi (ROWS x K), the same on every rank. */
static void make_phi(double *phi) {
  a2d_rng rng;
  a2d_rng_seed(&rng, 11, 99, 1);
  for (int i = 0; i < ROWS * K; i++) phi[i] = a2d_rng_normal(&rng);
}

/* The most nearly square grid: nprow the largest divisor of size not above its root. */
static void grid_shape(int size, int *nprow, int *npcol) {
  *nprow = 1;
  for (int r = 1; r * r <= size; r++)
    if (size % r == 0) *nprow = r;
  *npcol = size / *nprow;
}

/* A's local entries from the row-major matrix src (leading dimension ld). */
static void fill(a2d_dmatrix *A, const a2d_grid *g, const double *src, int ld) {
  for (int64_t j = 0; j < A->local_cols; j++)
    for (int64_t i = 0; i < A->local_rows; i++) {
      const int64_t r = a2d_dmatrix_global_row(A, g, i), c = a2d_dmatrix_global_col(A, g, j);
      A->local[j * A->ld + i] = src[r * ld + c];
    }
}

static void test_kernel_solve(MPI_Comm comm) {
  int size;
  MPI_Comm_size(comm, &size);
  double *phi = calloc(ROWS * K, sizeof *phi), *a = calloc(K * K, sizeof *a);
  double *x = calloc(K * ROWS, sizeof *x);
  make_phi(phi);

  /* ---- the serial reference: A = Phi^T Phi + lambda I, X = A^-1 Phi^T (column-major) ---- */
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      double s = i == j ? LAMBDA : 0.0;
      for (int r = 0; r < ROWS; r++) s += phi[r * K + i] * phi[r * K + j];
      a[j * K + i] = s;
    }
  for (int r = 0; r < ROWS; r++)
    for (int i = 0; i < K; i++) x[r * K + i] = phi[r * K + i]; /* column r of Phi^T */
  int n = K, nrhs = ROWS, info = 0;
  dpotrf_("L", &n, a, &n, &info);
  CHECK(info == 0);
  dpotrs_("L", &n, &nrhs, a, &n, x, &n, &info);
  CHECK(info == 0);

  /* ---- the same on the grid ---- */
  int nprow, npcol;
  grid_shape(size, &nprow, &npcol);
  a2d_grid g;
  a2d_dmatrix P = {0}, A = {0}, B = {0};
  CHECK_OK(a2d_grid_create(comm, nprow, npcol, &g));
  CHECK_OK(a2d_dmatrix_create(&g, ROWS, K, BLOCK, BLOCK, &P));
  CHECK_OK(a2d_dmatrix_create(&g, K, K, BLOCK, BLOCK, &A));
  CHECK_OK(a2d_dmatrix_create(&g, K, ROWS, BLOCK, BLOCK, &B));
  fill(&P, &g, phi, K);
  CHECK_OK(a2d_pdgemm('T', 'N', 1.0, &P, &P, 0.0, &A));
  for (int64_t j = 0; j < A.local_cols; j++)
    for (int64_t i = 0; i < A.local_rows; i++)
      if (a2d_dmatrix_global_row(&A, &g, i) == a2d_dmatrix_global_col(&A, &g, j))
        A.local[j * A.ld + i] += LAMBDA;
  CHECK_OK(a2d_pdpotrf(&A));
  CHECK_OK(a2d_pdtran(&P, &B));
  CHECK_OK(a2d_pdpotrs(&A, &B));
  double worst = 0, scale = 0;
  for (int i = 0; i < K * ROWS; i++) scale = fmax(scale, fabs(x[i]));
  for (int64_t j = 0; j < B.local_cols; j++)
    for (int64_t i = 0; i < B.local_rows; i++) {
      const int64_t r = a2d_dmatrix_global_row(&B, &g, i), c = a2d_dmatrix_global_col(&B, &g, j);
      worst = fmax(worst, fabs(B.local[j * B.ld + i] - x[c * K + r]));
    }
  double all = 0;
  MPI_Allreduce(&worst, &all, 1, MPI_DOUBLE, MPI_MAX, comm);
  printf("grid %d x %d: PDPOTRS against dpotrs: largest difference %.2e of %.2e\n", nprow, npcol,
         all, scale);
  CHECK(all <= 1e-12 * scale);

  /* ---- not positive definite: refused, on every rank ---- */
  for (int64_t j = 0; j < A.local_cols; j++) /* A = -I */
    for (int64_t i = 0; i < A.local_rows; i++) A.local[j * A.ld + i] = 0.0;
  for (int64_t j = 0; j < A.local_cols; j++)
    for (int64_t i = 0; i < A.local_rows; i++)
      if (a2d_dmatrix_global_row(&A, &g, i) == a2d_dmatrix_global_col(&A, &g, j))
        A.local[j * A.ld + i] = -1.0;
  CHECK_FAILS(a2d_pdpotrf(&A), A2D_ERR_DATA, "not positive definite");
  a2d_dmatrix_free(&P);
  a2d_dmatrix_free(&A);
  a2d_dmatrix_free(&B);
  a2d_grid_free(&g);
  free(phi);
  free(a);
  free(x);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_kernel_solve(MPI_COMM_WORLD);
  return check_finalize("test_grid");
}
