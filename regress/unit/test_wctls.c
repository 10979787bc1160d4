/*
 * wctls_accept in a forked worker, the test playing the monitor on the
 * channel and an OpenSSL client on the other end (ctlstest.h): what the
 * worker asks, what it takes of the answer, what it tells the monitor.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctls.h"
#include "ctlstest.h"
#include "endpoint.h"
#include "errors.h"
#include "msg.h"
#include "served.h"
#include "test.h"
#include "tlskey.h"
#include "worker.h"

/* As monitor.h's: RSA of 16384 bits. */
#define SIG_MAX		2048

/* The worker's exit codes in wctls_run. */
#define WK_OK		0
#define WK_DENIED	1
#define WK_PROTO	2
#define WK_OTHER	3

/* A worker of service SERVICE: wctls_accept, then as run() serves. */
static void
wctls_worker(int chan, int client, const char *auth)
{
	struct wconn	 c;
	char		 err[512], hello[5];
	int		 r;

	alarm(20);
	memset(&c, 0, sizeof(c));
	c.chan = chan;
	c.service = SERVICE;
	kv_init(&c.opts);
	if (auth != NULL && kv_set_str(&c.opts, CTLS_OPTION, auth) != 0)
		_exit(WK_OTHER);
	ep_init(&c.client, client, "client");
	c.deadline = deadline_in(5000);
	r = wctls_accept(&c, err, sizeof(err));
	/* Refused: the reason is for the client, and says so. */
	if (r == ERR_DENIED && strncmp(err, "airlock: ", 9) != 0)
		_exit(WK_OTHER);
	if (r == 0 || r == ERR_DENIED) {
		if (ep_read_full(&c.client, hello, 5, c.deadline) != 0 ||
		    ep_write_full(&c.client, r == 0 ? "bye" : err, r == 0 ? 3 :
		    strlen(err), c.deadline) != 0)
			_exit(WK_OTHER);
	}
	ep_close(&c.client);
	kv_clear(&c.opts);
	_exit(r == 0 ? WK_OK : r == ERR_DENIED ? WK_DENIED : r == ERR_PROTO ?
	    WK_PROTO : WK_OTHER);
}

/* The monitor's answer to MSG_CLIENT_TLS_SIGN, as ctls_answer_sign's. */
static int
answer_sign(int chan, struct buf *b, struct srv_signer *ss)
{
	const unsigned char	*tbs;
	unsigned char		 sig[SIG_MAX];
	char			*scheme = NULL, err[256];
	size_t			 tbslen, siglen = sizeof(sig);
	struct buf		*out;
	int			 r;

	if (buf_get_string_direct(b, &tbs, &tbslen) != 0 ||
	    buf_get_cstring(b, &scheme, TLSSCHEME_NAME_MAX) != 0 ||
	    buf_expect_end(b) != 0 || (out = buf_new(MSG_MAX_PAYLOAD)) ==
	    NULL) {
		free(scheme);
		return -1;
	}
	r = ctlstest_sign(ss, scheme, tbs, tbslen, sig, &siglen, err,
	    sizeof(err)) == 0 && buf_put_string(out, sig, siglen) == 0 &&
	    msg_send(chan, MSG_CLIENT_TLS_SIGN, out, -1) == 0 ? 0 : -1;
	buf_free(out);
	free(scheme);
	return r;
}

struct wctls_case {
	const char		*auth;		/* ASSIGN's option */
	const struct kvlist	*answer;	/* NULL: MSG_FAILED */
	struct cli_opts		 cli;
	/* What the monitor was told (-1: nothing), and how each ended. */
	int			 outcome;
	char			 desc[CTLS_CLIENT_MAX];
	int			 signs, wstatus, cstatus;
};

static int
reap(pid_t pid)
{
	int	 w;

	if (waitpid(pid, &w, 0) != pid || !WIFEXITED(w))
		return -1;
	return WEXITSTATUS(w);
}

/* Play the monitor to a worker's wctls_accept and a client. */
static int
wctls_run(struct wctls_case *t)
{
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;
	struct buf		*b;
	char			*desc;
	uint32_t		 type;
	uint8_t			 o;
	pid_t			 cpid, wpid;
	int			 cv[2], sv[2], fd, r = -1;

	t->outcome = -1;
	t->desc[0] = '\0';
	ctlstest_listener(&p, &sg, &ss, 0);
	if (ctlstest_setup() != 0 || msg_channel(sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, cv) != 0)
		return -1;
	fflush(stdout);
	if ((cpid = fork()) == 0) {
		close(cv[0]);
		close(sv[0]);
		close(sv[1]);
		ctlstest_client(cv[1], &t->cli);
	}
	if ((wpid = fork()) == 0) {
		close(cv[1]);
		close(sv[0]);
		wctls_worker(sv[1], cv[0], t->auth);
	}
	close(cv[0]);
	close(cv[1]);
	close(sv[1]);
	/* Made after the forks, so that no child leaves it behind. */
	if ((b = buf_new(MSG_MAX_PAYLOAD + 1)) == NULL)
		goto out;
	if (served_recv(sv[0], MSG_CLIENT_TLS, b) != 0 || buf_len(b) != 0)
		goto out;
	buf_reset(b);
	if ((t->answer != NULL ? kv_put(b, t->answer) :
	    buf_put_cstring(b, "no material today")) != 0 ||
	    msg_send(sv[0], t->answer != NULL ? MSG_CLIENT_TLS : MSG_FAILED, b,
	    -1) != 0)
		goto out;
	for (;;) {
		if (msg_recv_timeout(sv[0], 5000, &type, b, &fd) != 0 ||
		    fd != -1)
			goto out;
		if (type == MSG_LOG)
			continue;
		if (type == MSG_CLIENT_TLS_DONE)
			break;
		if (type != MSG_CLIENT_TLS_SIGN || answer_sign(sv[0], b,
		    &ss) != 0)
			goto out;
	}
	if (buf_get_u8(b, &o) != 0 ||
	    buf_get_cstring(b, &desc, CTLS_CLIENT_MAX) != 0)
		goto out;
	t->outcome = o;
	snprintf(t->desc, sizeof(t->desc), "%s", desc);
	free(desc);
	r = buf_expect_end(b) == 0 ? 0 : -1;
 out:
	buf_free(b);
	close(sv[0]);
	t->signs = ss.calls;
	t->cstatus = reap(cpid);
	t->wstatus = reap(wpid);
	return r;
}

/* MSG_CLIENT_TLS's answer: clientAuth cert with the client CA. */
static void
cert_answer(struct kvlist *kv, const char *allowed)
{
	kv_init(kv);
	kv_set(kv, CTLS_KEY_CERTIFICATE, cpki.chain, cpki.chainlen);
	kv_set_str(kv, CTLS_KEY_CLIENT_AUTH, CTLS_AUTH_CERT);
	kv_set(kv, CTLS_KEY_CLIENT_CA, cpki.cca_pem, cpki.cca_len);
	if (allowed != NULL)
		kv_set_str(kv, CTLS_KEY_ALLOWED, allowed);
}

TEST(wctls_accept_tells_the_monitor)
{
	struct wctls_case	 t;
	struct kvlist		 kv;

	REQUIRE(ctlstest_setup() == 0);
	cert_answer(&kv, "CN=nobody\nURI:spiffe://x/app");
	memset(&t, 0, sizeof(t));
	t.auth = CTLS_AUTH_CERT;
	t.answer = &kv;
	t.cli.cert = cpki.cli[C_APP];
	t.cli.expect_ca = 1;
	t.cli.reply = "bye";
	CHECK_INT(wctls_run(&t), 0);
	CHECK_INT(t.outcome, CTLS_OK);
	CHECK_STR(t.desc, "CN=app; DNS:app.test; URI:spiffe://x/app; "
	    "email:a@b.test");
	CHECK_INT(t.signs, 1);
	CHECK_INT(t.wstatus, WK_OK);
	CHECK_INT(t.cstatus, CLI_OK);
	kv_clear(&kv);

	/* Refused: the monitor hears why, the client too. */
	cert_answer(&kv, "CN=other");
	t.answer = &kv;
	t.cli.reply = "airlock: the client certificate (CN=app) is not "
	    "allowed to connect to service " SERVICE;
	CHECK_INT(wctls_run(&t), 0);
	CHECK_INT(t.outcome, CTLS_NOT_ALLOWED);
	CHECK_INT(t.wstatus, WK_DENIED);
	CHECK_INT(t.cstatus, CLI_OK);
	kv_clear(&kv);

	/* clientAuth none: no CA, no names asked for. */
	kv_init(&kv);
	kv_set(&kv, CTLS_KEY_CERTIFICATE, cpki.chain, cpki.chainlen);
	kv_set_str(&kv, CTLS_KEY_CLIENT_AUTH, CTLS_AUTH_NONE);
	memset(&t.cli, 0, sizeof(t.cli));
	t.cli.reply = "bye";
	t.auth = CTLS_AUTH_NONE;
	t.answer = &kv;
	CHECK_INT(wctls_run(&t), 0);
	CHECK_INT(t.outcome, CTLS_OK);
	CHECK_STR(t.desc, "");
	CHECK_INT(t.wstatus, WK_OK);
	CHECK_INT(t.cstatus, CLI_OK);
	kv_clear(&kv);
}

/*
 * An answer that is not what was asked for: no TLS, a handshake outcome
 * told, and no signature asked.
 */
static void
bad_answer(const char *auth, const struct kvlist *kv)
{
	struct wctls_case	 t;

	memset(&t, 0, sizeof(t));
	t.auth = auth;
	t.answer = kv;
	t.cli.cert = cpki.cli[C_APP];
	CHECK_INT(wctls_run(&t), 0);
	CHECK_INT(t.outcome, CTLS_HANDSHAKE);
	CHECK_INT(t.signs, 0);
	CHECK_INT(t.wstatus, WK_PROTO);
	CHECK_INT(t.cstatus, CLI_HANDSHAKE);
}

TEST(wctls_accept_checks_the_answer)
{
	struct kvlist	 kv;
	char		 many[CTLS_ALLOWED_MAX * 8 + 16];
	char		 name[CTLS_NAME_MAX + 8];
	size_t		 i;

	REQUIRE(ctlstest_setup() == 0);
	/* The monitor could not give the material. */
	bad_answer(CTLS_AUTH_CERT, NULL);
	/* Another clientAuth than ASSIGN said. */
	cert_answer(&kv, NULL);
	bad_answer(CTLS_AUTH_NONE, &kv);
	kv_clear(&kv);
	/* cert without a client CA. */
	cert_answer(&kv, NULL);
	kv_set(&kv, CTLS_KEY_CLIENT_CA, "", 0);
	bad_answer(CTLS_AUTH_CERT, &kv);
	kv_clear(&kv);
	/* An empty name, a name too long, one name too many. */
	cert_answer(&kv, "CN=app\n\nCN=b");
	bad_answer(CTLS_AUTH_CERT, &kv);
	kv_clear(&kv);
	memset(name, 'a', sizeof(name));
	memcpy(name, "CN=", 3);
	name[CTLS_NAME_MAX + 1] = '\0';
	cert_answer(&kv, name);
	bad_answer(CTLS_AUTH_CERT, &kv);
	kv_clear(&kv);
	*many = '\0';
	for (i = 0; i <= CTLS_ALLOWED_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "%sCN=%zu", i > 0 ? "\n" : "", i);
	cert_answer(&kv, many);
	bad_answer(CTLS_AUTH_CERT, &kv);
	kv_clear(&kv);
}
