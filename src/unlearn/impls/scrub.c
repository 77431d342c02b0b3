/*
 * scrub.c - SCRUB (Kurmanji, Triantafillou, Hayes, Triantafillou, "Towards
 * Unbounded Machine Unlearning", NeurIPS 2023).  The student starts as the
 * trained model, which stays the teacher.  Each of the first max_epochs
 * epochs begins with a max-step: a pass over the forget set that raises
 * KL(teacher || student); every epoch then has a min-step: a pass over the
 * retain set lowering alpha KL(teacher || student) + gamma cross-entropy.
 */
#include "../unlearn_internal.h"

typedef struct scrub_settings {
  a2d_finetune_config finetune;
  int64_t max_epochs; /* epochs that begin with a max-step */
  double alpha, gamma, temperature;
} scrub_settings;

static a2d_err scrub_read_settings(const a2d_deck *deck, const char *section, void *settings) {
  scrub_settings *s = settings;
  A2D_CHECK(a2d_finetune_config_from_deck(deck, section, &s->finetune));
  A2D_CHECK(a2d_deck_int(deck, section, "max_epochs", &s->max_epochs));
  A2D_CHECK(a2d_deck_real(deck, section, "alpha", &s->alpha));
  A2D_CHECK(a2d_deck_real(deck, section, "gamma", &s->gamma));
  A2D_CHECK(a2d_deck_real(deck, section, "temperature", &s->temperature));
  return A2D_OK;
}

static a2d_err scrub_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  const scrub_settings *s = p->settings;
  const a2d_finetune_config *cfg = &s->finetune;
  a2d_finetuner *ft = NULL;
  a2d_distill_loss max_step = {p->base_logits, p->y, s->temperature, -1.0, 0.0};
  a2d_distill_loss min_step = {p->base_logits, p->y, s->temperature, s->alpha, s->gamma};
  A2D_TRY(a2d_finetuner_create(p->model, cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg->epochs; e++) {
    const double lr = a2d_finetune_lr(cfg, e);
    if (e < s->max_epochs)
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
    .name = "scrub",
    .summary =
        "SCRUB: diverge from the original model on the forget set, stay close on the "
        "retain set",
    .settings_size = sizeof(scrub_settings),
    .read_settings = scrub_read_settings,
    .run = scrub_run};
