/*
 * a2d/plan.h - how many nodes, how much memory and how long: a sizing plan
 * for a deck on a cluster, before anything runs.
 *
 * For every stage the plan works out, from the deck alone, how many ranks the
 * stage can keep busy, the memory of one rank and of one node (what the ranks
 * hold, plus what a node shares, such as the fit's count matrix), and an
 * estimated time from the work (training examples x epochs x the model's
 * floating-point operations, datamodel rows, tasks) and a few rates.  The
 * rates are documented defaults measured on the quickstart (docs/cluster.md),
 * or are measured on an earlier run's study file (a2d_plan_rates_from_study).
 * The memory model is the one docs/cluster.md explains; a2d checks it against
 * the Pss a run records (/stages/<name> peak_pss_mib).
 *
 *   a2d_plan_rates rates;
 *   a2d_plan_rates_default(&rates);
 *   a2d_plan_machine machine = {.nodes = 16, .ranks_per_node = 128, .mem_per_node_gb = 256};
 *   int fits;
 *   A2D_CHECK(a2d_plan_print(deck, &machine, &rates, stdout, &fits));
 */
#ifndef A2D_PLAN_H
#define A2D_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "a2d/deck.h"
#include "a2d/error.h"

typedef struct a2d_plan_machine {
  int64_t nodes, ranks_per_node;
  double mem_per_node_gb; /* GiB of memory a job may use on each node */
} a2d_plan_machine;

typedef struct a2d_plan_rates {
  double train_gflops;     /* training: useful GFLOP/s per core (GEMM work of SGD) */
  double fit_row_seconds;  /* core-seconds per datamodel row at fit_row_points points ... */
  double fit_logit_factor; /* ... times this for a logit row */
  int64_t fit_row_points;
  double gemm_gflops; /* double-precision GEMM per core (the fit's products) */
  double base_mib;    /* a rank's memory before any data: MPI, PETSc, HDF5 */
  char source[256];   /* where the rates come from, for the printout */
} a2d_plan_rates;

/* The defaults measured on the quickstart (docs/cluster.md says how). */
void a2d_plan_rates_default(a2d_plan_rates *r);

/*
 * Measure the training rate and the fit's per-row cost on an earlier run's
 * study file (its /stages/ensemble and /stages/fit, with their decks); keeps
 * the defaults for what the file lacks.  This process alone reads it.
 */
a2d_err a2d_plan_rates_from_study(const char *path, a2d_plan_rates *r);

/*
 * Print the plan of `deck` on `machine`; *fits = whether every stage's memory
 * per node is within the machine's.  Deck values the plan cannot size (a csv
 * or hdf5 source without n_train and n_val) are A2D_ERR_DECK.
 */
a2d_err a2d_plan_print(const a2d_deck *deck, const a2d_plan_machine *machine,
                       const a2d_plan_rates *rates, FILE *out, int *fits);

#endif
