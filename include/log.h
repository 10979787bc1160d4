/*
 * Logging.  A line has a level, a message and, when it is about a
 * connection, the service and the connection id as fields of their own
 * (log_conn; in the monitor, the wlog_* macros of monitor.h take a worker).
 * The monitor renders a line as text, "YYYY-MM-DD HH:MM:SS [LEVEL]
 * service#id: message", or as one JSON object (logfmt.h), and writes it to
 * stderr or to syslog(3).  A worker has no stderr of its own worth using
 * and no syslog, so it installs a sink that forwards each message to the
 * monitor, which adds the service and id from its own worker table.
 *
 * Never pass a secret to these functions: they format whatever they are
 * given.  Their printf format attributes make a struct secret * (or any
 * other non-string) given for %s a compile error under -Werror.
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

enum log_format {
	LOG_FMT_TEXT = 0,
	LOG_FMT_JSON,
};

enum log_target {
	LOG_TGT_STDERR = 0,
	LOG_TGT_SYSLOG,
};

/* What a line is about: a service (NULL: none), a connection (0: none). */
struct log_ctx {
	const char	*service;
	uint64_t	 conn;
};

/* A message is cut to LOG_MSG_MAX - 1 bytes; a rendered line fits this. */
#define LOG_MSG_MAX	1024
#define LOG_LINE_MAX	8192

typedef void	 log_sink_fn(int level, const struct log_ctx *,
		    const char *msg, void *arg);

void		 log_init(const char *ident, int level);
int		 log_level(void);
void		 log_set_level(int);
/*
 * How and where the default writer puts lines.  With LOG_TGT_SYSLOG it
 * opens syslog at once (LOG_NDELAY), before anything could make /dev/log
 * unreachable; facility is a LOG_DAEMON-style value (log_facility).
 */
void		 log_set_output(int format, int target, int facility);
/* The syslog facility of a name (daemon, user, auth, authpriv, local0-7). */
int		 log_facility(const char *name, int *facility);
/* And back: the name of a facility, or NULL. */
const char	*log_facility_name(int facility);
/* Replace the default writer (the worker forwards to the monitor). */
void		 log_set_sink(log_sink_fn *, void *);
const char	*log_level_name(int);
/* Write one message with the default writer; ctx may be NULL. */
void		 log_write(int level, const struct log_ctx *, const char *msg);

void		 log_msg(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 log_vmsg(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
/* A line about a connection (conn 0: about the service only). */
void		 log_conn(int, const char *service, uint64_t conn,
		    const char *, ...)
		    __attribute__((format(printf, 4, 5)));
void		 log_vconn(int, const char *service, uint64_t conn,
		    const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
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
