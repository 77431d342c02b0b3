/* fuzz_index_list.c - libFuzzer harness: the index-list reader on an arbitrary
 * file, for a training set of 1000 points and in syntax-only mode. */
#include <stdlib.h>

#include "a2d/index_list.h"
#include "fuzz_loaders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  if (!fuzz_file("list", data, size, path, sizeof path)) return 0;
  int64_t *idx = NULL, count = 0;
  if (a2d_index_list_read(path, 1000, &idx, &count) == A2D_OK) free(idx);
  a2d_error_clear();
  if (a2d_index_list_read(path, -1, &idx, &count) == A2D_OK) free(idx);
  a2d_error_clear();
  return 0;
}
