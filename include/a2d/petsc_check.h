/*
 * a2d/petsc_check.h - PETSc error codes as a2d errors (internal to a2d).
 *
 * Every PETSc call is checked: its PetscErrorCode becomes A2D_ERR_INTERNAL
 * with the call's text and PETSc's own message.  A2D_CHECK_PETSC returns from
 * the enclosing function; A2D_TRY_PETSC sets the local `err` and jumps to
 * `cleanup`, like A2D_TRY; A2D_CLEANUP_PETSC, for the destroy calls after
 * `cleanup:`, records the first failure in `err` and goes on.
 *
 *   A2D_CHECK_PETSC(VecGetArray(v, &x));
 *   A2D_TRY_PETSC(KSPSolve(ksp, b, x));
 */
#ifndef A2D_PETSC_CHECK_H
#define A2D_PETSC_CHECK_H

#include <petscsys.h>

#include "a2d/error.h"

/* PETSc's text for an error code ("?" when it has none). */
static inline const char *a2d_petsc_message(PetscErrorCode pe) {
  const char *text = NULL;
  PetscErrorMessage(pe, &text, NULL);
  return text ? text : "?";
}

/* Check a PETSc call; on failure raise A2D_ERR_INTERNAL with PETSc's own text and return. */
#define A2D_CHECK_PETSC(call)                                                                    \
  do {                                                                                           \
    PetscErrorCode pe_ = (call);                                                                 \
    if (pe_)                                                                                     \
      return A2D_ERROR(A2D_ERR_INTERNAL, "PETSc: %s failed: %s", #call, a2d_petsc_message(pe_)); \
  } while (0)

/* Check a PETSc call; on failure raise A2D_ERR_INTERNAL into `err` and jump to `cleanup`. */
#define A2D_TRY_PETSC(call)                                                                     \
  do {                                                                                          \
    PetscErrorCode pe_ = (call);                                                                \
    if (pe_) A2D_FAIL(A2D_ERR_INTERNAL, "PETSc: %s failed: %s", #call, a2d_petsc_message(pe_)); \
  } while (0)

/* After `cleanup:`: on failure raise A2D_ERR_INTERNAL into `err` unless it holds an error. */
#define A2D_CLEANUP_PETSC(call)                                                                 \
  do {                                                                                          \
    PetscErrorCode pe_ = (call);                                                                \
    if (pe_ && !err)                                                                            \
      err = A2D_ERROR(A2D_ERR_INTERNAL, "PETSc: %s failed: %s", #call, a2d_petsc_message(pe_)); \
  } while (0)

#endif
