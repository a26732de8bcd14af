/* listen: obtaining the listening socket. */
#include "config.h"
#include "listen.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

static int listen_is_socket(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

static int listen_systemd(int *fd)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint64_t p, n;

	if (!fds || util_parse_u64(fds, &n) < 0 || n < 1)
		return 0;
	if (pid && (util_parse_u64(pid, &p) < 0 || p != (uint64_t)getpid()))
		return 0;
	*fd = 3; /* SD_LISTEN_FDS_START */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return listen_is_socket(3);
}

static int listen_unix(const struct arcade_config *c, const char *path, int *fd)
{
	struct sockaddr_un sa;
	struct stat st;
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg(LOG_ERR, "listen: socket path too long: %s", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/* A socket file left by a killed arcaded is removed; a live one is not. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			log_msg(LOG_ERR, "listen: %s is in use by another process", path);
			close(s);
			return -1;
		}
		unlink(path);
		close(s);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
	}
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, LISTEN_BACKLOG) < 0) {
		log_msg(LOG_ERR, "listen: %s: %s", path, strerror(errno));
		close(s);
		return -1;
	}
	if (chmod(path, c->socket_mode) < 0)
		log_msg(LOG_WARN, "listen: chmod %s: %s", path, strerror(errno));
	if (c->socket_group) {
		struct group *g = getgrnam(c->socket_group);
		if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0) {
			log_msg(LOG_ERR, "listen: cannot give %s to group %s", path, c->socket_group);
			close(s);
			return -1;
		}
	}
	*fd = s;
	return 0;
}

static int listen_tcp(const char *spec, int *fd)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *res, *ai;
	int s = -1, one = 1, rc;
	size_t hl = (size_t)(colon - spec);

	if (hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
	if (rc) {
		log_msg(LOG_ERR, "listen: %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0)
			continue;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, LISTEN_BACKLOG) == 0)
			break;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	if (s < 0) {
		log_msg(LOG_ERR, "listen: cannot listen on %s: %s", spec, strerror(errno));
		return -1;
	}
	*fd = s;
	return 0;
}

int listen_acquire(const struct arcade_config *c, int *fd, char **unix_path)
{
	*unix_path = NULL;
	if (listen_systemd(fd)) {
		log_msg(LOG_INFO, "listen: socket from systemd (fd 3)");
		return 0;
	}
	if (listen_is_socket(0)) {
		*fd = 0;
		log_msg(LOG_INFO, "listen: socket on fd 0");
		return 0;
	}
	if (!c->listen) {
		log_msg(LOG_ERR, "listen: no socket: give --listen, or start under systemd or spawn-fcgi");
		return -1;
	}
	if (strncmp(c->listen, "unix:", 5) == 0) {
		if (listen_unix(c, c->listen + 5, fd) < 0)
			return -1;
		*unix_path = xstrdup(c->listen + 5);
	} else if (listen_tcp(c->listen, fd) < 0) {
		return -1;
	}
	log_msg(LOG_INFO, "listen: %s", c->listen);
	return 0;
}
