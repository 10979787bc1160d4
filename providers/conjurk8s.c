/*
 * Conjur's authn-k8s (conjur.h): the client certificate that the
 * authenticate request over mutual TLS needs, got as the
 * conjur-authn-k8s-client gets it (Conjur's "Kubernetes Authenticator"):
 *
 *	1. a key pair of our own (RSA 2048, made at setup, in OpenSSL's
 *	   memory, which is wiped when freed), and a CSR for it: CN the host id's last part
 *	   (its last three when it has four or more), the SAN URI
 *	   spiffe://cluster.local/namespace/{MY_POD_NAMESPACE}/podname/
 *	   {MY_POD_NAME};
 *	2. POST {CONJUR_AUTHN_URL}/inject_client_cert with the CSR, and the
 *	   rest of the host id (policy, '/' as '.') in Host-Id-Prefix: Conjur
 *	   verifies the pod with the Kubernetes API, signs the CSR and writes
 *	   the certificate into this container, at CONJUR_CLIENT_CERT_PATH
 *	   (default /etc/conjur/ssl/client.pem), answering 202;
 *	3. the file is polled for CONJUR_CLIENT_CERT_RETRY_COUNT_LIMIT seconds
 *	   (default 10), read through StrictModes, checked against our key and
 *	   removed; the certificate is kept in memory and installed in a TLS
 *	   context of its own (a new one per certificate, so that no kept
 *	   connection speaks with another), until it is within 30 seconds of
 *	   its end or Conjur refuses it.
 *
 * conjurauth.c then sends the authenticate request on that context.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "errors.h"
#include "conjur.h"
#include "https.h"
#include "provenv.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

#define CERT_DEFAULT_PATH	"/etc/conjur/ssl/client.pem"
#define CERT_WAIT_DEFAULT_S	10
#define CERT_POLL_MS		100
#define CERT_MARGIN_S		30	/* as the client's bufferTime */
#define CERT_FILE_MAX		(64 * 1024)

static struct {
	int			 ready;
	char			 url[CONJUR_PREFIX_MAX + 300];
	struct https_server	 srv;		/* inject_client_cert */
	struct https_server	 mtls;		/* authenticate, with the cert */
	char			 inject_uri[CONJUR_PREFIX_MAX + 32];
	char			 host_prefix[CONJUR_LOGIN_MAX + 1];
	char			 cn[CONJUR_LOGIN_MAX + 1];
	char			 san[CONJUR_LOGIN_MAX + 80];
	char			 path[PATH_MAX];
	int			 wait_ms;
	EVP_PKEY		*key;
	X509			*cert;

	/* The certificate being got. */
	struct https_req	*hr;
	struct event		*ev_poll;
	int			 waited_ms;
	char			 why[200];	/* the last reading's failure */
	conjur_k8s_cb		*cb;
	void			*arg;
} k8s;

/*
 * The host id as conjur-authn-k8s-client splits it: "host/" first; the
 * last part (the last three when there are four or more) is the CSR's CN,
 * the rest the Host-Id-Prefix, each with '.' for '/'.
 */
static int
split_login(const char *login, char *err, size_t errlen)
{
	const char	*p, *cut;
	size_t		 parts = 1, tail, i;

	if (strncmp(login, "host/", 5) != 0) {
		snprintf(err, errlen, "CONJUR_AUTHN_LOGIN %.200s: authn-k8s "
		    "needs a host id, host/...", login);
		return ERR_INVAL;
	}
	for (p = login; *p != '\0'; p++)
		parts += *p == '/';
	tail = parts >= 4 ? 3 : 1;
	for (cut = login + strlen(login), i = 0; i < tail; i++)
		while (--cut > login && *cut != '/')
			;
	snprintf(k8s.host_prefix, sizeof(k8s.host_prefix), "%.*s",
	    (int)(cut - login), login);
	snprintf(k8s.cn, sizeof(k8s.cn), "%s", cut + 1);
	for (i = 0; k8s.host_prefix[i] != '\0'; i++)
		if (k8s.host_prefix[i] == '/')
			k8s.host_prefix[i] = '.';
	for (i = 0; k8s.cn[i] != '\0'; i++)
		if (k8s.cn[i] == '/')
			k8s.cn[i] = '.';
	if (k8s.cn[0] == '\0' || !header_safe(k8s.host_prefix,
	    sizeof(k8s.host_prefix) - 1)) {
		snprintf(err, errlen, "CONJUR_AUTHN_LOGIN %.200s: not a host "
		    "id that authn-k8s can send", login);
		return ERR_INVAL;
	}
	return 0;
}

int
conjur_k8s_setup(const char *url, const char *login, char *prefix,
    size_t prefixlen, char *err, size_t errlen)
{
	const char	*ns, *pod, *v;
	unsigned int	 n;
	int		 r;

	if ((ns = penv("MY_POD_NAMESPACE")) == NULL ||
	    (pod = penv("MY_POD_NAME")) == NULL) {
		snprintf(err, errlen, "authn-k8s needs MY_POD_NAMESPACE and "
		    "MY_POD_NAME (the pod's, from the downward API)");
		return ERR_INVAL;
	}
	if (strlen(ns) + strlen(pod) > CONJUR_LOGIN_MAX ||
	    !header_safe(ns, CONJUR_LOGIN_MAX) ||
	    !header_safe(pod, CONJUR_LOGIN_MAX) ||
	    strchr(ns, '/') != NULL || strchr(pod, '/') != NULL) {
		snprintf(err, errlen, "MY_POD_NAMESPACE or MY_POD_NAME is not "
		    "a Kubernetes name");
		return ERR_INVAL;
	}
	if ((r = split_login(login, err, errlen)) != 0)
		return r;
	snprintf(k8s.san, sizeof(k8s.san), "URI:spiffe://cluster.local/"
	    "namespace/%s/podname/%s", ns, pod);
	if ((r = penv_path("CONJUR_CLIENT_CERT_PATH", CERT_DEFAULT_PATH,
	    k8s.path, sizeof(k8s.path), err, errlen)) != 0)
		return r;
	k8s.wait_ms = CERT_WAIT_DEFAULT_S * 1000;
	if ((v = penv("CONJUR_CLIENT_CERT_RETRY_COUNT_LIMIT")) != NULL) {
		if (port_parse(v, strlen(v), &n) != 0 || n > 600) {
			snprintf(err, errlen, "CONJUR_CLIENT_CERT_RETRY_COUNT_"
			    "LIMIT %.20s is not a number of seconds", v);
			return ERR_INVAL;
		}
		k8s.wait_ms = (int)n * 1000;
	}
	snprintf(k8s.url, sizeof(k8s.url), "%s", url);
	if ((r = conjur_server("CONJUR_AUTHN_URL", url, &k8s.srv, prefix,
	    prefixlen, err, errlen)) != 0)
		return r;
	if (!k8s.srv.tls) {
		https_server_clear(&k8s.srv);
		snprintf(err, errlen, "CONJUR_AUTHN_URL %.200s: authn-k8s "
		    "needs https://", url);
		return ERR_INVAL;
	}
	snprintf(k8s.inject_uri, sizeof(k8s.inject_uri),
	    "%s/inject_client_cert", prefix);
	/* Now, not on the loop: an RSA key takes a while to make. */
	if ((k8s.key = EVP_RSA_gen(2048)) == NULL) {
		https_server_clear(&k8s.srv);
		snprintf(err, errlen, "authn-k8s: cannot make a key pair");
		return ERR_SYS;
	}
	k8s.ready = 1;
	return 0;
}

/* A CSR for our key, in PEM (malloc'd, NUL-terminated), or NULL. */
static char *
make_csr(void)
{
	X509_REQ		*req;
	X509_NAME		*name;
	X509_EXTENSION		*ext;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	BIO			*bio = NULL;
	BUF_MEM			*mem;
	char			*pem = NULL;

	if ((req = X509_REQ_new()) == NULL ||
	    (name = X509_REQ_get_subject_name(req)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)k8s.cn, -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, k8s.key) != 1 ||
	    (exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    k8s.san)) == NULL)
		goto done;
	if (sk_X509_EXTENSION_push(exts, ext) == 0) {
		X509_EXTENSION_free(ext);
		goto done;
	}
	if (X509_REQ_add_extensions(req, exts) != 1 ||
	    X509_REQ_sign(req, k8s.key, EVP_sha256()) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1)
		goto done;
	BIO_get_mem_ptr(bio, &mem);
	if ((pem = malloc(mem->length + 1)) != NULL) {
		memcpy(pem, mem->data, mem->length);
		pem[mem->length] = '\0';
	}
 done:
	BIO_free(bio);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return pem;
}

/* Is the certificate held good for more than the margin? */
static int
cert_fresh(void)
{
	time_t	 t = time(NULL) + CERT_MARGIN_S;

	return k8s.cert != NULL &&
	    X509_cmp_time(X509_get0_notAfter(k8s.cert), &t) > 0;
}

static void
answer(int error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
answer(int error, const char *fmt, ...)
{
	conjur_k8s_cb	*cb = k8s.cb;
	char		 msg[256];
	va_list		 ap;

	k8s.cb = NULL;
	if (cb == NULL)
		return;
	if (error != 0) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		cb(k8s.arg, error, msg, NULL);
	} else
		cb(k8s.arg, 0, NULL, &k8s.mtls);
}

/* A new context for the new certificate, from CONJUR_AUTHN_URL. */
static int
install(X509 *cert, char *err, size_t errlen)
{
	char	 prefix[CONJUR_PREFIX_MAX + 1];
	int	 r;

	https_server_clear(&k8s.mtls);
	if ((r = conjur_server("CONJUR_AUTHN_URL", k8s.url, &k8s.mtls, prefix,
	    sizeof(prefix), err, errlen)) != 0)
		return r;
	if (SSL_CTX_use_certificate(k8s.mtls.ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(k8s.mtls.ctx, k8s.key) != 1 ||
	    SSL_CTX_check_private_key(k8s.mtls.ctx) != 1) {
		snprintf(err, errlen, "the client certificate cannot be used");
		https_server_clear(&k8s.mtls);
		return ERR_SYS;
	}
	X509_free(k8s.cert);
	k8s.cert = cert;
	return 0;
}

/* The certificate file, if it is there and whole; 1 when installed. */
static int
read_cert(void)
{
	struct secret	*s;
	struct stat	 sb;
	X509		*cert = NULL;
	BIO		*bio;
	char		 err[256];

	if (stat(k8s.path, &sb) != 0) {
		snprintf(k8s.why, sizeof(k8s.why), "it did not appear");
		return 0;
	}
	if (file_read(k8s.path, 0, "CONJUR_CLIENT_CERT_PATH", &s, err,
	    sizeof(err)) != 0) {
		snprintf(k8s.why, sizeof(k8s.why), "%.190s", err);
		return 0;
	}
	if (s->len <= CERT_FILE_MAX &&
	    (bio = BIO_new_mem_buf(s->data, (int)s->len)) != NULL) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	secret_free(s);
	/* Written by kubectl exec: it may be half there yet. */
	if (cert == NULL || X509_check_private_key(cert, k8s.key) != 1) {
		X509_free(cert);
		snprintf(k8s.why, sizeof(k8s.why), "it holds no certificate "
		    "of our key");
		return 0;
	}
	/* Only in memory from now on, as the client does. */
	unlink(k8s.path);
	if (install(cert, err, sizeof(err)) != 0) {
		X509_free(cert);
		snprintf(k8s.why, sizeof(k8s.why), "%.190s", err);
		return -1;
	}
	return 1;
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { 0, CERT_POLL_MS * 1000 };
	int		 r;

	(void)fd;
	(void)what;
	(void)arg;
	if ((r = read_cert()) > 0) {
		answer(0, NULL);
		return;
	}
	k8s.waited_ms += CERT_POLL_MS;
	if (r < 0 || k8s.waited_ms >= k8s.wait_ms) {
		answer(ERR_AUTH, "authn-k8s: the client certificate at %.200s: "
		    "%s within %d s (may Conjur's authenticator exec into "
		    "this container?)", k8s.path, k8s.why, k8s.wait_ms / 1000);
		return;
	}
	evtimer_add(k8s.ev_poll, &tv);
}

static void
inject_done(void *arg, int error, const char *err, int status,
    const struct secret *body)
{
	struct timeval	 tv = { 0, CERT_POLL_MS * 1000 };

	(void)arg;
	(void)body;
	k8s.hr = NULL;
	if (error != 0) {
		answer(error, "inject_client_cert: %s", err);
		return;
	}
	/* 202 from the Conjur that logs injection errors; 200 before. */
	if (status != 200 && status != 202) {
		answer(status == 401 || status == 403 ? ERR_AUTH : ERR_PROTO,
		    "inject_client_cert: HTTP %d, refused (is the host id "
		    "allowed to use this authenticator, from this pod?)",
		    status);
		return;
	}
	k8s.waited_ms = 0;
	snprintf(k8s.why, sizeof(k8s.why), "it did not appear");
	if (evtimer_add(k8s.ev_poll, &tv) != 0)
		answer(ERR_SYS, "authn-k8s: cannot wait for the certificate");
}

int
conjur_k8s_cert(struct event_base *base, int timeout_ms, conjur_k8s_cb *cb,
    void *arg)
{
	struct https_header	 hdrs[2];
	char			*csr;

	if (!k8s.ready || cb == NULL)
		return ERR_INVAL;
	k8s.cb = cb;
	k8s.arg = arg;
	if (cert_fresh()) {
		answer(0, NULL);
		return 0;
	}
	if (k8s.ev_poll == NULL &&
	    (k8s.ev_poll = evtimer_new(base, poll_cb, NULL)) == NULL) {
		k8s.cb = NULL;
		return ERR_NOMEM;
	}
	if ((csr = make_csr()) == NULL) {
		k8s.cb = NULL;
		return ERR_SYS;
	}
	/* A certificate left from before is not ours. */
	if (unlink(k8s.path) != 0 && errno != ENOENT) {
		free(csr);
		k8s.cb = NULL;
		return ERR_SYS;
	}
	hdrs[0].name = "Content-Type";
	hdrs[0].value = "text/plain";
	hdrs[1].name = "Host-Id-Prefix";
	hdrs[1].value = k8s.host_prefix;
	k8s.hr = https_request(base, &k8s.srv, HTTPS_POST, k8s.inject_uri,
	    hdrs, nitems(hdrs), csr, strlen(csr), timeout_ms, CONJUR_TOKEN_BODY,
	    inject_done, NULL);
	free(csr);
	if (k8s.hr == NULL) {
		k8s.cb = NULL;
		return ERR_SYS;
	}
	return 0;
}

void
conjur_k8s_abort(void)
{
	https_abort(k8s.hr);
	k8s.hr = NULL;
	if (k8s.ev_poll != NULL)
		evtimer_del(k8s.ev_poll);
	k8s.cb = NULL;
}

void
conjur_k8s_forget(void)
{
	X509_free(k8s.cert);
	k8s.cert = NULL;
}

void
conjur_k8s_cleanup(void)
{
	conjur_k8s_abort();
	if (k8s.ev_poll != NULL)
		event_free(k8s.ev_poll);
	X509_free(k8s.cert);
	EVP_PKEY_free(k8s.key);
	https_server_clear(&k8s.srv);
	https_server_clear(&k8s.mtls);
	memset(&k8s, 0, sizeof(k8s));
}
