/* rank: exact "how many scores are better than X" without scanning scores.
 *
 * Each score table keeps a trie of counts over the 64-bit order image of
 * its sort values (key_sort_image: smaller image = better). Level L (1..16)
 * holds one counter per distinct prefix of L hex digits (nibbles) of the
 * image: how many scores start with that prefix. Counting the scores below
 * an image t walks the 16 levels; at level L it adds the counters of the
 * siblings of t's prefix whose L-th nibble is smaller than t's. That is at
 * most 16 cursor positionings and 15*16 adjacent reads, whatever the number
 * of scores: the cost grows with log16 of the value range, not with n.
 * An insert or delete updates 16 counters in the same write transaction as
 * the score itself, so ranks are exact at every commit. */
#ifndef ARCADE_RANK_H
#define ARCADE_RANK_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#define RANK_LEVELS 16

/* `prefix` scopes the trie (entity byte, game, table). delta is +1 or -1. */
int rank_add(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix, size_t plen, uint64_t img, int delta);
/* Number of entries whose image is strictly smaller than img. */
int rank_count_below(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix, size_t plen, uint64_t img,
		     uint64_t *out);
#endif
