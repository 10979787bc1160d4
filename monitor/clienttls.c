/*
 * The client leg's TLS, the monitor's half (include/ctls.h): the worker is
 * the TLS server towards the client, and asks here for what that takes.
 *
 * MSG_CLIENT_TLS gives the listener's certificate chain and the policy
 * (clientAuth, clientCA, allowedClients): nothing secret.  The listener's
 * key stays here, as sshd keeps its host keys, and makes one signature
 * per connection (MSG_CLIENT_TLS_SIGN) over the content of a TLS 1.3
 * server CertificateVerify and nothing else (tlssign.c checks its shape);
 * then it is freed.  What the monitor cannot check is the transcript hash
 * inside: a compromised worker can have one CertificateVerify signed for a
 * handshake of its choice, which lets it pose as the listener to one
 * client, once, and is in the README's table.
 *
 * The client's certificate is checked in the worker: the monitor parses
 * nothing from the network.  The worker says how it ended
 * (MSG_CLIENT_TLS_DONE), which is logged and counted; until it has said
 * "accepted", after the listener key has signed (no TLS 1.3 handshake
 * completes without that signature), ctls_gate holds every request that
 * could buy anything with the service's credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "connector.h"
#include "ctls.h"
#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "secret.h"
#include "tlsscheme.h"
#include "util.h"

static const struct client_tls *
client_tls_of(const struct worker *w)
{
	return w->svc != NULL ? w->svc->client_tls : NULL;
}

void
ctls_forget(struct worker *w)
{
	if (w->ctls_req != NULL) {
		creds_cancel(w->ctls_req);
		w->ctls_req = NULL;
	}
	creds_free(w->ctls_creds);
	w->ctls_creds = NULL;
}

/* "a\nb\nc": the names, which valid_name kept free of newlines. */
static int
put_allowed(struct kvlist *kv, const struct client_tls *ct)
{
	struct buf	*b;
	size_t		 i;
	int		 r = 0;

	if (ct->nallowed == 0)
		return 0;
	if ((b = buf_new(CTLS_ALLOWED_MAX * (CTLS_NAME_MAX + 1))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < ct->nallowed && r == 0; i++)
		if ((i > 0 && (r = buf_put(b, "\n", 1)) != 0) ||
		    (r = buf_put(b, ct->allowed[i],
		    strlen(ct->allowed[i]))) != 0)
			break;
	if (r == 0)
		r = kv_set(kv, CTLS_KEY_ALLOWED, buf_ptr(b), buf_len(b));
	buf_free(b);
	return r;
}

static int
send_material(struct worker *w, const struct client_tls *ct)
{
	const struct secret	*cert, *ca;
	struct kvlist		 kv;
	struct buf		*b = NULL;
	int			 r;

	kv_init(&kv);
	cert = creds_get(w->ctls_creds, "certificate");
	ca = creds_get(w->ctls_creds, "clientCA");
	if (cert == NULL)
		r = ERR_NOTFOUND;
	else if ((r = kv_set(&kv, CTLS_KEY_CERTIFICATE, cert->data,
	    cert->len)) == 0 &&
	    (r = kv_set_str(&kv, CTLS_KEY_CLIENT_AUTH,
	    ct->auth == CTLS_AUTH_CERT_V ? CTLS_AUTH_CERT :
	    CTLS_AUTH_NONE)) == 0 &&
	    (ca == NULL || (r = kv_set(&kv, CTLS_KEY_CLIENT_CA, ca->data,
	    ca->len)) == 0) &&
	    (r = put_allowed(&kv, ct)) == 0) {
		if ((b = buf_new(MSG_MAX_PAYLOAD)) == NULL)
			r = ERR_NOMEM;
		else if ((r = kv_put(b, &kv)) == 0)
			r = worker_send(w, MSG_CLIENT_TLS, b, -1);
	}
	buf_free(b);
	kv_clear(&kv);
	if (r == ERR_TOOBIG)
		return worker_fail(w, "the clientTLS certificate and clientCA "
		    "of service %s are larger than a message (%d bytes)",
		    w->svc->name, MSG_MAX_PAYLOAD);
	return r == ERR_EOF ? 0 : r;
}

static void
material_resolved(void *arg, const char *err, struct creds *creds)
{
	struct worker			*w = arg;
	const struct client_tls		*ct = client_tls_of(w);
	int				 r;

	w->ctls_req = NULL;
	if (err != NULL) {
		/* The provider's message names the reference, not a value. */
		worker_fail(w, "could not fetch the clientTLS material of "
		    "service %s: %s", w->svc->name, err);
		return;
	}
	w->ctls_creds = creds;
	if ((r = send_material(w, ct)) != 0 && !w->killed)
		worker_kill(w, "cannot send CLIENT_TLS: %s", err_str(r));
}

int
ctls_answer_material(struct worker *w, struct buf *b)
{
	const struct client_tls	*ct = client_tls_of(w);
	int			 r;

	if ((r = buf_expect_end(b)) != 0)
		return r;
	if (ct == NULL) {
		worker_kill(w, "asked for the client leg's TLS, and its service "
		    "has no clientTLS");
		return 0;
	}
	if ((w->ctls_req = creds_resolve(&ct->res, material_resolved, w)) ==
	    NULL)
		return worker_fail(w, "could not fetch the clientTLS material "
		    "of service %s", w->svc->name);
	return 0;
}

/* The listener's key. */
static const struct tlssign_role server_role = {
	MSG_CLIENT_TLS_SIGN, TLS13_CV_SERVER_CONTEXT, "server",
	"clientTLS.key", "clientTLS.certificate"
};

int
ctls_answer_sign(struct worker *w, struct buf *b)
{
	int	 r, signed_now = 0;

	if (w->ctls_creds == NULL) {
		worker_kill(w, "asked for the listener key's signature before "
		    "its certificate was given");
		return 0;
	}
	r = tlssign_answer_as(w, b, &server_role,
	    creds_get(w->ctls_creds, "key"),
	    creds_get(w->ctls_creds, "certificate"), &signed_now);
	if (signed_now)
		w->ctls_signed = 1;
	/* One signature per connection: the key goes now. */
	creds_free(w->ctls_creds);
	w->ctls_creds = NULL;
	return r;
}

int
ctls_answer_done(struct worker *w, struct buf *b)
{
	const char	*name;
	char		*client = NULL, line[CTLS_CLIENT_MAX];
	uint8_t		 outcome;
	int		 r;

	if ((r = buf_get_u8(b, &outcome)) != 0 ||
	    (r = buf_get_cstring(b, &client, CTLS_CLIENT_MAX)) != 0 ||
	    (r = buf_expect_end(b)) != 0) {
		free(client);
		return r;
	}
	if (client_tls_of(w) == NULL || outcome >= CTLS_OUTCOME_MAX)
		worker_kill(w, "told how a client leg's TLS ended that %s",
		    client_tls_of(w) == NULL ? "its service does not have" :
		    "is no outcome");
	else if (outcome == CTLS_OK && !w->ctls_signed)
		/* No TLS 1.3 handshake is done without the signature. */
		worker_kill(w, "said its client was accepted over TLS without "
		    "the listener key's signature");
	else {
		/* The subject is the worker's claim, and for the log only. */
		text_printable(line, sizeof(line), client, strlen(client));
		name = ctls_outcome_name(outcome);
		if (outcome == CTLS_OK) {
			w->ctls_ok = 1;
			/* Who came with a certificate is worth a line. */
			if (*line != '\0')
				wlog_info(w, "client accepted over TLS: %s",
				    line);
			else
				wlog_debug(w, "client accepted over TLS");
		} else
			wlog_warn(w, "client refused (%s)%s%s", name,
			    *line != '\0' ? ": " : "", line);
		metrics_client_tls(w, outcome);
	}
	free(client);
	return 0;
}

/* What a worker may ask before its client has been accepted. */
int
ctls_gate(struct worker *w, uint32_t type)
{
	if (client_tls_of(w) == NULL || w->ctls_ok)
		return 0;
	switch (type) {
	case MSG_CLIENT_TLS:
	case MSG_CLIENT_TLS_SIGN:
	case MSG_CLIENT_TLS_DONE:
	case MSG_LOG:
	case MSG_STATS:
	case MSG_BYE:
	case MSG_DIAL:		/* by its purpose: ctls_gate_dial */
		return 0;
	default:
		return ERR_DENIED;
	}
}

/*
 * A DIAL before the client has been accepted: MySQL greets after the
 * backend, and a PostgreSQL CancelRequest comes without TLS (libpq's
 * PQcancel, pgjdbc) and never reuses a backend (backpool_dial_key).  A
 * DIAL for a session that may be handed a reused backend is a login.
 */
int
ctls_gate_dial(struct worker *w, int purpose)
{
	const struct backpool_conf *pool;

	if (client_tls_of(w) == NULL || w->ctls_ok || purpose == DIAL_CANCEL)
		return 0;
	pool = w->conn->backpool != NULL ? w->conn->backpool(w->svc) : NULL;
	return pool != NULL ? ERR_DENIED : 0;
}
