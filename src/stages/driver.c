/* driver.c - stage bookkeeping around each stage's run function (a2d/stage.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "a2d/memory.h"
#include "a2d/node.h"
#include "a2d/parallel.h"
#include "a2d/provenance.h"
#include "a2d/stage.h"
#include "a2d/text.h"
#include "a2d/version.h"

/*
 * The stage's peak proportional set size: the largest of any rank, and the
 * largest over nodes of the sum of their ranks' peaks (collective).
 */
static a2d_err peak_pss(MPI_Comm comm, double *per_rank, double *per_node) {
  a2d_node node;
  double mine = a2d_memory_peak_pss_mib(), sum = 0;
  A2D_CHECK(a2d_node_create(comm, &node));
  a2d_err err = A2D_MPI(MPI_Allreduce(&mine, per_rank, 1, MPI_DOUBLE, MPI_MAX, comm));
  if (!err) err = A2D_MPI(MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, node.node));
  if (!err) err = A2D_MPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_MAX, comm));
  *per_node = sum;
  A2D_CLEANUP(a2d_node_free(&node));
  return err;
}

/* "/stages/<name>": where a stage's bookkeeping attributes live. */
static void marks_group(const a2d_stage *stage, char *buf, size_t size) {
  snprintf(buf, size, "/stages/%s", stage->name);
}

a2d_err a2d_stage_state(a2d_context *ctx, const a2d_stage *stage, char *state, size_t size) {
  char group[128], *value = NULL;
  marks_group(stage, group, sizeof group);
  A2D_CHECK(a2d_store_get_string(ctx->store, group, "state", &value));
  snprintf(state, size, "%s", value ? value : "absent");
  free(value);
  return A2D_OK;
}

/* Whether stage `a` needs stage `b`, directly or through other stages. */
static int depends_on(const a2d_stage *a, const a2d_stage *b) {
  if (a2d_list_has(a->needs, b->name)) return 1;
  for (const a2d_stage *s = a2d_stages; s->name; s++)
    if (s != a && a2d_list_has(a->needs, s->name) && depends_on(s, b)) return 1;
  return 0;
}

/* Length of the "[section] key =" prefix of a config line. */
static size_t key_prefix(const char *line, size_t len) {
  const char *eq = memchr(line, '=', len);
  return eq ? (size_t)(eq - line) : len;
}

/* Find the line of `text` with the same key prefix as line[0..plen); NULL if none. */
static const char *find_key_line(const char *text, const char *line, size_t plen, size_t *len) {
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    if (key_prefix(p, l) == plen && !strncmp(p, line, plen)) return *len = l, p;
    p = nl ? nl + 1 : p + l;
  }
  return NULL;
}

/*
 * Describe the first key whose value differs between the recorded and the
 * current stage config: "[data] n_train = 1000 when computed, 2000 in the deck".
 */
static void describe_change(const char *old, const char *now, char *buf, size_t size) {
  const char *texts[2] = {now, old};
  for (int pass = 0; pass < 2; pass++) {
    for (const char *p = texts[pass]; *p;) {
      const char *nl = strchr(p, '\n');
      size_t l = nl ? (size_t)(nl - p) : strlen(p), other_len = 0;
      size_t plen = key_prefix(p, l);
      const char *other = find_key_line(texts[1 - pass], p, plen, &other_len);
      if (!other || other_len != l || strncmp(other, p, l)) {
        const char *new_line = pass == 0 ? p : other, *old_line = pass == 0 ? other : p;
        size_t new_len = pass == 0 ? l : other_len, old_len = pass == 0 ? other_len : l;
        snprintf(buf, size, "%.*s: was \"%.*s\" when computed, the deck now gives \"%.*s\"",
                 (int)(plen > 0 ? plen - 1 : 0), p, (int)(old_line ? old_len - plen - 2 : 6),
                 old_line ? old_line + plen + 2 : "(none)",
                 (int)(new_line ? new_len - plen - 2 : 6),
                 new_line ? new_line + plen + 2 : "(none)");
        return;
      }
      p = nl ? nl + 1 : p + l;
    }
  }
  snprintf(buf, size, "(no difference found)");
}

/*
 * Whether a key line of the current config, missing from the recorded one, is
 * a key the deck leaves at its default: a key added to a2d after the stage
 * ran, whose default keeps what a2d did before (a rule for every new key).
 */
static int new_default_key(const a2d_deck *deck, const char *line, size_t plen) {
  char section[64], key[64];
  const char *close = memchr(line, ']', plen);
  if (line[0] != '[' || !close) return 0;
  const size_t slen = (size_t)(close - line - 1);
  const char *k = close + 2;
  size_t klen = plen > (size_t)(k - line) ? plen - (size_t)(k - line) : 0;
  while (klen && k[klen - 1] == ' ') klen--;
  if (!slen || slen >= sizeof section || !klen || klen >= sizeof key) return 0;
  memcpy(section, line + 1, slen), section[slen] = '\0';
  memcpy(key, k, klen), key[klen] = '\0';
  return !strcmp(a2d_deck_origin(deck, section, key), "default");
}

/*
 * Whether the recorded config `old` and the current one `now` agree: the
 * same lines, except keys of `now` that `old` lacks and the deck leaves at
 * their defaults (new_default_key).
 */
static int configs_agree(const a2d_deck *deck, const char *old, const char *now) {
  if (!strcmp(old, now)) return 1;
  for (int pass = 0; pass < 2; pass++) {
    const char *text = pass ? old : now, *other = pass ? now : old;
    for (const char *p = text; *p;) {
      const char *nl = strchr(p, '\n');
      size_t l = nl ? (size_t)(nl - p) : strlen(p), other_len = 0;
      const size_t plen = key_prefix(p, l);
      const char *match = find_key_line(other, p, plen, &other_len);
      if (match && (other_len != l || strncmp(match, p, l))) return 0;
      if (!match && (pass || !new_default_key(deck, p, plen))) return 0;
      p = nl ? nl + 1 : p + l;
    }
  }
  return 1;
}

/* The stage's config text: its deck keys, plus its fingerprint of named inputs. */
static a2d_err stage_config(a2d_context *ctx, const a2d_stage *stage, char **text) {
  char *extra = NULL, *joined;
  A2D_CHECK(a2d_deck_stage_config(ctx->deck, stage->name, text));
  if (!stage->fingerprint) return A2D_OK;
  a2d_err err = stage->fingerprint(ctx->deck, &extra);
  if (!err && extra && extra[0]) {
    size_t n = strlen(*text) + strlen(extra) + 1;
    joined = malloc(n);
    if (!joined) {
      err = A2D_ERROR(A2D_ERR_MEM, "out of memory for the config of stage %s", stage->name);
    } else {
      snprintf(joined, n, "%s%s", *text, extra);
      free(*text);
      *text = joined;
    }
  }
  free(extra);
  if (err) {
    free(*text);
    *text = NULL;
  }
  return err;
}

/* Refuse to build on `stage` if it was computed with other deck keys than the deck's. */
static a2d_err check_config(a2d_context *ctx, const a2d_stage *stage, const char *what) {
  char group[128], *old = NULL, *now = NULL, change[1024];
  marks_group(stage, group, sizeof group);
  A2D_CHECK(a2d_store_get_string(ctx->store, group, "config", &old));
  a2d_err err = stage_config(ctx, stage, &now);
  if (!err && old && !configs_agree(ctx->deck, old, now)) {
    describe_change(old, now, change, sizeof change);
    err = A2D_ERROR(A2D_ERR_STATE,
                    "%s: stage %s %s with other deck values: %s; rerun with `a2d %s DECK "
                    "--force` to recompute it (later stages become stale), or use another "
                    "[output] path",
                    a2d_store_path(ctx->store), stage->name, what, change, stage->name);
  }
  free(old);
  free(now);
  A2D_CHECK(err);
  return A2D_OK;
}

/* Check that every stage `stage` needs is complete and matches the deck. */
static a2d_err check_needs(a2d_context *ctx, const a2d_stage *stage) {
  char state[32];
  for (const a2d_stage *s = a2d_stages; s->name; s++) {
    if (!a2d_list_has(stage->needs, s->name)) continue;
    A2D_CHECK(a2d_stage_state(ctx, s, state, sizeof state));
    if (strcmp(state, "complete"))
      return A2D_ERROR(A2D_ERR_STATE,
                       "%s: stage %s needs stage %s, which is %s; run `a2d %s DECK` or `a2d run "
                       "DECK` first",
                       a2d_store_path(ctx->store), stage->name, s->name, state, s->name);
    A2D_CHECK(check_config(ctx, s, "was computed"));
  }
  return A2D_OK;
}

/* Mark every complete stage that depends on `stage` stale. */
static a2d_err mark_dependents_stale(a2d_context *ctx, const a2d_stage *stage) {
  char state[32], group[128];
  for (const a2d_stage *s = a2d_stages; s->name; s++) {
    if (!depends_on(s, stage)) continue;
    A2D_CHECK(a2d_stage_state(ctx, s, state, sizeof state));
    if (strcmp(state, "complete")) continue;
    marks_group(s, group, sizeof group);
    A2D_CHECK(a2d_store_set_string(ctx->store, group, "state", "stale"));
    a2d_log("%s: marked stale (it depends on %s)", s->name, stage->name);
  }
  return A2D_OK;
}

/*
 * Decide what to do with `stage`: *skip when it is complete for this deck;
 * otherwise set ctx->resume when an interrupted run of the same keys left
 * partial results.  Refuses when prerequisites are missing or keys changed.
 */
static a2d_err plan_stage(a2d_context *ctx, const a2d_stage *stage, const char *config, int *skip) {
  char group[128], state[32], *old = NULL;
  marks_group(stage, group, sizeof group);
  *skip = 0;
  A2D_CHECK(check_needs(ctx, stage));
  A2D_CHECK(a2d_stage_state(ctx, stage, state, sizeof state));
  A2D_CHECK(a2d_store_get_string(ctx->store, group, "config", &old));
  int same = old && configs_agree(ctx->deck, old, config);
  free(old);
  if (!strcmp(state, "complete") && !ctx->force) {
    A2D_CHECK(check_config(ctx, stage, "is complete but was computed"));
    *skip = 1;
  }
  ctx->resume = !ctx->force && same && !strcmp(state, "running");
  ctx->stage = stage->name;
  return A2D_OK;
}

a2d_err a2d_stage_execute(a2d_context *ctx, const a2d_stage *stage) {
  a2d_err err = A2D_OK;
  char group[128], now_text[64], fault[160], *config = NULL, changed[2048];
  int skip = 0;
  a2d_provenance setup;
  marks_group(stage, group, sizeof group);
  A2D_TRY(a2d_agree(ctx->comm, stage_config(ctx, stage, &config)));
  A2D_TRY(a2d_agree(ctx->comm, plan_stage(ctx, stage, config, &skip)));
  if (skip) {
    a2d_log("%s: complete, skipped (--force recomputes it)", stage->name);
    goto cleanup;
  }

  /* ---- begin: a fresh run starts from an empty group; mark running ---- */
  if (!ctx->resume && stage->group) A2D_TRY(a2d_store_delete(ctx->store, stage->group));
  A2D_TRY(a2d_utc_time(ctx->comm, now_text, sizeof now_text));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "state", "running"));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "config", config));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "started", now_text));
  A2D_TRY(a2d_store_set_int(ctx->store, group, "ranks", ctx->size));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "a2d_version", A2D_VERSION));
  A2D_TRY(mark_dependents_stale(ctx, stage));
  A2D_TRY(a2d_agree(ctx->comm, a2d_provenance_gather(ctx->comm, &setup)));
  A2D_TRY(a2d_provenance_record(ctx->store, group, &setup, ctx->resume, changed, sizeof changed));
  A2D_TRY(a2d_store_flush(ctx->store));
  a2d_log("%s: %s%s", stage->name, ctx->resume ? "resuming: " : "", stage->summary);
  if (changed[0])
    a2d_log(
        "%s: warning: resumed on another setup than the interrupted run (%s); its results "
        "agree with an uninterrupted run's to rounding, not bit for bit (%s/runs)",
        stage->name, changed, group);

  /* ---- run, then mark complete only once the data is on disk ---- */
  double t0 = a2d_now();
  a2d_memory_reset_peak();
  const char *why = NULL;
  if (stage->idle) A2D_TRY(a2d_agree(ctx->comm, stage->idle(ctx->deck, &why)));
  if (why)
    a2d_log("%s: nothing to do (%s)", stage->name, why);
  else
    A2D_TRY(a2d_agree(ctx->comm, stage->run(ctx)));
  A2D_TRY(a2d_store_flush(ctx->store));
  snprintf(fault, sizeof fault, "%s:before-complete", stage->name);
  a2d_fault_point(fault);
  double seconds = a2d_now() - t0;
  /* Peak resident memory of the largest rank so far (Linux reports kB). */
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  long peak = usage.ru_maxrss, largest = 0;
  A2D_TRY_MPI(MPI_Allreduce(&peak, &largest, 1, MPI_LONG, MPI_MAX, ctx->comm));
  double pss_rank = 0, pss_node = 0;
  A2D_TRY(peak_pss(ctx->comm, &pss_rank, &pss_node));
  A2D_TRY(a2d_utc_time(ctx->comm, now_text, sizeof now_text));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "finished", now_text));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "seconds", seconds));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "peak_memory_mib", (double)largest / 1024.0));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "peak_pss_mib", pss_rank));
  A2D_TRY(a2d_store_set_real(ctx->store, group, "peak_pss_node_mib", pss_node));
  A2D_TRY(a2d_store_set_string(ctx->store, group, "state", "complete"));
  A2D_TRY(a2d_store_flush(ctx->store));
  a2d_log(
      "%s: complete in %.1f s, peak memory %.0f MiB per rank (Pss %.0f MiB per rank, %.0f "
      "MiB per node)",
      stage->name, seconds, (double)largest / 1024.0, pss_rank, pss_node);
cleanup:
  free(config);
  return err;
}
