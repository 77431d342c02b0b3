/* common.c - the helpers the unlearning methods share (unlearn_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unlearn_internal.h"

void a2d_unlearn_start(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  memcpy(r->params, p->params0, (size_t)p->model->nparams * sizeof(float));
}

a2d_err a2d_unlearn_read_finetune(const a2d_deck *deck, const char *section, void *settings) {
  A2D_CHECK(a2d_finetune_config_from_deck(deck, section, settings));
  return A2D_OK;
}

a2d_err a2d_unlearn_read_match(const a2d_deck *deck, const char *section, void *settings) {
  a2d_match_settings *s = settings;
  int match;
  A2D_CHECK(a2d_finetune_config_from_deck(deck, section, &s->finetune));
  A2D_CHECK(a2d_deck_real(deck, section, "retain_multiple", &s->retain_multiple));
  A2D_CHECK(a2d_deck_enum(deck, section, "match", &match));
  s->match = (a2d_match)match;
  return A2D_OK;
}

a2d_err a2d_unlearn_label_epochs(const a2d_unlearn_problem *p, const a2d_finetune_config *cfg,
                                 const int64_t *rows, int64_t nrows, double scale,
                                 a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  a2d_finetuner *ft = NULL;
  a2d_label_loss loss = {p->y, scale};
  A2D_TRY(a2d_finetuner_create(p->model, cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg->epochs; e++)
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, rows, nrows, &rng, a2d_finetune_lr(cfg, e),
                              a2d_loss_labels, &loss, &r->examples, NULL));
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

a2d_err a2d_unlearn_match(const a2d_unlearn_problem *p, const a2d_match_settings *s,
                          const float *target_logits, const float *target_margins,
                          a2d_unlearn_result *r) {
  a2d_err err = A2D_OK;
  const a2d_finetune_config *cfg = &s->finetune;
  a2d_finetuner *ft = NULL;
  int64_t *rows = NULL, *sample = NULL;
  if (s->match == A2D_MATCH_LOGITS && !target_logits)
    A2D_FAIL(A2D_ERR_DECK,
             "match = logits needs targets with logits (per-class datamodels: [datamodel] "
             "output = logits)");
  a2d_match_loss loss = {s->match == A2D_MATCH_MARGIN ? NULL : target_logits, target_margins, p->y};
  int64_t ns = (int64_t)(s->retain_multiple * (double)p->nforget + 0.5);
  if (ns > p->nretain) ns = p->nretain;
  A2D_TRY(A2D_CALLOC(rows, p->nforget + ns + 1));
  A2D_TRY(A2D_CALLOC(sample, ns + 1));
  A2D_TRY(a2d_finetuner_create(p->model, cfg, &ft));
  a2d_unlearn_start(p, r);
  a2d_rng rng = p->rng;
  for (int64_t e = 0; e < cfg->epochs; e++) {
    memcpy(rows, p->forget, (size_t)p->nforget * sizeof *rows);
    a2d_rng_choose_sorted(&rng, p->nretain, ns, sample);
    for (int64_t i = 0; i < ns; i++) rows[p->nforget + i] = p->retain[sample[i]];
    A2D_TRY(a2d_finetune_pass(ft, r->params, p->x, rows, p->nforget + ns, &rng,
                              a2d_finetune_lr(cfg, e), a2d_loss_match, &loss, &r->examples, NULL));
  }
cleanup:
  a2d_finetuner_destroy(&ft);
  free(rows);
  free(sample);
  return err;
}
