/*
 * a2d/parallel.h - sharing work over MPI ranks, agreeing on failure, and
 * rank-0 logging.
 *
 * Work is shared in contiguous blocks of items (rows, models, targets); the
 * block boundaries depend on the rank count, the results never do, because
 * every item's randomness comes from (seed, item) (see a2d/rng.h).
 */
#ifndef A2D_PARALLEL_H
#define A2D_PARALLEL_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "a2d/error.h"

/* The block [*lo, *hi) of n items that `rank` of `size` owns (sizes differ by at most 1). */
void a2d_block_range(int64_t n, int size, int rank, int64_t *lo, int64_t *hi);

/*
 * Collective: combine every rank's local result.  If any rank failed, all
 * return an error (the highest class); ranks that did not fail themselves
 * take the message of the lowest failing rank, which is the one that prints.
 *
 * The pattern: after rank-local work that can fail (loading, training), call
 * a2d_agree before the next collective.  A rank that fails skips ahead to the
 * driver's a2d_agree after the stage, which meets the others' call; an error
 * already agreed is returned at once without communication.
 */
a2d_err a2d_agree(MPI_Comm comm, a2d_err local);

/*
 * Collective: every rank's `local` doubles, concatenated in rank order, into
 * a new array *all (free it) of *total entries on every rank.  Fails with
 * A2D_ERR_MEM where the total does not fit one MPI message.
 */
a2d_err a2d_allgather_doubles(MPI_Comm comm, const double *mine, int64_t local, double **all,
                              int64_t *total);

/*
 * Every MPI call is checked through one of these (tests/cli/mpi_checked.sh
 * greps src/ for calls that are not; only MPI_Init, MPI_Finalize, MPI_Abort
 * and MPI_Initialized are exempt).  A failure becomes an A2D_ERR_INTERNAL
 * naming the rank, the call and MPI's message.  a2d sets MPI_ERRORS_RETURN on
 * the communicators and windows it uses (a2d_mpi_errors_return), so a failed
 * call returns its code here instead of aborting the job unexplained.
 *
 *   A2D_CHECK_MPI(MPI_Bcast(...));      return the error from the function
 *   A2D_TRY_MPI(MPI_Allreduce(...));    set `err` and jump to `cleanup`
 *   A2D_CLEANUP_MPI(MPI_Comm_free(&c)); after `cleanup:`: keep the first error
 *   a2d_err e = A2D_MPI(MPI_Comm_rank(...));   the a2d_err of one call
 */
#define A2D_MPI(call) a2d_mpi_status((call), #call, __FILE__, __LINE__, __func__)
#define A2D_CHECK_MPI(call) A2D_CHECK(A2D_MPI(call))
#define A2D_TRY_MPI(call) A2D_TRY(A2D_MPI(call))
#define A2D_CLEANUP_MPI(call) A2D_CLEANUP(A2D_MPI(call))
a2d_err a2d_mpi_status(int rc, const char *call, const char *file, int line, const char *func);

/* Make MPI calls on `comm` return their error codes rather than abort (see above). */
a2d_err a2d_mpi_errors_return(MPI_Comm comm);

/* Set this process's rank (logging happens on rank 0) and verbosity. */
void a2d_log_init(int rank, int verbose);

/* On rank 0: print "a2d: " + message + newline to stdout, flushed. */
void a2d_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* As a2d_log, only with --verbose. */
void a2d_log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Fault injection for tests: if the environment variable A2D_FAULT equals
 * `point` (e.g. "prepare:before-complete"), the process kills itself with
 * SIGKILL here, as a crash or a job time limit would.  A2D_FAULT_RANK=r
 * limits that to rank r of MPI_COMM_WORLD (one process of a job dies);
 * A2D_FAULT_PAUSE=s sleeps s seconds there instead of dying (a job that holds
 * its study file open, for tests of a second job on the same file).
 */
void a2d_fault_point(const char *point);

/*
 * Rank 0's current UTC time as ISO 8601 ("2026-11-25T12:00:00Z") into buf on
 * every rank of comm (collective): attributes written in parallel HDF5 must
 * hold the same value on every rank, and clocks tick apart.
 */
a2d_err a2d_utc_time(MPI_Comm comm, char *buf, size_t size);

/* Seconds since an arbitrary fixed point (monotonic clock). */
double a2d_now(void);

#endif
