/*
 * a2d/memory.h - what this process costs in memory, counted fairly.
 *
 * The resident set size counts a page shared by the ranks of a node once per
 * rank; the proportional set size (Pss, Linux's /proc/self/smaps_rollup)
 * divides it among them, so the Pss of a node's ranks adds up to the node's
 * use.  a2d samples Pss at every checkpoint (progress reports, fault points,
 * the end of a stage) and keeps the largest value of the current stage.
 */
#ifndef A2D_MEMORY_H
#define A2D_MEMORY_H

/* This process's Pss now, in MiB (0 where the kernel does not report it). */
double a2d_memory_pss_mib(void);

/* Sample Pss and keep the maximum. */
void a2d_memory_checkpoint(void);

/* The largest sample since the last reset (sampling once more first). */
double a2d_memory_peak_pss_mib(void);

/* Start a new peak (at the start of a stage). */
void a2d_memory_reset_peak(void);

#endif
