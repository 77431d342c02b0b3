/* fuzz_idx.c - libFuzzer harness: the IDX reader on an arbitrary images file
 * and labels file (the input split at a point its first byte chooses; plain
 * or gzip, as the reader takes both). */
#include <stdlib.h>

#include "a2d/data.h"
#include "fuzz_loaders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char images[64], labels[64];
  if (size < 1) return 0;
  size_t cut = 1 + (size - 1) * data[0] / 256;
  if (!fuzz_file("images", data + 1, cut - 1, images, sizeof images) ||
      !fuzz_file("labels", data + cut, size - cut, labels, sizeof labels))
    return 0;
  a2d_dataset ds = {0};
  if (a2d_idx_load(images, labels, 10, &ds) == A2D_OK) a2d_dataset_free(&ds);
  a2d_error_clear();
  return 0;
}
