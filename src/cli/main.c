/*
 * main.c - the a2d executable.
 *
 * Every command, its line of `a2d --help` and its handler are one row of the
 * table `commands` below; the usage text is printed from it.  Most commands
 * take a DECK, which every rank loads and checks before the handler runs.
 *
 * Exit status: 0 success, then the error classes of a2d/error.h
 * (1 internal, 2 deck or usage, 3 data, 4 I/O, 5 study-file state, 6 memory).
 */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <petscsys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "a2d/deck.h"
#include "a2d/error.h"
#include "a2d/export.h"
#include "a2d/parallel.h"
#include "a2d/plan.h"
#include "a2d/provenance.h"
#include "a2d/stage.h"
#include "a2d/store.h"
#include "a2d/study.h"
#include "a2d/summary.h"
#include "a2d/text.h"
#include "a2d/tuning.h"
#include "a2d/verdict.h"
#include "a2d/version.h"

#define MAX_SETS 256

/* The parsed command line. */
typedef struct cli_args {
  const char *command;
  const char *deck_path; /* the first argument after the command */
  const char *pos[2];    /* arguments after that: `study SUB PATH`, `get DECK KEY` */
  int npos;
  const char *out;                                          /* --out FOLDER (study expand), PATH */
  const char *what, *forget, *method;                       /* export */
  const char *until;                                        /* run: the last stage */
  const char *nodes, *ranks_per_node, *mem_per_node, *from; /* plan */
  const char *sets[MAX_SETS];
  int nsets;
  int force, verbose;
} cli_args;

/* ================================================================ usage */

/* The usage text: the command table's rows, the stages, the options. */
static void print_usage(FILE *out);

/* Parse argv into args; usage errors are A2D_ERR_DECK. */
static a2d_err parse_args(int argc, char **argv, cli_args *args) {
  memset(args, 0, sizeof *args);
  args->verbose = getenv("A2D_VERBOSE") && atoi(getenv("A2D_VERBOSE")) > 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--set") || !strncmp(a, "--set=", 6)) {
      const char *value = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
      if (!value) return A2D_ERROR(A2D_ERR_DECK, "--set needs section.key=value");
      if (args->nsets == MAX_SETS) return A2D_ERROR(A2D_ERR_DECK, "too many --set options");
      args->sets[args->nsets++] = value;
    } else if (!strcmp(a, "--out") || !strncmp(a, "--out=", 6)) {
      args->out = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
      if (!args->out) return A2D_ERROR(A2D_ERR_DECK, "--out needs a path");
    } else if (!strcmp(a, "--what") || !strcmp(a, "--forget") || !strcmp(a, "--method") ||
               !strcmp(a, "--until")) {
      const char *value = i + 1 < argc ? argv[++i] : NULL;
      if (!value) return A2D_ERROR(A2D_ERR_DECK, "%s needs a value", a);
      *(!strcmp(a, "--what")     ? &args->what
        : !strcmp(a, "--forget") ? &args->forget
        : !strcmp(a, "--until")  ? &args->until
                                 : &args->method) = value;
    } else if (!strcmp(a, "--nodes") || !strcmp(a, "--ranks-per-node") ||
               !strcmp(a, "--mem-per-node") || !strcmp(a, "--from")) {
      const char *value = i + 1 < argc ? argv[++i] : NULL;
      if (!value) return A2D_ERROR(A2D_ERR_DECK, "%s needs a value", a);
      const char **slot = !strcmp(a, "--nodes")            ? &args->nodes
                          : !strcmp(a, "--ranks-per-node") ? &args->ranks_per_node
                          : !strcmp(a, "--mem-per-node")   ? &args->mem_per_node
                                                           : &args->from;
      *slot = value;
    } else if (!strcmp(a, "--force")) {
      args->force = 1;
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      args->verbose = 1;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "--version")) {
      args->command = a;
    } else if (a[0] == '-' && a[1]) {
      return A2D_ERROR(A2D_ERR_DECK, "unknown option %s (see a2d --help)", a);
    } else if (!args->command) {
      args->command = a;
    } else if (!args->deck_path) {
      args->deck_path = a;
    } else if (args->npos < 2) {
      args->pos[args->npos++] = a;
    } else {
      return A2D_ERROR(A2D_ERR_DECK, "unexpected argument \"%s\" (see a2d --help)", a);
    }
  }
  if (!args->command) return A2D_ERROR(A2D_ERR_DECK, "no command given (see a2d --help)");
  return A2D_OK;
}

/* ================================================================ the deck */

/*
 * Rank 0 reads the deck file and broadcasts it; every rank parses the same
 * text and applies the same overrides, so all reach the same verdict.
 */
static a2d_err load_deck(MPI_Comm comm, const cli_args *args, a2d_deck **deck) {
  int rank;
  char *text = NULL;
  size_t len = 0;
  a2d_err err = A2D_OK;
  A2D_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  if (!args->deck_path)
    return A2D_ERROR(A2D_ERR_DECK, "a2d %s needs a DECK argument (see a2d --help)", args->command);
  if (rank == 0) err = a2d_read_text_file(args->deck_path, &text, &len);
  if (!err && rank == 0 && strlen(text) != len)
    err = A2D_ERROR(A2D_ERR_DECK, "%s: not a text file (contains NUL bytes)", args->deck_path);
  A2D_TRY(a2d_agree(comm, err));
  long long n = (long long)len;
  A2D_TRY_MPI(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm));
  if (rank != 0) A2D_TRY(a2d_calloc((size_t)n + 1, 1, &text));
  A2D_TRY_MPI(MPI_Bcast(text, (int)n + 1, MPI_CHAR, 0, comm));
  err = a2d_deck_parse(args->deck_path, text, deck);
  for (int i = 0; !err && i < args->nsets; i++) err = a2d_deck_set(*deck, args->sets[i]);
  if (!err) err = a2d_deck_finish(*deck);
  A2D_TRY(a2d_agree(comm, err));
cleanup:
  free(text);
  if (err) a2d_deck_free(deck);
  return err;
}

/* ============================================================ the commands */

/* `a2d check`: print the effective deck on rank 0. */
static a2d_err command_check(a2d_context *ctx, const cli_args *args) {
  char *text = NULL;
  (void)args;
  A2D_CHECK(a2d_deck_format(ctx->deck, 1, &text));
  if (ctx->rank == 0) {
    fputs(text, stdout);
    printf("\n# %s: valid\n", a2d_deck_name(ctx->deck));
  }
  free(text);
  return A2D_OK;
}

/* Open the study file of the deck and record this run in its root attributes. */
static a2d_err open_study(a2d_context *ctx) {
  const char *path;
  char *deck_text = NULL;
  a2d_err err = A2D_OK;
  A2D_CHECK(a2d_deck_string(ctx->deck, "output", "path", &path));
  A2D_CHECK(a2d_store_open(ctx->comm, path, &ctx->store)); /* failures agreed inside */
  A2D_TRY(a2d_deck_format(ctx->deck, 0, &deck_text));
  A2D_TRY(a2d_store_set_string(ctx->store, "/", "deck", deck_text));
  A2D_TRY(a2d_store_set_string(ctx->store, "/", "deck_path", a2d_deck_name(ctx->deck)));
  A2D_TRY(a2d_store_set_int(ctx->store, "/", "ranks", ctx->size));
  A2D_TRY(a2d_store_set_string(ctx->store, "/", "a2d_version", A2D_VERSION));
  A2D_TRY(a2d_store_set_string(ctx->store, "/", "git_commit", A2D_GIT_COMMIT));
cleanup:
  free(deck_text);
  return err;
}

/* `a2d status`: one line per stage (without creating a missing study file). */
static a2d_err command_status(a2d_context *ctx, const cli_args *args) {
  char state[32];
  const char *path;
  (void)args;
  A2D_CHECK(a2d_deck_string(ctx->deck, "output", "path", &path));
  int exists = ctx->rank == 0 ? access(path, F_OK) == 0 : 0;
  A2D_CHECK_MPI(MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm));
  if (!exists) {
    if (ctx->rank == 0) printf("%s: no study file yet\n", path);
    for (const a2d_stage *s = a2d_stages; s->name && ctx->rank == 0; s++)
      printf("%-12s absent\n", s->name);
    return A2D_OK;
  }
  A2D_CHECK(a2d_store_open_read(ctx->comm, path, &ctx->store)); /* a query changes nothing */
  for (const a2d_stage *s = a2d_stages; s->name; s++) {
    A2D_CHECK(a2d_stage_state(ctx, s, state, sizeof state));
    if (ctx->rank == 0) printf("%-12s %s\n", s->name, state);
  }
  return A2D_OK;
}

/* `a2d run` (stage == NULL; up to and including `until` if not NULL) or `a2d STAGE`. */
static a2d_err command_run(a2d_context *ctx, const a2d_stage *only, const a2d_stage *until) {
  A2D_CHECK(open_study(ctx));
  a2d_log("study file %s, %d rank%s; OpenBLAS %s kernels, %d thread%s per rank",
          a2d_store_path(ctx->store), ctx->size, ctx->size > 1 ? "s" : "", openblas_get_corename(),
          openblas_get_num_threads(), openblas_get_num_threads() > 1 ? "s" : "");
  if (a2d_deck_named_count(ctx->deck, "study"))
    a2d_log(
        "note: this run uses the deck's own values; [study] sweeps apply through `a2d study "
        "expand`");
  if (only) {
    A2D_CHECK(a2d_stage_execute(ctx, only));
  } else {
    for (const a2d_stage *s = a2d_stages; s->name; s++) {
      A2D_CHECK(a2d_stage_execute(ctx, s));
      if (s == until) break;
    }
  }
  A2D_CHECK(a2d_store_close(&ctx->store));
  const char *path;
  A2D_CHECK(a2d_deck_string(ctx->deck, "output", "path", &path));
  a2d_log("results in %s", path);
  return A2D_OK;
}

/* Every stage's run records (a2d/provenance.h), read on every rank. */
typedef struct run_records {
  int64_t count;
  a2d_provenance *runs;
  const char **stage; /* the stage of each record */
  int64_t *run;       /* its number among the stage's runs */
} run_records;

static void free_run_records(run_records *r) {
  free(r->runs);
  free(r->stage);
  free(r->run);
}

static a2d_err read_run_records(a2d_context *ctx, run_records *r) {
  char group[128];
  int64_t total = 0, count;
  for (const a2d_stage *s = a2d_stages; s->name; s++) {
    snprintf(group, sizeof group, "/stages/%s", s->name);
    A2D_CHECK(a2d_provenance_count(ctx->store, group, &count));
    total += count;
  }
  A2D_CHECK(A2D_CALLOC(r->runs, total + 1));
  A2D_CHECK(A2D_CALLOC(r->stage, total + 1));
  A2D_CHECK(A2D_CALLOC(r->run, total + 1));
  for (const a2d_stage *s = a2d_stages; s->name; s++) {
    snprintf(group, sizeof group, "/stages/%s", s->name);
    A2D_CHECK(a2d_provenance_count(ctx->store, group, &count));
    for (int64_t i = 1; i <= count && r->count < total; i++, r->count++) {
      r->stage[r->count] = s->name;
      r->run[r->count] = i;
      A2D_CHECK(a2d_provenance_read(ctx->store, group, i, &r->runs[r->count]));
    }
  }
  return A2D_OK;
}

/* What the report says before the list of methods whose fine-tunes diverged. */
#define DIVERGED_NOTE                                                                            \
  "Diverged (a margin beyond +-1000 or not finite: KLoM would mistake such a model for a close " \
  "match, so the method's KLoM on that set is NaN, not computed over the others):"

/*
 * report.md and summary.csv of a summary table into the folder `dir` (created
 * if missing); klom names KLoM's form (NULL: a study file from before the key).
 */
static a2d_err write_report_files(const a2d_context *ctx, const char *path, const char *dir,
                                  const a2d_summary_table *table, const a2d_verdict *verdict,
                                  const a2d_tuning *tuning, const char *klom,
                                  const run_records *runs) {
  char md[4200], csv[4200];
  a2d_err err = A2D_OK;
  snprintf(md, sizeof md, "%s/report.md", dir);
  snprintf(csv, sizeof csv, "%s/summary.csv", dir);
  if (mkdir(dir, 0777) && errno != EEXIST)
    return A2D_ERROR(A2D_ERR_IO, "%s: cannot create the report folder: %s", dir, strerror(errno));
  FILE *f = fopen(md, "w"), *g = fopen(csv, "w");
  if (!f || !g) {
    err = A2D_ERROR(A2D_ERR_IO, "%s: cannot write: %s", !f ? md : csv, strerror(errno));
  } else {
    fprintf(f, "# a2d report: %s\n\n", path);
    fprintf(f, "Deck `%s`; a2d %s (commit %s).\n\n", a2d_deck_name(ctx->deck), A2D_VERSION,
            A2D_GIT_COMMIT);
    fprintf(f,
            "KLoM95: the 95th percentile over the group's points of KLoM (KL divergence of the "
            "margin histograms of a method's unlearned models and %lld oracles, nats; lower is "
            "better; form `%s`, [evaluate] klom), with its 95%% bootstrap interval (%lld "
            "resamples of models and points). noise_floor: %s acc: accuracy, mean over models. "
            "cost: examples through forward and backward passes per request, in retrains; prep "
            "cost: what the method needed first for each request (om's teacher retrain); setup "
            "cost: what it needed once for every request (the attribution behind dmm and "
            "dm_direct); "
            "break-even: requests after which it undercuts retraining. Every column, with "
            "medians, means and spreads: summary.csv.\n\n",
            (long long)verdict->oracles, klom ? klom : "a2d", (long long)verdict->bootstrap,
            verdict->noise_floor
                ? "KLoM between these oracles and as many others, the score of a perfect "
                  "unlearner at the same number of models."
                : "not computed ([oracle] noise_floor = false).");
    a2d_summary_print_markdown(f, table);
    if (verdict->matching[0])
      fprintf(f, "\nMatched quantities ([unlearn.METHOD] match): %s.\n", verdict->matching);
    a2d_verdict_print_attribution(f, verdict);
    if (verdict->diverged[0]) fprintf(f, "\n%s %s.\n", DIVERGED_NOTE, verdict->diverged);
    a2d_verdict_print_differences(f, table, verdict, 1);
    a2d_verdict_print_cost(f, table, verdict, 1);
    a2d_tuning_print(f, tuning, 1);
    fprintf(f,
            "\n## Where each stage ran\n\nOne row per run of a stage: its start, and each "
            "resume after a kill. Results are the same bits on any rank count and after any "
            "resume on the same setup; a stage resumed on other BLAS kernels, another processor "
            "or another build agrees with an uninterrupted run to rounding only (column "
            "resumed says what changed).\n\n");
    a2d_provenance_markdown_header(f);
    for (int64_t i = 0; i < runs->count; i++)
      a2d_provenance_markdown_row(f, runs->stage[i], runs->run[i], &runs->runs[i]);
    a2d_summary_print_csv(g, table);
  }
  if (f && fclose(f) && !err) err = A2D_ERROR(A2D_ERR_IO, "%s: write failed", md);
  if (g && fclose(g) && !err) err = A2D_ERROR(A2D_ERR_IO, "%s: write failed", csv);
  if (!err) printf("\nwrote %s and %s\n", md, csv);
  return err;
}

/* `a2d export`: the study's arrays in the import layout (a2d/export.h). */
static a2d_err command_export(a2d_context *ctx, const cli_args *args) {
  const char *path, *what = args->what ? args->what : "study";
  static const char *const whats[] = {"study", "targets", "params"};
  int kind = -1;
  for (int i = 0; i < 3; i++)
    if (!strcmp(what, whats[i])) kind = i;
  if (kind < 0)
    return A2D_ERROR(A2D_ERR_DECK, "--what %s: expected study, targets or params", what);
  if (!args->out)
    return A2D_ERROR(A2D_ERR_DECK,
                     "a2d export needs --out PATH (a .h5 file, or a folder for .npy files)");
  A2D_CHECK(a2d_deck_string(ctx->deck, "output", "path", &path));
  A2D_CHECK(a2d_store_open_read(ctx->comm, path, &ctx->store));
  A2D_CHECK(a2d_export(ctx, (a2d_export_what)kind, args->forget, args->method, args->out));
  return A2D_OK;
}

/*
 * `a2d report`: the summary table on screen; report.md and summary.csv in the
 * folder <study file without .h5>-report beside the study file, so studies
 * sharing a folder do not overwrite each other's reports.
 */
static a2d_err command_report(a2d_context *ctx, const cli_args *args) {
  a2d_summary_table table = {0};
  a2d_verdict verdict = {0};
  a2d_tuning tuning = {0};
  run_records runs = {0};
  char dir[4096], state[32], *klom = NULL;
  const char *path;
  a2d_err err = A2D_OK;
  (void)args;
  A2D_CHECK(a2d_deck_string(ctx->deck, "output", "path", &path));
  A2D_CHECK(a2d_store_open_read(ctx->comm, path, &ctx->store));
  A2D_CHECK(a2d_stage_state(ctx, a2d_stage_find("evaluate"), state, sizeof state));
  if (strcmp(state, "complete")) /* the same on every rank: agreed, so the file closes cleanly */
    A2D_CHECK(a2d_agree(ctx->comm, A2D_ERROR(A2D_ERR_STATE,
                                             "%s: stage evaluate is %s; run `a2d run DECK` (or "
                                             "`a2d evaluate DECK`) first",
                                             path, state)));
  A2D_TRY(a2d_summary_read(ctx->store, A2D_EVAL_SUMMARY, &table));
  A2D_TRY(a2d_verdict_read(ctx->store, A2D_EVAL_GROUP, &table, &verdict));
  A2D_TRY(a2d_tuning_read(ctx->store, A2D_TUNE_GROUP, &tuning));
  A2D_TRY(read_run_records(ctx, &runs));
  A2D_TRY(a2d_store_get_string(ctx->store, "/eval", "klom", &klom));
  snprintf(dir, sizeof dir, "%s", path);
  size_t len = strlen(dir);
  if (len > 3 && !strcmp(dir + len - 3, ".h5")) dir[len - 3] = '\0';
  strncat(dir, "-report", sizeof dir - strlen(dir) - 1);
  if (ctx->rank == 0) {
    a2d_summary_print(stdout, &table);
    if (verdict.matching[0])
      printf("\nMatched quantities ([unlearn.METHOD] match): %s.\n", verdict.matching);
    a2d_verdict_print_attribution(stdout, &verdict);
    if (verdict.diverged[0]) printf("\n%s %s.\n", DIVERGED_NOTE, verdict.diverged);
    a2d_verdict_print_differences(stdout, &table, &verdict, 0);
    a2d_verdict_print_cost(stdout, &table, &verdict, 0);
    a2d_tuning_print(stdout, &tuning, 0);
    err = write_report_files(ctx, path, dir, &table, &verdict, &tuning, klom, &runs);
  }
cleanup:
  a2d_summary_free(&table);
  a2d_verdict_free(&verdict);
  a2d_tuning_free(&tuning);
  free_run_records(&runs);
  free(klom);
  A2D_CHECK(a2d_agree(ctx->comm, err));
  return A2D_OK;
}

/* `a2d study expand DECK` and `a2d study collect FOLDER` (rank 0 works, all agree). */
static a2d_err command_study(a2d_context *ctx, const cli_args *args) {
  const char *sub = args->deck_path;
  if (!sub || args->npos != 1 || (strcmp(sub, "expand") && strcmp(sub, "collect")))
    return A2D_ERROR(A2D_ERR_DECK,
                     "usage: a2d study expand DECK [--out FOLDER] [--force] [--set ...] | a2d "
                     "study collect FOLDER");
  a2d_err err = A2D_OK;
  if (!strcmp(sub, "collect")) {
    if (ctx->rank == 0) err = a2d_study_collect(args->pos[0], stdout);
    A2D_CHECK(a2d_agree(ctx->comm, err));
    return A2D_OK;
  }
  cli_args deck_args = *args;
  deck_args.deck_path = args->pos[0];
  A2D_CHECK(load_deck(ctx->comm, &deck_args, &ctx->deck));
  if (ctx->rank == 0) err = a2d_study_expand(ctx->deck, args->out, args->force, stdout);
  A2D_CHECK(a2d_agree(ctx->comm, err));
  return A2D_OK;
}

/* A positive number from option `name` (whole numbers with `whole`). */
static a2d_err positive_option(const char *name, const char *text, int whole, double *v) {
  char *end;
  if (!text) return A2D_ERROR(A2D_ERR_DECK, "a2d plan needs %s (see a2d --help)", name);
  *v = strtod(text, &end);
  if (*end || !(*v > 0) || !isfinite(*v) || (whole && *v != floor(*v)))
    return A2D_ERROR(A2D_ERR_DECK, "%s %s: expected a positive %s", name, text,
                     whole ? "whole number" : "number");
  return A2D_OK;
}

/* `a2d plan DECK --nodes N --ranks-per-node R --mem-per-node GB [--from STUDY.h5]` (rank 0). */
static a2d_err command_plan(a2d_context *ctx, const cli_args *args) {
  double nodes = 0, rpn = 0, mem = 0;
  a2d_plan_rates rates;
  int fits = 1;
  A2D_CHECK(positive_option("--nodes", args->nodes, 1, &nodes));
  A2D_CHECK(positive_option("--ranks-per-node", args->ranks_per_node, 1, &rpn));
  A2D_CHECK(positive_option("--mem-per-node", args->mem_per_node, 0, &mem));
  a2d_plan_machine machine = {(int64_t)nodes, (int64_t)rpn, mem};
  a2d_plan_rates_default(&rates);
  a2d_err err = A2D_OK;
  if (ctx->rank == 0 && args->from) err = a2d_plan_rates_from_study(args->from, &rates);
  if (ctx->rank == 0 && !err) err = a2d_plan_print(ctx->deck, &machine, &rates, stdout, &fits);
  A2D_CHECK(a2d_agree(ctx->comm, err));
  A2D_CHECK_MPI(MPI_Bcast(&fits, 1, MPI_INT, 0, ctx->comm));
  if (!fits)
    return A2D_ERROR(A2D_ERR_DECK, "the plan does not fit %.0f GiB per node (see above)", mem);
  return A2D_OK;
}

/* `a2d run`: every stage in order. */
static a2d_err command_run_all(a2d_context *ctx, const cli_args *args) {
  const a2d_stage *until = args->until ? a2d_stage_find(args->until) : NULL;
  if (args->until && !until)
    return A2D_ERROR(A2D_ERR_DECK, "--until %s: not a stage (see a2d stages)", args->until);
  return command_run(ctx, NULL, until);
}

/* `a2d STAGE`: the one stage the command names. */
static a2d_err command_stage(a2d_context *ctx, const cli_args *args) {
  return command_run(ctx, a2d_stage_find(args->command), NULL);
}

/* `a2d get DECK SECTION.KEY`: one effective deck value, on rank 0. */
static a2d_err command_get(a2d_context *ctx, const cli_args *args) {
  char value[8192];
  A2D_CHECK(a2d_deck_get(ctx->deck, args->pos[0], value, sizeof value));
  if (ctx->rank == 0) printf("%s\n", value);
  return A2D_OK;
}

/* `a2d stages`: the stage names in pipeline order, on rank 0. */
static a2d_err command_stages(a2d_context *ctx, const cli_args *args) {
  (void)args;
  for (const a2d_stage *s = a2d_stages; s->name && ctx->rank == 0; s++) printf("%s\n", s->name);
  return A2D_OK;
}

/* `a2d deck-reference`: the key reference of docs/deck.md, on rank 0. */
static a2d_err command_deck_reference(a2d_context *ctx, const cli_args *args) {
  (void)args;
  if (ctx->rank == 0) a2d_deck_write_reference(stdout);
  return A2D_OK;
}

/* `a2d --help`: the usage text, on rank 0. */
static a2d_err command_help(a2d_context *ctx, const cli_args *args) {
  (void)args;
  if (ctx->rank == 0) print_usage(stdout);
  return A2D_OK;
}

/* `a2d --version`: the version and commit, on rank 0. */
static a2d_err command_version(a2d_context *ctx, const cli_args *args) {
  (void)args;
  if (ctx->rank == 0) printf("a2d %s (commit %s)\n", A2D_VERSION, A2D_GIT_COMMIT);
  return A2D_OK;
}

/* ======================================================= the command table */

enum {
  CMD_DECK = 1,  /* loads DECK (every rank, agreed) before the handler runs */
  CMD_KEY = 2,   /* with CMD_DECK: takes one argument after DECK; else none */
  CMD_STAGES = 4 /* with CMD_DECK: the stages check the deck (only the named stage's, for STAGE) */
};

/* One command: the name it is called by, its row of the usage text, its handler. */
typedef struct cli_command {
  const char *name;  /* NULL: the row of the stages, called by a stage's name */
  const char *usage; /* after "a2d " in the usage text; NULL: an alias, not shown */
  const char *help;  /* beside it; '\n' breaks lines, which align under the first */
  int flags;         /* CMD_* */
  a2d_err (*run)(a2d_context *ctx, const cli_args *args);
} cli_command;

/*
 * Every command, in the order of the usage text.  A command with several
 * usage rows (study) has a row for each; the first is the one dispatched.
 */
static const cli_command commands[] = {
    {"run", "run DECK [--until STAGE] [options]",
     "run every stage in order (up to STAGE), skipping\ncompleted ones", CMD_DECK | CMD_STAGES,
     command_run_all},
    {NULL, "STAGE DECK [options]", "run one stage", CMD_DECK | CMD_STAGES, command_stage},
    {"check", "check DECK [options]", "validate DECK and print the effective deck",
     CMD_DECK | CMD_STAGES, command_check},
    {"plan", "plan DECK --nodes N --ranks-per-node R --mem-per-node GB [--from STUDY.h5]",
     "memory per rank and per node and the time of every\n"
     "stage on that machine; refuses a plan that does not fit",
     CMD_DECK | CMD_STAGES, command_plan},
    {"status", "status DECK [options]", "show the state of each stage in the study file", CMD_DECK,
     command_status},
    {"report", "report DECK [options]",
     "print the evaluation's summary; write report.md and\n"
     "summary.csv into <study file>-report/ beside it",
     CMD_DECK, command_report},
    {"study", "study expand DECK",
     "write one deck per case of DECK's [study] section,\n"
     "and a manifest, into --out FOLDER (default: beside\n"
     "the study file, <study file>-study)",
     0, command_study},
    {"study", "study collect FOLDER", "gather every case's summary into FOLDER/collected.csv", 0,
     command_study},
    {"export", "export DECK --out PATH [--what study|targets|params] [--forget F] [--method M]",
     "write the study's models (study), DMM's targets for forget set F\n(targets) or "
     "method M's unlearned parameters (params)\nin the import layout: PATH.h5, or a folder of "
     ".npy\n(docs/import.md)",
     CMD_DECK, command_export},
    {"get", "get DECK SECTION.KEY", "print one effective deck value", CMD_DECK | CMD_KEY,
     command_get},
    {"stages", "stages", "print the stage names in pipeline order", 0, command_stages},
    {"deck-reference", "deck-reference", "print the deck key reference (Markdown)", 0,
     command_deck_reference},
    {"--help", "--help | --version", NULL, 0, command_help},
    {"--version", NULL, NULL, 0, command_version},
    {"-h", NULL, NULL, 0, command_help},
    {"help", NULL, NULL, 0, command_help},
};

#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

/* Width of the usage column; a longer usage puts its help on the next lines. */
#define USAGE_WIDTH 22

/* One row of the usage text: "  a2d USAGE" and its help lines in a column beside it. */
static void print_command(FILE *out, const cli_command *c) {
  const int indent = 2 + 4 + USAGE_WIDTH + 1; /* "  a2d " + the column + a space */
  if (!c->help) {
    fprintf(out, "  a2d %s\n", c->usage);
    return;
  }
  if ((int)strlen(c->usage) > USAGE_WIDTH)
    fprintf(out, "  a2d %s\n%*s", c->usage, indent, "");
  else
    fprintf(out, "  a2d %-*s ", USAGE_WIDTH, c->usage);
  for (const char *h = c->help, *nl; h; h = nl ? nl + 1 : NULL) {
    nl = strchr(h, '\n');
    if (nl)
      fprintf(out, "%.*s\n%*s", (int)(nl - h), h, indent, "");
    else
      fprintf(out, "%s\n", h);
  }
}

/* The usage text: a row per command of the table, then the stages and the options. */
static void print_usage(FILE *out) {
  fprintf(out,
          "a2d %s - machine unlearning by datamodel matching, on MPI\n\n"
          "usage:\n",
          A2D_VERSION);
  for (int i = 0; i < NCOMMANDS; i++)
    if (commands[i].usage) print_command(out, &commands[i]);
  fprintf(out, "\nstages, in pipeline order:\n");
  for (const a2d_stage *s = a2d_stages; s->name; s++)
    fprintf(out, "  %-12s %s\n", s->name, s->summary);
  fprintf(out,
          "\noptions:\n"
          "  --set section.key=value   override a deck value (repeatable; checked like the deck)\n"
          "  --force                   recompute even completed stages; later stages become "
          "stale\n"
          "                            (study expand: replace another expansion in FOLDER)\n"
          "  --out PATH                study expand: the folder of the case decks; export: the\n"
          "                            file (.h5) or folder (.npy files) to write\n"
          "  --what W, --forget F, --method M\n"
          "                            export: what to write (study, targets, params), of\n"
          "                            which forget set and method\n"
          "  --verbose, -v             more output, and error traces\n\n"
          "Launch with MPI for parallel stages: mpirun -np 4 a2d run study.ini\n"
          "Deck keys: docs/deck.md.  Study file layout: docs/study-file.md.\n");
}

/* The table row of command `name` (`stage`: the stage it names, or NULL), or NULL. */
static const cli_command *find_command(const char *name, const a2d_stage *stage) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (commands[i].name ? !strcmp(commands[i].name, name) : stage != NULL) return &commands[i];
  return NULL;
}

/*
 * Dispatch a parsed command line: find the command, check its arguments, load
 * and check the deck if it takes one, and run its handler.
 */
static a2d_err dispatch(a2d_context *ctx, const cli_args *args) {
  const char *cmd = args->command;
  const a2d_stage *stage = a2d_stage_find(cmd);
  const cli_command *c = find_command(cmd, stage);
  if (!c) return A2D_ERROR(A2D_ERR_DECK, "unknown command \"%s\" (see a2d --help)", cmd);
  if (c->flags & CMD_DECK) {
    if (args->npos != ((c->flags & CMD_KEY) ? 1 : 0))
      return A2D_ERROR(
          A2D_ERR_DECK, "%s (see a2d --help)",
          args->npos ? "unexpected argument after the deck" : "a2d get DECK SECTION.KEY");
    A2D_CHECK(load_deck(ctx->comm, args, &ctx->deck));
    if (c->flags & CMD_STAGES) A2D_CHECK(a2d_stages_check(ctx->comm, ctx->deck, stage));
  }
  return c->run(ctx, args);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  /* A failed MPI call returns its code to A2D_CHECK_MPI, which names the call and rank. */
  a2d_context ctx = {.comm = MPI_COMM_WORLD};
  a2d_err err = a2d_mpi_errors_return(ctx.comm);
  if (!err) err = A2D_MPI(MPI_Comm_rank(ctx.comm, &ctx.rank));
  if (!err) err = A2D_MPI(MPI_Comm_size(ctx.comm, &ctx.size));
  /* One BLAS thread per rank unless asked otherwise: ranks are the parallelism,
     and a fixed thread count keeps results bit-identical across rank counts. */
  if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
  /* PETSc on top of our MPI (it will not finalise MPI); our arguments are not its options. */
  PetscInitializeNoArguments();
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  cli_args args = {0};
  if (!err) err = parse_args(argc, argv, &args);
  ctx.force = args.force;
  ctx.verbose = args.verbose;
  a2d_log_init(ctx.rank, ctx.verbose);
  if (!err) err = dispatch(&ctx, &args);
  if (!err) err = a2d_store_close(&ctx.store);
  if (err) {
    /* Usage errors happen identically on every rank; print them once. */
    int agreed = a2d_error_agreed() || err == A2D_ERR_DECK;
    int print = agreed ? (a2d_error_agreed() ? a2d_error_reporter() : ctx.rank == 0) : 1;
    if (print) {
      if (ctx.size > 1 && !(err == A2D_ERR_DECK && !a2d_error_agreed()) && ctx.rank != 0)
        fprintf(stderr, "[rank %d] ", ctx.rank);
      a2d_error_print(stderr, ctx.verbose);
    }
    if (ctx.store) {
      /* Close what we can so written data stays readable. */
      a2d_store *st = ctx.store;
      ctx.store = NULL;
      if (agreed) a2d_store_close(&st);
    }
    a2d_deck_free(&ctx.deck);
    if (!agreed && ctx.size > 1) MPI_Abort(ctx.comm, err);
    PetscFinalize();
    MPI_Finalize();
    return err;
  }
  a2d_deck_free(&ctx.deck);
  PetscFinalize();
  MPI_Finalize();
  return 0;
}
