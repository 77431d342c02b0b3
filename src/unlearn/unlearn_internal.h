/* unlearn_internal.h - pieces the unlearning methods share (src/unlearn). */
#ifndef A2D_UNLEARN_INTERNAL_H
#define A2D_UNLEARN_INTERNAL_H

#include "a2d/finetune.h"
#include "a2d/unlearn.h"

/* Copy the trained parameters into the result: where every model method starts. */
void a2d_unlearn_start(const a2d_unlearn_problem *p, a2d_unlearn_result *r);

/* read_settings of a method whose settings are the fine-tune keys alone (a2d_finetune_config). */
a2d_err a2d_unlearn_read_finetune(const a2d_deck *deck, const char *section, void *settings);

/* Settings of a method that fine-tunes towards target outputs (om, dmm). */
typedef struct a2d_match_settings {
  a2d_finetune_config finetune;
  double retain_multiple; /* retain sample per epoch, in forget-set sizes */
  a2d_match match;        /* what is matched: auto, logits or margin */
} a2d_match_settings;

/* read_settings of om and dmm (a2d_match_settings). */
a2d_err a2d_unlearn_read_match(const a2d_deck *deck, const char *section, void *settings);

/*
 * The fine-tune cfg as `epochs` passes over rows[0..nrows) of cross-entropy
 * on the labels, descending (scale 1) or ascending (scale -1), from the
 * trained model.
 */
a2d_err a2d_unlearn_label_epochs(const a2d_unlearn_problem *p, const a2d_finetune_config *cfg,
                                 const int64_t *rows, int64_t nrows, double scale,
                                 a2d_unlearn_result *r);

/*
 * Oracle matching towards targets (logits n x C, or margins n when logits is
 * NULL or s->match says margin): each epoch one pass over the forget set plus
 * a fresh retain sample of s->retain_multiple times its size, minimising the
 * squared error.
 */
a2d_err a2d_unlearn_match(const a2d_unlearn_problem *p, const a2d_match_settings *s,
                          const float *target_logits, const float *target_margins,
                          a2d_unlearn_result *r);

#endif
