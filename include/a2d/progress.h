/*
 * a2d/progress.h - progress lines for long work, printed by rank 0:
 *
 *   a2d: ensemble: 96/256 models (38%), 4.1 models/s, ETA 39 s
 *
 * Lines are throttled to one every few seconds, except the last.
 */
#ifndef A2D_PROGRESS_H
#define A2D_PROGRESS_H

#include <stdint.h>

typedef struct a2d_progress {
  const char *stage, *unit;
  int64_t total, start_done;
  double t0, last_print;
} a2d_progress;

/* Start counting `total` items of `unit` (plural, "models"), `done` already finished. */
void a2d_progress_start(a2d_progress *p, const char *stage, const char *unit, int64_t total,
                        int64_t done);

/* Report that `done` of the total are finished now. */
void a2d_progress_update(a2d_progress *p, int64_t done);

#endif
