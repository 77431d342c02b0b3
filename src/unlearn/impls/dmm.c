/*
 * dmm.c - datamodel matching (Georgiev et al. 2024): oracle matching whose
 * targets are the datamodels' predictions of the retrained model's outputs
 * (per-class logits, or margins with margin datamodels).
 */
#include "../unlearn_internal.h"

static a2d_err dmm_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_match(p, p->settings, p->target_logits, p->target_margins, r));
  return A2D_OK;
}

/* Margin datamodels predict no logits: matching logits needs per-class datamodels. */
static a2d_err dmm_check(const a2d_deck *deck, const char *section) {
  int match, logits;
  A2D_CHECK(a2d_deck_enum(deck, section, "match", &match));
  A2D_CHECK(a2d_deck_enum(deck, "datamodel", "output", &logits)); /* margin|logits */
  if (match == A2D_MATCH_LOGITS && !logits)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [%s] match = logits needs per-class datamodels ([datamodel] output = "
                     "logits); margin datamodels predict margins only",
                     a2d_deck_origin(deck, section, "match"), section);
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_dmm = {
    .name = "dmm",
    .summary = "datamodel matching: fine-tune towards the datamodels' predicted outputs",
    .needs = A2D_UNLEARN_NEEDS_DATAMODEL,
    .settings_size = sizeof(a2d_match_settings),
    .read_settings = a2d_unlearn_read_match,
    .run = dmm_run,
    .check = dmm_check};
