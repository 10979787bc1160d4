/*
 * The backend TLS client against an OpenSSL server in a forked child, over a
 * socketpair.  The certificates are made here in memory (a CA, a second
 * unrelated CA, a server certificate and client certificates of every key
 * type a client key may have): no files, no openssl command.  A client
 * key's signature is made in process by the monitor's code (tlssign.c), as
 * MSG_TLS_SIGN would have it made.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

#define SERVER_NAME	"db.example.test"
#define CLIENT_CN	"airlock-client"

/* Exit codes of the server child. */
#define SRV_OK		0
#define SRV_HANDSHAKE	1
#define SRV_CLIENTCERT	2
#define SRV_SNI		3
#define SRV_SETUP	4

/* The client certificates: one per kind of key, all CN=CLIENT_CN. */
enum { CLI_P256, CLI_P384, CLI_P521, CLI_RSA, CLI_ED25519, CLI_K256,
    CLI_N };

static const struct {
	const char	*type;
	const char	*curve;		/* EC only */
	const char	*scheme;	/* what a TLS 1.3 handshake signs with */
} cli_kinds[CLI_N] = {
	[CLI_P256] = { "EC", "P-256", "ecdsa_secp256r1_sha256" },
	[CLI_P384] = { "EC", "P-384", "ecdsa_secp384r1_sha384" },
	[CLI_P521] = { "EC", "P-521", "ecdsa_secp521r1_sha512" },
	[CLI_RSA] = { "RSA", NULL, "rsa_pss_rsae_sha256" },
	[CLI_ED25519] = { "ED25519", NULL, "ed25519" },
	/* A curve that TLS 1.3 has no signature for. */
	[CLI_K256] = { "EC", "secp256k1", NULL },
};

static struct pki {
	int		 ready;
	EVP_PKEY	*cakey, *otherkey, *srvkey;
	X509		*ca, *other, *srv;
	X509		*wild, *partial, *selfsigned;	/* with srvkey */
	unsigned char	*ca_pem, *other_pem;
	size_t		 ca_len, other_len;
	EVP_PKEY	*clikey[CLI_N];
	X509		*cli[CLI_N];
	struct secret	*cli_pem[CLI_N], *clikey_pem[CLI_N];
} pki;

static int
cli_setup(void)
{
	EVP_PKEY	*k;
	size_t		 i;

	for (i = 0; i < CLI_N; i++) {
		if (strcmp(cli_kinds[i].type, "RSA") == 0)
			k = testkey_rsa();
		else if (cli_kinds[i].curve != NULL)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
			    cli_kinds[i].curve);
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, cli_kinds[i].type);
		if ((pki.clikey[i] = k) == NULL ||
		    (pki.cli[i] = testcert_make(CLIENT_CN, k, pki.ca,
		    pki.cakey, 0, NULL)) == NULL ||
		    (pki.cli_pem[i] = testcert_secret(pki.cli[i], NULL)) == NULL ||
		    (pki.clikey_pem[i] = testcert_secret(NULL, k)) == NULL)
			return -1;
	}
	return 0;
}

static int
pki_setup(void)
{
	if (pki.ready)
		return 0;
	/* A server's write to a client that gave up must not kill anyone. */
	signal(SIGPIPE, SIG_IGN);
	if (tls_global_init() != 0)
		return -1;
	pki.cakey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki.otherkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki.srvkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pki.cakey || !pki.otherkey || !pki.srvkey)
		return -1;
	pki.ca = testcert_make("airlock test CA", pki.cakey, NULL, NULL, 1,
	    NULL);
	/* An impostor: the same name, another key. */
	pki.other = testcert_make("airlock test CA", pki.otherkey, NULL, NULL,
	    1, NULL);
	if (pki.ca == NULL || pki.other == NULL)
		return -1;
	pki.srv = testcert_make(SERVER_NAME, pki.srvkey, pki.ca, pki.cakey, 0,
	    "DNS:" SERVER_NAME ",IP:127.0.0.1");
	pki.wild = testcert_make("wildcard", pki.srvkey, pki.ca, pki.cakey, 0,
	    "DNS:*.example.test");
	pki.partial = testcert_make("partial", pki.srvkey, pki.ca, pki.cakey, 0,
	    "DNS:d*.example.test");
	pki.selfsigned = testcert_make(SERVER_NAME, pki.srvkey, NULL, NULL, 0,
	    "DNS:" SERVER_NAME);
	if (pki.srv == NULL || pki.wild == NULL || pki.partial == NULL ||
	    pki.selfsigned == NULL || cli_setup() != 0)
		return -1;
	pki.ca_pem = testcert_pem(pki.ca, NULL, &pki.ca_len);
	pki.other_pem = testcert_pem(pki.other, NULL, &pki.other_len);
	if (!pki.ca_pem || !pki.other_pem)
		return -1;
	pki.ready = 1;
	return 0;
}

struct server_opts {
	X509		*cert;		/* NULL: pki.srv */
	int		 client_cert;	/* require one, signed by the CA */
	int		 max_version;	/* 0: the library's maximum */
	const char	*sni;		/* the server name expected, or NULL */
	int		 not_tls;	/* answer a ClientHello with junk */
	int		 silent;	/* accept nothing, say nothing */
	int		 bye;		/* after the client's EOF, say "bye" */
};

/* Echo until the client closes; the exit code says how it went. */
static void
server_main(int fd, const struct server_opts *o)
{
	SSL_CTX		*ctx;
	SSL		*ssl;
	X509		*peer;
	const char	*sni;
	char		 cn[64];
	unsigned char	 buf[16384];
	size_t		 n, w;

	alarm(20);
	if (o->silent) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(SRV_OK);
	}
	if (o->not_tls) {
		if (read(fd, buf, sizeof(buf)) <= 0 ||
		    write(fd, "N\r\nnot tls\r\n", 12) != 12)
			_exit(SRV_SETUP);
		_exit(SRV_OK);
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate(ctx, o->cert != NULL ? o->cert :
	    pki.srv) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pki.srvkey) != 1)
		_exit(SRV_SETUP);
	if (o->max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, o->max_version);
	if (o->client_cert) {
		X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki.ca);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		_exit(SRV_SETUP);
	if (SSL_accept(ssl) != 1)
		_exit(SRV_HANDSHAKE);
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if ((o->sni == NULL) != (sni == NULL) ||
	    (sni != NULL && strcmp(sni, o->sni) != 0))
		_exit(SRV_SNI);
	if (o->client_cert) {
		if ((peer = SSL_get0_peer_certificate(ssl)) == NULL ||
		    X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
		    NID_commonName, cn, sizeof(cn)) <= 0 ||
		    strcmp(cn, CLIENT_CN) != 0)
			_exit(SRV_CLIENTCERT);
	}
	while (SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1)
		if (SSL_write_ex(ssl, buf, n, &w) != 1)
			_exit(SRV_OK);
	/* A close_notify: the client's half-close reached us as one. */
	if (o->bye && SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN)
		SSL_write_ex(ssl, "bye", 3, &w);
	SSL_shutdown(ssl);
	_exit(SRV_OK);
}

static pid_t
server_start(int *clientfd, const struct server_opts *o)
{
	pid_t	 pid;
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		server_main(sv[1], o);
	}
	close(sv[1]);
	*clientfd = sv[0];
	return pid;
}

static int
server_status(pid_t pid)
{
	int	 status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Bytes through the TLS endpoint to the echo server and back. */
static int
round_trip(struct endpoint *ep)
{
	static unsigned char	 out[40000], in[40000];
	size_t			 i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (i * 7 + (i >> 9)) & 0xff;
	memset(in, 0, sizeof(in));
	/* In pieces smaller than the echo's buffers: no write-write jam. */
	for (i = 0; i < sizeof(out); i += 10000) {
		if (ep_write_full(ep, out + i, 10000, deadline_in(5000)) != 0 ||
		    ep_read_full(ep, in + i, 10000, deadline_in(5000)) != 0)
			return -1;
	}
	if (ep_has_pending(ep) != 0)
		return -1;
	return memcmp(in, out, sizeof(out)) == 0 ? 0 : -1;
}

/*
 * Connect with p to a server run with o; *status is the server's exit code.
 * On success the connection also carries some bytes both ways.
 */
static int
run(const struct tls_params *p, const struct server_opts *o, char *err,
    size_t errlen, int *status)
{
	struct endpoint	 ep;
	pid_t		 pid;
	int		 fd, r;

	*status = -1;
	if (pki_setup() != 0 || (pid = server_start(&fd, o)) == -1)
		return -100;
	ep_init(&ep, fd, "backend");
	if (ep_prepare(&ep) != 0)
		return -100;
	r = tls_client_start(&ep, p, deadline_in(5000), err, errlen);
	if (r == 0) {
		if (ep.ssl == NULL || round_trip(&ep) != 0)
			r = -101;
	} else if (ep.ssl != NULL || ep.ctx != NULL || ep.fd != fd)
		r = -102;
	ep_close(&ep);
	*status = server_status(pid);
	return r;
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST(tls_sslmode_parse)
{
	CHECK_INT(sslmode_parse("disable"), SSLMODE_DISABLE);
	CHECK_INT(sslmode_parse("require"), SSLMODE_REQUIRE);
	CHECK_INT(sslmode_parse("verify-ca"), SSLMODE_VERIFY_CA);
	CHECK_INT(sslmode_parse("verify-full"), SSLMODE_VERIFY_FULL);
	CHECK_INT(sslmode_parse("prefer"), -1);
	CHECK_INT(sslmode_parse("allow"), -1);
	CHECK_INT(sslmode_parse("Require"), -1);
	CHECK_INT(sslmode_parse("verify-ca "), -1);
	CHECK_INT(sslmode_parse(""), -1);
	CHECK_INT(sslmode_parse(NULL), -1);
}

TEST(tls_require_without_root)
{
	struct tls_params	 p = { .mode = SSLMODE_REQUIRE,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME };
	char			 err[256];
	int			 st;

	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
	/* TLS 1.2 too. */
	o.max_version = TLS1_2_VERSION;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
}

/* libpq: require with a root certificate verifies as verify-ca does. */
TEST(tls_require_with_wrong_root)
{
	struct tls_params	 p = { .mode = SSLMODE_REQUIRE,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.other_pem;
	p.rootcertlen = pki.other_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK(starts_with(err, "TLS handshake with the backend failed: "
	    "certificate verify failed ("));
	CHECK_INT(st, SRV_HANDSHAKE);
}

TEST(tls_verify_ca)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA,
	    .host = "not-the-name.example.test" };
	struct server_opts	 o = { .sni = "not-the-name.example.test" };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	/* verify-ca does not look at the name. */
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
	o.max_version = TLS1_2_VERSION;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
}

TEST(tls_verify_ca_wrong_ca)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.other_pem;
	p.rootcertlen = pki.other_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_STR(err, "TLS handshake with the backend failed: certificate "
	    "verify failed (unable to get local issuer certificate)");
	CHECK_INT(st, SRV_HANDSHAKE);
	CHECK_INT(ERR_peek_error(), 0);
}

/* A bundle: the right CA after an unrelated one, and text around them. */
TEST(tls_verify_ca_bundle)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA };
	struct server_opts	 o = { 0 };
	unsigned char		*bundle;
	size_t			 len;
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	len = pki.other_len + pki.ca_len + 40;
	REQUIRE((bundle = malloc(len)) != NULL);
	memcpy(bundle, "# other\n", 8);
	memcpy(bundle + 8, pki.other_pem, pki.other_len);
	memcpy(bundle + 8 + pki.other_len, "# the one\n", 10);
	memcpy(bundle + 18 + pki.other_len, pki.ca_pem, pki.ca_len);
	memset(bundle + 18 + pki.other_len + pki.ca_len, '\n', 22);
	p.rootcert = bundle;
	p.rootcertlen = len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
	free(bundle);
}

TEST(tls_bad_rootcert)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA };
	struct endpoint		 ep;
	unsigned char		*cut;
	char			 err[256];
	int			 sv[2];

	REQUIRE(pki_setup() == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "backend");
	p.rootcert = (const unsigned char *)"no certificate here\n";
	p.rootcertlen = 20;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_STR(err, "sslrootcert holds no valid certificate");
	/* A certificate cut short after a good one. */
	REQUIRE((cut = malloc(pki.ca_len * 2)) != NULL);
	memcpy(cut, pki.ca_pem, pki.ca_len);
	memcpy(cut + pki.ca_len, pki.ca_pem, pki.ca_len);
	p.rootcert = cut;
	p.rootcertlen = pki.ca_len + pki.ca_len / 2;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_STR(err, "sslrootcert holds no valid certificate");
	CHECK(ep.ssl == NULL && ep.ctx == NULL && ep.fd == sv[0]);
	CHECK_INT(ERR_peek_error(), 0);
	free(cut);
	ep_close(&ep);
	close(sv[1]);
}

TEST(tls_verify_full)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);

	/* An IP literal: matched against the IP SAN, and no SNI. */
	p.host = "127.0.0.1";
	o.sni = NULL;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
}

TEST(tls_verify_full_wrong_name)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = "other.example.test" };
	struct server_opts	 o = { .sni = "other.example.test" };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_STR(err, "TLS handshake with the backend failed: certificate "
	    "verify failed (hostname mismatch)");
	CHECK_INT(st, SRV_HANDSHAKE);

	p.host = "127.0.0.2";
	o.sni = NULL;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_STR(err, "TLS handshake with the backend failed: certificate "
	    "verify failed (IP address mismatch)");
	CHECK_INT(st, SRV_HANDSHAKE);

	/* No wildcard games: a suffix of the name is not the name. */
	p.host = "example.test";
	o.sni = "example.test";
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_INT(st, SRV_HANDSHAKE);
}

/* libpq's rule: a wildcard stands for a whole left-most label only. */
TEST(tls_verify_full_wildcards)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	o.cert = pki.wild;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
	o.cert = pki.partial;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_STR(err, "TLS handshake with the backend failed: certificate "
	    "verify failed (hostname mismatch)");
	CHECK_INT(st, SRV_HANDSHAKE);
}

TEST(tls_self_signed_server)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA };
	struct server_opts	 o = { 0 };
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	o.cert = pki.selfsigned;
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_AUTH);
	CHECK_STR(err, "TLS handshake with the backend failed: certificate "
	    "verify failed (self-signed certificate)");
	CHECK_INT(st, SRV_HANDSHAKE);
	/* require without a root certificate takes it, as libpq does. */
	p.mode = SSLMODE_REQUIRE;
	p.rootcert = NULL;
	p.rootcertlen = 0;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
}

TEST(tls_missing_parameters)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_CA,
	    .host = SERVER_NAME };
	struct endpoint		 ep;
	char			 err[256];
	int			 sv[2];

	REQUIRE(pki_setup() == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "backend");
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK_STR(err, "sslmode verify-ca needs sslrootcert");
	p.mode = SSLMODE_VERIFY_FULL;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK_STR(err, "sslmode verify-full needs sslrootcert");
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	p.host = NULL;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK_STR(err, "sslmode verify-full needs a host name");
	p.mode = SSLMODE_DISABLE;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK(ep.ssl == NULL && ep.ctx == NULL);
	/* Nothing was sent to the backend. */
	CHECK_INT(recv(sv[1], err, 1, MSG_DONTWAIT), -1);
	ep_close(&ep);
	close(sv[1]);
}

TEST(tls_handshake_timeout)
{
	struct tls_params	 p = { .mode = SSLMODE_REQUIRE };
	struct server_opts	 o = { .silent = 1 };
	struct endpoint		 ep;
	char			 err[256];
	uint64_t		 t0, dt;
	pid_t			 pid;
	int			 fd;

	REQUIRE(pki_setup() == 0);
	REQUIRE((pid = server_start(&fd, &o)) != -1);
	ep_init(&ep, fd, "backend");
	CHECK_INT(ep_prepare(&ep), 0);
	t0 = now_ms();
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(100), err,
	    sizeof(err)), ERR_TIMEOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 100 && dt < 2000);
	CHECK_STR(err, "TLS handshake with the backend timed out");
	ep_close(&ep);
	CHECK_INT(server_status(pid), SRV_OK);
}

TEST(tls_not_a_tls_server)
{
	struct tls_params	 p = { .mode = SSLMODE_REQUIRE };
	struct server_opts	 o = { .not_tls = 1 };
	char			 err[256];
	int			 r, st;

	r = run(&p, &o, err, sizeof(err), &st);
	CHECK(r == ERR_PROTO || r == ERR_EOF);
	CHECK(starts_with(err, "TLS handshake with the backend failed: "));
	CHECK_INT(st, SRV_OK);
	CHECK_INT(ERR_peek_error(), 0);
}

/*
 * The monitor's half of a client key, in process: what MSG_TLS_SIGN would
 * answer (tlssign_answer checks the same before it signs).
 */
struct local_signer {
	const struct secret	*key, *cert;
	int			 calls;
	char			 scheme[TLSSCHEME_NAME_MAX + 1];
	const char		*refuse;	/* a MSG_FAILED's reason */
};

static int
local_sign(void *arg, const char *scheme, const unsigned char *tbs,
    size_t tbslen, unsigned char *sig, size_t *siglen, char *err,
    size_t errlen)
{
	struct local_signer	*ls = arg;
	const struct tlsscheme	*s;
	char			 why[256];

	ls->calls++;
	snprintf(ls->scheme, sizeof(ls->scheme), "%s", scheme);
	if (ls->refuse != NULL) {
		snprintf(err, errlen, "airlock: %s", ls->refuse);
		return ERR_DENIED;
	}
	if (tlssign_check_content(tbs, tbslen) != 0 ||
	    (s = tlsscheme_by_name(scheme)) == NULL) {
		snprintf(err, errlen, "airlock: a request the monitor kills");
		return ERR_PROTO;
	}
	if (tlssign_sign(ls->key, ls->cert, s, tbs, tbslen, sig, siglen, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "airlock: %s", why);
		return ERR_DENIED;
	}
	return 0;
}

/* Client certificate i, its key with the monitor. */
static void
use_client(struct tls_params *p, struct tlskey_signer *sg,
    struct local_signer *ls, int i)
{
	memset(sg, 0, sizeof(*sg));
	memset(ls, 0, sizeof(*ls));
	ls->key = pki.clikey_pem[i];
	ls->cert = pki.cli_pem[i];
	sg->sign = local_sign;
	sg->arg = ls;
	p->cert = pki.cli_pem[i]->data;
	p->certlen = pki.cli_pem[i]->len;
	p->signer = sg;
}

/* Each kind of key signs through the monitor, in TLS 1.3, once. */
TEST(tls_client_certificate)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME, .client_cert = 1 };
	struct tlskey_signer	 sg;
	struct local_signer	 ls;
	unsigned char		*chain;
	size_t			 len;
	char			 err[256];
	int			 i, st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;

	/* Without one, the server refuses. */
	CHECK(run(&p, &o, err, sizeof(err), &st) != 0);
	CHECK_INT(st, SRV_HANDSHAKE);

	for (i = 0; i < CLI_N; i++) {
		if (cli_kinds[i].scheme == NULL)
			continue;
		use_client(&p, &sg, &ls, i);
		CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
		CHECK_INT(st, SRV_OK);
		CHECK_INT(ls.calls, 1);
		CHECK_STR(ls.scheme, cli_kinds[i].scheme);
	}

	/* The leaf followed by its chain. */
	use_client(&p, &sg, &ls, CLI_P256);
	len = pki.cli_pem[CLI_P256]->len;
	REQUIRE((chain = malloc(len + pki.ca_len)) != NULL);
	memcpy(chain, pki.cli_pem[CLI_P256]->data, len);
	memcpy(chain + len, pki.ca_pem, pki.ca_len);
	p.cert = chain;
	p.certlen = len + pki.ca_len;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
	CHECK_INT(ls.calls, 1);
	free(chain);
}

/*
 * A server that stops at TLS 1.2 gets a clear error, and no signature:
 * TLS 1.2's CertificateVerify signs what the monitor cannot check.
 */
TEST(tls_client_certificate_needs_tls13)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME, .client_cert = 1,
	    .max_version = TLS1_2_VERSION };
	struct tlskey_signer	 sg;
	struct local_signer	 ls;
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	use_client(&p, &sg, &ls, CLI_P256);
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_PROTO);
	CHECK_STR(err, "TLS handshake with the backend failed: a client "
	    "certificate needs TLS 1.3 with the backend");
	CHECK_INT(st, SRV_HANDSHAKE);
	CHECK_INT(ls.calls, 0);
	CHECK_INT(ERR_peek_error(), 0);
	/* Without a client certificate TLS 1.2 is still fine. */
	p.cert = NULL;
	p.certlen = 0;
	p.signer = NULL;
	o.client_cert = 0;
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), 0);
	CHECK_INT(st, SRV_OK);
}

/* The monitor's refusal is what the client hears. */
TEST(tls_client_certificate_refused)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME, .client_cert = 1 };
	struct tlskey_signer	 sg;
	struct local_signer	 ls;
	char			 err[256];
	int			 st;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	use_client(&p, &sg, &ls, CLI_RSA);
	ls.refuse = "sslkey does not match sslcert";
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_DENIED);
	CHECK_STR(err, "airlock: sslkey does not match sslcert");
	CHECK_INT(st, SRV_HANDSHAKE);
	CHECK_INT(ls.calls, 1);
	/* The monitor's key is another than the certificate's. */
	use_client(&p, &sg, &ls, CLI_P256);
	ls.key = pki.clikey_pem[CLI_P384];
	CHECK_INT(run(&p, &o, err, sizeof(err), &st), ERR_DENIED);
	CHECK_STR(err, "airlock: sslkey does not match sslcert");
	CHECK_INT(ERR_peek_error(), 0);
}

TEST(tls_client_certificate_errors)
{
	struct tls_params	 p = { .mode = SSLMODE_REQUIRE };
	struct tlskey_signer	 sg;
	struct local_signer	 ls;
	struct endpoint		 ep;
	char			 err[256];
	int			 sv[2];

	REQUIRE(pki_setup() == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep_init(&ep, sv[0], "backend");

	use_client(&p, &sg, &ls, CLI_P256);
	p.signer = NULL;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK_STR(err, "sslcert needs sslkey");
	use_client(&p, &sg, &ls, CLI_K256);
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_FORMAT);
	CHECK_STR(err, "sslcert's EC key is not on one of the curves P-256, "
	    "P-384 or P-521");
	use_client(&p, &sg, &ls, CLI_P256);
	p.cert = NULL;
	p.certlen = 0;
	CHECK_INT(tls_client_start(&ep, &p, deadline_in(1000), err,
	    sizeof(err)), ERR_INVAL);
	CHECK_STR(err, "sslkey needs sslcert");
	CHECK(ep.ssl == NULL && ep.ctx == NULL);
	CHECK_INT(ls.calls, 0);
	CHECK_INT(ERR_peek_error(), 0);
	/* Nothing was sent to the backend. */
	CHECK_INT(recv(sv[1], err, 1, MSG_DONTWAIT), -1);
	ep_close(&ep);
	close(sv[1]);
}

/*
 * The key object itself: it signs only what a TLS 1.3 CertificateVerify
 * signs (RSA: PSS, salt as long as the digest), and asks its signer for
 * nothing else.
 */
TEST(tlskey_signs_tls13_only)
{
	static const unsigned char tbs[] = "some content";
	struct tlskey_signer	 sg;
	struct local_signer	 ls;
	struct tls_params	 p;
	EVP_MD_CTX		*m;
	EVP_PKEY_CTX		*pc;
	EVP_PKEY		*k;
	unsigned char		 sig[512];
	char			 err[256];
	size_t			 len;

	REQUIRE(pki_setup() == 0);
	use_client(&p, &sg, &ls, CLI_RSA);
	REQUIRE((k = tlskey_new(pki.cli[CLI_RSA], &sg, TLSKEY_CLIENT, err,
	    sizeof(err))) != NULL);
	CHECK(EVP_PKEY_is_a(k, "RSA"));
	CHECK_INT(EVP_PKEY_get_bits(k), 2048);
	CHECK_INT(EVP_PKEY_eq(k, X509_get0_pubkey(pki.cli[CLI_RSA])), 1);
	CHECK_INT(EVP_PKEY_eq(k, X509_get0_pubkey(pki.cli[CLI_P256])), -1);
	REQUIRE((m = EVP_MD_CTX_new()) != NULL);

	/* PKCS #1 v1.5, the default padding. */
	len = sizeof(sig);
	CHECK_INT(EVP_DigestSignInit_ex(m, NULL, "SHA256", NULL, NULL, k,
	    NULL), 1);
	CHECK(EVP_DigestSign(m, sig, &len, tbs, sizeof(tbs)) != 1);
	/* PSS with a salt of another length. */
	len = sizeof(sig);
	CHECK_INT(EVP_DigestSignInit_ex(m, &pc, "SHA256", NULL, NULL, k,
	    NULL), 1);
	CHECK_INT(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
	CHECK_INT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 20), 1);
	CHECK(EVP_DigestSign(m, sig, &len, tbs, sizeof(tbs)) != 1);
	CHECK_INT(ls.calls, 0);
	/* rsa_pss_rsae_sha384: the signer is asked (and refuses). */
	len = sizeof(sig);
	CHECK_INT(EVP_DigestSignInit_ex(m, &pc, "SHA2-384", NULL, NULL, k,
	    NULL), 1);
	CHECK_INT(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
	CHECK_INT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
	    RSA_PSS_SALTLEN_DIGEST), 1);
	CHECK(EVP_DigestSign(m, sig, &len, tbs, sizeof(tbs)) != 1);
	CHECK_INT(ls.calls, 1);
	CHECK_STR(ls.scheme, "rsa_pss_rsae_sha384");
	EVP_PKEY_free(k);

	/* ECDSA on P-256 with SHA-384 is no TLS 1.3 scheme. */
	use_client(&p, &sg, &ls, CLI_P256);
	REQUIRE((k = tlskey_new(pki.cli[CLI_P256], &sg, TLSKEY_CLIENT, err,
	    sizeof(err))) != NULL);
	len = sizeof(sig);
	CHECK_INT(EVP_DigestSignInit_ex(m, NULL, "SHA384", NULL, NULL, k,
	    NULL), 1);
	CHECK(EVP_DigestSign(m, sig, &len, tbs, sizeof(tbs)) != 1);
	CHECK_INT(ls.calls, 0);
	EVP_PKEY_free(k);
	EVP_MD_CTX_free(m);
	ERR_clear_error();
}

/*
 * A plaintext client, the relay, a TLS backend: bytes both ways, then the
 * client's half-close travels as close_notify and the backend's last word
 * still comes back.
 */
static void
tls_relay(int max_version)
{
	struct tls_params	 p = { .mode = SSLMODE_VERIFY_FULL,
	    .host = SERVER_NAME };
	struct server_opts	 o = { .sni = SERVER_NAME, .bye = 1,
	    .max_version = max_version };
	struct endpoint		 ce, be;
	struct relay_stats	 st;
	static unsigned char	 out[100000], in[100000 + 4];
	char			 err[256];
	size_t			 wr = 0, rd = 0;
	pid_t			 srv, rel;
	ssize_t			 n;
	int			 c[2], bfd, res[2], status, r, shut = 0;
	struct pollfd		 pfd;

	REQUIRE(pki_setup() == 0);
	p.rootcert = pki.ca_pem;
	p.rootcertlen = pki.ca_len;
	REQUIRE((srv = server_start(&bfd, &o)) != -1);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	REQUIRE(pipe(res) == 0);
	fflush(stdout);
	REQUIRE((rel = fork()) != -1);
	if (rel == 0) {
		alarm(20);
		close(c[0]);
		close(res[0]);
		ep_init(&ce, c[1], "client");
		ep_init(&be, bfd, "backend");
		memset(&st, 0, sizeof(st));
		if ((r = ep_prepare(&be)) == 0)
			r = tls_client_start(&be, &p, deadline_in(5000), err,
			    sizeof(err));
		if (r == 0)
			r = relay_run(&ce, &be, 0, &st);
		ep_close(&be);
		if (write(res[1], &r, sizeof(r)) != sizeof(r) ||
		    write(res[1], &st, sizeof(st)) != sizeof(st))
			_exit(1);
		_exit(0);
	}
	close(c[1]);
	close(bfd);
	close(res[1]);

	memset(out, 'a', sizeof(out));
	out[0] = 'Q';
	fcntl(c[0], F_SETFL, O_NONBLOCK);
	pfd.fd = c[0];
	for (;;) {
		if (wr == sizeof(out) && !shut) {
			shutdown(c[0], SHUT_WR);
			shut = 1;
		}
		pfd.events = POLLIN | (wr < sizeof(out) ? POLLOUT : 0);
		if (poll(&pfd, 1, 5000) != 1)
			break;
		if ((pfd.revents & POLLOUT) &&
		    (n = write(c[0], out + wr, sizeof(out) - wr)) > 0)
			wr += n;
		if (pfd.revents & (POLLIN | POLLHUP)) {
			/* Ends at the EOF, or at one byte too many. */
			if ((n = read(c[0], in + rd, sizeof(in) - rd)) <= 0)
				break;
			if ((rd += n) == sizeof(in))
				break;
		}
	}
	CHECK_INT(wr, sizeof(out));
	CHECK_INT(rd, sizeof(out) + 3);
	CHECK_MEM(in, out, sizeof(out));
	CHECK_MEM(in + sizeof(out), "bye", 3);
	CHECK_INT(read(res[0], &r, sizeof(r)), sizeof(r));
	CHECK_INT(read(res[0], &st, sizeof(st)), sizeof(st));
	CHECK_INT(r, 0);
	CHECK_INT(st.c2b, sizeof(out));
	CHECK_INT(st.b2c, sizeof(out) + 3);
	CHECK_INT(waitpid(rel, &status, 0), rel);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(server_status(srv), SRV_OK);
	close(c[0]);
	close(res[0]);
}

TEST(tls_relay_half_close)
{
	tls_relay(0);
}

TEST(tls_relay_half_close_tls12)
{
	tls_relay(TLS1_2_VERSION);
}
