/*
 * ascent_descent.c - NegGrad+-style unlearning: each epoch an ascent pass on
 * the forget set, then a descent pass on the retain set.
 */
#include "../unlearn_internal.h"

typedef struct ascent_descent_settings {
  a2d_finetune_config finetune;
  double ascent_lr; /* the ascent passes' learning rate, decayed as the descent's */
} ascent_descent_settings;

static a2d_err ascent_descent_read_settings(const a2d_deck *deck, const char *section,
                                            void *settings) {
  ascent_descent_settings *s = settings;
  A2D_CHECK(a2d_finetune_config_from_deck(deck, section, &s->finetune));
  A2D_CHECK(a2d_deck_real(deck, section, "ascent_lr", &s->ascent_lr));
  return A2D_OK;
}

static a2d_err ascent_descent_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  const ascent_descent_settings *s = p->settings;
  const a2d_finetune_config *cfg = &s->finetune;
  a2d_finetuner *ft = NULL;
  a2d_label_loss ascent = {p->y, -1.0}, descent = {p->y, 1.0};
  A2D_TRY(a2d_finetuner_create(p->model, cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg->epochs; e++) {
    const double decay = a2d_finetune_lr(cfg, e) / cfg->lr;
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->forget, p->nforget, &rng,
                              s->ascent_lr * decay, a2d_loss_labels, &ascent, &r->examples, NULL));
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->retain, p->nretain, &rng,
                              a2d_finetune_lr(cfg, e), a2d_loss_labels, &descent, &r->examples,
                              NULL));
  }
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

const a2d_unlearn_method a2d_unlearn_ascent_descent = {
    .name = "ascent_descent",
    .summary = "ascent on the forget set interleaved with descent on the retain set",
    .settings_size = sizeof(ascent_descent_settings),
    .read_settings = ascent_descent_read_settings,
    .run = ascent_descent_run};
