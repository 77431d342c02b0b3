/*
 * test_model.c - models and training: gradients of logreg and mlp, and their
 * per-example margin gradients, against central finite differences of a
 * double-precision reference, stable margins
 * and losses, learning-rate schedules, bit-identical retraining from a seed,
 * a trained model that separates synthetic clusters, and predictions batched
 * one fixed way.  Ranks: 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/data.h"
#include "a2d/model.h"
#include "a2d/train.h"
#include "check.h"

/* Reference: the model's mean cross-entropy, in double, with plain loops. */
static double reference_loss(const a2d_model *m, const double *p, const float *x, const int32_t *y,
                             int64_t b, double *logits_out) {
  double h[64], z[64], loss = 0.0;
  for (int64_t i = 0; i < b; i++) {
    for (int64_t j = 0; j < m->d; j++) h[j] = x[i * m->d + j];
    for (int l = 0; l < m->nlayers; l++) {
      int64_t in = m->width[l], out = m->width[l + 1];
      for (int64_t o = 0; o < out; o++) {
        double s = p[m->b_offset[l] + o];
        for (int64_t k = 0; k < in; k++) s += h[k] * p[m->w_offset[l] + k * out + o];
        z[o] = (l + 1 < m->nlayers && s < 0) ? 0.0 : s;
      }
      memcpy(h, z, sizeof(double) * (size_t)out);
    }
    double zmax = h[0], sum = 0;
    for (int64_t c = 1; c < m->classes; c++) zmax = h[c] > zmax ? h[c] : zmax;
    for (int64_t c = 0; c < m->classes; c++) sum += exp(h[c] - zmax);
    loss += zmax + log(sum) - h[y[i]];
    if (logits_out) memcpy(logits_out + i * m->classes, h, sizeof(double) * (size_t)m->classes);
  }
  return loss / (double)b;
}

/*
 * A tiny model of `kind` (7 inputs, 4 classes), a workspace for 5 examples,
 * its initial parameters (returned; NULL if the set-up failed) and 5 inputs
 * into x (5 x 7), all drawn from `seed`.
 */
static float *tiny_problem(const char *kind, const int64_t *hidden, int nhidden, uint64_t seed,
                           a2d_model *m, a2d_workspace **ws, float *x) {
  *ws = NULL;
  CHECK_OK(a2d_model_setup(m, kind, 7, 4, hidden, nhidden));
  CHECK_OK(a2d_workspace_create(m, 5, ws));
  if (!*ws) return NULL;
  float *params = calloc((size_t)m->nparams, sizeof(float));
  a2d_rng rng;
  a2d_rng_seed(&rng, seed, 99, 0);
  a2d_model_init(m, params, &rng);
  for (int i = 0; i < 5 * 7; i++) x[i] = (float)a2d_rng_normal(&rng);
  return params;
}

/* Analytic float32 gradient against central differences of the double reference. */
static void check_gradient(const char *kind, const int64_t *hidden, int nhidden) {
  const int64_t C = 4, b = 5;
  a2d_model m;
  a2d_workspace *ws;
  float x[5 * 7], *params = tiny_problem(kind, hidden, nhidden, 5, &m, &ws, x);
  if (!params) return;
  float *grad = calloc((size_t)m.nparams, sizeof(float));
  double *p = calloc((size_t)m.nparams, sizeof(double));
  int32_t y[5] = {0, 3, 1, 2, 3};
  for (int64_t i = 0; i < m.nparams; i++) p[i] = params[i];

  /* Forward: float logits agree with the double reference. */
  double ref_logits[5 * 4];
  double ref = reference_loss(&m, p, x, y, b, ref_logits);
  a2d_model_forward(&m, params, x, b, ws);
  double max_logit_err = 0;
  for (int i = 0; i < b * C; i++)
    max_logit_err = fmax(max_logit_err, fabs(ws->logits[i] - ref_logits[i]));
  CHECK(max_logit_err < 1e-5);
  double loss = a2d_loss_cross_entropy(ws->logits, y, b, C, ws->dlogits);
  CHECK(fabs(loss - ref) < 1e-5);
  a2d_model_backward(&m, params, ws, b, grad);

  /* Every parameter's derivative, by central differences in double. */
  const double h = 1e-6;
  double worst = 0;
  for (int64_t i = 0; i < m.nparams; i++) {
    double keep = p[i];
    p[i] = keep + h;
    double up = reference_loss(&m, p, x, y, b, NULL);
    p[i] = keep - h;
    double down = reference_loss(&m, p, x, y, b, NULL);
    p[i] = keep;
    double fd = (up - down) / (2 * h);
    double e = fabs(fd - grad[i]) / fmax(1.0, fabs(fd));
    worst = fmax(worst, e);
  }
  printf("%s: %lld parameters, worst gradient error %.2e\n", kind, (long long)m.nparams, worst);
  CHECK(worst < 1e-5);
  free(params);
  free(grad);
  free(p);
  a2d_workspace_destroy(&ws);
}

/* Example i's margin from double logits: z_y - log sum over c != y of exp z_c. */
static double reference_margin(const double *z, int32_t y, int64_t C) {
  double zmax = -INFINITY, sum = 0;
  for (int64_t c = 0; c < C; c++)
    if (c != y && z[c] > zmax) zmax = z[c];
  for (int64_t c = 0; c < C; c++)
    if (c != y) sum += exp(z[c] - zmax);
  return z[y] - zmax - log(sum);
}

/*
 * Per-example gradients of the margin (what TRAK projects) against central
 * differences of each example's margin in the double reference: float32
 * gradients agree to 1e-5 relative.
 */
static void check_example_gradients(const char *kind, const int64_t *hidden, int nhidden) {
  const int64_t C = 4, b = 5;
  a2d_model m;
  a2d_workspace *ws;
  float x[5 * 7], *params = tiny_problem(kind, hidden, nhidden, 6, &m, &ws, x);
  if (!params) return;
  const int64_t P = m.nparams;
  float *G = calloc((size_t)(b * P), sizeof(float));
  float *sum = calloc((size_t)P, sizeof(float)), *grad = calloc((size_t)P, sizeof(float));
  double *p = calloc((size_t)P, sizeof(double)), zu[5 * 4], zd[5 * 4];
  int32_t y[5] = {2, 0, 3, 1, 3};
  for (int64_t k = 0; k < P; k++) p[k] = params[k];
  a2d_model_forward(&m, params, x, b, ws);
  a2d_margin_gradient(ws->logits, y, b, C, ws->dlogits);
  a2d_model_example_gradients(&m, params, ws, b, G);
  const double h = 1e-6;
  double worst = 0;
  for (int64_t k = 0; k < P; k++) {
    const double keep = p[k];
    p[k] = keep + h;
    reference_loss(&m, p, x, y, b, zu);
    p[k] = keep - h;
    reference_loss(&m, p, x, y, b, zd);
    p[k] = keep;
    for (int64_t i = 0; i < b; i++) {
      const double fd =
          (reference_margin(zu + i * C, y[i], C) - reference_margin(zd + i * C, y[i], C)) / (2 * h);
      worst = fmax(worst, fabs(fd - G[i * P + k]) / fmax(1.0, fabs(fd)));
    }
  }
  printf("%s: per-example margin gradients, worst error %.2e\n", kind, worst);
  CHECK(worst < 1e-5);
  /* Their sum is what backward gives for the summed margin. */
  a2d_model_forward(&m, params, x, b, ws);
  a2d_margin_gradient(ws->logits, y, b, C, ws->dlogits);
  a2d_model_backward(&m, params, ws, b, grad);
  double apart = 0;
  for (int64_t k = 0; k < P; k++) {
    for (int64_t i = 0; i < b; i++) sum[k] += G[i * P + k];
    apart = fmax(apart, fabs(sum[k] - grad[k]));
  }
  CHECK(apart < 1e-5);
  free(params);
  free(G);
  free(sum);
  free(grad);
  free(p);
  a2d_workspace_destroy(&ws);
}

static void test_outputs(void) {
  /* Margin: z_y - log sum_{c != y} exp z_c, also for logits far from 0. */
  float z[3] = {2.0f, 1.0f, -1.0f};
  double expect = 2.0 - log(exp(1.0) + exp(-1.0));
  CHECK(fabs(a2d_margin(z, 0, 3) - expect) < 1e-6);
  float big[3] = {1e4f, -1e4f, 3e3f};
  CHECK(isfinite(a2d_margin(big, 1, 3)) && fabs(a2d_margin(big, 1, 3) - (-2e4f)) < 1.0f);
  CHECK(fabs(a2d_margin(big, 0, 3) - 7e3f) < 1.0f);
  CHECK(a2d_argmax(z, 3) == 0 && a2d_argmax(big, 3) == 0);
  int32_t y = 1;
  float dl[3];
  double loss = a2d_loss_cross_entropy(big, &y, 1, 3, dl);
  CHECK(isfinite(loss) && fabs(loss - 2e4) < 1.0);
  CHECK(fabs(dl[0] - 1.0f) < 1e-6 && fabs(dl[1] + 1.0f) < 1e-6);
  /* Unknown kinds are refused by name. */
  a2d_model m;
  CHECK_FAILS(a2d_model_setup(&m, "resnet", 4, 2, NULL, 0), A2D_ERR_DECK,
              "unknown model kind \"resnet\"");
  CHECK_FAILS(a2d_model_setup(&m, "mlp", 4, 2, NULL, 0), A2D_ERR_DECK, "at least one hidden");
  /* The registry and the deck's choices agree. */
  CHECK(!strcmp(a2d_model_kind_choices(), "logreg|mlp"));
  CHECK(a2d_model_kinds[0] && !strcmp(a2d_model_kinds[0]->name, "logreg"));
  CHECK(a2d_model_kinds[1] && !strcmp(a2d_model_kinds[1]->name, "mlp") && !a2d_model_kinds[2]);
}

static void test_schedules(void) {
  a2d_sgd_config c = {.epochs = 10, .batch = 8, .lr = 0.1, .step_epochs = 3, .step_gamma = 0.5};
  const int64_t per = 4, total = 40;
  c.schedule = A2D_SCHEDULE_CONSTANT;
  CHECK(a2d_sgd_learning_rate(&c, 17, per, total) == 0.1);
  c.schedule = A2D_SCHEDULE_STEP;
  CHECK(a2d_sgd_learning_rate(&c, 11, per, total) == 0.1);                /* epoch 2.75 */
  CHECK(fabs(a2d_sgd_learning_rate(&c, 12, per, total) - 0.05) < 1e-12);  /* epoch 3 */
  CHECK(fabs(a2d_sgd_learning_rate(&c, 24, per, total) - 0.025) < 1e-12); /* epoch 6 */
  c.schedule = A2D_SCHEDULE_COSINE;
  CHECK(a2d_sgd_learning_rate(&c, 0, per, total) == 0.1);
  CHECK(fabs(a2d_sgd_learning_rate(&c, 20, per, total) - 0.05) < 1e-12);
  c.schedule = A2D_SCHEDULE_LINEAR;
  c.warmup_epochs = 1; /* 4 warm-up steps: 0.025, 0.05, 0.075, 0.1 */
  CHECK(fabs(a2d_sgd_learning_rate(&c, 0, per, total) - 0.025) < 1e-12);
  CHECK(fabs(a2d_sgd_learning_rate(&c, 3, per, total) - 0.1) < 1e-12);
  CHECK(fabs(a2d_sgd_learning_rate(&c, 4, per, total) - 0.1) < 1e-12);
  CHECK(fabs(a2d_sgd_learning_rate(&c, 22, per, total) - 0.05) < 1e-12);
}

/* Train a small mlp on synthetic clusters: reproducible bit for bit, and accurate. */
static void test_training(void) {
  a2d_dataset ds = {0};
  CHECK_OK(a2d_synthetic_generate(7, 600, 10, 3, 2.0, &ds));
  if (!ds.x) return;
  int64_t hidden[1] = {16};
  a2d_model m;
  CHECK_OK(a2d_model_setup(&m, "mlp", 10, 3, hidden, 1));
  a2d_sgd_config c = {.epochs = 15,
                      .batch = 32,
                      .lr = 0.05,
                      .momentum = 0.9,
                      .weight_decay = 1e-4,
                      .nesterov = 1,
                      .schedule = A2D_SCHEDULE_COSINE};
  a2d_trainer *t = NULL;
  CHECK_OK(a2d_trainer_create(&m, &c, &t));
  if (!t) return;
  float *p1 = calloc((size_t)m.nparams, sizeof(float)),
        *p2 = calloc((size_t)m.nparams, sizeof(float));
  float *p3 = calloc((size_t)m.nparams, sizeof(float));
  int64_t rows[500];
  for (int i = 0; i < 500; i++) rows[i] = i; /* the last 100 are held out */
  a2d_rng init, order;
  double loss1, loss2;
  a2d_rng_seed(&init, 1, A2D_STREAM_TRAIN_INIT, 0);
  a2d_rng_seed(&order, 1, A2D_STREAM_TRAIN_ORDER, 0);
  CHECK_OK(a2d_trainer_fit(t, ds.x, ds.y, rows, 500, &init, &order, p1, &loss1));
  a2d_rng_seed(&init, 1, A2D_STREAM_TRAIN_INIT, 0);
  a2d_rng_seed(&order, 1, A2D_STREAM_TRAIN_ORDER, 0);
  CHECK_OK(a2d_trainer_fit(t, ds.x, ds.y, rows, 500, &init, &order, p2, &loss2));
  CHECK(memcmp(p1, p2, sizeof(float) * (size_t)m.nparams) == 0);
  CHECK(loss1 == loss2);
  a2d_rng_seed(&init, 1, A2D_STREAM_TRAIN_INIT, 1);
  a2d_rng_seed(&order, 1, A2D_STREAM_TRAIN_ORDER, 1);
  CHECK_OK(a2d_trainer_fit(t, ds.x, ds.y, rows, 500, &init, &order, p3, NULL));
  CHECK(memcmp(p1, p3, sizeof(float) * (size_t)m.nparams) != 0);
  int64_t correct = 0;
  float margins[100];
  CHECK_OK(
      a2d_model_predict(&m, p1, ds.x + 500 * 10, ds.y + 500, 100, NULL, margins, NULL, &correct));
  printf("synthetic: final loss %.4f, held-out accuracy %lld/100\n", loss1, (long long)correct);
  CHECK(correct >= 90);
  CHECK(loss1 < 0.3);
  /* A learning rate far too high diverges and says so. */
  c.lr = 1e6;
  c.momentum = 0;
  a2d_trainer *bad = NULL;
  CHECK_OK(a2d_trainer_create(&m, &c, &bad));
  if (bad)
    CHECK_FAILS(a2d_trainer_fit(bad, ds.x, ds.y, rows, 500, &init, &order, p3, NULL), A2D_ERR_DATA,
                "training diverged");
  a2d_trainer_destroy(&bad);
  a2d_trainer_destroy(&t);
  free(p1);
  free(p2);
  free(p3);
  a2d_dataset_free(&ds);
}

/*
 * a2d_model_predict: forward passes over batches of A2D_PREDICT_BATCH from the
 * first example, bit for bit (whatever the BLAS kernel), and its outputs agree
 * with each other: margins and right/wrong from the logits it returns.
 */
static void test_predict(void) {
  const int64_t n = 2 * A2D_PREDICT_BATCH + 88, d = 20, C = 5, hidden[1] = {33};
  a2d_dataset ds = {0};
  a2d_model m;
  a2d_rng rng;
  a2d_workspace *ws = NULL;
  CHECK_OK(a2d_synthetic_generate(11, n, d, C, 1.0, &ds));
  CHECK_OK(a2d_model_setup(&m, "mlp", d, C, hidden, 1));
  CHECK_OK(a2d_workspace_create(&m, A2D_PREDICT_BATCH, &ws));
  float *params = calloc((size_t)m.nparams, sizeof(float));
  float *logits = calloc((size_t)(n * C), sizeof(float)),
        *margins = calloc((size_t)n, sizeof(float));
  float *expect = calloc((size_t)(n * C), sizeof(float));
  uint8_t *correct = calloc((size_t)n, 1);
  int64_t ncorrect = -1, count = 0, mismatched = 0;
  if (!ws || !params || !logits || !margins || !expect || !correct) {
    CHECK(0);
    goto done;
  }
  a2d_rng_seed(&rng, 5, 0, 0);
  a2d_model_init(&m, params, &rng);
  for (int64_t i0 = 0; i0 < n; i0 += A2D_PREDICT_BATCH) {
    const int64_t b = n - i0 < A2D_PREDICT_BATCH ? n - i0 : A2D_PREDICT_BATCH;
    a2d_model_forward(&m, params, ds.x + i0 * d, b, ws);
    memcpy(expect + i0 * C, ws->logits, sizeof(float) * (size_t)(b * C));
  }
  CHECK_OK(a2d_model_predict(&m, params, ds.x, ds.y, n, logits, margins, correct, &ncorrect));
  CHECK(memcmp(logits, expect, sizeof(float) * (size_t)(n * C)) == 0);
  for (int64_t i = 0; i < n; i++) {
    const float *z = logits + i * C;
    mismatched += margins[i] != a2d_margin(z, ds.y[i], C);
    mismatched += correct[i] != (a2d_argmax(z, C) == ds.y[i]);
    count += correct[i];
  }
  CHECK(mismatched == 0);
  CHECK(ncorrect == count && count > 0 && count < n);
  /* Margins alone: the same bits as with every output asked for. */
  float *again = calloc((size_t)n, sizeof(float));
  CHECK(again != NULL);
  if (again) {
    CHECK_OK(a2d_model_predict(&m, params, ds.x, ds.y, n, NULL, again, NULL, NULL));
    CHECK(memcmp(again, margins, sizeof(float) * (size_t)n) == 0);
  }
  free(again);
done:
  a2d_workspace_destroy(&ws);
  free(params);
  free(logits);
  free(margins);
  free(expect);
  free(correct);
  a2d_dataset_free(&ds);
}

int main(void) {
  check_gradient("logreg", NULL, 0);
  int64_t hidden[2] = {6, 5};
  check_gradient("mlp", hidden, 2);
  check_example_gradients("logreg", NULL, 0);
  check_example_gradients("mlp", hidden, 2);
  test_outputs();
  test_schedules();
  test_training();
  test_predict();
  return check_summary("test_model");
}
