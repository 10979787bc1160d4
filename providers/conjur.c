/*
 * The Conjur provider, compatible with Secretless Broker's: its settings
 * come from the environment that conjur-api-go reads, once, at setup:
 *
 *	CONJUR_APPLIANCE_URL	https://host[:port][/path] (Conjur Cloud's
 *				".../api"); http:// only to a loopback address
 *	CONJUR_ACCOUNT		the account of ids that name none
 *	CONJUR_CERT_FILE	a PEM file of the CA certificates to trust
 *	CONJUR_SSL_CERTIFICATE	the same PEM in the variable itself (only
 *				these are trusted then, as conjur-api-go)
 *	and the authenticator's: conjurauth.c.
 *
 * References are Secretless's: "id", "kind:id" or "account:kind:id" (kind
 * default variable), and "accessToken", the access token itself (its JSON,
 * which the http conjur connector base64-encodes).  One reference is one
 * GET /secrets/{account}/{kind}/{id}, the id percent-encoded with its '/'
 * (Conjur's API, "Retrieve a Secret"); several are one batch GET
 * /secrets?variable_ids=a:k:x,a:k:y ("Batch Retrieval"), asked with
 * "Accept-Encoding: base64", since Conjur cannot put a value that is not
 * UTF-8 into its JSON otherwise: values come back base64 (Ruby's
 * Base64.encode64, broken into lines).  An id with a ',' cannot be in a
 * batch and has a GET of its own.  A 401 means the token was refused:
 * it is dropped and the request tried once more with a new one.  Messages
 * name the ids and the HTTP status with Conjur's error code, never a value,
 * the token, or anything else that Conjur said.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "b64.h"
#include "conjur.h"
#include "https.h"
#include "jsonfield.h"
#include "pctenc.h"
#include "provenv.h"
#include "provider_impl.h"
#include "ptoken.h"
#include "secret.h"
#include "util.h"

#define REFFMT		"%.200s"
#define NONE		SIZE_MAX

struct conjur_state;

/* One GET: a variable of its own, or a batch of several. */
struct conjur_fetch {
	struct conjur_state	*st;
	int			 batch;
	size_t			 first;		/* its (first) distinct id */
	struct https_req	*hr;
};

struct conjur_state {
	struct provider_req	*req;
	size_t			 n;
	struct conjur_ref	*refs;
	size_t			*uniq_of;	/* per reference, or NONE */
	size_t			*uniq;		/* a reference per distinct id */
	size_t			 nuniq;
	size_t			*fetch_of;	/* per distinct id */
	struct secret		**uvals;	/* per distinct id */
	struct conjur_fetch	*fetches;
	size_t			 nfetches;
	size_t			 pending;
	struct ptoken_wait	*wait;
	struct secret		*token;		/* the base64 token used */
	int			 retried;
};

static struct {
	int			 ready;
	struct https_server	 srv;
	char			 prefix[CONJUR_PREFIX_MAX + 1];
	char			 account[CONJUR_ACCOUNT_MAX + 1];
	struct ptoken		*pt;
} cj;

static void	 got_token(void *, int, const char *, const struct secret *);

int
conjur_uri_add(char *out, size_t outlen, const char *sep, const char *s)
{
	struct buf	*b;
	size_t		 len = strlen(out), slen = strlen(s);
	int		 r = ERR_TOOBIG;

	if ((b = buf_new(strlen(sep) + 3 * slen + 1)) == NULL)
		return ERR_NOMEM;
	if (buf_put(b, sep, strlen(sep)) == 0 &&
	    pct_encode(b, s, slen, 0) == 0 && len + buf_len(b) < outlen) {
		memcpy(out + len, buf_ptr(b), buf_len(b));
		out[len + buf_len(b)] = '\0';
		r = 0;
	}
	buf_free(b);
	return r;
}

/* Trust only the PEM of CONJUR_SSL_CERTIFICATE. */
static int
ctx_pem(struct https_server *srv, const char *pem, char *err, size_t errlen)
{
	STACK_OF(X509_INFO)	*infos = NULL;
	X509_INFO		*xi;
	X509_STORE		*store;
	BIO			*bio;
	int			 i, n = 0;

	if ((store = X509_STORE_new()) == NULL ||
	    (bio = BIO_new_mem_buf(pem, -1)) == NULL) {
		X509_STORE_free(store);
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL && X509_STORE_add_cert(store, xi->x509))
			n++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	if (n == 0) {
		X509_STORE_free(store);
		snprintf(err, errlen, "CONJUR_SSL_CERTIFICATE holds no PEM "
		    "certificate");
		return ERR_FORMAT;
	}
	SSL_CTX_set_cert_store(srv->ctx, store);
	return 0;
}

int
conjur_server(const char *var, const char *url, struct https_server *srv,
    char *prefix, size_t prefixlen, char *err, size_t errlen)
{
	const char	*pem = penv("CONJUR_SSL_CERTIFICATE");
	char		 why[512];
	int		 r;

	if (https_parse_url(url, srv, prefix, prefixlen, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "%s %s", var, why);
		return ERR_INVAL;
	}
	if (!srv->tls && !https_is_loopback(srv)) {
		snprintf(err, errlen, "%s %.200s: plain http is allowed only "
		    "to a loopback address: elsewhere the API key, the token "
		    "and the secrets would cross the network in clear; use "
		    "https://", var, url);
		return ERR_DENIED;
	}
	if ((r = https_ctx_new(srv, pem != NULL ? NULL :
	    penv("CONJUR_CERT_FILE"), NULL, 1, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "%s", why);
		return r;
	}
	if (pem != NULL && srv->tls &&
	    (r = ctx_pem(srv, pem, err, errlen)) != 0) {
		https_server_clear(srv);
		return r;
	}
	return 0;
}

int
conjur_setup(char *err, size_t errlen)
{
	const char	*url, *account;
	char		 why[512], what[300];

	if (cj.ready)
		return 0;
	if ((url = penv("CONJUR_APPLIANCE_URL")) == NULL ||
	    (account = penv("CONJUR_ACCOUNT")) == NULL) {
		snprintf(err, errlen, "provider conjur: %s is not set",
		    url == NULL ? "CONJUR_APPLIANCE_URL" : "CONJUR_ACCOUNT");
		return ERR_INVAL;
	}
	if (strlen(account) > CONJUR_ACCOUNT_MAX ||
	    text_has_control(account, strlen(account))) {
		snprintf(err, errlen, "provider conjur: CONJUR_ACCOUNT is "
		    "longer than %d bytes or has a control character",
		    CONJUR_ACCOUNT_MAX);
		return ERR_INVAL;
	}
	if (conjur_server("CONJUR_APPLIANCE_URL", url, &cj.srv, cj.prefix,
	    sizeof(cj.prefix), why, sizeof(why)) != 0 ||
	    (cj.pt = conjur_auth_setup(&cj.srv, cj.prefix, account, what,
	    sizeof(what), why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "provider conjur: %s", why);
		https_server_clear(&cj.srv);
		return ERR_INVAL;
	}
	snprintf(cj.account, sizeof(cj.account), "%s", account);
	cj.ready = 1;
	log_info("provider conjur: %s, account %s, %s", url, cj.account,
	    what);
	return 0;
}

void
conjur_cleanup(void)
{
	if (!cj.ready)
		return;
	conjur_auth_cleanup();
	https_server_clear(&cj.srv);
	https_cleanup();
	memset(&cj, 0, sizeof(cj));
}

int
conjur_ref_parse(const char *ref, const char *account, struct conjur_ref *cr,
    char *err, size_t errlen)
{
	const char	*part[3], *c1, *c2;
	size_t		 len[3], np, i, max[3] = { CONJUR_ACCOUNT_MAX,
			    CONJUR_KIND_MAX, CONJUR_ID_MAX };
	char		*dst[3];

	memset(cr, 0, sizeof(*cr));
	if (text_has_control(ref, strlen(ref))) {
		snprintf(err, errlen, "conjur: reference " REFFMT " has a "
		    "control character", ref);
		return ERR_FORMAT;
	}
	if (strcmp(ref, CONJUR_ACCESS_TOKEN) == 0) {
		cr->is_token = 1;
		return 0;
	}
	/* As Secretless: at most three parts, the id keeps its ':'. */
	c1 = strchr(ref, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c1 == NULL) {
		np = 1;
		part[0] = ref;
		len[0] = strlen(ref);
	} else if (c2 == NULL) {
		np = 2;
		part[0] = ref;
		len[0] = c1 - ref;
		part[1] = c1 + 1;
		len[1] = strlen(c1 + 1);
	} else {
		np = 3;
		part[0] = ref;
		len[0] = c1 - ref;
		part[1] = c1 + 1;
		len[1] = c2 - c1 - 1;
		part[2] = c2 + 1;
		len[2] = strlen(c2 + 1);
	}
	dst[0] = cr->account;
	dst[1] = cr->kind;
	dst[2] = cr->id;
	snprintf(cr->account, sizeof(cr->account), "%s", account);
	snprintf(cr->kind, sizeof(cr->kind), "variable");
	for (i = 0; i < np; i++) {
		if (len[i] == 0 || len[i] > max[3 - np + i]) {
			snprintf(err, errlen, "conjur: reference " REFFMT ": "
			    "an empty or too long part (the form is id, "
			    "kind:id or account:kind:id)", ref);
			return len[i] == 0 ? ERR_FORMAT : ERR_TOOBIG;
		}
		memcpy(dst[3 - np + i], part[i], len[i]);
		dst[3 - np + i][len[i]] = '\0';
	}
	return 0;
}

int
conjur_full_id(const struct conjur_ref *cr, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s:%s:%s", cr->account, cr->kind,
	    cr->id) >= len)
		return ERR_TOOBIG;
	return 0;
}

static void
fetches_stop(struct conjur_state *st)
{
	size_t	 i;

	for (i = 0; i < st->nfetches; i++) {
		https_abort(st->fetches[i].hr);
		st->fetches[i].hr = NULL;
	}
	for (i = 0; i < st->nuniq; i++) {
		secret_free(st->uvals[i]);
		st->uvals[i] = NULL;
	}
}

static void
state_free(struct conjur_state *st)
{
	if (st == NULL)
		return;
	ptoken_cancel(st->wait);
	if (st->uvals != NULL)
		fetches_stop(st);
	secret_free(st->token);
	free(st->uvals);
	free(st->fetches);
	free(st->fetch_of);
	free(st->uniq);
	free(st->uniq_of);
	free(st->refs);
	free(st);
}

/*
 * The request owns st (provider_req_own): provider_done, provider_fail,
 * the deadline and a cancel free it.
 */
static void
state_free_cb(void *arg)
{
	state_free(arg);
}

/* The ids of a fetch, for messages: "a:variable:x" or "a:variable:x, ...". */
static void
fetch_names(const struct conjur_fetch *f, char *out, size_t len)
{
	const struct conjur_state *st = f->st;
	char		 id[CONJUR_ACCOUNT_MAX + CONJUR_KIND_MAX + CONJUR_ID_MAX + 3];
	size_t		 u, o = 0, k = 0;

	out[0] = '\0';
	for (u = 0; u < st->nuniq; u++) {
		if (st->fetch_of[u] != (size_t)(f - st->fetches))
			continue;
		if (k++ == 3) {
			snprintf(out + o, len - o, ", ...");
			return;
		}
		conjur_full_id(&st->refs[st->uniq[u]], id, sizeof(id));
		o += snprintf(out + o, len - o, "%s%.60s", k > 1 ? ", " : "",
		    id);
		if (o >= len)
			return;
	}
}

/* Conjur's error code ({"error": {"code": "not_found", ...}}), if any. */
static void
error_code(const struct secret *body, char *out, size_t len)
{
	struct jfield_doc	*doc;
	struct secret		*code = NULL;
	char			 msg[64];
	size_t			 i;

	out[0] = '\0';
	if (body == NULL || body->len == 0 ||
	    jfield_parse(body->data, body->len, &doc, msg, sizeof(msg)) != 0)
		return;
	if (jfield_string(doc, "error.code", &code, msg, sizeof(msg)) == 0 &&
	    code->len > 0 && code->len < 40) {
		for (i = 0; i < code->len; i++)
			if (!islower(code->data[i]) && code->data[i] != '_')
				break;
		if (i == code->len)
			snprintf(out, len, ", %s", code->data);
	}
	secret_free(code);
	jfield_free(doc);
}

static int
status_error(int status, const char **why)
{
	switch (status) {
	case 401:
		*why = "the access token was refused";
		return ERR_AUTH;
	case 403:
		*why = "permission denied (execute privilege on the variable)";
		return ERR_DENIED;
	case 404:
		*why = "no such variable, or it has no value";
		return ERR_NOTFOUND;
	case 406:
		*why = "a value that Conjur cannot encode";
		return ERR_FORMAT;
	case 422:
		*why = "the request was refused as invalid";
		return ERR_FORMAT;
	case 301: case 302: case 303: case 307: case 308:
		*why = "a redirect, which airlock does not follow";
		return ERR_PROTO;
	case 429: case 502: case 503: case 504:
		*why = "Conjur is unavailable";
		return ERR_AGAIN;
	default:
		*why = "unexpected status";
		return ERR_PROTO;
	}
}

/* Conjur's base64 of a batch answer: lines of Ruby's Base64.encode64. */
static int
decode_lines(const struct secret *s, struct secret **out)
{
	struct secret	*t;
	size_t		 i, n;
	int		 r;

	if ((t = secret_alloc(s->len)) == NULL)
		return ERR_NOMEM;
	for (i = n = 0; i < s->len; i++)
		if (s->data[i] != '\n' && s->data[i] != '\r')
			t->data[n++] = s->data[i];
	r = b64_decode((const char *)t->data, n, B64_STD, out);
	secret_free(t);
	return r;
}

/* The values of a batch answer: one key per id, "account:kind:id". */
static int
batch_values(struct conjur_fetch *f, const struct secret *body, char *msg,
    size_t msglen)
{
	struct conjur_state	*st = f->st;
	struct jfield_doc	*doc;
	struct secret		*s;
	char			 id[CONJUR_ACCOUNT_MAX + CONJUR_KIND_MAX +
				    CONJUR_ID_MAX + 3], why[160];
	size_t			 u;
	int			 r;

	if ((r = jfield_parse(body->data, body->len, &doc, why,
	    sizeof(why))) != 0) {
		snprintf(msg, msglen, "%s", why);
		return r;
	}
	for (u = 0; u < st->nuniq; u++) {
		if (st->fetch_of[u] != (size_t)(f - st->fetches))
			continue;
		conjur_full_id(&st->refs[st->uniq[u]], id, sizeof(id));
		if ((r = jfield_string_key(doc, id, &s, why,
		    sizeof(why))) != 0) {
			snprintf(msg, msglen, "the batch answer: %.60s: "
			    "%.100s", id, why);
			break;
		}
		r = decode_lines(s, &st->uvals[u]);
		secret_free(s);
		if (r != 0) {
			snprintf(msg, msglen, "the batch answer: %.60s: not "
			    "base64", id);
			break;
		}
	}
	jfield_free(doc);
	return r;
}

/* Every fetch is in: each reference gets its own copy. */
static void
finish(struct conjur_state *st)
{
	struct provider_req	*req = st->req;
	struct secret		**values;
	const struct secret	*v;
	size_t			 i;
	int			 r = 0;

	if ((values = calloc(st->n + 1, sizeof(*values))) == NULL) {
		provider_fail(st->req, ERR_NOMEM, "conjur: out of memory");
		return;
	}
	for (i = 0; i < st->n && r == 0; i++) {
		if (st->refs[i].is_token) {
			r = b64_decode((const char *)st->token->data,
			    st->token->len, B64_STD, &values[i]);
			continue;
		}
		v = st->uvals[st->uniq_of[i]];
		if ((values[i] = secret_new(v->data, v->len)) == NULL)
			r = ERR_NOMEM;
	}
	if (r != 0) {
		for (i = 0; i < st->n; i++)
			secret_free(values[i]);
		free(values);
		provider_fail(st->req, r, "conjur: out of memory");
		return;
	}
	provider_done(req, values);
}

static void
fetch_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct conjur_fetch	*f = arg;
	struct conjur_state	*st = f->st;
	const char		*why;
	char			 names[200], code[48], msg[200];
	int			 r;

	f->hr = NULL;
	fetch_names(f, names, sizeof(names));
	if (error != 0) {
		provider_fail(st->req, error, "conjur: %s: %s", names, err);
		return;
	}
	if (status == 401 && !st->retried) {
		/* The token expired early, or was revoked: one more try. */
		st->retried = 1;
		fetches_stop(st);
		ptoken_invalidate(cj.pt, st->token);
		secret_free(st->token);
		st->token = NULL;
		if ((st->wait = ptoken_get(cj.pt, provider_req_base(st->req),
		    provider_req_timeout_ms(st->req), got_token, st)) == NULL)
			provider_fail(st->req, ERR_SYS,
			    "conjur: cannot get a token");
		return;
	}
	if (status != 200) {
		r = status_error(status, &why);
		error_code(body, code, sizeof(code));
		provider_fail(st->req, r, "conjur: %s: HTTP %d%s, %s", names,
		    status, code, why);
		return;
	}
	if (f->batch) {
		if ((r = batch_values(f, body, msg, sizeof(msg))) != 0) {
			provider_fail(st->req, r, "conjur: %s: %s", names, msg);
			return;
		}
	} else if ((st->uvals[f->first] = secret_new(body->data,
	    body->len)) == NULL) {
		provider_fail(st->req, ERR_NOMEM, "conjur: out of memory");
		return;
	}
	if (--st->pending == 0)
		finish(st);
}

/* "/secrets/{account}/{kind}/{id}", or the batch's query; malloc'd. */
static char *
fetch_uri(const struct conjur_state *st, const struct conjur_fetch *f)
{
	const struct conjur_ref *cr = &st->refs[st->uniq[f->first]];
	char		 id[CONJUR_ACCOUNT_MAX + CONJUR_KIND_MAX + CONJUR_ID_MAX + 3];
	char		*uri;
	size_t		 len, u, k = 0;
	int		 r = 0;

	len = strlen(cj.prefix) + 32 + 3 * (st->nuniq + 1) * sizeof(id);
	if ((uri = malloc(len)) == NULL)
		return NULL;
	if (!f->batch) {
		snprintf(uri, len, "%s/secrets", cj.prefix);
		if (conjur_uri_add(uri, len, "/", cr->account) != 0 ||
		    conjur_uri_add(uri, len, "/", cr->kind) != 0 ||
		    conjur_uri_add(uri, len, "/", cr->id) != 0) {
			free(uri);
			return NULL;
		}
		return uri;
	}
	/* conjur-api-go's: the joined ids query-escaped (',' as %2C). */
	snprintf(uri, len, "%s/secrets?variable_ids=", cj.prefix);
	for (u = 0; u < st->nuniq && r == 0; u++) {
		if (st->fetch_of[u] != (size_t)(f - st->fetches))
			continue;
		conjur_full_id(&st->refs[st->uniq[u]], id, sizeof(id));
		r = conjur_uri_add(uri, len, k++ > 0 ? "%2C" : "", id);
	}
	if (r != 0) {
		free(uri);
		return NULL;
	}
	return uri;
}

static void
got_token(void *arg, int error, const char *err, const struct secret *token)
{
	struct conjur_state	*st = arg;
	struct https_header	 hdrs[2];
	struct secret		*auth;
	char			*uri;
	size_t			 j;
	int			 batch;

	st->wait = NULL;
	if (error != 0) {
		provider_fail(st->req, error, "conjur: %s", err);
		return;
	}
	if ((st->token = secret_new(token->data, token->len)) == NULL ||
	    (auth = secret_alloc(token->len + 16)) == NULL) {
		provider_fail(st->req, ERR_NOMEM, "conjur: out of memory");
		return;
	}
	if (st->nfetches == 0) {
		secret_free(auth);
		finish(st);
		return;
	}
	/* Conjur's API, "Authorization": Token token="<base64 token>". */
	auth->len = snprintf((char *)auth->data, token->len + 17,
	    "Token token=\"%s\"", (const char *)token->data);
	hdrs[0].name = "Authorization";
	hdrs[0].value = (const char *)auth->data;
	hdrs[1].name = "Accept-Encoding";
	hdrs[1].value = "base64";
	st->pending = st->nfetches;
	for (j = 0; j < st->nfetches; j++) {
		batch = st->fetches[j].batch;
		if ((uri = fetch_uri(st, &st->fetches[j])) == NULL ||
		    (st->fetches[j].hr = https_get(provider_req_base(st->req),
		    &cj.srv, uri, hdrs, batch ? 2 : 1,
		    provider_req_timeout_ms(st->req), CONJUR_MAX_BODY,
		    fetch_done, &st->fetches[j])) == NULL) {
			free(uri);
			secret_free(auth);
			provider_fail(st->req, ERR_SYS,
			    "conjur: cannot start the request");
			return;
		}
		free(uri);
	}
	secret_free(auth);
}

/* The distinct ids; one batch of those without a ',', when 2 or more. */
static void
plan_fetches(struct conjur_state *st)
{
	char		 a[CONJUR_ACCOUNT_MAX + CONJUR_KIND_MAX + CONJUR_ID_MAX + 3];
	char		 b[sizeof(a)];
	size_t		 i, u, batchable = 0, batch = NONE;

	for (i = 0; i < st->n; i++) {
		st->uniq_of[i] = NONE;
		if (st->refs[i].is_token)
			continue;
		conjur_full_id(&st->refs[i], a, sizeof(a));
		for (u = 0; u < st->nuniq; u++) {
			conjur_full_id(&st->refs[st->uniq[u]], b, sizeof(b));
			if (strcmp(a, b) == 0)
				break;
		}
		if (u == st->nuniq) {
			st->uniq[st->nuniq++] = i;
			if (strchr(a, ',') == NULL)
				batchable++;
		}
		st->uniq_of[i] = u;
	}
	for (u = 0; u < st->nuniq; u++) {
		conjur_full_id(&st->refs[st->uniq[u]], a, sizeof(a));
		if (batchable >= 2 && strchr(a, ',') == NULL) {
			if (batch == NONE) {
				batch = st->nfetches++;
				st->fetches[batch].batch = 1;
				st->fetches[batch].first = u;
				st->fetches[batch].st = st;
			}
			st->fetch_of[u] = batch;
			continue;
		}
		st->fetches[st->nfetches].first = u;
		st->fetches[st->nfetches].st = st;
		st->fetch_of[u] = st->nfetches++;
	}
}

void
conjur_start(struct provider_req *req, const char *const *refs, size_t n)
{
	struct conjur_state	*st;
	char			 err[PROVIDER_ERRLEN];
	size_t			 i;
	int			 r;

	if (!cj.ready) {
		provider_fail(req, ERR_INVAL, "provider conjur is not set up");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->refs = calloc(n + 1, sizeof(*st->refs))) == NULL ||
	    (st->uniq_of = calloc(n + 1, sizeof(*st->uniq_of))) == NULL ||
	    (st->uniq = calloc(n + 1, sizeof(*st->uniq))) == NULL ||
	    (st->fetch_of = calloc(n + 1, sizeof(*st->fetch_of))) == NULL ||
	    (st->uvals = calloc(n + 1, sizeof(*st->uvals))) == NULL ||
	    (st->fetches = calloc(n + 1, sizeof(*st->fetches))) == NULL) {
		state_free(st);
		provider_fail(req, ERR_NOMEM, "conjur: out of memory");
		return;
	}
	st->req = req;
	st->n = n;
	for (i = 0; i < n; i++)
		if ((r = conjur_ref_parse(refs[i], cj.account, &st->refs[i],
		    err, sizeof(err))) != 0) {
			state_free(st);
			provider_fail(req, r, "%s", err);
			return;
		}
	plan_fetches(st);
	provider_req_own(req, st, state_free_cb);
	if ((st->wait = ptoken_get(cj.pt, provider_req_base(req),
	    provider_req_timeout_ms(req), got_token, st)) == NULL)
		provider_fail(st->req, ERR_SYS, "conjur: cannot get a token");
}

