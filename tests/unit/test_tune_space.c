/*
 * test_tune_space.c - search spaces of held-out tuning: every form parses,
 * every malformed one is refused naming its origin, draws stay in range,
 * integer ranges reach both ends, every choice is drawn, a log-uniform
 * draw's median sits at the geometric mean of its range, and draws depend
 * on (seed, method, configuration) only.
 * Ranks: 1.  Reference: the ranges and the medians of the distributions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/tune_space.h"
#include "check.h"

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_parse(void) {
  a2d_space s;
  CHECK_OK(a2d_space_parse("log:1e-4:1e-1", "d.ini:3: [tune.dmm] lr", &s));
  CHECK(s.kind == A2D_SPACE_LOG && s.lo == 1e-4 && s.hi == 1e-1);
  a2d_space_free(&s);
  CHECK_OK(a2d_space_parse("int:1:10", "x", &s));
  CHECK(s.kind == A2D_SPACE_INT && s.lo == 1 && s.hi == 10);
  a2d_space_free(&s);
  CHECK_OK(a2d_space_parse("int:5:5", "x", &s)); /* one value is a space too */
  a2d_space_free(&s);
  CHECK_OK(a2d_space_parse(" sgd | adam ", "x", &s));
  CHECK(s.kind == A2D_SPACE_CHOICE && s.nchoices == 2 && !strcmp(s.choices[0], "sgd") &&
        !strcmp(s.choices[1], "adam"));
  a2d_space_free(&s);
  CHECK_OK(a2d_space_parse("3", "x", &s)); /* a fixed value: one choice */
  CHECK(s.kind == A2D_SPACE_CHOICE && s.nchoices == 1);
  a2d_space_free(&s);
  CHECK_FAILS(a2d_space_parse("log:0:1", "d.ini:3: [tune.dmm] lr", &s), A2D_ERR_DECK,
              "d.ini:3: [tune.dmm] lr: log:0:1: a log-uniform range needs 0 < LO");
  CHECK_FAILS(a2d_space_parse("lin:2:1", "o", &s), A2D_ERR_DECK, "LO must be below HI");
  CHECK_FAILS(a2d_space_parse("int:1.5:3", "o", &s), A2D_ERR_DECK, "LO and HI must be integers");
  CHECK_FAILS(a2d_space_parse("log:a:1", "o", &s), A2D_ERR_DECK, "LO and HI must be numbers");
  CHECK_FAILS(a2d_space_parse("lin:1", "o", &s), A2D_ERR_DECK, "expected log:LO:HI");
  CHECK_FAILS(a2d_space_parse("a||b", "o", &s), A2D_ERR_DECK, "an empty value");
}

static void test_draws(void) {
  enum { DRAWS = 4001 };
  a2d_space lg, in, ch;
  CHECK_OK(a2d_space_parse("log:1e-4:1e-2", "x", &lg));
  CHECK_OK(a2d_space_parse("int:2:4", "x", &in));
  CHECK_OK(a2d_space_parse("a|b|c", "x", &ch));
  double *v = malloc(DRAWS * sizeof *v);
  int inside = 1, ends[5] = {0}, seen[3] = {0};
  char buf[64];
  for (int c = 0; v && c < DRAWS; c++) {
    a2d_rng rng;
    a2d_space_seed(&rng, 7, "dmm", c);
    a2d_space_draw(&lg, &rng, buf, sizeof buf);
    v[c] = atof(buf);
    inside &= v[c] >= 1e-4 * (1 - 1e-5) && v[c] <= 1e-2 * (1 + 1e-5);
    a2d_space_draw(&in, &rng, buf, sizeof buf);
    int k = atoi(buf);
    inside &= k >= 2 && k <= 4;
    if (k >= 2 && k <= 4) ends[k]++;
    a2d_space_draw(&ch, &rng, buf, sizeof buf);
    seen[buf[0] - 'a']++;
  }
  CHECK(inside);
  CHECK(ends[2] > 0 && ends[4] > 0); /* both ends of an integer range */
  CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
  /* log-uniform: the median is the geometric mean 1e-3 (within 10% with 4001 draws) */
  if (v) {
    qsort(v, DRAWS, sizeof *v, compare_double);
    CHECK(fabs(v[DRAWS / 2] / 1e-3 - 1) < 0.1);
  }
  /* the same (seed, method, configuration), the same draw; another method, another */
  char a[64], b[64], d[64];
  a2d_rng r1, r2, r3;
  a2d_space_seed(&r1, 7, "dmm", 3);
  a2d_space_seed(&r2, 7, "dmm", 3);
  a2d_space_seed(&r3, 7, "ga", 3);
  a2d_space_draw(&lg, &r1, a, sizeof a);
  a2d_space_draw(&lg, &r2, b, sizeof b);
  a2d_space_draw(&lg, &r3, d, sizeof d);
  CHECK(!strcmp(a, b) && strcmp(a, d));
  free(v);
  a2d_space_free(&lg);
  a2d_space_free(&in);
  a2d_space_free(&ch);
}

int main(void) {
  test_parse();
  test_draws();
  return check_summary("test_tune_space");
}
