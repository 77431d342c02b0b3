/*
 * a2d/grid.h - the BLACS process grid and block-cyclic matrices, for the
 * distributed dense products that run on ScaLAPACK (PBLAS).
 *
 * A grid lays the ranks of a communicator out as nprow x npcol, row-major
 * (rank r is at row r / npcol, column r % npcol).  A matrix of m x n is cut
 * into mb x nb blocks dealt out cyclically over the grid (ScaLAPACK's
 * two-dimensional block-cyclic layout); each rank holds its blocks in one
 * column-major local array.  PBLAS reports bad arguments by aborting the job,
 * so every wrapper here checks its arguments first and returns an a2d_err.
 *
 *   a2d_grid g;
 *   A2D_CHECK(a2d_grid_create(comm, 1, size, &g));         // 1 x p: column blocks
 *   a2d_dmatrix X, N;
 *   A2D_CHECK(a2d_dmatrix_create(&g, m, n, m, 64, &X));    // all rows, columns in 64s
 *   ... fill X.local (X.local_rows x X.local_cols, leading dimension X.ld) ...
 *   A2D_CHECK(a2d_dmatrix_create(&g, n, n, n, 64, &N));
 *   A2D_CHECK(a2d_pdgemm('T', 'N', 1.0, &X, &X, 0.0, &N)); // N = X^T X
 *   a2d_dmatrix_free(&X), a2d_dmatrix_free(&N);
 *   a2d_grid_free(&g);
 *
 * The grid is also what a redistribution needs: a2d_pdgemr2d copies a matrix
 * between two layouts (two grids over the same ranks, or two block sizes).
 */
#ifndef A2D_GRID_H
#define A2D_GRID_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"

typedef struct a2d_grid {
  int live;         /* created (a zeroed struct is safe to free) */
  int context;      /* BLACS context */
  int handle;       /* BLACS system handle of the communicator */
  int nprow, npcol; /* the grid's shape */
  int myrow, mycol; /* this rank's place in it */
} a2d_grid;

/* Collective on comm: lay its ranks out as nprow x npcol (nprow * npcol = its size). */
a2d_err a2d_grid_create(MPI_Comm comm, int nprow, int npcol, a2d_grid *out);
void a2d_grid_free(a2d_grid *g);

/* A block-cyclic m x n matrix on a grid, with this rank's part. */
typedef struct a2d_dmatrix {
  int desc[9];                    /* ScaLAPACK array descriptor */
  int64_t rows, cols;             /* global size */
  int mb, nb;                     /* block size */
  int64_t local_rows, local_cols; /* this rank's part */
  int64_t ld;                     /* its leading dimension (>= 1) */
  double *local;                  /* column-major, ld x local_cols, zeroed */
} a2d_dmatrix;

/*
 * Create an m x n matrix of mb x nb blocks on g, the first block on grid
 * position (0, 0), and allocate this rank's part (zeroed).
 */
a2d_err a2d_dmatrix_create(const a2d_grid *g, int64_t m, int64_t n, int mb, int nb,
                           a2d_dmatrix *out);
void a2d_dmatrix_free(a2d_dmatrix *A);

/* The global row (column) index, from 0, of local row (column) i of A on this rank. */
int64_t a2d_dmatrix_global_row(const a2d_dmatrix *A, const a2d_grid *g, int64_t i);
int64_t a2d_dmatrix_global_col(const a2d_dmatrix *A, const a2d_grid *g, int64_t j);

/*
 * Collective on the grid: C = alpha op(A) op(B) + beta C with PDGEMM, op 'N'
 * or 'T'.  Fails, without calling PBLAS, if the shapes do not conform or the
 * matrices are on different grids.
 */
a2d_err a2d_pdgemm(char trans_a, char trans_b, double alpha, const a2d_dmatrix *A,
                   const a2d_dmatrix *B, double beta, a2d_dmatrix *C);

/*
 * As a2d_pdgemm on submatrices: op(A) is the m x k block of A at row ia,
 * column ja (from 0), op(B) the k x n block at (ib, jb), C the m x n block
 * at (ic, jc).
 */
a2d_err a2d_pdgemm_at(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                      const a2d_dmatrix *A, int64_t ia, int64_t ja, const a2d_dmatrix *B,
                      int64_t ib, int64_t jb, double beta, a2d_dmatrix *C, int64_t ic, int64_t jc);

/* Collective on the grid: C = A^T (PDTRAN); C is A->cols x A->rows. */
a2d_err a2d_pdtran(const a2d_dmatrix *A, a2d_dmatrix *C);

/*
 * Collective on the grid: the Cholesky factor A = L L^T, in place in A's
 * lower triangle (PDPOTRF; A square, in square blocks).  A matrix that is
 * not positive definite is A2D_ERR_DATA.
 */
a2d_err a2d_pdpotrf(a2d_dmatrix *A);

/*
 * Collective on the grid: B = A^-1 B, with L the factor a2d_pdpotrf left
 * (PDPOTRS); B has A's rows, in A's row blocks.
 */
a2d_err a2d_pdpotrs(const a2d_dmatrix *L, a2d_dmatrix *B);

/*
 * Collective on every rank of both grids (g spans them all): copy A into B,
 * which has the same global shape in another layout, with PDGEMR2D.
 */
a2d_err a2d_pdgemr2d(const a2d_dmatrix *A, a2d_dmatrix *B, const a2d_grid *g);

#endif
