/*
 * model.c - dense ReLU networks on float32 through BLAS GEMM (a2d/model.h):
 * layout, workspaces, initialisation, forward and backward passes.
 */
#include "a2d/model.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"

a2d_err a2d_model_setup(a2d_model *m, const char *kind, int64_t d, int64_t classes,
                        const int64_t *hidden, int nhidden) {
  memset(m, 0, sizeof *m);
  for (int i = 0; a2d_model_kinds[i]; i++)
    if (!strcmp(a2d_model_kinds[i]->name, kind)) m->kind = a2d_model_kinds[i];
  if (!m->kind)
    return A2D_ERROR(A2D_ERR_DECK, "[model] kind: unknown model kind \"%s\" (known: %s)", kind,
                     a2d_model_kind_choices());
  if (d < 1 || classes < 2)
    return A2D_ERROR(A2D_ERR_DATA,
                     "a model needs at least 1 feature and 2 classes (got %lld, %lld)",
                     (long long)d, (long long)classes);
  m->d = d;
  m->classes = classes;
  A2D_CHECK(m->kind->layout(m, hidden, nhidden));
  return A2D_OK;
}

a2d_err a2d_model_finish_layout(a2d_model *m) {
  if (m->nlayers < 1 || m->nlayers > A2D_MAX_LAYERS)
    return A2D_ERROR(A2D_ERR_DECK, "[model] hidden: at most %d hidden layers", A2D_MAX_LAYERS - 1);
  m->width[0] = m->d;
  m->width[m->nlayers] = m->classes;
  int64_t p = 0;
  for (int l = 0; l < m->nlayers; l++) {
    m->w_offset[l] = p;
    p += m->width[l] * m->width[l + 1];
    m->b_offset[l] = p;
    p += m->width[l + 1];
  }
  m->nparams = p;
  return A2D_OK;
}

a2d_err a2d_model_from_deck(const a2d_deck *deck, int64_t d, int64_t classes, a2d_model *m) {
  int nhidden;
  int64_t hidden[A2D_MAX_LAYERS];
  const char *kind;
  A2D_CHECK(a2d_deck_choice(deck, "model", "kind", &kind));
  A2D_CHECK(a2d_deck_list_len(deck, "model", "hidden", &nhidden));
  if (nhidden >= A2D_MAX_LAYERS)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [model] hidden: at most %d hidden layers",
                     a2d_deck_origin(deck, "model", "hidden"), A2D_MAX_LAYERS - 1);
  for (int i = 0; i < nhidden; i++)
    A2D_CHECK(a2d_deck_list_int(deck, "model", "hidden", i, &hidden[i]));
  A2D_CHECK(a2d_model_setup(m, kind, d, classes, hidden, nhidden));
  return A2D_OK;
}

a2d_err a2d_workspace_create(const a2d_model *m, int64_t max_batch, a2d_workspace **out) {
  a2d_err err = A2D_OK;
  a2d_workspace *ws = NULL;
  int64_t widest = 1;
  *out = NULL;
  A2D_TRY(A2D_CALLOC(ws, 1));
  ws->max_batch = max_batch;
  for (int l = 1; l <= m->nlayers; l++) {
    A2D_TRY(A2D_CALLOC(ws->act[l], max_batch * m->width[l]));
    if (l < m->nlayers && m->width[l] > widest) widest = m->width[l];
  }
  for (int i = 0; i < 2; i++) A2D_TRY(A2D_CALLOC(ws->delta[i], max_batch * widest));
  A2D_TRY(A2D_CALLOC(ws->dlogits, max_batch * m->classes));
  ws->logits = ws->act[m->nlayers];
  *out = ws;
  return A2D_OK;
cleanup:
  a2d_workspace_destroy(&ws);
  return err;
}

void a2d_workspace_destroy(a2d_workspace **ws) {
  if (!*ws) return;
  for (int l = 0; l <= A2D_MAX_LAYERS; l++) free((*ws)->act[l]);
  free((*ws)->delta[0]);
  free((*ws)->delta[1]);
  free((*ws)->dlogits);
  free(*ws);
  *ws = NULL;
}

void a2d_model_init(const a2d_model *m, float *params, a2d_rng *rng) {
  for (int l = 0; l < m->nlayers; l++) {
    float bound = (float)(1.0 / sqrt((double)m->width[l]));
    int64_t nw = m->width[l] * m->width[l + 1];
    float *w = params + m->w_offset[l], *b = params + m->b_offset[l];
    for (int64_t i = 0; i < nw; i++) w[i] = bound * (float)(2.0 * a2d_rng_uniform(rng) - 1.0);
    for (int64_t j = 0; j < m->width[l + 1]; j++)
      b[j] = bound * (float)(2.0 * a2d_rng_uniform(rng) - 1.0);
  }
}

void a2d_model_forward(const a2d_model *m, const float *params, const float *x, int64_t b,
                       a2d_workspace *ws) {
  const float *h = x;
  ws->input = x;
  for (int l = 0; l < m->nlayers; l++) {
    const int64_t in = m->width[l], out = m->width[l + 1];
    const float *w = params + m->w_offset[l], *bias = params + m->b_offset[l];
    float *z = ws->act[l + 1];
    for (int64_t i = 0; i < b; i++) memcpy(z + i * out, bias, (size_t)out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)out, (int)in, 1.0f, h,
                (int)in, w, (int)out, 1.0f, z, (int)out);
    if (l + 1 < m->nlayers)
      for (int64_t i = 0; i < b * out; i++) z[i] = z[i] > 0.0f ? z[i] : 0.0f;
    h = z;
  }
}

/*
 * The gradient with respect to layer l's input, from delta (with respect to
 * its output): (delta W_l^T) masked by the ReLU that made the input h, into
 * one of the workspace's ping-pong buffers.
 */
static const float *delta_below(const a2d_model *m, const float *params, a2d_workspace *ws, int l,
                                int64_t b, const float *delta, const float *h) {
  const int64_t in = m->width[l], out = m->width[l + 1];
  float *prev = ws->delta[l % 2];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)in, (int)out, 1.0f, delta,
              (int)out, params + m->w_offset[l], (int)out, 0.0f, prev, (int)in);
  for (int64_t i = 0; i < b * in; i++)
    if (!(h[i] > 0.0f)) prev[i] = 0.0f;
  return prev;
}

void a2d_model_backward(const a2d_model *m, const float *params, a2d_workspace *ws, int64_t b,
                        float *grad) {
  const float *delta = ws->dlogits;
  for (int l = m->nlayers - 1; l >= 0; l--) {
    const int64_t in = m->width[l], out = m->width[l + 1];
    const float *h = l == 0 ? ws->input : ws->act[l];
    float *gw = grad + m->w_offset[l], *gb = grad + m->b_offset[l];
    /* dW = H^T delta;  db = column sums of delta. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)in, (int)out, (int)b, 1.0f, h,
                (int)in, delta, (int)out, 0.0f, gw, (int)out);
    memset(gb, 0, (size_t)out * sizeof(float));
    for (int64_t i = 0; i < b; i++)
      for (int64_t j = 0; j < out; j++) gb[j] += delta[i * out + j];
    if (l == 0) break;
    delta = delta_below(m, params, ws, l, b, delta, h);
  }
}

void a2d_model_example_gradients(const a2d_model *m, const float *params, a2d_workspace *ws,
                                 int64_t b, float *G) {
  const int64_t P = m->nparams;
  const float *delta = ws->dlogits;
  for (int l = m->nlayers - 1; l >= 0; l--) {
    const int64_t in = m->width[l], out = m->width[l + 1];
    const float *h = l == 0 ? ws->input : ws->act[l];
    for (int64_t i = 0; i < b; i++) {
      float *gw = G + i * P + m->w_offset[l], *gb = G + i * P + m->b_offset[l];
      const float *hi = h + i * in, *di = delta + i * out;
      for (int64_t j = 0; j < in; j++)
        for (int64_t c = 0; c < out; c++) gw[j * out + c] = hi[j] * di[c];
      memcpy(gb, di, (size_t)out * sizeof(float));
    }
    if (l == 0) break;
    delta = delta_below(m, params, ws, l, b, delta, h);
  }
}

void a2d_margin_gradient(const float *logits, const int32_t *y, int64_t b, int64_t classes,
                         float *g) {
  for (int64_t i = 0; i < b; i++) {
    const float *z = logits + i * classes;
    float *gi = g + i * classes;
    float zmax = -INFINITY;
    for (int64_t c = 0; c < classes; c++)
      if (c != y[i] && z[c] > zmax) zmax = z[c];
    double sum = 0.0;
    for (int64_t c = 0; c < classes; c++)
      if (c != y[i]) sum += exp((double)(z[c] - zmax));
    for (int64_t c = 0; c < classes; c++)
      gi[c] = c == y[i] ? 1.0f : (float)(-exp((double)(z[c] - zmax)) / sum);
  }
}

double a2d_loss_cross_entropy(const float *logits, const int32_t *y, int64_t b, int64_t classes,
                              float *dlogits) {
  double loss = 0.0;
  for (int64_t i = 0; i < b; i++) {
    const float *z = logits + i * classes;
    float zmax = z[0];
    for (int64_t c = 1; c < classes; c++) zmax = z[c] > zmax ? z[c] : zmax;
    double sum = 0.0;
    for (int64_t c = 0; c < classes; c++) sum += exp((double)(z[c] - zmax));
    loss += (double)zmax + log(sum) - (double)z[y[i]];
    if (!dlogits) continue;
    float *g = dlogits + i * classes;
    for (int64_t c = 0; c < classes; c++)
      g[c] = (float)(exp((double)(z[c] - zmax)) / sum / (double)b);
    g[y[i]] -= (float)(1.0 / (double)b);
  }
  return loss / (double)b;
}

float a2d_margin(const float *z, int32_t y, int64_t classes) {
  float other = -INFINITY;
  for (int64_t c = 0; c < classes; c++)
    if (c != y && z[c] > other) other = z[c];
  double sum = 0.0;
  for (int64_t c = 0; c < classes; c++)
    if (c != y) sum += exp((double)(z[c] - other));
  return (float)((double)z[y] - ((double)other + log(sum)));
}

int32_t a2d_argmax(const float *z, int64_t classes) {
  int32_t best = 0;
  for (int64_t c = 1; c < classes; c++)
    if (z[c] > z[best]) best = (int32_t)c;
  return best;
}

a2d_err a2d_model_predict(const a2d_model *m, const float *params, const float *x, const int32_t *y,
                          int64_t n, float *logits, float *margins, uint8_t *correct,
                          int64_t *ncorrect) {
  const int64_t C = m->classes, B = A2D_PREDICT_BATCH;
  a2d_workspace *ws = NULL;
  if (ncorrect) *ncorrect = 0;
  if (n < 1) return A2D_OK;
  A2D_CHECK(a2d_workspace_create(m, n < B ? n : B, &ws));
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    const int64_t b = n - i0 < B ? n - i0 : B;
    a2d_model_forward(m, params, x + i0 * m->d, b, ws);
    if (logits) memcpy(logits + i0 * C, ws->logits, (size_t)(b * C) * sizeof(float));
    for (int64_t i = 0; i < b; i++) {
      const float *z = ws->logits + i * C;
      if (margins) margins[i0 + i] = a2d_margin(z, y[i0 + i], C);
      if (!correct && !ncorrect) continue;
      const int right = a2d_argmax(z, C) == y[i0 + i];
      if (correct) correct[i0 + i] = (uint8_t)right;
      if (ncorrect) *ncorrect += right;
    }
  }
  a2d_workspace_destroy(&ws);
  return A2D_OK;
}
