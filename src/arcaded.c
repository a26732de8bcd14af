/* arcaded: the FastCGI worker pool. Reads its settings, checks that the
 * store opens (so a bad --data fails at start, not in every worker), gets
 * its listening socket, and runs the master (or, with --workers 0, serves in
 * this one process, as mod_fcgid expects). */
#include "config.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "pool.h"
#include "store.h"
#include "upgrade.h"
#include "worker.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int arcaded_check_store(const struct arcade_config *c)
{
	struct store s;
	struct store_opts o = { c->data_dir, c->map_size, c->map_max, c->sync, 0 };

	/* Opened and closed before any fork: an LMDB env never crosses one. */
	if (store_open(&s, &o)) {
		fprintf(stderr, "arcaded: cannot open the database in %s (does it exist? run arcadectl init)\n",
			c->data_dir);
		return -1;
	}
	/* A database of an older arcade is brought up to date here, once,
	 * before any worker serves from it (upgrade.h). */
	if (upgrade_store(&s)) {
		fprintf(stderr, "arcaded: cannot use the database in %s (see the log above)\n", c->data_dir);
		store_close(&s);
		return -1;
	}
	store_close(&s);
	return 0;
}

static int arcaded_detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	log_forked();
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct arcade_config cfg;
	char *unix_path = NULL;
	int fd, rc;

	conf_defaults(&cfg);
	rc = conf_parse_args(&cfg, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (log_init(cfg.log_file, cfg.log_level) < 0) {
		fprintf(stderr, "arcaded: cannot open log file %s\n", cfg.log_file);
		return 2;
	}
	if (arcaded_check_store(&cfg) < 0)
		return 1;
	if (listen_acquire(&cfg, &fd, &unix_path) < 0) {
		fprintf(stderr, "arcaded: no listening socket (see the log above)\n");
		return 1;
	}
	if (!cfg.foreground && cfg.workers > 0 && arcaded_detach() < 0) {
		fprintf(stderr, "arcaded: cannot detach\n");
		return 1;
	}
	rc = cfg.workers == 0 ? worker_run(&cfg, fd, 0) : pool_run(&cfg, fd);
	if (unix_path)
		unlink(unix_path);
	free(unix_path);
	return rc;
}
