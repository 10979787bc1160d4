/*
 * Unit tests of the Go text/template subset (monitor/gotmpl.c): every
 * template of Secretless Broker's example and test files, Go's outputs
 * for what the subset has (worked out from text/template's and fmt's
 * documentation and sources), and the refusals.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "httpconf.h"
#include "monitor.h"
#include "secret.h"
#include "test.h"
#include "util.h"

/* Credentials from name, value pairs (NULL-terminated). */
static struct creds *
mkcreds(const char *name, ...)
{
	struct creds	*c;
	va_list		 ap;
	const char	*v;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		c->names = reallocarray(c->names, c->n + 1, sizeof(char *));
		c->values = reallocarray(c->values, c->n + 1,
		    sizeof(struct secret *));
		if (c->names == NULL || c->values == NULL)
			abort();
		c->names[c->n] = strdup(name);
		c->values[c->n] = secret_new(v, strlen(v));
		c->n++;
	}
	va_end(ap);
	return c;
}

/* The rendering of text with c, or the error prefixed with "ERR: ". */
static char *
render(const char *text, const struct creds *c)
{
	static char	 out[1024];
	struct gotmpl	*t;
	struct secret	*s;
	char		 err[256];

	if ((t = gotmpl_parse(text, err, sizeof(err))) == NULL) {
		snprintf(out, sizeof(out), "PARSE: %s", err);
		return out;
	}
	if (gotmpl_render(t, c, &s, err, sizeof(err)) == -1)
		snprintf(out, sizeof(out), "ERR: %s", err);
	else {
		snprintf(out, sizeof(out), "%s", s->data);
		CHECK_INT(strlen(out), s->len);
		secret_free(s);
	}
	gotmpl_free(t);
	return out;
}

/* Every template of examples/generic_connector_configs and test/. */
TEST(gotmpl_secretless_templates)
{
	static const struct {
		const char	*text, *want;
	} t[] = {
		{ "{{ .client_key }}", "v-client_key" },
		{ "{{ .application_key }}", "v-application_key" },
		{ "application/json", "application/json" },
		{ "application/x-www-form-urlencoded",
		    "application/x-www-form-urlencoded" },
		{ "application/json; charset=utf-8",
		    "application/json; charset=utf-8" },
		{ "Bearer {{ .token }}", "Bearer v-token" },
		{ "token {{ .token }}", "token v-token" },
		{ "OAuth {{ .token }}", "OAuth v-token" },
		{ "{{ .token }}", "v-token" },
		{ "{{ .api_arg }}", "v-api_arg" },
		{ "{{ .api_key }}", "v-api_key" },
		{ "{{ .stripe_account }}", "v-stripe_account" },
		{ "{{ .idempotency_key }}", "v-idempotency_key" },
		{ "{{ .consumer_key }}", "v-consumer_key" },
		{ "{{ .consumer_secret }}", "v-consumer_secret" },
		{ "{{ .token_secret }}", "v-token_secret" },
		{ "Basic {{ printf \"%s:%s\" .app_key .app_secret | base64 }}",
		    "Basic di1hcHBfa2V5OnYtYXBwX3NlY3JldA==" },
		{ "ApiKey {{ printf \"%s:%s\" .id .api_key | base64 }}",
		    "ApiKey di1pZDp2LWFwaV9rZXk=" },
		{ "Basic {{ printf \"%s:%s\" .user .pass | base64 }}",
		    "Basic di11c2VyOnYtcGFzcw==" },
		{ "Basic {{ printf \"%s:%s\" .username .password | base64 }}",
		    "Basic di11c2VybmFtZTp2LXBhc3N3b3Jk" },
		{ " Basic {{ printf \"%s:%s\" .username .password | base64 }}",
		    " Basic di11c2VybmFtZTp2LXBhc3N3b3Jk" },
		{ "Basic {{ printf \"%s:%s\" .user .api_key | base64 }}",
		    "Basic di11c2VyOnYtYXBpX2tleQ==" },
		{ "Basic {{ printf \"%s:%s\" .account_sid .auth_token | "
		    "base64 }}", "Basic di1hY2NvdW50X3NpZDp2LWF1dGhfdG9rZW4=" },
		/* The conjur connector's own. */
		{ "Token token=\"{{ .accessToken | base64 }}\"",
		    "Token token=\"di1hY2Nlc3NUb2tlbg==\"" },
	};
	struct creds	*c;
	size_t		 i;

	c = mkcreds("client_key", "v-client_key", "application_key",
	    "v-application_key", "token", "v-token", "api_arg", "v-api_arg",
	    "api_key", "v-api_key", "stripe_account", "v-stripe_account",
	    "idempotency_key", "v-idempotency_key", "consumer_key",
	    "v-consumer_key", "consumer_secret", "v-consumer_secret",
	    "token_secret", "v-token_secret", "app_key", "v-app_key",
	    "app_secret", "v-app_secret", "id", "v-id", "user", "v-user",
	    "pass", "v-pass", "username", "v-username", "password",
	    "v-password", "account_sid", "v-account_sid", "auth_token",
	    "v-auth_token", "accessToken", "v-accessToken", NULL);
	REQUIRE(c != NULL);
	for (i = 0; i < nitems(t); i++)
		CHECK_STR(render(t[i].text, c), t[i].want);
	creds_free(c);
}

/* A missing credential, as Go's map lookup leaves it. */
TEST(gotmpl_missing)
{
	struct creds	*c = mkcreds("username", "Aladdin", "password",
			    "open sesame", NULL);

	REQUIRE(c != NULL);
	CHECK_STR(render("Basic {{ printf \"%s:%s\" .username .password | "
	    "base64 }}", c), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	CHECK_STR(render("{{ .nope }}", c), "<no value>");
	CHECK_STR(render("{{ printf \"%s:%s\" .username .nope }}", c),
	    "Aladdin:%!s(<nil>)");
	CHECK_STR(render("{{ printf \"%v|%x|%d\" .nope .nope .nope }}", c),
	    "<nil>|%!x(<nil>)|%!d(<nil>)");
	CHECK_STR(render("{{ .nope | base64 }}", c),
	    "ERR: base64: invalid value (a missing credential); expected "
	    "string");
	CHECK_STR(render("{{ base64 .nope }}", c),
	    "ERR: base64: invalid value (a missing credential); expected "
	    "string");
	CHECK_STR(render("{{ .nope | urlquery }}", c), "%3Cno+value%3E");
	CHECK_STR(render("{{ print .nope .nope }}", c), "<nil> <nil>");
	CHECK_STR(render("{{ print .nope \"a\" .nope }}", c), "<nil>a<nil>");
	CHECK(strncmp(render("{{ len .nope }}", c), "ERR: ", 5) == 0);
	/* An error inside an argument's parentheses (found by fuzzing). */
	CHECK_STR(render("{{ printf \"%d\" (len .nope) | html }}", c),
	    "ERR: len of a missing credential");
	CHECK_STR(render("{{ printf \"%s\" (.nope | base64) }}", c),
	    "ERR: base64: invalid value (a missing credential); expected "
	    "string");
	CHECK_STR(render("{{ .username }}", NULL), "<no value>");
	creds_free(c);
}

/* printf's verbs on strings and ints, and fmt's error strings. */
TEST(gotmpl_printf)
{
	struct creds	*c = mkcreds("s", "ab", "q", "a\"b\\\n\x01\x7f",
			    "u", "\xc3\xa9\xff\xc2\xad\xe2\x80\xa8", NULL);

	REQUIRE(c != NULL);
	CHECK_STR(render("{{ printf \"%q\" .q }}", c),
	    "\"a\\\"b\\\\\\n\\x01\\x7f\"");
	CHECK_STR(render("{{ printf \"%q\" .u }}", c),
	    "\"\xc3\xa9\\xff\\u00ad\\u2028\"");
	CHECK_STR(render("{{ printf \"%x %X %v\" .s .u .s }}", c),
	    "6162 C3A9FFC2ADE280A8 ab");
	CHECK_STR(render("{{ printf \"%d\" .s }}", c), "%!d(string=ab)");
	CHECK_STR(render("{{ printf \"%s %s\" .s }}", c), "ab %!s(MISSING)");
	CHECK_STR(render("{{ printf \"%s\" .s .s .nope }}", c),
	    "ab%!(EXTRA string=ab, <nil>)");
	CHECK_STR(render("{{ printf \"100%%\" }}", c), "100%");
	CHECK_STR(render("{{ len .s }}", c), "2");
	CHECK_STR(render("{{ printf \"%d-%x-%v-%s\" (len .u) (len .u) "
	    "(len .s) (len .s) }}", c), "8-8-2-%!s(int=2)");
	CHECK_STR(render("{{ .s | len | printf \"%q\" }}", c), "'\\x02'");
	CHECK_STR(render("{{ printf \"%q\" (len .u) }}", c), "'\\b'");
	CHECK_STR(render("{{ .s | printf \"<%s>\" }}", c), "<ab>");
	CHECK_STR(render("{{ printf \"%s\" (base64 .s) }}", c), "YWI=");
	CHECK_STR(render("{{ printf \"%s\" (printf \"%s-%s\" .s \"x\" | "
	    "base64) }}", c), "YWIteA==");
	CHECK_STR(render("{{ base64 \"\" }}", c), "");
	creds_free(c);
}

/* The other functions, literals, trimming and comments. */
TEST(gotmpl_functions_and_text)
{
	struct creds	*c = mkcreds("x", "X", NULL);

	REQUIRE(c != NULL);
	CHECK_STR(render("{{ urlquery \"a b&c~/\" }}", c), "a+b%26c~%2F");
	CHECK_STR(render("{{ html \"<a href='x'>&\\\"\" }}", c),
	    "&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
	CHECK_STR(render("{{ js \"a'b\\\"<>&=\\\\\\n\" }}", c),
	    "a\\'b\\\"\\u003C\\u003E\\u0026\\u003D\\\\\\u000A");
	CHECK_STR(render("{{ print \"a\" \"b\" }}", c), "ab");
	CHECK_STR(render("{{ print (len .x) (len .x) }}", c), "1 1");
	CHECK_STR(render("{{ urlquery (len .x) (len .x) }}", c), "1+1");
	CHECK_STR(render("{{ println \"a\" .x }}", c), "a X\n");
	CHECK_STR(render("{{ `a\\n{{` }}", c), "a\\n{{");
	CHECK_STR(render("{{ \"\\x41\\u00e9\\101\\U0001F600\\t\" }}", c),
	    "A\xc3\xa9" "A\xf0\x9f\x98\x80\t");
	CHECK_STR(render("a  \n{{- .x -}}\t b", c), "aXb");
	CHECK_STR(render("a {{-.x}} b", c), "PARSE: numbers are not "
	    "supported");
	CHECK_STR(render("a {{/* note */}} b{{- /* n */ -}} c", c), "a  bc");
	CHECK_STR(render("}} {{.x}}{{.x}} {", c), "}} XX {");
	CHECK_STR(render("{{\n.x\n|\nprintf\n\"%s\"\n}}", c), "X");
	CHECK_STR(render("", c), "");
	creds_free(c);
}

TEST(gotmpl_names)
{
	struct gotmpl	*t;
	char		 err[128];

	t = gotmpl_parse("{{ printf \"%s:%s\" .username .password | base64 }}"
	    " {{ .username }}{{ (printf \"%s\" .extra) }}", err, sizeof(err));
	REQUIRE(t != NULL);
	CHECK_STR(gotmpl_name(t, 0), "username");
	CHECK_STR(gotmpl_name(t, 1), "password");
	CHECK_STR(gotmpl_name(t, 2), "extra");
	CHECK(gotmpl_name(t, 3) == NULL);
	gotmpl_free(t);
	t = gotmpl_parse("plain", err, sizeof(err));
	REQUIRE(t != NULL);
	CHECK(gotmpl_name(t, 0) == NULL);
	gotmpl_free(t);
}

TEST(gotmpl_refusals)
{
	static const struct {
		const char	*text, *why;
	} t[] = {
		{ "{{ foo .a }}", "function foo is not supported" },
		{ "{{ index . \"a\" }}", "function index is not supported" },
		{ "{{ eq .a \"b\" }}", "function eq is not supported" },
		{ "{{ if .a }}x{{ end }}", "{{if}} is not supported" },
		{ "{{ range .a }}{{ end }}", "{{range}} is not supported" },
		{ "{{ template \"x\" }}", "{{template}} is not supported" },
		{ "{{ nil }}", "{{nil}} is not supported" },
		{ "x {{ .a }", "unexpected } in action" },
		{ "x {{ .a", "unclosed action" },
		{ "{{ }}", "missing value for command" },
		{ "{{ .a | }}", "missing value for command" },
		{ "{{ .a | .b }}", "non executable command in pipeline "
		    "stage 2" },
		{ "{{ .a | \"x\" }}", "non executable command in pipeline "
		    "stage 2" },
		{ "{{ $x := .a }}", "variables are not supported" },
		{ "{{ $ }}", "variables are not supported" },
		{ "{{ printf \"%5s\" .a }}", "printf verb %5 is not supported" },
		{ "{{ printf \"%-s\" .a }}", "printf verb %- is not supported" },
		{ "{{ printf \"%T\" .a }}", "printf verb %T is not supported" },
		{ "{{ printf \"a%\" .a }}", "printf verb % is not supported" },
		{ "{{ printf .a }}", "printf's format must be a quoted string" },
		{ "{{ .a | printf }}", "printf's format must be a quoted "
		    "string" },
		{ "{{ printf }}", "wrong number of args for printf: want at "
		    "least 1 got 0" },
		{ "{{ base64 .a .b }}", "wrong number of args for base64: want "
		    "1 got 2" },
		{ "{{ .a | base64 .b }}", "wrong number of args for base64: "
		    "want 1 got 2" },
		{ "{{ base64 }}", "wrong number of args for base64: want 1 got "
		    "0" },
		{ "{{ .a.b }}", "field chains (.a.) are not supported" },
		{ "{{ . }}", "the dot alone (.) is not supported" },
		{ "{{ \"abc }}", "unterminated quoted string" },
		{ "{{ \"a\nb\" }}", "unterminated quoted string" },
		{ "{{ \"\\q\" }}", "invalid syntax in a quoted string" },
		{ "{{ \"\\xZZ\" }}", "invalid syntax in a quoted string" },
		{ "{{ `abc }}", "unterminated raw quoted string" },
		{ "{{ (.a }}", "unclosed left paren" },
		{ "{{ .a ) }}", "unexpected right paren" },
		{ "{{ 3 }}", "numbers are not supported" },
		{ "{{ 'a' }}", "character constants are not supported" },
		{ "{{ .a .b }}", "can't give argument to non-function" },
		{ "{{ printf \"%s\" base64 .a }}", "function base64 as an "
		    "argument" },
		{ "{{/* x }}", "unclosed comment" },
		{ "{{/* x */ }}", "comment ends before closing delimiter" },
		{ "{{ .a, .b }}", "unexpected , in action" },
		{ "{{ .a = .b }}", "variable declarations are not supported" },
		{ "{{ ((((((((((((((((((.a)))))))))))))))))) }}",
		    "parentheses nested too deep" },
	};
	struct gotmpl	*g;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		memset(err, 0, sizeof(err));
		g = gotmpl_parse(t[i].text, err, sizeof(err));
		CHECK(g == NULL);
		gotmpl_free(g);
		if (strstr(err, t[i].why) == NULL) {
			printf("    %s: \"%s\" lacks \"%s\"\n", t[i].text, err,
			    t[i].why);
			CHECK(strstr(err, t[i].why) != NULL);
		}
	}
}
