/*
 * Logging.  The monitor writes lines to stderr as
 * "YYYY-MM-DD HH:MM:SS [LEVEL] text"; a worker has no stderr of its own
 * worth using and no syslog, so it installs a sink that forwards each line
 * to the monitor over the privsep channel.  Never pass a secret to these
 * functions: they format whatever they are given.
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

typedef void	 log_sink_fn(int level, const char *line, void *arg);

void		 log_init(const char *ident, int level);
int		 log_level(void);
void		 log_set_level(int);
/* Replace the default stderr writer (the worker forwards to the monitor). */
void		 log_set_sink(log_sink_fn *, void *);
const char	*log_level_name(int);
/* Write one already formatted line with the default writer. */
void		 log_write(int level, const char *line);

void		 log_msg(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 log_vmsg(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (log_level() >= LOG_LVL_DEBUG) \
	log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

/* For the impossible in our own state; never for what a peer can cause. */
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
/* As fatal, with strerror(errno) appended. */
void		 fatal_errno(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

#endif
