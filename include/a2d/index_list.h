/*
 * a2d/index_list.h - index lists: text files naming training points, for
 * the file:PATH forget sets.
 *
 * One index per line, a position 0..n-1 in the prepared training set; blank
 * lines and # comments (whole-line or trailing) are ignored; LF or CRLF.
 *
 *   # mislabelled shirts
 *   17
 *   4211   # found by hand
 *
 * Refused with A2D_ERR_DATA, naming file and line: a line that is not one
 * non-negative integer, an index >= n, an index listed twice (naming the
 * first line), a file with NUL bytes or with no index at all.  A file that
 * cannot be opened or read is A2D_ERR_IO.
 */
#ifndef A2D_INDEX_LIST_H
#define A2D_INDEX_LIST_H

#include <stdint.h>

#include "a2d/error.h"

/*
 * Read the index list at `path` for a training set of n points: *idx (caller
 * frees) holds its *count indices in increasing order, whatever the file's.
 * With n < 0 only the syntax and repeats are checked (no range; *idx NULL).
 */
a2d_err a2d_index_list_read(const char *path, int64_t n, int64_t **idx, int64_t *count);

#endif
