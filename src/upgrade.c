/* upgrade: schema versions of the data environment (upgrade.h). */
#include "config.h"
#include "upgrade.h"
#include "errors.h"
#include "key.h"
#include "log.h"
#include "scores.h"

static const MDB_val upgrade_key = { 6, "schema" };

/* Steps in order: `to` is the version a step's database is at after it. */
static const struct {
	uint64_t to;
	int (*fn)(struct store *s, MDB_txn *txn);
} upgrade_steps[] = {
	{ 2, score_schema_2 },
};

static int upgrade_read(struct store *s, MDB_txn *txn, void *arg)
{
	uint64_t *out = arg;
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

static int upgrade_txn(struct store *s, MDB_txn *txn, void *arg)
{
	unsigned char b[8];
	MDB_val v = { sizeof(b), b };
	uint64_t from;
	int rc = upgrade_read(s, txn, &from);

	(void)arg;
	if (rc || from >= STORE_SCHEMA) /* another process was first */
		return rc;
	for (size_t i = 0; i < sizeof(upgrade_steps) / sizeof(upgrade_steps[0]) && !rc; i++)
		if (upgrade_steps[i].to > from)
			rc = upgrade_steps[i].fn(s, txn);
	key_put_u64(b, STORE_SCHEMA);
	return rc ? rc : store_err(mdb_put(txn, s->meta, (MDB_val *)&upgrade_key, &v, 0));
}

int upgrade_version(struct store *s, uint64_t *out)
{
	return store_read(s, upgrade_read, out);
}

int upgrade_store(struct store *s)
{
	uint64_t from;
	int rc = upgrade_version(s, &from);

	if (rc || from == STORE_SCHEMA)
		return rc;
	if (from > STORE_SCHEMA) {
		log_msg(LOG_ERR, "store: %s was written by a newer arcade (schema %llu; this one knows %d)", s->dir,
			(unsigned long long)from, STORE_SCHEMA);
		return ARC_EINTERNAL;
	}
	if (s->readonly)
		return 0;
	log_msg(LOG_INFO, "store: upgrading %s from schema %llu to %d", s->dir, (unsigned long long)from,
		STORE_SCHEMA);
	rc = store_write(s, upgrade_txn, NULL);
	if (rc)
		log_msg(LOG_ERR, "store: upgrading %s failed: %s", s->dir, arc_err_info(rc)->text);
	return rc;
}
