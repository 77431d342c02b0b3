/*
 * a2d/finetune.h - fine-tuning a trained model with a loss of our choosing:
 * the engine behind every unlearning method that changes a model.
 *
 * A fine-tuner holds one optimizer's state (SGD with momentum, or Adam with
 * PyTorch's update rule) across passes.  A pass visits some rows of the
 * training set once, in an order drawn from a generator, in minibatches; the
 * caller's loss function turns each batch's logits into a loss and its
 * gradient with respect to the logits.  The learning rate is given per pass,
 * so methods decay it per epoch or use different rates for different passes.
 *
 *   a2d_finetuner *ft;
 *   a2d_label_loss ascent = {y, -1.0};  // gradient ascent on the labels
 *   A2D_CHECK(a2d_finetune_config_from_deck(deck, "unlearn.ga", &cfg));
 *   A2D_CHECK(a2d_finetuner_create(&model, &cfg, &ft));
 *   for (e = 0; e < cfg.epochs; e++)
 *     A2D_CHECK(a2d_finetune_pass(ft, params, x, forget, nf, &rng, a2d_finetune_lr(&cfg, e),
 *                                 a2d_loss_labels, &ascent, &examples, NULL));
 *   a2d_finetuner_destroy(&ft);
 */
#ifndef A2D_FINETUNE_H
#define A2D_FINETUNE_H

#include <stdint.h>

#include "a2d/deck.h"
#include "a2d/error.h"
#include "a2d/model.h"
#include "a2d/rng.h"

typedef enum a2d_optimizer { A2D_OPT_SGD = 0, A2D_OPT_ADAM = 1 } a2d_optimizer;

typedef struct a2d_finetune_config {
  a2d_optimizer optimizer;
  double lr, lr_decay, momentum, weight_decay;
  int64_t epochs, batch;
} a2d_finetune_config;

/* Read optimizer, lr, lr_decay, epochs, batch, momentum, weight_decay from `section`. */
a2d_err a2d_finetune_config_from_deck(const a2d_deck *deck, const char *section,
                                      a2d_finetune_config *cfg);

/* Learning rate of epoch e: lr * lr_decay^e. */
double a2d_finetune_lr(const a2d_finetune_config *cfg, int64_t epoch);

/*
 * A batch loss: given the batch's training-set row indices rows[0..b) and
 * their logits (b x C), write d(loss)/d(logits) into dlogits and return the
 * loss.  The loss is a mean over the batch.
 */
typedef double (*a2d_batch_loss)(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                                 int64_t classes, float *dlogits);

typedef struct a2d_finetuner a2d_finetuner;

a2d_err a2d_finetuner_create(const a2d_model *model, const a2d_finetune_config *cfg,
                             a2d_finetuner **out);
void a2d_finetuner_destroy(a2d_finetuner **ft);

/*
 * One pass over rows[0..nrows) of x in a random order from rng, one
 * optimizer step per batch at learning rate lr.  Adds the rows visited to
 * *examples; the mean loss of the pass goes to *mean_loss (may be NULL).
 */
a2d_err a2d_finetune_pass(a2d_finetuner *ft, float *params, const float *x, const int64_t *rows,
                          int64_t nrows, a2d_rng *rng, double lr, a2d_batch_loss loss, void *ctx,
                          int64_t *examples, double *mean_loss);

/* ---- batch losses (ctx types below) ---- */

/* Labels of the training set, for the cross-entropy losses; scale multiplies the loss. */
typedef struct a2d_label_loss {
  const int32_t *y;
  double scale; /* 1: descent; -1: ascent */
} a2d_label_loss;

/* scale * mean cross-entropy (ctx: a2d_label_loss). */
double a2d_loss_labels(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                       int64_t classes, float *dlogits);

/* Squared-error matching of targets on every training row (ctx: a2d_match_loss). */
typedef struct a2d_match_loss {
  const float *target_logits;  /* n x C: mean over the batch of the sum over classes (z - t)^2 */
  const float *target_margins; /* n: used when target_logits is NULL: mean (margin - t)^2 */
  const int32_t *y;            /* labels (margins need them) */
} a2d_match_loss;

double a2d_loss_match(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                      int64_t classes, float *dlogits);

/*
 * SCRUB's losses against a teacher's logits at temperature T (ctx:
 * a2d_distill_loss): kl_weight * T^2 KL(teacher_T || student_T) + ce_weight *
 * cross-entropy on the labels.  A negative kl_weight maximises the divergence.
 */
typedef struct a2d_distill_loss {
  const float *teacher_logits; /* n x C */
  const int32_t *y;
  double temperature, kl_weight, ce_weight;
} a2d_distill_loss;

double a2d_loss_distill(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                        int64_t classes, float *dlogits);

#endif
