/*
 * What test_tlsserver.c shares with test_wctls.c: certificates made in
 * memory, the monitor's signature of the listener key in process, and an
 * OpenSSL client in a forked child.  test_wctls.c plays the monitor to a
 * worker (worker.h), which monitor.h cannot be included with.
 */
#ifndef AIRLOCK_TEST_CTLSTEST_H
#define AIRLOCK_TEST_CTLSTEST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls.h"
#include "tlsscheme.h"

#define SERVICE		"svc"
#define APP_SAN		"DNS:app.test,URI:spiffe://x/app,email:a@b.test"

/* Exit codes of the client child. */
#define CLI_OK		0
#define CLI_HANDSHAKE	1
#define CLI_CANAMES	2
#define CLI_REPLY	3
#define CLI_TICKET	4
#define CLI_SETUP	5

enum { C_APP, C_OTHER, C_STRANGER, C_EXPIRED, C_SERVERONLY, C_N };

struct secret;

extern struct ctls_pki {
	int		 ready;
	EVP_PKEY	*k;		/* every key but these two */
	EVP_PKEY	*otherk;	/* the other CA's */
	X509		*srvca, *cca, *otherca;
	X509		*srv, *srv_rsa;
	X509		*cli[C_N];
	unsigned char	*chain, *chain_rsa, *cca_pem;
	size_t		 chainlen, chain_rsalen, cca_len;
	struct secret	*key_pem, *rsakey_pem, *srv_pem, *srv_rsa_pem;
} cpki;

/* The monitor's half of the listener key, in process. */
struct srv_signer {
	const struct secret	*key, *cert;
	int			 calls, server_content;
	char			 scheme[TLSSCHEME_NAME_MAX + 1];
	const char		*refuse;	/* a MSG_FAILED's reason */
};

struct cli_opts {
	X509		*cert;		/* NULL: none */
	int		 max_version;	/* 0: the library's */
	int		 silent;	/* say nothing at all */
	int		 expect_ca;	/* the client CA's name asked for */
	const char	*reply;		/* what the server is to say */
};

int	 ctlstest_setup(void);
/* A tlskey_sign_fn of a struct srv_signer: tlssign.c signs. */
int	 ctlstest_sign(void *, const char *scheme, const unsigned char *tbs,
	    size_t tbslen, unsigned char *sig, size_t *siglen, char *err,
	    size_t errlen);
/*
 * The client child on fd, which exits with a CLI_* code: the handshake,
 * the CA names asked for, "hello", then the server's one reply to its
 * end (o->reply); no session ticket.
 */
void	 ctlstest_client(int fd, const struct cli_opts *o)
	    __attribute__((noreturn));
/* The listener: P-256 (rsa 0) or RSA, signed for by ss; no client CA. */
void	 ctlstest_listener(struct tls_server_params *,
	    struct tlskey_signer *, struct srv_signer *, int rsa);

#endif
