/* log: one line per event on stderr, or to --log-file. Lines are written
 * with a single write(2) so lines of several workers never interleave. */
#include "config.h"
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_lvl = LOG_INFO;
static const char *log_path;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(log_names) / sizeof(log_names[0])); i++)
		if (strcmp(s, log_names[i]) == 0)
			return i;
	return -1;
}

int log_init(const char *path, const char *level)
{
	int l = level ? log_level_parse(level) : LOG_INFO;

	if (l < 0)
		return -1;
	log_lvl = l;
	log_path = path;
	return log_reopen();
}

int log_reopen(void)
{
	int fd;

	if (!log_path)
		return 0;
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	size_t n;
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int k;

	if ((int)lvl > log_lvl)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n, ".%03ldZ [%d] %s: ", ts.tv_nsec / 1000000,
		     (int)getpid(), log_names[lvl]);
	if (k > 0)
		n += (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}
