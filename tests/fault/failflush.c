/* failflush: LD_PRELOAD'ed into arcaded by tests/fault/test_fault_flush_error.py.
 * While the file named by ARCADE_FAIL_FLUSH exists, fdatasync and fsync fail
 * with EIO, as on a disk that answers write errors (this machine has no
 * device-mapper to make a real one); otherwise they go to the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failflush_on(void)
{
	const char *p = getenv("ARCADE_FAIL_FLUSH");
	return p && access(p, F_OK) == 0;
}

int fdatasync(int fd)
{
	if (failflush_on()) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

int fsync(int fd)
{
	if (failflush_on()) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}
