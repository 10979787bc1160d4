/*
 * Certificates for the unit tests, made in memory with OpenSSL's API
 * (testcerts.c): no files, no openssl command.
 */
#ifndef AIRLOCK_TESTCERTS_H
#define AIRLOCK_TESTCERTS_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct secret;

/* Add an extension as openssl.cnf writes it ("critical,CA:TRUE"). */
int		 testcert_add_ext(X509 *, X509V3_CTX *, int nid,
		    const char *value);
/*
 * A certificate CN=cn for key, signed by issuer with ikey (NULL:
 * self-signed), a CA or a leaf for both serverAuth and clientAuth, with
 * the subjectAltName san ("DNS:a,URI:b") or none; valid from an hour ago
 * for a day.
 */
X509		*testcert_make(const char *cn, EVP_PKEY *key, X509 *issuer,
		    EVP_PKEY *ikey, int ca, const char *san);
/* The certificate's PEM (or, x NULL, the key's), malloc'd; *lenp. */
unsigned char	*testcert_pem(X509 *x, EVP_PKEY *k, size_t *lenp);
/* The same in guarded memory, as the monitor holds credentials. */
struct secret	*testcert_secret(X509 *x, EVP_PKEY *k);

#endif
