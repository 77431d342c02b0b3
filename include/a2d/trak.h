/*
 * a2d/trak.h - TRAK attributions (Park, Georgiev, Ilyas, Leclerc, Madry,
 * "TRAK: Attributing Model Behavior at Scale", ICML 2023) for a2d's models.
 *
 * For one trained model with parameters w, an example z's feature is its
 * projected margin gradient
 *
 *   phi(z) = R^T grad_w f(z; w)        (k numbers)
 *
 * with f the margin (a2d_margin) and R a P x k matrix of +-1/sqrt(k) drawn
 * from (seed, model, column).  With Phi the n x k features of the training
 * points and q_i = 1 - p_i the out-to-loss weight of training point i (p_i
 * its softmax probability of its label), TRAK's attribution of training point
 * i to target t is
 *
 *   tau(t, i) = phi(t)^T (Phi^T Phi + lambda I)^-1 phi(i) q_i,
 *
 * the kernel part averaged over models and q over models separately.  a2d
 * keeps psi_i = (Phi^T Phi + lambda I)^-1 phi(i), so that removing a set F
 * moves target t's margin by about -phi(t)^T (sum over i in F of q_i psi_i):
 * one k-vector per forget set, never the n x n score matrix.
 *
 *   int64_t row0, rows;
 *   a2d_trak_rows(n, size, rank, &row0, &rows);                 // this rank's rows
 *   A2D_CHECK(a2d_trak_features(&model, w, x, y, row0, rows, k, seed, j, phi, q));
 *   A2D_CHECK(a2d_trak_solve(comm, n, k, lambda, phi, psi));    // collective
 */
#ifndef A2D_TRAK_H
#define A2D_TRAK_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"
#include "a2d/model.h"

/*
 * Examples per forward and backward pass, counted from example 0: a
 * feature's bits depend on its batch (BLAS rounds by shape), so the batches
 * are the same whoever computes them.
 */
#define A2D_TRAK_BATCH 256

/* Columns of the projection drawn and applied at a time (bounds its memory: P x this). */
#define A2D_TRAK_COLUMNS 128

/*
 * Columns [j0, j0 + count) of model `model`'s projection R (P x k) into r,
 * row-major P x count floats: column j comes from (seed, model, j) alone, so
 * any split into column blocks gives the same R.
 */
void a2d_trak_projection(int64_t P, int64_t k, uint64_t seed, uint64_t model, int64_t j0,
                         int64_t count, float *r);

/*
 * Features of examples [first, first + count) of x (row-major, d columns;
 * labels y): phi (count x k, row-major) and, if q is not NULL, their
 * out-to-loss weights.  first must be a multiple of A2D_TRAK_BATCH (or
 * count 0).  Local.
 */
a2d_err a2d_trak_features(const a2d_model *m, const float *params, const float *x, const int32_t *y,
                          int64_t first, int64_t count, int64_t k, uint64_t seed, uint64_t model,
                          double *phi, double *q);

/*
 * The rows [*row0, *row0 + *rows) of n that rank `rank` of `size` holds in
 * a2d_trak_solve: whole batches of A2D_TRAK_BATCH, the same number per rank
 * (the last ranks may hold fewer, or none).
 */
void a2d_trak_rows(int64_t n, int size, int rank, int64_t *row0, int64_t *rows);

/*
 * Collective: psi = Phi (Phi^T Phi + lambda I)^-1 for the n x k features
 * Phi, each rank passing its rows of Phi (a2d_trak_rows, row-major) and
 * receiving the same rows of psi.  The kernel is formed, factored and applied
 * on ScaLAPACK (PDGEMM, PDPOTRF, PDPOTRS on a 2-D grid), so neither Phi nor
 * the kernel need fit one rank.  Its sums run in an order set by the grid:
 * rank counts agree to rounding, a rank count with itself bit for bit.
 */
a2d_err a2d_trak_solve(MPI_Comm comm, int64_t n, int64_t k, double lambda, const double *phi,
                       double *psi);

#endif
