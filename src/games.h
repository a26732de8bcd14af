/* games: the tenant and what it owns directly — score tables and players.
 * Every key of a table or player starts with its game's id, so a lookup
 * made with one game's id can never find another game's record.
 *   rec 'G' game            -> name, private key, primary table, created, rate
 *   rec 'T' game table      -> name, description, flags, created
 *   rec 'P' game player     -> username, token hash, image url, created, updated, user ref
 *   idx 'N' game lower(name) -> player id                                    */
#ifndef ARCADE_GAMES_H
#define ARCADE_GAMES_H

#include <lmdb.h>
#include <stdint.h>
#include "secret.h"
#include "store.h"

#define TABLE_GUESTS_DENY 1u
#define TABLE_ASC 2u
#define TABLE_UNIQUE 4u

#define NAME_MAX_BYTES 100
#define TEXT_MAX_BYTES 1000
#define KEY_HEX_BYTES 16 /* private keys and tokens: 128 bits, 32 hex digits */

struct game {
	uint64_t id;
	char *name;
	char *private_key;
	uint64_t primary_table;
	uint64_t created_ms;
	double rate_cap, rate_per_sec; /* per-game Game Jolt bucket; cap 0 = server default */
};

struct table {
	uint64_t id, game;
	char *name, *description;
	unsigned flags;
	uint64_t created_ms;
};

struct player {
	uint64_t id, game;
	char *username;
	unsigned char token_hash[SECRET_HASH_LEN];
	char *image_url;
	uint64_t created_ms, updated_ms;
	char *user_ref; /* MeshMap's userId: the app's own id for the player ("" if none) */
};

/* A display name: 1..100 bytes of UTF-8 without control characters. */
int name_valid(const char *s);

int game_create(struct store *s, MDB_txn *txn, const char *name, uint64_t now_ms, struct game *out);
int game_get(struct store *s, MDB_txn *txn, uint64_t id, struct game *out);
int game_put(struct store *s, MDB_txn *txn, const struct game *g);
int game_each(struct store *s, MDB_txn *txn, int (*fn)(const struct game *g, void *ctx), void *ctx);
void game_free(struct game *g);

int table_create(struct store *s, MDB_txn *txn, struct table *t, int make_primary);
int table_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct table *out);
int table_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct table *t, void *ctx),
	       void *ctx);
void table_free(struct table *t);

/* token_out receives the new secret (shown once; only its hash is kept). */
int player_create(struct store *s, MDB_txn *txn, uint64_t game, const char *username, const char *image_url,
		  const char *user_ref, uint64_t now_ms, char token_out[2 * KEY_HEX_BYTES + 1], struct player *out);
int player_put(struct store *s, MDB_txn *txn, const struct player *p);
/* Every player of a game, in id order (creation order). */
int player_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct player *p, void *ctx),
		void *ctx);
int player_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct player *out);
int player_find(struct store *s, MDB_txn *txn, uint64_t game, const char *username, struct player *out);
/* ARC_OK when username and token match (both case-insensitively), else ARC_ENOENT. */
int player_auth(struct store *s, MDB_txn *txn, uint64_t game, const char *username, const char *token,
		struct player *out);
int player_new_token(struct store *s, MDB_txn *txn, struct player *p, uint64_t now_ms,
		     char token_out[2 * KEY_HEX_BYTES + 1]);
void player_free(struct player *p);
#endif
