/*
 * Logging: formatted lines to stderr with a timestamp and level, or to a
 * sink that the process installs (the worker forwards to the monitor).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	1024

static const char	*log_ident = "airlock";
static int		 log_lvl = LOG_LVL_INFO;
static log_sink_fn	*log_sink;
static void		*log_sink_arg;

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
log_write(int level, const char *line)
{
	char		 stamp[32];
	struct tm	 tm;
	time_t		 now;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		strncpy(stamp, "-", sizeof(stamp));
	/* One fprintf, so that concurrent writers do not interleave lines. */
	fprintf(stderr, "%s [%s] %s\n", stamp, log_level_name(level), line);
	fflush(stderr);
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];
	size_t	 i;

	if (level > log_lvl)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* A log line is one line: a peer's newline must not forge another. */
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (log_sink != NULL)
		log_sink(level, line, log_sink_arg);
	else
		log_write(level, line);
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
	char	 line[LOG_LINE_MAX];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_ERROR, "%s: %s", line, strerror(saved));
	exit(1);
}
