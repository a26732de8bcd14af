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

/* One cursor for the 16 counters: an existing counter is rewritten where
 * the lookup left the cursor (MDB_CURRENT), which saves the second descent
 * of a get then put; 16 of those were most of a score insert's CPU. */
int rank_add(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix, size_t plen, uint64_t img, int delta)
{
	MDB_cursor *cur;
	struct key k;
	int rc = mdb_cursor_open(txn, dbi, &cur), err = 0;

	if (rc)
		return store_err(rc);
	for (int level = 1; level <= RANK_LEVELS && !rc && !err; level++) {
		MDB_val kv, v;
		uint64_t n = 0;
		unsigned char b[8];
		int found;

		rank_key(&k, prefix, plen, level, img);
		kv.mv_size = k.n;
		kv.mv_data = k.b;
		rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_KEY);
		found = rc == 0;
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (rc)
			break;
		if (found && v.mv_size != 8)
			err = ARC_EINTERNAL;
		else if (found)
			n = key_get_u64(v.mv_data);
		if (!err && delta < 0 && n < (uint64_t)-delta)
			err = ARC_EINTERNAL; /* counters out of step with scores */
		if (err)
			break;
		n += (uint64_t)(int64_t)delta;
		key_put_u64(b, n);
		v.mv_size = 8;
		v.mv_data = b;
		kv.mv_size = k.n;
		kv.mv_data = k.b;
		if (n == 0)
			rc = mdb_cursor_del(cur, 0);
		else
			rc = mdb_cursor_put(cur, &kv, &v, found ? MDB_CURRENT : 0);
	}
	mdb_cursor_close(cur);
	return err ? err : store_err(rc);
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
