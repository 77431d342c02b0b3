/*
 * stage_util.h - pieces the stages share: reading the prepared data and the
 * forget sets back from the study file, and training one model and recording
 * its outputs.
 */
#ifndef A2D_STAGE_UTIL_H
#define A2D_STAGE_UTIL_H

#include "a2d/data.h"
#include "a2d/import.h"
#include "a2d/model.h"
#include "a2d/stage.h"
#include "a2d/train.h"

/*
 * Read /data/<split> ("train" or "val") in full on every rank.  Data imported
 * without features (docs/import.md) has none: then A2D_ERR_DECK saying that
 * stage ctx->stage trains models and should import its outputs instead.
 */
a2d_err a2d_stage_read_split(a2d_context *ctx, const char *split, a2d_dataset *ds);

/* As a2d_stage_read_split without the features (ds->x NULL, ds->d 0): labels and indices. */
a2d_err a2d_stage_read_labels(a2d_context *ctx, const char *split, a2d_dataset *ds);

/* A copy of `path` (caller frees), taken from the deck file's folder when relative. */
a2d_err a2d_stage_resolve_path(const a2d_deck *deck, const char *path, char **out);

/*
 * Open the deck's import ([import] path, relative to the deck's folder) for
 * `who` (e.g. "[ensemble] source = import"): A2D_ERR_DECK when the path is
 * empty, else a2d_import_open's errors.
 */
a2d_err a2d_stage_import_open(const a2d_deck *deck, const char *who, a2d_import **imp);

/*
 * Fingerprint lines "[import] <name> = <shape> crc32 <sum>" of the listed
 * arrays of the deck's import, appended to *text (may be NULL: allocated), so
 * that a changed import makes the stage out of date like a changed key.
 */
a2d_err a2d_stage_import_fingerprint(const a2d_deck *deck, const char *const *names, int count,
                                     char **text);

/*
 * Forget set `name` of stage forget (/forget/<name>/indices; a name that
 * starts with / is a group path: <name>/indices, as for tuning twins) for a training
 * set of n points, on every rank (collective): *forget its *nforget indices
 * and *retain the *nretain others, both increasing.  Caller frees both (each
 * allocated even when empty).  A missing set, or one holding an index outside
 * [0, n) or out of order, is A2D_ERR_DATA naming the study file and dataset.
 */
a2d_err a2d_stage_read_forget(a2d_context *ctx, const char *name, int64_t n, int64_t **forget,
                              int64_t *nforget, int64_t **retain, int64_t *nretain);

/*
 * The retain points a criterion reads for forget set `name`: all nretain of
 * them when want is 0 or at least nretain, else a sorted sample of `want`
 * drawn from (seed, stream, a2d_rng_key(name, 0)).  Caller frees *out.
 */
a2d_err a2d_stage_retain_sample(const char *name, int64_t seed, uint64_t stream, int64_t want,
                                const int64_t *retain, int64_t nretain, int64_t **out,
                                int64_t *count);

/* Outputs of one trained model on the training and validation examples. */
typedef struct a2d_model_outputs {
  float *margins_train, *margins_val;   /* n, n_val */
  float *logits_train, *logits_val;     /* n x C, n_val x C, or NULL when not wanted */
  uint8_t *correct_train, *correct_val; /* n, n_val flags (argmax = label), or NULL */
  double accuracy_train, accuracy_val;
} a2d_model_outputs;

/*
 * The outputs out asks for, and the accuracies, of params on both splits:
 * every stage records a model's outputs through this one function, so a
 * model's outputs are the same bits whichever stage computes them
 * (a2d_model_predict).
 */
a2d_err a2d_stage_model_outputs(const a2d_model *m, const float *params, const a2d_dataset *train,
                                const a2d_dataset *val, a2d_model_outputs *out);

/* Whether the deck attributes with TRAK ([attribution] method = trak; stage trak). */
a2d_err a2d_attribution_is_trak(const a2d_deck *deck, int *trak);

/* Subset size for a fraction alpha of n examples: round(alpha n), at least 1. */
int64_t a2d_subset_size(double alpha, int64_t n);

/* Create dataset `path` of rows x cols (x classes when classes > 0) float32, chunked by rows. */
a2d_err a2d_stage_create_matrix(a2d_context *ctx, const char *path, int64_t rows, int64_t cols,
                                int64_t classes, int64_t chunk_rows);

#endif
