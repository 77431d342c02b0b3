/*
 * unlearn.c - stage `unlearn`: every forget set x method x base model, one
 * task each.  A task starts from base model k of stage `train` and runs the
 * method (src/unlearn) on forget set f; the unlearned model's margins and
 * right/wrong on every training and validation point, and its cost, go to row
 * k of /unlearn/<forget>/<method>.  Tasks are shared out over the ranks in
 * checkpointed rounds (task_runner.h), ordered method by method so that a
 * round holds tasks of similar cost.
 *
 * The jobs run through unlearn_runner.h, which prepares what a method needs
 * (OM's teacher, the datamodels' targets).  Each method's settings are the
 * deck's [unlearn.<method>], overridden by the values stage `tune` chose on
 * the tuning twins (/tune/<method> attribute `chosen`) when it tuned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"
#include "tune.h"
#include "unlearn_runner.h"

/*
 * What TRAK cannot give a method that uses attributions: it predicts margin
 * shifts, so anchored margin targets only, and it has no ensemble, so no
 * group term (left out without a word when group_term keeps its default).
 */
static a2d_err check_trak(const a2d_deck *deck, const char *section) {
  int term, direct;
  const char *match = "";
  char name[96];
  A2D_CHECK(a2d_deck_bool(deck, section, "group_term", &term));
  if (!strcmp(a2d_deck_origin(deck, section, "group_term"), "default")) term = 0;
  A2D_CHECK(a2d_deck_enum(deck, section, "form", &direct)); /* anchored|direct */
  snprintf(name, sizeof name, "%s.match", section);
  if (a2d_deck_key_spec(deck, name)) A2D_CHECK(a2d_deck_choice(deck, section, "match", &match));
  const char *key = term                       ? "group_term"
                    : direct                   ? "form"
                    : !strcmp(match, "logits") ? "match"
                                               : NULL;
  const char *why =
      term     ? "group_term = true needs the ensemble's residuals, which only datamodels have"
      : direct ? "form = direct needs the datamodels' intercepts; TRAK predicts shifts (anchored)"
               : "match = logits needs per-class predictions; TRAK predicts margins";
  if (key)
    return A2D_ERROR(A2D_ERR_DECK, "%s: [%s] %s, with [attribution] method = trak",
                     a2d_deck_origin(deck, section, key), section, why);
  return A2D_OK;
}

a2d_err a2d_stage_unlearn_check(const a2d_deck *deck) {
  const a2d_unlearn_method *methods[16];
  char section[64];
  int n, trak;
  A2D_CHECK(a2d_unlearn_deck_methods(deck, methods, &n));
  A2D_CHECK(a2d_attribution_is_trak(deck, &trak));
  int train_imported;
  A2D_CHECK(a2d_deck_enum(deck, "train", "source", &train_imported));
  for (int i = 0; i < n; i++) {
    int imported;
    A2D_CHECK(a2d_unlearn_imported(deck, methods[i], &imported));
    const int outputs_only =
        !strcmp(methods[i]->name, "none") || (methods[i]->needs & A2D_UNLEARN_OUTPUTS_ONLY);
    if (train_imported && !imported && !outputs_only)
      return A2D_ERROR(A2D_ERR_DECK,
                       "%s: [unlearn] methods: %s fine-tunes the base models, but they are "
                       "imported ([train] source = import) without parameters; import its "
                       "outputs too ([unlearn.%s] source = import)",
                       a2d_deck_origin(deck, "unlearn", "methods"), methods[i]->name,
                       methods[i]->name);
  }
  for (int i = 0; i < n; i++) {
    a2d_unlearn_section(methods[i], section, sizeof section);
    if (trak && (methods[i]->needs & A2D_UNLEARN_NEEDS_DATAMODEL))
      A2D_CHECK(check_trak(deck, section));
    else if (methods[i]->check)
      A2D_CHECK(methods[i]->check(deck, section));
  }
  return A2D_OK;
}

/* The settings method m ran with: "key = value, ..." of [unlearn.<m>] in deck. */
static a2d_err method_settings(const a2d_deck *deck, const a2d_unlearn_method *m, char **out) {
  char *config = NULL, prefix[80];
  A2D_CHECK(a2d_deck_stage_config(deck, "unlearn", &config));
  a2d_err err = a2d_calloc(strlen(config) + 1, 1, out);
  snprintf(prefix, sizeof prefix, "[unlearn.%s] ", m->name);
  for (char *line = config; !err && *line;) {
    char *end = strchr(line, '\n');
    if (end) *end = '\0';
    if (!strncmp(line, prefix, strlen(prefix))) {
      if (**out) strcat(*out, ", ");
      strcat(*out, line + strlen(prefix));
    }
    line = end ? end + 1 : line + strlen(line);
  }
  free(config);
  return err;
}

a2d_err a2d_stage_unlearn(a2d_context *ctx) {
  a2d_err err = A2D_OK;
  const a2d_unlearn_method *methods[16];
  const char **names = NULL;
  a2d_unlearn_job *jobs = NULL;
  a2d_deck *tuned = NULL;
  char *settings = NULL;
  int nmethods = 0, nsets = a2d_deck_named_count(ctx->deck, "forget");
  int64_t K, per_rank;

  /* ---- the methods with their chosen settings, the forget sets ---- */
  A2D_TRY(a2d_deck_int(ctx->deck, "train", "models", &K));
  A2D_TRY(a2d_deck_int(ctx->deck, "unlearn", "chunk", &per_rank));
  A2D_TRY(a2d_unlearn_deck_methods(ctx->deck, methods, &nmethods));
  A2D_TRY(a2d_tune_chosen_deck(ctx, &tuned));
  if (nsets == 0)
    A2D_FAIL(A2D_ERR_DECK, "%s: [forget] declares no forget sets", a2d_deck_name(ctx->deck));
  A2D_TRY(A2D_CALLOC(names, nsets));
  for (int f = 0; f < nsets; f++) {
    const char *spec;
    A2D_TRY(a2d_deck_named(ctx->deck, "forget", f, &names[f], &spec));
  }

  /* ---- the jobs: /unlearn/<forget>/<method>, method-major (similar costs per round) ---- */
  const int njobs = nmethods * nsets;
  A2D_TRY(A2D_CALLOC(jobs, njobs));
  for (int j = 0; j < njobs; j++) {
    jobs[j] = (a2d_unlearn_job){.method = methods[j / nsets], .deck = tuned, .set = j % nsets};
    snprintf(jobs[j].group, sizeof jobs[j].group, "/unlearn/%s/%s", names[j % nsets],
             methods[j / nsets]->name);
  }
  a2d_log("unlearn: %d methods x %d forget sets x %lld base models = %lld tasks", nmethods, nsets,
          (long long)K, (long long)(njobs * K));
  a2d_unlearn_batch batch = {.label = "unlearn",
                             .state = "/unlearn",
                             .nsets = nsets,
                             .sets = names,
                             .keys = names,
                             .njobs = njobs,
                             .jobs = jobs,
                             .models = K,
                             .per_rank = per_rank,
                             .diverged_as_nan = 1};
  A2D_TRY(a2d_unlearn_run(ctx, &batch));
  for (int f = 0; f < nsets; f++) {
    char path[256], group[256];
    int rank;
    int64_t dims[8];
    snprintf(path, sizeof path, "/forget/%s/indices", names[f]);
    snprintf(group, sizeof group, "/unlearn/%s", names[f]);
    A2D_TRY(a2d_store_shape(ctx->store, path, &rank, dims));
    A2D_TRY(a2d_store_set_int(ctx->store, group, "forget_size", dims[0]));
  }
  for (int j = 0; j < njobs; j++) {
    A2D_TRY(a2d_store_set_string(ctx->store, jobs[j].group, "method", jobs[j].method->summary));
    A2D_TRY(method_settings(tuned, jobs[j].method, &settings));
    A2D_TRY(a2d_store_set_string(ctx->store, jobs[j].group, "settings", settings));
    free(settings);
    settings = NULL;
  }
cleanup:
  free(settings);
  a2d_deck_free(&tuned);
  free(jobs);
  free(names);
  return err;
}
