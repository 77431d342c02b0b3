/* text.c - whole text files and comma-separated name lists (see a2d/text.h). */
#include "a2d/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a whole file into a growing buffer, doubling it as needed. */
a2d_err a2d_read_text_file(const char *path, char **text, size_t *len) {
  a2d_err err = A2D_OK;
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 4096, n = 0;
  *text = NULL;
  if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  A2D_TRY(a2d_calloc(cap, 1, &buf));
  for (;;) {
    if (n + 1 >= cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) A2D_FAIL(A2D_ERR_MEM, "%s: out of memory reading the file", path);
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) A2D_FAIL(A2D_ERR_IO, "%s: read error: %s", path, strerror(errno));
  buf[n] = '\0';
  *text = buf;
  if (len) *len = n;
  buf = NULL;
cleanup:
  free(buf);
  fclose(f);
  return err;
}

/* Walk the list comma by comma, comparing each name whole. */
int a2d_list_has(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && !strncmp(p, name, n)) return 1;
    p = comma ? comma + 1 : NULL;
  }
  return 0;
}
