/* upgrade: brings a database written by an older arcade up to
 * STORE_SCHEMA when arcaded or arcadectl opens it for writing. Each step
 * rewrites what changed between two schema versions; all of them and the
 * new version run in one write transaction, so a database is at one
 * version or the next, never between, and a killed upgrade is simply done
 * again at the next open. */
#ifndef ARCADE_UPGRADE_H
#define ARCADE_UPGRADE_H

#include "store.h"

/* 0 when the database is at STORE_SCHEMA (upgraded if it was older); a
 * database of a newer arcade is refused (ARC_EINTERNAL, logged). A
 * read-only store is left as it is. */
int upgrade_store(struct store *s);
/* The database's schema version (0 when it has none). */
int upgrade_version(struct store *s, uint64_t *out);
#endif
