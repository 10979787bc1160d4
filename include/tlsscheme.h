/*
 * The TLS 1.3 signatures that a backend client key makes, named as the
 * protocol names them (RFC 8446 section 4.2.3, SignatureScheme): the
 * worker's key object (worker/tlskey.c) asks for one by name over the
 * channel (MSG_TLS_SIGN), and the monitor (monitor/tlssign.c) signs only
 * with one of these.  RSA signs with PSS only, its salt as long as the
 * digest and MGF1 with the same digest (section 4.2.3: "rsa_pss_rsae_*");
 * PKCS #1 v1.5 is not a TLS 1.3 CertificateVerify signature and is not
 * here.  ECDSA goes with the digest that TLS 1.3 pairs with its curve.
 */
#ifndef AIRLOCK_TLSSCHEME_H
#define AIRLOCK_TLSSCHEME_H

#include <stddef.h>

/*
 * The content that a client CertificateVerify signs (RFC 8446 section
 * 4.4.3): 64 spaces, this context string, one zero byte, then the
 * transcript hash (32 or 48 bytes: SHA-256 or SHA-384, the hashes of the
 * TLS 1.3 cipher suites, section B.4).
 */
#define TLS13_CV_PAD_LEN	64
#define TLS13_CV_CLIENT_CONTEXT	"TLS 1.3, client CertificateVerify"
/* A server's (the client leg's listener key): as long as the client's. */
#define TLS13_CV_SERVER_CONTEXT	"TLS 1.3, server CertificateVerify"
#define TLS13_CV_HEAD_LEN	(TLS13_CV_PAD_LEN + \
				 sizeof(TLS13_CV_CLIENT_CONTEXT))
#define TLS13_CV_MAX_LEN	(TLS13_CV_HEAD_LEN + 48)

/* The longest name of a scheme, for the channel's parser. */
#define TLSSCHEME_NAME_MAX	32

struct tlsscheme {
	const char	*name;
	const char	*keytype;	/* OpenSSL's key type name */
	int		 curve;		/* ECDSA: its curve's NID */
	int		 md;		/* the digest's NID; 0: EdDSA */
};

/* The scheme of this name, or NULL. */
const struct tlsscheme *tlsscheme_by_name(const char *);
/* The scheme for a key type, curve (0 but for EC) and digest, or NULL. */
const struct tlsscheme *tlsscheme_find(const char *keytype, int curve,
		    int md);
/* Does a scheme sign with an EC key on this curve (a NID)? */
int		 tlsscheme_has_curve(int curve);

#endif
