/*
 * evaluate.c - stage `evaluate`: how far each unlearning method is from
 * retraining, with what confidence, and at what price.
 *
 * For every forget set and method: KLoM (a2d/klom.h) per point between the
 * method's K unlearned models and the reference oracles (the first N of
 * /oracle/<forget>), over the forget points, a seeded sample of retain points
 * and the validation points; accuracy on each group (mean and standard
 * deviation over models); cost as a fraction of one retrain.  Per forget set
 * also the noise floor: KLoM between the N other oracles ([oracle]
 * noise_floor) and the same reference, the score of a perfect unlearner at
 * the same N.
 *
 * Intervals: [evaluate] bootstrap resamples draw the base models (one draw
 * shared by every method, since method k unlearns base model k), the
 * reference oracles, the floor's oracles and the points of each group, with
 * replacement, and recompute every KLoM95; the replicates go to
 * /eval/<forget>/bootstrap_klom95 (resamples x rows x groups) for paired
 * differences, their 95% intervals (a2d/bootstrap.h) to the summary.
 *
 * Cost: examples (and seconds) per request as a fraction of one retrain's;
 * prep (om's teacher) per request likewise; setup, once for every request,
 * the ensemble's examples (/ensemble/examples) and the ensemble's and fit's
 * core-seconds (/stages/ensemble/models/seconds, /stages/fit
 * regression_seconds) for the methods that use datamodels; the break-even number of requests after
 * which setup plus per-request cost undercuts retraining.  The LDS models are a diagnostic and no
 * method's cost.
 *
 * Points are shared out over the ranks for the KLoM, gathered for the
 * summaries, so every figure is the same on any number of ranks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/bootstrap.h"
#include "a2d/klom.h"
#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "a2d/summary.h"
#include "a2d/unlearn.h"
#include "stage_util.h"

/* One group's outputs: margins point-major (a point's models side by side). */
typedef struct outputs {
  int64_t models;
  float *margins_train, *margins_val;   /* n x models, n_val x models */
  uint8_t *correct_train, *correct_val; /* models x n, models x n_val */
  double examples, prep_examples;       /* means over models */
  double seconds, prep_seconds;         /* likewise */
} outputs;

static void outputs_free(outputs *o) {
  free(o->margins_train);
  free(o->margins_val);
  free(o->correct_train);
  free(o->correct_val);
  memset(o, 0, sizeof *o);
}

/* Sum of a dataset of `rows` values (int64 or float64) at group/name. */
static a2d_err read_sum(a2d_store *store, const char *group, const char *name, int integer,
                        int64_t rows, double *sum) {
  char path[512];
  double *v = NULL;
  int64_t *iv = NULL;
  a2d_err err = A2D_OK;
  snprintf(path, sizeof path, "%s/%s", group, name);
  A2D_TRY(A2D_CALLOC(v, rows + 1));
  A2D_TRY(A2D_CALLOC(iv, rows + 1));
  if (integer)
    A2D_TRY(a2d_store_read_rows(store, path, A2D_I64, 0, rows, iv));
  else
    A2D_TRY(a2d_store_read_rows(store, path, A2D_F64, 0, rows, v));
  *sum = 0;
  /* A count below 0 is unknown (imported without it: docs/import.md), and so is the sum. */
  for (int64_t i = 0; i < rows; i++) *sum += integer ? (iv[i] < 0 ? NAN : (double)iv[i]) : v[i];
cleanup:
  free(v);
  free(iv);
  return err;
}

/* models x cols floats of `path` into out, point-major (cols x models). */
static a2d_err read_transposed(a2d_store *store, const char *path, int64_t models, int64_t cols,
                               float *out) {
  float *rows = NULL;
  a2d_err err = A2D_OK;
  A2D_TRY(A2D_CALLOC(rows, models * cols + 1));
  A2D_TRY(a2d_store_read_rows(store, path, A2D_F32, 0, models, rows));
  for (int64_t k = 0; k < models; k++)
    for (int64_t p = 0; p < cols; p++) out[p * models + k] = rows[k * cols + p];
cleanup:
  free(rows);
  return err;
}

/* Read a task group (/unlearn/<f>/<m> or /oracle/<f>), checking its shape. */
static a2d_err read_outputs(a2d_store *store, const char *group, int64_t n, int64_t nv,
                            outputs *o) {
  char path[512];
  int rank;
  int64_t dims[8];
  snprintf(path, sizeof path, "%s/margins_train", group);
  A2D_CHECK(a2d_store_shape(store, path, &rank, dims));
  if (rank != 2 || dims[1] != n)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s has %lld columns, expected %lld training points",
                     a2d_store_path(store), path, (long long)(rank == 2 ? dims[1] : 0),
                     (long long)n);
  const int64_t M = o->models = dims[0];
  A2D_CHECK(A2D_CALLOC(o->margins_train, M * n));
  A2D_CHECK(A2D_CALLOC(o->margins_val, M * nv + 1));
  A2D_CHECK(A2D_CALLOC(o->correct_train, M * n));
  A2D_CHECK(A2D_CALLOC(o->correct_val, M * nv + 1));
  A2D_CHECK(read_transposed(store, path, M, n, o->margins_train));
  snprintf(path, sizeof path, "%s/margins_val", group);
  A2D_CHECK(read_transposed(store, path, M, nv, o->margins_val));
  snprintf(path, sizeof path, "%s/correct_train", group);
  A2D_CHECK(a2d_store_read_rows(store, path, A2D_U8, 0, M, o->correct_train));
  snprintf(path, sizeof path, "%s/correct_val", group);
  A2D_CHECK(a2d_store_read_rows(store, path, A2D_U8, 0, M, o->correct_val));
  A2D_CHECK(read_sum(store, group, "examples", 1, M, &o->examples));
  A2D_CHECK(read_sum(store, group, "prep_examples", 1, M, &o->prep_examples));
  A2D_CHECK(read_sum(store, group, "seconds", 0, M, &o->seconds));
  A2D_CHECK(read_sum(store, group, "prep_seconds", 0, M, &o->prep_seconds));
  o->examples /= (double)M;
  o->prep_examples /= (double)M;
  o->seconds /= (double)M;
  o->prep_seconds /= (double)M;
  return A2D_OK;
}

/* A group of points: indices into the training set, or all validation points. */
typedef struct point_group {
  const int64_t *points; /* NULL: validation points 0..count-1 */
  int64_t count;
  int val;
} point_group;

/* Models [first, first + count) of some outputs: one side of a comparison. */
typedef struct side {
  const outputs *o;
  int64_t first, count;
} side;

/* Margins of side s at point p of group g, `count` of them, at stride 1. */
static const float *side_margins(const side *s, const point_group *g, int64_t i) {
  const int64_t p = g->points ? g->points[i] : i;
  const float *m = g->val ? s->o->margins_val : s->o->margins_train;
  return m + p * s->o->models + s->first;
}

/* The counts and displacements of an Allgatherv of `count` items of `width` values each. */
static a2d_err gather_layout(a2d_context *ctx, int64_t count, int64_t width, int **counts,
                             int **displs) {
  A2D_CHECK(A2D_CALLOC(*counts, ctx->size));
  A2D_CHECK(A2D_CALLOC(*displs, ctx->size));
  for (int r = 0; r < ctx->size; r++) {
    int64_t a, b;
    a2d_block_range(count, ctx->size, r, &a, &b);
    (*counts)[r] = (int)((b - a) * width);
    (*displs)[r] = (int)(a * width);
  }
  return A2D_OK;
}

/*
 * KLoM of every point of a group between side u and side o, computed on this
 * rank's block of points and gathered into klom (count values, every rank);
 * this rank's block written to `path` if set.
 */
static a2d_err group_klom(a2d_context *ctx, a2d_klom_form form, const point_group *g, const side *u,
                          const side *o, const char *path, double *klom) {
  int64_t lo, hi;
  int *counts = NULL, *displs = NULL;
  a2d_err err = A2D_OK;
  a2d_block_range(g->count, ctx->size, ctx->rank, &lo, &hi);
  for (int64_t i = lo; i < hi; i++)
    klom[i] =
        a2d_klom(side_margins(u, g, i), u->count, 1, side_margins(o, g, i), o->count, 1, form);
  A2D_TRY(gather_layout(ctx, g->count, 1, &counts, &displs));
  A2D_TRY_MPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, klom, counts, displs, MPI_DOUBLE,
                             ctx->comm));
  if (path) {
    int64_t dims[1] = {g->count};
    A2D_TRY(a2d_store_create(ctx->store, path, A2D_F64, 1, dims, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, path, A2D_F64, lo, hi - lo, klom + lo));
  }
cleanup:
  free(counts);
  free(displs);
  return err;
}

/* Accuracy of side s's models on a group: mean and standard deviation over models. */
static void group_accuracy(const point_group *g, const side *s, int64_t n, int64_t nv, double *mean,
                           double *std) {
  const int64_t stride = g->val ? nv : n;
  const uint8_t *c = g->val ? s->o->correct_val : s->o->correct_train;
  double sum = 0, s2 = 0;
  for (int64_t k = s->first; k < s->first + s->count; k++) {
    int64_t right = 0;
    for (int64_t i = 0; i < g->count; i++) right += c[k * stride + (g->points ? g->points[i] : i)];
    double a = g->count ? (double)right / (double)g->count : NAN;
    sum += a;
    s2 += a * a;
  }
  const double M = (double)s->count;
  *mean = sum / M;
  *std = M > 1 ? sqrt(fmax(0.0, (s2 - sum * sum / M) / (M - 1))) : 0.0;
}

/*
 * Evaluate side u against side o on the three groups: per-point KLoM to
 * <group>/klom_*, the KLoM summaries and accuracies into row.
 */
static a2d_err compare(a2d_context *ctx, a2d_klom_form form, const point_group groups[3],
                       const side *u, const side *o, int64_t n, int64_t nv, const char *group,
                       double *scratch, a2d_summary_row *row) {
  static const char *const names[3] = {"klom_forget", "klom_retain", "klom_val"};
  char path[512];
  for (int gi = 0; gi < 3; gi++) {
    snprintf(path, sizeof path, "%s/%s", group, names[gi]);
    A2D_CHECK(group_klom(ctx, form, &groups[gi], u, o, path, scratch));
    a2d_summarize(scratch, groups[gi].count, &row->klom[gi]);
    group_accuracy(&groups[gi], u, n, nv, &row->accuracy[gi], &row->accuracy_std[gi]);
  }
  return A2D_OK;
}

/* ------------------------------------------------------------ the bootstrap */

/* One resample's draws: which models of each side, which points of each group. */
typedef struct resample {
  int64_t *reference, *floor, *base; /* N, N and K indices, each into its side */
  int64_t *points[3];                /* count_g indices into group g */
} resample;

/* The rows of one forget set: the floor (if any) and the methods, against one reference. */
typedef struct comparison {
  int nrows;
  side rows[17];
  int uses_floor_draw[17]; /* 1: the floor's draw; 0: the base models' draw */
  side reference;
  point_group groups[3];
} comparison;

/* Draw resample b of forget set `name`: reference, floor, base models, then points by group. */
static void draw(const comparison *c, int64_t seed, const char *name, int64_t b, int64_t nfloor,
                 int64_t K, resample *r) {
  a2d_rng rng;
  a2d_rng_seed(&rng, (uint64_t)seed, A2D_STREAM_EVAL_BOOTSTRAP, a2d_rng_key(name, (uint64_t)b));
  for (int64_t k = 0; k < c->reference.count; k++)
    r->reference[k] = (int64_t)a2d_rng_below(&rng, (uint64_t)c->reference.count);
  for (int64_t k = 0; k < nfloor; k++) r->floor[k] = (int64_t)a2d_rng_below(&rng, (uint64_t)nfloor);
  for (int64_t k = 0; k < K; k++) r->base[k] = (int64_t)a2d_rng_below(&rng, (uint64_t)K);
  for (int g = 0; g < 3; g++)
    for (int64_t i = 0; i < c->groups[g].count; i++)
      r->points[g][i] = (int64_t)a2d_rng_below(&rng, (uint64_t)c->groups[g].count);
}

/* The margins of side s at one point, for the resampled models idx[0..s->count), into buf. */
static void gather_models(const float *m, const int64_t *idx, int64_t count, float *buf) {
  for (int64_t k = 0; k < count; k++) buf[k] = m[idx[k]];
}

/*
 * B bootstrap replicates of every row's KLoM95 on each group into
 * rep[(b * nrows + r) * 3 + g] (every rank): per resample, KLoM on this
 * rank's block of points with the resampled models, gathered, then the 95th
 * percentile over the resampled points.
 */
static a2d_err bootstrap(a2d_context *ctx, a2d_klom_form form, const comparison *c,
                         const char *name, int64_t seed, int64_t B, double *rep) {
  a2d_err err = A2D_OK;
  const int R = c->nrows;
  int64_t nfloor = 0, K = 0, most = 0;
  for (int r = 0; r < R; r++) {
    if (c->uses_floor_draw[r])
      nfloor = c->rows[r].count;
    else
      K = c->rows[r].count;
  }
  for (int g = 0; g < 3; g++) most = c->groups[g].count > most ? c->groups[g].count : most;
  resample s = {0};
  double *klom = NULL, *values = NULL;
  float *ubuf = NULL, *obuf = NULL;
  int *counts = NULL, *displs = NULL;
  A2D_TRY(A2D_CALLOC(s.reference, c->reference.count + 1));
  A2D_TRY(A2D_CALLOC(s.floor, nfloor + 1));
  A2D_TRY(A2D_CALLOC(s.base, K + 1));
  for (int g = 0; g < 3; g++) A2D_TRY(A2D_CALLOC(s.points[g], c->groups[g].count + 1));
  A2D_TRY(A2D_CALLOC(klom, most * R + 1));
  A2D_TRY(A2D_CALLOC(values, most + 1));
  A2D_TRY(A2D_CALLOC(ubuf, (nfloor > K ? nfloor : K) + 1));
  A2D_TRY(A2D_CALLOC(obuf, c->reference.count + 1));
  for (int64_t b = 0; b < B; b++) {
    draw(c, seed, name, b, nfloor, K, &s);
    for (int g = 0; g < 3; g++) {
      const point_group *pg = &c->groups[g];
      int64_t lo, hi;
      a2d_block_range(pg->count, ctx->size, ctx->rank, &lo, &hi);
      for (int64_t i = lo; i < hi; i++) {
        gather_models(side_margins(&c->reference, pg, i), s.reference, c->reference.count, obuf);
        for (int r = 0; r < R; r++) {
          const side *u = &c->rows[r];
          gather_models(side_margins(u, pg, i), c->uses_floor_draw[r] ? s.floor : s.base, u->count,
                        ubuf);
          klom[i * R + r] = a2d_klom(ubuf, u->count, 1, obuf, c->reference.count, 1, form);
        }
      }
      A2D_TRY(gather_layout(ctx, pg->count, R, &counts, &displs));
      A2D_TRY_MPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, klom, counts, displs,
                                 MPI_DOUBLE, ctx->comm));
      free(counts);
      free(displs);
      counts = displs = NULL;
      for (int r = 0; r < R; r++) {
        for (int64_t j = 0; j < pg->count; j++) values[j] = klom[s.points[g][j] * R + r];
        rep[(b * R + r) * 3 + g] = a2d_percentile(values, pg->count, 95);
      }
    }
  }
cleanup:
  free(s.reference);
  free(s.floor);
  free(s.base);
  for (int g = 0; g < 3; g++) free(s.points[g]);
  free(klom);
  free(values);
  free(ubuf);
  free(obuf);
  free(counts);
  free(displs);
  return err;
}

/* ---------------------------------------------------------------- the cost */

/* What the datamodels cost, once for every request; the LDS models' cost apart. */
typedef struct setup_cost {
  double examples, seconds;         /* the ensemble's examples; ensemble + fit core-seconds */
  double lds_examples, lds_seconds; /* the LDS models (a diagnostic) */
  int64_t lds_models;
} setup_cost;

/*
 * The sums of a subset-model group's examples and of the wall times in
 * `timing` (0 when the group does not exist).  A group written before a2d
 * recorded them: examples from its masks (epochs x subset size, exact) and
 * seconds unknown (NaN), said in the log.
 */
static a2d_err subset_cost(a2d_store *store, const char *group, const char *timing, int64_t epochs,
                           double *examples, double *seconds, int64_t *models) {
  char path[256];
  int exists, rank, timed, counted;
  int64_t dims[8];
  uint8_t *masks = NULL;
  *examples = *seconds = 0;
  *models = 0;
  snprintf(path, sizeof path, "%s/masks", group);
  A2D_CHECK(a2d_store_exists(store, path, &exists));
  if (!exists) return A2D_OK;
  A2D_CHECK(a2d_store_shape(store, path, &rank, dims));
  *models = dims[0];
  snprintf(path, sizeof path, "%s/examples", group);
  A2D_CHECK(a2d_store_exists(store, path, &counted));
  snprintf(path, sizeof path, "%s/seconds", timing);
  A2D_CHECK(a2d_store_exists(store, path, &timed));
  if (counted) {
    A2D_CHECK(read_sum(store, group, "examples", 1, *models, examples));
    if (isnan(*examples))
      a2d_log("evaluate: %s was imported without its examples per model: its cost is unknown",
              group);
  } else {
    A2D_CHECK(A2D_CALLOC(masks, dims[0] * dims[1] + 1));
    snprintf(path, sizeof path, "%s/masks", group);
    a2d_err err = a2d_store_read_rows(store, path, A2D_U8, 0, dims[0], masks);
    for (int64_t i = 0; !err && i < dims[0] * dims[1]; i++) *examples += masks[i];
    free(masks);
    A2D_CHECK(err);
    *examples *= (double)epochs;
  }
  if (timed) {
    A2D_CHECK(read_sum(store, timing, "seconds", 0, *models, seconds));
  } else {
    *seconds = NAN;
    a2d_log(
        "evaluate: %s predates per-model timing: its cost in time is unknown (rerun its stage "
        "with --force to measure it)",
        group);
  }
  return A2D_OK;
}

static a2d_err read_setup_cost(a2d_store *store, int64_t epochs, setup_cost *c) {
  int64_t models;
  int present = 0, exists;
  double fit = 0;
  memset(c, 0, sizeof *c);
  A2D_CHECK(subset_cost(store, "/ensemble", "/stages/ensemble/models", epochs, &c->examples,
                        &c->seconds, &models));
  A2D_CHECK(subset_cost(store, "/datamodel/lds", "/stages/fit/lds_models", epochs, &c->lds_examples,
                        &c->lds_seconds, &c->lds_models));
  A2D_CHECK(a2d_store_exists(store, "/datamodel/indptr", &exists));
  if (exists)
    A2D_CHECK(a2d_store_get_real(store, "/stages/fit", "regression_seconds", &fit, &present));
  if (exists && !present) {
    fit = NAN;
    a2d_log(
        "evaluate: /datamodel predates the fit's timing: its cost in time is unknown (rerun "
        "stage fit with --force to measure it)");
  }
  c->seconds += fit;
  /* TRAK ([attribution] method = trak): its features and kernel, and its calibration models. */
  A2D_CHECK(a2d_store_exists(store, "/attribution/trak", &exists));
  if (exists) {
    int64_t features = 0;
    double feature_seconds = 0, cal_examples, cal_seconds;
    A2D_CHECK(a2d_store_get_int(store, "/stages/trak", "feature_examples", &features, &present));
    A2D_CHECK(
        a2d_store_get_real(store, "/stages/trak", "feature_seconds", &feature_seconds, &present));
    A2D_CHECK(subset_cost(store, "/attribution/trak/calibration", "/stages/trak/calibration_models",
                          epochs, &cal_examples, &cal_seconds, &models));
    c->examples += (double)features + cal_examples;
    c->seconds += feature_seconds + cal_seconds;
    A2D_CHECK(subset_cost(store, "/attribution/trak/lds", "/stages/trak/lds_models", epochs,
                          &c->lds_examples, &c->lds_seconds, &c->lds_models));
  }
  return A2D_OK;
}

/* Requests after which setup + requests x per-request cost undercuts a retrain per request. */
static double break_even(double setup, double per_request) {
  if (per_request >= 1.0) return INFINITY;
  return setup / (1.0 - per_request);
}

/* Cost columns of a method's row, in retrains of this forget set. */
static void row_cost(const outputs *m, const outputs *oracle, int uses_datamodels,
                     const setup_cost *setup, a2d_summary_row *row) {
  const double retrain = oracle->examples, retrain_s = oracle->seconds;
  row->cost = m->examples / retrain;
  row->prep_cost = m->prep_examples / retrain;
  row->time_cost = retrain_s > 0 ? m->seconds / retrain_s : NAN;
  row->prep_time_cost = retrain_s > 0 ? m->prep_seconds / retrain_s : NAN;
  row->setup_cost = uses_datamodels ? setup->examples / retrain : 0.0;
  row->setup_time_cost = uses_datamodels ? (retrain_s > 0 ? setup->seconds / retrain_s : NAN) : 0.0;
  row->breakeven = break_even(row->setup_cost, row->cost + row->prep_cost);
  row->breakeven_time = break_even(row->setup_time_cost, row->time_cost + row->prep_time_cost);
}

/* ---------------------------------------------------------- one forget set */

/* The settings every forget set is evaluated with. */
typedef struct eval_config {
  a2d_klom_form form;
  int64_t retain_points, seed, bootstrap, oracles;
  int floor;
  setup_cost setup;
} eval_config;

/* Evaluate every method on forget set `name`; its rows appended to the summary. */
static a2d_err evaluate_forget_set(a2d_context *ctx, const eval_config *cfg, const char *name,
                                   const char **methods, int nmethods, int64_t n, int64_t nv,
                                   a2d_summary_table *table, char *diverged, size_t size) {
  a2d_err err = A2D_OK;
  int64_t *forget = NULL, *retain = NULL, *sample = NULL, nforget = 0, nretain = 0, nsample = 0;
  outputs oracle = {0}, *method = NULL;
  double *scratch = NULL, *rep = NULL;
  char group[512];
  const int64_t first_row = table->nrows;
  comparison c;
  memset(&c, 0, sizeof c);
  A2D_TRY(A2D_CALLOC(method, nmethods));
  A2D_TRY(a2d_stage_read_forget(ctx, name, n, &forget, &nforget, &retain, &nretain));
  A2D_TRY(a2d_stage_retain_sample(name, cfg->seed, A2D_STREAM_EVAL_RETAIN, cfg->retain_points,
                                  retain, nretain, &sample, &nsample));
  snprintf(group, sizeof group, "/eval/%s/retain_points", name);
  int64_t dims[3] = {nsample};
  A2D_TRY(a2d_store_create(ctx->store, group, A2D_I64, 1, dims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, group, A2D_I64, 0, ctx->rank ? 0 : nsample, sample));
  c.groups[0] = (point_group){forget, nforget, 0};
  c.groups[1] = (point_group){sample, nsample, 0};
  c.groups[2] = (point_group){NULL, nv, 1};
  const int64_t most =
      nforget > nsample ? (nforget > nv ? nforget : nv) : (nsample > nv ? nsample : nv);
  A2D_TRY(A2D_CALLOC(scratch, most + 1));

  /* ---- the oracles: the reference, and the floor's second sample ---- */
  snprintf(group, sizeof group, "/oracle/%s", name);
  A2D_TRY(read_outputs(ctx->store, group, n, nv, &oracle));
  const int64_t N = cfg->oracles;
  if (oracle.models != (cfg->floor ? 2 * N : N))
    A2D_FAIL(A2D_ERR_STATE, "%s: %s holds %lld oracles, expected %lld ([oracle] models = %lld%s)",
             a2d_store_path(ctx->store), group, (long long)oracle.models,
             (long long)(cfg->floor ? 2 * N : N), (long long)N,
             cfg->floor ? ", twice for the noise floor" : "");
  c.reference = (side){&oracle, 0, N};
  a2d_summary_row row;
  memset(&row, 0, sizeof row);
  snprintf(row.forget, sizeof row.forget, "%s", name);
  snprintf(row.method, sizeof row.method, "noise_floor");
  const side floor_side = {&oracle, N, N};
  if (cfg->floor) {
    snprintf(group, sizeof group, "/eval/%s/noise_floor", name);
    A2D_TRY(
        compare(ctx, cfg->form, c.groups, &floor_side, &c.reference, n, nv, group, scratch, &row));
    c.uses_floor_draw[c.nrows] = 1;
    c.rows[c.nrows++] = floor_side;
  } else {
    for (int g = 0; g < 3; g++) row.klom[g] = (a2d_summary){NAN, NAN, NAN, NAN, NAN};
  }
  /* The floor row reports the reference oracles themselves: their accuracy, one retrain each. */
  for (int g = 0; g < 3; g++)
    group_accuracy(&c.groups[g], &c.reference, n, nv, &row.accuracy[g], &row.accuracy_std[g]);
  row.cost = row.time_cost = 1.0;
  row.breakeven = row.breakeven_time = NAN;
  row.models = (double)N;
  A2D_TRY(a2d_summary_append(table, &row));

  /* ---- every method against the reference ---- */
  for (int m = 0; m < nmethods; m++) {
    snprintf(group, sizeof group, "/unlearn/%s/%s", name, methods[m]);
    A2D_TRY(read_outputs(ctx->store, group, n, nv, &method[m]));
    if (m > 0 && method[m].models != method[0].models)
      A2D_FAIL(A2D_ERR_STATE, "%s: %s holds %lld models, /unlearn/%s/%s %lld; rerun stage unlearn",
               a2d_store_path(ctx->store), group, (long long)method[m].models, name, methods[0],
               (long long)method[0].models);
    int64_t blown = 0; /* models stage unlearn found diverged: NaN margins */
    for (int64_t k = 0; k < method[m].models; k++) blown += isnan(method[m].margins_train[k]);
    if (blown) {
      size_t len = strlen(diverged);
      snprintf(diverged + len, size - len, "%s%s on %s: %lld of %lld models", len ? "; " : "",
               methods[m], name, (long long)blown, (long long)method[m].models);
    }
    memset(&row, 0, sizeof row);
    snprintf(row.forget, sizeof row.forget, "%s", name);
    snprintf(row.method, sizeof row.method, "%s", methods[m]);
    const side u = {&method[m], 0, method[m].models};
    snprintf(group, sizeof group, "/eval/%s/%s", name, methods[m]);
    A2D_TRY(compare(ctx, cfg->form, c.groups, &u, &c.reference, n, nv, group, scratch, &row));
    const a2d_unlearn_method *um = a2d_unlearn_find(methods[m]);
    row_cost(&method[m], &oracle, um && (um->needs & A2D_UNLEARN_NEEDS_DATAMODEL), &cfg->setup,
             &row);
    row.models = (double)method[m].models;
    A2D_TRY(a2d_summary_append(table, &row));
    c.rows[c.nrows++] = u;
  }

  /* ---- intervals: the bootstrap's replicates, kept for paired differences ---- */
  for (int64_t r = first_row; r < table->nrows; r++)
    for (int g = 0; g < 3; g++) table->rows[r].klom_lo[g] = table->rows[r].klom_hi[g] = NAN;
  if (cfg->bootstrap > 0) {
    const int64_t B = cfg->bootstrap, R = c.nrows;
    A2D_TRY(A2D_CALLOC(rep, B * R * 3));
    A2D_TRY(bootstrap(ctx, cfg->form, &c, name, cfg->seed, B, rep));
    snprintf(group, sizeof group, "/eval/%s/bootstrap_klom95", name);
    int64_t rdims[3] = {B, R, 3};
    A2D_TRY(a2d_store_create(ctx->store, group, A2D_F64, 3, rdims, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, group, A2D_F64, 0, ctx->rank ? 0 : B, rep));
    A2D_TRY(a2d_store_set_string(ctx->store, group, "rows",
                                 cfg->floor ? "noise_floor, then the methods in the summary's order"
                                            : "the methods in the summary's order"));
    for (int64_t r = 0; r < R; r++) {
      a2d_summary_row *t = &table->rows[first_row + (cfg->floor ? 0 : 1) + r];
      for (int g = 0; g < 3; g++)
        if (a2d_bootstrap_interval(t->klom[g].p95, rep + r * 3 + g, B, R * 3, &t->klom_lo[g],
                                   &t->klom_hi[g]))
          A2D_FAIL(A2D_ERR_MEM, "out of memory for the bootstrap intervals");
    }
  }
cleanup:
  outputs_free(&oracle);
  for (int m = 0; method && m < nmethods; m++) outputs_free(&method[m]);
  free(method);
  free(forget);
  free(retain);
  free(sample);
  free(scratch);
  free(rep);
  return err;
}

/*
 * What the matching methods matched, "om: logits, dmm: margin" into buf
 * ("" when the deck has none): [unlearn.<m>] match, auto resolved as the
 * method does (om: the teacher's logits; dmm: what the datamodels predict).
 */
static a2d_err matching(a2d_context *ctx, const char **methods, int nmethods, char *buf,
                        size_t size) {
  char section[96];
  buf[0] = '\0';
  for (int m = 0; m < nmethods; m++) {
    const a2d_unlearn_method *um = a2d_unlearn_find(methods[m]);
    if (!um || (um->needs & A2D_UNLEARN_OUTPUTS_ONLY) ||
        !(um->needs & (A2D_UNLEARN_NEEDS_TEACHER | A2D_UNLEARN_NEEDS_DATAMODEL)))
      continue;
    int match; /* auto|logits|margin */
    A2D_CHECK(a2d_deck_enum(ctx->deck, a2d_unlearn_section(um, section, sizeof section), "match",
                            &match));
    const char *what = match == 1 ? "logits" : "margin";
    if (match == 0 && (um->needs & A2D_UNLEARN_NEEDS_TEACHER)) what = "logits";
    if (match == 0 && (um->needs & A2D_UNLEARN_NEEDS_DATAMODEL)) {
      char *output = NULL;
      A2D_CHECK(a2d_store_get_string(ctx->store, "/datamodel", "output", &output));
      what = output && !strcmp(output, "logits") ? "logits" : "margin";
      free(output);
    }
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s: %s", len ? ", " : "", methods[m], what);
  }
  return A2D_OK;
}

a2d_err a2d_stage_evaluate(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  a2d_summary_table table = {0};
  char names[16][64], diverged[2048] = "";
  const char *methods[16];
  int nmethods, form, nforget = a2d_deck_named_count(ctx->deck, "forget");
  int64_t dims[8];
  int rank;
  eval_config cfg;

  /* ---- the settings, the methods and forget sets of the deck, the data's size ---- */
  memset(&cfg, 0, sizeof cfg);
  A2D_TRY(a2d_deck_int(ctx->deck, "evaluate", "retain_points", &cfg.retain_points));
  A2D_TRY(a2d_deck_int(ctx->deck, "evaluate", "seed", &cfg.seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "evaluate", "bootstrap", &cfg.bootstrap));
  A2D_TRY(a2d_deck_enum(ctx->deck, "evaluate", "klom", &form)); /* a2d|benchmark */
  cfg.form = (a2d_klom_form)form;
  A2D_TRY(a2d_deck_int(ctx->deck, "oracle", "models", &cfg.oracles));
  A2D_TRY(a2d_deck_bool(ctx->deck, "oracle", "noise_floor", &cfg.floor));
  A2D_TRY(a2d_deck_list_len(ctx->deck, "unlearn", "methods", &nmethods));
  if (nmethods > 16) nmethods = 16;
  for (int m = 0; m < nmethods; m++) {
    A2D_TRY(a2d_deck_list_string(ctx->deck, "unlearn", "methods", m, names[m], sizeof names[m]));
    methods[m] = names[m];
  }
  A2D_TRY(a2d_store_shape(ctx->store, "/data/train/y", &rank, dims));
  const int64_t n = dims[0];
  A2D_TRY(a2d_store_shape(ctx->store, "/data/val/y", &rank, dims));
  const int64_t nv = dims[0];
  int64_t epochs;
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "epochs", &epochs));
  A2D_TRY(read_setup_cost(ctx->store, epochs, &cfg.setup));
  a2d_log(
      "evaluate: KLoM of %d methods against %lld oracles on %d forget sets; %s; %lld "
      "bootstrap resamples",
      nmethods, (long long)cfg.oracles, nforget,
      cfg.floor ? "noise floor from as many other oracles" : "no noise floor",
      (long long)cfg.bootstrap);

  /* ---- forget set by forget set ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, "evaluate", "forget sets", nforget, 0);
  for (int f = 0; f < nforget; f++) {
    const char *name, *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &name, &spec));
    A2D_TRY(evaluate_forget_set(ctx, &cfg, name, methods, nmethods, n, nv, &table, diverged,
                                sizeof diverged));
    a2d_progress_update(&progress, f + 1);
  }

  /* ---- the table, and what the figures rest on ---- */
  A2D_TRY(a2d_summary_write(ctx->store, A2D_EVAL_SUMMARY, &table));
  A2D_TRY(a2d_store_set_string(ctx->store, "/eval", "klom", form ? "benchmark" : "a2d"));
  char matched[512];
  A2D_TRY(matching(ctx, methods, nmethods, matched, sizeof matched));
  A2D_TRY(a2d_store_set_string(ctx->store, "/eval", "matching", matched));
  A2D_TRY(a2d_store_set_string(ctx->store, "/eval", "diverged", diverged));
  A2D_TRY(a2d_store_set_int(ctx->store, "/eval", "oracles", cfg.oracles));
  A2D_TRY(a2d_store_set_int(ctx->store, "/eval", "noise_floor", cfg.floor));
  A2D_TRY(a2d_store_set_int(ctx->store, "/eval", "bootstrap", cfg.bootstrap));
  int trak;
  A2D_TRY(a2d_attribution_is_trak(ctx->deck, &trak));
  A2D_TRY(a2d_store_set_string(ctx->store, "/eval", "attribution", trak ? "trak" : "datamodels"));
  /* The attribution's LDS beside the verdict (NaN without LDS). */
  const char *attribution_group = trak ? "/attribution/trak" : "/datamodel";
  double lds[2] = {NAN, NAN};
  int lds_present;
  A2D_TRY(
      a2d_store_get_real(ctx->store, attribution_group, "lds_train_mean", &lds[0], &lds_present));
  if (!lds_present) lds[0] = NAN;
  A2D_TRY(a2d_store_get_real(ctx->store, attribution_group, "lds_val_mean", &lds[1], &lds_present));
  if (!lds_present) lds[1] = NAN;
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "lds_train", lds[0]));
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "lds_val", lds[1]));
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "setup_examples", cfg.setup.examples));
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "setup_seconds", cfg.setup.seconds));
  A2D_TRY(a2d_store_set_int(ctx->store, "/eval", "lds_models", cfg.setup.lds_models));
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "lds_examples", cfg.setup.lds_examples));
  A2D_TRY(a2d_store_set_real(ctx->store, "/eval", "lds_seconds", cfg.setup.lds_seconds));
  a2d_log("evaluate: %lld rows in /eval/summary; `a2d report DECK` prints them",
          (long long)table.nrows);
cleanup:
  a2d_summary_free(&table);
  return err;
}
