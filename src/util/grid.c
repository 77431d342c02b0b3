/*
 * grid.c - the BLACS process grid and block-cyclic matrices (a2d/grid.h).
 *
 * ScaLAPACK ships no C header in Debian; the few prototypes a2d calls are
 * declared here, with Fortran's pass-by-reference.
 */
#include "a2d/grid.h"
#include "a2d/parallel.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- BLACS, the ScaLAPACK tools and PBLAS (libscalapack-openmpi) ---- */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdtran_(const int *m, const int *n, const double *alpha, const double *a, const int *ia,
             const int *ja, const int *desca, const double *beta, double *c, const int *ic,
             const int *jc, const int *descc);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja,
               const int *desca, double *b, const int *ib, const int *jb, const int *descb,
               const int *ictxt);

/* Descriptor fields (ScaLAPACK's DTYPE_, CTXT_, M_, N_, MB_, NB_, ...). */
enum { DESC_CTXT = 1, DESC_M = 2, DESC_N = 3 };

/* ------------------------------------------------------------- the grid */

/*
 * BLACS gives every grid made from one communicator the same system handle,
 * so a handle is freed only with the last grid that uses it.
 */
#define GRID_HANDLES 256
static int handle_users[GRID_HANDLES];

a2d_err a2d_grid_create(MPI_Comm comm, int nprow, int npcol, a2d_grid *out) {
  int size;
  memset(out, 0, sizeof *out);
  A2D_CHECK_MPI(MPI_Comm_size(comm, &size));
  if (nprow < 1 || npcol < 1 || (int64_t)nprow * npcol != size)
    return A2D_ERROR(A2D_ERR_INTERNAL, "a %d x %d process grid does not fit %d ranks", nprow, npcol,
                     size);
  out->handle = Csys2blacs_handle(comm);
  if (out->handle >= 0 && out->handle < GRID_HANDLES) handle_users[out->handle]++;
  out->context = out->handle;
  Cblacs_gridinit(&out->context, "Row", nprow, npcol);
  out->live = 1;
  Cblacs_gridinfo(out->context, &out->nprow, &out->npcol, &out->myrow, &out->mycol);
  if (out->nprow != nprow || out->npcol != npcol || out->myrow < 0 || out->mycol < 0) {
    a2d_grid_free(out);
    return A2D_ERROR(A2D_ERR_INTERNAL, "BLACS could not make a %d x %d process grid", nprow, npcol);
  }
  return A2D_OK;
}

void a2d_grid_free(a2d_grid *g) {
  if (g->live) {
    Cblacs_gridexit(g->context);
    if (g->handle >= 0 && g->handle < GRID_HANDLES && --handle_users[g->handle] == 0)
      Cfree_blacs_system_handle(g->handle);
  }
  memset(g, 0, sizeof *g);
}

/* ------------------------------------------------------------ matrices */

a2d_err a2d_dmatrix_create(const a2d_grid *g, int64_t m, int64_t n, int mb, int nb,
                           a2d_dmatrix *out) {
  const int zero = 0;
  int info = 0;
  memset(out, 0, sizeof *out);
  if (m < 1 || n < 1 || m > INT_MAX || n > INT_MAX || mb < 1 || nb < 1)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "a %lld x %lld matrix in %d x %d blocks is outside what ScaLAPACK takes",
                     (long long)m, (long long)n, mb, nb);
  const int im = (int)m, in = (int)n;
  const int lr = numroc_(&im, &mb, &g->myrow, &zero, &g->nprow);
  const int lc = numroc_(&in, &nb, &g->mycol, &zero, &g->npcol);
  const int lld = lr > 1 ? lr : 1;
  descinit_(out->desc, &im, &in, &mb, &nb, &zero, &zero, &g->context, &lld, &info);
  if (info != 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "DESCINIT refused a %d x %d matrix (argument %d)", im, in,
                     -info);
  out->rows = m, out->cols = n, out->mb = mb, out->nb = nb;
  out->local_rows = lr, out->local_cols = lc, out->ld = lld;
  A2D_CHECK(A2D_CALLOC(out->local, (int64_t)lld * (lc > 0 ? lc : 1)));
  return A2D_OK;
}

void a2d_dmatrix_free(a2d_dmatrix *A) {
  free(A->local);
  memset(A, 0, sizeof *A);
}

/* Global index of local index i of a dimension cut in blocks of nb over np processes. */
static int64_t global_index(int64_t i, int nb, int me, int np) {
  return ((i / nb) * np + me) * nb + i % nb;
}

int64_t a2d_dmatrix_global_row(const a2d_dmatrix *A, const a2d_grid *g, int64_t i) {
  return global_index(i, A->mb, g->myrow, g->nprow);
}

int64_t a2d_dmatrix_global_col(const a2d_dmatrix *A, const a2d_grid *g, int64_t j) {
  return global_index(j, A->nb, g->mycol, g->npcol);
}

/* ------------------------------------------------------------ products */

a2d_err a2d_pdgemm_at(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                      const a2d_dmatrix *A, int64_t ia, int64_t ja, const a2d_dmatrix *B,
                      int64_t ib, int64_t jb, double beta, a2d_dmatrix *C, int64_t ic, int64_t jc) {
  const int ta = trans_a == 'T', tb = trans_b == 'T';
  if ((trans_a != 'N' && !ta) || (trans_b != 'N' && !tb))
    return A2D_ERROR(A2D_ERR_INTERNAL, "PDGEMM takes op N or T, not %c and %c", trans_a, trans_b);
  /* The submatrices op(A) m x k, op(B) k x n and C m x n must lie inside their matrices. */
  const int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  if (m < 1 || n < 1 || k < 1 || ia < 0 || ja < 0 || ib < 0 || jb < 0 || ic < 0 || jc < 0 ||
      ia + ar > A->rows || ja + ac > A->cols || ib + br > B->rows || jb + bc > B->cols ||
      ic + m > C->rows || jc + n > C->cols)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "PDGEMM submatrices out of range: %lld x %lld x %lld product of a %lld x "
                     "%lld, a %lld x %lld and a %lld x %lld matrix",
                     (long long)m, (long long)n, (long long)k, (long long)A->rows,
                     (long long)A->cols, (long long)B->rows, (long long)B->cols, (long long)C->rows,
                     (long long)C->cols);
  if (A->desc[DESC_CTXT] != C->desc[DESC_CTXT] || B->desc[DESC_CTXT] != C->desc[DESC_CTXT])
    return A2D_ERROR(A2D_ERR_INTERNAL, "PDGEMM operands are on different process grids");
  const int im = (int)m, in = (int)n, ik = (int)k;
  const int fa = (int)ia + 1, ga = (int)ja + 1, fb = (int)ib + 1, gb = (int)jb + 1;
  const int fc = (int)ic + 1, gc = (int)jc + 1;
  const char ca = ta ? 'T' : 'N', cb = tb ? 'T' : 'N';
  pdgemm_(&ca, &cb, &im, &in, &ik, &alpha, A->local, &fa, &ga, A->desc, B->local, &fb, &gb, B->desc,
          &beta, C->local, &fc, &gc, C->desc);
  return A2D_OK;
}

a2d_err a2d_pdgemm(char trans_a, char trans_b, double alpha, const a2d_dmatrix *A,
                   const a2d_dmatrix *B, double beta, a2d_dmatrix *C) {
  const int64_t m = trans_a == 'T' ? A->cols : A->rows, k = trans_a == 'T' ? A->rows : A->cols;
  const int64_t bk = trans_b == 'T' ? B->cols : B->rows, n = trans_b == 'T' ? B->rows : B->cols;
  if (k != bk || m != C->rows || n != C->cols)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "PDGEMM shapes do not conform: op(A) %lld x %lld, op(B) %lld x %lld, C "
                     "%lld x %lld",
                     (long long)m, (long long)k, (long long)bk, (long long)n, (long long)C->rows,
                     (long long)C->cols);
  return a2d_pdgemm_at(trans_a, trans_b, m, n, k, alpha, A, 0, 0, B, 0, 0, beta, C, 0, 0);
}

a2d_err a2d_pdtran(const a2d_dmatrix *A, a2d_dmatrix *C) {
  const int one = 1;
  const double alpha = 1.0, beta = 0.0;
  if (C->rows != A->cols || C->cols != A->rows)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "PDTRAN: a %lld x %lld matrix is not the transpose of a "
                     "%lld x %lld one",
                     (long long)C->rows, (long long)C->cols, (long long)A->rows,
                     (long long)A->cols);
  if (A->desc[DESC_CTXT] != C->desc[DESC_CTXT])
    return A2D_ERROR(A2D_ERR_INTERNAL, "PDTRAN operands are on different process grids");
  const int m = (int)A->rows, n = (int)A->cols;
  pdtran_(&n, &m, &alpha, A->local, &one, &one, A->desc, &beta, C->local, &one, &one, C->desc);
  return A2D_OK;
}

/* The checks PDPOTRF and PDPOTRS make of a factored matrix, before calling them. */
static a2d_err check_square(const a2d_dmatrix *A, const char *what) {
  if (A->rows != A->cols || A->mb != A->nb)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "%s needs a square matrix in square blocks, not %lld x %lld in %d x %d", what,
                     (long long)A->rows, (long long)A->cols, A->mb, A->nb);
  return A2D_OK;
}

a2d_err a2d_pdpotrf(a2d_dmatrix *A) {
  const int one = 1, n = (int)A->rows;
  int info = 0;
  A2D_CHECK(check_square(A, "PDPOTRF"));
  pdpotrf_("L", &n, A->local, &one, &one, A->desc, &info);
  if (info > 0)
    return A2D_ERROR(A2D_ERR_DATA,
                     "the %d x %d matrix is not positive definite (its leading minor of order %d "
                     "is not)",
                     n, n, info);
  if (info < 0) return A2D_ERROR(A2D_ERR_INTERNAL, "PDPOTRF refused its argument %d", -info);
  return A2D_OK;
}

a2d_err a2d_pdpotrs(const a2d_dmatrix *L, a2d_dmatrix *B) {
  const int one = 1, n = (int)L->rows, nrhs = (int)B->cols;
  int info = 0;
  A2D_CHECK(check_square(L, "PDPOTRS"));
  if (B->rows != L->rows || B->mb != L->mb || L->desc[DESC_CTXT] != B->desc[DESC_CTXT])
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "PDPOTRS: right-hand sides of %lld rows in blocks of %d for a %lld x %lld "
                     "factor in blocks of %d on the same grid",
                     (long long)B->rows, B->mb, (long long)L->rows, (long long)L->cols, L->mb);
  pdpotrs_("L", &n, &nrhs, L->local, &one, &one, L->desc, B->local, &one, &one, B->desc, &info);
  if (info != 0) return A2D_ERROR(A2D_ERR_INTERNAL, "PDPOTRS refused its argument %d", -info);
  return A2D_OK;
}

a2d_err a2d_pdgemr2d(const a2d_dmatrix *A, a2d_dmatrix *B, const a2d_grid *g) {
  const int one = 1;
  if (A->rows != B->rows || A->cols != B->cols)
    return A2D_ERROR(
        A2D_ERR_INTERNAL, "PDGEMR2D copies between equal shapes, not %lld x %lld to %lld x %lld",
        (long long)A->rows, (long long)A->cols, (long long)B->rows, (long long)B->cols);
  const int m = (int)A->rows, n = (int)A->cols;
  pdgemr2d_(&m, &n, A->local, &one, &one, A->desc, B->local, &one, &one, B->desc, &g->context);
  return A2D_OK;
}
