/*
 * a2d/train.h - minibatch SGD for a2d models.
 *
 * SGD with momentum (optionally Nesterov) and weight decay, with the update
 * rule of PyTorch's torch.optim.SGD (dampening 0, decay added to the gradient
 * of every parameter): g += wd * w;  v = mu * v + g;  w -= lr * (nesterov ?
 * g + mu * v : v).  The learning rate follows a schedule per step.  Each epoch
 * visits the training rows in a fresh random order; the last batch may be
 * short.  Initialisation and order come from generators the caller seeds from
 * (seed, model index), never from the rank.
 *
 *   a2d_trainer *t;
 *   A2D_CHECK(a2d_trainer_create(&model, &cfg, &t));
 *   A2D_CHECK(a2d_trainer_fit(t, x, y, rows, nrows, &init_rng, &order_rng, params, NULL));
 *   a2d_trainer_destroy(&t);
 */
#ifndef A2D_TRAIN_H
#define A2D_TRAIN_H

#include <stdint.h>

#include "a2d/error.h"
#include "a2d/model.h"
#include "a2d/rng.h"

struct a2d_deck;

typedef enum a2d_schedule {
  A2D_SCHEDULE_CONSTANT = 0, /* lr throughout */
  A2D_SCHEDULE_STEP,         /* lr * gamma^floor(epoch / step_epochs) */
  A2D_SCHEDULE_LINEAR,       /* linear warm-up to lr, then linear decay to 0 */
  A2D_SCHEDULE_COSINE        /* linear warm-up to lr, then cosine decay to 0 */
} a2d_schedule;

typedef struct a2d_sgd_config {
  int64_t epochs, batch;
  double lr, momentum, weight_decay;
  int nesterov;
  a2d_schedule schedule;
  double warmup_epochs; /* linear and cosine: epochs of linear warm-up from 0 */
  double step_epochs;   /* step: epochs between decays */
  double step_gamma;    /* step: decay factor */
} a2d_sgd_config;

/* Read the [train] section's optimiser keys. */
a2d_err a2d_sgd_config_from_deck(const struct a2d_deck *deck, a2d_sgd_config *cfg);

/* Learning rate at step `step` (0-based) of `total` steps, `per_epoch` steps an epoch. */
double a2d_sgd_learning_rate(const a2d_sgd_config *cfg, int64_t step, int64_t per_epoch,
                             int64_t total);

typedef struct a2d_trainer a2d_trainer;

a2d_err a2d_trainer_create(const a2d_model *model, const a2d_sgd_config *cfg, a2d_trainer **out);
void a2d_trainer_destroy(a2d_trainer **t);

/*
 * Initialise params from init_rng and train them with cross-entropy on the
 * examples rows[0..nrows) of (x, y) (rows == NULL: the first nrows examples).
 * Returns the mean training loss of the last epoch in *last_loss (may be NULL).
 */
a2d_err a2d_trainer_fit(a2d_trainer *t, const float *x, const int32_t *y, const int64_t *rows,
                        int64_t nrows, a2d_rng *init_rng, a2d_rng *order_rng, float *params,
                        double *last_loss);

#endif
