/*
 * Fixed SSH keys for the unit tests (sshtestkeys.c): test keys, public.
 */
#ifndef AIRLOCK_SSHTESTKEYS_H
#define AIRLOCK_SSHTESTKEYS_H

#include <stddef.h>

struct evp_pkey_st;

struct sshtestkey {
	const char	*name;
	const char	*pem;		/* PKCS#1, SEC1 or PKCS#8 PEM */
	const char	*v1;		/* the same key, OpenSSH's format */
	const char	*pub;		/* ssh-keygen -y: "TYPE BASE64 COMMENT" */
	const char	*fp;		/* ssh-keygen -l: "SHA256:..." */
};
/* The keys of sshtestkeys[], in their order */
enum { TK_RSA, TK_EC256, TK_EC384, TK_EC521, TK_ED25519 };
extern const struct sshtestkey	 sshtestkeys[];
extern const size_t		 nsshtestkeys;

struct sshtestbadkey {
	const char	*name;
	const char	*text;
};
extern const struct sshtestbadkey sshtestbadkeys[];
extern const size_t		 nsshtestbadkeys;

/*
 * A key's PEM (PKCS#8), each line indented by eight spaces for a YAML
 * block scalar, appended to out.  0, or -1 when it does not fit.
 */
int		 sshtest_indent_pem(struct evp_pkey_st *, char *out,
		    size_t outlen);

#endif
