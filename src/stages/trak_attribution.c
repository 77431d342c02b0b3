/* trak_attribution.c - TRAK's stored attribution and its predictions (trak_attribution.h). */
#include "trak_attribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"

/* Rows of psi read at a time while summing a removed set's weighted rows. */
#define TRAK_READ_ROWS 1024

void a2d_trak_model_group(int64_t j, char *buf, size_t size) {
  snprintf(buf, size, "%s/model_%04lld", A2D_TRAK_GROUP, (long long)j);
}

/* A dataset of model j's group that must be rows x cols. */
static a2d_err check_shape(a2d_store *st, const char *group, const char *name, int64_t rows,
                           int64_t cols) {
  char path[160];
  int rank;
  int64_t dims[8];
  snprintf(path, sizeof path, "%s/%s", group, name);
  A2D_CHECK(a2d_store_shape(st, path, &rank, dims));
  if (rank != (cols ? 2 : 1) || dims[0] != rows || (cols && dims[1] != cols))
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s is not %lld x %lld; rerun stage trak",
                     a2d_store_path(st), path, (long long)rows, (long long)cols);
  return A2D_OK;
}

a2d_err a2d_trak_attribution_open(a2d_store *store, int64_t n, int64_t n_val, int unscaled,
                                  a2d_trak_attribution *T) {
  a2d_err err = A2D_OK;
  int present;
  double *q = NULL;
  char group[128], path[160];
  memset(T, 0, sizeof *T);
  T->store = store;
  T->n = n;
  T->n_val = n_val;
  T->scale = 1.0;
  A2D_TRY(a2d_store_get_int(store, A2D_TRAK_GROUP, "models", &T->models, &present));
  A2D_TRY(a2d_store_get_int(store, A2D_TRAK_GROUP, "dims", &T->k, &present));
  if (!present || T->models < 1 || T->k < 1)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s has no models or dims; rerun stage trak", a2d_store_path(store),
             A2D_TRAK_GROUP);
  if (!unscaled) {
    A2D_TRY(a2d_store_get_real(store, A2D_TRAK_GROUP, "scale", &T->scale, &present));
    if (!present)
      A2D_FAIL(A2D_ERR_DATA, "%s: %s has no scale; rerun stage trak", a2d_store_path(store),
               A2D_TRAK_GROUP);
  }
  A2D_TRY(A2D_CALLOC(T->qbar, n + 1));
  A2D_TRY(A2D_CALLOC(q, n + 1));
  for (int64_t j = 0; j < T->models; j++) {
    a2d_trak_model_group(j, group, sizeof group);
    A2D_TRY(check_shape(store, group, "phi_train", n, T->k));
    A2D_TRY(check_shape(store, group, "phi_val", n_val, T->k));
    A2D_TRY(check_shape(store, group, "psi", n, T->k));
    A2D_TRY(check_shape(store, group, "q", n, 0));
    snprintf(path, sizeof path, "%s/q", group);
    A2D_TRY(a2d_store_read_rows(store, path, A2D_F64, 0, n, q));
    for (int64_t i = 0; i < n; i++) T->qbar[i] += q[i];
  }
  for (int64_t i = 0; i < n; i++) T->qbar[i] /= (double)T->models;
cleanup:
  free(q);
  if (err) a2d_trak_attribution_free(T);
  return err;
}

void a2d_trak_attribution_free(a2d_trak_attribution *T) {
  free(T->qbar);
  memset(T, 0, sizeof *T);
}

/*
 * U (S x k) = sum over removed i of qbar_i psi_i, for model j (every rank
 * alike; collective).  When the sets remove few points in all (`needed`, the
 * sorted union of `count` rows, at most an eighth of n), only those rows of
 * psi are read: each rank reads its share and every rank gathers them all;
 * otherwise psi is read whole, a chunk at a time.  Either way each set's sum
 * runs over its rows in increasing order, the same bits.
 */
static a2d_err removed_sums(a2d_trak_attribution *T, MPI_Comm comm, const char *group,
                            const uint8_t *removed, int64_t S, const int64_t *needed, int64_t count,
                            float *rows, double *U) {
  char path[160];
  const int64_t n = T->n, k = T->k;
  snprintf(path, sizeof path, "%s/psi", group);
  memset(U, 0, sizeof(double) * (size_t)(S * k));
  if (count <= n / 8) {
    int rank, size;
    int64_t lo, hi, total;
    double *mine = NULL, *all = NULL;
    A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
    A2D_CHECK_MPI(MPI_Comm_size(comm, &size));
    a2d_block_range(count, size, rank, &lo, &hi);
    a2d_err err = A2D_CALLOC(mine, (hi - lo) * k + 1);
    for (int64_t r = lo; !err && r < hi; r++) {
      const int64_t start[2] = {needed[r], 0}, one[2] = {1, k};
      err = a2d_store_read_local(T->store, path, A2D_F32, 2, start, one, rows);
      for (int64_t c = 0; !err && c < k; c++) mine[(r - lo) * k + c] = rows[c];
    }
    err = a2d_agree(comm, err);
    if (!err) err = a2d_allgather_doubles(comm, mine, (hi - lo) * k, &all, &total);
    for (int64_t s = 0; !err && s < S; s++)
      for (int64_t r = 0; r < count; r++) {
        const int64_t i = needed[r];
        if (!removed[s * n + i]) continue;
        const double w = T->qbar[i], *psi = all + r * k;
        double *u = U + s * k;
        for (int64_t c = 0; c < k; c++) u[c] += w * psi[c];
      }
    free(mine);
    free(all);
    A2D_CHECK(err);
    return A2D_OK;
  }
  for (int64_t r0 = 0; r0 < n; r0 += TRAK_READ_ROWS) {
    const int64_t count = n - r0 < TRAK_READ_ROWS ? n - r0 : TRAK_READ_ROWS;
    A2D_CHECK(a2d_store_read_rows(T->store, path, A2D_F32, r0, count, rows));
    for (int64_t s = 0; s < S; s++)
      for (int64_t i = r0; i < r0 + count; i++) {
        if (!removed[s * n + i]) continue;
        const double w = T->qbar[i];
        const float *psi = rows + (i - r0) * k;
        double *u = U + s * k;
        for (int64_t c = 0; c < k; c++) u[c] += w * (double)psi[c];
      }
  }
  return A2D_OK;
}

/* Features of targets [t0, t1) (training, then validation) of model group: (t1 - t0) x k. */
static a2d_err target_features(a2d_trak_attribution *T, const char *group, int64_t t0, int64_t t1,
                               float *phi) {
  char path[160];
  const int64_t n = T->n, k = T->k;
  const int64_t a = t0 < n ? t0 : n, b = t1 < n ? t1 : n; /* training targets [a, b) */
  const int64_t va = (t0 > n ? t0 : n) - n, vb = (t1 > n ? t1 : n) - n;
  int64_t start[2] = {a, 0}, count[2] = {b - a, k};
  snprintf(path, sizeof path, "%s/phi_train", group);
  if (b > a) A2D_CHECK(a2d_store_read_local(T->store, path, A2D_F32, 2, start, count, phi));
  start[0] = va, count[0] = vb - va;
  snprintf(path, sizeof path, "%s/phi_val", group);
  if (vb > va)
    A2D_CHECK(a2d_store_read_local(T->store, path, A2D_F32, 2, start, count, phi + (b - a) * k));
  return A2D_OK;
}

a2d_err a2d_trak_predict_shifts(a2d_trak_attribution *T, MPI_Comm comm, const uint8_t *removed,
                                int64_t S, double *shift) {
  a2d_err err = A2D_OK;
  int rank, size;
  char group[128];
  const int64_t targets = T->n + T->n_val, k = T->k;
  int64_t t0, t1, total;
  float *rows = NULL, *phi = NULL;
  double *U = NULL, *mine = NULL, *all = NULL;
  int64_t *needed = NULL, count = 0;
  A2D_TRY_MPI(MPI_Comm_rank(comm, &rank));
  A2D_TRY_MPI(MPI_Comm_size(comm, &size));
  a2d_block_range(targets, size, rank, &t0, &t1);
  const int64_t local = t1 - t0;
  A2D_TRY(A2D_CALLOC(rows, TRAK_READ_ROWS * k));
  A2D_TRY(A2D_CALLOC(phi, local * k + 1));
  A2D_TRY(A2D_CALLOC(U, S * k));
  A2D_TRY(A2D_CALLOC(mine, local * S + 1));
  A2D_TRY(A2D_CALLOC(needed, T->n + 1));
  for (int64_t i = 0; i < T->n; i++) {
    int any = 0;
    for (int64_t s = 0; s < S && !any; s++) any = removed[s * T->n + i];
    if (any) needed[count++] = i;
  }
  for (int64_t j = 0; j < T->models; j++) {
    a2d_trak_model_group(j, group, sizeof group);
    A2D_TRY(removed_sums(T, comm, group, removed, S, needed, count, rows, U));
    A2D_TRY(a2d_agree(comm, target_features(T, group, t0, t1, phi)));
    for (int64_t t = 0; t < local; t++)
      for (int64_t s = 0; s < S; s++) {
        double dot = 0.0;
        for (int64_t c = 0; c < k; c++) dot += (double)phi[t * k + c] * U[s * k + c];
        mine[t * S + s] += dot;
      }
  }
  const double factor = -T->scale / (double)T->models;
  for (int64_t i = 0; i < local * S; i++) mine[i] *= factor;
  A2D_TRY(a2d_allgather_doubles(comm, mine, local * S, &all, &total));
  for (int64_t t = 0; t < targets; t++)
    for (int64_t s = 0; s < S; s++) shift[s * targets + t] = all[t * S + s];
cleanup:
  free(rows);
  free(phi);
  free(U);
  free(mine);
  free(all);
  free(needed);
  return err;
}
