/* uploads: upload URL tokens, storage records and the image files. */
#include "config.h"
#include "uploads.h"
#include "errors.h"
#include "key.h"
#include "log.h"
#include "rec.h"
#include "secret.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t upload_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ISO BMFF: a leading "ftyp" box whose major or a compatible brand is AVIF. */
static int upload_is_avif(const unsigned char *b, size_t n)
{
	uint32_t box;

	if (n < 16 || memcmp(b + 4, "ftyp", 4) != 0)
		return 0;
	box = upload_be32(b);
	if (box < 16 || box > n || box % 4)
		return 0;
	for (size_t off = 8; off + 4 <= box; off += 4) {
		if (off == 12)
			continue; /* minor version, not a brand */
		if (memcmp(b + off, "avif", 4) == 0 || memcmp(b + off, "avis", 4) == 0)
			return 1;
	}
	return 0;
}

const char *upload_sniff(const void *p, size_t n)
{
	const unsigned char *b = p;

	if (n >= 16 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0)
		return "image/png";
	if (n >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "image/jpeg";
	if (n >= 10 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 16 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBPVP8", 7) == 0)
		return "image/webp";
	if (upload_is_avif(b, n))
		return "image/avif";
	return NULL;
}

int upload_hex_valid(const char *s, size_t len, size_t n)
{
	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- upload URL tokens ---- */

static void upload_slot_key(struct key *k, const char *token)
{
	unsigned char h[SECRET_HASH_LEN];
	secret_hash(token, h);
	key_init(k, 'V');
	key_bytes(k, h, sizeof(h));
}

static int upload_slot_expired(const MDB_val *v, uint64_t now_ms)
{
	return v->mv_size != 16 || now_ms > key_get_u64((unsigned char *)v->mv_data + 8) + UPLOAD_URL_TTL_MS;
}

/* A URL nobody used would stay forever. Each new slot looks at the few
 * slots after it in key order (a hash: a random place each time) and
 * removes the expired ones: even if no URL were ever used, about one slot
 * in UPLOAD_SWEEP would be an expired one, never more for long. */
static int upload_slot_sweep(struct store *s, MDB_txn *txn, const struct key *k, uint64_t now_ms)
{
	MDB_cursor *cur;
	MDB_val kv = { k->n, (void *)k->b }, v;
	int rc = mdb_cursor_open(txn, s->idx, &cur);

	if (rc)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_KEY); /* the new slot itself */
	for (int i = 0; rc == 0 && i < UPLOAD_SWEEP; i++) {
		rc = mdb_cursor_get(cur, &kv, &v, MDB_NEXT); /* after a delete: the one that followed */
		if (rc || kv.mv_size != k->n || ((unsigned char *)kv.mv_data)[0] != k->b[0])
			break; /* past the slots */
		if (upload_slot_expired(&v, now_ms))
			rc = mdb_cursor_del(cur, 0);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int upload_slot_create(struct store *s, MDB_txn *txn, uint64_t game, uint64_t now_ms,
		       char token_out[UPLOAD_TOKEN_LEN + 1])
{
	unsigned char v[16];
	struct key k;
	int rc;

	if (secret_random_hex(token_out, UPLOAD_TOKEN_BYTES) < 0)
		return ARC_EINTERNAL;
	key_put_u64(v, game);
	key_put_u64(v + 8, now_ms);
	upload_slot_key(&k, token_out);
	if ((rc = store_put(txn, s->idx, &k, v, sizeof(v), MDB_NOOVERWRITE)))
		return rc;
	return upload_slot_sweep(s, txn, &k, now_ms);
}

int upload_slot_get(struct store *s, MDB_txn *txn, const char *token, uint64_t now_ms, uint64_t *game)
{
	struct key k;
	MDB_val v;
	int rc;

	if (!upload_hex_valid(token, strlen(token), UPLOAD_TOKEN_LEN))
		return ARC_ENOENT;
	upload_slot_key(&k, token);
	if ((rc = store_get(txn, s->idx, &k, &v)))
		return rc;
	if (v.mv_size != 16)
		return ARC_EINTERNAL;
	if (upload_slot_expired(&v, now_ms))
		return ARC_ENOENT;
	*game = key_get_u64(v.mv_data);
	return 0;
}

int upload_slot_claim(struct store *s, MDB_txn *txn, const char *token)
{
	struct key k;

	upload_slot_key(&k, token);
	return store_del(txn, s->idx, &k);
}

/* ---- storage records ---- */

static void upload_key(struct key *k, uint64_t game, const char *sid)
{
	key_init(k, 'U');
	key_u64(k, game);
	key_bytes(k, sid, UPLOAD_SID_LEN);
}

int upload_put(struct store *s, MDB_txn *txn, const struct upload *u)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_str(&b, u->ctype);
	rec_put_u64(&b, u->size);
	rec_put_u64(&b, u->created_ms);
	rec_put_u64(&b, (uint64_t)u->used);
	rec_put_u64(&b, u->match);
	rec_put_u64(&b, u->map);
	upload_key(&k, u->game, u->sid);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int upload_get(struct store *s, MDB_txn *txn, uint64_t game, const char *sid, struct upload *out)
{
	struct rec_reader r;
	struct key k;
	MDB_val v;
	char *ct;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!upload_hex_valid(sid, strlen(sid), UPLOAD_SID_LEN))
		return ARC_ENOENT;
	upload_key(&k, game, sid);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	rec_reader_init(&r, v.mv_data, v.mv_size);
	out->game = game;
	memcpy(out->sid, sid, UPLOAD_SID_LEN + 1);
	ct = rec_get_str(&r);
	snprintf(out->ctype, sizeof(out->ctype), "%s", ct);
	free(ct);
	out->size = rec_get_u64(&r);
	out->created_ms = rec_get_u64(&r);
	out->used = (int)rec_get_u64(&r);
	out->match = rec_get_u64(&r);
	out->map = (unsigned)rec_get_u64(&r);
	return r.bad ? ARC_EINTERNAL : 0;
}

/* ---- files ---- */

static int upload_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir that also makes the new entry durable in its parent. */
static int upload_mkdir(const char *path, const char *parent)
{
	if (mkdir(path, 0750) == 0)
		return upload_fsync_dir(parent);
	return errno == EEXIST ? 0 : -1;
}

static int upload_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int upload_file_write(const char *data_dir, uint64_t game, const char *sid, const void *p, size_t n)
{
	char top[4096], dir[4200], tmp[4300], path[4300];
	int fd, err;

	snprintf(top, sizeof(top), "%s/uploads", data_dir);
	snprintf(dir, sizeof(dir), "%s/%llu", top, (unsigned long long)game);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, sid);
	snprintf(path, sizeof(path), "%s/%s", dir, sid);
	if (upload_mkdir(top, data_dir) < 0 || upload_mkdir(dir, top) < 0)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	if (upload_write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		goto fail;
	}
	if (upload_fsync_dir(dir) < 0) {
		err = errno;
		unlink(path);
		errno = err;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	log_msg(LOG_ERR, "uploads: cannot store %s in %s: %s", sid, dir, strerror(err));
	return err == ENOSPC || err == EDQUOT ? ARC_EFULL : ARC_EINTERNAL;
}

void upload_file_remove(const char *data_dir, uint64_t game, const char *sid)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/uploads/%llu/%s", data_dir, (unsigned long long)game, sid);
	unlink(path);
}
