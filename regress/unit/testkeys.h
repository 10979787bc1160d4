/*
 * Fixed keys for the unit tests (testkeys.c), where making one would take
 * too long.
 */
#ifndef AIRLOCK_TESTKEYS_H
#define AIRLOCK_TESTKEYS_H

#include <openssl/evp.h>

/* A 2048-bit RSA key (a new reference: EVP_PKEY_free it). */
EVP_PKEY	*testkey_rsa(void);

#endif
