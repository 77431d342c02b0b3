/*
 * a2d/import_writer.h - writing arrays in the import layout (docs/import.md),
 * for `a2d export`: an HDF5 file (a path ending in .h5) or a folder of NumPy
 * .npy files (any other path; created, with subfolders per name).  What is
 * written reads back through a2d/import.h.  Serial: one rank writes.
 *
 *   a2d_import_writer *w;
 *   A2D_CHECK(a2d_import_writer_create("targets.h5", &w));
 *   int64_t dims[2] = {K, n};
 *   A2D_CHECK(a2d_import_writer_array(w, "targets/random_100/margins_train", A2D_F32, 2, dims, m));
 *   A2D_CHECK(a2d_import_writer_close(&w));
 */
#ifndef A2D_IMPORT_WRITER_H
#define A2D_IMPORT_WRITER_H

#include <stdint.h>

#include "a2d/error.h"
#include "a2d/store.h"

typedef struct a2d_import_writer a2d_import_writer;

/* Create (or replace) the HDF5 file, or create the folder; failures are A2D_ERR_IO. */
a2d_err a2d_import_writer_create(const char *path, a2d_import_writer **out);

/* Write array `name` ("group/sub/name") of `rank` dimensions from data (row-major). */
a2d_err a2d_import_writer_array(a2d_import_writer *w, const char *name, a2d_dtype type, int rank,
                                const int64_t *dims, const void *data);

/* Close (flushes the HDF5 file); a NULL writer is fine. */
a2d_err a2d_import_writer_close(a2d_import_writer **w);

#endif
