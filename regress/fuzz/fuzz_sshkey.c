/*
 * libFuzzer harness: what a (compromised) worker hands the monitor's SSH
 * key code (monitor/sshkey.h): the data of a signature request read as a
 * userauth request (ssh_userauth_parse), a public key blob
 * (sshkey_from_blob), and a host key, signature and session identifier
 * to verify (sshkey_verify, MSG_SSH_BIND).  The first byte picks one; for
 * sshkey_verify the rest is three u32-prefixed strings.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "sshkey.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
verify(const uint8_t *data, size_t size)
{
	struct buf		 b;
	const unsigned char	*blob, *sig, *sid;
	size_t			 bloblen, siglen, sidlen;

	buf_view(&b, data, size);
	if (buf_get_string_direct(&b, &blob, &bloblen) == 0 &&
	    buf_get_string_direct(&b, &sig, &siglen) == 0 &&
	    buf_get_string_direct(&b, &sid, &sidlen) == 0)
		(void)sshkey_verify(blob, bloblen, sig, siglen, sid, sidlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_userauth	 ua;
	EVP_PKEY		*k;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		(void)ssh_userauth_parse(data + 1, size - 1, &ua);
		break;
	case 1:
		if (sshkey_from_blob(data + 1, size - 1, &k) == 0)
			EVP_PKEY_free(k);
		break;
	default:
		verify(data + 1, size - 1);
		break;
	}
	return 0;
}
