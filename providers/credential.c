/*
 * The credential provider ("from: credential", also spelled "from:
 * systemd"): the reference names one of the credentials that systemd
 * passes to a service with LoadCredential=, LoadCredentialEncrypted= or
 * SetCredential=, i.e. the file of that name in the directory that
 * $CREDENTIALS_DIRECTORY names (systemd.exec(5), "Credentials").
 *
 * The monitor's environment is fixed when it starts, so the directory is
 * the one that systemd gave this instance.  A name is a single path
 * component: it cannot climb out of the directory, and the file is opened
 * without following a symbolic link.  The reading itself is the file
 * provider's (file_read), with its StrictModes checks: systemd makes the
 * directory and its files the service user's, mode 0500 and 0400.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "provider_impl.h"
#include "safefile.h"
#include "secret.h"
#include "util.h"

#define CREDENTIAL_NAME_MAX	255	/* one path component (NAME_MAX) */
#define CREDENTIAL_DIR_ENV	"CREDENTIALS_DIRECTORY"
#define WHO			"credential provider"

/*
 * One path component, printable, not "." or "..".  A reference that is
 * not one may be a value pasted in the wrong place: it is never echoed.
 */
static int
credential_name_valid(const char *name)
{
	size_t	 i;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (i == CREDENTIAL_NAME_MAX || name[i] == '/')
			return 0;
	return !text_has_control(name, i);
}

int
credential_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	const char	*dir;
	char		 path[PATH_MAX];
	int		 r;

	*out = NULL;
	if (!credential_name_valid(ref)) {
		snprintf(err, errlen, WHO ": the reference is not a credential "
		    "name (one path component, at most %d bytes, not . or ..)",
		    CREDENTIAL_NAME_MAX);
		return ERR_INVAL;
	}
	dir = getenv(CREDENTIAL_DIR_ENV);
	if (dir == NULL || dir[0] == '\0') {
		snprintf(err, errlen, WHO ": " CREDENTIAL_DIR_ENV " is not "
		    "set: run airlockd from a systemd unit with "
		    "LoadCredential=%.100s:FILE", ref);
		return ERR_NOTFOUND;
	}
	if (dir[0] != '/') {
		snprintf(err, errlen, WHO ": " CREDENTIAL_DIR_ENV " is not an "
		    "absolute path");
		return ERR_INVAL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ref) >=
	    sizeof(path)) {
		snprintf(err, errlen, WHO ": " CREDENTIAL_DIR_ENV " is too "
		    "long");
		return ERR_INVAL;
	}
	r = file_read(path, SAFEFILE_NOFOLLOW, WHO, out, err, errlen);
	if (r == ERR_NOTFOUND)
		snprintf(err, errlen, WHO ": no credential %.100s in "
		    CREDENTIAL_DIR_ENV " (LoadCredential=%.100s:FILE in the "
		    "unit)", ref, ref);
	return r;
}
