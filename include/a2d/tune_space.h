/*
 * a2d/tune_space.h - search spaces for held-out tuning: the values one deck
 * key may take, and seeded draws from them.
 *
 * A space is written where the key's value would be, in a method's tuning
 * section (`[tune.dmm] lr = log:1e-4:1e-2`):
 *
 *   log:LO:HI     a real, log-uniform in [LO, HI] (0 < LO < HI): learning rates
 *   lin:LO:HI     a real, uniform in [LO, HI] (LO < HI)
 *   int:LO:HI     an integer, uniform in [LO, HI] (LO <= HI), both ends included
 *   A | B | C     one of the listed values, each as likely
 *
 * A draw is text (reals with 6 significant digits), so that the caller checks
 * it like the key itself and records it in the study file as the deck would.
 *
 *   a2d_space s;
 *   A2D_CHECK(a2d_space_parse("log:1e-4:1e-2", "d.ini:12", &s));
 *   a2d_rng rng;
 *   a2d_space_seed(&rng, seed, "dmm", config);
 *   a2d_space_draw(&s, &rng, buf, sizeof buf);      (per key, in a fixed order)
 *   a2d_space_free(&s);
 */
#ifndef A2D_TUNE_SPACE_H
#define A2D_TUNE_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "a2d/error.h"
#include "a2d/rng.h"

typedef enum a2d_space_kind {
  A2D_SPACE_LOG,   /* log:LO:HI */
  A2D_SPACE_LIN,   /* lin:LO:HI */
  A2D_SPACE_INT,   /* int:LO:HI */
  A2D_SPACE_CHOICE /* A | B | C */
} a2d_space_kind;

typedef struct a2d_space {
  a2d_space_kind kind;
  double lo, hi;  /* LOG, LIN, INT */
  int nchoices;   /* CHOICE */
  char **choices; /* CHOICE: the values, trimmed */
} a2d_space;

/*
 * Parse `text` into s; a malformed space is A2D_ERR_DECK naming `origin`
 * (e.g. "d.ini:12: [tune.dmm] lr") and what was expected.
 */
a2d_err a2d_space_parse(const char *text, const char *origin, a2d_space *s);
void a2d_space_free(a2d_space *s);

/* Seed rng for configuration `config` of `method` (stream A2D_STREAM_TUNE_CONFIG). */
void a2d_space_seed(a2d_rng *rng, uint64_t seed, const char *method, int64_t config);

/* One value drawn from s, as text into buf. */
void a2d_space_draw(const a2d_space *s, a2d_rng *rng, char *buf, size_t size);

#endif
