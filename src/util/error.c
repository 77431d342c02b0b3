/* error.c - the process-wide error record behind a2d/error.h. */
#include "a2d/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define A2D_TRACE_MAX 24

typedef struct a2d_frame {
  const char *file;
  int line;
  const char *func;
} a2d_frame;

static struct {
  a2d_err code;
  char message[2048];
  a2d_frame trace[A2D_TRACE_MAX];
  int depth;
  int agreed;   /* every rank knows of the failure */
  int reporter; /* this rank prints it */
} g_error;

a2d_err a2d_error_raise(const char *file, int line, const char *func, a2d_err code, const char *fmt,
                        ...) {
  if (code == A2D_OK) code = A2D_ERR_INTERNAL;
  /* The first error raised is the cause; later raises while unwinding are noise. */
  if (g_error.code != A2D_OK) return a2d_error_pass(file, line, func, code);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_error.message, sizeof g_error.message, fmt, ap);
  va_end(ap);
  g_error.code = code;
  g_error.depth = 0;
  return a2d_error_pass(file, line, func, code);
}

a2d_err a2d_error_pass(const char *file, int line, const char *func, a2d_err code) {
  if (g_error.depth < A2D_TRACE_MAX) {
    g_error.trace[g_error.depth].file = file;
    g_error.trace[g_error.depth].line = line;
    g_error.trace[g_error.depth].func = func;
    g_error.depth++;
  }
  return code;
}

const char *a2d_error_message(void) {
  return g_error.message;
}

a2d_err a2d_error_code(void) {
  return g_error.code;
}

void a2d_error_print(FILE *out, int verbose) {
  fprintf(out, "a2d: error: %s\n", g_error.code ? g_error.message : "(no message recorded)");
  if (!verbose) return;
  for (int i = 0; i < g_error.depth; i++)
    fprintf(out, "  at %s:%d (%s)\n", g_error.trace[i].file, g_error.trace[i].line,
            g_error.trace[i].func);
}

void a2d_error_set_agreed(int reporter) {
  g_error.agreed = 1;
  g_error.reporter = reporter;
}

int a2d_error_agreed(void) {
  return g_error.agreed;
}

int a2d_error_reporter(void) {
  return g_error.reporter;
}

void a2d_error_clear(void) {
  g_error.code = A2D_OK;
  g_error.agreed = g_error.reporter = 0;
  g_error.message[0] = '\0';
  g_error.depth = 0;
}

a2d_err a2d_calloc(size_t count, size_t size, void *out) {
  void **p = (void **)out;
  *p = NULL;
  if (count == 0 || size == 0) count = size = 1;
  if (count > SIZE_MAX / size)
    return A2D_ERROR(A2D_ERR_MEM, "allocation of %zu x %zu bytes overflows", count, size);
  *p = calloc(count, size);
  if (!*p)
    return A2D_ERROR(A2D_ERR_MEM, "out of memory allocating %.1f MiB",
                     (double)count * (double)size / 1048576.0);
  return A2D_OK;
}
