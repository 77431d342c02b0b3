/*
 * h5data.c - the HDF5 loader: dataset /x (n x d, any numeric type, read as
 * float) and /y (n, any integer type, read as int32).  The file is read
 * serially with the default property list, so any rank may call it without
 * MPI.  HDF5's own error printing is switched off while we work; failures are
 * raised as a2d errors naming the file and dataset (rows are 0-based).
 */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a2d/data.h"

#define H5DATA_MAX_VALUES (1ull << 31) /* refuse /x larger than this many values */

/* H5Ewalk2 callback: copy the description of the first (innermost) error into the buffer. */
static herr_t h5_first_error(unsigned n, const H5E_error2_t *e, void *buf) {
  if (n == 0 && e->desc) snprintf((char *)buf, 256, "%s", e->desc);
  return 0;
}

/* HDF5's description of the error it just recorded, or "unknown HDF5 error" (static buffer). */
static const char *h5_error_text(void) {
  static char text[256];
  snprintf(text, sizeof text, "unknown HDF5 error");
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_first_error, text);
  return text;
}

/*
 * Open dataset `name` of `file` into *set and check it: a dataset of rank
 * `rank` with no zero size, numeric (integer or float) or, if `labels`,
 * integer.  dims[0..rank) receives its sizes; `expect` describes it.
 */
static a2d_err h5_open_dataset(hid_t file, const char *path, const char *name, int rank, int labels,
                               const char *expect, hid_t *set, hsize_t *dims) {
  a2d_err err = A2D_OK;
  hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;

  htri_t exists = H5Lexists(file, name, H5P_DEFAULT);
  if (exists < 0)
    return A2D_ERROR(A2D_ERR_DATA, "%s: cannot look up dataset %s: %s", path, name,
                     h5_error_text());
  if (exists == 0)
    return A2D_ERROR(A2D_ERR_DATA, "%s: no dataset %s (expected %s)", path, name, expect);
  *set = H5Dopen2(file, name, H5P_DEFAULT);
  if (*set < 0)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s is not a dataset (expected %s)", path, name, expect);

  type = H5Dget_type(*set);
  if (type < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s: cannot read its type: %s", path, name, h5_error_text());
  H5T_class_t cls = H5Tget_class(type);
  if (labels && cls == H5T_FLOAT)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s has a floating-point type, expected %s", path, name,
             expect);
  if (labels && cls != H5T_INTEGER)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s has a non-integer type, expected %s", path, name,
             expect);
  if (!labels && cls != H5T_INTEGER && cls != H5T_FLOAT)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s has a non-numeric type, expected %s", path, name,
             expect);

  space = H5Dget_space(*set);
  if (space < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s: cannot read its shape: %s", path, name,
             h5_error_text());
  int ndims = H5Sget_simple_extent_ndims(space);
  if (ndims < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s: cannot read its shape: %s", path, name,
             h5_error_text());
  if (ndims != rank)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s has rank %d, expected %d (%s)", path, name, ndims, rank,
             expect);
  if (H5Sget_simple_extent_dims(space, dims, NULL) < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s: cannot read its shape: %s", path, name,
             h5_error_text());
  for (int k = 0; k < rank; k++)
    if (dims[k] == 0)
      A2D_FAIL(A2D_ERR_DATA, "%s: dataset %s is empty (expected %s)", path, name, expect);

cleanup:
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  return err;
}

/* Load /x and /y of an HDF5 file into `out` (see a2d/data.h). */
a2d_err a2d_h5data_load(const char *path, int32_t classes, a2d_dataset *out) {
  a2d_err err = A2D_OK;
  H5E_auto2_t saved_func = NULL;
  void *saved_data = NULL;
  int saved = 0;
  hid_t file = H5I_INVALID_HID, xset = H5I_INVALID_HID, yset = H5I_INVALID_HID;
  hsize_t xdims[2] = {0, 0}, ydims[1] = {0};
  int32_t max_label = -1;
  a2d_dataset ds = {0};

  if (classes < 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "HDF5 loader: classes must be >= 0, got %d", (int)classes);
  if (access(path, R_OK) != 0)
    return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", path, strerror(errno));

  if (H5Eget_auto2(H5E_DEFAULT, &saved_func, &saved_data) < 0 ||
      H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "%s: cannot silence HDF5 error printing", path);
  saved = 1;

  htri_t is_hdf5 = H5Fis_hdf5(path);
  if (is_hdf5 < 0) A2D_FAIL(A2D_ERR_IO, "%s: cannot read: %s", path, h5_error_text());
  if (is_hdf5 == 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: not an HDF5 file (expected datasets /x and /y)", path);
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  /* Readable and signed as HDF5, yet unopenable: the file is damaged or truncated. */
  if (file < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: damaged HDF5 file, cannot open: %s", path, h5_error_text());

  A2D_TRY(h5_open_dataset(file, path, "/x", 2, 0, "n x d features", &xset, xdims));
  A2D_TRY(h5_open_dataset(file, path, "/y", 1, 1, "n integer class labels", &yset, ydims));
  if (xdims[0] != ydims[0])
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset /x has %llu rows, but /y has %llu labels", path,
             (unsigned long long)xdims[0], (unsigned long long)ydims[0]);
  if (xdims[0] > H5DATA_MAX_VALUES / xdims[1])
    A2D_FAIL(A2D_ERR_DATA, "%s: dataset /x is %llu x %llu, more than the limit of %llu values",
             path, (unsigned long long)xdims[0], (unsigned long long)xdims[1],
             (unsigned long long)H5DATA_MAX_VALUES);

  ds.n = (int64_t)xdims[0];
  ds.d = (int64_t)xdims[1];
  A2D_TRY(A2D_CALLOC(ds.x, (size_t)ds.n * (size_t)ds.d));
  A2D_TRY(A2D_CALLOC(ds.y, ds.n));
  A2D_TRY(A2D_CALLOC(ds.index, ds.n));
  if (H5Dread(xset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.x) < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: cannot read dataset /x as float: %s", path, h5_error_text());
  if (H5Dread(yset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.y) < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: cannot read dataset /y as int32: %s", path, h5_error_text());

  for (int64_t i = 0; i < ds.n; i++) {
    const float *row = ds.x + i * ds.d;
    for (int64_t j = 0; j < ds.d; j++)
      if (!isfinite(row[j]))
        A2D_FAIL(A2D_ERR_DATA, "%s: dataset /x row %lld: non-finite value (%g) in column %lld",
                 path, (long long)i, (double)row[j], (long long)j);
  }
  for (int64_t i = 0; i < ds.n; i++) {
    int32_t label = ds.y[i];
    /* Values beyond int32 are clamped by the conversion, so INT32_MAX is refused as well. */
    if (label < 0 || label == INT32_MAX)
      A2D_FAIL(A2D_ERR_DATA, "%s: dataset /y row %lld: label %d is not a valid class number", path,
               (long long)i, (int)label);
    if (classes > 0 && label >= classes)
      A2D_FAIL(A2D_ERR_DATA, "%s: dataset /y row %lld: label %d is out of range: expected 0..%d",
               path, (long long)i, (int)label, (int)classes - 1);
    if (label > max_label) max_label = label;
    ds.index[i] = i;
  }
  ds.classes = classes > 0 ? classes : max_label + 1;
  *out = ds;
  ds = (a2d_dataset){0};

cleanup:
  if (xset >= 0) H5Dclose(xset);
  if (yset >= 0) H5Dclose(yset);
  if (file >= 0) H5Fclose(file);
  if (saved) H5Eset_auto2(H5E_DEFAULT, saved_func, saved_data);
  a2d_dataset_free(&ds);
  return err;
}
