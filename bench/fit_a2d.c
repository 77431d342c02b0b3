/*
 * fit_a2d.c - a2d's LASSO path solver on the masks and margins of a study
 * file's ensemble, for bench/fit.  Every rank solves its block of the first T
 * training targets along the same path as stage fit (all ensemble models fit,
 * no validation split, no early stop); rank 0 writes every solution so the
 * benchmark can recompute the objective independently.
 *
 *   mpirun -np 2 bench_fit_a2d STUDY.h5 T L RATIO TOL OUT
 *
 * OUT.theta: float64 T x L x n coefficients; OUT.alpha: float64 T x L lambdas.
 * Prints "a2d ranks=R targets=T seconds=S per_target_ms=P peak_mib=M".
 */
#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "a2d/lasso.h"
#include "a2d/parallel.h"
#include "a2d/store.h"

/* Solve targets [lo, hi) and put their coefficients (L x n each) and lambdas in out / alpha. */
static a2d_err solve_block(const a2d_lasso_design *D, const uint8_t *masks, const float *margins,
                           int64_t M, int64_t n, int64_t lo, int64_t hi, int64_t L, double ratio,
                           double tol, double *out, double *alpha) {
  a2d_err err = A2D_OK;
  a2d_lasso_solver *s = NULL;
  double *y = NULL, *c = NULL;
  A2D_TRY(a2d_lasso_solver_create(D, tol, &s));
  A2D_TRY(A2D_CALLOC(y, M));
  A2D_TRY(A2D_CALLOC(c, n));
  for (int64_t t = lo; t < hi; t++) {
    double yy, ybar;
    for (int64_t v = 0; v < M; v++) y[v] = margins[v * n + t];
    a2d_lasso_target(D, masks, y, c, &yy, &ybar);
    a2d_lasso_start(s, c, yy);
    const double lmax = a2d_lasso_lambda_max(D, c);
    for (int64_t k = 0; k < L; k++) {
      const double lambda = lmax * pow(ratio, (double)k / (double)(L - 1));
      const int64_t *idx;
      const double *val;
      int64_t nnz;
      A2D_TRY(a2d_lasso_solve(s, lambda));
      a2d_lasso_active(s, &idx, &val, &nnz);
      double *row = out + ((t - lo) * L + k) * n;
      memset(row, 0, (size_t)n * sizeof(double));
      for (int64_t a = 0; a < nnz; a++) row[idx[a]] = val[a];
      alpha[(t - lo) * L + k] = lambda;
    }
  }
cleanup:
  a2d_lasso_solver_destroy(&s);
  free(y);
  free(c);
  return err;
}

/* Write n doubles to path (rank 0). */
static a2d_err write_raw(const char *path, const double *data, int64_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot create", path);
  size_t put = fwrite(data, sizeof(double), (size_t)n, f);
  fclose(f);
  if (put != (size_t)n) return A2D_ERROR(A2D_ERR_IO, "%s: short write", path);
  return A2D_OK;
}

static a2d_err run(int argc, char **argv) {
  a2d_err err = A2D_OK;
  int rank, size, nd;
  a2d_store *st = NULL;
  uint8_t *masks = NULL;
  float *margins = NULL;
  double *out = NULL, *alpha = NULL, *all = NULL, *all_alpha = NULL;
  a2d_lasso_design D = {0};
  if (argc != 7)
    return A2D_ERROR(A2D_ERR_DECK,
                     "usage: bench_fit_a2d STUDY.h5 TARGETS PATH_LENGTH RATIO TOL OUT");
  const int64_t T = atoll(argv[2]), L = atoll(argv[3]);
  const double ratio = atof(argv[4]), tol = atof(argv[5]);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t dims[8];
  A2D_TRY(a2d_store_open(MPI_COMM_WORLD, argv[1], &st));
  A2D_TRY(a2d_store_shape(st, "/ensemble/masks", &nd, dims));
  const int64_t M = dims[0], n = dims[1];
  A2D_TRY(A2D_CALLOC(masks, M * n));
  A2D_TRY(A2D_CALLOC(margins, M * n));
  A2D_TRY(a2d_store_read_rows(st, "/ensemble/masks", A2D_U8, 0, M, masks));
  A2D_TRY(a2d_store_read_rows(st, "/ensemble/margins_train", A2D_F32, 0, M, margins));
  A2D_TRY(a2d_store_close(&st));

  /* ---- timed: the shared design, then this rank's targets ---- */
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = a2d_now();
  A2D_TRY(a2d_lasso_design_create(MPI_COMM_WORLD, masks, M, n, &D));
  int64_t lo, hi;
  a2d_block_range(T, size, rank, &lo, &hi);
  A2D_TRY(A2D_CALLOC(out, (hi - lo) * L * n + 1));
  A2D_TRY(A2D_CALLOC(alpha, (hi - lo) * L + 1));
  A2D_TRY(a2d_agree(MPI_COMM_WORLD,
                    solve_block(&D, masks, margins, M, n, lo, hi, L, ratio, tol, out, alpha)));
  MPI_Barrier(MPI_COMM_WORLD);
  const double seconds = a2d_now() - t0;

  /* ---- gather the solutions on rank 0 ---- */
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  long peak = usage.ru_maxrss, largest = 0;
  MPI_Reduce(&peak, &largest, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
  int *counts = calloc((size_t)size, sizeof(int)), *displs = calloc((size_t)size, sizeof(int));
  int *acounts = calloc((size_t)size, sizeof(int)), *adispls = calloc((size_t)size, sizeof(int));
  for (int r = 0; r < size; r++) {
    int64_t a, b;
    a2d_block_range(T, size, r, &a, &b);
    counts[r] = (int)((b - a) * L * n), displs[r] = (int)(a * L * n);
    acounts[r] = (int)((b - a) * L), adispls[r] = (int)(a * L);
  }
  if (rank == 0) {
    A2D_TRY(A2D_CALLOC(all, T * L * n));
    A2D_TRY(A2D_CALLOC(all_alpha, T * L));
  }
  MPI_Gatherv(out, counts[rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Gatherv(alpha, acounts[rank], MPI_DOUBLE, all_alpha, acounts, adispls, MPI_DOUBLE, 0,
              MPI_COMM_WORLD);
  free(counts), free(displs), free(acounts), free(adispls);
  if (rank == 0) {
    char path[1024];
    snprintf(path, sizeof path, "%s.theta", argv[6]);
    A2D_TRY(write_raw(path, all, T * L * n));
    snprintf(path, sizeof path, "%s.alpha", argv[6]);
    A2D_TRY(write_raw(path, all_alpha, T * L));
    printf(
        "a2d ranks=%d targets=%lld models=%lld points=%lld seconds=%.3f per_target_ms=%.3f "
        "peak_mib=%.0f\n",
        size, (long long)T, (long long)M, (long long)n, seconds, 1e3 * seconds / (double)T,
        (double)largest / 1024.0);
  }
cleanup:
  a2d_store_close(&st);
  a2d_lasso_design_free(&D);
  free(masks);
  free(margins);
  free(out);
  free(alpha);
  free(all);
  free(all_alpha);
  return err;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  openblas_set_num_threads(1);
  a2d_err err = run(argc, argv);
  if (err) a2d_error_print(stderr, 1);
  MPI_Finalize();
  return err;
}
