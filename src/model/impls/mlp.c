/* mlp.c - model kind `mlp`: dense layers of [model] hidden sizes with ReLU, then a dense output. */
#include "a2d/model.h"

static a2d_err mlp_layout(a2d_model *m, const int64_t *hidden, int nhidden) {
  if (nhidden < 1)
    return A2D_ERROR(A2D_ERR_DECK, "[model] hidden: kind mlp needs at least one hidden size");
  if (nhidden + 1 > A2D_MAX_LAYERS)
    return A2D_ERROR(A2D_ERR_DECK, "[model] hidden: at most %d hidden layers", A2D_MAX_LAYERS - 1);
  m->nlayers = nhidden + 1;
  for (int i = 0; i < nhidden; i++) m->width[i + 1] = hidden[i];
  A2D_CHECK(a2d_model_finish_layout(m));
  return A2D_OK;
}

const a2d_model_kind a2d_model_mlp = {"mlp", "multilayer perceptron: ReLU hidden layers",
                                      mlp_layout};
