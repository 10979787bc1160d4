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
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "provider_impl.h"
#include "secret.h"
#include "b64.h"
#include "https.h"
#include "jsonfield.h"
#include "pfetch.h"
#include "provenv.h"

#define K8S_SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"
#define K8S_NAME_MAX	253		/* a DNS subdomain (RFC 1123) */
#define K8S_NS_MAX	63		/* a DNS label */
#define K8S_TOKEN_MAX	(16 * 1024)
#define K8S_MAX_BODY	(1024 * 1024)
#define REFFMT		"%.100s"

struct k8s_ref {
	char	 name[K8S_NAME_MAX + 1];
	char	 key[K8S_NAME_MAX + 1];
	char	 text[2 * K8S_NAME_MAX + 2];	/* name#key */
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
ref_parse(const char *ref, const struct secret *pre, void *parsed, char *err,
    size_t errlen)
{
	struct k8s_ref	*kr = parsed;
	const char	*hash;
	size_t		 nlen, klen;

	(void)pre;
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
	memcpy(kr->text, ref, nlen + 1 + klen);
	return 0;
}

static int
same_secret(const void *a, const void *b)
{
	return strcmp(((const struct k8s_ref *)a)->name,
	    ((const struct k8s_ref *)b)->name) == 0;
}

static const char *
secret_name(const void *parsed)
{
	return ((const struct k8s_ref *)parsed)->name;
}

static const char *
ref_text(const void *parsed)
{
	return ((const struct k8s_ref *)parsed)->text;
}

/* The Status object's reason (NotFound, Forbidden, ...) is the code. */
static int
status_error(int status, const struct secret *body, char *code,
    size_t codelen, const char **why, int *renew)
{
	(void)renew;
	jfield_code(body, "reason", code, codelen);
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

/* A reference's value: its key of the Secret's "data", base64. */
static int
data_value(const void *parsed, const struct jfield_doc *doc,
    struct secret **out, char *err, size_t errlen)
{
	const struct k8s_ref	*kr = parsed;
	struct secret		*raw;
	char			 msg[160];
	int			 r;

	if ((r = jfield_string_in(doc, "data", kr->key, &raw, msg,
	    sizeof(msg))) != 0) {
		snprintf(err, errlen, "%s%s", r == ERR_NOTFOUND ?
		    "the Secret has no such key: " : "", msg);
		return r;
	}
	r = b64_decode((const char *)raw->data, raw->len, B64_STD, out);
	secret_free(raw);
	if (r != 0)
		snprintf(err, errlen, "the value is not base64");
	return r;
}


/* "Bearer <token>" from the token file as it is now. */
static int
bearer(struct secret **out, char *err, size_t errlen)
{
	struct secret	*tok;
	int		 r;

	*out = NULL;
	if ((r = penv_read_file("the service account's token", k8s.tokpath,
	    K8S_TOKEN_MAX, &tok, err, errlen)) != 0)
		return r;
	r = header_bearer(tok, out);
	secret_free(tok);
	if (r == ERR_FORMAT)
		snprintf(err, errlen, "the token in %.150s has bytes that an "
		    "HTTP header cannot carry", k8s.tokpath);
	else if (r != 0)
		snprintf(err, errlen, "out of memory");
	return r;
}

/* GET the Secret, with the token read for it. */
static int
get_secret(struct event_base *base, int timeout_ms, const void *parsed,
    const struct secret *token, https_cb *cb, void *arg,
    struct https_req **hr, char *err, size_t errlen)
{
	const struct k8s_ref	*kr = parsed;
	struct https_header	 hdr;
	struct secret		*auth;
	char			 uri[64 + K8S_NS_MAX + K8S_NAME_MAX];
	int			 r;

	(void)token;
	if ((r = bearer(&auth, err, errlen)) != 0)
		return r;
	hdr.name = "Authorization";
	hdr.value = (const char *)auth->data;
	/* Names and the namespace need no escaping (name_ok). */
	snprintf(uri, sizeof(uri), "/api/v1/namespaces/%s/secrets/%s", k8s.ns,
	    kr->name);
	*hr = https_get(base, &k8s.srv, uri, &hdr, 1, timeout_ms, K8S_MAX_BODY,
	    cb, arg);
	secret_free(auth);
	return *hr != NULL ? 0 : ERR_SYS;
}

static const struct pfetch_ops k8s_ops = {
	.name = "kubernetes",
	.ref_size = sizeof(struct k8s_ref),
	.parse = ref_parse,
	.same = same_secret,
	.label = secret_name,
	.ref_label = ref_text,
	.fetch = get_secret,
	.value = data_value,
	.status = status_error,
};

void
k8s_start(struct provider_req *req, const char *const *refs, size_t n)
{
	if (!k8s.ready) {
		provider_fail(req, ERR_INVAL, "provider kubernetes is not set "
		    "up");
		return;
	}
	pfetch_start(req, &k8s_ops, refs, n);
}

