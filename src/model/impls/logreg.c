/* logreg.c - model kind `logreg`: multinomial logistic regression, one dense layer. */
#include "a2d/model.h"

static a2d_err logreg_layout(a2d_model *m, const int64_t *hidden, int nhidden) {
  (void)hidden;
  (void)nhidden; /* [model] hidden does not apply */
  m->nlayers = 1;
  A2D_CHECK(a2d_model_finish_layout(m));
  return A2D_OK;
}

const a2d_model_kind a2d_model_logreg = {
    "logreg", "multinomial logistic regression (softmax of one dense layer)", logreg_layout};
