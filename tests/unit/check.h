/*
 * check.h - the tiny assertion kit of a2d's unit tests.
 *
 * CHECK(cond) records a failure with file and line and goes on; CHECK_OK(call)
 * requires an a2d call to succeed; CHECK_FAILS(call, code, substring) requires
 * it to fail with that class and a message containing `substring`.  A test's
 * main ends with `return check_summary("name");`, which prints
 * "name: N passed, M failed" and returns non-zero on any failure.  A test
 * that runs under MPI ends with `return check_finalize("name");` instead
 * (after PetscFinalize, if it uses PETSc): every rank prints its summary and
 * every rank fails when any rank failed.
 */
#ifndef A2D_TEST_CHECK_H
#define A2D_TEST_CHECK_H

#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "a2d/error.h"

static int check_passed_, check_failed_;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      check_passed_++;                                                         \
    } else {                                                                   \
      check_failed_++;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_OK(call)                                                              \
  do {                                                                              \
    a2d_error_clear();                                                              \
    a2d_err e_ = (call);                                                            \
    if (e_ == A2D_OK) {                                                             \
      check_passed_++;                                                              \
    } else {                                                                        \
      check_failed_++;                                                              \
      fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call, e_, \
              a2d_error_message());                                                 \
    }                                                                               \
  } while (0)

#define CHECK_FAILS(call, code, substring)                                                   \
  do {                                                                                       \
    a2d_error_clear();                                                                       \
    a2d_err e_ = (call);                                                                     \
    if (e_ == (code) && strstr(a2d_error_message(), (substring))) {                          \
      check_passed_++;                                                                       \
    } else {                                                                                 \
      check_failed_++;                                                                       \
      fprintf(stderr, "%s:%d: %s: expected error %d containing \"%s\", got %d: \"%s\"\n",    \
              __FILE__, __LINE__, #call, (int)(code), (substring), e_, a2d_error_message()); \
    }                                                                                        \
    a2d_error_clear();                                                                       \
  } while (0)

/* Print "name: N passed, M failed"; 1 if any check failed, else 0. */
static inline int check_summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

/*
 * End an MPI test: print "name[rank r]: N passed, M failed", agree over
 * MPI_COMM_WORLD whether any rank failed, MPI_Finalize; 1 if any failed.
 */
static inline int check_finalize(const char *name) {
  int rank = 0, rc, any = 0;
  char label[128];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  snprintf(label, sizeof label, "%s[rank %d]", name, rank);
  rc = check_summary(label);
  MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}

#endif
