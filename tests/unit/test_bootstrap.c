/*
 * test_bootstrap.c - the bootstrap's interval arithmetic pinned by cases
 * computed with numpy: percentiles by linear interpolation with NaNs left
 * out, the interval centred on the estimate, the paired difference, strides,
 * and no finite replicate.
 * Ranks: 1.  Reference: numpy.percentile, in the comments.
 */
#include <math.h>

#include "a2d/bootstrap.h"
#include "check.h"

static int near(double a, double b) {
  return fabs(a - b) < 1e-12;
}

static void test_percentile(void) {
  /* np.percentile([3, 1, 4, 1, 5, 9, 2, 6], [2.5, 50, 97.5]) = 1.0, 3.5, 8.475 */
  double v[9] = {3, 1, 4, NAN, 1, 5, 9, 2, 6};
  CHECK(near(a2d_percentile(v, 9, 2.5), 1.0));
  double w[9] = {3, 1, 4, NAN, 1, 5, 9, 2, 6};
  CHECK(near(a2d_percentile(w, 9, 50), 3.5));
  double x[9] = {3, 1, 4, NAN, 1, 5, 9, 2, 6};
  CHECK(near(a2d_percentile(x, 9, 97.5), 8.475));
  double none[2] = {NAN, NAN};
  CHECK(isnan(a2d_percentile(none, 2, 50)));
  double one[1] = {7};
  CHECK(near(a2d_percentile(one, 1, 2.5), 7.0));
}

static void test_interval(void) {
  /* Replicates at stride 2 (the odd entries are another row's); estimate 2:
     [2 - (3.5 - 1.0), 2 + (8.475 - 3.5)] = [-0.5, 6.975]. */
  const double rep[16] = {3, -1, 1, -1, 4, -1, 1, -1, 5, -1, 9, -1, 2, -1, 6, -1};
  double lo, hi;
  CHECK(a2d_bootstrap_interval(2.0, rep, 8, 2, &lo, &hi) == 0);
  CHECK(near(lo, -0.5) && near(hi, 6.975));
  /* Every replicate equal to the estimate: a zero-width interval at it. */
  const double flat[3] = {1.5, 1.5, 1.5};
  CHECK(a2d_bootstrap_interval(1.5, flat, 3, 1, &lo, &hi) == 0);
  CHECK(near(lo, 1.5) && near(hi, 1.5));
  /* No finite replicate: NaN. */
  const double nan2[2] = {NAN, NAN};
  CHECK(a2d_bootstrap_interval(1.0, nan2, 2, 1, &lo, &hi) == 0);
  CHECK(isnan(lo) && isnan(hi));
}

static void test_paired(void) {
  /* a - c = [0.5, 1.5, 2, 3, 3]: np.percentile(.., [2.5, 50, 97.5]) = 0.6, 2, 3; estimates
     4.5 - 2.0 = 2.5: [2.5 - 1.4, 2.5 + 1.0] = [1.1, 3.5], which excludes 0. */
  const double a[5] = {1, 2, 3, 4, 5}, c[5] = {0.5, 0.5, 1, 1, 2};
  double lo, hi;
  CHECK(a2d_bootstrap_paired(4.5, a, 2.0, c, 5, 1, &lo, &hi) == 0);
  CHECK(near(lo, 1.1) && near(hi, 3.5));
  /* A method against itself: exactly 0, never called. */
  CHECK(a2d_bootstrap_paired(4.5, a, 4.5, a, 5, 1, &lo, &hi) == 0);
  CHECK(lo == 0.0 && hi == 0.0);
}

int main(void) {
  test_percentile();
  test_interval();
  test_paired();
  return check_summary("test_bootstrap");
}
