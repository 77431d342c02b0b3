/*
 * a2d/import.h - arrays of models trained elsewhere: the import layout
 * (docs/import.md), read from an HDF5 file or from a directory of NumPy .npy
 * files.
 *
 * An import holds named arrays, e.g. "ensemble/masks" (HDF5 dataset
 * /ensemble/masks, or the file DIR/ensemble/masks.npy).  Every array is
 * checked before use: that it exists, its rank and sizes, its element kind
 * (floating point for outputs, integer or boolean for masks, labels and
 * indices), and then its values (finite, within float32, 0 or 1, within a
 * range).  Messages start with the import's path and the array's name and say
 * what was expected, e.g.
 *
 *   torch.h5: ensemble/masks row 3 column 17: expected 0 or 1, got 2
 *
 * and are A2D_ERR_DATA (exit 3); a path that cannot be opened is A2D_ERR_IO.
 * Reading is serial and rank-local (any rank, any rows), so stages read the
 * row blocks they write.
 *
 *   a2d_import *imp;
 *   A2D_CHECK(a2d_import_open(path, &imp));
 *   a2d_import_array a;
 *   int64_t dims[2] = {-1, n};                       // any number of models, n columns
 *   A2D_CHECK(a2d_import_expect(imp, "ensemble/masks", A2D_IMPORT_INTEGER, 2, dims, &a));
 *   A2D_CHECK(a2d_import_read_mask(imp, &a, row0, rows, masks));
 *   A2D_CHECK(a2d_import_close(&imp));
 *
 * NumPy files: format versions 1.0, 2.0 and 3.0; little-endian or
 * byte-sized types b1, i1, u1, i2, u2, i4, u4, i8, u8, f4, f8; C order (a
 * Fortran-order array is refused); the file's size must be exactly its
 * header's plus its data's.  HDF5 datasets: any integer or floating-point
 * type, or h5py's boolean (an enum of 1-byte integers).
 */
#ifndef A2D_IMPORT_H
#define A2D_IMPORT_H

#include <stdint.h>

#include "a2d/error.h"

#define A2D_IMPORT_MAX_RANK 4

typedef struct a2d_import a2d_import;

/* Element kinds an array may be asked to have (a bit set). */
enum {
  A2D_IMPORT_FLOAT = 1,   /* float32 or float64 */
  A2D_IMPORT_INTEGER = 2, /* signed or unsigned integers of any width, and booleans */
};

/* An array found in an import: its name, shape and element type. */
typedef struct a2d_import_array {
  char name[160];
  int rank;
  int64_t dims[A2D_IMPORT_MAX_RANK];
  int kind;        /* A2D_IMPORT_FLOAT or A2D_IMPORT_INTEGER */
  int size;        /* bytes per element in the file */
  int is_signed;   /* integers: signed */
  int64_t offset;  /* .npy: byte offset of the data in the file */
  char file[4096]; /* .npy: the file holding it */
} a2d_import_array;

/*
 * Open an import: an HDF5 file, or a directory of .npy files.  A path that
 * does not exist or cannot be read is A2D_ERR_IO; a file that is neither a
 * directory nor HDF5 is A2D_ERR_DATA.
 */
a2d_err a2d_import_open(const char *path, a2d_import **out);
a2d_err a2d_import_close(a2d_import **imp);

/* The import's path, as opened. */
const char *a2d_import_path(const a2d_import *imp);

/* Whether array `name` exists (a malformed one exists: reading it says what is wrong). */
a2d_err a2d_import_has(a2d_import *imp, const char *name, int *found);

/*
 * Find array `name` and check it: `rank` dimensions, each dims[i] >= 0 equal
 * to the array's (dims[i] < 0: any size, which is written back), no size 0
 * unless asked for, and an element kind in `kinds`.  A missing array, or one
 * of another rank, size or kind, is A2D_ERR_DATA naming it and what was
 * expected.
 */
a2d_err a2d_import_expect(a2d_import *imp, const char *name, int kinds, int rank, int64_t *dims,
                          a2d_import_array *out);

/* Values per row: the product of dims[1..rank). */
int64_t a2d_import_row_values(const a2d_import_array *a);

/*
 * Rows [row0, row0 + rows) of a floating-point array as float32, each value
 * checked finite and within float32's range.
 */
a2d_err a2d_import_read_f32(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            float *out);

/* The same as float64 (finite). */
a2d_err a2d_import_read_f64(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            double *out);

/* Rows of an integer array as int64, each value checked within [lo, hi]. */
a2d_err a2d_import_read_i64(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            int64_t lo, int64_t hi, int64_t *out);

/* Rows of an integer array whose every value is 0 or 1, as bytes. */
a2d_err a2d_import_read_mask(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                             uint8_t *out);

/*
 * A checksum of the values of the listed arrays as read (format-independent:
 * the same numbers in .npy and HDF5 give the same sum), with their shapes,
 * as text "name = (a x b) crc32 XXXXXXXX" per array, one line each; arrays
 * that are absent read "name = absent".  For a stage's fingerprint, so that a
 * changed import makes its results out of date.  Caller frees *text.
 */
a2d_err a2d_import_checksum(a2d_import *imp, const char *const *names, int count, char **text);

#endif
