/*
 * test_newton.c - the newton unlearning method on synthetic Gaussian clusters
 * (logreg, n = 400, d = 10, C = 3):
 *  (a) its step is an exact Newton step: iterated from two starts with a fixed
 *      forget set it converges quadratically to one point w_R*, where this
 *      test's own double-precision gradient of L_R vanishes;
 *  (b) one step from the full-data minimiser w_S* with 5 points forgotten
 *      lands much closer to w_R* (the exact retrain) than w_S* is;
 *  (c) an mlp is refused;
 *  (d) r->examples counts |R| per pass over the retain set, and CG that runs
 *      out of iterations is an error naming them.
 * Ranks: 1.
 */
#include <math.h>
#include <mpi.h>
#include <petscsys.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/unlearn.h"
#include "check.h"

enum { N = 400, D = 10, C = 3, P = (D + 1) * C, NFORGET = 5, MAX_STEPS = 15 };

static const double WEIGHT_DECAY = 0.01; /* lambda; damping 0: the exact Newton step */

static float X[N * D];
static int32_t Y[N];

/* Class c's points around a centre drawn from N(0, 1.2^2 I), spread N(0, I): overlapping. */
static void make_data(void) {
  a2d_rng rng;
  double centre[C][D];
  a2d_rng_seed(&rng, 2024, 7, 0);
  for (int c = 0; c < C; c++)
    for (int j = 0; j < D; j++) centre[c][j] = 1.2 * a2d_rng_normal(&rng);
  for (int i = 0; i < N; i++) {
    Y[i] = i % C;
    for (int j = 0; j < D; j++) X[i * D + j] = (float)(centre[Y[i]][j] + a2d_rng_normal(&rng));
  }
}

/* A problem on the data with the given forget set (retain = the rest). */
typedef struct setup {
  a2d_unlearn_problem p;
  const a2d_deck *deck; /* [unlearn.newton] */
  int64_t forget[N], retain[N];
} setup;

static void make_problem(setup *s, const a2d_model *m, const a2d_deck *deck, const int64_t *forget,
                         int64_t nforget) {
  memset(s, 0, sizeof *s);
  uint8_t gone[N] = {0};
  for (int64_t k = 0; k < nforget; k++) s->forget[k] = forget[k], gone[forget[k]] = 1;
  int64_t nretain = 0;
  for (int64_t i = 0; i < N; i++)
    if (!gone[i]) s->retain[nretain++] = i;
  s->deck = deck;
  s->p = (a2d_unlearn_problem){.model = m,
                               .x = X,
                               .y = Y,
                               .n = N,
                               .forget = s->forget,
                               .nforget = nforget,
                               .retain = s->retain,
                               .nretain = nretain,
                               .train_weight_decay = WEIGHT_DECAY};
}

/* One newton step from w (P floats) into out; examples added to *examples. */
static a2d_err step(setup *s, const float *w, float *out, int64_t *examples) {
  a2d_unlearn_result r = {.params = out};
  void *settings = NULL;
  s->p.params0 = w;
  a2d_err err = a2d_unlearn_settings_read(&a2d_unlearn_newton, s->deck, &settings);
  s->p.settings = settings;
  if (!err) err = a2d_unlearn_newton.run(&s->p, &r);
  s->p.settings = NULL;
  free(settings);
  if (examples) *examples += r.examples;
  return err;
}

/*
 * The test's own gradient of L_R at w, in double, with plain loops: W is
 * D x C row-major, then b; returns its Euclidean norm.
 */
static double reference_gradient_norm(const setup *s, const float *w, double lambda) {
  double g[P] = {0};
  const int64_t nr = s->p.nretain;
  for (int64_t k = 0; k < nr; k++) {
    const int64_t i = s->retain[k];
    double z[C], zmax = -INFINITY, sum = 0.0;
    for (int c = 0; c < C; c++) {
      z[c] = w[D * C + c];
      for (int j = 0; j < D; j++) z[c] += (double)X[i * D + j] * w[j * C + c];
      zmax = z[c] > zmax ? z[c] : zmax;
    }
    for (int c = 0; c < C; c++) sum += exp(z[c] - zmax);
    for (int c = 0; c < C; c++) {
      double e = exp(z[c] - zmax) / sum - (Y[i] == c ? 1.0 : 0.0);
      for (int j = 0; j < D; j++) g[j * C + c] += (double)X[i * D + j] * e / (double)nr;
      g[D * C + c] += e / (double)nr;
    }
  }
  double norm = 0.0;
  for (int k = 0; k < P; k++) {
    g[k] += lambda * w[k];
    norm += g[k] * g[k];
  }
  return sqrt(norm);
}

static double distance(const float *a, const float *b) {
  double s = 0.0;
  for (int k = 0; k < P; k++) s += ((double)a[k] - b[k]) * ((double)a[k] - b[k]);
  return sqrt(s);
}

/*
 * Iterate the method from w (overwritten with the limit) until a step is
 * shorter than 1e-5 (the next would be ~1e-10); steps[] gets the step lengths.  Returns the step
 * count.
 */
static int iterate(setup *s, float *w, double *steps) {
  float next[P];
  int k = 0;
  while (k < MAX_STEPS) {
    a2d_err err = step(s, w, next, NULL);
    CHECK(err == A2D_OK);
    if (err) {
      fprintf(stderr, "%s\n", a2d_error_message());
      return MAX_STEPS;
    }
    steps[k] = distance(w, next);
    memcpy(w, next, sizeof next);
    if (steps[k++] < 1e-5) break;
  }
  return k;
}

/* (a) exact Newton: quadratic convergence from two starts to a zero of the reference gradient. */
static void test_exact_newton(const a2d_model *m, const a2d_deck *deck, float *w_r) {
  const int64_t forget[NFORGET] = {3, 50, 51, 200, 399};
  setup *s = malloc(sizeof *s);
  make_problem(s, m, deck, forget, NFORGET);
  float w_zero[P] = {0}, w_rand[P];
  a2d_rng rng;
  a2d_rng_seed(&rng, 11, 3, 0);
  a2d_model_init(m, w_rand, &rng);
  const double lambda = WEIGHT_DECAY;
  double steps[2][MAX_STEPS];
  const double g0 = reference_gradient_norm(s, w_rand, lambda);
  int count[2] = {iterate(s, w_zero, steps[0]), iterate(s, w_rand, steps[1])};
  for (int t = 0; t < 2; t++) {
    printf("(a) start %s: step lengths", t ? "random" : "zero");
    for (int k = 0; k < count[t]; k++) printf(" %.3g", steps[t][k]);
    printf("\n");
    CHECK(count[t] <= 10); /* converged */
    /*
     * Quadratic: once a step is below 0.25, the next is below twice its
     * square, down to 1e-5 (float rounding of w is ~1e-6).  A linearly
     * converging iteration (a wrong Hessian) fails this.
     */
    int quadratic_steps = 0;
    for (int k = 0; k + 1 < count[t]; k++) {
      if (steps[t][k] > 0.25 || steps[t][k + 1] < 1e-5) continue;
      quadratic_steps++;
      if (!(steps[t][k + 1] < 2.0 * steps[t][k] * steps[t][k]))
        fprintf(stderr, "(a) step %d: %.3g after %.3g is not quadratic\n", k + 1, steps[t][k + 1],
                steps[t][k]);
      CHECK(steps[t][k + 1] < 2.0 * steps[t][k] * steps[t][k]);
    }
    CHECK(quadratic_steps >= 2);
  }
  const double gz = reference_gradient_norm(s, w_zero, lambda);
  const double gr = reference_gradient_norm(s, w_rand, lambda);
  const double apart = distance(w_zero, w_rand);
  printf(
      "(a) |grad L_R| (test's own, double): %.3g at the random start, %.3g and %.3g at the "
      "limits; limits %.3g apart, |w_R*| = %.3g\n",
      g0, gz, gr, apart, distance(w_zero, (float[P]){0}));
  CHECK(g0 > 0.1);
  CHECK(gz < 1e-5);
  CHECK(gr < 1e-5);
  CHECK(apart < 1e-4);
  memcpy(w_r, w_zero, sizeof(float) * P);
  free(s);
}

/* (b) one step from w_S* with 5 random points forgotten lands close to w_R*. */
static void test_close_to_retrain(const a2d_model *m, const a2d_deck *deck) {
  setup *full = malloc(sizeof *full), *s = malloc(sizeof *s);
  double steps[MAX_STEPS];
  float w_s[P] = {0}, w_r[P], w_1[P];
  make_problem(full, m, deck, NULL, 0);
  CHECK(iterate(full, w_s, steps) <= 10);
  int64_t forget[NFORGET];
  a2d_rng rng;
  a2d_rng_seed(&rng, 12, 4, 0);
  a2d_rng_choose_sorted(&rng, N, NFORGET, forget);
  make_problem(s, m, deck, forget, NFORGET);
  memcpy(w_r, w_s, sizeof w_r);
  CHECK(iterate(s, w_r, steps) <= 10);
  CHECK_OK(step(s, w_s, w_1, NULL));
  const double before = distance(w_s, w_r), after = distance(w_1, w_r);
  printf(
      "(b) forget {%lld %lld %lld %lld %lld}: |w_S* - w_R*| = %.4g, |w_1 - w_R*| = %.4g "
      "(ratio %.4g)\n",
      (long long)forget[0], (long long)forget[1], (long long)forget[2], (long long)forget[3],
      (long long)forget[4], before, after, after / before);
  CHECK(before > 1e-3); /* forgetting moved the minimiser */
  CHECK(after < 0.05 * before);

  /* The default gradient (difference) from w_S* lands just as close: there grad L_S = 0. */
  a2d_deck *diff = NULL;
  CHECK_OK(
      a2d_deck_parse("diff.ini", "[output]\npath = x.h5\n[unlearn.newton]\ndamping = 0\n", &diff));
  CHECK_OK(a2d_deck_finish(diff));
  s->deck = diff;
  int64_t examples = 0;
  CHECK_OK(step(s, w_s, w_1, &examples));
  const double after_diff = distance(w_1, w_r);
  printf("(b) gradient = difference: |w_1 - w_R*| = %.4g (ratio %.4g)\n", after_diff,
         after_diff / before);
  CHECK(after_diff < 0.05 * before);
  CHECK(examples % (N - NFORGET) == NFORGET); /* one extra pass over the forget set */
  /* From a point short of the optimum, the difference step moves by the removal only. */
  float w_half[P], w_2[P];
  for (int k = 0; k < P; k++) w_half[k] = 0.5f * w_s[k];
  CHECK_OK(step(s, w_half, w_2, NULL));
  printf("(b) from w_S*/2: the difference step moves %.4g (removal alone %.4g)\n",
         distance(w_2, w_half), distance(w_1, w_s));
  CHECK(distance(w_2, w_half) < 3 * distance(w_1, w_s));
  a2d_deck_free(&diff);
  free(full);
  free(s);
}

/* (c) an mlp is refused. */
static void test_refuses_mlp(const a2d_deck *deck) {
  a2d_model mlp;
  const int64_t hidden[1] = {8};
  CHECK_OK(a2d_model_setup(&mlp, "mlp", D, C, hidden, 1));
  setup *s = malloc(sizeof *s);
  make_problem(s, &mlp, deck, NULL, 0);
  float *w = calloc((size_t)mlp.nparams, sizeof(float));
  float *out = calloc((size_t)mlp.nparams, sizeof(float));
  CHECK_FAILS(step(s, w, out, NULL), A2D_ERR_DECK, "newton unlearning needs [model] kind = logreg");
  free(w);
  free(out);
  free(s);
}

/* (d) examples: |R| for the gradient pass and |R| per Hessian-vector product. */
static void test_examples(const a2d_model *m, const a2d_deck *deck, const float *w_r) {
  const int64_t forget[NFORGET] = {0, 1, 2, 3, 4};
  setup *s = malloc(sizeof *s);
  make_problem(s, m, deck, forget, NFORGET);
  float w0[P] = {0}, out[P];
  int64_t examples = 0;
  CHECK_OK(step(s, w0, out, &examples));
  const int64_t nr = N - NFORGET, passes = examples / nr;
  printf("(d) one step from 0: %lld examples = %lld passes over |R| = %lld\n", (long long)examples,
         (long long)passes, (long long)nr);
  CHECK(examples % nr == 0);
  CHECK(passes >= 3 && passes <= 1 + P + 5); /* CG on P unknowns: about P iterations at most */

  /* At w_R* itself the step is (nearly) zero. */
  examples = 0;
  setup *sa = malloc(sizeof *sa);
  const int64_t forget_a[NFORGET] = {3, 50, 51, 200, 399};
  make_problem(sa, m, deck, forget_a, NFORGET);
  CHECK_OK(step(sa, w_r, out, &examples));
  CHECK(distance(out, w_r) < 1e-5);
  CHECK(examples >= 2 * nr && examples % nr == 0);
  free(sa);

  /* CG stopped after 2 iterations: an error, and the count shows 1 + 2 passes. */
  a2d_deck *short_deck = NULL;
  CHECK_OK(a2d_deck_parse("short.ini",
                          "[output]\npath = x.h5\n[unlearn.newton]\ndamping = 0\n"
                          "gradient = retain\nmax_iterations = 2\ntolerance = 1e-12\n",
                          &short_deck));
  CHECK_OK(a2d_deck_finish(short_deck));
  s->deck = short_deck;
  examples = 0;
  CHECK_FAILS(step(s, w0, out, &examples), A2D_ERR_DATA,
              "conjugate gradients did not converge (DIVERGED_ITS) in 2 iterations");
  printf("(d) CG stopped at 2 iterations: %lld examples\n", (long long)examples);
  CHECK(examples == 3 * nr);
  a2d_deck_free(&short_deck);
  free(s);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  PetscInitializeNoArguments();
  make_data();
  a2d_model m;
  a2d_deck *deck = NULL;
  CHECK_OK(a2d_model_setup(&m, "logreg", D, C, NULL, 0));
  CHECK(m.nparams == P);
  CHECK_OK(a2d_deck_parse("newton.ini",
                          "[output]\npath = x.h5\n[unlearn.newton]\ndamping = 0\n"
                          "gradient = retain\ntolerance = 1e-10\n",
                          &deck));
  CHECK_OK(a2d_deck_finish(deck));
  CHECK(!strcmp(a2d_unlearn_newton.name, "newton"));
  CHECK(a2d_unlearn_newton.needs == A2D_UNLEARN_LOGREG_ONLY);
  if (deck) {
    float w_r[P];
    test_exact_newton(&m, deck, w_r);
    test_close_to_retrain(&m, deck);
    test_refuses_mlp(deck);
    test_examples(&m, deck, w_r);
  }
  a2d_deck_free(&deck);
  PetscFinalize();
  return check_finalize("test_newton");
}
