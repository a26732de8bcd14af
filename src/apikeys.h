/* apikeys: API keys of the TeamBattles (`tb_` + 40 hex) and MeshMap (40 hex)
 * families. A key belongs to one game and, for TeamBattles, carries
 * permission levels. Only the SHA-256 of a secret is stored; a request's key
 * is found through the index of those hashes (a B-tree lookup of a hash
 * reveals nothing usable about the secret), and a revoked key is never found.
 *   rec 'K' key-id         -> game, kind, levels, rate overrides, revoked, created
 *   idx 'H' sha256(secret) -> key-id                                          */
#ifndef ARCADE_APIKEYS_H
#define ARCADE_APIKEYS_H

#include <lmdb.h>
#include <stdint.h>
#include "conf.h"
#include "store.h"

#define APIKEY_HEX_BYTES 20               /* 40 hex digits */
#define APIKEY_SECRET_MAX (3 + 2 * APIKEY_HEX_BYTES + 1)

enum apikey_kind { APIKEY_TEAMBATTLES = 1, APIKEY_APP = 2 };

enum apikey_perm { PERM_GAME_SCORES, PERM_GAME_LIFECYCLE, PERM_GAME_MATCHES, PERM_UPLOADS, PERM__COUNT };

enum apikey_level { LVL_NONE = 0, LVL_READ = 1, LVL_WRITE = 2, LVL_READ_WRITE = 3 };

struct apikey {
	uint64_t id, game;
	int kind;
	unsigned char levels[PERM__COUNT];
	struct conf_rate rate, batch_rate; /* cap 0: use the server's default */
	int revoked;
	uint64_t created_ms;
};

/* "game.scores=write": sets k->levels; -1 for an unknown name or a level the
 * permission does not have. */
int apikey_perm_parse(struct apikey *k, const char *spec);
const char *apikey_perm_name(int perm);
const char *apikey_level_name(int level);
/* Does the key's level for perm grant `need` (LVL_READ or LVL_WRITE)? */
int apikey_allows(const struct apikey *k, int perm, int need);

/* Creates the key (k->game, kind, levels, rates given); k->id is set and the
 * secret, shown once, written to secret_out. */
int apikey_create(struct store *s, MDB_txn *txn, struct apikey *k, uint64_t now_ms,
		  char secret_out[APIKEY_SECRET_MAX]);
/* ARC_ENOENT for an unknown or revoked secret. */
int apikey_find(struct store *s, MDB_txn *txn, const char *secret, struct apikey *out);
int apikey_revoke(struct store *s, MDB_txn *txn, uint64_t id);
#endif
