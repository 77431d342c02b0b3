/*
 * lasso_reference.c - bench/fit's reference: stage fit's LASSO solver as it
 * was at commit 97b7d16 (2026-11-30), before the regression moved to
 * ScaLAPACK and node-shared counts.  Kept unchanged (names aside) so that
 * bench/fit measures today's solver against it in the same run: a dense n x n
 * double Gram on every rank, the working set rebuilt from the nonzeros at
 * every lambda with its Gram block gathered anew, full gradients by daxpy.
 */
#include "lasso_reference.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"

#define LASSO_MAX_SWEEPS 100000

/*
 * The fit's hot loop is built twice on x86-64, for the build's baseline and
 * for x86-64-v3 (AVX2), and the processor picks one when a2d loads: a
 * portable binary that still uses wide vectors where the node has them
 * (bench/README.md: 1.4x on the LASSO path over x86-64-v2 alone).  The bits are
 * the same either way: -ffp-contract=off forms no FMA, and the loop reorders
 * no sum.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX2__)
#define LASSO_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LASSO_HOT
#endif

/* ------------------------------------------------------------- the design */

a2d_err ref_lasso_design_create(MPI_Comm comm, const uint8_t *masks, int64_t m, int64_t n,
                                ref_lasso_design *out) {
  a2d_err err = A2D_OK;
  int rank, size;
  double *x, *sums = NULL;
  int *counts = NULL, *displs = NULL;
  MPI_Datatype row_type = MPI_DATATYPE_NULL;
  memset(out, 0, sizeof *out);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (m < 2 || n < 1)
    return A2D_ERROR(A2D_ERR_DATA,
                     "a LASSO design needs at least 2 models and 1 point (got %lld "
                     "x %lld)",
                     (long long)m, (long long)n);
  out->m = m;
  out->n = n;
  A2D_TRY(A2D_CALLOC(out->gram, n * n));
  A2D_TRY(A2D_CALLOC(out->mean, n));
  A2D_TRY(A2D_CALLOC(out->x, m * n));
  x = out->x;
  A2D_TRY(A2D_CALLOC(sums, n));
  for (int64_t v = 0; v < m; v++)
    for (int64_t j = 0; j < n; j++) {
      x[v * n + j] = masks[v * n + j] ? 1.0 : 0.0;
      sums[j] += x[v * n + j];
    }
  for (int64_t j = 0; j < n; j++) out->mean[j] = sums[j] / (double)m;

  /* This rank's rows of the co-occurrence counts N = X^T X: integers, exact in
     double whatever the order of summation.  Then G = (N - s s^T / m) / m. */
  int64_t lo, hi;
  a2d_block_range(n, size, rank, &lo, &hi);
  if (hi > lo)
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(hi - lo), (int)n, (int)m, 1.0,
                x + lo, (int)n, x, (int)n, 0.0, out->gram + lo * n, (int)n);
  for (int64_t i = lo; i < hi; i++)
    for (int64_t j = 0; j < n; j++)
      out->gram[i * n + j] = (out->gram[i * n + j] - sums[i] * sums[j] / (double)m) / (double)m;

  /* Every rank gets every row. */
  A2D_TRY(A2D_CALLOC(counts, size));
  A2D_TRY(A2D_CALLOC(displs, size));
  for (int r = 0; r < size; r++) {
    int64_t rlo, rhi;
    a2d_block_range(n, size, r, &rlo, &rhi);
    counts[r] = (int)(rhi - rlo);
    displs[r] = (int)rlo;
  }
  MPI_Type_contiguous((int)n, MPI_DOUBLE, &row_type);
  MPI_Type_commit(&row_type);
  MPI_Allgatherv(MPI_IN_PLACE, 0, row_type, out->gram, counts, displs, row_type, comm);
cleanup:
  if (row_type != MPI_DATATYPE_NULL) MPI_Type_free(&row_type);
  free(sums);
  free(counts);
  free(displs);
  if (err) ref_lasso_design_free(out);
  return err;
}

void ref_lasso_design_free(ref_lasso_design *d) {
  free(d->gram);
  free(d->mean);
  free(d->x);
  memset(d, 0, sizeof *d);
}

double ref_lasso_lambda_max(const ref_lasso_design *d, const double *c) {
  double best = 0.0;
  for (int64_t j = 0; j < d->n; j++) best = fabs(c[j]) > best ? fabs(c[j]) : best;
  return best;
}

/* ------------------------------------------------------------- the solver */

struct ref_lasso_solver {
  const ref_lasso_design *d;
  double tol;
  const double *c; /* this target's X^T yc / m */
  double yy;
  double *theta;    /* n coefficients */
  double *grad;     /* n: c - G theta (the negative gradient of the smooth part) */
  uint8_t *in_work; /* n flags */
  int64_t *work;    /* the working set, increasing */
  int64_t nwork;
  int64_t *act_index; /* output buffers of ref_lasso_active */
  double *act_value;
  double *grad_active; /* compact gradient of the active set */
  double *block;       /* compact Gram block of the active set */
  int64_t block_cap;
};

a2d_err ref_lasso_solver_create(const ref_lasso_design *d, double tol, ref_lasso_solver **out) {
  a2d_err err = A2D_OK;
  ref_lasso_solver *s = NULL;
  *out = NULL;
  A2D_TRY(A2D_CALLOC(s, 1));
  s->d = d;
  s->tol = tol;
  A2D_TRY(A2D_CALLOC(s->theta, d->n));
  A2D_TRY(A2D_CALLOC(s->grad, d->n));
  A2D_TRY(A2D_CALLOC(s->in_work, d->n));
  A2D_TRY(A2D_CALLOC(s->work, d->n));
  A2D_TRY(A2D_CALLOC(s->act_index, d->n));
  A2D_TRY(A2D_CALLOC(s->act_value, d->n));
  A2D_TRY(A2D_CALLOC(s->grad_active, d->n));
  *out = s;
  return A2D_OK;
cleanup:
  ref_lasso_solver_destroy(&s);
  return err;
}

void ref_lasso_solver_destroy(ref_lasso_solver **s) {
  if (!*s) return;
  free((*s)->theta);
  free((*s)->grad);
  free((*s)->in_work);
  free((*s)->work);
  free((*s)->act_index);
  free((*s)->act_value);
  free((*s)->grad_active);
  free((*s)->block);
  free(*s);
  *s = NULL;
}

void ref_lasso_start(ref_lasso_solver *s, const double *c, double yy) {
  const int64_t n = s->d->n;
  for (int64_t i = 0; i < s->nwork; i++) s->theta[s->work[i]] = 0.0;
  memset(s->in_work, 0, (size_t)n);
  s->nwork = 0;
  memcpy(s->grad, c, (size_t)n * sizeof(double));
  s->c = c;
  s->yy = yy;
}

/* Rebuild the increasing working-set list from the flags. */
static void collect_work(ref_lasso_solver *s) {
  s->nwork = 0;
  for (int64_t j = 0; j < s->d->n; j++)
    if (s->in_work[j]) s->work[s->nwork++] = j;
}

/* grad = c - G theta over all n coordinates (theta is zero outside the working set). */
static void full_gradient(ref_lasso_solver *s) {
  const int64_t n = s->d->n;
  memcpy(s->grad, s->c, (size_t)n * sizeof(double));
  for (int64_t a = 0; a < s->nwork; a++) {
    const int64_t k = s->work[a];
    if (s->theta[k] != 0.0) cblas_daxpy((int)n, -s->theta[k], s->d->gram + k * n, 1, s->grad, 1);
  }
}

/*
 * One sweep of coordinate descent over the na coordinates of a compact Gram
 * block GA (na x na), updating th and the gradient gr; returns the largest
 * decrease of the objective, gjj * delta^2, of any coordinate.
 */
LASSO_HOT static double sweep(const double *GA, double *th, double *gr, int64_t na, double lambda) {
  double biggest = 0.0;
  for (int64_t a = 0; a < na; a++) {
    const double gjj = GA[a * na + a];
    if (gjj <= 0.0) continue; /* a point in every model or in none: no information */
    const double z = gr[a] + gjj * th[a];
    const double shrunk = fabs(z) > lambda ? (z > 0 ? z - lambda : z + lambda) / gjj : 0.0;
    const double delta = shrunk - th[a];
    if (delta == 0.0) continue;
    th[a] = shrunk;
    const double *row = GA + a * na;
    for (int64_t b = 0; b < na; b++) gr[b] -= delta * row[b];
    if (gjj * delta * delta > biggest) biggest = gjj * delta * delta;
  }
  return biggest;
}

/*
 * Coordinate descent on the working set alone until no coordinate moves the
 * objective by more than tol * yy, on a compact copy of its Gram block so
 * that each update is one contiguous axpy.  Updates theta; grad goes stale.
 */
static a2d_err solve_working_set(ref_lasso_solver *s, double lambda, double limit) {
  const int64_t n = s->d->n, na = s->nwork, *work = s->work;
  if (na * na > s->block_cap) {
    free(s->block);
    s->block = NULL;
    s->block_cap = 0;
    A2D_CHECK(A2D_CALLOC(s->block, na * na));
    s->block_cap = na * na;
  }
  double *GA = s->block, *th = s->act_value, *gr = s->grad_active;
  for (int64_t a = 0; a < na; a++) {
    const double *row = s->d->gram + work[a] * n;
    for (int64_t b = 0; b < na; b++) GA[a * na + b] = row[work[b]];
    th[a] = s->theta[work[a]];
    gr[a] = s->grad[work[a]];
  }
  for (int sweeps = 0;; sweeps++) {
    if (sweeps == LASSO_MAX_SWEEPS)
      return A2D_ERROR(A2D_ERR_INTERNAL,
                       "LASSO coordinate descent did not converge in %d sweeps at lambda %g",
                       LASSO_MAX_SWEEPS, lambda);
    if (sweep(GA, th, gr, na, lambda) <= limit) break;
  }
  for (int64_t a = 0; a < na; a++) s->theta[work[a]] = th[a];
  return A2D_OK;
}

/* Add to the working set every j outside it whose KKT condition |grad_j| <= lambda fails. */
static int64_t add_violators(ref_lasso_solver *s, double lambda) {
  int64_t added = 0;
  for (int64_t j = 0; j < s->d->n; j++)
    if (!s->in_work[j] && fabs(s->grad[j]) > lambda) s->in_work[j] = 1, added++;
  if (added) collect_work(s);
  return added;
}

a2d_err ref_lasso_solve(ref_lasso_solver *s, double lambda) {
  const int64_t n = s->d->n;
  /* Working set: the nonzeros of the last solution, then every KKT violator
     (grad is exact here: the last solve, or the start, left it so). */
  for (int64_t j = 0; j < n; j++) s->in_work[j] = s->theta[j] != 0.0;
  collect_work(s);
  add_violators(s, lambda);
  const double limit = s->tol * (s->yy > 0 ? s->yy : 1.0);
  do {
    A2D_CHECK(solve_working_set(s, lambda, limit));
    full_gradient(s);
  } while (add_violators(s, lambda));
  return A2D_OK;
}

void ref_lasso_active(ref_lasso_solver *s, const int64_t **index, const double **value,
                      int64_t *count) {
  int64_t k = 0;
  for (int64_t a = 0; a < s->nwork; a++) {
    const int64_t j = s->work[a];
    if (s->theta[j] != 0.0) s->act_index[k] = j, s->act_value[k++] = s->theta[j];
  }
  *index = s->act_index;
  *value = s->act_value;
  *count = k;
}
