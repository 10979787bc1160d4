/*
 * OpenSSL's allocators, which wipe (secret.h), in every executable that
 * links OpenSSL's TLS (tls.h): main.c asks tls_alloc_ready(), and so
 * links this object and its preinit array.  Not in notls.c's executable,
 * which has no OpenSSL, nor in the unit tests, which never ask.
 *
 * OpenSSL takes new allocators only before its first allocation, and
 * libssh's constructor (its init.c) sets OpenSSL up when the library is
 * loaded, before main: the wiping allocators are installed from the
 * executable's preinit array, which runs before every library's
 * constructor.
 */
#include "errors.h"
#include "secret.h"
#include "tls.h"

static int	 openssl_hooks_set;

static void
preinit_openssl_hooks(void)
{
	openssl_hooks_set = secret_openssl_hooks() == 0;
}

__attribute__((section(".preinit_array"), used))
static void	(*const preinit[])(void) = { preinit_openssl_hooks };

int
tls_alloc_ready(void)
{
	return openssl_hooks_set ? 0 : ERR_SYS;
}
