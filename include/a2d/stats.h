/*
 * a2d/stats.h - plain statistics on arrays of doubles.
 *
 * Stage fit scores its datamodels with Spearman's rank correlation between
 * predicted and observed margins (src/stages/lds.c).
 */
#ifndef A2D_STATS_H
#define A2D_STATS_H

#include <stdint.h>

/*
 * Spearman rank correlation of a and b (n values; ties get average ranks);
 * 0 if either is constant.  `scratch` holds 3 * n doubles.
 */
double a2d_spearman(const double *a, const double *b, int64_t n, double *scratch);

#endif
