/*
 * idx.c - the IDX (MNIST) loader, plain or gzip-compressed, read through zlib.
 *
 * An IDX file is a big-endian header, magic 0x000008NN (unsigned bytes, NN
 * dimensions) followed by NN 32-bit sizes, then exactly the product of the
 * sizes in bytes.  We trust nothing in the header: sizes are checked against
 * a cap before anything is allocated, the data is read in bounded chunks into
 * a buffer that grows only as bytes actually arrive, and a file with fewer or
 * more bytes than declared is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "a2d/data.h"

#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */
#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAX_BYTES (1ull << 31)   /* refuse headers declaring more data than this */
#define IDX_CHUNK (1u << 20)         /* bytes per gzread call */

/* An IDX file being read: where it is, its zlib handle and what its header declares. */
typedef struct idx_file {
  const char *path;
  gzFile gz;
  uint32_t magic;
  uint32_t dims[3];
  int ndims;
  uint64_t bytes; /* product of dims: the size of the data after the header */
} idx_file;

/* Raise the error behind a failed or short gzread of f (gzip corruption or a read error). */
static a2d_err idx_gz_error(const idx_file *f) {
  int code = Z_OK;
  const char *msg = gzerror(f->gz, &code);
  if (code == Z_ERRNO) return A2D_ERROR(A2D_ERR_IO, "%s: read error: %s", f->path, strerror(errno));
  if (code == Z_MEM_ERROR) return A2D_ERROR(A2D_ERR_MEM, "%s: out of memory in zlib", f->path);
  /* zlib's message is "<path>: <problem>"; keep the problem. */
  size_t len = strlen(f->path);
  if (msg && strncmp(msg, f->path, len) == 0 && strncmp(msg + len, ": ", 2) == 0) msg += len + 2;
  return A2D_ERROR(A2D_ERR_DATA, "%s: corrupt gzip data: %s", f->path,
                   msg && *msg ? msg : "unknown error");
}

/*
 * Read up to `len` bytes into buf, in chunks of at most IDX_CHUNK; *got is the
 * number read, less than len only at the end of the data.  A gzip stream cut
 * short counts as the end (the caller reports the file as truncated); any
 * other zlib or read error is raised.
 */
static a2d_err idx_read(idx_file *f, unsigned char *buf, uint64_t len, uint64_t *got) {
  *got = 0;
  while (*got < len) {
    uint64_t want = len - *got;
    if (want > IDX_CHUNK) want = IDX_CHUNK;
    int r = gzread(f->gz, buf + *got, (unsigned)want);
    if (r < 0) return idx_gz_error(f);
    if (r == 0) break;
    *got += (uint64_t)r;
  }
  if (*got < len) {
    int code = Z_OK;
    gzerror(f->gz, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) return idx_gz_error(f);
  }
  return A2D_OK;
}

/* Decode a big-endian 32-bit integer. */
static uint32_t idx_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Open `path` and read and validate its header: magic `magic` with `ndims`
 * dimensions (`what` describes it for messages), every size non-zero and the
 * data size at most IDX_MAX_BYTES.  On success f->gz is open; the caller
 * closes it (also on failure, when it is not NULL).
 */
static a2d_err idx_open(idx_file *f, const char *path, uint32_t magic, int ndims,
                        const char *what) {
  unsigned char head[16];
  uint64_t got = 0;

  memset(f, 0, sizeof *f);
  f->path = path;
  f->ndims = ndims;
  errno = 0;
  f->gz = gzopen(path, "rb");
  if (!f->gz)
    return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", path,
                     errno ? strerror(errno) : "out of memory");
  if (gzbuffer(f->gz, 1u << 17) != 0)
    return A2D_ERROR(A2D_ERR_INTERNAL, "%s: gzbuffer failed", path);

  A2D_CHECK(idx_read(f, head, 4, &got));
  if (got < 4)
    return A2D_ERROR(A2D_ERR_DATA, "%s: truncated: %llu bytes, too short for an IDX header", path,
                     (unsigned long long)got);
  f->magic = idx_be32(head);
  if (f->magic != magic)
    return A2D_ERROR(A2D_ERR_DATA, "%s: wrong magic number 0x%08X, expected 0x%08X (%s)", path,
                     (unsigned)f->magic, (unsigned)magic, what);

  A2D_CHECK(idx_read(f, head, 4 * (uint64_t)ndims, &got));
  if (got < 4 * (uint64_t)ndims)
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: truncated: header says %d dimensions but the file ends after %llu of "
                     "their %d size bytes",
                     path, ndims, (unsigned long long)got, 4 * ndims);
  f->bytes = 1;
  for (int k = 0; k < ndims; k++) {
    f->dims[k] = idx_be32(head + 4 * k);
    if (f->dims[k] == 0)
      return A2D_ERROR(A2D_ERR_DATA, "%s: header size %d of %d is 0, expected a positive size",
                       path, k + 1, ndims);
    if (f->bytes > IDX_MAX_BYTES / f->dims[k])
      return A2D_ERROR(A2D_ERR_DATA,
                       "%s: header sizes declare more than %llu bytes of data (size %d of %d is "
                       "%u); refusing such a file",
                       path, (unsigned long long)IDX_MAX_BYTES, k + 1, ndims, (unsigned)f->dims[k]);
    f->bytes *= f->dims[k];
  }
  return A2D_OK;
}

/*
 * Read exactly the f->bytes data bytes the header declares into a new buffer
 * *out (freed by the caller), refusing a file that holds fewer or more.  The
 * buffer grows with the bytes actually read, so a lying header in a small file
 * cannot make us allocate much.  `what` names the data, e.g. "pixel data".
 */
static a2d_err idx_read_data(idx_file *f, const char *what, unsigned char **out) {
  unsigned char *buf = NULL, extra;
  uint64_t have = 0, cap = 0, got = 0;

  *out = NULL;
  while (have < f->bytes) {
    if (have == cap) {
      uint64_t want = cap ? 2 * cap : IDX_CHUNK;
      if (want > f->bytes) want = f->bytes;
      unsigned char *grown = realloc(buf, (size_t)want);
      if (!grown) {
        free(buf);
        return A2D_ERROR(A2D_ERR_MEM, "%s: out of memory reading %llu bytes of %s", f->path,
                         (unsigned long long)f->bytes, what);
      }
      buf = grown;
      cap = want;
    }
    a2d_err err = idx_read(f, buf + have, cap - have, &got);
    if (err) {
      free(buf);
      return a2d_error_pass(__FILE__, __LINE__, __func__, err);
    }
    have += got;
    if (have < cap) break; /* the end of the file */
  }
  if (have < f->bytes) {
    free(buf);
    return A2D_ERROR(A2D_ERR_DATA, "%s: truncated: header says %llu bytes of %s, file has %llu",
                     f->path, (unsigned long long)f->bytes, what, (unsigned long long)have);
  }

  /* Exactly the declared bytes, then the end: reading on also makes zlib verify the CRC. */
  int r = gzread(f->gz, &extra, 1);
  int code = Z_OK;
  gzerror(f->gz, &code);
  if (r < 0 || (r == 0 && code != Z_OK)) {
    free(buf);
    return idx_gz_error(f);
  }
  if (r > 0) {
    free(buf);
    return A2D_ERROR(A2D_ERR_DATA,
                     "%s: trailing bytes after the %llu bytes of %s the header declares", f->path,
                     (unsigned long long)f->bytes, what);
  }
  *out = buf;
  return A2D_OK;
}

/* Close f's zlib handle if it is open. */
static void idx_close(idx_file *f) {
  if (f->gz) gzclose_r(f->gz);
  f->gz = NULL;
}

/* Load an IDX image file and its label file into `out` (see a2d/data.h). */
a2d_err a2d_idx_load(const char *images_path, const char *labels_path, int32_t classes,
                     a2d_dataset *out) {
  a2d_err err = A2D_OK;
  idx_file img = {0}, lab = {0};
  unsigned char *pixels = NULL, *labels = NULL;
  a2d_dataset ds = {0};

  if (classes < 1 || classes > 256)
    return A2D_ERROR(A2D_ERR_INTERNAL, "IDX loader: classes must be in 1..256, got %d",
                     (int)classes);

  /* Both headers first, so that a mismatch is reported before any data is read. */
  A2D_TRY(
      idx_open(&img, images_path, IDX_MAGIC_IMAGES, 3, "IDX unsigned-byte images, 3 dimensions"));
  A2D_TRY(
      idx_open(&lab, labels_path, IDX_MAGIC_LABELS, 1, "IDX unsigned-byte labels, 1 dimension"));
  if (img.dims[0] != lab.dims[0])
    A2D_FAIL(A2D_ERR_DATA, "%s: %u labels, but %s has %u images", labels_path,
             (unsigned)lab.dims[0], images_path, (unsigned)img.dims[0]);

  A2D_TRY(idx_read_data(&img, "pixel data", &pixels));
  A2D_TRY(idx_read_data(&lab, "label data", &labels));

  ds.n = img.dims[0];
  ds.d = (int64_t)img.dims[1] * img.dims[2];
  ds.classes = classes;
  for (int64_t i = 0; i < ds.n; i++) {
    if (labels[i] >= classes)
      A2D_FAIL(A2D_ERR_DATA, "%s: label %u of example %lld is out of range: expected 0..%d",
               labels_path, (unsigned)labels[i], (long long)i, (int)classes - 1);
  }
  A2D_TRY(A2D_CALLOC(ds.x, img.bytes));
  A2D_TRY(A2D_CALLOC(ds.y, ds.n));
  A2D_TRY(A2D_CALLOC(ds.index, ds.n));
  for (uint64_t k = 0; k < img.bytes; k++) ds.x[k] = (float)pixels[k];
  for (int64_t i = 0; i < ds.n; i++) {
    ds.y[i] = labels[i];
    ds.index[i] = i;
  }
  *out = ds;
  ds = (a2d_dataset){0};

cleanup:
  idx_close(&img);
  idx_close(&lab);
  free(pixels);
  free(labels);
  a2d_dataset_free(&ds);
  return err;
}

/* *out = "dir/name" in a new string (freed by the caller), without doubling a trailing '/'. */
static a2d_err idx_join(const char *dir, const char *name, char **out) {
  size_t len = strlen(dir);
  const char *sep = (len > 0 && dir[len - 1] == '/') ? "" : "/";
  A2D_CHECK(A2D_CALLOC(*out, len + strlen(name) + 2));
  snprintf(*out, len + strlen(name) + 2, "%s%s%s", dir, sep, name);
  return A2D_OK;
}

/* True when dir names the Debian Fashion-MNIST directory (trailing slashes ignored). */
static int idx_is_debian_fashion_dir(const char *dir) {
  static const char debian[] = "/usr/share/datasets/fashion-mnist";
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  return len == sizeof debian - 1 && memcmp(dir, debian, len) == 0;
}

/*
 * Find DIR/<split>-<kind>.gz, else DIR/<split>-<kind>; *out is the path found
 * (freed by the caller).  Raises A2D_ERR_IO naming both paths if neither exists.
 */
static a2d_err idx_find(const char *dir, const char *split, const char *kind, char **out) {
  a2d_err err = A2D_OK;
  char name[64], *gz_path = NULL, *plain_path = NULL;

  *out = NULL;
  snprintf(name, sizeof name, "%s-%s.gz", split, kind);
  A2D_TRY(idx_join(dir, name, &gz_path));
  if (access(gz_path, F_OK) == 0) {
    *out = gz_path;
    gz_path = NULL;
    goto cleanup;
  }
  snprintf(name, sizeof name, "%s-%s", split, kind);
  A2D_TRY(idx_join(dir, name, &plain_path));
  if (access(plain_path, F_OK) == 0) {
    *out = plain_path;
    plain_path = NULL;
    goto cleanup;
  }
  A2D_FAIL(
      A2D_ERR_IO, "%s: no such file (nor %s)%s", gz_path, plain_path,
      idx_is_debian_fashion_dir(dir) ? "; install the Debian package dataset-fashion-mnist" : "");

cleanup:
  free(gz_path);
  free(plain_path);
  return err;
}

/* Load split "train" or "t10k" of an MNIST-layout directory, 10 classes (see a2d/data.h). */
a2d_err a2d_mnist_load(const char *dir, const char *split, a2d_dataset *out) {
  a2d_err err = A2D_OK;
  char *images_path = NULL, *labels_path = NULL;

  if (strcmp(split, "train") != 0 && strcmp(split, "t10k") != 0)
    return A2D_ERROR(A2D_ERR_INTERNAL,
                     "MNIST loader: split must be \"train\" or \"t10k\", got \"%s\"", split);
  A2D_TRY(idx_find(dir, split, "images-idx3-ubyte", &images_path));
  A2D_TRY(idx_find(dir, split, "labels-idx1-ubyte", &labels_path));
  A2D_TRY(a2d_idx_load(images_path, labels_path, 10, out));

cleanup:
  free(images_path);
  free(labels_path);
  return err;
}
