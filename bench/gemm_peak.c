/*
 * gemm_peak.c - the single-precision GEMM rate of this machine's cblas_sgemm.
 *
 *   bench_gemm [-t THREADS] [-r REPS] [SHAPE ...]
 *
 * SHAPE is N (an N x N x N product) or MxNxK (C[M x N] += op(A) op(B),
 * row-major, op(A) M x K), optionally with :XY naming op(A) and op(B), N or T
 * as for cblas_sgemm (784x256x128:TN is A^T B with A stored 128 x 784);
 * default 1024 2048.  Each shape is timed REPS times (default 5), each timing
 * repeating the call until it lasts at least 0.1 s, and the best is kept.
 * Without -t the thread count is OpenBLAS's own choice (OPENBLAS_NUM_THREADS,
 * else the core count); it is printed.  Prints one line per shape, then the
 * best rate of all, e.g.
 *
 *   gemm threads=2 core=Cooperlake
 *   gemm shape=1024x1024x1024:NN gflops=201.28
 *   gemm shape=2048x2048x2048:NN gflops=207.43
 *   gemm peak gflops=207.43 threads=2
 *
 * The rate counts 2*M*N*K floating-point operations per call.
 */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a2d/error.h"
#include "a2d/rng.h"

/* Seconds on the monotonic clock. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A GEMM problem: C[m x n] += op(A)[m x k] op(B)[k x n], row-major. */
typedef struct shape {
  int64_t m, n, k;
  int ta, tb; /* 1: op = transpose */
} shape;

/* Parse "N", "MxNxK" or "MxNxK:XY" (X, Y = N or T: op(A), op(B)) into `sh`. */
static a2d_err parse_shape(const char *s, shape *sh) {
  long long a = 0, b = 0, c = 0;
  char ta = 'N', tb = 'N', tail;
  int got = sscanf(s, "%lldx%lldx%lld:%c%c%c", &a, &b, &c, &ta, &tb, &tail);
  if (got == 1) b = c = a;
  if ((got != 1 && got != 3 && got != 5) || a < 1 || b < 1 || c < 1 || a > 65536 || b > 65536 ||
      c > 65536 || (ta != 'N' && ta != 'T') || (tb != 'N' && tb != 'T'))
    return A2D_ERROR(A2D_ERR_DECK,
                     "shape \"%s\": expected N, MxNxK or MxNxK:XY (X, Y = N or T), sizes in "
                     "[1, 65536]",
                     s);
  sh->m = a;
  sh->n = b;
  sh->k = c;
  sh->ta = ta == 'T';
  sh->tb = tb == 'T';
  return A2D_OK;
}

/* One call of the product `sh` on a, b, c. */
static void gemm(const shape *sh, const float *a, const float *b, float beta, float *c) {
  const int m = (int)sh->m, n = (int)sh->n, k = (int)sh->k;
  cblas_sgemm(CblasRowMajor, sh->ta ? CblasTrans : CblasNoTrans, sh->tb ? CblasTrans : CblasNoTrans,
              m, n, k, 1.0f, a, sh->ta ? m : k, b, sh->tb ? k : n, beta, c, n);
}

/* Best GEMM rate (GFLOP/s) of `reps` timings of the product `sh`. */
static a2d_err time_gemm(const shape *sh, int reps, double *gflops) {
  const int64_t m = sh->m, n = sh->n, k = sh->k;
  a2d_err err = A2D_OK;
  float *a = NULL, *b = NULL, *c = NULL;
  a2d_rng rng;
  A2D_TRY(A2D_CALLOC(a, m * k));
  A2D_TRY(A2D_CALLOC(b, k * n));
  A2D_TRY(A2D_CALLOC(c, m * n));
  a2d_rng_seed(&rng, 1, 0, 0);
  for (int64_t i = 0; i < m * k; i++) a[i] = (float)a2d_rng_uniform(&rng) - 0.5f;
  for (int64_t i = 0; i < k * n; i++) b[i] = (float)a2d_rng_uniform(&rng) - 0.5f;

  /* One untimed call (thread pool start-up, page faults), then calibrate. */
  double t0 = now();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b,
              (int)n, 0.0f, c, (int)n);
  double once = now() - t0;
  int64_t calls = once > 0 ? (int64_t)(0.1 / once) + 1 : 1000;

  double best = 0.0;
  for (int r = 0; r < reps; r++) {
    t0 = now();
    for (int64_t i = 0; i < calls; i++) gemm(sh, a, b, 1.0f, c);
    double rate = 2.0 * (double)m * (double)n * (double)k * (double)calls / (now() - t0) / 1e9;
    if (rate > best) best = rate;
  }
  *gflops = best;
cleanup:
  free(a);
  free(b);
  free(c);
  return err;
}

/* Parse the command line, time every shape, print the rates. */
static a2d_err run(int argc, char **argv) {
  static char *defaults[] = {"1024", "2048"};
  char **shapes = defaults;
  int nshapes = 2, reps = 5, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (i + 1 >= argc) return A2D_ERROR(A2D_ERR_DECK, "%s: missing value", argv[i]);
    if (!strcmp(argv[i], "-t")) {
      int t = atoi(argv[++i]);
      if (t < 1) return A2D_ERROR(A2D_ERR_DECK, "-t: expected a positive thread count");
      openblas_set_num_threads(t);
    } else if (!strcmp(argv[i], "-r")) {
      reps = atoi(argv[++i]);
      if (reps < 1) return A2D_ERROR(A2D_ERR_DECK, "-r: expected a positive repeat count");
    } else {
      return A2D_ERROR(A2D_ERR_DECK,
                       "unknown option %s (usage: bench_gemm [-t T] [-r R] [SHAPE...])", argv[i]);
    }
  }
  if (i < argc) {
    shapes = argv + i;
    nshapes = argc - i;
  }
  printf("gemm threads=%d core=%s\n", openblas_get_num_threads(), openblas_get_corename());
  double peak = 0.0;
  for (int s = 0; s < nshapes; s++) {
    shape sh = {0, 0, 0, 0, 0};
    double gflops = 0.0;
    A2D_CHECK(parse_shape(shapes[s], &sh));
    A2D_CHECK(time_gemm(&sh, reps, &gflops));
    printf("gemm shape=%lldx%lldx%lld:%c%c gflops=%.2f\n", (long long)sh.m, (long long)sh.n,
           (long long)sh.k, sh.ta ? 'T' : 'N', sh.tb ? 'T' : 'N', gflops);
    fflush(stdout);
    if (gflops > peak) peak = gflops;
  }
  printf("gemm peak gflops=%.2f threads=%d\n", peak, openblas_get_num_threads());
  return A2D_OK;
}

int main(int argc, char **argv) {
  a2d_err err = run(argc, argv);
  if (err) a2d_error_print(stderr, 1);
  return err;
}
