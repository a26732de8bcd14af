/* conf: arcaded's settings. One table of directives serves the command line
 * (--name value) and the config file (name = value); every value is checked
 * when it is read, and a bad one stops start-up with the file and line. */
#ifndef ARCADE_CONF_H
#define ARCADE_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_HOSTS 16

struct conf_rate {
	double cap, per_sec;
};

struct arcade_config {
	const char *config_file;
	const char *data_dir;
	const char *limits_dir;
	const char *listen;
	unsigned socket_mode;
	const char *socket_group;
	int workers;             /* 0: serve in this one process (mod_fcgid) */
	uint64_t max_requests;   /* recycle a worker after this many; 0 = never */
	size_t map_size, map_max;
	int sync;
	const char *log_level;
	const char *log_file;
	int foreground;
	struct conf_rate rate_ip, rate_key, rate_game, rate_batch;
	const char *gj_hosts[CONF_MAX_HOSTS];
	size_t n_gj_hosts;
	size_t max_body;
	size_t max_upload;
};

void conf_defaults(struct arcade_config *c);
/* Parses argv (and the --config file it names). Returns 0, 1 when --help or
 * --version was answered, -1 after printing a one-line reason to stderr. */
int conf_parse_args(struct arcade_config *c, int argc, char **argv);
int conf_load_file(struct arcade_config *c, const char *path);
void conf_usage(void);
#endif
