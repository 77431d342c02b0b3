/* finetune.c - passes of SGD or Adam with caller-chosen losses (a2d/finetune.h). */
#include "a2d/finetune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

struct a2d_finetuner {
  const a2d_model *model;
  a2d_finetune_config cfg;
  a2d_workspace *ws;
  float *grad, *m1, *m2, *xbatch; /* m1: momentum or Adam's first moment; m2: second moment */
  int64_t *order, *batch_rows, order_cap;
  int64_t steps; /* Adam's bias-correction counter */
};

a2d_err a2d_finetune_config_from_deck(const a2d_deck *deck, const char *section,
                                      a2d_finetune_config *c) {
  int opt;
  memset(c, 0, sizeof *c);
  A2D_CHECK(a2d_deck_enum(deck, section, "optimizer", &opt));
  A2D_CHECK(a2d_deck_real(deck, section, "lr", &c->lr));
  A2D_CHECK(a2d_deck_real(deck, section, "lr_decay", &c->lr_decay));
  A2D_CHECK(a2d_deck_int(deck, section, "epochs", &c->epochs));
  A2D_CHECK(a2d_deck_int(deck, section, "batch", &c->batch));
  A2D_CHECK(a2d_deck_real(deck, section, "momentum", &c->momentum));
  A2D_CHECK(a2d_deck_real(deck, section, "weight_decay", &c->weight_decay));
  c->optimizer = (a2d_optimizer)opt;
  return A2D_OK;
}

double a2d_finetune_lr(const a2d_finetune_config *cfg, int64_t epoch) {
  return cfg->lr * pow(cfg->lr_decay, (double)epoch);
}

a2d_err a2d_finetuner_create(const a2d_model *model, const a2d_finetune_config *cfg,
                             a2d_finetuner **out) {
  a2d_err err = A2D_OK;
  a2d_finetuner *ft = NULL;
  *out = NULL;
  if (model->classes > 256)
    return A2D_ERROR(A2D_ERR_DATA, "fine-tuning supports at most 256 classes, not %lld",
                     (long long)model->classes);
  A2D_TRY(A2D_CALLOC(ft, 1));
  ft->model = model;
  ft->cfg = *cfg;
  A2D_TRY(a2d_workspace_create(model, cfg->batch, &ft->ws));
  A2D_TRY(A2D_CALLOC(ft->grad, model->nparams));
  A2D_TRY(A2D_CALLOC(ft->m1, model->nparams));
  A2D_TRY(A2D_CALLOC(ft->m2, model->nparams));
  A2D_TRY(A2D_CALLOC(ft->xbatch, cfg->batch * model->d));
  A2D_TRY(A2D_CALLOC(ft->batch_rows, cfg->batch));
  *out = ft;
  return A2D_OK;
cleanup:
  a2d_finetuner_destroy(&ft);
  return err;
}

void a2d_finetuner_destroy(a2d_finetuner **ft) {
  if (!*ft) return;
  a2d_workspace_destroy(&(*ft)->ws);
  free((*ft)->grad);
  free((*ft)->m1);
  free((*ft)->m2);
  free((*ft)->xbatch);
  free((*ft)->order);
  free((*ft)->batch_rows);
  free(*ft);
  *ft = NULL;
}

/* One optimizer step with the gradient in ft->grad. */
static void optimizer_step(a2d_finetuner *ft, float *params, double lr) {
  const int64_t P = ft->model->nparams;
  const float wd = (float)ft->cfg.weight_decay, eta = (float)lr;
  float *g = ft->grad, *m = ft->m1, *v = ft->m2;
  if (ft->cfg.optimizer == A2D_OPT_SGD) {
    a2d_sgd_momentum_step(params, m, g, P, eta, (float)ft->cfg.momentum, wd);
    return;
  }
  /* Adam as torch.optim.Adam: decay added to the gradient, bias-corrected moments. */
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  ft->steps++;
  const float c1 = (float)(1.0 - pow(b1, (double)ft->steps));
  const float c2 = (float)sqrt(1.0 - pow(b2, (double)ft->steps));
  for (int64_t i = 0; i < P; i++) {
    float gi = g[i] + wd * params[i];
    m[i] = (float)b1 * m[i] + (float)(1.0 - b1) * gi;
    v[i] = (float)b2 * v[i] + (float)(1.0 - b2) * gi * gi;
    params[i] -= eta * (m[i] / c1) / (sqrtf(v[i]) / c2 + (float)eps);
  }
}

a2d_err a2d_finetune_pass(a2d_finetuner *ft, float *params, const float *x, const int64_t *rows,
                          int64_t nrows, a2d_rng *rng, double lr, a2d_batch_loss loss, void *ctx,
                          int64_t *examples, double *mean_loss) {
  const a2d_model *m = ft->model;
  const int64_t B = ft->cfg.batch, d = m->d;
  if (mean_loss) *mean_loss = 0.0;
  if (nrows <= 0) return A2D_OK;
  A2D_CHECK(a2d_order_reserve(&ft->order, &ft->order_cap, nrows));
  memcpy(ft->order, rows, (size_t)nrows * sizeof *rows);
  a2d_rng_shuffle(rng, ft->order, nrows);
  double total = 0.0;
  for (int64_t i0 = 0; i0 < nrows; i0 += B) {
    const int64_t b = nrows - i0 < B ? nrows - i0 : B;
    memcpy(ft->batch_rows, ft->order + i0, (size_t)b * sizeof(int64_t));
    a2d_gather_rows(x, d, ft->batch_rows, b, ft->xbatch);
    a2d_model_forward(m, params, ft->xbatch, b, ft->ws);
    double l = loss(ctx, ft->batch_rows, b, ft->ws->logits, m->classes, ft->ws->dlogits);
    if (!isfinite(l))
      return A2D_ERROR(A2D_ERR_DIVERGED,
                       "fine-tune diverged (loss %g); lower the method's lr in its [unlearn.*] "
                       "section",
                       l);
    a2d_model_backward(m, params, ft->ws, b, ft->grad);
    optimizer_step(ft, params, lr);
    total += l * (double)b;
  }
  *examples += nrows;
  if (mean_loss) *mean_loss = total / (double)nrows;
  return A2D_OK;
}

/* ------------------------------------------------------------------ losses */

double a2d_loss_labels(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                       int64_t classes, float *dlogits) {
  const a2d_label_loss *c = ctx;
  int32_t labels[512];
  double total = 0.0;
  /* Cross-entropy in pieces of up to 512 rows, each piece's gradient scaled to the whole batch. */
  for (int64_t i0 = 0; i0 < b; i0 += 512) {
    const int64_t nb = b - i0 < 512 ? b - i0 : 512;
    for (int64_t i = 0; i < nb; i++) labels[i] = c->y[rows[i0 + i]];
    double l =
        a2d_loss_cross_entropy(logits + i0 * classes, labels, nb, classes, dlogits + i0 * classes);
    const float s = (float)(c->scale * (double)nb / (double)b);
    for (int64_t j = 0; j < nb * classes; j++) dlogits[i0 * classes + j] *= s;
    total += l * (double)nb;
  }
  return c->scale * total / (double)b;
}

/* Softmax of z over all classes except `skip` (-1: none) at temperature T into p. */
static void softmax_t(const float *z, int64_t C, int32_t skip, double T, double *p) {
  double mx = -INFINITY, s = 0.0;
  for (int64_t c = 0; c < C; c++)
    if (c != skip && z[c] / T > mx) mx = z[c] / T;
  for (int64_t c = 0; c < C; c++) {
    p[c] = c == skip ? 0.0 : exp(z[c] / T - mx);
    s += p[c];
  }
  for (int64_t c = 0; c < C; c++) p[c] /= s;
}

double a2d_loss_match(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                      int64_t classes, float *dlogits) {
  const a2d_match_loss *c = ctx;
  double total = 0.0, p[256];
  for (int64_t i = 0; i < b; i++) {
    const float *z = logits + i * classes;
    float *dz = dlogits + i * classes;
    if (c->target_logits) {
      const float *t = c->target_logits + rows[i] * classes;
      for (int64_t k = 0; k < classes; k++) {
        double e = (double)z[k] - (double)t[k];
        total += e * e;
        dz[k] = (float)(2.0 * e / (double)b);
      }
    } else {
      /* margin = z_y - logsumexp_{c != y} z_c; d margin / d z_c = -softmax_{-y}(z)_c. */
      const int32_t y = c->y[rows[i]];
      double e = (double)a2d_margin(z, y, classes) - (double)c->target_margins[rows[i]];
      total += e * e;
      softmax_t(z, classes, y, 1.0, p);
      for (int64_t k = 0; k < classes; k++)
        dz[k] = (float)(2.0 * e * (k == y ? 1.0 : -p[k]) / (double)b);
    }
  }
  return total / (double)b;
}

double a2d_loss_distill(void *ctx, const int64_t *rows, int64_t b, const float *logits,
                        int64_t classes, float *dlogits) {
  const a2d_distill_loss *c = ctx;
  const double T = c->temperature;
  double total = 0.0, ps[256], pt[256], q[256];
  for (int64_t i = 0; i < b; i++) {
    const float *z = logits + i * classes, *zt = c->teacher_logits + rows[i] * classes;
    float *dz = dlogits + i * classes;
    const int32_t y = c->y[rows[i]];
    softmax_t(z, classes, -1, T, ps);  /* student at temperature T */
    softmax_t(zt, classes, -1, T, pt); /* teacher at temperature T */
    softmax_t(z, classes, -1, 1.0, q); /* student, for the cross-entropy */
    double kl = 0.0;
    for (int64_t k = 0; k < classes; k++)
      if (pt[k] > 0) kl += pt[k] * (log(pt[k]) - log(ps[k] > 1e-300 ? ps[k] : 1e-300));
    const double ce = -log(q[y] > 1e-300 ? q[y] : 1e-300);
    total += c->kl_weight * T * T * kl + c->ce_weight * ce;
    /* d/dz of T^2 KL(teacher_T || student_T) is T (ps - pt); of the cross-entropy q - onehot. */
    for (int64_t k = 0; k < classes; k++) {
      double g = c->kl_weight * T * (ps[k] - pt[k]) + c->ce_weight * (q[k] - (k == y ? 1.0 : 0.0));
      dz[k] = (float)(g / (double)b);
    }
  }
  return total / (double)b;
}
