/*
 * test_trak.c - TRAK's pieces (a2d/trak.h): features are R^T of the
 * per-example margin gradient (against the back-propagated gradient in
 * double, and against central differences of the margin in float32), with R
 * from (seed, model, column) alone; the
 * same bits whoever computes a row; out-to-loss weights are 1 - p(label);
 * psi = Phi (Phi^T Phi + lambda I)^-1 from ScaLAPACK agrees with serial
 * LAPACK.  Ranks: 1, 2, 4.
 */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/model.h"
#include "a2d/rng.h"
#include "a2d/trak.h"
#include "check.h"

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);

enum { N = 600, D = 6, C = 3, K = 150 }; /* K spans two blocks of projection columns */
static const double LAMBDA = 0.1;
static const uint64_t SEED = 5, MODEL = 2;

static a2d_model model;
static float x[N * D], *params;
static int32_t y[N];

static void setup(void) {
  const int64_t hidden[1] = {5};
  CHECK_OK(a2d_model_setup(&model, "mlp", D, C, hidden, 1));
  params = calloc((size_t)model.nparams, sizeof *params);
  a2d_rng rng;
  a2d_rng_seed(&rng, 3, 99, 0);
  a2d_model_init(&model, params, &rng);
  for (int i = 0; i < N * D; i++) x[i] = (float)a2d_rng_normal(&rng);
  for (int i = 0; i < N; i++) y[i] = (int32_t)a2d_rng_below(&rng, C);
}

/* Features: R^T grad of the margin, one example at a time in double; q = 1 - p(label). */
static void test_features(const double *phi, const double *q) {
  const int64_t P = model.nparams;
  float *r = calloc((size_t)(P * K), sizeof *r), *g = calloc((size_t)P, sizeof *g);
  a2d_workspace *ws = NULL;
  CHECK_OK(a2d_workspace_create(&model, 1, &ws));
  a2d_trak_projection(P, K, SEED, MODEL, 0, K, r);
  float part[P * 7];
  a2d_trak_projection(P, K, SEED, MODEL, 3, 7, part); /* any column block: the same columns */
  int same = 1;
  for (int64_t p = 0; p < P; p++)
    for (int c = 0; c < 7; c++) same &= part[p * 7 + c] == r[p * K + 3 + c];
  CHECK(same);
  double worst = 0, worst_q = 0;
  const int64_t rows[4] = {0, 255, 256, N - 1};
  for (int e = 0; ws && e < 4; e++) {
    const int64_t i = rows[e];
    a2d_model_forward(&model, params, x + i * D, 1, ws);
    double zmax = ws->logits[0], sum = 0;
    for (int c = 1; c < C; c++) zmax = fmax(zmax, ws->logits[c]);
    for (int c = 0; c < C; c++) sum += exp(ws->logits[c] - zmax);
    worst_q = fmax(worst_q, fabs(q[i] - (1 - exp(ws->logits[y[i]] - zmax) / sum)));
    a2d_margin_gradient(ws->logits, y + i, 1, C, ws->dlogits);
    a2d_model_example_gradients(&model, params, ws, 1, g);
    for (int64_t j = 0; j < K; j++) {
      double s = 0;
      for (int64_t p = 0; p < P; p++) s += (double)r[p * K + j] * g[p];
      worst = fmax(worst, fabs(s - phi[i * K + j]) / fmax(1.0, fabs(s)));
    }
  }
  printf("features against R^T grad: worst %.2e; out-to-loss weights: worst %.2e\n", worst,
         worst_q);
  CHECK(worst < 1e-5);
  CHECK(worst_q < 1e-6);
  a2d_workspace_destroy(&ws);
  free(r);
  free(g);
}

/*
 * The projected gradients against central differences: R^T of the margin's
 * gradient by central differences of the model's own float32 margin (step
 * 1e-3, a ReLU kink crossed would show), agreeing with phi to 1e-3 of the
 * largest |phi| of the example: float32's rounding over the step.
 */
static void test_central_differences(const double *phi) {
  const int64_t P = model.nparams;
  const float h = 1e-3f;
  float *r = calloc((size_t)(P * K), sizeof *r), *w = calloc((size_t)P, sizeof *w);
  double *fd = calloc((size_t)P, sizeof *fd);
  a2d_workspace *ws = NULL;
  CHECK_OK(a2d_workspace_create(&model, 1, &ws));
  a2d_trak_projection(P, K, SEED, MODEL, 0, K, r);
  double worst = 0;
  const int64_t rows[3] = {7, 300, N - 2};
  for (int e = 0; ws && e < 3; e++) {
    const int64_t i = rows[e];
    for (int64_t p = 0; p < P; p++) {
      memcpy(w, params, sizeof(float) * (size_t)P);
      w[p] = params[p] + h;
      a2d_model_forward(&model, w, x + i * D, 1, ws);
      const double up = a2d_margin(ws->logits, y[i], C);
      w[p] = params[p] - h;
      a2d_model_forward(&model, w, x + i * D, 1, ws);
      fd[p] = (up - a2d_margin(ws->logits, y[i], C)) / (2.0 * (double)h);
    }
    double largest = 0, err = 0;
    for (int64_t j = 0; j < K; j++) {
      double s = 0;
      for (int64_t p = 0; p < P; p++) s += (double)r[p * K + j] * fd[p];
      largest = fmax(largest, fabs(phi[i * K + j]));
      err = fmax(err, fabs(s - phi[i * K + j]));
    }
    worst = fmax(worst, err / largest);
  }
  printf("projected gradients against central differences: worst %.2e of the largest |phi|\n",
         worst);
  CHECK(worst < 1e-3);
  a2d_workspace_destroy(&ws);
  free(r);
  free(w);
  free(fd);
}

/* psi against dpotrf/dpotrs of the same kernel on this rank alone. */
static void test_solve(MPI_Comm comm, const double *phi, int64_t row0, int64_t rows,
                       const double *psi) {
  double *a = calloc(K * K, sizeof *a), *xs = calloc(K * N, sizeof *xs);
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      double s = i == j ? LAMBDA : 0.0;
      for (int r = 0; r < N; r++) s += phi[r * K + i] * phi[r * K + j];
      a[j * K + i] = s;
    }
  memcpy(xs, phi, sizeof(double) * N * K); /* column r of Phi^T = row r of Phi */
  int n = K, nrhs = N, info = 0;
  dpotrf_("L", &n, a, &n, &info);
  CHECK(info == 0);
  dpotrs_("L", &n, &nrhs, a, &n, xs, &n, &info);
  CHECK(info == 0);
  double worst = 0, scale = 0, all;
  for (int64_t i = 0; i < (int64_t)N * K; i++) scale = fmax(scale, fabs(xs[i]));
  for (int64_t i = 0; i < rows * K; i++) worst = fmax(worst, fabs(psi[i] - xs[row0 * K + i]));
  MPI_Allreduce(&worst, &all, 1, MPI_DOUBLE, MPI_MAX, comm);
  printf("psi against LAPACK: largest difference %.2e of %.2e\n", all, scale);
  CHECK(all <= 1e-10 * scale);
  free(a);
  free(xs);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  setup();
  int64_t row0, rows;
  a2d_trak_rows(N, size, rank, &row0, &rows);
  CHECK((row0 % A2D_TRAK_BATCH == 0 || rows == 0) && rows >= 0 && row0 + rows <= N);
  double *all = calloc(N * K, sizeof *all), *q = calloc(N, sizeof *q);
  double *mine = calloc((size_t)(rows * K + 1), sizeof *mine);
  double *psi = calloc((size_t)(rows * K + 1), sizeof *psi);
  CHECK_OK(a2d_trak_features(&model, params, x, y, 0, N, K, SEED, MODEL, all, q));
  CHECK_OK(a2d_trak_features(&model, params, x, y, row0, rows, K, SEED, MODEL, mine, NULL));
  CHECK(!memcmp(mine, all + row0 * K, sizeof(double) * (size_t)(rows * K))); /* same bits */
  CHECK_FAILS(a2d_trak_features(&model, params, x, y, 1, 3, K, SEED, MODEL, mine, NULL),
              A2D_ERR_INTERNAL, "multiple of");
  test_features(all, q);
  test_central_differences(all);
  CHECK_OK(a2d_trak_solve(MPI_COMM_WORLD, N, K, LAMBDA, mine, psi));
  test_solve(MPI_COMM_WORLD, all, row0, rows, psi);
  free(all);
  free(q);
  free(mine);
  free(psi);
  free(params);
  return check_finalize("test_trak");
}
