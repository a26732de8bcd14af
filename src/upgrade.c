/* upgrade: schema versions of the data environment (upgrade.h). */
#include "config.h"
#include "upgrade.h"
#include "errors.h"
#include "key.h"
#include "log.h"
#include "scores.h"

static const MDB_val upgrade_key = { 6, "schema" };

/* Steps in order: `to` is the version a step's database is at after it.
 * `left`, when set, tells whether the step's old layout is there although
 * the version says it is done: a build before the step, still running
 * beside a newer one, keeps writing its own way (docs/operations.md,
 * Upgrades). Such a step must be safe to run again. */
static const struct {
	uint64_t to;
	int (*fn)(struct store *s, MDB_txn *txn);
	int (*left)(struct store *s, MDB_txn *txn, int *left);
} upgrade_steps[] = {
	{ 2, score_schema_2, score_schema_1_left },
};

#define UPGRADE_STEPS (sizeof(upgrade_steps) / sizeof(upgrade_steps[0]))

struct upgrade_look {
	uint64_t version;      /* 0: none recorded */
	int due[UPGRADE_STEPS]; /* steps to run */
	int any;
};

static int upgrade_version_in(struct store *s, MDB_txn *txn, uint64_t *out)
{
	MDB_val v;
	int rc = mdb_get(txn, s->meta, (MDB_val *)&upgrade_key, &v);

	*out = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_err(rc);
	if (v.mv_size != 8)
		return ARC_EINTERNAL;
	*out = key_get_u64(v.mv_data);
	return 0;
}

/* The version, and the steps it still needs (none for a newer version). */
static int upgrade_look_in(struct store *s, MDB_txn *txn, void *arg)
{
	struct upgrade_look *l = arg;
	int rc = upgrade_version_in(s, txn, &l->version);

	l->any = 0;
	for (size_t i = 0; i < UPGRADE_STEPS && !rc; i++) {
		l->due[i] = l->version < upgrade_steps[i].to;
		if (!l->due[i] && l->version <= STORE_SCHEMA && upgrade_steps[i].left)
			rc = upgrade_steps[i].left(s, txn, &l->due[i]);
		l->any |= l->due[i];
	}
	return rc;
}

/* Looks again inside the write transaction: another process may have
 * upgraded first, or a newer arcade may have. */
static int upgrade_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct upgrade_look *l = arg;
	unsigned char b[8];
	MDB_val v = { sizeof(b), b };
	int rc = upgrade_look_in(s, txn, l);

	if (rc || l->version > STORE_SCHEMA)
		return rc ? rc : ARC_EINTERNAL;
	for (size_t i = 0; i < UPGRADE_STEPS && !rc; i++)
		if (l->due[i])
			rc = upgrade_steps[i].fn(s, txn);
	if (rc || l->version == STORE_SCHEMA)
		return rc;
	key_put_u64(b, STORE_SCHEMA);
	return store_err(mdb_put(txn, s->meta, (MDB_val *)&upgrade_key, &v, 0));
}

int upgrade_version(struct store *s, uint64_t *out)
{
	struct upgrade_look l = { 0 };
	int rc = store_read(s, upgrade_look_in, &l);

	*out = l.version;
	return rc;
}

static int upgrade_newer(struct store *s, uint64_t version)
{
	log_msg(LOG_ERR, "store: %s was written by a newer arcade (schema %llu; this one knows %d)", s->dir,
		(unsigned long long)version, STORE_SCHEMA);
	return ARC_EINTERNAL;
}

int upgrade_store(struct store *s)
{
	struct upgrade_look l;
	int rc = store_read(s, upgrade_look_in, &l);

	if (rc)
		return rc;
	if (l.version > STORE_SCHEMA)
		return upgrade_newer(s, l.version);
	if (!l.any || s->readonly)
		return 0;
	if (l.version < STORE_SCHEMA)
		log_msg(LOG_INFO, "store: upgrading %s from schema %llu to %d", s->dir,
			(unsigned long long)l.version, STORE_SCHEMA);
	else
		log_msg(LOG_WARN, "store: %s holds records an older arcade wrote after its upgrade: moving them",
			s->dir);
	rc = store_write(s, upgrade_txn, &l);
	if (rc && l.version > STORE_SCHEMA)
		return upgrade_newer(s, l.version);
	if (rc)
		log_msg(LOG_ERR, "store: upgrading %s failed: %s", s->dir, arc_err_info(rc)->text);
	return rc;
}
