/*
 * The client leg's outcomes by name, for the worker's log lines and the
 * monitor's counters alike (include/ctls.h).
 */
#include "ctls.h"
#include "util.h"

const char *
ctls_outcome_name(int o)
{
	static const char *const names[CTLS_OUTCOME_MAX] = {
		[CTLS_OK] = "ok",
		[CTLS_PLAINTEXT] = "plaintext",
		[CTLS_HANDSHAKE] = "handshake",
		[CTLS_NO_CERT] = "no_certificate",
		[CTLS_UNKNOWN_CA] = "unknown_ca",
		[CTLS_NOT_ALLOWED] = "not_allowed",
	};

	if (o < 0 || o >= (int)nitems(names))
		return NULL;
	return names[o];
}
