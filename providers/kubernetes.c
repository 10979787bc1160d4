/*
 * The kubernetes provider, as Secretless Broker's: a reference
 * "secret-name#key" is that key of a Secret in the pod's own namespace,
 * read from the API server with the pod's service account, as a client
 * inside the cluster does (client-go's rest.InClusterConfig):
 *
 *	KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT
 *				the API server (set in every pod)
 *	/var/run/secrets/kubernetes.io/serviceaccount
 *				token, ca.crt and namespace; the directory is
 *				AIRLOCK_KUBERNETES_SERVICEACCOUNT_DIR when set
 *
 * The token is read again for each request: a projected token rotates.
 * One request makes one GET /api/v1/namespaces/{ns}/secrets/{name} per
 * distinct name (API reference, "Secret v1 core", read); the key's value
 * is base64 in the Secret's "data".  Errors come as a Status object whose
 * "reason" (NotFound, Forbidden, ...) is a code: it is named in messages,
 * nothing else of the body is.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "provider_impl.h"
#include "secret.h"
#include "b64.h"
#include "https.h"
#include "jsonfield.h"
#include "provenv.h"

#define K8S_SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"
#define K8S_NAME_MAX	253		/* a DNS subdomain (RFC 1123) */
#define K8S_NS_MAX	63		/* a DNS label */
#define K8S_TOKEN_MAX	(16 * 1024)
#define K8S_MAX_BODY	(1024 * 1024)
#define K8S_REASON_MAX	65
#define REFFMT		"%.100s"

struct k8s_ref {
	char	 name[K8S_NAME_MAX + 1];
	char	 key[K8S_NAME_MAX + 1];
};

struct k8s_state;

/* One GET, for every reference to the same Secret. */
struct k8s_fetch {
	struct k8s_state	*st;
	size_t			 first;		/* its first reference */
	struct https_req	*hr;
};

struct k8s_state {
	struct provider_req	*req;
	size_t			 n;
	struct k8s_ref		*refs;
	size_t			*fetch_of;	/* per reference */
	struct k8s_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
};

static struct {
	int			 ready;
	struct https_server	 srv;
	char			 tokpath[PATH_MAX];	/* read at each request */
	char			 ns[K8S_NS_MAX + 1];
} k8s;

/* A DNS subdomain of Kubernetes' object names: [a-z0-9.-], alnum ends. */
static int
name_ok(const char *s, size_t len, int dots)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    (dots && s[i] == '.')))
			return 0;
	return s[0] != '-' && s[0] != '.' && s[len - 1] != '-' &&
	    s[len - 1] != '.';
}

/* A key of a Secret's data: [-._a-zA-Z0-9]+ (validation.IsConfigMapKey). */
static int
key_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

/* The namespace the pod runs in, from the service account's directory. */
static int
read_namespace(const char *dir, char *err, size_t errlen)
{
	struct secret	*s;
	char		 path[PATH_MAX];
	int		 r;

	snprintf(path, sizeof(path), "%s/namespace", dir);
	if ((r = penv_read_file("provider kubernetes", path, K8S_NS_MAX, &s,
	    err, errlen)) != 0)
		return r;
	if (!name_ok((const char *)s->data, s->len, 0)) {
		secret_free(s);
		snprintf(err, errlen, "provider kubernetes: %.200s is not a "
		    "namespace's name", path);
		return ERR_FORMAT;
	}
	memcpy(k8s.ns, s->data, s->len);
	k8s.ns[s->len] = '\0';
	secret_free(s);
	return 0;
}

int
k8s_setup(char *err, size_t errlen)
{
	struct https_server	 srv;
	struct secret		*tok;
	const char		*host, *port, *dir;
	char			 url[HTTPS_HOSTLEN + 32], ca[PATH_MAX];
	char			 why[512];
	int			 r;

	if (k8s.ready)
		return 0;
	if ((host = penv("KUBERNETES_SERVICE_HOST")) == NULL) {
		snprintf(err, errlen, "provider kubernetes: "
		    "KUBERNETES_SERVICE_HOST is not set (airlockd is not in "
		    "a pod, or the pod has no service links)");
		return ERR_INVAL;
	}
	if ((port = penv("KUBERNETES_SERVICE_PORT")) == NULL)
		port = "443";
	/* An IPv6 address comes bare, as client-go joins it. */
	snprintf(url, sizeof(url), strchr(host, ':') != NULL ?
	    "https://[%.255s]:%.10s" : "https://%.255s:%.10s", host, port);
	if (https_parse_addr(url, &srv, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "provider kubernetes: "
		    "KUBERNETES_SERVICE_HOST and _PORT: %s", why);
		return ERR_INVAL;
	}
	if ((dir = penv("AIRLOCK_KUBERNETES_SERVICEACCOUNT_DIR")) == NULL)
		dir = K8S_SA_DIR;
	if (snprintf(k8s.tokpath, sizeof(k8s.tokpath), "%s/token", dir) >=
	    (int)sizeof(k8s.tokpath) ||
	    snprintf(ca, sizeof(ca), "%s/ca.crt", dir) >= (int)sizeof(ca)) {
		snprintf(err, errlen, "provider kubernetes: the service "
		    "account directory's path is too long");
		return ERR_TOOBIG;
	}
	if ((r = read_namespace(dir, err, errlen)) != 0)
		return r;
	/* The token is read at each use; it must be readable now. */
	if ((r = penv_read_file("provider kubernetes", k8s.tokpath,
	    K8S_TOKEN_MAX, &tok, err, errlen)) != 0)
		return r;
	secret_free(tok);
	if ((r = https_ctx_new(&srv, ca, NULL, 1, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "provider kubernetes: %s", why);
		return r;
	}
	k8s.srv = srv;
	k8s.ready = 1;
	log_info("provider kubernetes: %s, namespace %s, service account "
	    "token %s", url, k8s.ns, k8s.tokpath);
	return 0;
}

void
k8s_cleanup(void)
{
	if (!k8s.ready)
		return;
	https_server_clear(&k8s.srv);
	https_cleanup();
	memset(&k8s, 0, sizeof(k8s));
}

static int
ref_parse(const char *ref, struct k8s_ref *kr, char *err, size_t errlen)
{
	const char	*hash;
	size_t		 nlen, klen;

	memset(kr, 0, sizeof(*kr));
	if ((hash = strchr(ref, '#')) == NULL) {
		snprintf(err, errlen, "kubernetes: reference " REFFMT ": no "
		    "'#': the form is secret-name#key", ref);
		return ERR_FORMAT;
	}
	nlen = hash - ref;
	klen = strlen(hash + 1);
	if (nlen > K8S_NAME_MAX || !name_ok(ref, nlen, 1)) {
		snprintf(err, errlen, "kubernetes: reference " REFFMT ": not "
		    "a Secret's name (lower-case letters, digits, '-' and "
		    "'.', at most %d)", ref, K8S_NAME_MAX);
		return ERR_FORMAT;
	}
	if (klen > K8S_NAME_MAX || !key_ok(hash + 1, klen)) {
		snprintf(err, errlen, "kubernetes: reference " REFFMT ": not "
		    "a key of a Secret (letters, digits, '-', '_' and '.', at "
		    "most %d)", ref, K8S_NAME_MAX);
		return ERR_FORMAT;
	}
	memcpy(kr->name, ref, nlen);
	memcpy(kr->key, hash + 1, klen);
	return 0;
}

static void
state_free(struct k8s_state *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nfetches; i++)
		https_abort(st->fetches[i].hr);
	if (st->values != NULL)
		for (i = 0; i < st->n; i++)
			secret_free(st->values[i]);
	free(st->values);
	free(st->fetches);
	free(st->fetch_of);
	free(st->refs);
	free(st);
}

/* Everything stops at the first error: the request fails as a whole. */
static void
fail(struct k8s_state *st, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct k8s_state *st, int error, const char *fmt, ...)
{
	struct provider_req	*req = st->req;
	char			 msg[PROVIDER_ERRLEN];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_fail(req, error, "%s", msg);
}

static int
status_error(int status, const char **why)
{
	switch (status) {
	case 401:
		*why = "the service account's token was refused (expired, or "
		    "of another cluster)";
		return ERR_DENIED;
	case 403:
		*why = "the service account may not get this Secret (RBAC: "
		    "it needs get on secrets in the namespace)";
		return ERR_DENIED;
	case 404:
		*why = "no such Secret in the namespace";
		return ERR_NOTFOUND;
	case 429: case 503:
		*why = "the API server is busy";
		return ERR_AGAIN;
	default:
		*why = "unexpected status";
		return ERR_PROTO;
	}
}

/* The values of this fetch's references, from the Secret's "data". */
static int
take_values(struct k8s_state *st, size_t idx, const struct secret *body)
{
	struct jfield_doc	*doc;
	struct secret		*raw;
	const struct k8s_ref	*kr;
	char			 msg[200];
	size_t			 i;
	int			 r;

	if ((r = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) != 0) {
		fail(st, r, "kubernetes: " REFFMT ": %s",
		    st->refs[st->fetches[idx].first].name, msg);
		return r;
	}
	for (i = 0; i < st->n; i++) {
		if (st->fetch_of[i] != idx)
			continue;
		kr = &st->refs[i];
		if ((r = jfield_string_in(doc, "data", kr->key, &raw, msg,
		    sizeof(msg))) != 0) {
			jfield_free(doc);
			fail(st, r, "kubernetes: " REFFMT "#%.100s: %s%s",
			    kr->name, kr->key, r == ERR_NOTFOUND ?
			    "the Secret has no such key: " : "", msg);
			return r;
		}
		r = b64_decode((const char *)raw->data, raw->len, B64_STD,
		    &st->values[i]);
		secret_free(raw);
		if (r != 0) {
			jfield_free(doc);
			fail(st, r, "kubernetes: " REFFMT "#%.100s: the value "
			    "is not base64", kr->name, kr->key);
			return r;
		}
	}
	jfield_free(doc);
	return 0;
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct k8s_fetch	*f = arg;
	struct k8s_state	*st = f->st;
	struct provider_req	*req;
	struct secret		**values;
	const char		*why, *name = st->refs[f->first].name;
	char			 reason[K8S_REASON_MAX];
	int			 r;

	f->hr = NULL;
	if (error != 0) {
		fail(st, error, "kubernetes: " REFFMT ": %s", name, err);
		return;
	}
	if (status != 200) {
		r = status_error(status, &why);
		/* The Status object's reason: NotFound, Forbidden, ... */
		jfield_code(body, "reason", reason, sizeof(reason));
		fail(st, r, "kubernetes: " REFFMT ": HTTP %d%s%s, %s", name,
		    status, reason[0] != '\0' ? " " : "", reason, why);
		return;
	}
	if (take_values(st, f - st->fetches, body) != 0)
		return;
	if (--st->pending > 0)
		return;
	req = st->req;
	values = st->values;
	st->values = NULL;
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_done(req, values);
}

/* "Bearer <token>" from the token file as it is now. */
static int
bearer(struct secret **out, char *err, size_t errlen)
{
	struct secret	*tok;
	int		 r;

	*out = NULL;
	if ((r = penv_read_file("kubernetes", k8s.tokpath, K8S_TOKEN_MAX,
	    &tok, err, errlen)) != 0)
		return r;
	if (strlen((const char *)tok->data) != tok->len ||
	    !header_safe((const char *)tok->data, tok->len)) {
		secret_free(tok);
		snprintf(err, errlen, "kubernetes: the token in %.150s has "
		    "bytes that an HTTP header cannot carry", k8s.tokpath);
		return ERR_FORMAT;
	}
	if ((*out = secret_alloc(7 + tok->len)) == NULL) {
		secret_free(tok);
		snprintf(err, errlen, "kubernetes: out of memory");
		return ERR_NOMEM;
	}
	memcpy((*out)->data, "Bearer ", 7);
	memcpy((*out)->data + 7, tok->data, tok->len);
	secret_free(tok);
	return 0;
}

/* The references, grouped by Secret; 0 or an error already answered. */
static int
plan(struct k8s_state *st, const char *const *refs, size_t n)
{
	char	 err[PROVIDER_ERRLEN];
	size_t	 i, j;
	int	 r;

	for (i = 0; i < n; i++) {
		if ((r = ref_parse(refs[i], &st->refs[i], err,
		    sizeof(err))) != 0) {
			fail(st, r, "%s", err);
			return r;
		}
		for (j = 0; j < st->nfetches; j++)
			if (strcmp(st->refs[st->fetches[j].first].name,
			    st->refs[i].name) == 0)
				break;
		if (j == st->nfetches) {
			st->fetches[j].st = st;
			st->fetches[j].first = i;
			st->nfetches++;
		}
		st->fetch_of[i] = j;
	}
	st->pending = st->nfetches;
	return 0;
}

void
k8s_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct k8s_state	*st;
	struct https_header	 hdr;
	struct secret		*auth;
	char			 err[PROVIDER_ERRLEN];
	char			 uri[64 + K8S_NS_MAX + K8S_NAME_MAX];
	size_t			 j;
	int			 r;

	if (!k8s.ready) {
		provider_fail(req, ERR_INVAL, "provider kubernetes is not set "
		    "up");
		return;
	}
	if (n == 0) {
		/* No GET would answer: answered at once. */
		provider_done(req, calloc(1, sizeof(struct secret *)));
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->refs = calloc(n + 1, sizeof(*st->refs))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL ||
	    (st->values = calloc(n + 1, sizeof(*st->values))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "kubernetes: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	provider_req_set_state(req, st);
	if (plan(st, refs, n) != 0)
		return;
	if ((r = bearer(&auth, err, sizeof(err))) != 0) {
		fail(st, r, "%s", err);
		return;
	}
	hdr.name = "Authorization";
	hdr.value = (const char *)auth->data;
	for (j = 0; j < st->nfetches; j++) {
		/* Names and the namespace need no escaping (name_ok). */
		snprintf(uri, sizeof(uri), "/api/v1/namespaces/%s/secrets/%s",
		    k8s.ns, st->refs[st->fetches[j].first].name);
		if ((st->fetches[j].hr = https_get(provider_req_base(req),
		    &k8s.srv, uri, &hdr, 1, provider_req_timeout_ms(req),
		    K8S_MAX_BODY, fetch_done, &st->fetches[j])) == NULL) {
			secret_free(auth);
			fail(st, ERR_SYS, "kubernetes: " REFFMT ": cannot start "
			    "the request", st->refs[st->fetches[j].first].name);
			return;
		}
	}
	secret_free(auth);
}

void
k8s_abort(struct provider_req *req)
{
	struct k8s_state	*st = provider_req_state(req);

	provider_req_set_state(req, NULL);
	state_free(st);
}
