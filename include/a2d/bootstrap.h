/*
 * a2d/bootstrap.h - intervals from bootstrap replicates (stage evaluate
 * draws them; `a2d report` reads them back for paired differences).
 *
 * A replicate is one statistic (a KLoM95) recomputed on one resample of the
 * models and points.  The 95% interval is the percentile interval centred on
 * the estimate t: [t - (m - q2.5), t + (q97.5 - m)], where m, q2.5 and q97.5
 * are the median and percentiles of the replicates (linear interpolation,
 * numpy's default; NaN replicates left out).  Why not the plain percentile
 * interval: drawing models with replacement repeats some of them, which
 * sharpens their margin histograms and raises every replicate's KLoM (on the
 * quickstart, 50 models a side, by about 1 nat), so the plain interval
 * misses the estimate; the basic (reflected) interval then overshoots below
 * 0.  Centring keeps the replicates' spread and drops their shift.  Two
 * methods evaluated on the same resamples (the same oracles, points and base
 * models) differ only where the interval of their paired difference excludes
 * 0, the difference's interval centred the same way.
 */
#ifndef A2D_BOOTSTRAP_H
#define A2D_BOOTSTRAP_H

#include <stdint.h>

#define A2D_BOOTSTRAP_LOW 2.5 /* percentiles of the 95% interval */
#define A2D_BOOTSTRAP_HIGH 97.5

/*
 * Percentile q (0..100) of v[0..n), NaNs left out, by linear interpolation
 * between order statistics; v is reordered.  NaN when no value is left.
 */
double a2d_percentile(double *v, int64_t n, double q);

/*
 * The 95% interval around `estimate` from replicates rep[0], rep[stride],
 * ..., rep[(B-1) stride] into lo and hi (NaN when none is finite).  0 or
 * A2D_ERR_MEM.
 */
int a2d_bootstrap_interval(double estimate, const double *rep, int64_t B, int64_t stride,
                           double *lo, double *hi);

/*
 * The 95% interval of the paired difference estimate_a - estimate_c from
 * the replicates' differences a[b stride] - c[b stride].  0 or A2D_ERR_MEM.
 */
int a2d_bootstrap_paired(double estimate_a, const double *a, double estimate_c, const double *c,
                         int64_t B, int64_t stride, double *lo, double *hi);

#endif
