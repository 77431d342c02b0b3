/* batch.c - the minibatch pieces training and fine-tuning share (batch.h). */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

a2d_err a2d_order_reserve(int64_t **order, int64_t *cap, int64_t n) {
  if (n <= *cap) return A2D_OK;
  free(*order);
  *order = NULL;
  *cap = 0;
  A2D_CHECK(A2D_CALLOC(*order, n));
  *cap = n;
  return A2D_OK;
}

void a2d_gather_rows(const float *x, int64_t d, const int64_t *rows, int64_t b, float *xbatch) {
  for (int64_t i = 0; i < b; i++)
    memcpy(xbatch + i * d, x + rows[i] * d, (size_t)d * sizeof(float));
}

void a2d_sgd_momentum_step(float *params, float *velocity, const float *grad, int64_t nparams,
                           float eta, float mu, float wd) {
  for (int64_t i = 0; i < nparams; i++) {
    velocity[i] = mu * velocity[i] + grad[i] + wd * params[i];
    params[i] -= eta * velocity[i];
  }
}
