/*
 * Rendering a log line (log.h): the text format and the JSON lines format.
 * Pure functions into the caller's buffer; nothing is allocated, so that a
 * line can still be written when memory has run out.  The message may be
 * a worker's, or name a file or a peer: it is untrusted text, and no byte
 * of it may break the line or the JSON.
 */
#ifndef AIRLOCK_LOGFMT_H
#define AIRLOCK_LOGFMT_H

#include <stddef.h>
#include <time.h>

struct log_ctx;

/*
 * "YYYY-MM-DD HH:MM:SS [LEVEL] service#id: msg" in local time, or without
 * the date and time when ts is NULL (syslog stamps lines itself).  Cut to
 * fit size (> 0); returns the length.
 */
size_t		 logfmt_text(char *out, size_t size, const struct timespec *ts,
		    int level, const struct log_ctx *, const char *msg);
/*
 * One JSON object: {"time":RFC 3339 UTC with milliseconds, "level",
 * "service" and "conn" when ctx has them, "msg"}, and "truncated":true
 * when the message did not fit.  size must be at least LOGFMT_JSON_MIN;
 * returns the length.
 */
#define LOGFMT_JSON_MIN	256
size_t		 logfmt_json(char *out, size_t size, const struct timespec *ts,
		    int level, const struct log_ctx *, const char *msg);
/*
 * s (len bytes) as a JSON string with its quotes, NUL-terminated, in out
 * (size >= 3).  Quote, backslash and control characters are escaped;
 * bytes that are not well-formed UTF-8 (RFC 3629 section 4) become
 * \ufffd.  What does not fit is left out between two characters, never
 * inside an escape or a UTF-8 sequence, and *cut is set.  Returns the
 * length.
 */
size_t		 logfmt_json_string(char *out, size_t size, const void *s,
		    size_t len, int *cut);

#endif
