/*
 * test_group.c - the forget-set group term (a2d/group.h) on planted data.
 *
 * Soft threshold (pool off): a row whose residuals move with the count of
 * forget points gets that slope back (within its standard error) and the
 * anchored shift -beta |F|; a row of pure noise gets nothing at 2 standard
 * errors; threshold 0 keeps the raw slope.
 * Pooled (pool on): forget rows whose slopes are each near their standard
 * error get the forget set's common slope back, where the soft threshold
 * keeps little of it; the forget rows of a set without an effect get about
 * nothing; and the rows split over the ranks give bit for bit the result of
 * one rank holding them all.
 * Ranks: 1, 2 and 4.  Reference: the planted slopes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/group.h"
#include "a2d/rng.h"
#include "check.h"

enum { M = 400, N = 60, NF = 12 };

static uint8_t masks[M * N];
static double residual[M * N]; /* every target's row: M x N */

/* The group model of rows [r0, r1) (targets r0.. with one row each). */
static a2d_group_model rows_model(int64_t r0, int64_t r1, double *buf) {
  for (int64_t j = 0; j < M; j++)
    for (int64_t r = r0; r < r1; r++) buf[j * (r1 - r0) + (r - r0)] = residual[j * N + r];
  return (a2d_group_model){.m = M,
                           .n = N,
                           .rows = r1 - r0,
                           .target0 = r0,
                           .per_target = 1,
                           .masks = masks,
                           .residual = buf};
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t forget[NF], null_set[NF], kept;
  a2d_rng rng;
  a2d_rng_seed(&rng, 3, 99, 0);
  for (int i = 0; i < NF; i++) forget[i] = 3 * i, null_set[i] = 3 * i + 1;
  /* planted: row 0 slope -0.05; forget rows (0, 3, 6, ...) slope -0.02 + N(0, 0.005) each */
  double slope[N] = {0};
  for (int i = 0; i < NF; i++) slope[forget[i]] = -0.02 + 0.005 * a2d_rng_normal(&rng);
  slope[0] = -0.05;
  for (int j = 0; j < M; j++) {
    int c = 0;
    for (int i = 0; i < N; i++) masks[j * N + i] = a2d_rng_uniform(&rng) < 0.5;
    for (int i = 0; i < NF; i++) c += masks[j * N + forget[i]];
    for (int r = 0; r < N; r++)
      residual[j * N + r] =
          slope[r] * (c - NF / 2.0) + (r == 0 ? 0.05 : 0.3) * a2d_rng_normal(&rng);
  }
  for (int r = 0; r < N; r++) { /* centred per row, as a2d_group_model_load leaves them */
    double mean = 0;
    for (int j = 0; j < M; j++) mean += residual[j * N + r];
    for (int j = 0; j < M; j++) residual[j * N + r] -= mean / M;
  }
  double *buf = malloc(sizeof(double) * M * N);

  /* ---- soft threshold, rows 0 (planted -0.05) and 1 (noise), one rank's view ---- */
  a2d_group_model g = rows_model(0, 2, buf);
  double shift[2] = {1, 1}, direct[2] = {0, 0};
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, NF, 2.0, 0, shift, direct, &kept));
  if (rank == 0)
    printf("planted slope -0.05: shift %+.4f (expected about +%.2f), noise row %+.4f, kept %lld\n",
           shift[0] - 1, 0.05 * NF, shift[1] - 1, (long long)kept);
  CHECK(kept == 1);
  CHECK(fabs((shift[0] - 1) - 0.05 * NF) < 0.15 * 0.05 * NF); /* soft threshold shrinks a little */
  CHECK(shift[1] == 1 && direct[1] == 0);
  CHECK(direct[0] > 0.2 && direct[0] < 0.35); /* -beta * mean count, mean count about 6 */
  double raw[2] = {0, 0}, rawd[2] = {0, 0};
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, NF, 0.0, 0, raw, rawd, &kept));
  CHECK(kept == 2);
  CHECK(fabs(raw[0] - 0.05 * NF) < 0.1 * 0.05 * NF && raw[0] > shift[0] - 1);
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, 0, 2.0, 0, raw, rawd, &kept));
  CHECK(kept == 0); /* an empty forget set: no term */

  /* ---- pooled against soft threshold on the forget rows 3, 6, ..., all rows on one rank ---- */
  double pooled[N] = {0}, soft[N] = {0}, nul[N] = {0}, d[N] = {0};
  g = rows_model(0, N, buf);
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, NF, 2.0, 1, pooled, d, &kept));
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, NF, 2.0, 0, soft, d, &kept));
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, null_set, NF, 2.0, 1, nul, d, &kept));
  double planted = 0, mp = 0, ms = 0, mn = 0;
  for (int i = 1; i < NF; i++) { /* forget[0] = row 0 has its own, larger slope */
    planted -= slope[forget[i]] * NF / (NF - 1);
    mp += pooled[forget[i]] / (NF - 1), ms += soft[forget[i]] / (NF - 1);
    mn += nul[null_set[i]] / (NF - 1);
  }
  if (rank == 0)
    printf(
        "forget rows' mean shift: planted %+.3f, pooled %+.3f, soft threshold %+.3f; "
        "a set without effect, pooled %+.3f\n",
        planted, mp, ms, mn);
  CHECK(fabs(mp - planted) < 0.3 * planted);
  CHECK(ms < 0.5 * planted);
  CHECK(fabs(mn) < 0.1);      /* about 3 standard errors of the pooled mean times |F| */
  for (int r = 0; r < N; r++) /* rows of non-forget points: the soft threshold either way */
    if (r % 3 != 0) CHECK(pooled[r] == soft[r]);

  /* ---- the rows split over the ranks: bit for bit the one-rank result ---- */
  const int64_t r0 = N * rank / size, r1 = N * (rank + 1) / size;
  double part[N] = {0}, partd[N] = {0}, whole_d[N] = {0}, whole[N] = {0};
  CHECK_OK(a2d_group_term(&g, MPI_COMM_SELF, forget, NF, 2.0, 1, whole, whole_d, &kept));
  a2d_group_model gp = rows_model(r0, r1, buf);
  CHECK_OK(a2d_group_term(&gp, MPI_COMM_WORLD, forget, NF, 2.0, 1, part, partd, &kept));
  int same = 1;
  for (int64_t r = r0; r < r1; r++)
    same &= memcmp(&part[r - r0], &whole[r], sizeof(double)) == 0 &&
            memcmp(&partd[r - r0], &whole_d[r], sizeof(double)) == 0;
  MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  CHECK(same);
  free(buf);
  return check_finalize("test_group");
}
