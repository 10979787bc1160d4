/*
 * The env provider: the reference names an environment variable of the
 * monitor.  An empty value is a value; an unset variable is an error.
 *
 * A variable that a configuration names is moved out of the environment as
 * the configuration is loaded (env_prepare): its value into guarded memory,
 * its bytes in the environment wiped, its name unset, so that no program
 * airlockd starts and no reader of /proc/PID/environ finds it.  Nothing
 * outside a process changes its environment, so the kept value is what
 * getenv would have said at every later connection, as Secretless reads it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "provider_impl.h"
#include "secret.h"

#define ENV_NAME_MAX	128

struct kept {
	char		*name;
	struct secret	*value;
};

static struct kept	*kept;
static size_t		 nkept;

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

static const struct secret *
kept_value(const char *name)
{
	size_t	 i;

	for (i = 0; i < nkept; i++)
		if (strcmp(kept[i].name, name) == 0)
			return kept[i].value;
	return NULL;
}

int
env_prepare(const char *ref, char *err, size_t errlen)
{
	struct kept	*k;
	char		*val;

	/* Not set, or not a name: env_get_one says so at each connection. */
	if (!env_name_valid(ref) || kept_value(ref) != NULL ||
	    (val = getenv(ref)) == NULL)
		return 0;
	if ((k = reallocarray(kept, nkept + 1, sizeof(*k))) == NULL)
		goto nomem;
	kept = k;
	k = &kept[nkept];
	if ((k->name = strdup(ref)) == NULL)
		goto nomem;
	if ((k->value = secret_new(val, strlen(val))) == NULL) {
		free(k->name);
		goto nomem;
	}
	nkept++;
	secret_wipe(val, strlen(val));
	unsetenv(ref);
	return 0;
 nomem:
	snprintf(err, errlen, "env provider: out of memory");
	return ERR_NOMEM;
}

void
env_cleanup(void)
{
	size_t	 i;

	for (i = 0; i < nkept; i++) {
		free(kept[i].name);
		secret_free(kept[i].value);
	}
	free(kept);
	kept = NULL;
	nkept = 0;
}

int
env_get_one(const char *ref, struct secret **out, char *err, size_t errlen)
{
	const struct secret *k;
	const char	*val;

	*out = NULL;
	if (!env_name_valid(ref)) {
		snprintf(err, errlen, "env provider: the reference is not a "
		    "valid environment variable name");
		return ERR_INVAL;
	}
	if ((k = kept_value(ref)) != NULL) {
		if ((*out = secret_new(k->data, k->len)) == NULL) {
			snprintf(err, errlen, "env provider: out of memory");
			return ERR_NOMEM;
		}
		return 0;
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
