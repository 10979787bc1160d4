/*
 * The exchanges that give the aws provider temporary credentials, one at
 * a time (ptoken's single flight), each answered with ptoken_set (kept
 * until shortly before their Expiration) or ptoken_fail:
 *
 *	STS	AssumeRoleWithWebIdentity (STS API Reference), unsigned: the
 *		JWT is the proof.  STS, as the query protocol's services do,
 *		answers in JSON for "Accept: application/json" (which https.c
 *		sends), so no XML is parsed; Expiration is then seconds since
 *		the epoch.
 *	IMDSv2	"Use the Instance Metadata Service to access instance
 *		metadata" (Amazon EC2 User Guide): a session token (PUT),
 *		then the instance profile's role, then its credentials.
 *	container  the ECS and EKS Pod Identity credentials endpoint (AWS
 *		SDKs and Tools Reference Guide, "Container credential
 *		provider"): one GET, with an Authorization token.
 *
 * Messages name the step and the HTTP status or AWS's error code, never
 * a body.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "pctenc.h"
#include "provenv.h"
#include "ptoken.h"
#include "secret.h"

#define WHO		"provider aws"
#define ROLE_ARN_MAX	2048	/* STS's limit */
#define ROLE_NAME_MAX	64	/* an IAM role's name */
#define IMDS_TTL	"21600"	/* the SDKs' session token lifetime */
#define IMDS_CREDS	"/latest/meta-data/iam/security-credentials/"
#define IMDS_REGION	"/latest/meta-data/placement/region"
#define AUTH_MAX	(16 * 1024)	/* a container authorization token */

/* What creds_done names in its messages. */
static char	 what_imds[] = "IMDS", what_container[] = "container";

/* The exchange in flight. */
static struct {
	struct ptoken		*pt;
	struct event_base	*base;
	int			 timeout_ms;
	const struct https_server *srv;
	struct https_req	*hr;
	struct secret		*imds_token;
	char			 role[ROLE_NAME_MAX + 1];
	char			*region;	/* to fill from IMDS, or NULL */
} lg;

static void
begin(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct https_server *srv)
{
	awslogin_abort();
	lg.pt = pt;
	lg.base = base;
	lg.timeout_ms = timeout_ms;
	lg.srv = srv;
	lg.role[0] = '\0';
	lg.region = NULL;
}

void
awslogin_abort(void)
{
	if (lg.hr != NULL)
		https_abort(lg.hr);
	lg.hr = NULL;
	secret_free(lg.imds_token);
	lg.imds_token = NULL;
}

/*
 * "2026-12-07T14:35:07Z" (also with fractions of a second, or "+00:00"):
 * the seconds from now until then.
 */
static int
iso_lifetime(const char *s, long long *out)
{
	struct tm	 tm;
	const char	*p;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (long long)(t - time(NULL));
	return 0;
}

/*
 * The credentials of a JSON answer at prefix (keys id, key, token, exp):
 * to ptoken, kept until their expiration.
 */
static void
creds_answer(const struct jfield_doc *doc, const char *prefix,
    const char *tokkey, const char *what)
{
	struct secret	*akid = NULL, *key = NULL, *tok = NULL, *exp = NULL;
	struct secret	*packed = NULL;
	char		 path[200], msg[200];
	long long	 life = 0, at;
	int		 r;

#define FIELD(name, out)						\
	(snprintf(path, sizeof(path), "%s%s", prefix, name),		\
	jfield_string(doc, path, out, msg, sizeof(msg)))
	if ((r = FIELD("AccessKeyId", &akid)) != 0 ||
	    (r = FIELD("SecretAccessKey", &key)) != 0 ||
	    (r = FIELD(tokkey, &tok)) != 0) {
		ptoken_fail(lg.pt, ERR_PROTO, "%s: %s", what, msg);
		goto done;
	}
	/* STS's JSON has seconds since the epoch, IMDS an ISO 8601 time. */
	snprintf(path, sizeof(path), "%sExpiration", prefix);
	if (jfield_int(doc, path, &at, msg, sizeof(msg)) == 0)
		life = at - (long long)time(NULL);
	else if ((r = FIELD("Expiration", &exp)) != 0 ||
	    iso_lifetime((const char *)exp->data, &life) != 0) {
		ptoken_fail(lg.pt, ERR_PROTO, "%s: Expiration is not a "
		    "time", what);
		goto done;
	}
#undef FIELD
	if ((r = awscreds_pack((const char *)akid->data, akid->len,
	    key->data, key->len, (const char *)tok->data, tok->len,
	    &packed)) != 0) {
		ptoken_fail(lg.pt, ERR_PROTO, "%s: the credentials are "
		    "too long or not text", what);
		goto done;
	}
	if (life <= 0) {
		secret_free(packed);
		ptoken_fail(lg.pt, ERR_PROTO, "%s: the credentials have "
		    "expired already (is this host's clock right?)", what);
		goto done;
	}
	log_debug(WHO ": %s: credentials for %lld s", what, life);
	ptoken_set(lg.pt, packed, life);
 done:
	secret_free(akid);
	secret_free(key);
	secret_free(tok);
	secret_free(exp);
}

/*
 * The code of an AWS error answer at path ("__type" of the JSON
 * protocols, "Error.Code" of STS's query protocol in JSON), after the
 * namespace that may come before a '#'; letters and digits only, else
 * "".  Never the message, never anything else of the body.
 */
void
aws_error_code(const struct secret *body, const char *path, char *code,
    size_t len)
{
	struct jfield_doc	*doc;
	struct secret		*v = NULL;
	const char		*p;
	char			 msg[100];
	size_t			 i;

	code[0] = '\0';
	if (body == NULL || jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg)) != 0)
		return;
	if (jfield_string(doc, path, &v, msg, sizeof(msg)) == 0) {
		p = strrchr((const char *)v->data, '#');
		p = p != NULL ? p + 1 : (const char *)v->data;
		for (i = 0; p[i] != '\0' && i + 1 < len &&
		    isalnum((unsigned char)p[i]); i++)
			code[i] = p[i];
		code[p[i] == '\0' ? i : 0] = '\0';
	}
	secret_free(v);
	jfield_free(doc);
}

static void
sts_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct jfield_doc	*doc;
	char			 msg[200], code[100];

	(void)arg;
	lg.hr = NULL;
	if (error != 0) {
		ptoken_fail(lg.pt, error, "STS: %s", err);
		return;
	}
	if (status != 200) {
		aws_error_code(body, "Error.Code", code, sizeof(code));
		ptoken_fail(lg.pt, status == 400 || status == 403 ?
		    ERR_DENIED : ERR_PROTO, "STS "
		    "AssumeRoleWithWebIdentity: HTTP %d%s%s", status,
		    code[0] != '\0' ? ", " : "", code);
		return;
	}
	if (jfield_parse(body->data, body->len, &doc, msg, sizeof(msg)) != 0) {
		ptoken_fail(lg.pt, ERR_PROTO, "STS: %s", msg);
		return;
	}
	creds_answer(doc, "AssumeRoleWithWebIdentityResponse."
	    "AssumeRoleWithWebIdentityResult.Credentials.", "SessionToken",
	    "STS");
	jfield_free(doc);
}

/* AssumeRoleWithWebIdentity (STS API Reference): a form, unsigned. */
void
awslogin_sts(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct https_server *srv, const char *tokenfile,
    const char *role_arn, const char *session)
{
	static const char	 form[] = "application/x-www-form-urlencoded";
	struct https_header	 hdr = { "Content-Type", form };
	struct secret		*jwt = NULL, *body = NULL;
	char			 why[512], arn[3 * ROLE_ARN_MAX + 1];
	size_t			 i, o = 0, n;

	begin(pt, base, timeout_ms, srv);
	if (penv_read_file(WHO, tokenfile, AWS_TOKEN_BODY, &jwt, why,
	    sizeof(why)) != 0) {
		ptoken_fail(lg.pt, ERR_INVAL, "%s", why);
		return;
	}
	/* A JWT is base64url and dots: no byte of it needs escaping. */
	for (i = 0; i < jwt->len; i++)
		if (!pct_unreserved(jwt->data[i]))
			break;
	if (jwt->len == 0 || i < jwt->len) {
		secret_free(jwt);
		ptoken_fail(lg.pt, ERR_INVAL, "%.200s does not hold a "
		    "JWT", tokenfile);
		return;
	}
	for (i = 0; role_arn[i] != '\0'; i++) {
		if (pct_unreserved((unsigned char)role_arn[i]))
			arn[o++] = role_arn[i];
		else
			o += (size_t)snprintf(arn + o, 4, "%%%02X",
			    (unsigned char)role_arn[i]);
	}
	arn[o] = '\0';
	n = jwt->len + o + 200;
	if ((body = secret_alloc(n)) == NULL) {
		secret_free(jwt);
		ptoken_fail(lg.pt, ERR_NOMEM, "out of memory");
		return;
	}
	n = (size_t)snprintf((char *)body->data, n,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
	    "&RoleSessionName=%s&WebIdentityToken=%s", arn, session,
	    (const char *)jwt->data);
	secret_free(jwt);
	lg.hr = https_request(lg.base, lg.srv, HTTPS_POST, "/", &hdr, 1,
	    body->data, n, lg.timeout_ms, AWS_TOKEN_BODY, sts_done, NULL);
	secret_free(body);
	if (lg.hr == NULL)
		ptoken_fail(lg.pt, ERR_SYS, "STS: cannot start the "
		    "request");
}

static void	 imds_step(void);

static void
imds_fail_status(const char *what, int status)
{
	ptoken_fail(lg.pt, status == 404 ? ERR_NOTFOUND : ERR_PROTO,
	    "IMDS: %s: HTTP %d%s", what, status, status == 404 &&
	    strcmp(what, "role") == 0 ? ", no IAM role is attached to this "
	    "instance" : "");
}

/* The credentials of IMDS and of the container endpoint: one shape. */
static void
creds_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct jfield_doc	*doc;
	const char		*what = arg;
	char			 msg[200];

	lg.hr = NULL;
	secret_free(lg.imds_token);
	lg.imds_token = NULL;
	if (error != 0) {
		ptoken_fail(lg.pt, error, "%s: %s", what, err);
		return;
	}
	if (status != 200) {
		ptoken_fail(lg.pt, status == 401 || status == 403 ?
		    ERR_DENIED : status == 404 ? ERR_NOTFOUND : ERR_PROTO,
		    "%s: credentials: HTTP %d", what, status);
		return;
	}
	if (jfield_parse(body->data, body->len, &doc, msg, sizeof(msg)) != 0) {
		ptoken_fail(lg.pt, ERR_PROTO, "%s: %s", what, msg);
		return;
	}
	creds_answer(doc, "", "Token", what);
	jfield_free(doc);
}

static void
imds_role_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	size_t	 i;

	(void)arg;
	lg.hr = NULL;
	if (error == 0 && status == 200) {
		/* The first line: the instance profile's role. */
		for (i = 0; i < body->len && i < ROLE_NAME_MAX &&
		    (isalnum(body->data[i]) ||
		    strchr("+=,.@_-", body->data[i]) != NULL) &&
		    body->data[i] != '\0'; i++)
			lg.role[i] = (char)body->data[i];
		lg.role[i] = '\0';
		if (i == 0 || (i < body->len && body->data[i] != '\n')) {
			secret_free(lg.imds_token);
			lg.imds_token = NULL;
			ptoken_fail(lg.pt, ERR_PROTO, "IMDS: the role's "
			    "name is not an IAM role name");
			return;
		}
		imds_step();
		return;
	}
	secret_free(lg.imds_token);
	lg.imds_token = NULL;
	if (error != 0)
		ptoken_fail(lg.pt, error, "IMDS: %s", err);
	else
		imds_fail_status("role", status);
}

/* The instance's region, when no setting gave one. */
static void
imds_region_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	(void)arg;
	lg.hr = NULL;
	if (error != 0 || status != 200 ||
	    !aws_region_ok((const char *)body->data, body->len)) {
		secret_free(lg.imds_token);
		lg.imds_token = NULL;
		if (error != 0)
			ptoken_fail(lg.pt, error, "IMDS: %s", err);
		else if (status != 200)
			imds_fail_status("region", status);
		else
			ptoken_fail(lg.pt, ERR_PROTO, "IMDS: the region is not "
			    "a region name");
		return;
	}
	memcpy(lg.region, body->data, body->len);
	lg.region[body->len] = '\0';
	log_info(WHO ": region %s (from IMDS)", lg.region);
	imds_step();
}

static void
imds_token_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	(void)arg;
	lg.hr = NULL;
	if (error != 0) {
		ptoken_fail(lg.pt, error, "IMDS: %s", err);
		return;
	}
	if (status != 200) {
		imds_fail_status("token", status);
		return;
	}
	if (body->len == 0 || body->len > 1024 ||
	    !header_safe((const char *)body->data, body->len) ||
	    strlen((const char *)body->data) != body->len ||
	    (lg.imds_token = secret_new(body->data, body->len)) == NULL) {
		ptoken_fail(lg.pt, ERR_PROTO, "IMDS: the session token "
		    "is not a header value");
		return;
	}
	imds_step();
}

/*
 * IMDSv2 ("Use the Instance Metadata Service to access instance
 * metadata", Amazon EC2 User Guide): the session token, the region
 * when none was set, the role, then its credentials, each step a
 * request with the token.
 */
static void
imds_step(void)
{
	struct https_header	 hdr;
	char			 uri[sizeof(IMDS_CREDS) + ROLE_NAME_MAX];

	if (lg.imds_token == NULL) {
		hdr.name = "X-aws-ec2-metadata-token-ttl-seconds";
		hdr.value = IMDS_TTL;
		lg.hr = https_request(lg.base, lg.srv, HTTPS_PUT,
		    "/latest/api/token", &hdr, 1, NULL, 0, lg.timeout_ms,
		    AWS_TOKEN_BODY, imds_token_done, NULL);
	} else if (lg.region != NULL && lg.region[0] == '\0') {
		hdr.name = "X-aws-ec2-metadata-token";
		hdr.value = (const char *)lg.imds_token->data;
		lg.hr = https_get(lg.base, lg.srv, IMDS_REGION, &hdr, 1,
		    lg.timeout_ms, AWS_TOKEN_BODY, imds_region_done, NULL);
	} else {
		hdr.name = "X-aws-ec2-metadata-token";
		hdr.value = (const char *)lg.imds_token->data;
		snprintf(uri, sizeof(uri), "%s%s", IMDS_CREDS, lg.role);
		lg.hr = https_get(lg.base, lg.srv, uri, &hdr, 1,
		    lg.timeout_ms, AWS_TOKEN_BODY, lg.role[0] == '\0' ?
		    imds_role_done : creds_done, lg.role[0] == '\0' ? NULL :
		    what_imds);
	}
	if (lg.hr == NULL) {
		secret_free(lg.imds_token);
		lg.imds_token = NULL;
		ptoken_fail(lg.pt, ERR_SYS, "IMDS: cannot start the "
		    "request");
	}
}


void
awslogin_imds(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct https_server *srv, char region[AWS_REGION_MAX + 1])
{
	begin(pt, base, timeout_ms, srv);
	lg.region = region;
	imds_step();
}

void
awslogin_container(struct ptoken *pt, struct event_base *base,
    int timeout_ms, const struct https_server *srv, const char *uri,
    const char *tokenfile, const struct secret *token)
{
	struct https_header	 hdr = { "Authorization", NULL };
	struct secret		*tok = NULL;
	char			 why[512];

	begin(pt, base, timeout_ms, srv);
	if (tokenfile != NULL) {
		if (penv_read_file(WHO, tokenfile, AUTH_MAX, &tok, why,
		    sizeof(why)) != 0) {
			ptoken_fail(pt, ERR_INVAL, "%s", why);
			return;
		}
		if (!header_safe((const char *)tok->data, tok->len)) {
			secret_free(tok);
			ptoken_fail(pt, ERR_INVAL, "%.200s: the token has bytes "
			    "that an HTTP header cannot carry", tokenfile);
			return;
		}
		token = tok;
	}
	if (token != NULL)
		hdr.value = (const char *)token->data;
	lg.hr = https_get(base, srv, uri, &hdr, token != NULL ? 1 : 0,
	    timeout_ms, AWS_TOKEN_BODY, creds_done, what_container);
	secret_free(tok);
	if (lg.hr == NULL)
		ptoken_fail(pt, ERR_SYS, "container: cannot start the request");
}
