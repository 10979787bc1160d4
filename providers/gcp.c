/*
 * The gcp provider: Google Cloud Secret Manager's AccessSecretVersion,
 *
 *	GET https://secretmanager.googleapis.com/v1/projects/{p}/secrets/{s}
 *	    /versions/{v}:access
 *
 * answered with {"name": ..., "payload": {"data": base64, "dataCrc32c":
 * "decimal"}}; the checksum (CRC32C, RFC 3720 B.4) is checked when it is
 * there.  References: "projects/P/secrets/S[/versions/V]", or "S[#V]" in
 * the default project (GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, the key
 * file's project_id, or the metadata server's); the version defaults to
 * "latest".  One GET per
 * distinct version in a request.  The endpoint is gcloud's override when
 * set (CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER); the token is
 * gcpauth.h's.  Errors come in google.rpc.Status's shape ({"error":
 * {"code", "message", "status"}}): the status (NOT_FOUND,
 * PERMISSION_DENIED, ...) is named in messages, nothing else of the body
 * is.  A 401 (an access token revoked or expired early) drops the token
 * and the request is tried once more with a new one.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "provider_impl.h"
#include "secret.h"
#include "b64.h"
#include "gcpauth.h"
#include "https.h"
#include "jsonfield.h"
#include "provenv.h"
#include "ptoken.h"

#define GCP_ENDPOINT	"https://secretmanager.googleapis.com/"
#define GCP_SECRET_MAX	255		/* a secret id */
#define GCP_VERSION_MAX	63		/* a version number or alias */
#define GCP_RES_MAX	(9 + GCPAUTH_PROJECT_MAX + 9 + GCP_SECRET_MAX + \
			    10 + GCP_VERSION_MAX)
#define GCP_PREFIX_MAX	256
#define GCP_MAX_BODY	(1024 * 1024)	/* 64 KiB of data, base64 */
#define GCP_CODE_MAX	65
#define RESFMT		"%.120s"

struct gcp_state;

/* One GET, for every reference to the same version. */
struct gcp_fetch {
	struct gcp_state	*st;
	size_t			 first;		/* its first reference */
	struct https_req	*hr;
};

struct gcp_state {
	struct provider_req	*req;
	size_t			 n;
	char			(*res)[GCP_RES_MAX + 1];	/* per ref */
	size_t			*fetch_of;	/* per reference */
	struct gcp_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
	struct ptoken_wait	*wait;
	struct secret		*auth;		/* the token sent */
	int			 retried;
	char			**refs;		/* while the project is asked */
};

static struct {
	int			 ready;
	struct https_server	 srv;
	char			 prefix[GCP_PREFIX_MAX];
	char			 project[GCPAUTH_PROJECT_MAX + 1];
} gcp;

static void	 get_token(struct gcp_state *);

/* Text of [a-z0-9.:-] for a project, of [A-Za-z0-9_-] for the rest. */
static int
id_ok(const char *s, size_t len, size_t max, int project)
{
	size_t	 i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    (project && (s[i] == '.' || s[i] == ':')) ||
		    (!project && ((s[i] >= 'A' && s[i] <= 'Z') ||
		    s[i] == '_'))))
			return 0;
	return 1;
}

int
gcp_setup(char *err, size_t errlen)
{
	const char	*url, *p;
	char		 why[512];
	size_t		 len;
	int		 r;

	if (gcp.ready)
		return 0;
	if ((url = penv("CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER")) ==
	    NULL)
		url = GCP_ENDPOINT;
	if (https_parse_url(url, &gcp.srv, gcp.prefix, sizeof(gcp.prefix),
	    why, sizeof(why)) != 0) {
		snprintf(err, errlen, "provider gcp: %.200s: %s", url, why);
		return ERR_INVAL;
	}
	if (!gcp.srv.tls && !https_is_loopback(&gcp.srv)) {
		snprintf(err, errlen, "provider gcp: %.200s: plain http is "
		    "allowed only to a loopback address: elsewhere the token "
		    "and the secrets would cross the network in clear", url);
		return ERR_DENIED;
	}
	/* gcloud's overrides may end in the API's version: it is added. */
	len = strlen(gcp.prefix);
	if (len >= 3 && strcmp(gcp.prefix + len - 3, "/v1") == 0)
		gcp.prefix[len - 3] = '\0';
	if ((r = https_ctx_new(&gcp.srv, NULL, NULL, 1, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, "provider gcp: %s", why);
		return r;
	}
	if ((r = gcpauth_setup(gcp.project, sizeof(gcp.project), err,
	    errlen)) != 0) {
		https_server_clear(&gcp.srv);
		return r;
	}
	if ((p = penv("GOOGLE_CLOUD_PROJECT")) != NULL ||
	    (p = penv("GCLOUD_PROJECT")) != NULL)
		snprintf(gcp.project, sizeof(gcp.project), "%s", p);
	if (gcp.project[0] != '\0' && !id_ok(gcp.project, strlen(gcp.project),
	    GCPAUTH_PROJECT_MAX, 1)) {
		snprintf(err, errlen, "provider gcp: the project id %.100s is "
		    "not one (lower-case letters, digits, '-', '.', ':')",
		    gcp.project);
		gcp_cleanup();
		return ERR_INVAL;
	}
	gcp.ready = 1;
	log_info("provider gcp: %s, %s%s%s", url, gcpauth_describe(),
	    gcp.project[0] != '\0' ? ", project " : ", no default project",
	    gcp.project);
	return 0;
}

void
gcp_cleanup(void)
{
	int	 ready = gcp.ready;

	/* Also what a setup that failed half-way made. */
	gcpauth_cleanup();
	https_server_clear(&gcp.srv);
	memset(&gcp, 0, sizeof(gcp));
	if (ready)
		https_cleanup();
}

/*
 * "projects/P/secrets/S[/versions/V]", or "S[#V]" in project (NULL or
 * "": none), to its full name.
 */
static int
ref_parse(const char *ref, const char *project, char *res, char *err,
    size_t errlen)
{
	const char	*part[6], *end = ref + strlen(ref);
	const char	*proj, *sec, *ver = "latest";
	size_t		 len[6], plen, slen, vlen = 6, n;

	if (strncmp(ref, "projects/", 9) == 0) {
		for (n = 0, part[0] = ref; n < 6; n++) {
			len[n] = strcspn(part[n], "/");
			if (part[n] + len[n] == end || n == 5)
				break;
			part[n + 1] = part[n] + len[n] + 1;
		}
		if ((n != 3 && n != 5) || part[n] + len[n] != end ||
		    strncmp(part[2], "secrets/", 8) != 0 ||
		    (n == 5 && strncmp(part[4], "versions/", 9) != 0))
			goto bad;
		proj = part[1];
		plen = len[1];
		sec = part[3];
		slen = len[3];
		if (n == 5) {
			ver = part[5];
			vlen = len[5];
		}
	} else {
		if (project == NULL || project[0] == '\0') {
			snprintf(err, errlen, "gcp: reference %.100s: no "
			    "project: set GOOGLE_CLOUD_PROJECT, or write "
			    "projects/P/secrets/S", ref);
			return ERR_INVAL;
		}
		proj = project;
		plen = strlen(proj);
		sec = ref;
		slen = strcspn(ref, "#");
		if (sec[slen] == '#') {
			ver = sec + slen + 1;
			vlen = strlen(ver);
		}
	}
	if (!id_ok(proj, plen, GCPAUTH_PROJECT_MAX, 1) ||
	    !id_ok(sec, slen, GCP_SECRET_MAX, 0) ||
	    !id_ok(ver, vlen, GCP_VERSION_MAX, 0))
		goto bad;
	snprintf(res, GCP_RES_MAX + 1, "projects/%.*s/secrets/%.*s/"
	    "versions/%.*s", (int)plen, proj, (int)slen, sec, (int)vlen, ver);
	return 0;
 bad:
	snprintf(err, errlen, "gcp: reference %.100s is not "
	    "projects/P/secrets/S[/versions/V] or S[#V] (secret ids of "
	    "letters, digits, '-' and '_')", ref);
	return ERR_FORMAT;
}

static void
state_free(struct gcp_state *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	ptoken_cancel(st->wait);
	for (i = 0; i < st->nfetches; i++)
		https_abort(st->fetches[i].hr);
	if (st->values != NULL)
		for (i = 0; i < st->n; i++)
			secret_free(st->values[i]);
	secret_free(st->auth);
	if (st->refs != NULL)
		for (i = 0; i < st->n; i++)
			free(st->refs[i]);
	free(st->refs);
	free(st->values);
	free(st->fetches);
	free(st->fetch_of);
	free(st->res);
	free(st);
}

/* Everything stops at the first error: the request fails as a whole. */
static void
fail(struct gcp_state *st, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct gcp_state *st, int error, const char *fmt, ...)
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

/* CRC32C (Castagnoli), reflected, as Secret Manager's dataCrc32c. */
static uint32_t
crc32c(const unsigned char *p, size_t len)
{
	uint32_t	 c = 0xffffffff;
	int		 k;

	while (len-- > 0) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78 & (0 - (c & 1)));
	}
	return c ^ 0xffffffff;
}

/* The value of one version's answer. */
static int
payload(const struct secret *body, struct secret **out, char *err,
    size_t errlen)
{
	struct jfield_doc	*doc;
	struct secret		*raw;
	long long		 crc;
	int			 r;

	*out = NULL;
	if ((r = jfield_parse(body->data, body->len, &doc, err, errlen)) != 0)
		return r;
	if ((r = jfield_string(doc, "payload.data", &raw, err,
	    errlen)) != 0) {
		jfield_free(doc);
		return r;
	}
	r = b64_decode((const char *)raw->data, raw->len, B64_STD, out);
	secret_free(raw);
	if (r != 0) {
		jfield_free(doc);
		snprintf(err, errlen, "payload.data is not base64");
		return r;
	}
	if ((r = jfield_int(doc, "payload.dataCrc32c", &crc, err,
	    errlen)) == ERR_NOTFOUND)
		r = 0;
	else if (r == 0 && (crc < 0 ||
	    (uint32_t)crc != crc32c((*out)->data, (*out)->len) ||
	    crc > 0xffffffffLL)) {
		snprintf(err, errlen, "payload.dataCrc32c does not match the "
		    "data");
		r = ERR_PROTO;
	}
	jfield_free(doc);
	if (r != 0) {
		secret_free(*out);
		*out = NULL;
	}
	return r;
}

static int
status_error(int status, const char *code, const char **why)
{
	if (status == 404 || strcmp(code, "NOT_FOUND") == 0) {
		*why = "no such secret or version";
		return ERR_NOTFOUND;
	}
	if (status == 401 || status == 403) {
		*why = status == 401 ? "the access token was refused" :
		    "permission denied (the account needs "
		    "secretmanager.versions.access on the secret)";
		return ERR_DENIED;
	}
	if (strcmp(code, "FAILED_PRECONDITION") == 0) {
		*why = "the version is disabled or destroyed";
		return ERR_NOTFOUND;
	}
	if (status == 429 || status == 503) {
		*why = "rate limited or unavailable";
		return ERR_AGAIN;
	}
	*why = "unexpected status";
	return ERR_PROTO;
}

/* A 401 once: a new token, and every fetch again. */
static void
retry(struct gcp_state *st)
{
	size_t	 i;

	ptoken_invalidate(gcpauth_token(), st->auth);
	secret_free(st->auth);
	st->auth = NULL;
	for (i = 0; i < st->nfetches; i++) {
		https_abort(st->fetches[i].hr);
		st->fetches[i].hr = NULL;
	}
	for (i = 0; i < st->n; i++) {
		secret_free(st->values[i]);
		st->values[i] = NULL;
	}
	st->retried = 1;
	get_token(st);
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct gcp_fetch	*f = arg;
	struct gcp_state	*st = f->st;
	struct provider_req	*req;
	struct secret		**values;
	const char		*why, *res = st->res[f->first];
	char			 code[GCP_CODE_MAX], msg[200];
	size_t			 i, idx = f - st->fetches;
	int			 r;

	f->hr = NULL;
	if (error != 0) {
		fail(st, error, "gcp: " RESFMT ": %s", res, err);
		return;
	}
	if (status != 200) {
		if (status == 401 && !st->retried) {
			retry(st);
			return;
		}
		jfield_code(body, "error.status", code, sizeof(code));
		r = status_error(status, code, &why);
		fail(st, r, "gcp: " RESFMT ": HTTP %d%s%s, %s", res, status,
		    code[0] != '\0' ? " " : "", code, why);
		return;
	}
	for (i = 0; i < st->n; i++)
		if (st->fetch_of[i] == idx && st->values[i] == NULL) {
			if ((r = payload(body, &st->values[i], msg,
			    sizeof(msg))) != 0) {
				fail(st, r, "gcp: " RESFMT ": %s", res, msg);
				return;
			}
		}
	if (--st->pending > 0)
		return;
	req = st->req;
	values = st->values;
	st->values = NULL;
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_done(req, values);
}

static void
got_token(void *arg, int error, const char *err, const struct secret *tok)
{
	struct gcp_state	*st = arg;
	struct provider_req	*req = st->req;
	struct https_header	 hdr;
	char			 uri[GCP_PREFIX_MAX + GCP_RES_MAX + 16];
	size_t			 j;

	st->wait = NULL;
	if (error != 0) {
		fail(st, error, "gcp: " RESFMT ": no access token: %s",
		    st->res[0], err);
		return;
	}
	if ((st->auth = secret_new(tok->data, tok->len)) == NULL) {
		fail(st, ERR_NOMEM, "gcp: out of memory");
		return;
	}
	hdr.name = "Authorization";
	hdr.value = (const char *)st->auth->data;
	st->pending = st->nfetches;
	for (j = 0; j < st->nfetches; j++) {
		/* The ids need no escaping (id_ok); ':' is a pchar. */
		snprintf(uri, sizeof(uri), "%s/v1/%s:access", gcp.prefix,
		    st->res[st->fetches[j].first]);
		if ((st->fetches[j].hr = https_get(provider_req_base(req),
		    &gcp.srv, uri, &hdr, 1, provider_req_timeout_ms(req),
		    GCP_MAX_BODY, fetch_done, &st->fetches[j])) == NULL) {
			fail(st, ERR_SYS, "gcp: " RESFMT ": cannot start the "
			    "request", st->res[st->fetches[j].first]);
			return;
		}
	}
}

static void
get_token(struct gcp_state *st)
{
	struct provider_req	*req = st->req;

	if ((st->wait = ptoken_get(gcpauth_token(), provider_req_base(req),
	    provider_req_timeout_ms(req), got_token, st)) == NULL)
		fail(st, ERR_SYS, "gcp: cannot start the token's login");
}

/* The references, grouped by version, then the token; or a failure. */
static void
plan(struct gcp_state *st, const char *const *refs, const char *project)
{
	char	 err[PROVIDER_ERRLEN];
	size_t	 i, j;
	int	 r;

	for (i = 0; i < st->n; i++) {
		if ((r = ref_parse(refs[i], project, st->res[i], err,
		    sizeof(err))) != 0) {
			fail(st, r, "%s", err);
			return;
		}
		for (j = 0; j < st->nfetches; j++)
			if (strcmp(st->res[st->fetches[j].first],
			    st->res[i]) == 0)
				break;
		if (j == st->nfetches) {
			st->fetches[j].st = st;
			st->fetches[j].first = i;
			st->nfetches++;
		}
		st->fetch_of[i] = j;
	}
	get_token(st);
}

static void
got_project(void *arg, int error, const char *err, const struct secret *p)
{
	struct gcp_state	*st = arg;
	char			 project[GCPAUTH_PROJECT_MAX + 1];

	st->wait = NULL;
	if (error != 0) {
		fail(st, error, "gcp: %.100s: no project: %s", st->refs[0],
		    err);
		return;
	}
	snprintf(project, sizeof(project), "%.*s", (int)p->len,
	    (const char *)p->data);
	plan(st, (const char *const *)st->refs, project);
}

/*
 * No project is set, and the metadata server knows it: ask it (once:
 * it is kept) when a reference needs it, the references copied till then.
 */
static int
ask_project(struct gcp_state *st, const char *const *refs)
{
	struct provider_req	*req = st->req;
	size_t			 i;

	if (gcp.project[0] != '\0' || gcpauth_project() == NULL)
		return 0;
	for (i = 0; i < st->n; i++)
		if (strncmp(refs[i], "projects/", 9) != 0)
			break;
	if (i == st->n)
		return 0;
	if ((st->refs = calloc(st->n, sizeof(*st->refs))) == NULL) {
		fail(st, ERR_NOMEM, "gcp: out of memory");
		return 1;
	}
	for (i = 0; i < st->n; i++)
		if ((st->refs[i] = strdup(refs[i])) == NULL) {
			fail(st, ERR_NOMEM, "gcp: out of memory");
			return 1;
		}
	if ((st->wait = ptoken_get(gcpauth_project(), provider_req_base(req),
	    provider_req_timeout_ms(req), got_project, st)) == NULL)
		fail(st, ERR_SYS, "gcp: cannot ask the metadata server");
	return 1;
}

void
gcp_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct gcp_state	*st;

	if (!gcp.ready) {
		provider_fail(req, ERR_INVAL, "provider gcp is not set up");
		return;
	}
	if (n == 0) {
		/* No GET would answer: answered at once. */
		provider_done(req, calloc(1, sizeof(struct secret *)));
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->res = calloc(n + 1, sizeof(*st->res))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL ||
	    (st->values = calloc(n + 1, sizeof(*st->values))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "gcp: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	provider_req_set_state(req, st);
	if (!ask_project(st, refs))
		plan(st, refs, gcp.project);
}

void
gcp_abort(struct provider_req *req)
{
	struct gcp_state	*st = provider_req_state(req);

	provider_req_set_state(req, NULL);
	state_free(st);
}
