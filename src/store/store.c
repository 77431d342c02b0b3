/* store.c - the HDF5 study file over MPI-IO (see a2d/store.h). */
#include "a2d/store.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a2d/parallel.h"
#include "a2d/version.h"

struct a2d_store {
  MPI_Comm comm;
  hid_t file;
  char *path;
  int lock_fd; /* rank 0: the descriptor holding the study file's lock, or -1 */
};

/* ---------------------------------------------------------------- helpers */

/* Collect the innermost HDF5 error description (the cause) into a buffer. */
static herr_t innermost_error(unsigned n, const H5E_error2_t *e, void *data) {
  char *buf = data;
  if (n == 0 && e->desc) snprintf(buf, 256, "%s", e->desc);
  return 0;
}

/* Raise `code` with a message and HDF5's own reason for the failure appended. */
#define H5_FAIL(code, ...) h5_fail(__FILE__, __LINE__, __func__, code, __VA_ARGS__)

static a2d_err h5_fail(const char *file, int line, const char *func, a2d_err code, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

static a2d_err h5_fail(const char *file, int line, const char *func, a2d_err code, const char *fmt,
                       ...) {
  char what[1024], cause[256] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, cause);
  H5Eclear2(H5E_DEFAULT);
  if (errno && (code == A2D_ERR_IO))
    return a2d_error_raise(file, line, func, code, "%s (%s%s%s)", what, cause, cause[0] ? "; " : "",
                           strerror(errno));
  if (cause[0]) return a2d_error_raise(file, line, func, code, "%s (%s)", what, cause);
  return a2d_error_raise(file, line, func, code, "%s", what);
}

static hid_t mem_type(a2d_dtype t) {
  switch (t) {
    case A2D_F32:
      return H5T_NATIVE_FLOAT;
    case A2D_F64:
      return H5T_NATIVE_DOUBLE;
    case A2D_I32:
      return H5T_NATIVE_INT32;
    case A2D_I64:
      return H5T_NATIVE_INT64;
    case A2D_U8:
      return H5T_NATIVE_UINT8;
  }
  return H5T_NATIVE_UINT8;
}

static hid_t file_type(a2d_dtype t) {
  switch (t) {
    case A2D_F32:
      return H5T_IEEE_F32LE;
    case A2D_F64:
      return H5T_IEEE_F64LE;
    case A2D_I32:
      return H5T_STD_I32LE;
    case A2D_I64:
      return H5T_STD_I64LE;
    case A2D_U8:
      return H5T_STD_U8LE;
  }
  return H5T_STD_U8LE;
}

static const char *dtype_name(a2d_dtype t) {
  static const char *names[] = {"float32", "float64", "int32", "int64", "uint8"};
  return names[t];
}

/* Whether the stored dataset type is of the class and size that `t` expects. */
static int type_matches(hid_t dtype, a2d_dtype t) {
  H5T_class_t cls = H5Tget_class(dtype);
  size_t size = H5Tget_size(dtype);
  switch (t) {
    case A2D_F32:
      return cls == H5T_FLOAT && size == 4;
    case A2D_F64:
      return cls == H5T_FLOAT && size == 8;
    case A2D_I32:
      return cls == H5T_INTEGER && size == 4;
    case A2D_I64:
      return cls == H5T_INTEGER && size == 8;
    case A2D_U8:
      return cls == H5T_INTEGER && size == 1;
  }
  return 0;
}

/*
 * Collective outcome of a step that every rank performed: `local` is this
 * rank's error (raised with H5_FAIL where it failed); all ranks fail together.
 */
#define AGREE(comm, ok, ...) a2d_agree((comm), (ok) ? A2D_OK : H5_FAIL(__VA_ARGS__))

/* ------------------------------------------------------------- open/close */

/* On rank 0: classify `path` as 0 missing, 1 HDF5 file, or an error. */
static a2d_err probe_path(const char *path, int *exists) {
  struct stat st;
  *exists = 0;
  if (stat(path, &st) != 0) {
    if (errno != ENOENT)
      return A2D_ERROR(A2D_ERR_IO, "%s: cannot access: %s", path, strerror(errno));
    char *copy = strdup(path);
    if (!copy) return A2D_ERROR(A2D_ERR_MEM, "out of memory");
    char *dir = dirname(copy);
    struct stat dst;
    int ok = stat(dir, &dst) == 0 && S_ISDIR(dst.st_mode);
    int writable = ok && access(dir, W_OK | X_OK) == 0;
    a2d_err err = A2D_OK;
    if (!ok)
      err = A2D_ERROR(A2D_ERR_IO,
                      "%s: the output directory %s does not exist (create it, or change [output] "
                      "path)",
                      path, dir);
    else if (!writable)
      err = A2D_ERROR(A2D_ERR_IO, "%s: the output directory %s is not writable", path, dir);
    free(copy);
    return err;
  }
  if (!S_ISREG(st.st_mode))
    return A2D_ERROR(A2D_ERR_IO, "%s: exists and is not a regular file", path);
  H5E_BEGIN_TRY {
    *exists = H5Fis_hdf5(path) > 0 ? 1 : -1;
  }
  H5E_END_TRY;
  if (*exists < 0)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: exists but is not an HDF5 file; refusing to overwrite it (move it "
                     "away, or change [output] path)",
                     path);
  return A2D_OK;
}

/* Check that an opened file is an a2d study file of our layout. */
static a2d_err check_format(a2d_store *st) {
  int64_t layout = 0;
  int present = 0;
  A2D_CHECK(a2d_store_get_int(st, "/", "a2d_layout", &layout, &present));
  if (!present)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: an HDF5 file but not an a2d study file (no root attribute a2d_layout); "
                     "refusing to modify it",
                     st->path);
  if (layout != A2D_STORE_LAYOUT)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: study file layout %lld, but this a2d (%s) reads layout %d; use a new "
                     "[output] path",
                     st->path, (long long)layout, A2D_VERSION, A2D_STORE_LAYOUT);
  return A2D_OK;
}

/*
 * On rank 0: lock the study file, exclusively for a writer and shared for a
 * reader, the way serial HDF5 locks its files (parallel HDF5 takes no lock,
 * and two jobs writing one file destroy it).  A lock held elsewhere is an
 * error; a file system without locks (or HDF5_USE_FILE_LOCKING=FALSE) goes on
 * without one.
 */
static a2d_err lock_study(a2d_store *st, int exclusive) {
  const char *env = getenv("HDF5_USE_FILE_LOCKING");
  if (env && (!strcmp(env, "FALSE") || !strcmp(env, "false") || !strcmp(env, "0"))) return A2D_OK;
  int fd = open(st->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", st->path, strerror(errno));
  if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
    st->lock_fd = fd;
    return A2D_OK;
  }
  int e = errno;
  close(fd);
  if (e == EWOULDBLOCK)
    return A2D_ERROR(A2D_ERR_IO,
                     "%s: the study file is in use: another running job (a2d, or a program "
                     "reading it) holds it open; nothing was changed. Wait for that job to end "
                     "or stop it, then rerun",
                     st->path);
  if (e == ENOLCK || e == ENOSYS || e == EINVAL || e == EOPNOTSUPP) return A2D_OK;
  return A2D_ERROR(A2D_ERR_IO, "%s: cannot lock the study file: %s", st->path, strerror(e));
}

/* Open (or, unless read_only, create) the study file at `path`. */
static a2d_err store_open(MPI_Comm comm, const char *path, int read_only, a2d_store **out) {
  a2d_err err = A2D_OK;
  a2d_store *st = NULL;
  hid_t fapl = H5I_INVALID_HID;
  int rank, exists = 0;
  *out = NULL;
  A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report HDF5 failures ourselves */

  /* Rank 0 looks at the path; everyone learns the verdict. */
  a2d_err probe = A2D_OK;
  if (rank == 0) probe = probe_path(path, &exists);
  A2D_CHECK(a2d_agree(comm, probe));
  A2D_CHECK_MPI(MPI_Bcast(&exists, 1, MPI_INT, 0, comm));
  if (read_only && !exists)
    return a2d_agree(comm, A2D_ERROR(A2D_ERR_IO, "%s: no such study file", path));

  A2D_TRY(A2D_CALLOC(st, 1));
  st->comm = comm;
  st->file = H5I_INVALID_HID;
  st->lock_fd = -1;
  st->path = strdup(path);
  if (!st->path) A2D_FAIL(A2D_ERR_MEM, "out of memory");
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0)
    A2D_FAIL(A2D_ERR_INTERNAL, "cannot set up MPI-IO file access");
  if (exists) A2D_TRY(a2d_agree(comm, rank == 0 ? lock_study(st, !read_only) : A2D_OK));
  errno = 0;
  if (exists)
    st->file = H5Fopen(path, read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, fapl);
  else
    st->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  /* A truncated file gets its own message (every rank takes part in the agreement). */
  char cause[256] = "";
  if (st->file < 0 && exists) H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, cause);
  a2d_err truncated = A2D_OK;
  if (strstr(cause, "truncated")) {
    H5Eclear2(H5E_DEFAULT);
    truncated = A2D_ERROR(A2D_ERR_DATA,
                          "%s: the study file is truncated (HDF5: %s), so it cannot be opened; it "
                          "is incomplete, as from an interrupted copy: move it away or restore "
                          "it, and rerun",
                          path, cause);
  }
  A2D_TRY(a2d_agree(comm, truncated));
  A2D_TRY(AGREE(comm, st->file >= 0, A2D_ERR_IO,
                "%s: cannot %s the study file (is it read-only, or open in another running job?)",
                path, exists ? "open" : "create"));
  if (!exists) A2D_TRY(a2d_agree(comm, rank == 0 ? lock_study(st, 1) : A2D_OK));
  if (exists) {
    A2D_TRY(check_format(st));
  } else {
    char now[64];
    A2D_TRY(a2d_utc_time(comm, now, sizeof now));
    A2D_TRY(a2d_store_set_string(st, "/", "a2d_format", "a2d study file"));
    A2D_TRY(a2d_store_set_int(st, "/", "a2d_layout", A2D_STORE_LAYOUT));
    A2D_TRY(a2d_store_set_string(st, "/", "created", now));
    A2D_TRY(a2d_store_set_string(st, "/", "a2d_version", A2D_VERSION));
    A2D_TRY(a2d_store_set_string(st, "/", "git_commit", A2D_GIT_COMMIT));
    A2D_TRY(a2d_store_flush(st));
  }
  H5Pclose(fapl);
  *out = st;
  return A2D_OK;
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  if (st) {
    if (st->file >= 0) H5Fclose(st->file);
    if (st->lock_fd >= 0) close(st->lock_fd);
    free(st->path);
    free(st);
  }
  return err;
}

a2d_err a2d_store_open(MPI_Comm comm, const char *path, a2d_store **out) {
  A2D_CHECK(store_open(comm, path, 0, out));
  return A2D_OK;
}

a2d_err a2d_store_open_read(MPI_Comm comm, const char *path, a2d_store **out) {
  A2D_CHECK(store_open(comm, path, 1, out));
  return A2D_OK;
}

a2d_err a2d_store_close(a2d_store **store) {
  a2d_store *st = *store;
  if (!st) return A2D_OK;
  *store = NULL;
  errno = 0;
  herr_t rc = H5Fclose(st->file);
  a2d_err err = AGREE(st->comm, rc >= 0, A2D_ERR_IO, "%s: closing the study file failed", st->path);
  if (st->lock_fd >= 0) close(st->lock_fd);
  free(st->path);
  free(st);
  return err;
}

a2d_err a2d_store_reopen(a2d_store *st) {
  A2D_CHECK(a2d_store_flush(st));
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_mpio(fapl, st->comm, MPI_INFO_NULL) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "cannot set up MPI-IO file access");
  herr_t rc = H5Fclose(st->file);
  errno = 0;
  st->file = rc >= 0 ? H5Fopen(st->path, H5F_ACC_RDWR, fapl) : H5I_INVALID_HID;
  H5Pclose(fapl);
  A2D_CHECK(
      AGREE(st->comm, st->file >= 0, A2D_ERR_IO, "%s: cannot reopen the study file", st->path));
  return A2D_OK;
}

a2d_err a2d_store_flush(a2d_store *st) {
  errno = 0;
  herr_t rc = H5Fflush(st->file, H5F_SCOPE_GLOBAL);
  A2D_CHECK(AGREE(st->comm, rc >= 0, A2D_ERR_IO, "%s: flushing the study file failed (disk full?)",
                  st->path));
  return A2D_OK;
}

const char *a2d_store_path(const a2d_store *st) {
  return st->path;
}

/* ---------------------------------------------------------------- objects */

a2d_err a2d_store_exists(a2d_store *st, const char *path, int *exists) {
  *exists = 0;
  if (!strcmp(path, "/")) return *exists = 1, A2D_OK;
  /* Walk the path so that a missing parent is "absent", not an error. */
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char saved = *p;
      *p = '\0';
      htri_t rc = H5Lexists(st->file, buf, H5P_DEFAULT);
      if (rc < 0) return H5_FAIL(A2D_ERR_IO, "%s: cannot look up %s", st->path, buf);
      if (rc == 0) return A2D_OK;
      *p = saved;
      if (saved == '\0') break;
    }
  }
  *exists = 1;
  return A2D_OK;
}

/* A link-creation property list that makes missing parent groups. */
static hid_t parents_lcpl(void) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl >= 0) H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

a2d_err a2d_store_group(a2d_store *st, const char *path) {
  int exists;
  A2D_CHECK(a2d_store_exists(st, path, &exists));
  if (exists) return A2D_OK;
  hid_t lcpl = parents_lcpl();
  errno = 0;
  hid_t g = H5Gcreate2(st->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  if (g >= 0) H5Gclose(g);
  A2D_CHECK(AGREE(st->comm, g >= 0, A2D_ERR_IO, "%s: cannot create group %s", st->path, path));
  return A2D_OK;
}

a2d_err a2d_store_delete(a2d_store *st, const char *path) {
  int exists;
  A2D_CHECK(a2d_store_exists(st, path, &exists));
  errno = 0;
  if (exists)
    A2D_CHECK(AGREE(st->comm, H5Ldelete(st->file, path, H5P_DEFAULT) >= 0, A2D_ERR_IO,
                    "%s: cannot delete %s", st->path, path));
  return A2D_OK;
}

a2d_err a2d_store_create(a2d_store *st, const char *path, a2d_dtype type, int rank,
                         const int64_t *dims, const int64_t *chunk, int deflate) {
  a2d_err err = A2D_OK;
  hsize_t hdims[8], hchunk[8];
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
  hid_t dset = H5I_INVALID_HID;
  if (rank < 1 || rank > 8) return A2D_ERROR(A2D_ERR_INTERNAL, "dataset rank %d", rank);
  A2D_CHECK(a2d_store_delete(st, path));
  for (int i = 0; i < rank; i++) {
    hdims[i] = (hsize_t)dims[i];
    if (chunk) {
      int64_t c = chunk[i] < 1 ? 1 : chunk[i];
      hchunk[i] = (hsize_t)(dims[i] > 0 && c > dims[i] ? dims[i] : c);
    }
  }
  space = H5Screate_simple(rank, hdims, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  lcpl = parents_lcpl();
  if (space < 0 || dcpl < 0 || lcpl < 0) A2D_FAIL(A2D_ERR_INTERNAL, "HDF5 property lists");
  int empty = 0;
  for (int i = 0; i < rank; i++) empty |= dims[i] == 0;
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  if (chunk && !empty) {
    H5Pset_chunk(dcpl, rank, hchunk);
    if (deflate > 0) {
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, (unsigned)deflate);
    }
  } else {
    /* Parallel HDF5 needs contiguous datasets allocated at creation. */
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  }
  errno = 0;
  dset = H5Dcreate2(st->file, path, file_type(type), space, lcpl, dcpl, H5P_DEFAULT);
  err = AGREE(st->comm, dset >= 0, A2D_ERR_IO, "%s: cannot create dataset %s", st->path, path);
cleanup:
  if (dset >= 0) H5Dclose(dset);
  if (lcpl >= 0) H5Pclose(lcpl);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return err;
}

/* ---------------------------------------------------------------- tables */

size_t a2d_table_record_size(const a2d_table *t) {
  size_t size = 0;
  for (int j = 0; j < t->ncols; j++) size += t->widths[j] ? (size_t)t->widths[j] : 8;
  return size;
}

/* The packed compound type of a table's columns. */
static hid_t table_type(const a2d_table *t) {
  hid_t type = H5Tcreate(H5T_COMPOUND, a2d_table_record_size(t));
  size_t offset = 0;
  for (int j = 0; type >= 0 && j < t->ncols; j++) {
    if (t->widths[j]) {
      hid_t str = H5Tcopy(H5T_C_S1);
      H5Tset_size(str, (size_t)t->widths[j]);
      H5Tset_strpad(str, H5T_STR_NULLPAD);
      H5Tinsert(type, t->names[j], offset, str);
      H5Tclose(str);
      offset += (size_t)t->widths[j];
    } else {
      H5Tinsert(type, t->names[j], offset, H5T_NATIVE_DOUBLE);
      offset += 8;
    }
  }
  return type;
}

a2d_err a2d_store_write_table(a2d_store *st, const char *path, const a2d_table *t) {
  a2d_err err = A2D_OK;
  hid_t type = table_type(t), space = H5I_INVALID_HID, lcpl = parents_lcpl();
  hid_t dset = H5I_INVALID_HID, dxpl = H5I_INVALID_HID, dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t dims[1] = {(hsize_t)t->nrows};
  int rank;
  A2D_TRY_MPI(MPI_Comm_rank(st->comm, &rank));
  A2D_TRY(a2d_store_delete(st, path));
  space = H5Screate_simple(1, dims, NULL);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  errno = 0;
  dset = H5Dcreate2(st->file, path, type, space, lcpl, dcpl, H5P_DEFAULT);
  A2D_TRY(AGREE(st->comm, dset >= 0, A2D_ERR_IO, "%s: cannot create table %s", st->path, path));
  if (rank != 0 || t->nrows == 0) H5Sselect_none(space);
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  errno = 0;
  herr_t rc = t->nrows == 0 ? 0 : H5Dwrite(dset, type, space, space, dxpl, t->data);
  A2D_TRY(AGREE(st->comm, rc >= 0, A2D_ERR_IO, "%s: writing table %s failed (disk full?)", st->path,
                path));
cleanup:
  if (dxpl >= 0) H5Pclose(dxpl);
  if (dset >= 0) H5Dclose(dset);
  if (space >= 0) H5Sclose(space);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (lcpl >= 0) H5Pclose(lcpl);
  if (type >= 0) H5Tclose(type);
  return err;
}

a2d_err a2d_store_read_table(a2d_store *st, const char *path, a2d_table *t) {
  a2d_err err = A2D_OK;
  hid_t dset = H5I_INVALID_HID, ftype = H5I_INVALID_HID, space = H5I_INVALID_HID;
  hid_t mtype = table_type(t), dxpl = H5I_INVALID_HID;
  hsize_t dims[1] = {0};
  int exists;
  t->data = NULL;
  t->nrows = 0;
  A2D_TRY(a2d_store_exists(st, path, &exists));
  if (!exists) A2D_FAIL(A2D_ERR_DATA, "%s: no table %s", st->path, path);
  dset = H5Dopen2(st->file, path, H5P_DEFAULT);
  if (dset >= 0) ftype = H5Dget_type(dset);
  if (dset < 0 || H5Tget_class(ftype) != H5T_COMPOUND || (space = H5Dget_space(dset)) < 0 ||
      H5Sget_simple_extent_ndims(space) != 1)
    A2D_FAIL(A2D_ERR_DATA, "%s: %s is not a table (a 1-D compound dataset)", st->path, path);
  for (int j = 0; j < t->ncols; j++) {
    int idx = H5Tget_member_index(ftype, t->names[j]);
    if (idx < 0)
      A2D_FAIL(A2D_ERR_DATA, "%s: table %s has no column \"%s\" (written by an older a2d?)",
               st->path, path, t->names[j]);
    H5T_class_t cls = H5Tget_member_class(ftype, (unsigned)idx);
    if (cls != (t->widths[j] ? H5T_STRING : H5T_FLOAT))
      A2D_FAIL(A2D_ERR_DATA, "%s: table %s: column \"%s\" is not a %s", st->path, path, t->names[j],
               t->widths[j] ? "string" : "real");
  }
  H5Sget_simple_extent_dims(space, dims, NULL);
  A2D_TRY(a2d_calloc(dims[0] ? dims[0] : 1, a2d_table_record_size(t), &t->data));
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_INDEPENDENT);
  if (dims[0] && H5Dread(dset, mtype, H5S_ALL, H5S_ALL, dxpl, t->data) < 0)
    A2D_FAIL(A2D_ERR_IO, "%s: reading table %s failed", st->path, path);
  t->nrows = (int64_t)dims[0];
cleanup:
  if (err) {
    free(t->data);
    t->data = NULL;
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (space >= 0) H5Sclose(space);
  if (ftype >= 0) H5Tclose(ftype);
  if (dset >= 0) H5Dclose(dset);
  if (mtype >= 0) H5Tclose(mtype);
  return err;
}

/* Open a dataset, check its type, and return its dimensions. */
static a2d_err open_dataset(a2d_store *st, const char *path, int check_type, a2d_dtype type,
                            hid_t *dset, int *rank, hsize_t dims[8]) {
  int exists;
  A2D_CHECK(a2d_store_exists(st, path, &exists));
  if (!exists) return A2D_ERROR(A2D_ERR_DATA, "%s: no dataset %s", st->path, path);
  *dset = H5Dopen2(st->file, path, H5P_DEFAULT);
  if (*dset < 0) return H5_FAIL(A2D_ERR_DATA, "%s: %s is not a dataset", st->path, path);
  hid_t space = H5Dget_space(*dset), dtype = H5Dget_type(*dset);
  *rank = H5Sget_simple_extent_ndims(space);
  int ok = *rank >= 1 && *rank <= 8;
  if (ok) H5Sget_simple_extent_dims(space, dims, NULL);
  int type_ok = !check_type || type_matches(dtype, type);
  H5Sclose(space);
  H5Tclose(dtype);
  if (!ok || !type_ok) {
    H5Dclose(*dset);
    *dset = H5I_INVALID_HID;
    if (!ok) return A2D_ERROR(A2D_ERR_DATA, "%s: dataset %s has rank %d", st->path, path, *rank);
    return A2D_ERROR(A2D_ERR_DATA, "%s: dataset %s is not %s", st->path, path, dtype_name(type));
  }
  return A2D_OK;
}

a2d_err a2d_store_shape(a2d_store *st, const char *path, int *rank, int64_t dims[8]) {
  hid_t dset;
  hsize_t hdims[8];
  A2D_CHECK(open_dataset(st, path, 0, A2D_F32, &dset, rank, hdims));
  for (int i = 0; i < *rank; i++) dims[i] = (int64_t)hdims[i];
  H5Dclose(dset);
  return A2D_OK;
}

/*
 * Move the block start[i] .. start[i] + count[i] of a dataset to or from buf.
 * With rows_only, start and count give the first dimension and the block
 * spans the others.  A collective transfer always takes part in the I/O (with
 * an empty selection when this rank's request is out of bounds) and all ranks
 * agree on the outcome; an independent one (reads only) fails alone.
 */
static a2d_err transfer(a2d_store *st, const char *path, a2d_dtype type, int want_rank,
                        int rows_only, const int64_t *start, const int64_t *count, void *buf,
                        int write, int collective) {
  a2d_err err = A2D_OK;
  hid_t dset = H5I_INVALID_HID, fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  hid_t dxpl = H5I_INVALID_HID;
  hsize_t dims[8], hstart[8], hcount[8];
  int rank = 0, empty = 0;
  a2d_err bad = open_dataset(st, path, 1, type, &dset, &rank, dims);
  if (!bad && !rows_only && rank != want_rank)
    bad = A2D_ERROR(A2D_ERR_DATA, "%s: dataset %s has %d dimensions, expected %d", st->path, path,
                    rank, want_rank);
  for (int i = 0; !bad && i < rank; i++) {
    int64_t s0 = i == 0 || !rows_only ? start[i] : 0;
    int64_t c0 = i == 0 || !rows_only ? count[i] : (int64_t)dims[i];
    if (s0 < 0 || c0 < 0 || (hsize_t)(s0 + c0) > dims[i])
      bad = A2D_ERROR(A2D_ERR_DATA, "%s: dataset %s: %lld..%lld of dimension %d is outside 0..%llu",
                      st->path, path, (long long)s0, (long long)(s0 + c0), i + 1,
                      (unsigned long long)dims[i]);
    hstart[i] = (hsize_t)s0;
    hcount[i] = (hsize_t)c0;
    empty |= c0 == 0;
  }
  if (bad && (!collective || dset < 0)) {
    /* Nothing to take part in: the dataset is missing everywhere, or we are alone. */
    err = collective ? a2d_agree(st->comm, bad) : bad;
    goto cleanup;
  }
  fspace = H5Dget_space(dset);
  if (bad) empty = 1, hcount[0] = 0;
  mspace = H5Screate_simple(rank, hcount, NULL);
  if (empty) {
    H5Sselect_none(fspace);
    H5Sselect_none(mspace);
  } else {
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, hstart, NULL, hcount, NULL);
  }
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT);
  /* A dataset with a zero dimension has no storage: there is nothing to move. */
  int no_storage = 0;
  for (int i = 0; i < rank; i++) no_storage |= dims[i] == 0;
  errno = 0;
  herr_t rc = no_storage ? 0
              : write    ? H5Dwrite(dset, mem_type(type), mspace, fspace, dxpl, buf)
                         : H5Dread(dset, mem_type(type), mspace, fspace, dxpl, buf);
  if (!bad && rc < 0)
    bad = H5_FAIL(A2D_ERR_IO, "%s: %s dataset %s failed%s", st->path, write ? "writing" : "reading",
                  path, write ? " (disk full?)" : "");
  err = collective ? a2d_agree(st->comm, bad) : bad;
cleanup:
  if (dxpl >= 0) H5Pclose(dxpl);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (dset >= 0) H5Dclose(dset);
  return err;
}

a2d_err a2d_store_write_rows(a2d_store *st, const char *path, a2d_dtype type, int64_t row0,
                             int64_t nrows, const void *buf) {
  A2D_CHECK(transfer(st, path, type, 0, 1, &row0, &nrows, (void *)buf, 1, 1));
  return A2D_OK;
}

a2d_err a2d_store_read_rows(a2d_store *st, const char *path, a2d_dtype type, int64_t row0,
                            int64_t nrows, void *buf) {
  A2D_CHECK(transfer(st, path, type, 0, 1, &row0, &nrows, buf, 0, 1));
  return A2D_OK;
}

a2d_err a2d_store_read_block(a2d_store *st, const char *path, a2d_dtype type, int rank,
                             const int64_t *start, const int64_t *count, void *buf) {
  A2D_CHECK(transfer(st, path, type, rank, 0, start, count, buf, 0, 1));
  return A2D_OK;
}

a2d_err a2d_store_read_local(a2d_store *st, const char *path, a2d_dtype type, int rank,
                             const int64_t *start, const int64_t *count, void *buf) {
  A2D_CHECK(transfer(st, path, type, rank, 0, start, count, buf, 0, 0));
  return A2D_OK;
}

/* ------------------------------------------------------------- attributes */

/* Write attribute `name` of `obj` (replacing it) from one value of type `mtype`. */
static a2d_err set_attr(a2d_store *st, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                        const void *value) {
  A2D_CHECK(a2d_store_group(st, obj)); /* a missing object becomes a group */
  hid_t o = H5Oopen(st->file, obj, H5P_DEFAULT);
  if (o < 0) return H5_FAIL(A2D_ERR_IO, "%s: cannot open %s", st->path, obj);
  a2d_err err = A2D_OK;
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
  errno = 0;
  err = AGREE(st->comm, attr >= 0 && H5Awrite(attr, mtype, value) >= 0, A2D_ERR_IO,
              "%s: cannot write attribute %s of %s", st->path, name, obj);
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  H5Oclose(o);
  return err;
}

a2d_err a2d_store_set_string(a2d_store *st, const char *obj, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(value) + 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  a2d_err err = set_attr(st, obj, name, t, t, value);
  H5Tclose(t);
  A2D_CHECK(err);
  return A2D_OK;
}

a2d_err a2d_store_set_int(a2d_store *st, const char *obj, const char *name, int64_t value) {
  A2D_CHECK(set_attr(st, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value));
  return A2D_OK;
}

a2d_err a2d_store_set_real(a2d_store *st, const char *obj, const char *name, double value) {
  A2D_CHECK(set_attr(st, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value));
  return A2D_OK;
}

/* Open attribute `name` of `obj`; *attr < 0 when the object or attribute is absent. */
static a2d_err open_attr(a2d_store *st, const char *obj, const char *name, hid_t *o, hid_t *attr) {
  int exists;
  *o = *attr = H5I_INVALID_HID;
  A2D_CHECK(a2d_store_exists(st, obj, &exists));
  if (!exists) return A2D_OK;
  *o = H5Oopen(st->file, obj, H5P_DEFAULT);
  if (*o < 0) return H5_FAIL(A2D_ERR_IO, "%s: cannot open %s", st->path, obj);
  if (H5Aexists(*o, name) > 0) *attr = H5Aopen(*o, name, H5P_DEFAULT);
  return A2D_OK;
}

a2d_err a2d_store_get_string(a2d_store *st, const char *obj, const char *name, char **value) {
  hid_t o, attr;
  *value = NULL;
  A2D_CHECK(open_attr(st, obj, name, &o, &attr));
  a2d_err err = A2D_OK;
  if (attr >= 0) {
    hid_t ftype = H5Aget_type(attr);
    if (H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) > 0) {
      err = A2D_ERROR(A2D_ERR_DATA, "%s: attribute %s of %s is not a fixed-length string", st->path,
                      name, obj);
    } else {
      size_t size = H5Tget_size(ftype);
      hid_t mtype = H5Tcopy(ftype);
      err = a2d_calloc(size + 1, 1, value);
      if (!err && H5Aread(attr, mtype, *value) < 0) {
        err = H5_FAIL(A2D_ERR_IO, "%s: cannot read attribute %s of %s", st->path, name, obj);
        free(*value);
        *value = NULL;
      }
      H5Tclose(mtype);
    }
    H5Tclose(ftype);
    H5Aclose(attr);
  }
  if (o >= 0) H5Oclose(o);
  A2D_CHECK(err);
  return A2D_OK;
}

/* Read a scalar numeric attribute as `mtype`. */
static a2d_err get_number(a2d_store *st, const char *obj, const char *name, hid_t mtype,
                          H5T_class_t want, void *value, int *present) {
  hid_t o, attr;
  *present = 0;
  A2D_CHECK(open_attr(st, obj, name, &o, &attr));
  a2d_err err = A2D_OK;
  if (attr >= 0) {
    hid_t ftype = H5Aget_type(attr);
    if (H5Tget_class(ftype) != want)
      err = A2D_ERROR(A2D_ERR_DATA, "%s: attribute %s of %s is not %s", st->path, name, obj,
                      want == H5T_INTEGER ? "an integer" : "a real");
    else if (H5Aread(attr, mtype, value) < 0)
      err = H5_FAIL(A2D_ERR_IO, "%s: cannot read attribute %s of %s", st->path, name, obj);
    else
      *present = 1;
    H5Tclose(ftype);
    H5Aclose(attr);
  }
  if (o >= 0) H5Oclose(o);
  A2D_CHECK(err);
  return A2D_OK;
}

a2d_err a2d_store_get_int(a2d_store *st, const char *obj, const char *name, int64_t *value,
                          int *present) {
  A2D_CHECK(get_number(st, obj, name, H5T_NATIVE_INT64, H5T_INTEGER, value, present));
  return A2D_OK;
}

a2d_err a2d_store_get_real(a2d_store *st, const char *obj, const char *name, double *value,
                           int *present) {
  A2D_CHECK(get_number(st, obj, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, value, present));
  return A2D_OK;
}
