/*
 * test_unlearn.c - the unlearning methods each do what they should, on a
 * small synthetic problem: the matching and distillation losses have the
 * gradients they claim (central differences); ga raises the forget-set loss;
 * gd with an empty forget set keeps accuracy; ascent_descent and scrub move
 * the forget set's outputs while the retain set keeps its accuracy; om taught
 * by an oracle drives the margins towards the oracle's, in logit and margin
 * form; dmm follows the targets that stage unlearn's own code
 * (a2d/dm_targets.h) builds from a hand-made datamodel, in both forms;
 * dm_direct passes its targets through; every method is deterministic; the
 * deck's method choices are the registry's names.
 * Ranks: 1.  Reference: the inequalities below.
 */
#include <math.h>
#include <mpi.h>
#include <petscsys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a2d/attribution.h"
#include "a2d/data.h"
#include "a2d/dm_targets.h"
#include "a2d/finetune.h"
#include "a2d/train.h"
#include "a2d/unlearn.h"
#include "check.h"
#include "datamodel_file.h"

enum { N = 400, D = 10, C = 3, NF = 20 };

/* The shared problem: data, a base model trained on all of it, a teacher on the retain set. */
static a2d_dataset ds;
static a2d_model model;
static float *base, *teacher, *base_logits, *base_margins, *teacher_logits, *teacher_margins;
static int64_t forget[NF], retain[N - NF];
static a2d_deck *deck;

/* Train params on rows (NULL: all) with a fixed recipe. */
static void train(float *params, const int64_t *rows, int64_t nrows, uint64_t seed) {
  a2d_sgd_config c = {
      .epochs = 40, .batch = 32, .lr = 0.05, .momentum = 0.9, .schedule = A2D_SCHEDULE_COSINE};
  a2d_trainer *t = NULL;
  a2d_rng init, order;
  a2d_rng_seed(&init, seed, 100, 0);
  a2d_rng_seed(&order, seed, 101, 0);
  CHECK_OK(a2d_trainer_create(&model, &c, &t));
  if (t) CHECK_OK(a2d_trainer_fit(t, ds.x, ds.y, rows, nrows, &init, &order, params, NULL));
  a2d_trainer_destroy(&t);
}

/* Logits (N x C) and margins (N) of params on every training point. */
static void outputs(const float *params, float *logits, float *margins) {
  CHECK_OK(a2d_model_predict(&model, params, ds.x, ds.y, N, logits, margins, NULL, NULL));
}

/* Mean cross-entropy and accuracy of params over rows. */
static void loss_accuracy(const float *params, const int64_t *rows, int64_t nrows, double *loss,
                          double *acc) {
  float *logits = calloc(N * C, sizeof *logits), *margins = calloc(N, sizeof *margins);
  outputs(params, logits, margins);
  *loss = *acc = 0;
  for (int64_t i = 0; i < nrows; i++) {
    const float *z = logits + rows[i] * C;
    double mx = z[0], s = 0;
    for (int c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
    for (int c = 0; c < C; c++) s += exp(z[c] - mx);
    *loss += mx + log(s) - z[ds.y[rows[i]]];
    *acc += a2d_argmax(z, C) == ds.y[rows[i]];
  }
  *loss /= (double)nrows;
  *acc /= (double)nrows;
  free(logits);
  free(margins);
}

/* Mean squared difference of params' margins and `target` over rows. */
static double margin_gap(const float *params, const float *target, const int64_t *rows,
                         int64_t nrows) {
  float *logits = calloc(N * C, sizeof *logits), *margins = calloc(N, sizeof *margins);
  outputs(params, logits, margins);
  double s = 0;
  for (int64_t i = 0; i < nrows; i++) {
    double e = margins[rows[i]] - target[rows[i]];
    s += e * e;
  }
  free(logits);
  free(margins);
  return s / (double)nrows;
}

/* A problem for method m with the shared pieces; forget set of nf points. */
static a2d_unlearn_problem problem(int64_t nf) {
  static int64_t all[N];
  for (int64_t i = 0; i < N; i++) all[i] = i;
  a2d_unlearn_problem p = {.model = &model,
                           .x = ds.x,
                           .y = ds.y,
                           .n = N,
                           .forget = forget,
                           .nforget = nf,
                           .retain = nf ? retain : all,
                           .nretain = nf ? N - NF : N,
                           .params0 = base,
                           .base_logits = base_logits,
                           .teacher_logits = teacher_logits,
                           .target_margins = teacher_margins};
  a2d_rng_seed(&p.rng, 9, A2D_STREAM_UNLEARN, 0);
  return p;
}

/* Run `method` on p into params; returns its example count. */
static int64_t run(const char *method, const a2d_unlearn_problem *p, float *params) {
  const a2d_unlearn_method *m = a2d_unlearn_find(method);
  CHECK(m != NULL);
  if (!m) return 0;
  a2d_unlearn_result r = {.params = params};
  a2d_unlearn_problem q = *p;
  void *settings = NULL;
  CHECK_OK(a2d_unlearn_settings_read(m, deck, &settings));
  q.settings = settings;
  CHECK_OK(m->run(&q, &r));
  free(settings);
  return r.examples;
}

/* ---------------------------------------------------------------- tests */

/* Central differences of a batch loss against its dlogits. */
static void check_loss_gradient(const char *what, a2d_batch_loss loss, void *ctx) {
  const int64_t rows[4] = {3, 17, 42, 99};
  float z[4 * C], dz[4 * C], scratch[4 * C];
  for (int i = 0; i < 4 * C; i++) z[i] = (float)(base_logits[rows[i / C] * C + i % C] * 0.7 + 0.1);
  loss(ctx, rows, 4, z, C, dz);
  double worst = 0, scale = 1e-6;
  for (int i = 0; i < 4 * C; i++) scale = fabs(dz[i]) > scale ? fabs(dz[i]) : scale;
  for (int i = 0; i < 4 * C; i++) {
    const float h = 1e-2f;
    float keep = z[i];
    z[i] = keep + h;
    double up = loss(ctx, rows, 4, z, C, scratch);
    z[i] = keep - h;
    double down = loss(ctx, rows, 4, z, C, scratch);
    z[i] = keep;
    double fd = (up - down) / (2.0 * h), err = fabs(fd - dz[i]) / scale;
    worst = err > worst ? err : worst;
  }
  printf("%s: worst gradient error %.2e of the largest component\n", what, worst);
  CHECK(worst < 2e-3);
}

static void test_loss_gradients(void) {
  a2d_match_loss logits = {teacher_logits, NULL, ds.y}, margins = {NULL, teacher_margins, ds.y};
  a2d_distill_loss distill = {teacher_logits, ds.y, 4.0, 0.7, 0.4};
  a2d_distill_loss ascend = {teacher_logits, ds.y, 2.0, -1.0, 0.0};
  a2d_label_loss ce = {ds.y, -1.0};
  check_loss_gradient("match logits", a2d_loss_match, &logits);
  check_loss_gradient("match margins", a2d_loss_match, &margins);
  check_loss_gradient("distill", a2d_loss_distill, &distill);
  check_loss_gradient("distill ascent", a2d_loss_distill, &ascend);
  check_loss_gradient("cross-entropy ascent", a2d_loss_labels, &ce);
}

static void test_ga(void) {
  float *params = calloc(model.nparams, sizeof *params);
  a2d_unlearn_problem p = problem(NF);
  int64_t examples = run("ga", &p, params);
  double before, after, acc;
  loss_accuracy(base, forget, NF, &before, &acc);
  loss_accuracy(params, forget, NF, &after, &acc);
  printf("ga: forget loss %.4f -> %.4f, %lld examples\n", before, after, (long long)examples);
  CHECK(after > before + 0.05);
  CHECK(examples == 3 * NF); /* 3 epochs over the forget set */
  free(params);
}

static void test_gd_empty(void) {
  float *params = calloc(model.nparams, sizeof *params);
  int64_t all[N];
  for (int64_t i = 0; i < N; i++) all[i] = i;
  a2d_unlearn_problem p = problem(0);
  int64_t examples = run("gd", &p, params);
  double loss0, acc0, loss1, acc1;
  loss_accuracy(base, all, N, &loss0, &acc0);
  loss_accuracy(params, all, N, &loss1, &acc1);
  printf("gd, empty forget set: accuracy %.4f -> %.4f\n", acc0, acc1);
  CHECK(acc1 >= acc0 - 0.01);
  CHECK(examples == N);
  free(params);
}

/* A method moves the forget set's loss up while the retain set keeps most of its accuracy. */
static void test_forgets(const char *method) {
  float *params = calloc(model.nparams, sizeof *params);
  a2d_unlearn_problem p = problem(NF);
  run(method, &p, params);
  double f0, f1, r0, r1, acc;
  loss_accuracy(base, forget, NF, &f0, &acc);
  loss_accuracy(params, forget, NF, &f1, &acc);
  loss_accuracy(base, retain, N - NF, &acc, &r0);
  loss_accuracy(params, retain, N - NF, &acc, &r1);
  printf("%s: forget loss %.4f -> %.4f; retain accuracy %.4f -> %.4f\n", method, f0, f1, r0, r1);
  CHECK(f1 > f0);
  CHECK(r1 > r0 - 0.05);
  free(params);
}

/* om (logit and margin matching) and dmm move the margins towards the targets. */
static void test_matching(void) {
  float *params = calloc(model.nparams, sizeof *params);
  double before_f = margin_gap(base, teacher_margins, forget, NF);
  double before_r = margin_gap(base, teacher_margins, retain, N - NF);
  a2d_unlearn_problem p = problem(NF);
  run("om", &p, params);
  double after_f = margin_gap(params, teacher_margins, forget, NF);
  double after_r = margin_gap(params, teacher_margins, retain, N - NF);
  printf("om (logits): forget margin gap %.4f -> %.4f, retain %.4f -> %.4f\n", before_f, after_f,
         before_r, after_r);
  CHECK(after_f < 0.5 * before_f);
  CHECK(after_r < before_r);
  /* Margin matching: the same teacher through its margins only. */
  p.teacher_logits = NULL;
  run("om", &p, params);
  after_f = margin_gap(params, teacher_margins, forget, NF);
  printf("om (margins): forget margin gap %.4f -> %.4f\n", before_f, after_f);
  CHECK(after_f < 0.5 * before_f);
  free(params);
}

/*
 * dmm on the targets stage unlearn builds (a2d_dm_predict, a2d_dm_targets)
 * from a hand-made margin datamodel stored like stage fit's: target t's
 * coefficients on the forget points sum to base - teacher margin, so the
 * anchored target is the teacher's margin, and dmm must move the forget
 * margins most of the way there.  A sign slip in the prediction or the
 * target sends it the other way.  Each target also has 0.25 on one retain
 * point and intercept 0.5, which only the direct form sees.
 */
static void test_dmm_stage_targets(void) {
  enum { NV = 6 };
  const int64_t rows = N + NV;
  double *theta = calloc((size_t)(rows * N), sizeof *theta), *b = calloc(rows, sizeof *b);
  float *params = calloc(model.nparams, sizeof *params), *tm = calloc(N, sizeof *tm);
  float base_val[NV] = {1, -1, 2, -2, 3, -3}, tmv[NV];
  int32_t y_val[NV] = {0, 1, 2, 0, 1, 2};
  for (int64_t t = 0; t < N; t++) {
    for (int f = 0; f < NF; f++)
      theta[t * N + forget[f]] = ((double)base_margins[t] - teacher_margins[t]) / NF;
    theta[t * N + retain[t % (N - NF)]] = 0.25;
  }
  for (int64_t r = 0; r < rows; r++) b[r] = 0.5;
  a2d_store *store = NULL;
  MPI_Comm comm = MPI_COMM_WORLD;
  unlink("dm_targets.h5");
  CHECK_OK(a2d_store_open(comm, "dm_targets.h5", &store));
  if (!store) return;
  write_datamodel_file(store, 0, theta, b, rows, N, 1, N, NV);
  a2d_attribution A = {0};
  a2d_dm_prediction pred = {0};
  CHECK_OK(a2d_attribution_load(store, comm, &A));
  CHECK_OK(a2d_dm_predict(comm, &A, NULL, 0, 0, forget, NF, &pred, NULL));
  if (pred.shift) {
    const a2d_dm_outputs outs = {.n = N,
                                 .n_val = NV,
                                 .classes = C,
                                 .per_target = 1,
                                 .y = ds.y,
                                 .y_val = y_val,
                                 .margins = base_margins,
                                 .margins_val = base_val};
    a2d_dm_outputs targets = {.margins = tm, .margins_val = tmv};

    /* anchored: the teacher's margins on the training points, the base's on validation */
    a2d_dm_targets(&pred, A2D_DM_ANCHORED, &outs, &targets);
    double worst = 0;
    for (int64_t t = 0; t < N; t++) worst = fmax(worst, fabs(tm[t] - teacher_margins[t]));
    CHECK(worst < 1e-4);
    CHECK(!memcmp(tmv, base_val, sizeof tmv));
    a2d_unlearn_problem p = problem(NF);
    p.teacher_logits = NULL;
    p.target_logits = NULL;
    p.target_margins = tm;
    p.target_margins_val = tmv;
    p.n_val = NV;
    p.y_val = y_val;
    run("dmm", &p, params);
    double before = margin_gap(base, teacher_margins, forget, NF);
    double after = margin_gap(params, teacher_margins, forget, NF);
    printf("dmm on stage-built targets: forget margin gap %.4f -> %.4f (targets within %.1e)\n",
           before, after, worst);
    CHECK(after < 0.5 * before);

    /* direct: theta . 1[R] + b = 0.25 + 0.5 for every training target, b on validation */
    a2d_dm_targets(&pred, A2D_DM_DIRECT, &outs, &targets);
    int exact = 1;
    for (int64_t t = 0; t < N; t++) exact &= tm[t] == 0.75f;
    for (int t = 0; t < NV; t++) exact &= tmv[t] == 0.5f;
    CHECK(exact);
  }
  a2d_dm_prediction_free(&pred);
  CHECK_OK(a2d_attribution_destroy(&A));
  CHECK_OK(a2d_store_close(&store));
  free(theta);
  free(b);
  free(params);
  free(tm);
}

static void test_dm_direct(void) {
  float mv[5] = {1, -2, 3, -4, 5}, out[N], outv[5];
  uint8_t correct[N], correct_val[5];
  a2d_unlearn_problem p = problem(NF);
  p.n_val = 5;
  p.target_margins_val = mv;
  a2d_unlearn_result r = {
      .margins = out, .margins_val = outv, .correct = correct, .correct_val = correct_val};
  CHECK_OK(a2d_unlearn_dm_direct.run(&p, &r));
  CHECK(!memcmp(out, teacher_margins, sizeof out) && !memcmp(outv, mv, sizeof mv));
  CHECK(correct_val[0] == 1 && correct_val[1] == 0 && r.examples == 0);
}

/* Every model method gives bit-identical parameters when run twice. */
static void test_deterministic(void) {
  const char *methods[] = {"none", "ga", "gd", "ascent_descent", "scrub", "om"};
  float *a = calloc(model.nparams, sizeof *a), *b = calloc(model.nparams, sizeof *b);
  for (int i = 0; i < 6; i++) {
    a2d_unlearn_problem p = problem(NF);
    run(methods[i], &p, a);
    run(methods[i], &p, b);
    CHECK(!memcmp(a, b, (size_t)model.nparams * sizeof *a));
    if (!strcmp(methods[i], "none")) CHECK(!memcmp(a, base, (size_t)model.nparams * sizeof *a));
  }
  free(a);
  free(b);
}

/* The deck's [unlearn] methods choices are the registry's names, in its order. */
static void test_registry_names(void) {
  const char *choices = NULL;
  for (int s = 0; a2d_deck_schema[s].name; s++)
    if (!strcmp(a2d_deck_schema[s].name, "unlearn"))
      for (int k = 0; a2d_deck_schema[s].keys[k].name; k++)
        if (!strcmp(a2d_deck_schema[s].keys[k].name, "methods"))
          choices = a2d_deck_schema[s].keys[k].choices;
  char expect[512] = "";
  for (int i = 0; a2d_unlearn_methods[i]; i++) {
    if (i) strcat(expect, "|");
    strcat(expect, a2d_unlearn_methods[i]->name);
    CHECK(a2d_unlearn_find(a2d_unlearn_methods[i]->name) == a2d_unlearn_methods[i]);
  }
  CHECK(choices && !strcmp(choices, expect));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv); /* the datamodel's PETSc matrix, for test_dmm_stage_targets */
  PetscInitializeNoArguments();
  /* ---- the shared problem ---- */
  CHECK_OK(a2d_synthetic_generate(11, N, D, C, 0.8, &ds));
  int64_t hidden[1] = {32};
  CHECK_OK(a2d_model_setup(&model, "mlp", D, C, hidden, 1));
  CHECK_OK(a2d_deck_parse("unlearn.ini",
                          "[output]\npath = x.h5\n"
                          "[unlearn.ga]\nlr = 0.05\nepochs = 3\nbatch = 8\n"
                          "[unlearn.ascent_descent]\nascent_lr = 0.05\nlr = 0.01\nepochs = 2\n"
                          "[unlearn.om]\nlr = 0.01\nepochs = 20\n"
                          "[unlearn.dmm]\nlr = 0.01\nepochs = 20\n",
                          &deck));
  if (!ds.x || !deck) return check_summary("test_unlearn");
  CHECK_OK(a2d_deck_finish(deck));
  a2d_rng rng;
  a2d_rng_seed(&rng, 5, A2D_STREAM_FORGET, 0);
  a2d_rng_choose_sorted(&rng, N, NF, forget);
  for (int64_t i = 0, f = 0, r = 0; i < N; i++) {
    if (f < NF && forget[f] == i)
      f++;
    else
      retain[r++] = i;
  }
  base = calloc(model.nparams, sizeof *base);
  teacher = calloc(model.nparams, sizeof *teacher);
  base_logits = calloc(N * C, sizeof *base_logits);
  teacher_logits = calloc(N * C, sizeof *teacher_logits);
  teacher_margins = calloc(N, sizeof *teacher_margins);
  base_margins = calloc(N, sizeof *base_margins);
  train(base, NULL, N, 1);
  train(teacher, retain, N - NF, 2);
  outputs(base, base_logits, base_margins);
  outputs(teacher, teacher_logits, teacher_margins);

  /* ---- the methods ---- */
  test_loss_gradients();
  test_ga();
  test_gd_empty();
  test_forgets("ascent_descent");
  test_forgets("scrub");
  test_matching();
  test_dmm_stage_targets();
  test_dm_direct();
  test_deterministic();
  test_registry_names();

  free(base);
  free(teacher);
  free(base_logits);
  free(teacher_logits);
  free(teacher_margins);
  free(base_margins);
  a2d_dataset_free(&ds);
  a2d_deck_free(&deck);
  PetscFinalize();
  return check_finalize("test_unlearn");
}
