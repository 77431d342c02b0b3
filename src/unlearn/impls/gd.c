/* gd.c - gradient descent: keep fine-tuning on the retain set only. */
#include "../unlearn_internal.h"

static a2d_err gd_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_label_epochs(p, p->settings, p->retain, p->nretain, 1.0, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_gd = {.name = "gd",
                                           .summary = "gradient descent on the retain set",
                                           .settings_size = sizeof(a2d_finetune_config),
                                           .read_settings = a2d_unlearn_read_finetune,
                                           .run = gd_run};
