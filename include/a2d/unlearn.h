/*
 * a2d/unlearn.h - unlearning methods: from a trained model and a forget set
 * to an unlearned model (or, for outputs-only methods, predicted outputs).
 *
 * A method is named in the deck ([unlearn] methods) and found in a registry
 * (src/unlearn/registry.c), like PETSc's KSPSetType: each method is one file
 * under src/unlearn/impls/ that fills in an a2d_unlearn_method, and reads its
 * hyperparameters from its own deck section [unlearn.<name>].  Adding a
 * method is that file, its name in a2d/names.h (which builds both the
 * registry and the deck's choices) and one schema section.
 *
 * A method works on one problem: one base model, one forget set, everything
 * in memory on the calling rank (stage `unlearn` hands problems out to ranks).
 * Its settings are read from the deck once per job (a method and a deck),
 * not once per problem:
 *
 *   const a2d_unlearn_method *m = a2d_unlearn_find("ga");
 *   void *settings;
 *   A2D_CHECK(a2d_unlearn_settings_read(m, deck, &settings));
 *   a2d_unlearn_problem p = {.model = &model, .settings = settings, .x = x, ...};
 *   a2d_unlearn_result r = {.params = out_params};
 *   A2D_CHECK(m->run(&p, &r));      // for each problem
 *   free(settings);
 *
 * Every method's randomness comes from p->rng, which the stage seeds from
 * ([unlearn] seed, forget set, method, base model), never from the rank.
 */
#ifndef A2D_UNLEARN_H
#define A2D_UNLEARN_H

#include <stdint.h>

#include "a2d/deck.h"
#include "a2d/error.h"
#include "a2d/model.h"
#include "a2d/rng.h"

/* What a method needs the stage to provide beside the base model. */
enum {
  A2D_UNLEARN_NEEDS_TEACHER = 1,   /* teacher_logits: a model retrained on the retain set */
  A2D_UNLEARN_NEEDS_DATAMODEL = 2, /* target_*: datamodel-predicted outputs */
  A2D_UNLEARN_LOGREG_ONLY = 4,     /* only for [model] kind = logreg */
  A2D_UNLEARN_OUTPUTS_ONLY = 8     /* gives margins, not a model */
};

/*
 * An unlearned model with a margin beyond this (or not finite) diverged,
 * even if its loss stayed finite: ten times KLoM's clip (a2d/klom.h).
 */
#define A2D_UNLEARN_BLOWN_UP 1000.0

typedef struct a2d_unlearn_problem {
  const a2d_model *model;
  const void *settings;  /* the method's settings (a2d_unlearn_settings_read) */
  const float *x;        /* training examples, n x d */
  const int32_t *y;      /* their labels */
  int64_t n;             /* training examples */
  int64_t n_val;         /* validation examples (outputs-only methods) */
  const int32_t *y_val;  /* their labels */
  const int64_t *forget; /* forget set, sorted indices into [0, n) */
  int64_t nforget;
  const int64_t *retain; /* the other training points, sorted */
  int64_t nretain;
  const float *params0;      /* the trained model's parameters (P) */
  const float *base_logits;  /* its logits on the training points, n x C */
  double train_weight_decay; /* [train] weight_decay: L2 strength of the training objective */

  /* A2D_UNLEARN_NEEDS_TEACHER: the teacher's logits on the training points, n x C. */
  const float *teacher_logits;

  /*
   * A2D_UNLEARN_NEEDS_DATAMODEL: predicted outputs in the method's `form`,
   * logits (n x C; NULL with margin datamodels) and margins (n, and n_val on
   * the validation points).
   */
  const float *target_logits;
  const float *target_logits_val; /* n_val x C, with target_logits */
  const float *target_margins;
  const float *target_margins_val;

  a2d_rng rng; /* the problem's randomness (data order, retain samples) */
} a2d_unlearn_problem;

typedef struct a2d_unlearn_result {
  float *params;        /* model methods: the unlearned parameters (P), caller-allocated */
  float *margins;       /* outputs-only methods: margins on the training points (n) ... */
  float *margins_val;   /* ... and on the validation points (n_val), caller-allocated */
  uint8_t *correct;     /* outputs-only methods: predicted class right, training points ... */
  uint8_t *correct_val; /* ... and validation points */
  int64_t examples;     /* cost: examples through a forward and backward pass */
} a2d_unlearn_result;

typedef struct a2d_unlearn_method {
  const char *name;    /* as in the deck; its section is [unlearn.<name>] */
  const char *summary; /* one line for docs and logs */
  unsigned needs;      /* A2D_UNLEARN_* flags */
  /* The method's settings: read_settings fills a block of settings_size
     bytes from the deck section, which run then finds in p->settings.
     0 and NULL for a method without settings. */
  size_t settings_size;
  a2d_err (*read_settings)(const a2d_deck *deck, const char *section, void *settings);
  a2d_err (*run)(const a2d_unlearn_problem *p, a2d_unlearn_result *r);
  /* Refuse what the deck alone shows the method cannot run, before any stage
     runs (`a2d check`, and the unlearn stage's check); NULL: nothing to check. */
  a2d_err (*check)(const a2d_deck *deck, const char *section);
} a2d_unlearn_method;

/* `match` of [unlearn.om] and [unlearn.dmm], in the deck's order auto|logits|margin. */
typedef enum a2d_match { A2D_MATCH_AUTO = 0, A2D_MATCH_LOGITS = 1, A2D_MATCH_MARGIN = 2 } a2d_match;

/* The methods, terminated by NULL (src/unlearn/registry.c). */
extern const a2d_unlearn_method *const a2d_unlearn_methods[];

/* The method called `name`, or NULL. */
const a2d_unlearn_method *a2d_unlearn_find(const char *name);

/* Method m's settings from deck into a new block *settings (free it; NULL when m has none). */
a2d_err a2d_unlearn_settings_read(const a2d_unlearn_method *m, const a2d_deck *deck,
                                  void **settings);

/* The deck section of a method: "unlearn.<name>" into buf. */
const char *a2d_unlearn_section(const a2d_unlearn_method *m, char *buf, size_t size);

/* ---- the methods (src/unlearn/impls/<name>.c) ---- */
extern const a2d_unlearn_method a2d_unlearn_none, a2d_unlearn_ga, a2d_unlearn_gd,
    a2d_unlearn_ascent_descent, a2d_unlearn_scrub, a2d_unlearn_om, a2d_unlearn_dm_direct,
    a2d_unlearn_dmm, a2d_unlearn_newton;

#endif
