/*
 * fit_a2d.c - a LASSO path solver on the masks and margins of a study file's
 * ensemble, for bench/fit: a2d's (a2d/lasso.h) or the reference, stage fit's
 * solver as of commit 97b7d16 (lasso_reference.c).
 *
 * The problem is stage fit's: the study's fitting models (/datamodel/fit_models,
 * or every ensemble model if the study has no fit yet) and the first T
 * training targets' margins, each solved along the same path
 * of L lambdas (no early stop).  Every rank solves its block of the targets;
 * rank 0 writes every solution so that the benchmark can recompute the
 * objective and choose each target's lambda by its validation error.
 *
 *   mpirun -np 2 bench_fit_a2d STUDY.h5 a2d|reference T L RATIO TOL OUT
 *
 * OUT.theta: float64 T x L x n coefficients; OUT.alpha: float64 T x L
 * lambdas.  Timed: the design (Gram or counts) and the paths, not the reading.
 * Prints "<solver> ranks=R targets=T seconds=S per_target_ms=P peak_mib=M".
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
#include "lasso_reference.h"

/* What both solvers share: the fitting masks, the targets' cross-products and variances. */
typedef struct problem {
  int64_t m, n, T, L;
  double ratio, tol;
  uint8_t *masks; /* m x n, every rank */
  double *c;      /* T x n: X^T yc / m */
  double *yy;     /* T */
} problem;

/* Row t's path, solved by a2d's solver: L x n coefficients and the lambdas. */
static a2d_err solve_a2d(const problem *p, const a2d_lasso_design *D, int64_t lo, int64_t hi,
                         double *out, double *alpha) {
  a2d_err err = A2D_OK;
  a2d_lasso_solver *s = NULL;
  A2D_TRY(a2d_lasso_solver_create(D, p->tol, &s));
  for (int64_t t = lo; t < hi; t++) {
    const double *c = p->c + t * p->n;
    const double lmax = a2d_lasso_lambda_max(D, c);
    a2d_lasso_start(s, c, p->yy[t]);
    for (int64_t k = 0; k < p->L; k++) {
      const double lambda = lmax * pow(p->ratio, (double)k / (double)(p->L - 1));
      const int64_t *idx;
      const double *val;
      int64_t nnz;
      A2D_TRY(a2d_lasso_solve(s, lambda));
      a2d_lasso_active(s, &idx, &val, &nnz);
      double *row = out + ((t - lo) * p->L + k) * p->n;
      for (int64_t a = 0; a < nnz; a++) row[idx[a]] = val[a];
      alpha[(t - lo) * p->L + k] = lambda;
    }
  }
cleanup:
  a2d_lasso_solver_destroy(&s);
  return err;
}

/* The same with the reference solver. */
static a2d_err solve_reference(const problem *p, const ref_lasso_design *D, int64_t lo, int64_t hi,
                               double *out, double *alpha) {
  a2d_err err = A2D_OK;
  ref_lasso_solver *s = NULL;
  A2D_TRY(ref_lasso_solver_create(D, p->tol, &s));
  for (int64_t t = lo; t < hi; t++) {
    const double *c = p->c + t * p->n;
    const double lmax = ref_lasso_lambda_max(D, c);
    ref_lasso_start(s, c, p->yy[t]);
    for (int64_t k = 0; k < p->L; k++) {
      const double lambda = lmax * pow(p->ratio, (double)k / (double)(p->L - 1));
      const int64_t *idx;
      const double *val;
      int64_t nnz;
      A2D_TRY(ref_lasso_solve(s, lambda));
      ref_lasso_active(s, &idx, &val, &nnz);
      double *row = out + ((t - lo) * p->L + k) * p->n;
      for (int64_t a = 0; a < nnz; a++) row[idx[a]] = val[a];
      alpha[(t - lo) * p->L + k] = lambda;
    }
  }
cleanup:
  ref_lasso_solver_destroy(&s);
  return err;
}

/* Read the fitting masks and the first T targets' margins; centre them (every rank). */
static a2d_err read_problem(const char *study, problem *p) {
  a2d_err err = A2D_OK;
  a2d_store *st = NULL;
  uint8_t *all = NULL;
  float *margins = NULL;
  int64_t *fit = NULL, dims[8];
  int nd;
  A2D_TRY(a2d_store_open(MPI_COMM_WORLD, study, &st));
  A2D_TRY(a2d_store_shape(st, "/ensemble/masks", &nd, dims));
  const int64_t M = dims[0], n = dims[1];
  int split;
  A2D_TRY(a2d_store_exists(st, "/datamodel/fit_models", &split));
  if (split) A2D_TRY(a2d_store_shape(st, "/datamodel/fit_models", &nd, dims));
  const int64_t m = split ? dims[0] : M, T = p->T;
  p->m = m, p->n = n;
  A2D_TRY(A2D_CALLOC(fit, m));
  A2D_TRY(A2D_CALLOC(all, M * n));
  A2D_TRY(A2D_CALLOC(margins, M * T));
  if (split) A2D_TRY(a2d_store_read_rows(st, "/datamodel/fit_models", A2D_I64, 0, m, fit));
  for (int64_t i = 0; i < m && !split; i++) fit[i] = i;
  A2D_TRY(a2d_store_read_rows(st, "/ensemble/masks", A2D_U8, 0, M, all));
  const int64_t start[2] = {0, 0}, count[2] = {M, T};
  A2D_TRY(a2d_store_read_block(st, "/ensemble/margins_train", A2D_F32, 2, start, count, margins));
  A2D_TRY(A2D_CALLOC(p->masks, m * n));
  A2D_TRY(A2D_CALLOC(p->c, T * n));
  A2D_TRY(A2D_CALLOC(p->yy, T));
  for (int64_t i = 0; i < m; i++) memcpy(p->masks + i * n, all + fit[i] * n, (size_t)n);
  for (int64_t t = 0; t < T; t++) {
    double mean = 0, ss = 0, *c = p->c + t * n;
    for (int64_t i = 0; i < m; i++) mean += margins[fit[i] * T + t];
    mean /= (double)m;
    for (int64_t i = 0; i < m; i++) {
      const double r = margins[fit[i] * T + t] - mean;
      ss += r * r;
      for (int64_t j = 0; j < n; j++)
        if (p->masks[i * n + j]) c[j] += r;
    }
    for (int64_t j = 0; j < n; j++) c[j] /= (double)m;
    p->yy[t] = ss / (double)m;
  }
cleanup:
  a2d_store_close(&st);
  free(all);
  free(margins);
  free(fit);
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
  int rank, size;
  problem p = {0};
  double *out = NULL, *alpha = NULL, *all = NULL, *all_alpha = NULL;
  a2d_lasso_design D = {0};
  ref_lasso_design ref = {0};
  if (argc != 8 || (strcmp(argv[2], "a2d") && strcmp(argv[2], "reference")))
    return A2D_ERROR(A2D_ERR_DECK,
                     "usage: bench_fit_a2d STUDY.h5 a2d|reference TARGETS PATH_LENGTH RATIO TOL "
                     "OUT");
  const int reference = !strcmp(argv[2], "reference");
  p.T = atoll(argv[3]), p.L = atoll(argv[4]), p.ratio = atof(argv[5]), p.tol = atof(argv[6]);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  A2D_TRY(read_problem(argv[1], &p));
  const int64_t n = p.n, T = p.T, L = p.L;

  /* ---- timed: the design, then this rank's targets ---- */
  int64_t lo, hi;
  a2d_block_range(T, size, rank, &lo, &hi);
  A2D_TRY(A2D_CALLOC(out, (hi - lo) * L * n + 1));
  A2D_TRY(A2D_CALLOC(alpha, (hi - lo) * L + 1));
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = a2d_now();
  if (reference) {
    A2D_TRY(ref_lasso_design_create(MPI_COMM_WORLD, p.masks, p.m, n, &ref));
    A2D_TRY(a2d_agree(MPI_COMM_WORLD, solve_reference(&p, &ref, lo, hi, out, alpha)));
  } else {
    int64_t row0, rows;
    a2d_lasso_rows(p.m, size, rank, &row0, &rows);
    A2D_TRY(a2d_lasso_design_create(MPI_COMM_WORLD, p.masks + row0 * n, row0, rows, p.m, n, &D));
    A2D_TRY(a2d_agree(MPI_COMM_WORLD, solve_a2d(&p, &D, lo, hi, out, alpha)));
  }
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
    snprintf(path, sizeof path, "%s.theta", argv[7]);
    A2D_TRY(write_raw(path, all, T * L * n));
    snprintf(path, sizeof path, "%s.alpha", argv[7]);
    A2D_TRY(write_raw(path, all_alpha, T * L));
    printf(
        "%s ranks=%d targets=%lld models=%lld points=%lld seconds=%.3f per_target_ms=%.3f "
        "peak_mib=%.0f\n",
        argv[2], size, (long long)T, (long long)p.m, (long long)n, seconds,
        1e3 * seconds / (double)T, (double)largest / 1024.0);
  }
cleanup:
  a2d_lasso_design_free(&D);
  ref_lasso_design_free(&ref);
  free(p.masks);
  free(p.c);
  free(p.yy);
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
