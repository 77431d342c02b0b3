/* gd.c - gradient descent: keep fine-tuning on the retain set only. */
#include "../unlearn_internal.h"

static a2d_err gd_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_label_epochs(p, "unlearn.gd", p->retain, p->nretain, 1.0, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_gd = {"gd", "gradient descent on the retain set", 0, gd_run,
                                           NULL};
