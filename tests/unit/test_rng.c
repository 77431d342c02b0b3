/*
 * test_rng.c - the seeded generator: reproducible, stream- and index-separated,
 * unbiased choices.  Ranks: 1.
 */
#include <math.h>
#include <stdlib.h>

#include "a2d/rng.h"
#include "check.h"

int main(void) {
  a2d_rng a, b, c;
  /* Same triple, same sequence; a different part of the triple, another one. */
  a2d_rng_seed(&a, 42, 1, 7);
  a2d_rng_seed(&b, 42, 1, 7);
  a2d_rng_seed(&c, 42, 1, 8);
  int same = 1, differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = a2d_rng_next(&a), y = a2d_rng_next(&b), z = a2d_rng_next(&c);
    same &= x == y;
    differ += x != z;
  }
  CHECK(same);
  CHECK(differ == 1000);
  a2d_rng_seed(&c, 42, 2, 7);
  a2d_rng_seed(&a, 42, 1, 7);
  CHECK(a2d_rng_next(&a) != a2d_rng_next(&c));

  /* Uniform deviates: mean 1/2, variance 1/12; normals: mean 0, variance 1. */
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    double u = a2d_rng_uniform(&a), g = a2d_rng_normal(&a);
    CHECK(u >= 0 && u < 1);
    sum += u, sum2 += u * u, nsum += g, nsum2 += g * g;
  }
  CHECK(fabs(sum / n - 0.5) < 0.005);
  CHECK(fabs(sum2 / n - sum / n * sum / n - 1.0 / 12) < 0.002);
  CHECK(fabs(nsum / n) < 0.01);
  CHECK(fabs(nsum2 / n - 1) < 0.02);

  /* Choices: sorted, distinct, in range, each index equally likely. */
  int64_t out[30];
  int counts[100] = {0};
  for (int rep = 0; rep < 2000; rep++) {
    a2d_rng_choose_sorted(&a, 100, 30, out);
    for (int i = 0; i < 30; i++) {
      CHECK(out[i] >= 0 && out[i] < 100);
      if (i) CHECK(out[i] > out[i - 1]);
      counts[out[i]]++;
    }
  }
  int lo = 1 << 30, hi = 0;
  for (int i = 0; i < 100; i++)
    lo = counts[i] < lo ? counts[i] : lo, hi = counts[i] > hi ? counts[i] : hi;
  CHECK(lo > 480 && hi < 720); /* expected 600 each */
  a2d_rng_choose_sorted(&a, 5, 5, out);
  CHECK(out[0] == 0 && out[4] == 4);
  for (int i = 0; i < 1000; i++) CHECK(a2d_rng_below(&a, 3) < 3);
  return check_summary("test_rng");
}
