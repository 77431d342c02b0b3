/* gd.c - gradient descent: keep fine-tuning on the retain set only. */
#include "../unlearn_internal.h"

static a2d_err gd_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  a2d_finetune_config cfg;
  a2d_finetuner *ft = NULL;
  a2d_label_loss descent = {p->y, 1.0};
  A2D_TRY(a2d_finetune_config_from_deck(p->deck, "unlearn.gd", &cfg));
  A2D_TRY(a2d_finetuner_create(p->model, &cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg.epochs; e++)
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, p->retain, p->nretain, &rng,
                              a2d_finetune_lr(&cfg, e), a2d_loss_labels, &descent, &r->examples,
                              NULL));
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

const a2d_unlearn_method a2d_unlearn_gd = {"gd", "gradient descent on the retain set", 0, gd_run};
