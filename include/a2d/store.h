/*
 * a2d/store.h - the HDF5 study file.
 *
 * One file per study holds everything the stages produce (schema in
 * docs/study-file.md).  It is opened by every rank through the MPI-IO driver;
 * every function here is collective: all ranks call it with the same object
 * paths and attribute values.  Ranks write and read their own row blocks of a
 * dataset (the first dimension), collectively, which parallel HDF5 needs for
 * compressed datasets.
 *
 *   a2d_store *st;
 *   A2D_CHECK(a2d_store_open(MPI_COMM_WORLD, "results/q.h5", &st));
 *   int64_t dims[2] = {n, d}, chunk[2] = {256, d};
 *   A2D_CHECK(a2d_store_create(st, "/data/train/x", A2D_F32, 2, dims, chunk, 1));
 *   A2D_CHECK(a2d_store_write_rows(st, "/data/train/x", A2D_F32, row0, nrows, x));
 *   A2D_CHECK(a2d_store_close(&st));
 *
 * Collective reads and writes must name the same dataset on every rank (a
 * rank with nothing to do passes 0 rows); a2d_store_read_local is the
 * exception.  Failures are A2D_ERR_IO (cannot create, open, write) or A2D_ERR_DATA (the
 * file is not an a2d study file, or a dataset has the wrong type or shape),
 * with the file path and dataset named.
 */
#ifndef A2D_STORE_H
#define A2D_STORE_H

#include <mpi.h>
#include <stdint.h>

#include "a2d/error.h"

/* Layout version of the study file; bumped when a change breaks old files. */
#define A2D_STORE_LAYOUT 1

typedef struct a2d_store a2d_store;

typedef enum a2d_dtype { A2D_F32, A2D_F64, A2D_I32, A2D_I64, A2D_U8 } a2d_dtype;

/*
 * Open the study file at `path` for reading and writing, creating it if it
 * does not exist (its directory must).  An existing file must be an a2d study
 * file of this layout; anything else is refused, never overwritten.
 */
a2d_err a2d_store_open(MPI_Comm comm, const char *path, a2d_store **out);

/* Open an existing study file for reading only (a2d study collect); a missing file is an error. */
a2d_err a2d_store_open_read(MPI_Comm comm, const char *path, a2d_store **out);

/* Flush and close; *store becomes NULL.  Safe on NULL. */
a2d_err a2d_store_close(a2d_store **store);

/* Flush everything written so far to the file system. */
a2d_err a2d_store_flush(a2d_store *store);

const char *a2d_store_path(const a2d_store *store);

/*
 * Flush, close and reopen the file.  After ranks read different objects
 * independently (a2d_store_read_local) their metadata caches differ, and
 * parallel HDF5 1.10 can then fail to delete those objects collectively;
 * reopening makes the caches equal again.
 */
a2d_err a2d_store_reopen(a2d_store *store);

/* ---- Objects ---- */

/* Whether a group or dataset exists at `path`. */
a2d_err a2d_store_exists(a2d_store *store, const char *path, int *exists);

/* Create the group at `path` (and its parents) if missing. */
a2d_err a2d_store_group(a2d_store *store, const char *path);

/* Remove the object at `path` if present (the space is reused by later writes). */
a2d_err a2d_store_delete(a2d_store *store, const char *path);

/*
 * Create a dataset of `rank` dimensions (parents created as needed); an
 * existing dataset at `path` is replaced.  `chunk` (rank entries, or NULL for
 * contiguous storage) sets the chunk shape; deflate > 0 compresses (needs chunks).
 */
a2d_err a2d_store_create(a2d_store *store, const char *path, a2d_dtype type, int rank,
                         const int64_t *dims, const int64_t *chunk, int deflate);

/* Shape of an existing dataset (at most 8 dimensions); refuses a missing one. */
a2d_err a2d_store_shape(a2d_store *store, const char *path, int *rank, int64_t dims[8]);

/*
 * Write rows [row0, row0 + nrows) of a dataset from buf (the rows' full
 * trailing dimensions, row-major).  Collective; a rank with nothing to write
 * passes nrows = 0.
 */
a2d_err a2d_store_write_rows(a2d_store *store, const char *path, a2d_dtype type, int64_t row0,
                             int64_t nrows, const void *buf);

/* Read rows [row0, row0 + nrows) into buf.  Collective, like the write. */
a2d_err a2d_store_read_rows(a2d_store *store, const char *path, a2d_dtype type, int64_t row0,
                            int64_t nrows, void *buf);

/*
 * Read the block start[i] .. start[i] + count[i] of a dataset of `rank`
 * dimensions into buf (row-major).  Collective; a rank with nothing to read
 * passes a count with a zero.
 */
a2d_err a2d_store_read_block(a2d_store *store, const char *path, a2d_dtype type, int rank,
                             const int64_t *start, const int64_t *count, void *buf);

/*
 * The same read by this rank alone (independent I/O): ranks may read
 * different datasets at the same time.  Failures are this rank's only; agree
 * on them (a2d_agree) before the next collective call.
 */
a2d_err a2d_store_read_local(a2d_store *store, const char *path, a2d_dtype type, int rank,
                             const int64_t *start, const int64_t *count, void *buf);

/* ---- Tables: compound datasets of string and float64 columns ---- */

/*
 * A table in memory: nrows records of ncols columns, packed one after the
 * other without padding; column j is a NUL-padded string of widths[j] bytes,
 * or a float64 (8 bytes, native order; read it with memcpy) when widths[j] is 0.
 */
typedef struct a2d_table {
  int ncols;
  const char *const *names;
  const int *widths;
  int64_t nrows;
  unsigned char *data;
} a2d_table;

/* Bytes per record of a table. */
size_t a2d_table_record_size(const a2d_table *t);

/* Write a table as a compound dataset (collective; rank 0's rows are written). */
a2d_err a2d_store_write_table(a2d_store *store, const char *path, const a2d_table *t);

/*
 * Read the columns named in t (ncols, names, widths set by the caller) of the
 * compound dataset at `path`; sets t->nrows and allocates t->data (caller
 * frees).  A missing column is A2D_ERR_DATA naming it.
 */
a2d_err a2d_store_read_table(a2d_store *store, const char *path, a2d_table *t);

/* ---- Attributes of a group or dataset (`obj` = "/" for the root) ---- */

a2d_err a2d_store_set_string(a2d_store *store, const char *obj, const char *name,
                             const char *value);
a2d_err a2d_store_set_int(a2d_store *store, const char *obj, const char *name, int64_t value);
a2d_err a2d_store_set_real(a2d_store *store, const char *obj, const char *name, double value);

/* Read a string attribute; *value = NULL (and no error) when it is absent. Caller frees. */
a2d_err a2d_store_get_string(a2d_store *store, const char *obj, const char *name, char **value);
/* Read a numeric attribute; *present = 0 when absent. */
a2d_err a2d_store_get_int(a2d_store *store, const char *obj, const char *name, int64_t *value,
                          int *present);
a2d_err a2d_store_get_real(a2d_store *store, const char *obj, const char *name, double *value,
                           int *present);

#endif
