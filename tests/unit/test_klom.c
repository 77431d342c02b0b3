/*
 * test_klom.c - KLoM pinned by hand-computed cases: equal, disjoint and
 * constant samples, clipping, the closed last bin, strides; the public
 * benchmark's form (the top sample left out, the floored q renormalised);
 * and the percentile summary against numpy's linear interpolation.
 * Ranks: 1.  Reference: the values in the comments, computed by hand.
 */
#include <math.h>
#include <stdio.h>

#include "a2d/klom.h"
#include "check.h"

static int near(double a, double b) {
  return fabs(a - b) < 1e-12;
}

static void test_klom(void) {
  /* Equal samples: identical histograms, 0. */
  float a[5] = {-3, 0.5f, 2, 7, 7};
  CHECK(near(a2d_klom(a, 5, 1, a, 5, 1, A2D_KLOM_A2D), 0.0));
  /* Disjoint: u all in bin 0, o all in bin 19 (1.0 is the maximum: the closed last bin);
     q_0 = 0 floored at 1e-5: ln(1 / 1e-5) = 11.512925464970229. */
  float u0[2] = {0, 0}, o1[2] = {1, 1};
  CHECK(near(a2d_klom(u0, 2, 1, o1, 2, 1, A2D_KLOM_A2D), log(1e5)));
  /* Constant, equal: range [3, 4], one bin: 0.  Constant, different: u = 3, o = 3.5:
     range [3, 3.5], u in bin 0, o in bin 19: ln(1e5) again. */
  float c3[3] = {3, 3, 3}, c35[2] = {3.5f, 3.5f};
  CHECK(near(a2d_klom(c3, 3, 1, c3, 2, 1, A2D_KLOM_A2D), 0.0));
  CHECK(near(a2d_klom(c3, 3, 1, c35, 2, 1, A2D_KLOM_A2D), log(1e5)));
  /* u = {0, 1}: p = (1/2, 1/2); o = {0, 0, 0, 1}: q = (3/4, 1/4) in bins 0 and 19:
     1/2 ln(2/3) + 1/2 ln 2 = 0.14384103622589045. */
  float u01[2] = {0, 1}, o0001[4] = {0, 0, 0, 1};
  CHECK(
      near(a2d_klom(u01, 2, 1, o0001, 4, 1, A2D_KLOM_A2D), 0.5 * log(2.0 / 3.0) + 0.5 * log(2.0)));
  /* The largest sample is counted (np.digitize would drop it): u = {0, 0, 1}, o = {0, 1, 1}:
     2/3 ln 2 + 1/3 ln(1/2) = ln(2) / 3. */
  float u001[3] = {0, 0, 1}, o011[3] = {0, 1, 1};
  CHECK(near(a2d_klom(u001, 3, 1, o011, 3, 1, A2D_KLOM_A2D), log(2.0) / 3.0));
  /* Clipping to [-100, 100]: {-500, 200} and {-100, 100} are the same sample. */
  float wide[2] = {-500, 200}, clipped[2] = {-100, 100};
  CHECK(near(a2d_klom(wide, 2, 1, clipped, 2, 1, A2D_KLOM_A2D), 0.0));
  /* Interior bins: range [0, 20], width 1; u = {0.5, 1.5} in bins 0 and 1, o = {0.2, 20}
     in bins 0 and 19: 1/2 ln((1/2)/(1/2)) + 1/2 ln((1/2)/1e-5) = 1/2 ln(5e4). */
  float ui[2] = {0.5f, 1.5f}, oi[2] = {0.2f, 20};
  CHECK(near(a2d_klom(ui, 2, 1, oi, 2, 1, A2D_KLOM_A2D), 0.5 * log(5e4)));
  /* Strides: a column of a 2 x 3 matrix. */
  float m[6] = {0, 9, 9, 1, 9, 9};
  CHECK(near(a2d_klom(m, 2, 3, o0001, 4, 1, A2D_KLOM_A2D), 0.5 * log(2.0 / 3.0) + 0.5 * log(2.0)));
  /* Empty samples: NaN. */
  CHECK(isnan(a2d_klom(a, 0, 1, a, 5, 1, A2D_KLOM_A2D)));
  /* a diverged model (NaN margins) has no histogram, in either form and on either side */
  const float with_nan[3] = {0.0f, NAN, 1.0f};
  CHECK(isnan(a2d_klom(with_nan, 3, 1, a, 5, 1, A2D_KLOM_A2D)));
  CHECK(isnan(a2d_klom(a, 5, 1, with_nan, 3, 1, A2D_KLOM_BENCHMARK)));
  printf("klom: disjoint %.6f, half/three-quarters %.6f\n",
         a2d_klom(u0, 2, 1, o1, 2, 1, A2D_KLOM_A2D),
         a2d_klom(u01, 2, 1, o0001, 4, 1, A2D_KLOM_A2D));
}

/* The public benchmark's form: the top sample left out, the floored q renormalised. */
static void test_klom_benchmark(void) {
  const a2d_klom_form B = A2D_KLOM_BENCHMARK;
  /* u = {0, 1}, o = {0, 0}: np.digitize leaves u's 1 (= hi) out, so p = q = bin 0: 0.  The
     a2d form counts it in bin 19: 1/2 ln(1/2) + 1/2 ln(1/2 / 1e-5). */
  float u01[2] = {0, 1}, o00[2] = {0, 0};
  CHECK(near(a2d_klom(u01, 2, 1, o00, 2, 1, B), 0.0));
  CHECK(near(a2d_klom(u01, 2, 1, o00, 2, 1, A2D_KLOM_A2D), 0.5 * log(0.5) + 0.5 * log(5e4)));
  /* Range [0, 20], edges 0, 1, ..., 20.  u = {0, 10, 15}: bins 0, 10, 15, p = 1/3 each.
     o = {0, 0, 20}: the 20 is left out, q = 1 in bin 0; floored where p > 0, q sums to
     1.00002 and is renormalised: KL = 1/3 ln(1.00002 / 3) + 2/3 ln(1.00002 / 3e-5).  The a2d
     form: q = 2/3 in bin 0, 1/3 in bin 19: 1/3 ln(1/2) + 2/3 ln(1 / 3e-5). */
  float u[3] = {0, 10, 15}, o[3] = {0, 0, 20};
  CHECK(near(a2d_klom(u, 3, 1, o, 3, 1, B),
             log(1.00002 / 3.0) / 3.0 + 2.0 * log(1.00002 / 3e-5) / 3.0));
  CHECK(
      near(a2d_klom(u, 3, 1, o, 3, 1, A2D_KLOM_A2D), log(0.5) / 3.0 + 2.0 * log(1.0 / 3e-5) / 3.0));
  /* Equal samples still give 0 (the top samples leave both sides). */
  float a[5] = {-3, 0.5f, 2, 7, 7};
  CHECK(near(a2d_klom(a, 5, 1, a, 5, 1, B), 0.0));
  /* Every unlearned sample at the top: nothing left of p, and scipy's 0/0 is NaN. */
  float u55[2] = {5, 5};
  CHECK(isnan(a2d_klom(u55, 2, 1, o00, 2, 1, B)));
  CHECK(near(a2d_klom(u55, 2, 1, o00, 2, 1, A2D_KLOM_A2D), log(1e5)));
}

static void test_summary(void) {
  /* numpy: np.percentile([1..10], [50, 90, 95, 99]) = 5.5, 9.1, 9.55, 9.91; mean 5.5. */
  double v[11] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, NAN};
  a2d_summary s;
  a2d_summarize(v, 11, &s);
  CHECK(near(s.mean, 5.5) && near(s.median, 5.5) && near(s.p90, 9.1));
  CHECK(near(s.p95, 9.55) && near(s.p99, 9.91));
  a2d_summarize(v, 0, &s);
  CHECK(isnan(s.mean) && isnan(s.p95));
}

int main(void) {
  test_klom_benchmark();
  test_klom();
  test_summary();
  return check_summary("test_klom");
}
