/* tuning.c - stage tune's choices for the report (a2d/tuning.h). */
#include "a2d/tuning.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/unlearn.h"

/* "unlearn.dmm.lr=0.001;unlearn.dmm.epochs=7" as "lr=0.001, epochs=7", in place. */
static void short_assignments(char *s) {
  char *out = s;
  for (char *a = s; *a;) {
    char *end = strchr(a, ';');
    size_t len = end ? (size_t)(end - a) : strlen(a);
    char *eq = memchr(a, '=', len), *dot = a;
    for (char *p = a; eq && p < eq; p++)
      if (*p == '.') dot = p + 1;
    if (out != s) *out++ = ',', *out++ = ' ';
    memmove(out, dot, len - (size_t)(dot - a));
    out += len - (size_t)(dot - a);
    a = end ? end + 1 : a + len;
  }
  *out = '\0';
}

a2d_err a2d_tuning_read(a2d_store *store, const char *tune, a2d_tuning *t) {
  int exists, present;
  char group[160];
  memset(t, 0, sizeof *t);
  A2D_CHECK(a2d_store_exists(store, tune, &exists));
  if (!exists) return A2D_OK;
  t->present = 1;
  A2D_CHECK(a2d_store_get_int(store, tune, "configs", &t->configs, &present));
  if (t->configs == 0) return A2D_OK;
  A2D_CHECK(a2d_store_get_int(store, tune, "models", &t->models, &present));
  A2D_CHECK(a2d_store_get_int(store, tune, "oracles", &t->oracles, &present));
  A2D_CHECK(a2d_store_get_string(store, tune, "sets", &t->sets));
  for (int i = 0; a2d_unlearn_methods[i] && t->nmethods < 16; i++) {
    snprintf(group, sizeof group, "%s/%s", tune, a2d_unlearn_methods[i]->name);
    A2D_CHECK(a2d_store_exists(store, group, &exists));
    if (!exists) continue;
    a2d_tuned_method *m = &t->methods[t->nmethods++];
    snprintf(m->name, sizeof m->name, "%s", a2d_unlearn_methods[i]->name);
    A2D_CHECK(a2d_store_get_int(store, group, "configs", &m->configs, &present));
    A2D_CHECK(a2d_store_get_real(store, group, "best_score", &m->best_score, &present));
    A2D_CHECK(a2d_store_get_string(store, group, "chosen", &m->chosen));
    A2D_CHECK(a2d_store_get_string(store, group, "edges", &m->edges));
    short_assignments(m->chosen);
  }
  return A2D_OK;
}

void a2d_tuning_free(a2d_tuning *t) {
  free(t->sets);
  for (int i = 0; i < t->nmethods; i++) free(t->methods[i].chosen), free(t->methods[i].edges);
  memset(t, 0, sizeof *t);
}

void a2d_tuning_print(FILE *out, const a2d_tuning *t, int markdown) {
  if (!t->present) return;
  fprintf(out, markdown ? "\n## Tuning\n\n" : "\nTuning\n");
  if (t->configs == 0) {
    fprintf(out,
            "Off ([tune] configs = 0): every method ran with the deck's settings; this study did "
            "not choose them on held-out sets, so it cannot say how much of a gap the choice "
            "bought.\n");
    return;
  }
  fprintf(out,
          "Every method's settings were chosen on tuning sets no reported figure uses (%s), "
          "each with %lld oracles of its own, from the first %lld base models; %lld "
          "configurations per method drawn from its [tune.METHOD] space (one, the deck's "
          "settings, for a method without a space). Criterion: mean over the tuning sets of "
          "(KLoM95 forget + KLoM95 retain) / 2, lower is better; scores at %lld models against "
          "%lld oracles are not comparable with the figures above.\n\n",
          t->sets, (long long)t->oracles, (long long)t->models, (long long)t->configs,
          (long long)t->models, (long long)t->oracles);
  if (markdown)
    fprintf(out,
            "| method | configs | best score | chosen | outer 10%% of its range |\n"
            "|---|---:|---:|---|---|\n");
  else
    fprintf(out, "%-16s %7s %10s  %s\n", "method", "configs", "best", "chosen");
  for (int i = 0; i < t->nmethods; i++) {
    const a2d_tuned_method *m = &t->methods[i];
    const char *chosen = *m->chosen ? m->chosen : "the deck's settings";
    if (markdown)
      fprintf(out, "| %s | %lld | %.3f | %s | %s |\n", m->name, (long long)m->configs,
              m->best_score, chosen, *m->edges ? m->edges : "");
    else
      fprintf(out, "%-16s %7lld %10.3f  %s%s%s%s\n", m->name, (long long)m->configs, m->best_score,
              chosen, *m->edges ? "  [at the edge: " : "", m->edges, *m->edges ? "]" : "");
  }
}
