/* task_runner.c - checkpointed rounds of independent model tasks (task_runner.h). */
#include "task_runner.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "a2d/progress.h"

/* The datasets of a group: name, type, and whether a row spans n (1), n_val (2) or one value (0).
 */
static const struct {
  const char *name;
  a2d_dtype type;
  int width;
} columns[] = {{"margins_train", A2D_F32, 1}, {"margins_val", A2D_F32, 2},
               {"correct_train", A2D_U8, 1},  {"correct_val", A2D_U8, 2},
               {"examples", A2D_I64, 0},      {"prep_examples", A2D_I64, 0},
               {"seconds", A2D_F64, 0},       {"prep_seconds", A2D_F64, 0}};
enum { NCOLUMNS = sizeof columns / sizeof columns[0] };

/* Create every group's datasets afresh and record 0 tasks done. */
static a2d_err create_groups(a2d_context *ctx, const a2d_task_plan *p) {
  char path[512];
  A2D_CHECK(a2d_store_delete(ctx->store, p->state));
  for (int g = 0; g < p->ngroups; g++) {
    for (int c = 0; c < NCOLUMNS; c++) {
      int64_t width = columns[c].width == 1 ? p->n : p->n_val;
      if (columns[c].width == 2 && p->n_val == 0) continue; /* no validation outputs */
      int64_t dims[2] = {p->per_group, width}, chunk[2] = {1, width < 4096 ? width : 4096};
      snprintf(path, sizeof path, "%s/%s", p->groups[g], columns[c].name);
      A2D_CHECK(a2d_store_create(ctx->store, path, columns[c].type, columns[c].width ? 2 : 1, dims,
                                 columns[c].width ? chunk : NULL, columns[c].type == A2D_U8));
    }
  }
  A2D_CHECK(a2d_store_set_int(ctx->store, p->state, "tasks_done", 0));
  return A2D_OK;
}

/* Tasks an interrupted run finished, if its datasets fit the plan (else 0). */
static a2d_err tasks_already_done(a2d_context *ctx, const a2d_task_plan *p, int64_t *done) {
  char path[512];
  int exists, rank, present;
  int64_t dims[8], total = p->per_group * p->ngroups;
  *done = 0;
  for (int g = 0; g < p->ngroups; g++) {
    snprintf(path, sizeof path, "%s/prep_seconds", p->groups[g]);
    A2D_CHECK(a2d_store_exists(ctx->store, path, &exists));
    if (!exists) return A2D_OK;
    snprintf(path, sizeof path, "%s/margins_train", p->groups[g]);
    A2D_CHECK(a2d_store_shape(ctx->store, path, &rank, dims));
    if (rank != 2 || dims[0] != p->per_group || dims[1] != p->n) return A2D_OK;
  }
  A2D_CHECK(a2d_store_get_int(ctx->store, p->state, "tasks_done", done, &present));
  if (!present || *done < 0 || *done > total) *done = 0;
  return A2D_OK;
}

/* This rank's share of a round: `most` tasks' outputs. */
typedef struct round_buffers {
  float *margins_train, *margins_val;
  uint8_t *correct_train, *correct_val;
  int64_t *examples, *prep_examples;
  double *seconds, *prep_seconds;
} round_buffers;

static void free_buffers(round_buffers *b) {
  free(b->margins_train);
  free(b->margins_val);
  free(b->correct_train);
  free(b->correct_val);
  free(b->examples);
  free(b->prep_examples);
  free(b->seconds);
  free(b->prep_seconds);
}

/*
 * One task's outputs packed in one record, so that a round's results can be
 * exchanged in one call: examples, prep_examples (i64), seconds,
 * prep_seconds (f64), margins_train (n f32), margins_val (n_val f32),
 * correct_train (n u8), correct_val (n_val u8), padded to 8 bytes.
 */
static size_t record_bytes(const a2d_task_plan *p) {
  const size_t bytes = 32 + 5 * (size_t)(p->n + p->n_val);
  return (bytes + 7) / 8 * 8;
}

static a2d_task_output record_view(const a2d_task_plan *p, char *rec) {
  float *margins = (float *)(rec + 32);
  uint8_t *correct = (uint8_t *)(margins + p->n + p->n_val);
  return (a2d_task_output){margins, margins + p->n, correct, correct + p->n, 0, 0, 0, 0};
}

/* Run task t into record rec. */
static a2d_err run_task(const a2d_task_plan *p, int64_t t, char *rec) {
  a2d_task_output out = record_view(p, rec);
  memset(out.correct_train, 0, (size_t)(p->n + p->n_val));
  double start = a2d_now();
  A2D_CHECK(p->run(p->ctx, t, &out));
  /* A task that states its time (an import: NaN when unknown) keeps it. */
  const double seconds =
      out.seconds > 0 || isnan(out.seconds) ? out.seconds : a2d_now() - start - out.prep_seconds;
  memcpy(rec, &out.examples, 8);
  memcpy(rec + 8, &out.prep_examples, 8);
  memcpy(rec + 16, &seconds, 8);
  memcpy(rec + 24, &out.prep_seconds, 8);
  return A2D_OK;
}

/* Unpack record rec into row j of the write buffers. */
static void unpack_record(const a2d_task_plan *p, char *rec, int64_t j, round_buffers *b) {
  const a2d_task_output out = record_view(p, rec);
  memcpy(b->margins_train + j * p->n, out.margins_train, (size_t)p->n * sizeof(float));
  memcpy(b->margins_val + j * p->n_val, out.margins_val, (size_t)p->n_val * sizeof(float));
  memcpy(b->correct_train + j * p->n, out.correct_train, (size_t)p->n);
  memcpy(b->correct_val + j * p->n_val, out.correct_val, (size_t)p->n_val);
  memcpy(b->examples + j, rec, 8);
  memcpy(b->prep_examples + j, rec + 8, 8);
  memcpy(b->seconds + j, rec + 16, 8);
  memcpy(b->prep_seconds + j, rec + 24, 8);
}

/* Run this rank's tasks of round [r0, r1), r0 + rank + k size, into records ran[k]. */
static a2d_err run_mine(a2d_context *ctx, const a2d_task_plan *p, int64_t r0, int64_t r1,
                        char *ran) {
  const size_t rb = record_bytes(p);
  int64_t k = 0;
  for (int64_t t = r0 + ctx->rank; t < r1; t += ctx->size, k++)
    A2D_CHECK(run_task(p, t, ran + (size_t)k * rb));
  return A2D_OK;
}

/*
 * After run_mine, move the records so that each rank holds the consecutive
 * tasks [lo, hi) of the round it writes (a2d_block_range), unpacked into b.
 * counts has room for 5 size + 1 ints.  Collective.
 */
static a2d_err exchange_round(a2d_context *ctx, const a2d_task_plan *p, int64_t r0, int64_t r1,
                              char *ran, char *got, int *counts, round_buffers *b) {
  const int rb = (int)record_bytes(p), size = ctx->size, rank = ctx->rank;
  int *send = counts, *recv = counts + size, *sdisp = counts + 2 * size;
  int *rdisp = counts + 3 * size, *first = counts + 4 * size; /* first[q]: q writes from here */
  int64_t lo, hi;
  for (int q = 0; q < size; q++) {
    a2d_block_range(r1 - r0, size, q, &lo, &hi);
    first[q] = (int)lo;
    send[q] = recv[q] = 0;
  }
  first[size] = (int)(r1 - r0);
  for (int q = 0, i = 0; q < size; q++)
    for (; i < first[q + 1]; i++) { /* task r0 + i: run by i % size, written by q */
      if (i % size == rank) send[q] += rb;
      if (q == rank) recv[i % size] += rb;
    }
  sdisp[0] = rdisp[0] = 0;
  for (int q = 1; q < size; q++) sdisp[q] = sdisp[q - 1] + send[q - 1];
  for (int q = 1; q < size; q++) rdisp[q] = rdisp[q - 1] + recv[q - 1];
  A2D_CHECK(
      A2D_MPI(MPI_Alltoallv(ran, send, sdisp, MPI_BYTE, got, recv, rdisp, MPI_BYTE, ctx->comm)));
  /* Each source's records arrive in task order: task r0 + i is the next one of source i % size. */
  for (int i = first[rank]; i < first[rank + 1]; i++) {
    unpack_record(p, got + rdisp[i % size], i - first[rank], b);
    rdisp[i % size] += rb;
  }
  return A2D_OK;
}

/* Write this rank's rows of tasks [lo, hi) (all inside round [r0, r1)) to their groups. */
static a2d_err write_round(a2d_context *ctx, const a2d_task_plan *p, int64_t r0, int64_t r1,
                           int64_t lo, int64_t hi, const round_buffers *b) {
  char path[512];
  const int64_t R = p->per_group;
  for (int64_t g = r0 / R; g <= (r1 - 1) / R; g++) {
    /* My tasks inside group g: [max(lo, gR), min(hi, (g+1)R)). */
    int64_t a = lo > g * R ? lo : g * R, z = hi < (g + 1) * R ? hi : (g + 1) * R;
    if (z < a) z = a;
    const int64_t j = a - lo, count = z - a, row0 = a - g * R;
    const void *data[NCOLUMNS] = {b->margins_train + j * p->n,
                                  b->margins_val + j * p->n_val,
                                  b->correct_train + j * p->n,
                                  b->correct_val + j * p->n_val,
                                  b->examples + j,
                                  b->prep_examples + j,
                                  b->seconds + j,
                                  b->prep_seconds + j};
    for (int c = 0; c < NCOLUMNS; c++) {
      if (columns[c].width == 2 && p->n_val == 0) continue;
      snprintf(path, sizeof path, "%s/%s", p->groups[g], columns[c].name);
      A2D_CHECK(a2d_store_write_rows(ctx->store, path, columns[c].type, count ? row0 : 0, count,
                                     data[c]));
    }
  }
  return A2D_OK;
}

a2d_err a2d_tasks_run(a2d_context *ctx, const a2d_task_plan *p) {
  a2d_err err = A2D_OK;
  round_buffers b = {0};
  char *ran = NULL, *got = NULL;
  int *counts = NULL;
  int64_t done = 0;
  char fault[96];
  const int64_t total = p->per_group * p->ngroups, most = p->per_rank;
  const int64_t round = p->per_rank * ctx->size;

  /* ---- resume after the last round, or start afresh ---- */
  if (ctx->resume) A2D_TRY(tasks_already_done(ctx, p, &done));
  if (done == 0) A2D_TRY(create_groups(ctx, p));
  if (done > 0)
    a2d_log("%s: resuming, %lld of %lld tasks already done", p->label, (long long)done,
            (long long)total);

  A2D_TRY(A2D_CALLOC(b.margins_train, most * p->n));
  A2D_TRY(A2D_CALLOC(b.margins_val, most * p->n_val + 1));
  A2D_TRY(A2D_CALLOC(b.correct_train, most * p->n));
  A2D_TRY(A2D_CALLOC(b.correct_val, most * p->n_val + 1));
  A2D_TRY(A2D_CALLOC(b.examples, most));
  A2D_TRY(A2D_CALLOC(b.prep_examples, most));
  A2D_TRY(A2D_CALLOC(b.seconds, most));
  A2D_TRY(A2D_CALLOC(b.prep_seconds, most));
  if ((double)most * (double)record_bytes(p) > (double)INT_MAX)
    A2D_FAIL(A2D_ERR_DECK,
             "%s: %lld tasks per rank of %zu bytes each exceed one MPI message;"
             " lower the stage's chunk",
             p->label, (long long)most, record_bytes(p));
  A2D_TRY(a2d_calloc((size_t)most, record_bytes(p), &ran));
  A2D_TRY(a2d_calloc((size_t)most, record_bytes(p), &got));
  A2D_TRY(A2D_CALLOC(counts, 5 * ctx->size + 1));

  /* ---- round by round: run, write, checkpoint ---- */
  a2d_progress progress;
  a2d_progress_start(&progress, p->label, "tasks", total, done);
  for (int64_t r0 = done; r0 < total; r0 += round) {
    const int64_t r1 = r0 + round < total ? r0 + round : total;
    int64_t lo, hi;
    a2d_block_range(r1 - r0, ctx->size, ctx->rank, &lo, &hi);
    A2D_TRY(a2d_agree(ctx->comm, run_mine(ctx, p, r0, r1, ran)));
    A2D_TRY(exchange_round(ctx, p, r0, r1, ran, got, counts, &b));
    A2D_TRY(write_round(ctx, p, r0, r1, r0 + lo, r0 + hi, &b));
    A2D_TRY(a2d_store_flush(ctx->store));
    A2D_TRY(a2d_store_set_int(ctx->store, p->state, "tasks_done", r1));
    A2D_TRY(a2d_store_flush(ctx->store));
    a2d_progress_update(&progress, r1);
    snprintf(fault, sizeof fault, "%s:round-%lld", p->label, (long long)(r0 / round + 1));
    a2d_fault_point(fault);
  }
cleanup:
  free_buffers(&b);
  free(ran);
  free(got);
  free(counts);
  return err;
}

a2d_err a2d_task_model_outputs(const a2d_model *m, const float *params, const a2d_dataset *train,
                               const a2d_dataset *val, a2d_task_output *out) {
  a2d_model_outputs o = {.margins_train = out->margins_train,
                         .margins_val = out->margins_val,
                         .correct_train = out->correct_train,
                         .correct_val = out->correct_val};
  A2D_CHECK(a2d_stage_model_outputs(m, params, train, val, &o));
  return A2D_OK;
}
