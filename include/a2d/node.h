/*
 * a2d/node.h - the ranks of one node, and memory they share.
 *
 * Large read-only data (the datamodel regression's count matrix, the
 * ensemble's masks) is held once per node in an MPI shared-memory window
 * rather than once per rank: one rank of the node allocates it, every rank of
 * the node reads it in place.
 *
 * A node is what MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) says it is.  For
 * tests on one machine, the environment variable A2D_NODE_RANKS=k splits it
 * further into pseudo-nodes of k consecutive ranks, so that the exchange
 * between nodes runs too.
 *
 *   a2d_node node;
 *   A2D_CHECK(a2d_node_create(comm, &node));
 *   a2d_shared buf;
 *   A2D_CHECK(a2d_shared_create(&node, bytes, &buf));  // collective on the node
 *   ... each rank writes its own part of buf.base ...
 *   A2D_CHECK(a2d_shared_publish(&node, &buf));        // the writes are seen by all
 *   ... read buf.base ...
 *   a2d_shared_free(&buf);
 *   a2d_node_free(&node);
 */
#ifndef A2D_NODE_H
#define A2D_NODE_H

#include <mpi.h>
#include <stddef.h>

#include "a2d/error.h"

typedef struct a2d_node {
  int live;         /* created (a zeroed struct is safe to free) */
  MPI_Comm node;    /* the ranks of this node */
  MPI_Comm leaders; /* rank 0 of every node (MPI_COMM_NULL on the others) */
  int node_rank, node_size;
  int index, count; /* this node's number, and how many nodes (on every rank) */
} a2d_node;

/* Collective on comm: group its ranks by node (and by A2D_NODE_RANKS, if set). */
a2d_err a2d_node_create(MPI_Comm comm, a2d_node *out);
a2d_err a2d_node_free(a2d_node *node);

/* A block of memory shared by the ranks of one node. */
typedef struct a2d_shared {
  int live;    /* created (a zeroed struct is safe to free) */
  MPI_Win win; /* the window */
  void *base;  /* the node's copy, the same bytes on every rank of the node */
  size_t bytes;
} a2d_shared;

/* Collective on the node: allocate `bytes` (zeroed), held by its rank 0. */
a2d_err a2d_shared_create(const a2d_node *node, size_t bytes, a2d_shared *out);

/* Collective on the node: make every rank's writes so far visible to all of them. */
a2d_err a2d_shared_publish(const a2d_node *node, a2d_shared *s);

a2d_err a2d_shared_free(a2d_shared *s);

#endif
