/* parallel.c - block distribution, failure agreement and logging (a2d/parallel.h). */
#include "a2d/parallel.h"
#include "a2d/memory.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_rank, g_verbose;

void a2d_block_range(int64_t n, int size, int rank, int64_t *lo, int64_t *hi) {
  int64_t base = n / size, extra = n % size;
  *lo = rank * base + (rank < extra ? rank : extra);
  *hi = *lo + base + (rank < extra ? 1 : 0);
}

a2d_err a2d_agree(MPI_Comm comm, a2d_err local) {
  /* An error every rank already knows of needs no second round. */
  if (local && a2d_error_agreed()) return local;
  int rank, size, worst = 0, first;
  A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  A2D_CHECK_MPI(MPI_Comm_size(comm, &size));
  int mine = local ? rank : size;
  A2D_CHECK_MPI(MPI_Allreduce(&local, &worst, 1, MPI_INT, MPI_MAX, comm));
  A2D_CHECK_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (!worst) return A2D_OK;
  /* Everyone learns the first failing rank's message; only that rank prints it. */
  char message[2048];
  snprintf(message, sizeof message, "%s", a2d_error_message());
  A2D_CHECK_MPI(MPI_Bcast(message, (int)sizeof message, MPI_CHAR, first, comm));
  if (!local) A2D_ERROR(worst, "%s", message);
  a2d_error_set_agreed(rank == first);
  return local ? local : worst;
}

a2d_err a2d_allgather_doubles(MPI_Comm comm, const double *mine, int64_t local, double **all,
                              int64_t *total) {
  a2d_err err = A2D_OK;
  int size, *counts = NULL, *displs = NULL;
  int64_t *sizes = NULL;
  *all = NULL;
  *total = 0;
  A2D_TRY_MPI(MPI_Comm_size(comm, &size));
  A2D_TRY(A2D_CALLOC(sizes, size));
  A2D_TRY(A2D_CALLOC(counts, size));
  A2D_TRY(A2D_CALLOC(displs, size));
  A2D_TRY_MPI(MPI_Allgather(&local, 1, MPI_INT64_T, sizes, 1, MPI_INT64_T, comm));
  for (int r = 0; r < size; r++) { /* every rank sees the same sizes: all fail alike */
    if (*total + sizes[r] > INT_MAX)
      A2D_FAIL(A2D_ERR_MEM, "%lld values gathered from %d ranks exceed one MPI message",
               (long long)(*total + sizes[r]), size);
    counts[r] = (int)sizes[r];
    displs[r] = (int)*total;
    *total += sizes[r];
  }
  A2D_TRY(A2D_CALLOC(*all, *total + 1));
  A2D_TRY_MPI(MPI_Allgatherv(mine, (int)local, MPI_DOUBLE, *all, counts, displs, MPI_DOUBLE, comm));
cleanup:
  free(sizes);
  free(counts);
  free(displs);
  if (err) {
    free(*all);
    *all = NULL;
  }
  return err;
}

void a2d_log_init(int rank, int verbose) {
  g_rank = rank;
  g_verbose = verbose;
}

static void vlog(const char *fmt, va_list ap) {
  fputs("a2d: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
}

void a2d_log(const char *fmt, ...) {
  if (g_rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

void a2d_log_verbose(const char *fmt, ...) {
  if (g_rank != 0 || !g_verbose) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

double a2d_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void a2d_fault_point(const char *point) {
  const char *fault = getenv("A2D_FAULT"), *only = getenv("A2D_FAULT_RANK");
  a2d_memory_checkpoint();
  if (!fault || strcmp(fault, point)) return;
  int rank = 0, initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && A2D_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank))) rank = -1;
  if (only && atoi(only) != rank) return;
  const char *pause = getenv("A2D_FAULT_PAUSE");
  if (pause) {
    sleep((unsigned)atoi(pause));
    return;
  }
  raise(SIGKILL);
}

a2d_err a2d_utc_time(MPI_Comm comm, char *buf, size_t size) {
  char text[32] = "";
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  A2D_CHECK_MPI(MPI_Bcast(text, (int)sizeof text, MPI_CHAR, 0, comm));
  snprintf(buf, size, "%s", text);
  return A2D_OK;
}

a2d_err a2d_mpi_status(int rc, const char *call, const char *file, int line, const char *func) {
  if (rc == MPI_SUCCESS) return A2D_OK;
  /* The rank is the one a2d_log_init recorded: asking MPI here could fail in turn. */
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "code %d", rc);
  return a2d_error_raise(file, line, func, A2D_ERR_INTERNAL, "rank %d: %s failed: %s", g_rank, call,
                         text);
}

a2d_err a2d_mpi_errors_return(MPI_Comm comm) {
  return A2D_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
}
