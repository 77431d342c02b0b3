/*
 * a2d/model.h - classifiers: dense ReLU networks on float32, forward and
 * backward through BLAS GEMM.
 *
 * A model kind is named in the deck ([model] kind) and found in a registry
 * (src/model/registry.c), like PETSc's KSPSetType: each kind is one file under
 * src/model/impls/ that fills in an a2d_model_kind.  Today's kinds: `logreg`
 * (multinomial logistic regression: one dense layer) and `mlp` (hidden dense
 * layers with ReLU, sizes from [model] hidden).
 *
 * Parameters are one flat float32 vector of length P, layer after layer: the
 * weights W_l (fan_in x fan_out, row-major, so Z = H W + b) then the biases
 * b_l.  Activations and gradients live in an a2d_workspace sized for a
 * maximum batch.
 *
 *   a2d_model m;
 *   A2D_CHECK(a2d_model_setup(&m, "mlp", d, classes, hidden, nhidden));
 *   a2d_workspace *ws;
 *   A2D_CHECK(a2d_workspace_create(&m, 256, &ws));
 *   a2d_model_init(&m, params, &rng);
 *   a2d_model_forward(&m, params, x, b, ws);          // logits in ws->logits
 *   a2d_loss_cross_entropy(ws->logits, y, b, C, ws->dlogits);
 *   a2d_model_backward(&m, params, ws, b, grad);      // grad of the mean loss
 *   A2D_CHECK(a2d_model_predict(&m, params, x, y, n, NULL, margins, NULL, &right));
 */
#ifndef A2D_MODEL_H
#define A2D_MODEL_H

#include <stdint.h>

#include "a2d/error.h"
#include "a2d/rng.h"

#define A2D_MAX_LAYERS 8

typedef struct a2d_model a2d_model;

/* A model kind: its name and how it lays out its layers. */
typedef struct a2d_model_kind {
  const char *name;
  const char *summary;
  /* Fill m->nlayers and m->width[] from the input size, classes and hidden sizes. */
  a2d_err (*layout)(a2d_model *m, const int64_t *hidden, int nhidden);
} a2d_model_kind;

struct a2d_model {
  const a2d_model_kind *kind;
  int64_t d;                         /* input features */
  int64_t classes;                   /* outputs (logits) */
  int nlayers;                       /* dense layers */
  int64_t width[A2D_MAX_LAYERS + 1]; /* width[0] = d, width[nlayers] = classes */
  int64_t w_offset[A2D_MAX_LAYERS];  /* where W_l starts in the parameter vector */
  int64_t b_offset[A2D_MAX_LAYERS];  /* where b_l starts */
  int64_t nparams;                   /* P */
};

/* Activations of one batch, and scratch space for the backward pass. */
typedef struct a2d_workspace {
  int64_t max_batch;
  float *act[A2D_MAX_LAYERS + 1]; /* act[0] = input copy is not kept; act[l] = output of layer l */
  float *delta[2];                /* ping-pong buffers for back-propagated gradients */
  float *logits;                  /* = act[nlayers]: max_batch x classes */
  float *dlogits;                 /* gradient of the loss w.r.t. the logits */
  const float *input;             /* the batch last passed to forward */
} a2d_workspace;

/* The kinds, terminated by {NULL} (src/model/registry.c). */
extern const a2d_model_kind *const a2d_model_kinds[];

/* Choices string for the deck: "logreg|mlp". */
const char *a2d_model_kind_choices(void);

/* Set up `m` as a model of kind `kind` for d inputs and `classes` outputs. */
a2d_err a2d_model_setup(a2d_model *m, const char *kind, int64_t d, int64_t classes,
                        const int64_t *hidden, int nhidden);

/* The deck's [model] section and the data shape -> a model. */
struct a2d_deck;
a2d_err a2d_model_from_deck(const struct a2d_deck *deck, int64_t d, int64_t classes, a2d_model *m);

/* Compute offsets and nparams from nlayers/width (used by the kinds' layout). */
a2d_err a2d_model_finish_layout(a2d_model *m);

/* Workspace for batches of up to max_batch examples. */
a2d_err a2d_workspace_create(const a2d_model *m, int64_t max_batch, a2d_workspace **ws);
void a2d_workspace_destroy(a2d_workspace **ws);

/* PyTorch-style initialisation: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
void a2d_model_init(const a2d_model *m, float *params, a2d_rng *rng);

/* Logits of b <= max_batch examples x (b x d) into ws->logits (b x classes). */
void a2d_model_forward(const a2d_model *m, const float *params, const float *x, int64_t b,
                       a2d_workspace *ws);

/*
 * Gradient of a loss with respect to the parameters, given its gradient with
 * respect to the logits in ws->dlogits, after a2d_model_forward on the same
 * batch.  Overwrites grad (length nparams).
 */
void a2d_model_backward(const a2d_model *m, const float *params, a2d_workspace *ws, int64_t b,
                        float *grad);

/*
 * Per-example gradients: row i of G (b x nparams, laid out as the
 * parameters) is the gradient with respect to the parameters of an output of
 * example i alone, whose gradient with respect to that example's logits is
 * row i of ws->dlogits (not divided by b), after a2d_model_forward on the
 * same batch.  Row i of G is dW_l = h_i delta_i^T and db_l = delta_i for each
 * layer: what a2d_model_backward sums over the batch.
 */
void a2d_model_example_gradients(const a2d_model *m, const float *params, a2d_workspace *ws,
                                 int64_t b, float *G);

/* ---- losses and outputs ---- */

/*
 * Mean cross-entropy of b rows of logits against labels y; writes its gradient
 * w.r.t. the logits (softmax - onehot) / b into dlogits (may be NULL) and
 * returns the loss.  Stable for any logits.
 */
double a2d_loss_cross_entropy(const float *logits, const int32_t *y, int64_t b, int64_t classes,
                              float *dlogits);

/* Margin of one logit row: z_y - log(sum over c != y of exp z_c), computed stably. */
float a2d_margin(const float *logits, int32_t y, int64_t classes);

/*
 * Gradient of each of b rows' margins with respect to its logits into g
 * (b x classes): 1 at the label, -softmax over the other classes elsewhere.
 */
void a2d_margin_gradient(const float *logits, const int32_t *y, int64_t b, int64_t classes,
                         float *g);

/* Index of the largest logit. */
int32_t a2d_argmax(const float *logits, int64_t classes);

/*
 * Every output of a model that a stage records (logits, margins, right or
 * wrong) comes from a2d_model_predict, in forward passes over consecutive
 * batches of A2D_PREDICT_BATCH examples from the first.  BLAS kernels may
 * round a row differently with the shape of its GEMM and its position in it
 * (OpenBLAS's Haswell kernels do), so one fixed batching is what makes the
 * same model on the same examples give the same bits, whichever stage asks.
 */
#define A2D_PREDICT_BATCH 256

/*
 * Outputs of params on n examples x (n x d) with labels y, each wanted one
 * non-NULL: logits (n x C), margins (n), correct (n flags: the argmax is the
 * label) and *ncorrect (their count).  Uses a workspace of its own.
 */
a2d_err a2d_model_predict(const a2d_model *m, const float *params, const float *x, const int32_t *y,
                          int64_t n, float *logits, float *margins, uint8_t *correct,
                          int64_t *ncorrect);

#endif
