/*
 * test_store.c - the HDF5 study file round trip over MPI-IO: every rank writes
 * its row block of compressed and contiguous datasets, everyone reads all
 * rows back; attributes; reopen; refusal of files that are not study files.
 * Ranks: 1, 2, 4 (the same checks hold at every count).
 */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a2d/parallel.h"
#include "a2d/store.h"
#include "check.h"

static int rank, size;

/* Write a 37 x 5 float matrix (value = row * 10 + col) in row blocks, read it all back. */
static void test_round_trip(const char *path) {
  a2d_store *st = NULL;
  CHECK_OK(a2d_store_open(MPI_COMM_WORLD, path, &st));
  if (!st) return;
  const int64_t n = 37, d = 5;
  int64_t dims[2] = {n, d}, chunk[2] = {8, d}, lo, hi;
  a2d_block_range(n, size, rank, &lo, &hi);
  float *mine = calloc((size_t)((hi - lo) * d + 1), sizeof(float));
  for (int64_t i = lo; i < hi; i++)
    for (int64_t j = 0; j < d; j++) mine[(i - lo) * d + j] = (float)(i * 10 + j);
  CHECK_OK(a2d_store_create(st, "/g/sub/x", A2D_F32, 2, dims, chunk, 1));
  CHECK_OK(a2d_store_write_rows(st, "/g/sub/x", A2D_F32, lo, hi - lo, mine));
  int64_t *labels = calloc((size_t)n, sizeof(int64_t));
  for (int64_t i = lo; i < hi; i++) labels[i] = -i;
  CHECK_OK(a2d_store_create(st, "/g/labels", A2D_I64, 1, dims, NULL, 0));
  CHECK_OK(a2d_store_write_rows(st, "/g/labels", A2D_I64, lo, hi - lo, labels + lo));
  CHECK_OK(a2d_store_set_string(st, "/g", "note", "hello"));
  CHECK_OK(a2d_store_set_int(st, "/g", "count", 37));
  CHECK_OK(a2d_store_set_real(st, "/g/sub/x", "scale", 0.25));
  CHECK_OK(a2d_store_close(&st));
  CHECK(st == NULL);

  /* Reopen: the file is recognised and everything reads back. */
  CHECK_OK(a2d_store_open(MPI_COMM_WORLD, path, &st));
  if (!st) return;
  float *all = calloc((size_t)(n * d), sizeof(float));
  int64_t *all_labels = calloc((size_t)n, sizeof(int64_t));
  CHECK_OK(a2d_store_read_rows(st, "/g/sub/x", A2D_F32, 0, n, all));
  CHECK_OK(a2d_store_read_rows(st, "/g/labels", A2D_I64, 0, n, all_labels));
  int ok = 1;
  for (int64_t i = 0; i < n; i++) {
    ok &= all_labels[i] == -i;
    for (int64_t j = 0; j < d; j++) ok &= all[i * d + j] == (float)(i * 10 + j);
  }
  CHECK(ok);
  int rank_out, exists;
  int64_t shape[8], count;
  double scale;
  char *note = NULL;
  CHECK_OK(a2d_store_shape(st, "/g/sub/x", &rank_out, shape));
  CHECK(rank_out == 2 && shape[0] == n && shape[1] == d);
  CHECK_OK(a2d_store_get_string(st, "/g", "note", &note));
  CHECK(note && !strcmp(note, "hello"));
  free(note);
  CHECK_OK(a2d_store_get_string(st, "/g", "absent", &note));
  CHECK(note == NULL);
  int present;
  CHECK_OK(a2d_store_get_int(st, "/g", "count", &count, &present));
  CHECK(present && count == 37);
  CHECK_OK(a2d_store_get_real(st, "/g/sub/x", "scale", &scale, &present));
  CHECK(present && scale == 0.25);
  CHECK_OK(a2d_store_get_int(st, "/nowhere", "count", &count, &present));
  CHECK(!present);

  /* Wrong type, wrong rows, missing datasets are refused, naming the dataset. */
  CHECK_FAILS(a2d_store_read_rows(st, "/g/sub/x", A2D_I32, 0, 1, all_labels), A2D_ERR_DATA,
              "dataset /g/sub/x is not int32");
  CHECK_FAILS(a2d_store_read_rows(st, "/g/sub/x", A2D_F32, 30, 10, all), A2D_ERR_DATA,
              "dataset /g/sub/x: 30..40 of dimension 1 is outside 0..37");
  CHECK_FAILS(a2d_store_shape(st, "/g/missing", &rank_out, shape), A2D_ERR_DATA,
              "no dataset /g/missing");
  CHECK_OK(a2d_store_exists(st, "/g/sub/x", &exists));
  CHECK(exists);
  CHECK_OK(a2d_store_delete(st, "/g/sub"));
  CHECK_OK(a2d_store_exists(st, "/g/sub/x", &exists));
  CHECK(!exists);
  CHECK_OK(a2d_store_close(&st));
  free(mine);
  free(labels);
  free(all);
  free(all_labels);
}

/* Files that are not a2d study files are refused and left as they were. */
static void test_refusals(const char *dir) {
  char text_file[512], foreign[512], missing_dir[512];
  snprintf(text_file, sizeof text_file, "%s/notes.txt", dir);
  snprintf(foreign, sizeof foreign, "%s/foreign.h5", dir);
  snprintf(missing_dir, sizeof missing_dir, "%s/no/such/dir/s.h5", dir);
  if (rank == 0) {
    FILE *f = fopen(text_file, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    hid_t h = H5Fcreate(foreign, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(h);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  a2d_store *st = NULL;
  CHECK_FAILS(a2d_store_open(MPI_COMM_WORLD, text_file, &st), A2D_ERR_DATA,
              "exists but is not an HDF5 file; refusing to overwrite it");
  CHECK_FAILS(a2d_store_open(MPI_COMM_WORLD, foreign, &st), A2D_ERR_DATA,
              "not an a2d study file (no root attribute a2d_layout)");
  CHECK_FAILS(a2d_store_open(MPI_COMM_WORLD, missing_dir, &st), A2D_ERR_IO,
              "does not exist (create it, or change [output] path)");
  CHECK(st == NULL);
  if (rank == 0) {
    FILE *f = fopen(text_file, "r");
    char line[32] = "";
    CHECK(f && fgets(line, sizeof line, f) && !strcmp(line, "not hdf5\n"));
    if (f) fclose(f);
  }
}

/* A failed MPI call, with MPI_ERRORS_RETURN set, becomes an error naming the rank and call. */
static void test_mpi_failure(void) {
  MPI_Comm comm;
  int value = 0;
  CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm) == MPI_SUCCESS);
  CHECK_OK(a2d_mpi_errors_return(comm));
  char expect[64];
  snprintf(expect, sizeof expect, "rank %d: MPI_Bcast(&value, -1", rank);
  CHECK_FAILS(A2D_MPI(MPI_Bcast(&value, -1, MPI_INT, 0, comm)), A2D_ERR_INTERNAL, expect);
  CHECK(MPI_Comm_free(&comm) == MPI_SUCCESS);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char dir[256], path[300];
  snprintf(dir, sizeof dir, "store_np%d", size);
  if (rank == 0) {
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/study.h5", dir);
    unlink(path);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  snprintf(path, sizeof path, "%s/study.h5", dir);
  test_round_trip(path);
  test_refusals(dir);
  a2d_log_init(rank, 0);
  test_mpi_failure();
  return check_finalize("test_store");
}
