/*
 * A key whose private half is the monitor's, as the worker's libssl sees
 * it: an ordinary key object (worker/tlskey.c).  The backend leg's client
 * key (sslkey) and the client leg's listener key (clientTLS) alike.
 */
#ifndef AIRLOCK_TLSKEY_H
#define AIRLOCK_TLSKEY_H

#include <stddef.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

#define TLSKEY_ERRLEN	256

/*
 * Sign tbs with the TLS 1.3 SignatureScheme named scheme (tlsscheme.h)
 * into sig, which has room for *siglen bytes; *siglen is then the
 * signature's length.  0, or an error with a reason for the client in err.
 */
typedef int	 tlskey_sign_fn(void *arg, const char *scheme,
		    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
		    size_t *siglen, char *err, size_t errlen);

/* Which side of a TLS 1.3 handshake the key signs for. */
enum tlskey_role {
	TLSKEY_CLIENT,		/* the backend leg's client certificate */
	TLSKEY_SERVER		/* the client leg's listener certificate */
};

/* Who signs for a key; it must outlive the key. */
struct tlskey_signer {
	tlskey_sign_fn	*sign;
	void		*arg;
	int		 role;			/* set by tlskey_new */
	char		 err[TLSKEY_ERRLEN];	/* why it failed */
};

/* Before the sandbox: the provider, in a library context of its own. */
int		 tlskey_init(void);
/*
 * A key for libssl with cert's public key, whose signatures are signer's
 * for the role (enum tlskey_role, which the reasons name the certificate
 * by); NULL with a reason in err for a key that airlock cannot sign with.
 * EVP_PKEY_free it.
 */
EVP_PKEY	*tlskey_new(X509 *cert, struct tlskey_signer *, int role,
		    char *err, size_t errlen);

#endif
