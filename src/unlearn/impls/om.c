/*
 * om.c - oracle matching (Georgiev et al. 2024): fine-tune the trained model
 * to reproduce a teacher retrained from scratch on the retain set, with
 * squared error on the forget set plus a retain sample.  The idealised
 * method: it needs the retrain it is meant to avoid.
 */
#include "../unlearn_internal.h"

static a2d_err om_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_match(p, p->settings, p->teacher_logits, p->target_margins, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_om = {
    .name = "om",
    .summary = "oracle matching: fine-tune towards a retrained teacher's outputs",
    .needs = A2D_UNLEARN_NEEDS_TEACHER,
    .settings_size = sizeof(a2d_match_settings),
    .read_settings = a2d_unlearn_read_match,
    .run = om_run};
