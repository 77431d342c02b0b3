/* memory.c - proportional set size, sampled at checkpoints (a2d/memory.h). */
#include "a2d/memory.h"

#include <stdio.h>

static double peak_pss;

double a2d_memory_pss_mib(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  double kib = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Pss: %lf kB", &kib) == 1) break;
  fclose(f);
  return kib / 1024.0;
}

void a2d_memory_checkpoint(void) {
  const double now = a2d_memory_pss_mib();
  if (now > peak_pss) peak_pss = now;
}

double a2d_memory_peak_pss_mib(void) {
  a2d_memory_checkpoint();
  return peak_pss;
}

void a2d_memory_reset_peak(void) {
  peak_pss = 0;
}
