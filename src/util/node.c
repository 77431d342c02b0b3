/* node.c - the ranks of one node, and memory they share (a2d/node.h). */
#include "a2d/node.h"

#include <stdlib.h>
#include <string.h>

#include "a2d/parallel.h"

/* The pseudo-node size from A2D_NODE_RANKS (0: unset, the real nodes). */
static a2d_err pseudo_node_ranks(int *k) {
  const char *text = getenv("A2D_NODE_RANKS");
  char *end;
  *k = 0;
  if (!text || !*text) return A2D_OK;
  long v = strtol(text, &end, 10);
  if (*end || v < 1 || v > 1 << 20)
    return A2D_ERROR(A2D_ERR_DECK,
                     "A2D_NODE_RANKS=%s: expected a positive whole number of ranks per node", text);
  *k = (int)v;
  return A2D_OK;
}

a2d_err a2d_node_create(MPI_Comm comm, a2d_node *out) {
  a2d_err err = A2D_OK;
  MPI_Comm shm = MPI_COMM_NULL;
  int rank, k, shm_rank, counts[2];
  memset(out, 0, sizeof *out);
  out->node = out->leaders = MPI_COMM_NULL;
  out->live = 1;
  A2D_TRY(pseudo_node_ranks(&k));
  A2D_TRY(A2D_MPI(MPI_Comm_rank(comm, &rank)));
  A2D_TRY(A2D_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &shm)));
  A2D_TRY(A2D_MPI(MPI_Comm_rank(shm, &shm_rank)));
  A2D_TRY(A2D_MPI(MPI_Comm_split(shm, k ? shm_rank / k : 0, rank, &out->node)));
  A2D_TRY(A2D_MPI(MPI_Comm_rank(out->node, &out->node_rank)));
  A2D_TRY(A2D_MPI(MPI_Comm_size(out->node, &out->node_size)));
  A2D_TRY(
      A2D_MPI(MPI_Comm_split(comm, out->node_rank == 0 ? 0 : MPI_UNDEFINED, rank, &out->leaders)));
  if (out->leaders != MPI_COMM_NULL) {
    A2D_TRY(A2D_MPI(MPI_Comm_rank(out->leaders, &counts[0])));
    A2D_TRY(A2D_MPI(MPI_Comm_size(out->leaders, &counts[1])));
  }
  A2D_TRY(A2D_MPI(MPI_Bcast(counts, 2, MPI_INT, 0, out->node)));
  out->index = counts[0];
  out->count = counts[1];
cleanup:
  if (shm != MPI_COMM_NULL) A2D_CLEANUP_MPI(MPI_Comm_free(&shm));
  if (err) a2d_node_free(out);
  return err;
}

a2d_err a2d_node_free(a2d_node *node) {
  a2d_err err = A2D_OK;
  if (!node->live) return A2D_OK;
  if (node->node != MPI_COMM_NULL) A2D_CLEANUP_MPI(MPI_Comm_free(&node->node));
  if (node->leaders != MPI_COMM_NULL) A2D_CLEANUP_MPI(MPI_Comm_free(&node->leaders));
  memset(node, 0, sizeof *node);
  node->node = node->leaders = MPI_COMM_NULL;
  return err;
}

a2d_err a2d_shared_create(const a2d_node *node, size_t bytes, a2d_shared *out) {
  MPI_Aint size;
  int unit;
  void *mine = NULL;
  memset(out, 0, sizeof *out);
  out->win = MPI_WIN_NULL;
  A2D_CHECK(A2D_MPI(MPI_Win_allocate_shared(node->node_rank == 0 ? (MPI_Aint)bytes : 0, 1,
                                            MPI_INFO_NULL, node->node, &mine, &out->win)));
  out->live = 1;
  A2D_CHECK(A2D_MPI(MPI_Win_set_errhandler(out->win, MPI_ERRORS_RETURN)));
  A2D_CHECK(A2D_MPI(MPI_Win_shared_query(out->win, 0, &size, &unit, &out->base)));
  out->bytes = bytes;
  if ((size_t)size < bytes) {
    a2d_shared_free(out);
    return A2D_ERROR(A2D_ERR_MEM, "a node-shared window of %zu bytes came back with %zu", bytes,
                     (size_t)size);
  }
  if (node->node_rank == 0 && bytes) memset(out->base, 0, bytes);
  A2D_CHECK(A2D_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, out->win)));
  out->live = 2; /* locked */
  A2D_CHECK(a2d_shared_publish(node, out));
  return A2D_OK;
}

a2d_err a2d_shared_publish(const a2d_node *node, a2d_shared *s) {
  A2D_CHECK(A2D_MPI(MPI_Win_sync(s->win)));
  A2D_CHECK(A2D_MPI(MPI_Barrier(node->node)));
  A2D_CHECK(A2D_MPI(MPI_Win_sync(s->win)));
  return A2D_OK;
}

a2d_err a2d_shared_free(a2d_shared *s) {
  a2d_err err = A2D_OK;
  if (s->live == 2) A2D_CLEANUP_MPI(MPI_Win_unlock_all(s->win));
  if (s->live) A2D_CLEANUP_MPI(MPI_Win_free(&s->win));
  memset(s, 0, sizeof *s);
  s->win = MPI_WIN_NULL;
  return err;
}
