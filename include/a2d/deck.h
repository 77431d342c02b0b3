/*
 * a2d/deck.h - input decks: INI files checked against one schema.
 *
 * A deck is an INI file:
 *
 *   # a comment (a line starting with # or ;)
 *   [data]
 *   source  = fashion-mnist
 *   n_train = 5000          # an inline comment needs a space before the #
 *   [model]
 *   hidden  = 256, 128      # lists are comma-separated
 *
 * Every section and key that may appear is declared in the schema
 * (a2d_deck_schema, src/deck/schema.c): one table per section, each key with
 * its type, default, range or choices, the stages whose results depend on it,
 * and one sentence of documentation.  The same table drives validation,
 * `a2d check` (the effective deck with defaults filled in) and the reference
 * part of docs/deck.md, so they cannot disagree.
 *
 * Life cycle: a2d_deck_parse (or a2d_deck_load) checks the text line by line;
 * a2d_deck_set applies `--set section.key=value` overrides, checked the same
 * way; a2d_deck_finish fills defaults and checks required keys.  Then the typed
 * getters read values; asking for a key the schema does not declare, or with
 * the wrong type, is a programming error (A2D_ERR_INTERNAL).
 *
 * Every error is A2D_ERR_DECK with a message that names the file and line (or
 * the --set argument) and says what was expected, e.g.
 *   quickstart.ini:12: [train] lr: expected a positive real, got "fast"
 */
#ifndef A2D_DECK_H
#define A2D_DECK_H

#include <stdint.h>
#include <stdio.h>

#include "a2d/error.h"

typedef enum a2d_key_type {
  A2D_KEY_INT,    /* 64-bit integer; optional range */
  A2D_KEY_REAL,   /* double; optional range */
  A2D_KEY_BOOL,   /* true/false, yes/no, on/off, 1/0 */
  A2D_KEY_STRING, /* any text (a path, a name) */
  A2D_KEY_ENUM,   /* one of `choices` */
  A2D_KEY_LIST    /* comma-separated values of type `elem` */
} a2d_key_type;

typedef struct a2d_key_spec {
  const char *name;
  a2d_key_type type;
  a2d_key_type elem;   /* A2D_KEY_LIST: type of each element */
  const char *def;     /* default, as deck text; NULL means the key is required */
  const char *range;   /* numbers: interval such as "[0, inf)" or "(0, 1]"; NULL: any */
  const char *choices; /* enums: "none|unit|standard" */
  const char *stages;  /* stages whose results depend on the key, "prepare,train"; NULL: none */
  const char *doc;     /* one sentence for docs/deck.md */
} a2d_key_spec;

typedef struct a2d_section_spec {
  const char *name;
  const char *doc;
  const a2d_key_spec *keys; /* terminated by an entry with name == NULL */
  /*
   * Named entries: when non-NULL, any other key name (lower case, digits, _
   * and -) is accepted as a user-chosen name whose value is checked against
   * this spec (its `name` is what docs show, e.g. "<name>").  [forget] uses
   * them: `shirts = class:6:50` declares a forget set called shirts.
   */
  const a2d_key_spec *named;
  /*
   * With `named`: the entries' names are other sections' keys and their
   * values lists of that key's values separated by |, each checked against
   * the key, as in [study]: `unlearn.dmm.lr = 0.0003 | 0.001`.
   */
  int sweeps;
} a2d_section_spec;

/* The schema: every section a deck may have, terminated by {NULL}. */
extern const a2d_section_spec a2d_deck_schema[];

typedef struct a2d_deck a2d_deck;

/* Parse deck text; `name` (the file path) prefixes every message. */
a2d_err a2d_deck_parse(const char *name, const char *text, a2d_deck **out);

/* Parse against another schema than a2d_deck_schema (tests use their own). */
a2d_err a2d_deck_parse_schema(const a2d_section_spec *schema, const char *name, const char *text,
                              a2d_deck **out);

/* Read the file at `path` and parse it. */
a2d_err a2d_deck_load(const char *path, a2d_deck **out);

/* Apply one override "section.key=value", validated like a deck line. */
a2d_err a2d_deck_set(a2d_deck *deck, const char *assignment);

/* Fill in defaults and check that every required key is present. */
a2d_err a2d_deck_finish(a2d_deck *deck);

void a2d_deck_free(a2d_deck **deck);

/*
 * A finished copy of deck with `assignments` applied: "section.key=value"
 * overrides separated by ';' ("" for none), each checked like --set.
 */
a2d_err a2d_deck_copy_with(const a2d_deck *deck, const char *assignments, a2d_deck **out);

/* The name given at parse time (the deck's path). */
const char *a2d_deck_name(const a2d_deck *deck);

/* ---- Typed getters (after a2d_deck_finish) ---- */
a2d_err a2d_deck_int(const a2d_deck *deck, const char *section, const char *key, int64_t *v);
a2d_err a2d_deck_real(const a2d_deck *deck, const char *section, const char *key, double *v);
a2d_err a2d_deck_bool(const a2d_deck *deck, const char *section, const char *key, int *v);
a2d_err a2d_deck_string(const a2d_deck *deck, const char *section, const char *key, const char **v);
/* Index of the value in the key's choices ("none|unit|standard": unit -> 1). */
a2d_err a2d_deck_enum(const a2d_deck *deck, const char *section, const char *key, int *v);
/* The value of an enum key as its name ("unit"), for choosing from a registry by name. */
a2d_err a2d_deck_choice(const a2d_deck *deck, const char *section, const char *key,
                        const char **name);
/* Number of elements of a list, and element i as an integer. */
a2d_err a2d_deck_list_len(const a2d_deck *deck, const char *section, const char *key, int *n);
a2d_err a2d_deck_list_int(const a2d_deck *deck, const char *section, const char *key, int i,
                          int64_t *v);
/* Element i copied into buf (size bytes). */
a2d_err a2d_deck_list_string(const a2d_deck *deck, const char *section, const char *key, int i,
                             char *buf, size_t size);

/* Number of named entries of a section (see a2d_section_spec.named), in deck order. */
int a2d_deck_named_count(const a2d_deck *deck, const char *section);

/* Named entry i of a section: its name and value text (valid while the deck lives). */
a2d_err a2d_deck_named(const a2d_deck *deck, const char *section, int i, const char **name,
                       const char **value);

/* Remove every named entry of a section (a study's case decks drop [study]'s). */
void a2d_deck_clear_named(a2d_deck *deck, const char *section);

/* The schema entry of "section.key" (a named entry's template too), or NULL. */
const a2d_key_spec *a2d_deck_key_spec(const a2d_deck *deck, const char *name);

/* The canonical value text of "section.key" (a named entry too), for `a2d get`. */
a2d_err a2d_deck_get(const a2d_deck *deck, const char *name, char *buf, size_t size);

/* Where a key's value came from: "default", "file.ini:12" or "--set" (named entries too). */
const char *a2d_deck_origin(const a2d_deck *deck, const char *section, const char *key);

/* ---- Text forms ---- */

/*
 * The effective deck as deck text, every key of every section in schema
 * order, values in canonical form.  With `annotate`, each line carries a
 * comment saying whether it is a default.  Caller frees *text.
 */
a2d_err a2d_deck_format(const a2d_deck *deck, int annotate, char **text);

/*
 * The canonical "[section] key = value" lines of every key whose results
 * `stage` depends on; two decks agree for a stage iff these texts are equal.
 */
a2d_err a2d_deck_stage_config(const a2d_deck *deck, const char *stage, char **text);

/* The key reference of docs/deck.md, as Markdown, generated from the schema. */
void a2d_deck_write_reference(FILE *out);

#endif
