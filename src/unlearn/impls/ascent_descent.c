/*
 * ascent_descent.c - NegGrad+-style unlearning: each epoch an ascent pass on
 * the forget set, then a descent pass on the retain set.
 */
#include "../unlearn_internal.h"

static a2d_err ascent_descent_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  a2d_finetune_config cfg;
  a2d_finetuner *ft = NULL;
  a2d_label_loss ascent = {p->y, -1.0}, descent = {p->y, 1.0};
  double ascent_lr;
  const char *sec = "unlearn.ascent_descent";
  A2D_TRY(a2d_finetune_config_from_deck(p->deck, sec, &cfg));
  A2D_TRY(a2d_deck_real(p->deck, sec, "ascent_lr", &ascent_lr));
  A2D_TRY(a2d_finetuner_create(p->model, &cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg.epochs; e++) {
    const double decay = a2d_finetune_lr(&cfg, e) / cfg.lr;
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->forget, p->nforget, &rng, ascent_lr * decay,
                              a2d_loss_labels, &ascent, &r->examples, NULL));
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->retain, p->nretain, &rng,
                              a2d_finetune_lr(&cfg, e), a2d_loss_labels, &descent, &r->examples,
                              NULL));
  }
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

const a2d_unlearn_method a2d_unlearn_ascent_descent = {
    "ascent_descent", "ascent on the forget set interleaved with descent on the retain set", 0,
    ascent_descent_run, NULL};
