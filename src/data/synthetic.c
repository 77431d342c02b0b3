/* synthetic.c - Gaussian class clusters drawn from counter-seeded generators (see a2d/data.h). */
#include <math.h>
#include <stdlib.h>

#include "a2d/data.h"
#include "a2d/rng.h"

/* Class centres are drawn in their own index space, far above any example index. */
#define CENTRE_INDEX_BASE (1ull << 62)

/* Generate the synthetic data set described in a2d/data.h into `out`. */
a2d_err a2d_synthetic_generate(uint64_t seed, int64_t n, int64_t d, int32_t classes,
                               double separation, a2d_dataset *out) {
  a2d_err err = A2D_OK;
  a2d_dataset ds = {0};
  double *centre = NULL;
  a2d_rng rng;

  if (n <= 0)
    return A2D_ERROR(A2D_ERR_DECK, "synthetic data: n must be positive, got %lld", (long long)n);
  if (d <= 0)
    return A2D_ERROR(A2D_ERR_DECK, "synthetic data: d must be positive, got %lld", (long long)d);
  if (classes < 2)
    return A2D_ERROR(A2D_ERR_DECK, "synthetic data: classes must be at least 2, got %d",
                     (int)classes);
  if (!(separation >= 0.0) || !isfinite(separation))
    return A2D_ERROR(A2D_ERR_DECK,
                     "synthetic data: separation must be a finite non-negative number, got %g",
                     separation);
  if (n > INT64_MAX / d)
    return A2D_ERROR(A2D_ERR_MEM, "synthetic data: %lld x %lld features is too large", (long long)n,
                     (long long)d);

  /* Centre c ~ N(0, separation^2 I), from (seed, SYNTHETIC, 2^62 + c). */
  A2D_TRY(a2d_calloc((size_t)classes, (size_t)d * sizeof(double), &centre));
  for (int32_t c = 0; c < classes; c++) {
    a2d_rng_seed(&rng, seed, A2D_STREAM_SYNTHETIC, CENTRE_INDEX_BASE + (uint64_t)c);
    for (int64_t j = 0; j < d; j++) centre[c * d + j] = separation * a2d_rng_normal(&rng);
  }

  ds.n = n;
  ds.d = d;
  ds.classes = classes;
  A2D_TRY(a2d_calloc((size_t)n, (size_t)d * sizeof(float), &ds.x));
  A2D_TRY(A2D_CALLOC(ds.y, n));
  A2D_TRY(A2D_CALLOC(ds.index, n));

  /* Example i: label i mod classes, features centre + N(0, I), from (seed, SYNTHETIC, i). */
  for (int64_t i = 0; i < n; i++) {
    int32_t c = (int32_t)(i % classes);
    a2d_rng_seed(&rng, seed, A2D_STREAM_SYNTHETIC, (uint64_t)i);
    for (int64_t j = 0; j < d; j++)
      ds.x[i * d + j] = (float)(centre[c * d + j] + a2d_rng_normal(&rng));
    ds.y[i] = c;
    ds.index[i] = i;
  }
  *out = ds;
  ds = (a2d_dataset){0};

cleanup:
  free(centre);
  a2d_dataset_free(&ds);
  return err;
}
