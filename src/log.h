/* log: one line per event on stderr (journald under systemd), or to
 * --log-file, reopened on SIGUSR1 so logrotate can move the file. */
#ifndef ARCADE_LOG_H
#define ARCADE_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

int log_init(const char *path, const char *level);
int log_reopen(void);
/* In a child after fork(): its lines carry its own pid. */
void log_forked(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_level_parse(const char *s);
#endif
