/*
 * a2d/klom.h - KLoM, the KL divergence of margins (Georgiev et al. 2024):
 * how distinguishable unlearned models are from oracles on one example.
 *
 * For one example, take the margins of the unlearned models and of the
 * oracles; clip both to [-100, 100]; cut the combined range [lo, hi] into 20
 * equal bins, half-open [e_k, e_k+1) except the last, which is closed, so
 * every sample counts (a range of one value v is [v, v + 1]); form the two
 * histograms as probabilities p (unlearned) and q (oracle); KLoM =
 * KL(p || q) = sum over bins with p_b > 0 of p_b ln(p_b / max(q_b, 1e-5)), in
 * nats.  Lower is better; 0 when the histograms agree.  The floored q is not
 * renormalised.
 *
 * The public KLOM benchmark (data-unlearning-bench, numpy) differs in two
 * places, and A2D_KLOM_BENCHMARK reproduces it: np.digitize on the 21 edges
 * of np.linspace(lo, hi, 21) leaves a sample equal to hi out of both
 * histograms (each is normalised over the samples it kept), and
 * scipy.stats.entropy renormalises the floored q (and p) before the sum.  On
 * the quickstart (50 models a side) the two forms' KLoM95 differ by up to 0.13
 * (median 0.05), mostly through the left-out sample.
 */
#ifndef A2D_KLOM_H
#define A2D_KLOM_H

#include <stdint.h>

#define A2D_KLOM_BINS 20
#define A2D_KLOM_CLIP 100.0
#define A2D_KLOM_FLOOR 1e-5

/* Which KLoM (deck key [evaluate] klom). */
typedef enum a2d_klom_form {
  A2D_KLOM_A2D = 0,      /* every sample counted, the floored q not renormalised */
  A2D_KLOM_BENCHMARK = 1 /* the public benchmark's numpy form, bit for bit in its rules */
} a2d_klom_form;

/*
 * KLoM of one example from nu unlearned margins u[0], u[su], u[2 su], ...
 * and no oracle margins o[0], o[so], ... (strides let a column of a models x
 * points matrix be passed directly), in the given form.  NaN when either
 * sample is empty or holds a NaN (a diverged model, stage unlearn), and in the benchmark form when
 * every unlearned sample sat at the top edge (as scipy gives).
 */
double a2d_klom(const float *u, int64_t nu, int64_t su, const float *o, int64_t no, int64_t so,
                a2d_klom_form form);

/* Summary of n values (NaNs ignored): mean, median and the 90th, 95th, 99th percentiles. */
typedef struct a2d_summary {
  double mean, median, p90, p95, p99;
} a2d_summary;

/* Percentiles by linear interpolation between order statistics (numpy's default). */
void a2d_summarize(const double *v, int64_t n, a2d_summary *s);

#endif
