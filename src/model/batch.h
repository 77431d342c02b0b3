/*
 * batch.h - what training (train.c) and fine-tuning (finetune.c) share:
 * growing a row-order buffer, gathering a minibatch's rows, and the SGD
 * momentum step.  Internal to src/model.
 */
#ifndef A2D_MODEL_BATCH_H
#define A2D_MODEL_BATCH_H

#include <stdint.h>

#include "a2d/error.h"

/* Make *order hold at least n entries (*cap: its size), discarding its contents. */
a2d_err a2d_order_reserve(int64_t **order, int64_t *cap, int64_t n);

/* xbatch[i] = x[rows[i]] (rows of d features), i < b. */
void a2d_gather_rows(const float *x, int64_t d, const int64_t *rows, int64_t b, float *xbatch);

/*
 * One step of SGD with momentum mu and weight decay wd at learning rate eta,
 * as torch.optim.SGD (dampening 0, not Nesterov): v = mu v + g + wd w, then
 * w -= eta v.
 */
void a2d_sgd_momentum_step(float *params, float *velocity, const float *grad, int64_t nparams,
                           float eta, float mu, float wd);

#endif
