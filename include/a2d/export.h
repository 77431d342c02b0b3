/*
 * a2d/export.h - `a2d export`: what a study holds, written in the import
 * layout (docs/import.md) for work outside a2d.
 *
 *   study    every model output the study file has (labels and features,
 *            the ensemble, the LDS models, the base models, the forget sets,
 *            the oracles and the unlearned models), so that another study
 *            can import them ([... ] source = import);
 *   targets  DMM's targets for a forget set: the datamodel-predicted outputs
 *            of every base model with the forget set removed, anchored on its
 *            own outputs as stage unlearn forms them ([unlearn.dmm] form and
 *            group term, with stage tune's choice), on every training and
 *            validation point: targets/<forget>/margins_train (K x n),
 *            margins_val (K x n_val), and logits_train, logits_val
 *            (K x n x C) with per-class datamodels; with the forget set's
 *            indices and the labels, so that a fine-tune elsewhere can match
 *            them on the forget points and a retain sample of its choosing;
 *   params   the unlearned parameters of a method of a2d's own (stage
 *            unlearn's computation, the same randomness, so the same models)
 *            from every base model: unlearn/<forget>/<method>/params (K x P,
 *            the layout of /train/params, docs/study-file.md).
 *
 * `out` ending in .h5 is an HDF5 file, anything else a folder of .npy files.
 * Collective; rank 0 writes.
 */
#ifndef A2D_EXPORT_H
#define A2D_EXPORT_H

#include "a2d/stage.h"

typedef enum a2d_export_what {
  A2D_EXPORT_STUDY,
  A2D_EXPORT_TARGETS,
  A2D_EXPORT_PARAMS
} a2d_export_what;

/* The deck's study file (ctx->store open for reading) into `out`; forget and method as above. */
a2d_err a2d_export(a2d_context *ctx, a2d_export_what what, const char *forget, const char *method,
                   const char *out);

#endif
