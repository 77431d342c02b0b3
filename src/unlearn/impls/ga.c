/* ga.c - gradient ascent: raise the cross-entropy on the forget set. */
#include "../unlearn_internal.h"

static a2d_err ga_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  a2d_finetune_config cfg;
  a2d_finetuner *ft = NULL;
  a2d_label_loss ascent = {p->y, -1.0};
  A2D_TRY(a2d_finetune_config_from_deck(p->deck, "unlearn.ga", &cfg));
  A2D_TRY(a2d_finetuner_create(p->model, &cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg.epochs; e++)
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->forget, p->nforget, &rng,
                              a2d_finetune_lr(&cfg, e), a2d_loss_labels, &ascent, &r->examples,
                              NULL));
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

const a2d_unlearn_method a2d_unlearn_ga = {"ga", "gradient ascent on the forget set", 0, ga_run};
