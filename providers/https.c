/*
 * Where the providers' HTTPS requests go (https.h): base URLs parsed and
 * checked, and the TLS client contexts, with the CA certificates and an
 * optional client certificate read once through StrictModes.  The
 * requests themselves are in httpsreq.c.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "castore.h"
#include "errors.h"
#include "pctenc.h"
#include "safefile.h"
#include "secret.h"
#include "https.h"
#include "util.h"

int
https_parse_addr(const char *url, struct https_server *srv, char *err,
    size_t errlen)
{
	return https_parse_url(url, srv, NULL, 0, err, errlen);
}

/* A base path: segments of RFC 3986's pchar, no "." or ".." segment. */
static int
base_path_ok(const char *p, size_t len)
{
	size_t	 i, seg = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if ((i - seg == 1 && p[seg] == '.') ||
			    (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.'))
				return 0;
			seg = i + 1;
			continue;
		}
		if (!pct_unreserved((unsigned char)p[i]) &&
		    strchr("%!$&'()*+,;=:@", p[i]) == NULL)
			return 0;
	}
	return 1;
}

int
https_parse_url(const char *url, struct https_server *srv, char *prefix,
    size_t prefixlen, char *err, size_t errlen)
{
	const char	*path;
	size_t		 plen;
	const char	*p, *host, *end, *port = NULL;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 hlen;
	unsigned int	 v;

	memset(srv, 0, sizeof(*srv));
	if (strncasecmp(url, "https://", 8) == 0) {
		srv->tls = 1;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else {
		snprintf(err, errlen, "%.200s: not an https:// or http:// "
		    "address", url);
		return ERR_FORMAT;
	}
	host = p;
	if (*p == '[') {
		host = ++p;
		if ((end = strchr(p, ']')) == NULL) {
			snprintf(err, errlen, "%.200s: no ']' after the IPv6 "
			    "address", url);
			return ERR_FORMAT;
		}
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/?#@");
		p = end;
	}
	hlen = end - host;
	if (*p == ':') {
		port = ++p;
		p += strcspn(p, "/?#@");
	}
	path = p;
	plen = strcspn(p, "?#");
	/* Without a trailing '/': every request's uri starts with one. */
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (plen > 0 && path[0] == '/' && prefix != NULL) {
		if (path[plen + strspn(path + plen, "/")] != '\0' ||
		    !base_path_ok(path + 1, plen - 1) || plen >= prefixlen) {
			snprintf(err, errlen, "%.200s: only scheme://host"
			    "[:port][/path] is understood (no query, "
			    "fragment, user information or dot segment)", url);
			return ERR_FORMAT;
		}
		p += plen;
	}
	if (*p == '/')
		p++;
	if (*p != '\0') {
		snprintf(err, errlen, "%.200s: only scheme://host[:port] is "
		    "understood (no path, query or user information)", url);
		return ERR_FORMAT;
	}
	if (prefix != NULL && prefixlen > 0) {
		if (path[0] == '/' && plen > 0) {
			memcpy(prefix, path, plen);
			prefix[plen] = '\0';
		} else
			prefix[0] = '\0';
	}
	if (hlen == 0 || hlen > HTTPS_HOSTLEN) {
		snprintf(err, errlen, "%.200s: no host, or a host name too "
		    "long", url);
		return ERR_FORMAT;
	}
	memcpy(srv->host, host, hlen);
	srv->host[hlen] = '\0';
	if (inet_pton(AF_INET6, srv->host, &a6) == 1 ||
	    inet_pton(AF_INET, srv->host, &a4) == 1)
		srv->host_is_ip = 1;
	else {
		for (p = srv->host; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '.')
				break;
		if (*p != '\0' || host[-1] == '[') {
			snprintf(err, errlen, "%.200s: invalid host", url);
			return ERR_FORMAT;
		}
	}
	srv->port = srv->tls ? 443 : 80;
	if (port != NULL) {
		if (port_parse(port, strcspn(port, "/"), &v) != 0) {
			snprintf(err, errlen, "%.200s: invalid port", url);
			return ERR_FORMAT;
		}
		srv->port = (int)v;
	}
	return 0;
}

int
https_is_loopback(const struct https_server *srv)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (inet_pton(AF_INET, srv->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, srv->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int
https_is_metadata(const struct https_server *srv)
{
	struct in6_addr	 a6, ec2;

	if (strcmp(srv->host, "169.254.169.254") == 0 ||
	    strcasecmp(srv->host, "metadata.google.internal") == 0)
		return 1;
	return inet_pton(AF_INET6, srv->host, &a6) == 1 &&
	    inet_pton(AF_INET6, "fd00:ec2::254", &ec2) == 1 &&
	    memcmp(&a6, &ec2, sizeof(a6)) == 0;
}

/* The last OpenSSL error as text (OpenSSL's own strings, never data). */
static void
ssl_errstr(char *buf, size_t len)
{
	unsigned long	 e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(last, buf, len);
}

int
https_ctx_new(struct https_server *srv, const char *cafile,
    const char *capath, int verify, char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	char	 why[160];
	int	 r;

	srv->verify = verify;
	srv->ctx = NULL;
	if (!srv->tls)
		return 0;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "cannot create a TLS context: %s", why);
		SSL_CTX_free(ctx);
		return ERR_SYS;
	}
	if (cafile != NULL || capath != NULL) {
		/* StrictModes, and read now: castore.c says why. */
		if ((r = castore_load(SSL_CTX_get_cert_store(ctx), cafile,
		    capath, err, errlen)) != 0) {
			SSL_CTX_free(ctx);
			return r;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "cannot load the system's CA "
		    "certificates: %s", why);
		SSL_CTX_free(ctx);
		return ERR_SYS;
	}
	srv->ctx = ctx;
	return 0;
}

void
https_server_clear(struct https_server *srv)
{
	SSL_CTX_free(srv->ctx);
	memset(srv, 0, sizeof(*srv));
}


/* OpenSSL's passphrase callback: there is none to give. */
static int
pem_no_password(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/*
 * A PEM file read through StrictModes into guarded memory, as a read-only
 * memory BIO over it: the private key's PEM never lands in a buffer of
 * OpenSSL's own that is not wiped.
 */
static BIO *
pem_open(const char *path, const char *what, struct secret **data, char *err,
    size_t errlen)
{
	char	 who[64];
	BIO	*bio;

	snprintf(who, sizeof(who), "client %s", what);
	if (file_read(path, 0, who, data, err, errlen) != 0)
		return NULL;
	if ((*data)->len > INT_MAX ||
	    (bio = BIO_new_mem_buf((*data)->data, (int)(*data)->len)) == NULL) {
		secret_free(*data);
		*data = NULL;
		snprintf(err, errlen, "client %s %.200s: out of memory", what,
		    path);
		return NULL;
	}
	return bio;
}

int
https_ctx_client_cert(struct https_server *srv, const char *certfile,
    const char *keyfile, char *err, size_t errlen)
{
	struct secret	*cdata = NULL, *kdata = NULL;
	BIO		*cbio = NULL, *kbio = NULL;
	X509		*cert = NULL, *extra;
	EVP_PKEY	*key = NULL;
	char		 why[160];
	int		 r = ERR_INVAL;

	if (srv->ctx == NULL) {
		snprintf(err, errlen, "a client certificate needs https://");
		return ERR_INVAL;
	}
	if ((cbio = pem_open(certfile, "certificate", &cdata, err,
	    errlen)) == NULL || (kbio = pem_open(keyfile, "key", &kdata, err,
	    errlen)) == NULL) {
		r = ERR_INVAL;
		goto done;
	}
	ERR_clear_error();
	if ((cert = PEM_read_bio_X509(cbio, NULL, NULL, NULL)) == NULL) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "client certificate %.200s: no PEM "
		    "certificate: %s", certfile, why);
		goto done;
	}
	/* No passphrase: a key that asks for one is refused, not prompted. */
	if ((key = PEM_read_bio_PrivateKey(kbio, NULL, pem_no_password,
	    NULL)) == NULL) {
		snprintf(err, errlen, "client key %.200s: no unencrypted PEM "
		    "private key", keyfile);
		goto done;
	}
	if (SSL_CTX_use_certificate(srv->ctx, cert) != 1 ||
	    SSL_CTX_clear_chain_certs(srv->ctx) != 1) {
		ssl_errstr(why, sizeof(why));
		snprintf(err, errlen, "client certificate %.200s: %s",
		    certfile, why);
		goto done;
	}
	/* The rest of the file is the chain up to the server's CA. */
	while ((extra = PEM_read_bio_X509(cbio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(srv->ctx, extra) != 1) {
			X509_free(extra);
			snprintf(err, errlen, "client certificate %.200s: "
			    "cannot add its chain", certfile);
			goto done;
		}
	ERR_clear_error();
	if (SSL_CTX_use_PrivateKey(srv->ctx, key) != 1 ||
	    SSL_CTX_check_private_key(srv->ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "client key %.200s does not match the "
		    "certificate %.200s", keyfile, certfile);
		goto done;
	}
	r = 0;
 done:
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(kbio);
	BIO_free(cbio);
	secret_free(kdata);
	secret_free(cdata);
	return r;
}

int
https_host_header(const struct https_server *srv, char *buf, size_t len)
{
	const char	*l = "", *r = "";
	int		 n;

	if (strchr(srv->host, ':') != NULL) {
		l = "[";
		r = "]";
	}
	/* RFC 9110, 7.2: the port only when it is not the scheme's own. */
	if (srv->port == (srv->tls ? 443 : 80))
		n = snprintf(buf, len, "%s%s%s", l, srv->host, r);
	else
		n = snprintf(buf, len, "%s%s%s:%d", l, srv->host, r,
		    srv->port);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
