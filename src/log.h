/* log: one line per event on stderr (journald under systemd), or to
 * --log-file, reopened on SIGUSR1 so logrotate can move the file. */
#ifndef ARCADE_LOG_H
#define ARCADE_LOG_H

#include <stddef.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define LOG_LINE_MAX 2048 /* a longer line is cut */

int log_init(const char *path, const char *level);
int log_reopen(void);
/* In a child after fork(): its lines carry its own pid. */
void log_forked(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line already formatted (len bytes, no newline). */
void log_text(enum log_level lvl, const char *text, size_t len);
int log_level_parse(const char *s);
#endif
