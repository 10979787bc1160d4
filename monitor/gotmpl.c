/*
 * The subset of Go's text/template (https://pkg.go.dev/text/template) that
 * Secretless Broker's generic_http files use for headers, queryParams and
 * oauth1, with its function base64 (generic/config.go's templateFuncs).
 *
 * A template is text and actions; an action is a pipeline of commands;
 * Go's semantics are kept where a credential is missing (the map lookup
 * yields Go's invalid value: printed "<no value>", nil to printf, an error
 * to base64), and fmt's for printf's verbs on strings, including its
 * error strings ("%!d(string=...)", "%!s(MISSING)", "%!(EXTRA ...)").
 * Argument counts and printf's verbs are checked at parse time (Go checks
 * them when it executes), so that "-t" says what would fail.
 *
 * Rendering works in buffers that are wiped when freed (buf.c), and the
 * result goes to guarded memory.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "httpconf.h"
#include "monitor.h"
#include "secret.h"
#include "util.h"

#define GT_OUT_MAX	(64 * 1024)	/* a value, or a step of one */
#define GT_DEPTH_MAX	16		/* nested parentheses */

enum gt_akind { GA_FIELD, GA_STRING, GA_PIPE, GA_FUNC };

struct gt_pipe;

struct gt_arg {
	enum gt_akind	 kind;
	char		*s;		/* a field's name, a string, a func */
	size_t		 len;
	struct gt_pipe	*pipe;		/* GA_PIPE */
};

struct gt_func;

/* A command: a function and its arguments, or one operand. */
struct gt_cmd {
	const struct gt_func *fn;	/* NULL: args[0] alone */
	struct gt_arg	*args;
	size_t		 nargs;
};

struct gt_pipe {
	struct gt_cmd	*cmds;
	size_t		 ncmds;
};

/* Text (pipe NULL) or an action. */
struct gt_node {
	char		*text;
	size_t		 len;
	struct gt_pipe	*pipe;
};

struct gotmpl {
	struct gt_node	*nodes;
	size_t		 nnodes;
	char		**names;	/* the credentials it reads, once */
	size_t		 nnames;
};

/* A value: Go's invalid value (a missing key), a string, or an int. */
enum gt_vkind { GV_MISSING, GV_STR, GV_INT };
struct gt_val {
	enum gt_vkind	 kind;
	struct buf	*s;		/* GV_STR */
	long long	 n;		/* GV_INT */
};

typedef int	 gt_fn(struct gt_val *, size_t, struct buf *, char *,
		    size_t);

struct gt_func {
	const char	*name;
	size_t		 min, max;	/* arguments, with the piped one */
	gt_fn		*fn;
	int		 int_result;	/* len */
};

/* The parse of one template. */
struct gt_parse {
	const char	*p;
	size_t		 len;
	size_t		 i;
	char		*err;
	size_t		 errlen;
	struct gotmpl	*t;
};

static gt_fn	 fn_printf, fn_base64, fn_urlquery, fn_html, fn_js,
		 fn_print, fn_println, fn_len;

static const struct gt_func gt_funcs[] = {
	{ "printf",	1, SIZE_MAX,	fn_printf,	0 },
	{ "base64",	1, 1,		fn_base64,	0 },
	{ "urlquery",	0, SIZE_MAX,	fn_urlquery,	0 },
	{ "html",	0, SIZE_MAX,	fn_html,	0 },
	{ "js",		0, SIZE_MAX,	fn_js,		0 },
	{ "print",	0, SIZE_MAX,	fn_print,	0 },
	{ "println",	0, SIZE_MAX,	fn_println,	0 },
	{ "len",	1, 1,		fn_len,		1 },
};

/* Go's keywords: named in the refusal as what they are. */
static const char *const gt_keywords[] = {
	"if", "else", "end", "range", "with", "define", "template", "block",
	"break", "continue", "nil", "true", "false",
};

static void	 pipe_free(struct gt_pipe *);
static struct gt_pipe *parse_pipe(struct gt_parse *, int paren, int depth);
static int	 eval_pipe(const struct gt_pipe *, const struct creds *,
		    struct gt_val *, char *, size_t);

static int
gt_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
gt_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Go's lexer: space, tab, CR and LF separate; the trim markers cut them. */
static int
gt_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
gt_alnum(int c)
{
	return isascii(c) && (isalnum(c) || c == '_');
}

static void
val_clear(struct gt_val *v)
{
	buf_free(v->s);
	memset(v, 0, sizeof(*v));
}

/* ---- parsing ---- */

/* Is the action's end "}}" (or " -}}") at ps->i?  Its length, or 0. */
static size_t
at_close(const struct gt_parse *ps, int *trim)
{
	const char	*p = ps->p + ps->i;
	size_t		 left = ps->len - ps->i;

	*trim = 0;
	if (left >= 2 && p[0] == '}' && p[1] == '}')
		return 2;
	if (left >= 3 && p[0] == '-' && p[1] == '}' && p[2] == '}' &&
	    ps->i > 0 && gt_space((unsigned char)p[-1])) {
		*trim = 1;
		return 3;
	}
	return 0;
}

static void
skip_space(struct gt_parse *ps)
{
	while (ps->i < ps->len && gt_space((unsigned char)ps->p[ps->i]))
		ps->i++;
}

/* A Go interpreted string literal (strconv.Unquote), into out. */
static int
parse_quoted(struct gt_parse *ps, struct buf *out)
{
	const char	*p = ps->p;
	size_t		 i = ps->i + 1, n, k;
	unsigned long	 v;
	unsigned char	 c, u8[4];
	int		 base;

	for (;;) {
		if (i >= ps->len || p[i] == '\n')
			return gt_err(ps->err, ps->errlen,
			    "unterminated quoted string");
		c = (unsigned char)p[i];
		if (c == '"')
			break;
		if (c != '\\') {
			if (buf_put_u8(out, c) != 0)
				goto toolong;
			i++;
			continue;
		}
		if (++i >= ps->len)
			continue;
		c = (unsigned char)p[i++];
		switch (c) {
		case 'a': c = '\a'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'v': c = '\v'; break;
		case '\\': case '"': break;
		case 'x': case 'u': case 'U':
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			n = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 2;
			base = c >= '0' && c <= '7' ? 8 : 16;
			v = base == 8 ? (unsigned long)(c - '0') : 0;
			for (k = 0; k < n; k++, i++) {
				int	 d;

				if (i >= ps->len)
					goto bad;
				d = (unsigned char)p[i];
				if (d >= '0' && d <= '9')
					d -= '0';
				else if (base == 16 && d >= 'a' && d <= 'f')
					d -= 'a' - 10;
				else if (base == 16 && d >= 'A' && d <= 'F')
					d -= 'A' - 10;
				else
					goto bad;
				if (d >= base)
					goto bad;
				v = v * (unsigned long)base + (unsigned long)d;
			}
			if (c == 'x' || base == 8) {
				if (v > 255)
					goto bad;
				c = (unsigned char)v;
				break;
			}
			/* \u and \U: a code point, UTF-8 encoded. */
			if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
				goto bad;
			if (v < 0x80) {
				u8[0] = (unsigned char)v;
				n = 1;
			} else if (v < 0x800) {
				u8[0] = (unsigned char)(0xc0 | v >> 6);
				u8[1] = (unsigned char)(0x80 | (v & 0x3f));
				n = 2;
			} else if (v < 0x10000) {
				u8[0] = (unsigned char)(0xe0 | v >> 12);
				u8[1] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
				u8[2] = (unsigned char)(0x80 | (v & 0x3f));
				n = 3;
			} else {
				u8[0] = (unsigned char)(0xf0 | v >> 18);
				u8[1] = (unsigned char)(0x80 |
				    (v >> 12 & 0x3f));
				u8[2] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
				u8[3] = (unsigned char)(0x80 | (v & 0x3f));
				n = 4;
			}
			if (buf_put(out, u8, n) != 0)
				goto toolong;
			continue;
		default:
			goto bad;
		}
		if (buf_put_u8(out, c) != 0)
			goto toolong;
	}
	ps->i = i + 1;
	return 0;
 bad:
	return gt_err(ps->err, ps->errlen, "invalid syntax in a quoted "
	    "string (an escape Go does not have)");
 toolong:
	return gt_err(ps->err, ps->errlen, "string too long");
}

/* A string literal, "quoted" or `raw`, at ps->i. */
static int
parse_string(struct gt_parse *ps, struct gt_arg *a)
{
	struct buf	*b;
	const char	*end;

	if ((b = buf_new(GT_OUT_MAX)) == NULL)
		return gt_err(ps->err, ps->errlen, "out of memory");
	if (ps->p[ps->i] == '`') {
		end = memchr(ps->p + ps->i + 1, '`', ps->len - ps->i - 1);
		if (end == NULL) {
			buf_free(b);
			return gt_err(ps->err, ps->errlen,
			    "unterminated raw quoted string");
		}
		if (buf_put(b, ps->p + ps->i + 1,
		    (size_t)(end - ps->p) - ps->i - 1) != 0) {
			buf_free(b);
			return gt_err(ps->err, ps->errlen, "string too long");
		}
		ps->i = (size_t)(end - ps->p) + 1;
	} else if (parse_quoted(ps, b) == -1) {
		buf_free(b);
		return -1;
	}
	a->kind = GA_STRING;
	a->len = buf_len(b);
	if ((a->s = malloc(a->len + 1)) == NULL) {
		buf_free(b);
		return gt_err(ps->err, ps->errlen, "out of memory");
	}
	if (a->len > 0)
		memcpy(a->s, buf_ptr(b), a->len);
	a->s[a->len] = '\0';
	buf_free(b);
	return 0;
}

/* Remember a credential the template reads. */
static int
add_name(struct gotmpl *t, const char *name)
{
	char	**n;
	size_t	 i;

	for (i = 0; i < t->nnames; i++)
		if (strcmp(t->names[i], name) == 0)
			return 0;
	if ((n = reallocarray(t->names, t->nnames + 1, sizeof(*n))) == NULL)
		return -1;
	t->names = n;
	if ((n[t->nnames] = strdup(name)) == NULL)
		return -1;
	t->nnames++;
	return 0;
}

/* A word: ".name", a function's name, or what the subset has not. */
static int
parse_word(struct gt_parse *ps, struct gt_arg *a)
{
	const char	*p = ps->p;
	size_t		 start = ps->i, i = ps->i, k;
	int		 field = p[i] == '.';

	if (field)
		i++;
	while (i < ps->len && gt_alnum((unsigned char)p[i]))
		i++;
	if (field && i == start + 1)
		return gt_err(ps->err, ps->errlen, "the dot alone (.) is "
		    "not supported: name a credential, as .name");
	if (field && i < ps->len && p[i] == '.')
		return gt_err(ps->err, ps->errlen, "field chains (%.*s.) are "
		    "not supported", (int)(i - start), p + start);
	if (field && isdigit((unsigned char)p[start + 1]))
		return gt_err(ps->err, ps->errlen, "numbers are not "
		    "supported");
	a->len = i - start - (size_t)field;
	if ((a->s = strndup(p + start + field, a->len)) == NULL)
		return gt_err(ps->err, ps->errlen, "out of memory");
	ps->i = i;
	if (field) {
		a->kind = GA_FIELD;
		if (add_name(ps->t, a->s) == -1)
			return gt_err(ps->err, ps->errlen, "out of memory");
		return 0;
	}
	a->kind = GA_FUNC;
	for (k = 0; k < nitems(gt_keywords); k++)
		if (strcmp(a->s, gt_keywords[k]) == 0)
			return gt_err(ps->err, ps->errlen, "{{%s}} is not "
			    "supported", a->s);
	for (k = 0; k < nitems(gt_funcs); k++)
		if (strcmp(a->s, gt_funcs[k].name) == 0)
			return 0;
	return gt_err(ps->err, ps->errlen, "function %s is not supported",
	    a->s);
}

/* One operand at ps->i. */
static int
parse_operand(struct gt_parse *ps, struct gt_arg *a, int depth)
{
	int	 c = (unsigned char)ps->p[ps->i];

	if (c == '"' || c == '`')
		return parse_string(ps, a);
	if (c == '.' || (isascii(c) && (isalpha(c) || c == '_')))
		return parse_word(ps, a);
	if (c == '(') {
		if (depth >= GT_DEPTH_MAX)
			return gt_err(ps->err, ps->errlen, "parentheses "
			    "nested too deep");
		ps->i++;
		a->kind = GA_PIPE;
		if ((a->pipe = parse_pipe(ps, 1, depth + 1)) == NULL)
			return -1;
		return 0;
	}
	if (c == '$')
		return gt_err(ps->err, ps->errlen, "variables are not "
		    "supported");
	if (isdigit(c) || c == '-' || c == '+')
		return gt_err(ps->err, ps->errlen, "numbers are not "
		    "supported");
	if (c == '\'')
		return gt_err(ps->err, ps->errlen, "character constants are "
		    "not supported");
	if (c == ':' || c == '=')
		return gt_err(ps->err, ps->errlen, "variable declarations "
		    "are not supported");
	if (c == ')')
		return gt_err(ps->err, ps->errlen, "unexpected right paren");
	if (isprint(c))
		return gt_err(ps->err, ps->errlen, "unexpected %c in "
		    "action", c);
	return gt_err(ps->err, ps->errlen, "unexpected character %#x in "
	    "action", c);
}

static const struct gt_func *
func_named(const char *name)
{
	size_t	 k;

	for (k = 0; k < nitems(gt_funcs); k++)
		if (strcmp(name, gt_funcs[k].name) == 0)
			return &gt_funcs[k];
	return NULL;
}

/* printf's format: the verbs of the subset, no flags, width or index. */
static int
check_format(struct gt_parse *ps, const struct gt_arg *a)
{
	size_t	 i;

	if (a->kind != GA_STRING)
		return gt_err(ps->err, ps->errlen, "printf's format must be "
		    "a quoted string");
	for (i = 0; i < a->len; i++) {
		if (a->s[i] != '%')
			continue;
		if (++i >= a->len || strchr("svqxXd%", a->s[i]) == NULL ||
		    a->s[i] == '\0')
			return gt_err(ps->err, ps->errlen, "printf verb %%%.1s "
			    "is not supported (only %%s %%v %%q %%x %%X %%d "
			    "%%%%)", i < a->len ? a->s + i : "");
	}
	return 0;
}

/* A command's function, its argument count, printf's format. */
static int
check_cmd(struct gt_parse *ps, struct gt_cmd *c, size_t stage)
{
	const struct gt_func	*f;
	size_t			 n, k;

	if (c->args[0].kind != GA_FUNC) {
		if (stage > 0)
			return gt_err(ps->err, ps->errlen, "non executable "
			    "command in pipeline stage %zu", stage + 1);
		if (c->nargs > 1)
			return gt_err(ps->err, ps->errlen, "can't give "
			    "argument to non-function");
		return 0;
	}
	for (k = 1; k < c->nargs; k++)
		if (c->args[k].kind == GA_FUNC)
			return gt_err(ps->err, ps->errlen, "function %s as an "
			    "argument: put it in parentheses",
			    c->args[k].s);
	f = func_named(c->args[0].s);
	c->fn = f;
	n = c->nargs - 1 + (stage > 0);
	if (n < f->min || n > f->max)
		return gt_err(ps->err, ps->errlen, "wrong number of args for "
		    "%s: want %s%zu got %zu", f->name, f->max == SIZE_MAX ?
		    "at least " : "", f->min, n);
	if (f->fn == fn_printf) {
		if (c->nargs < 2)
			return gt_err(ps->err, ps->errlen, "printf's format "
			    "must be a quoted string");
		return check_format(ps, &c->args[1]);
	}
	return 0;
}

/*
 * A pipeline up to the action's end (or its ')' when paren): commands
 * joined by "|", each of operands.
 */
static struct gt_pipe *
parse_pipe(struct gt_parse *ps, int paren, int depth)
{
	struct gt_pipe	*pl;
	struct gt_cmd	*c, *cmds;
	struct gt_arg	*args;
	int		 trim;

	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		gt_err(ps->err, ps->errlen, "out of memory");
		return NULL;
	}
	for (;;) {
		if ((cmds = reallocarray(pl->cmds, pl->ncmds + 1,
		    sizeof(*cmds))) == NULL)
			goto oom;
		pl->cmds = cmds;
		c = &cmds[pl->ncmds++];
		memset(c, 0, sizeof(*c));
		for (;;) {
			skip_space(ps);
			if (ps->i >= ps->len) {
				gt_err(ps->err, ps->errlen, paren ?
				    "unclosed left paren" : "unclosed action");
				goto fail;
			}
			if (ps->p[ps->i] == '|' || at_close(ps, &trim) != 0 ||
			    (paren && ps->p[ps->i] == ')'))
				break;
			if ((args = reallocarray(c->args, c->nargs + 1,
			    sizeof(*args))) == NULL)
				goto oom;
			c->args = args;
			memset(&args[c->nargs], 0, sizeof(*args));
			c->nargs++;
			if (parse_operand(ps, &args[c->nargs - 1], depth) == -1)
				goto fail;
		}
		if (c->nargs == 0) {
			gt_err(ps->err, ps->errlen, "missing value for "
			    "command");
			goto fail;
		}
		if (check_cmd(ps, c, pl->ncmds - 1) == -1)
			goto fail;
		if (ps->p[ps->i] == '|') {
			ps->i++;
			continue;
		}
		if (paren && ps->p[ps->i] != ')') {
			gt_err(ps->err, ps->errlen, "unclosed left paren");
			goto fail;
		}
		if (paren)
			ps->i++;
		return pl;
	}
 oom:
	gt_err(ps->err, ps->errlen, "out of memory");
 fail:
	pipe_free(pl);
	return NULL;
}

static int
add_node(struct gt_parse *ps, const char *text, size_t len,
    struct gt_pipe *pl)
{
	struct gt_node	*n;

	if ((n = reallocarray(ps->t->nodes, ps->t->nnodes + 1,
	    sizeof(*n))) == NULL) {
		pipe_free(pl);
		return gt_err(ps->err, ps->errlen, "out of memory");
	}
	ps->t->nodes = n;
	n += ps->t->nnodes;
	memset(n, 0, sizeof(*n));
	n->pipe = pl;
	if (text != NULL) {
		if ((n->text = strndup(text, len)) == NULL)
			return gt_err(ps->err, ps->errlen, "out of memory");
		n->len = len;
	}
	ps->t->nnodes++;
	return 0;
}

/* A comment ("{{" slash-star ... star-slash "}}") at ps->i, after "{{". */
static int
parse_comment(struct gt_parse *ps, int *trim)
{
	const char	*end;

	end = memmem(ps->p + ps->i + 2, ps->len - ps->i - 2, "*/", 2);
	if (end == NULL)
		return gt_err(ps->err, ps->errlen, "unclosed comment");
	ps->i = (size_t)(end - ps->p) + 2;
	if (ps->len - ps->i >= 4 && memcmp(ps->p + ps->i, " -}}", 4) == 0) {
		*trim = 1;
		ps->i += 4;
		return 0;
	}
	if (ps->len - ps->i >= 2 && memcmp(ps->p + ps->i, "}}", 2) == 0) {
		ps->i += 2;
		return 0;
	}
	return gt_err(ps->err, ps->errlen, "comment ends before closing "
	    "delimiter");
}

/* Text, then actions, as Go's lexer cuts them (lexText, lexLeftDelim). */
static int
parse_template(struct gt_parse *ps)
{
	const char	*open;
	struct gt_pipe	*pl;
	size_t		 textlen, n;
	int		 trim = 0, rtrim;

	while (ps->i < ps->len) {
		open = memmem(ps->p + ps->i, ps->len - ps->i, "{{", 2);
		textlen = (open == NULL ? ps->len : (size_t)(open - ps->p)) -
		    ps->i;
		n = (open == NULL ? ps->len : (size_t)(open - ps->p)) + 2;
		/* "{{- " trims the text before it. */
		rtrim = open != NULL && n + 1 < ps->len && ps->p[n] == '-' &&
		    gt_space((unsigned char)ps->p[n + 1]);
		if (trim)
			while (textlen > 0 &&
			    gt_space((unsigned char)ps->p[ps->i])) {
				ps->i++;
				textlen--;
			}
		if (rtrim)
			while (textlen > 0 && gt_space((unsigned char)
			    ps->p[ps->i + textlen - 1]))
				textlen--;
		if (textlen > 0 &&
		    add_node(ps, ps->p + ps->i, textlen, NULL) == -1)
			return -1;
		if (open == NULL)
			break;
		ps->i = n + (rtrim ? 2 : 0);
		trim = 0;
		if (ps->len - ps->i >= 2 && memcmp(ps->p + ps->i, "/*", 2) ==
		    0) {
			if (parse_comment(ps, &trim) == -1)
				return -1;
			continue;
		}
		if ((pl = parse_pipe(ps, 0, 0)) == NULL)
			return -1;
		ps->i += at_close(ps, &trim);
		if (add_node(ps, NULL, 0, pl) == -1)
			return -1;
	}
	return 0;
}

struct gotmpl *
gotmpl_parse(const char *text, char *err, size_t errlen)
{
	struct gt_parse	 ps;

	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.len = strlen(text);
	ps.err = err;
	ps.errlen = errlen;
	if ((ps.t = calloc(1, sizeof(*ps.t))) == NULL) {
		gt_err(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_template(&ps) == -1) {
		gotmpl_free(ps.t);
		return NULL;
	}
	return ps.t;
}

const char *
gotmpl_name(const struct gotmpl *t, size_t i)
{
	return i < t->nnames ? t->names[i] : NULL;
}

static void
pipe_free(struct gt_pipe *pl)
{
	size_t	 i, k;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->ncmds; i++) {
		for (k = 0; k < pl->cmds[i].nargs; k++) {
			free(pl->cmds[i].args[k].s);
			pipe_free(pl->cmds[i].args[k].pipe);
		}
		free(pl->cmds[i].args);
	}
	free(pl->cmds);
	free(pl);
}

void
gotmpl_free(struct gotmpl *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nnodes; i++) {
		free(t->nodes[i].text);
		pipe_free(t->nodes[i].pipe);
	}
	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->nodes);
	free(t);
}

/* ---- rendering ---- */

static int
put_str(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

/* prefix, then v in base 10 or 16, in at least width digits. */
static int
put_num(struct buf *b, const char *prefix, unsigned long long v, int base,
    size_t width, int upper)
{
	const char	*digits = upper ? "0123456789ABCDEF" :
			    "0123456789abcdef";
	char		 tmp[32];
	size_t		 n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = digits[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v != 0 || n < width);
	return put_str(b, prefix) | buf_put(b, tmp + sizeof(tmp) - n, n);
}

/*
 * unicode.IsPrint, near enough for credentials: the C1 controls, the
 * soft hyphen, the spaces other than ASCII's and the format characters of
 * general punctuation are not printable; the rest of Unicode is (Go's
 * table also excludes unassigned code points and a few more).
 */
static int
rune_printable(long cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0) ||
	    cp == 0xad)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f)
	    || (cp >= 0x205f && cp <= 0x206f) || cp == 0x1680 ||
	    cp == 0x3000 || cp == 0xfeff)
		return 0;
	return 1;
}

/* strconv.Quote (q '"') or QuoteRune's body (q '\''): Go's escapes. */
static int
put_quoted(struct buf *b, const unsigned char *s, size_t len, int q)
{
	size_t	 i, n;
	long	 cp;
	int	 rc = buf_put_u8(b, (uint8_t)q);

	for (i = 0; rc == 0 && i < len; i += n) {
		cp = utf8_next(s + i, len - i, &n);
		if (cp == q || cp == '\\') {
			rc = buf_put_u8(b, '\\');
			rc |= buf_put_u8(b, (uint8_t)cp);
		} else if (cp >= 0 && rune_printable(cp))
			rc = buf_put(b, s + i, n);
		else if (cp == '\a' || cp == '\b' || cp == '\f' || cp == '\n' ||
		    cp == '\r' || cp == '\t' || cp == '\v')
			rc = put_str(b, cp == '\a' ? "\\a" : cp == '\b' ?
			    "\\b" : cp == '\f' ? "\\f" : cp == '\n' ? "\\n" :
			    cp == '\r' ? "\\r" : cp == '\t' ? "\\t" : "\\v");
		else if (cp < 0 || cp < 0x80)
			rc = put_num(b, "\\x", cp < 0 ? s[i] :
			    (unsigned long long)cp, 16, 2, 0);
		else if (cp < 0x10000)
			rc = put_num(b, "\\u", (unsigned long long)cp, 16, 4,
			    0);
		else
			rc = put_num(b, "\\U", (unsigned long long)cp, 16, 8,
			    0);
	}
	return rc | buf_put_u8(b, (uint8_t)q);
}

/* fmt's %v of one argument (nil when missing). */
static int
put_v(struct buf *b, const struct gt_val *v)
{
	if (v->kind == GV_MISSING)
		return put_str(b, "<nil>");
	if (v->kind == GV_INT)
		return put_num(b, "", (unsigned long long)v->n, 10, 1, 0);
	return buf_put(b, buf_ptr(v->s), buf_len(v->s));
}

/* fmt's "type=value" of an argument in its error strings. */
static int
put_typed(struct buf *b, const struct gt_val *v)
{
	if (v->kind == GV_MISSING)
		return put_str(b, "<nil>");
	return put_str(b, v->kind == GV_INT ? "int=" : "string=") |
	    put_v(b, v);
}

static int
put_hex(struct buf *b, const struct gt_val *v, int upper)
{
	const unsigned char *s;
	size_t		 i;
	int		 rc = 0;

	if (v->kind == GV_INT)
		return put_num(b, "", (unsigned long long)v->n, 16, 1, upper);
	s = buf_ptr(v->s);
	for (i = 0; rc == 0 && i < buf_len(v->s); i++)
		rc = put_num(b, "", s[i], 16, 2, upper);
	return rc;
}

/* One verb of fmt.Sprintf on one argument (doPrintf, printArg). */
static int
put_verb(struct buf *b, int verb, const struct gt_val *v)
{
	unsigned char	 r[4];
	long		 cp;
	size_t		 n;

	if (v->kind == GV_MISSING)
		return verb == 'v' ? put_str(b, "<nil>") :
		    put_str(b, "%!") | buf_put_u8(b, (uint8_t)verb) |
		    put_str(b, "(<nil>)");
	switch (verb) {
	case 'v':
		return put_v(b, v);
	case 's':
		if (v->kind == GV_STR)
			return put_v(b, v);
		break;
	case 'd':
		if (v->kind == GV_INT)
			return put_v(b, v);
		break;
	case 'x':
	case 'X':
		return put_hex(b, v, verb == 'X');
	case 'q':
		if (v->kind == GV_STR)
			return put_quoted(b, buf_ptr(v->s), buf_len(v->s), '"');
		/* An integer is a rune (strconv.QuoteRune). */
		cp = v->n < 0 || v->n > 0x10ffff || (v->n >= 0xd800 &&
		    v->n <= 0xdfff) ? 0xfffd : (long)v->n;
		n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		r[0] = n == 1 ? (unsigned char)cp : (unsigned char)((n == 2 ?
		    0xc0 : n == 3 ? 0xe0 : 0xf0) | cp >> (6 * (n - 1)));
		for (size_t k = 1; k < n; k++)
			r[k] = (unsigned char)(0x80 | (cp >> (6 * (n - 1 - k)) &
			    0x3f));
		return put_quoted(b, r, n, '\'');
	}
	/* A verb the argument's type has not: "%!d(string=...)". */
	return put_str(b, "%!") | buf_put_u8(b, (uint8_t)verb) |
	    buf_put_u8(b, '(') | put_typed(b, v) | buf_put_u8(b, ')');
}

static int
fn_printf(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	const unsigned char *f = buf_ptr(a[0].s);
	size_t		 flen = buf_len(a[0].s), i, arg = 1;
	int		 rc = 0;

	(void)err;
	(void)errlen;
	for (i = 0; rc == 0 && i < flen; i++) {
		if (f[i] != '%') {
			rc = buf_put_u8(out, f[i]);
			continue;
		}
		/* The parse allowed only these verbs after a '%'. */
		i++;
		if (f[i] == '%')
			rc = buf_put_u8(out, '%');
		else if (arg >= n)
			rc = put_str(out, "%!") | buf_put_u8(out, f[i]) |
			    put_str(out, "(MISSING)");
		else
			rc = put_verb(out, f[i], &a[arg++]);
	}
	if (rc == 0 && arg < n) {
		rc = put_str(out, "%!(EXTRA ");
		for (; rc == 0 && arg < n; arg++)
			rc = put_typed(out, &a[arg]) |
			    (arg + 1 < n ? put_str(out, ", ") : 0);
		rc |= buf_put_u8(out, ')');
	}
	return rc;
}

/* A function of a string: Go's "invalid value" or "wrong type" else. */
static int
want_string(const struct gt_val *v, const char *fn, char *err, size_t errlen)
{
	if (v->kind == GV_MISSING)
		return gt_err(err, errlen, "%s: invalid value (a missing "
		    "credential); expected string", fn);
	if (v->kind == GV_INT)
		return gt_err(err, errlen, "%s: wrong type for value; "
		    "expected string; got int", fn);
	return 0;
}

static int
fn_base64(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	char	*dst;
	size_t	 len;
	int	 rc;

	(void)n;
	if (want_string(&a[0], "base64", err, errlen) == -1)
		return -1;
	if (buf_len(a[0].s) > GT_OUT_MAX)
		return -1;
	len = sodium_base64_ENCODED_LEN(buf_len(a[0].s),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((dst = malloc(len)) == NULL)
		return gt_err(err, errlen, "out of memory");
	/* Go's base64.StdEncoding: RFC 4648 section 4, padded. */
	sodium_bin2base64(dst, len, buf_ptr(a[0].s), buf_len(a[0].s),
	    sodium_base64_VARIANT_ORIGINAL);
	rc = buf_put(out, dst, len - 1);	/* without its NUL */
	secret_wipe(dst, len);
	free(dst);
	return rc;
}

/*
 * fmt.Sprint of the arguments: a space between two operands when neither
 * is a string.  nil (a missing credential) is "<nil>", or "<no value>" for
 * the escaping functions (text/template's evalArgs).
 */
static int
sprint(struct gt_val *a, size_t n, struct buf *out, int novalue)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0 && a[i].kind != GV_STR && a[i - 1].kind != GV_STR &&
		    !(novalue && (a[i].kind == GV_MISSING ||
		    a[i - 1].kind == GV_MISSING)))
			rc = buf_put_u8(out, ' ');
		if (novalue && a[i].kind == GV_MISSING)
			rc |= put_str(out, "<no value>");
		else
			rc |= put_v(out, &a[i]);
	}
	return rc;
}

static int
fn_print(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	(void)err;
	(void)errlen;
	return sprint(a, n, out, 0);
}

static int
fn_println(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	size_t	 i;
	int	 rc = 0;

	(void)err;
	(void)errlen;
	for (i = 0; rc == 0 && i < n; i++)
		rc = (i > 0 ? buf_put_u8(out, ' ') : 0) | put_v(out, &a[i]);
	return rc | buf_put_u8(out, '\n');
}

/* An escaping function: the arguments as evalArgs joins them, escaped. */
static int
escaped(struct gt_val *a, size_t n, struct buf *out,
    int (*esc)(struct buf *, const unsigned char *, size_t))
{
	struct buf	*s;
	int		 rc;

	if ((s = buf_new(GT_OUT_MAX)) == NULL)
		return -1;
	rc = sprint(a, n, s, 1);
	if (rc == 0)
		rc = esc(out, buf_ptr(s), buf_len(s));
	buf_free(s);
	return rc;
}

/* url.QueryEscape: unreserved kept, space "+", the rest %XX. */
static int
esc_query(struct buf *out, const unsigned char *s, size_t len)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; rc == 0 && i < len; i++) {
		if (isascii(s[i]) && (isalnum(s[i]) || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.' || s[i] == '~'))
			rc = buf_put_u8(out, s[i]);
		else if (s[i] == ' ')
			rc = buf_put_u8(out, '+');
		else
			rc = put_num(out, "%", s[i], 16, 2, 1);
	}
	return rc;
}

/* template.HTMLEscapeString. */
static int
esc_html(struct buf *out, const unsigned char *s, size_t len)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; rc == 0 && i < len; i++)
		switch (s[i]) {
		case '"': rc = put_str(out, "&#34;"); break;
		case '\'': rc = put_str(out, "&#39;"); break;
		case '&': rc = put_str(out, "&amp;"); break;
		case '<': rc = put_str(out, "&lt;"); break;
		case '>': rc = put_str(out, "&gt;"); break;
		case '\0': rc = put_str(out, "\xef\xbf\xbd"); break;
		default: rc = buf_put_u8(out, s[i]); break;
		}
	return rc;
}

/* template.JSEscapeString. */
static int
esc_js(struct buf *out, const unsigned char *s, size_t len)
{
	size_t	 i, n;
	long	 cp;
	int	 rc = 0;

	for (i = 0; rc == 0 && i < len; i += n) {
		n = 1;
		switch (s[i]) {
		case '\\': rc = put_str(out, "\\\\"); continue;
		case '\'': rc = put_str(out, "\\'"); continue;
		case '"': rc = put_str(out, "\\\""); continue;
		case '<': rc = put_str(out, "\\u003C"); continue;
		case '>': rc = put_str(out, "\\u003E"); continue;
		case '&': rc = put_str(out, "\\u0026"); continue;
		case '=': rc = put_str(out, "\\u003D"); continue;
		}
		if (s[i] < 0x20)
			rc = put_num(out, "\\u", s[i], 16, 4, 1);
		else if (s[i] < 0x80)
			rc = buf_put_u8(out, s[i]);
		else if ((cp = utf8_next(s + i, len - i, &n)) < 0 ||
		    rune_printable(cp))
			rc = buf_put(out, s + i, n);	/* U+FFFD prints */
		else
			rc = put_num(out, "\\u", (unsigned long long)cp, 16, 4,
			    1);
	}
	return rc;
}

static int
fn_urlquery(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	(void)err;
	(void)errlen;
	return escaped(a, n, out, esc_query);
}

static int
fn_html(struct gt_val *a, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	(void)err;
	(void)errlen;
	return escaped(a, n, out, esc_html);
}

static int
fn_js(struct gt_val *a, size_t n, struct buf *out, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return escaped(a, n, out, esc_js);
}

/* len: a string's length in bytes, into a->n (int_result). */
static int
fn_len(struct gt_val *a, size_t n, struct buf *out, char *err, size_t errlen)
{
	(void)n;
	(void)out;
	if (a[0].kind == GV_MISSING)
		return gt_err(err, errlen, "len of a missing credential");
	if (a[0].kind == GV_INT)
		return gt_err(err, errlen, "len of type int");
	a[0].n = (long long)buf_len(a[0].s);
	return 0;
}

static int
eval_arg(const struct gt_arg *a, const struct creds *cr, struct gt_val *v,
    char *err, size_t errlen)
{
	const struct secret	*s = NULL;

	memset(v, 0, sizeof(*v));
	if (a->kind == GA_PIPE)
		return eval_pipe(a->pipe, cr, v, err, errlen);
	if (a->kind == GA_FIELD && (cr == NULL ||
	    (s = creds_get(cr, a->s)) == NULL))
		return 0;	/* GV_MISSING */
	v->kind = GV_STR;
	if ((v->s = buf_new(GT_OUT_MAX)) == NULL)
		return gt_err(err, errlen, "out of memory");
	if (a->kind == GA_FIELD ? buf_put(v->s, s->data, s->len) :
	    buf_put(v->s, a->s, a->len))
		return gt_err(err, errlen, "a value is too long");
	return 0;
}

/* A command, given the value of the one before it (or NULL). */
static int
eval_cmd(const struct gt_cmd *c, const struct creds *cr, struct gt_val *prev,
    struct gt_val *out, char *err, size_t errlen)
{
	struct gt_val	*av;
	size_t		 n, i;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (c->fn == NULL)
		return eval_arg(&c->args[0], cr, out, err, errlen);
	n = c->nargs - 1 + (prev != NULL);
	if ((av = calloc(n + 1, sizeof(*av))) == NULL)
		return gt_err(err, errlen, "out of memory");
	for (i = 1; i < c->nargs; i++)
		if (eval_arg(&c->args[i], cr, &av[i - 1], err, errlen) == -1)
			goto done;
	if (prev != NULL) {
		av[n - 1] = *prev;
		memset(prev, 0, sizeof(*prev));
	}
	if (c->fn->int_result) {
		if ((rc = c->fn->fn(av, n, NULL, err, errlen)) == 0) {
			out->kind = GV_INT;
			out->n = av[0].n;
		}
		goto done;
	}
	out->kind = GV_STR;
	if ((out->s = buf_new(GT_OUT_MAX)) == NULL) {
		rc = gt_err(err, errlen, "out of memory");
		goto done;
	}
	err[0] = '\0';
	if ((rc = c->fn->fn(av, n, out->s, err, errlen)) != 0 &&
	    err[0] == '\0')
		rc = gt_err(err, errlen, "%s: the value is too long",
		    c->fn->name);
 done:
	for (i = 0; i < n; i++)
		val_clear(&av[i]);
	free(av);
	return rc == 0 ? 0 : -1;
}

static int
eval_pipe(const struct gt_pipe *pl, const struct creds *cr,
    struct gt_val *out, char *err, size_t errlen)
{
	struct gt_val	 prev, cur;
	size_t		 i;

	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	for (i = 0; i < pl->ncmds; i++) {
		if (eval_cmd(&pl->cmds[i], cr, i > 0 ? &prev : NULL, &cur,
		    err, errlen) == -1) {
			val_clear(&prev);
			val_clear(&cur);
			return -1;
		}
		val_clear(&prev);
		prev = cur;
	}
	*out = prev;
	return 0;
}

int
gotmpl_render(const struct gotmpl *t, const struct creds *cr,
    struct secret **out, char *err, size_t errlen)
{
	struct buf	*b;
	struct gt_val	 v;
	size_t		 i;
	int		 rc = 0;

	*out = NULL;
	if ((b = buf_new(GT_OUT_MAX)) == NULL)
		return gt_err(err, errlen, "out of memory");
	for (i = 0; rc == 0 && i < t->nnodes; i++) {
		if (t->nodes[i].pipe == NULL) {
			if (buf_put(b, t->nodes[i].text, t->nodes[i].len) != 0)
				rc = gt_err(err, errlen, "the value is too "
				    "long");
			continue;
		}
		if (eval_pipe(t->nodes[i].pipe, cr, &v, err, errlen) == -1) {
			rc = -1;
			break;
		}
		/* text/template's printValue: a missing key "<no value>". */
		if ((v.kind == GV_MISSING ? put_str(b, "<no value>") :
		    put_v(b, &v)) != 0)
			rc = gt_err(err, errlen, "the value is too long");
		val_clear(&v);
	}
	if (rc == 0 && (*out = secret_new(buf_ptr(b), buf_len(b))) == NULL)
		rc = gt_err(err, errlen, "out of memory");
	buf_free(b);
	return rc;
}
