/* fuzz_api: whole requests through the worker's pipeline (request, route,
 * body, parameters, handler, family error writer, response) against a real
 * LMDB store holding a game, a score table, a player, a trophy, two
 * TeamBattles teams with a match, and TeamBattles and MeshMap API keys.
 * This reaches every handler's own parsing and validation, which the
 * other targets cannot. So that inputs get past authentication, the target
 * can sign a Game Jolt request (and the sub-requests of a batch/ body) and
 * add a valid key header; "{token}" anywhere becomes the player's token,
 * "{upload}" a new upload URL token and "{sid}" the last upload's storage id.
 * Every answer must be a well-formed CGI response with a status below 500,
 * and a JSON body must be strict JSON. The store is recreated every
 * FUZZ_API_RESET inputs so that it stays small. FUZZ_API_VERBOSE=1 prints
 * each request and answer (to check what the seeds reach).
 * Input: a flag byte (1 sign, 2 TeamBattles key, 4 MeshMap key, 8 re-sign
 * batch sub-requests, bits 4-6 the method), the request URI, more CGI
 * params one per line ("NAME=value"), an empty line, then the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/apikeys.h"
#include "../../src/conf.h"
#include "../../src/errors.h"
#include "../../src/gamejolt.h"
#include "../../src/games.h"
#include "../../src/json_check.h"
#include "../../src/log.h"
#include "../../src/matches.h"
#include "../../src/request.h"
#include "../../src/response.h"
#include "../../src/router.h"
#include "../../src/secret.h"
#include "../../src/store.h"
#include "../../src/teambattles.h"
#include "../../src/uploads.h"
#include "../../src/util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define FUZZ_API_RESET 2000
#define MAX_ENV 24
#define HOST "127.0.0.1:8080"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	char dir[256];
	char data_dir[272];
	struct store store;
	struct arcade_config cfg;
	char *private_key;
	char token[2 * KEY_HEX_BYTES + 1];
	char tb_key[APIKEY_SECRET_MAX], app_key[APIKEY_SECRET_MAX];
	char sid[UPLOAD_SID_LEN + 1]; /* the last upload's storage id */
	unsigned long runs;
	uint64_t now_ms;
} S;

static int fixtures_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct game g;
	struct table t;
	struct player p;
	struct apikey k;
	struct tb_team a, b;
	struct tb_match m;
	uint64_t trophy;
	int rc;

	(void)arg;
	if ((rc = game_create(s, txn, "fuzz", S.now_ms, &g)))
		return rc;
	free(S.private_key);
	S.private_key = strdup(g.private_key);
	memset(&t, 0, sizeof(t));
	t.game = g.id;
	t.name = "Scores";
	t.description = "";
	if ((rc = table_create(s, txn, &t, 1)))
		goto out;
	if ((rc = player_create(s, txn, g.id, "Ann", "", NULL, S.now_ms, S.token, &p)))
		goto out;
	player_free(&p);
	if ((rc = trophy_create(s, txn, g.id, "First", "The first one", 1, "", S.now_ms, &trophy)))
		goto out;
	memset(&k, 0, sizeof(k));
	k.game = g.id;
	k.kind = APIKEY_TEAMBATTLES;
	memset(k.levels, LVL_READ_WRITE, sizeof(k.levels));
	if ((rc = apikey_create(s, txn, &k, S.now_ms, S.tb_key)))
		goto out;
	memset(&k, 0, sizeof(k));
	k.game = g.id;
	k.kind = APIKEY_APP;
	if ((rc = apikey_create(s, txn, &k, S.now_ms, S.app_key)))
		goto out;
	a = (struct tb_team){ .game = g.id, .name = "Red", .tag = "R", .created_ms = S.now_ms };
	b = (struct tb_team){ .game = g.id, .name = "Blue", .tag = "", .created_ms = S.now_ms };
	if ((rc = tb_team_create(s, txn, &a)) || (rc = tb_team_create(s, txn, &b)))
		goto out;
	m = (struct tb_match){ .game = g.id, .creator = a.id, .opponent = b.id, .best_of = 3,
			       .status = TBS_IN_PROGRESS, .game_mode = "", .started_ms = S.now_ms,
			       .created_ms = S.now_ms, .updated_ms = S.now_ms };
	rc = tb_match_create(s, txn, &m);
out:
	game_free(&g);
	return rc;
}

static void store_reset(void)
{
	struct store_opts o = { S.data_dir, (size_t)16 << 20, (size_t)1 << 30, 0, 0 };
	char cmd[640];

	if (S.store.env)
		store_close(&S.store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", S.data_dir, S.data_dir);
	if (system(cmd) != 0 || store_open(&S.store, &o) || store_write(&S.store, fixtures_txn, NULL)) {
		fprintf(stderr, "fuzz_api: cannot set up the store in %s\n", S.data_dir);
		abort();
	}
}

static void teardown(void)
{
	char cmd[320];
	if (S.store.env)
		store_close(&S.store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", S.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_api: could not remove %s\n", S.dir);
}

static void setup(void)
{
	/* Under $FUZZ_API_TMP (run.sh removes it, a crash leaves no trace), else
	 * on tmpfs when there is one (uploads fsync their files), else /tmp. */
	const char *base = getenv("FUZZ_API_TMP");

	if (!base || !*base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if (snprintf(S.dir, sizeof(S.dir), "%s/arcade-fuzz-api.XXXXXX", base) >= (int)sizeof(S.dir))
		abort();
	if (!mkdtemp(S.dir))
		abort();
	snprintf(S.data_dir, sizeof(S.data_dir), "%s/data", S.dir);
	log_init(NULL, "err");
	conf_defaults(&S.cfg);
	S.cfg.data_dir = S.data_dir;
	S.cfg.max_body = 64 << 10;
	S.cfg.max_upload = 64 << 10;
	S.now_ms = 1700000000000ull;
	memset(S.sid, '0', UPLOAD_SID_LEN);
	atexit(teardown);
	store_reset();
}

static int slot_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return upload_slot_create(s, txn, 1, S.now_ms, arg);
}

/* s with "{token}" replaced by the player's token, "{upload}" by a new
 * upload URL token, "{sid}" by the storage id of the last upload. */
static char *subst(const char *s, size_t n, size_t *outlen)
{
	struct buf b;
	char slot[UPLOAD_TOKEN_LEN + 1];

	buf_init(&b);
	for (size_t i = 0; i < n;) {
		if (n - i >= 7 && memcmp(s + i, "{token}", 7) == 0) {
			buf_adds(&b, S.token);
			i += 7;
		} else if (n - i >= 8 && memcmp(s + i, "{upload}", 8) == 0) {
			if (store_write(&S.store, slot_txn, slot) != 0)
				abort();
			buf_adds(&b, slot);
			i += 8;
		} else if (n - i >= 5 && memcmp(s + i, "{sid}", 5) == 0) {
			buf_adds(&b, S.sid);
			i += 5;
		} else {
			buf_addc(&b, s[i++]);
		}
	}
	*outlen = b.len;
	buf_addc(&b, '\0'); /* an empty buffer still gets an allocation */
	return buf_detach(&b);
}

static void encode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.')
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

static int is_form(const char *ct)
{
	return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

/* Appends a correct signature to each requests[] value of a form body. */
static void resign_batch(char **body, size_t *len)
{
	struct req t;
	struct buf b;
	char sig[33];

	memset(&t, 0, sizeof(t));
	if (req_decode_pairs(&t, *body, *len) != 0) {
		req_free(&t);
		return;
	}
	buf_init(&b);
	for (size_t i = 0; i < t.nparams; i++) {
		struct kv *p = &t.params[i];
		if (i)
			buf_addc(&b, '&');
		encode(&b, p->key, strlen(p->key));
		buf_addc(&b, '=');
		encode(&b, p->val, p->vlen);
		if (strcmp(p->key, "requests[]") == 0 || strcmp(p->key, "requests") == 0) {
			struct buf m;
			buf_init(&m);
			buf_add(&m, p->val, p->vlen);
			buf_adds(&m, S.private_key);
			secret_md5_hex(m.p, m.len, sig);
			buf_free(&m);
			encode(&b, "&signature=", 11);
			buf_adds(&b, sig);
		}
	}
	req_free(&t);
	free(*body);
	*len = b.len;
	buf_addc(&b, '\0');
	*body = buf_detach(&b);
}

static int kv_cmp(const void *x, const void *y)
{
	const struct kv *a = *(const struct kv *const *)x, *b = *(const struct kv *const *)y;
	int d = strcmp(a->key, b->key);
	return d ? d : (a < b ? -1 : a > b);
}

/* The Game Jolt signature of uri (and the form fields of body), written from
 * API-GAMEJOLT.md: md5("http://" host uri fields-sorted-by-name key). */
static void gj_sign(const char *uri, const char *body, size_t len, int form, char sig[33])
{
	struct req t;
	struct buf b;
	const struct kv **f;
	size_t m = 0;

	memset(&t, 0, sizeof(t));
	buf_init(&b);
	buf_printf(&b, "http://%s%s", HOST, uri);
	if (form && req_decode_pairs(&t, body, len) == 0 && t.nparams) {
		f = calloc(t.nparams, sizeof(*f));
		if (!f)
			abort();
		for (size_t i = 0; i < t.nparams; i++)
			if (strcmp(t.params[i].key, "signature") != 0)
				f[m++] = &t.params[i];
		qsort(f, m, sizeof(*f), kv_cmp);
		for (size_t i = 0; i < m; i++) {
			size_t kl = strlen(f[i]->key);
			if (kl >= 2 && strcmp(f[i]->key + kl - 2, "[]") == 0)
				kl -= 2;
			buf_add(&b, f[i]->key, kl);
			buf_add(&b, f[i]->val, f[i]->vlen);
		}
		free(f);
	}
	req_free(&t);
	buf_adds(&b, S.private_key);
	secret_md5_hex(b.p, b.len, sig);
	buf_free(&b);
}

static void check_response(const struct resp *p, const struct buf *out)
{
	const char *end;

	FUZZ_CHECK(p->status >= 200 && p->status < 600);
	if (p->status >= 500) {
		fprintf(stderr, "fuzz_api: status %d: %.*s\n", p->status, (int)p->body.len, p->body.p ? p->body.p : "");
		FUZZ_CHECK(p->status < 500); /* no client input may cause a server error */
	}
	/* Header lines end in CRLF, with no other CR or LF; one empty line ends them. */
	end = strstr(out->p, "\r\n\r\n");
	FUZZ_CHECK(end != NULL);
	for (const char *q = out->p; q < end + 2; q++)
		if (*q == '\r' || *q == '\n')
			FUZZ_CHECK(*q == '\r' ? q[1] == '\n' : q[-1] == '\r');
	if (p->status != 204 && p->ctype && strcmp(p->ctype, "application/json") == 0) {
		struct json_tokener *tok = json_tokener_new_ex(64);
		struct json_object *o;
		FUZZ_CHECK(json_check(p->body.p, p->body.len, 64));
		o = json_tokener_parse_ex(tok, p->body.p, (int)p->body.len);
		FUZZ_CHECK(o != NULL);
		json_object_put(o);
		json_tokener_free(tok);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "POST", "GET" };
	struct fz f;
	unsigned flags;
	char *env[MAX_ENV + 8], *line, *uri, *body, *ct = NULL, sig[33];
	size_t n = 0, nenv, len, body_len;
	struct buf b, out;
	struct req r;
	struct resp p;
	struct ctx c;
	const struct route *route = NULL;
	const struct family_info *fam;
	int rc;

	FUZZ_INPUT(data);
	if (!S.store.env)
		setup();
	else if (++S.runs % FUZZ_API_RESET == 0)
		store_reset();
	S.now_ms += 1000;

	fz_init(&f, data, size);
	flags = fz_byte(&f);
	line = fz_field(&f, '\n', &len);
	uri = subst(line, len, &len);
	free(line);
	/* Extra CGI params up to an empty line. */
	nenv = 0;
	while (f.n && nenv < MAX_ENV) {
		line = fz_field(&f, '\n', &len);
		if (!len) {
			free(line);
			break;
		}
		env[nenv++] = line;
		if (strncmp(line, "CONTENT_TYPE=", 13) == 0 && !ct)
			ct = line + 13;
	}
	line = fz_rest(&f, &len);
	body = subst(line, len, &body_len);
	free(line);
	if ((flags & 8) && is_form(ct))
		resign_batch(&body, &body_len);

	buf_init(&b);
	buf_adds(&b, uri);
	if ((flags & 1) && strncmp(uri, "/api/game/", 10) == 0) {
		gj_sign(uri, body, body_len, is_form(ct), sig);
		buf_printf(&b, "&signature=%s", sig);
	}
	/* The target's params come first: req_env() takes the first match. */
	n = 0;
	{
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "REQUEST_METHOD=%s", methods[(flags >> 4) & 7]);
		env[nenv + n++] = strdup(tmp);
		env[nenv + n++] = strdup("HTTP_HOST=" HOST);
		env[nenv + n++] = strdup("REMOTE_ADDR=127.0.0.1");
		snprintf(tmp, sizeof(tmp), "CONTENT_LENGTH=%zu", body_len);
		env[nenv + n++] = strdup(tmp);
		if (flags & 2) {
			snprintf(tmp, sizeof(tmp), "HTTP_AUTHORIZATION=Bearer %s", S.tb_key);
			env[nenv + n++] = strdup(tmp);
		}
		if (flags & 4) {
			snprintf(tmp, sizeof(tmp), "HTTP_X_APP_API_KEY=%s", S.app_key);
			env[nenv + n++] = strdup(tmp);
		}
		line = malloc(b.len + 13);
		if (!line)
			abort();
		memcpy(line, "REQUEST_URI=", 12);
		memcpy(line + 12, b.p, b.len + 1);
		env[nenv + n++] = line;
	}
	/* Put ours first. */
	{
		char *all[MAX_ENV + 9];
		memcpy(all, env + nenv, n * sizeof(*all));
		memcpy(all + n, env, nenv * sizeof(*all));
		memcpy(env, all, (n + nenv) * sizeof(*env));
		nenv += n;
		env[nenv] = NULL;
	}
	buf_free(&b);

	/* The worker's pipeline (worker.c, worker_handle), limits off. */
	memset(&c, 0, sizeof(c));
	resp_init(&p);
	c.req = &r;
	c.resp = &p;
	c.store = &S.store;
	c.cfg = &S.cfg;
	c.now_ms = S.now_ms;
	rc = req_init(&r, env);
	fam = router_family(r.path ? r.path : "/");
	if (rc == 0)
		rc = router_match(&r, &route);
	if (rc == 0) {
		size_t max = route->methods & ROUTE_UPLOAD ? S.cfg.max_upload : S.cfg.max_body;
		if (body_len > max) {
			rc = ARC_EBODY;
		} else {
			r.body = malloc(body_len + 1);
			if (!r.body)
				abort();
			memcpy(r.body, body, body_len + 1);
			r.body_len = body_len;
		}
	}
	if (rc == 0)
		rc = req_parse_params(&r);
	if (rc == 0)
		rc = route->fn(&c);
	if (rc)
		fam->error(&c, rc);
	rl_headers(&c);
	buf_init(&out);
	resp_serialize(&p, &out);
	if (getenv("FUZZ_API_VERBOSE")) /* to see what the seeds reach */
		fprintf(stderr, "fuzz_api: %s -> %.300s\n", r.uri ? r.uri : "-", out.p);
	check_response(&p, &out);
	if (route && route->fn == tb_upload && p.status == 200) {
		struct json_object *o = json_tokener_parse(p.body.p), *v;
		if (o && json_object_object_get_ex(o, "storageId", &v))
			snprintf(S.sid, sizeof(S.sid), "%s", json_object_get_string(v));
		json_object_put(o);
	}

	buf_free(&out);
	resp_free(&p);
	req_free(&r);
	for (size_t i = 0; i < nenv; i++)
		free(env[i]);
	free(uri);
	free(body);
	return 0;
}
