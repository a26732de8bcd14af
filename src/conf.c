/* conf: the directive table and its value checkers. */
#include "config.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*conf_set_fn)(struct arcade_config *c, const char *v);

struct conf_directive {
	const char *name;
	int takes_value;
	conf_set_fn set;
	const char *help;
};

static int conf_size(const char *v, size_t *out, size_t min)
{
	uint64_t n;
	size_t len = strlen(v);
	uint64_t mult = 1;
	char tmp[32];

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, len + 1);
	switch (tmp[len - 1]) {
	case 'k': case 'K': mult = 1ULL << 10; break;
	case 'm': case 'M': mult = 1ULL << 20; break;
	case 'g': case 'G': mult = 1ULL << 30; break;
	case 't': case 'T': mult = 1ULL << 40; break;
	}
	if (mult != 1)
		tmp[len - 1] = '\0';
	if (util_parse_u64(tmp, &n) < 0 || n > UINT64_MAX / mult || n * mult < min)
		return -1;
	*out = (size_t)(n * mult);
	return 0;
}

#define CONF_STR(field) \
	static int set_##field(struct arcade_config *c, const char *v) { c->field = xstrdup(v); return 0; }
CONF_STR(config_file)
CONF_STR(data_dir)
CONF_STR(limits_dir)
CONF_STR(socket_group)
CONF_STR(log_file)

static int set_listen(struct arcade_config *c, const char *v)
{
	if (strncmp(v, "unix:", 5) != 0 && !strrchr(v, ':'))
		return -1;
	c->listen = xstrdup(v);
	return 0;
}

static int set_socket_mode(struct arcade_config *c, const char *v)
{
	char *end;
	long m;
	errno = 0;
	m = strtol(v, &end, 8);
	if (errno || *end || !*v || m < 0 || m > 0777)
		return -1;
	c->socket_mode = (unsigned)m;
	return 0;
}

static int set_workers(struct arcade_config *c, const char *v)
{
	uint64_t n;
	if (util_parse_u64(v, &n) < 0 || n > 256)
		return -1;
	c->workers = (int)n;
	return 0;
}

static int set_max_requests(struct arcade_config *c, const char *v)
{
	return util_parse_u64(v, &c->max_requests);
}

static int set_map_size(struct arcade_config *c, const char *v)
{
	return conf_size(v, &c->map_size, 1 << 20);
}

static int set_map_max(struct arcade_config *c, const char *v)
{
	return conf_size(v, &c->map_max, 1 << 20);
}

static int set_max_body(struct arcade_config *c, const char *v)
{
	return conf_size(v, &c->max_body, 1024);
}

/* Values are enum store_sync (store.h): off 0, full 1, strict 2. */
static int set_sync(struct arcade_config *c, const char *v)
{
	if (strcmp(v, "full") == 0)
		c->sync = 1;
	else if (strcmp(v, "off") == 0)
		c->sync = 0;
	else if (strcmp(v, "strict") == 0)
		c->sync = 2;
	else
		return -1;
	return 0;
}

static int set_log_level(struct arcade_config *c, const char *v)
{
	if (log_level_parse(v) < 0)
		return -1;
	c->log_level = xstrdup(v);
	return 0;
}

/* A flag: bare on the command line; in the file bare or yes/no, so that
 * "foreground = no" cannot mean yes. */
static int set_foreground(struct arcade_config *c, const char *v)
{
	if (!*v || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		c->foreground = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		c->foreground = 0;
	else
		return -1;
	return 0;
}

#define CONF_RATE(field) \
	static int set_##field(struct arcade_config *c, const char *v) \
	{ return util_parse_rate(v, &c->field.cap, &c->field.per_sec); }
CONF_RATE(rate_ip)
CONF_RATE(rate_key)
CONF_RATE(rate_game)
CONF_RATE(rate_batch)

static int set_gamejolt_host(struct arcade_config *c, const char *v)
{
	if (c->n_gj_hosts == CONF_MAX_HOSTS || !*v || strpbrk(v, "/ \t?#"))
		return -1;
	c->gj_hosts[c->n_gj_hosts++] = xstrdup(v);
	return 0;
}

static const struct conf_directive conf_directives[] = {
	{ "config", 1, set_config_file, "FILE      read directives from FILE (name = value)" },
	{ "data", 1, set_data_dir, "DIR         LMDB data directory (/var/lib/arcade)" },
	{ "limits", 1, set_limits_dir, "DIR       rate-limit table directory, on tmpfs (/run/arcade)" },
	{ "listen", 1, set_listen, "ADDR      unix:PATH or HOST:PORT (else LISTEN_FDS, else fd 0)" },
	{ "socket-mode", 1, set_socket_mode, "MODE permissions of a unix socket (0660)" },
	{ "socket-group", 1, set_socket_group, "G  group of a unix socket" },
	{ "workers", 1, set_workers, "N        worker processes (number of CPUs; 0 = this process only)" },
	{ "max-requests", 1, set_max_requests, "N   recycle a worker after N requests (0 = never)" },
	{ "map-size", 1, set_map_size, "BYTES    initial LMDB map size (1G); grows when full" },
	{ "map-max", 1, set_map_max, "BYTES     the map never grows past this (64G)" },
	{ "sync", 1, set_sync, "full|off|strict  fsync each commit before answering, fsyncs shared (full)" },
	{ "log-level", 1, set_log_level, "LEVEL   error, warn, info, debug (info)" },
	{ "log-file", 1, set_log_file, "FILE     log here instead of stderr; reopened on SIGUSR1" },
	{ "foreground", 0, set_foreground, "        do not detach" },
	{ "rate-ip", 1, set_rate_ip, "C/S       per client IP bucket (300/50)" },
	{ "rate-key", 1, set_rate_key, "C/S      per API key bucket (60/1)" },
	{ "rate-game", 1, set_rate_game, "C/S     per game bucket for Game Jolt calls (6000/1000)" },
	{ "rate-batch", 1, set_rate_batch, "C/S    batch items per key (200/2)" },
	{ "gamejolt-host", 1, set_gamejolt_host, "H  a host Game Jolt signatures may name (repeatable)" },
	{ "max-body", 1, set_max_body, "BYTES    largest request body (1M)" },
};

static const struct conf_directive *conf_find(const char *name)
{
	for (size_t i = 0; i < sizeof(conf_directives) / sizeof(conf_directives[0]); i++)
		if (strcmp(conf_directives[i].name, name) == 0)
			return &conf_directives[i];
	return NULL;
}

void conf_defaults(struct arcade_config *c)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->data_dir = "/var/lib/arcade";
	c->limits_dir = "/run/arcade";
	c->socket_mode = 0660;
	c->workers = ncpu > 0 ? (int)ncpu : 2;
	c->map_size = (size_t)1 << 30;
	c->map_max = (size_t)64 << 30;
	c->sync = 1;
	c->log_level = "info";
	c->rate_ip = (struct conf_rate){ 300, 50 };
	c->rate_key = (struct conf_rate){ 60, 1 };
	c->rate_game = (struct conf_rate){ 6000, 1000 };
	c->rate_batch = (struct conf_rate){ 200, 2 };
	c->max_body = (size_t)1 << 20;
	c->max_upload = (size_t)5 << 20;
}

void conf_usage(void)
{
	printf("usage: arcaded [options]\n\nOptions (each also a config-file directive):\n");
	for (size_t i = 0; i < sizeof(conf_directives) / sizeof(conf_directives[0]); i++)
		printf("  --%s %s\n", conf_directives[i].name, conf_directives[i].help);
	printf("  --help               this text\n  --version            print the version\n");
}

static char *conf_trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

/* Values already given on the command line win over the file: the file is
 * read first, then argv is applied again (conf_parse_args). */
int conf_load_file(struct arcade_config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "arcaded: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = conf_trim(line), *eq, *name, *val;
		const struct conf_directive *d;
		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		name = conf_trim(eq ? (*eq = '\0', s) : s);
		val = eq ? conf_trim(eq + 1) : "";
		d = conf_find(name);
		if (!d || strcmp(name, "config") == 0) {
			fprintf(stderr, "arcaded: %s:%d: unknown directive '%s'\n", path, lineno, name);
			fclose(f);
			return -1;
		}
		if ((d->takes_value && !eq) || d->set(c, val) < 0) {
			fprintf(stderr, "arcaded: %s:%d: bad value for '%s': '%s'\n", path, lineno, name, val);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int conf_apply_args(struct arcade_config *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const struct conf_directive *d;
		const char *a = argv[i], *val = NULL;
		char name[64];
		const char *eq;

		if (strcmp(a, "--help") == 0) {
			conf_usage();
			return 1;
		}
		if (strcmp(a, "--version") == 0) {
			printf("arcaded %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "arcaded: unexpected argument '%s' (see --help)\n", a);
			return -1;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2), a + 2);
		d = conf_find(name);
		if (!d) {
			fprintf(stderr, "arcaded: unknown option '%s' (see --help)\n", a);
			return -1;
		}
		if (d->takes_value) {
			val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				fprintf(stderr, "arcaded: option --%s needs a value\n", name);
				return -1;
			}
		}
		if (d->set(c, val ? val : "") < 0) {
			fprintf(stderr, "arcaded: bad value for --%s: '%s'\n", name, val ? val : "");
			return -1;
		}
	}
	return 0;
}

int conf_parse_args(struct arcade_config *c, int argc, char **argv)
{
	int rc;
	/* First pass finds --config (and answers --help/--version). */
	struct arcade_config probe;

	conf_defaults(&probe);
	rc = conf_apply_args(&probe, argc, argv);
	if (rc)
		return rc;
	if (probe.config_file) {
		if (conf_load_file(c, probe.config_file) < 0)
			return -1;
		/* Repeatable options: the command line's list replaces the file's. */
		if (probe.n_gj_hosts)
			c->n_gj_hosts = 0;
	}
	return conf_apply_args(c, argc, argv);
}
