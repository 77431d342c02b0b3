/*
 * forget.c - stage `forget`: draw the forget sets named in the deck's
 * [forget] section into /forget/<name>/indices.
 *
 * Specs: random:K (K random training points), class:C:K (K random points of
 * class C), cluster:J:K (the K points nearest the centre of k-means cluster J,
 * a2d/kmeans.h) and file:PATH (an index list, a2d/index_list.h; a relative
 * PATH is relative to the deck's folder).  A random set is drawn from
 * ([forget] seed, A2D_STREAM_FORGET, a2d_rng_key(name, 0)), so it depends on
 * its name and spec only, not on the other sets or the rank count.
 *
 * Order of work: every spec is parsed, then checked against the training set
 * (and index files read) before the clustering, so a typo fails at once.
 * Every rank does the cheap work itself; k-means runs on rank 0 and is
 * broadcast; rank 0 writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/index_list.h"
#include "a2d/kmeans.h"
#include "a2d/parallel.h"
#include "a2d/rng.h"
#include "a2d/text.h"
#include "stage_util.h"

typedef enum set_kind { SET_RANDOM, SET_CLASS, SET_CLUSTER, SET_FILE, SET_IMPORT } set_kind;

/* One forget set: its deck entry, what it asks for, and (once drawn) its indices. */
typedef struct forget_set {
  const char *name, *spec; /* valid while the deck lives */
  char origin[512];        /* "deck.ini:LINE" or "--set" */
  set_kind kind;
  int64_t which; /* class C or cluster J */
  int64_t k;     /* points asked for (file sets: the list's length once read) */
  char *path;    /* file sets: the list's path, resolved against the deck's folder */
  int64_t *idx;  /* k sorted indices */
} forget_set;

#define FORMS "expected random:K, class:C:K, cluster:J:K or file:PATH"

/* The [forget] keys and the sets. */
typedef struct forget_plan {
  int64_t seed, clusters, iterations;
  int nsets, any_cluster;
  forget_set *sets;
} forget_plan;

/* Free the sets' paths and indices and the set array. */
static void plan_free(forget_plan *p) {
  for (int i = 0; p->sets && i < p->nsets; i++) {
    free(p->sets[i].path);
    free(p->sets[i].idx);
  }
  free(p->sets);
  memset(p, 0, sizeof *p);
}

/* Parse the non-negative integer field `what` of a spec (text[0..len)). */
static a2d_err parse_field(const forget_set *s, const char *form, const char *what,
                           const char *text, size_t len, int64_t *v) {
  int64_t x = 0;
  int ok = len > 0 && len <= 18;
  for (size_t i = 0; ok && i < len; i++) {
    ok = text[i] >= '0' && text[i] <= '9';
    x = x * 10 + (text[i] - '0');
  }
  if (!ok)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] %s: %s: %s must be a non-negative integer, got \"%.*s\"",
                     s->origin, s->name, form, what, (int)len, text);
  *v = x;
  return A2D_OK;
}

/* Parse one set's spec; fields are checked against the data later (check_set). */
static a2d_err parse_set(const a2d_deck *deck, forget_set *s) {
  const char *v = s->spec, *c1 = NULL, *c2 = NULL;
  if (!strcmp(s->name, "kmeans"))
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] kmeans: the name kmeans is reserved (/forget/kmeans holds the "
                     "clustering); call the set something else",
                     s->origin);
  if (!strcmp(v, "import")) {
    s->kind = SET_IMPORT;
    return A2D_OK;
  }
  if (!strncmp(v, "file:", 5)) {
    if (!v[5])
      return A2D_ERROR(A2D_ERR_DECK, "%s: [forget] %s: expected file:PATH, got \"%s\"", s->origin,
                       s->name, v);
    s->kind = SET_FILE;
    A2D_CHECK(a2d_stage_resolve_path(deck, v + 5, &s->path));
    return A2D_OK;
  }
  static const struct {
    const char *prefix, *form, *first;
    set_kind kind;
    int fields;
  } forms[] = {{"random:", "random:K", NULL, SET_RANDOM, 1},
               {"class:", "class:C:K", "C", SET_CLASS, 2},
               {"cluster:", "cluster:J:K", "J", SET_CLUSTER, 2}};
  for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
    size_t plen = strlen(forms[f].prefix);
    if (strncmp(v, forms[f].prefix, plen)) continue;
    const char *body = v + plen, *end = body + strlen(body);
    c1 = strchr(body, ':');
    c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int fields = c1 ? (c2 ? 3 : 2) : 1;
    if (fields != forms[f].fields)
      return A2D_ERROR(A2D_ERR_DECK, "%s: [forget] %s: expected %s, got \"%s\"", s->origin, s->name,
                       forms[f].form, v);
    s->kind = forms[f].kind;
    if (fields == 1) {
      A2D_CHECK(parse_field(s, forms[f].form, "K", body, (size_t)(end - body), &s->k));
    } else {
      A2D_CHECK(
          parse_field(s, forms[f].form, forms[f].first, body, (size_t)(c1 - body), &s->which));
      A2D_CHECK(parse_field(s, forms[f].form, "K", c1 + 1, (size_t)(end - c1 - 1), &s->k));
    }
    return A2D_OK;
  }
  return A2D_ERROR(A2D_ERR_DECK, "%s: [forget] %s: " FORMS ", got \"%s\"", s->origin, s->name, v);
}

/* Read the [forget] keys and parse every set's spec (no data needed). */
static a2d_err parse_plan(const a2d_deck *deck, forget_plan *p) {
  A2D_CHECK(a2d_deck_int(deck, "forget", "seed", &p->seed));
  A2D_CHECK(a2d_deck_int(deck, "forget", "clusters", &p->clusters));
  A2D_CHECK(a2d_deck_int(deck, "forget", "kmeans_iterations", &p->iterations));
  int nsets = a2d_deck_named_count(deck, "forget");
  if (nsets == 0)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] declares no forget sets; add one such as "
                     "\"random_100 = random:100\"",
                     a2d_deck_name(deck));
  A2D_CHECK(A2D_CALLOC(p->sets, nsets));
  p->nsets = nsets;
  for (int i = 0; i < nsets; i++) {
    forget_set *s = &p->sets[i];
    A2D_CHECK(a2d_deck_named(deck, "forget", i, &s->name, &s->spec));
    snprintf(s->origin, sizeof s->origin, "%s", a2d_deck_origin(deck, "forget", s->name));
    A2D_CHECK(parse_set(deck, s));
    p->any_cluster |= s->kind == SET_CLUSTER;
  }
  return A2D_OK;
}

/* An import set: forget/<name>/indices of the deck's import, in [0, n), no repeats, sorted. */
static int by_value(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static a2d_err read_import_set(const a2d_deck *deck, int64_t n, forget_set *s) {
  a2d_err err = A2D_OK;
  a2d_import *imp = NULL;
  a2d_import_array a;
  char name[160], who[200];
  int64_t dims[1] = {-1};
  snprintf(name, sizeof name, "forget/%s/indices", s->name);
  snprintf(who, sizeof who, "[forget] %s = import", s->name);
  A2D_TRY(a2d_stage_import_open(deck, who, &imp));
  A2D_TRY(a2d_import_expect(imp, name, A2D_IMPORT_INTEGER, 1, dims, &a));
  s->k = dims[0];
  A2D_TRY(A2D_CALLOC(s->idx, s->k));
  A2D_TRY(a2d_import_read_i64(imp, &a, 0, s->k, 0, n - 1, s->idx));
  qsort(s->idx, (size_t)s->k, sizeof *s->idx, by_value);
  for (int64_t i = 1; i < s->k; i++)
    if (s->idx[i] == s->idx[i - 1])
      A2D_FAIL(A2D_ERR_DATA, "%s: %s: training point %lld is listed twice", a2d_import_path(imp),
               name, (long long)s->idx[i]);
cleanup:
  A2D_CLEANUP(a2d_import_close(&imp));
  return err;
}

/* Check one parsed set against the training set; read its index list. */
static a2d_err check_set(const a2d_deck *deck, const forget_plan *p, const a2d_dataset *ds,
                         const int64_t *class_count, forget_set *s) {
  switch (s->kind) {
    case SET_CLASS:
      if (s->which >= ds->classes)
        return A2D_ERROR(A2D_ERR_DECK,
                         "%s: [forget] %s: class %lld is out of range: the training set has %d "
                         "classes (0 to %d)",
                         s->origin, s->name, (long long)s->which, ds->classes, ds->classes - 1);
      if (s->k > class_count[s->which])
        return A2D_ERROR(
            A2D_ERR_DECK, "%s: [forget] %s: class %lld has %lld points, asked for %lld", s->origin,
            s->name, (long long)s->which, (long long)class_count[s->which], (long long)s->k);
      return A2D_OK;
    case SET_CLUSTER:
      if (p->clusters > ds->n)
        return A2D_ERROR(
            A2D_ERR_DECK, "%s: [forget] clusters = %lld exceeds the %lld training points",
            a2d_deck_origin(deck, "forget", "clusters"), (long long)p->clusters, (long long)ds->n);
      if (s->which >= p->clusters)
        return A2D_ERROR(A2D_ERR_DECK,
                         "%s: [forget] %s: cluster %lld is out of range: [forget] clusters = "
                         "%lld (0 to %lld)",
                         s->origin, s->name, (long long)s->which, (long long)p->clusters,
                         (long long)(p->clusters - 1));
      break;
    case SET_RANDOM:
      break;
    case SET_FILE:
      A2D_CHECK(a2d_index_list_read(s->path, ds->n, &s->idx, &s->k));
      return A2D_OK;
    case SET_IMPORT:
      A2D_CHECK(read_import_set(deck, ds->n, s));
      return A2D_OK;
  }
  /* random and cluster sets: K points of the whole training set */
  if (s->k > ds->n)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] %s: asked for %lld points, the training set has %lld", s->origin,
                     s->name, (long long)s->k, (long long)ds->n);
  return A2D_OK;
}

/* Check every set against the training set (rank-local; the caller agrees). */
static a2d_err check_plan(const a2d_deck *deck, forget_plan *p, const a2d_dataset *ds) {
  a2d_err err = A2D_OK;
  int64_t *class_count = NULL;
  A2D_TRY(A2D_CALLOC(class_count, ds->classes));
  for (int64_t i = 0; i < ds->n; i++) class_count[ds->y[i]]++;
  for (int i = 0; i < p->nsets; i++) A2D_TRY(check_set(deck, p, ds, class_count, &p->sets[i]));
cleanup:
  free(class_count);
  return err;
}

/* k-means of the training features on rank 0, broadcast to every rank (collective). */
static a2d_err cluster(a2d_context *ctx, const forget_plan *p, const a2d_dataset *ds,
                       a2d_kmeans *km) {
  const int64_t k = p->clusters, n = ds->n, d = ds->d;
  a2d_err local = A2D_OK;
  if (ctx->rank == 0) local = a2d_kmeans_fit(ds->x, n, d, k, p->iterations, (uint64_t)p->seed, km);
  A2D_CHECK(a2d_agree(ctx->comm, local));
  if (ctx->rank != 0) {
    *km = (a2d_kmeans){n, d, k, NULL, NULL, NULL, 0, 0};
    if (!local) local = A2D_CALLOC(km->centres, k * d);
    if (!local) local = A2D_CALLOC(km->assignment, n);
    if (!local) local = A2D_CALLOC(km->sizes, k);
  }
  A2D_CHECK(a2d_agree(ctx->comm, local));
  int64_t state[2] = {km->iterations, km->converged};
  A2D_CHECK_MPI(MPI_Bcast(state, 2, MPI_INT64_T, 0, ctx->comm));
  A2D_CHECK_MPI(MPI_Bcast(km->centres, (int)(k * d), MPI_FLOAT, 0, ctx->comm));
  A2D_CHECK_MPI(MPI_Bcast(km->assignment, (int)n, MPI_INT32_T, 0, ctx->comm));
  A2D_CHECK_MPI(MPI_Bcast(km->sizes, (int)k, MPI_INT64_T, 0, ctx->comm));
  km->iterations = state[0];
  km->converged = (int)state[1];
  return A2D_OK;
}

/* Draw the indices of a random, class or cluster set (file sets are read already). */
static a2d_err draw_set(const forget_plan *p, const a2d_dataset *ds, const a2d_kmeans *km,
                        forget_set *s) {
  a2d_err err = A2D_OK;
  int64_t *rows = NULL, m = 0;
  a2d_rng rng;
  if (s->kind == SET_FILE || s->kind == SET_IMPORT) return A2D_OK;
  a2d_rng_seed(&rng, (uint64_t)p->seed, A2D_STREAM_FORGET, a2d_rng_key(s->name, 0));
  A2D_TRY(A2D_CALLOC(s->idx, s->k > 0 ? s->k : 1));
  if (s->kind == SET_RANDOM) {
    a2d_rng_choose_sorted(&rng, ds->n, s->k, s->idx);
  } else if (s->kind == SET_CLASS) {
    /* Choose positions among the class's rows, which are increasing. */
    A2D_TRY(A2D_CALLOC(rows, ds->n));
    for (int64_t i = 0; i < ds->n; i++)
      if (ds->y[i] == s->which) rows[m++] = i;
    a2d_rng_choose_sorted(&rng, m, s->k, s->idx);
    for (int64_t i = 0; i < s->k; i++) s->idx[i] = rows[s->idx[i]];
  } else {
    A2D_TRY(a2d_kmeans_nearest(ds->x, ds->n, ds->d, km->centres + s->which * ds->d, s->k, s->idx));
  }
cleanup:
  free(rows);
  return err;
}

/* Write one set's indices under root/<name> (from rank 0) and its attributes. */
static a2d_err write_set(a2d_context *ctx, const char *root, const forget_set *s) {
  char group[300], path[320];
  snprintf(group, sizeof group, "%s/%s", root, s->name);
  snprintf(path, sizeof path, "%s/indices", group);
  A2D_CHECK(a2d_store_create(ctx->store, path, A2D_I64, 1, &s->k, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, path, A2D_I64, 0, ctx->rank == 0 ? s->k : 0, s->idx));
  A2D_CHECK(a2d_store_set_string(ctx->store, group, "spec", s->spec));
  A2D_CHECK(a2d_store_set_int(ctx->store, group, "size", s->k));
  return A2D_OK;
}

/* Write the clustering under /forget/kmeans (from rank 0). */
static a2d_err write_kmeans(a2d_context *ctx, const a2d_kmeans *km) {
  int64_t dims[2] = {km->k, km->d};
  const int root = ctx->rank == 0;
  A2D_CHECK(a2d_store_create(ctx->store, "/forget/kmeans/centres", A2D_F32, 2, dims, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, "/forget/kmeans/centres", A2D_F32, 0, root ? km->k : 0,
                                 km->centres));
  A2D_CHECK(a2d_store_create(ctx->store, "/forget/kmeans/assignment", A2D_I32, 1, &km->n, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, "/forget/kmeans/assignment", A2D_I32, 0,
                                 root ? km->n : 0, km->assignment));
  A2D_CHECK(a2d_store_create(ctx->store, "/forget/kmeans/sizes", A2D_I64, 1, &km->k, NULL, 0));
  A2D_CHECK(a2d_store_write_rows(ctx->store, "/forget/kmeans/sizes", A2D_I64, 0, root ? km->k : 0,
                                 km->sizes));
  A2D_CHECK(a2d_store_set_int(ctx->store, "/forget/kmeans", "iterations", km->iterations));
  A2D_CHECK(a2d_store_set_int(ctx->store, "/forget/kmeans", "converged", km->converged));
  return A2D_OK;
}

a2d_err a2d_stage_forget(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  forget_plan plan = {0};
  a2d_dataset train = {0};
  a2d_kmeans km = {0};
  char *names = NULL;

  /* ---- every spec parsed and checked before any clustering ---- */
  A2D_TRY(a2d_agree(ctx->comm, parse_plan(ctx->deck, &plan)));
  if (plan.any_cluster) /* k-means needs the features; the other kinds the labels */
    A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  else
    A2D_TRY(a2d_stage_read_labels(ctx, "train", &train));
  A2D_TRY(a2d_agree(ctx->comm, check_plan(ctx->deck, &plan, &train)));

  /* ---- clustering, if a set needs it ---- */
  if (plan.any_cluster) {
    A2D_TRY(cluster(ctx, &plan, &train, &km));
    a2d_log(
        "forget: k-means: %lld clusters of %lld points, %lld iterations (%s), sizes %lld "
        "(cluster 0) to %lld",
        (long long)km.k, (long long)km.n, (long long)km.iterations,
        km.converged ? "converged" : "iteration limit", (long long)km.sizes[0],
        (long long)km.sizes[km.k - 1]);
  }
  for (int i = 0; i < plan.nsets; i++)
    A2D_TRY(a2d_agree(ctx->comm, draw_set(&plan, &train, &km, &plan.sets[i])));

  /* ---- write /forget ---- */
  size_t len = 1;
  for (int i = 0; i < plan.nsets; i++) len += strlen(plan.sets[i].name) + 1;
  A2D_TRY(a2d_calloc(len, 1, &names));
  A2D_TRY(a2d_store_group(ctx->store, "/forget")); /* emptied by the driver */
  for (int i = 0; i < plan.nsets; i++) {
    const forget_set *s = &plan.sets[i];
    A2D_TRY(write_set(ctx, "/forget", s));
    if (i) strcat(names, ",");
    strcat(names, s->name);
    a2d_log("forget: %s = %s: %lld points", s->name, s->spec, (long long)s->k);
  }
  if (plan.any_cluster) A2D_TRY(write_kmeans(ctx, &km));
  A2D_TRY(a2d_store_set_string(ctx->store, "/forget", "names", names));
  A2D_TRY(a2d_store_set_int(ctx->store, "/forget", "n_train", train.n));
cleanup:
  plan_free(&plan);
  a2d_dataset_free(&train);
  a2d_kmeans_free(&km);
  free(names);
  return err;
}

/* Deck-only check of the forget sets: every spec parses, every index list reads. */
a2d_err a2d_stage_forget_check(const a2d_deck *deck) {
  a2d_err err = A2D_OK;
  forget_plan p = {0};
  int64_t *idx = NULL, count;
  A2D_TRY(parse_plan(deck, &p));
  for (int i = 0; i < p.nsets; i++)
    if (p.sets[i].kind == SET_CLUSTER && p.sets[i].which >= p.clusters)
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [forget] %s: cluster %lld is out of range: [forget] clusters = %lld (0 to "
               "%lld)",
               p.sets[i].origin, p.sets[i].name, (long long)p.sets[i].which, (long long)p.clusters,
               (long long)(p.clusters - 1));
  for (int i = 0; i < p.nsets; i++) {
    if (p.sets[i].kind != SET_FILE) continue;
    A2D_TRY(a2d_index_list_read(p.sets[i].path, -1, &idx, &count)); /* range: later */
    free(idx);
    idx = NULL;
  }
cleanup:
  plan_free(&p);
  return err;
}

/* The contents of every index file (FNV-1a hash and size), as config lines. */
a2d_err a2d_stage_forget_fingerprint(const a2d_deck *deck, char **text) {
  a2d_err err = A2D_OK;
  forget_plan p = {0};
  char *content = NULL, line[640];
  size_t len, used = 0, cap = 1;
  *text = NULL;
  A2D_TRY(parse_plan(deck, &p));
  A2D_TRY(a2d_calloc(cap, 1, text));
  for (int i = 0; i < p.nsets; i++) {
    if (p.sets[i].kind == SET_IMPORT) {
      char name[160];
      const char *names[1] = {name};
      snprintf(name, sizeof name, "forget/%s/indices", p.sets[i].name);
      A2D_TRY(a2d_stage_import_fingerprint(deck, names, 1, text));
      used = strlen(*text), cap = used + 1;
      continue;
    }
    if (p.sets[i].kind != SET_FILE) continue;
    if (a2d_read_text_file(p.sets[i].path, &content, &len)) {
      a2d_error_clear();
      snprintf(line, sizeof line, "[forget] %s index file = unreadable\n", p.sets[i].name);
    } else {
      uint64_t h = 0xcbf29ce484222325ull;
      for (size_t c = 0; c < len; c++) h = (h ^ (unsigned char)content[c]) * 0x100000001b3ull;
      snprintf(line, sizeof line, "[forget] %s index file = %zu bytes, FNV-1a %016llx\n",
               p.sets[i].name, len, (unsigned long long)h);
    }
    free(content);
    content = NULL;
    char *bigger = realloc(*text, cap + strlen(line));
    if (!bigger) A2D_FAIL(A2D_ERR_MEM, "out of memory fingerprinting the forget sets");
    *text = bigger;
    cap += strlen(line);
    memcpy(*text + used, line, strlen(line) + 1);
    used += strlen(line);
  }
cleanup:
  plan_free(&p);
  if (err) {
    free(*text);
    *text = NULL;
  }
  return err;
}

/* ------------------------------------------------------------ tuning twins */

/* Whether one of sets[0..n) has `kind` and `which`. */
static int which_used(const forget_set *sets, int n, set_kind kind, int64_t which) {
  for (int i = 0; i < n; i++)
    if (sets[i].kind == kind && sets[i].which == which) return 1;
  return 0;
}

/*
 * The twin of reported set r (twin->name set, spec owned by `spec`): [tune]'s
 * entry for it, else derived from r's kind.  `used` holds the reported sets
 * and the twins so far, whose classes and clusters a twin avoids.
 */
static a2d_err derive_twin(const a2d_deck *deck, const forget_plan *p, const forget_set *r,
                           const a2d_dataset *ds, const a2d_kmeans *km, const forget_set *used,
                           int nused, forget_set *twin, char *spec, size_t size) {
  for (int i = 0; i < a2d_deck_named_count(deck, "tune"); i++) {
    const char *name, *value;
    A2D_CHECK(a2d_deck_named(deck, "tune", i, &name, &value));
    if (strcmp(name, r->name)) continue;
    snprintf(spec, size, "%s", value);
    snprintf(twin->origin, sizeof twin->origin, "%s", a2d_deck_origin(deck, "tune", name));
    twin->spec = spec;
    return parse_set(deck, twin);
  }
  *twin = (forget_set){.name = twin->name, .kind = r->kind, .which = r->which, .k = r->k};
  snprintf(twin->origin, sizeof twin->origin, "%.400s (the tuning twin of [forget] %.60s)",
           r->origin, r->name);
  twin->spec = spec;
  if (r->kind == SET_FILE ||
      r->kind == SET_IMPORT) /* tune's check refuses these without an entry */
    return A2D_ERROR(A2D_ERR_INTERNAL, "%s: [forget] %s: an index file without a tuning twin",
                     r->origin, r->name);
  if (r->kind == SET_RANDOM) {
    snprintf(spec, size, "random:%lld", (long long)r->k);
    return A2D_OK;
  }
  if (r->kind == SET_CLASS) {
    for (int64_t step = 1; step < ds->classes; step++) {
      int64_t c = (r->which + step) % ds->classes;
      if (which_used(used, nused, SET_CLASS, c)) continue;
      twin->which = c;
      snprintf(spec, size, "class:%lld:%lld", (long long)c, (long long)r->k);
      return A2D_OK;
    }
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] %s: every class is taken by a forget set or a twin; give its "
                     "tuning twin as a [tune] entry",
                     r->origin, r->name);
  }
  int64_t best = -1, gap = 0;
  for (int64_t j = 0; j < p->clusters; j++) {
    if (which_used(used, nused, SET_CLUSTER, j)) continue;
    int64_t g = km->sizes[j] > km->sizes[r->which] ? km->sizes[j] - km->sizes[r->which]
                                                   : km->sizes[r->which] - km->sizes[j];
    if (best < 0 || g < gap) best = j, gap = g;
  }
  if (best < 0)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [forget] %s: every one of the %lld clusters is taken by a forget set or "
                     "a twin; raise [forget] clusters or give its tuning twin as a [tune] entry",
                     r->origin, r->name, (long long)p->clusters);
  twin->which = best;
  snprintf(spec, size, "cluster:%lld:%lld", (long long)best, (long long)r->k);
  return A2D_OK;
}

a2d_err a2d_forget_draw_twins(a2d_context *ctx, const char *root, int *count) {
  a2d_err err = A2D_OK;
  forget_plan plan = {0}, twins = {0};
  a2d_dataset train = {0};
  a2d_kmeans km = {0};
  forget_set *used = NULL;
  char(*names)[256] = NULL, (*specs)[256] = NULL;

  /* ---- the reported sets ([tune] entries were checked by stage tune's check) ---- */
  A2D_TRY(a2d_agree(ctx->comm, parse_plan(ctx->deck, &plan)));
  A2D_TRY(a2d_stage_read_split(ctx, "train", &train));
  A2D_TRY(a2d_agree(ctx->comm, check_plan(ctx->deck, &plan, &train)));

  /* ---- one twin per set; clusters recomputed as stage forget did ---- */
  int any_cluster = plan.any_cluster;
  for (int i = 0; i < a2d_deck_named_count(ctx->deck, "tune"); i++) {
    const char *name, *value;
    A2D_TRY(a2d_deck_named(ctx->deck, "tune", i, &name, &value));
    any_cluster |= !strncmp(value, "cluster:", 8);
  }
  if (any_cluster) A2D_TRY(cluster(ctx, &plan, &train, &km));
  A2D_TRY(A2D_CALLOC(twins.sets, plan.nsets));
  A2D_TRY(A2D_CALLOC(used, 2 * plan.nsets));
  A2D_TRY(A2D_CALLOC(names, plan.nsets));
  A2D_TRY(A2D_CALLOC(specs, plan.nsets));
  twins =
      (forget_plan){plan.seed, plan.clusters, plan.iterations, plan.nsets, any_cluster, twins.sets};
  memcpy(used, plan.sets, (size_t)plan.nsets * sizeof *used);
  for (int f = 0; f < plan.nsets; f++) {
    forget_set *t = &twins.sets[f];
    snprintf(names[f], sizeof names[f], "tune_%s", plan.sets[f].name);
    t->name = names[f];
    A2D_TRY(a2d_agree(ctx->comm, derive_twin(ctx->deck, &plan, &plan.sets[f], &train, &km, used,
                                             plan.nsets + f, t, specs[f], sizeof specs[f])));
    used[plan.nsets + f] = *t;
  }
  A2D_TRY(a2d_agree(ctx->comm, check_plan(ctx->deck, &twins, &train)));
  for (int f = 0; f < plan.nsets; f++)
    A2D_TRY(a2d_agree(ctx->comm, draw_set(&twins, &train, &km, &twins.sets[f])));

  /* ---- write root/tune_<name> ---- */
  A2D_TRY(a2d_store_delete(ctx->store, root));
  A2D_TRY(a2d_store_group(ctx->store, root));
  for (int f = 0; f < plan.nsets; f++) {
    A2D_TRY(write_set(ctx, root, &twins.sets[f]));
    a2d_log("tune: %s = %s: %lld points (the twin of %s)", twins.sets[f].name, twins.sets[f].spec,
            (long long)twins.sets[f].k, plan.sets[f].name);
  }
  *count = plan.nsets;
cleanup:
  plan_free(&plan);
  plan_free(&twins);
  a2d_dataset_free(&train);
  a2d_kmeans_free(&km);
  free(used);
  free(names);
  free(specs);
  return err;
}
