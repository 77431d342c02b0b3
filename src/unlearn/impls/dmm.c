/*
 * dmm.c - datamodel matching (Georgiev et al. 2024): oracle matching whose
 * targets are the datamodels' predictions of the retrained model's outputs
 * (per-class logits, or margins with margin datamodels).
 */
#include "../unlearn_internal.h"

static a2d_err dmm_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_match(p, "unlearn.dmm", p->target_logits, p->target_margins, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_dmm = {
    "dmm", "datamodel matching: fine-tune towards the datamodels' predicted outputs",
    A2D_UNLEARN_NEEDS_DATAMODEL, dmm_run};
