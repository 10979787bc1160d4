/*
 * authenticateURLsMatching and credentialValidations: patterns written for
 * Go's regexp package (RE2 syntax, https://github.com/google/re2/wiki/Syntax
 * and Go's regexp/syntax documentation), matched with PCRE2.
 *
 * PCRE2 reads a superset of RE2, and reads some of RE2's syntax otherwise.
 * So a pattern is first walked as RE2 would read it: what RE2 refuses and
 * PCRE2 would take (backreferences, lookaround, atomic groups, possessive
 * quantifiers, recursion, verbs, \C, \K, ...) is refused here, and what
 * the two read differently is rewritten to what Go means:
 *
 *	$		end of text only: PCRE2_DOLLAR_ENDONLY (without it
 *			PCRE2 also matches before a final newline)
 *	\v		RE2: the VT character; PCRE2: vertical space
 *	\s \S		RE2: [\t\n\f\r ]; PCRE2 adds VT
 *	\123		RE2: octal; PCRE2: maybe a backreference
 *	{		RE2: a literal unless a valid repeat, whose counts
 *			are at most 1000 (PCRE2 reads "{,3}" otherwise in
 *			newer versions)
 *
 * \d, \w and \b are ASCII in both (no PCRE2_UCP).  What remains different:
 * an invalid UTF-8 byte in the subject, which Go reads as U+FFFD and PCRE2
 * (PCRE2_MATCH_INVALID_UTF) matches with nothing; URLs are ASCII here.
 *
 * Matching backtracks, so a pattern may take exponential time on some
 * subjects (Go's does not): the match, depth and heap limits bound each
 * match, and a match past them is -1, for the caller to refuse.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

#include "httpconf.h"
#include "pctenc.h"

/* Bounds on one match (PCRE2's defaults are 10 million and 20 MB). */
#define RE_MATCH_LIMIT		200000
#define RE_DEPTH_LIMIT		20000
#define RE_HEAP_LIMIT_KIB	(16 * 1024)
/* RE2's largest repeat count. */
#define RE_REPEAT_MAX		1000

struct http_regex {
	char		*pattern;	/* as written, for messages */
	pcre2_code	*code;
	pcre2_match_context *mctx;
};

/* The walk of one pattern: its text, the translation, the error. */
struct re_walk {
	const char	*p;
	size_t		 len;
	size_t		 i;
	char		*out;		/* 16 bytes for each of p's */
	size_t		 olen;
	char		*err;
	size_t		 errlen;
	int		 lastq;		/* 1 after a quantifier, 2: lazy */
	int		 atom;		/* a quantifier may follow */
};

static int	 re_fail(struct re_walk *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 re_emit(struct re_walk *, const char *, size_t);
static int	 re_escape(struct re_walk *, int inclass);
static int	 re_class(struct re_walk *);
static int	 re_group(struct re_walk *);
static int	 re_repeat(struct re_walk *);
static int	 re_quantifier(struct re_walk *, size_t n);
static int	 re_translate(struct re_walk *);

static int
re_fail(struct re_walk *w, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(w->err, w->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void
re_emit(struct re_walk *w, const char *s, size_t n)
{
	memcpy(w->out + w->olen, s, n);
	w->olen += n;
}

static int
is_octal(int c)
{
	return c >= '0' && c <= '7';
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/*
 * An escape at w->i (the backslash), as RE2's parser reads it (Go's
 * regexp/syntax parseEscape, and the assertions and \Q of parse).
 */
static int
re_escape(struct re_walk *w, int inclass)
{
	const char	*p = w->p;
	size_t		 i = w->i + 1, start = w->i;
	unsigned int	 oct;
	char		 tmp[16];
	int		 c;

	if (i >= w->len)
		return re_fail(w, "trailing backslash at end of expression");
	c = (unsigned char)p[i];
	switch (c) {
	case 'A': case 'z': case 'b': case 'B':
		if (inclass)
			return re_fail(w, "\\%c is not allowed in a character "
			    "class", c);
		re_emit(w, p + start, 2);
		w->i = i + 1;
		w->atom = 1;
		return 0;
	case 'Q':
		if (inclass)
			return re_fail(w, "\\Q is not allowed in a character "
			    "class");
		/* Literal text up to \E or the end, as PCRE2 reads it too. */
		for (i++; i < w->len; i++)
			if (p[i] == '\\' && i + 1 < w->len && p[i + 1] == 'E') {
				i += 2;
				break;
			}
		re_emit(w, p + start, i - start);
		w->i = i;
		return 0;
	case 'a': case 'f': case 't': case 'n': case 'r':
	case 'd': case 'D': case 'w': case 'W':
		re_emit(w, p + start, 2);
		w->i = i + 1;
		return 0;
	case 'v':
		re_emit(w, "\\x0b", 4);
		w->i = i + 1;
		return 0;
	case 's':
		if (inclass)
			re_emit(w, "\\t\\n\\f\\r\\x20", 12);
		else
			re_emit(w, "[\\t\\n\\f\\r\\x20]", 14);
		w->i = i + 1;
		return 0;
	case 'S':
		if (inclass)
			return re_fail(w, "\\S in a character class is not "
			    "supported");
		re_emit(w, "[^\\t\\n\\f\\r\\x20]", 15);
		w->i = i + 1;
		return 0;
	case 'x':
		i++;
		if (i < w->len && p[i] == '{') {
			size_t	 j = i + 1;

			while (j < w->len &&
			    pct_hexval((unsigned char)p[j]) != -1)
				j++;
			if (j == i + 1 || j >= w->len || p[j] != '}' ||
			    j - i - 1 > 8)
				return re_fail(w, "invalid escape sequence "
				    "\\x{");
			i = j + 1;
		} else if (i + 1 < w->len &&
		    pct_hexval((unsigned char)p[i]) != -1 &&
		    pct_hexval((unsigned char)p[i + 1]) != -1)
			i += 2;
		else
			return re_fail(w, "invalid escape sequence \\x: two "
			    "hexadecimal digits or \\x{...}");
		re_emit(w, p + start, i - start);
		w->i = i;
		return 0;
	case 'p': case 'P':
		i++;
		if (i < w->len && p[i] == '{') {
			size_t	 j = i + 1;

			while (j < w->len && p[j] != '}')
				j++;
			if (j >= w->len)
				return re_fail(w, "invalid character class "
				    "range \\%c{", c);
			i = j + 1;
		} else if (i < w->len && is_alnum((unsigned char)p[i]))
			i++;
		else
			return re_fail(w, "invalid character class range "
			    "\\%c", c);
		re_emit(w, p + start, i - start);
		w->i = i;
		return 0;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6':
	case '7':
		/* Go: \1 to \7 alone would be a backreference, refused. */
		if (c != '0' && (i + 1 >= w->len ||
		    !is_octal((unsigned char)p[i + 1])))
			return re_fail(w, "backreferences are not supported "
			    "(\\%c)", c);
		oct = 0;
		for (size_t n = 0; n < 3 && i < w->len &&
		    is_octal((unsigned char)p[i]); n++, i++)
			oct = oct * 8 + (unsigned int)(p[i] - '0');
		snprintf(tmp, sizeof(tmp), "\\x{%x}", oct);
		re_emit(w, tmp, strlen(tmp));
		w->i = i;
		return 0;
	default:
		/* Escaped ASCII punctuation is itself, in both. */
		if (c < 0x80 && !is_alnum(c)) {
			re_emit(w, p + start, 2);
			w->i = i + 1;
			return 0;
		}
		if (c < 0x80)
			return re_fail(w, "\\%c is not supported (Go's regexp "
			    "syntax has no such escape)", c);
		return re_fail(w, "invalid escape of a non-ASCII character");
	}
}

/* A bracketed class at w->i ('['), to its ']'. */
static int
re_class(struct re_walk *w)
{
	const char	*p = w->p;
	size_t		 i;

	re_emit(w, "[", 1);
	i = w->i + 1;
	if (i < w->len && p[i] == '^')
		re_emit(w, p + i++, 1);
	/* A ']' first is itself. */
	if (i < w->len && p[i] == ']')
		re_emit(w, p + i++, 1);
	while (i < w->len && p[i] != ']') {
		if (p[i] == '\\') {
			w->i = i;
			if (re_escape(w, 1) == -1)
				return -1;
			i = w->i;
			continue;
		}
		if (p[i] == '[' && i + 1 < w->len && p[i + 1] == ':') {
			const char	*end;

			end = memchr(p + i + 2, ']', w->len - i - 2);
			if (end == NULL || end[-1] != ':')
				return re_fail(w, "invalid character class "
				    "range [:");
			re_emit(w, p + i, (size_t)(end - (p + i)) + 1);
			i = (size_t)(end - p) + 1;
			continue;
		}
		if (p[i] == '[') {
			/* RE2: a literal '['; PCRE2 reads "[." and "[=". */
			re_emit(w, "\\[", 2);
			i++;
			continue;
		}
		re_emit(w, p + i++, 1);
	}
	if (i >= w->len)
		return re_fail(w, "missing closing ]");
	re_emit(w, "]", 1);
	w->i = i + 1;
	w->atom = 1;
	w->lastq = 0;
	return 0;
}

/* "(" at w->i: the group syntax RE2 has, and no other. */
static int
re_group(struct re_walk *w)
{
	const char	*p = w->p;
	size_t		 i = w->i + 1, j;

	w->atom = 0;
	w->lastq = 0;
	if (i >= w->len || (p[i] != '?' && p[i] != '*')) {
		re_emit(w, "(", 1);
		w->i = i;
		return 0;
	}
	if (p[i] == '*')
		return re_fail(w, "(* is not supported (no PCRE verbs)");
	i++;
	if (i < w->len && (p[i] == '=' || p[i] == '!'))
		return re_fail(w, "lookahead (?%c is not supported", p[i]);
	if (i + 1 < w->len && p[i] == '<' && (p[i + 1] == '=' ||
	    p[i + 1] == '!'))
		return re_fail(w, "lookbehind (?<%c is not supported",
		    p[i + 1]);
	if (i < w->len && (p[i] == 'P' || p[i] == '<')) {
		/* A named group: (?P<name>re) or (?<name>re). */
		if (p[i] == 'P')
			i++;
		if (i >= w->len || p[i] != '<')
			return re_fail(w, "invalid named capture");
		for (j = i + 1; j < w->len && (is_alnum((unsigned char)p[j]) ||
		    p[j] == '_'); j++)
			;
		if (j == i + 1 || j >= w->len || p[j] != '>')
			return re_fail(w, "invalid named capture");
		re_emit(w, "(?", 2);
		re_emit(w, p + i, j + 1 - i);
		w->i = j + 1;
		return 0;
	}
	/* Flags: (?flags) or (?flags:re), flags of i, m, s, U and "-". */
	for (j = i; j < w->len && strchr("imsU-", p[j]) != NULL &&
	    p[j] != '\0'; j++)
		;
	if (j >= w->len || (p[j] != ')' && p[j] != ':') ||
	    (j == i && p[j] == ')')) {
		if (j < w->len && p[j] == '>')
			return re_fail(w, "atomic groups (?> are not "
			    "supported");
		return re_fail(w, "(?%c is not supported (Go's regexp "
		    "syntax has only (?:, (?P<name> and the flags imsU)",
		    j < w->len ? p[j] : ' ');
	}
	re_emit(w, p + w->i, j + 1 - w->i);
	w->i = j + 1;
	return 0;
}

/*
 * "{" at w->i: a repeat {n}, {n,} or {n,m} (RE2: counts to 1000), else a
 * literal '{', as RE2 reads it.
 */
static int
re_repeat(struct re_walk *w)
{
	const char	*p = w->p;
	size_t		 i = w->i + 1;
	long		 n = 0, m = -1;
	int		 digits = 0;

	while (i < w->len && p[i] >= '0' && p[i] <= '9' && n <= INT_MAX / 10) {
		n = n * 10 + (p[i++] - '0');
		digits++;
	}
	if (digits > 0 && i < w->len && p[i] == ',') {
		i++;
		if (i < w->len && p[i] >= '0' && p[i] <= '9') {
			m = 0;
			while (i < w->len && p[i] >= '0' && p[i] <= '9' &&
			    m <= INT_MAX / 10)
				m = m * 10 + (p[i++] - '0');
		} else
			m = LONG_MAX;
	} else
		m = n;
	if (digits == 0 || i >= w->len || p[i] != '}') {
		re_emit(w, "\\{", 2);
		w->i++;
		w->atom = 1;
		w->lastq = 0;
		return 0;
	}
	if (n > RE_REPEAT_MAX || (m != LONG_MAX && m > RE_REPEAT_MAX) ||
	    m < n)
		return re_fail(w, "invalid repeat count (counts are at most "
		    "%d)", RE_REPEAT_MAX);
	return re_quantifier(w, i + 1 - w->i);
}

/* A quantifier of n bytes at w->i; a second one only to make it lazy. */
static int
re_quantifier(struct re_walk *w, size_t n)
{
	if (w->lastq == 1 && n == 1 && w->p[w->i] == '?') {
		w->lastq = 2;
		re_emit(w, "?", 1);
		w->i++;
		return 0;
	}
	if (w->lastq != 0)
		return re_fail(w, "invalid nested repetition operator "
		    "(possessive quantifiers are not supported)");
	if (!w->atom)
		return re_fail(w, "missing argument to repetition operator");
	re_emit(w, w->p + w->i, n);
	w->i += n;
	w->lastq = 1;
	return 0;
}

static int
re_translate(struct re_walk *w)
{
	int	 c;

	while (w->i < w->len) {
		c = (unsigned char)w->p[w->i];
		if (c == '*' || c == '+' || c == '?') {
			if (re_quantifier(w, 1) == -1)
				return -1;
			continue;
		}
		if (c == '{') {
			if (re_repeat(w) == -1)
				return -1;
			continue;
		}
		w->lastq = 0;
		w->atom = 1;
		switch (c) {
		case '\\':
			if (re_escape(w, 0) == -1)
				return -1;
			w->lastq = 0;
			break;
		case '[':
			if (re_class(w) == -1)
				return -1;
			break;
		case '(':
			if (re_group(w) == -1)
				return -1;
			break;
		case '|':
		case '^':
			/* RE2 allows "^*"; nothing to repeat after "|". */
			w->atom = c == '^';
			re_emit(w, w->p + w->i++, 1);
			break;
		default:
			re_emit(w, w->p + w->i++, 1);
			break;
		}
	}
	w->out[w->olen] = '\0';
	return 0;
}

struct http_regex *
http_regex_compile(const char *pattern, char *err, size_t errlen)
{
	struct http_regex	*re = NULL;
	struct re_walk		 w;
	pcre2_compile_context	*cctx = NULL;
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 off;
	uint32_t		 backrefs = 0;
	int			 code;
	size_t			 len = strlen(pattern);

	memset(&w, 0, sizeof(w));
	w.p = pattern;
	w.len = len;
	w.err = err;
	w.errlen = errlen;
	if (len > SIZE_MAX / 16 - 1 ||
	    (w.out = malloc(len * 16 + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (re_translate(&w) == -1)
		goto fail;
	if ((re = calloc(1, sizeof(*re))) == NULL ||
	    (re->pattern = strdup(pattern)) == NULL ||
	    (cctx = pcre2_compile_context_create(NULL)) == NULL ||
	    (re->mctx = pcre2_match_context_create(NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
	pcre2_set_match_limit(re->mctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, RE_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, RE_HEAP_LIMIT_KIB);
	re->code = pcre2_compile((PCRE2_SPTR)w.out, w.olen, PCRE2_UTF |
	    PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP |
	    PCRE2_MATCH_INVALID_UTF, &code, &off, cctx);
	if (re->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s", (char *)msg);
		goto fail;
	}
	/* The walk refused them; this says so again, cheaply. */
	if (pcre2_pattern_info(re->code, PCRE2_INFO_BACKREFMAX,
	    &backrefs) != 0 || backrefs != 0) {
		snprintf(err, errlen, "backreferences are not supported");
		goto fail;
	}
	pcre2_compile_context_free(cctx);
	free(w.out);
	return re;
 fail:
	pcre2_compile_context_free(cctx);
	free(w.out);
	http_regex_free(re);
	return NULL;
}

int
http_regex_match(const struct http_regex *re, const char *s, size_t len)
{
	pcre2_match_data	*md;
	int			 rc;

	if ((md = pcre2_match_data_create_from_pattern(re->code, NULL)) ==
	    NULL)
		return -1;
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, md, re->mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	/* Past a limit, or out of memory: neither a match nor a miss. */
	return -1;
}

const char *
http_regex_pattern(const struct http_regex *re)
{
	return re->pattern;
}

void
http_regex_free(struct http_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->mctx);
	free(re->pattern);
	free(re);
}
