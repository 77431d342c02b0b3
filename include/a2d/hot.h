/*
 * a2d/hot.h - A2D_HOT marks a hot loop to be built twice on x86-64, for the
 * build's baseline and for x86-64-v3 (AVX2), the processor picking one when
 * a2d loads: a portable binary that still uses wide vectors where the node
 * has them (bench/README.md).  The bits are the same either way as long as
 * the loop reorders no sum (the build forms no FMA: -ffp-contract=off).
 */
#ifndef A2D_HOT_H
#define A2D_HOT_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX2__)
#define A2D_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define A2D_HOT
#endif

#endif
