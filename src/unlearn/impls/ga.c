/* ga.c - gradient ascent: raise the cross-entropy on the forget set. */
#include "../unlearn_internal.h"

static a2d_err ga_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  A2D_CHECK(a2d_unlearn_label_epochs(p, "unlearn.ga", p->forget, p->nforget, -1.0, r));
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_ga = {"ga", "gradient ascent on the forget set", 0, ga_run,
                                           NULL};
