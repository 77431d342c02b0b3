/* collect.c - every case's evaluation summary in one table (a2d/study.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a2d/stage.h"
#include "a2d/store.h"
#include "a2d/study.h"
#include "a2d/summary.h"
#include "a2d/text.h"

#define MANIFEST_MAX_FIELDS 64

/* One line of the manifest, split at tabs in place. */
typedef struct manifest_line {
  int nfields;
  char *fields[MANIFEST_MAX_FIELDS]; /* case, deck, study, values... */
} manifest_line;

/* Split `line` (modified) at tabs. */
static void split_tabs(char *line, manifest_line *m) {
  m->nfields = 0;
  for (char *p = line; p && m->nfields < MANIFEST_MAX_FIELDS;) {
    m->fields[m->nfields++] = p;
    p = strchr(p, '\t');
    if (p) *p++ = '\0';
  }
}

/* Append `text` as a CSV field (quoted when it holds a comma or a quote) and a comma. */
static void csv_field(char *buf, size_t size, const char *text) {
  size_t len = strlen(buf);
  int quote = strpbrk(text, ",\"") != NULL;
  if (quote && len + 1 < size) buf[len++] = '"';
  for (const char *p = text; *p && len + 2 < size; p++) {
    if (*p == '"') buf[len++] = '"';
    buf[len++] = *p;
  }
  if (quote && len + 1 < size) buf[len++] = '"';
  if (len + 1 < size) buf[len++] = ',';
  buf[len] = '\0';
}

/*
 * The swept values (or, for the header line, names) of a manifest line other
 * than seeds: padded to `width` as a table lead, and as CSV fields.
 */
static void other_than_seeds(const manifest_line *m, int nkeys, const int *is_seed,
                             const int *width, char *table, size_t table_size, char *csv,
                             size_t csv_size) {
  size_t len = 0;
  table[0] = csv[0] = '\0';
  for (int k = 0; k < nkeys; k++) {
    if (is_seed[k]) continue;
    if (len < table_size)
      len +=
          (size_t)snprintf(table + len, table_size - len, "%-*s ", width[k + 1], m->fields[k + 3]);
    csv_field(csv, csv_size, m->fields[k + 3]);
  }
}

/* The attribution behind dmm and dm_direct and its LDS, as stage evaluate recorded them. */
static void read_attribution(a2d_store *st, char *text, size_t size) {
  char *method = NULL;
  double lds[2] = {NAN, NAN};
  int present[2] = {0, 0};
  if (a2d_store_get_string(st, A2D_EVAL_GROUP, "attribution", &method) ||
      a2d_store_get_real(st, A2D_EVAL_GROUP, "lds_train", &lds[0], &present[0]) ||
      a2d_store_get_real(st, A2D_EVAL_GROUP, "lds_val", &lds[1], &present[1]))
    a2d_error_clear();
  snprintf(text, size, "%-12s %9.4f %9.4f", method ? method : "datamodels",
           present[0] ? lds[0] : NAN, present[1] ? lds[1] : NAN);
  free(method);
}

/*
 * Read one case's summary into `table` and its attribution line into
 * `attribution`; on a missing, unreadable or unevaluated study file, write
 * the reason into `why` and return 0.
 */
static int read_case(const char *study, a2d_summary_table *table, char *attribution, size_t asize,
                     char *why, size_t size) {
  a2d_context ctx = {.comm = MPI_COMM_SELF, .size = 1};
  char state[32];
  int ok = 0;
  if (access(study, F_OK)) {
    snprintf(why, size, "no study file (not run yet?)");
    return 0;
  }
  if (a2d_store_open_read(MPI_COMM_SELF, study, &ctx.store)) {
    snprintf(why, size, "cannot open: %s", a2d_error_message());
    a2d_error_clear();
    return 0;
  }
  const a2d_stage *stopped = NULL;
  for (const a2d_stage *s = a2d_stages; s->name && !stopped; s++) {
    if (a2d_stage_state(&ctx, s, state, sizeof state)) break;
    if (strcmp(state, "complete")) stopped = s;
  }
  if (a2d_error_code()) {
    snprintf(why, size, "cannot read: %s", a2d_error_message());
  } else if (stopped) {
    snprintf(why, size, "not evaluated: stage %s is %s", stopped->name, state);
  } else if (a2d_summary_read(ctx.store, A2D_EVAL_SUMMARY, table)) {
    snprintf(why, size, "cannot read /eval/summary: %s", a2d_error_message());
  } else {
    read_attribution(ctx.store, attribution, asize);
    ok = 1;
  }
  a2d_error_clear();
  if (a2d_store_close(&ctx.store)) a2d_error_clear();
  return ok;
}

a2d_err a2d_study_collect(const char *folder, FILE *out) {
  a2d_err err = A2D_OK;
  char path[PATH_MAX], csv_path[PATH_MAX], *text = NULL, **leads = NULL, *problems = NULL;
  char **groups = NULL, **csv_groups = NULL; /* per row: the swept values but seeds */
  char *attributions = NULL;                 /* per case: its lead, attribution and LDS */
  size_t alen = 0, acap = 0;
  int is_seed[MANIFEST_MAX_FIELDS], nseeds = 0;
  manifest_line head;
  a2d_summary_table all = {0};
  FILE *csv = NULL;
  int64_t ncases = 0, nbad = 0, cap_leads = 0;
  size_t plen = 0, pcap = 0;

  /* ---- the manifest ---- */
  snprintf(path, sizeof path, "%s/manifest.tsv", folder);
  A2D_TRY(a2d_read_text_file(path, &text, NULL));
  char *line = text, *nl = strchr(line, '\n');
  if (nl) *nl = '\0';
  split_tabs(line, &head);
  if (head.nfields < 4 || strcmp(head.fields[0], "case") || strcmp(head.fields[1], "deck") ||
      strcmp(head.fields[2], "study"))
    A2D_FAIL(A2D_ERR_DATA,
             "%s:1: expected the header \"case<TAB>deck<TAB>study<TAB>key...\" written by `a2d "
             "study expand`",
             path);
  const int nkeys = head.nfields - 3;
  for (int k = 0; k < nkeys; k++) nseeds += is_seed[k] = a2d_study_is_seed_key(head.fields[k + 3]);

  /* ---- column widths of the leading columns: case and the swept values ---- */
  int width[MANIFEST_MAX_FIELDS];
  width[0] = 4;
  for (int k = 0; k < nkeys; k++) width[k + 1] = (int)strlen(head.fields[k + 3]);
  for (char *p = nl ? nl + 1 : NULL; p && *p;) {
    char *e = strchr(p, '\n');
    manifest_line m;
    char copy[16384];
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= sizeof copy) n = sizeof copy - 1;
    memcpy(copy, p, n);
    copy[n] = '\0';
    split_tabs(copy, &m);
    for (int k = 0; k < nkeys && m.nfields == head.nfields; k++)
      if ((int)strlen(m.fields[k + 3]) > width[k + 1]) width[k + 1] = (int)strlen(m.fields[k + 3]);
    p = e ? e + 1 : NULL;
  }

  snprintf(csv_path, sizeof csv_path, "%s/collected.csv", folder);
  csv = fopen(csv_path, "w");
  if (!csv) A2D_FAIL(A2D_ERR_IO, "%s: cannot write: %s", csv_path, strerror(errno));
  char lead[16384] = "case,";
  for (int k = 0; k < nkeys; k++) csv_field(lead, sizeof lead, head.fields[k + 3]);
  a2d_summary_print_csv_header(csv, lead);

  /* ---- each case ---- */
  int lineno = 1;
  for (char *p = nl ? nl + 1 : NULL; p && *p; lineno++) {
    char *e = strchr(p, '\n'), why[2048];
    if (e) *e = '\0';
    manifest_line m;
    split_tabs(p, &m);
    if (m.nfields != head.nfields)
      A2D_FAIL(A2D_ERR_DATA, "%s:%d: expected %d tab-separated fields, got %d", path, lineno + 1,
               head.nfields, m.nfields);
    ncases++;
    a2d_summary_table one = {0};
    char attribution[256];
    if (!read_case(m.fields[2], &one, attribution, sizeof attribution, why, sizeof why)) {
      nbad++;
      char item[4096];
      int n = snprintf(item, sizeof item, "  case %s (%s): %s\n", m.fields[0], m.fields[2], why);
      while (plen + (size_t)n + 1 > pcap) {
        char *bigger = realloc(problems, pcap ? pcap * 2 : 4096);
        if (!bigger) A2D_FAIL(A2D_ERR_MEM, "out of memory");
        problems = bigger;
        pcap = pcap ? pcap * 2 : 4096;
      }
      memcpy(problems + plen, item, (size_t)n + 1);
      plen += (size_t)n;
    } else {
      /* CSV lead "case,v1,v2,", table lead "case  v1  v2  " */
      char row_lead[16384], cell[256];
      snprintf(lead, sizeof lead, "%s,", m.fields[0]);
      for (int k = 0; k < nkeys; k++) csv_field(lead, sizeof lead, m.fields[k + 3]);
      a2d_summary_print_csv_rows(csv, &one, lead);
      size_t len = (size_t)snprintf(row_lead, sizeof row_lead, "%-*s ", width[0], m.fields[0]);
      for (int k = 0; k < nkeys && len < sizeof row_lead; k++) {
        snprintf(cell, sizeof cell, "%s", m.fields[k + 3]);
        len += (size_t)snprintf(row_lead + len, sizeof row_lead - len, "%-*s ", width[k + 1], cell);
      }
      const size_t need = strlen(row_lead) + strlen(attribution) + 2;
      while (alen + need + 1 > acap) {
        char *bigger = realloc(attributions, acap ? acap * 2 : 4096);
        if (!bigger) A2D_FAIL(A2D_ERR_MEM, "out of memory");
        attributions = bigger;
        acap = acap ? acap * 2 : 4096;
      }
      alen += (size_t)snprintf(attributions + alen, acap - alen, "%s%s\n", row_lead, attribution);
      char group[16384], csv_group[16384];
      other_than_seeds(&m, nkeys, is_seed, width, group, sizeof group, csv_group, sizeof csv_group);
      for (int64_t r = 0; r < one.nrows; r++) {
        if (all.nrows + 1 > cap_leads) {
          const size_t cap = (size_t)(cap_leads * 2 + 64);
          char **bigger = realloc(leads, cap * sizeof *leads);
          if (bigger) leads = bigger;
          char **g = bigger ? realloc(groups, cap * sizeof *groups) : NULL;
          if (g) groups = g;
          char **c = g ? realloc(csv_groups, cap * sizeof *csv_groups) : NULL;
          if (c) csv_groups = c;
          if (!c) A2D_FAIL(A2D_ERR_MEM, "out of memory");
          cap_leads = (int64_t)cap;
        }
        leads[all.nrows] = strdup(row_lead);
        groups[all.nrows] = strdup(group);
        csv_groups[all.nrows] = strdup(csv_group);
        if (!leads[all.nrows] || !groups[all.nrows] || !csv_groups[all.nrows])
          A2D_FAIL(A2D_ERR_MEM, "out of memory");
        A2D_TRY(a2d_summary_append(&all, &one.rows[r]));
      }
    }
    a2d_summary_free(&one);
    p = e ? e + 1 : NULL;
  }

  /* ---- the table, and what is missing ---- */
  char lead_header[16384];
  size_t len = (size_t)snprintf(lead_header, sizeof lead_header, "%-*s ", width[0], "case");
  for (int k = 0; k < nkeys && len < sizeof lead_header; k++)
    len += (size_t)snprintf(lead_header + len, sizeof lead_header - len, "%-*s ", width[k + 1],
                            head.fields[k + 3]);
  if (all.nrows) a2d_summary_print_led(out, &all, lead_header, (const char *const *)leads);
  if (alen)
    fprintf(out,
            "\nthe attribution behind dmm and dm_direct, and its mean LDS:\n%s%-12s %9s %9s\n%s",
            lead_header, "attribution", "LDS train", "LDS val", attributions);
  fprintf(out, "\n%lld of %lld cases collected into %s (%lld rows)\n", (long long)(ncases - nbad),
          (long long)ncases, csv_path, (long long)all.nrows);

  /* ---- repeats over seeds ---- */
  if (nseeds && all.nrows) {
    char header[16384], csv_header[16384], seeds_path[PATH_MAX];
    other_than_seeds(&head, nkeys, is_seed, width, header, sizeof header, csv_header,
                     sizeof csv_header);
    snprintf(seeds_path, sizeof seeds_path, "%s/seeds.csv", folder);
    FILE *seeds = fopen(seeds_path, "w");
    if (!seeds) A2D_FAIL(A2D_ERR_IO, "%s: cannot write: %s", seeds_path, strerror(errno));
    err = a2d_study_print_repeats(out, seeds, header, csv_header, &all, groups, csv_groups);
    if (fclose(seeds) && !err) err = A2D_ERROR(A2D_ERR_IO, "%s: write failed", seeds_path);
    A2D_TRY(err);
    fprintf(out, "repeats over seeds in %s\n", seeds_path);
  }
  if (nbad) {
    fprintf(out, "incomplete (%lld):\n%s", (long long)nbad, problems);
    A2D_FAIL(A2D_ERR_STATE,
             "%s: %lld of %lld cases are incomplete (listed above); %s holds the "
             "other %lld",
             folder, (long long)nbad, (long long)ncases, csv_path, (long long)(ncases - nbad));
  }
cleanup:
  if (csv && fclose(csv) && !err) err = A2D_ERROR(A2D_ERR_IO, "%s: write failed", csv_path);
  for (int64_t r = 0; leads && r < all.nrows; r++) free(leads[r]);
  for (int64_t r = 0; groups && r < all.nrows; r++) free(groups[r]);
  for (int64_t r = 0; csv_groups && r < all.nrows; r++) free(csv_groups[r]);
  free(leads);
  free(groups);
  free(csv_groups);
  free(problems);
  free(attributions);
  free(text);
  a2d_summary_free(&all);
  return err;
}
