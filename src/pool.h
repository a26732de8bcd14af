/* pool: the master process. It forks the workers and supervises them; it
 * never opens the store. Signals reach its loop through a self-pipe:
 *   SIGTERM, SIGINT, SIGQUIT  graceful stop (in-flight requests finish)
 *   SIGHUP                    rolling restart: new workers first, then the old ones stop
 *   SIGUSR1                   reopen the log file, in the master and every worker
 *   SIGCHLD                   reap; respawn unless stopping, with a crash-loop guard */
#ifndef ARCADE_POOL_H
#define ARCADE_POOL_H

#include "conf.h"

int pool_run(const struct arcade_config *c, int listen_fd);
#endif
