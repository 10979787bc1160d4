/*
 * The client leg's TLS as the listener's service says (clientTLS): the
 * material and the signature are the monitor's (MSG_CLIENT_TLS,
 * MSG_CLIENT_TLS_SIGN), and the monitor hears how it ended
 * (MSG_CLIENT_TLS_DONE).  What comes from the monitor is checked here as
 * what comes from anywhere: lengths and counts before use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctls.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "tls.h"
#include "tlskey.h"
#include "worker.h"

#define CHANNEL_ERROR	"airlock: internal channel error"

/* allowedClients, as MSG_CLIENT_TLS gives them. */
struct allowed {
	char		 names[CTLS_ALLOWED_MAX][CTLS_NAME_MAX + 1];
	const char	*list[CTLS_ALLOWED_MAX];
	size_t		 n;
};

int
wctls_wanted(struct wconn *c)
{
	return kv_get(&c->opts, CTLS_OPTION, NULL) != NULL;
}

/* The listener key's one signature is the monitor's. */
static int
listener_sign(void *arg, const char *scheme, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t *siglen, char *err,
    size_t errlen)
{
	return wchan_tls_sign(arg, MSG_CLIENT_TLS_SIGN, scheme, tbs, tbslen,
	    sig, siglen, err, errlen);
}

/* The names, one per line: none empty, none too long, not too many. */
static int
split_allowed(const char *v, size_t len, struct allowed *a)
{
	const char	*end = v + len, *nl;
	size_t		 n;

	a->n = 0;
	while (v < end) {
		if ((nl = memchr(v, '\n', end - v)) == NULL)
			nl = end;
		n = nl - v;
		if (n == 0 || n > CTLS_NAME_MAX || a->n == CTLS_ALLOWED_MAX ||
		    memchr(v, '\0', n) != NULL)
			return ERR_FORMAT;
		memcpy(a->names[a->n], v, n);
		a->names[a->n][n] = '\0';
		a->list[a->n] = a->names[a->n];
		a->n++;
		v = nl + 1;
	}
	return len > 0 && end[-1] == '\n' ? ERR_FORMAT : 0;
}

/*
 * MSG_CLIENT_TLS's answer into p: the chain, and with clientAuth cert the
 * client CA and allowedClients.  Pointers into kv.
 */
static int
material(struct wconn *c, struct kvlist *kv, struct tls_server_params *p,
    struct allowed *a)
{
	const char	*auth, *want, *v;
	size_t		 len;

	auth = kv_get(kv, CTLS_KEY_CLIENT_AUTH, &len);
	/* The option of MSG_ASSIGN and the answer say the same. */
	want = kv_get(&c->opts, CTLS_OPTION, NULL);
	if (auth == NULL || strlen(auth) != len || want == NULL ||
	    strcmp(auth, want) != 0 || (strcmp(auth, CTLS_AUTH_NONE) != 0 &&
	    strcmp(auth, CTLS_AUTH_CERT) != 0))
		return ERR_PROTO;
	if ((v = kv_get(kv, CTLS_KEY_CERTIFICATE, &len)) == NULL || len == 0)
		return ERR_PROTO;
	p->chain = (const unsigned char *)v;
	p->chainlen = len;
	if (strcmp(auth, CTLS_AUTH_NONE) == 0)
		return kv_get(kv, CTLS_KEY_CLIENT_CA, NULL) != NULL ||
		    kv_get(kv, CTLS_KEY_ALLOWED, NULL) != NULL ? ERR_PROTO : 0;
	if ((v = kv_get(kv, CTLS_KEY_CLIENT_CA, &len)) == NULL || len == 0)
		return ERR_PROTO;
	p->ca = (const unsigned char *)v;
	p->calen = len;
	if ((v = kv_get(kv, CTLS_KEY_ALLOWED, &len)) != NULL) {
		if (split_allowed(v, len, a) != 0 || a->n == 0)
			return ERR_PROTO;
		p->allowed = a->list;
		p->nallowed = a->n;
	}
	return 0;
}

/* MSG_CLIENT_TLS: its answer into kv. */
static int
ask_material(struct wconn *c, struct kvlist *kv, char *err, size_t errlen)
{
	struct buf	*req, *reply;
	int		 r;

	req = buf_new(16);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL) {
		snprintf(err, errlen, "airlock: out of memory");
		r = ERR_NOMEM;
	} else if ((r = wchan_request(c, MSG_CLIENT_TLS, req, reply, NULL,
	    err, errlen)) == 0 && ((r = kv_get_list(reply, kv)) != 0 ||
	    (r = buf_expect_end(reply)) != 0))
		snprintf(err, errlen, CHANNEL_ERROR);
	buf_free(req);
	buf_free(reply);
	return r;
}

/* Tell the monitor, and the log, how it ended. */
static void
done(struct wconn *c, const struct tls_client_peer *peer, int r,
    const char *err)
{
	const char	*name = ctls_outcome_name(peer->outcome);

	if (wchan_client_tls_done(c, peer->outcome, peer->desc) != 0)
		log_warn("client TLS: cannot tell the broker how it ended");
	if (r == 0)
		log_debug("client TLS: %s%s%s", name, *peer->desc != '\0' ?
		    ", " : "", peer->desc);
	else if (r == ERR_DENIED)
		log_info("client TLS: %s: %s", name, wchan_reason(err));
}

int
wctls_accept(struct wconn *c, char *err, size_t errlen)
{
	struct tls_server_params p;
	struct tls_client_peer	 peer;
	struct tlskey_signer	 signer;
	struct allowed		*a;
	struct kvlist		 kv;
	int			 r;

	peer.outcome = CTLS_HANDSHAKE;
	peer.desc[0] = '\0';
	kv_init(&kv);
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "airlock: out of memory");
		return ERR_NOMEM;
	}
	if ((r = ask_material(c, &kv, err, errlen)) != 0) {
		/* The monitor refused (no material): it hears so. */
		if (r == ERR_DENIED) {
			r = ERR_PROTO;
			done(c, &peer, r, err);
		}
		goto out;
	}
	memset(&p, 0, sizeof(p));
	if ((r = material(c, &kv, &p, a)) != 0) {
		snprintf(err, errlen, CHANNEL_ERROR);
		done(c, &peer, r, err);
		goto out;
	}
	memset(&signer, 0, sizeof(signer));
	signer.sign = listener_sign;
	signer.arg = c;
	p.service = c->service;
	p.signer = &signer;
	r = tls_server_start(&c->client, &p, c->deadline, &peer, err, errlen);
	done(c, &peer, r, err);
 out:
	kv_clear(&kv);
	free(a);
	return r;
}

void
wctls_plaintext(struct wconn *c, char *err, size_t errlen)
{
	if (wchan_client_tls_done(c, CTLS_PLAINTEXT, "") != 0)
		log_warn("client TLS: cannot tell the broker how it ended");
	log_info("client TLS: %s: the client did not ask for TLS",
	    ctls_outcome_name(CTLS_PLAINTEXT));
	snprintf(err, errlen, "airlock: service %s accepts TLS connections "
	    "only", c->service);
}
