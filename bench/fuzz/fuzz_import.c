/* fuzz_import.c - libFuzzer harness: the import reader (a2d/import.h) on an
 * arbitrary file, both as one .npy file of a folder import and as an HDF5
 * import: every array kind the stages ask for, every row, every value check. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "a2d/import.h"
#include "fuzz_loaders.h"

/* What a stage does with an array: find it with any shape, then read it every way. */
static void read_all(a2d_import *imp, const char *name) {
  a2d_import_array a;
  for (int rank = 1; rank <= 3; rank++) {
    int64_t dims[3] = {-1, -1, -1};
    if (a2d_import_expect(imp, name, A2D_IMPORT_FLOAT | A2D_IMPORT_INTEGER, rank, dims, &a)) {
      a2d_error_clear();
      continue;
    }
    const int64_t per = a2d_import_row_values(&a), rows = a.dims[0];
    if (per <= 0 || rows <= 0 || per > (1 << 20) || rows > (1 << 12)) return;
    void *buf = malloc((size_t)(rows * per) * 8);
    if (!buf) return;
    if (a.kind == A2D_IMPORT_FLOAT) {
      if (a2d_import_read_f32(imp, &a, 0, rows, buf)) a2d_error_clear();
      if (a2d_import_read_f64(imp, &a, 0, rows, buf)) a2d_error_clear();
    } else {
      if (a2d_import_read_mask(imp, &a, 0, rows, buf)) a2d_error_clear();
      if (a2d_import_read_i64(imp, &a, 0, rows, 0, 1000, buf)) a2d_error_clear();
    }
    char *text = NULL;
    const char *names[1] = {name};
    if (a2d_import_checksum(imp, names, 1, &text) == A2D_OK) free(text);
    a2d_error_clear();
    free(buf);
    return;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[64], sub[96], path[128];
  a2d_import *imp = NULL;
  /* As a .npy file: DIR/ensemble/masks.npy */
  snprintf(dir, sizeof dir, "/tmp/a2d-fuzz-%d-import", (int)getpid());
  snprintf(sub, sizeof sub, "%s/ensemble", dir);
  mkdir(dir, 0700);
  mkdir(sub, 0700);
  snprintf(path, sizeof path, "%s/masks.npy", sub);
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  if (size) fwrite(data, 1, size, f);
  fclose(f);
  if (a2d_import_open(dir, &imp) == A2D_OK) {
    read_all(imp, "ensemble/masks");
    a2d_import_close(&imp);
  }
  a2d_error_clear();
  /* As an HDF5 file */
  char h5[64];
  if (!fuzz_file("import.h5", data, size, h5, sizeof h5)) return 0;
  if (a2d_import_open(h5, &imp) == A2D_OK) {
    read_all(imp, "ensemble/masks");
    read_all(imp, "data/train/y");
    a2d_import_close(&imp);
  }
  a2d_error_clear();
  return 0;
}
