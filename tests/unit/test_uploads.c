/* Unit tests for upload URL slots (uploads.c): a slot is found until it
 * expires, and not after; a claimed slot is gone; and slots that expired
 * unused are removed by the creations that come after them, never a live
 * one. */
#include "config.h"
#include "check.h"
#include "../../src/errors.h"
#include "../../src/key.h"
#include "../../src/secret.h"
#include "../../src/store.h"
#include "../../src/uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OLD 1000
#define NEW 1000
#define T0 ((uint64_t)1700000000000)
#define LATER (T0 + UPLOAD_URL_TTL_MS + 1)

static char tmpdir[] = "/tmp/arcade-test-uploads-XXXXXX";
static char old_tokens[OLD][UPLOAD_TOKEN_LEN + 1], new_tokens[NEW][UPLOAD_TOKEN_LEN + 1];

struct make {
	uint64_t game, now;
	size_t n;
	char (*tokens)[UPLOAD_TOKEN_LEN + 1];
};

static int make_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct make *m = arg;
	for (size_t i = 0; i < m->n; i++) {
		int rc = upload_slot_create(s, txn, m->game, m->now, m->tokens[i]);
		if (rc)
			return rc;
	}
	return 0;
}

struct look {
	const char *token;
	uint64_t now, game;
	int rc;
};

static int look_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct look *l = arg;
	l->rc = upload_slot_get(s, txn, l->token, l->now, &l->game);
	return 0;
}

static int claim_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return upload_slot_claim(s, txn, arg);
}

/* Slots in the index, by whether they have expired at `now`. */
struct census {
	uint64_t now;
	size_t live, expired;
};

static int census_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct census *c = arg;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->idx, &cur);

	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (((unsigned char *)k.mv_data)[0] == 'V' && v.mv_size == 16) {
			if (c->now > key_get_u64((unsigned char *)v.mv_data + 8) + UPLOAD_URL_TTL_MS)
				c->expired++;
			else
				c->live++;
		}
	mdb_cursor_close(cur);
	return 0;
}

static int look(struct store *s, const char *token, uint64_t now, uint64_t *game)
{
	struct look l = { token, now, 0, -1 };
	store_read(s, look_txn, &l);
	*game = l.game;
	return l.rc;
}

static void rm_tmp(void)
{
	static const char *const files[] = { "data.mdb", "lock.mdb", "sync.shm" };
	char p[256];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
		unlink(p);
	}
	CHECK_EQ_INT_MSG(rmdir(tmpdir), 0, "temp dir removed");
}

int main(void)
{
	struct store s;
	struct store_opts o = { tmpdir, 64u << 20, 256u << 20, STORE_SYNC_OFF, 0 };
	struct make old = { 7, T0, OLD, old_tokens }, fresh = { 8, LATER, NEW, new_tokens };
	struct census before = { LATER, 0, 0 }, after = { LATER, 0, 0 };
	uint64_t game = 0;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!CHECK_EQ_INT(store_open(&s, &o), ARC_OK)) {
		rm_tmp();
		return check_done();
	}
	check_section("a slot's life");
	CHECK_EQ_INT(store_write(&s, make_txn, &old), ARC_OK);
	CHECK_EQ_INT_MSG(look(&s, old_tokens[0], T0 + UPLOAD_URL_TTL_MS, &game), ARC_OK, "found until it expires");
	CHECK_EQ_U64_MSG(game, 7, "with its game");
	CHECK_EQ_INT_MSG(look(&s, old_tokens[0], LATER, &game), ARC_ENOENT, "not found once expired");
	CHECK_EQ_INT(store_write(&s, claim_txn, old_tokens[1]), ARC_OK);
	CHECK_EQ_INT_MSG(look(&s, old_tokens[1], T0, &game), ARC_ENOENT, "a claimed slot is gone");
	CHECK_EQ_INT_MSG(look(&s, "0123", T0, &game), ARC_ENOENT, "a malformed token is not looked up");

	check_section("expired slots swept by later creations");
	store_read(&s, census_txn, &before);
	CHECK_EQ_U64_MSG(before.expired, OLD - 1, "every unclaimed old slot has expired");
	CHECK_EQ_INT(store_write(&s, make_txn, &fresh), ARC_OK);
	store_read(&s, census_txn, &after);
	CHECK_EQ_U64_MSG(after.live, NEW, "every new slot is there: a live slot is never swept");
	/* 4 slots looked at per creation: a simulation of this set-up leaves
	 * 0-9 of the 999 (mean 1.5); 100 is far outside chance. */
	CHECK_MSG(after.expired < 100, "most expired slots are gone");
	printf("# expired slots: %zu before, %zu after %d creations\n", before.expired, after.expired, NEW);
	for (size_t i = 0; i < NEW; i++)
		if (look(&s, new_tokens[i], LATER, &game) != ARC_OK || game != 8) {
			CHECK_MSG(0, "a new slot is found");
			break;
		}
	store_close(&s);
	rm_tmp();
	return check_done();
}
