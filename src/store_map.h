/* store_map: opening the data environment and changing its map size, with
 * or without MDB_WRITEMAP.
 *
 * `--sync off` workers open the environment with MDB_WRITEMAP: a commit
 * then changes pages in place in the shared map instead of writing each
 * dirty page with pwrite (an add dirties 30-40 pages: half its CPU went to
 * those calls). With the write map LMDB sets the file's length to the map
 * size (ftruncate) whenever a process opens the environment or resizes its
 * map, which brings two dangers, both closed here:
 *   - on a full disk, a page of a sparse file first written through the map
 *     is a SIGBUS, not an error: the file is reserved (fallocate)
 *     before the map covers it, so a full disk is a failed resize, which
 *     store.c answers as ARC_EFULL;
 *   - a process mapping less than another would cut the file under the
 *     other's map (a SIGBUS there): a write map is never set below the
 *     file's length, and its size changes under flock of the data directory
 *     so that no two processes interleave looking and resizing.
 * Processes without the write map (arcadectl, --sync full) write pages with
 * pwrite and never truncate, but they do lengthen the file: each of their
 * write transactions holds the same directory lock shared (store_map_hold),
 * so a write map is never resized between its look at the length and
 * LMDB's truncate while they add pages. On Linux both kinds share one page
 * cache, so they use one environment safely (docs/architecture.md, "The
 * write map"). The cost: the file takes its whole map on disk; a disk
 * that cannot hold it maps what the file holds and refuses growth. A
 * filesystem that cannot reserve space (fallocate: EOPNOTSUPP) gets no
 * write map.
 *
 * Without the write map, every map this module makes or changes is then
 * replaced, at the same address, by the same file mapped through a
 * read-only descriptor: the kernel then knows that it cannot be written
 * and skips it when a sync writes pages back (store_map.c, sm_view). */
#ifndef ARCADE_STORE_MAP_H
#define ARCADE_STORE_MAP_H

#include <lmdb.h>
#include <stddef.h>

/* mdb_env_open with an initial map of map_size bytes (more with the write
 * map when the file is larger, less when the disk cannot hold it). An
 * LMDB/errno code on failure; EOPNOTSUPP: no reservation possible here. */
int store_map_open(MDB_env *env, const char *dir, size_t map_size, unsigned flags);
/* Sets the map to size bytes (with the write map: at least the file's
 * length, reserved on disk first). 0, ENOSPC when the disk cannot hold it,
 * or another LMDB/errno code. No transaction of env may be open. */
int store_map_resize(MDB_env *env, const char *dir, size_t size, int writemap);
/* The data directory, opened for store_map_hold (-1 on failure). */
int store_map_dir_fd(const char *dir);
/* A writer without the write map holds the directory lock shared around
 * each write transaction (dirfd -1: a no-op). 0 or -1 (errno). */
int store_map_hold(int dirfd);
void store_map_release(int dirfd);
#endif
