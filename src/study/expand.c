/* expand.c - a deck's [study] section: its cases, and one deck per case (a2d/study.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "a2d/stage.h"
#include "a2d/study.h"
#include "a2d/text.h"

#define STUDY_MAX_CASES 100000

/* ================================================================ the plan */

/* Split "v1 | v2 | v3" into trimmed values (the deck checked them already). */
static a2d_err split_values(const char *text, char ***values, int *n) {
  *n = 1;
  for (const char *p = text; *p; p++) *n += *p == '|';
  A2D_CHECK(A2D_CALLOC(*values, *n));
  const char *p = text;
  for (int i = 0; i < *n; i++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    while (len && (*p == ' ' || *p == '\t')) p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
    A2D_CHECK(a2d_calloc(len + 1, 1, &(*values)[i]));
    memcpy((*values)[i], p, len);
    p = bar ? bar + 1 : p + len;
  }
  return A2D_OK;
}

/* The last `parts` dot-separated parts of key (the whole key if it has fewer). */
static const char *key_suffix(const char *key, int parts) {
  const char *p = key + strlen(key);
  while (p > key) {
    if (p[-1] == '.' && --parts == 0) break;
    p--;
  }
  return p;
}

/* Tags: per key, the shortest suffix no other key shares at the same length. */
static a2d_err make_tags(a2d_study_plan *plan) {
  A2D_CHECK(A2D_CALLOC(plan->tags, plan->nkeys));
  for (int k = 0; k < plan->nkeys; k++) {
    const char *tag = plan->keys[k];
    for (int parts = 1; parts < 8; parts++) {
      const char *mine = key_suffix(plan->keys[k], parts);
      int unique = 1;
      for (int j = 0; j < plan->nkeys && unique; j++)
        unique = j == k || strcmp(mine, key_suffix(plan->keys[j], parts));
      if (unique) {
        tag = mine;
        break;
      }
    }
    plan->tags[k] = strdup(tag);
    if (!plan->tags[k]) return A2D_ERROR(A2D_ERR_MEM, "out of memory");
  }
  return A2D_OK;
}

a2d_err a2d_study_plan_create(const a2d_deck *deck, a2d_study_plan *plan) {
  a2d_err err = A2D_OK;
  int mode;
  memset(plan, 0, sizeof *plan);
  plan->nkeys = a2d_deck_named_count(deck, "study");
  if (plan->nkeys == 0)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [study] lists no keys to sweep; add one such as "
                     "\"unlearn.dmm.lr = 0.0003 | 0.001\"",
                     a2d_deck_name(deck));
  A2D_TRY(a2d_deck_enum(deck, "study", "mode", &mode));
  plan->zip = mode == 1;
  A2D_TRY(A2D_CALLOC(plan->keys, plan->nkeys));
  A2D_TRY(A2D_CALLOC(plan->nvalues, plan->nkeys));
  A2D_TRY(A2D_CALLOC(plan->values, plan->nkeys));
  plan->ncases = 1;
  for (int k = 0; k < plan->nkeys; k++) {
    const char *name, *text;
    A2D_TRY(a2d_deck_named(deck, "study", k, &name, &text));
    plan->keys[k] = strdup(name);
    if (!plan->keys[k]) A2D_FAIL(A2D_ERR_MEM, "out of memory");
    A2D_TRY(split_values(text, &plan->values[k], &plan->nvalues[k]));
    if (plan->zip && plan->nvalues[k] != plan->nvalues[0])
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [study] mode = zip needs as many values for every key: %s lists %d, %s (%s) "
               "lists %d",
               a2d_deck_name(deck), plan->keys[0], plan->nvalues[0], name,
               a2d_deck_origin(deck, "study", name), plan->nvalues[k]);
    plan->ncases = plan->zip ? plan->nvalues[0] : plan->ncases * plan->nvalues[k];
    if (plan->ncases > STUDY_MAX_CASES)
      A2D_FAIL(A2D_ERR_DECK, "%s: [study] makes more than %d cases", a2d_deck_name(deck),
               STUDY_MAX_CASES);
  }
  /* A grid lists each value once; a zip may repeat values, but no case twice. */
  for (int k = 0; !plan->zip && k < plan->nkeys; k++)
    for (int i = 0; i < plan->nvalues[k]; i++)
      for (int j = 0; j < i; j++)
        if (!strcmp(plan->values[k][i], plan->values[k][j]))
          A2D_FAIL(A2D_ERR_DECK, "%s: [study] %s: value \"%s\" is listed twice",
                   a2d_deck_origin(deck, "study", plan->keys[k]), plan->keys[k],
                   plan->values[k][i]);
  for (int64_t c = 0; plan->zip && c < plan->ncases; c++)
    for (int64_t d = 0; d < c; d++) {
      int same = 1;
      for (int k = 0; k < plan->nkeys && same; k++)
        same = !strcmp(plan->values[k][c], plan->values[k][d]);
      if (same)
        A2D_FAIL(A2D_ERR_DECK,
                 "%s: [study] mode = zip: cases %lld and %lld are the same (every key's value "
                 "equal)",
                 a2d_deck_name(deck), (long long)d, (long long)c);
    }
  A2D_TRY(make_tags(plan));
  return A2D_OK;
cleanup:
  a2d_study_plan_free(plan);
  return err;
}

int a2d_study_value_index(const a2d_study_plan *plan, int64_t c, int k) {
  if (plan->zip) return (int)c;
  int64_t stride = 1;
  for (int j = plan->nkeys - 1; j > k; j--) stride *= plan->nvalues[j];
  return (int)((c / stride) % plan->nvalues[k]);
}

void a2d_study_plan_free(a2d_study_plan *plan) {
  for (int k = 0; k < plan->nkeys; k++) {
    if (plan->keys) free(plan->keys[k]);
    if (plan->tags) free(plan->tags[k]);
    for (int v = 0; plan->values && plan->values[k] && v < plan->nvalues[k]; v++)
      free(plan->values[k][v]);
    if (plan->values) free(plan->values[k]);
  }
  free(plan->keys);
  free(plan->tags);
  free(plan->nvalues);
  free(plan->values);
  memset(plan, 0, sizeof *plan);
}

/* ============================================================= the cases */

/* Case c's name: its zero-padded index, then tag-value per key, safe as a file name. */
static void case_name(const a2d_study_plan *plan, int64_t c, char *buf, size_t size) {
  int width = 3;
  for (int64_t n = plan->ncases - 1; n >= 1000; n /= 10) width++;
  size_t len = (size_t)snprintf(buf, size, "%0*lld", width, (long long)c);
  for (int k = 0; k < plan->nkeys && len + 2 < size; k++) {
    const char *v = plan->values[k][a2d_study_value_index(plan, c, k)];
    len += (size_t)snprintf(buf + len, size - len, "_%s-", plan->tags[k]);
    for (int i = 0; v[i] && i < 40 && len + 1 < size; i++) {
      char ch = v[i];
      int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '+' || ch == '-';
      buf[len++] = keep ? ch : '_';
    }
    buf[len < size ? len : size - 1] = '\0';
  }
}

/* Make a relative `file:` forget list absolute against the base deck's folder. */
static a2d_err absolute_lists(a2d_deck *deck, const char *base_dir) {
  char set[PATH_MAX + 300];
  for (int i = 0; i < a2d_deck_named_count(deck, "forget"); i++) {
    const char *name, *value;
    A2D_CHECK(a2d_deck_named(deck, "forget", i, &name, &value));
    if (strncmp(value, "file:", 5) || value[5] == '/') continue;
    snprintf(set, sizeof set, "forget.%s=file:%s/%s", name, base_dir, value + 5);
    A2D_CHECK(a2d_deck_set(deck, set));
  }
  return A2D_OK;
}

/*
 * The deck of case c: the base deck's effective text reparsed, [study]
 * emptied, the case's values and output set, checked like `a2d check`.
 */
static a2d_err case_deck(const a2d_deck *base, const char *base_text, const char *base_dir,
                         const a2d_study_plan *plan, int64_t c, const char *study_path,
                         char **text) {
  a2d_err err = A2D_OK;
  a2d_deck *deck = NULL;
  char set[8192], *body = NULL;
  *text = NULL;
  A2D_TRY(a2d_deck_parse(a2d_deck_name(base), base_text, &deck));
  a2d_deck_clear_named(deck, "study");
  for (int k = 0; k < plan->nkeys && c >= 0; k++) {
    snprintf(set, sizeof set, "%s=%s", plan->keys[k],
             plan->values[k][a2d_study_value_index(plan, c, k)]);
    A2D_TRY(a2d_deck_set(deck, set));
  }
  snprintf(set, sizeof set, "output.path=%s", study_path);
  A2D_TRY(a2d_deck_set(deck, set));
  A2D_TRY(absolute_lists(deck, base_dir));
  A2D_TRY(a2d_deck_finish(deck));
  A2D_TRY(a2d_stages_check(MPI_COMM_SELF, deck, NULL));
  A2D_TRY(a2d_deck_format(deck, 0, &body));
  /* Replace the "# effective deck of ..." line with the case's own header. */
  const char *rest = strchr(body, '\n');
  size_t cap = strlen(body) + 4096 + (size_t)plan->nkeys * 4200;
  A2D_TRY(a2d_calloc(cap, 1, text));
  size_t len;
  if (c < 0)
    len = (size_t)snprintf(*text, cap,
                           "# a2d study: the stages no case changes (shared.stages), expanded "
                           "from %s by `a2d study expand`.\n# Each case starts from a copy of "
                           "their study file.\n",
                           a2d_deck_name(base));
  else
    len = (size_t)snprintf(*text, cap,
                           "# a2d study case %lld (of 0-%lld), expanded from %s by `a2d study "
                           "expand`.\n# Edit the base deck and expand again rather than this "
                           "file.\n",
                           (long long)c, (long long)plan->ncases - 1, a2d_deck_name(base));
  for (int k = 0; k < plan->nkeys && c >= 0; k++)
    len += (size_t)snprintf(*text + len, cap - len, "#   %s = %s\n", plan->keys[k],
                            plan->values[k][a2d_study_value_index(plan, c, k)]);
  snprintf(*text + len, cap - len, "%s", rest ? rest : "\n");
cleanup:
  if (err) {
    free(*text);
    *text = NULL;
  }
  free(body);
  a2d_deck_free(&deck);
  return err;
}

/*
 * The stages no case changes: neither a swept key's stages nor those needing
 * one of them.  Stages come in pipeline order, so one pass decides them.
 */
static int shared_stages(const a2d_deck *deck, const a2d_study_plan *plan,
                         const a2d_stage **shared) {
  const a2d_stage *varied[32];
  int nvaried = 0, nshared = 0;
  for (const a2d_stage *s = a2d_stages; s->name && nvaried < 32; s++) {
    int varies = 0;
    for (int k = 0; k < plan->nkeys && !varies; k++) {
      const a2d_key_spec *spec = a2d_deck_key_spec(deck, plan->keys[k]);
      varies = !spec || (spec->stages && a2d_list_has(spec->stages, s->name));
    }
    for (int v = 0; v < nvaried && !varies; v++) varies = a2d_list_has(s->needs, varied[v]->name);
    if (varies)
      varied[nvaried++] = s;
    else
      shared[nshared++] = s;
  }
  return nshared;
}

/* Write `text` to `path` unless it already holds exactly that (atomic: a temporary, renamed). */
static a2d_err write_text(const char *path, const char *text) {
  char *old = NULL, tmp[PATH_MAX + 16];
  size_t len = 0;
  if (a2d_read_text_file(path, &old, &len) == A2D_OK && !strcmp(old, text)) {
    free(old);
    return A2D_OK;
  }
  a2d_error_clear(); /* a missing file is fine */
  free(old);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
  int bad = fputs(text, f) < 0;
  bad |= fclose(f) != 0;
  if (bad) {
    remove(tmp);
    return A2D_ERROR(A2D_ERR_IO, "%s: write failed (disk full?)", tmp);
  }
  if (rename(tmp, path))
    return A2D_ERROR(A2D_ERR_IO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
  return A2D_OK;
}

/* The default folder: [output] path without .h5, plus -study. */
static void default_folder(const a2d_deck *deck, char *buf, size_t size) {
  const char *path = "";
  if (a2d_deck_string(deck, "output", "path", &path)) a2d_error_clear();
  snprintf(buf, size, "%s", path);
  size_t len = strlen(buf);
  if (len > 3 && !strcmp(buf + len - 3, ".h5")) buf[len - 3] = '\0';
  strncat(buf, "-study", size - strlen(buf) - 1);
}

/* The manifest: a header, then per case its index, deck, study file and values. */
static a2d_err manifest_text(const a2d_study_plan *plan, const char *dir, char **text) {
  char name[1024];
  size_t cap = 4096, len = 0;
  A2D_CHECK(a2d_calloc(cap, 1, text));
  for (int64_t c = -1; c < plan->ncases; c++) {
    char line[16384];
    size_t n;
    if (c < 0) {
      n = (size_t)snprintf(line, sizeof line, "case\tdeck\tstudy");
      for (int k = 0; k < plan->nkeys && n < sizeof line; k++)
        n += (size_t)snprintf(line + n, sizeof line - n, "\t%s", plan->keys[k]);
    } else {
      case_name(plan, c, name, sizeof name);
      n = (size_t)snprintf(line, sizeof line, "%lld\t%s/%s.ini\t%s/%s.h5", (long long)c, dir, name,
                           dir, name);
      for (int k = 0; k < plan->nkeys && n < sizeof line; k++)
        n += (size_t)snprintf(line + n, sizeof line - n, "\t%s",
                              plan->values[k][a2d_study_value_index(plan, c, k)]);
    }
    if (n >= sizeof line - 1) return A2D_ERROR(A2D_ERR_DECK, "study: a manifest line is too long");
    while (len + n + 2 > cap) {
      char *bigger = realloc(*text, cap * 2);
      if (!bigger) return A2D_ERROR(A2D_ERR_MEM, "out of memory");
      *text = bigger;
      cap *= 2;
    }
    memcpy(*text + len, line, n);
    len += n;
    (*text)[len++] = '\n';
    (*text)[len] = '\0';
  }
  return A2D_OK;
}

a2d_err a2d_study_expand(const a2d_deck *deck, const char *folder, int force, FILE *log) {
  a2d_err err = A2D_OK;
  a2d_study_plan plan;
  char given[PATH_MAX], dir[PATH_MAX], base_dir[PATH_MAX], path[PATH_MAX + 1100], name[1024];
  char *base_text = NULL, *manifest = NULL, *old = NULL, **decks = NULL;
  A2D_CHECK(a2d_study_plan_create(deck, &plan));
  A2D_TRY(A2D_CALLOC(decks, plan.ncases));

  /* ---- where: the folder (made absolute) and the base deck's folder ---- */
  if (folder)
    snprintf(given, sizeof given, "%s", folder);
  else
    default_folder(deck, given, sizeof given);
  for (char *p = given + 1;; p++) { /* mkdir -p */
    char c = *p;
    if (c && c != '/') continue;
    *p = '\0';
    int bad = mkdir(given, 0777) && errno != EEXIST;
    *p = c;
    if (bad) A2D_FAIL(A2D_ERR_IO, "%s: cannot create the study folder: %s", given, strerror(errno));
    if (!c) break;
  }
  if (!realpath(given, dir))
    A2D_FAIL(A2D_ERR_IO, "%s: cannot resolve the study folder: %s", given, strerror(errno));
  snprintf(path, sizeof path, "%s", a2d_deck_name(deck));
  if (!realpath(dirname(path), base_dir))
    A2D_FAIL(A2D_ERR_IO, "%s: cannot resolve the deck's folder: %s", a2d_deck_name(deck),
             strerror(errno));

  /* ---- every case's deck, checked before anything is written ---- */
  A2D_TRY(a2d_deck_format(deck, 0, &base_text));
  for (int64_t c = 0; c < plan.ncases; c++) {
    case_name(&plan, c, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s.h5", dir, name);
    err = case_deck(deck, base_text, base_dir, &plan, c, path, &decks[c]);
    if (err) {
      char msg[2048];
      snprintf(msg, sizeof msg, "%s", a2d_error_message());
      a2d_error_clear();
      A2D_FAIL(err, "%s: study case %s: %s", a2d_deck_name(deck), name, msg);
    }
  }

  /* ---- the manifest: the same expansion again is fine, another one is refused ---- */
  A2D_TRY(manifest_text(&plan, dir, &manifest));
  snprintf(path, sizeof path, "%s/manifest.tsv", dir);
  if (a2d_read_text_file(path, &old, NULL) == A2D_OK) {
    if (strcmp(old, manifest) && !force)
      A2D_FAIL(A2D_ERR_STATE,
               "%s: holds another expansion (other cases or values); expand into a new folder "
               "(--out) or pass --force to replace it",
               path);
  } else {
    a2d_error_clear();
  }
  for (int64_t c = 0; c < plan.ncases; c++) {
    case_name(&plan, c, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s.ini", dir, name);
    A2D_TRY(write_text(path, decks[c]));
  }
  snprintf(path, sizeof path, "%s/manifest.tsv", dir);
  A2D_TRY(write_text(path, manifest));

  /* ---- the shared stages: one deck to compute them once, and their names ---- */
  const a2d_stage *shared[32];
  int nshared = shared_stages(deck, &plan, shared);
  if (nshared) {
    char *shared_deck = NULL, list[512] = "";
    snprintf(path, sizeof path, "%s/shared.h5", dir);
    A2D_TRY(case_deck(deck, base_text, base_dir, &plan, -1, path, &shared_deck));
    snprintf(path, sizeof path, "%s/shared.ini", dir);
    err = write_text(path, shared_deck);
    free(shared_deck);
    A2D_TRY(err);
    for (int i = 0; i < nshared; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s\n", shared[i]->name);
    snprintf(path, sizeof path, "%s/shared.stages", dir);
    A2D_TRY(write_text(path, list));
  }
  if (log) {
    fprintf(log, "a2d: study: %lld cases (%s of", (long long)plan.ncases,
            plan.zip ? "zip" : "grid");
    for (int k = 0; k < plan.nkeys; k++)
      fprintf(log, "%s %s [%d]", k ? " x" : "", plan.keys[k], plan.nvalues[k]);
    fprintf(log, ") in %s\na2d: study: manifest %s/manifest.tsv\n", dir, dir);
    if (nshared) {
      fprintf(log, "a2d: study: no case changes stages");
      for (int i = 0; i < nshared; i++) fprintf(log, " %s", shared[i]->name);
      fprintf(log,
              "; compute them once from %s/shared.ini, and each case starts from a copy of "
              "shared.h5 (jobs/slurm/submit-study does both)\n",
              dir);
    }
    fprintf(log,
            "a2d: study: run case i with `a2d run %s/<case>.ini`, or all with "
            "jobs/slurm/submit-study\n",
            dir);
  }
cleanup:
  for (int64_t c = 0; decks && c < plan.ncases; c++) free(decks[c]);
  free(decks);
  free(base_text);
  free(manifest);
  free(old);
  a2d_study_plan_free(&plan);
  return err;
}
