/*
 * dm_direct.c - DM-Direct: the datamodels' predicted outputs taken as the
 * unlearned outputs; no model is changed, so it gives margins, not a model.
 */
#include <string.h>

#include "../unlearn_internal.h"

static a2d_err dm_direct_run(const a2d_unlearn_problem *p, a2d_unlearn_result *r) {
  const int64_t C = p->model->classes;
  memcpy(r->margins, p->target_margins, (size_t)p->n * sizeof(float));
  memcpy(r->margins_val, p->target_margins_val, (size_t)p->n_val * sizeof(float));
  /* Right when the predicted logits' argmax is the label; with margins only, margin > 0. */
  for (int64_t i = 0; i < p->n; i++)
    r->correct[i] = p->target_logits ? a2d_argmax(p->target_logits + i * C, C) == p->y[i]
                                     : p->target_margins[i] > 0;
  for (int64_t i = 0; i < p->n_val; i++)
    r->correct_val[i] = p->target_logits_val
                            ? a2d_argmax(p->target_logits_val + i * C, C) == p->y_val[i]
                            : p->target_margins_val[i] > 0;
  return A2D_OK;
}

const a2d_unlearn_method a2d_unlearn_dm_direct = {
    .name = "dm_direct",
    .summary = "the datamodels' predicted margins, without a model",
    .needs = A2D_UNLEARN_NEEDS_DATAMODEL | A2D_UNLEARN_OUTPUTS_ONLY,
    .run = dm_direct_run};
