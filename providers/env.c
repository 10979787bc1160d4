/*
 * The env provider: the reference names an environment variable of the
 * monitor.  An empty value is a value; an unset variable is an error.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "provider_impl.h"
#include "secret.h"

#define ENV_NAME_MAX	128

/*
 * Only names that a shell could have set.  A reference that is not one
 * may be a value pasted in the wrong place, so it is never echoed.
 */
static int
env_name_valid(const char *name)
{
	size_t	 i;

	if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i == ENV_NAME_MAX)
			return 0;
		if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	}
	return 1;
}

int
env_get_one(const char *ref, struct secret **out, char *err, size_t errlen)
{
	const char	*val;

	*out = NULL;
	if (!env_name_valid(ref)) {
		snprintf(err, errlen, "env provider: the reference is not a "
		    "valid environment variable name");
		return ERR_INVAL;
	}
	if ((val = getenv(ref)) == NULL) {
		snprintf(err, errlen, "environment variable %s is not set",
		    ref);
		return ERR_NOTFOUND;
	}
	if ((*out = secret_new(val, strlen(val))) == NULL) {
		snprintf(err, errlen, "env provider: out of memory");
		return ERR_NOMEM;
	}
	return 0;
}
