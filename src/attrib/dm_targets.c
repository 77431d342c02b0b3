/* dm_targets.c - datamodel predictions and the targets built from them (a2d/dm_targets.h). */
#include "a2d/dm_targets.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/model.h"
#include "a2d/parallel.h"

void a2d_dm_prediction_free(a2d_dm_prediction *p) {
  free(p->shift);
  free(p->direct);
  p->shift = p->direct = NULL;
  p->rows = 0;
}

/* Gather each rank's rows [row0, row1) of a prediction into *all (every rank). */
static a2d_err gather_rows(MPI_Comm comm, const a2d_attribution *A, const double *mine,
                           double **all) {
  int64_t total;
  A2D_CHECK(a2d_allgather_doubles(comm, mine, A->row1 - A->row0, all, &total));
  if (total != A->rows)
    return A2D_ERROR(A2D_ERR_INTERNAL, "gathered %lld datamodel rows of %lld", (long long)total,
                     (long long)A->rows);
  return A2D_OK;
}

a2d_err a2d_dm_predict_settings(MPI_Comm comm, a2d_attribution *A, a2d_group_model *group,
                                const a2d_dm_setting *settings, int count, const int64_t *forget,
                                int64_t nforget, a2d_dm_prediction *out, int64_t *kept) {
  a2d_err err = A2D_OK;
  double *zero = NULL, *shift0 = NULL, *direct0 = NULL, *shift = NULL, *direct = NULL;
  a2d_group_slopes slopes = {0};
  const int64_t mine = A->row1 - A->row0;
  int any_term = 0, any_pool = 0;
  for (int i = 0; i < count; i++) {
    out[i].shift = out[i].direct = NULL;
    out[i].rows = A->rows;
    if (kept) kept[i] = 0;
    any_term |= settings[i].term;
    any_pool |= settings[i].term && settings[i].pool;
  }
  if (any_term && !group)
    A2D_FAIL(A2D_ERR_INTERNAL, "datamodel predictions: a group term without the group model");
  A2D_TRY(A2D_CALLOC(zero, mine + 1));
  A2D_TRY(A2D_CALLOC(shift0, mine + 1));
  A2D_TRY(A2D_CALLOC(direct0, mine + 1));
  A2D_TRY(A2D_CALLOC(shift, mine + 1));
  A2D_TRY(A2D_CALLOC(direct, mine + 1));
  A2D_TRY(a2d_attribution_predict_anchored(A, zero, forget, nforget, shift0));
  A2D_TRY(a2d_attribution_predict_direct(A, NULL, forget, nforget, direct0));
  if (any_term) A2D_TRY(a2d_group_slopes_create(group, comm, forget, nforget, any_pool, &slopes));
  for (int i = 0; i < count; i++) {
    memcpy(shift, shift0, (size_t)mine * sizeof(double));
    memcpy(direct, direct0, (size_t)mine * sizeof(double));
    if (settings[i].term) {
      int64_t rows_kept = 0;
      A2D_TRY(a2d_group_apply(group, &slopes, settings[i].threshold, settings[i].pool, shift,
                              direct, &rows_kept));
      A2D_TRY(A2D_MPI(MPI_Allreduce(MPI_IN_PLACE, &rows_kept, 1, MPI_INT64_T, MPI_SUM, comm)));
      if (kept) kept[i] = rows_kept;
    }
    A2D_TRY(gather_rows(comm, A, shift, &out[i].shift));
    A2D_TRY(gather_rows(comm, A, direct, &out[i].direct));
  }
cleanup:
  if (err)
    for (int i = 0; i < count; i++) a2d_dm_prediction_free(&out[i]);
  a2d_group_slopes_free(&slopes);
  free(zero);
  free(shift0);
  free(direct0);
  free(shift);
  free(direct);
  return err;
}

a2d_err a2d_dm_predict(MPI_Comm comm, a2d_attribution *A, a2d_group_model *group, double threshold,
                       int pool, const int64_t *forget, int64_t nforget, a2d_dm_prediction *out,
                       int64_t *kept) {
  const a2d_dm_setting one = {.term = group != NULL, .pool = pool, .threshold = threshold};
  return a2d_dm_predict_settings(comm, A, group, &one, 1, forget, nforget, out, kept);
}

void a2d_dm_targets(const a2d_dm_prediction *p, a2d_dm_form form, const a2d_dm_outputs *base,
                    a2d_dm_outputs *out) {
  const int64_t n = base->n, C = base->classes;
  const int direct = form == A2D_DM_DIRECT;
  if (base->per_target == C && C > 1) { /* per-class datamodels: logits, then their margins */
    const float *from[2] = {base->logits, base->logits_val};
    float *logits[2] = {out->logits, out->logits_val},
          *margins[2] = {out->margins, out->margins_val};
    const int32_t *labels[2] = {base->y, base->y_val};
    const int64_t count[2] = {base->n, base->n_val};
    for (int sp = 0; sp < 2; sp++) {
      const int64_t off = sp ? n * C : 0;
      for (int64_t i = 0; i < count[sp] * C; i++)
        logits[sp][i] = (float)(direct ? p->direct[off + i] : from[sp][i] + p->shift[off + i]);
      for (int64_t i = 0; i < count[sp]; i++)
        margins[sp][i] = a2d_margin(logits[sp] + i * C, labels[sp][i], C);
    }
    return;
  }
  for (int64_t i = 0; i < n; i++)
    out->margins[i] = (float)(direct ? p->direct[i] : base->margins[i] + p->shift[i]);
  for (int64_t i = 0; i < base->n_val; i++)
    out->margins_val[i] =
        (float)(direct ? p->direct[n + i] : base->margins_val[i] + p->shift[n + i]);
}
