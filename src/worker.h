/* worker: one process that opens the store after fork and serves FastCGI
 * requests one at a time until told to stop, recycled, or orphaned. */
#ifndef ARCADE_WORKER_H
#define ARCADE_WORKER_H

#include <sys/types.h>
#include "conf.h"

/* Serves until stopped. master is the supervising pid (0 when none).
 * Returns the process exit status. */
int worker_run(const struct arcade_config *c, int listen_fd, pid_t master);
#endif
