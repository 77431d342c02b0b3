/*
 * newton.c - unlearning as one Newton step on the retain set's objective
 * (influence functions; logreg only).
 *
 * The retain set R's regularised objective
 *
 *   L_R(w) = (1/|R|) sum_{i in R} CE(x_i, y_i; w) + (lambda/2) ||w||^2,
 *   lambda = [train] weight_decay,
 *
 * is strictly convex for logistic regression, and the unlearned model is one
 * (damped) Newton step on it from the trained parameters w0:
 *
 *   w = w0 - (H + mu I)^{-1} g,   H = Hessian of L_R at w0,  mu = damping,
 *
 * with g = grad L_R(w0) (`gradient = retain`), or by default g = grad L_R(w0)
 * - grad L_S(w0) (`gradient = difference`): the change of the gradient that
 * removing the forget points makes.  The two agree when w0 minimises the
 * training objective L_S; the difference leaves out what training left
 * unfinished, so a model stopped early (SGD) is moved by the forget points'
 * removal only, not also towards the optimum it never reached.
 *
 * H s = g is solved by conjugate gradients (PETSc KSP cg, options prefix
 * -newton_) on a shell matrix whose product is a Hessian-vector product
 * through the model code: for a direction v, a forward pass with parameters v
 * gives dz = x W_v + b_v, the change of the logits; the softmax Jacobian turns
 * it into dlogits = (p * dz - p (p . dz)) / |R| row by row, p the softmax at
 * w0; a backward pass gives H_CE v, and lambda v is added.  Rows of R go
 * through in batches, so memory is O(batch x d + |R| x C + P).
 *
 * Cost, in r->examples: |R| for the pass that gives g and p (plus |F| for
 * the difference), and |R| for every Hessian-vector product (one per CG
 * iteration).
 */
#include <math.h>
#include <petscksp.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/petsc_check.h"
#include "a2d/unlearn.h"

enum { NEWTON_BATCH = 256 };

/* The shell matrix's context: the retain set, p at w0 and scratch space. */
typedef struct hessian {
  const a2d_unlearn_problem *p;
  a2d_workspace *ws;
  float *xb;         /* a batch of retain rows: NEWTON_BATCH x d */
  int32_t *yb;       /* their labels */
  float *prob;       /* softmax at w0 of every retain row: nretain x C */
  float *v;          /* the direction, in float: P */
  float *gb;         /* one batch's gradient: P */
  double *acc;       /* the sum over batches: P */
  double lambda;     /* L2 strength of the Hessian: weight decay + damping */
  int64_t *examples; /* r->examples */
} hessian;

/* Copy rows[i0, i0 + b) into the batch buffers. */
static void load_batch(hessian *h, const int64_t *rows, int64_t i0, int64_t b) {
  const a2d_unlearn_problem *p = h->p;
  const int64_t d = p->model->d;
  for (int64_t i = 0; i < b; i++) {
    const int64_t j = rows[i0 + i];
    memcpy(h->xb + i * d, p->x + j * d, (size_t)d * sizeof(float));
    h->yb[i] = p->y[j];
  }
}

static int64_t batch_size(int64_t n, int64_t i0) {
  return n - i0 < NEWTON_BATCH ? n - i0 : NEWTON_BATCH;
}

/*
 * One pass over rows[0..n) at w0: sum (P doubles) = the sum of the rows'
 * cross-entropy gradients; with prob, the softmax of every row too.
 */
static void gradient_sum(hessian *h, const int64_t *rows, int64_t n, float *prob, double *sum) {
  const a2d_unlearn_problem *p = h->p;
  const a2d_model *m = p->model;
  const int64_t C = m->classes, P = m->nparams;
  memset(sum, 0, (size_t)P * sizeof(double));
  for (int64_t i0 = 0; i0 < n; i0 += NEWTON_BATCH) {
    const int64_t b = batch_size(n, i0);
    load_batch(h, rows, i0, b);
    a2d_model_forward(m, p->params0, h->xb, b, h->ws);
    for (int64_t i = 0; prob && i < b; i++) {
      const float *z = h->ws->logits + i * C;
      float *q = prob + (i0 + i) * C, zmax = z[0];
      for (int64_t c = 1; c < C; c++) zmax = z[c] > zmax ? z[c] : zmax;
      double sum = 0.0;
      for (int64_t c = 0; c < C; c++) sum += exp((double)(z[c] - zmax));
      for (int64_t c = 0; c < C; c++) q[c] = (float)(exp((double)(z[c] - zmax)) / sum);
    }
    /* The batch mean's gradient, times b: the batch's sum. */
    a2d_loss_cross_entropy(h->ws->logits, h->yb, b, C, h->ws->dlogits);
    a2d_model_backward(m, p->params0, h->ws, b, h->gb);
    for (int64_t k = 0; k < P; k++) sum[k] += (double)b * h->gb[k];
  }
  *h->examples += n;
}

/* [unlearn.newton] gradient, in the deck's order difference|retain. */
enum newton_gradient { NEWTON_GRADIENT_DIFFERENCE = 0, NEWTON_GRADIENT_RETAIN = 1 };

/*
 * The step's right-hand side g at w0, and the softmax of every retain row:
 * grad L_R(w0) = sum_R / |R| + wd w0, or with `difference` grad L_R - grad L_S
 * = sum_R / |R| - (sum_R + sum_F) / n (the weight decay cancels).
 */
static void right_hand_side(hessian *h, int difference, double *g, double *scratch) {
  const a2d_unlearn_problem *p = h->p;
  const int64_t P = p->model->nparams, nr = p->nretain, n = p->nretain + p->nforget;
  gradient_sum(h, p->retain, nr, h->prob, g);
  if (!difference) {
    for (int64_t k = 0; k < P; k++)
      g[k] = g[k] / (double)nr + p->train_weight_decay * p->params0[k];
    return;
  }
  gradient_sum(h, p->forget, p->nforget, NULL, scratch);
  for (int64_t k = 0; k < P; k++) g[k] = g[k] / (double)nr - (g[k] + scratch[k]) / (double)n;
}

/* y = H x: the cross-entropy Hessian at w0 through the model code, plus lambda x. */
static PetscErrorCode hessian_mult(Mat A, Vec x, Vec y) {
  hessian *h;
  const PetscScalar *xv;
  PetscScalar *yv;
  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &h));
  const a2d_unlearn_problem *p = h->p;
  const a2d_model *m = p->model;
  const int64_t C = m->classes, P = m->nparams, n = p->nretain;
  const double scale = 1.0 / (double)n;
  PetscCall(VecGetArrayRead(x, &xv));
  for (int64_t k = 0; k < P; k++) h->v[k] = (float)xv[k], h->acc[k] = 0.0;
  for (int64_t i0 = 0; i0 < n; i0 += NEWTON_BATCH) {
    const int64_t b = batch_size(n, i0);
    load_batch(h, p->retain, i0, b);
    a2d_model_forward(m, h->v, h->xb, b, h->ws); /* logits = dz = x W_v + b_v */
    for (int64_t i = 0; i < b; i++) {
      const float *dz = h->ws->logits + i * C, *q = h->prob + (i0 + i) * C;
      float *dl = h->ws->dlogits + i * C;
      double dot = 0.0;
      for (int64_t c = 0; c < C; c++) dot += (double)q[c] * dz[c];
      for (int64_t c = 0; c < C; c++) dl[c] = (float)(q[c] * (dz[c] - dot) * scale);
    }
    a2d_model_backward(m, h->v, h->ws, b, h->gb);
    for (int64_t k = 0; k < P; k++) h->acc[k] += h->gb[k];
  }
  PetscCall(VecGetArray(y, &yv));
  for (int64_t k = 0; k < P; k++) yv[k] = h->acc[k] + h->lambda * xv[k];
  PetscCall(VecRestoreArray(y, &yv));
  PetscCall(VecRestoreArrayRead(x, &xv));
  *h->examples += n;
  PetscFunctionReturn(0);
}

/* [unlearn.newton]. */
typedef struct newton_settings {
  double damping, tolerance;
  int64_t max_iterations;
  int gradient; /* newton_gradient */
} newton_settings;

static a2d_err newton_read_settings(const a2d_deck *deck, const char *section, void *settings) {
  newton_settings *s = settings;
  A2D_CHECK(a2d_deck_real(deck, section, "damping", &s->damping));
  A2D_CHECK(a2d_deck_enum(deck, section, "gradient", &s->gradient));
  A2D_CHECK(a2d_deck_real(deck, section, "tolerance", &s->tolerance));
  A2D_CHECK(a2d_deck_int(deck, section, "max_iterations", &s->max_iterations));
  return A2D_OK;
}

static a2d_err newton_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  const a2d_model *m = p->model;
  const newton_settings *set = p->settings;
  if (m->nlayers != 1)
    return A2D_ERROR(A2D_ERR_DECK,
                     "newton unlearning needs [model] kind = logreg (the objective must be "
                     "convex)");
  const double damping = set->damping, tolerance = set->tolerance;
  int64_t max_iterations = set->max_iterations;
  const int gradient = set->gradient;
  if (p->nretain < 1)
    return A2D_ERROR(A2D_ERR_DATA, "newton unlearning needs a non-empty retain set");
  const int64_t P = m->nparams;
  if (P > PETSC_MAX_INT)
    return A2D_ERROR(A2D_ERR_DATA, "newton: %lld parameters are more than PETSc's indices hold",
                     (long long)P);
  if (max_iterations > PETSC_MAX_INT) max_iterations = PETSC_MAX_INT;

  a2d_err err = A2D_OK;
  hessian h = {.p = p, .lambda = p->train_weight_decay + damping, .examples = &r->examples};
  double *g = NULL, *scratch = NULL;
  Mat H = NULL;
  Vec gv = NULL, sv = NULL;
  KSP ksp = NULL;
  PC pc;
  PetscScalar *a;
  const PetscScalar *s;
  A2D_TRY(a2d_workspace_create(m, NEWTON_BATCH, &h.ws));
  A2D_TRY(A2D_CALLOC(h.xb, NEWTON_BATCH * m->d));
  A2D_TRY(A2D_CALLOC(h.yb, NEWTON_BATCH));
  A2D_TRY(A2D_CALLOC(h.prob, p->nretain * m->classes));
  A2D_TRY(A2D_CALLOC(h.v, P));
  A2D_TRY(A2D_CALLOC(h.gb, P));
  A2D_TRY(A2D_CALLOC(h.acc, P));
  A2D_TRY(A2D_CALLOC(g, P));
  A2D_TRY(A2D_CALLOC(scratch, P));
  right_hand_side(&h, gradient == NEWTON_GRADIENT_DIFFERENCE, g, scratch);

  A2D_TRY_PETSC(VecCreateSeq(PETSC_COMM_SELF, (PetscInt)P, &gv));
  A2D_TRY_PETSC(VecDuplicate(gv, &sv));
  A2D_TRY_PETSC(VecGetArray(gv, &a));
  for (int64_t k = 0; k < P; k++) a[k] = g[k];
  A2D_TRY_PETSC(VecRestoreArray(gv, &a));
  A2D_TRY_PETSC(
      MatCreateShell(PETSC_COMM_SELF, (PetscInt)P, (PetscInt)P, (PetscInt)P, (PetscInt)P, &h, &H));
  A2D_TRY_PETSC(MatShellSetOperation(H, MATOP_MULT, (void (*)(void))hessian_mult));
  A2D_TRY_PETSC(KSPCreate(PETSC_COMM_SELF, &ksp));
  A2D_TRY_PETSC(KSPSetType(ksp, KSPCG));
  A2D_TRY_PETSC(KSPSetOperators(ksp, H, H));
  A2D_TRY_PETSC(KSPGetPC(ksp, &pc));
  A2D_TRY_PETSC(PCSetType(pc, PCNONE)); /* a shell matrix has no entries to precondition with */
  A2D_TRY_PETSC(
      KSPSetTolerances(ksp, tolerance, PETSC_DEFAULT, PETSC_DEFAULT, (PetscInt)max_iterations));
  A2D_TRY_PETSC(KSPSetOptionsPrefix(ksp, "newton_"));
  A2D_TRY_PETSC(KSPSetFromOptions(ksp));
  A2D_TRY_PETSC(KSPSolve(ksp, gv, sv));

  KSPConvergedReason reason;
  PetscInt iterations;
  PetscReal residual, gnorm;
  A2D_TRY_PETSC(KSPGetConvergedReason(ksp, &reason));
  A2D_TRY_PETSC(KSPGetIterationNumber(ksp, &iterations));
  A2D_TRY_PETSC(KSPGetResidualNorm(ksp, &residual));
  A2D_TRY_PETSC(VecNorm(gv, NORM_2, &gnorm));
  if (reason < 0)
    A2D_FAIL(A2D_ERR_DATA,
             "newton: conjugate gradients did not converge (%s) in %d iterations: residual "
             "%.3g against a gradient of norm %.3g (relative %.3g, wanted %.3g); raise "
             "[unlearn.newton] max_iterations, damping or tolerance",
             KSPConvergedReasons[reason], (int)iterations, (double)residual, (double)gnorm,
             gnorm > 0 ? (double)(residual / gnorm) : 0.0, tolerance);
  A2D_TRY_PETSC(VecGetArrayRead(sv, &s));
  for (int64_t k = 0; k < P; k++) r->params[k] = (float)((double)p->params0[k] - s[k]);
  A2D_TRY_PETSC(VecRestoreArrayRead(sv, &s));

cleanup:
  A2D_CLEANUP_PETSC(KSPDestroy(&ksp));
  A2D_CLEANUP_PETSC(MatDestroy(&H));
  A2D_CLEANUP_PETSC(VecDestroy(&gv));
  A2D_CLEANUP_PETSC(VecDestroy(&sv));
  a2d_workspace_destroy(&h.ws);
  free(h.xb);
  free(h.yb);
  free(h.prob);
  free(h.v);
  free(h.gb);
  free(h.acc);
  free(g);
  free(scratch);
  return err;
}

const a2d_unlearn_method a2d_unlearn_newton = {
    .name = "newton",
    .summary =
        "One Newton step on the retain set's L2-regularised cross-entropy (influence "
        "functions; Hessian solved by conjugate gradients)",
    .needs = A2D_UNLEARN_LOGREG_ONLY,
    .settings_size = sizeof(newton_settings),
    .read_settings = newton_read_settings,
    .run = newton_run};
