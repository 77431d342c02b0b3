/*
 * tune.c - stage `tune`: held-out tuning of every method's settings (tune.h).
 *
 * Phases: the tuning twins (forget.h), their oracles (oracle.h, on streams of
 * their own), every method's configurations from the first [tune] models base
 * models on every twin (unlearn_runner.h, checkpointed), then the criterion
 * of each configuration and the choice.  Configuration c of method m draws
 * each key of [tune.<m>] in the section's order from ([tune] seed, m, c)
 * (a2d/tune_space.h); keys without a space keep the deck's value.  A method
 * without a space has one configuration, the deck's values.
 *
 * Criterion: the mean over the twins of (KLoM95 forget + KLoM95 retain) / 2,
 * KLoM95 being the 95th percentile of KLoM over the twin's forget points or
 * a seeded sample of [tune] retain_points of its retain points, between the
 * configuration's unlearned models and the twin's oracles.  The lowest wins;
 * a tie goes to the earlier configuration, a configuration with a NaN (a
 * diverged fine-tune) loses to any finite one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/klom.h"
#include "a2d/parallel.h"
#include "a2d/tune_space.h"
#include "forget.h"
#include "oracle.h"
#include "tune.h"
#include "unlearn_runner.h"

#define TUNE_MAX_KEYS 16
#define TUNE_VALUE 64

/* One key of a method's space. */
typedef struct tune_key {
  const char *name, *text; /* valid while the deck lives */
  char origin[600];        /* "deck.ini:12: [tune.dmm] lr" */
  a2d_space space;
} tune_key;

/* One method: its space, configurations and their decks. */
typedef struct tune_method {
  const a2d_unlearn_method *m;
  int nkeys, nconfigs;
  tune_key keys[TUNE_MAX_KEYS];
  char (*values)[TUNE_MAX_KEYS][TUNE_VALUE]; /* [config][key] */
  a2d_deck **decks;                          /* [config] */
} tune_method;

static void method_free(tune_method *t) {
  for (int k = 0; k < t->nkeys; k++) a2d_space_free(&t->keys[k].space);
  for (int c = 0; t->decks && c < t->nconfigs; c++) a2d_deck_free(&t->decks[c]);
  free(t->decks);
  free(t->values);
  memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ decks */

/* "unlearn.<m>.<k>=<v>;..." of configuration c into buf. */
static void config_assignments(const tune_method *t, int c, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < t->nkeys && used < size; k++)
    used += (size_t)snprintf(buf + used, size - used, "%sunlearn.%s.%s=%s", k ? ";" : "",
                             t->m->name, t->keys[k].name, t->values[c][k]);
}

/* A copy of deck with one key of t's method set to value; a bad value names the space's origin. */
static a2d_err try_value(const a2d_deck *deck, const tune_method *t, int k, const char *value,
                         a2d_deck **out) {
  char set[TUNE_VALUE + 200];
  snprintf(set, sizeof set, "unlearn.%s.%s=%s", t->m->name, t->keys[k].name, value);
  if (!a2d_deck_copy_with(deck, set, out)) return A2D_OK;
  char why[512];
  snprintf(why, sizeof why, "%s", a2d_error_message());
  a2d_error_clear();
  return A2D_ERROR(A2D_ERR_DECK,
                   "%s: the value %s of this space is not a valid [unlearn.%s] %s (%s)",
                   t->keys[k].origin, value, t->m->name, t->keys[k].name, why);
}

/*
 * Method m's space from [tune.<m>]: every key one of [unlearn.<m>]'s, every
 * space well formed, and its ends (or choices) valid values of the key.
 */
static a2d_err parse_space(const a2d_deck *deck, const a2d_unlearn_method *m, tune_method *t) {
  char section[64], key[160];
  a2d_deck *probe = NULL;
  t->m = m;
  snprintf(section, sizeof section, "tune.%s", m->name);
  const int n = a2d_deck_named_count(deck, section);
  if (n > TUNE_MAX_KEYS)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s]: at most %d keys", a2d_deck_name(deck), section,
                     TUNE_MAX_KEYS);
  for (int k = 0; k < n; k++) {
    tune_key *tk = &t->keys[k];
    A2D_CHECK(a2d_deck_named(deck, section, k, &tk->name, &tk->text));
    snprintf(tk->origin, sizeof tk->origin, "%s: [%s] %s", a2d_deck_origin(deck, section, tk->name),
             section, tk->name);
    snprintf(key, sizeof key, "unlearn.%s.%s", m->name, tk->name);
    const a2d_key_spec *spec = a2d_deck_key_spec(deck, key);
    if (!spec || !strcmp(tk->name, "match") || !strcmp(tk->name, "form"))
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: not a tunable key of [unlearn.%s] (docs/deck.md lists its keys; what "
                       "a method matches and its datamodel form are choices of method, not "
                       "tuning)",
                       tk->origin, m->name);
    A2D_CHECK(a2d_space_parse(tk->text, tk->origin, &tk->space));
    t->nkeys = k + 1;
    char ends[2][TUNE_VALUE];
    const a2d_space *s = &tk->space;
    if (s->kind == A2D_SPACE_CHOICE) {
      for (int c = 0; c < s->nchoices; c++) {
        A2D_CHECK(try_value(deck, t, k, s->choices[c], &probe));
        a2d_deck_free(&probe);
      }
      continue;
    }
    snprintf(ends[0], TUNE_VALUE, s->kind == A2D_SPACE_INT ? "%.0f" : "%.6g", s->lo);
    snprintf(ends[1], TUNE_VALUE, s->kind == A2D_SPACE_INT ? "%.0f" : "%.6g", s->hi);
    for (int e = 0; e < 2; e++) {
      A2D_CHECK(try_value(deck, t, k, ends[e], &probe));
      a2d_deck_free(&probe);
    }
  }
  return A2D_OK;
}

/* Draw t's configurations and make their decks. */
static a2d_err draw_configs(const a2d_deck *deck, int64_t configs, int64_t seed, tune_method *t) {
  char assign[TUNE_MAX_KEYS * (TUNE_VALUE + 80)];
  t->nconfigs = t->nkeys ? (int)configs : 1;
  A2D_CHECK(A2D_CALLOC(t->values, t->nconfigs));
  A2D_CHECK(A2D_CALLOC(t->decks, t->nconfigs));
  for (int c = 0; c < t->nconfigs; c++) {
    a2d_rng rng;
    a2d_space_seed(&rng, (uint64_t)seed, t->m->name, c);
    for (int k = 0; k < t->nkeys; k++)
      a2d_space_draw(&t->keys[k].space, &rng, t->values[c][k], TUNE_VALUE);
    config_assignments(t, c, assign, sizeof assign);
    A2D_CHECK(a2d_deck_copy_with(deck, assign, &t->decks[c]));
  }
  return A2D_OK;
}

/* Every method's space and configurations (t: 16 methods). */
static a2d_err plan_methods(const a2d_deck *deck, tune_method *t, int *count) {
  const a2d_unlearn_method *methods[16];
  int64_t configs, seed;
  A2D_CHECK(a2d_deck_int(deck, "tune", "configs", &configs));
  A2D_CHECK(a2d_deck_int(deck, "tune", "seed", &seed));
  A2D_CHECK(a2d_unlearn_deck_methods(deck, methods, count));
  for (int i = 0; i < *count; i++) {
    A2D_CHECK(parse_space(deck, methods[i], &t[i]));
    if (configs > 0) A2D_CHECK(draw_configs(deck, configs, seed, &t[i]));
  }
  return A2D_OK;
}

/* Whether section has a named entry called name. */
static a2d_err named_has(const a2d_deck *deck, const char *section, const char *name, int *found) {
  const char *entry, *value;
  *found = 0;
  for (int i = 0; i < a2d_deck_named_count(deck, section) && !*found; i++) {
    A2D_CHECK(a2d_deck_named(deck, section, i, &entry, &value));
    *found = !strcmp(entry, name);
  }
  return A2D_OK;
}

/* Every [tune] entry names a forget set; every file forget set has one (when tuning). */
static a2d_err check_twins(const a2d_deck *deck) {
  int64_t configs;
  int found;
  const char *name, *value;
  A2D_CHECK(a2d_deck_int(deck, "tune", "configs", &configs));
  for (int i = 0; i < a2d_deck_named_count(deck, "tune"); i++) {
    A2D_CHECK(a2d_deck_named(deck, "tune", i, &name, &value));
    A2D_CHECK(named_has(deck, "forget", name, &found));
    if (!found)
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [tune] %s: no forget set is called %s; a [tune] entry gives the "
                       "tuning twin of a [forget] set of the same name",
                       a2d_deck_origin(deck, "tune", name), name, name);
  }
  for (int f = 0; configs > 0 && f < a2d_deck_named_count(deck, "forget"); f++) {
    A2D_CHECK(a2d_deck_named(deck, "forget", f, &name, &value));
    if (strncmp(value, "file:", 5) && strcmp(value, "import")) continue;
    A2D_CHECK(named_has(deck, "tune", name, &found));
    if (!found)
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [forget] %s is a given list of points: give its tuning twin as a "
                       "[tune] entry, e.g. \"%s = file:other.txt\"",
                       a2d_deck_origin(deck, "forget", name), name, name);
  }
  return A2D_OK;
}

/* What needs no configuration drawn: the tuning models against the base models, the twins. */
static a2d_err check_budget(const a2d_deck *deck) {
  int64_t models, base, configs;
  A2D_CHECK(a2d_deck_int(deck, "tune", "configs", &configs));
  A2D_CHECK(a2d_deck_int(deck, "tune", "models", &models));
  A2D_CHECK(a2d_deck_int(deck, "train", "models", &base));
  if (configs > 0 && models > base)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [tune] models = %lld exceeds [train] models = %lld: tuning unlearns the "
                     "first base models",
                     a2d_deck_origin(deck, "tune", "models"), (long long)models, (long long)base);
  if (configs > 0) { /* tuning runs the methods and retrains oracles here */
    const a2d_unlearn_method *methods[16];
    int n, train, oracle, imported = 0;
    const char *what = NULL;
    A2D_CHECK(a2d_deck_enum(deck, "train", "source", &train));
    A2D_CHECK(a2d_deck_enum(deck, "oracle", "source", &oracle));
    A2D_CHECK(a2d_unlearn_deck_methods(deck, methods, &n));
    for (int i = 0; i < n && !imported; i++) {
      A2D_CHECK(a2d_unlearn_imported(deck, methods[i], &imported));
      if (imported) what = methods[i]->name;
    }
    if (train || oracle || imported)
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [tune] configs = %lld: held-out tuning runs the methods and "
                       "retrains oracles here, but %s%s %s imported; tune where the models were "
                       "trained, and set configs = 0",
                       a2d_deck_origin(deck, "tune", "configs"), (long long)configs,
                       train    ? "the base models"
                       : oracle ? "the oracles"
                                : "method ",
                       train || oracle ? "" : what, train || oracle ? "are" : "is");
  }
  A2D_CHECK(check_twins(deck));
  return A2D_OK;
}

a2d_err a2d_stage_tune_check(const a2d_deck *deck) {
  tune_method t[16] = {0};
  int n = 0;
  a2d_err err = A2D_OK;
  A2D_TRY(check_budget(deck));
  A2D_TRY(plan_methods(deck, t, &n));
cleanup:
  for (int i = 0; i < 16; i++) method_free(&t[i]);
  return err;
}

a2d_err a2d_tune_chosen_deck(a2d_context *ctx, a2d_deck **out) {
  a2d_err err = A2D_OK;
  const a2d_unlearn_method *methods[16];
  int n, exists;
  int64_t configs = 0;
  char *all = NULL, *chosen = NULL, group[128];
  size_t len = 1;
  A2D_TRY(a2d_unlearn_deck_methods(ctx->deck, methods, &n));
  A2D_TRY(a2d_store_exists(ctx->store, "/tune", &exists));
  if (exists) A2D_TRY(a2d_store_get_int(ctx->store, "/tune", "configs", &configs, &exists));
  A2D_TRY(a2d_calloc(len, 1, &all));
  for (int i = 0; configs > 0 && i < n; i++) {
    snprintf(group, sizeof group, "/tune/%s", methods[i]->name);
    A2D_TRY(a2d_store_exists(ctx->store, group, &exists));
    if (!exists)
      A2D_FAIL(A2D_ERR_DATA, "%s: %s is missing; rerun stage tune", a2d_store_path(ctx->store),
               group);
    A2D_TRY(a2d_store_get_string(ctx->store, group, "chosen", &chosen));
    len += strlen(chosen) + 1;
    char *bigger = realloc(all, len);
    if (!bigger) A2D_FAIL(A2D_ERR_MEM, "out of memory reading the chosen settings");
    all = bigger;
    if (*chosen) {
      if (*all) strcat(all, ";");
      strcat(all, chosen);
    }
    free(chosen);
    chosen = NULL;
  }
  A2D_TRY(a2d_deck_copy_with(ctx->deck, all, out));
cleanup:
  free(all);
  free(chosen);
  return err;
}

/* ------------------------------------------------------------ the criterion */

/* One twin as the criterion sees it: its points and its oracles' margins (rows x n). */
typedef struct twin {
  int64_t *points, nforget, npoints; /* forget points, then the retain sample */
  float *oracle;
  int64_t noracles;
} twin;

/* Read twin f: its forget points, a seeded retain sample, its oracles' margins. */
static a2d_err read_twin(a2d_context *ctx, const char *set, const char *name, int64_t n,
                         int64_t want, int64_t seed, int64_t noracles, twin *t) {
  a2d_err err = A2D_OK;
  int64_t *forget = NULL, *retain = NULL, *sample = NULL, nforget, nretain, nsample;
  char path[300];
  A2D_TRY(a2d_stage_read_forget(ctx, set, n, &forget, &nforget, &retain, &nretain));
  A2D_TRY(a2d_stage_retain_sample(name, seed, A2D_STREAM_TUNE_RETAIN, want, retain, nretain,
                                  &sample, &nsample));
  A2D_TRY(A2D_CALLOC(t->points, nforget + nsample + 1));
  memcpy(t->points, forget, (size_t)nforget * sizeof *forget);
  memcpy(t->points + nforget, sample, (size_t)nsample * sizeof *sample);
  t->nforget = nforget;
  t->npoints = nforget + nsample;
  t->noracles = noracles;
  A2D_TRY(A2D_CALLOC(t->oracle, noracles * n));
  snprintf(path, sizeof path, "/tune/oracle/%s/margins_train", name);
  A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_F32, 0, noracles, t->oracle));
cleanup:
  free(forget);
  free(retain);
  free(sample);
  return err;
}

/*
 * KLoM95 over the forget points and over the retain sample of models u (rows
 * x width; point p in column column[p]) against t;
 * NaN when a model diverged (its margins are NaN, and so is every point's KLoM).
 */
static void twin_klom95(const twin *t, const float *u, int64_t rows, int64_t width,
                        const int64_t *column, int64_t n, a2d_klom_form form, double *scratch,
                        double *forget, double *retain) {
  for (int64_t i = 0; i < t->npoints; i++) {
    const int64_t p = t->points[i];
    scratch[i] = a2d_klom(u + column[p], rows, width, t->oracle + p, t->noracles, n, form);
  }
  a2d_summary sf, sr;
  a2d_summarize(scratch, t->nforget, &sf);
  a2d_summarize(scratch + t->nforget, t->npoints - t->nforget, &sr);
  *forget = sf.p95;
  *retain = sr.p95;
}

/* Whether score a beats b (NaN loses to any number). */
static int better(double a, double b) {
  return !isnan(a) && (isnan(b) || a < b);
}

/* Where v sits in key k's range, 0 to 1 (log scale for log spaces); NaN for choices. */
static double position(const tune_key *k, const char *v) {
  const a2d_space *s = &k->space;
  const double x = atof(v);
  if (s->kind == A2D_SPACE_CHOICE || s->hi <= s->lo) return NAN;
  if (s->kind == A2D_SPACE_LOG) return (log(x) - log(s->lo)) / (log(s->hi) - log(s->lo));
  return (x - s->lo) / (s->hi - s->lo);
}

/* Score t's configurations on the twins, write /tune/<method>. */
static a2d_err score_method(a2d_context *ctx, const tune_method *t, const twin *twins, int T,
                            const char *const *twin_names, int64_t rows, int64_t width,
                            const int64_t *column, int64_t n, a2d_klom_form form, float *u,
                            double *scratch) {
  a2d_err err = A2D_OK;
  const int C = t->nconfigs;
  double *score = NULL, *kf = NULL, *kr = NULL;
  char group[128], path[400], assign[TUNE_MAX_KEYS * (TUNE_VALUE + 80)], edges[512] = "";
  A2D_TRY(A2D_CALLOC(score, C));
  A2D_TRY(A2D_CALLOC(kf, C * T));
  A2D_TRY(A2D_CALLOC(kr, C * T));
  int best = 0;
  for (int c = 0; c < C; c++) {
    double sum = 0;
    for (int f = 0; f < T; f++) {
      snprintf(path, sizeof path, "/tune/runs/%s/%d/%s/margins_train", t->m->name, c,
               twin_names[f]);
      A2D_TRY(a2d_store_read_rows(ctx->store, path, A2D_F32, 0, rows, u));
      twin_klom95(&twins[f], u, rows, width, column, n, form, scratch, &kf[c * T + f],
                  &kr[c * T + f]);
      sum += (kf[c * T + f] + kr[c * T + f]) / 2;
    }
    score[c] = sum / T;
    if (c > 0 && better(score[c], score[best])) best = c;
  }

  /* ---- the record: scores, every configuration's values, the choice ---- */
  snprintf(group, sizeof group, "/tune/%s", t->m->name);
  int64_t dims[2] = {C, T};
  const int root = ctx->rank == 0;
  const struct {
    const char *name;
    int rank;
    const double *data;
  } record[] = {{"score", 1, score}, {"klom95_forget", 2, kf}, {"klom95_retain", 2, kr}};
  for (size_t r = 0; r < sizeof record / sizeof record[0]; r++) {
    snprintf(path, sizeof path, "%s/%s", group, record[r].name);
    A2D_TRY(a2d_store_create(ctx->store, path, A2D_F64, record[r].rank, dims, NULL, 0));
    A2D_TRY(a2d_store_write_rows(ctx->store, path, A2D_F64, 0, root ? C : 0, record[r].data));
  }
  for (int k = 0; k < t->nkeys; k++) {
    char *values = NULL, attr[96];
    A2D_TRY(a2d_calloc((size_t)C * (TUNE_VALUE + 1) + 1, 1, &values));
    for (int c = 0; c < C; c++) {
      if (c) strcat(values, ",");
      strcat(values, t->values[c][k]);
    }
    snprintf(attr, sizeof attr, "values.%s", t->keys[k].name);
    err = a2d_store_set_string(ctx->store, group, attr, values);
    free(values);
    A2D_TRY(err);
    snprintf(attr, sizeof attr, "space.%s", t->keys[k].name);
    A2D_TRY(a2d_store_set_string(ctx->store, group, attr, t->keys[k].text));
    const double at = position(&t->keys[k], t->values[best][k]);
    if (at < 0.1 || at > 0.9) {
      if (*edges) strcat(edges, ",");
      strncat(edges, t->keys[k].name, sizeof edges - strlen(edges) - 1);
    }
  }
  assign[0] = '\0';
  if (t->nkeys) config_assignments(t, best, assign, sizeof assign);
  A2D_TRY(a2d_store_set_string(ctx->store, group, "chosen", assign));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "edges", edges));
  A2D_TRY(a2d_store_set_int(ctx->store, group, "best", best));
  A2D_TRY(a2d_store_set_int(ctx->store, group, "configs", C));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "best_score", score[best]));
  a2d_log("tune: %s: best of %d: %s (score %.3f)%s%s", t->m->name, C,
          t->nkeys ? assign : "the deck's settings (no space)", score[best],
          *edges ? "; in the outer 10% of its range: " : "", edges);
cleanup:
  free(score);
  free(kf);
  free(kr);
  return err;
}

/* ------------------------------------------------------------ the stage */

a2d_err a2d_stage_tune(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  tune_method t[16] = {0};
  twin *twins = NULL;
  char **sets = NULL, **names = NULL, **groups = NULL, *list = NULL;
  a2d_unlearn_job *jobs = NULL;
  float *u = NULL;
  double *scratch = NULL;
  int nmethods = 0, T = 0, njobs = 0, form;
  int64_t configs, models, oracles, seed, want, per_rank, n, npoints = 0;
  int64_t *points = NULL, *column = NULL; /* the criterion's points; column of each (or -1) */

  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "configs", &configs));
  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "models", &models));
  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "oracles", &oracles));
  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "seed", &seed));
  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "retain_points", &want));
  A2D_TRY(a2d_deck_int(ctx->deck, "tune", "chunk", &per_rank));
  A2D_TRY(a2d_deck_enum(ctx->deck, "evaluate", "klom", &form));
  A2D_TRY(a2d_store_group(ctx->store, "/tune"));
  A2D_TRY(a2d_store_set_int(ctx->store, "/tune", "configs", configs));
  if (configs == 0) {
    a2d_log("tune: off ([tune] configs = 0): every method runs with the deck's settings");
    goto cleanup;
  }
  A2D_TRY(a2d_agree(ctx->comm, check_budget(ctx->deck)));
  A2D_TRY(a2d_agree(ctx->comm, plan_methods(ctx->deck, t, &nmethods)));

  /* ---- the tuning twins and their oracles ---- */
  A2D_TRY(a2d_forget_draw_twins(ctx, "/tune/sets", &T));
  A2D_TRY(A2D_CALLOC(sets, T));
  A2D_TRY(A2D_CALLOC(names, T));
  A2D_TRY(A2D_CALLOC(groups, T));
  for (int f = 0; f < T; f++) {
    const char *name, *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &name, &spec));
    A2D_TRY(A2D_CALLOC(sets[f], 300));
    A2D_TRY(A2D_CALLOC(names[f], 300));
    A2D_TRY(A2D_CALLOC(groups[f], 300));
    snprintf(names[f], 300, "tune_%s", name);
    snprintf(sets[f], 300, "/tune/sets/%s", names[f]);
    snprintf(groups[f], 300, "/tune/oracle/%s", names[f]);
  }
  a2d_log("tune: %lld oracles x %d tuning sets", (long long)oracles, T);
  a2d_oracle_plan oplan = {.label = "tune oracles",
                           .state = "/tune/oracle",
                           .nsets = T,
                           .sets = (const char *const *)sets,
                           .keys = (const char *const *)names,
                           .groups = (const char *const *)groups,
                           .per_set = oracles,
                           .seed = seed,
                           .per_rank = per_rank,
                           .stream_init = A2D_STREAM_TUNE_ORACLE_INIT,
                           .stream_order = A2D_STREAM_TUNE_ORACLE_ORDER};
  A2D_TRY(a2d_oracles_run(ctx, &oplan));

  /* ---- the points the criterion reads: every twin's forget points and retain sample ---- */
  int present;
  A2D_TRY(a2d_store_get_int(ctx->store, "/forget", "n_train", &n, &present));
  if (!present)
    A2D_FAIL(A2D_ERR_DATA, "%s: /forget has no attribute n_train; rerun stage forget",
             a2d_store_path(ctx->store));
  A2D_TRY(A2D_CALLOC(twins, T));
  for (int f = 0; f < T; f++)
    A2D_TRY(read_twin(ctx, sets[f], names[f], n, want, seed, oracles, &twins[f]));
  A2D_TRY(A2D_CALLOC(column, n));
  for (int64_t p = 0; p < n; p++) column[p] = -1;
  for (int f = 0; f < T; f++)
    for (int64_t i = 0; i < twins[f].npoints; i++) column[twins[f].points[i]] = 0;
  A2D_TRY(A2D_CALLOC(points, n));
  for (int64_t p = 0; p < n; p++)
    if (column[p] == 0) column[p] = npoints, points[npoints++] = p;
  const int64_t pdims[1] = {npoints};
  A2D_TRY(a2d_store_create(ctx->store, "/tune/points", A2D_I64, 1, pdims, NULL, 0));
  A2D_TRY(a2d_store_write_rows(ctx->store, "/tune/points", A2D_I64, 0, ctx->rank ? 0 : npoints,
                               points));
  a2d_log("tune: unlearned models' outputs on the %lld points the criterion reads",
          (long long)npoints);

  /* ---- every configuration of every method on every twin ---- */
  for (int i = 0; i < nmethods; i++) njobs += t[i].nconfigs * T;
  A2D_TRY(A2D_CALLOC(jobs, njobs));
  njobs = 0;
  for (int i = 0; i < nmethods; i++)
    for (int c = 0; c < t[i].nconfigs; c++)
      for (int f = 0; f < T; f++, njobs++) {
        jobs[njobs] = (a2d_unlearn_job){.method = t[i].m, .deck = t[i].decks[c], .set = f};
        snprintf(jobs[njobs].group, sizeof jobs[njobs].group, "/tune/runs/%s/%d/%s", t[i].m->name,
                 c, names[f]);
      }
  a2d_log("tune: %d configurations x %d tuning sets x %lld base models = %lld tasks", njobs / T, T,
          (long long)models, (long long)(njobs * models));
  a2d_unlearn_batch batch = {.label = "tune",
                             .state = "/tune/runs",
                             .nsets = T,
                             .sets = (const char *const *)sets,
                             .keys = (const char *const *)names,
                             .njobs = njobs,
                             .jobs = jobs,
                             .models = models,
                             .per_rank = per_rank,
                             .keep_teachers = 1,
                             .diverged_as_nan = 1,
                             .points = points,
                             .npoints = npoints};
  A2D_TRY(a2d_unlearn_run(ctx, &batch));

  /* ---- the criterion and the choice ---- */
  A2D_TRY(A2D_CALLOC(u, models * npoints + 1));
  A2D_TRY(A2D_CALLOC(scratch, n + 1));
  for (int i = 0; i < nmethods; i++)
    A2D_TRY(score_method(ctx, &t[i], twins, T, (const char *const *)names, models, npoints, column,
                         n, (a2d_klom_form)form, u, scratch));
  A2D_TRY(a2d_calloc((size_t)T * 300 + 1, 1, &list));
  for (int f = 0; f < T; f++) {
    if (f) strcat(list, ",");
    strcat(list, names[f]);
  }
  A2D_TRY(a2d_store_set_string(ctx->store, "/tune", "sets", list));
  A2D_TRY(a2d_store_set_int(ctx->store, "/tune", "models", models));
  A2D_TRY(a2d_store_set_int(ctx->store, "/tune", "oracles", oracles));
  A2D_TRY(a2d_store_set_string(ctx->store, "/tune", "criterion",
                               "mean over the tuning sets of (KLoM95 forget + KLoM95 retain) / 2"));
cleanup:
  for (int i = 0; i < 16; i++) method_free(&t[i]);
  for (int f = 0; f < T; f++) {
    if (twins) free(twins[f].points), free(twins[f].oracle);
    if (sets) free(sets[f]);
    if (names) free(names[f]);
    if (groups) free(groups[f]);
  }
  free(twins);
  free(points);
  free(column);
  free(sets);
  free(names);
  free(groups);
  free(jobs);
  free(list);
  free(u);
  free(scratch);
  return err;
}
