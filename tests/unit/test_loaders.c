/*
 * test_loaders.c - the data loaders of src/data against good and malformed
 * files written here into a scratch folder: IDX (raw and gzip), CSV, HDF5;
 * the synthetic generator; subsets and scaling; and, when installed, the real
 * Fashion-MNIST from /usr/share/datasets/fashion-mnist.
 */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "a2d/data.h"
#include "a2d/rng.h"
#include "check.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

/* ---- scratch files ---- */

static char g_dir[64];
static char *g_paths[256]; /* every path handed out, removed at the end in reverse order */
static int g_npaths;

/* A new path `name` inside the scratch folder, remembered for removal. */
static const char *tmp_path(const char *name) {
  size_t len = strlen(g_dir) + strlen(name) + 2;
  char *p = malloc(len);
  if (!p || g_npaths == (int)(sizeof g_paths / sizeof g_paths[0])) {
    fprintf(stderr, "test_loaders: out of scratch paths\n");
    exit(2);
  }
  snprintf(p, len, "%s/%s", g_dir, name);
  g_paths[g_npaths++] = p;
  return p;
}

/* Remove every scratch file and folder, then the scratch folder itself. */
static void tmp_cleanup(void) {
  while (g_npaths > 0) {
    char *p = g_paths[--g_npaths];
    remove(p);
    free(p);
  }
  remove(g_dir);
}

/* Write len bytes to path, uncompressed. */
static void write_raw(const char *path, const void *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(buf, 1, len, f) == len);
  CHECK(fclose(f) == 0);
}

/* Write len bytes to path, gzip-compressed. */
static void write_gz(const char *path, const void *buf, size_t len) {
  gzFile gz = gzopen(path, "wb");
  CHECK(gz != NULL);
  if (!gz) return;
  CHECK(len == 0 || gzwrite(gz, buf, (unsigned)len) == (int)len);
  CHECK(gzclose(gz) == Z_OK);
}

/* Write a text file. */
static void write_text(const char *path, const char *text) {
  write_raw(path, text, strlen(text));
}

/* Read a whole file into a new buffer; *len its size. */
static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  *len = 0;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL)
      *len = fread(buf, 1, (size_t)size, f);
  }
  fclose(f);
  return buf;
}

/* ---- IDX files ---- */

/* Store v big-endian at p. */
static void put_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* The test pattern: pixel k of image i. */
static unsigned char pixel(uint32_t i, uint32_t k) {
  return (unsigned char)((i * 7u + k * 13u) % 256u);
}

/*
 * Write an IDX file: magic, ndims sizes, then `payload` bytes made by fill()
 * (or zeros), with the last `drop` bytes cut off and `extra` bytes appended.
 */
typedef unsigned char (*idx_fill)(size_t k, void *arg);

static void write_idx(const char *path, int gz, uint32_t magic, int ndims, const uint32_t *dims,
                      size_t payload, idx_fill fill, void *arg, size_t drop, size_t extra) {
  size_t head = 4 + 4 * (size_t)ndims, len = head + payload + extra;
  unsigned char *buf = calloc(len, 1);
  CHECK(buf != NULL);
  if (!buf) return;
  put_be32(buf, magic);
  for (int k = 0; k < ndims; k++) put_be32(buf + 4 + 4 * k, dims[k]);
  for (size_t k = 0; fill && k < payload; k++) buf[head + k] = fill(k, arg);
  for (size_t k = 0; k < extra; k++) buf[head + payload + k] = 0xAB;
  len -= drop;
  if (gz)
    write_gz(path, buf, len);
  else
    write_raw(path, buf, len);
  free(buf);
}

/* fill() for images: arg points at the pixels per image. */
static unsigned char fill_pixels(size_t k, void *arg) {
  uint32_t per = *(uint32_t *)arg;
  return pixel((uint32_t)(k / per), (uint32_t)(k % per));
}

/* fill() for labels: label of example k is k mod 10, or *arg at k == 1 when arg is set. */
static unsigned char fill_labels(size_t k, void *arg) {
  if (arg && k == 1) return *(unsigned char *)arg;
  return (unsigned char)(k % 10);
}

/* Write an image file of n images of rows x cols, with the given damage. */
static void write_images(const char *path, int gz, uint32_t magic, uint32_t n, uint32_t rows,
                         uint32_t cols, size_t drop, size_t extra) {
  uint32_t dims[3] = {n, rows, cols}, per = rows * cols;
  write_idx(path, gz, magic, 3, dims, (size_t)n * per, fill_pixels, &per, drop, extra);
}

/* Write a label file of n labels k mod 10 (label 1 replaced by *bad if bad), with damage. */
static void write_labels(const char *path, int gz, uint32_t magic, uint32_t n, unsigned char *bad,
                         size_t drop, size_t extra) {
  write_idx(path, gz, magic, 1, &n, n, fill_labels, bad, drop, extra);
}

/* Check that ds holds n images of d pixels in the test pattern with labels k mod 10. */
static void check_pattern(const a2d_dataset *ds, int64_t n, int64_t d) {
  CHECK(ds->n == n);
  CHECK(ds->d == d);
  CHECK(ds->classes == 10);
  if (ds->n != n || ds->d != d) return;
  int64_t bad_x = 0, bad_y = 0;
  for (int64_t i = 0; i < n; i++) {
    for (int64_t k = 0; k < d; k++)
      if (ds->x[i * d + k] != (float)pixel((uint32_t)i, (uint32_t)k)) bad_x++;
    if (ds->y[i] != i % 10 || ds->index[i] != i) bad_y++;
  }
  CHECK(bad_x == 0);
  CHECK(bad_y == 0);
}

/* The IDX loader and the MNIST directory loader on good and malformed files. */
static void test_idx(void) {
  a2d_dataset ds = {0};
  const char *img = tmp_path("img.idx"), *lab = tmp_path("lab.idx");
  const char *img_gz = tmp_path("img.idx.gz"), *lab_gz = tmp_path("lab.idx.gz");
  const char *bad = tmp_path("bad.idx"), *bad_gz = tmp_path("bad.idx.gz");
  unsigned char label10 = 10;

  /* Good files, raw and gzip: 3 images of 2 x 2. */
  write_images(img, 0, 0x803, 3, 2, 2, 0, 0);
  write_labels(lab, 0, 0x801, 3, NULL, 0, 0);
  write_images(img_gz, 1, 0x803, 3, 2, 2, 0, 0);
  write_labels(lab_gz, 1, 0x801, 3, NULL, 0, 0);
  CHECK_OK(a2d_idx_load(img, lab, 10, &ds));
  check_pattern(&ds, 3, 4);
  CHECK(ds.x[5] == 20.0f); /* image 1, pixel 1: 7 + 13 */
  a2d_dataset_free(&ds);
  CHECK(ds.x == NULL && ds.n == 0);
  CHECK_OK(a2d_idx_load(img_gz, lab_gz, 10, &ds));
  check_pattern(&ds, 3, 4);
  a2d_dataset_free(&ds);
  CHECK_OK(a2d_idx_load(img_gz, lab, 10, &ds)); /* compressed and plain may mix */
  check_pattern(&ds, 3, 4);
  a2d_dataset_free(&ds);

  /* Larger than one read chunk (1 MiB): 2000 images of 28 x 28, raw and gzip. */
  const char *big = tmp_path("big.idx"), *big_gz = tmp_path("big.idx.gz");
  const char *big_lab = tmp_path("big-lab.idx.gz");
  write_images(big, 0, 0x803, 2000, 28, 28, 0, 0);
  write_images(big_gz, 1, 0x803, 2000, 28, 28, 0, 0);
  write_labels(big_lab, 1, 0x801, 2000, NULL, 0, 0);
  CHECK_OK(a2d_idx_load(big, big_lab, 10, &ds));
  check_pattern(&ds, 2000, 784);
  a2d_dataset_free(&ds);
  CHECK_OK(a2d_idx_load(big_gz, big_lab, 10, &ds));
  check_pattern(&ds, 2000, 784);
  a2d_dataset_free(&ds);

  /* Wrong magic numbers. */
  write_images(bad, 0, 0x802, 3, 2, 2, 0, 0);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA,
              "bad.idx: wrong magic number 0x00000802, expected 0x00000803 (IDX unsigned-byte "
              "images, 3 dimensions)");
  CHECK_FAILS(a2d_idx_load(img, img, 10, &ds), A2D_ERR_DATA,
              "img.idx: wrong magic number 0x00000803, expected 0x00000801");
  CHECK_FAILS(a2d_idx_load(lab, lab, 10, &ds), A2D_ERR_DATA, "lab.idx: wrong magic number");
  CHECK(ds.x == NULL && ds.n == 0); /* out untouched on failure */

  /* Truncated: data, header, empty file; raw and gzip. */
  write_images(bad, 0, 0x803, 3, 2, 2, 1, 0);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA,
              "bad.idx: truncated: header says 12 bytes of pixel data, file has 11");
  write_images(bad_gz, 1, 0x803, 3, 2, 2, 5, 0);
  CHECK_FAILS(a2d_idx_load(bad_gz, lab, 10, &ds), A2D_ERR_DATA,
              "bad.idx.gz: truncated: header says 12 bytes of pixel data, file has 7");
  write_labels(bad, 0, 0x801, 3, NULL, 1, 0);
  CHECK_FAILS(a2d_idx_load(img, bad, 10, &ds), A2D_ERR_DATA,
              "truncated: header says 3 bytes of label data, file has 2");
  write_images(bad, 0, 0x803, 3, 2, 2, 12 + 2, 0); /* ends inside the sizes */
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA, "bad.idx: truncated: header says 3");
  write_raw(bad, "\0\0", 2);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA, "too short for an IDX header");
  write_gz(bad_gz, "", 0);
  CHECK_FAILS(a2d_idx_load(bad_gz, lab, 10, &ds), A2D_ERR_DATA, "too short for an IDX header");

  /* Trailing bytes after the declared data, raw and gzip. */
  write_images(bad, 0, 0x803, 3, 2, 2, 0, 1);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA,
              "bad.idx: trailing bytes after the 12 bytes of pixel data the header declares");
  write_labels(bad_gz, 1, 0x801, 3, NULL, 0, 100);
  CHECK_FAILS(a2d_idx_load(img, bad_gz, 10, &ds), A2D_ERR_DATA,
              "bad.idx.gz: trailing bytes after the 3 bytes of label data");

  /* Image and label counts differ. */
  write_labels(bad, 0, 0x801, 4, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(img, bad, 10, &ds), A2D_ERR_DATA, "bad.idx: 4 labels, but");
  CHECK_FAILS(a2d_idx_load(img, bad, 10, &ds), A2D_ERR_DATA, "img.idx has 3 images");

  /* A label out of range. */
  write_labels(bad, 0, 0x801, 3, &label10, 0, 0);
  CHECK_FAILS(a2d_idx_load(img, bad, 10, &ds), A2D_ERR_DATA,
              "bad.idx: label 10 of example 1 is out of range: expected 0..9");
  CHECK_OK(a2d_idx_load(img, bad, 11, &ds));
  CHECK(ds.classes == 11 && ds.y[1] == 10);
  a2d_dataset_free(&ds);
  CHECK_FAILS(a2d_idx_load(img, lab, 2, &ds), A2D_ERR_DATA, "label 2 of example 2");

  /* Absurd headers: refused before any large allocation. */
  uint32_t huge[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
  write_idx(bad, 0, 0x803, 3, huge, 16, NULL, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA,
              "bad.idx: header sizes declare more than 2147483648 bytes");
  uint32_t over[3] = {2049, 1024, 1024}; /* just over the cap */
  write_idx(bad, 0, 0x803, 3, over, 16, NULL, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA, "size 3 of 3 is 1024");
  uint32_t at_cap[3] = {2048, 1024, 1024}; /* allowed size, but the file is tiny */
  write_idx(bad_gz, 1, 0x803, 3, at_cap, 16, NULL, NULL, 0, 0);
  const char *lab2048 = tmp_path("lab2048.idx");
  write_labels(lab2048, 0, 0x801, 2048, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(bad_gz, lab2048, 10, &ds), A2D_ERR_DATA,
              "truncated: header says 2147483648 bytes of pixel data, file has 16");
  uint32_t zero[3] = {3, 0, 2};
  write_idx(bad, 0, 0x803, 3, zero, 0, NULL, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(bad, lab, 10, &ds), A2D_ERR_DATA, "header size 2 of 3 is 0");
  uint32_t many = 0x7FFFFFFFu;
  write_idx(bad, 0, 0x801, 1, &many, 3, NULL, NULL, 0, 0);
  CHECK_FAILS(a2d_idx_load(img, bad, 10, &ds), A2D_ERR_DATA, "2147483647 labels, but");

  /* gzip corruption: a wrong CRC, and a stream cut inside its trailer. */
  size_t len = 0;
  unsigned char *gz = read_all(img_gz, &len);
  CHECK(gz != NULL && len > 20);
  if (gz && len > 20) {
    gz[len - 8] ^= 0xFF; /* the CRC-32 of the trailer */
    write_raw(bad_gz, gz, len);
    CHECK_FAILS(a2d_idx_load(bad_gz, lab, 10, &ds), A2D_ERR_DATA,
                "bad.idx.gz: corrupt gzip data: incorrect data check");
    gz[len - 8] ^= 0xFF;
    write_raw(bad_gz, gz, len - 4);
    CHECK_FAILS(a2d_idx_load(bad_gz, lab, 10, &ds), A2D_ERR_DATA,
                "bad.idx.gz: corrupt gzip data: unexpected end of file");
    write_raw(bad_gz, gz, len);
    CHECK_OK(a2d_idx_load(bad_gz, lab, 10, &ds)); /* restored: loads again */
    a2d_dataset_free(&ds);
  }
  free(gz);

  /* Missing files and bad arguments. */
  CHECK_FAILS(a2d_idx_load(tmp_path("none.idx"), lab, 10, &ds), A2D_ERR_IO,
              "none.idx: cannot open: No such file or directory");
  CHECK_FAILS(a2d_idx_load(img, lab, 0, &ds), A2D_ERR_INTERNAL, "classes must be in 1..256");

  /* The MNIST directory layout: plain train files, gzip t10k files. */
  const char *dir = tmp_path("mnist");
  CHECK(mkdir(dir, 0755) == 0);
  write_images(tmp_path("mnist/train-images-idx3-ubyte"), 0, 0x803, 20, 28, 28, 0, 0);
  write_labels(tmp_path("mnist/train-labels-idx1-ubyte"), 0, 0x801, 20, NULL, 0, 0);
  write_images(tmp_path("mnist/t10k-images-idx3-ubyte.gz"), 1, 0x803, 10, 28, 28, 0, 0);
  CHECK_FAILS(a2d_mnist_load(dir, "t10k", &ds), A2D_ERR_IO,
              "mnist/t10k-labels-idx1-ubyte.gz: no such file (nor ");
  CHECK_FAILS(a2d_mnist_load(dir, "t10k", &ds), A2D_ERR_IO, "mnist/t10k-labels-idx1-ubyte)");
  write_labels(tmp_path("mnist/t10k-labels-idx1-ubyte.gz"), 1, 0x801, 10, NULL, 0, 0);
  CHECK_OK(a2d_mnist_load(dir, "train", &ds));
  check_pattern(&ds, 20, 784);
  a2d_dataset_free(&ds);
  CHECK_OK(a2d_mnist_load(dir, "t10k", &ds));
  check_pattern(&ds, 10, 784);
  a2d_dataset_free(&ds);
  CHECK_FAILS(a2d_mnist_load(dir, "test", &ds), A2D_ERR_INTERNAL,
              "split must be \"train\" or \"t10k\", got \"test\"");
  CHECK_FAILS(a2d_mnist_load(tmp_path("nowhere"), "train", &ds), A2D_ERR_IO,
              "nowhere/train-images-idx3-ubyte.gz: no such file");
  CHECK(ds.x == NULL);
}

/* ---- CSV ---- */

/* Load CSV text written to scratch file `name` with the given options. */
static a2d_err csv_text(const char *name, const char *text, int label_column, int header,
                        int32_t classes, a2d_dataset *ds) {
  const char *path = tmp_path(name);
  a2d_csv_options opt = {label_column, header, classes};
  write_text(path, text);
  return a2d_csv_load(path, &opt, ds);
}

/* The CSV loader on good and malformed files. */
static void test_csv(void) {
  a2d_dataset ds = {0};

  /* A header (detected), label last, classes inferred. */
  CHECK_OK(csv_text("h.csv", "f1,f2,label\n1,2,0\n3.5, -4 ,1\n", -1, -1, 0, &ds));
  CHECK(ds.n == 2 && ds.d == 2 && ds.classes == 2);
  if (ds.n == 2) {
    CHECK(ds.x[0] == 1.0f && ds.x[1] == 2.0f && ds.x[2] == 3.5f && ds.x[3] == -4.0f);
    CHECK(ds.y[0] == 0 && ds.y[1] == 1);
    CHECK(ds.index[0] == 0 && ds.index[1] == 1);
  }
  a2d_dataset_free(&ds);

  /* No header, label first, CRLF line ends, blank trailing lines, "4.0" as a label. */
  CHECK_OK(csv_text("n.csv", "1,2,3\r\n4.0,5,6e-1\r\n\r\n  \n\n", 0, -1, 0, &ds));
  CHECK(ds.n == 2 && ds.d == 2 && ds.classes == 5);
  if (ds.n == 2) {
    CHECK(ds.y[0] == 1 && ds.y[1] == 4);
    CHECK(ds.x[0] == 2.0f && ds.x[1] == 3.0f && ds.x[2] == 5.0f && ds.x[3] == 0.6f);
  }
  a2d_dataset_free(&ds);

  /* Label in a middle column; classes given; no final newline. */
  CHECK_OK(csv_text("m.csv", "0.5,7,1.5\n2.5,3,3.5", 1, 0, 10, &ds));
  CHECK(ds.n == 2 && ds.d == 2 && ds.classes == 10);
  if (ds.n == 2) CHECK(ds.y[0] == 7 && ds.y[1] == 3 && ds.x[2] == 2.5f && ds.x[3] == 3.5f);
  a2d_dataset_free(&ds);

  /* A UTF-8 byte order mark before a numeric first line is not a header. */
  CHECK_OK(csv_text("bom.csv",
                    "\xEF\xBB\xBF"
                    "1,2,0\n3,4,1\n",
                    -1, -1, 0, &ds));
  CHECK(ds.n == 2 && ds.x[0] == 1.0f);
  a2d_dataset_free(&ds);

  /* header = 1 skips a numeric first line; header = 0 takes a text first line as data. */
  CHECK_OK(csv_text("h1.csv", "9,9\n1,2\n", -1, 1, 0, &ds));
  CHECK(ds.n == 1 && ds.y[0] == 2 && ds.classes == 3);
  a2d_dataset_free(&ds);
  CHECK_FAILS(csv_text("h0.csv", "a,b\n1,2\n", -1, 0, 0, &ds), A2D_ERR_DATA,
              "h0.csv:1: column 1: expected a finite number, got \"a\"");

  /* A long line: no fixed line length. */
  size_t cols = 3000, cap = cols * 8 + 16, used = 0;
  char *text = malloc(cap);
  CHECK(text != NULL);
  if (text) {
    for (int line = 0; line < 2; line++)
      for (size_t c = 0; c < cols; c++)
        used +=
            (size_t)snprintf(text + used, cap - used, "%zu%c", c % 7, c + 1 < cols ? ',' : '\n');
    CHECK_OK(csv_text("long.csv", text, -1, -1, 0, &ds));
    CHECK(ds.n == 2 && ds.d == (int64_t)cols - 1 && ds.y[1] == (int32_t)((cols - 1) % 7));
    CHECK(ds.x[2 * (cols - 1) - 1] == (float)((cols - 2) % 7));
    a2d_dataset_free(&ds);
    free(text);
  }

  /* Malformed content. */
  CHECK_FAILS(csv_text("rag.csv", "1,2,0\n3,4,1\n5,6,7,1\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "rag.csv:3: 4 columns, but line 1 has 3");
  CHECK_FAILS(csv_text("rag2.csv", "a,b,c\n1,2\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "rag2.csv:2: 2 columns, but line 1 has 3");
  CHECK_FAILS(csv_text("nan.csv", "1,2,0\n3,nan,1\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "nan.csv:2: column 2: expected a finite number, got \"nan\"");
  CHECK_FAILS(csv_text("inf.csv", "1,2,0\n-inf,2,1\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "inf.csv:2: column 1: expected a finite number, got \"-inf\"");
  CHECK_FAILS(csv_text("big.csv", "1,1e999,0\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "big.csv:1: column 2: expected a finite number, got \"1e999\"");
  CHECK_FAILS(csv_text("flt.csv", "1,1e39,0\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "flt.csv:1: column 2: 1e39 is beyond the float range");
  CHECK_FAILS(csv_text("txt.csv", "x,y,l\n1,2,0\n3,4x,1\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "txt.csv:3: column 2: expected a finite number, got \"4x\"");
  CHECK_FAILS(csv_text("emp.csv", "1,,0\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "emp.csv:1: column 2: expected a finite number, got \"\"");
  CHECK_FAILS(csv_text("emp2.csv", "1,2,0\n3,4,\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "emp2.csv:2: column 3: label must be a non-negative integer, got \"\"");
  CHECK_OK(csv_text("idx.csv", ",a,label\n0,1.5,1\n", -1, -1, 0, &ds)); /* empty header name */
  CHECK(ds.n == 1 && ds.d == 2 && ds.x[1] == 1.5f);
  a2d_dataset_free(&ds);
  CHECK_FAILS(csv_text("frac.csv", "1,2,0\n3,4,3.5\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "frac.csv:2: column 3: label must be a non-negative integer, got \"3.5\"");
  CHECK_FAILS(csv_text("neg.csv", "-1,1,2\n", 0, -1, 0, &ds), A2D_ERR_DATA,
              "neg.csv:1: column 1: label must be a non-negative integer, got \"-1\"");
  CHECK_FAILS(csv_text("lnan.csv", "1,2,nan\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "lnan.csv:1: column 3: label must be a non-negative integer");
  CHECK_FAILS(csv_text("range.csv", "1,2,0\n3,4,2\n5,6,3\n", -1, -1, 3, &ds), A2D_ERR_DATA,
              "range.csv:3: column 3: label 3 is out of range: expected 0..2");
  CHECK_FAILS(csv_text("empty.csv", "", -1, -1, 0, &ds), A2D_ERR_DATA, "empty.csv: empty file");
  CHECK_FAILS(csv_text("blank.csv", "\n\n", -1, -1, 0, &ds), A2D_ERR_DATA, "blank.csv: empty file");
  CHECK_FAILS(csv_text("head.csv", "a,b,label\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "head.csv: no data rows");
  CHECK_FAILS(csv_text("mid.csv", "1,2,0\n\n3,4,1\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "mid.csv:2: blank line");
  CHECK_FAILS(csv_text("one.csv", "1\n2\n", -1, -1, 0, &ds), A2D_ERR_DATA,
              "one.csv:1: 1 column, expected a label and at least one feature");
  CHECK_FAILS(csv_text("col.csv", "1,2,0\n", 5, -1, 0, &ds), A2D_ERR_DATA,
              "col.csv:1: no label column 6: the line has 3 columns");
  write_raw(tmp_path("nul2.csv"), "1,2,0\n3,\0,1\n", 12);
  a2d_csv_options opt = {-1, -1, 0};
  CHECK_FAILS(a2d_csv_load(g_paths[g_npaths - 1], &opt, &ds), A2D_ERR_DATA,
              "nul2.csv:2: NUL byte in line");
  CHECK_FAILS(a2d_csv_load(tmp_path("none.csv"), &opt, &ds), A2D_ERR_IO,
              "none.csv: cannot open: No such file or directory");
  CHECK(ds.x == NULL && ds.n == 0);
}

/* ---- HDF5 ---- */

/* Write dataset `name` (rank, dims, type, data) into an open HDF5 file. */
static void h5_put(hid_t file, const char *name, int rank, const hsize_t *dims, hid_t type,
                   const void *data) {
  hid_t space = H5Screate_simple(rank, dims, NULL);
  CHECK(space >= 0);
  hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(set >= 0);
  CHECK(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
  CHECK(H5Dclose(set) >= 0);
  CHECK(H5Sclose(space) >= 0);
}

/* Write an HDF5 file with /x (n x d doubles, or 1-D if flat) and /y (labels as ytype), when given.
 */
static const char *h5_file(const char *name, const double *x, hsize_t n, hsize_t d, int flat,
                           const void *y, hsize_t ny, hid_t ytype) {
  const char *path = tmp_path(name);
  hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(file >= 0);
  hsize_t xdims[2] = {n, d}, flat_dims[1] = {n * d};
  if (x) h5_put(file, "/x", flat ? 1 : 2, flat ? flat_dims : xdims, H5T_NATIVE_DOUBLE, x);
  if (y) h5_put(file, "/y", 1, &ny, ytype, y);
  CHECK(H5Fclose(file) >= 0);
  return path;
}

/* The HDF5 loader on good and malformed files. */
static void test_h5(void) {
  a2d_dataset ds = {0};
  double x[6] = {1, 2, 3, 4, 5, 6.5};
  int64_t y[3] = {2, 0, 1};
  float yf[3] = {2, 0, 1};
  const char *good = h5_file("good.h5", x, 3, 2, 0, y, 3, H5T_NATIVE_INT64);

  CHECK_OK(a2d_h5data_load(good, 0, &ds));
  CHECK(ds.n == 3 && ds.d == 2 && ds.classes == 3);
  if (ds.n == 3) {
    CHECK(ds.x[0] == 1.0f && ds.x[3] == 4.0f && ds.x[5] == 6.5f);
    CHECK(ds.y[0] == 2 && ds.y[1] == 0 && ds.y[2] == 1);
    CHECK(ds.index[2] == 2);
  }
  a2d_dataset_free(&ds);
  CHECK_OK(a2d_h5data_load(good, 10, &ds));
  CHECK(ds.classes == 10);
  a2d_dataset_free(&ds);

  /* Integer features and narrow integer labels are converted. */
  {
    const char *path = tmp_path("ints.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    uint8_t xi[4] = {0, 255, 7, 9}, yi[2] = {1, 0};
    hsize_t xd[2] = {2, 2}, yd[1] = {2};
    h5_put(file, "/x", 2, xd, H5T_NATIVE_UINT8, xi);
    h5_put(file, "/y", 1, yd, H5T_NATIVE_UINT8, yi);
    CHECK(H5Fclose(file) >= 0);
    CHECK_OK(a2d_h5data_load(path, 0, &ds));
    CHECK(ds.n == 2 && ds.d == 2 && ds.x[1] == 255.0f && ds.y[0] == 1 && ds.classes == 2);
    a2d_dataset_free(&ds);
  }

  const char *p;
  p = h5_file("noy.h5", x, 3, 2, 0, NULL, 0, 0);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "noy.h5: no dataset /y (expected n integer class labels)");
  p = h5_file("nox.h5", NULL, 0, 0, 0, y, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "nox.h5: no dataset /x (expected n x d features)");
  p = h5_file("rank.h5", x, 3, 2, 1, y, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "rank.h5: dataset /x has rank 1, expected 2 (n x d features)");
  p = h5_file("len.h5", x, 3, 2, 0, y, 2, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "len.h5: dataset /x has 3 rows, but /y has 2 labels");
  double xnan[6] = {1, 2, 3, NAN, 5, 6};
  p = h5_file("nan.h5", xnan, 3, 2, 0, y, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "nan.h5: dataset /x row 1: non-finite value");
  double xinf[6] = {1, 2, 3, 4, 5, -INFINITY};
  p = h5_file("inf.h5", xinf, 3, 2, 0, y, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA, "inf.h5: dataset /x row 2: non-finite");
  p = h5_file("fy.h5", x, 3, 2, 0, yf, 3, H5T_NATIVE_FLOAT);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "fy.h5: dataset /y has a floating-point type, expected n integer class labels");
  CHECK_FAILS(a2d_h5data_load(good, 2, &ds), A2D_ERR_DATA,
              "good.h5: dataset /y row 0: label 2 is out of range: expected 0..1");
  int64_t yneg[3] = {0, -1, 1};
  p = h5_file("neg.h5", x, 3, 2, 0, yneg, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA,
              "neg.h5: dataset /y row 1: label -1 is not a valid class number");
  int64_t yhuge[3] = {0, 1, (int64_t)1 << 40};
  p = h5_file("huge.h5", x, 3, 2, 0, yhuge, 3, H5T_NATIVE_INT64);
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA, "huge.h5: dataset /y row 2: label");

  /* /x a group, not a dataset. */
  {
    const char *path = tmp_path("group.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t group = H5Gcreate2(file, "/x", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(group >= 0);
    CHECK(H5Gclose(group) >= 0);
    CHECK(H5Fclose(file) >= 0);
    CHECK_FAILS(a2d_h5data_load(path, 0, &ds), A2D_ERR_DATA, "group.h5: /x is not a dataset");
  }

  p = tmp_path("text.h5");
  write_text(p, "this is not HDF5\n");
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA, "text.h5: not an HDF5 file");
  p = tmp_path("zero.h5");
  write_text(p, "");
  CHECK_FAILS(a2d_h5data_load(p, 0, &ds), A2D_ERR_DATA, "zero.h5: not an HDF5 file");
  CHECK_FAILS(a2d_h5data_load(tmp_path("none.h5"), 0, &ds), A2D_ERR_IO,
              "none.h5: cannot open: No such file or directory");
  CHECK(ds.x == NULL && ds.n == 0);

  /* The loader leaves HDF5's automatic error printing as it found it. */
  H5E_auto2_t func = NULL;
  void *data = NULL;
  CHECK(H5Eget_auto2(H5E_DEFAULT, &func, &data) >= 0);
  CHECK(func != NULL);
}

/* ---- synthetic data ---- */

/* The synthetic generator: determinism, independence of n, labels, spread, bad arguments. */
static void test_synthetic(void) {
  a2d_dataset a = {0}, b = {0}, c = {0}, e = {0};

  CHECK_OK(a2d_synthetic_generate(42, 20, 5, 3, 4.0, &a));
  CHECK_OK(a2d_synthetic_generate(42, 20, 5, 3, 4.0, &b));
  CHECK_OK(a2d_synthetic_generate(43, 20, 5, 3, 4.0, &c));
  CHECK_OK(a2d_synthetic_generate(42, 10, 5, 3, 4.0, &e));
  CHECK(a.n == 20 && a.d == 5 && a.classes == 3);
  if (a.n == 20 && b.n == 20 && c.n == 20 && e.n == 10) {
    CHECK(memcmp(a.x, b.x, 100 * sizeof(float)) == 0);
    CHECK(memcmp(a.y, b.y, 20 * sizeof(int32_t)) == 0);
    CHECK(memcmp(a.x, c.x, 100 * sizeof(float)) != 0);
    CHECK(memcmp(a.x, e.x, 50 * sizeof(float)) == 0); /* example i does not depend on n */
    int bad = 0;
    for (int i = 0; i < 20; i++) bad += a.y[i] != i % 3 || a.index[i] != i;
    CHECK(bad == 0);
  }
  a2d_dataset_free(&a);
  a2d_dataset_free(&b);
  a2d_dataset_free(&c);
  a2d_dataset_free(&e);

  /* Balanced labels, and with separation 0 the features are N(0, 1). */
  CHECK_OK(a2d_synthetic_generate(7, 6000, 2, 4, 0.0, &a));
  if (a.n == 6000) {
    int64_t count[4] = {0, 0, 0, 0};
    double sum = 0, sumsq = 0;
    for (int64_t i = 0; i < a.n; i++) count[a.y[i]]++;
    for (int64_t k = 0; k < a.n * a.d; k++) sum += a.x[k], sumsq += (double)a.x[k] * a.x[k];
    CHECK(count[0] == 1500 && count[1] == 1500 && count[2] == 1500 && count[3] == 1500);
    double mean = sum / 12000.0, var = sumsq / 12000.0 - mean * mean;
    CHECK(fabs(mean) < 0.05);
    CHECK(fabs(var - 1.0) < 0.05);
  }
  a2d_dataset_free(&a);

  /* Separated clusters: each example lies nearer its own class mean. */
  CHECK_OK(a2d_synthetic_generate(1, 400, 10, 2, 5.0, &a));
  if (a.n == 400) {
    double mean[2][10] = {{0}};
    for (int64_t i = 0; i < a.n; i++)
      for (int j = 0; j < 10; j++) mean[a.y[i]][j] += a.x[i * 10 + j] / 200.0;
    int wrong = 0;
    for (int64_t i = 0; i < a.n; i++) {
      double dist[2] = {0, 0};
      for (int c2 = 0; c2 < 2; c2++)
        for (int j = 0; j < 10; j++) {
          double t = a.x[i * 10 + j] - mean[c2][j];
          dist[c2] += t * t;
        }
      wrong += dist[a.y[i]] > dist[1 - a.y[i]];
    }
    CHECK(wrong < 4);
  }
  a2d_dataset_free(&a);

  CHECK_FAILS(a2d_synthetic_generate(1, 0, 2, 2, 1.0, &a), A2D_ERR_DECK, "n must be positive");
  CHECK_FAILS(a2d_synthetic_generate(1, 5, 0, 2, 1.0, &a), A2D_ERR_DECK, "d must be positive");
  CHECK_FAILS(a2d_synthetic_generate(1, 5, 2, 1, 1.0, &a), A2D_ERR_DECK,
              "classes must be at least 2, got 1");
  CHECK_FAILS(a2d_synthetic_generate(1, 5, 2, 2, -1.0, &a), A2D_ERR_DECK,
              "separation must be a finite non-negative number");
  CHECK_FAILS(a2d_synthetic_generate(1, 5, 2, 2, NAN, &a), A2D_ERR_DECK, "separation");
  CHECK(a.x == NULL);
}

/* ---- subsets and scaling ---- */

/* Subsets and the three scalings on a hand-made data set. */
static void test_subset_scaling(void) {
  float x[6] = {1, 10, 3, 10, 5, 10};
  int32_t y[3] = {0, 1, 0};
  int64_t index[3] = {100, 101, 102};
  a2d_dataset src = {3, 2, 2, x, y, index}, sub = {0}, sub2 = {0};
  float shift[2], factor[2];

  int64_t rows[3] = {2, 0, 2};
  CHECK_OK(a2d_dataset_subset(&src, rows, 3, &sub));
  CHECK(sub.n == 3 && sub.d == 2 && sub.classes == 2);
  if (sub.n == 3) {
    CHECK(sub.x[0] == 5 && sub.x[2] == 1 && sub.x[4] == 5);
    CHECK(sub.y[0] == 0 && sub.y[1] == 0);
    CHECK(sub.index[0] == 102 && sub.index[1] == 100);
  }
  int64_t rows2[1] = {1};
  CHECK_OK(a2d_dataset_subset(&sub, rows2, 1, &sub2));
  CHECK(sub2.n == 1 && sub2.index[0] == 100 && sub2.x[0] == 1);
  a2d_dataset_free(&sub2);
  int64_t bad_rows[2] = {0, 3};
  CHECK_FAILS(a2d_dataset_subset(&src, bad_rows, 2, &sub2), A2D_ERR_INTERNAL,
              "row 3 (entry 1 of the list) is out of range: the data set has 3 rows");
  bad_rows[1] = -1;
  CHECK_FAILS(a2d_dataset_subset(&src, bad_rows, 2, &sub2), A2D_ERR_INTERNAL, "out of range");
  CHECK_OK(a2d_dataset_subset(&src, NULL, 0, &sub2));
  CHECK(sub2.n == 0);
  a2d_dataset_free(&sub2);

  /* NONE */
  CHECK_OK(a2d_scaling_fit(&src, A2D_SCALE_NONE, shift, factor));
  CHECK(shift[0] == 0 && shift[1] == 0 && factor[0] == 1 && factor[1] == 1);

  /* UNIT: global min 1 and max 10 map to 0 and 1. */
  CHECK_OK(a2d_scaling_fit(&src, A2D_SCALE_UNIT, shift, factor));
  CHECK(shift[0] == 1 && shift[1] == 1);
  CHECK(fabsf(factor[0] - 1.0f / 9.0f) < 1e-7f && factor[1] == factor[0]);
  a2d_scaling_apply(&sub, shift, factor);
  CHECK(fabsf(sub.x[0] - 4.0f / 9.0f) < 1e-6f && fabsf(sub.x[1] - 1.0f) < 1e-6f);
  CHECK(sub.x[2] == 0.0f);

  /* STANDARD: feature 0 has mean 3 and sd sqrt(8/3); feature 1 is constant. */
  CHECK_OK(a2d_scaling_fit(&src, A2D_SCALE_STANDARD, shift, factor));
  CHECK(shift[0] == 3.0f && fabsf(factor[0] - (float)(1.0 / sqrt(8.0 / 3.0))) < 1e-6f);
  CHECK(shift[1] == 10.0f && factor[1] == 1.0f);
  float copy[6];
  memcpy(copy, x, sizeof x);
  a2d_dataset scaled = {3, 2, 2, copy, y, index};
  a2d_scaling_apply(&scaled, shift, factor);
  CHECK(fabsf(copy[0] + 1.2247449f) < 1e-5f && copy[2] == 0.0f &&
        fabsf(copy[4] - 1.2247449f) < 1e-5f);
  CHECK(copy[1] == 0.0f && copy[3] == 0.0f && copy[5] == 0.0f);

  /* UNIT on constant data: factor 1, shift the value. */
  float same[2] = {7, 7};
  a2d_dataset flat = {1, 2, 2, same, y, index};
  CHECK_OK(a2d_scaling_fit(&flat, A2D_SCALE_UNIT, shift, factor));
  CHECK(shift[0] == 7 && factor[0] == 1 && shift[1] == 7 && factor[1] == 1);

  a2d_dataset none = {0, 2, 2, x, y, index};
  CHECK_FAILS(a2d_scaling_fit(&none, A2D_SCALE_UNIT, shift, factor), A2D_ERR_DATA,
              "empty training set");
  CHECK_FAILS(a2d_scaling_fit(&src, (a2d_scaling)9, shift, factor), A2D_ERR_INTERNAL,
              "unknown mode 9");
  a2d_dataset_free(&sub);
}

/* ---- damaged files ---- */

/*
 * Load `count` randomly damaged copies of the file at `good` (1 to 4 bytes
 * changed, or cut short) with load(); each must either load or fail with
 * A2D_ERR_DATA, never crash (run under the sanitizers).  Returns the failures.
 */
static int damage_and_load(const char *good, const char *bad, int count,
                           a2d_err (*load)(const char *path, a2d_dataset *ds)) {
  size_t len = 0;
  unsigned char *orig = read_all(good, &len), *copy = malloc(len + 1);
  int wrong = 0, refused = 0;
  a2d_rng rng;
  if (!orig || !copy || len == 0) {
    free(orig);
    free(copy);
    return -1;
  }
  for (int t = 0; t < count; t++) {
    a2d_rng_seed(&rng, 2024, 99, (uint64_t)t);
    memcpy(copy, orig, len);
    size_t cut = len;
    if (t % 5 == 4) {
      cut = (size_t)a2d_rng_below(&rng, len);
    } else {
      int flips = 1 + (int)a2d_rng_below(&rng, 4);
      for (int k = 0; k < flips; k++)
        copy[a2d_rng_below(&rng, len)] = (unsigned char)a2d_rng_below(&rng, 256);
    }
    FILE *f = fopen(bad, "wb");
    if (!f || fwrite(copy, 1, cut, f) != cut || fclose(f) != 0) {
      wrong++;
      continue;
    }
    a2d_dataset ds = {0};
    a2d_error_clear();
    a2d_err e = load(bad, &ds);
    if (e != A2D_OK && e != A2D_ERR_DATA) {
      wrong++;
      fprintf(stderr, "damaged copy %d of %s: error %d: %s\n", t, good, e, a2d_error_message());
    }
    refused += e != A2D_OK;
    a2d_dataset_free(&ds);
  }
  a2d_error_clear();
  free(orig);
  free(copy);
  return refused > 0 ? wrong : -1; /* refusing nothing would mean the damage was never seen */
}

static const char *g_labels_for_damage;

/* Loaders of one path, for damage_and_load. */
static a2d_err load_idx_images(const char *path, a2d_dataset *ds) {
  return a2d_idx_load(path, g_labels_for_damage, 10, ds);
}
static a2d_err load_csv(const char *path, a2d_dataset *ds) {
  a2d_csv_options opt = {-1, -1, 10};
  return a2d_csv_load(path, &opt, ds);
}
static a2d_err load_h5(const char *path, a2d_dataset *ds) {
  return a2d_h5data_load(path, 10, ds);
}

/* Randomly damaged IDX (raw and gzip), CSV and HDF5 files are loaded or refused, never crash. */
static void test_damage(void) {
  const char *img = tmp_path("dmg-img.idx"), *img_gz = tmp_path("dmg-img.idx.gz");
  const char *lab = tmp_path("dmg-lab.idx"), *csv = tmp_path("dmg.csv");
  const char *bad = tmp_path("dmg-bad");
  write_images(img, 0, 0x803, 12, 5, 5, 0, 0);
  write_images(img_gz, 1, 0x803, 12, 5, 5, 0, 0);
  write_labels(lab, 0, 0x801, 12, NULL, 0, 0);
  write_text(csv, "a,b,c,label\n1,2,3,0\n4.5,5e1,-6,9\n7,8,9,3\n0.25,1,2,1\n");
  double x[6] = {1, 2, 3, 4, 5, 6};
  int64_t y[3] = {2, 0, 1};
  const char *h5 = h5_file("dmg.h5", x, 3, 2, 0, y, 3, H5T_NATIVE_INT64);
  g_labels_for_damage = lab;
  CHECK(damage_and_load(img, bad, 300, load_idx_images) == 0);
  CHECK(damage_and_load(img_gz, bad, 300, load_idx_images) == 0);
  CHECK(damage_and_load(csv, bad, 300, load_csv) == 0);
  CHECK(damage_and_load(h5, bad, 100, load_h5) == 0);
}

/* ---- the real Fashion-MNIST ---- */

/* Check one real split: n examples, 784 pixels in 0..255 with both ends seen, n/10 per class. */
static void check_real(const char *split, int64_t n) {
  a2d_dataset ds = {0};
  CHECK_OK(a2d_mnist_load(FASHION_DIR, split, &ds));
  CHECK(ds.n == n && ds.d == 784 && ds.classes == 10);
  if (ds.n == n && ds.d == 784) {
    int64_t count[10] = {0};
    float lo = ds.x[0], hi = ds.x[0];
    int bad = 0;
    for (int64_t k = 0; k < n * 784; k++) {
      if (ds.x[k] < lo) lo = ds.x[k];
      if (ds.x[k] > hi) hi = ds.x[k];
      bad += ds.x[k] != floorf(ds.x[k]);
    }
    for (int64_t i = 0; i < n; i++) {
      if (ds.y[i] >= 0 && ds.y[i] < 10) count[ds.y[i]]++;
      bad += ds.index[i] != i;
    }
    CHECK(lo == 0.0f && hi == 255.0f && bad == 0);
    for (int c = 0; c < 10; c++) CHECK(count[c] == n / 10);
    float shift[784], factor[784];
    CHECK_OK(a2d_scaling_fit(&ds, A2D_SCALE_UNIT, shift, factor));
    CHECK(shift[0] == 0.0f && factor[0] == 1.0f / 255.0f);
    printf("real Fashion-MNIST %s: %lld examples, pixels %g..%g\n", split, (long long)ds.n,
           (double)lo, (double)hi);
  }
  a2d_dataset_free(&ds);
}

/* The installed Fashion-MNIST, or a skip note (and the install hint) when it is absent. */
static void test_real(void) {
  if (access(FASHION_DIR "/train-images-idx3-ubyte.gz", F_OK) != 0) {
    a2d_dataset ds = {0};
    CHECK_FAILS(a2d_mnist_load(FASHION_DIR, "train", &ds), A2D_ERR_IO,
                "install the Debian package dataset-fashion-mnist");
    printf("SKIP real Fashion-MNIST: not installed\n");
    return;
  }
  check_real("train", 60000);
  check_real("t10k", 10000);
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "test_loaders_XXXXXX");
  if (!mkdtemp(g_dir)) {
    snprintf(g_dir, sizeof g_dir, "/tmp/test_loaders_XXXXXX");
    if (!mkdtemp(g_dir)) {
      perror("test_loaders: mkdtemp");
      return 2;
    }
  }
  test_idx();
  test_csv();
  test_h5();
  test_synthetic();
  test_subset_scaling();
  test_damage();
  test_real();
  tmp_cleanup();
  return check_summary("test_loaders");
}
