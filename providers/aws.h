/*
 * The aws provider's parts (private to providers/ and the tests):
 *
 *   aws.c	the provider: references, Secrets Manager's GetSecretValue
 *   awscreds.c	the SDKs' credential chain and region; ptoken keeps
 *		the credentials
 *   awslogin.c	temporary credentials: STS (web identity), IMDSv2, the
 *		container endpoint (ECS, EKS Pod Identity)
 *   awsini.c	the shared credentials and config files (INI)
 *   awsreq.c	a request's SigV4 headers, signed by monitor/sigv4.c
 */
#ifndef AIRLOCK_AWS_H
#define AIRLOCK_AWS_H

#include <stddef.h>
#include <time.h>

#include "secret.h"

struct event_base;
struct https_server;
struct ptoken;

#define AWS_REGION_MAX		63	/* as SigV4's scope names */
#define AWS_AKID_MAX		128
#define AWS_SECRET_MAX		128
#define AWS_TOKEN_MAX		4096	/* an STS session token */
#define AWS_MAX_BODY		(1024 * 1024)	/* GetSecretValue */
#define AWS_TOKEN_BODY		(64 * 1024)	/* STS, IMDS */

/*
 * One set of credentials, packed in one secret as "AKID\0SECRET\0TOKEN"
 * (TOKEN empty for long-term keys); these are views into it.
 */
struct aws_creds {
	const char	*akid;
	struct secret	 secret_key;	/* a view: not to be freed */
	const char	*token;		/* NULL when none */
};

/*
 * Read the environment, the files and the chain's first source that is
 * configured; the region from AWS_REGION, AWS_DEFAULT_REGION or the
 * config file (or IMDS, later).  0 or an error for airlockd -t.
 */
int		 awscreds_setup(char *err, size_t errlen);
void		 awscreds_cleanup(void);
/*
 * The region: "" until the first IMDS login when only IMDS can tell
 * (credentials from IMDS, and no setting).
 */
const char	*awscreds_region(void);
/* The chain's source, for the log line ("environment", "web identity"). */
const char	*awscreds_source(void);
/* The credentials, packed: the chain's ptoken (ptoken.h). */
struct ptoken	*awscreds_token(void);
/* [a-z0-9-], 1 to AWS_REGION_MAX. */
int		 aws_region_ok(const char *, size_t);
/* Are the credentials temporary ones, fetched again when refused? */
int		 awscreds_temporary(void);
/*
 * An AWS endpoint: the URL of the first variable of vars (NULL-ended)
 * that is set, else def; https (CA bundle AWS_CA_BUNDLE, else the
 * system's), or http to a loopback address or to one of the address
 * literals of plain (NULL-ended, or NULL for none: the link-local
 * addresses of the metadata services).
 * A path after the address is copied to prefix when prefix is not NULL,
 * else refused.  0 or an error for airlockd -t.
 */
int		 aws_endpoint(const char *const *vars, const char *def,
		    const char *const *plain, struct https_server *,
		    char *prefix, size_t prefixlen, char *err, size_t errlen);
/*
 * The exchanges for temporary credentials (awslogin.c), one at a time:
 * each answers pt with ptoken_set or ptoken_fail, unless aborted first.
 * STS's AssumeRoleWithWebIdentity with the JWT of tokenfile; IMDSv2
 * (which fills region first when it is empty);
 * the container endpoint's GET of uri, with the token of tokenfile (read
 * now) or token as its Authorization, when either is given.
 */
void		 awslogin_sts(struct ptoken *, struct event_base *,
		    int timeout_ms, const struct https_server *,
		    const char *tokenfile, const char *role_arn,
		    const char *session);
void		 awslogin_imds(struct ptoken *, struct event_base *,
		    int timeout_ms, const struct https_server *,
		    char region[AWS_REGION_MAX + 1]);
void		 awslogin_container(struct ptoken *, struct event_base *,
		    int timeout_ms, const struct https_server *,
		    const char *uri, const char *tokenfile,
		    const struct secret *token);
void		 awslogin_abort(void);

/*
 * The code of an AWS error answer (JSON) at path: "__type" (after its
 * namespace and '#'), STS's "Error.Code"; letters and digits, else "".
 */
void		 aws_error_code(const struct secret *body, const char *path,
		    char *code, size_t len);
/* Pack and unpack.  0, or ERR_FORMAT / ERR_NOMEM / ERR_TOOBIG. */
int		 awscreds_pack(const char *akid, size_t akidlen,
		    const void *secret, size_t secretlen, const char *token,
		    size_t tokenlen, struct secret **out);
int		 awscreds_unpack(const struct secret *, struct aws_creds *);

/*
 * A section's key of an INI file held in guarded memory (the SDKs'
 * credentials and config files: "[name]" sections, "key = value" lines,
 * '#' and ';' comments).  The value, trimmed, in guarded memory; 0, or
 * ERR_NOTFOUND (no such section or key), ERR_NOMEM.  With key NULL: 0
 * when the section exists, *out NULL.
 */
int		 awsini_get(const struct secret *file, const char *section,
		    const char *key, struct secret **out);

/* The headers that one signed request carries (awsreq.c). */
struct aws_signed {
	char		 amzdate[17];		/* YYYYMMDDTHHMMSSZ */
	char		 auth[512];		/* Authorization's value */
};

/*
 * Sign a POST / of body to host (the Host header as sent) for service
 * in region, with the headers content-type and x-amz-target (and
 * x-amz-security-token when the credentials have one): the canonical
 * request of "Create a canonical request" (SigV4), its hash signed by
 * sigv4_sign.  0 or -1.
 */
int		 aws_sign_post(const struct aws_creds *, const char *region,
		    const char *service, const char *host,
		    const char *content_type, const char *target,
		    const void *body, size_t bodylen, time_t now,
		    struct aws_signed *);

#endif
