/*
 * Logging: the JSON string escaper (control characters, invalid UTF-8, a
 * bound that never cuts an escape), the text and JSON line formats, the
 * level filter, and the service and connection that travel as fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "logfmt.h"
#include "test.h"

/* 1970-01-02 03:04:05.678 UTC */
static const struct timespec	 when = { 86400 + 3 * 3600 + 4 * 60 + 5,
				    678000000 };

static void
check_json(const char *file, int line, const char *in, size_t len,
    const char *want)
{
	char	 out[512];
	int	 cut;

	logfmt_json_string(out, sizeof(out), in, len, &cut);
	if (strcmp(out, want) != 0 || cut) {
		printf("    %s:%d: got %s, want %s (cut %d)\n", file, line, out,
		    want, cut);
		test_fail(file, line, "JSON string as expected");
	}
}
#define JSON(in, want)	check_json(__FILE__, __LINE__, in, sizeof(in) - 1, \
	want)

TEST(log_json_escapes)
{
	JSON("plain text", "\"plain text\"");
	JSON("", "\"\"");
	JSON("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"");
	JSON("a\nb\rc\td\be\ff", "\"a\\nb\\rc\\td\\be\\ff\"");
	JSON("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	JSON("nul\0byte", "\"nul\\u0000byte\"");
	/* Well-formed UTF-8 passes as it is: 2, 3 and 4 bytes. */
	JSON("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"");
	JSON("\xed\x9f\xbf \xf4\x8f\xbf\xbf", "\"\xed\x9f\xbf \xf4\x8f\xbf\xbf\"");
	/* Not UTF-8: one replacement per byte that starts no sequence. */
	JSON("\xff", "\"\\ufffd\"");
	JSON("\x80x", "\"\\ufffdx\"");
	JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong '/' */
	JSON("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");	/* overlong */
	JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	JSON("\xf5\x80", "\"\\ufffd\\ufffd\"");
	/* A sequence cut short by the end of the input, or by ASCII. */
	JSON("ok\xe2\x82", "\"ok\\ufffd\\ufffd\"");
	JSON("\xe2\x82x", "\"\\ufffd\\ufffdx\"");
}

/*
 * The pieces of the inside of an escaped string, read back: an escape is
 * 2 or 6 bytes, a UTF-8 character 1 to 4.  Returns 0 when s[0..len) ends
 * exactly at the end of a piece and holds no raw control character.
 */
static int
whole_pieces(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (i < len) {
		if (u[i] == '\\')
			n = u[i + 1] == 'u' ? 6 : 2;
		else if (u[i] < 0x20 || u[i] == '"')
			return -1;
		else if (u[i] < 0x80)
			n = 1;
		else if ((u[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((u[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((u[i] & 0xf8) == 0xf0)
			n = 4;
		else
			return -1;
		i += n;
	}
	return i == len ? 0 : -1;
}

TEST(log_json_bound)
{
	static const char in[] = "\x01 \"q\" \xe2\x82\xac\xff\\ end\xf0\x9f\x94\x91";
	char	 full[256], out[64];
	size_t	 flen, len, size;
	int	 cut;

	flen = logfmt_json_string(full, sizeof(full), in, sizeof(in) - 1,
	    &cut);
	CHECK(!cut);
	REQUIRE(whole_pieces(full + 1, flen - 2) == 0);
	for (size = 3; size <= flen + 1; size++) {
		memset(out, 'X', sizeof(out));
		len = logfmt_json_string(out, size, in, sizeof(in) - 1, &cut);
		/* Within the bound, quoted, NUL-terminated. */
		CHECK(len < size);
		CHECK(out[len] == '\0');
		CHECK(len >= 2 && out[0] == '"' && out[len - 1] == '"');
		/* A prefix of the whole, cut between two pieces. */
		CHECK(memcmp(out, full, len - 1) == 0);
		CHECK(whole_pieces(out + 1, len - 2) == 0);
		CHECK_INT(cut, size <= flen);
		if (test_failed_now()) {
			printf("    size %zu: %s\n", size, out);
			return;
		}
	}
	/* Too small for even the quotes: an empty string, and cut. */
	len = logfmt_json_string(out, 2, "x", 1, &cut);
	CHECK_INT(len, 0);
	CHECK(cut);
}

TEST(log_text_format)
{
	struct log_ctx	 conn = { "orders-db", 42 }, svc = { "orders-db", 0 };
	char		 out[128], *tz;

	tz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "UTC", 1);
	tzset();
	logfmt_text(out, sizeof(out), &when, LOG_LVL_INFO, &conn,
	    "authenticated");
	CHECK_STR(out, "1970-01-02 03:04:05 [INFO] orders-db#42: "
	    "authenticated");
	logfmt_text(out, sizeof(out), &when, LOG_LVL_WARN, &svc, "dropped");
	CHECK_STR(out, "1970-01-02 03:04:05 [WARN] orders-db: dropped");
	logfmt_text(out, sizeof(out), &when, LOG_LVL_ERROR, NULL, "no conn");
	CHECK_STR(out, "1970-01-02 03:04:05 [ERROR] no conn");
	/* For syslog, which stamps lines itself. */
	logfmt_text(out, sizeof(out), NULL, LOG_LVL_DEBUG, &conn, "x");
	CHECK_STR(out, "[DEBUG] orders-db#42: x");
	/* Cut to the buffer. */
	logfmt_text(out, 12, &when, LOG_LVL_INFO, &conn, "y");
	CHECK_STR(out, "1970-01-02 ");
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	free(tz);
	tzset();
}

TEST(log_json_format)
{
	struct log_ctx	 conn = { "orders-db", 42 }, svc = { "db\"x", 0 };
	char		 out[LOG_LINE_MAX], msg[LOG_MSG_MAX], small[300];
	size_t		 len;

	logfmt_json(out, sizeof(out), &when, LOG_LVL_INFO, &conn,
	    "authenticated");
	CHECK_STR(out, "{\"time\":\"1970-01-02T03:04:05.678Z\","
	    "\"level\":\"info\",\"service\":\"orders-db\",\"conn\":42,"
	    "\"msg\":\"authenticated\"}");
	logfmt_json(out, sizeof(out), &when, LOG_LVL_WARN, &svc, "a\tb");
	CHECK_STR(out, "{\"time\":\"1970-01-02T03:04:05.678Z\","
	    "\"level\":\"warn\",\"service\":\"db\\\"x\",\"msg\":\"a\\tb\"}");
	logfmt_json(out, sizeof(out), &when, LOG_LVL_ERROR, NULL, "");
	CHECK_STR(out, "{\"time\":\"1970-01-02T03:04:05.678Z\","
	    "\"level\":\"error\",\"msg\":\"\"}");

	/* The longest message, all escapes, fits a line whole. */
	memset(msg, 0x01, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	len = logfmt_json(out, sizeof(out), &when, LOG_LVL_DEBUG, &conn, msg);
	CHECK(len < sizeof(out));
	CHECK(strstr(out, "truncated") == NULL);
	CHECK(len > 6 * (sizeof(msg) - 1));
	CHECK(strcmp(out + len - 8, "\\u0001\"}") == 0);
	/* In a small buffer it is cut, marked, and still one object. */
	len = logfmt_json(small, sizeof(small), &when, LOG_LVL_DEBUG, &conn,
	    msg);
	CHECK(len < sizeof(small));
	CHECK_INT(strlen(small), len);
	CHECK(strcmp(small + len - 25, "\\u0001\",\"truncated\":true}") == 0);
}

struct capture {
	int	 n;
	int	 level;
	char	 service[64];
	unsigned long long conn;
	char	 msg[LOG_MSG_MAX];
};

static void
capture(int level, const struct log_ctx *ctx, const char *msg, void *arg)
{
	struct capture	*c = arg;

	c->n++;
	c->level = level;
	snprintf(c->service, sizeof(c->service), "%s",
	    ctx != NULL && ctx->service != NULL ? ctx->service : "-");
	c->conn = ctx != NULL ? ctx->conn : 0;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

TEST(log_levels_and_fields)
{
	struct capture	 c;
	int		 evaluated = 0, saved = log_level();

	memset(&c, 0, sizeof(c));
	log_set_sink(capture, &c);
	log_set_level(LOG_LVL_WARN);
	log_info("quiet %d", 1);
	log_conn(LOG_LVL_INFO, "db", 3, "quiet too");
	/* A filtered debug line is not even formatted. */
	log_debug("%d", ++evaluated);
	CHECK_INT(c.n, 0);
	CHECK_INT(evaluated, 0);
	log_warn("loud %d", 2);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.level, LOG_LVL_WARN);
	CHECK_STR(c.msg, "loud 2");
	CHECK_STR(c.service, "-");
	log_conn(LOG_LVL_ERROR, "db", 3, "line\r\nforged");
	CHECK_INT(c.n, 2);
	CHECK_STR(c.service, "db");
	CHECK_INT(c.conn, 3);
	CHECK_STR(c.msg, "line  forged");
	log_set_level(LOG_LVL_DEBUG);
	log_debug("%d", ++evaluated);
	CHECK_INT(evaluated, 1);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.level, LOG_LVL_DEBUG);
	log_set_sink(NULL, NULL);
	log_set_level(saved);
}

TEST(log_facility_names)
{
	int	 a = -1, b = -1;

	CHECK_INT(log_facility("daemon", &a), 0);
	CHECK_INT(log_facility("local7", &b), 0);
	CHECK(a != b);
	CHECK(log_facility("kern", &a) != 0);
	CHECK(log_facility("DAEMON", &a) != 0);
	CHECK(log_facility("", &a) != 0);
}
