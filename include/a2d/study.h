/*
 * a2d/study.h - parameter studies: a deck's [study] section expanded into one
 * deck per case, and the cases' evaluation summaries collected into one table.
 *
 *   [study]
 *   mode = grid                      # every combination; zip: the i-th values together
 *   unlearn.dmm.lr     = 0.0003 | 0.001
 *   unlearn.dmm.epochs = 5 | 10
 *
 * `a2d study expand DECK [--out FOLDER]` writes, for each case, FOLDER/<case>.ini:
 * the effective deck with the case's values set, [study] emptied, relative
 * `file:` forget lists made absolute and [output] path FOLDER/<case>.h5.  The
 * case name encodes the values (000_lr-0.0003_epochs-5).  FOLDER/manifest.tsv
 * lists the cases, one per line, tab-separated:
 *
 *   case  deck                         study                       unlearn.dmm.lr  ...
 *   0     /abs/FOLDER/000_lr-...ini    /abs/FOLDER/000_lr-...h5   0.0003          ...
 *
 * Case i is Slurm array task i (jobs/slurm/a2d.sbatch FOLDER).  Expanding the
 * same deck again rewrites the same files; a folder holding another expansion
 * is refused unless forced.
 *
 * `a2d study collect FOLDER` reads each case's /eval/summary into
 * FOLDER/collected.csv (case and swept values as leading columns) and prints
 * an aligned table.  Cases whose study file is missing, unreadable, or not
 * evaluated are listed by name with the reason, and make the result
 * A2D_ERR_STATE after the others are written.  When the study sweeps seeds
 * (keys named `seed`: `train.seed = 1 | 2 | 3`), the cases that differ only
 * in their seeds are repeats: collect also prints, per combination of the
 * other swept values, forget set and method, the mean, standard deviation and
 * range of KLoM95 over the repeats, and writes them to FOLDER/seeds.csv.
 */
#ifndef A2D_STUDY_H
#define A2D_STUDY_H

#include <stdint.h>
#include <stdio.h>

#include "a2d/deck.h"
#include "a2d/summary.h"

/* The cases of a [study] section. */
typedef struct a2d_study_plan {
  int nkeys;
  char **keys;    /* "section.key", in deck order */
  char **tags;    /* the shortest dotted suffix of each key unique among them ("lr", "dmm.lr") */
  int *nvalues;   /* values per key */
  char ***values; /* values[k][v], trimmed deck text */
  int zip;        /* mode = zip */
  int64_t ncases;
} a2d_study_plan;

/* Read [study] of a finished deck; no keys, or zip lists of unequal length, are A2D_ERR_DECK. */
a2d_err a2d_study_plan_create(const a2d_deck *deck, a2d_study_plan *plan);

/* Index into values[k] of key k in case c (grid: the last key varies fastest). */
int a2d_study_value_index(const a2d_study_plan *plan, int64_t c, int k);

void a2d_study_plan_free(a2d_study_plan *plan);

/*
 * Write the case decks and the manifest into `folder` (NULL: beside the
 * deck's study file, <[output] path without .h5>-study).  Every case deck is
 * checked like `a2d check` before anything is written.  Progress to `log`.
 */
a2d_err a2d_study_expand(const a2d_deck *deck, const char *folder, int force, FILE *log);

/* Gather the summaries of the cases in `folder` (see above); the table goes to `out`. */
a2d_err a2d_study_collect(const char *folder, FILE *out);

/* 1 when a swept key is a seed (its last part is `seed`). */
int a2d_study_is_seed_key(const char *key);

/*
 * The repeats over seeds of the collected rows t: rows whose group[i] (the
 * other swept values, as a table lead) and forget set and method agree are
 * summarised together; the table to out under `header`, CSV to csv under
 * `csv_header` with csv_group[i] leading each line.
 */
a2d_err a2d_study_print_repeats(FILE *out, FILE *csv, const char *header, const char *csv_header,
                                const a2d_summary_table *t, char *const *group,
                                char *const *csv_group);

#endif
