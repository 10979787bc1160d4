/*
 * Keys for the unit tests that are costly to make: an RSA key takes a
 * prime search, which under valgrind runs for tens of seconds, and at
 * random lengths.  This one was made once with `openssl genpkey` for these
 * tests and signs nothing else; it is public.
 */
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "testkeys.h"

static const char rsa2048_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC9JwoRBDyeVTzf\n"
    "TWmH6Hxvb2eiOC2iHmv8qbOlOgeUKfGHIRJX5irhOKTdyXWsRij9weq/mhb01u8a\n"
    "Mtc4C1uCxAkJvQB5F0BncP2khkctB9o39PIOt9+VCNBnVrufJSnVOie48DnoWs9O\n"
    "e9WQ0ApgowMtva0CVN83Ye1eptu4X3LVl5BjmMiKTP0uzGHFI8dF2w6hAwnYKrU+\n"
    "LZnx9uE8iIJXIbOogWxZbTux5mzG+2toB3dDOx3vftQlowBjajrqL/0DNDv91+on\n"
    "zWM32o0NN3/yFNyKe89iCeLcNsUj7daNlvACNIYqEe0sNGndeZe3lAj0UcLcYOeZ\n"
    "wnD2nEbVAgMBAAECggEADWyEWiiqdYXjPbKhGpxSwQT4gszNt7OgS5fuu42A9TBr\n"
    "a+612aCxnMj6RBHJK8Ss6xBEkXxcIADlQZqDFTXJtN/dLA5Ba2jf0QU/CdqVdPx1\n"
    "CR7jLpZdpBZpHsamgj/PBCaXNmG49u3e7PR8d7MGUYQd2SJmA6jYdSz1xrQYY/pu\n"
    "68JhVZ/x3+/fd+g8KyS7L9DgJ7xC8XxUcjoUMqcXQh5ChyNGtpLSjBjQK5aOYL+1\n"
    "dRZPsdz2HYLGSGp5V+Au2moY5y9a7NvkBIjo3Uqjq/3jWSE/DKuv11AidNpmvEf6\n"
    "M4B+PR4AoFBCsw5dv+2qfEpVMwXSD9LAp//D/SvcPwKBgQDcIUnCovmx8MEIjxkk\n"
    "O18o1DojTVwQE5Q3/zCFu0mVi4kjq8PKrW/K6LtGKir9nn8jx37qQmfXJdSFujao\n"
    "T5kkLBOTNQkROjAWL4ptdsMagmCDXqC4nHBQQTkPOaZKkLvcBGgxr3ASKCPwFtSd\n"
    "Bi5S7bJ/s0VffPYaCXXmupzk+wKBgQDb+YZsjbRxug/2CRm6BS77vWWmQoP1rmgw\n"
    "DkCURgiB8EgwYKvQLmOHbw43gp7bo52OduJLpOXpvQgSgjtBuSihgPGDz/yKiyuD\n"
    "QZGIYWgJlmcp68YQJKsETNKJrRvPeECw+oFi3NAYv201Hhc3MREVTmgFkIDGl5LA\n"
    "jF8tDKKabwKBgQCWXcrDwI3t5bYGQbF71W6QNkAsYyiS9rzVb2TWxPNjyrf3/Nm2\n"
    "dbiak1VxfVZ2fjD84MYqAQhrp7S/UE8Ls6u5UL5iXOT/to6oaPsXAPwO/KYutpH0\n"
    "6S+zMopmgwu7fZhFl2ERJ3TXgkHiO8YqKNG15hZ7Mpsduf9mE7ZM0IZhxwKBgBIN\n"
    "+eWA//Vxowu7lXv6HvAUjHpH7VLF3NFM6ioBUYNwuEwYMyHkHNEp4U3XD7jRRgZC\n"
    "ZbJ1t1Um6bmzLK/pRZdz4N7DvGOWppygThSWghZ/XLpJGrmKeOrib0lThvvRT+X2\n"
    "uZXmr8HIPGtmq9sg0Nkh1VHXmWozWJ0rKEinR9VLAoGBAJzFSmjEkB69Wv5F0PWm\n"
    "GZ6RA3VYiBV90B+4Z79rKXy39vmIp6J3EUepbCs0S9NabJP5g1V6sNd0NfuyDkJU\n"
    "qL9HeHIRt3U2wFb+R2jWuPpo2Bs/hbtfBi89+tUe+Is7wQbCvEn/Wdrt1we74l/v\n"
    "NYqXLsxtcQEunSZi+Lf9bdTA\n"
    "-----END PRIVATE KEY-----\n"
    ;

EVP_PKEY *
testkey_rsa(void)
{
	static EVP_PKEY	*k;
	BIO		*bio;

	if (k == NULL &&
	    (bio = BIO_new_mem_buf(rsa2048_pem, sizeof(rsa2048_pem) - 1)) !=
	    NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	/* Each caller owns a reference. */
	if (k != NULL && EVP_PKEY_up_ref(k) != 1)
		return NULL;
	return k;
}
