/* train.c - minibatch SGD with momentum, weight decay and schedules (a2d/train.h). */
#include "a2d/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"
#include "batch.h"

struct a2d_trainer {
  const a2d_model *model;
  a2d_sgd_config cfg;
  a2d_workspace *ws;
  float *grad, *velocity, *xbatch;
  int32_t *ybatch;
  int64_t *order;
  int64_t order_cap;
};

a2d_err a2d_sgd_config_from_deck(const a2d_deck *deck, a2d_sgd_config *c) {
  int schedule;
  memset(c, 0, sizeof *c);
  A2D_CHECK(a2d_deck_int(deck, "train", "epochs", &c->epochs));
  A2D_CHECK(a2d_deck_int(deck, "train", "batch", &c->batch));
  A2D_CHECK(a2d_deck_real(deck, "train", "lr", &c->lr));
  A2D_CHECK(a2d_deck_real(deck, "train", "momentum", &c->momentum));
  A2D_CHECK(a2d_deck_real(deck, "train", "weight_decay", &c->weight_decay));
  A2D_CHECK(a2d_deck_bool(deck, "train", "nesterov", &c->nesterov));
  A2D_CHECK(a2d_deck_enum(deck, "train", "schedule", &schedule));
  A2D_CHECK(a2d_deck_real(deck, "train", "warmup_epochs", &c->warmup_epochs));
  A2D_CHECK(a2d_deck_real(deck, "train", "step_epochs", &c->step_epochs));
  A2D_CHECK(a2d_deck_real(deck, "train", "step_gamma", &c->step_gamma));
  c->schedule = (a2d_schedule)schedule;
  return A2D_OK;
}

double a2d_sgd_learning_rate(const a2d_sgd_config *c, int64_t step, int64_t per_epoch,
                             int64_t total) {
  double epoch = (double)step / (double)per_epoch;
  double warm = c->warmup_epochs * (double)per_epoch;
  switch (c->schedule) {
    case A2D_SCHEDULE_CONSTANT:
      return c->lr;
    case A2D_SCHEDULE_STEP:
      return c->lr * pow(c->step_gamma, floor(epoch / c->step_epochs));
    case A2D_SCHEDULE_LINEAR:
    case A2D_SCHEDULE_COSINE: {
      if (warm > 0 && (double)step < warm) return c->lr * ((double)step + 1.0) / warm;
      double span = (double)total - warm;
      double t = span > 0 ? ((double)step - warm) / span : 0.0;
      if (c->schedule == A2D_SCHEDULE_LINEAR) return c->lr * (1.0 - t);
      return c->lr * 0.5 * (1.0 + cos(3.14159265358979323846 * t));
    }
  }
  return c->lr;
}

a2d_err a2d_trainer_create(const a2d_model *model, const a2d_sgd_config *cfg, a2d_trainer **out) {
  a2d_err err = A2D_OK;
  a2d_trainer *t = NULL;
  *out = NULL;
  A2D_TRY(A2D_CALLOC(t, 1));
  t->model = model;
  t->cfg = *cfg;
  A2D_TRY(a2d_workspace_create(model, cfg->batch, &t->ws));
  A2D_TRY(A2D_CALLOC(t->grad, model->nparams));
  A2D_TRY(A2D_CALLOC(t->velocity, model->nparams));
  A2D_TRY(A2D_CALLOC(t->xbatch, cfg->batch * model->d));
  A2D_TRY(A2D_CALLOC(t->ybatch, cfg->batch));
  *out = t;
  return A2D_OK;
cleanup:
  a2d_trainer_destroy(&t);
  return err;
}

void a2d_trainer_destroy(a2d_trainer **t) {
  if (!*t) return;
  a2d_workspace_destroy(&(*t)->ws);
  free((*t)->grad);
  free((*t)->velocity);
  free((*t)->xbatch);
  free((*t)->ybatch);
  free((*t)->order);
  free(*t);
  *t = NULL;
}

/* One SGD step on the batch in t->xbatch/t->ybatch; returns its mean loss. */
static double sgd_step(a2d_trainer *t, int64_t b, double lr, float *params) {
  const a2d_model *m = t->model;
  const a2d_sgd_config *c = &t->cfg;
  a2d_model_forward(m, params, t->xbatch, b, t->ws);
  double loss = a2d_loss_cross_entropy(t->ws->logits, t->ybatch, b, m->classes, t->ws->dlogits);
  a2d_model_backward(m, params, t->ws, b, t->grad);
  const float wd = (float)c->weight_decay, mu = (float)c->momentum, eta = (float)lr;
  float *g = t->grad, *v = t->velocity;
  if (c->nesterov) {
    for (int64_t i = 0; i < m->nparams; i++) {
      float gi = g[i] + wd * params[i];
      v[i] = mu * v[i] + gi;
      params[i] -= eta * (gi + mu * v[i]);
    }
  } else {
    a2d_sgd_momentum_step(params, v, g, m->nparams, eta, mu, wd);
  }
  return loss;
}

a2d_err a2d_trainer_fit(a2d_trainer *t, const float *x, const int32_t *y, const int64_t *rows,
                        int64_t nrows, a2d_rng *init_rng, a2d_rng *order_rng, float *params,
                        double *last_loss) {
  const a2d_model *m = t->model;
  const int64_t B = t->cfg.batch, d = m->d;
  if (nrows < 1) return A2D_ERROR(A2D_ERR_DATA, "cannot train a model on 0 examples");
  A2D_CHECK(a2d_order_reserve(&t->order, &t->order_cap, nrows));
  a2d_model_init(m, params, init_rng);
  memset(t->velocity, 0, (size_t)m->nparams * sizeof(float));
  for (int64_t i = 0; i < nrows; i++) t->order[i] = rows ? rows[i] : i;
  const int64_t per_epoch = (nrows + B - 1) / B, total = per_epoch * t->cfg.epochs;
  int64_t step = 0;
  double epoch_loss = 0.0;
  for (int64_t e = 0; e < t->cfg.epochs; e++) {
    a2d_rng_shuffle(order_rng, t->order, nrows);
    epoch_loss = 0.0;
    for (int64_t i0 = 0; i0 < nrows; i0 += B) {
      int64_t b = nrows - i0 < B ? nrows - i0 : B;
      a2d_gather_rows(x, d, t->order + i0, b, t->xbatch);
      for (int64_t i = 0; i < b; i++) t->ybatch[i] = y[t->order[i0 + i]];
      double lr = a2d_sgd_learning_rate(&t->cfg, step++, per_epoch, total);
      epoch_loss += sgd_step(t, b, lr, params) * (double)b;
    }
    epoch_loss /= (double)nrows;
    if (!isfinite(epoch_loss))
      return A2D_ERROR(A2D_ERR_DATA, "training diverged (loss %g in epoch %lld); lower [train] lr",
                       epoch_loss, (long long)e + 1);
  }
  if (last_loss) *last_loss = epoch_loss;
  return A2D_OK;
}
