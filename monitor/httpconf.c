/*
 * The HTTP connectors' config: section, checked at load into a struct
 * http_conf (httpconf.h), as Secretless Broker v2 reads it
 * (internal/plugin/connectors/http/generic/config.go and
 * pkg/secretless/config/v2/config_http.go), and stricter where Secretless
 * fails only at the first request: every template and pattern is parsed
 * now, a template may read only the service's credentials, and a header
 * that airlock manages itself cannot be set.
 *
 * basic_auth and conjur are generic_http with a fixed header (their
 * Secretless plugins), aws signs (mon_http.c); only generic_http takes
 * headers, queryParams, oauth1 and credentialValidations.  Keys that
 * Secretless ignores are warned of and ignored.
 *
 * Templates and patterns are not secrets (the values they are rendered
 * with are, and are never here): messages may quote them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "connector.h"
#include "httpconf.h"
#include "util.h"
#include "yamlwalk.h"

/* What one connector of the family takes, beside the common keys. */
struct http_kind {
	const char	*name;
	int		 generic;	/* headers, queryParams, ... */
	/* A fixed Authorization header (basic_auth, conjur), or NULL. */
	const char	*auth_tmpl;
	/* A fixed credentialValidations entry, or NULL. */
	const char	*valid_cred;
	const char	*valid_re;
};

/*
 * basic_auth: RFC 7617 2 forbids a colon in the user-id.  Secretless's
 * pattern is [^:]+, which Go matches anywhere in the value, so that
 * "a:b" passes; anchored here, so that it does not.
 */
static const struct http_kind kind_generic = { "generic_http", 1, NULL,
	NULL, NULL };
static const struct http_kind kind_basic_auth = { "basic_auth", 0,
	"Basic {{ printf \"%s:%s\" .username .password | base64 }}",
	"username", "^[^:]+$" };
static const struct http_kind kind_conjur = { "conjur", 0,
	"Token token=\"{{ .accessToken | base64 }}\"", NULL, NULL };
static const struct http_kind kind_aws = { "aws", 0, NULL, NULL, NULL };

/* Every connector's keys; authenticationStrategy is protocol: http's. */
static const char *const common_keys[] = {
	"authenticateURLsMatching", "forceSSL", "allowPlainHTTP",
	"passthrough", "allowLoopback", "authenticationStrategy",
};
static const char *const generic_keys[] = {
	"headers", "queryParams", "oauth1", "credentialValidations",
};

/*
 * oauth1's keys (generic/oauth/v1/protocol.go), all required, kept in
 * this order in http_conf.oauth1.
 */
static const char *const oauth1_keys[] = {
	"consumer_key", "consumer_secret", "token", "token_secret",
};

/*
 * The fields that airlock writes itself (framing, the connection, the
 * upstream's Host) or drops as hop-by-hop (RFC 9110 7.6.1): a template
 * may not set them.
 */
static const char *const managed_headers[] = {
	"Host", "Content-Length", "Transfer-Encoding", "Connection",
	"Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
};

/* Keys that the connector does not take: said, and ignored. */
static int
check_keys(struct cfgcheck *cc, const struct service *svc,
    const struct http_kind *k)
{
	const struct cfg_keys	 lists[] = {
		{ common_keys, nitems(common_keys) },
		{ generic_keys, nitems(generic_keys) },
	};

	return cfg_unknown_settings(cc, svc, k->name, lists,
	    k->generic ? 2 : 1, ", as Secretless Broker ignores it");
}

static int
add_pattern(struct cfgcheck *cc, const struct cfgnode *n,
    struct http_conf *hc)
{
	char	 why[256];

	if (n->kind != CFG_SCALAR)
		return cfg_error(cc, n->line, n->col, "config."
		    "authenticateURLsMatching must be a regular expression "
		    "or a list of them");
	if ((hc->patterns[hc->npatterns] = http_regex_compile(n->value, why,
	    sizeof(why))) == NULL)
		return cfg_error(cc, n->line, n->col, "config."
		    "authenticateURLsMatching: \"" NAMEFMT "\": %s", n->value,
		    why);
	hc->npatterns++;
	return 0;
}

/* authenticateURLsMatching: one pattern or a list, as Secretless reads it. */
static int
get_patterns(struct cfgcheck *cc, const struct service *svc,
    struct http_conf *hc)
{
	const struct cfgnode	*n;
	size_t			 i, cnt;
	int			 r;

	n = cfgnode_get(svc->settings, "authenticateURLsMatching");
	if (n == NULL)
		return cfg_error(cc, svc->line, svc->col, "service " NAMEFMT
		    " (%s) needs config.authenticateURLsMatching: the "
		    "regular expressions of the URLs it serves", svc->name,
		    svc->connector);
	cnt = n->kind == CFG_SEQ ? n->nitems : 1;
	if (cnt == 0)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.authenticateURLsMatching is empty", svc->name);
	if ((hc->patterns = calloc(cnt, sizeof(*hc->patterns))) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	if (n->kind != CFG_SEQ)
		return add_pattern(cc, n, hc);
	for (i = 0; i < cnt; i++)
		if ((r = add_pattern(cc, &n->items[i], hc)) != 0)
			return r;
	return 0;
}

/* Every credential the template reads is one of the service's. */
static int
check_names(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *what, const struct gotmpl *t)
{
	const char	*name;
	size_t		 i;

	for (i = 0; (name = gotmpl_name(t, i)) != NULL; i++)
		if (service_credential(svc, name) == NULL)
			return cfg_error(cc, n->line, n->col, "service " NAMEFMT
			    ": %s reads credential " NAMEFMT ", which the "
			    "service does not have", svc->name, what, name);
	return 0;
}

/* One template: parsed, and reading only the service's credentials. */
static int
add_template(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *name, const char *text,
    const char *what, struct http_tmpl *out)
{
	char	 why[256];

	if ((out->name = strdup(name)) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	if ((out->tmpl = gotmpl_parse(text, why, sizeof(why))) == NULL)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": %s: %s", svc->name, what, why);
	return check_names(cc, svc, n, what, out->tmpl);
}

/* A header's name: a field name that airlock does not manage. */
static int
check_header(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const struct http_conf *hc)
{
	size_t	 i;

	if (!http_token(n->key, strlen(n->key)))
		return cfg_error(cc, n->key_line, n->key_col, "service "
		    NAMEFMT ": config.headers: \"" NAMEFMT "\" is not a "
		    "header name (RFC 9110 5.1: a token)", svc->name, n->key);
	for (i = 0; i < nitems(managed_headers); i++)
		if (strcasecmp(n->key, managed_headers[i]) == 0)
			return cfg_error(cc, n->key_line, n->key_col, "service "
			    NAMEFMT ": config.headers: airlock writes %s "
			    "itself; a template may not set it", svc->name,
			    managed_headers[i]);
	for (i = 0; i < hc->nheaders; i++)
		if (strcasecmp(n->key, hc->headers[i].name) == 0)
			return cfg_error(cc, n->key_line, n->key_col,
			    "service " NAMEFMT ": config.headers: " NAMEFMT
			    " twice (names of header fields are "
			    "case-insensitive)", svc->name, n->key);
	return 0;
}

/* headers, queryParams, oauth1: a mapping of names to templates. */
static int
get_templates(struct cfgcheck *cc, const struct service *svc,
    const char *key, struct http_conf *hc, struct http_tmpl **out,
    size_t *nout)
{
	const struct cfgnode	*map, *n;
	char			 what[160];
	size_t			 i;
	int			 r;

	if ((map = cfgnode_get(svc->settings, key)) == NULL)
		return 0;
	if (map->kind != CFG_MAP)
		return cfg_error(cc, map->line, map->col, "service " NAMEFMT
		    ": config.%s must be a mapping of names to templates",
		    svc->name, key);
	if (map->nitems > 0 &&
	    (*out = calloc(map->nitems, sizeof(**out))) == NULL)
		return cfg_error(cc, map->line, map->col, "out of memory");
	for (i = 0; i < map->nitems; i++) {
		n = &map->items[i];
		snprintf(what, sizeof(what), "config.%s." NAMEFMT, key, n->key);
		if (n->kind != CFG_SCALAR)
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": %s must be a template (a string)",
			    svc->name, what);
		if (n->key[0] == '\0')
			return cfg_error(cc, n->key_line, n->key_col,
			    "service " NAMEFMT ": config.%s: an empty name",
			    svc->name, key);
		if (out == &hc->headers &&
		    (r = check_header(cc, svc, n, hc)) != 0)
			return r;
		(*nout)++;
		if ((r = add_template(cc, svc, n, n->key, n->value, what,
		    &(*out)[i])) != 0)
			return r;
	}
	return 0;
}

/* oauth1: its four keys, no other, in oauth1_keys' order. */
static int
check_oauth1(struct cfgcheck *cc, const struct service *svc,
    struct http_conf *hc)
{
	const struct cfgnode	*map;
	struct http_tmpl	 t;
	char			 known[128];
	size_t			 i, j;

	if (hc->noauth1 == 0 && hc->oauth1 == NULL)
		return 0;
	map = cfgnode_get(svc->settings, "oauth1");
	known[0] = '\0';
	for (j = 0; j < nitems(oauth1_keys); j++)
		yw_list_add(known, sizeof(known), oauth1_keys[j]);
	for (i = 0; i < hc->noauth1; i++)
		if (!cfg_in_list(oauth1_keys, nitems(oauth1_keys),
		    hc->oauth1[i].name))
			return cfg_error(cc, map->items[i].key_line,
			    map->items[i].key_col, "service " NAMEFMT ": "
			    "config.oauth1." NAMEFMT " is not an OAuth 1.0a "
			    "setting (known: %s)", svc->name,
			    hc->oauth1[i].name, known);
	for (j = 0; j < nitems(oauth1_keys); j++) {
		for (i = j; i < hc->noauth1; i++)
			if (strcmp(hc->oauth1[i].name, oauth1_keys[j]) == 0)
				break;
		if (i == hc->noauth1)
			return cfg_error(cc, map->line, map->col, "service "
			    NAMEFMT ": config.oauth1 needs %s (it takes %s)",
			    svc->name, oauth1_keys[j], known);
		t = hc->oauth1[j];
		hc->oauth1[j] = hc->oauth1[i];
		hc->oauth1[i] = t;
	}
	for (i = 0; i < hc->nheaders; i++)
		if (strcasecmp(hc->headers[i].name, "Authorization") == 0)
			return cfg_error(cc, map->line, map->col, "service "
			    NAMEFMT ": config.oauth1 writes the Authorization "
			    "header, which config.headers sets too",
			    svc->name);
	return 0;
}

static int
add_validation(struct cfgcheck *cc, const struct service *svc,
    const struct cfgnode *n, const char *cred, const char *re,
    struct http_conf *hc)
{
	struct http_validation	*v = &hc->validations[hc->nvalidations];
	char			 why[256];

	if (service_credential(svc, cred) == NULL)
		return cfg_error(cc, n->key_line, n->key_col, "service "
		    NAMEFMT ": config.credentialValidations names credential "
		    NAMEFMT ", which the service does not have", svc->name,
		    cred);
	if ((v->cred = strdup(cred)) == NULL)
		return cfg_error(cc, n->line, n->col, "out of memory");
	hc->nvalidations++;
	if ((v->re = http_regex_compile(re, why, sizeof(why))) == NULL)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": config.credentialValidations." NAMEFMT ": %s",
		    svc->name, cred, why);
	return 0;
}

/* credentialValidations: credential -> pattern, and the kind's own. */
static int
get_validations(struct cfgcheck *cc, const struct service *svc,
    const struct http_kind *k, struct http_conf *hc)
{
	const struct cfgnode	*map, *n;
	size_t			 i, cnt;
	int			 r;

	map = k->generic ? cfgnode_get(svc->settings,
	    "credentialValidations") : NULL;
	if (map != NULL && map->kind != CFG_MAP)
		return cfg_error(cc, map->line, map->col, "service " NAMEFMT
		    ": config.credentialValidations must be a mapping of "
		    "credential names to regular expressions", svc->name);
	cnt = (map != NULL ? map->nitems : 0) + (k->valid_cred != NULL);
	if (cnt == 0)
		return 0;
	if ((hc->validations = calloc(cnt, sizeof(*hc->validations))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	/* The kind's own is reported, if ever, at the service. */
	if (k->valid_cred != NULL && (r = add_validation(cc, svc,
	    &(struct cfgnode){ .line = svc->line, .col = svc->col,
	    .key_line = svc->line, .key_col = svc->col }, k->valid_cred,
	    k->valid_re, hc)) != 0)
		return r;
	for (i = 0; map != NULL && i < map->nitems; i++) {
		n = &map->items[i];
		if (n->kind != CFG_SCALAR)
			return cfg_error(cc, n->line, n->col, "service "
			    NAMEFMT ": config.credentialValidations." NAMEFMT
			    " must be a regular expression", svc->name,
			    n->key);
		if ((r = add_validation(cc, svc, n, n->key, n->value,
		    hc)) != 0)
			return r;
	}
	return 0;
}

/* basic_auth's and conjur's Authorization header. */
static int
fixed_header(struct cfgcheck *cc, const struct service *svc,
    const struct http_kind *k, struct http_conf *hc)
{
	if (k->auth_tmpl == NULL)
		return 0;
	if ((hc->headers = calloc(1, sizeof(*hc->headers))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	hc->nheaders = 1;
	return add_template(cc, svc, &(struct cfgnode){ .line = svc->line,
	    .col = svc->col }, "Authorization", k->auth_tmpl,
	    "its Authorization header", &hc->headers[0]);
}

/*
 * passthrough: the explicit opt-in to forwarding without credentials.  A
 * service that would add nothing must say so.
 */
static int
check_passthrough(struct cfgcheck *cc, const struct service *svc,
    const struct http_kind *k, const struct http_conf *hc)
{
	const struct cfgnode	*n;
	int			 adds;

	adds = hc->nheaders > 0 || hc->nquery > 0 || hc->noauth1 > 0;
	if (!hc->passthrough) {
		if (k->generic && !adds)
			return cfg_error(cc, svc->line, svc->col, "service "
			    NAMEFMT " (generic_http) adds no credentials: it "
			    "needs config.headers, queryParams or oauth1, or "
			    "passthrough: true to forward its requests "
			    "without credentials", svc->name);
		return 0;
	}
	n = cfgnode_get(svc->settings, "passthrough");
	if (svc->ncreds > 0)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": passthrough forwards requests with nothing added, and "
		    "takes no credentials", svc->name);
	if (adds)
		return cfg_error(cc, n->line, n->col, "service " NAMEFMT
		    ": passthrough forwards requests with nothing added, and "
		    "takes no headers, queryParams or oauth1", svc->name);
	return 0;
}

/* Does one of the n templates read the credential name? */
static int
read_by(const struct http_tmpl *t, size_t n, const char *name)
{
	const char	*r;
	size_t		 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; (r = gotmpl_name(t[i].tmpl, j)) != NULL; j++)
			if (strcmp(r, name) == 0)
				return 1;
	return 0;
}

/*
 * generic_http takes any credential name (its row lists none): one that
 * no template and no validation reads is a mistake, said and ignored, as
 * config.c says it of the other connectors.
 */
static int
warn_unread(struct cfgcheck *cc, const struct service *svc,
    const struct http_conf *hc)
{
	const struct credential	*cr;
	size_t			 i, j;
	int			 r;

	for (i = 0; i < svc->ncreds; i++) {
		cr = &svc->creds[i];
		if (read_by(hc->headers, hc->nheaders, cr->name) ||
		    read_by(hc->query, hc->nquery, cr->name) ||
		    read_by(hc->oauth1, hc->noauth1, cr->name))
			continue;
		for (j = 0; j < hc->nvalidations; j++)
			if (strcmp(hc->validations[j].cred, cr->name) == 0)
				break;
		if (j < hc->nvalidations)
			continue;
		if ((r = cfg_warn(cc, cr->name_line, cr->name_col, "service "
		    NAMEFMT ": credential \"" NAMEFMT "\" is read by no "
		    "template; ignored", svc->name, cr->name)) != 0)
			return r;
	}
	return 0;
}

/*
 * Credentials go to a plain-http upstream only with allowPlainHTTP: say
 * so once, unless every pattern matches https URLs only.
 */
static int
warn_plain(struct cfgcheck *cc, const struct service *svc,
    const struct http_conf *hc)
{
	size_t	 i;

	if (hc->force_ssl || hc->allow_plain_http || hc->passthrough)
		return 0;
	for (i = 0; i < hc->npatterns; i++)
		if (strncmp(http_regex_pattern(hc->patterns[i]), "^https://",
		    9) != 0)
			break;
	if (i == hc->npatterns)
		return 0;
	return cfg_warn(cc, svc->line, svc->col, "service " NAMEFMT ": "
	    "requests to http:// URLs get no credentials and are refused "
	    "(403): set forceSSL: true to send them over https, or "
	    "allowPlainHTTP: true to send the credentials in clear",
	    svc->name);
}

static int
http_check(struct cfgcheck *cc, struct service *svc,
    const struct http_kind *k)
{
	struct http_conf	*hc;
	int			 r;

	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return cfg_error(cc, svc->line, svc->col, "out of memory");
	svc->conn_conf = hc;
	if (svc->settings != NULL && svc->settings->kind != CFG_MAP)
		return cfg_error(cc, svc->line, svc->col, "service " NAMEFMT
		    ": config must be a mapping", svc->name);
	if ((r = check_keys(cc, svc, k)) != 0 ||
	    (r = get_patterns(cc, svc, hc)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "forceSSL", &hc->force_ssl)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "allowPlainHTTP",
	    &hc->allow_plain_http)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "passthrough", &hc->passthrough)) != 0 ||
	    (r = cfg_setting_bool(cc, svc, "allowLoopback",
	    &hc->allow_loopback)) != 0 ||
	    (r = fixed_header(cc, svc, k, hc)) != 0)
		return r;
	if (k->generic &&
	    ((r = get_templates(cc, svc, "headers", hc, &hc->headers,
	    &hc->nheaders)) != 0 ||
	    (r = get_templates(cc, svc, "queryParams", hc, &hc->query,
	    &hc->nquery)) != 0 ||
	    (r = get_templates(cc, svc, "oauth1", hc, &hc->oauth1,
	    &hc->noauth1)) != 0 ||
	    (r = check_oauth1(cc, svc, hc)) != 0))
		return r;
	if ((r = get_validations(cc, svc, k, hc)) != 0 ||
	    (r = check_passthrough(cc, svc, k, hc)) != 0 ||
	    (k->generic && (r = warn_unread(cc, svc, hc)) != 0))
		return r;
	return warn_plain(cc, svc, hc);
}

int
http_check_generic(struct cfgcheck *cc, struct service *svc)
{
	return http_check(cc, svc, &kind_generic);
}

int
http_check_basic_auth(struct cfgcheck *cc, struct service *svc)
{
	return http_check(cc, svc, &kind_basic_auth);
}

int
http_check_conjur(struct cfgcheck *cc, struct service *svc)
{
	return http_check(cc, svc, &kind_conjur);
}

int
http_check_aws(struct cfgcheck *cc, struct service *svc)
{
	return http_check(cc, svc, &kind_aws);
}

static void
free_templates(struct http_tmpl *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(t[i].name);
		gotmpl_free(t[i].tmpl);
	}
	free(t);
}

void
http_conf_free(void *conf)
{
	struct http_conf	*hc = conf;
	size_t			 i;

	if (hc == NULL)
		return;
	for (i = 0; i < hc->npatterns; i++)
		http_regex_free(hc->patterns[i]);
	free(hc->patterns);
	free_templates(hc->headers, hc->nheaders);
	free_templates(hc->query, hc->nquery);
	free_templates(hc->oauth1, hc->noauth1);
	for (i = 0; i < hc->nvalidations; i++) {
		free(hc->validations[i].cred);
		http_regex_free(hc->validations[i].re);
	}
	free(hc->validations);
	free(hc);
}

size_t
http_group(const struct config *conf, const struct service *svc,
    const struct service **out, size_t max)
{
	const struct service	*s;
	size_t			 i, j, n = 0;

	for (i = 0; i < conf->nservices; i++) {
		s = &conf->services[i];
		if (!service_same_listen(s, svc))
			continue;
		/* Insert in name order; past max, the last by name drop. */
		for (j = n; j > 0 && strcmp(out[j - 1]->name, s->name) > 0;
		    j--)
			if (j < max)
				out[j] = out[j - 1];
		if (j < max)
			out[j] = s;
		if (n < max)
			n++;
	}
	return n;
}
