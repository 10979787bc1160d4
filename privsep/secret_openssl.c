/*
 * OpenSSL's allocators, which wipe (secret.h): an object of its own, so
 * that an executable without OpenSSL (airlock-worker-plain) links the
 * rest of secret.c without libcrypto.
 */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "errors.h"
#include "secret.h"

/*
 * OpenSSL's allocations, wiped when freed.  Its PEM and DER decoders copy
 * a private key into temporary buffers and free them without cleansing,
 * and the key derivations of SCRAM leave password-derived state behind in
 * the same way; with these hooks nothing OpenSSL frees keeps its bytes.
 */
static void *
wipe_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void
wipe_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	secret_wipe_free(p);
}

static void *
wipe_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return secret_wipe_realloc(p, n);
}

int
secret_openssl_hooks(void)
{
	/* Refused once OpenSSL has allocated anything: call it first. */
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc,
	    wipe_free) == 1 ? 0 : ERR_INVAL;
}
