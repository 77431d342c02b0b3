/* provenance.c - run records: build, BLAS, hosts and processors (a2d/provenance.h). */
#include "a2d/provenance.h"

#include <cblas.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a2d/parallel.h"
#include "a2d/version.h"

/* Per-rank values are gathered in slots of this many bytes. */
#define SLOT 256

static const char *const names[A2D_PROV_FIELDS] = {"host",        "cpu",          "blas",
                                                   "blas_core",   "blas_threads", "build_compiler",
                                                   "build_flags", "a2d_version",  "git_commit"};

/* The processor's model name from /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t size) {
  char line[512];
  FILE *f = fopen("/proc/cpuinfo", "r");
  snprintf(buf, size, "unknown");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) || !colon) continue;
    colon += 1 + (colon[1] == ' ');
    colon[strcspn(colon, "\n")] = '\0';
    snprintf(buf, size, "%s", colon);
    break;
  }
  fclose(f);
}

/*
 * OpenBLAS's version and build options (openblas_get_config()), less the core
 * name a DYNAMIC_ARCH build puts among them: that is field blas_core.
 */
static void blas_config(const char *core, char *buf, size_t size) {
  const char *config = openblas_get_config(), *at = strstr(config, core);
  const size_t len = strlen(core);
  if (len && at && at > config && at[-1] == ' ' && (at[len] == ' ' || at[len] == '\0'))
    snprintf(buf, size, "%.*s%s", (int)(at - config - 1), config, at + len);
  else
    snprintf(buf, size, "%s", config);
}

/* Append printf-style text to the string in out (of size bytes), marking a cut with "...". */
__attribute__((format(printf, 3, 4))) static void append(char *out, size_t size, const char *fmt,
                                                         ...) {
  size_t used = strlen(out);
  va_list ap;
  va_start(ap, fmt);
  int wrote = vsnprintf(out + used, size - used, fmt, ap);
  va_end(ap);
  if (wrote >= 0 && used + (size_t)wrote >= size && size > 4) memcpy(out + size - 4, "...", 4);
}

/*
 * The values of `size` ranks (slots of SLOT bytes) as one string: the value
 * when all agree, else each distinct value, in the order of the first rank
 * holding it, with its ranks: "a (ranks 0-3, 8), b (ranks 4-7), c (rank 9)".  `first`
 * is scratch for size ints.
 */
static void describe(const char *slots, int size, int *first, char *out, size_t outsize) {
  int distinct = 0;
  out[0] = '\0';
  for (int r = 0; r < size; r++) { /* first[k]: the first rank of the k-th distinct value */
    int k = 0;
    while (k < distinct && strcmp(slots + (size_t)r * SLOT, slots + (size_t)first[k] * SLOT)) k++;
    if (k == distinct) first[distinct++] = r;
  }
  if (distinct == 1) {
    append(out, outsize, "%s", slots);
    return;
  }
  for (int k = 0; k < distinct; k++) {
    const char *v = slots + (size_t)first[k] * SLOT;
    int ranges = 0, start = -1, count = 0;
    for (int q = first[k]; q < size; q++) count += !strcmp(v, slots + (size_t)q * SLOT);
    append(out, outsize, "%s%s (rank%s ", k ? ", " : "", v, count > 1 ? "s" : "");
    for (int q = first[k]; q <= size; q++) {
      const int has = q < size && !strcmp(v, slots + (size_t)q * SLOT);
      if (has && start < 0) start = q;
      if (has || start < 0) continue;
      if (start == q - 1)
        append(out, outsize, "%s%d", ranges++ ? ", " : "", start);
      else
        append(out, outsize, "%s%d-%d", ranges++ ? ", " : "", start, q - 1);
      start = -1;
    }
    append(out, outsize, ")");
  }
}

a2d_err a2d_provenance_gather(MPI_Comm comm, a2d_provenance *p) {
  enum { PER_RANK = A2D_PROV_BLAS_THREADS + 1 }; /* host .. blas_threads differ by rank */
  char mine[PER_RANK][SLOT], *all = NULL;
  int size;
  memset(p, 0, sizeof *p);
  memset(mine, 0, sizeof mine);
  A2D_CHECK_MPI(MPI_Comm_size(comm, &size));
  p->ranks = size;
  if (gethostname(mine[A2D_PROV_HOST], SLOT - 1)) snprintf(mine[A2D_PROV_HOST], SLOT, "unknown");
  cpu_model(mine[A2D_PROV_CPU], SLOT);
  snprintf(mine[A2D_PROV_BLAS_CORE], SLOT, "%s", openblas_get_corename());
  blas_config(mine[A2D_PROV_BLAS_CORE], mine[A2D_PROV_BLAS], SLOT);
  snprintf(mine[A2D_PROV_BLAS_THREADS], SLOT, "%d", openblas_get_num_threads());
  A2D_CHECK(a2d_calloc((size_t)size * PER_RANK, SLOT, &all));
  char *field = NULL;
  int *first = NULL;
  a2d_err err =
      A2D_MPI(MPI_Allgather(mine, PER_RANK * SLOT, MPI_CHAR, all, PER_RANK * SLOT, MPI_CHAR, comm));
  if (!err) err = a2d_calloc((size_t)size, SLOT, &field);
  if (!err) err = A2D_CALLOC(first, size);
  for (int f = 0; !err && f < PER_RANK; f++) {
    for (int r = 0; r < size; r++)
      memcpy(field + (size_t)r * SLOT, all + ((size_t)r * PER_RANK + (size_t)f) * SLOT, SLOT);
    describe(field, size, first, p->value[f], A2D_PROVENANCE_LEN);
  }
  free(first);
  free(field);
  free(all);
  A2D_CHECK(err);
  snprintf(p->value[A2D_PROV_BUILD_COMPILER], A2D_PROVENANCE_LEN, "%s", A2D_BUILD_COMPILER);
  snprintf(p->value[A2D_PROV_BUILD_FLAGS], A2D_PROVENANCE_LEN, "%s: %s", A2D_BUILD_TYPE,
           A2D_BUILD_FLAGS);
  snprintf(p->value[A2D_PROV_VERSION], A2D_PROVENANCE_LEN, "%s", A2D_VERSION);
  snprintf(p->value[A2D_PROV_COMMIT], A2D_PROVENANCE_LEN, "%s", A2D_GIT_COMMIT);
  A2D_CHECK(a2d_utc_time(comm, p->started, sizeof p->started));
  return A2D_OK;
}

void a2d_provenance_diff(const a2d_provenance *before, const a2d_provenance *now, char *buf,
                         size_t size) {
  buf[0] = '\0';
  for (int f = 0; f < A2D_PROV_FIELDS; f++) {
    if (f == A2D_PROV_HOST || !strcmp(before->value[f], now->value[f])) continue;
    append(buf, size, "%s%s %s -> %s", buf[0] ? "; " : "", names[f], before->value[f],
           now->value[f]);
  }
}

a2d_err a2d_provenance_count(a2d_store *st, const char *group, int64_t *count) {
  char runs[256];
  int present;
  snprintf(runs, sizeof runs, "%s/runs", group);
  A2D_CHECK(a2d_store_get_int(st, runs, "count", count, &present));
  if (!present || *count < 0) *count = 0;
  return A2D_OK;
}

/* Read a string attribute of `path` into buf ("" when absent); *found |= present. */
static a2d_err read_text(a2d_store *st, const char *path, const char *name, char *buf, size_t size,
                         int *found) {
  char *value = NULL;
  A2D_CHECK(a2d_store_get_string(st, path, name, &value));
  snprintf(buf, size, "%s", value ? value : "");
  *found |= value != NULL;
  free(value);
  return A2D_OK;
}

/* Run record `path` into p; *found = 0 when it holds none of the fields. */
static a2d_err read_record(a2d_store *st, const char *path, a2d_provenance *p, int *found) {
  int present = 0, ignored = 0;
  memset(p, 0, sizeof *p);
  *found = 0;
  for (int f = 0; f < A2D_PROV_FIELDS; f++)
    A2D_CHECK(read_text(st, path, names[f], p->value[f], A2D_PROVENANCE_LEN, found));
  A2D_CHECK(read_text(st, path, "started", p->started, sizeof p->started, &ignored));
  A2D_CHECK(read_text(st, path, "resumed", p->resumed, sizeof p->resumed, &ignored));
  A2D_CHECK(a2d_store_get_int(st, path, "ranks", &p->ranks, &present));
  return A2D_OK;
}

a2d_err a2d_provenance_read(a2d_store *st, const char *group, int64_t i, a2d_provenance *p) {
  char path[300];
  int found;
  snprintf(path, sizeof path, "%s/runs/%lld", group, (long long)i);
  A2D_CHECK(read_record(st, path, p, &found));
  return A2D_OK;
}

void a2d_provenance_markdown_header(FILE *out) {
  fprintf(out,
          "| stage | run | started | resumed | ranks | host | cpu | BLAS kernels | BLAS "
          "threads | build |\n|---|---:|---|---|---:|---|---|---|---:|---|\n");
}

void a2d_provenance_markdown_row(FILE *out, const char *stage, int64_t run,
                                 const a2d_provenance *p) {
  fprintf(out, "| %s | %lld | %s | %s | %lld | %s | %s | %s | %s | %s, %s |\n", stage,
          (long long)run, p->started, p->resumed, (long long)p->ranks, p->value[A2D_PROV_HOST],
          p->value[A2D_PROV_CPU], p->value[A2D_PROV_BLAS_CORE], p->value[A2D_PROV_BLAS_THREADS],
          p->value[A2D_PROV_BUILD_COMPILER], p->value[A2D_PROV_BUILD_FLAGS]);
}

a2d_err a2d_provenance_record(a2d_store *st, const char *group, const a2d_provenance *now,
                              int resume, char *changed, size_t size) {
  char runs[256], path[300], resumed[A2D_PROVENANCE_LEN + 64];
  int64_t count = 0;
  changed[0] = '\0';
  snprintf(runs, sizeof runs, "%s/runs", group);
  if (resume) A2D_CHECK(a2d_provenance_count(st, group, &count));
  if (count > 0) {
    a2d_provenance before;
    int found;
    snprintf(path, sizeof path, "%s/%lld", runs, (long long)count);
    A2D_CHECK(read_record(st, path, &before, &found));
    if (found) a2d_provenance_diff(&before, now, changed, size);
  } else {
    A2D_CHECK(a2d_store_delete(st, runs));
  }
  snprintf(path, sizeof path, "%s/%lld", runs, (long long)(count + 1));
  A2D_CHECK(a2d_store_group(st, path));
  A2D_CHECK(a2d_store_set_string(st, path, "started", now->started));
  if (!resume)
    snprintf(resumed, sizeof resumed, "no");
  else if (count == 0)
    snprintf(resumed, sizeof resumed, "yes, after a run that left no record");
  else
    snprintf(resumed, sizeof resumed, "yes, after run %lld; %s", (long long)count,
             changed[0] ? changed : "same setup");
  A2D_CHECK(a2d_store_set_string(st, path, "resumed", resumed));
  A2D_CHECK(a2d_store_set_int(st, path, "ranks", now->ranks));
  for (int f = 0; f < A2D_PROV_FIELDS; f++)
    A2D_CHECK(a2d_store_set_string(st, path, names[f], now->value[f]));
  A2D_CHECK(a2d_store_set_int(st, runs, "count", count + 1));
  return A2D_OK;
}
