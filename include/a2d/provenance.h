/*
 * a2d/provenance.h - what computed a stage: the build, the BLAS library and
 * the kernels it chose, the hosts and their processors.
 *
 * The deck and its seeds fix every result, bit for bit, for one build on one
 * kind of machine.  Across machines the bits can change: OpenBLAS chooses its
 * kernels per processor at run time (or as OPENBLAS_CORETYPE says), and two
 * kernels may round a product differently; glibc's libm picks its exp and log
 * per processor too; the BLAS thread count splits products differently.  So
 * each run of a stage (its first run, and every resume after a kill) records
 * one run record, and a resume whose setup differs from the run it continues
 * is logged: its results agree with an uninterrupted run's only to rounding.
 *
 * Run records live in the study file as groups /stages/<stage>/runs/<i>
 * (i = 1, 2, ...; a fresh start of the stage removes the old ones), with
 * string attributes started, resumed ("no", or "yes" with what changed),
 * host, cpu, blas, blas_core, blas_threads, build_compiler, build_flags,
 * a2d_version and git_commit, and the integer attribute ranks.  Values that
 * differ between ranks are listed with their ranks: "n01 (ranks 0-3), n02
 * (ranks 4-7)".
 *
 *   a2d_provenance now;
 *   A2D_CHECK(a2d_provenance_gather(comm, &now));            // collective
 *   A2D_CHECK(a2d_provenance_record(store, "/stages/fit", &now, resume, changed, size));
 */
#ifndef A2D_PROVENANCE_H
#define A2D_PROVENANCE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "a2d/error.h"
#include "a2d/store.h"

#define A2D_PROVENANCE_LEN 4096 /* longer values end in "..." */

/* The fields of a run record, in the order they are written. */
typedef enum a2d_provenance_field {
  A2D_PROV_HOST,           /* gethostname() */
  A2D_PROV_CPU,            /* "model name" of /proc/cpuinfo */
  A2D_PROV_BLAS,           /* openblas_get_config(): version and build options, less the core */
  A2D_PROV_BLAS_CORE,      /* openblas_get_corename(): the kernels in use */
  A2D_PROV_BLAS_THREADS,   /* openblas_get_num_threads() */
  A2D_PROV_BUILD_COMPILER, /* compiler and version */
  A2D_PROV_BUILD_FLAGS,    /* build type's flags and every compile option (-march among them) */
  A2D_PROV_VERSION,        /* a2d version */
  A2D_PROV_COMMIT,         /* a2d git commit */
  A2D_PROV_FIELDS
} a2d_provenance_field;

typedef struct a2d_provenance {
  char value[A2D_PROV_FIELDS][A2D_PROVENANCE_LEN];
  int64_t ranks;
  char started[64];                      /* when the run began (UTC, rank 0's clock) */
  char resumed[A2D_PROVENANCE_LEN + 64]; /* run records read back: attribute resumed */
} a2d_provenance;

/* This process's setup, gathered over comm: the same on every rank (collective). */
a2d_err a2d_provenance_gather(MPI_Comm comm, a2d_provenance *p);

/*
 * What differs between an earlier run's record and this one in what can
 * change results' bits (everything but the host names), as "blas_core Zen ->
 * Nehalem; cpu A -> B" into buf; "" when nothing does.
 */
void a2d_provenance_diff(const a2d_provenance *before, const a2d_provenance *now, char *buf,
                         size_t size);

/* How many run records the stage whose bookkeeping group is `group` has (0: none). */
a2d_err a2d_provenance_count(a2d_store *st, const char *group, int64_t *count);

/* Run record i (1-based) of `group` into p (fields an older a2d did not write: ""). */
a2d_err a2d_provenance_read(a2d_store *st, const char *group, int64_t i, a2d_provenance *p);

/* A markdown table of run records: its header, then one row per record. */
void a2d_provenance_markdown_header(FILE *out);
void a2d_provenance_markdown_row(FILE *out, const char *stage, int64_t run,
                                 const a2d_provenance *p);

/*
 * Record run `now` of the stage whose bookkeeping group is `group`: a fresh
 * run (resume = 0) replaces every earlier record with runs/1; a resume adds
 * the next record and compares it with the last, leaving what changed in
 * `changed` ("" when nothing; a record written by an older a2d counts as
 * unknown, not as changed).  Collective.
 */
a2d_err a2d_provenance_record(a2d_store *st, const char *group, const a2d_provenance *now,
                              int resume, char *changed, size_t size);

#endif
