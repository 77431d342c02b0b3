/*
 * test_group.c - the forget-set group term (a2d/group.h) on planted data: a
 * row whose residuals move with the count of forget points gets that slope
 * back (within its standard error) and the anchored shift -beta |F|; a row
 * of pure noise gets nothing at 2 standard errors; threshold 0 keeps the raw
 * slope.  Ranks: 1.  Reference: the planted slope.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "a2d/group.h"
#include "a2d/rng.h"
#include "check.h"

enum { M = 400, N = 60, NF = 12, ROWS = 2 };

int main(void) {
  static uint8_t masks[M * N];
  static double residual[M * ROWS];
  int64_t forget[NF];
  a2d_rng rng;
  a2d_rng_seed(&rng, 3, 99, 0);
  for (int i = 0; i < NF; i++) forget[i] = 3 * i;
  for (int j = 0; j < M; j++) {
    int c = 0;
    for (int i = 0; i < N; i++) masks[j * N + i] = a2d_rng_uniform(&rng) < 0.5;
    for (int i = 0; i < NF; i++) c += masks[j * N + forget[i]];
    residual[j * ROWS + 0] = -0.05 * (c - NF / 2.0) + 0.05 * a2d_rng_normal(&rng); /* planted */
    residual[j * ROWS + 1] = 0.3 * a2d_rng_normal(&rng);                           /* noise */
  }
  for (int r = 0; r < ROWS; r++) { /* centred per row, as a2d_group_model_load leaves them */
    double mean = 0;
    for (int j = 0; j < M; j++) mean += residual[j * ROWS + r];
    for (int j = 0; j < M; j++) residual[j * ROWS + r] -= mean / M;
  }
  a2d_group_model g = {M, N, ROWS, masks, residual};
  double shift[ROWS] = {1, 1}, direct[ROWS] = {0, 0};
  int64_t kept = a2d_group_term(&g, forget, NF, 2.0, shift, direct);
  printf("planted slope -0.05: shift %+.4f (expected about +%.2f), noise row %+.4f, kept %lld\n",
         shift[0] - 1, 0.05 * NF, shift[1] - 1, (long long)kept);
  CHECK(kept == 1);
  CHECK(fabs((shift[0] - 1) - 0.05 * NF) < 0.15 * 0.05 * NF); /* soft threshold shrinks a little */
  CHECK(shift[1] == 1 && direct[1] == 0);
  CHECK(direct[0] > 0.2 && direct[0] < 0.35); /* -beta * mean count, mean count about 6 */
  double raw[ROWS] = {0, 0}, rawd[ROWS] = {0, 0};
  CHECK(a2d_group_term(&g, forget, NF, 0.0, raw, rawd) == 2);
  CHECK(fabs(raw[0] - 0.05 * NF) < 0.1 * 0.05 * NF && raw[0] > shift[0] - 1);
  CHECK(a2d_group_term(&g, forget, 0, 2.0, raw, rawd) == 0); /* an empty forget set: no term */
  return check_summary("test_group");
}
