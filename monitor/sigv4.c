/*
 * The SigV4 signer ("Signing AWS API requests", AWS General Reference:
 * "Create a string to sign", "Derive a signing key", "Calculate the
 * signature").  The worker builds the canonical request of a client's
 * request and sends its hash; here it is checked, and signed with a key
 * derived from the secret access key, which never leaves this file.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "secret.h"
#include "sigv4.h"
#include "util.h"

#define SHA256_LEN		32
#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"
#define SIGV4_AMZDATE_LEN	16	/* YYYYMMDDTHHMMSSZ */
#define SIGV4_NAME_MAX		63	/* a region's, a service's name */

static int
hmac(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[SHA256_LEN])
{
	unsigned int	 outlen = SHA256_LEN;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != SHA256_LEN)
		return -1;
	return 0;
}

static int
all_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A region or a service: 1 to 63 of [a-z0-9-], up to delim.  Its length. */
static size_t
scope_name(const char *s, int delim)
{
	size_t	 i;

	for (i = 0; i <= SIGV4_NAME_MAX && s[i] != delim && s[i] != '\0';
	    i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return i <= SIGV4_NAME_MAX && s[i] == delim ? i : 0;
}

/* "YYYYMMDDTHHMMSSZ", a date and time that exist: into *t. */
static int
parse_amzdate(const char *s, time_t *t)
{
	struct tm	 tm, back;
	int		 v[6];
	size_t		 i;
	static const size_t	 off[6] = { 0, 4, 6, 9, 11, 13 };
	static const size_t	 len[6] = { 4, 2, 2, 2, 2, 2 };

	if (strlen(s) != SIGV4_AMZDATE_LEN || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (i = 0; i < 6; i++) {
		if (!all_digits(s + off[i], len[i]))
			return -1;
		v[i] = 0;
		for (size_t k = 0; k < len[i]; k++)
			v[i] = v[i] * 10 + (s[off[i] + k] - '0');
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	/* timegm() normalises: a date that does not exist comes back other. */
	if ((*t = timegm(&tm)) == (time_t)-1 || gmtime_r(t, &back) == NULL ||
	    back.tm_year != tm.tm_year || back.tm_mon != v[1] - 1 ||
	    back.tm_mday != v[2] || back.tm_hour != v[3] ||
	    back.tm_min != v[4] || back.tm_sec != v[5])
		return -1;
	return 0;
}

int
sigv4_check(const char *amzdate, const char *scope, const char *hash,
    time_t now, int skew, char *why, size_t whylen)
{
	time_t		 t;
	size_t		 n, i;
	const char	*p;

	if (parse_amzdate(amzdate, &t) == -1) {
		snprintf(why, whylen, "X-Amz-Date is not a date and time "
		    "(YYYYMMDDTHHMMSSZ)");
		return -1;
	}
	/* The scope: date/region/service/aws4_request, of that day. */
	if (strncmp(scope, amzdate, 8) != 0 || scope[8] != '/') {
		snprintf(why, whylen, "the credential scope is not of the "
		    "day of X-Amz-Date");
		return -1;
	}
	p = scope + 9;
	if ((n = scope_name(p, '/')) == 0 ||
	    (i = scope_name(p + n + 1, '/')) == 0 ||
	    strcmp(p + n + 1 + i + 1, SIGV4_TERMINATOR) != 0) {
		snprintf(why, whylen, "the credential scope is not "
		    "date/region/service/aws4_request");
		return -1;
	}
	for (i = 0; hash[i] != '\0'; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') ||
		    (hash[i] >= 'a' && hash[i] <= 'f')))
			break;
	if (i != SIGV4_HEX_LEN || hash[i] != '\0') {
		snprintf(why, whylen, "the canonical request's hash is not a "
		    "SHA-256 in hex");
		return -1;
	}
	/* Signing Version 4: a request is refused 15 minutes away. */
	if ((t > now ? t - now : now - t) > skew) {
		snprintf(why, whylen, "X-Amz-Date is more than %d seconds "
		    "away from the time of this host", skew);
		return -1;
	}
	return 0;
}

/*
 * kSecret = "AWS4" + secret; kDate = HMAC(kSecret, date); kRegion =
 * HMAC(kDate, region); kService = HMAC(kRegion, service); kSigning =
 * HMAC(kService, "aws4_request"); signature = HMAC(kSigning, the string to
 * sign), where scope is date/region/service/aws4_request.
 */
int
sigv4_sign(const struct secret *secret_key, const char *amzdate,
    const char *scope, const char *hash, char sig[SIGV4_HEX_LEN + 1])
{
	struct secret		*k0;
	unsigned char		 k[SHA256_LEN], mac[SHA256_LEN];
	char			 sts[256];
	const char		*part, *slash;
	size_t			 i;
	int			 n, rc = -1;

	n = snprintf(sts, sizeof(sts), "%s\n%s\n%s\n%s", SIGV4_ALGORITHM,
	    amzdate, scope, hash);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return -1;
	if ((k0 = secret_alloc(4 + secret_key->len)) == NULL)
		return -1;
	memcpy(k0->data, "AWS4", 4);
	memcpy(k0->data + 4, secret_key->data, secret_key->len);
	/* The scope's four parts, each the key of the next. */
	part = scope;
	for (i = 0; i < 4; i++) {
		slash = strchr(part, '/');
		if (i < 3 && slash == NULL)
			goto done;
		if (i == 3 && strcmp(part, SIGV4_TERMINATOR) != 0)
			goto done;
		if (hmac(i == 0 ? k0->data : k, i == 0 ? k0->len : SHA256_LEN,
		    part, i < 3 ? (size_t)(slash - part) : strlen(part),
		    k) == -1)
			goto done;
		if (i < 3)
			part = slash + 1;
	}
	if (hmac(k, SHA256_LEN, sts, (size_t)n, mac) == -1)
		goto done;
	hex_encode(mac, sizeof(mac), sig);
	rc = 0;
 done:
	secret_free(k0);
	secret_wipe(k, sizeof(k));
	secret_wipe(mac, sizeof(mac));
	return rc;
}
