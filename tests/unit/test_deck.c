/*
 * test_deck.c - deck parsing: valid decks, typed look-ups, defaults, overrides,
 * canonical text, and every class of error with its line number.
 * Ranks: 1.  Reference: the expected messages below.
 */
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"
#include "check.h"

/* A schema of our own, with every key type. */
static const a2d_key_spec train_keys[] = {
    {"lr", A2D_KEY_REAL, 0, "0.1", "(0, inf)", NULL, "train", "learning rate"},
    {"epochs", A2D_KEY_INT, 0, "10", "[1, inf)", NULL, "train", "epochs"},
    {"fraction", A2D_KEY_REAL, 0, "0.5", "(0, 1]", NULL, "train", "a fraction"},
    {"nesterov", A2D_KEY_BOOL, 0, "false", NULL, NULL, "train", "Nesterov momentum"},
    {"schedule", A2D_KEY_ENUM, 0, "constant", NULL, "constant|step|cosine", "train", "schedule"},
    {"hidden", A2D_KEY_LIST, A2D_KEY_INT, "256, 128", "[1, inf)", NULL, "train", "hidden sizes"},
    {"methods", A2D_KEY_LIST, A2D_KEY_ENUM, "ga", NULL, "ga|gd|dmm", NULL, "methods"},
    {"name", A2D_KEY_STRING, 0, "", NULL, NULL, NULL, "a name"},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}};
static const a2d_key_spec output_keys[] = {
    {"path", A2D_KEY_STRING, 0, NULL, NULL, NULL, NULL, "study file"},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}};
static const a2d_key_spec sets_keys[] = {
    {"seed", A2D_KEY_INT, 0, "3", "[0, inf)", NULL, "sets", "seed"},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}};
static const a2d_key_spec sets_named = {"<name>", A2D_KEY_STRING, 0,          NULL,
                                        NULL,     NULL,           "sets,use", "a named set"};
static const a2d_section_spec schema[] = {{"output", "output", output_keys, NULL, 0},
                                          {"train", "training", train_keys, NULL, 0},
                                          {"sets", "named sets", sets_keys, &sets_named, 0},
                                          {NULL, NULL, NULL, NULL, 0}};

/* Parse text against the test schema, then finish. */
static a2d_err parse(const char *text, a2d_deck **deck) {
  A2D_CHECK(a2d_deck_parse_schema(schema, "t.ini", text, deck));
  A2D_CHECK(a2d_deck_finish(*deck));
  return A2D_OK;
}

/* Expect `text` to be refused with a message containing `expected`. */
static void refused(const char *text, const char *expected) {
  a2d_deck *deck = NULL;
  CHECK_FAILS(parse(text, &deck), A2D_ERR_DECK, expected);
  a2d_deck_free(&deck);
}

static void test_valid(void) {
  const char *text =
      "# a comment\n"
      "; another comment\n"
      "[output]\n"
      "path = \"results/a b.h5\"\n"
      "\n"
      "[train]\r\n"
      "  lr = 1e-3   # inline comment\n"
      "epochs=20\n"
      "nesterov = yes\n"
      "schedule = cosine ; inline comment\n"
      "hidden = 512 ,64, 32\n"
      "methods = dmm, gd\n";
  a2d_deck *deck = NULL;
  CHECK_OK(parse(text, &deck));
  if (!deck) return;
  double lr, fraction;
  int64_t epochs, h;
  int b, e, n;
  const char *path;
  char buf[32];
  CHECK_OK(a2d_deck_real(deck, "train", "lr", &lr));
  CHECK(lr == 1e-3);
  CHECK_OK(a2d_deck_int(deck, "train", "epochs", &epochs));
  CHECK(epochs == 20);
  CHECK_OK(a2d_deck_real(deck, "train", "fraction", &fraction));
  CHECK(fraction == 0.5); /* default */
  CHECK_OK(a2d_deck_bool(deck, "train", "nesterov", &b));
  CHECK(b == 1);
  CHECK_OK(a2d_deck_enum(deck, "train", "schedule", &e));
  CHECK(e == 2);
  CHECK_OK(a2d_deck_string(deck, "output", "path", &path));
  CHECK(!strcmp(path, "results/a b.h5"));
  CHECK_OK(a2d_deck_list_len(deck, "train", "hidden", &n));
  CHECK(n == 3);
  CHECK_OK(a2d_deck_list_int(deck, "train", "hidden", 1, &h));
  CHECK(h == 64);
  CHECK_OK(a2d_deck_list_string(deck, "train", "methods", 0, buf, sizeof buf));
  CHECK(!strcmp(buf, "dmm"));
  CHECK(!strcmp(a2d_deck_origin(deck, "train", "epochs"), "t.ini:8"));
  CHECK(!strcmp(a2d_deck_origin(deck, "train", "fraction"), "default"));

  /* Overrides are checked like deck lines and win over the file. */
  CHECK_OK(a2d_deck_set(deck, "train.epochs=7"));
  CHECK_OK(a2d_deck_int(deck, "train", "epochs", &epochs));
  CHECK(epochs == 7);
  CHECK(!strcmp(a2d_deck_origin(deck, "train", "epochs"), "--set"));
  CHECK_FAILS(a2d_deck_set(deck, "train.lr=fast"), A2D_ERR_DECK,
              "--set train.lr=fast: [train] lr: expected a positive real, got \"fast\"");
  CHECK_FAILS(a2d_deck_set(deck, "trian.lr=1"), A2D_ERR_DECK,
              "unknown section [trian]; did you mean [train]?");
  CHECK_FAILS(a2d_deck_set(deck, "train.epoch=1"), A2D_ERR_DECK,
              "[train] unknown key \"epoch\"; did you mean \"epochs\"?");
  CHECK_FAILS(a2d_deck_set(deck, "lr=1"), A2D_ERR_DECK, "expected section.key=value");

  /* Wrong-type look-ups are programming errors. */
  CHECK_FAILS(a2d_deck_int(deck, "train", "lr", &epochs), A2D_ERR_INTERNAL, "wrong type");
  CHECK_FAILS(a2d_deck_int(deck, "train", "nothing", &epochs), A2D_ERR_INTERNAL,
              "not in the schema");

  /* Canonical forms: the same values written differently give the same config. */
  char *config = NULL, *config2 = NULL;
  CHECK_OK(a2d_deck_stage_config(deck, "train", &config));
  a2d_deck *deck2 = NULL;
  CHECK_OK(
      parse("[output]\npath=x\n[train]\nlr=0.001\nepochs=07\nnesterov=TRUE\n"
            "schedule=cosine\nhidden=512,64,32\n",
            &deck2));
  if (deck2) {
    CHECK_OK(a2d_deck_stage_config(deck2, "train", &config2));
    CHECK(config && config2 && !strcmp(config, config2));
    CHECK(config && strstr(config, "[train] hidden = 512, 64, 32\n"));
    CHECK(config && !strstr(config, "methods")); /* no stage depends on it */
  }
  free(config);
  free(config2);

  /* The effective deck is itself a valid deck with the same values. */
  char *text2 = NULL;
  CHECK_OK(a2d_deck_format(deck, 0, &text2));
  a2d_deck *deck3 = NULL;
  if (text2) CHECK_OK(parse(text2, &deck3));
  if (deck3) {
    CHECK_OK(a2d_deck_int(deck3, "train", "epochs", &epochs));
    CHECK(epochs == 7);
  }
  free(text2);
  a2d_deck_free(&deck);
  a2d_deck_free(&deck2);
  a2d_deck_free(&deck3);
}

static void test_errors(void) {
  a2d_deck *deck = (a2d_deck *)&deck; /* a failed parse leaves no deck behind */
  CHECK_FAILS(a2d_deck_parse_schema(schema, "t.ini", "[x]\n", &deck), A2D_ERR_DECK, "t.ini:1");
  CHECK(deck == NULL);
  refused("[output]\npath = x\n[train]\nlr = fast\n",
          "t.ini:4: [train] lr: expected a positive real, got \"fast\"");
  refused("[output]\npath = x\n[train]\nlr = 0\n", "t.ini:4: [train] lr: expected a positive real");
  refused("[output]\npath=x\n[train]\nepochs = 2.5\n",
          "t.ini:4: [train] epochs: expected a positive integer, got \"2.5\"");
  refused("[output]\npath=x\n[train]\nepochs = 0\n",
          "t.ini:4: [train] epochs: expected a positive integer, got \"0\"");
  refused("[output]\npath=x\n[train]\nfraction = 1.5\n",
          "t.ini:4: [train] fraction: expected a real in (0, 1], got \"1.5\"");
  refused("[output]\npath=x\n[train]\nnesterov = maybe\n",
          "t.ini:4: [train] nesterov: expected a boolean (true or false), got \"maybe\"");
  refused("[output]\npath=x\n[train]\nschedule = cosin\n",
          "t.ini:4: [train] schedule: expected one of constant, step, cosine, got \"cosin\"; did "
          "you mean \"cosine\"?");
  refused("[output]\npath=x\n[train]\nhidden = 64, x\n",
          "t.ini:4: [train] hidden: list element 2: expected a positive integer, got \"x\"");
  refused("[output]\npath=x\n[train]\nhidden = 64,,8\n",
          "t.ini:4: [train] hidden: element 2 of the list is empty");
  refused("[output]\npath=x\n[trian]\n", "t.ini:3: unknown section [trian]; did you mean [train]?");
  refused("[output]\npath=x\n[zzzzzz]\n", "t.ini:3: unknown section [zzzzzz]");
  refused("[output]\npath=x\n[train]\n\nepochz = 3\n",
          "t.ini:5: [train] unknown key \"epochz\"; did you mean \"epochs\"?");
  refused("[output]\npath=x\n[train]\nlr = 1\nepochs = 2\nlr = 2\n",
          "t.ini:6: [train] lr: duplicate key (first set on line 4)");
  refused("[train]\nlr = 1\n", "t.ini: [output] path: required key is missing");
  refused("lr = 1\n", "t.ini:1: key \"lr\" before any [section]");
  refused("[output]\npath=x\nthis is not a line\n",
          "t.ini:3: expected \"key = value\" or \"[section]\", got \"this is not a line\"");
  refused("[output\n", "t.ini:1: expected \"[section]\"");
  refused("[output] extra\n", "t.ini:1: unexpected text after [output]");
  refused("[output]\nPath = x\n", "t.ini:2: expected a key name");
}

/* Sections with named entries: any name, in deck order, in the stage config and the text form. */
static void test_named(void) {
  a2d_deck *deck = NULL;
  const char *name, *value;
  CHECK_OK(
      parse("[output]\npath = x\n[sets]\nshirts = class:6:50\nseed = 4\nr10 = random:10\n", &deck));
  if (!deck) return;
  CHECK(a2d_deck_named_count(deck, "sets") == 2);
  CHECK(a2d_deck_named_count(deck, "train") == 0);
  CHECK_OK(a2d_deck_named(deck, "sets", 0, &name, &value));
  CHECK(!strcmp(name, "shirts") && !strcmp(value, "class:6:50"));
  CHECK_OK(a2d_deck_named(deck, "sets", 1, &name, &value));
  CHECK(!strcmp(name, "r10") && !strcmp(value, "random:10"));
  CHECK(!strcmp(a2d_deck_origin(deck, "sets", "r10"), "t.ini:6"));
  CHECK_OK(a2d_deck_set(deck, "sets.r10=random:20"));
  CHECK_OK(a2d_deck_set(deck, "sets.extra=random:5"));
  CHECK(a2d_deck_named_count(deck, "sets") == 3);
  char *config = NULL;
  CHECK_OK(a2d_deck_stage_config(deck, "use", &config));
  CHECK(config && !strcmp(config,
                          "[sets] shirts = class:6:50\n[sets] r10 = random:20\n"
                          "[sets] extra = random:5\n"));
  free(config);
  char *text = NULL;
  CHECK_OK(a2d_deck_format(deck, 0, &text));
  CHECK(text && strstr(text, "[sets]\nseed = 4\nshirts = class:6:50\n"));
  free(text);
  a2d_deck_free(&deck);
  refused("[output]\npath = x\n[sets]\na = random:1\na = random:2\n",
          "t.ini:5: [sets] a: duplicate key (first set on line 4)");
  refused("[output]\npath = x\n[sets]\n9lives = random:1\n",
          "t.ini:4: [sets] 9lives: a name must start with a lower-case letter");
  refused("[output]\npath = x\n[train]\nshirts = 1\n", "t.ini:4: [train] unknown key \"shirts\"");
}

/* The shipped schema: every default is valid for its own key, every deck in inputs/ parses. */
static void test_real_schema(void) {
  a2d_deck *deck = NULL;
  CHECK_OK(a2d_deck_parse("inline.ini", "[output]\npath = x.h5\n", &deck));
  if (deck) CHECK_OK(a2d_deck_finish(deck));
  char *text = NULL;
  if (deck) CHECK_OK(a2d_deck_format(deck, 0, &text));
  a2d_deck *again = NULL;
  if (text) CHECK_OK(a2d_deck_parse("effective.ini", text, &again));
  free(text);
  a2d_deck_free(&again);
  a2d_deck_free(&deck);
  const char *src = getenv("A2D_SOURCE_DIR");
  if (src) {
    char path[1024];
    snprintf(path, sizeof path, "%s/inputs/quickstart.ini", src);
    CHECK_OK(a2d_deck_load(path, &deck));
    if (deck) CHECK_OK(a2d_deck_finish(deck));
    a2d_deck_free(&deck);
  }
}

/* A copy with overrides: the original untouched, named entries kept, a bad override refused. */
static void test_copy_with(void) {
  a2d_deck *deck = NULL, *copy = NULL;
  double lr = 0;
  const char *name, *spec;
  CHECK_OK(a2d_deck_parse("copy.ini",
                          "[output]\npath = x.h5\n[forget]\nshirts = class:6:50\n"
                          "[unlearn.dmm]\nlr = 0.002\n",
                          &deck));
  if (!deck) return;
  CHECK_OK(a2d_deck_finish(deck));
  CHECK_OK(a2d_deck_copy_with(deck, "unlearn.dmm.lr=0.0005;unlearn.dmm.epochs=3", &copy));
  if (copy) {
    int64_t epochs = 0;
    CHECK_OK(a2d_deck_real(copy, "unlearn.dmm", "lr", &lr));
    CHECK(lr == 0.0005);
    CHECK_OK(a2d_deck_int(copy, "unlearn.dmm", "epochs", &epochs));
    CHECK(epochs == 3);
    CHECK(a2d_deck_named_count(copy, "forget") == 1);
    CHECK_OK(a2d_deck_named(copy, "forget", 0, &name, &spec));
    CHECK(!strcmp(name, "shirts") && !strcmp(spec, "class:6:50"));
  }
  CHECK_OK(a2d_deck_real(deck, "unlearn.dmm", "lr", &lr));
  CHECK(lr == 0.002);
  a2d_deck_free(&copy);
  CHECK_FAILS(a2d_deck_copy_with(deck, "unlearn.dmm.lr=-1", &copy), A2D_ERR_DECK, "lr");
  CHECK(copy == NULL);
  a2d_deck_free(&deck);
}

int main(void) {
  test_valid();
  test_copy_with();
  test_errors();
  test_named();
  test_real_schema();
  return check_summary("test_deck");
}
