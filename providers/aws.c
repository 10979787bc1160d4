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
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "b64.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "pfetch.h"
#include "provenv.h"
#include "provider_impl.h"
#include "secret.h"
#include "util.h"

#define ID_MAX		2048	/* a secret's name or ARN */
#define KEY_MAX		256
#define SM_TARGET	"secretsmanager.GetSecretValue"
#define SM_CTYPE	"application/x-amz-json-1.1"

/* A reference: a secret id, and a key of its value or "". */
struct aws_ref {
	char		 id[ID_MAX + 1];
	char		 key[KEY_MAX + 1];
	char		 text[200 + 1 + 100 + 1];	/* for messages */
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
ref_parse(const char *ref, const struct secret *pre, void *parsed, char *err,
    size_t errlen)
{
	struct aws_ref	*ar = parsed;
	const char	*hash = strchr(ref, '#');
	size_t		 idlen = hash != NULL ? (size_t)(hash - ref) :
			    strlen(ref);

	(void)pre;
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
	memcpy(ar->id, ref, idlen);
	if (hash != NULL)
		memcpy(ar->key, hash + 1, strlen(hash + 1));
	snprintf(ar->text, sizeof(ar->text), "%.200s%s%.100s", ar->id,
	    hash != NULL ? "#" : "", ar->key);
	return 0;
}

static int
same_secret(const void *a, const void *b)
{
	return strcmp(((const struct aws_ref *)a)->id,
	    ((const struct aws_ref *)b)->id) == 0;
}

static const char *
secret_id(const void *parsed)
{
	return ((const struct aws_ref *)parsed)->id;
}

static const char *
ref_text(const void *parsed)
{
	return ((const struct aws_ref *)parsed)->text;
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

/*
 * The error's __type names it.  Credentials refused are forgotten and
 * fetched again, once, when they are temporary ones (revoked or expired
 * before their time); long-term keys would only be refused again.
 */
static int
status_error(int status, const struct secret *body, char *code,
    size_t codelen, const char **why, int *renew)
{
	int	 r, creds;

	(void)status;
	aws_error_code(body, "__type", code, codelen);
	r = error_class(code, why, &creds);
	*renew = creds && awscreds_temporary();
	return r;
}

/* Reference ar's value from a GetSecretValue answer. */
static int
ref_value(const void *parsed, const struct jfield_doc *doc,
    struct secret **out, char *msg, size_t msglen)
{
	const struct aws_ref	*ar = parsed;
	struct jfield_doc	*inner;
	struct secret		*s = NULL;
	int			 r;

	r = jfield_string(doc, "SecretString", &s, msg, msglen);
	if (r == ERR_NOTFOUND) {
		if (ar->key[0] != '\0') {
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
		r = b64_decode((const char *)s->data, s->len, B64_STD, out);
		secret_free(s);
		if (r != 0)
			snprintf(msg, msglen, "SecretBinary is not base64");
		return r;
	}
	if (r != 0)
		return r;
	if (ar->key[0] == '\0') {
		*out = s;
		return 0;
	}
	if ((r = jfield_parse(s->data, s->len, &inner, msg, msglen)) != 0) {
		secret_free(s);
		snprintf(msg, msglen, "SecretString is not a JSON object, so "
		    "it has no keys");
		return r;
	}
	secret_free(s);
	r = jfield_string_key(inner, ar->key, out, msg, msglen);
	jfield_free(inner);
	return r;
}

/* One signed GetSecretValue, with the credentials packed in token. */
static int
get_secret_value(struct event_base *base, int timeout_ms,
    const void *parsed, const struct secret *token, https_cb *cb, void *arg,
    struct https_req **hr, char *err, size_t errlen)
{
	const struct aws_ref	*ar = parsed;
	struct https_header	 hdrs[5];
	struct aws_creds	 c;
	struct aws_signed	 sig;
	char			 body[ID_MAX + 32];
	size_t			 nh = 0;
	int			 n, r;

	/* The region came with the first credentials of IMDS. */
	if (!aws.srv_ready && (r = server_setup(err, errlen)) != 0)
		return r;
	if ((r = awscreds_unpack(token, &c)) != 0) {
		snprintf(err, errlen, "the credentials are malformed");
		return r;
	}
	n = snprintf(body, sizeof(body), "{\"SecretId\":\"%s\"}", ar->id);
	if (n < 0 || (size_t)n >= sizeof(body) ||
	    aws_sign_post(&c, awscreds_region(), "secretsmanager", aws.host,
	    SM_CTYPE, SM_TARGET, body, (size_t)n, time(NULL), &sig) != 0)
		return ERR_SYS;
	hdrs[nh].name = "Content-Type";
	hdrs[nh++].value = SM_CTYPE;
	hdrs[nh].name = "X-Amz-Target";
	hdrs[nh++].value = SM_TARGET;
	hdrs[nh].name = "X-Amz-Date";
	hdrs[nh++].value = sig.amzdate;
	if (c.token != NULL) {
		hdrs[nh].name = "X-Amz-Security-Token";
		hdrs[nh++].value = c.token;
	}
	hdrs[nh].name = "Authorization";
	hdrs[nh++].value = sig.auth;
	*hr = https_request(base, &aws.srv, HTTPS_POST, "/", hdrs, nh, body,
	    (size_t)n, timeout_ms, AWS_MAX_BODY, cb, arg);
	return *hr != NULL ? 0 : ERR_SYS;
}

static const struct pfetch_ops aws_ops = {
	.name = "aws",
	.ref_size = sizeof(struct aws_ref),
	.parse = ref_parse,
	.same = same_secret,
	.label = secret_id,
	.ref_label = ref_text,
	.token = awscreds_token,
	.fetch = get_secret_value,
	.value = ref_value,
	.status = status_error,
};

void
aws_start(struct provider_req *req, const char *const *refs, size_t n)
{
	if (!aws.ready) {
		provider_fail(req, ERR_INVAL, "provider aws is not set up");
		return;
	}
	pfetch_start(req, &aws_ops, refs, n);
}

