/* log: one line per event on stderr, or to --log-file. Lines are written
 * with a single write(2) so lines of several workers never interleave. */
#include "config.h"
#include "log.h"
#include "util.h"

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

/* The worker's pid (getpid is a system call in every glibc since 2.25) and
 * the seconds part of the stamp are kept between lines: a busy worker
 * writes one line per request. */
static pid_t log_pid;
static time_t log_sec = (time_t)-1;
static char log_stamp[32];
static size_t log_stamp_len;

void log_forked(void)
{
	log_pid = 0;
}

static size_t log_prefix(char *line, enum log_level lvl)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != log_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		log_stamp_len = strftime(log_stamp, sizeof(log_stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		log_sec = ts.tv_sec;
	}
	if (!log_pid)
		log_pid = getpid();
	memcpy(line, log_stamp, log_stamp_len);
	n = log_stamp_len;
	ms = ts.tv_nsec / 1000000;
	line[n++] = '.';
	line[n++] = (char)('0' + ms / 100);
	line[n++] = (char)('0' + ms / 10 % 10);
	line[n++] = (char)('0' + ms % 10);
	memcpy(line + n, "Z [", 3);
	n += 3;
	n += util_u64_dec((uint64_t)log_pid, line + n);
	line[n++] = ']';
	line[n++] = ' ';
	n += strlen(strcpy(line + n, log_names[lvl]));
	line[n++] = ':';
	line[n++] = ' ';
	return n;
}

void log_text(enum log_level lvl, const char *text, size_t len)
{
	char line[LOG_LINE_MAX];
	size_t n;

	if ((int)lvl > log_lvl)
		return;
	n = log_prefix(line, lvl);
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, text, len);
	n += len;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t n;
	va_list ap;
	int k;

	if ((int)lvl > log_lvl)
		return;
	n = log_prefix(line, lvl);
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
