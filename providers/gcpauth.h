/*
 * The gcp provider's OAuth 2.0 access token, found as Google's client
 * libraries find Application Default Credentials: a service account key
 * file (GOOGLE_APPLICATION_CREDENTIALS: a JWT signed with its key,
 * exchanged at its token_uri), else the metadata server of the instance
 * (GCE_METADATA_HOST, default metadata.google.internal).  The token is a
 * ptoken (ptoken.h): one login at a time, kept until shortly before it
 * expires.  Private to providers/ (and the tests).
 */
#ifndef AIRLOCK_GCPAUTH_H
#define AIRLOCK_GCPAUTH_H

#include <stddef.h>

struct ptoken;

/* The longest project id kept (Google's are 6..30; domain-scoped more). */
#define GCPAUTH_PROJECT_MAX	100

/*
 * Read the credentials' settings once: the key file now (StrictModes),
 * its private key into OpenSSL's memory.  project gets the key file's
 * project_id ("" when none or metadata).  0 or an error with a message.
 */
int		 gcpauth_setup(char *project, size_t projectlen, char *err,
		    size_t errlen);
void		 gcpauth_cleanup(void);
/* The token, NULL before setup. */
struct ptoken	*gcpauth_token(void);
/*
 * The metadata server's project id, as a ptoken (asked once, kept), for
 * references without a project when no variable names one; NULL when
 * the token comes from a key file.
 */
struct ptoken	*gcpauth_project(void);
/* Where tokens come from, for the log line of setup (no secret). */
const char	*gcpauth_describe(void);

#endif
