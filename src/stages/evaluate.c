/*
 * evaluate.c - stage `evaluate`: how far each unlearning method is from
 * retraining, and at what price.
 *
 * For every forget set and method: KLoM (a2d/klom.h) per point between the
 * method's K unlearned models and the N oracles, over the forget points, a
 * seeded sample of retain points and the validation points; accuracy on each
 * group (mean and standard deviation over models); cost as a fraction of one
 * retrain.  Per forget set also the noise floor: KLoM between two disjoint
 * halves of the oracles.  Points are shared out over the ranks for the KLoM,
 * gathered for the summaries; per-point KLoM goes to
 * /eval/<forget>/<method>/klom_{forget,retain,val} and one row per forget
 * set and method to the table /eval/summary (src/eval/summary.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/klom.h"
#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "a2d/summary.h"
#include "stage_util.h"

/* One side of a comparison: a group's outputs (rows = models). */
typedef struct outputs {
  int64_t models;
  float *margins_train, *margins_val;      /* models x n, models x n_val */
  uint8_t *correct_train, *correct_val;    /* likewise */
  double examples, prep_examples, seconds; /* means over models */
} outputs;

static void outputs_free(outputs *o) {
  free(o->margins_train);
  free(o->margins_val);
  free(o->correct_train);
  free(o->correct_val);
  memset(o, 0, sizeof *o);
}

/* Mean of a dataset of `rows` values (int64 or float64) at group/name. */
static a2d_err read_mean(a2d_context *ctx, const char *group, const char *name, int integer,
                         int64_t rows, double *mean) {
  char path[512];
  double *v = NULL;
  int64_t *iv = NULL;
  a2d_err err = A2D_OK;
  snprintf(path, sizeof path, "%s/%s", group, name);
  A2D_TRY(A2D_CALLOC(v, rows));
  A2D_TRY(A2D_CALLOC(iv, rows));
  if (integer)
    A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_I64, 0, rows, iv));
  else
    A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_F64, 0, rows, v));
  *mean = 0;
  for (int64_t i = 0; i < rows; i++) *mean += integer ? (double)iv[i] : v[i];
  *mean /= (double)rows;
cleanup:
  free(v);
  free(iv);
  return err;
}

/* Read a task group (/unlearn/<f>/<m> or /oracle/<f>), checking its shape. */
static a2d_err read_outputs(a2d_context *ctx, const char *group, int64_t n, int64_t nv,
                            outputs *o) {
  char path[512];
  int rank;
  int64_t dims[8];
  snprintf(path, sizeof path, "%s/margins_train", group);
  A2D_CHECK(a2d_store_shape(ctx->store, path, &rank, dims));
  if (rank != 2 || dims[1] != n)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s has %lld columns, expected %lld training points",
                     a2d_store_path(ctx->store), path, (long long)(rank == 2 ? dims[1] : 0),
                     (long long)n);
  const int64_t M = o->models = dims[0];
  A2D_CHECK(A2D_CALLOC(o->margins_train, M * n));
  A2D_CHECK(A2D_CALLOC(o->margins_val, M * nv + 1));
  A2D_CHECK(A2D_CALLOC(o->correct_train, M * n));
  A2D_CHECK(A2D_CALLOC(o->correct_val, M * nv + 1));
  static const char *const names[4] = {"margins_train", "margins_val", "correct_train",
                                       "correct_val"};
  void *bufs[4] = {o->margins_train, o->margins_val, o->correct_train, o->correct_val};
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", group, names[i]);
    A2D_CHECK(a2d_store_read_rows(ctx->store, path, i < 2 ? A2D_F32 : A2D_U8, 0, M, bufs[i]));
  }
  A2D_CHECK(read_mean(ctx, group, "examples", 1, M, &o->examples));
  A2D_CHECK(read_mean(ctx, group, "prep_examples", 1, M, &o->prep_examples));
  A2D_CHECK(read_mean(ctx, group, "seconds", 0, M, &o->seconds));
  return A2D_OK;
}

/* A group of points: indices into the training set, or all validation points. */
typedef struct point_group {
  const int64_t *points; /* NULL: validation points 0..count-1 */
  int64_t count;
} point_group;

/*
 * KLoM of every point of a group between models [u0, u1) of u and [o0, o1)
 * of o, computed on this rank's block of points and gathered into klom
 * (count values, every rank); this rank's block written to `path` if set.
 */
static a2d_err group_klom(a2d_context *ctx, a2d_klom_form form, const point_group *g, int val,
                          const outputs *u, int64_t u0, int64_t u1, const outputs *o, int64_t o0,
                          int64_t o1, int64_t n, int64_t nv, const char *path, double *klom) {
  int64_t lo, hi;
  int *counts = NULL, *displs = NULL;
  a2d_err err = A2D_OK;
  a2d_block_range(g->count, ctx->size, ctx->rank, &lo, &hi);
  const int64_t stride = val ? nv : n;
  const float *um = val ? u->margins_val : u->margins_train;
  const float *om = val ? o->margins_val : o->margins_train;
  for (int64_t i = lo; i < hi; i++) {
    const int64_t p = g->points ? g->points[i] : i;
    klom[i] = a2d_klom(um + u0 * stride + p, u1 - u0, stride, om + o0 * stride + p, o1 - o0, stride,
                       form);
  }
  A2D_TRY(A2D_CALLOC(counts, ctx->size));
  A2D_TRY(A2D_CALLOC(displs, ctx->size));
  for (int r = 0; r < ctx->size; r++) {
    int64_t a, b;
    a2d_block_range(g->count, ctx->size, r, &a, &b);
    counts[r] = (int)(b - a);
    displs[r] = (int)a;
  }
  MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, klom, counts, displs, MPI_DOUBLE, ctx->comm);
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

/* Accuracy of models [m0, m1) on a group: mean and standard deviation over models. */
static void group_accuracy(const point_group *g, int val, const outputs *o, int64_t m0, int64_t m1,
                           int64_t n, int64_t nv, double *mean, double *std) {
  const int64_t stride = val ? nv : n;
  const uint8_t *c = val ? o->correct_val : o->correct_train;
  double s = 0, s2 = 0;
  for (int64_t k = m0; k < m1; k++) {
    int64_t right = 0;
    for (int64_t i = 0; i < g->count; i++) right += c[k * stride + (g->points ? g->points[i] : i)];
    double a = g->count ? (double)right / (double)g->count : NAN;
    s += a;
    s2 += a * a;
  }
  const double M = (double)(m1 - m0);
  *mean = s / M;
  *std = M > 1 ? sqrt(fmax(0.0, (s2 - s * s / M) / (M - 1))) : 0.0;
}

/*
 * Evaluate u (models [u0, u1)) against o (models [o0, o1)) on the three
 * groups; per-point KLoM to <group>/klom_* when `group` is set; one summary row.
 */
static a2d_err compare(a2d_context *ctx, a2d_klom_form form, const point_group groups[3],
                       const outputs *u, int64_t u0, int64_t u1, const outputs *o, int64_t o0,
                       int64_t o1, int64_t n, int64_t nv, const char *group, double *scratch,
                       a2d_summary_row *row) {
  static const char *const names[3] = {"klom_forget", "klom_retain", "klom_val"};
  char path[512];
  for (int gi = 0; gi < 3; gi++) {
    snprintf(path, sizeof path, "%s/%s", group ? group : "", names[gi]);
    A2D_CHECK(group_klom(ctx, form, &groups[gi], gi == 2, u, u0, u1, o, o0, o1, n, nv,
                         group ? path : NULL, scratch));
    a2d_summarize(scratch, groups[gi].count, &row->klom[gi]);
    group_accuracy(&groups[gi], gi == 2, u, u0, u1, n, nv, &row->accuracy[gi],
                   &row->accuracy_std[gi]);
  }
  return A2D_OK;
}

/* The retain points evaluated for a forget set: all, or a seeded sample of `want`. */
static a2d_err retain_sample(const char *name, int64_t seed, int64_t want, const int64_t *retain,
                             int64_t nretain, int64_t **out, int64_t *count) {
  int64_t take = want == 0 || want > nretain ? nretain : want;
  A2D_CHECK(A2D_CALLOC(*out, take + 1));
  *count = take;
  if (take == nretain) {
    memcpy(*out, retain, (size_t)nretain * sizeof *retain);
    return A2D_OK;
  }
  a2d_rng rng;
  a2d_rng_seed(&rng, (uint64_t)seed, A2D_STREAM_EVAL_RETAIN, a2d_rng_key(name, 0));
  a2d_rng_choose_sorted(&rng, nretain, take, *out);
  for (int64_t i = 0; i < take; i++) (*out)[i] = retain[(*out)[i]];
  return A2D_OK;
}

/* Evaluate every method on forget set `name` with KLoM's `form`; its rows appended to the summary.
 */
static a2d_err evaluate_forget_set(a2d_context *ctx, a2d_klom_form form, const char *name,
                                   const char **methods, int nmethods, int64_t n, int64_t nv,
                                   a2d_summary_table *table) {
  a2d_err err = A2D_OK;
  int64_t *forget = NULL, *retain = NULL, *sample = NULL, nforget = 0, nretain = 0, nsample = 0;
  int64_t want, seed;
  outputs oracle = {0}, method = {0};
  double *scratch = NULL;
  char group[512];
  A2D_TRY(a2d_deck_int(ctx->deck, "evaluate", "retain_points", &want));
  A2D_TRY(a2d_deck_int(ctx->deck, "evaluate", "seed", &seed));
  A2D_TRY(a2d_stage_read_forget(ctx, name, n, &forget, &nforget, &retain, &nretain));
  A2D_TRY(retain_sample(name, seed, want, retain, nretain, &sample, &nsample));
  snprintf(group, sizeof group, "/eval/%s/retain_points", name);
  int64_t dims[1] = {nsample};
  A2D_TRY(a2d_store_create(ctx->store, group, A2D_I64, 1, dims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, group, A2D_I64, 0, ctx->rank ? 0 : nsample, sample));
  const point_group groups[3] = {{forget, nforget}, {sample, nsample}, {NULL, nv}};
  const int64_t most =
      nforget > nsample ? (nforget > nv ? nforget : nv) : (nsample > nv ? nsample : nv);
  A2D_TRY(A2D_CALLOC(scratch, most + 1));

  /* ---- the oracles, and the noise floor between their two halves ---- */
  snprintf(group, sizeof group, "/oracle/%s", name);
  A2D_TRY(read_outputs(ctx, group, n, nv, &oracle));
  const double retrain = oracle.examples;
  const int64_t N = oracle.models, half = N / 2;
  a2d_summary_row row = {0};
  snprintf(row.forget, sizeof row.forget, "%s", name);
  snprintf(row.method, sizeof row.method, "noise_floor");
  snprintf(group, sizeof group, "/eval/%s/noise_floor", name);
  if (half >= 1) {
    A2D_TRY(compare(ctx, form, groups, &oracle, 0, half, &oracle, half, 2 * half, n, nv, group,
                    scratch, &row));
  } else {
    for (int g = 0; g < 3; g++) row.klom[g] = (a2d_summary){NAN, NAN, NAN, NAN, NAN};
  }
  /* The floor row reports the oracles themselves: their accuracy, one retrain each. */
  for (int g = 0; g < 3; g++)
    group_accuracy(&groups[g], g == 2, &oracle, 0, N, n, nv, &row.accuracy[g],
                   &row.accuracy_std[g]);
  row.cost = 1.0;
  row.prep_cost = 0.0;
  row.time_cost = 1.0;
  row.models = (double)N;
  A2D_TRY(a2d_summary_append(table, &row));

  /* ---- every method against all the oracles ---- */
  for (int m = 0; m < nmethods; m++) {
    snprintf(group, sizeof group, "/unlearn/%s/%s", name, methods[m]);
    A2D_TRY(read_outputs(ctx, group, n, nv, &method));
    memset(&row, 0, sizeof row);
    snprintf(row.forget, sizeof row.forget, "%s", name);
    snprintf(row.method, sizeof row.method, "%s", methods[m]);
    snprintf(group, sizeof group, "/eval/%s/%s", name, methods[m]);
    A2D_TRY(compare(ctx, form, groups, &method, 0, method.models, &oracle, 0, N, n, nv, group,
                    scratch, &row));
    row.cost = method.examples / retrain;
    row.prep_cost = method.prep_examples / retrain;
    row.time_cost = oracle.seconds > 0 ? method.seconds / oracle.seconds : NAN;
    row.models = (double)method.models;
    A2D_TRY(a2d_summary_append(table, &row));
    outputs_free(&method);
  }
cleanup:
  outputs_free(&oracle);
  outputs_free(&method);
  free(forget);
  free(retain);
  free(sample);
  free(scratch);
  return err;
}

a2d_err a2d_stage_evaluate(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  a2d_summary_table table = {0};
  char names[16][64];
  const char *methods[16];
  int nmethods, form, nforget = a2d_deck_named_count(ctx->deck, "forget");
  int64_t dims[8];
  int rank;

  /* ---- the methods and forget sets of the deck, the data's size ---- */
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
  A2D_TRY(a2d_deck_enum(ctx->deck, "evaluate", "klom", &form)); /* a2d|benchmark */
  A2D_TRY(a2d_store_delete(ctx->store, "/eval"));
  a2d_log("evaluate: KLoM of %d methods against the oracles on %d forget sets", nmethods, nforget);

  /* ---- forget set by forget set ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, "evaluate", "forget sets", nforget, 0);
  for (int f = 0; f < nforget; f++) {
    const char *name, *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &name, &spec));
    A2D_TRY(evaluate_forget_set(ctx, (a2d_klom_form)form, name, methods, nmethods, n, nv, &table));
    a2d_progress_update(&progress, f + 1);
  }
  A2D_TRY(a2d_summary_write(ctx->store, &table));
  A2D_TRY(a2d_store_set_string(ctx->store, "/eval", "klom", form ? "benchmark" : "a2d"));
  a2d_log("evaluate: %lld rows in /eval/summary; `a2d report DECK` prints them",
          (long long)table.nrows);
cleanup:
  a2d_summary_free(&table);
  return err;
}
