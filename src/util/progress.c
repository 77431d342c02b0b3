/* progress.c - throttled progress lines with rate and ETA (a2d/progress.h). */
#include "a2d/progress.h"

#include "a2d/memory.h"

#include <stdio.h>

#include "a2d/parallel.h"

#define PROGRESS_INTERVAL 2.0 /* seconds between lines */

void a2d_progress_start(a2d_progress *p, const char *stage, const char *unit, int64_t total,
                        int64_t done) {
  p->stage = stage;
  p->unit = unit;
  p->total = total;
  p->start_done = done;
  p->t0 = p->last_print = a2d_now();
}

/* "1h02m", "3m05s", "42 s". */
static void format_duration(double s, char *buf, size_t size) {
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, size, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  else if (t >= 60)
    snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
  else
    snprintf(buf, size, "%ld s", t);
}

void a2d_progress_update(a2d_progress *p, int64_t done) {
  double now = a2d_now();
  if (done < p->total && now - p->last_print < PROGRESS_INTERVAL) return;
  p->last_print = now;
  a2d_memory_checkpoint();
  double elapsed = now - p->t0, rate = elapsed > 0 ? (double)(done - p->start_done) / elapsed : 0;
  char eta[32] = "-";
  if (rate > 0) format_duration((double)(p->total - done) / rate, eta, sizeof eta);
  a2d_log("%s: %lld/%lld %s (%.0f%%), %.2f %s/s, ETA %s", p->stage, (long long)done,
          (long long)p->total, p->unit, p->total ? 100.0 * (double)done / (double)p->total : 100.0,
          rate, p->unit, done >= p->total ? "0 s" : eta);
}
