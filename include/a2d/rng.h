/*
 * a2d/rng.h - counter-seeded random numbers.
 *
 * Every random choice in a2d comes from a generator seeded by a triple
 * (seed, stream, index): the deck's seed, a constant naming the purpose
 * (A2D_STREAM_*), and the index of the thing drawn for (model k, subset k,
 * forget set j).  Never from the MPI rank, so results do not depend on how
 * work is shared out.  The generator is xoshiro256** seeded through splitmix64.
 */
#ifndef A2D_RNG_H
#define A2D_RNG_H

#include <stdint.h>

/* Purposes; new ones are appended, never renumbered (results depend on them). */
enum {
  A2D_STREAM_DATA_TRAIN = 1,      /* selection of training examples */
  A2D_STREAM_DATA_VAL = 2,        /* selection of validation examples */
  A2D_STREAM_SYNTHETIC = 3,       /* the synthetic data generator */
  A2D_STREAM_TRAIN_INIT = 4,      /* base model k: initial parameters */
  A2D_STREAM_TRAIN_ORDER = 5,     /* base model k: order of examples */
  A2D_STREAM_ENSEMBLE_SUBSET = 6, /* ensemble model k: its training subset */
  A2D_STREAM_ENSEMBLE_INIT = 7,   /* ensemble model k: initial parameters */
  A2D_STREAM_ENSEMBLE_ORDER = 8,  /* ensemble model k: order of examples */
  A2D_STREAM_DATAMODEL_SPLIT = 9, /* fitting / validation split of the ensemble's models */
  A2D_STREAM_LDS_SUBSET = 10,     /* LDS subset s */
  A2D_STREAM_LDS_INIT = 11,       /* LDS model k: initial parameters */
  A2D_STREAM_LDS_ORDER = 12,      /* LDS model k: order of examples */
  A2D_STREAM_FORGET = 13,         /* forget set: index a2d_rng_key(name, 0) */
  A2D_STREAM_KMEANS = 14,         /* k-means++ seeding of the cluster forget sets */
  A2D_STREAM_UNLEARN = 15,        /* unlearning task: a2d_rng_key("forget/method", k) */
  A2D_STREAM_ORACLE_INIT = 16,    /* oracle j of a forget set: a2d_rng_key(forget, j) */
  A2D_STREAM_ORACLE_ORDER = 17,
  A2D_STREAM_TEACHER_INIT = 18, /* OM teacher of base model k: a2d_rng_key(forget, k) */
  A2D_STREAM_TEACHER_ORDER = 19,
  A2D_STREAM_EVAL_RETAIN = 20,    /* the retain points evaluated: a2d_rng_key(forget, 0) */
  A2D_STREAM_EVAL_BOOTSTRAP = 21, /* bootstrap resample b of a forget set: a2d_rng_key(forget, b) */
  A2D_STREAM_TUNE_CONFIG = 22,    /* tuning configuration c of a method: a2d_rng_key(method, c) */
  A2D_STREAM_TUNE_ORACLE_INIT = 23, /* oracle j of a tuning set: a2d_rng_key(twin, j) */
  A2D_STREAM_TUNE_ORACLE_ORDER = 24,
  A2D_STREAM_TUNE_RETAIN = 25,     /* the retain points of a tuning set's criterion */
  A2D_STREAM_TRAK_PROJECTION = 26, /* TRAK: column j of model k's projection, index (k << 32) + j */
  A2D_STREAM_TRAK_CAL_SUBSET = 27, /* TRAK calibration model k: its training subset */
  A2D_STREAM_TRAK_CAL_INIT = 28,   /* ... its initial parameters */
  A2D_STREAM_TRAK_CAL_ORDER = 29,  /* ... its order of examples */
  A2D_STREAM_TRAK_INIT = 30,       /* TRAK's own full-data model k ([attribution] models) */
  A2D_STREAM_TRAK_ORDER = 31
};

typedef struct a2d_rng {
  uint64_t s[4];
} a2d_rng;

/* Seed `rng` from (seed, stream, index). */
void a2d_rng_seed(a2d_rng *rng, uint64_t seed, uint64_t stream, uint64_t index);

/*
 * An index for a2d_rng_seed from a name and a number (64-bit FNV-1a of the
 * name mixed with j), so that a named thing's randomness does not depend on
 * where it is listed (adding a forget set leaves the others unchanged).
 */
uint64_t a2d_rng_key(const char *name, uint64_t j);

/* Next 64 random bits. */
uint64_t a2d_rng_next(a2d_rng *rng);

/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t a2d_rng_below(a2d_rng *rng, uint64_t n);

/* Uniform double in [0, 1) with 53 random bits. */
double a2d_rng_uniform(a2d_rng *rng);

/* Standard normal deviate (Box-Muller; consumes two uniforms per call). */
double a2d_rng_normal(a2d_rng *rng);

/* Shuffle v[0..n) in place (Fisher-Yates, from the last element down). */
void a2d_rng_shuffle(a2d_rng *rng, int64_t *v, int64_t n);

/*
 * Choose k distinct indices out of [0, n) uniformly, written to out[0..k)
 * in increasing order.  Deterministic for a given generator state; O(n) time.
 */
void a2d_rng_choose_sorted(a2d_rng *rng, int64_t n, int64_t k, int64_t *out);

#endif
