/*
 * An application/x-www-form-urlencoded body (or a query) built in guarded
 * memory: OAuth token requests carry client secrets and assertions in
 * their forms (RFC 6749, 4.4 and appendix B; RFC 7521, 4.2).  Private to
 * providers/ (and the tests).
 */
#ifndef AIRLOCK_FORMENC_H
#define AIRLOCK_FORMENC_H

#include <stddef.h>

struct secret;

struct form_field {
	const char	*name;		/* unreserved characters only */
	const void	*value;		/* may be a secret */
	size_t		 len;
};

/*
 * "name=value&name=value" with each value percent-encoded (every byte but
 * the unreserved ones), NUL-terminated, in guarded memory; NULL when out of
 * memory.
 */
struct secret	*form_encode(const struct form_field *, size_t n);

#endif
