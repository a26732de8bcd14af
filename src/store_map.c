/* store_map: the size of the data environment's memory map, and the write
 * map that `--sync off` uses (see store_map.h for why it is safe). */
#include "config.h"
#include "store_map.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* flock of the data directory: every change of a write map's size (and so
 * of the file's) happens under it, after looking at the file's size. */
static int sm_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

static void sm_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

/* Disk blocks for the first `size` bytes of the file, so that no page the
 * map covers is a hole: 0 or an errno value (ENOSPC: the disk is full). */
static int sm_reserve(int fd, size_t size)
{
	int rc;

	do
		rc = posix_fallocate(fd, 0, (off_t)size);
	while (rc == EINTR);
	return rc;
}

static size_t sm_file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
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

int store_map_open(MDB_env *env, const char *dir, size_t map_size, unsigned flags)
{
	char path[4096];
	size_t size = map_size, have = 0;
	int lock, fd, rc = 0;

	if (!(flags & MDB_WRITEMAP)) {
		mdb_env_set_mapsize(env, map_size);
		return mdb_env_open(env, dir, flags, 0640);
	}
	if ((lock = sm_lock(dir)) < 0)
		return errno;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) >= 0) {
		have = sm_file_size(fd);
		/* Never smaller than the file: LMDB truncates it to the map. */
		size = sm_max(size, have);
		if (have)
			rc = sm_reserve(fd, size);
		close(fd);
	}
	if (rc == 0)
		rc = mdb_env_set_mapsize(env, size);
	if (rc == 0)
		rc = mdb_env_open(env, dir, flags, 0640);
	/* A new file (or one LMDB mapped larger) is reserved before anything
	 * is written through the map: nothing has been yet. */
	if (rc == 0)
		rc = sm_reserve(sm_env_fd(env), sm_env_size(env));
	sm_unlock(lock);
	return rc;
}

int store_map_resize(MDB_env *env, const char *dir, size_t size, int writemap)
{
	int lock, rc;

	if (!writemap)
		return mdb_env_set_mapsize(env, size);
	if ((lock = sm_lock(dir)) < 0)
		return errno;
	size = sm_max(size, sm_file_size(sm_env_fd(env)));
	rc = sm_reserve(sm_env_fd(env), size);
	if (rc == 0)
		rc = mdb_env_set_mapsize(env, size);
	sm_unlock(lock);
	if (rc)
		log_msg(LOG_WARN, "store: cannot map %zu bytes of %s/data.mdb: %s", size, dir,
			rc == ENOSPC ? "the disk is full" : mdb_strerror(rc));
	return rc;
}
