/*
 * CA certificates for a TLS client context (castore.c): a PEM file and a
 * directory in OpenSSL's hashed layout, read at once through StrictModes.
 * Private to providers/ (and the tests), and confkeys.c's check of
 * httpCABundle.
 */
#ifndef AIRLOCK_CASTORE_H
#define AIRLOCK_CASTORE_H

#include <stddef.h>

struct x509_store_st;

/*
 * Add the certificates (and CRLs) of cafile and of the files of capath
 * (either may be NULL) to the store.  0, or an error with
 * "cannot load CA certificates from PATH: why" in err.
 */
int		 castore_load(struct x509_store_st *, const char *cafile,
		    const char *capath, char *err, size_t errlen);

#endif
