/* fuzz_loaders.h - shared by the file-reading harnesses: the input goes to a
 * temporary file, because the readers take paths. */
#ifndef FUZZ_LOADERS_H
#define FUZZ_LOADERS_H
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* Write bytes to /tmp/a2d-fuzz-<pid>-<tag>; returns the path in buf, or NULL. */
static const char *fuzz_file(const char *tag, const uint8_t *data, size_t size, char *buf,
                             size_t len) {
  snprintf(buf, len, "/tmp/a2d-fuzz-%d-%s", (int)getpid(), tag);
  FILE *f = fopen(buf, "wb");
  if (!f) return NULL;
  if (size && fwrite(data, 1, size, f) != size) {
    fclose(f);
    return NULL;
  }
  return fclose(f) ? NULL : buf;
}
#endif
