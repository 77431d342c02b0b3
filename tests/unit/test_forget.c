/*
 * test_forget.c - the pieces behind stage forget: index lists (good files and
 * every error with its line) and k-means (recovers well-separated blobs,
 * orders clusters by size, fills empty clusters, is bit-identical when rerun),
 * the nearest-points selection, and reading sets back from a study file
 * (a2d_stage_read_forget, collective).  Ranks: 1 and 2.
 */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a2d/index_list.h"
#include "a2d/kmeans.h"
#include "a2d/rng.h"
#include "check.h"
#include "stage_util.h"

static char g_dir[64];

/* Write `len` bytes of text to file `name` in the scratch folder; returns its path. */
static const char *write_file(const char *name, const char *text, size_t len) {
  static char path[8][128];
  static int next;
  char *p = path[next++ % 8];
  snprintf(p, 128, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "wb");
  CHECK(f != NULL);
  if (f) {
    CHECK(fwrite(text, 1, len, f) == len);
    CHECK(fclose(f) == 0);
  }
  return p;
}

/* Read a list written from `text`; 0 on success. */
static a2d_err read_list(const char *text, int64_t n, int64_t **idx, int64_t *count) {
  return a2d_index_list_read(write_file("list.txt", text, strlen(text)), n, idx, count);
}

/* Expect the list `text` to fail with `code` and the message `expect` after "PATH:". */
static void expect_list_error(const char *text, int64_t n, a2d_err code, const char *expect) {
  int64_t *idx = NULL, count = -1;
  char want[512];
  snprintf(want, sizeof want, "%s/list.txt:%s", g_dir, expect);
  CHECK_FAILS(read_list(text, n, &idx, &count), code, want);
  CHECK(idx == NULL && count == 0);
  free(idx);
}

static void test_index_list(void) {
  int64_t *idx = NULL, count = 0;
  /* Comments, blank lines, CRLF, trailing comments, blanks around; unsorted input. */
  CHECK_OK(read_list("# forget these\n17\n\n  5 \t# trailing\r\n100\r\n\t\n3\n# end", 5000, &idx,
                     &count));
  CHECK(count == 4);
  if (count == 4) CHECK(idx[0] == 3 && idx[1] == 5 && idx[2] == 17 && idx[3] == 100);
  free(idx);
  /* No final newline; the largest and smallest indices. */
  CHECK_OK(read_list("4999\n0", 5000, &idx, &count));
  CHECK(count == 2 && idx[0] == 0 && idx[1] == 4999);
  free(idx);

  expect_list_error("1\n2\nabc\n", 5000, A2D_ERR_DATA,
                    "3: expected one index (a non-negative integer), got \"abc\"");
  expect_list_error("\n-1\n", 5000, A2D_ERR_DATA,
                    "2: expected one index (a non-negative integer), got \"-1\"");
  expect_list_error("3 4\n", 5000, A2D_ERR_DATA,
                    "1: expected one index (a non-negative integer), got \"3 4\"");
  expect_list_error("2.0 # two\n", 5000, A2D_ERR_DATA,
                    "1: expected one index (a non-negative integer), got \"2.0\"");
  expect_list_error("1\n2\n3\n4\n7000\n", 5000, A2D_ERR_DATA,
                    "5: index 7000 is out of range: the training set has 5000 points (0 to 4999)");
  expect_list_error("# big\n99999999999999999999999\n", 5000, A2D_ERR_DATA,
                    "2: index 99999999999999999999999 is out of range");
  expect_list_error("5\n# c\n12\n\n12 # again\n", 5000, A2D_ERR_DATA, "5: index 12 repeats line 3");
  expect_list_error("# only comments\n\n   \n", 5000, A2D_ERR_DATA, " holds no indices");
  expect_list_error("", 5000, A2D_ERR_DATA, " holds no indices");
  const char nul[] = "1\n\0002\n";
  CHECK_FAILS(a2d_index_list_read(write_file("nul.txt", nul, sizeof nul - 1), 10, &idx, &count),
              A2D_ERR_DATA, "not a text file");
  char missing[128];
  snprintf(missing, sizeof missing, "%s/missing.txt", g_dir);
  CHECK_FAILS(a2d_index_list_read(missing, 10, &idx, &count), A2D_ERR_IO,
              "missing.txt: cannot open: No such file or directory");
}

/*
 * Blobs: point i belongs to blob i % 4 unless i < 60 (blob 3, making the
 * blobs 60 + 35, 35, 35, 35 points for n = 200: blob 3 is the largest);
 * blob b is centred at 40 * e_b in d = 6 dimensions with unit noise.
 */
#define NB 200
#define DB 6
static int blob_of(int64_t i) {
  return i < 60 ? 3 : (int)(i % 4);
}

static void make_blobs(float *x) {
  a2d_rng rng;
  a2d_rng_seed(&rng, 5, A2D_STREAM_SYNTHETIC, 0);
  for (int64_t i = 0; i < NB; i++)
    for (int t = 0; t < DB; t++)
      x[i * DB + t] = (float)((t == blob_of(i) ? 40.0 : 0.0) + a2d_rng_normal(&rng));
}

static void test_kmeans_blobs(void) {
  static float x[NB * DB];
  a2d_kmeans km = {0}, again = {0}, other = {0};
  make_blobs(x);
  CHECK_OK(a2d_kmeans_fit(x, NB, DB, 4, 100, 7, &km));
  if (!km.assignment) return;
  CHECK(km.n == NB && km.d == DB && km.k == 4 && km.converged && km.iterations >= 2);
  /* Every cluster is one blob and every blob one cluster. */
  int blob_of_cluster[4] = {-1, -1, -1, -1}, pure = 1;
  for (int64_t i = 0; i < NB; i++) {
    int c = km.assignment[i];
    if (c < 0 || c >= 4) {
      pure = 0;
      continue;
    }
    if (blob_of_cluster[c] < 0) blob_of_cluster[c] = blob_of(i);
    pure &= blob_of_cluster[c] == blob_of(i);
  }
  CHECK(pure);
  int seen = 0;
  for (int c = 0; c < 4; c++) seen |= blob_of_cluster[c] >= 0 ? 1 << blob_of_cluster[c] : 0;
  CHECK(seen == 15);
  /* Cluster 0 is the largest blob; the equal ones follow by lowest member index. */
  CHECK(blob_of_cluster[0] == 3);
  CHECK(km.sizes[0] == 95 && km.sizes[1] == 35 && km.sizes[2] == 35 && km.sizes[3] == 35);
  CHECK(blob_of_cluster[1] == 0 && blob_of_cluster[2] == 1 && blob_of_cluster[3] == 2);
  /* Centres are the blob means: near 40 e_b. */
  double worst = 0;
  for (int c = 0; c < 4; c++)
    for (int t = 0; t < DB; t++) {
      double want = t == blob_of_cluster[c] ? 40.0 : 0.0;
      double e = fabs(km.centres[c * DB + t] - want);
      if (e > worst) worst = e;
    }
  CHECK(worst < 0.6);

  /* Rerun: bit-identical.  Another seed: the same partition. */
  CHECK_OK(a2d_kmeans_fit(x, NB, DB, 4, 100, 7, &again));
  if (again.assignment) {
    CHECK(!memcmp(km.centres, again.centres, sizeof(float) * 4 * DB));
    CHECK(!memcmp(km.assignment, again.assignment, sizeof(int32_t) * NB));
    CHECK(!memcmp(km.sizes, again.sizes, sizeof(int64_t) * 4));
    CHECK(km.iterations == again.iterations);
  }
  CHECK_OK(a2d_kmeans_fit(x, NB, DB, 4, 100, 8, &other));
  if (other.assignment) CHECK(!memcmp(km.assignment, other.assignment, sizeof(int32_t) * NB));

  /* The 10 points nearest cluster 1's centre all lie in blob 0, in increasing order. */
  int64_t near[10];
  CHECK_OK(a2d_kmeans_nearest(x, NB, DB, km.centres + 1 * DB, 10, near));
  int ok = 1;
  for (int i = 0; i < 10; i++) ok &= blob_of(near[i]) == 0 && (i == 0 || near[i] > near[i - 1]);
  CHECK(ok);
  a2d_kmeans_free(&km);
  a2d_kmeans_free(&again);
  a2d_kmeans_free(&other);
  CHECK(km.centres == NULL && km.k == 0);
}

static void test_kmeans_edges(void) {
  a2d_kmeans km = {0};
  /* Six points at two locations, three clusters: no cluster stays empty. */
  float x[6] = {0, 0, 0, 5, 5, 5};
  CHECK_OK(a2d_kmeans_fit(x, 6, 1, 3, 10, 1, &km));
  if (km.sizes) {
    CHECK(km.sizes[0] + km.sizes[1] + km.sizes[2] == 6);
    CHECK(km.sizes[0] >= km.sizes[1] && km.sizes[1] >= km.sizes[2] && km.sizes[2] >= 1);
  }
  a2d_kmeans_free(&km);
  /* One iteration only: stops at the limit, not converged. */
  static float xb[NB * DB];
  make_blobs(xb);
  CHECK_OK(a2d_kmeans_fit(xb, NB, DB, 4, 1, 7, &km));
  CHECK(km.iterations == 1 && !km.converged);
  a2d_kmeans_free(&km);
  /* k = n: every point its own cluster. */
  float y[3] = {1, 2, 3};
  CHECK_OK(a2d_kmeans_fit(y, 3, 1, 3, 10, 1, &km));
  if (km.sizes) CHECK(km.sizes[0] == 1 && km.sizes[1] == 1 && km.sizes[2] == 1);
  if (km.assignment) CHECK(km.assignment[0] == 0 && km.assignment[1] == 1 && km.assignment[2] == 2);
  a2d_kmeans_free(&km);
  CHECK_FAILS(a2d_kmeans_fit(y, 3, 1, 4, 10, 1, &km), A2D_ERR_INTERNAL, "4 clusters of 3 points");
  /* Nearest: ties go to the lower index; count 0 writes nothing. */
  float z[5] = {3, 1, -1, 1, 10};
  float c = 0;
  int64_t out[3] = {-7, -7, -7};
  CHECK_OK(a2d_kmeans_nearest(z, 5, 1, &c, 2, out));
  CHECK(out[0] == 1 && out[1] == 2);
  CHECK_OK(a2d_kmeans_nearest(z, 5, 1, &c, 0, out + 2));
  CHECK(out[2] == -7);
}

/* Write /forget/<name>/indices = v[0..count) (from rank 0). */
static void put_set(a2d_store *st, int rank, const char *name, const int64_t *v, int64_t count) {
  char path[128];
  snprintf(path, sizeof path, "/forget/%s/indices", name);
  CHECK_OK(a2d_store_create(st, path, A2D_I64, 1, &count, NULL, 0));
  CHECK_OK(a2d_store_write_rows(st, path, A2D_I64, 0, rank == 0 ? count : 0, v));
}

static void test_read_forget(int rank, int size) {
  char path[64];
  snprintf(path, sizeof path, "test_forget_np%d.h5", size);
  if (rank == 0) remove(path);
  MPI_Barrier(MPI_COMM_WORLD);
  a2d_context ctx = {MPI_COMM_WORLD, rank, size, NULL, NULL, 0, 0, 0, "forget"};
  CHECK_OK(a2d_store_open(MPI_COMM_WORLD, path, &ctx.store));
  if (!ctx.store) return;
  const int64_t good[3] = {1, 4, 7}, unsorted[2] = {4, 1}, range[2] = {3, 10}, big[3] = {0, 1, 2};
  put_set(ctx.store, rank, "good", good, 3);
  put_set(ctx.store, rank, "empty", NULL, 0);
  put_set(ctx.store, rank, "unsorted", unsorted, 2);
  put_set(ctx.store, rank, "range", range, 2);
  put_set(ctx.store, rank, "big", big, 3);

  int64_t *f = NULL, *r = NULL, nf = -1, nr = -1;
  CHECK_OK(a2d_stage_read_forget(&ctx, "good", 10, &f, &nf, &r, &nr));
  CHECK(nf == 3 && nr == 7);
  if (nf == 3 && nr == 7) {
    CHECK(f[0] == 1 && f[1] == 4 && f[2] == 7);
    CHECK(r[0] == 0 && r[1] == 2 && r[2] == 3 && r[3] == 5 && r[4] == 6 && r[5] == 8 && r[6] == 9);
  }
  free(f);
  free(r);
  CHECK_OK(a2d_stage_read_forget(&ctx, "empty", 10, &f, &nf, &r, &nr));
  CHECK(nf == 0 && nr == 10 && f && r);
  if (nr == 10) CHECK(r[0] == 0 && r[9] == 9);
  free(f);
  free(r);
  CHECK_FAILS(a2d_stage_read_forget(&ctx, "unsorted", 10, &f, &nf, &r, &nr), A2D_ERR_DATA,
              "/forget/unsorted/indices row 1: index 1 follows 4; indices must increase");
  CHECK(f == NULL && r == NULL && nf == 0 && nr == 0);
  CHECK_FAILS(a2d_stage_read_forget(&ctx, "range", 10, &f, &nf, &r, &nr), A2D_ERR_DATA,
              "/forget/range/indices row 1: index 10 is outside the training set of 10 points "
              "(0 to 9)");
  CHECK_FAILS(a2d_stage_read_forget(&ctx, "big", 2, &f, &nf, &r, &nr), A2D_ERR_DATA,
              "expected at most 2 indices");
  CHECK_FAILS(a2d_stage_read_forget(&ctx, "nope", 10, &f, &nf, &r, &nr), A2D_ERR_DATA,
              "no forget set nope (dataset /forget/nope/indices is missing)");
  CHECK_OK(a2d_store_close(&ctx.store));
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) remove(path);
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  snprintf(g_dir, sizeof g_dir, "test_forget_XXXXXX");
  if (!mkdtemp(g_dir)) {
    snprintf(g_dir, sizeof g_dir, "/tmp/test_forget_XXXXXX");
    if (!mkdtemp(g_dir)) {
      perror("test_forget: mkdtemp");
      MPI_Abort(MPI_COMM_WORLD, 2);
      return 2;
    }
  }
  test_index_list();
  test_kmeans_blobs();
  test_kmeans_edges();
  test_read_forget(rank, size);
  char path[128];
  snprintf(path, sizeof path, "%s/list.txt", g_dir);
  remove(path);
  snprintf(path, sizeof path, "%s/nul.txt", g_dir);
  remove(path);
  remove(g_dir);
  return check_finalize("test_forget");
}
