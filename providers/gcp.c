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
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "provider_impl.h"
#include "secret.h"
#include "b64.h"
#include "gcpauth.h"
#include "https.h"
#include "jsonfield.h"
#include "pfetch.h"
#include "provenv.h"

#define GCP_ENDPOINT	"https://secretmanager.googleapis.com/"
#define GCP_SECRET_MAX	255		/* a secret id */
#define GCP_VERSION_MAX	63		/* a version number or alias */
#define GCP_RES_MAX	(9 + GCPAUTH_PROJECT_MAX + 9 + GCP_SECRET_MAX + \
			    10 + GCP_VERSION_MAX)
#define GCP_PREFIX_MAX	256
#define GCP_MAX_BODY	(1024 * 1024)	/* 64 KiB of data, base64 */

/* A reference: the full name of a version. */
struct gcp_ref {
	char			 res[GCP_RES_MAX + 1];
};

static struct {
	int			 ready;
	struct https_server	 srv;
	char			 prefix[GCP_PREFIX_MAX];
	char			 project[GCPAUTH_PROJECT_MAX + 1];
} gcp;

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
 * "projects/P/secrets/S[/versions/V]", or "S[#V]" in the project (the
 * metadata server's in pre, else the default; "": none), to its full name.
 */
static int
ref_parse(const char *ref, const struct secret *pre, void *parsed, char *err,
    size_t errlen)
{
	const char	*part[6], *end = ref + strlen(ref);
	const char	*proj, *sec, *ver = "latest";
	char		*res = ((struct gcp_ref *)parsed)->res;
	char		 project[GCPAUTH_PROJECT_MAX + 1];
	size_t		 len[6], plen, slen, vlen = 6, n;

	if (pre != NULL)
		snprintf(project, sizeof(project), "%.*s", (int)pre->len,
		    (const char *)pre->data);
	else
		snprintf(project, sizeof(project), "%s", gcp.project);
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
		if (project[0] == '\0') {
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
payload(const void *parsed, const struct jfield_doc *doc, struct secret **out,
    char *err, size_t errlen)
{
	struct secret		*raw;
	long long		 crc;
	int			 r;

	(void)parsed;
	*out = NULL;
	if ((r = jfield_string(doc, "payload.data", &raw, err, errlen)) != 0)
		return r;
	r = b64_decode((const char *)raw->data, raw->len, B64_STD, out);
	secret_free(raw);
	if (r != 0) {
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
	if (r != 0) {
		secret_free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * google.rpc.Status's code names the error; a 401 (a token revoked or
 * expired early) is tried once more with a new token.
 */
static int
status_error(int status, const struct secret *body, char *code,
    size_t codelen, const char **why, int *renew)
{
	jfield_code(body, "error.status", code, codelen);
	*renew = status == 401;
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

static int
same_version(const void *a, const void *b)
{
	return strcmp(((const struct gcp_ref *)a)->res,
	    ((const struct gcp_ref *)b)->res) == 0;
}

static const char *
version_name(const void *parsed)
{
	return ((const struct gcp_ref *)parsed)->res;
}

/*
 * No project is set, and the metadata server knows it: asked (once: it
 * is kept) when a reference needs it.
 */
static struct ptoken *
project_source(const char *const *refs, size_t n)
{
	size_t	 i;

	if (gcp.project[0] != '\0' || gcpauth_project() == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(refs[i], "projects/", 9) != 0)
			return gcpauth_project();
	return NULL;
}

static int
access_version(struct event_base *base, int timeout_ms, const void *parsed,
    const struct secret *token, https_cb *cb, void *arg,
    struct https_req **hr, char *err, size_t errlen)
{
	struct https_header	 hdr;
	char			 uri[GCP_PREFIX_MAX + GCP_RES_MAX + 16];

	(void)err;
	(void)errlen;
	/* The token kept is the header's value, "Bearer ...". */
	hdr.name = "Authorization";
	hdr.value = (const char *)token->data;
	/* The ids need no escaping (id_ok); ':' is a pchar. */
	snprintf(uri, sizeof(uri), "%s/v1/%s:access", gcp.prefix,
	    ((const struct gcp_ref *)parsed)->res);
	*hr = https_get(base, &gcp.srv, uri, &hdr, 1, timeout_ms,
	    GCP_MAX_BODY, cb, arg);
	return *hr != NULL ? 0 : ERR_SYS;
}

static const struct pfetch_ops gcp_ops = {
	.name = "gcp",
	.ref_size = sizeof(struct gcp_ref),
	.pre = project_source,
	.parse = ref_parse,
	.same = same_version,
	.label = version_name,
	.token = gcpauth_token,
	.fetch = access_version,
	.value = payload,
	.status = status_error,
};

void
gcp_start(struct provider_req *req, const char *const *refs, size_t n)
{
	if (!gcp.ready) {
		provider_fail(req, ERR_INVAL, "provider gcp is not set up");
		return;
	}
	pfetch_start(req, &gcp_ops, refs, n);
}

