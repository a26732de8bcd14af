/* store_map: the size of the data environment's memory map, and the write
 * map that `--sync off` uses (see store_map.h for why it is safe). */
#include "config.h" /* _GNU_SOURCE: fallocate(2) */
#include "store_map.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int store_map_dir_fd(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int store_map_hold(int dirfd)
{
	return dirfd < 0 ? 0 : util_flock(dirfd, LOCK_SH);
}

void store_map_release(int dirfd)
{
	if (dirfd >= 0)
		util_flock(dirfd, LOCK_UN);
}

/* The exclusive side: a write map's size (and so the file's length) changes
 * only under it, after looking at the length, while no writer without the
 * write map is inside a transaction (they hold the shared side). */
static int sm_lock(const char *dir)
{
	int fd = store_map_dir_fd(dir);

	if (fd >= 0 && util_flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void sm_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

/* Disk blocks for the first `size` bytes of the file, so that no page the
 * map covers is a hole: 0 or an errno value (ENOSPC: the disk is full;
 * EOPNOTSUPP: this filesystem cannot reserve, and glibc's emulation of
 * posix_fallocate, a byte written per block, would race with the map). */
static size_t sm_file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
}

/* ext4 keeps what a refused fallocate did allocate, and the length it set:
 * the file is cut back to its length before, which no map exceeds (the
 * caller holds the exclusive lock), and the disk gets its room back. */
static int sm_reserve(int fd, size_t size)
{
	size_t before = sm_file_size(fd);
	int rc = 0;

	while (rc == 0 && fallocate(fd, 0, 0, (off_t)size) < 0)
		if (errno != EINTR)
			rc = errno == ENOTSUP ? EOPNOTSUPP : errno;
	if (rc && sm_file_size(fd) > before && ftruncate(fd, (off_t)before) < 0)
		log_msg(LOG_WARN, "store: cannot cut data.mdb back to %zu bytes: %s", before, strerror(errno));
	return rc;
}

static int sm_full(int rc)
{
	return rc == ENOSPC || rc == EDQUOT;
}

static size_t sm_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* The map LMDB settled on (it never maps less than the data). */
static size_t sm_env_size(MDB_env *env)
{
	MDB_envinfo info;

	mdb_env_info(env, &info);
	return info.me_mapsize;
}

static int sm_env_fd(MDB_env *env)
{
	mdb_filehandle_t fd = -1;

	mdb_env_get_fd(env, &fd);
	return fd;
}

/* The length of DIR/data.mdb (0: none yet) in *have; an errno value if it
 * exists but cannot be opened. */
static int sm_data_length(const char *dir, size_t *have)
{
	char path[4096];
	int fd;

	*have = 0;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : errno;
	*have = sm_file_size(fd);
	close(fd);
	return 0;
}

/* Where this process maps the file that fd is open on, read-only and
 * shared, from its start for `size` bytes (the kernel rounds a length up to
 * a page); NULL unless exactly one map fits (a map inherited across fork is
 * a second one: then nothing is replaced) or if /proc cannot say. */
static void *sm_mapped_at(int fd, size_t size)
{
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long len = (size + page - 1) / page * page;
	struct stat st;
	char line[4200];
	void *at = NULL;
	int found = 0;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/self/maps", "re")))
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min, &ino) == 7 &&
		    ino == st.st_ino && makedev(maj, min) == st.st_dev && off == 0 && hi - lo == len &&
		    strcmp(perms, "r--s") == 0) {
			at = (void *)lo;
			found++;
		}
	}
	fclose(f);
	return found == 1 ? at : NULL;
}

/* LMDB unmaps its map before it maps again, and keeps pointers into it: if
 * mapping again fails, they dangle, and nothing this process does with the
 * environment afterwards is safe. It stops; the master starts another
 * worker in its place. */
static void sm_lost(const char *what, int err)
{
	log_msg(LOG_ERR, "store: %s: %s: the map of data.mdb is lost, stopping", what, strerror(err));
	abort();
}

/* mdb_env_set_mapsize on an open environment. LMDB refuses before it
 * unmaps only while a transaction is open (EINVAL), which the callers rule
 * out; any other failure has lost the map. */
static int sm_set_size(MDB_env *env, size_t size)
{
	int rc = mdb_env_set_mapsize(env, size);

	if (rc && rc != EINVAL)
		sm_lost("cannot map it again", rc);
	return rc;
}

/* Without the write map LMDB maps data.mdb for reading only, but through
 * its read-write descriptor, and the kernel takes such a map for one that
 * may be written: every page a sync writes back is then looked up in the
 * page tables of every process that maps the file (folio_mkclean), 7.6%
 * of the workers' CPU during durable adds with 16 workers. The same file mapped at the same
 * address through a read-only descriptor is the same memory, and the
 * kernel skips it. LMDB does not say where its map is; /proc/self/maps
 * does. Where this cannot be done LMDB's own map stays: it is only slower.
 * A failed MAP_FIXED may have taken the old map with it: LMDB's kind of map
 * goes back in its place, without calling LMDB, whose pointers into the
 * range would dangle until then. */
static void sm_view(MDB_env *env)
{
	static int skipped_told;
	MDB_envinfo info;
	unsigned flags = 0;
	char path[64];
	int fd = sm_env_fd(env), ro = -1;
	void *at, *p;

	mdb_env_info(env, &info);
	mdb_env_get_flags(env, &flags);
	if (flags & (MDB_WRITEMAP | MDB_RDONLY))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!(at = sm_mapped_at(fd, info.me_mapsize)) || (ro = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (!skipped_told++)
			log_msg(LOG_INFO, "store: data.mdb keeps LMDB's own map (not found alone in /proc/self/maps, "
				"or not reopened): syncs cost more CPU");
		return;
	}
	p = mmap(at, info.me_mapsize, PROT_READ, MAP_SHARED | MAP_FIXED, ro, 0);
	close(ro);
	if (p == MAP_FAILED) {
		log_msg(LOG_WARN, "store: cannot map data.mdb read-only: %s", strerror(errno));
		if ((p = mmap(at, info.me_mapsize, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0)) == MAP_FAILED)
			sm_lost("cannot map it again", errno);
	}
	if (flags & MDB_NORDAHEAD) /* as LMDB's own map had it */
		madvise(p, info.me_mapsize, MADV_RANDOM);
}

/* A disk too full for the whole map does not stop a start: the map is set
 * back to what the file already holds, or for a new file halved until the
 * disk holds it (down to SM_MAP_FLOOR); the writes that need more answer
 * "full" when the growth is refused. */
#define SM_MAP_FLOOR ((size_t)1 << 20)

static int sm_reserve_or_shrink(MDB_env *env, size_t have)
{
	size_t size = sm_env_size(env);
	int rc = sm_reserve(sm_env_fd(env), size);

	if (sm_full(rc))
		log_msg(LOG_WARN, "store: the disk cannot hold a map of %zu bytes: mapping less", size);
	while (sm_full(rc) && size > have && size > SM_MAP_FLOOR) {
		size = sm_max(have, sm_max(size / 2, SM_MAP_FLOOR));
		rc = sm_set_size(env, size); /* LMDB keeps at least the data */
		if (rc == 0)
			rc = sm_reserve(sm_env_fd(env), sm_env_size(env));
	}
	return rc;
}

int store_map_open(MDB_env *env, const char *dir, size_t map_size, unsigned flags)
{
	size_t have = 0;
	int lock, rc;

	if (!(flags & MDB_WRITEMAP)) {
		mdb_env_set_mapsize(env, map_size);
		if ((rc = mdb_env_open(env, dir, flags, 0640)) == 0)
			sm_view(env);
		return rc;
	}
	if ((lock = sm_lock(dir)) < 0)
		return errno;
	/* Never smaller than the file: LMDB truncates it to the map. */
	rc = sm_data_length(dir, &have);
	if (rc == 0)
		rc = mdb_env_set_mapsize(env, sm_max(map_size, have));
	if (rc == 0)
		rc = mdb_env_open(env, dir, flags, 0640);
	/* Reserved before anything is written through the map: nothing has
	 * been yet (a new file's meta pages are written with pwrite). */
	if (rc == 0)
		rc = sm_reserve_or_shrink(env, have);
	sm_unlock(lock);
	return rc;
}

int store_map_resize(MDB_env *env, const char *dir, size_t size, int writemap)
{
	int lock, fd, rc;

	if (!writemap) {
		if ((rc = sm_set_size(env, size)) == 0)
			sm_view(env);
		return rc;
	}
	if ((lock = sm_lock(dir)) < 0)
		return errno;
	fd = sm_env_fd(env);
	size = sm_max(size, sm_file_size(fd));
	rc = sm_reserve(fd, size);
	if (rc == 0)
		rc = sm_set_size(env, size);
	/* LMDB maps at least the data: past a file a writer without the write
	 * map left short (its top pages unwritten), that is a hole too. */
	if (rc == 0)
		rc = sm_reserve(fd, sm_env_size(env));
	sm_unlock(lock);
	if (rc)
		log_msg(LOG_WARN, "store: cannot map %zu bytes of %s/data.mdb: %s", size, dir,
			sm_full(rc) ? "the disk is full" : mdb_strerror(rc));
	return rc;
}
