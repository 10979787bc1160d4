/*
 * The HTTP connectors' configuration (basic_auth, conjur, aws,
 * generic_http), as Secretless Broker v2 has it, and the pieces it is
 * made of:
 *
 *   httpconf.c	the check of a service's config: section, its conn_conf
 *   httpregex.c	authenticateURLsMatching and credentialValidations:
 *		Go's regexp syntax (RE2), matched with PCRE2 under limits
 *   gotmpl.c	the subset of Go's text/template that real files use
 *
 * basic_auth and conjur are generic_http with fixed templates, as in
 * Secretless Broker (its basicauth and conjur plugins).
 */
#ifndef AIRLOCK_HTTPCONF_H
#define AIRLOCK_HTTPCONF_H

#include <stddef.h>

struct cfgcheck;
struct config;
struct creds;
struct secret;
struct service;

/* A compiled regular expression (httpregex.c). */
struct http_regex;

/*
 * Compile a pattern written for Go's regexp package (RE2 syntax:
 * unanchored, leftmost-first).  NULL and why (for "-t") when it is not
 * one, or uses what RE2 has not (backreferences, lookaround).
 */
struct http_regex *http_regex_compile(const char *pattern, char *err,
		    size_t errlen);
/* Does the pattern match somewhere in s?  1, 0, or -1 past its limits. */
int		 http_regex_match(const struct http_regex *, const char *s,
		    size_t len);
const char	*http_regex_pattern(const struct http_regex *);
void		 http_regex_free(struct http_regex *);

/* A parsed template (gotmpl.c). */
struct gotmpl;

/*
 * Parse a template of Go's text/template, the subset that Secretless
 * Broker's files use: text, and actions {{ PIPELINE }} (with {{- and -}}
 * trimming) where a pipeline is a command, or commands joined by "|"
 * (each gets the one before as its last argument); a command is ".name"
 * (a credential), a "quoted" or `raw` string, or a function with its
 * arguments (an argument may be a pipeline in parentheses): printf (its
 * format a quoted string; the verbs %s, %v, %q, %x, %X, %d and %%),
 * base64 (standard encoding, with padding), urlquery, html, js, print,
 * println, len; and comments.  Anything else is refused with why, for -t.
 */
struct gotmpl	*gotmpl_parse(const char *text, char *err, size_t errlen);
/* The i-th credential name the template reads (NULL past the last). */
const char	*gotmpl_name(const struct gotmpl *, size_t i);
/*
 * Render with the connection's credentials into guarded memory.  A name
 * the credentials lack renders as Go renders a missing map key ("<no
 * value>"); -1 and why (no secret in it) on failure.
 */
int		 gotmpl_render(const struct gotmpl *, const struct creds *,
		    struct secret **out, char *err, size_t errlen);
void		 gotmpl_free(struct gotmpl *);

/* A named template: a header's or a query parameter's value. */
struct http_tmpl {
	char		*name;
	struct gotmpl	*tmpl;
};

/* A credentialValidations entry: the credential must match, each fetch. */
struct http_validation {
	char		*cred;
	struct http_regex *re;
};

/* The conn_conf of an HTTP connector's service. */
struct http_conf {
	struct http_regex **patterns;	/* authenticateURLsMatching */
	size_t		 npatterns;
	int		 force_ssl;	/* forceSSL: the upstream is https */
	/*
	 * airlock's own: allowPlainHTTP: credentials may go to a plain
	 * http upstream (else only over verified TLS); passthrough: the
	 * URLs it matches are forwarded with nothing added (a service
	 * without credentials); allowLoopback: its upstreams may be
	 * addresses of this host, or private and link-local ones, when a
	 * name resolves to them (a literal address in the URL is taken at
	 * its word).
	 */
	int		 allow_plain_http;
	int		 passthrough;
	int		 allow_loopback;
	struct http_tmpl *headers;	/* headers: */
	size_t		 nheaders;
	struct http_tmpl *query;	/* queryParams: */
	size_t		 nquery;
	/* oauth1: consumer_key, consumer_secret, token, token_secret */
	struct http_tmpl *oauth1;
	size_t		 noauth1;
	struct http_validation *validations;	/* credentialValidations: */
	size_t		 nvalidations;
};

/* The connectors' checks (their mon_connector rows' check, conf_free). */
int		 http_check_generic(struct cfgcheck *, struct service *);
int		 http_check_basic_auth(struct cfgcheck *, struct service *);
int		 http_check_conjur(struct cfgcheck *, struct service *);
int		 http_check_aws(struct cfgcheck *, struct service *);
void		 http_conf_free(void *);

/*
 * The services that share svc's listener, in service-name order (the
 * order their patterns are tried): into out, which has room for max;
 * their number.  svc is one of them.
 */
size_t		 http_group(const struct config *, const struct service *svc,
		    const struct service **out, size_t max);

#endif
