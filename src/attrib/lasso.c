/*
 * lasso.c - multi-target LASSO on a shared 0/1 design (a2d/lasso.h): the
 * exact co-occurrence counts on the process grid and in node-shared memory,
 * exact cross-products by slicing, and a path solver by coordinate descent in
 * covariance form on a working set grown by KKT checks.
 */
#include "a2d/lasso.h"

#include "a2d/hot.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"

#define LASSO_MAX_SWEEPS 100000

/* ------------------------------------------------------------- the design */

/* Bytes of memory per rank for one slab of the count matrix's columns. */
#define LASSO_SLAB_BYTES (64 << 20)
/* Targets per PDGEMM of the cross-products (times three slices, times the ranks). */
#define LASSO_CROSS_COLUMNS 64

void a2d_lasso_rows(int64_t m, int size, int rank, int64_t *row0, int64_t *rows) {
  const int64_t mb = (m + size - 1) / size;
  int64_t lo = mb * rank, hi = lo + mb;
  if (lo > m) lo = m;
  if (hi > m) hi = m;
  *row0 = lo;
  *rows = hi - lo;
}

/* X on the 1 x p grid in column blocks, from every rank's block of rows (collective). */
static a2d_err distribute_masks(MPI_Comm comm, const uint8_t *masks, int64_t row0, int64_t rows,
                                a2d_lasso_design *d) {
  a2d_err err = A2D_OK;
  a2d_grid by_rows;
  a2d_dmatrix xr = {0};
  int size, rank;
  const int64_t m = d->m, n = d->n;
  A2D_CHECK(A2D_MPI(MPI_Comm_size(comm, &size)));
  A2D_CHECK(A2D_MPI(MPI_Comm_rank(comm, &rank)));
  A2D_CHECK(a2d_grid_create(comm, size, 1, &by_rows));
  A2D_TRY(a2d_dmatrix_create(&by_rows, m, n, (int)((m + size - 1) / size), (int)n, &xr));
  int64_t want0, want;
  a2d_lasso_rows(m, size, rank, &want0, &want);
  if (row0 != want0 || rows != want || xr.local_rows != (want > 0 ? want : 0))
    A2D_FAIL(A2D_ERR_INTERNAL, "rank %d passed rows [%lld, %lld) of X, not [%lld, %lld)", rank,
             (long long)row0, (long long)(row0 + rows), (long long)want0,
             (long long)(want0 + want));
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < n; j++) xr.local[j * xr.ld + i] = masks[i * n + j] ? 1.0 : 0.0;
  A2D_TRY(a2d_dmatrix_create(&d->grid, m, n, (int)m, A2D_LASSO_POINT_BLOCK, &d->x));
  A2D_TRY(a2d_pdgemr2d(&xr, &d->x, &d->grid));
cleanup:
  a2d_dmatrix_free(&xr);
  a2d_grid_free(&by_rows);
  return err;
}

/*
 * N = X^T X into the node's shared counts, a slab of columns at a time (N is
 * symmetric: column j is written as row j).  Each rank writes the columns it
 * computed; the nodes' leaders then add up their nodes' parts.
 */
static a2d_err count_matrix(a2d_lasso_design *d) {
  a2d_err err = A2D_OK;
  a2d_dmatrix slab = {0};
  const int64_t n = d->n, p = d->grid.npcol, per = (int64_t)A2D_LASSO_POINT_BLOCK * p;
  int64_t width = per * (LASSO_SLAB_BYTES / (n * A2D_LASSO_POINT_BLOCK * 8) + 1);
  if (width > n) width = n;
  A2D_TRY(a2d_dmatrix_create(&d->grid, n, width, (int)n, A2D_LASSO_POINT_BLOCK, &slab));
  for (int64_t j0 = 0; j0 < n; j0 += width) {
    const int64_t w = n - j0 < width ? n - j0 : width;
    A2D_TRY(a2d_pdgemm_at('T', 'N', n, w, d->m, 1.0, &d->x, 0, 0, &d->x, 0, j0, 0.0, &slab, 0, 0));
    for (int64_t jl = 0; jl < slab.local_cols; jl++) {
      const int64_t j = j0 + a2d_dmatrix_global_col(&slab, &d->grid, jl);
      if (j >= j0 + w) continue;
      const double *col = slab.local + jl * slab.ld;
      for (int64_t i = 0; i < n; i++)
        if (col[i] < 0 || col[i] > (double)d->m || col[i] != (double)(int64_t)col[i])
          A2D_FAIL(A2D_ERR_INTERNAL,
                   "co-occurrence count %g of points %lld and %lld is not a "
                   "count of %lld models",
                   col[i], (long long)i, (long long)j, (long long)d->m);
      if (d->count_bytes == 2) {
        uint16_t *row = (uint16_t *)d->shared.base + j * n;
        for (int64_t i = 0; i < n; i++) row[i] = (uint16_t)col[i];
      } else {
        uint32_t *row = (uint32_t *)d->shared.base + j * n;
        for (int64_t i = 0; i < n; i++) row[i] = (uint32_t)col[i];
      }
    }
  }
  A2D_TRY(a2d_shared_publish(&d->node, &d->shared));
  if (d->node.count > 1 && d->node.leaders != MPI_COMM_NULL) {
    const MPI_Datatype type = d->count_bytes == 2 ? MPI_UINT16_T : MPI_UINT32_T;
    const int64_t total = n * n, chunk = (int64_t)1 << 28;
    for (int64_t at = 0; at < total; at += chunk) {
      const int count = (int)(total - at < chunk ? total - at : chunk);
      A2D_TRY(A2D_MPI(MPI_Allreduce(MPI_IN_PLACE, (char *)d->shared.base + at * d->count_bytes,
                                    count, type, MPI_SUM, d->node.leaders)));
    }
  }
  A2D_TRY(a2d_shared_publish(&d->node, &d->shared));
cleanup:
  a2d_dmatrix_free(&slab);
  return err;
}

/* N_ij as a whole number. */
static inline int64_t count_at(const a2d_lasso_design *d, int64_t i, int64_t j) {
  return d->count_bytes == 2 ? ((const uint16_t *)d->counts)[i * d->n + j]
                             : ((const uint32_t *)d->counts)[i * d->n + j];
}

double a2d_lasso_gram(const a2d_lasso_design *d, int64_t i, int64_t j) {
  const int64_t m = d->m;
  return (double)(count_at(d, i, j) * m - d->sums[i] * d->sums[j]) *
         (1.0 / ((double)m * (double)m));
}

a2d_err a2d_lasso_design_create(MPI_Comm comm, const uint8_t *masks, int64_t row0, int64_t rows,
                                int64_t m, int64_t n, a2d_lasso_design *out) {
  a2d_err err = A2D_OK;
  int size;
  memset(out, 0, sizeof *out);
  if (m < 2 || n < 1 || m > INT32_MAX || n > INT32_MAX)
    return A2D_ERROR(A2D_ERR_DATA,
                     "a LASSO design needs at least 2 models and 1 point, and at most 2^31 of "
                     "each (got %lld x %lld)",
                     (long long)m, (long long)n);
  out->m = m;
  out->n = n;
  out->count_bytes = m <= UINT16_MAX ? 2 : 4;
  A2D_TRY(A2D_MPI(MPI_Comm_size(comm, &size)));
  A2D_TRY(a2d_node_create(comm, &out->node));
  A2D_TRY(a2d_grid_create(comm, 1, size, &out->grid));
  A2D_TRY(distribute_masks(comm, masks, row0, rows, out));
  A2D_TRY(a2d_shared_create(&out->node, (size_t)(n * n * out->count_bytes), &out->shared));
  out->counts = out->shared.base;
  A2D_TRY(count_matrix(out));
  A2D_TRY(A2D_CALLOC(out->sums, n));
  A2D_TRY(A2D_CALLOC(out->mean, n));
  for (int64_t j = 0; j < n; j++) {
    out->sums[j] = count_at(out, j, j);
    out->mean[j] = (double)out->sums[j] / (double)m;
  }
cleanup:
  if (err) a2d_lasso_design_free(out);
  return err;
}

a2d_err a2d_lasso_design_free(a2d_lasso_design *d) {
  a2d_err err = A2D_OK;
  free(d->sums);
  free(d->mean);
  a2d_dmatrix_free(&d->x);
  A2D_CLEANUP(a2d_shared_free(&d->shared));
  a2d_grid_free(&d->grid);
  A2D_CLEANUP(a2d_node_free(&d->node));
  memset(d, 0, sizeof *d);
  return err;
}

/* Side of the tiles in which the working set's block is transposed. */
#define LASSO_TILE 32

/* Slices per value in the cross-products. */
#define LASSO_SLICES 1

/*
 * Split v (all |v| < 2^e) into LASSO_SLICES slices plus a dropped rest, each
 * slice s a multiple of 2^(e - (s+1) bits) of magnitude at most 2^(e - s
 * bits): a sum of m of them is exact when m 2^bits <= 2^52.  One slice keeps
 * bits >= 36 bits (m <= 65,535): the rest is at most 2^-37 of the largest |v|
 * (2^-43 at m = 1,024), about the rounding of a plain double sum of m terms.
 */
static void slice(double v, int e, int bits, double q[LASSO_SLICES]) {
  for (int s = 0; s < LASSO_SLICES; s++) {
    const double unit = ldexp(1.0, e - (s + 1) * bits);
    q[s] = unit > 0 ? nearbyint(v / unit) * unit : 0.0;
    v -= q[s];
  }
}

a2d_err a2d_lasso_cross(const a2d_lasso_design *d, int64_t width, const double *yc, double *c) {
  a2d_err err = A2D_OK;
  a2d_dmatrix Y = {0}, C = {0};
  const int64_t m = d->m, n = d->n, p = d->grid.npcol, w = LASSO_CROSS_COLUMNS;
  int bits = 52;
  while (bits > 0 && (int64_t)1 << (52 - bits) < m) bits--; /* m 2^bits <= 2^52 */
  const int64_t S = LASSO_SLICES;
  A2D_TRY(a2d_dmatrix_create(&d->grid, m, p * S * w, (int)m, (int)(S * w), &Y));
  A2D_TRY(a2d_dmatrix_create(&d->grid, n, p * S * w, (int)n, (int)(S * w), &C));
  for (int64_t r0 = 0; r0 < width; r0 += w) {
    const int64_t cols = width - r0 < w ? width - r0 : w;
    memset(Y.local, 0, (size_t)(Y.ld * Y.local_cols) * sizeof(double));
    for (int64_t r = 0; r < cols; r++) {
      const double *y = yc + (r0 + r) * m;
      double amax = 0, q[LASSO_SLICES];
      int e;
      for (int64_t i = 0; i < m; i++) amax = fabs(y[i]) > amax ? fabs(y[i]) : amax;
      if (amax == 0) continue;
      frexp(amax, &e);
      for (int64_t i = 0; i < m; i++) {
        slice(y[i], e, bits, q);
        for (int64_t s = 0; s < S; s++) Y.local[(S * r + s) * Y.ld + i] = q[s];
      }
    }
    A2D_TRY(a2d_pdgemm('T', 'N', 1.0, &d->x, &Y, 0.0, &C));
    for (int64_t r = 0; r < cols; r++) {
      const double *s0 = C.local + S * r * C.ld;
      double *out = c + (r0 + r) * n;
      for (int64_t j = 0; j < n; j++) {
        double sum = s0[j]; /* the slices' exact products, added in a fixed order */
        for (int64_t q = 1; q < S; q++) sum += s0[q * C.ld + j];
        out[j] = sum / (double)m;
      }
    }
  }
cleanup:
  a2d_dmatrix_free(&Y);
  a2d_dmatrix_free(&C);
  return err;
}

void a2d_lasso_target(const a2d_lasso_design *d, const uint8_t *masks, const double *y, double *c,
                      double *yy, double *ybar) {
  const int64_t m = d->m, n = d->n;
  double mean = 0.0, ss = 0.0;
  for (int64_t v = 0; v < m; v++) mean += y[v];
  mean /= (double)m;
  memset(c, 0, (size_t)n * sizeof(double));
  for (int64_t v = 0; v < m; v++) {
    double r = y[v] - mean;
    ss += r * r;
    for (int64_t j = 0; j < n; j++)
      if (masks[v * n + j]) c[j] += r;
  }
  for (int64_t j = 0; j < n; j++) c[j] /= (double)m;
  *yy = ss / (double)m;
  *ybar = mean;
}

double a2d_lasso_lambda_max(const a2d_lasso_design *d, const double *c) {
  double best = 0.0;
  for (int64_t j = 0; j < d->n; j++) best = fabs(c[j]) > best ? fabs(c[j]) : best;
  return best;
}

/* ------------------------------------------------------------- the solver */

struct a2d_lasso_solver {
  const a2d_lasso_design *d;
  double tol;
  const double *c; /* this target's X^T yc / m */
  double yy;
  double *theta; /* n coefficients, zero outside the working set */
  double *grad;  /* n: c - G theta, exact after a full gradient */
  double *nt;    /* n: scratch, N theta */
  int64_t *slot; /* n: place in the working set, or -1 */
  int64_t *work; /* the working set, in the order coordinates joined it */
  int64_t nwork;
  float *block; /* G on the working set, row a at block + a * cap (single precision) */
  double *diag; /* its diagonal, in double */
  int64_t cap;
  double *th, *gr;    /* theta and gradient on the working set (cap each) */
  double *wsum;       /* n: s_{work[a]} in double, for each place a of the working set */
  void *rowbuf;       /* n counts: a copy of the row of N being read */
  int64_t *act_index; /* output buffers of a2d_lasso_active */
  double *act_value;
};

a2d_err a2d_lasso_solver_create(const a2d_lasso_design *d, double tol, a2d_lasso_solver **out) {
  a2d_err err = A2D_OK;
  a2d_lasso_solver *s = NULL;
  *out = NULL;
  A2D_TRY(A2D_CALLOC(s, 1));
  s->d = d;
  s->tol = tol;
  A2D_TRY(A2D_CALLOC(s->theta, d->n));
  A2D_TRY(A2D_CALLOC(s->grad, d->n));
  A2D_TRY(A2D_CALLOC(s->nt, d->n));
  A2D_TRY(A2D_CALLOC(s->slot, d->n));
  A2D_TRY(A2D_CALLOC(s->work, d->n));
  A2D_TRY(A2D_CALLOC(s->act_index, d->n));
  A2D_TRY(A2D_CALLOC(s->act_value, d->n));
  A2D_TRY(A2D_CALLOC(s->wsum, d->n));
  A2D_TRY(a2d_calloc((size_t)d->n, (size_t)d->count_bytes, &s->rowbuf));
  for (int64_t j = 0; j < d->n; j++) s->slot[j] = -1;
  *out = s;
  return A2D_OK;
cleanup:
  a2d_lasso_solver_destroy(&s);
  return err;
}

void a2d_lasso_solver_destroy(a2d_lasso_solver **s) {
  if (!*s) return;
  free((*s)->theta);
  free((*s)->grad);
  free((*s)->nt);
  free((*s)->slot);
  free((*s)->work);
  free((*s)->block);
  free((*s)->diag);
  free((*s)->th);
  free((*s)->gr);
  free((*s)->act_index);
  free((*s)->act_value);
  free((*s)->wsum);
  free((*s)->rowbuf);
  free(*s);
  *s = NULL;
}

void a2d_lasso_start(a2d_lasso_solver *s, const double *c, double yy) {
  const int64_t n = s->d->n;
  for (int64_t a = 0; a < s->nwork; a++) {
    s->theta[s->work[a]] = 0.0;
    s->slot[s->work[a]] = -1;
  }
  s->nwork = 0;
  memcpy(s->grad, c, (size_t)n * sizeof(double));
  s->c = c;
  s->yy = yy;
}

/* Room for `need` coordinates in the working set's block, keeping its contents. */
static a2d_err reserve(a2d_lasso_solver *s, int64_t need) {
  if (need <= s->cap) return A2D_OK;
  int64_t cap = s->cap ? 2 * s->cap : 256;
  while (cap < need) cap *= 2;
  if (cap > s->d->n) cap = s->d->n;
  float *block = NULL;
  double *th = NULL, *gr = NULL, *diag = NULL;
  a2d_err err = A2D_OK;
  A2D_TRY(A2D_CALLOC(block, cap * cap));
  A2D_TRY(A2D_CALLOC(th, cap));
  A2D_TRY(A2D_CALLOC(gr, cap));
  A2D_TRY(A2D_CALLOC(diag, cap));
  for (int64_t a = 0; a < s->nwork; a++)
    memcpy(block + a * cap, s->block + a * s->cap, (size_t)s->nwork * sizeof(float));
  if (s->nwork) memcpy(th, s->th, (size_t)s->nwork * sizeof(double));
  if (s->nwork) memcpy(diag, s->diag, (size_t)s->nwork * sizeof(double));
  free(s->block), free(s->th), free(s->gr), free(s->diag);
  s->block = block, s->th = th, s->gr = gr, s->diag = diag, s->cap = cap;
  return A2D_OK;
cleanup:
  free(block), free(th), free(gr), free(diag);
  return err;
}

/* The fit's hot loops are A2D_HOT (a2d/hot.h): wide vectors where the node has them. */

/*
 * row[b] = G_{i, work[b]} = (m N_{i, work[b]} - s_i s_{work[b]}) / m^2, b < na,
 * from counts = row i of N and ws[b] = s_{work[b]}.  With 16-bit counts (m <=
 * 65,535) every product is below 2^32 and exact in double; 32-bit counts
 * form the numerator in int64.  Either way it is exact, so the bits are the
 * same.
 */
A2D_HOT static void gram_row16(float *row, const uint16_t *counts, const double *ws,
                               const int64_t *work, int64_t na, int64_t m, int64_t si,
                               double inv_m2) {
  const double md = (double)m, sid = (double)si;
  for (int64_t b = 0; b < na; b++)
    row[b] = (float)(((double)counts[work[b]] * md - sid * ws[b]) * inv_m2);
}

A2D_HOT static void gram_row32(float *row, const uint32_t *counts, const double *ws,
                               const int64_t *work, int64_t na, int64_t m, int64_t si,
                               double inv_m2) {
  for (int64_t b = 0; b < na; b++)
    row[b] = (float)((double)((int64_t)counts[work[b]] * m - si * (int64_t)ws[b]) * inv_m2);
}

/*
 * Add to the working set every j outside it whose KKT condition |grad_j| <=
 * lambda fails, with its row and column of G; *added says how many.
 */
static a2d_err add_violators(a2d_lasso_solver *s, double lambda, int64_t *added) {
  const a2d_lasso_design *d = s->d;
  const int64_t n = d->n, old = s->nwork;
  int64_t k = 0;
  for (int64_t j = 0; j < n; j++)
    if (s->slot[j] < 0 && fabs(s->grad[j]) > lambda) k++;
  *added = k;
  if (!k) return A2D_OK;
  A2D_CHECK(reserve(s, old + k));
  for (int64_t j = 0; j < n; j++)
    if (s->slot[j] < 0 && fabs(s->grad[j]) > lambda) {
      s->slot[j] = s->nwork;
      s->wsum[s->nwork] = (double)d->sums[j];
      s->work[s->nwork] = j;
      s->th[s->nwork++] = 0.0;
    }
  const int64_t m = d->m, na = s->nwork, cap = s->cap;
  const double inv_m2 = 1.0 / ((double)m * (double)m);
  /* A long gather from a row of N touches most of its cache lines at random:
     copying the row first lets the hardware stream it in. */
  const int copy = na * 32 >= n;
  const size_t row_bytes = (size_t)n * (size_t)d->count_bytes;
  for (int64_t a = old; a < na; a++) {
    const int64_t i = s->work[a], si = d->sums[i];
    float *row = s->block + a * cap;
    const char *counts = (const char *)d->counts + (size_t)i * row_bytes;
    if (copy) counts = memcpy(s->rowbuf, counts, row_bytes);
    if (d->count_bytes == 2)
      gram_row16(row, (const uint16_t *)counts, s->wsum, s->work, na, m, si, inv_m2);
    else
      gram_row32(row, (const uint32_t *)counts, s->wsum, s->work, na, m, si, inv_m2);
    s->diag[a] = (double)(d->sums[i] * m - si * si) * inv_m2;
  }
  /* The old rows' new columns, by symmetry: a transpose in tiles that stay in cache. */
  for (int64_t b0 = 0; b0 < old; b0 += LASSO_TILE)
    for (int64_t a0 = old; a0 < na; a0 += LASSO_TILE) {
      const int64_t b1 = b0 + LASSO_TILE < old ? b0 + LASSO_TILE : old;
      const int64_t a1 = a0 + LASSO_TILE < na ? a0 + LASSO_TILE : na;
      for (int64_t b = b0; b < b1; b++)
        for (int64_t a = a0; a < a1; a++) s->block[b * cap + a] = s->block[a * cap + b];
    }
  return A2D_OK;
}

/*
 * acc += sum over the k listed coordinates of t_a * (row a of N), four rows
 * per pass over acc; each entry still adds the rows in list order.
 */
#define ADD_COUNT_ROWS(name, type)                                                                \
  A2D_HOT static void name(double *acc, const type *counts, const int64_t *rows, const double *t, \
                           int64_t k, int64_t n) {                                                \
    int64_t a = 0;                                                                                \
    for (; a + 4 <= k; a += 4) {                                                                  \
      const type *r0 = counts + rows[a] * n, *r1 = counts + rows[a + 1] * n;                      \
      const type *r2 = counts + rows[a + 2] * n, *r3 = counts + rows[a + 3] * n;                  \
      const double t0 = t[a], t1 = t[a + 1], t2 = t[a + 2], t3 = t[a + 3];                        \
      for (int64_t j = 0; j < n; j++)                                                             \
        acc[j] = (((acc[j] + t0 * (double)r0[j]) + t1 * (double)r1[j]) + t2 * (double)r2[j]) +    \
                 t3 * (double)r3[j];                                                              \
    }                                                                                             \
    for (; a < k; a++) {                                                                          \
      const type *r0 = counts + rows[a] * n;                                                      \
      const double t0 = t[a];                                                                     \
      for (int64_t j = 0; j < n; j++) acc[j] += t0 * (double)r0[j];                               \
    }                                                                                             \
  }
ADD_COUNT_ROWS(add_count_rows16, uint16_t)
ADD_COUNT_ROWS(add_count_rows32, uint32_t)

/*
 * grad = c - G theta over all n coordinates, with G theta = (m N theta - s
 * (s^T theta)) / m^2 from the counts of the nonzero coordinates.
 */
static void full_gradient(a2d_lasso_solver *s) {
  const a2d_lasso_design *d = s->d;
  const int64_t n = d->n, m = d->m;
  double st = 0.0;
  int64_t k = 0;
  for (int64_t a = 0; a < s->nwork; a++) { /* the nonzeros, compacted into act_* */
    const int64_t j = s->work[a];
    if (s->theta[j] == 0.0) continue;
    s->act_index[k] = j;
    s->act_value[k++] = s->theta[j];
    st += s->theta[j] * (double)d->sums[j];
  }
  memset(s->nt, 0, (size_t)n * sizeof(double));
  if (d->count_bytes == 2)
    add_count_rows16(s->nt, d->counts, s->act_index, s->act_value, k, n);
  else
    add_count_rows32(s->nt, d->counts, s->act_index, s->act_value, k, n);
  const double m2 = (double)m * (double)m;
  for (int64_t j = 0; j < n; j++)
    s->grad[j] = s->c[j] - ((double)m * s->nt[j] - (double)d->sums[j] * st) / m2;
}

/*
 * One sweep of coordinate descent over the na coordinates of the working
 * set's block GA (row stride cap), updating th and the gradient gr; returns
 * the largest decrease of the objective, gjj * delta^2, of any coordinate.
 */
A2D_HOT static double sweep(const float *GA, const double *diag, int64_t cap, double *th,
                            double *gr, int64_t na, double lambda) {
  double biggest = 0.0;
  for (int64_t a = 0; a < na; a++) {
    const float *row = GA + a * cap;
    const double gjj = diag[a];
    if (gjj <= 0.0) continue; /* a point in every model or in none: no information */
    const double z = gr[a] + gjj * th[a];
    const double shrunk = fabs(z) > lambda ? (z > 0 ? z - lambda : z + lambda) / gjj : 0.0;
    const double delta = shrunk - th[a];
    if (delta == 0.0) continue;
    th[a] = shrunk;
    for (int64_t b = 0; b < na; b++) gr[b] -= delta * (double)row[b];
    if (gjj * delta * delta > biggest) biggest = gjj * delta * delta;
  }
  return biggest;
}

/*
 * Coordinate descent on the working set alone until no coordinate moves the
 * objective by more than `limit`.  Updates theta; grad goes stale.
 */
static a2d_err solve_working_set(a2d_lasso_solver *s, double lambda, double limit) {
  const int64_t na = s->nwork;
  for (int64_t a = 0; a < na; a++) s->gr[a] = s->grad[s->work[a]];
  for (int sweeps = 0;; sweeps++) {
    if (sweeps == LASSO_MAX_SWEEPS)
      return A2D_ERROR(A2D_ERR_INTERNAL,
                       "LASSO coordinate descent did not converge in %d sweeps at lambda %g",
                       LASSO_MAX_SWEEPS, lambda);
    if (sweep(s->block, s->diag, s->cap, s->th, s->gr, na, lambda) <= limit) break;
  }
  for (int64_t a = 0; a < na; a++) s->theta[s->work[a]] = s->th[a];
  return A2D_OK;
}

double a2d_lasso_gap(const a2d_lasso_solver *s, double lambda, double *primal) {
  /* With R = yc - Xc theta: |R|^2/m = yy - c.theta - g.theta, R.yc/m = yy - c.theta,
     Xc^T R / m = g.  The dual point R/m scaled into feasibility gives the gap. */
  double ct = 0.0, gt = 0.0, l1 = 0.0, dual_norm = 0.0;
  for (int64_t a = 0; a < s->nwork; a++) {
    const int64_t j = s->work[a];
    ct += s->c[j] * s->theta[j];
    gt += s->grad[j] * s->theta[j];
    l1 += fabs(s->theta[j]);
  }
  for (int64_t j = 0; j < s->d->n; j++)
    if (fabs(s->grad[j]) > dual_norm) dual_norm = fabs(s->grad[j]);
  const double r2 = s->yy - ct - gt, ry = s->yy - ct;
  const double k = dual_norm > lambda ? lambda / dual_norm : 1.0;
  *primal = 0.5 * r2 + lambda * l1;
  double gap = 0.5 * r2 * (1.0 + k * k) + lambda * l1 - k * ry;
  return gap > 0 ? gap : 0.0;
}

a2d_err a2d_lasso_solve(a2d_lasso_solver *s, double lambda) {
  /* The working set keeps every coordinate that joined it along the path;
     grad is exact here (the last solve, or the start, left it so). */
  const double limit = s->tol * (s->yy > 0 ? s->yy : 1.0);
  int64_t added;
  A2D_CHECK(add_violators(s, lambda, &added));
  for (;;) {
    A2D_CHECK(solve_working_set(s, lambda, limit));
    full_gradient(s);
    A2D_CHECK(add_violators(s, lambda, &added));
    if (!added) break;
  }
  return A2D_OK;
}

/* Order of (index, value) pairs by index. */
static int by_index(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

void a2d_lasso_active(a2d_lasso_solver *s, const int64_t **index, const double **value,
                      int64_t *count) {
  int64_t k = 0;
  for (int64_t a = 0; a < s->nwork; a++)
    if (s->th[a] != 0.0) s->act_index[k++] = s->work[a];
  qsort(s->act_index, (size_t)k, sizeof(int64_t), by_index);
  for (int64_t a = 0; a < k; a++) s->act_value[a] = s->theta[s->act_index[a]];
  *index = s->act_index;
  *value = s->act_value;
  *count = k;
}

double a2d_lasso_objective(const a2d_lasso_solver *s, double lambda) {
  /* (1/2) theta^T G theta - c^T theta + yy/2 with G theta = c - grad. */
  double ct = 0.0, gt = 0.0, l1 = 0.0;
  for (int64_t a = 0; a < s->nwork; a++) {
    const int64_t j = s->work[a];
    ct += s->c[j] * s->theta[j];
    gt += s->grad[j] * s->theta[j];
    l1 += fabs(s->theta[j]);
  }
  return 0.5 * s->yy - 0.5 * (ct + gt) + lambda * l1;
}
