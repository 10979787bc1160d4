/*
 * An RSA public key in PEM ("BEGIN PUBLIC KEY", SubjectPublicKeyInfo) as
 * its two numbers, big-endian: what the worker hands the monitor of the key
 * a MySQL server sends, and what the monitor makes of a pinned one, so that
 * the monitor never parses a key that came from the network.
 */
#ifndef AIRLOCK_RSAPEM_H
#define AIRLOCK_RSAPEM_H

#include <stddef.h>

/*
 * n and e, with room for *nlen and *elen bytes, then their lengths: 0, or
 * ERR_FORMAT for anything but an RSA public key whose numbers fit.
 */
int		 rsa_pem_numbers(const void *pem, size_t len, unsigned char *n,
		    size_t *nlen, unsigned char *e, size_t *elen);

#endif
