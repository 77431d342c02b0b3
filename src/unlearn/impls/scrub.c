/*
 * scrub.c - SCRUB (Kurmanji, Triantafillou, Hayes, Triantafillou, "Towards
 * Unbounded Machine Unlearning", NeurIPS 2023).  The student starts as the
 * trained model, which stays the teacher.  Each of the first max_epochs
 * epochs begins with a max-step: a pass over the forget set that raises
 * KL(teacher || student); every epoch then has a min-step: a pass over the
 * retain set lowering alpha KL(teacher || student) + gamma cross-entropy.
 */
#include "../unlearn_internal.h"

static a2d_err scrub_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  a2d_finetune_config cfg;
  a2d_finetuner *ft = NULL;
  int64_t max_epochs;
  double alpha, gamma, T;
  const char *sec = "unlearn.scrub";
  A2D_TRY(a2d_finetune_config_from_deck(p->deck, sec, &cfg));
  A2D_TRY(a2d_deck_int(p->deck, sec, "max_epochs", &max_epochs));
  A2D_TRY(a2d_deck_real(p->deck, sec, "alpha", &alpha));
  A2D_TRY(a2d_deck_real(p->deck, sec, "gamma", &gamma));
  A2D_TRY(a2d_deck_real(p->deck, sec, "temperature", &T));
  a2d_distill_loss max_step = {p->base_logits, p->y, T, -1.0, 0.0};
  a2d_distill_loss min_step = {p->base_logits, p->y, T, alpha, gamma};
  A2D_TRY(a2d_finetuner_create(p->model, &cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg.epochs; e++) {
    const double lr = a2d_finetune_lr(&cfg, e);
    if (e < max_epochs)
      A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->forget, p->nforget, &rng, lr,
                                a2d_loss_distill, &max_step, &r->examples, NULL));
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->retain, p->nretain, &rng, lr,
                              a2d_loss_distill, &min_step, &r->examples, NULL));
  }
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

const a2d_unlearn_method a2d_unlearn_scrub = {
    "scrub",
    "SCRUB: diverge from the original model on the forget set, stay close on the retain set", 0,
    scrub_run, NULL};
