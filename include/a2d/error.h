/*
 * a2d/error.h - the one error type of a2d.
 *
 * Every function that can fail returns an a2d_err: 0 on success, otherwise one
 * of the A2D_ERR_* classes below, which is also the process exit status.  The
 * function that detects a failure raises it with A2D_ERROR(code, fmt, ...),
 * which records a user-facing message and the source file and line.  Every
 * caller checks the result through A2D_CHECK (return at once) or A2D_TRY (jump
 * to a local `cleanup:` label with `err` set), which appends its own file and
 * line to the trace.  The first message raised wins; the trace shows how it
 * travelled up (printed with --verbose or A2D_VERBOSE=1).
 *
 *   a2d_err load(const char *path, float **x) {
 *     a2d_err err = A2D_OK;
 *     FILE *f = fopen(path, "rb");
 *     if (!f) return A2D_ERROR(A2D_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
 *     A2D_TRY(read_header(f, path));
 *   cleanup:
 *     fclose(f);
 *     return err;
 *   }
 *
 * Messages name the file and line, dataset or deck key at fault and say what
 * was expected, e.g. `quickstart.ini:12: [train] lr: expected a positive real,
 * got "fast"`.  The error state is per process (a2d is not multi-threaded).
 */
#ifndef A2D_ERROR_H
#define A2D_ERROR_H

#include <stdio.h>

/* Error classes; each is the exit status of the a2d executable. */
typedef enum a2d_status {
  A2D_OK = 0,
  A2D_ERR_INTERNAL = 1, /* a bug, or a library call that failed unexpectedly */
  A2D_ERR_DECK = 2,     /* bad deck, --set override or command line */
  A2D_ERR_DATA = 3,     /* malformed data file, index list or study content */
  A2D_ERR_IO = 4,       /* a file cannot be opened, read or written */
  A2D_ERR_STATE = 5,    /* the study file conflicts with the deck or stage order */
  A2D_ERR_MEM = 6,      /* out of memory */
  A2D_ERR_DIVERGED = 7  /* a fine-tune diverged (its loss is not finite): lower its lr */
} a2d_status;

typedef int a2d_err;

/* Record a new error (message formatted printf-style) and return `code`. */
a2d_err a2d_error_raise(const char *file, int line, const char *func, a2d_err code, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));

/* Append a frame to the trace of the current error and return `code`. */
a2d_err a2d_error_pass(const char *file, int line, const char *func, a2d_err code);

#define A2D_ERROR(code, ...) a2d_error_raise(__FILE__, __LINE__, __func__, (code), __VA_ARGS__)

/* Check a call; on failure return its code from the enclosing function. */
#define A2D_CHECK(call)                                                      \
  do {                                                                       \
    a2d_err a2d_e_ = (call);                                                 \
    if (a2d_e_) return a2d_error_pass(__FILE__, __LINE__, __func__, a2d_e_); \
  } while (0)

/* Check a call; on failure set the local `err` and jump to `cleanup`. */
#define A2D_TRY(call)                                    \
  do {                                                   \
    err = (call);                                        \
    if (err) {                                           \
      a2d_error_pass(__FILE__, __LINE__, __func__, err); \
      goto cleanup;                                      \
    }                                                    \
  } while (0)

/* After `cleanup:`: check a call (a free, a close) and keep the first error in `err`. */
#define A2D_CLEANUP(call)                                                           \
  do {                                                                              \
    a2d_err a2d_c_ = (call);                                                        \
    if (a2d_c_ && !err) err = a2d_error_pass(__FILE__, __LINE__, __func__, a2d_c_); \
  } while (0)

/* Raise an error into the local `err` and jump to `cleanup`. */
#define A2D_FAIL(code, ...)             \
  do {                                  \
    err = A2D_ERROR(code, __VA_ARGS__); \
    goto cleanup;                       \
  } while (0)

/* The message of the current error ("" when none). */
const char *a2d_error_message(void);

/* The class of the current error (A2D_OK when none). */
a2d_err a2d_error_code(void);

/* Print "a2d: error: <message>" and, if verbose, the trace, to `out`. */
void a2d_error_print(FILE *out, int verbose);

/*
 * MPI runs: after a collective agreement (a2d_agree) every rank knows of the
 * failure and exactly one rank, the lowest that failed itself, reports it.
 */
void a2d_error_set_agreed(int reporter);
int a2d_error_agreed(void);
int a2d_error_reporter(void);

/* Forget the current error (tests use this between expected failures). */
void a2d_error_clear(void);

/* Checked allocation: *out = calloc(count, size), overflow-safe; raises A2D_ERR_MEM. */
a2d_err a2d_calloc(size_t count, size_t size, void *out);

#define A2D_CALLOC(ptr, count) a2d_calloc((size_t)(count), sizeof(*(ptr)), &(ptr))

#endif
