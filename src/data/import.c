/*
 * import.c - the import reader (a2d/import.h): named arrays from an HDF5 file
 * or a directory of .npy files, checked for shape, kind and values.
 *
 * Rows are read as float64 or int64 and then checked and narrowed, so both
 * formats share every value check; HDF5 converts its own types on the read,
 * .npy elements are converted here (little-endian, as NumPy writes on every
 * machine a2d runs on).
 */
#include "a2d/import.h"

#include <errno.h>
#include <float.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define NPY_MAX_HEADER 65536
#define READ_CHUNK_BYTES (8 << 20) /* rows read at a time by the checksum */

struct a2d_import {
  char *path;
  int h5; /* 1: an HDF5 file; 0: a directory of .npy files */
  hid_t file;
};

/* ---- HDF5 error text, with HDF5's own printing switched off around each call ---- */

static herr_t first_error(unsigned n, const H5E_error2_t *e, void *buf) {
  if (n == 0 && e->desc) snprintf((char *)buf, 256, "%s", e->desc);
  return 0;
}

static const char *h5_text(void) {
  static char text[256];
  snprintf(text, sizeof text, "unknown HDF5 error");
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, text);
  return text;
}

typedef struct quiet {
  H5E_auto2_t func;
  void *data;
} quiet;

static void quiet_begin(quiet *q) {
  H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const quiet *q) {
  H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* ---- open and close ---- */

a2d_err a2d_import_open(const char *path, a2d_import **out) {
  a2d_err err = A2D_OK;
  a2d_import *imp = NULL;
  struct stat st;
  quiet q;
  *out = NULL;
  if (stat(path, &st) != 0)
    return A2D_ERROR(A2D_ERR_IO, "%s: cannot open the import: %s", path, strerror(errno));
  A2D_CHECK(A2D_CALLOC(imp, 1));
  imp->file = H5I_INVALID_HID;
  imp->path = strdup(path);
  if (!imp->path) A2D_FAIL(A2D_ERR_MEM, "out of memory");
  if (S_ISDIR(st.st_mode)) {
    *out = imp;
    return A2D_OK;
  }
  quiet_begin(&q);
  htri_t is = H5Fis_hdf5(path);
  if (is > 0) imp->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  quiet_end(&q);
  if (is < 0) A2D_FAIL(A2D_ERR_IO, "%s: cannot read the import: %s", path, h5_text());
  if (is == 0)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: the import is neither an HDF5 file nor a directory of .npy files "
             "(docs/import.md)",
             path);
  if (imp->file < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: damaged HDF5 file, cannot open: %s", path, h5_text());
  imp->h5 = 1;
  *out = imp;
  return A2D_OK;
cleanup:
  a2d_import_close(&imp);
  return err;
}

a2d_err a2d_import_close(a2d_import **imp) {
  if (!*imp) return A2D_OK;
  a2d_err err = A2D_OK;
  if ((*imp)->file >= 0 && H5Fclose((*imp)->file) < 0)
    err = A2D_ERROR(A2D_ERR_IO, "%s: cannot close: %s", (*imp)->path, h5_text());
  free((*imp)->path);
  free(*imp);
  *imp = NULL;
  return err;
}

const char *a2d_import_path(const a2d_import *imp) {
  return imp->path;
}

/* ---- NumPy .npy headers ---- */

/* The .npy file of array `name` in directory import `imp`. */
static void npy_file(const a2d_import *imp, const char *name, char *file, size_t size) {
  snprintf(file, size, "%s/%s.npy", imp->path, name);
}

/* The value of key `key` in a .npy header dict: a pointer just after its colon, or NULL. */
static const char *npy_key(const char *header, const char *key) {
  char quoted[32];
  for (int pass = 0; pass < 2; pass++) {
    snprintf(quoted, sizeof quoted, pass ? "\"%s\"" : "'%s'", key);
    const char *p = strstr(header, quoted);
    if (!p) continue;
    p += strlen(quoted);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
  }
  return NULL;
}

/* Parse a .npy header dict into a (rank, dims, kind, size, signedness). */
static a2d_err npy_parse(const char *file, const char *name, const char *header,
                         a2d_import_array *a) {
  const char *p = npy_key(header, "descr");
  if (!p || (*p != '\'' && *p != '"'))
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s: the header has no 'descr' (not a .npy file?)", file,
                     name);
  char descr[16] = {0};
  const char q = *p++;
  size_t k = 0;
  while (*p && *p != q && k < sizeof descr - 1) descr[k++] = *p++;
  const char order = descr[0], type = descr[1];
  const int size = atoi(descr + 2);
  int ok = (order == '<' || order == '|' || order == '=') && strlen(descr) >= 3;
  ok = ok && ((type == 'b' && size == 1) || (type == 'f' && (size == 4 || size == 8)) ||
              ((type == 'i' || type == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)));
  if (!ok)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: %s: element type '%s' is not supported (expected little-endian "
                     "float32/float64, integers or bool: <f4, <f8, <i8, |u1, |b1, ...)",
                     file, name, descr);
  a->kind = type == 'f' ? A2D_IMPORT_FLOAT : A2D_IMPORT_INTEGER;
  a->size = size;
  a->is_signed = type == 'i';
  p = npy_key(header, "fortran_order");
  if (!p || (strncmp(p, "False", 5) && strncmp(p, "True", 4)))
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s: the header has no 'fortran_order'", file, name);
  if (!strncmp(p, "True", 4))
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: %s: the array is in Fortran order; expected C order "
                     "(numpy.ascontiguousarray before numpy.save)",
                     file, name);
  p = npy_key(header, "shape");
  if (!p || *p != '(')
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s: the header has no 'shape'", file, name);
  p++;
  a->rank = 0;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    if (*p < '0' || *p > '9' || a->rank == A2D_IMPORT_MAX_RANK)
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s: %s: cannot read the shape in the header (at most %d "
                       "dimensions)",
                       file, name, A2D_IMPORT_MAX_RANK);
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno || v < 0)
      return A2D_ERROR(A2D_ERR_DATA, "%s: %s: a size in the header's shape is out of range", file,
                       name);
    a->dims[a->rank++] = v;
    p = end;
  }
  return A2D_OK;
}

/* Read the header of `file`: a's shape and type, and the data's offset; check the file's size. */
static a2d_err npy_info(const char *file, const char *name, a2d_import_array *a) {
  a2d_err err = A2D_OK;
  unsigned char pre[12];
  char *header = NULL;
  FILE *f = fopen(file, "rb");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
  size_t got = fread(pre, 1, 10, f);
  if (got < 10 || memcmp(pre, "\x93NUMPY", 6))
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: not a NumPy .npy file (no \\x93NUMPY magic)", file, name);
  const int major = pre[6];
  uint32_t hlen;
  int64_t off;
  if (major == 1) {
    hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    off = 10;
  } else if (major == 2 || major == 3) {
    if (fread(pre + 10, 1, 2, f) != 2)
      A2D_FAIL(A2D_ERR_DATA, "%s: %s: truncated .npy header", file, name);
    hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
           (uint32_t)pre[11] << 24;
    off = 12;
  } else {
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: .npy format version %d is not supported (expected 1, 2 or 3)",
             file, name, major);
  }
  if (hlen > NPY_MAX_HEADER)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: .npy header of %u bytes, more than %d", file, name, hlen,
             NPY_MAX_HEADER);
  A2D_TRY(A2D_CALLOC(header, hlen + 1));
  if (fread(header, 1, hlen, f) != hlen)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: truncated .npy header", file, name);
  A2D_TRY(npy_parse(file, name, header, a));
  a->offset = off + hlen;
  /* The data must fill the rest of the file exactly. */
  int64_t count = 1;
  for (int k = 0; k < a->rank; k++) {
    if (a->dims[k] && count > INT64_MAX / 16 / a->dims[k])
      A2D_FAIL(A2D_ERR_DATA, "%s: %s: the shape is too large", file, name);
    count *= a->dims[k];
  }
  if (fseeko(f, 0, SEEK_END) != 0)
    A2D_FAIL(A2D_ERR_IO, "%s: cannot seek: %s", file, strerror(errno));
  const int64_t have = (int64_t)ftello(f) - a->offset, want = count * a->size;
  if (have != want)
    A2D_FAIL(A2D_ERR_DATA,
             "%s: %s: the header promises %" PRId64 " bytes of data, the file holds %" PRId64
             " (truncated or damaged)",
             file, name, want, have);
  snprintf(a->file, sizeof a->file, "%s", file);
cleanup:
  free(header);
  fclose(f);
  return err;
}

/* ---- HDF5 datasets ---- */

/* Whether the HDF5 link `path` exists, checking each component of the path in turn. */
static a2d_err h5_exists(const a2d_import *imp, const char *name, int *found) {
  char path[256];
  *found = 0;
  snprintf(path, sizeof path, "/%s", name);
  quiet q;
  quiet_begin(&q);
  for (char *p = path + 1;; p++) {
    const char c = *p;
    if (c != '/' && c != 0) continue;
    *p = 0;
    htri_t e = H5Lexists(imp->file, path, H5P_DEFAULT);
    *p = c;
    if (e <= 0) {
      quiet_end(&q);
      return A2D_OK;
    }
    if (!c) break;
  }
  quiet_end(&q);
  *found = 1;
  return A2D_OK;
}

static a2d_err h5_info(a2d_import *imp, const char *name, a2d_import_array *a) {
  a2d_err err = A2D_OK;
  char path[256];
  hid_t set = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
  quiet q;
  quiet_begin(&q);
  snprintf(path, sizeof path, "/%s", name);
  set = H5Dopen2(imp->file, path, H5P_DEFAULT);
  if (set < 0) A2D_FAIL(A2D_ERR_DATA, "%s: %s is not a dataset", imp->path, name);
  type = H5Dget_type(set);
  space = H5Dget_space(set);
  if (type < 0 || space < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: cannot read its type and shape: %s", imp->path, name,
             h5_text());
  const H5T_class_t cls = H5Tget_class(type);
  a->size = (int)H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    a->kind = A2D_IMPORT_FLOAT;
  } else if (cls == H5T_INTEGER) {
    a->kind = A2D_IMPORT_INTEGER;
    a->is_signed = H5Tget_sign(type) == H5T_SGN_2;
  } else if (cls == H5T_ENUM && a->size == 1) { /* h5py's bool */
    a->kind = A2D_IMPORT_INTEGER;
  } else {
    A2D_FAIL(A2D_ERR_DATA, "%s: %s has a type that is neither integer nor floating point",
             imp->path, name);
  }
  const int rank = H5Sget_simple_extent_ndims(space);
  hsize_t dims[H5S_MAX_RANK];
  if (rank < 0 || rank > A2D_IMPORT_MAX_RANK || H5Sget_simple_extent_dims(space, dims, NULL) < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: a shape of at most %d dimensions was expected", imp->path, name,
             A2D_IMPORT_MAX_RANK);
  a->rank = rank;
  for (int k = 0; k < rank; k++) a->dims[k] = (int64_t)dims[k];
cleanup:
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (set >= 0) H5Dclose(set);
  quiet_end(&q);
  return err;
}

/* ---- finding arrays ---- */

a2d_err a2d_import_has(a2d_import *imp, const char *name, int *found) {
  if (imp->h5) return h5_exists(imp, name, found);
  char file[4096];
  struct stat st;
  npy_file(imp, name, file, sizeof file);
  *found = stat(file, &st) == 0;
  return A2D_OK;
}

/* "(a x b x c)" for a shape; -1 sizes read "any". */
static const char *shape_text(int rank, const int64_t *dims, char *buf, size_t size) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, size - k, "(");
  for (int i = 0; i < rank && k < size; i++) {
    if (dims[i] < 0)
      k += (size_t)snprintf(buf + k, size - k, "%sany", i ? " x " : "");
    else
      k += (size_t)snprintf(buf + k, size - k, "%s%" PRId64, i ? " x " : "", dims[i]);
  }
  if (k < size) snprintf(buf + k, size - k, ")");
  return buf;
}

static const char *kinds_text(int kinds) {
  if (kinds == A2D_IMPORT_FLOAT) return "floating point (float32 or float64)";
  if (kinds == A2D_IMPORT_INTEGER) return "integers (or booleans)";
  return "numbers";
}

a2d_err a2d_import_expect(a2d_import *imp, const char *name, int kinds, int rank, int64_t *dims,
                          a2d_import_array *out) {
  char want[128], have[128];
  int found;
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", name);
  A2D_CHECK(a2d_import_has(imp, name, &found));
  if (!found)
    return A2D_ERROR(A2D_ERR_DATA, "%s: no array %s (expected %s %s; docs/import.md)", imp->path,
                     name, kinds_text(kinds), shape_text(rank, dims, want, sizeof want));
  if (imp->h5) {
    A2D_CHECK(h5_info(imp, name, out));
  } else {
    char file[4096];
    npy_file(imp, name, file, sizeof file);
    A2D_CHECK(npy_info(file, name, out));
  }
  snprintf(out->name, sizeof out->name, "%s", name);
  shape_text(rank, dims, want, sizeof want);
  shape_text(out->rank, out->dims, have, sizeof have);
  if (out->rank != rank)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s has shape %s, expected %s", imp->path, name, have, want);
  for (int k = 0; k < rank; k++) {
    if (dims[k] >= 0 && out->dims[k] != dims[k])
      return A2D_ERROR(A2D_ERR_DATA, "%s: %s has shape %s, expected %s", imp->path, name, have,
                       want);
    if (dims[k] < 0 && out->dims[k] == 0)
      return A2D_ERROR(A2D_ERR_DATA, "%s: %s is empty: shape %s", imp->path, name, have);
  }
  if (!(out->kind & kinds))
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s holds %s, expected %s", imp->path, name,
                     kinds_text(out->kind), kinds_text(kinds));
  for (int k = 0; k < rank; k++) dims[k] = out->dims[k];
  return A2D_OK;
}

int64_t a2d_import_row_values(const a2d_import_array *a) {
  int64_t v = 1;
  for (int k = 1; k < a->rank; k++) v *= a->dims[k];
  return v;
}

/* ---- reading rows, as float64 (as_int 0) or int64 (as_int 1) ---- */

/* One .npy element at p as a double or an int64 (through *d or *i). */
static void npy_element(const a2d_import_array *a, const unsigned char *p, double *d, int64_t *i) {
  union {
    float f4;
    double f8;
    int8_t i1;
    int16_t i2;
    int32_t i4;
    int64_t i8;
    uint8_t u1;
    uint16_t u2;
    uint32_t u4;
    uint64_t u8;
  } v;
  memcpy(&v, p, (size_t)a->size);
  if (a->kind == A2D_IMPORT_FLOAT) {
    *d = a->size == 4 ? (double)v.f4 : v.f8;
    *i = 0;
    return;
  }
  int64_t x;
  switch (a->size) {
    case 1:
      x = a->is_signed ? v.i1 : v.u1;
      break;
    case 2:
      x = a->is_signed ? v.i2 : v.u2;
      break;
    case 4:
      x = a->is_signed ? v.i4 : (int64_t)v.u4;
      break;
    default:
      x = a->is_signed ? v.i8 : (v.u8 > INT64_MAX ? INT64_MAX : (int64_t)v.u8);
      break;
  }
  *i = x;
  *d = (double)x;
}

static a2d_err npy_rows(const a2d_import_array *a, int64_t row0, int64_t rows, int as_int,
                        void *out) {
  a2d_err err = A2D_OK;
  const int64_t per = a2d_import_row_values(a), count = rows * per;
  unsigned char *raw = NULL;
  FILE *f = fopen(a->file, "rb");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", a->file, strerror(errno));
  A2D_TRY(a2d_calloc((size_t)(count > 0 ? count : 1), (size_t)a->size, &raw));
  if (fseeko(f, (off_t)(a->offset + row0 * per * a->size), SEEK_SET) != 0 ||
      fread(raw, (size_t)a->size, (size_t)count, f) != (size_t)count)
    A2D_FAIL(A2D_ERR_IO, "%s: cannot read rows %" PRId64 "..%" PRId64 ": %s", a->file, row0,
             row0 + rows - 1, ferror(f) ? strerror(errno) : "file ended");
  for (int64_t k = 0; k < count; k++) {
    double d;
    int64_t i;
    npy_element(a, raw + k * a->size, &d, &i);
    if (as_int)
      ((int64_t *)out)[k] = i;
    else
      ((double *)out)[k] = d;
  }
cleanup:
  free(raw);
  fclose(f);
  return err;
}

static a2d_err h5_rows(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                       int as_int, void *out) {
  a2d_err err = A2D_OK;
  char path[256];
  hid_t set = H5I_INVALID_HID, fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID,
        mtype = H5I_INVALID_HID;
  uint8_t *bytes = NULL;
  hsize_t start[A2D_IMPORT_MAX_RANK] = {0}, count[A2D_IMPORT_MAX_RANK];
  const int64_t per = a2d_import_row_values(a);
  quiet q;
  quiet_begin(&q);
  snprintf(path, sizeof path, "/%s", a->name);
  set = H5Dopen2(imp->file, path, H5P_DEFAULT);
  if (set < 0) A2D_FAIL(A2D_ERR_DATA, "%s: %s: cannot open: %s", imp->path, a->name, h5_text());
  fspace = H5Dget_space(set);
  start[0] = (hsize_t)row0;
  count[0] = (hsize_t)rows;
  for (int k = 1; k < a->rank; k++) count[k] = (hsize_t)a->dims[k];
  if (a->rank == 0) { /* a scalar: one row of one value */
    mspace = H5Screate(H5S_SCALAR);
  } else {
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
      A2D_FAIL(A2D_ERR_INTERNAL, "%s: %s: cannot select rows: %s", imp->path, a->name, h5_text());
    mspace = H5Screate_simple(a->rank, count, NULL);
  }
  herr_t rc;
  hid_t ftype = H5Dget_type(set);
  const int is_enum = ftype >= 0 && H5Tget_class(ftype) == H5T_ENUM;
  if (is_enum) mtype = H5Tget_native_type(ftype, H5T_DIR_ASCEND);
  if (ftype >= 0) H5Tclose(ftype);
  if (is_enum) { /* h5py's bool: read the enum's raw 1-byte values */
    A2D_TRY(a2d_calloc((size_t)(rows * per > 0 ? rows * per : 1), 1, &bytes));
    rc = H5Dread(set, mtype, mspace, fspace, H5P_DEFAULT, bytes);
    if (rc >= 0)
      for (int64_t k = 0; k < rows * per; k++) {
        if (as_int)
          ((int64_t *)out)[k] = bytes[k];
        else
          ((double *)out)[k] = bytes[k];
      }
  } else {
    rc = H5Dread(set, as_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT,
                 out);
  }
  if (rc < 0)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s: cannot read rows %" PRId64 "..%" PRId64 ": %s", imp->path,
             a->name, row0, row0 + rows - 1, h5_text());
cleanup:
  free(bytes);
  if (mtype >= 0) H5Tclose(mtype);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (set >= 0) H5Dclose(set);
  quiet_end(&q);
  return err;
}

static a2d_err read_rows(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                         int as_int, void *out) {
  const int64_t nrows = a->rank ? a->dims[0] : 1;
  if (row0 < 0 || rows < 0 || row0 + rows > nrows)
    return A2D_ERROR(A2D_ERR_INTERNAL, "%s: %s: rows %" PRId64 "..%" PRId64 " of %" PRId64,
                     imp->path, a->name, row0, row0 + rows - 1, nrows);
  if (rows == 0) return A2D_OK;
  if (imp->h5) return h5_rows(imp, a, row0, rows, as_int, out);
  return npy_rows(a, row0, rows, as_int, out);
}

/* Rows of `per` values each that fill about READ_CHUNK_BYTES as doubles (at least one). */
static int64_t rows_per_read(int64_t per) {
  const int64_t rows = per > 0 ? READ_CHUNK_BYTES / 8 / per : 1;
  return rows > 0 ? rows : 1;
}

/* "[r, j, c]": the position of flat value k of a row block starting at row0. */
static const char *position(const a2d_import_array *a, int64_t row0, int64_t k, char *buf,
                            size_t size) {
  int64_t idx[A2D_IMPORT_MAX_RANK];
  int64_t rest = k;
  for (int d = a->rank - 1; d >= 1; d--) {
    idx[d] = rest % a->dims[d];
    rest /= a->dims[d];
  }
  idx[0] = row0 + rest;
  size_t n = (size_t)snprintf(buf, size, "[");
  for (int d = 0; d < (a->rank ? a->rank : 1) && n < size; d++)
    n += (size_t)snprintf(buf + n, size - n, "%s%" PRId64, d ? ", " : "", a->rank ? idx[d] : 0);
  if (n < size) snprintf(buf + n, size - n, "]");
  return buf;
}

a2d_err a2d_import_read_f64(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            double *out) {
  char at[96];
  A2D_CHECK(read_rows(imp, a, row0, rows, 0, out));
  const int64_t count = rows * a2d_import_row_values(a);
  for (int64_t k = 0; k < count; k++)
    if (!isfinite(out[k]))
      return A2D_ERROR(A2D_ERR_DATA, "%s: %s%s: expected a finite number, got %g", imp->path,
                       a->name, position(a, row0, k, at, sizeof at), out[k]);
  return A2D_OK;
}

a2d_err a2d_import_read_f32(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            float *out) {
  a2d_err err = A2D_OK;
  char at[96];
  const int64_t per = a2d_import_row_values(a);
  double *buf = NULL;
  /* Through a bounded buffer: about 8 MB of doubles at a time. */
  const int64_t step = rows_per_read(per);
  A2D_TRY(A2D_CALLOC(buf, (step < rows ? step : rows) * per + 1));
  for (int64_t r = 0; r < rows; r += step) {
    const int64_t nr = r + step < rows ? step : rows - r;
    A2D_TRY(a2d_import_read_f64(imp, a, row0 + r, nr, buf));
    for (int64_t k = 0; k < nr * per; k++) {
      if (fabs(buf[k]) > FLT_MAX)
        A2D_FAIL(A2D_ERR_DATA, "%s: %s%s: %g is beyond float32's range", imp->path, a->name,
                 position(a, row0 + r, k, at, sizeof at), buf[k]);
      out[r * per + k] = (float)buf[k];
    }
  }
cleanup:
  free(buf);
  return err;
}

a2d_err a2d_import_read_i64(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                            int64_t lo, int64_t hi, int64_t *out) {
  char at[96];
  if (a->kind != A2D_IMPORT_INTEGER)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s holds floating point numbers, expected integers",
                     imp->path, a->name);
  A2D_CHECK(read_rows(imp, a, row0, rows, 1, out));
  const int64_t count = rows * a2d_import_row_values(a);
  for (int64_t k = 0; k < count; k++)
    if (out[k] < lo || out[k] > hi)
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s: %s%s: expected an integer in [%" PRId64 ", %" PRId64 "], got %" PRId64,
                       imp->path, a->name, position(a, row0, k, at, sizeof at), lo, hi, out[k]);
  return A2D_OK;
}

a2d_err a2d_import_read_mask(a2d_import *imp, const a2d_import_array *a, int64_t row0, int64_t rows,
                             uint8_t *out) {
  a2d_err err = A2D_OK;
  char at[96];
  const int64_t per = a2d_import_row_values(a);
  int64_t *buf = NULL;
  const int64_t step = rows_per_read(per);
  if (a->kind != A2D_IMPORT_INTEGER)
    return A2D_ERROR(A2D_ERR_DATA, "%s: %s holds floating point numbers, expected 0/1 integers",
                     imp->path, a->name);
  A2D_TRY(A2D_CALLOC(buf, (step < rows ? step : rows) * per + 1));
  for (int64_t r = 0; r < rows; r += step) {
    const int64_t nr = r + step < rows ? step : rows - r;
    A2D_TRY(read_rows(imp, a, row0 + r, nr, 1, buf));
    for (int64_t k = 0; k < nr * per; k++) {
      if (buf[k] != 0 && buf[k] != 1)
        A2D_FAIL(A2D_ERR_DATA, "%s: %s%s: expected 0 or 1, got %" PRId64, imp->path, a->name,
                 position(a, row0 + r, k, at, sizeof at), buf[k]);
      out[r * per + k] = (uint8_t)buf[k];
    }
  }
cleanup:
  free(buf);
  return err;
}

/* ---- checksums ---- */

/* crc32 of the array's values as float64 or int64, read a bounded block of rows at a time. */
static a2d_err array_crc(a2d_import *imp, const a2d_import_array *a, uLong *crc) {
  a2d_err err = A2D_OK;
  const int64_t per = a2d_import_row_values(a), nrows = a->rank ? a->dims[0] : 1;
  const int64_t step = per ? rows_per_read(per) : nrows;
  void *buf = NULL;
  A2D_TRY(a2d_calloc((size_t)((step < nrows ? step : nrows) * per + 1), 8, &buf));
  for (int64_t r = 0; r < nrows; r += step) {
    const int64_t nr = r + step < nrows ? step : nrows - r;
    A2D_TRY(read_rows(imp, a, r, nr, a->kind == A2D_IMPORT_INTEGER, buf));
    *crc = crc32_z(*crc, buf, (z_size_t)(nr * per * 8));
  }
cleanup:
  free(buf);
  return err;
}

a2d_err a2d_import_checksum(a2d_import *imp, const char *const *names, int count, char **text) {
  a2d_err err = A2D_OK;
  size_t cap = 256, len = 0;
  char *out = NULL;
  *text = NULL;
  A2D_TRY(A2D_CALLOC(out, cap));
  for (int i = 0; i < count; i++) {
    char line[512], shape[128];
    int found;
    A2D_TRY(a2d_import_has(imp, names[i], &found));
    if (!found) {
      snprintf(line, sizeof line, "%s = absent\n", names[i]);
    } else {
      a2d_import_array a;
      /* Any rank and kind: the stage checks them when it reads. */
      memset(&a, 0, sizeof a);
      snprintf(a.name, sizeof a.name, "%s", names[i]);
      if (imp->h5) {
        A2D_TRY(h5_info(imp, names[i], &a));
      } else {
        char file[4096];
        npy_file(imp, names[i], file, sizeof file);
        A2D_TRY(npy_info(file, names[i], &a));
      }
      uLong crc = crc32_z(0L, Z_NULL, 0);
      A2D_TRY(array_crc(imp, &a, &crc));
      snprintf(line, sizeof line, "%s = %s crc32 %08lx\n", names[i],
               shape_text(a.rank, a.dims, shape, sizeof shape), (unsigned long)crc);
    }
    const size_t l = strlen(line);
    if (len + l + 1 > cap) {
      char *bigger = realloc(out, cap = 2 * (len + l + 1));
      if (!bigger) A2D_FAIL(A2D_ERR_MEM, "out of memory");
      out = bigger;
    }
    memcpy(out + len, line, l + 1);
    len += l;
  }
  *text = out;
  return A2D_OK;
cleanup:
  free(out);
  return err;
}
