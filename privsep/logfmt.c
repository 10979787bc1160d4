/*
 * Rendering log lines as text or as JSON.  See include/logfmt.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "logfmt.h"

/* What the JSON object needs after the message: a mark and its end. */
#define JSON_TAIL	",\"truncated\":true}"

static const char *const json_levels[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/*
 * The length of the well-formed UTF-8 sequence at s (n > 0 bytes), or 0
 * when it is not one: RFC 3629 section 4, which excludes overlong forms,
 * surrogates and anything above U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need)
		return 0;
	/* Only the second byte has a narrowed range. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

size_t
logfmt_json_string(char *out, size_t size, const void *v, size_t len,
    int *cut)
{
	const unsigned char	*s = v;
	char			 esc[8];
	const char		*piece;
	size_t			 o = 0, i = 0, plen;

	*cut = 0;
	if (size < 3) {
		if (size > 0)
			out[0] = '\0';
		*cut = len > 0;
		return 0;
	}
	out[o++] = '"';
	while (i < len) {
		piece = esc;
		plen = 2;
		esc[0] = '\\';
		switch (s[i]) {
		case '"':	esc[1] = '"'; break;
		case '\\':	esc[1] = '\\'; break;
		case '\b':	esc[1] = 'b'; break;
		case '\f':	esc[1] = 'f'; break;
		case '\n':	esc[1] = 'n'; break;
		case '\r':	esc[1] = 'r'; break;
		case '\t':	esc[1] = 't'; break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
				plen = 6;
			} else if ((plen = utf8_len(s + i, len - i)) == 0) {
				/* One replacement per stray byte. */
				piece = "\\ufffd";
				plen = 6;
			} else
				piece = (const char *)s + i;
		}
		/* Room for the piece, the closing quote and the NUL. */
		if (o + plen + 2 > size) {
			*cut = 1;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += piece == (const char *)s + i ? plen : 1;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

static size_t
put(char *out, size_t size, size_t o, const char *s)
{
	size_t	 n = strlen(s);

	if (o >= size || n >= size - o)
		n = o < size ? size - o - 1 : 0;
	memcpy(out + o, s, n);
	out[o + n] = '\0';
	return o + n;
}

size_t
logfmt_text(char *out, size_t size, const struct timespec *ts, int level,
    const struct log_ctx *ctx, const char *msg)
{
	char		 head[64 + 160];
	struct tm	 tm;
	size_t		 o = 0;
	int		 n = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	if (ts != NULL) {
		if (localtime_r(&ts->tv_sec, &tm) == NULL ||
		    strftime(head, sizeof(head), "%Y-%m-%d %H:%M:%S ", &tm) ==
		    0)
			snprintf(head, sizeof(head), "- ");
		o = put(out, size, o, head);
	}
	if (ctx != NULL && ctx->service != NULL && ctx->conn != 0)
		n = snprintf(head, sizeof(head), "[%s] %.128s#%" PRIu64 ": ",
		    log_level_name(level), ctx->service, ctx->conn);
	else if (ctx != NULL && ctx->service != NULL)
		n = snprintf(head, sizeof(head), "[%s] %.128s: ",
		    log_level_name(level), ctx->service);
	else
		n = snprintf(head, sizeof(head), "[%s] ",
		    log_level_name(level));
	if (n < 0)
		head[0] = '\0';
	o = put(out, size, o, head);
	return put(out, size, o, msg);
}

size_t
logfmt_json(char *out, size_t size, const struct timespec *ts, int level,
    const struct log_ctx *ctx, const char *msg)
{
	char		 stamp[40], num[32];
	struct tm	 tm;
	size_t		 o = 0, budget;
	int		 cut = 0;

	if (size < LOGFMT_JSON_MIN) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "1970-01-01T00:00:00");
	if (level < LOG_LVL_ERROR || level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	/* Fixed parts: at most about 80 bytes, within LOGFMT_JSON_MIN. */
	o = put(out, size, o, "{\"time\":\"");
	o = put(out, size, o, stamp);
	snprintf(num, sizeof(num), ".%03ldZ\",\"level\":\"",
	    (long)(ts->tv_nsec / 1000000) % 1000);
	o = put(out, size, o, num);
	o = put(out, size, o, json_levels[level]);
	o = put(out, size, o, "\"");
	if (ctx != NULL && ctx->service != NULL) {
		o = put(out, size, o, ",\"service\":");
		/* A service name is short; it may take a quarter at most. */
		budget = (size - o) / 4;
		o += logfmt_json_string(out + o, budget, ctx->service,
		    strlen(ctx->service), &cut);
		if (ctx->conn != 0) {
			snprintf(num, sizeof(num), ",\"conn\":%" PRIu64,
			    ctx->conn);
			o = put(out, size, o, num);
		}
	}
	o = put(out, size, o, ",\"msg\":");
	/* The message takes what is left but the tail and the NUL. */
	budget = size - o > sizeof(JSON_TAIL) ? size - o - sizeof(JSON_TAIL) +
	    1 : 0;
	o += logfmt_json_string(out + o, budget, msg, strlen(msg), &cut);
	o = put(out, size, o, cut ? JSON_TAIL : "}");
	return o;
}
