/* plan.c - a sizing plan for a deck on a cluster (a2d/plan.h). */
#include "a2d/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/store.h"

#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * MIB)

/* Points of the cross-products' PDGEMM per pass, and its slices (src/attrib/lasso.c). */
#define CROSS_COLUMNS (64 * 2)
/* The working set of a datamodel row, as a fraction of the points (the quickstart's: 1/6). */
#define WORKING_SET_FRACTION (1.0 / 6.0)
/*
 * How a datamodel row's cost grows with the points: n^1.8, measured between
 * the quickstart (5,000 points, 16 ms per row) and inputs/scale-20k.ini
 * (20,000 points, 190 ms per row), both margins on 2 ranks.
 */
#define FIT_ROW_EXPONENT 1.8
/* An unlearning task's work, in retrains (the quickstart's methods: 0 to 0.65, mean 0.2). */
#define UNLEARN_TASK_RETRAINS 0.25

void a2d_plan_rates_default(a2d_plan_rates *r) {
  memset(r, 0, sizeof *r);
  /* scripts/quickstart, 2 ranks on the 2-core EPYC of docs/cluster.md: 1,024 mlp models x 2,500
     examples x 10 epochs x 409,024 flops in 126.3 s x 2 cores; fit 96.3 core-s for 6,000 margin
     rows at 5,000 points, a logit row 0.55 of a margin row (143 against 79 rows/s, 1 rank). */
  r->train_gflops = 41.5;
  r->fit_row_seconds = 96.3 / 6000.0;
  r->fit_logit_factor = 0.55;
  r->fit_row_points = 5000;
  r->gemm_gflops = 20.0;
  r->base_mib = 45.0; /* a rank's resident memory on small synthetic data (tests/cli/plan.sh) */
  snprintf(r->source, sizeof r->source, "documented defaults, measured on the quickstart");
}

/* ------------------------------------------------------------- the deck */

/* What the plan needs of a deck. */
typedef struct plan_deck {
  int64_t n, nv, d, C; /* points, validation points, features, classes */
  double source_bytes; /* what stage prepare reads before selecting */
  double flops;        /* training flops per example (forward + backward) */
  int64_t params;
  int64_t base_models, epochs; /* [train] */
  int64_t M, chunk;            /* [ensemble] */
  double alpha;
  int logits_saved, logits; /* [ensemble] save_logits, [datamodel] output */
  double val_fraction;
  int64_t block, lds_models;   /* [datamodel] */
  int64_t sets, forget_points; /* [forget]: how many sets, their points in all */
  int64_t methods, group;      /* [unlearn]: methods, whether a group term is used */
  int64_t oracles, floor;      /* [oracle] models, noise_floor */
  int64_t tune_configs, tune_models, tune_oracles;
  int trak;                               /* [attribution] method = trak */
  int64_t trak_models, dims, calibration; /* TRAK's base models, k, calibration models */
} plan_deck;

/* Multiply-adds of one forward pass, and the parameters, of the deck's model. */
static a2d_err model_size(const a2d_deck *deck, int64_t d, int64_t C, double *macs, int64_t *params,
                          double *first) {
  int layers;
  int64_t in = d;
  const char *kind;
  A2D_CHECK(a2d_deck_choice(deck, "model", "kind", &kind));
  A2D_CHECK(a2d_deck_list_len(deck, "model", "hidden", &layers));
  *macs = 0, *params = 0, *first = 0;
  const int hidden_layers = !strcmp(kind, "mlp"); /* logreg ignores [model] hidden */
  for (int i = 0; hidden_layers && i < layers; i++) {
    int64_t out;
    A2D_CHECK(a2d_deck_list_int(deck, "model", "hidden", i, &out));
    *macs += (double)(in * out), *params += (in + 1) * out;
    if (i == 0) *first = (double)(in * out);
    in = out;
  }
  *macs += (double)(in * C), *params += (in + 1) * C;
  if (*first == 0) *first = (double)(in * C);
  return A2D_OK;
}

/* The points of one forget set spec (random:K, class:C:K, cluster:J:K, file:PATH). */
static int64_t forget_points(const char *spec, const plan_deck *p, int64_t clusters) {
  const char *last = strrchr(spec, ':');
  if (!strncmp(spec, "file:", 5)) return p->n / 100; /* unknown until read: 1% */
  if (!strncmp(spec, "random:", 7)) return atoll(spec + 7);
  if (last && last != strchr(spec, ':')) return atoll(last + 1); /* class:C:K, cluster:J:K */
  return !strncmp(spec, "class:", 6) ? p->n / p->C : p->n / (clusters > 0 ? clusters : 10);
}

static a2d_err read_deck(const a2d_deck *deck, plan_deck *p) {
  int source, save, out, floor;
  int64_t n_train, n_val, clusters;
  memset(p, 0, sizeof *p);
  A2D_CHECK(a2d_deck_enum(deck, "data", "source", &source));
  A2D_CHECK(a2d_deck_int(deck, "data", "n_train", &n_train));
  A2D_CHECK(a2d_deck_int(deck, "data", "n_val", &n_val));
  A2D_CHECK(a2d_deck_int(deck, "data", "classes", &p->C));
  if (source <= 2) { /* fashion-mnist, mnist, idx: 60,000 + 10,000 images of 28 x 28 */
    p->n = n_train ? n_train : 60000, p->nv = n_val ? n_val : 10000, p->d = 784, p->C = 10;
    p->source_bytes = 4.0 * 70000 * 784;
  } else if (source == 5) { /* synthetic */
    A2D_CHECK(a2d_deck_int(deck, "data", "features", &p->d));
    p->n = n_train, p->nv = n_val, p->C = p->C ? p->C : 10;
    p->source_bytes = 4.0 * (double)((p->n + p->nv) * p->d);
  } else {
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: [data] source csv or hdf5: the plan cannot size the data without "
                     "reading it; plan with a synthetic deck of the same n_train, n_val, "
                     "features and classes",
                     a2d_deck_origin(deck, "data", "source"));
  }
  if (p->n < 1 || p->nv < 1 || p->C < 2)
    return A2D_ERROR(A2D_ERR_DECK,
                     "%s: the plan needs [data] n_train and n_val (and classes) for this source",
                     a2d_deck_origin(deck, "data", "n_train"));
  double macs = 0, first = 0;
  A2D_CHECK(model_size(deck, p->d, p->C, &macs, &p->params, &first));
  p->flops = 2 * macs + 4 * macs - 2 * first; /* forward, backward without the input's gradient */
  A2D_CHECK(a2d_deck_int(deck, "train", "models", &p->base_models));
  A2D_CHECK(a2d_deck_int(deck, "train", "epochs", &p->epochs));
  A2D_CHECK(a2d_deck_int(deck, "ensemble", "models", &p->M));
  A2D_CHECK(a2d_deck_int(deck, "ensemble", "chunk", &p->chunk));
  A2D_CHECK(a2d_deck_real(deck, "ensemble", "alpha", &p->alpha));
  A2D_CHECK(a2d_deck_bool(deck, "ensemble", "save_logits", &save));
  A2D_CHECK(a2d_deck_enum(deck, "datamodel", "output", &out));
  A2D_CHECK(a2d_deck_real(deck, "datamodel", "val_fraction", &p->val_fraction));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "block", &p->block));
  int64_t subsets, seeds;
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_subsets", &subsets));
  A2D_CHECK(a2d_deck_int(deck, "datamodel", "lds_seeds", &seeds));
  p->lds_models = subsets * seeds;
  p->logits_saved = save, p->logits = out;
  A2D_CHECK(a2d_deck_int(deck, "forget", "clusters", &clusters));
  p->sets = a2d_deck_named_count(deck, "forget");
  for (int i = 0; i < p->sets; i++) {
    const char *name, *value;
    A2D_CHECK(a2d_deck_named(deck, "forget", i, &name, &value));
    p->forget_points += forget_points(value, p, clusters);
  }
  int methods;
  A2D_CHECK(a2d_deck_list_len(deck, "unlearn", "methods", &methods));
  p->methods = methods;
  for (int i = 0; i < methods; i++) {
    char name[64];
    A2D_CHECK(a2d_deck_list_string(deck, "unlearn", "methods", i, name, sizeof name));
    if (!strcmp(name, "dmm") || !strcmp(name, "dm_direct")) {
      int g;
      A2D_CHECK(a2d_deck_bool(deck, !strcmp(name, "dmm") ? "unlearn.dmm" : "unlearn.dm_direct",
                              "group_term", &g));
      p->group |= g;
    }
  }
  const char *method;
  int64_t base;
  A2D_CHECK(a2d_deck_choice(deck, "attribution", "method", &method));
  p->trak = !strcmp(method, "trak");
  A2D_CHECK(a2d_deck_int(deck, "attribution", "base_models", &base));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "dims", &p->dims));
  A2D_CHECK(a2d_deck_int(deck, "attribution", "calibration_models", &p->calibration));
  p->trak_models = base ? base : p->base_models;
  if (p->trak) p->group = 0; /* TRAK has no group term */
  A2D_CHECK(a2d_deck_int(deck, "oracle", "models", &p->oracles));
  A2D_CHECK(a2d_deck_bool(deck, "oracle", "noise_floor", &floor));
  p->floor = floor;
  A2D_CHECK(a2d_deck_int(deck, "tune", "configs", &p->tune_configs));
  A2D_CHECK(a2d_deck_int(deck, "tune", "models", &p->tune_models));
  A2D_CHECK(a2d_deck_int(deck, "tune", "oracles", &p->tune_oracles));
  return A2D_OK;
}

/* ----------------------------------------------------------- the stages */

/* One stage of the plan. */
typedef struct plan_row {
  const char *stage;
  int64_t units; /* what the stage shares out (models, blocks, tasks) */
  const char *unit_name;
  double rank_bytes;     /* per rank */
  double node_bytes;     /* shared once per node */
  double core_seconds;   /* the work */
  double serial_seconds; /* work no rank count shortens */
} plan_row;

static int64_t min64(int64_t a, int64_t b) {
  return a < b ? a : b;
}

/* Seconds on one core of training `examples` example-epochs. */
static double train_seconds(const plan_deck *p, const a2d_plan_rates *r, double examples) {
  return examples * p->flops / (r->train_gflops * 1e9);
}

/* The stages' rows for `ranks` ranks. */
static int plan_rows(const plan_deck *p, const a2d_plan_rates *r, int64_t ranks, plan_row *row) {
  const double base = r->base_mib * MIB, data = 4.0 * (double)((p->n + p->nv) * p->d);
  const double model = 16.0 * (double)p->params; /* weights, gradient, two moments */
  const double retrain = train_seconds(p, r, (double)(p->n * p->epochs));
  const int64_t per = p->logits ? p->C : 1, m = p->M - (int64_t)(p->val_fraction * p->M + 0.5);
  const double n = (double)p->n, nv = (double)p->nv;
  int k = 0;

  row[k++] = (plan_row){"prepare", 1, "reader", base + p->source_bytes + data, 0, 0, 10.0};
  row[k++] = (plan_row){"forget", 1, "k-means", base + data, 0, 0, 2.0};
  row[k++] = (plan_row){
      "train", p->base_models, "models", base + data + model, 0, retrain * (double)p->base_models,
      0};
  const int64_t most = (p->chunk + min64(ranks, p->chunk) - 1) / min64(ranks, p->chunk);
  const double outputs = 4.0 * (n + nv) * (1.0 + (p->logits_saved ? (double)p->C : 0.0)) + n;
  row[k++] =
      (plan_row){"ensemble",
                 p->trak ? 0 : p->chunk,
                 "models per checkpoint",
                 base + (p->trak ? 0 : data + model + (double)most * outputs),
                 0,
                 p->trak ? 0 : train_seconds(p, r, (double)p->M * p->alpha * n * (double)p->epochs),
                 0};

  /* fit: counts per node; X, a round's blocks, the cross-products and the solver per rank */
  const double B = (double)(p->block * per), w = WORKING_SET_FRACTION * n;
  const double counts = (m > 65535 ? 4.0 : 2.0) * n * n + (double)(p->M - m) * n;
  const double fit_rank = base + data + model + 2.0 * 8.0 * (double)m * n / (double)ranks +
                          4.0 * (double)p->M * B + 8.0 * (double)m * B + 8.0 * n * B +
                          8.0 * ((double)m + n) * CROSS_COLUMNS + 4.0 * w * w + 60.0 * n;
  const double rows = (n + nv) * (double)per, scale = (n / (double)r->fit_row_points);
  const double per_row =
      r->fit_row_seconds * (p->logits ? r->fit_logit_factor : 1.0) * pow(scale, FIT_ROW_EXPONENT) +
      2.0 * 2.0 * (double)m * n / (r->gemm_gflops * 1e9);
  const double count_work = 2.0 * (double)m * n * n / (r->gemm_gflops * 1e9);
  const int64_t blocks = (p->n + p->block - 1) / p->block + (p->nv + p->block - 1) / p->block;
  const double lds_work =
      train_seconds(p, r, (double)p->lds_models * p->alpha * n * (double)p->epochs);
  if (p->trak)
    row[k++] = (plan_row){"fit", 0, "target blocks", base, 0, 0, 0};
  else
    row[k++] = (plan_row){"fit",    blocks, "target blocks",
                          fit_rank, counts, rows * per_row + count_work + lds_work,
                          0};

  /* trak: per model, features (a gradient pass and a projection GEMM per example and block of
     128 columns) and the kernel on the grid; then the calibration and LDS models */
  const double k_dims = (double)p->dims, P = (double)p->params, R = (double)ranks;
  const double feature_work =
      (n + nv) * (ceil(k_dims / 128.0) * p->flops / (r->train_gflops * 1e9) +
                  2.0 * P * k_dims / (r->gemm_gflops * 1e9)) +
      (4.0 * n * k_dims * k_dims + k_dims * k_dims * k_dims / 3.0) / (r->gemm_gflops * 1e9);
  const double trak_rank = base + data + model + 4.0 * P * 128.0 + 4.0 * 256.0 * P +
                           8.0 * 3.0 * (n + nv) * k_dims / R + 8.0 * 3.0 * n * k_dims / R +
                           8.0 * k_dims * k_dims / R;
  if (p->trak)
    row[k++] = (plan_row){
        "trak",
        p->trak_models,
        "models",
        trak_rank,
        0,
        (double)p->trak_models * feature_work +
            train_seconds(p, r, (double)p->calibration * p->alpha * n * (double)p->epochs) +
            lds_work,
        0};
  else
    row[k++] = (plan_row){"trak", 0, "models", base, 0, 0, 0};

  /* tune and unlearn: tasks of about a quarter retrain; the group term's masks per node */
  const double group_node = p->group ? (double)m * n : 0.0;
  const double group_rank = p->group ? 8.0 * (double)m * (n + nv) * (double)per / (double)ranks : 0;
  const int64_t tune_tasks = p->tune_configs * (p->methods - 1) * p->sets * p->tune_models;
  const int64_t tune_oracles = p->tune_configs > 0 ? p->sets * p->tune_oracles : 0; /* 0: off */
  row[k++] = (plan_row){
      "tune",
      tune_tasks + tune_oracles,
      "tasks",
      base + data + 2 * model + (tune_tasks ? group_rank : 0),
      tune_tasks ? group_node : 0,
      (double)tune_tasks * UNLEARN_TASK_RETRAINS * retrain + (double)tune_oracles * retrain,
      0};
  const int64_t tasks = p->sets * p->methods * p->base_models;
  row[k++] = (plan_row){"unlearn",  tasks,
                        "tasks",    base + data + 2 * model + group_rank,
                        group_node, (double)tasks * UNLEARN_TASK_RETRAINS * retrain,
                        0};
  const int64_t oracles = p->sets * p->oracles * (p->floor ? 2 : 1);
  row[k++] = (plan_row){
      "oracle", oracles, "retrains", base + data + model, 0, (double)oracles * retrain, 0};
  row[k++] = (plan_row){"evaluate",
                        p->n + p->nv,
                        "points",
                        base + 4.0 * (double)(p->base_models + 2 * p->oracles) * (n + nv) *
                                   (double)p->C / (double)ranks,
                        0,
                        0,
                        10.0};
  return k;
}

/* "1:02:03" or "42 s". */
static void format_time(double s, char *buf, size_t size) {
  if (s < 60)
    snprintf(buf, size, "%.0f s", s);
  else
    snprintf(buf, size, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
}

a2d_err a2d_plan_print(const a2d_deck *deck, const a2d_plan_machine *machine,
                       const a2d_plan_rates *rates, FILE *out, int *fits) {
  plan_deck p;
  plan_row row[16];
  A2D_CHECK(read_deck(deck, &p));
  const int64_t ranks = machine->nodes * machine->ranks_per_node;
  const int k = plan_rows(&p, rates, ranks, row);
  const double limit = machine->mem_per_node_gb * GIB;
  double total = 0, worst = 0;
  const char *worst_stage = "";
  fprintf(out,
          "plan: %lld training points, %lld validation, %lld features, %lld classes; %lld "
          "subset models, %s datamodels\n"
          "on %lld nodes x %lld ranks (%lld ranks), %.0f GiB per node; rates: %s\n\n",
          (long long)p.n, (long long)p.nv, (long long)p.d, (long long)p.C, (long long)p.M,
          p.logits ? "per-class logit" : "margin", (long long)machine->nodes,
          (long long)machine->ranks_per_node, (long long)ranks, machine->mem_per_node_gb,
          rates->source);
  fprintf(out, "%-9s %10s %10s %10s %10s %11s  %s\n", "stage", "busy ranks", "GiB/rank", "GiB/node",
          "node use", "est. time", "shared out");
  *fits = 1;
  for (int i = 0; i < k; i++) {
    const int64_t busy = min64(ranks, row[i].units > 0 ? row[i].units : 1);
    const int64_t per_node = min64(machine->ranks_per_node, busy);
    const double node = (double)per_node * row[i].rank_bytes + row[i].node_bytes;
    const double seconds = row[i].core_seconds / (double)busy + row[i].serial_seconds;
    char t[32];
    format_time(seconds, t, sizeof t);
    total += seconds;
    fprintf(out, "%-9s %10lld %10.2f %10.1f %9.0f%% %11s  %lld %s\n", row[i].stage, (long long)busy,
            row[i].rank_bytes / GIB, node / GIB, 100.0 * node / limit, t, (long long)row[i].units,
            row[i].unit_name);
    if (node > worst) worst = node, worst_stage = row[i].stage;
    if (node > limit) *fits = 0;
  }
  char t[32];
  format_time(total, t, sizeof t);
  fprintf(out, "\nestimated time, stage after stage: %s (%.0f node-hours)\n", t,
          total * (double)machine->nodes / 3600.0);
  if (*fits)
    fprintf(out, "fits: the largest stage, %s, needs %.1f of %.0f GiB per node\n", worst_stage,
            worst / GIB, machine->mem_per_node_gb);
  else
    fprintf(out,
            "does not fit: stage %s needs %.1f GiB per node of %.0f (fewer ranks per node, "
            "more memory, or for fit a smaller [datamodel] block)\n",
            worst_stage, worst / GIB, machine->mem_per_node_gb);
  return A2D_OK;
}

/* ------------------------------------------------------- measured rates */

/* The value of "[section] key = value" in a stage's recorded config, or NULL. */
static const char *config_value(const char *config, const char *line_start, char *buf,
                                size_t size) {
  const char *at = strstr(config, line_start);
  if (!at) return NULL;
  at += strlen(line_start);
  size_t len = strcspn(at, "\n");
  snprintf(buf, size, "%.*s", (int)len, at);
  return buf;
}

a2d_err a2d_plan_rates_from_study(const char *path, a2d_plan_rates *r) {
  a2d_err err = A2D_OK;
  a2d_store *st = NULL;
  char *config = NULL, buf[256];
  int present, nd;
  int64_t dims[8], ranks = 0, classes = 10;
  double seconds = 0, regression = 0;
  A2D_TRY(a2d_store_open_read(MPI_COMM_SELF, path, &st));
  A2D_TRY(a2d_store_get_string(st, "/stages/ensemble", "config", &config));
  A2D_TRY(a2d_store_get_real(st, "/stages/ensemble", "seconds", &seconds, &present));
  A2D_TRY(a2d_store_get_int(st, "/stages/ensemble", "ranks", &ranks, &present));
  if (!config || seconds <= 0 || ranks < 1)
    A2D_FAIL(A2D_ERR_STATE, "%s: no complete stage ensemble to measure rates on", path);
  A2D_TRY(a2d_store_shape(st, "/ensemble/masks", &nd, dims));
  const int64_t M = dims[0], n = dims[1];
  A2D_TRY(a2d_store_shape(st, "/data/train/x", &nd, dims));
  const int64_t d = dims[1];
  A2D_TRY(a2d_store_get_int(st, "/data", "classes", &classes, &present));
  /* The model's flops per example, from the recorded [model] keys. */
  double macs = 0, first = 0, alpha = 0.5;
  int64_t in = d, epochs = 1;
  const char *hidden = config_value(config, "[model] kind = mlp\n", buf, sizeof buf)
                           ? config_value(config, "[model] hidden = ", buf, sizeof buf)
                           : NULL;
  for (const char *h = hidden; h && *h;) {
    const int64_t out = atoll(h);
    macs += (double)(in * out);
    if (first == 0) first = (double)(in * out);
    in = out;
    h = strchr(h, ',');
    h = h ? h + 1 : NULL;
  }
  macs += (double)(in * classes);
  if (first == 0) first = (double)(in * classes);
  if (config_value(config, "[train] epochs = ", buf, sizeof buf)) epochs = atoll(buf);
  if (config_value(config, "[ensemble] alpha = ", buf, sizeof buf)) alpha = atof(buf);
  const double flops = 6 * macs - 2 * first;
  r->train_gflops =
      (double)M * alpha * (double)n * (double)epochs * flops / (seconds * (double)ranks) / 1e9;
  /* The fit's core-seconds per row. */
  A2D_TRY(a2d_store_get_real(st, "/stages/fit", "regression_seconds", &regression, &present));
  if (present && regression > 0) {
    int64_t tt = 0, tv = 0, per = 1;
    A2D_TRY(a2d_store_get_int(st, "/datamodel", "targets_train", &tt, &present));
    A2D_TRY(a2d_store_get_int(st, "/datamodel", "targets_val", &tv, &present));
    A2D_TRY(a2d_store_get_int(st, "/datamodel", "rows_per_target", &per, &present));
    if (tt + tv > 0) {
      r->fit_row_seconds =
          regression / (double)((tt + tv) * per) / (per > 1 ? r->fit_logit_factor : 1.0);
      r->fit_row_points = n;
    }
  }
  snprintf(r->source, sizeof r->source, "measured on %s (training %.1f GFLOP/s per core)", path,
           r->train_gflops);
cleanup:
  free(config);
  a2d_store_close(&st);
  return err;
}
