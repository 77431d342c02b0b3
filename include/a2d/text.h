/*
 * a2d/text.h - small helpers for text: whole text files and comma-separated
 * name lists.
 *
 * Decks, index lists and a study's case files are read whole with
 * a2d_read_text_file; a key's `stages` and a stage's `needs` are lists such
 * as "prepare,train" asked with a2d_list_has.
 */
#ifndef A2D_TEXT_H
#define A2D_TEXT_H

#include <stddef.h>

#include "a2d/error.h"

/*
 * Read the whole file at `path` into a NUL-terminated buffer *text (the
 * caller frees it) and its length in bytes into *len (unless len is NULL);
 * a file with NUL bytes reads whole, so strlen(*text) < *len tells it apart.
 * Raises A2D_ERR_IO when the file cannot be opened or read.
 */
a2d_err a2d_read_text_file(const char *path, char **text, size_t *len);

/* Whether a comma-separated list (a key's `stages`, a stage's `needs`) names `name`. */
int a2d_list_has(const char *list, const char *name);

#endif
