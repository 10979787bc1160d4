/*
 * The kernel keyring provider: not built yet (issue 12).
 */
#include <stdio.h>

#include "errors.h"
#include "provider_impl.h"

int
keyring_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	(void)ref;
	*out = NULL;
	snprintf(err, errlen, "provider keyring is not supported yet");
	return ERR_INVAL;
}

int
keychain_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	(void)ref;
	*out = NULL;
	snprintf(err, errlen, "provider keychain is not supported yet");
	return ERR_INVAL;
}
