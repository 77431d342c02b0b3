/*
 * a2d/data.h - data sets and their loaders.
 *
 * A data set is n examples of d float32 features with int32 class labels in
 * [0, classes), stored row-major.  Loaders read a whole file into memory and
 * refuse malformed input with A2D_ERR_DATA and a message that names the file
 * (and line, dataset or header field) and the problem; none reads past a
 * buffer, whatever sizes a file claims.
 *
 *   a2d_dataset ds = {0};
 *   A2D_CHECK(a2d_mnist_load("/usr/share/datasets/fashion-mnist", "train", &ds));
 *   ...
 *   a2d_dataset_free(&ds);
 */
#ifndef A2D_DATA_H
#define A2D_DATA_H

#include <stdint.h>

#include "a2d/error.h"

typedef struct a2d_dataset {
  int64_t n;       /* number of examples */
  int64_t d;       /* features per example */
  int32_t classes; /* labels lie in [0, classes) */
  float *x;        /* n x d, row-major */
  int32_t *y;      /* n labels */
  int64_t *index;  /* n row numbers in the source file (0-based) */
} a2d_dataset;

/* Free the arrays of `ds` and zero it. */
void a2d_dataset_free(a2d_dataset *ds);

/* ---- IDX (MNIST format), plain or gzip-compressed, read through zlib ---- */

/*
 * Load an IDX image file (magic 0x00000803, unsigned bytes, n x rows x cols)
 * and its IDX label file (magic 0x00000801, n unsigned bytes).  Features are
 * the raw pixel values 0..255 as floats; labels must be < classes (1..256).
 * Refused with A2D_ERR_DATA: a wrong magic number, a zero size, more than 2^31
 * bytes declared, fewer or more bytes than declared, corrupt gzip data,
 * differing image and label counts, a label out of range.  Messages start
 * with the file path.  A file that cannot be opened is A2D_ERR_IO.
 */
a2d_err a2d_idx_load(const char *images_path, const char *labels_path, int32_t classes,
                     a2d_dataset *out);

/*
 * Load split "train" or "t10k" of an MNIST-layout directory
 * (DIR/train-images-idx3-ubyte.gz, ...; the uncompressed names are tried too).
 * 10 classes.  Works for MNIST and Fashion-MNIST.  Missing files are
 * A2D_ERR_IO naming the paths tried; any other split is A2D_ERR_INTERNAL.
 */
a2d_err a2d_mnist_load(const char *dir, const char *split, a2d_dataset *out);

/* ---- CSV: one example per line, a label column and feature columns ---- */

typedef struct a2d_csv_options {
  int label_column; /* 0-based column holding the label; -1 = last column */
  int header;       /* 1: first line is a header; 0: no header; -1: detect (non-numeric) */
  int32_t classes;  /* labels must be < classes; 0 = infer as max label + 1 */
} a2d_csv_options;

/*
 * Every column but the label is a feature (strtod; NaN, infinities and values
 * beyond float are refused).  Labels are non-negative integers ("3" or "3.0").
 * Header detection: the first line is a header if one of its fields is
 * non-empty and not a number.  All lines have the first line's column count;
 * blank lines are allowed only at the end; LF or CRLF; no length limit; no
 * quoting.  Messages name file:line and the 1-based column, e.g.
 * `data.csv:17: column 5: expected a finite number, got "nan"`.
 */
a2d_err a2d_csv_load(const char *path, const a2d_csv_options *opt, a2d_dataset *out);

/* ---- HDF5: datasets /x (n x d, any numeric type) and /y (n, integer) ---- */

/*
 * classes as for CSV (0 = infer). Read serially; call on any rank.  /x is
 * converted to float and must be finite; /y must have an integer type (a float
 * /y is refused).  Messages give 0-based rows, e.g. "f.h5: dataset /x row 12:
 * non-finite value (nan) in column 3".  A missing file is A2D_ERR_IO; a file
 * that is not HDF5, is damaged or lacks /x or /y is A2D_ERR_DATA.
 */
a2d_err a2d_h5data_load(const char *path, int32_t classes, a2d_dataset *out);

/* ---- Synthetic: Gaussian class clusters, for tests ---- */

/*
 * n examples in d dimensions, `classes` clusters: centre c ~ N(0, separation^2 I),
 * example i has label i mod classes and features centre + N(0, I).  Example i
 * is drawn from (seed, A2D_STREAM_SYNTHETIC, i), so it does not depend on n;
 * centre c from (seed, A2D_STREAM_SYNTHETIC, 2^62 + c).  Requires n > 0,
 * d > 0, classes >= 2 and a finite separation >= 0 (else A2D_ERR_DECK).
 */
a2d_err a2d_synthetic_generate(uint64_t seed, int64_t n, int64_t d, int32_t classes,
                               double separation, a2d_dataset *out);

/* ---- Selection and scaling ---- */

/*
 * out = the rows `rows[0..k)` of src (index follows the source rows; rows may
 * repeat; k may be 0).  `out` is overwritten, not freed.  A row outside
 * [0, src->n) is a bug: A2D_ERR_INTERNAL.
 */
a2d_err a2d_dataset_subset(const a2d_dataset *src, const int64_t *rows, int64_t k,
                           a2d_dataset *out);

typedef enum a2d_scaling { A2D_SCALE_NONE = 0, A2D_SCALE_UNIT, A2D_SCALE_STANDARD } a2d_scaling;

/*
 * Fit feature scaling on `train`: x' = (x - shift[j]) * factor[j].
 * NONE: shift 0, factor 1.  UNIT: the training set's global min and max map
 * to 0 and 1 (for IDX images shift 0 and factor 1/255f, so x / 255 to within
 * float rounding; factor 1 and shift min if all values are equal).  STANDARD:
 * per-feature mean and population standard deviation, computed in double
 * (factor 1 where a feature is constant).  shift and factor hold train->d
 * floats.  Fails with A2D_ERR_DATA on an empty training set.
 */
a2d_err a2d_scaling_fit(const a2d_dataset *train, a2d_scaling mode, float *shift, float *factor);

/* Apply a fitted scaling to ds in place. */
void a2d_scaling_apply(a2d_dataset *ds, const float *shift, const float *factor);

#endif
