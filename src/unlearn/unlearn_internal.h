/* unlearn_internal.h - pieces the unlearning methods share (src/unlearn). */
#ifndef A2D_UNLEARN_INTERNAL_H
#define A2D_UNLEARN_INTERNAL_H

#include "a2d/finetune.h"
#include "a2d/unlearn.h"

/* Copy the trained parameters into the result: where every model method starts. */
void a2d_unlearn_start(const a2d_unlearn_problem *p, a2d_unlearn_result *r);

/*
 * The fine-tune of `section` as `epochs` passes over rows[0..nrows) of
 * cross-entropy on the labels, descending (scale 1) or ascending (scale -1),
 * from the trained model.
 */
a2d_err a2d_unlearn_label_epochs(const a2d_unlearn_problem *p, const char *section,
                                 const int64_t *rows, int64_t nrows, double scale,
                                 a2d_unlearn_result *r);

/*
 * Oracle matching towards targets (logits n x C, or margins n when logits is
 * NULL or the section's `match` says margin): each epoch one pass over the
 * forget set plus a fresh retain sample of `retain_multiple` times its size,
 * minimising the squared error.  Reads the fine-tune keys of `section`.
 */
a2d_err a2d_unlearn_match(const a2d_unlearn_problem *p, const char *section,
                          const float *target_logits, const float *target_margins,
                          a2d_unlearn_result *r);

#endif
