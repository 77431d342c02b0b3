/*
 * train_a2d.c - time one a2d_trainer_fit, the training loop of stages train
 * and ensemble, on Fashion-MNIST.
 *
 *   bench_train_a2d [--kind logreg|mlp] [--hidden 256,128] [--epochs 3] [--n 60000]
 *                   [--threads T] [--batch 128] [--lr 0.05] [--wd W] [--synthetic]
 *                   [--data DIR] [--repeat R]
 *
 * Defaults are those of inputs/fashion-mlp.ini and inputs/fashion-logreg.ini
 * (batch 128, lr 0.05, momentum 0.9, cosine schedule per step, weight decay
 * 5e-4 for mlp and 1e-4 for logreg) except the number of epochs, 3 instead of
 * 20 to keep the run short: the throughput is per example-epoch, and every
 * epoch does the same work.  The data are the first N images of the "train"
 * split scaled by 1/255, or with --synthetic N Gaussian examples of the same
 * shape (784 features, 10 classes).  --threads calls
 * openblas_set_num_threads (otherwise OpenBLAS's own choice applies).
 *
 * Only the fit is timed, after an untimed one-epoch warm-up on 10 batches.
 * With --repeat R the fit is timed R times (the same seeds each time) and the
 * fastest counts: the machine is shared, and interference only slows a run.
 * Prints one machine-readable line (runs= lists every run's throughput):
 *
 *   a2d mlp threads=2 n=60000 epochs=3 batch=128 params=235146 seconds=1.339 throughput=134447.5
 *       flops=1.3540e+11 gflops=135.403 loss=0.3307 data=fashion-mnist runs=129445,134447
 *
 * (one line in fact).
 *
 * throughput is examples x epochs per second; flops is the GEMM work per
 * second: 2*sum(in*out) per example forward, 4*sum(in*out) backward less the
 * first layer's input gradient (2*d*width1), which a2d does not compute.
 * Biases, ReLU, softmax and the SGD update are not counted.
 */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a2d/data.h"
#include "a2d/model.h"
#include "a2d/rng.h"
#include "a2d/train.h"

/* The benchmark's settings, from the command line. */
typedef struct options {
  const char *kind, *data;
  int64_t hidden[A2D_MAX_LAYERS];
  int nhidden, threads, synthetic;
  int64_t epochs, n, batch, repeat;
  double lr, wd;
} options;

/* Seconds on the monotonic clock. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parse a positive integer option value. */
static a2d_err parse_int(const char *opt, const char *s, int64_t *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end || v < 1)
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected a positive integer, got \"%s\"", opt, s);
  *out = v;
  return A2D_OK;
}

/* Parse a non-negative real option value. */
static a2d_err parse_real(const char *opt, const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !(v >= 0))
    return A2D_ERROR(A2D_ERR_DECK, "%s: expected a non-negative number, got \"%s\"", opt, s);
  *out = v;
  return A2D_OK;
}

/* Parse a list of hidden sizes "256,128". */
static a2d_err parse_hidden(const char *s, options *o) {
  char buf[256], *save = NULL;
  snprintf(buf, sizeof buf, "%s", s);
  o->nhidden = 0;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (o->nhidden >= A2D_MAX_LAYERS - 1)
      return A2D_ERROR(A2D_ERR_DECK, "--hidden: at most %d hidden layers", A2D_MAX_LAYERS - 1);
    A2D_CHECK(parse_int("--hidden", tok, &o->hidden[o->nhidden++]));
  }
  return A2D_OK;
}

/* Fill `o` from argv, with the deck defaults for the model kind. */
static a2d_err parse_options(int argc, char **argv, options *o) {
  int have_wd = 0;
  memset(o, 0, sizeof *o);
  o->kind = "mlp";
  o->data = "/usr/share/datasets/fashion-mnist";
  o->hidden[0] = 256;
  o->hidden[1] = 128;
  o->nhidden = 2;
  o->epochs = 3;
  o->n = 60000;
  o->batch = 128;
  o->repeat = 1;
  o->lr = 0.05;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--synthetic")) {
      o->synthetic = 1;
      continue;
    }
    if (i + 1 >= argc) return A2D_ERROR(A2D_ERR_DECK, "%s: unknown option or missing value", a);
    const char *v = argv[++i];
    int64_t t;
    if (!strcmp(a, "--kind")) {
      o->kind = v;
    } else if (!strcmp(a, "--data")) {
      o->data = v;
    } else if (!strcmp(a, "--hidden")) {
      A2D_CHECK(parse_hidden(v, o));
    } else if (!strcmp(a, "--epochs")) {
      A2D_CHECK(parse_int(a, v, &o->epochs));
    } else if (!strcmp(a, "--n")) {
      A2D_CHECK(parse_int(a, v, &o->n));
    } else if (!strcmp(a, "--repeat")) {
      A2D_CHECK(parse_int(a, v, &o->repeat));
    } else if (!strcmp(a, "--batch")) {
      A2D_CHECK(parse_int(a, v, &o->batch));
    } else if (!strcmp(a, "--threads")) {
      A2D_CHECK(parse_int(a, v, &t));
      o->threads = (int)t;
    } else if (!strcmp(a, "--lr")) {
      A2D_CHECK(parse_real(a, v, &o->lr));
    } else if (!strcmp(a, "--wd")) {
      A2D_CHECK(parse_real(a, v, &o->wd));
      have_wd = 1;
    } else {
      return A2D_ERROR(A2D_ERR_DECK, "unknown option %s", a);
    }
  }
  if (!have_wd) o->wd = strcmp(o->kind, "logreg") ? 5e-4 : 1e-4;
  return A2D_OK;
}

/* The first o->n training examples (scaled by 1/255), or synthetic ones. */
static a2d_err load_data(const options *o, a2d_dataset *ds) {
  if (o->synthetic) {
    A2D_CHECK(a2d_synthetic_generate(0, o->n, 784, 10, 3.0, ds));
    return A2D_OK;
  }
  A2D_CHECK(a2d_mnist_load(o->data, "train", ds));
  if (o->n > ds->n)
    return A2D_ERROR(A2D_ERR_DECK, "--n %lld: the train split of %s has only %lld examples",
                     (long long)o->n, o->data, (long long)ds->n);
  for (int64_t i = 0; i < o->n * ds->d; i++) ds->x[i] /= 255.0f;
  return A2D_OK;
}

/* GEMM floating-point operations of one training example (forward + backward). */
static double flops_per_example(const a2d_model *m) {
  double s = 0.0;
  for (int l = 0; l < m->nlayers; l++) s += (double)m->width[l] * (double)m->width[l + 1];
  return 6.0 * s - 2.0 * (double)m->width[0] * (double)m->width[1];
}

/* Load the data, warm up, time one fit and print the result line. */
static a2d_err run(const options *o) {
  a2d_err err = A2D_OK;
  a2d_dataset ds = {0};
  a2d_model model;
  a2d_sgd_config cfg, warm;
  a2d_trainer *trainer = NULL, *warmer = NULL;
  float *params = NULL;
  a2d_rng init, order;
  double loss = 0.0;

  if (o->threads > 0) openblas_set_num_threads(o->threads);
  A2D_TRY(load_data(o, &ds));
  A2D_TRY(a2d_model_setup(&model, o->kind, ds.d, ds.classes, o->hidden, o->nhidden));
  memset(&cfg, 0, sizeof cfg);
  cfg.epochs = o->epochs;
  cfg.batch = o->batch;
  cfg.lr = o->lr;
  cfg.momentum = 0.9;
  cfg.weight_decay = o->wd;
  cfg.schedule = A2D_SCHEDULE_COSINE;
  cfg.step_epochs = 5;
  cfg.step_gamma = 0.1;
  A2D_TRY(A2D_CALLOC(params, model.nparams));

  /* Untimed warm-up: OpenBLAS thread pool, page faults, caches. */
  warm = cfg;
  warm.epochs = 1;
  A2D_TRY(a2d_trainer_create(&model, &warm, &warmer));
  a2d_rng_seed(&init, 0, A2D_STREAM_TRAIN_INIT, 1);
  a2d_rng_seed(&order, 0, A2D_STREAM_TRAIN_ORDER, 1);
  int64_t nwarm = 10 * o->batch < o->n ? 10 * o->batch : o->n;
  A2D_TRY(a2d_trainer_fit(warmer, ds.x, ds.y, NULL, nwarm, &init, &order, params, NULL));

  /* The timed fits; the fastest counts. */
  A2D_TRY(a2d_trainer_create(&model, &cfg, &trainer));
  const double work = (double)o->n * (double)o->epochs;
  double seconds = 0.0;
  char runs[512] = "";
  for (int64_t r = 0; r < o->repeat; r++) {
    a2d_rng_seed(&init, 0, A2D_STREAM_TRAIN_INIT, 0);
    a2d_rng_seed(&order, 0, A2D_STREAM_TRAIN_ORDER, 0);
    double t0 = now();
    A2D_TRY(a2d_trainer_fit(trainer, ds.x, ds.y, NULL, o->n, &init, &order, params, &loss));
    double t = now() - t0;
    if (r == 0 || t < seconds) seconds = t;
    size_t used = strlen(runs);
    snprintf(runs + used, sizeof runs - used, "%s%.0f", r ? "," : "", work / t);
  }

  const double rate = work / seconds, flops = rate * flops_per_example(&model);
  printf(
      "a2d %s threads=%d n=%lld epochs=%lld batch=%lld params=%lld seconds=%.3f "
      "throughput=%.1f flops=%.4e gflops=%.3f loss=%.4f data=%s runs=%s\n",
      o->kind, openblas_get_num_threads(), (long long)o->n, (long long)o->epochs,
      (long long)o->batch, (long long)model.nparams, seconds, rate, flops, flops / 1e9, loss,
      o->synthetic ? "synthetic" : "fashion-mnist", runs);
  fflush(stdout);
cleanup:
  a2d_trainer_destroy(&trainer);
  a2d_trainer_destroy(&warmer);
  a2d_dataset_free(&ds);
  free(params);
  return err;
}

int main(int argc, char **argv) {
  options o;
  a2d_err err = parse_options(argc, argv, &o);
  if (!err) err = run(&o);
  if (err) a2d_error_print(stderr, 1);
  return err;
}
