/* apikeys: creating, finding and revoking API keys. */
#include "config.h"
#include "apikeys.h"
#include "errors.h"
#include "key.h"
#include "rec.h"
#include "secret.h"
#include "util.h"

#include <string.h>

static const struct {
	const char *name;
	unsigned allowed; /* bit per enum apikey_level */
} apikey_perms[PERM__COUNT] = {
	[PERM_GAME_SCORES] = { "game.scores", 1u << LVL_NONE | 1u << LVL_WRITE },
	[PERM_GAME_LIFECYCLE] = { "game.lifecycle", 1u << LVL_NONE | 1u << LVL_READ | 1u << LVL_READ_WRITE },
	[PERM_GAME_MATCHES] = { "game.matches", 1u << LVL_NONE | 1u << LVL_READ },
	[PERM_UPLOADS] = { "uploads", 1u << LVL_NONE | 1u << LVL_READ_WRITE },
};

static const char *const apikey_levels[] = {
	[LVL_NONE] = "none", [LVL_READ] = "read", [LVL_WRITE] = "write", [LVL_READ_WRITE] = "read-write",
};

const char *apikey_perm_name(int perm)
{
	return perm >= 0 && perm < PERM__COUNT ? apikey_perms[perm].name : "?";
}

const char *apikey_level_name(int level)
{
	return level >= 0 && level <= LVL_READ_WRITE ? apikey_levels[level] : "?";
}

int apikey_perm_parse(struct apikey *k, const char *spec)
{
	const char *eq = strchr(spec, '=');

	if (!eq)
		return -1;
	for (int p = 0; p < PERM__COUNT; p++) {
		if (strlen(apikey_perms[p].name) != (size_t)(eq - spec) ||
		    strncmp(spec, apikey_perms[p].name, (size_t)(eq - spec)) != 0)
			continue;
		for (int l = LVL_NONE; l <= LVL_READ_WRITE; l++)
			if (strcmp(eq + 1, apikey_levels[l]) == 0 && (apikey_perms[p].allowed & (1u << l))) {
				k->levels[p] = (unsigned char)l;
				return 0;
			}
		return -1;
	}
	return -1;
}

int apikey_allows(const struct apikey *k, int perm, int need)
{
	int have = k->levels[perm];
	if (need == LVL_READ)
		return have == LVL_READ || have == LVL_READ_WRITE || have == LVL_WRITE;
	return have == LVL_WRITE || have == LVL_READ_WRITE;
}

static int apikey_put(struct store *s, MDB_txn *txn, const struct apikey *k)
{
	struct key rk;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_u64(&b, k->game);
	rec_put_u64(&b, (uint64_t)k->kind);
	rec_put_bytes(&b, k->levels, PERM__COUNT);
	rec_put_dbl(&b, (k->rate.cap));
	rec_put_dbl(&b, (k->rate.per_sec));
	rec_put_dbl(&b, (k->batch_rate.cap));
	rec_put_dbl(&b, (k->batch_rate.per_sec));
	rec_put_u64(&b, (uint64_t)k->revoked);
	rec_put_u64(&b, k->created_ms);
	key_init(&rk, 'K');
	key_u64(&rk, k->id);
	rc = store_put(txn, s->rec, &rk, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

static int apikey_get(struct store *s, MDB_txn *txn, uint64_t id, struct apikey *k)
{
	struct key rk;
	struct rec_reader r;
	MDB_val v;
	int rc;

	key_init(&rk, 'K');
	key_u64(&rk, id);
	if ((rc = store_get(txn, s->rec, &rk, &v)))
		return rc;
	memset(k, 0, sizeof(*k));
	rec_reader_init(&r, v.mv_data, v.mv_size);
	k->id = id;
	k->game = rec_get_u64(&r);
	k->kind = (int)rec_get_u64(&r);
	rec_get_bytes(&r, k->levels, PERM__COUNT);
	k->rate.cap = rec_get_dbl(&r);
	k->rate.per_sec = rec_get_dbl(&r);
	k->batch_rate.cap = rec_get_dbl(&r);
	k->batch_rate.per_sec = rec_get_dbl(&r);
	k->revoked = (int)rec_get_u64(&r);
	k->created_ms = rec_get_u64(&r);
	return r.bad ? ARC_EINTERNAL : 0;
}

static void apikey_hash_key(struct key *k, const char *secret)
{
	unsigned char h[SECRET_HASH_LEN];
	secret_hash(secret, h);
	key_init(k, 'H');
	key_bytes(k, h, sizeof(h));
}

int apikey_create(struct store *s, MDB_txn *txn, struct apikey *k, uint64_t now_ms,
		  char secret_out[APIKEY_SECRET_MAX])
{
	char hex[2 * APIKEY_HEX_BYTES + 1];
	unsigned char idb[8];
	struct key hk;
	int rc;

	if (secret_random_hex(hex, APIKEY_HEX_BYTES) < 0)
		return ARC_EINTERNAL;
	strcpy(secret_out, k->kind == APIKEY_TEAMBATTLES ? "tb_" : "");
	strcat(secret_out, hex);
	if ((rc = store_seq_next(s, txn, "key", &k->id)))
		return rc;
	k->created_ms = now_ms;
	k->revoked = 0;
	key_put_u64(idb, k->id);
	apikey_hash_key(&hk, secret_out);
	if ((rc = store_put(txn, s->idx, &hk, idb, 8, MDB_NOOVERWRITE)))
		return rc;
	return apikey_put(s, txn, k);
}

int apikey_find(struct store *s, MDB_txn *txn, const char *secret, struct apikey *out)
{
	struct key hk;
	MDB_val v;
	int rc;

	if (!*secret || strlen(secret) >= APIKEY_SECRET_MAX + 64)
		return ARC_ENOENT;
	apikey_hash_key(&hk, secret);
	if ((rc = store_get(txn, s->idx, &hk, &v)))
		return rc;
	if (v.mv_size != 8)
		return ARC_EINTERNAL;
	if ((rc = apikey_get(s, txn, key_get_u64(v.mv_data), out)))
		return rc == ARC_ENOENT ? ARC_EINTERNAL : rc;
	return out->revoked ? ARC_ENOENT : 0;
}

int apikey_revoke(struct store *s, MDB_txn *txn, uint64_t id)
{
	struct apikey k;
	int rc = apikey_get(s, txn, id, &k);

	if (rc)
		return rc;
	k.revoked = 1;
	return apikey_put(s, txn, &k);
}
