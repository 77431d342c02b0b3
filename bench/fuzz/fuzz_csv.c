/* fuzz_csv.c - libFuzzer harness: the CSV reader on an arbitrary file, with
 * the header and label-column options its first byte chooses. */
#include <stdlib.h>

#include "a2d/data.h"
#include "fuzz_loaders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  if (size < 1) return 0;
  if (!fuzz_file("csv", data + 1, size - 1, path, sizeof path)) return 0;
  a2d_csv_options opt = {0};
  opt.header = (int)(data[0] % 3) - 1;           /* detect, no, yes */
  opt.label_column = (int)(data[0] / 3 % 4) - 1; /* -1 (last) .. 2 */
  a2d_dataset ds = {0};
  if (a2d_csv_load(path, &opt, &ds) == A2D_OK) a2d_dataset_free(&ds);
  a2d_error_clear();
  return 0;
}
