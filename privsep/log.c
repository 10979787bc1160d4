/*
 * Logging: messages with a level and, for a connection, its service and
 * id; rendered as text or JSON (logfmt.c) and written to stderr or
 * syslog(3), or handed to a sink that the process installs (the worker
 * forwards to the monitor).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "logfmt.h"
#include "util.h"

static const char	*log_ident = "airlock";
static int		 log_lvl = LOG_LVL_INFO;
static int		 log_fmt = LOG_FMT_TEXT;
static int		 log_tgt = LOG_TGT_STDERR;
static log_sink_fn	*log_sink;
static void		*log_sink_arg;

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon",	LOG_DAEMON },
	{ "user",	LOG_USER },
	{ "auth",	LOG_AUTH },
	{ "authpriv",	LOG_AUTHPRIV },
	{ "local0",	LOG_LOCAL0 },
	{ "local1",	LOG_LOCAL1 },
	{ "local2",	LOG_LOCAL2 },
	{ "local3",	LOG_LOCAL3 },
	{ "local4",	LOG_LOCAL4 },
	{ "local5",	LOG_LOCAL5 },
	{ "local6",	LOG_LOCAL6 },
	{ "local7",	LOG_LOCAL7 },
};

static const int syslog_prio[] = {
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

void
log_init(const char *ident, int level)
{
	log_ident = ident;
	log_lvl = level;
}

int
log_level(void)
{
	return log_lvl;
}

void
log_set_level(int level)
{
	log_lvl = level;
}

int
log_facility(const char *name, int *facility)
{
	size_t	 i;

	for (i = 0; i < nitems(facilities); i++)
		if (strcmp(facilities[i].name, name) == 0) {
			*facility = facilities[i].facility;
			return 0;
		}
	return ERR_NOTFOUND;
}

const char *
log_facility_name(int facility)
{
	size_t	 i;

	for (i = 0; i < nitems(facilities); i++)
		if (facilities[i].facility == facility)
			return facilities[i].name;
	return NULL;
}

void
log_set_output(int format, int target, int facility)
{
	log_fmt = format == LOG_FMT_JSON ? LOG_FMT_JSON : LOG_FMT_TEXT;
	if (log_tgt == LOG_TGT_SYSLOG)
		closelog();
	log_tgt = target == LOG_TGT_SYSLOG ? LOG_TGT_SYSLOG : LOG_TGT_STDERR;
	/* Connect now: later a chroot or a full descriptor table may stop us. */
	if (log_tgt == LOG_TGT_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_sink(log_sink_fn *fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

const char *
log_level_name(int level)
{
	switch (level) {
	case LOG_LVL_ERROR:	return "ERROR";
	case LOG_LVL_WARN:	return "WARN";
	case LOG_LVL_INFO:	return "INFO";
	default:		return "DEBUG";
	}
}

void
log_write(int level, const struct log_ctx *ctx, const char *msg)
{
	char		 line[LOG_LINE_MAX];
	struct timespec	 ts;

	if (level < LOG_LVL_ERROR || level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		memset(&ts, 0, sizeof(ts));
	if (log_fmt == LOG_FMT_JSON)
		logfmt_json(line, sizeof(line), &ts, level, ctx, msg);
	else
		logfmt_text(line, sizeof(line),
		    log_tgt == LOG_TGT_SYSLOG ? NULL : &ts, level, ctx, msg);
	if (log_tgt == LOG_TGT_SYSLOG) {
		syslog(syslog_prio[level], "%s", line);
		return;
	}
	/* One fprintf, so that concurrent writers do not interleave lines. */
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

void
log_vconn(int level, const char *service, uint64_t conn, const char *fmt,
    va_list ap)
{
	struct log_ctx	 ctx = { service, conn };
	char		 msg[LOG_MSG_MAX];
	size_t		 i;

	if (level > log_lvl)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* A log line is one line: a peer's newline must not forge another. */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	if (log_sink != NULL)
		log_sink(level, service != NULL ? &ctx : NULL, msg,
		    log_sink_arg);
	else
		log_write(level, service != NULL ? &ctx : NULL, msg);
}

void
log_conn(int level, const char *service, uint64_t conn, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vconn(level, service, conn, fmt, ap);
	va_end(ap);
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	log_vconn(level, NULL, 0, fmt, ap);
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatal_errno(const char *fmt, ...)
{
	char	 msg[LOG_MSG_MAX];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_ERROR, "%s: %s", msg, strerror(saved));
	exit(1);
}
