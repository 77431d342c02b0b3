/* trak.c - TRAK's projected margin gradients and kernel solve (a2d/trak.h). */
#include "a2d/trak.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/grid.h"
#include "a2d/parallel.h"
#include "a2d/rng.h"

/* Block size of the 2-D block-cyclic layout of Phi and the kernel. */
#define TRAK_BLOCK 64

void a2d_trak_projection(int64_t P, int64_t k, uint64_t seed, uint64_t model, int64_t j0,
                         int64_t count, float *r) {
  const float s = (float)(1.0 / sqrt((double)k));
  for (int64_t c = 0; c < count; c++) {
    a2d_rng rng;
    uint64_t bits = 0;
    a2d_rng_seed(&rng, seed, A2D_STREAM_TRAK_PROJECTION, (model << 32) + (uint64_t)(j0 + c));
    for (int64_t p = 0; p < P; p++) {
      if (p % 64 == 0) bits = a2d_rng_next(&rng);
      r[p * count + c] = (bits >> (p % 64)) & 1 ? s : -s;
    }
  }
}

/* 1 - the softmax probability of label y, in double from float logits. */
static double out_to_loss(const float *z, int32_t y, int64_t classes) {
  float zmax = z[0];
  for (int64_t c = 1; c < classes; c++) zmax = z[c] > zmax ? z[c] : zmax;
  double sum = 0.0;
  for (int64_t c = 0; c < classes; c++) sum += exp((double)(z[c] - zmax));
  return 1.0 - exp((double)(z[y] - zmax)) / sum;
}

a2d_err a2d_trak_features(const a2d_model *m, const float *params, const float *x, const int32_t *y,
                          int64_t first, int64_t count, int64_t k, uint64_t seed, uint64_t model,
                          double *phi, double *q) {
  a2d_err err = A2D_OK;
  const int64_t B = A2D_TRAK_BATCH, P = m->nparams, d = m->d, C = m->classes;
  a2d_workspace *ws = NULL;
  float *G = NULL, *R = NULL, *out = NULL;
  if ((count > 0 && first % B) || k < 1)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "TRAK features from example %lld (a multiple of %lld) to %lld dimensions",
                     (long long)first, (long long)B, (long long)k);
  A2D_TRY(a2d_workspace_create(m, B, &ws));
  A2D_TRY(A2D_CALLOC(G, B * P));
  A2D_TRY(A2D_CALLOC(R, P * A2D_TRAK_COLUMNS));
  A2D_TRY(A2D_CALLOC(out, B * A2D_TRAK_COLUMNS));
  for (int64_t j0 = 0; j0 < k; j0 += A2D_TRAK_COLUMNS) {
    const int64_t kb = k - j0 < A2D_TRAK_COLUMNS ? k - j0 : A2D_TRAK_COLUMNS;
    a2d_trak_projection(P, k, seed, model, j0, kb, R);
    for (int64_t b0 = 0; b0 < count; b0 += B) {
      const int64_t nb = count - b0 < B ? count - b0 : B, e0 = first + b0;
      a2d_model_forward(m, params, x + e0 * d, nb, ws);
      if (j0 == 0 && q)
        for (int64_t i = 0; i < nb; i++) q[b0 + i] = out_to_loss(ws->logits + i * C, y[e0 + i], C);
      a2d_margin_gradient(ws->logits, y + e0, nb, C, ws->dlogits);
      a2d_model_example_gradients(m, params, ws, nb, G);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)kb, (int)P, 1.0f, G,
                  (int)P, R, (int)kb, 0.0f, out, (int)kb);
      for (int64_t i = 0; i < nb; i++)
        for (int64_t c = 0; c < kb; c++) phi[(b0 + i) * k + j0 + c] = out[i * kb + c];
    }
  }
cleanup:
  a2d_workspace_destroy(&ws);
  free(G);
  free(R);
  free(out);
  return err;
}

void a2d_trak_rows(int64_t n, int size, int rank, int64_t *row0, int64_t *rows) {
  const int64_t B = A2D_TRAK_BATCH, batches = (n + B - 1) / B;
  const int64_t per = (batches + size - 1) / size * B;
  int64_t lo = (int64_t)rank * per, hi = lo + per;
  if (lo > n) lo = n;
  if (hi > n) hi = n;
  *row0 = lo;
  *rows = hi - lo;
}

/* The most nearly square grid for `size` ranks: nprow the largest divisor not above its root. */
static void square_grid(int size, int *nprow, int *npcol) {
  *nprow = 1;
  for (int r = 1; r * r <= size; r++)
    if (size % r == 0) *nprow = r;
  *npcol = size / *nprow;
}

a2d_err a2d_trak_solve(MPI_Comm comm, int64_t n, int64_t k, double lambda, const double *phi,
                       double *psi) {
  a2d_err err = A2D_OK;
  int size, rank, nprow, npcol;
  int64_t row0, rows, per, unused;
  a2d_grid by_rows = {0}, square = {0}, by_cols = {0};
  a2d_dmatrix X1 = {0}, X = {0}, K = {0}, Y = {0}, Y1 = {0};
  A2D_CHECK_MPI(MPI_Comm_size(comm, &size));
  A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  a2d_trak_rows(n, size, rank, &row0, &rows);
  a2d_trak_rows(n, size, 0, &unused, &per);
  square_grid(size, &nprow, &npcol);
  A2D_TRY(a2d_grid_create(comm, size, 1, &by_rows));
  A2D_TRY(a2d_grid_create(comm, nprow, npcol, &square));
  A2D_TRY(a2d_grid_create(comm, 1, size, &by_cols));

  /* ---- Phi from this rank's rows into the 2-D layout ---- */
  A2D_TRY(a2d_dmatrix_create(&by_rows, n, k, (int)per, (int)k, &X1));
  if (X1.local_rows != rows)
    A2D_FAIL(A2D_ERR_INTERNAL, "rank %d holds %lld rows of Phi, not %lld", rank,
             (long long)X1.local_rows, (long long)rows);
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < k; j++) X1.local[j * X1.ld + i] = phi[i * k + j];
  A2D_TRY(a2d_dmatrix_create(&square, n, k, TRAK_BLOCK, TRAK_BLOCK, &X));
  A2D_TRY(a2d_pdgemr2d(&X1, &X, &by_rows));
  a2d_dmatrix_free(&X1);

  /* ---- the kernel Phi^T Phi + lambda I, its factor, and (kernel)^-1 Phi^T ---- */
  A2D_TRY(a2d_dmatrix_create(&square, k, k, TRAK_BLOCK, TRAK_BLOCK, &K));
  A2D_TRY(a2d_pdgemm('T', 'N', 1.0, &X, &X, 0.0, &K));
  for (int64_t j = 0; j < K.local_cols; j++)
    for (int64_t i = 0; i < K.local_rows; i++)
      if (a2d_dmatrix_global_row(&K, &square, i) == a2d_dmatrix_global_col(&K, &square, j))
        K.local[j * K.ld + i] += lambda;
  A2D_TRY(a2d_pdpotrf(&K));
  A2D_TRY(a2d_dmatrix_create(&square, k, n, TRAK_BLOCK, TRAK_BLOCK, &Y));
  A2D_TRY(a2d_pdtran(&X, &Y));
  a2d_dmatrix_free(&X);
  A2D_TRY(a2d_pdpotrs(&K, &Y));

  /* ---- back by columns: this rank's columns of Y are its rows of psi ---- */
  A2D_TRY(a2d_dmatrix_create(&by_cols, k, n, (int)k, (int)per, &Y1));
  A2D_TRY(a2d_pdgemr2d(&Y, &Y1, &by_rows));
  for (int64_t i = 0; i < rows; i++) memcpy(psi + i * k, Y1.local + i * Y1.ld, (size_t)k * 8);
cleanup:
  a2d_dmatrix_free(&X1);
  a2d_dmatrix_free(&X);
  a2d_dmatrix_free(&K);
  a2d_dmatrix_free(&Y);
  a2d_dmatrix_free(&Y1);
  a2d_grid_free(&by_cols);
  a2d_grid_free(&square);
  a2d_grid_free(&by_rows);
  return err;
}
