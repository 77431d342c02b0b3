/*
 * test_attribution.c - the attribution matrix in PETSc: a hand-made CSR
 * /datamodel loads on any number of ranks, and the direct and anchored
 * predictions equal the sums computed by hand (the many-subset ones bit for
 * bit, on any number of ranks); Spearman's correlation on
 * hand-checked cases.  Ranks: 1, 2, 4.
 */
#include <math.h>
#include <mpi.h>
#include <petscsys.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a2d/attribution.h"
#include "a2d/parallel.h"
#include "a2d/stats.h"
#include "check.h"
#include "datamodel_file.h"

enum { N = 9, TRAIN = 5, VAL = 2, C = 3, ROWS = (TRAIN + VAL) * C };

/* theta[r][j] = (r + 1) * (j + 2) / 10 where (r + j) % 3 == 0, else 0; b_r = r / 4. */
static double theta(int r, int j) {
  return (r + j) % 3 == 0 ? (r + 1) * (j + 2) / 10.0 : 0.0;
}

/* Write the CSR /datamodel and the attributes and masks it is read with (collective). */
static void write_datamodel(a2d_store *st, int rank) {
  double dense[ROWS * N], intercept[ROWS];
  for (int r = 0; r < ROWS; r++) {
    for (int j = 0; j < N; j++) dense[r * N + j] = theta(r, j);
    intercept[r] = r / 4.0;
  }
  write_datamodel_file(st, rank, dense, intercept, ROWS, N, C, TRAIN, VAL);
}

static void test_predictions(a2d_store *store, MPI_Comm comm) {
  a2d_attribution A;
  CHECK_OK(a2d_attribution_load(store, comm, &A));
  if (!A.theta) return;
  CHECK(A.rows == ROWS && A.n == N && A.per_target == C);
  const int64_t local = A.row1 - A.row0;
  double *out = calloc((size_t)local + 1, sizeof(double)), *base = calloc((size_t)local + 1, 8);
  const int64_t forget[3] = {1, 4, 8};
  uint8_t subset[N] = {1, 1, 0, 1, 1, 0, 1, 0, 1};
  int ok_direct = 1, ok_subset = 1, ok_anchored = 1;

  /* direct, S = all: theta . 1[all \ F] + b */
  CHECK_OK(a2d_attribution_predict_direct(&A, NULL, forget, 3, out));
  for (int64_t r = 0; r < local; r++) {
    int row = (int)(A.row0 + r);
    double expect = row / 4.0;
    for (int j = 0; j < N; j++)
      if (j != 1 && j != 4 && j != 8) expect += (double)(float)theta(row, j);
    ok_direct &= fabs(out[r] - expect) < 1e-9;
  }
  /* direct, S given: theta . 1[S \ F] + b */
  CHECK_OK(a2d_attribution_predict_direct(&A, subset, forget, 3, out));
  for (int64_t r = 0; r < local; r++) {
    int row = (int)(A.row0 + r);
    double expect = row / 4.0;
    for (int j = 0; j < N; j++)
      if (subset[j] && j != 1 && j != 4 && j != 8) expect += (double)(float)theta(row, j);
    ok_subset &= fabs(out[r] - expect) < 1e-9;
  }
  /* anchored: base - sum over F of theta */
  for (int64_t r = 0; r < local; r++) base[r] = 100.0 + (double)(A.row0 + r);
  CHECK_OK(a2d_attribution_predict_anchored(&A, base, forget, 3, out));
  for (int64_t r = 0; r < local; r++) {
    int row = (int)(A.row0 + r);
    double expect = 100.0 + row - (double)(float)theta(row, 1) - (double)(float)theta(row, 4) -
                    (double)(float)theta(row, 8);
    ok_anchored &= fabs(out[r] - expect) < 1e-9;
  }
  /* many subsets at once (more than one block of 32): theta . x_j + b, the sum in column order */
  enum { SUBSETS = 37 };
  uint8_t masks[SUBSETS * N];
  double *many = calloc((size_t)(SUBSETS * local) + 1, sizeof(double));
  int ok_masks = 1;
  for (int j = 0; j < SUBSETS * N; j++) masks[j] = (uint8_t)((j * 7 + j / N) % 3 == 0);
  CHECK_OK(a2d_attribution_predict_masks(&A, masks, SUBSETS, many, local));
  for (int j = 0; j < SUBSETS; j++)
    for (int64_t r = 0; r < local; r++) {
      int row = (int)(A.row0 + r);
      double sum = 0;
      for (int p = 0; p < N; p++)
        if (masks[j * N + p]) sum += (double)(float)theta(row, p);
      ok_masks &= many[j * local + r] == row / 4.0 + sum; /* bit for bit */
    }
  free(many);
  CHECK(ok_direct);
  CHECK(ok_subset);
  CHECK(ok_anchored);
  CHECK(ok_masks);
  const int64_t bad[1] = {N};
  CHECK_FAILS(a2d_attribution_predict_anchored(&A, base, bad, 1, out), A2D_ERR_DATA,
              "forget index 9 is outside the 9 training points");
  /* Targets are not split between ranks: every rank has whole targets. */
  CHECK(A.row0 % C == 0 && A.row1 % C == 0);
  free(out);
  free(base);
  CHECK_OK(a2d_attribution_destroy(&A));
}

static void test_spearman(void) {
  double a[5] = {1, 2, 3, 4, 5}, b[5] = {10, 20, 30, 40, 50}, r[5] = {5, 4, 3, 2, 1};
  double t[5] = {1, 1, 2, 2, 3}, u[5] = {1, 2, 3, 4, 5}, k[5] = {7, 7, 7, 7, 7};
  double scratch[15];
  CHECK(fabs(a2d_spearman(a, b, 5, scratch) - 1.0) < 1e-12);
  CHECK(fabs(a2d_spearman(a, r, 5, scratch) + 1.0) < 1e-12);
  /* ties: ranks 1.5 1.5 3.5 3.5 5 against 1..5: r = 0.9486832980505138 */
  CHECK(fabs(a2d_spearman(t, u, 5, scratch) - 0.9486832980505138) < 1e-12);
  CHECK(a2d_spearman(k, u, 5, scratch) == 0.0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  PetscInitializeNoArguments();
  MPI_Comm comm = MPI_COMM_WORLD;
  a2d_store *store = NULL;
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char path[64];
  snprintf(path, sizeof path, "attribution_np%d.h5", size);
  if (rank == 0) unlink(path);
  MPI_Barrier(comm);
  CHECK_OK(a2d_store_open(comm, path, &store));
  if (store) {
    write_datamodel(store, rank);
    test_predictions(store, comm);
    CHECK_OK(a2d_store_close(&store));
  }
  test_spearman();
  PetscFinalize();
  return check_finalize("test_attribution");
}
