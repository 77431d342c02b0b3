/* none.c - the trained model unchanged: the "do nothing" reference. */
#include "../unlearn_internal.h"

static a2d_err none_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  a2d_unlearn_start(p, r);
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_none = {
    .name = "none", .summary = "the trained model, unchanged", .run = none_run};
