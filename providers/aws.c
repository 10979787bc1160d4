/*
 * The aws provider: not built yet (issue 12).  A configuration that
 * names it fails the check with a message that says so.
 */
#include <stdio.h>

#include "errors.h"
#include "provider_impl.h"

void
aws_start(struct provider_req *req, const char *const *refs, size_t n)
{
	(void)refs;
	(void)n;
	provider_fail(req, ERR_INVAL, "provider aws is not supported yet");
}

void
aws_abort(struct provider_req *req)
{
	(void)req;
}

int
aws_setup(char *err, size_t errlen)
{
	snprintf(err, errlen, "provider aws is not supported yet");
	return ERR_INVAL;
}

void
aws_cleanup(void)
{
}
