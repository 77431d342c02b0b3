/*
 * fit.c - stage `fit`: sparse linear datamodels from the ensemble, and their
 * linear datamodeling score (LDS).
 *
 * The ensemble's models are split into fitting and validation models.  For
 * every target (training points, then validation points; with output =
 * logits every target and class, row t * C + c) a LASSO path is solved on the
 * fitting models (a2d/lasso.h) and lambda is chosen by the error on the
 * validation models.  Targets are processed in blocks of [datamodel] block;
 * each round every rank fits one block, the blocks are written under
 * /datamodel/blocks and marked complete, so a killed run resumes after the
 * finished blocks.  At the end the blocks are joined into one CSR matrix.
 * Then the LDS models are trained (src/stages/subset_models.c) and the LDS is
 * computed with the attribution matrix in PETSc (src/stages/lds.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/attribution.h"
#include "a2d/datamodel_store.h"
#include "a2d/lasso.h"
#include "a2d/parallel.h"
#include "a2d/progress.h"
#include "lds.h"
#include "subset_models.h"

/* The [datamodel] keys. */
typedef struct fit_config {
  int logits;
  double val_fraction, lambda_ratio, tolerance;
  int64_t path_length, patience, topk, seed, block, lds_subsets, lds_seeds;
} fit_config;

static a2d_err read_config(const a2d_deck *deck, fit_config *c) {
  A2D_CHECK(a2d_deck_enum(deck, "datamodel", "output", &c->logits));
  A2D_CHECK(a2d_deck_real(deck, "datamodel", "val_fraction", &c->val_fraction));
  A2D_CHECK(a2d_deck_real(deck, "datamodel", "lambda_ratio", &c->lambda_ratio));
  A2D_CHECK(a2d_deck_real(deck, "datamodel", "tolerance", &c->tolerance));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "path_length", &c->path_length));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "patience", &c->patience));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "topk", &c->topk));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "seed", &c->seed));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "block", &c->block));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_subsets", &c->lds_subsets));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_seeds", &c->lds_seeds));
  return A2D_OK;
}

/* What every rank holds while fitting: the split, the masks and the design. */
typedef struct fit_setup {
  int64_t M, m, mv, n, nv, classes, per_target; /* per_target: rows per target (1 or C) */
  int64_t *fit_models, *val_models;
  const uint8_t *xval; /* mv x n validation masks, node-shared */
  a2d_shared xval_mem; /* ... the window that holds them */
  a2d_lasso_design design;
} fit_setup;

static a2d_err setup_free(fit_setup *f) {
  a2d_err err = A2D_OK;
  free(f->fit_models);
  free(f->val_models);
  A2D_CLEANUP(a2d_shared_free(&f->xval_mem));
  A2D_CLEANUP(a2d_lasso_design_free(&f->design));
  return err;
}

/* Split the ensemble's models, read the masks, build the design (collective). */
static a2d_err setup_create(a2d_context *ctx, const fit_config *c, fit_setup *f) {
  a2d_err err = A2D_OK;
  uint8_t *masks = NULL, *is_val = NULL;
  int rank, present;
  int64_t dims[8], done = 0;
  A2D_TRY(a2d_store_shape(ctx->store, "/ensemble/masks", &rank, dims));
  A2D_TRY(a2d_store_get_int(ctx->store, "/ensemble", "models_done", &done, &present));
  f->M = dims[0];
  f->n = dims[1];
  if (done != f->M)
    A2D_FAIL(A2D_ERR_STATE, "%s: /ensemble holds %lld of its %lld models; rerun stage ensemble",
             a2d_store_path(ctx->store), (long long)done, (long long)f->M);
  A2D_TRY(a2d_store_shape(ctx->store, "/data/val/y", &rank, dims));
  f->nv = dims[0];
  A2D_TRY(a2d_store_get_int(ctx->store, "/data", "classes", &f->classes, &present));
  f->per_target = c->logits ? f->classes : 1;
  if (c->logits) {
    int exists;
    A2D_TRY(a2d_store_exists(ctx->store, "/ensemble/logits_train", &exists));
    if (!exists)
      A2D_FAIL(A2D_ERR_DECK,
               "%s: [datamodel] output = logits needs the ensemble's logits; set "
               "[ensemble] save_logits = true and rerun stage ensemble",
               a2d_deck_origin(ctx->deck, "datamodel", "output"));
  }
  f->mv = (int64_t)(c->val_fraction * (double)f->M + 0.5);
  if (f->mv < 1) f->mv = 1;
  f->m = f->M - f->mv;
  if (f->m < 2)
    A2D_FAIL(A2D_ERR_DECK,
             "[datamodel] val_fraction = %g leaves %lld fitting models of %lld; "
             "the ensemble needs more models",
             c->val_fraction, (long long)f->m, (long long)f->M);

  /* Validation models: a seeded choice; the rest fit. */
  A2D_TRY(A2D_CALLOC(f->val_models, f->mv));
  A2D_TRY(A2D_CALLOC(f->fit_models, f->m));
  A2D_TRY(A2D_CALLOC(is_val, f->M));
  a2d_rng rng;
  a2d_rng_seed(&rng, (uint64_t)c->seed, A2D_STREAM_DATAMODEL_SPLIT, 0);
  a2d_rng_choose_sorted(&rng, f->M, f->mv, f->val_models);
  for (int64_t i = 0; i < f->mv; i++) is_val[f->val_models[i]] = 1;
  for (int64_t k = 0, j = 0; k < f->M; k++)
    if (!is_val[k]) f->fit_models[j++] = k;

  /* This rank's block of the fitting models' masks makes the design (X on the process
     grid, N in node-shared memory); the validation masks are read once per node. */
  const int64_t n = f->n;
  int64_t row0, rows;
  a2d_lasso_rows(f->m, ctx->size, ctx->rank, &row0, &rows);
  const int64_t first = rows ? f->fit_models[row0] : 0;
  const int64_t span = rows ? f->fit_models[row0 + rows - 1] - first + 1 : 0;
  A2D_TRY(A2D_CALLOC(masks, span * n + 1));
  A2D_TRY(a2d_store_read_rows(ctx->store, "/ensemble/masks", A2D_U8, first, span, masks));
  for (int64_t i = 0; i < rows; i++) /* pack the fitting rows (in place: they only move up) */
    memmove(masks + i * n, masks + (f->fit_models[row0 + i] - first) * n, (size_t)n);
  A2D_TRY(a2d_lasso_design_create(ctx->comm, masks, row0, rows, f->m, n, &f->design));
  A2D_TRY(a2d_shared_create(&f->design.node, (size_t)(f->mv * n), &f->xval_mem));
  f->xval = f->xval_mem.base;
  a2d_err read = A2D_OK;
  for (int64_t i = 0; i < f->mv && f->design.node.node_rank == 0 && !read; i++) {
    const int64_t start[2] = {f->val_models[i], 0}, count[2] = {1, n};
    read = a2d_store_read_local(ctx->store, "/ensemble/masks", A2D_U8, 2, start, count,
                                (uint8_t *)f->xval_mem.base + i * n);
  }
  A2D_TRY(a2d_agree(ctx->comm, read));
  A2D_TRY(a2d_shared_publish(&f->design.node, &f->xval_mem));
cleanup:
  free(masks);
  free(is_val);
  return err;
}

/* ------------------------------------------------------------ one block */

/* A block of targets: [t0, t1) of split 0 (training points) or 1 (validation points). */
typedef struct block_id {
  int split;
  int64_t t0, t1;
} block_id;

/* Append one sparse row (indices increasing). */
static a2d_err result_append(a2d_dm_rows *r, int64_t row, const int64_t *idx, const double *val,
                             int64_t count) {
  if (r->nnz + count > r->cap) {
    int64_t cap = r->cap ? r->cap : 1024;
    while (cap < r->nnz + count) cap *= 2;
    int32_t *i2 = realloc(r->indices, (size_t)cap * sizeof(int32_t));
    if (i2) r->indices = i2;
    float *v2 = realloc(r->values, (size_t)cap * sizeof(float));
    if (v2) r->values = v2;
    if (!i2 || !v2) return A2D_ERROR(A2D_ERR_MEM, "out of memory storing datamodel coefficients");
    r->cap = cap;
  }
  for (int64_t a = 0; a < count; a++) {
    r->indices[r->nnz + a] = (int32_t)idx[a];
    r->values[r->nnz + a] = (float)val[a];
  }
  r->nnz += count;
  r->indptr[row + 1] = r->nnz;
  return A2D_OK;
}

/* Mean squared error on the validation models of theta (sparse) with intercept b. */
static double val_error(const fit_setup *f, const double *yval, const int64_t *idx,
                        const double *val, int64_t count, double b) {
  double sum = 0.0;
  for (int64_t v = 0; v < f->mv; v++) {
    const uint8_t *x = f->xval + v * f->n;
    double p = b;
    for (int64_t a = 0; a < count; a++) /* without a branch: half the masks are 0 */
      p += (double)x[idx[a]] * val[a];
    sum += (p - yval[v]) * (p - yval[v]);
  }
  return sum / (double)f->mv;
}

/* Intercept b = ybar - mu^T theta. */
static double intercept(const fit_setup *f, double ybar, const int64_t *idx, const double *val,
                        int64_t count) {
  double b = ybar;
  for (int64_t a = 0; a < count; a++) b -= f->design.mean[idx[a]] * val[a];
  return b;
}

/* Scratch space for fitting one row. */
typedef struct row_scratch {
  double *yval; /* mv: the row's outputs on the validation models */
  int64_t *best_idx, *top_idx;
  double *best_val, *top_val, *order;
} row_scratch;

static void scratch_free(row_scratch *s) {
  free(s->yval), free(s->best_idx), free(s->top_idx), free(s->best_val), free(s->top_val);
  free(s->order);
  memset(s, 0, sizeof *s);
}

static a2d_err scratch_create(const fit_setup *f, row_scratch *s) {
  memset(s, 0, sizeof *s);
  A2D_CHECK(A2D_CALLOC(s->yval, f->mv));
  A2D_CHECK(A2D_CALLOC(s->best_idx, f->n));
  A2D_CHECK(A2D_CALLOC(s->top_idx, f->n));
  A2D_CHECK(A2D_CALLOC(s->best_val, f->n));
  A2D_CHECK(A2D_CALLOC(s->top_val, f->n));
  A2D_CHECK(A2D_CALLOC(s->order, f->n));
  return A2D_OK;
}

/* Keep the k largest |val| of (idx, val), still in increasing index order. */
static int64_t keep_top(const int64_t *idx, const double *val, int64_t count, int64_t k,
                        row_scratch *s) {
  if (k <= 0 || count <= k) {
    memcpy(s->top_idx, idx, (size_t)count * sizeof(int64_t));
    memcpy(s->top_val, val, (size_t)count * sizeof(double));
    return count;
  }
  /* The k-th largest magnitude, by sorting a copy (rows are short). */
  for (int64_t a = 0; a < count; a++) s->order[a] = fabs(val[a]);
  for (int64_t a = 1; a < count; a++) /* insertion sort, descending */
    for (int64_t b = a; b > 0 && s->order[b] > s->order[b - 1]; b--) {
      double t = s->order[b];
      s->order[b] = s->order[b - 1];
      s->order[b - 1] = t;
    }
  const double cut = s->order[k - 1];
  int64_t kept = 0, ties = 0;
  for (int64_t a = 0; a < count; a++) ties += fabs(val[a]) > cut;
  ties = k - ties; /* how many entries equal to the cut may stay */
  for (int64_t a = 0; a < count; a++) {
    double mag = fabs(val[a]);
    if (mag > cut || (mag == cut && ties-- > 0))
      s->top_idx[kept] = idx[a], s->top_val[kept++] = val[a];
  }
  return kept;
}

/*
 * Solve one row's path (its cross-products cvec, yy, ybar; s->yval set),
 * choose lambda by validation error, append the row to the result.  The path
 * stops after `patience` lambdas without a better validation error.
 */
static a2d_err fit_row(const fit_config *c, const fit_setup *f, a2d_lasso_solver *solver,
                       const double *cvec, double yy, double ybar, int64_t row, a2d_dm_rows *r,
                       row_scratch *s) {
  const double lmax = a2d_lasso_lambda_max(&f->design, cvec);
  double best = INFINITY, best_lambda = lmax;
  int64_t best_count = 0, since_best = 0;
  a2d_lasso_start(solver, cvec, yy);
  for (int64_t k = 0; k < c->path_length && lmax > 0; k++) {
    const double lambda = lmax * pow(c->lambda_ratio, (double)k / (double)(c->path_length - 1));
    const int64_t *idx;
    const double *val;
    int64_t count;
    A2D_CHECK(a2d_lasso_solve(solver, lambda));
    a2d_lasso_active(solver, &idx, &val, &count);
    const double b = intercept(f, ybar, idx, val, count);
    const double mse = val_error(f, s->yval, idx, val, count, b);
    if (mse < best) {
      best = mse, best_lambda = lambda, best_count = count, since_best = 0;
      memcpy(s->best_idx, idx, (size_t)count * sizeof(int64_t));
      memcpy(s->best_val, val, (size_t)count * sizeof(double));
    } else if (c->patience > 0 && ++since_best >= c->patience) {
      break;
    }
  }
  if (!isfinite(best)) best = val_error(f, s->yval, NULL, NULL, 0, ybar); /* constant target */
  const int64_t kept = keep_top(s->best_idx, s->best_val, best_count, c->topk, s);
  const double b_top = intercept(f, ybar, s->top_idx, s->top_val, kept);
  r->intercept[row] = b_top;
  r->lambda[row] = best_lambda;
  r->val_mse[row] = best;
  r->val_mse_topk[row] =
      kept == best_count ? best : val_error(f, s->yval, s->top_idx, s->top_val, kept, b_top);
  A2D_CHECK(result_append(r, row, s->top_idx, s->top_val, kept));
  return A2D_OK;
}

/* The outputs of a block's targets on every model: M x rows, rows = targets x per_target. */
static a2d_err read_block_outputs(a2d_context *ctx, const fit_config *c, const fit_setup *f,
                                  const block_id *b, float *out) {
  const char *names[2][2] = {{"/ensemble/margins_train", "/ensemble/margins_val"},
                             {"/ensemble/logits_train", "/ensemble/logits_val"}};
  int64_t start[3] = {0, b->t0, 0}, count[3] = {f->M, b->t1 - b->t0, f->classes};
  A2D_CHECK(a2d_store_read_local(ctx->store, names[c->logits][b->split], A2D_F32, c->logits ? 3 : 2,
                                 start, count, out));
  return A2D_OK;
}

/* A round's block on this rank: its outputs, centred for the cross-products. */
typedef struct block_data {
  int64_t rows;  /* targets x per_target (0: no block this round) */
  int64_t width; /* columns of yc and cmat, the same on every rank */
  float *y;      /* M x rows outputs */
  double *yc;    /* m x width centred fitting outputs, column-major */
  double *cmat;  /* n x width cross-products, column-major */
  double *ybar, *yy;
} block_data;

static void block_data_free(block_data *d) {
  free(d->y);
  free(d->yc);
  free(d->cmat);
  free(d->ybar);
  free(d->yy);
  memset(d, 0, sizeof *d);
}

static a2d_err block_data_create(const fit_config *c, const fit_setup *f, block_data *d) {
  memset(d, 0, sizeof *d);
  d->width = c->block * f->per_target;
  A2D_CHECK(A2D_CALLOC(d->y, f->M * d->width));
  A2D_CHECK(A2D_CALLOC(d->yc, f->m * d->width));
  A2D_CHECK(A2D_CALLOC(d->cmat, f->n * d->width));
  A2D_CHECK(A2D_CALLOC(d->ybar, d->width));
  A2D_CHECK(A2D_CALLOC(d->yy, d->width));
  return A2D_OK;
}

/* Read block b's outputs and centre the fitting models' (this rank alone; b NULL: none). */
static a2d_err read_block(a2d_context *ctx, const fit_config *c, const fit_setup *f,
                          const block_id *b, block_data *d) {
  const int64_t m = f->m;
  memset(d->yc, 0, (size_t)(m * d->width) * sizeof(double));
  d->rows = b ? (b->t1 - b->t0) * f->per_target : 0;
  if (!b) return A2D_OK;
  A2D_CHECK(read_block_outputs(ctx, c, f, b, d->y));
  for (int64_t j = 0; j < d->rows; j++) {
    double sum = 0.0, ss = 0.0, *col = d->yc + j * m;
    for (int64_t i = 0; i < m; i++) col[i] = d->y[f->fit_models[i] * d->rows + j];
    for (int64_t i = 0; i < m; i++) sum += col[i];
    d->ybar[j] = sum / (double)m;
    for (int64_t i = 0; i < m; i++) {
      col[i] -= d->ybar[j];
      ss += col[i] * col[i];
    }
    d->yy[j] = ss / (double)m;
  }
  return A2D_OK;
}

/* Fit every row of a block whose cross-products are in d->cmat (this rank alone). */
static a2d_err fit_block(const fit_config *c, const fit_setup *f, a2d_lasso_solver *solver,
                         const block_data *d, a2d_dm_rows *r) {
  a2d_err err = A2D_OK;
  const int64_t rows = d->rows, n = f->n;
  row_scratch s = {0};
  memset(r, 0, sizeof *r);
  r->rows = rows;
  A2D_TRY(A2D_CALLOC(r->indptr, rows + 1));
  A2D_TRY(A2D_CALLOC(r->intercept, rows));
  A2D_TRY(A2D_CALLOC(r->lambda, rows));
  A2D_TRY(A2D_CALLOC(r->val_mse, rows));
  A2D_TRY(A2D_CALLOC(r->val_mse_topk, rows));
  A2D_TRY(scratch_create(f, &s));
  for (int64_t j = 0; j < rows; j++) {
    for (int64_t v = 0; v < f->mv; v++) s.yval[v] = d->y[f->val_models[v] * rows + j];
    A2D_TRY(fit_row(c, f, solver, d->cmat + j * n, d->yy[j], d->ybar[j], j, r, &s));
  }
cleanup:
  scratch_free(&s);
  if (err) a2d_dm_rows_free(r);
  return err;
}

/*
 * One round: every rank reads its block (if any), the cross-products of all
 * blocks are one distributed product, and every rank fits its own (collective).
 */
static a2d_err fit_round(a2d_context *ctx, const fit_config *c, const fit_setup *f,
                         a2d_lasso_solver *solver, const block_id *b, block_data *d,
                         a2d_dm_rows *r) {
  A2D_CHECK(a2d_agree(ctx->comm, read_block(ctx, c, f, b, d)));
  A2D_CHECK(a2d_agree(ctx->comm, a2d_lasso_cross(&f->design, d->width, d->yc, d->cmat)));
  A2D_CHECK(a2d_agree(ctx->comm, b ? fit_block(c, f, solver, d, r) : A2D_OK));
  return A2D_OK;
}

/* ------------------------------------------------- writing and joining */

/* ------------------------------------------------------------ the stage */

/* The blocks of the stage, training targets first. */
static int64_t make_blocks(const fit_setup *f, int64_t size, block_id **out) {
  int64_t nb = (f->n + size - 1) / size + (f->nv + size - 1) / size, k = 0;
  block_id *b = calloc((size_t)nb, sizeof *b);
  if (!b) return -1;
  for (int split = 0; split < 2; split++) {
    int64_t total = split ? f->nv : f->n;
    for (int64_t t = 0; t < total; t += size)
      b[k].split = split, b[k].t0 = t, b[k].t1 = t + size < total ? t + size : total, k++;
  }
  *out = b;
  return nb;
}

/* Fit every block not yet complete, a round at a time, checkpointing each round. */
static a2d_err fit_blocks(a2d_context *ctx, const fit_config *c, const fit_setup *f,
                          const block_id *blocks, int64_t nb) {
  a2d_err err = A2D_OK;
  int64_t *todo = NULL, ntodo = 0, *info = NULL, mine[3];
  double *secs = NULL;
  block_data data = {0};
  a2d_lasso_solver *solver = NULL;
  a2d_dm_rows r = {0};
  char group[128];

  /* Which blocks are left (complete ones survive a killed run). */
  A2D_TRY(A2D_CALLOC(todo, nb));
  A2D_TRY(A2D_CALLOC(info, 3 * ctx->size));
  A2D_TRY(A2D_CALLOC(secs, ctx->size));
  for (int64_t b = 0; b < nb; b++) {
    int64_t complete = 0;
    int present;
    a2d_datamodel_block_group(b, group, sizeof group);
    if (ctx->resume) A2D_TRY(a2d_store_get_int(ctx->store, group, "complete", &complete, &present));
    if (!complete) todo[ntodo++] = b;
  }
  if (ntodo < nb)
    a2d_log("fit: resuming, %lld of %lld blocks already fitted", (long long)(nb - ntodo),
            (long long)nb);
  A2D_TRY(block_data_create(c, f, &data));
  A2D_TRY(a2d_lasso_solver_create(&f->design, c->tolerance, &solver));

  a2d_progress progress;
  a2d_progress_start(&progress, "fit", "targets", f->n + f->nv, 0);
  int64_t targets_done = 0;
  for (int64_t k = 0; k < nb; k++) targets_done += blocks[k].t1 - blocks[k].t0;
  for (int64_t k = 0; k < ntodo; k++) targets_done -= blocks[todo[k]].t1 - blocks[todo[k]].t0;
  progress.start_done = targets_done;
  for (int64_t round = 0; round * ctx->size < ntodo; round++) {
    const int64_t slot = round * ctx->size + ctx->rank;
    const block_id *b = slot < ntodo ? &blocks[todo[slot]] : NULL;
    double start = a2d_now();
    A2D_TRY(fit_round(ctx, c, f, solver, b, &data, &r));
    start = a2d_now() - start;
    A2D_TRY_MPI(MPI_Allgather(&start, 1, MPI_DOUBLE, secs, 1, MPI_DOUBLE, ctx->comm));

    /* Every rank learns every block of the round and its size, creates all, writes its own. */
    mine[0] = b ? todo[slot] : -1;
    mine[1] = b ? r.rows : 0;
    mine[2] = b ? r.nnz : 0;
    A2D_TRY_MPI(MPI_Allgather(mine, 3, MPI_INT64_T, info, 3, MPI_INT64_T, ctx->comm));
    for (int q = 0; q < ctx->size; q++) {
      if (info[3 * q] < 0) continue;
      a2d_datamodel_block_group(info[3 * q], group, sizeof group);
      A2D_TRY(a2d_datamodel_csr_create(ctx->store, group, info[3 * q + 1], info[3 * q + 2]));
    }
    for (int q = 0; q < ctx->size; q++) {
      if (info[3 * q] < 0) continue;
      a2d_datamodel_block_group(info[3 * q], group, sizeof group);
      A2D_TRY(a2d_datamodel_csr_write(ctx->store, group, q == ctx->rank ? &r : NULL, 0, 0, 1));
    }
    A2D_TRY(a2d_store_flush(ctx->store));
    for (int q = 0; q < ctx->size; q++) {
      if (info[3 * q] < 0) continue;
      a2d_datamodel_block_group(info[3 * q], group, sizeof group);
      A2D_TRY(a2d_store_set_int(ctx->store, group, "rows", info[3 * q + 1]));
      A2D_TRY(a2d_store_set_int(ctx->store, group, "nnz", info[3 * q + 2]));
      A2D_TRY(a2d_store_set_real(ctx->store, group, "seconds", secs[q]));
      A2D_TRY(a2d_store_set_int(ctx->store, group, "complete", 1));
      targets_done += blocks[info[3 * q]].t1 - blocks[info[3 * q]].t0;
    }
    A2D_TRY(a2d_store_flush(ctx->store));
    a2d_dm_rows_free(&r);
    a2d_progress_update(&progress, targets_done);
    char fault[64];
    snprintf(fault, sizeof fault, "fit:round-%lld", (long long)round + 1);
    a2d_fault_point(fault);
  }
cleanup:
  a2d_dm_rows_free(&r);
  a2d_lasso_solver_destroy(&solver);
  free(todo);
  free(info);
  free(secs);
  block_data_free(&data);
  return err;
}

/* Read block b's rows back (this rank alone). */
static a2d_err read_block_rows(a2d_context *ctx, int64_t b, int64_t rows, int64_t nnz,
                               a2d_dm_rows *r) {
  char group[128];
  a2d_datamodel_block_group(b, group, sizeof group);
  return a2d_datamodel_csr_read(ctx->store, group, rows, nnz, r);
}

/*
 * Join the blocks into /datamodel/{indptr,indices,values,...} and drop them;
 * *seconds = the sum of the blocks' fitting times (core-seconds).
 */
static a2d_err join_blocks(a2d_context *ctx, int64_t nb, int64_t *total_rows, int64_t *total_nnz,
                           double *seconds) {
  a2d_err err = A2D_OK;
  int64_t *rows = NULL, *nnz = NULL;
  a2d_dm_rows r = {0};
  char group[128];
  int present;
  A2D_TRY(A2D_CALLOC(rows, nb + 1));
  A2D_TRY(A2D_CALLOC(nnz, nb + 1));
  for (int64_t b = 0; b < nb; b++) { /* offsets: prefix sums, rows[b] = first row of block b */
    int64_t br = 0, bn = 0;
    a2d_datamodel_block_group(b, group, sizeof group);
    A2D_TRY(a2d_store_get_int(ctx->store, group, "rows", &br, &present));
    A2D_TRY(a2d_store_get_int(ctx->store, group, "nnz", &bn, &present));
    double sec = 0;
    A2D_TRY(a2d_store_get_real(ctx->store, group, "seconds", &sec, &present));
    *seconds += sec;
    rows[b + 1] = rows[b] + br;
    nnz[b + 1] = nnz[b] + bn;
  }
  *total_rows = rows[nb];
  *total_nnz = nnz[nb];
  A2D_TRY(a2d_datamodel_csr_create(ctx->store, A2D_DATAMODEL_GROUP, rows[nb], nnz[nb]));
  for (int64_t round = 0; round * ctx->size < nb; round++) {
    const int64_t b = round * ctx->size + ctx->rank < nb ? round * ctx->size + ctx->rank : -1;
    A2D_TRY(a2d_agree(
        ctx->comm,
        b >= 0 ? read_block_rows(ctx, b, rows[b + 1] - rows[b], nnz[b + 1] - nnz[b], &r) : A2D_OK));
    A2D_TRY(a2d_datamodel_csr_write(ctx->store, A2D_DATAMODEL_GROUP, b >= 0 ? &r : NULL,
                                    b >= 0 ? rows[b] : 0, b >= 0 ? nnz[b] : 0, b == nb - 1));
    a2d_dm_rows_free(&r);
  }
  A2D_TRY(a2d_store_reopen(ctx->store)); /* equal metadata caches before the delete */
  A2D_TRY(a2d_store_delete(ctx->store, "/datamodel/blocks"));
cleanup:
  a2d_dm_rows_free(&r);
  free(rows);
  free(nnz);
  return err;
}

a2d_err a2d_stage_fit_idle(const a2d_deck *deck, const char **why) {
  int trak = 0;
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  *why = trak ? "[attribution] method = trak: stage trak attributes" : NULL;
  return A2D_OK;
}

/* The arrays of the import that stage fit reads: the LDS models of an imported ensemble. */
static const char *const import_arrays[] = {
    "lds/masks",      "lds/margins_train", "lds/margins_val", "lds/logits_train",
    "lds/logits_val", "lds/examples",      "lds/seconds"};

a2d_err a2d_stage_fit_fingerprint(const a2d_deck *deck, char **text) {
  int source, trak = 0;
  *text = NULL;
  A2D_CHECK(a2d_deck_enum(deck, "ensemble", "source", &source));
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  if (!source || trak) return A2D_OK;
  A2D_CHECK(a2d_stage_import_fingerprint(deck, import_arrays, 7, text));
  return A2D_OK;
}

a2d_err a2d_stage_fit(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  fit_config c;
  fit_setup f;
  block_id *blocks = NULL;
  a2d_import *imp = NULL;
  int imported = 0;
  int64_t rows = 0, nnz = 0, block_size = 0;
  int present, joined = 0;
  double start = a2d_now(), seconds = 0;

  memset(&f, 0, sizeof f);
  A2D_TRY(read_config(ctx->deck, &c));
  A2D_TRY(setup_create(ctx, &c, &f));
  const double setup_seconds = a2d_now() - start;
  const int64_t nb = make_blocks(&f, c.block, &blocks);
  if (nb < 0) A2D_FAIL(A2D_ERR_MEM, "out of memory");

  /* A fresh start wipes what an earlier run left; a resume keeps finished blocks. */
  if (ctx->resume) {
    A2D_TRY(a2d_store_get_int(ctx->store, A2D_DATAMODEL_GROUP, "block", &block_size, &present));
    int64_t j = 0;
    A2D_TRY(a2d_store_get_int(ctx->store, A2D_DATAMODEL_GROUP, "joined", &j, &present));
    joined = (int)j;
    if (block_size != c.block) ctx->resume = 0;
  }
  if (!ctx->resume) {
    A2D_TRY(a2d_store_delete(ctx->store, A2D_DATAMODEL_GROUP));
    A2D_TRY(a2d_store_set_int(ctx->store, A2D_DATAMODEL_GROUP, "block", c.block));
  }
  a2d_log(
      "fit: %lld %s datamodels (%lld rows) over %lld points, from %lld fitting and %lld "
      "validation models; path of %lld lambdas down to %g lambda_max",
      (long long)(f.n + f.nv), c.logits ? "logit" : "margin",
      (long long)((f.n + f.nv) * f.per_target), (long long)f.n, (long long)f.m, (long long)f.mv,
      (long long)c.path_length, c.lambda_ratio);

  /* ---- the regression, block by block, then one CSR matrix ---- */
  if (!joined) {
    A2D_TRY(fit_blocks(ctx, &c, &f, blocks, nb));
    start = a2d_now();
    A2D_TRY(join_blocks(ctx, nb, &rows, &nnz, &seconds));
    /* The cost of the datamodels, charged to the methods that use them: set-up and join on
       every rank, and each block on the rank that fitted it (not the LDS below). */
    seconds += (setup_seconds + a2d_now() - start) * ctx->size;
    A2D_TRY(a2d_store_set_real(ctx->store, "/stages/fit", "regression_seconds", seconds));
    A2D_TRY(
        a2d_datamodel_split_write(ctx->store, ctx->rank, f.fit_models, f.m, f.val_models, f.mv));
    const a2d_datamodel_info info = {.logits = c.logits,
                                     .per_target = f.per_target,
                                     .targets_train = f.n,
                                     .targets_val = f.nv,
                                     .nnz = nnz};
    A2D_TRY(a2d_datamodel_info_write(ctx->store, &info));
    A2D_TRY(a2d_store_flush(ctx->store));
    A2D_TRY(a2d_store_set_int(ctx->store, A2D_DATAMODEL_GROUP, "joined", 1));
    A2D_TRY(a2d_store_flush(ctx->store));
    a2d_log("fit: %lld rows, %lld nonzero coefficients (%.1f per row)", (long long)rows,
            (long long)nnz, rows ? (double)nnz / (double)rows : 0.0);
    a2d_fault_point("fit:joined");
  } else {
    a2d_log("fit: resuming: the datamodels were fitted and joined before the interruption");
  }

  /* ---- the linear datamodeling score ---- */
  A2D_TRY(a2d_deck_enum(ctx->deck, "ensemble", "source", &imported));
  if (imported) { /* LDS models trained here would not be the imported ensemble's kind */
    int has = 0;
    A2D_TRY(a2d_stage_import_open(ctx->deck, "[ensemble] source = import", &imp));
    A2D_TRY(a2d_import_has(imp, "lds/masks", &has));
    if (!has)
      a2d_log(
          "fit: no LDS: the ensemble is imported, and the import has no LDS models "
          "(lds/masks, docs/import.md)");
    else if (c.lds_subsets > 0)
      A2D_TRY(a2d_lds_run(ctx, c.lds_subsets, c.lds_seeds, c.seed, imp));
  } else if (c.lds_subsets > 0) {
    A2D_TRY(a2d_lds_run(ctx, c.lds_subsets, c.lds_seeds, c.seed, NULL));
  }
cleanup:
  A2D_CLEANUP(a2d_import_close(&imp));
  free(blocks);
  A2D_CLEANUP(setup_free(&f));
  return err;
}
