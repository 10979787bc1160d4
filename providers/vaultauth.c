/*
 * The Vault provider's token (vault.h): from the environment, as Vault's
 * own clients and Vault Agent set it up.
 *
 *	VAULT_AUTH_METHOD	token (default), approle, kubernetes, jwt
 *	VAULT_AUTH_MOUNT	the auth method's mount (default its name)
 *	VAULT_TOKEN		token: the token itself (taken, see provenv.h)
 *	VAULT_TOKEN_FILE	token: a file that holds it (a Vault Agent
 *				sink), read at each request
 *	VAULT_ROLE_ID		approle: the role id (taken)
 *	VAULT_SECRET_ID		approle: the secret id (taken), or
 *	VAULT_SECRET_ID_FILE	a file that holds it, read at each login
 *	VAULT_AUTH_ROLE		kubernetes, jwt: the role
 *	VAULT_AUTH_JWT_FILE	kubernetes, jwt: the JWT, read at each login
 *				(kubernetes: the service account's token by
 *				default)
 *
 * Logins: POST /v1/auth/{mount}/login, {"role_id", "secret_id"} for
 * AppRole (developer.hashicorp.com/vault/api-docs/auth/approle, "Login
 * with AppRole"), {"role", "jwt"} for Kubernetes and JWT (.../auth/
 * kubernetes, "Login"; .../auth/jwt, "JWT login"); the answer's
 * auth.client_token is kept by ptoken for auth.lease_duration.  Before it
 * runs out, the next request renews it (POST /v1/auth/token/renew-self,
 * .../auth/token, "Renew a token (self)") while it is renewable and Vault
 * grants the full TTL again; once a renewal is capped by the token's max
 * TTL, or fails, the next refresh logs in anew (as Vault's own
 * LifetimeWatcher does).  A renewable VAULT_TOKEN with a TTL (a periodic
 * token) is renewed in the background at half its TTL, so that it does
 * not lapse while airlockd is idle (lookup-self tells its TTL).
 *
 * Messages name the method, the mount and the HTTP status; never a token,
 * an id, a JWT, or what Vault said.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "errors.h"
#include "log.h"
#include "secret.h"
#include "https.h"
#include "jsonfield.h"
#include "provenv.h"
#include "ptoken.h"
#include "vault.h"
#include "util.h"

#define VAULT_NOEXPIRY_S	86400	/* a token without a TTL: kept a day */
#define VAULT_BG_TIMEOUT_MS	10000	/* a background renewal's deadline */

enum vault_method {
	VM_TOKEN,
	VM_TOKEN_FILE,
	VM_APPROLE,
	VM_KUBERNETES,
	VM_JWT
};

static const char *const method_names[] = {
	[VM_TOKEN] = "token",
	[VM_TOKEN_FILE] = "token",
	[VM_APPROLE] = "approle",
	[VM_KUBERNETES] = "kubernetes",
	[VM_JWT] = "jwt",
};

static struct {
	enum vault_method	 method;
	char			 mount[VAULT_NAME_MAX + 1];
	char			 uri[VAULT_URI_MAX + 1];	/* login's */
	struct secret		*token;		/* VAULT_TOKEN */
	char			 token_file[PATH_MAX];
	struct secret		*role_id;
	struct secret		*secret_id;
	char			 secret_id_file[PATH_MAX];
	char			 role[VAULT_NAME_MAX + 1];
	char			 jwt_file[PATH_MAX];
	char			 describe[PATH_MAX + 64];
	struct ptoken		*pt;

	/* The login or renewal in flight, for pt. */
	struct https_req	*hr;
	struct secret		*renewing;	/* the token renewed, or NULL */
	struct event_base	*base;
	int			 timeout_ms;

	/* What Vault said of the login token held. */
	int			 renewable;
	long long		 granted;	/* the TTL of the login */
	int			 capped;	/* a renewal got less */

	/* The background renewal of VAULT_TOKEN. */
	struct event		*ev_renew;
	struct https_req	*bg;
	long long		 bg_ttl;
} va;

static void	 login(void);

/* A file setting, checked now, read again at each use. */
static int
file_setting(const char *name, const char *def, char *path, size_t len,
    size_t max, char *err, size_t errlen)
{
	struct secret	*s;
	const char	*v;
	int		 r;

	if ((v = penv(name)) == NULL)
		v = def;
	if (v == NULL) {
		snprintf(err, errlen, "provider vault: %s is not set", name);
		return ERR_INVAL;
	}
	if (strlen(v) >= len) {
		snprintf(err, errlen, "provider vault: %s is too long", name);
		return ERR_TOOBIG;
	}
	snprintf(path, len, "%s", v);
	if ((r = penv_read_file("provider vault", path, max, &s, err,
	    errlen)) != 0)
		return r;
	secret_free(s);
	return 0;
}

/* A secret setting, taken out of the environment. */
static int
take(const char *name, int required, struct secret **out, char *err,
    size_t errlen)
{
	char	 why[256];
	int	 r;

	if ((r = penv_take(name, VAULT_ID_MAX, 0, out, why,
	    sizeof(why))) == ERR_NOTFOUND && !required)
		return 0;
	if (r == ERR_NOTFOUND)
		snprintf(err, errlen, "provider vault: %s is not set (needed "
		    "by VAULT_AUTH_METHOD %s)", name, method_names[va.method]);
	else if (r != 0)
		snprintf(err, errlen, "provider vault: %s", why);
	return r == ERR_NOTFOUND ? ERR_INVAL : r;
}

/* An auth mount: '/'-separated names of [A-Za-z0-9_.-], no dot segment. */
static int
mount_ok(const char *m)
{
	size_t	 i;

	if (m[0] == '\0' || m[0] == '/' || m[strlen(m) - 1] == '/' ||
	    strstr(m, "//") != NULL || strcmp(m, ".") == 0 ||
	    strcmp(m, "..") == 0 || strncmp(m, "../", 3) == 0 ||
	    strncmp(m, "./", 2) == 0 || strstr(m, "/../") != NULL ||
	    strstr(m, "/./") != NULL)
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if (!isalnum((unsigned char)m[i]) &&
		    strchr("_.-/", m[i]) == NULL)
			return 0;
	return 1;
}

static int
method_setup(char *err, size_t errlen)
{
	const char	*v;
	char		 path[VAULT_NAME_MAX + 16];
	int		 r;

	switch (va.method) {
	case VM_TOKEN:
	case VM_TOKEN_FILE:
		if ((r = take("VAULT_TOKEN", 0, &va.token, err, errlen)) != 0)
			return r;
		if (va.token != NULL && penv("VAULT_TOKEN_FILE") != NULL) {
			snprintf(err, errlen, "provider vault: both "
			    "VAULT_TOKEN and VAULT_TOKEN_FILE are set: set "
			    "one");
			return ERR_INVAL;
		}
		if (va.token != NULL) {
			if (!header_safe((const char *)va.token->data,
			    VAULT_TOKEN_MAX)) {
				snprintf(err, errlen, "provider vault: "
				    "VAULT_TOKEN has bytes that an HTTP header "
				    "cannot carry");
				return ERR_INVAL;
			}
			snprintf(va.describe, sizeof(va.describe),
			    "VAULT_TOKEN");
			return 0;
		}
		if (penv("VAULT_TOKEN_FILE") == NULL) {
			snprintf(err, errlen, "provider vault: VAULT_TOKEN is "
			    "not set (airlockd's Vault token, in its "
			    "environment), nor VAULT_TOKEN_FILE, nor "
			    "VAULT_AUTH_METHOD");
			return ERR_INVAL;
		}
		va.method = VM_TOKEN_FILE;
		if ((r = file_setting("VAULT_TOKEN_FILE", NULL, va.token_file,
		    sizeof(va.token_file), VAULT_TOKEN_MAX, err, errlen)) != 0)
			return r;
		snprintf(va.describe, sizeof(va.describe), "token file %s",
		    va.token_file);
		return 0;
	case VM_APPROLE:
		if ((r = take("VAULT_ROLE_ID", 1, &va.role_id, err,
		    errlen)) != 0 || (r = take("VAULT_SECRET_ID", 0,
		    &va.secret_id, err, errlen)) != 0)
			return r;
		if (va.secret_id == NULL && penv("VAULT_SECRET_ID_FILE") !=
		    NULL && (r = file_setting("VAULT_SECRET_ID_FILE", NULL,
		    va.secret_id_file, sizeof(va.secret_id_file), VAULT_ID_MAX,
		    err, errlen)) != 0)
			return r;
		break;
	case VM_KUBERNETES:
	case VM_JWT:
		if ((v = penv("VAULT_AUTH_ROLE")) == NULL ||
		    strlen(v) > VAULT_NAME_MAX || text_has_control(v,
		    strlen(v))) {
			snprintf(err, errlen, "provider vault: VAULT_AUTH_ROLE "
			    "is not set, too long or has a control character "
			    "(needed by VAULT_AUTH_METHOD %s)",
			    method_names[va.method]);
			return ERR_INVAL;
		}
		snprintf(va.role, sizeof(va.role), "%s", v);
		if ((r = file_setting("VAULT_AUTH_JWT_FILE",
		    va.method == VM_KUBERNETES ? VAULT_SA_TOKEN_FILE : NULL,
		    va.jwt_file, sizeof(va.jwt_file), VAULT_JWT_MAX, err,
		    errlen)) != 0)
			return r;
		break;
	}
	snprintf(path, sizeof(path), "auth/%s/login", va.mount);
	if (vault_uri(path, va.uri, sizeof(va.uri)) != 0) {
		snprintf(err, errlen, "provider vault: VAULT_AUTH_MOUNT is too "
		    "long");
		return ERR_TOOBIG;
	}
	snprintf(va.describe, sizeof(va.describe), "%s login at auth/%s%s%s",
	    method_names[va.method], va.mount, va.role[0] != '\0' ?
	    ", role " : "", va.role);
	return 0;
}

static void	 login_start(struct ptoken *, struct event_base *, int,
		    const struct secret *, void *);
static void	 login_abort(struct ptoken *, void *);

int
vault_auth_setup(char *err, size_t errlen)
{
	const char	*m, *mount;
	size_t		 i;
	int		 r;

	memset(&va, 0, sizeof(va));
	va.method = VM_TOKEN;
	if ((m = penv("VAULT_AUTH_METHOD")) != NULL) {
		for (i = 0; i < nitems(method_names); i++)
			if (i != VM_TOKEN_FILE &&
			    strcmp(m, method_names[i]) == 0)
				break;
		if (i == nitems(method_names)) {
			snprintf(err, errlen, "provider vault: "
			    "VAULT_AUTH_METHOD %.64s is not token, approle, "
			    "kubernetes or jwt", m);
			return ERR_INVAL;
		}
		va.method = i;
	}
	if ((mount = penv("VAULT_AUTH_MOUNT")) == NULL)
		mount = method_names[va.method];
	if (strlen(mount) > VAULT_NAME_MAX || !mount_ok(mount)) {
		snprintf(err, errlen, "provider vault: VAULT_AUTH_MOUNT %.64s "
		    "is not a mount path (names of letters, digits, '_', "
		    "'.', '-' between '/')", mount);
		return ERR_INVAL;
	}
	snprintf(va.mount, sizeof(va.mount), "%s", mount);
	if ((r = method_setup(err, errlen)) != 0 ||
	    (va.pt = ptoken_new("provider vault", login_start, login_abort,
	    NULL)) == NULL) {
		if (r == 0) {
			snprintf(err, errlen, "provider vault: out of memory");
			r = ERR_NOMEM;
		}
		vault_auth_cleanup();
		return r;
	}
	return 0;
}

void
vault_auth_cleanup(void)
{
	ptoken_free(va.pt);
	https_abort(va.hr);
	https_abort(va.bg);
	if (va.ev_renew != NULL)
		event_free(va.ev_renew);
	secret_free(va.renewing);
	secret_free(va.token);
	secret_free(va.role_id);
	secret_free(va.secret_id);
	secret_wipe(&va, sizeof(va));
}

const char *
vault_auth_describe(void)
{
	return va.describe;
}

struct ptoken_wait *
vault_auth_token(struct event_base *base, int timeout_ms, ptoken_cb *cb,
    void *arg)
{
	return ptoken_get(va.pt, base, timeout_ms, cb, arg);
}

int
vault_auth_refused(const struct secret *token)
{
	ptoken_invalidate(va.pt, token);
	return va.method != VM_TOKEN;
}

/* Why a token endpoint said no, in words; the body is not read. */
static int
login_status(int status, const char **why)
{
	switch (status) {
	case 400:
		*why = "the role, or its secret id or JWT, is refused";
		return ERR_DENIED;
	case 403:
		*why = "permission denied";
		return ERR_DENIED;
	case 404:
		*why = "no such auth mount";
		return ERR_NOTFOUND;
	case 429: case 503:
		*why = "Vault is sealed, in standby or rate limiting";
		return ERR_AGAIN;
	default:
		*why = "unexpected status";
		return ERR_PROTO;
	}
}

/*
 * A token endpoint's answer (Vault's "auth" object): the token, its TTL
 * (0: none) and whether it is renewable.
 */
static int
parse_auth(const struct secret *body, struct secret **token, long long *ttl,
    int *renewable, char *err, size_t errlen)
{
	struct jfield_doc	*doc;
	int			 r;

	*token = NULL;
	if ((r = jfield_parse(body->data, body->len, &doc, err, errlen)) != 0)
		return r;
	if ((r = jfield_string(doc, "auth.client_token", token, err,
	    errlen)) == 0 && (r = jfield_int(doc, "auth.lease_duration", ttl,
	    err, errlen)) == 0)
		r = jfield_bool(doc, "auth.renewable", renewable, err, errlen);
	jfield_free(doc);
	if (r == 0 && ((*token)->len == 0 || *ttl < 0 ||
	    !header_safe((const char *)(*token)->data, VAULT_TOKEN_MAX))) {
		snprintf(err, errlen, "auth.client_token or lease_duration "
		    "is not usable");
		r = ERR_PROTO;
	}
	if (r != 0) {
		secret_free(*token);
		*token = NULL;
	}
	return r;
}

/* The login (or renewal) answered; tell the ptoken. */
static void
login_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct secret	*tok;
	const char	*why, *what = va.renewing != NULL ? "renew-self" :
			    "login";
	char		 msg[200];
	long long	 ttl;
	int		 renewable;

	(void)arg;
	va.hr = NULL;
	if (error == 0 && status != 200) {
		error = login_status(status, &why);
		snprintf(msg, sizeof(msg), "HTTP %d, %s", status, why);
		err = msg;
	} else if (error == 0 && (error = parse_auth(body, &tok, &ttl,
	    &renewable, msg, sizeof(msg))) != 0)
		err = msg;
	if (error != 0 && va.renewing != NULL) {
		/* A token that cannot be renewed is replaced. */
		log_info("provider vault: renew-self failed (%s); logging in "
		    "again", err);
		secret_free(va.renewing);
		va.renewing = NULL;
		login();
		return;
	}
	if (error != 0) {
		ptoken_fail(va.pt, error, "%s: %s", va.describe, err);
		return;
	}
	/* A renewal granted less than the login did: the max TTL is near. */
	if (va.renewing != NULL) {
		va.capped = ttl < va.granted;
		log_debug("provider vault: token renewed for %llds%s", ttl,
		    va.capped ? " (capped by its max TTL)" : "");
	} else {
		va.granted = ttl;
		va.capped = 0;
		log_debug("provider vault: logged in (%s), token for %llds",
		    what, ttl);
	}
	secret_free(va.renewing);
	va.renewing = NULL;
	va.renewable = renewable;
	ptoken_set(va.pt, tok, ttl > 0 ? ttl : VAULT_NOEXPIRY_S);
}

/* The login's body, in guarded memory: it holds the credentials. */
static int
login_body(struct secret **body, char *err, size_t errlen)
{
	struct secret	*file = NULL;
	const char	*kv[4];
	size_t		 n = 0;
	int		 r;

	if (va.method == VM_APPROLE) {
		kv[n++] = "role_id";
		kv[n++] = (const char *)va.role_id->data;
		if (va.secret_id_file[0] != '\0') {
			if ((r = penv_read_file("provider vault",
			    va.secret_id_file, VAULT_ID_MAX, &file, err,
			    errlen)) != 0)
				return r;
		}
		if (file != NULL || va.secret_id != NULL) {
			kv[n++] = "secret_id";
			kv[n++] = (const char *)(file != NULL ? file :
			    va.secret_id)->data;
		}
	} else {
		if ((r = penv_read_file("provider vault", va.jwt_file,
		    VAULT_JWT_MAX, &file, err, errlen)) != 0)
			return r;
		kv[n++] = "role";
		kv[n++] = va.role;
		kv[n++] = "jwt";
		kv[n++] = (const char *)file->data;
	}
	r = jfield_object(kv, n / 2, body, err, errlen);
	secret_free(file);
	return r;
}

static void
login(void)
{
	struct https_header	 hdrs[VAULT_NHEADERS + 1];
	struct secret		*body;
	char			 err[512];
	size_t			 nh;
	int			 r;

	if ((r = login_body(&body, err, sizeof(err))) != 0) {
		ptoken_fail(va.pt, r, "%s", err);
		return;
	}
	nh = vault_headers(hdrs, NULL);
	hdrs[nh].name = "Content-Type";
	hdrs[nh++].value = "application/json";
	va.hr = https_request(va.base, vault_server(), HTTPS_POST, va.uri,
	    hdrs, nh, body->data, body->len, va.timeout_ms,
	    VAULT_LOGIN_MAX_BODY, login_done, NULL);
	secret_free(body);
	if (va.hr == NULL)
		ptoken_fail(va.pt, ERR_SYS, "%s: cannot start the request",
		    va.describe);
}

/* POST /v1/auth/token/renew-self with tok; cb as the login's. */
static struct https_req *
renew_self(struct event_base *base, const struct secret *tok,
    int timeout_ms, https_cb *cb)
{
	struct https_header	 hdrs[VAULT_NHEADERS];

	return https_request(base, vault_server(), HTTPS_POST,
	    "/v1/auth/token/renew-self", hdrs, vault_headers(hdrs, tok), NULL,
	    0, timeout_ms, VAULT_LOGIN_MAX_BODY, cb, NULL);
}

/* ptoken's login: the token of the method, a renewal, or a login. */
static void
login_start(struct ptoken *pt, struct event_base *base, int timeout_ms,
    const struct secret *cur, void *arg)
{
	struct secret	*tok;
	char		 err[512];
	int		 r;

	(void)arg;
	va.base = base;
	va.timeout_ms = timeout_ms;
	switch (va.method) {
	case VM_TOKEN:
		/* Not kept (lifetime 0): the setting is the token. */
		if ((tok = secret_new(va.token->data, va.token->len)) == NULL)
			ptoken_fail(pt, ERR_NOMEM, "out of memory");
		else
			ptoken_set(pt, tok, 0);
		return;
	case VM_TOKEN_FILE:
		/* Read at each request: a Vault Agent rewrites its sink. */
		if ((r = penv_read_file("provider vault", va.token_file,
		    VAULT_TOKEN_MAX, &tok, err, sizeof(err))) != 0)
			ptoken_fail(pt, r, "%s", err);
		else if (!header_safe((const char *)tok->data,
		    VAULT_TOKEN_MAX)) {
			secret_free(tok);
			ptoken_fail(pt, ERR_FORMAT, "provider vault: %.200s "
			    "holds bytes that an HTTP header cannot carry",
			    va.token_file);
		} else
			ptoken_set(pt, tok, 0);
		return;
	default:
		break;
	}
	if (cur != NULL && va.renewable && !va.capped) {
		if ((va.renewing = secret_new(cur->data, cur->len)) != NULL &&
		    (va.hr = renew_self(base, va.renewing, timeout_ms,
		    login_done)) != NULL)
			return;
		secret_free(va.renewing);
		va.renewing = NULL;
	}
	login();
}

static void
login_abort(struct ptoken *pt, void *arg)
{
	(void)pt;
	(void)arg;
	https_abort(va.hr);
	va.hr = NULL;
	secret_free(va.renewing);
	va.renewing = NULL;
}

/*
 * The background renewal of VAULT_TOKEN: lookup-self says whether it is
 * renewable and its TTL; then renew-self at half of each TTL granted.
 */
static void	 bg_done(void *, int, const char *, int,
		    const struct secret *);

static void
bg_schedule(long long ttl)
{
	struct timeval	 tv;

	va.bg_ttl = ttl;
	tv.tv_sec = ttl / 2 > 0 ? ttl / 2 : 1;
	tv.tv_usec = 0;
	if (evtimer_add(va.ev_renew, &tv) != 0)
		log_warn("provider vault: cannot schedule the renewal of "
		    "VAULT_TOKEN");
}

static void
bg_renew_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (va.bg != NULL)
		return;
	if ((va.bg = renew_self(va.base, va.token, VAULT_BG_TIMEOUT_MS,
	    bg_done)) == NULL)
		bg_schedule(va.bg_ttl / 2);
}

static void
bg_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct jfield_doc	*doc;
	char			 msg[200];
	long long		 ttl = 0;
	int			 renewable = 0, lookup = va.bg_ttl < 0;

	(void)arg;
	va.bg = NULL;
	if (error != 0)
		snprintf(msg, sizeof(msg), "%s", err);
	else if (status != 200) {
		snprintf(msg, sizeof(msg), "HTTP %d", status);
		error = status == 403 ? ERR_DENIED : ERR_PROTO;
	} else if ((error = jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg))) == 0) {
		if ((error = jfield_int(doc, lookup ? "data.ttl" :
		    "auth.lease_duration", &ttl, msg, sizeof(msg))) == 0 &&
		    lookup)
			error = jfield_bool(doc, "data.renewable", &renewable,
			    msg, sizeof(msg));
		jfield_free(doc);
	}
	if (error != 0) {
		/* A refusal is final; anything else is tried again, sooner. */
		if (error == ERR_DENIED || lookup || va.bg_ttl / 2 < 2) {
			log_warn("provider vault: %s of VAULT_TOKEN failed "
			    "(%s): it is not renewed in the background",
			    lookup ? "lookup-self" : "renew-self", msg);
			return;
		}
		log_warn("provider vault: renew-self of VAULT_TOKEN failed "
		    "(%s); trying again", msg);
		bg_schedule(va.bg_ttl / 2);
		return;
	}
	if (lookup) {
		if (ttl <= 0)
			return;
		if (!renewable) {
			log_warn("provider vault: VAULT_TOKEN expires in %llds "
			    "and is not renewable", ttl);
			return;
		}
		log_info("provider vault: VAULT_TOKEN is renewable, TTL %llds: "
		    "renewed in the background", ttl);
	} else
		log_debug("provider vault: VAULT_TOKEN renewed for %llds", ttl);
	if (ttl > 0)
		bg_schedule(ttl);
}

void
vault_auth_attach(struct event_base *base)
{
	struct https_header	 hdrs[VAULT_NHEADERS];

	if (va.method != VM_TOKEN || va.token == NULL || va.ev_renew != NULL)
		return;
	va.base = base;
	va.bg_ttl = -1;		/* the lookup first */
	if ((va.ev_renew = evtimer_new(base, bg_renew_cb, NULL)) == NULL ||
	    (va.bg = https_get(base, vault_server(),
	    "/v1/auth/token/lookup-self", hdrs, vault_headers(hdrs, va.token),
	    VAULT_BG_TIMEOUT_MS, VAULT_LOGIN_MAX_BODY, bg_done, NULL)) == NULL)
		log_warn("provider vault: cannot look VAULT_TOKEN up: it is "
		    "not renewed in the background");
}
