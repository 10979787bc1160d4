/*
 * The aws provider: AWS Secrets Manager's GetSecretValue (Secrets Manager
 * API Reference), as Secretless Broker's aws provider, with the
 * credentials and region of the AWS SDKs (awscreds.c):
 *
 *	secret-id	the secret's SecretString, or the bytes of its
 *			SecretBinary (base64 in the answer)
 *	secret-id#key	the string at key of the SecretString, parsed as
 *			a JSON object (RDS's {"username": ..., "password": ...})
 *
 * secret-id is a name or an ARN.  One POST per distinct secret id of a
 * request, to AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL or
 * https://secretsmanager.REGION.amazonaws.com, as the JSON 1.1 protocol
 * has it (X-Amz-Target secretsmanager.GetSecretValue, a body
 * {"SecretId": ...}), signed with SigV4 (awsreq.c, monitor/sigv4.c).
 * An error is HTTP 400 with {"__type": "...#Code", "message": ...}: the
 * message names the reference, the status and the code, never AWS's
 * message nor anything else of the body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "b64.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "provenv.h"
#include "provider_impl.h"
#include "ptoken.h"
#include "secret.h"
#include "util.h"

#define REFFMT		"%.200s"
#define ID_MAX		2048	/* a secret's name or ARN */
#define KEY_MAX		256
#define SM_TARGET	"secretsmanager.GetSecretValue"
#define SM_CTYPE	"application/x-amz-json-1.1"

struct aws_state;

/* One POST, for every reference to the same secret. */
struct aws_fetch {
	struct aws_state	*st;
	size_t			 first;
	struct https_req	*hr;
};

struct aws_state {
	struct provider_req	*req;
	size_t			 n;
	char			**ids;
	char			**keys;		/* NULL: the whole value */
	size_t			*fetch_of;
	struct aws_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct secret		**values;
	struct ptoken_wait	*wait;
	struct secret		*creds;		/* packed (awscreds.c) */
	int			 retried;
};

static struct {
	int			 ready;
	int			 srv_ready;	/* else at the first request */
	struct https_server	 srv;
	char			 host[HTTPS_HOSTLEN + 16];
} aws;

static const char *const endpoint_vars[] = {
	"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL", NULL
};

/* The endpoint, once the region is known. */
static int
server_setup(char *err, size_t errlen)
{
	char	 def[128];
	int	 r;

	snprintf(def, sizeof(def), "https://secretsmanager.%s.amazonaws.com",
	    awscreds_region());
	if ((r = aws_endpoint(endpoint_vars, def, NULL, &aws.srv, NULL, 0,
	    err, errlen)) != 0)
		return r;
	if (https_host_header(&aws.srv, aws.host, sizeof(aws.host)) != 0) {
		https_server_clear(&aws.srv);
		snprintf(err, errlen, "provider aws: the endpoint's host is too "
		    "long");
		return ERR_INVAL;
	}
	aws.srv_ready = 1;
	return 0;
}

int
aws_setup(char *err, size_t errlen)
{
	int	 r;

	if (aws.ready)
		return 0;
	if ((r = awscreds_setup(err, errlen)) != 0)
		return r;
	/* Without a region yet (IMDS will tell), an explicit endpoint only. */
	if ((awscreds_region()[0] != '\0' || penv(endpoint_vars[0]) != NULL ||
	    penv(endpoint_vars[1]) != NULL) &&
	    (r = server_setup(err, errlen)) != 0) {
		awscreds_cleanup();
		return r;
	}
	aws.ready = 1;
	log_info("provider aws: Secrets Manager at %s, region %s, "
	    "credentials from %s", aws.srv_ready ? aws.host :
	    "secretsmanager.REGION.amazonaws.com", awscreds_region()[0] !=
	    '\0' ? awscreds_region() : "from IMDS", awscreds_source());
	return 0;
}

void
aws_cleanup(void)
{
	if (!aws.ready)
		return;
	awscreds_cleanup();
	if (aws.srv_ready)
		https_server_clear(&aws.srv);
	https_cleanup();
	memset(&aws, 0, sizeof(aws));
}

/* A name or an ARN: Secrets Manager's characters, and ARN's ':'. */
static int
id_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("/_+=.@-:", s[i]) != NULL) || s[i] == '\0')
			return 0;
	return 1;
}

static int
ref_parse(struct aws_state *st, size_t i, const char *ref, char *err,
    size_t errlen)
{
	const char	*hash = strchr(ref, '#');
	size_t		 idlen = hash != NULL ? (size_t)(hash - ref) :
			    strlen(ref);

	if (!id_ok(ref, idlen)) {
		snprintf(err, errlen, "aws: reference %.120s: the secret "
		    "id is not a name or ARN (1 to %d of letters, digits and "
		    "/_+=.@-:)", ref, ID_MAX);
		return ERR_FORMAT;
	}
	if (hash != NULL && (hash[1] == '\0' || strlen(hash + 1) > KEY_MAX ||
	    text_has_control(hash + 1, strlen(hash + 1)))) {
		snprintf(err, errlen, "aws: reference %.120s: the key after "
		    "'#' is empty, longer than %d bytes or has a control "
		    "character", ref, KEY_MAX);
		return ERR_FORMAT;
	}
	if ((st->ids[i] = strndup(ref, idlen)) == NULL ||
	    (hash != NULL && (st->keys[i] = strdup(hash + 1)) == NULL)) {
		snprintf(err, errlen, "aws: out of memory");
		return ERR_NOMEM;
	}
	return 0;
}

static void
state_free(struct aws_state *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	if (st->wait != NULL)
		awscreds_cancel(st->wait);
	for (i = 0; i < st->nfetches; i++)
		if (st->fetches[i].hr != NULL)
			https_abort(st->fetches[i].hr);
	for (i = 0; i < st->n; i++) {
		if (st->values != NULL)
			secret_free(st->values[i]);
		if (st->ids != NULL)
			free(st->ids[i]);
		if (st->keys != NULL)
			free(st->keys[i]);
	}
	secret_free(st->creds);
	free(st->values);
	free(st->ids);
	free(st->keys);
	free(st->fetches);
	free(st->fetch_of);
	free(st);
}

static void
fail(struct aws_state *st, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The request fails as a whole at its first error. */
static void
fail(struct aws_state *st, int error, const char *fmt, ...)
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

/* An error code's class and a hint; *creds when the keys were refused. */
static int
error_class(const char *code, const char **hint, int *creds)
{
	static const struct {
		const char	*code;
		int		 error;
		int		 creds;
		const char	*hint;
	} map[] = {
		{ "ResourceNotFoundException", ERR_NOTFOUND, 0,
		    "no such secret, or no version AWSCURRENT" },
		{ "AccessDeniedException", ERR_DENIED, 0,
		    "the credentials' policy does not allow it" },
		{ "UnrecognizedClientException", ERR_DENIED, 1,
		    "the access key id is not known to AWS" },
		{ "InvalidSignatureException", ERR_DENIED, 1,
		    "the signature is wrong: check the secret access key" },
		{ "ExpiredTokenException", ERR_DENIED, 1,
		    "the session token has expired" },
		{ "IncompleteSignature", ERR_DENIED, 1, "" },
		{ "InvalidClientTokenId", ERR_DENIED, 1, "" },
		{ "MissingAuthenticationToken", ERR_DENIED, 1, "" },
		{ "DecryptionFailure", ERR_DENIED, 0,
		    "cannot decrypt it with its KMS key" },
		{ "InvalidRequestException", ERR_INVAL, 0,
		    "the secret is marked for deletion, or disabled" },
		{ "ThrottlingException", ERR_AGAIN, 0, "" },
		{ "InternalServiceError", ERR_AGAIN, 0, "" },
	};
	size_t	 i;

	*creds = 0;
	*hint = "";
	for (i = 0; i < nitems(map); i++)
		if (strcmp(code, map[i].code) == 0) {
			*hint = map[i].hint;
			*creds = map[i].creds;
			return map[i].error;
		}
	return ERR_PROTO;
}

static void	 creds_ready(void *, int, const char *,
		    const struct secret *);

/*
 * Credentials refused: forget them and start the request again with new
 * ones, once (temporary credentials revoked or expired before their
 * time).  Long-term keys would only be refused again: 0 for those.
 */
static int
retry(struct aws_state *st)
{
	size_t	 i;

	awscreds_invalidate(st->creds);
	if (st->retried || !awscreds_temporary())
		return 0;
	st->retried = 1;
	for (i = 0; i < st->nfetches; i++)
		if (st->fetches[i].hr != NULL) {
			https_abort(st->fetches[i].hr);
			st->fetches[i].hr = NULL;
		}
	for (i = 0; i < st->n; i++) {
		secret_free(st->values[i]);
		st->values[i] = NULL;
	}
	secret_free(st->creds);
	st->creds = NULL;
	st->pending = st->nfetches;
	log_debug("aws: %.200s: credentials refused, fetching new ones",
	    st->ids[0]);
	st->wait = awscreds_get(provider_req_base(st->req),
	    provider_req_timeout_ms(st->req), creds_ready, st);
	return st->wait != NULL;
}

static void
fetch_error(struct aws_fetch *f, int status, const struct secret *body)
{
	struct aws_state	*st = f->st;
	const char		*hint;
	char			 code[64];
	int			 r, creds;

	aws_error_code(body, "__type", code, sizeof(code));
	r = error_class(code, &hint, &creds);
	if (creds && retry(st))
		return;
	fail(st, r, "aws: " REFFMT ": HTTP %d%s%s%s%s",
	    st->ids[f->first], status, code[0] != '\0' ? ", " : "", code,
	    hint[0] != '\0' ? ": " : "", hint);
}

/* Reference i's value from a GetSecretValue answer. */
static int
ref_value(struct aws_state *st, size_t i, const struct jfield_doc *doc,
    char *msg, size_t msglen)
{
	struct jfield_doc	*inner;
	struct secret		*s = NULL;
	int			 r;

	r = jfield_string(doc, "SecretString", &s, msg, msglen);
	if (r == ERR_NOTFOUND) {
		if (st->keys[i] != NULL) {
			snprintf(msg, msglen, "the secret is binary "
			    "(SecretBinary): it has no keys");
			return ERR_FORMAT;
		}
		if ((r = jfield_string(doc, "SecretBinary", &s, msg,
		    msglen)) == ERR_NOTFOUND) {
			snprintf(msg, msglen, "the answer has neither "
			    "SecretString nor SecretBinary");
			return ERR_PROTO;
		}
		if (r != 0)
			return r;
		r = b64_decode((const char *)s->data, s->len, B64_STD,
		    &st->values[i]);
		secret_free(s);
		if (r != 0)
			snprintf(msg, msglen, "SecretBinary is not base64");
		return r;
	}
	if (r != 0)
		return r;
	if (st->keys[i] == NULL) {
		st->values[i] = s;
		return 0;
	}
	if ((r = jfield_parse(s->data, s->len, &inner, msg, msglen)) != 0) {
		secret_free(s);
		snprintf(msg, msglen, "SecretString is not a JSON object, so "
		    "it has no keys");
		return r;
	}
	secret_free(s);
	r = jfield_string_key(inner, st->keys[i], &st->values[i], msg,
	    msglen);
	jfield_free(inner);
	return r;
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct aws_fetch	*f = arg;
	struct aws_state	*st = f->st;
	struct provider_req	*req;
	struct secret		**values;
	struct jfield_doc	*doc;
	char			 msg[200];
	size_t			 i, idx = (size_t)(f - st->fetches);
	int			 r;

	f->hr = NULL;
	if (error != 0) {
		fail(st, error, "aws: " REFFMT ": %s", st->ids[f->first], err);
		return;
	}
	if (status != 200) {
		fetch_error(f, status, body);
		return;
	}
	if ((r = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) != 0) {
		fail(st, r, "aws: " REFFMT ": %s", st->ids[f->first], msg);
		return;
	}
	for (i = 0; i < st->n; i++) {
		if (st->fetch_of[i] != idx)
			continue;
		if ((r = ref_value(st, i, doc, msg, sizeof(msg))) != 0) {
			jfield_free(doc);
			fail(st, r, "aws: " REFFMT "%s%.100s: %s", st->ids[i],
			    st->keys[i] != NULL ? "#" : "",
			    st->keys[i] != NULL ? st->keys[i] : "", msg);
			return;
		}
	}
	jfield_free(doc);
	if (--st->pending > 0)
		return;
	req = st->req;
	values = st->values;
	st->values = NULL;
	provider_req_set_state(req, NULL);
	state_free(st);
	provider_done(req, values);
}

/* One signed GetSecretValue. */
static int
fetch_start(struct aws_state *st, struct aws_fetch *f,
    const struct aws_creds *c)
{
	struct https_header	 hdrs[5];
	struct aws_signed	 sig;
	char			 body[ID_MAX + 32];
	size_t			 nh = 0;
	int			 n;

	n = snprintf(body, sizeof(body), "{\"SecretId\":\"%s\"}",
	    st->ids[f->first]);
	if (n < 0 || (size_t)n >= sizeof(body) ||
	    aws_sign_post(c, awscreds_region(), "secretsmanager", aws.host,
	    SM_CTYPE, SM_TARGET, body, (size_t)n, time(NULL), &sig) != 0)
		return -1;
	hdrs[nh].name = "Content-Type";
	hdrs[nh++].value = SM_CTYPE;
	hdrs[nh].name = "X-Amz-Target";
	hdrs[nh++].value = SM_TARGET;
	hdrs[nh].name = "X-Amz-Date";
	hdrs[nh++].value = sig.amzdate;
	if (c->token != NULL) {
		hdrs[nh].name = "X-Amz-Security-Token";
		hdrs[nh++].value = c->token;
	}
	hdrs[nh].name = "Authorization";
	hdrs[nh++].value = sig.auth;
	f->hr = https_request(provider_req_base(st->req), &aws.srv,
	    HTTPS_POST, "/", hdrs, nh, body, (size_t)n,
	    provider_req_timeout_ms(st->req), AWS_MAX_BODY, fetch_done, f);
	return f->hr != NULL ? 0 : -1;
}

static void
creds_ready(void *arg, int error, const char *err,
    const struct secret *packed)
{
	struct aws_state	*st = arg;
	struct aws_creds	 c;
	char			 msg[PROVIDER_ERRLEN];
	size_t			 j;

	st->wait = NULL;
	if (error != 0) {
		fail(st, error, "aws: " REFFMT ": %s", st->ids[0], err);
		return;
	}
	/* The region came with the first credentials of IMDS. */
	if (!aws.srv_ready && server_setup(msg, sizeof(msg)) != 0) {
		fail(st, ERR_INVAL, "aws: " REFFMT ": %s", st->ids[0], msg);
		return;
	}
	if ((st->creds = secret_new(packed->data, packed->len)) == NULL ||
	    awscreds_unpack(st->creds, &c) != 0) {
		fail(st, ERR_NOMEM, "aws: " REFFMT ": out of memory",
		    st->ids[0]);
		return;
	}
	for (j = 0; j < st->nfetches; j++)
		if (fetch_start(st, &st->fetches[j], &c) != 0) {
			fail(st, ERR_SYS, "aws: " REFFMT ": cannot start the "
			    "request", st->ids[st->fetches[j].first]);
			return;
		}
}

void
aws_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct aws_state	*st;
	char			 err[PROVIDER_ERRLEN];
	size_t			 i, j;
	int			 r;

	if (!aws.ready) {
		provider_fail(req, ERR_INVAL, "provider aws is not set up");
		return;
	}
	if (n == 0 || n > PROVIDER_MAX_REFS) {
		provider_fail(req, ERR_INVAL, "aws: %zu references", n);
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->ids = calloc(n + 1, sizeof(*st->ids))) == NULL ||
	    (st->keys = calloc(n + 1, sizeof(*st->keys))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL ||
	    (st->values = calloc(n + 1, sizeof(*st->values))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "aws: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	for (i = 0; i < n; i++) {
		if ((r = ref_parse(st, i, refs[i], err, sizeof(err))) != 0) {
			state_free(st);
			provider_fail(req, r, "%s", err);
			return;
		}
		for (j = 0; j < st->nfetches; j++)
			if (strcmp(st->ids[st->fetches[j].first],
			    st->ids[i]) == 0)
				break;
		if (j == st->nfetches) {
			st->fetches[j].st = st;
			st->fetches[j].first = i;
			st->nfetches++;
		}
		st->fetch_of[i] = j;
	}
	st->pending = st->nfetches;
	provider_req_set_state(req, st);
	if ((st->wait = awscreds_get(provider_req_base(req),
	    provider_req_timeout_ms(req), creds_ready, st)) == NULL)
		fail(st, ERR_SYS, "aws: " REFFMT ": cannot get credentials",
		    st->ids[0]);
}

void
aws_abort(struct provider_req *req)
{
	struct aws_state	*st = provider_req_state(req);

	provider_req_set_state(req, NULL);
	state_free(st);
}
