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
 *	5. the container endpoint (ECS, EKS Pod Identity):
 *	   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (after
 *	   http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 *	   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each login) or
 *	   AWS_CONTAINER_AUTHORIZATION_TOKEN (taken) as Authorization
 *	6. IMDSv2 (unless AWS_EC2_METADATA_DISABLED): a session token by
 *	   PUT /latest/api/token, then the instance's role, then its
 *	   credentials, at AWS_EC2_METADATA_SERVICE_ENDPOINT or
 *	   http://169.254.169.254 (http://[fd00:ec2::254] with
 *	   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6)
 *
 * Temporary credentials (2, 5, 6: awslogin.c) are kept by ptoken until
 * shortly before their Expiration; long-term ones (1, 3, 4) are read
 * once, at setup.  The region: AWS_REGION, AWS_DEFAULT_REGION, the
 * config file's region; with credentials from IMDS, IMDS's.
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
#include "log.h"
#include "provenv.h"
#include "ptoken.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

#define WHO		"provider aws"
#define FILE_MAX	(64 * 1024)
#define ROLE_ARN_MAX	2048	/* STS's limit */
#define SESSION_MAX	64	/* RoleSessionName's */

enum source {
	SRC_NONE,
	SRC_ENV,
	SRC_WEBID,
	SRC_FILE,
	SRC_CONTAINER,
	SRC_IMDS
};

static const char *const source_names[] = {
	"none", "environment", "web identity (STS)",
	"shared credentials file", "container endpoint", "IMDSv2"
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
	/* the container endpoint */
	struct https_server	 container;
	char			 container_uri[1024];
	char			*container_tokenfile;
	struct secret		*container_token;
	/* IMDSv2 */
	struct https_server	 imds;
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

int
aws_region_ok(const char *r, size_t len)
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
	struct secret	*cfg = NULL, *cred = NULL, *v = NULL, *none;
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
		if (!aws_region_ok((const char *)v->data, v->len)) {
			snprintf(err, errlen, WHO ": the region of [%s] in "
			    "%.200s is not a region name", section, cfgpath);
			rc = ERR_INVAL;
			goto done;
		}
		memcpy(ac.region, v->data, v->len);
		ac.region[v->len] = '\0';
	}
	if (r != NULL && !aws_region_ok(r, strlen(r))) {
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
	} else if (explicit && (cred == NULL ||
	    awsini_get(cred, profile, NULL, &none) != 0) && (cfg == NULL ||
	    awsini_get(cfg, section, NULL, &none) != 0)) {
		/* A profile without keys leaves them to the next sources. */
		snprintf(err, errlen, WHO ": AWS_PROFILE %.60s: no such "
		    "profile in the shared credentials or config file",
		    profile);
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

int
aws_endpoint(const char *const *vars, const char *def,
    const char *const *plain, struct https_server *srv, char *prefix,
    size_t prefixlen, char *err, size_t errlen)
{
	const char *const	*p;
	const char		*url = NULL, *var = "the default";
	char			 why[512], none[1];
	int			 r, ok;

	for (; *vars != NULL && url == NULL; vars++)
		if ((url = penv(*vars)) != NULL)
			var = *vars;
	if (url == NULL)
		url = def;
	if (https_parse_url(url, srv, prefix != NULL ? prefix : none,
	    prefix != NULL ? prefixlen : sizeof(none), why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, WHO ": %s %s", var, why);
		return ERR_INVAL;
	}
	if (prefix == NULL && none[0] != '\0') {
		https_server_clear(srv);
		snprintf(err, errlen, WHO ": %s %.200s: a path after the "
		    "address", var, url);
		return ERR_INVAL;
	}
	ok = srv->tls || https_is_loopback(srv);
	for (p = plain; !ok && p != NULL && *p != NULL; p++)
		ok = strcmp(srv->host, *p) == 0;
	if (!ok) {
		snprintf(err, errlen, WHO ": %s %.200s: plain http is allowed "
		    "only to a loopback address%s: use https://", var, url,
		    plain != NULL ? " or the metadata service" : "");
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
	if (aws_endpoint(vars, def, NULL, &ac.sts, NULL, 0, err, errlen) != 0)
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

/* Source 5 ("Container credential provider", AWS SDKs and Tools). */
static int
setup_container(char *err, size_t errlen)
{
	static const char *const full[] = {
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL
	}, *const none[] = { NULL };
	/* The SDKs allow plain http to ECS's and EKS's agents only. */
	static const char *const hosts[] = {
		"169.254.170.2", "169.254.170.23", "fd00:ec2::23", NULL
	};
	const char	*rel, *file;
	char		 def[1024], why[256];
	int		 r;

	rel = penv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	if (rel == NULL && penv(full[0]) == NULL)
		return 0;
	if (rel != NULL && (rel[0] != '/' || strlen(rel) > 900)) {
		snprintf(err, errlen, WHO ": "
		    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a path");
		return ERR_INVAL;
	}
	snprintf(def, sizeof(def), "http://169.254.170.2%s",
	    rel != NULL ? rel : "");
	/* The relative URI first, as the SDKs. */
	if ((r = aws_endpoint(rel != NULL ? none : full, def, hosts,
	    &ac.container, ac.container_uri, sizeof(ac.container_uri), err,
	    errlen)) != 0)
		return r;
	if (ac.container_uri[0] == '\0')
		snprintf(ac.container_uri, sizeof(ac.container_uri), "/");
	if ((file = penv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) != NULL) {
		if ((ac.container_tokenfile = strdup(file)) == NULL) {
			snprintf(err, errlen, WHO ": out of memory");
			return ERR_NOMEM;
		}
	} else if ((r = penv_take("AWS_CONTAINER_AUTHORIZATION_TOKEN",
	    AWS_TOKEN_MAX, 1, &ac.container_token, why,
	    sizeof(why))) != 0 && r != ERR_NOTFOUND) {
		snprintf(err, errlen, WHO ": %s", why);
		return ERR_INVAL;
	}
	snprintf(ac.source_desc, sizeof(ac.source_desc), "%.200s",
	    ac.container.host);
	ac.src = SRC_CONTAINER;
	return 0;
}

/* Source 6. */
static int
setup_imds(char *err, size_t errlen)
{
	static const char *const vars[] = {
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL
	};
	/* IMDS speaks plain http only, on these link-local addresses. */
	static const char *const imds_hosts[] = {
		"169.254.169.254", "fd00:ec2::254", NULL
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
	if (aws_endpoint(vars, def, imds_hosts, &ac.imds, NULL, 0, err,
	    errlen) != 0)
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
	    (ac.src == SRC_NONE && (r = setup_container(err, errlen)) != 0) ||
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
	/* An instance's credentials come with its region. */
	if (ac.region[0] == '\0' && ac.src != SRC_IMDS) {
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
	/* Aborts a login in flight (login_abort). */
	ptoken_free(ac.pt);
	secret_free(ac.fixed);
	free(ac.tokenfile);
	free(ac.container_tokenfile);
	secret_free(ac.container_token);
	https_server_clear(&ac.container);
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

struct ptoken *
awscreds_token(void)
{
	return ac.pt;
}

int
awscreds_temporary(void)
{
	return ac.src == SRC_WEBID || ac.src == SRC_CONTAINER ||
	    ac.src == SRC_IMDS;
}

static void
login(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct secret	*copy;

	(void)cur;
	(void)arg;
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
		awslogin_sts(pt, base, timeout_ms, &ac.sts, ac.tokenfile,
		    ac.role_arn, ac.session);
		break;
	case SRC_CONTAINER:
		awslogin_container(pt, base, timeout_ms, &ac.container,
		    ac.container_uri, ac.container_tokenfile,
		    ac.container_token);
		break;
	case SRC_IMDS:
		awslogin_imds(pt, base, timeout_ms, &ac.imds, ac.region);
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
	awslogin_abort();
}
