/* uploads: screenshot images sent to single-use upload URLs and referred to
 * by storage id from map scores. The image bytes live in files under the
 * data directory, fsync'd before the record that names them commits.
 *   idx 'V' sha256(token)      -> game, created: an upload URL not used yet
 *   rec 'U' game storageId     -> content type, size, created, used, match, map
 *   file <data>/uploads/<game>/<storageId>                                  */
#ifndef ARCADE_UPLOADS_H
#define ARCADE_UPLOADS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"

#define UPLOAD_TOKEN_BYTES 20 /* 40 hex digits in the URL */
#define UPLOAD_SID_BYTES 16   /* 32 hex digits */
#define UPLOAD_TOKEN_LEN (2 * UPLOAD_TOKEN_BYTES)
#define UPLOAD_SID_LEN (2 * UPLOAD_SID_BYTES)
#define UPLOAD_URL_TTL_MS ((uint64_t)3600 * 1000)
/* Slots after a new one examined for expiry (upload_slot_create). */
#define UPLOAD_SWEEP 4

struct upload {
	uint64_t game;
	char sid[UPLOAD_SID_LEN + 1];
	char ctype[16];
	uint64_t size, created_ms;
	int used;
	uint64_t match; /* the map score that uses it, once used */
	unsigned map;
};

/* The image type of the bytes, judged by content: "image/png", "image/jpeg",
 * "image/gif", "image/webp", "image/avif"; NULL for anything else. */
const char *upload_sniff(const void *p, size_t n);
/* Exactly n lowercase hex digits. */
int upload_hex_valid(const char *s, size_t len, size_t n);

/* A new upload URL token for a game (shown once; its hash is kept). */
int upload_slot_create(struct store *s, MDB_txn *txn, uint64_t game, uint64_t now_ms,
		       char token_out[UPLOAD_TOKEN_LEN + 1]);
/* The game of an unused, unexpired token; ARC_ENOENT otherwise. */
int upload_slot_get(struct store *s, MDB_txn *txn, const char *token, uint64_t now_ms, uint64_t *game);
/* Uses the token up; ARC_ENOENT if it already was. */
int upload_slot_claim(struct store *s, MDB_txn *txn, const char *token);

int upload_put(struct store *s, MDB_txn *txn, const struct upload *u);
int upload_get(struct store *s, MDB_txn *txn, uint64_t game, const char *sid, struct upload *out);

/* Writes the bytes to <data_dir>/uploads/<game>/<sid> durably (temporary
 * file, fsync, rename, fsync of the directory). 0 or ARC_E*. */
int upload_file_write(const char *data_dir, uint64_t game, const char *sid, const void *p, size_t n);
void upload_file_remove(const char *data_dir, uint64_t game, const char *sid);
#endif
