/*
 * The literal provider: the reference is the value.  The reference is
 * therefore a secret itself, so no message here may name it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "provider_impl.h"
#include "secret.h"

int
literal_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	if ((*out = secret_new(ref, strlen(ref))) == NULL) {
		snprintf(err, errlen, "literal provider: out of memory");
		return ERR_NOMEM;
	}
	return 0;
}
