/* listen: where the listening socket comes from, in this order: systemd
 * socket activation (LISTEN_FDS), a listening socket already on fd 0 (the
 * FastCGI launch contract of spawn-fcgi, lighttpd and mod_fcgid), else
 * --listen unix:PATH or HOST:PORT. */
#ifndef ARCADE_LISTEN_H
#define ARCADE_LISTEN_H

#include "conf.h"

/* *fd receives the socket; *unix_path the path we created (to unlink at
 * exit), or NULL. Returns 0, or -1 after logging why. */
int listen_acquire(const struct arcade_config *c, int *fd, char **unix_path);
#endif
