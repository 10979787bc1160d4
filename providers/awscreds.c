/*
 * The aws provider's credentials and region, found as the AWS SDKs find
 * them ("Standardized credential providers", AWS SDKs and Tools Reference
 * Guide), the first source that is configured:
 *
 *	1. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY [, AWS_SESSION_TOKEN]:
 *	   taken into guarded memory and out of the environment
 *	2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE (read at each login),
 *	   AWS_ROLE_ARN [, AWS_ROLE_SESSION_NAME] → STS
 *	   AssumeRoleWithWebIdentity (unsigned: the JWT is the proof), at
 *	   AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or sts.REGION.amazonaws.com
 *	3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 *	   ~/.aws/credentials), profile AWS_PROFILE (default "default")
 *	4. the config file's credential keys (AWS_CONFIG_FILE, default
 *	   ~/.aws/config; "[profile NAME]", or "[default]")
 *	5. IMDSv2 (unless AWS_EC2_METADATA_DISABLED): a session token by
 *	   PUT /latest/api/token, then the instance's role, then its
 *	   credentials, at AWS_EC2_METADATA_SERVICE_ENDPOINT or
 *	   http://169.254.169.254 (http://[fd00:ec2::254] with
 *	   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6)
 *
 * Temporary credentials (2 and 5) are kept by ptoken until shortly
 * before their Expiration; long-term ones (1, 3, 4) are read once, at
 * setup.  The region: AWS_REGION, AWS_DEFAULT_REGION, the config file's
 * region.  STS answers in JSON for "Accept: application/json" (https.c
 * sends it), as the query protocol's services do: no XML is parsed.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "errors.h"
#include "https.h"
#include "jsonfield.h"
#include "log.h"
#include "pctenc.h"
#include "provenv.h"
#include "ptoken.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

#define WHO		"provider aws"
#define FILE_MAX	(64 * 1024)
#define ROLE_ARN_MAX	2048	/* STS's limit */
#define SESSION_MAX	64	/* RoleSessionName's */
#define ROLE_NAME_MAX	64	/* an IAM role's name */
#define IMDS_TTL	"21600"	/* the SDKs' session token lifetime */
#define IMDS_CREDS	"/latest/meta-data/iam/security-credentials/"

enum source {
	SRC_NONE,
	SRC_ENV,
	SRC_WEBID,
	SRC_FILE,
	SRC_IMDS
};

static const char *const source_names[] = {
	"none", "environment", "web identity (STS)",
	"shared credentials file", "IMDSv2"
};

static struct {
	int			 ready;
	enum source		 src;
	char			 region[AWS_REGION_MAX + 1];
	char			 source_desc[300];
	struct ptoken		*pt;
	struct secret		*fixed;		/* env and files: packed */
	/* web identity */
	char			*tokenfile;
	char			 role_arn[ROLE_ARN_MAX + 1];
	char			 session[SESSION_MAX + 1];
	struct https_server	 sts;
	/* IMDSv2 */
	struct https_server	 imds;
	/* The login in flight (ptoken has at most one). */
	struct https_req	*hr;
	struct event_base	*base;
	int			 timeout_ms;
	struct secret		*imds_token;
	char			 role[ROLE_NAME_MAX + 1];
} ac;

static ptoken_login_fn	 login;
static ptoken_abort_fn	 login_abort;

int
awscreds_pack(const char *akid, size_t akidlen, const void *secret,
    size_t secretlen, const char *token, size_t tokenlen, struct secret **out)
{
	struct secret	*s;
	unsigned char	*p;

	*out = NULL;
	if (akidlen == 0 || akidlen > AWS_AKID_MAX || secretlen == 0 ||
	    secretlen > AWS_SECRET_MAX || tokenlen > AWS_TOKEN_MAX)
		return ERR_TOOBIG;
	/* The key id and the token go into headers, the key into an HMAC. */
	if (memchr(secret, '\0', secretlen) != NULL ||
	    !header_safe(akid, akidlen) || strlen(akid) < akidlen ||
	    (tokenlen > 0 && (!header_safe(token, tokenlen) ||
	    strlen(token) < tokenlen)))
		return ERR_FORMAT;
	if ((s = secret_alloc(akidlen + secretlen + tokenlen + 2)) == NULL)
		return ERR_NOMEM;
	p = s->data;
	memcpy(p, akid, akidlen);
	p += akidlen + 1;
	memcpy(p, secret, secretlen);
	p += secretlen + 1;
	if (tokenlen > 0)
		memcpy(p, token, tokenlen);
	*out = s;
	return 0;
}

int
awscreds_unpack(const struct secret *s, struct aws_creds *c)
{
	const char	*p = (const char *)s->data, *end = p + s->len;
	const char	*k, *t;

	memset(c, 0, sizeof(*c));
	if ((k = memchr(p, '\0', s->len)) == NULL ||
	    (t = memchr(k + 1, '\0', (size_t)(end - k - 1))) == NULL)
		return ERR_FORMAT;
	c->akid = p;
	c->secret_key.data = (unsigned char *)(uintptr_t)(k + 1);
	c->secret_key.len = (size_t)(t - k - 1);
	c->token = t + 1 < end ? t + 1 : NULL;
	return 0;
}

/* The credentials of a section of an INI file, when it has them. */
static int
from_ini(const struct secret *file, const char *section,
    struct secret **out)
{
	struct secret	*akid = NULL, *key = NULL, *tok = NULL;
	int		 r;

	*out = NULL;
	if ((r = awsini_get(file, section, "aws_access_key_id", &akid)) != 0 ||
	    (r = awsini_get(file, section, "aws_secret_access_key",
	    &key)) != 0)
		goto done;
	if ((r = awsini_get(file, section, "aws_session_token", &tok)) != 0 &&
	    r != ERR_NOTFOUND)
		goto done;
	r = awscreds_pack((const char *)akid->data, akid->len,
	    key->data, key->len, tok != NULL ? (const char *)tok->data : "",
	    tok != NULL ? tok->len : 0, out);
 done:
	secret_free(akid);
	secret_free(key);
	secret_free(tok);
	return r;
}

/*
 * One of the shared files: the variable's path (it must be readable), or
 * ~/.aws/NAME of airlockd's user when it exists.  *out NULL when none.
 */
static int
read_shared(const char *var, const char *name, struct secret **out,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	const struct passwd	*pw;
	const char		*p, *home;
	char			 why[512];

	*out = NULL;
	path[0] = '\0';
	if ((p = penv(var)) == NULL) {
		if ((home = penv("HOME")) == NULL &&
		    (pw = getpwuid(geteuid())) != NULL)
			home = pw->pw_dir;
		if (home == NULL)
			return 0;
		snprintf(path, pathlen, "%s/.aws/%s", home, name);
		if (access(path, F_OK) != 0)
			return 0;
	} else
		snprintf(path, pathlen, "%s", p);
	if (file_read(path, 0, WHO, out, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return ERR_INVAL;
	}
	if ((*out)->len > FILE_MAX) {
		secret_free(*out);
		*out = NULL;
		snprintf(err, errlen, WHO ": %.200s is larger than %d bytes",
		    path, FILE_MAX);
		return ERR_TOOBIG;
	}
	return 0;
}

static int
region_ok(const char *r, size_t len)
{
	size_t	 i;

	if (len == 0 || len > AWS_REGION_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)r[i]) &&
		    !isdigit((unsigned char)r[i]) && r[i] != '-')
			return 0;
	return 1;
}

/* The region, and credentials of the files (sources 3 and 4). */
static int
setup_files(char *err, size_t errlen)
{
	struct secret	*cfg = NULL, *cred = NULL, *v = NULL;
	const char	*profile, *r;
	char		 section[300], cfgpath[1024], credpath[1024];
	int		 rc, explicit;

	explicit = (profile = penv("AWS_PROFILE")) != NULL;
	if (profile == NULL)
		profile = "default";
	if (strlen(profile) > 200) {
		snprintf(err, errlen, WHO ": AWS_PROFILE is too long");
		return ERR_INVAL;
	}
	if (strcmp(profile, "default") == 0)
		snprintf(section, sizeof(section), "default");
	else
		snprintf(section, sizeof(section), "profile %s", profile);
	if ((rc = read_shared("AWS_CONFIG_FILE", "config", &cfg, cfgpath,
	    sizeof(cfgpath), err, errlen)) != 0 ||
	    (rc = read_shared("AWS_SHARED_CREDENTIALS_FILE", "credentials",
	    &cred, credpath, sizeof(credpath), err, errlen)) != 0)
		goto done;

	if ((r = penv("AWS_REGION")) == NULL)
		r = penv("AWS_DEFAULT_REGION");
	if (r != NULL)
		snprintf(ac.region, sizeof(ac.region), "%.*s", AWS_REGION_MAX,
		    r);
	else if (cfg != NULL && awsini_get(cfg, section, "region", &v) == 0) {
		if (!region_ok((const char *)v->data, v->len)) {
			snprintf(err, errlen, WHO ": the region of [%s] in "
			    "%.200s is not a region name", section, cfgpath);
			rc = ERR_INVAL;
			goto done;
		}
		memcpy(ac.region, v->data, v->len);
		ac.region[v->len] = '\0';
	}
	if (r != NULL && !region_ok(r, strlen(r))) {
		snprintf(err, errlen, WHO ": AWS_REGION (or AWS_DEFAULT_REGION) "
		    "is not a region name");
		rc = ERR_INVAL;
		goto done;
	}

	/* The SDKs' order: a web identity comes before the files. */
	if (ac.src != SRC_NONE || penv("AWS_WEB_IDENTITY_TOKEN_FILE") != NULL)
		goto done;
	if (cred != NULL && (rc = from_ini(cred, profile, &ac.fixed)) !=
	    ERR_NOTFOUND) {
		snprintf(ac.source_desc, sizeof(ac.source_desc),
		    "%.200s, profile %.60s", credpath, profile);
	} else if (cfg != NULL && (rc = from_ini(cfg, section, &ac.fixed)) !=
	    ERR_NOTFOUND) {
		snprintf(ac.source_desc, sizeof(ac.source_desc),
		    "%.200s, [%.60s]", cfgpath, section);
	} else if (explicit) {
		snprintf(err, errlen, WHO ": AWS_PROFILE %.60s: no credentials "
		    "for it in the shared credentials or config file", profile);
		rc = ERR_INVAL;
		goto done;
	} else {
		rc = 0;
		goto done;
	}
	if (rc != 0) {
		snprintf(err, errlen, WHO ": %.200s: the keys of profile %.60s "
		    "are incomplete, too long or not text", ac.source_desc,
		    profile);
		rc = ERR_INVAL;
		goto done;
	}
	ac.src = SRC_FILE;
 done:
	secret_free(v);
	secret_free(cfg);
	secret_free(cred);
	return rc;
}

/* Source 1. */
static int
setup_env(char *err, size_t errlen)
{
	struct secret	*akid = NULL, *key = NULL, *tok = NULL;
	char		 why[256];
	int		 r;

	if (penv("AWS_ACCESS_KEY_ID") == NULL)
		return 0;
	if ((r = penv_take("AWS_ACCESS_KEY_ID", AWS_AKID_MAX, 1, &akid, why,
	    sizeof(why))) != 0 ||
	    (r = penv_take("AWS_SECRET_ACCESS_KEY", AWS_SECRET_MAX, 0, &key,
	    why, sizeof(why))) != 0 ||
	    ((r = penv_take("AWS_SESSION_TOKEN", AWS_TOKEN_MAX, 1, &tok, why,
	    sizeof(why))) != 0 && r != ERR_NOTFOUND)) {
		if (r == ERR_NOTFOUND)
			snprintf(err, errlen, WHO ": AWS_ACCESS_KEY_ID is set "
			    "but AWS_SECRET_ACCESS_KEY is not");
		else
			snprintf(err, errlen, WHO ": %s", why);
		r = ERR_INVAL;
		goto done;
	}
	if ((r = awscreds_pack((const char *)akid->data, akid->len,
	    key->data, key->len, tok != NULL ? (const char *)tok->data : "",
	    tok != NULL ? tok->len : 0, &ac.fixed)) != 0) {
		snprintf(err, errlen, WHO ": AWS_SECRET_ACCESS_KEY has a NUL "
		    "byte");
		r = ERR_INVAL;
		goto done;
	}
	ac.src = SRC_ENV;
	snprintf(ac.source_desc, sizeof(ac.source_desc), "AWS_ACCESS_KEY_ID");
 done:
	secret_free(akid);
	secret_free(key);
	secret_free(tok);
	return r;
}

/*
 * An endpoint: the first variable set, else def.  https, or http to a
 * loopback address (the tests) or, when metadata is set, to the
 * metadata service.
 */
int
aws_endpoint(const char *const *vars, const char *def, int metadata,
    struct https_server *srv, char *err, size_t errlen)
{
	const char	*url = NULL, *var = "the default";
	char		 why[512];
	int		 r;

	for (; *vars != NULL && url == NULL; vars++)
		if ((url = penv(*vars)) != NULL)
			var = *vars;
	if (url == NULL)
		url = def;
	if (https_parse_addr(url, srv, why, sizeof(why)) != 0) {
		snprintf(err, errlen, WHO ": %s %s", var, why);
		return ERR_INVAL;
	}
	if (!srv->tls && !https_is_loopback(srv) &&
	    !(metadata && https_is_metadata(srv))) {
		snprintf(err, errlen, WHO ": %s %.200s: plain http is allowed "
		    "only to a loopback address%s: use https://", var, url,
		    metadata ? " or the metadata service" : "");
		return ERR_DENIED;
	}
	if ((r = https_ctx_new(srv, penv("AWS_CA_BUNDLE"), NULL, 1, why,
	    sizeof(why))) != 0) {
		snprintf(err, errlen, WHO ": %s", why);
		return r;
	}
	return 0;
}

/* Source 2. */
static int
setup_webid(char *err, size_t errlen)
{
	static const char *const vars[] = {
		"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", NULL
	};
	const char	*file, *arn, *sess;
	char		 def[128];
	size_t		 i;

	if ((file = penv("AWS_WEB_IDENTITY_TOKEN_FILE")) == NULL)
		return 0;
	if ((arn = penv("AWS_ROLE_ARN")) == NULL) {
		snprintf(err, errlen, WHO ": AWS_WEB_IDENTITY_TOKEN_FILE is "
		    "set but AWS_ROLE_ARN is not");
		return ERR_INVAL;
	}
	if ((sess = penv("AWS_ROLE_SESSION_NAME")) == NULL)
		sess = "airlock";
	/* RoleSessionName: [\w+=,.@-]{2,64}. */
	for (i = 0; sess[i] != '\0'; i++)
		if (!isalnum((unsigned char)sess[i]) &&
		    strchr("_+=,.@-", sess[i]) == NULL)
			break;
	if (sess[i] != '\0' || i < 2 || i > SESSION_MAX) {
		snprintf(err, errlen, WHO ": AWS_ROLE_SESSION_NAME is not 2 to "
		    "64 of letters, digits and _+=,.@-");
		return ERR_INVAL;
	}
	if (strlen(arn) > ROLE_ARN_MAX || text_has_control(arn, strlen(arn))) {
		snprintf(err, errlen, WHO ": AWS_ROLE_ARN is not an ARN");
		return ERR_INVAL;
	}
	if (ac.region[0] != '\0')
		snprintf(def, sizeof(def), "https://sts.%s.amazonaws.com",
		    ac.region);
	else
		snprintf(def, sizeof(def), "https://sts.amazonaws.com");
	if (aws_endpoint(vars, def, 0, &ac.sts, err, errlen) != 0)
		return ERR_INVAL;
	if ((ac.tokenfile = strdup(file)) == NULL) {
		snprintf(err, errlen, WHO ": out of memory");
		return ERR_NOMEM;
	}
	snprintf(ac.role_arn, sizeof(ac.role_arn), "%s", arn);
	snprintf(ac.session, sizeof(ac.session), "%s", sess);
	snprintf(ac.source_desc, sizeof(ac.source_desc), "%.60s, role %.200s",
	    ac.sts.host, arn);
	ac.src = SRC_WEBID;
	return 0;
}

/* Source 5. */
static int
setup_imds(char *err, size_t errlen)
{
	static const char *const vars[] = {
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL
	};
	const char	*mode, *def = "http://169.254.169.254";
	int		 off;

	if (penv_bool("AWS_EC2_METADATA_DISABLED", 0, &off, err,
	    errlen) != 0)
		return ERR_INVAL;
	if (off)
		return 0;
	if ((mode = penv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) != NULL &&
	    strcasecmp(mode, "IPv6") == 0)
		def = "http://[fd00:ec2::254]";
	if (aws_endpoint(vars, def, 1, &ac.imds, err, errlen) != 0)
		return ERR_INVAL;
	snprintf(ac.source_desc, sizeof(ac.source_desc), "%.200s",
	    ac.imds.host);
	ac.src = SRC_IMDS;
	return 0;
}

int
awscreds_setup(char *err, size_t errlen)
{
	int	 r;

	if (ac.ready)
		return 0;
	if ((r = setup_env(err, errlen)) != 0 ||
	    (r = setup_files(err, errlen)) != 0 ||
	    (ac.src == SRC_NONE && (r = setup_webid(err, errlen)) != 0) ||
	    (ac.src == SRC_NONE && (r = setup_imds(err, errlen)) != 0))
		goto fail;
	if (ac.src == SRC_NONE) {
		snprintf(err, errlen, WHO ": no credentials: set "
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a web "
		    "identity, a profile, or allow the instance metadata "
		    "service (AWS_EC2_METADATA_DISABLED is set)");
		r = ERR_INVAL;
		goto fail;
	}
	if (ac.region[0] == '\0') {
		snprintf(err, errlen, WHO ": no region: set AWS_REGION (or "
		    "AWS_DEFAULT_REGION, or region in the config file)");
		r = ERR_INVAL;
		goto fail;
	}
	if ((ac.pt = ptoken_new(WHO, login, login_abort, NULL)) == NULL) {
		snprintf(err, errlen, WHO ": out of memory");
		r = ERR_NOMEM;
		goto fail;
	}
	ac.ready = 1;
	return 0;
 fail:
	awscreds_cleanup();
	return r;
}

void
awscreds_cleanup(void)
{
	if (ac.hr != NULL)
		https_abort(ac.hr);
	ptoken_free(ac.pt);
	secret_free(ac.fixed);
	secret_free(ac.imds_token);
	free(ac.tokenfile);
	https_server_clear(&ac.sts);
	https_server_clear(&ac.imds);
	memset(&ac, 0, sizeof(ac));
}

const char *
awscreds_region(void)
{
	return ac.region;
}

const char *
awscreds_source(void)
{
	static char	 s[400];

	snprintf(s, sizeof(s), "%s (%s)", source_names[ac.src],
	    ac.source_desc);
	return s;
}

struct ptoken_wait *
awscreds_get(struct event_base *base, int timeout_ms, awscreds_cb *cb,
    void *arg)
{
	return ptoken_get(ac.pt, base, timeout_ms, cb, arg);
}

void
awscreds_cancel(struct ptoken_wait *w)
{
	ptoken_cancel(w);
}

int
awscreds_temporary(void)
{
	return ac.src == SRC_WEBID || ac.src == SRC_IMDS;
}

void
awscreds_invalidate(const struct secret *packed)
{
	ptoken_invalidate(ac.pt, packed);
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
		ptoken_fail(ac.pt, ERR_PROTO, "%s: %s", what, msg);
		goto done;
	}
	/* STS's JSON has seconds since the epoch, IMDS an ISO 8601 time. */
	snprintf(path, sizeof(path), "%sExpiration", prefix);
	if (jfield_int(doc, path, &at, msg, sizeof(msg)) == 0)
		life = at - (long long)time(NULL);
	else if ((r = FIELD("Expiration", &exp)) != 0 ||
	    iso_lifetime((const char *)exp->data, &life) != 0) {
		ptoken_fail(ac.pt, ERR_PROTO, "%s: Expiration is not a "
		    "time", what);
		goto done;
	}
#undef FIELD
	if ((r = awscreds_pack((const char *)akid->data, akid->len,
	    key->data, key->len, (const char *)tok->data, tok->len,
	    &packed)) != 0) {
		ptoken_fail(ac.pt, ERR_PROTO, "%s: the credentials are "
		    "too long or not text", what);
		goto done;
	}
	if (life <= 0) {
		secret_free(packed);
		ptoken_fail(ac.pt, ERR_PROTO, "%s: the credentials have "
		    "expired already (is this host's clock right?)", what);
		goto done;
	}
	log_debug(WHO ": %s: credentials for %lld s", what, life);
	ptoken_set(ac.pt, packed, life);
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
	ac.hr = NULL;
	if (error != 0) {
		ptoken_fail(ac.pt, error, "STS: %s", err);
		return;
	}
	if (status != 200) {
		aws_error_code(body, "Error.Code", code, sizeof(code));
		ptoken_fail(ac.pt, status == 400 || status == 403 ?
		    ERR_DENIED : ERR_PROTO, "STS "
		    "AssumeRoleWithWebIdentity: HTTP %d%s%s", status,
		    code[0] != '\0' ? ", " : "", code);
		return;
	}
	if (jfield_parse(body->data, body->len, &doc, msg, sizeof(msg)) != 0) {
		ptoken_fail(ac.pt, ERR_PROTO, "STS: %s", msg);
		return;
	}
	creds_answer(doc, "AssumeRoleWithWebIdentityResponse."
	    "AssumeRoleWithWebIdentityResult.Credentials.", "SessionToken",
	    "STS");
	jfield_free(doc);
}

/* AssumeRoleWithWebIdentity (STS API Reference): a form, unsigned. */
static void
login_webid(void)
{
	static const char	 form[] = "application/x-www-form-urlencoded";
	struct https_header	 hdr = { "Content-Type", form };
	struct secret		*jwt = NULL, *body = NULL;
	char			 why[512], arn[3 * ROLE_ARN_MAX + 1];
	size_t			 i, o = 0, n;

	if (penv_read_file(WHO, ac.tokenfile, AWS_TOKEN_BODY, &jwt, why,
	    sizeof(why)) != 0) {
		ptoken_fail(ac.pt, ERR_INVAL, "%s", why);
		return;
	}
	/* A JWT is base64url and dots: no byte of it needs escaping. */
	for (i = 0; i < jwt->len; i++)
		if (!pct_unreserved(jwt->data[i]))
			break;
	if (jwt->len == 0 || i < jwt->len) {
		secret_free(jwt);
		ptoken_fail(ac.pt, ERR_INVAL, "%.200s does not hold a "
		    "JWT", ac.tokenfile);
		return;
	}
	for (i = 0; ac.role_arn[i] != '\0'; i++) {
		if (pct_unreserved((unsigned char)ac.role_arn[i]))
			arn[o++] = ac.role_arn[i];
		else
			o += (size_t)snprintf(arn + o, 4, "%%%02X",
			    (unsigned char)ac.role_arn[i]);
	}
	arn[o] = '\0';
	n = jwt->len + o + 200;
	if ((body = secret_alloc(n)) == NULL) {
		secret_free(jwt);
		ptoken_fail(ac.pt, ERR_NOMEM, "out of memory");
		return;
	}
	n = (size_t)snprintf((char *)body->data, n,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
	    "&RoleSessionName=%s&WebIdentityToken=%s", arn, ac.session,
	    (const char *)jwt->data);
	secret_free(jwt);
	ac.hr = https_request(ac.base, &ac.sts, HTTPS_POST, "/", &hdr, 1,
	    body->data, n, ac.timeout_ms, AWS_TOKEN_BODY, sts_done, NULL);
	secret_free(body);
	if (ac.hr == NULL)
		ptoken_fail(ac.pt, ERR_SYS, "STS: cannot start the "
		    "request");
}

static void	 imds_step(void);

static void
imds_fail_status(const char *what, int status)
{
	ptoken_fail(ac.pt, status == 404 ? ERR_NOTFOUND : ERR_PROTO,
	    "IMDS: %s: HTTP %d%s", what, status, status == 404 &&
	    strcmp(what, "role") == 0 ? ", no IAM role is attached to this "
	    "instance" : "");
}

static void
imds_creds_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct jfield_doc	*doc;
	char			 msg[200];

	(void)arg;
	ac.hr = NULL;
	secret_free(ac.imds_token);
	ac.imds_token = NULL;
	if (error != 0) {
		ptoken_fail(ac.pt, error, "IMDS: %s", err);
		return;
	}
	if (status != 200) {
		imds_fail_status("credentials", status);
		return;
	}
	if (jfield_parse(body->data, body->len, &doc, msg, sizeof(msg)) != 0) {
		ptoken_fail(ac.pt, ERR_PROTO, "IMDS: %s", msg);
		return;
	}
	creds_answer(doc, "", "Token", "IMDS");
	jfield_free(doc);
}

static void
imds_role_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	size_t	 i;

	(void)arg;
	ac.hr = NULL;
	if (error == 0 && status == 200) {
		/* The first line: the instance profile's role. */
		for (i = 0; i < body->len && i < ROLE_NAME_MAX &&
		    (isalnum(body->data[i]) ||
		    strchr("+=,.@_-", body->data[i]) != NULL) &&
		    body->data[i] != '\0'; i++)
			ac.role[i] = (char)body->data[i];
		ac.role[i] = '\0';
		if (i == 0 || (i < body->len && body->data[i] != '\n')) {
			secret_free(ac.imds_token);
			ac.imds_token = NULL;
			ptoken_fail(ac.pt, ERR_PROTO, "IMDS: the role's "
			    "name is not an IAM role name");
			return;
		}
		imds_step();
		return;
	}
	secret_free(ac.imds_token);
	ac.imds_token = NULL;
	if (error != 0)
		ptoken_fail(ac.pt, error, "IMDS: %s", err);
	else
		imds_fail_status("role", status);
}

static void
imds_token_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	(void)arg;
	ac.hr = NULL;
	if (error != 0) {
		ptoken_fail(ac.pt, error, "IMDS: %s", err);
		return;
	}
	if (status != 200) {
		imds_fail_status("token", status);
		return;
	}
	if (body->len == 0 || body->len > 1024 ||
	    !header_safe((const char *)body->data, body->len) ||
	    strlen((const char *)body->data) != body->len ||
	    (ac.imds_token = secret_new(body->data, body->len)) == NULL) {
		ptoken_fail(ac.pt, ERR_PROTO, "IMDS: the session token "
		    "is not a header value");
		return;
	}
	imds_step();
}

/*
 * IMDSv2 ("Use the Instance Metadata Service to access instance
 * metadata", Amazon EC2 User Guide): the session token, then the role,
 * then its credentials, each step a request with the token.
 */
static void
imds_step(void)
{
	struct https_header	 hdr;
	char			 uri[sizeof(IMDS_CREDS) + ROLE_NAME_MAX];
	https_cb		*cb;

	if (ac.imds_token == NULL) {
		hdr.name = "X-aws-ec2-metadata-token-ttl-seconds";
		hdr.value = IMDS_TTL;
		ac.hr = https_request(ac.base, &ac.imds, HTTPS_PUT,
		    "/latest/api/token", &hdr, 1, NULL, 0, ac.timeout_ms,
		    AWS_TOKEN_BODY, imds_token_done, NULL);
	} else {
		hdr.name = "X-aws-ec2-metadata-token";
		hdr.value = (const char *)ac.imds_token->data;
		snprintf(uri, sizeof(uri), "%s%s", IMDS_CREDS, ac.role);
		cb = ac.role[0] == '\0' ? imds_role_done : imds_creds_done;
		ac.hr = https_get(ac.base, &ac.imds, uri, &hdr, 1,
		    ac.timeout_ms, AWS_TOKEN_BODY, cb, NULL);
	}
	if (ac.hr == NULL) {
		secret_free(ac.imds_token);
		ac.imds_token = NULL;
		ptoken_fail(ac.pt, ERR_SYS, "IMDS: cannot start the "
		    "request");
	}
}

static void
login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct secret	*copy;

	(void)cur;
	(void)arg;
	ac.base = base;
	ac.timeout_ms = timeout_ms;
	switch (ac.src) {
	case SRC_ENV:
	case SRC_FILE:
		/* Long-term keys: handed out each time, nothing to renew. */
		if ((copy = secret_new(ac.fixed->data, ac.fixed->len)) == NULL)
			ptoken_fail(pt, ERR_NOMEM, "out of memory");
		else
			ptoken_set(pt, copy, 0);
		break;
	case SRC_WEBID:
		login_webid();
		break;
	case SRC_IMDS:
		ac.role[0] = '\0';
		imds_step();
		break;
	default:
		ptoken_fail(pt, ERR_INVAL, "no credentials");
		break;
	}
}

static void
login_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	if (ac.hr != NULL)
		https_abort(ac.hr);
	ac.hr = NULL;
	secret_free(ac.imds_token);
	ac.imds_token = NULL;
}
