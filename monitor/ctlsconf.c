/*
 * clientTLS: who may connect to a service, and over what (airlock.yml(5)).
 * The listener's certificate, key and client CA are credentials like the
 * service's own, resolved per connection (clienttls.c), so they are read
 * with the credential parser into a service of their own (config.h,
 * struct client_tls).  The rest is the policy: whether a client must show
 * a certificate of the CA, and which names of it may connect.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"
#include "config.h"
#include "ctls.h"
#include "errors.h"
#include "util.h"
#include "yamlwalk.h"

#define WHAT	"config.clientTLS"

/* Credential names of the listener (clienttls.c reads them). */
static const char *const cred_keys[] = { "certificate", "key", "clientCA" };

/* The kinds of allowedClients entries, as tls_client_allowed reads them. */
static const char *const name_kinds[] = { "CN=", "DNS:", "URI:", "email:" };

void
ctls_conf_free(struct client_tls *ct)
{
	size_t	 i;

	if (ct == NULL)
		return;
	service_clear(&ct->res);
	for (i = 0; i < ct->nallowed; i++)
		free(ct->allowed[i]);
	free(ct->allowed);
	free(ct);
}

static int
valid_name(const char *s)
{
	size_t	 i, n;

	if (strlen(s) > CTLS_NAME_MAX || strchr(s, '\n') != NULL)
		return 0;
	for (i = 0; i < nitems(name_kinds); i++) {
		n = strlen(name_kinds[i]);
		if (strncasecmp(s, name_kinds[i], n) == 0 && s[n] != '\0')
			return 1;
	}
	return 0;
}

/* allowedClients: one name or a list of them. */
static int
parse_allowed(struct yw *c, yaml_node_t *n, struct client_tls *ct)
{
	yaml_node_item_t *it = NULL;
	yaml_node_t	*e;
	const char	*s;
	size_t		 cnt = 1, i;
	int		 r;

	if (n->type == YAML_SEQUENCE_NODE) {
		it = n->data.sequence.items.start;
		cnt = n->data.sequence.items.top - it;
	}
	if (cnt == 0 || cnt > CTLS_ALLOWED_MAX)
		return yw_error(c, n, WHAT ".allowedClients needs from 1 to %d "
		    "names", CTLS_ALLOWED_MAX);
	if ((ct->allowed = calloc(cnt, sizeof(*ct->allowed))) == NULL)
		return yw_error(c, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		e = it != NULL ? yw_node(c, it[i]) : n;
		if ((r = yw_string(c, e, WHAT ".allowedClients", &s)) != 0)
			return r;
		if (!valid_name(s))
			return yw_error(c, e, WHAT ".allowedClients: " NAMEFMT
			    " is not CN=name, DNS:name, URI:uri or "
			    "email:address (at most %d bytes)", s,
			    CTLS_NAME_MAX);
		if ((r = yw_strdup(c, e, s, &ct->allowed[i])) != 0)
			return r;
		ct->nallowed++;
	}
	return 0;
}

/* certificate, key, clientCA: into the listener's own credentials. */
static int
parse_cred(struct yw *c, const struct pair *p, struct client_tls *ct)
{
	struct service	*res = &ct->res;
	size_t		 i;

	for (i = 0; i < res->ncreds; i++)
		if (strcmp(res->creds[i].name, p->name) == 0)
			return yw_error(c, p->key, WHAT "." NAMEFMT " is given "
			    "twice", p->name);
	res->ncreds++;
	return cfg_parse_credential(c, p, res, &res->creds[res->ncreds - 1]);
}

static int
parse_auth(struct yw *c, const struct pair *p, int *auth)
{
	const char	*s;
	int		 r;

	if ((r = yw_string(c, p->val, WHAT ".clientAuth", &s)) != 0)
		return r;
	if (strcmp(s, CTLS_AUTH_NONE) == 0)
		*auth = CTLS_AUTH_NONE_V;
	else if (strcmp(s, CTLS_AUTH_CERT) == 0)
		*auth = CTLS_AUTH_CERT_V;
	else
		return yw_error(c, p->val, WHAT ".clientAuth must be "
		    CTLS_AUTH_NONE " or " CTLS_AUTH_CERT);
	return 0;
}

static int
parse_key(struct yw *c, const struct pair *p, struct client_tls *ct,
    int *auth)
{
	char	 known[128];
	size_t	 i;

	for (i = 0; i < nitems(cred_keys); i++)
		if (yw_key_is(p, cred_keys[i]))
			return parse_cred(c, p, ct);
	if (yw_key_is(p, "clientAuth"))
		return parse_auth(c, p, auth);
	if (yw_key_is(p, "allowedClients"))
		return parse_allowed(c, p->val, ct);
	known[0] = '\0';
	for (i = 0; i < nitems(cred_keys); i++)
		yw_list_add(known, sizeof(known), cred_keys[i]);
	yw_list_add(known, sizeof(known), "clientAuth");
	yw_list_add(known, sizeof(known), "allowedClients");
	return yw_error(c, p->key, "unknown key " NAMEFMT " in " WHAT
	    " (known: %s)", p->name, known);
}

/* What must go together: a certificate and its key, a CA and "cert". */
static int
check_parts(struct yw *c, yaml_node_t *node, struct client_tls *ct,
    int auth)
{
	int	 ca = service_credential(&ct->res, "clientCA") != NULL;

	if (service_credential(&ct->res, "certificate") == NULL ||
	    service_credential(&ct->res, "key") == NULL)
		return yw_error(c, node, WHAT " needs certificate and key");
	if (auth == -1)
		auth = ca ? CTLS_AUTH_CERT_V : CTLS_AUTH_NONE_V;
	if (auth == CTLS_AUTH_CERT_V && !ca)
		return yw_error(c, node, WHAT ".clientAuth: cert needs "
		    "clientCA, the CA that issues the clients' certificates");
	if (auth == CTLS_AUTH_NONE_V && ca)
		return yw_error(c, node, WHAT ".clientCA is given, and "
		    "clientAuth is none: say cert to check clients");
	if (auth == CTLS_AUTH_NONE_V && ct->nallowed > 0)
		return yw_error(c, node, WHAT ".allowedClients needs "
		    "clientAuth: cert");
	ct->auth = auth;
	return 0;
}

int
ctls_conf_parse(struct yw *c, yaml_node_t *node, struct service *svc)
{
	struct client_tls *ct;
	struct pairs	 ps;
	size_t		 i;
	int		 r, auth = -1;

	if (node->type != YAML_MAPPING_NODE)
		return yw_error(c, node, WHAT " must be a mapping (certificate, "
		    "key, clientAuth, clientCA, allowedClients)");
	if (svc->client_tls != NULL)
		return yw_error(c, node, WHAT " is given twice");
	if ((ct = calloc(1, sizeof(*ct))) == NULL ||
	    (ct->res.creds = calloc(nitems(cred_keys),
	    sizeof(*ct->res.creds))) == NULL) {
		free(ct);
		return yw_error(c, node, "out of memory");
	}
	svc->client_tls = ct;
	ct->line = yw_line(node);
	ct->col = yw_col(node);
	if ((r = yw_strdup(c, node, svc->name, &ct->res.name)) != 0)
		return r;
	if ((r = yw_map(c, node, WHAT, &ps)) != 0)
		goto out;
	for (i = 0; i < ps.n && r == 0; i++)
		r = parse_key(c, &ps.v[i], ct, &auth);
	if (r == 0)
		r = check_parts(c, node, ct, auth);
 out:
	yw_pairs_free(&ps);
	return r;
}

int
ctls_conf_check(struct yw *c, struct service *svc, int connector_has_tls)
{
	struct client_tls *ct = svc->client_tls;

	if (ct == NULL)
		return 0;
	if (!connector_has_tls)
		return yw_error_at(c, ct->line, ct->col, WHAT ": the %s "
		    "connector does not serve TLS to its clients (pg, mysql "
		    "and the HTTP connectors do)", svc->connector);
	/* Read after clientTLS, perhaps: the listener's is the service's. */
	ct->res.cache_ttl_ms = svc->cache_ttl_ms;
	/* The worker learns of it with its assignment's options. */
	if (kv_set_str(&svc->config, CTLS_OPTION, ct->auth == CTLS_AUTH_CERT_V ?
	    CTLS_AUTH_CERT : CTLS_AUTH_NONE) != 0)
		return yw_error_at(c, ct->line, ct->col, "config has more "
		    "than %d settings", MSG_MAX_KV - 1);
	return 0;
}

int
ctls_conf_certs(const struct service *svc)
{
	return svc->client_tls != NULL &&
	    svc->client_tls->auth == CTLS_AUTH_CERT_V;
}

int
ctls_conf_equal(const struct client_tls *a, const struct client_tls *b)
{
	size_t	 i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->auth != b->auth || a->nallowed != b->nallowed ||
	    !service_creds_equal(&a->res, &b->res))
		return 0;
	for (i = 0; i < a->nallowed; i++)
		if (strcmp(a->allowed[i], b->allowed[i]) != 0)
			return 0;
	return 1;
}
