/* ga.c - gradient ascent: raise the cross-entropy on the forget set. */
#include "../unlearn_internal.h"

static a2d_err ga_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_label_epochs(p, p->settings, p->forget, p->nforget, -1.0, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_ga = {.name = "ga",
                                           .summary = "gradient ascent on the forget set",
                                           .settings_size = sizeof(a2d_finetune_config),
                                           .read_settings = a2d_unlearn_read_finetune,
                                           .run = ga_run};
