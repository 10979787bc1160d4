/*
 * The client leg's TLS server (tls_server_start) against an OpenSSL client
 * in a forked child, over a socketpair.  The listener's key is signed for
 * in process by the monitor's code (tlssign.c) as MSG_CLIENT_TLS_SIGN
 * would have it, by a signer that checks it is asked for a TLS 1.3 server
 * CertificateVerify.  Each outcome: accepted with and without a client
 * CA, no certificate, another CA, expired, not for client authentication,
 * not allowed, a client without TLS 1.3, the monitor's refusal, silence.
 * ctlstest.h shares the certificates, the signer and the client with
 * test_wctls.c.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ctls.h"
#include "ctlstest.h"
#include "endpoint.h"
#include "errors.h"
#include "monitor.h"
#include "secret.h"
#include "test.h"
#include "testcerts.h"
#include "testkeys.h"
#include "tls.h"
#include "tlskey.h"
#include "tlsscheme.h"

struct ctls_pki	cpki;

static unsigned char *
cat_pem(X509 *a, X509 *b, size_t *len)
{
	unsigned char	*pa, *pb, *out = NULL;
	size_t		 la, lb;

	pa = testcert_pem(a, NULL, &la);
	pb = testcert_pem(b, NULL, &lb);
	if (pa != NULL && pb != NULL && (out = malloc(la + lb)) != NULL) {
		memcpy(out, pa, la);
		memcpy(out + la, pb, lb);
		*len = la + lb;
	}
	free(pa);
	free(pb);
	return out;
}

/* x, changed by the caller, signed again by the client CA. */
static int
resign(X509 *x)
{
	return X509_sign(x, cpki.k, EVP_sha256()) > 0;
}

/* The extended key usage serverAuth only: no client authentication. */
static int
server_only(X509 *x)
{
	X509V3_CTX	 v;
	int		 i;

	if ((i = X509_get_ext_by_NID(x, NID_ext_key_usage, -1)) < 0)
		return 0;
	X509_EXTENSION_free(X509_delete_ext(x, i));
	X509V3_set_ctx(&v, cpki.cca, x, NULL, NULL, 0);
	return testcert_add_ext(x, &v, NID_ext_key_usage, "serverAuth") &&
	    resign(x);
}

int
ctlstest_setup(void)
{
	EVP_PKEY	*rsa;
	X509		*x;

	if (cpki.ready)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	if (tls_global_init() != 0 ||
	    (cpki.k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (rsa = testkey_rsa()) == NULL)
		return -1;
	/*
	 * One key for all but the other CA: what tells them apart here is
	 * who signed.  The other CA has the client CA's name.
	 */
	if ((cpki.otherk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) ==
	    NULL)
		return -1;
	cpki.srvca = testcert_make("server CA", cpki.k, NULL, NULL, 1, NULL);
	cpki.cca = testcert_make("client CA", cpki.k, NULL, NULL, 1, NULL);
	cpki.otherca = testcert_make("client CA", cpki.otherk, NULL, NULL, 1,
	    NULL);
	if (!cpki.srvca || !cpki.cca || !cpki.otherca)
		return -1;
	cpki.srv = testcert_make("db.test", cpki.k, cpki.srvca, cpki.k, 0,
	    "DNS:db.test");
	cpki.srv_rsa = testcert_make("db.test", rsa, cpki.srvca, cpki.k, 0,
	    "DNS:db.test");
	cpki.cli[C_APP] = testcert_make("app", cpki.k, cpki.cca, cpki.k, 0,
	    APP_SAN);
	cpki.cli[C_OTHER] = testcert_make("other", cpki.k, cpki.cca, cpki.k, 0,
	    NULL);
	cpki.cli[C_STRANGER] = testcert_make("app", cpki.k, cpki.otherca,
	    cpki.otherk, 0, APP_SAN);
	cpki.cli[C_EXPIRED] = x = testcert_make("app", cpki.k, cpki.cca, cpki.k,
	    0, APP_SAN);
	if (x == NULL || X509_gmtime_adj(X509_getm_notBefore(x), -172800) ==
	    NULL || X509_gmtime_adj(X509_getm_notAfter(x), -86400) == NULL ||
	    !resign(x))
		return -1;
	cpki.cli[C_SERVERONLY] = x = testcert_make("app", cpki.k, cpki.cca,
	    cpki.k, 0, APP_SAN);
	if (x == NULL || !server_only(x) || cpki.srv == NULL ||
	    cpki.srv_rsa == NULL || !cpki.cli[C_APP] || !cpki.cli[C_OTHER] ||
	    !cpki.cli[C_STRANGER])
		return -1;
	cpki.chain = cat_pem(cpki.srv, cpki.srvca, &cpki.chainlen);
	cpki.chain_rsa = cat_pem(cpki.srv_rsa, cpki.srvca, &cpki.chain_rsalen);
	cpki.cca_pem = testcert_pem(cpki.cca, NULL, &cpki.cca_len);
	cpki.key_pem = testcert_secret(NULL, cpki.k);
	cpki.rsakey_pem = testcert_secret(NULL, rsa);
	cpki.srv_pem = testcert_secret(cpki.srv, NULL);
	cpki.srv_rsa_pem = testcert_secret(cpki.srv_rsa, NULL);
	EVP_PKEY_free(rsa);
	if (!cpki.chain || !cpki.chain_rsa || !cpki.cca_pem || !cpki.key_pem ||
	    !cpki.rsakey_pem || !cpki.srv_pem || !cpki.srv_rsa_pem)
		return -1;
	cpki.ready = 1;
	return 0;
}


/* 64 spaces, the server's context string, its NUL, a transcript hash. */
static int
is_server_content(const unsigned char *tbs, size_t len)
{
	size_t	 i;

	if (len != TLS13_CV_HEAD_LEN + 32 && len != TLS13_CV_HEAD_LEN + 48)
		return 0;
	for (i = 0; i < TLS13_CV_PAD_LEN; i++)
		if (tbs[i] != ' ')
			return 0;
	return memcmp(tbs + TLS13_CV_PAD_LEN, TLS13_CV_SERVER_CONTEXT,
	    sizeof(TLS13_CV_SERVER_CONTEXT)) == 0;
}

int
ctlstest_sign(void *arg, const char *scheme, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t *siglen, char *err,
    size_t errlen)
{
	struct srv_signer	*ss = arg;
	const struct tlsscheme	*s;
	char			 why[256];

	ss->calls++;
	snprintf(ss->scheme, sizeof(ss->scheme), "%s", scheme);
	ss->server_content = is_server_content(tbs, tbslen);
	if (ss->refuse != NULL) {
		snprintf(err, errlen, "airlock: %s", ss->refuse);
		return ERR_DENIED;
	}
	if (!ss->server_content || (s = tlsscheme_by_name(scheme)) == NULL) {
		snprintf(err, errlen, "airlock: a request the monitor kills");
		return ERR_PROTO;
	}
	if (tlssign_sign(ss->key, ss->cert, s, tbs, tbslen, sig, siglen, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "airlock: %s", why);
		return ERR_DENIED;
	}
	return 0;
}


/*
 * The client: the handshake, the CA names of the CertificateRequest,
 * "hello", then the server's one reply to its end; no session ticket.
 */
void
ctlstest_client(int fd, const struct cli_opts *o)
{
	/* Static: they live to _exit(), and valgrind sees them reachable. */
	static SSL_CTX	*ctx;
	static SSL_SESSION *sess;
	static SSL	*ssl;
	const STACK_OF(X509_NAME) *names;
	char		 buf[1024];
	size_t		 n, got = 0;
	int		 nn;

	alarm(20);
	if (o->silent) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(CLI_OK);
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cpki.srvca) != 1)
		_exit(CLI_SETUP);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (o->max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, o->max_version);
	if (o->cert != NULL && (SSL_CTX_use_certificate(ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, cpki.k) != 1))
		_exit(CLI_SETUP);
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		_exit(CLI_SETUP);
	if (SSL_connect(ssl) != 1)
		_exit(CLI_HANDSHAKE);
	names = SSL_get0_peer_CA_list(ssl);
	nn = names != NULL ? sk_X509_NAME_num(names) : 0;
	if (o->expect_ca ? nn != 1 || X509_NAME_cmp(sk_X509_NAME_value(names,
	    0), X509_get_subject_name(cpki.cca)) != 0 : nn != 0)
		_exit(CLI_CANAMES);
	if (SSL_write_ex(ssl, "hello", 5, &n) != 1)
		_exit(CLI_REPLY);
	while (got < sizeof(buf) - 1 &&
	    SSL_read_ex(ssl, buf + got, sizeof(buf) - 1 - got, &n) == 1)
		got += n;
	buf[got] = '\0';
	if (o->reply == NULL || strcmp(buf, o->reply) != 0)
		_exit(CLI_REPLY);
	if ((sess = SSL_get1_session(ssl)) != NULL &&
	    SSL_SESSION_has_ticket(sess))
		_exit(CLI_TICKET);
	_exit(CLI_OK);
}

/*
 * Serve the client run with o with p; *status is the client's exit code.
 * Accepted: "hello" in, "bye" out; refused: the reason out, as a connector
 * would say it in its protocol.
 */
static int
run(const struct tls_server_params *p, const struct cli_opts *o,
    struct tls_client_peer *peer, char *err, size_t errlen, int *status,
    int timeout_ms)
{
	struct endpoint	 ep;
	char		 hello[5];
	pid_t		 pid;
	int		 sv[2], r, w;

	*status = -1;
	if (ctlstest_setup() != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -100;
	fflush(stdout);
	if ((pid = fork()) == -1)
		return -100;
	if (pid == 0) {
		close(sv[0]);
		ctlstest_client(sv[1], o);
	}
	close(sv[1]);
	ep_init(&ep, sv[0], "client");
	r = tls_server_start(&ep, p, deadline_in(timeout_ms), peer, err,
	    errlen);
	if (r == 0 || r == ERR_DENIED) {
		if (ep.ssl == NULL || ep_read_full(&ep, hello, 5,
		    deadline_in(5000)) != 0 || memcmp(hello, "hello", 5) != 0)
			r = -101;
		else if (ep_write_full(&ep, r == 0 ? "bye" : err, r == 0 ? 3 :
		    strlen(err), deadline_in(5000)) != 0)
			r = -102;
	} else if (ep.ssl != NULL || ep.ctx != NULL)
		r = -103;
	ep_close(&ep);
	if (waitpid(pid, &w, 0) == pid && WIFEXITED(w))
		*status = WEXITSTATUS(w);
	return r;
}

/* The listener: P-256 or RSA, with the signer ss; no client CA. */
void
ctlstest_listener(struct tls_server_params *p, struct tlskey_signer *sg,
    struct srv_signer *ss, int rsa)
{
	memset(p, 0, sizeof(*p));
	memset(sg, 0, sizeof(*sg));
	memset(ss, 0, sizeof(*ss));
	ss->key = rsa ? cpki.rsakey_pem : cpki.key_pem;
	ss->cert = rsa ? cpki.srv_rsa_pem : cpki.srv_pem;
	sg->sign = ctlstest_sign;
	sg->arg = ss;
	p->service = SERVICE;
	p->chain = rsa ? cpki.chain_rsa : cpki.chain;
	p->chainlen = rsa ? cpki.chain_rsalen : cpki.chainlen;
	p->signer = sg;
}

static void
with_client_ca(struct tls_server_params *p)
{
	p->ca = cpki.cca_pem;
	p->calen = cpki.cca_len;
}

/* clientAuth none: any client, one server signature of each key type. */
TEST(tlsserver_no_client_auth)
{
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;
	struct tls_client_peer	 peer;
	struct cli_opts		 o = { .reply = "bye" };
	char			 err[512];
	int			 st;

	REQUIRE(ctlstest_setup() == 0);
	ctlstest_listener(&p, &sg, &ss, 0);
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000), 0);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(peer.outcome, CTLS_OK);
	CHECK_STR(peer.desc, "");
	CHECK_INT(ss.calls, 1);
	CHECK_INT(ss.server_content, 1);
	CHECK_STR(ss.scheme, "ecdsa_secp256r1_sha256");

	ctlstest_listener(&p, &sg, &ss, 1);
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000), 0);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(ss.calls, 1);
	CHECK_INT(ss.server_content, 1);
	CHECK_STR(ss.scheme, "rsa_pss_rsae_sha256");

	/* A certificate the client gives unasked is none of our business. */
	ctlstest_listener(&p, &sg, &ss, 0);
	o.cert = cpki.cli[C_STRANGER];
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000), 0);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(peer.outcome, CTLS_OK);
	CHECK_INT(ERR_peek_error(), 0);
}

TEST(tlsserver_client_certificate)
{
	const char		*allowed[] = { "CN=nobody", "DNS:APP.test" };
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;
	struct tls_client_peer	 peer;
	struct cli_opts		 o = { .reply = "bye", .expect_ca = 1 };
	char			 err[512];
	int			 st;

	REQUIRE(ctlstest_setup() == 0);
	ctlstest_listener(&p, &sg, &ss, 0);
	with_client_ca(&p);
	o.cert = cpki.cli[C_APP];
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000), 0);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(peer.outcome, CTLS_OK);
	CHECK_STR(peer.desc, "CN=app; DNS:app.test; URI:spiffe://x/app; "
	    "email:a@b.test");
	CHECK_INT(ss.calls, 1);
	CHECK_INT(ss.server_content, 1);

	/* allowedClients: one of them names it. */
	p.allowed = allowed;
	p.nallowed = 2;
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000), 0);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(peer.outcome, CTLS_OK);
	CHECK_INT(ERR_peek_error(), 0);
}

/* Refused after the handshake, with a reason the client is told. */
static void
refused(struct tls_server_params *p, int cli, int outcome,
    const char *reason)
{
	struct tls_client_peer	 peer;
	struct cli_opts		 o = { .expect_ca = 1 };
	char			 err[512];
	int			 st;

	o.cert = cli >= 0 ? cpki.cli[cli] : NULL;
	o.reply = reason;
	CHECK_INT(run(p, &o, &peer, err, sizeof(err), &st, 5000),
	    ERR_DENIED);
	CHECK_STR(err, reason);
	CHECK_INT(st, CLI_OK);
	CHECK_INT(peer.outcome, outcome);
	CHECK_INT(ERR_peek_error(), 0);
}

TEST(tlsserver_refusals)
{
	const char		*allowed[] = { "CN=other", "DNS:other.test" };
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;

	REQUIRE(ctlstest_setup() == 0);
	ctlstest_listener(&p, &sg, &ss, 0);
	with_client_ca(&p);
	refused(&p, -1, CTLS_NO_CERT, "airlock: a client certificate is "
	    "required to connect to service " SERVICE);
	refused(&p, C_STRANGER, CTLS_UNKNOWN_CA, "airlock: the client "
	    "certificate (CN=app) was not issued by a CA that service "
	    SERVICE " trusts (unable to get local issuer certificate)");
	refused(&p, C_EXPIRED, CTLS_UNKNOWN_CA, "airlock: the client "
	    "certificate (CN=app) is not valid for service " SERVICE
	    " (certificate has expired)");
	refused(&p, C_SERVERONLY, CTLS_UNKNOWN_CA, "airlock: the client "
	    "certificate (CN=app) is not valid for service " SERVICE
	    " (unsuitable certificate purpose)");
	p.allowed = allowed;
	p.nallowed = 2;
	refused(&p, C_APP, CTLS_NOT_ALLOWED, "airlock: the client "
	    "certificate (CN=app) is not allowed to connect to service "
	    SERVICE);
	/* The one it allows, still. */
	p.nallowed = 1;
	refused(&p, C_STRANGER, CTLS_UNKNOWN_CA, "airlock: the client "
	    "certificate (CN=app) was not issued by a CA that service "
	    SERVICE " trusts (unable to get local issuer certificate)");
	CHECK_INT(ss.calls, 6);
}

/* No TLS session, no signature: what the log is told. */
TEST(tlsserver_handshake_failures)
{
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;
	struct tls_client_peer	 peer;
	struct cli_opts		 o = { .max_version = TLS1_2_VERSION };
	char			 err[512];
	int			 st;

	REQUIRE(ctlstest_setup() == 0);
	ctlstest_listener(&p, &sg, &ss, 0);
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000),
	    ERR_PROTO);
	CHECK_STR(err, "TLS handshake with the client failed: the client "
	    "does not offer TLS 1.3");
	CHECK_INT(st, CLI_HANDSHAKE);
	CHECK_INT(peer.outcome, CTLS_HANDSHAKE);
	CHECK_INT(ss.calls, 0);

	/* The monitor refuses to sign. */
	memset(&o, 0, sizeof(o));
	ss.refuse = "the listener key is not available";
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 5000),
	    ERR_PROTO);
	CHECK_STR(err, "TLS handshake with the client failed: the listener "
	    "key is not available");
	CHECK_INT(st, CLI_HANDSHAKE);
	CHECK_INT(peer.outcome, CTLS_HANDSHAKE);
	CHECK_INT(ss.calls, 1);

	/* A client that says nothing meets the deadline. */
	ctlstest_listener(&p, &sg, &ss, 0);
	o.silent = 1;
	CHECK_INT(run(&p, &o, &peer, err, sizeof(err), &st, 100),
	    ERR_TIMEOUT);
	CHECK_STR(err, "TLS handshake with the client timed out");
	CHECK_INT(st, CLI_OK);
	CHECK_INT(ss.calls, 0);
	CHECK_INT(ERR_peek_error(), 0);
}

TEST(tlsserver_bad_material)
{
	static const unsigned char junk[] = "not a certificate\n";
	struct tls_server_params p;
	struct tlskey_signer	 sg;
	struct srv_signer	 ss;
	struct tls_client_peer	 peer;
	struct endpoint		 ep;
	char			 err[512];
	int			 sv[2];

	REQUIRE(ctlstest_setup() == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "client");
	ctlstest_listener(&p, &sg, &ss, 0);
	p.chain = junk;
	p.chainlen = sizeof(junk) - 1;
	CHECK_INT(tls_server_start(&ep, &p, deadline_in(1000), &peer, err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_STR(err, "clientTLS certificate holds no valid certificate");
	ctlstest_listener(&p, &sg, &ss, 0);
	p.ca = junk;
	p.calen = sizeof(junk) - 1;
	CHECK_INT(tls_server_start(&ep, &p, deadline_in(1000), &peer, err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_STR(err, "clientCA holds no valid certificate");
	ctlstest_listener(&p, &sg, &ss, 0);
	p.signer = NULL;
	CHECK_INT(tls_server_start(&ep, &p, deadline_in(1000), &peer, err,
	    sizeof(err)), ERR_INVAL);
	CHECK(ep.ssl == NULL && ep.ctx == NULL);
	CHECK_INT(peer.outcome, CTLS_HANDSHAKE);
	CHECK_INT(ss.calls, 0);
	CHECK_INT(ERR_peek_error(), 0);
	/* Nothing was sent to the client. */
	CHECK_INT(recv(sv[1], err, 1, MSG_DONTWAIT), -1);
	ep_close(&ep);
	close(sv[1]);
}
