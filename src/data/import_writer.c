/* import_writer.c - arrays in the import layout, in HDF5 or .npy (a2d/import_writer.h). */
#include "a2d/import_writer.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct a2d_import_writer {
  char *path;
  hid_t file; /* an HDF5 file, or H5I_INVALID_HID for a folder of .npy files */
};

static size_t type_size(a2d_dtype t) {
  return t == A2D_F32 || t == A2D_I32 ? 4 : t == A2D_U8 ? 1 : 8;
}

static const char *npy_descr(a2d_dtype t) {
  switch (t) {
    case A2D_F32:
      return "<f4";
    case A2D_F64:
      return "<f8";
    case A2D_I32:
      return "<i4";
    case A2D_I64:
      return "<i8";
    default:
      return "|u1";
  }
}

static hid_t h5_type(a2d_dtype t) {
  switch (t) {
    case A2D_F32:
      return H5T_NATIVE_FLOAT;
    case A2D_F64:
      return H5T_NATIVE_DOUBLE;
    case A2D_I32:
      return H5T_NATIVE_INT32;
    case A2D_I64:
      return H5T_NATIVE_INT64;
    default:
      return H5T_NATIVE_UINT8;
  }
}

/* mkdir -p of the folders of `file` (its last component is a file). */
static a2d_err make_parents(const char *file) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", file);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return A2D_ERROR(A2D_ERR_IO, "%s: cannot create the folder: %s", buf, strerror(errno));
    *p = '/';
  }
  return A2D_OK;
}

a2d_err a2d_import_writer_create(const char *path, a2d_import_writer **out) {
  a2d_import_writer *w = NULL;
  const size_t len = strlen(path);
  *out = NULL;
  A2D_CHECK(A2D_CALLOC(w, 1));
  w->file = H5I_INVALID_HID;
  w->path = strdup(path);
  if (!w->path) {
    free(w);
    return A2D_ERROR(A2D_ERR_MEM, "out of memory");
  }
  if (len > 3 && !strcmp(path + len - 3, ".h5")) {
    w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w->file < 0) {
      free(w->path);
      free(w);
      return A2D_ERROR(A2D_ERR_IO, "%s: cannot create the HDF5 file", path);
    }
  } else if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    a2d_err err = A2D_ERROR(A2D_ERR_IO, "%s: cannot create the folder: %s", path, strerror(errno));
    free(w->path);
    free(w);
    return err;
  }
  *out = w;
  return A2D_OK;
}

static a2d_err write_npy(const a2d_import_writer *w, const char *name, a2d_dtype type, int rank,
                         const int64_t *dims, const void *data) {
  char file[4096], header[512], shape[256];
  size_t k = 0;
  int64_t count = 1;
  snprintf(file, sizeof file, "%s/%s.npy", w->path, name);
  A2D_CHECK(make_parents(file));
  k += (size_t)snprintf(shape + k, sizeof shape - k, "(");
  for (int d = 0; d < rank; d++) {
    k += (size_t)snprintf(shape + k, sizeof shape - k, "%" PRId64 "%s", dims[d],
                          rank == 1 || d + 1 < rank ? "," : "");
    count *= dims[d];
  }
  snprintf(shape + k, sizeof shape - k, ")");
  int h = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   npy_descr(type), shape);
  while ((10 + h + 1) % 64) header[h++] = ' '; /* NumPy aligns the data to 64 bytes */
  header[h++] = '\n';
  FILE *f = fopen(file, "wb");
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot create: %s", file, strerror(errno));
  const unsigned char pre[10] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(h & 0xff), (unsigned char)(h >> 8)};
  int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)h, f) == (size_t)h &&
           fwrite(data, type_size(type), (size_t)count, f) == (size_t)count;
  ok = (fclose(f) == 0) && ok;
  if (!ok) return A2D_ERROR(A2D_ERR_IO, "%s: cannot write: %s", file, strerror(errno));
  return A2D_OK;
}

static a2d_err write_h5(const a2d_import_writer *w, const char *name, a2d_dtype type, int rank,
                        const int64_t *dims, const void *data) {
  hsize_t hd[8];
  for (int d = 0; d < rank; d++) hd[d] = (hsize_t)dims[d];
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t space = H5Screate_simple(rank, hd, NULL);
  hid_t set = H5Dcreate2(w->file, name, h5_type(type), space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = set < 0 ? -1 : H5Dwrite(set, h5_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (set >= 0) H5Dclose(set);
  H5Sclose(space);
  H5Pclose(lcpl);
  if (rc < 0) return A2D_ERROR(A2D_ERR_IO, "%s: cannot write dataset %s", w->path, name);
  return A2D_OK;
}

a2d_err a2d_import_writer_array(a2d_import_writer *w, const char *name, a2d_dtype type, int rank,
                                const int64_t *dims, const void *data) {
  if (rank < 1 || rank > 8)
    return A2D_ERROR(A2D_ERR_INTERNAL, "%s: %s: rank %d", w->path, name, rank);
  if (w->file >= 0) return write_h5(w, name, type, rank, dims, data);
  return write_npy(w, name, type, rank, dims, data);
}

a2d_err a2d_import_writer_close(a2d_import_writer **w) {
  if (!*w) return A2D_OK;
  a2d_err err = A2D_OK;
  if ((*w)->file >= 0 && H5Fclose((*w)->file) < 0)
    err = A2D_ERROR(A2D_ERR_IO, "%s: cannot close", (*w)->path);
  free((*w)->path);
  free(*w);
  *w = NULL;
  return err;
}
