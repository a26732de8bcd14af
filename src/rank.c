/* rank: a trie of counts over sort images, kept in LMDB (see rank.h). */
#include "config.h"
#include "rank.h"
#include "errors.h"
#include "key.h"
#include "store.h"

#include <string.h>

static unsigned rank_nibble(uint64_t img, int i)
{
	return (unsigned)(img >> (60 - 4 * i)) & 15;
}

/* Key of level `level` (1..16) for the first `level` nibbles of img. */
static void rank_key(struct key *k, const unsigned char *prefix, size_t plen, int level, uint64_t img)
{
	k->n = 0;
	k->overflow = 0;
	key_bytes(k, prefix, plen);
	key_u8(k, (unsigned char)level);
	for (int i = 0; i < level; i++)
		key_u8(k, (unsigned char)rank_nibble(img, i));
}

int rank_add(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix, size_t plen, uint64_t img, int delta)
{
	struct key k;

	for (int level = 1; level <= RANK_LEVELS; level++) {
		MDB_val v;
		uint64_t n = 0;
		unsigned char b[8];
		int rc;

		rank_key(&k, prefix, plen, level, img);
		rc = store_get(txn, dbi, &k, &v);
		if (rc == ARC_OK && v.mv_size == 8)
			n = key_get_u64(v.mv_data);
		else if (rc != ARC_ENOENT)
			return rc ? rc : ARC_EINTERNAL;
		if (delta < 0 && n < (uint64_t)-delta)
			return ARC_EINTERNAL; /* counters out of step with scores */
		n += (uint64_t)(int64_t)delta;
		if (n == 0) {
			rc = store_del(txn, dbi, &k);
		} else {
			key_put_u64(b, n);
			rc = store_put(txn, dbi, &k, b, 8, 0);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int rank_count_below(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix, size_t plen, uint64_t img,
		     uint64_t *out)
{
	MDB_cursor *cur;
	struct key k;
	uint64_t total = 0;
	int rc = mdb_cursor_open(txn, dbi, &cur);

	if (rc)
		return store_err(rc);
	for (int level = 1; level <= RANK_LEVELS; level++) {
		unsigned mine = rank_nibble(img, level - 1);
		MDB_val kv, vv;
		size_t sib; /* length of the key part shared by all siblings */

		if (mine == 0)
			continue;
		/* The first sibling: t's prefix of level-1 nibbles, then nibble 0. */
		rank_key(&k, prefix, plen, level, img);
		k.b[k.n - 1] = 0;
		sib = k.n - 1;
		kv.mv_size = k.n;
		kv.mv_data = k.b;
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
		while (rc == 0 && kv.mv_size == k.n && memcmp(kv.mv_data, k.b, sib) == 0 &&
		       ((unsigned char *)kv.mv_data)[sib] < mine) {
			if (vv.mv_size == 8)
				total += key_get_u64(vv.mv_data);
			rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
		}
		if (rc && rc != MDB_NOTFOUND) {
			mdb_cursor_close(cur);
			return store_err(rc);
		}
	}
	mdb_cursor_close(cur);
	*out = total;
	return 0;
}
