/*
 * PostgreSQL authentication computed in the monitor, so that the password
 * never enters a worker.  The worker hands us the backend's challenge (the
 * MD5 salt, the SCRAM server messages) and receives only the answer.
 *
 * MD5: PostgreSQL protocol, AuthenticationMD5Password (PostgreSQL docs,
 * "Message Flow" and "Password Authentication").
 *
 * SCRAM-SHA-256: the client side of RFC 5802 (sections 3, 5 and 7) with the
 * hash of RFC 7677, as PostgreSQL uses it ("SASL Authentication"): an empty
 * user name, the password prepared the way PostgreSQL's pg_saslprep()
 * prepares it, and channel binding as the caller says (RFC 5802 section 6):
 * none ("n"), none because the server offers none ("y"), or
 * tls-server-end-point (RFC 5929 section 4, SCRAM-SHA-256-PLUS), whose
 * certificate hash the caller hands us as opaque bytes.
 *
 * Everything we parse here comes from a backend through a sandboxed worker,
 * so it is validated as hostile input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stringprep.h>

#include "buf.h"
#include "errors.h"
#include "pgauth.h"
#include "secret.h"
#include "util.h"

#define MD5_LEN			16
#define SHA256_LEN		32

#define SCRAM_NONCE_MAX		64	/* a client nonce that we accept */
#define SCRAM_USER_MAX		64	/* raw user name (tests only) */
#define SCRAM_MSG_MAX		1024	/* server-first, server-final */
#define SCRAM_SNONCE_MAX	512	/* client and server nonce together */
/* PostgreSQL's MAX_PASSWORD_LENGTH: pg_saslprep() refuses longer ones. */
#define SCRAM_PASSWORD_MAX	1024

/* Base64 length of n bytes, with padding, without NUL. */
#define B64_LEN(n)		(((n) + 2) / 3 * 4)
#define SCRAM_SIG_B64_LEN	B64_LEN(SHA256_LEN)	/* 44 */

/*
 * RFC 5802 section 7, gs2-header = gs2-cbind-flag "," [authzid] ",", with
 * gs2-cbind-flag = ("p=" cb-name) / "n" / "y"; cb-name of RFC 5929 section 4.
 */
#define GS2_NONE		"n,,"
#define GS2_UNOFFERED		"y,,"
#define GS2_END_POINT		"p=tls-server-end-point,,"
#define SCRAM_GS2_MAX		(sizeof(GS2_END_POINT) - 1)
/* c= is base64(gs2-header [cbind-data]). */
#define SCRAM_CBIND_B64_MAX	B64_LEN(SCRAM_GS2_MAX + SCRAM_CBIND_DATA_MAX)

/* "n=" saslname ",r=" nonce; escaping turns one byte into at most three. */
#define SCRAM_FIRST_BARE_MAX	(2 + 3 * SCRAM_USER_MAX + 3 + SCRAM_NONCE_MAX)
/* "c=" cbind ",r=" nonce */
#define SCRAM_FINAL_BARE_MAX	(2 + SCRAM_CBIND_B64_MAX + 3 + SCRAM_SNONCE_MAX)
#define SCRAM_AUTHMSG_MAX	(SCRAM_FIRST_BARE_MAX + 1 + SCRAM_MSG_MAX + \
				    1 + SCRAM_FINAL_BARE_MAX)
#define SCRAM_FINAL_MAX		(SCRAM_FINAL_BARE_MAX + 3 + SCRAM_SIG_B64_LEN)
/* Our answer fits wherever the server's messages fit. */
_Static_assert(SCRAM_FINAL_MAX <= SCRAM_MSG_MAX, "client-final too long");

enum scram_state {
	SCRAM_NEW,		/* nonce and user may still be set */
	SCRAM_FIRST_SENT,	/* waiting for the server-first-message */
	SCRAM_HI,		/* the client-final-message waits for Hi() */
	SCRAM_FINAL_SENT,	/* waiting for the server-final-message */
	SCRAM_DONE,		/* verified or failed: nothing more to do */
};

struct scram {
	enum scram_state state;
	char		 gs2[SCRAM_GS2_MAX + 1];	/* the gs2-header */
	size_t		 gs2_len;
	char		 cbind[SCRAM_CBIND_B64_MAX + 1];	/* c=, base64 */
	size_t		 cbind_len;
	uint32_t	 floor;			/* least iteration count */
	uint32_t	 iterations;		/* the server's, once parsed */
	char		 nonce[SCRAM_NONCE_MAX + 1];
	size_t		 nonce_len;		/* 0: draw one at first message */
	char		 user[3 * SCRAM_USER_MAX + 1];	/* as a saslname */
	size_t		 user_len;
	char		 first_bare[SCRAM_FIRST_BARE_MAX];
	size_t		 first_bare_len;
	unsigned char	 server_sig[SHA256_LEN];	/* what we expect */

	/* From scram_client_final_begin to _finish (nothing secret). */
	char		 final_bare[SCRAM_FINAL_BARE_MAX];	/* no proof */
	size_t		 final_bare_len;
	char		 authmsg[SCRAM_AUTHMSG_MAX];
	size_t		 authmsg_len;
};

/*
 * The keys derived from the password (RFC 5802 section 3), kept together in
 * guarded memory for the length of one computation.
 */
struct scram_keys {
	unsigned char	 salted[SHA256_LEN];	/* SaltedPassword */
	unsigned char	 client_key[SHA256_LEN];
	unsigned char	 stored_key[SHA256_LEN];
	unsigned char	 client_sig[SHA256_LEN];
	unsigned char	 proof[SHA256_LEN];
	unsigned char	 server_key[SHA256_LEN];
};

struct server_first {
	const unsigned char *nonce;	/* points into the message */
	size_t		 nonce_len;
	unsigned char	 salt[SCRAM_SALT_MAX + 3];	/* decoding slack */
	size_t		 salt_len;
	uint32_t	 iterations;
};

/*
 * AuthenticationMD5Password: the response is "md5" followed by
 * hex(md5(hex(md5(password || user)) || salt)).
 */
int
pgauth_md5(const struct secret *password, const char *user,
    const unsigned char salt[4], char out[PG_MD5_LEN + 1])
{
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
	unsigned char	 digest[MD5_LEN];
	char		 hex[2 * MD5_LEN + 1];
	int		 r = ERR_NOMEM;

	if (password == NULL || password->data == NULL || user == NULL ||
	    salt == NULL || out == NULL)
		return ERR_INVAL;
	/* PostgreSQL treats an empty password as none: it never matches. */
	if (password->len == 0)
		return ERR_INVAL;
	/* Unavailable where policy forbids it (a FIPS provider). */
	if ((md = EVP_MD_fetch(NULL, "MD5", NULL)) == NULL)
		return ERR_DENIED;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	/* Hashed in pieces, so that the password is never copied. */
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, password->data, password->len) != 1 ||
	    EVP_DigestUpdate(ctx, user, strlen(user)) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
		goto out;
	hex_encode(digest, sizeof(digest), hex);
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, hex, 2 * MD5_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, salt, 4) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
		goto out;
	memcpy(out, "md5", 3);
	hex_encode(digest, sizeof(digest), out + 3);
	r = 0;
 out:
	secret_wipe(digest, sizeof(digest));
	secret_wipe(hex, sizeof(hex));
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return r;
}

/* RFC 5802 section 7: printable = %x21-2B / %x2D-7E, i.e. no ','. */
static int
scram_printable(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
			return 0;
	return 1;
}

/* Strict base64 (RFC 4648 section 4, padded, canonical), one or more bytes. */
static int
b64_decode(const unsigned char *in, size_t len, unsigned char *out,
    size_t max, size_t *outlen)
{
	if (len == 0 || len % 4 != 0)
		return ERR_FORMAT;
	if (len / 4 * 3 > max)
		return ERR_TOOBIG;
	if (sodium_base642bin(out, max, (const char *)in, len, NULL, outlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || *outlen == 0)
		return ERR_FORMAT;
	return 0;
}

/*
 * The attribute at *pos must be NAME=value: return the value and leave *pos
 * at the ',' that ends it, or at the end of the message.
 */
static int
scram_attr(const unsigned char *msg, size_t len, size_t *pos, int name,
    const unsigned char **val, size_t *vlen)
{
	size_t	 i = *pos, start;

	if (len - i < 2 || msg[i] != name || msg[i + 1] != '=')
		return ERR_FORMAT;
	start = i + 2;
	for (i = start; i < len && msg[i] != ','; i++)
		;
	*val = msg + start;
	*vlen = i - start;
	*pos = i;
	return 0;
}

/*
 * Step over the ',' after an attribute that must be followed by another;
 * a message that ends here lacks it.
 */
static int
scram_next(size_t len, size_t *pos)
{
	if (*pos >= len)
		return ERR_FORMAT;
	(*pos)++;	/* scram_attr stopped at a ',' */
	return 0;
}

/*
 * RFC 5802 section 7: extensions = attr-val *("," attr-val), with
 * attr-val = ALPHA "=" value and value = 1*value-char.  We understand none
 * of them; they must only be well formed.  *pos is at the end of the message
 * or at the ',' that introduces the extensions.
 */
static int
scram_extensions(const unsigned char *msg, size_t len, size_t pos)
{
	const unsigned char	*val;
	size_t			 vlen;
	int			 r;

	while (pos < len) {
		pos++;		/* the ',' */
		if (pos >= len || !((msg[pos] >= 'a' && msg[pos] <= 'z') ||
		    (msg[pos] >= 'A' && msg[pos] <= 'Z')))
			return ERR_FORMAT;
		if ((r = scram_attr(msg, len, &pos, msg[pos], &val,
		    &vlen)) != 0)
			return r;
		if (vlen == 0)
			return ERR_FORMAT;
	}
	return 0;
}

/*
 * RFC 5802 section 7:
 *   server-first-message = [reserved-mext ","] nonce "," salt ","
 *                          iteration-count ["," extensions]
 * The nonce must extend ours (section 5.1), the salt must decode, and the
 * iteration count must be a posit-number within our bounds: a server that
 * asks for more makes us burn CPU on its behalf, one that asks for fewer
 * than the floor asks for a proof that is cheap to guess the password from.
 */
static int
scram_parse_first(const struct scram *s, const unsigned char *msg,
    size_t len, struct server_first *sf)
{
	const unsigned char	*val;
	size_t			 vlen, pos = 0, i;
	uint64_t		 iter;
	int			 r;

	if (len == 0)
		return ERR_FORMAT;
	if (len > SCRAM_MSG_MAX)
		return ERR_TOOBIG;
	if (memchr(msg, '\0', len) != NULL)
		return ERR_FORMAT;
	/* Section 5.1: "m" announces an extension we must understand. */
	if (len >= 2 && msg[0] == 'm' && msg[1] == '=')
		return ERR_PROTO;

	if ((r = scram_attr(msg, len, &pos, 'r', &val, &vlen)) != 0)
		return r;
	if (!scram_printable(val, vlen))
		return ERR_FORMAT;
	if (vlen > SCRAM_SNONCE_MAX)
		return ERR_TOOBIG;
	if (vlen <= s->nonce_len || memcmp(val, s->nonce, s->nonce_len) != 0)
		return ERR_PROTO;
	sf->nonce = val;
	sf->nonce_len = vlen;

	if ((r = scram_next(len, &pos)) != 0 ||
	    (r = scram_attr(msg, len, &pos, 's', &val, &vlen)) != 0)
		return r;
	if ((r = b64_decode(val, vlen, sf->salt, sizeof(sf->salt),
	    &sf->salt_len)) != 0)
		return r;
	if (sf->salt_len > SCRAM_SALT_MAX)
		return ERR_TOOBIG;

	if ((r = scram_next(len, &pos)) != 0 ||
	    (r = scram_attr(msg, len, &pos, 'i', &val, &vlen)) != 0)
		return r;
	/* posit-number = %x31-39 *DIGIT: no sign, no leading zero. */
	if (vlen == 0 || val[0] < '1' || val[0] > '9')
		return ERR_FORMAT;
	iter = 0;
	for (i = 0; i < vlen; i++) {
		if (val[i] < '0' || val[i] > '9')
			return ERR_FORMAT;
		/* Saturate rather than overflow; the bound check follows. */
		if (iter <= SCRAM_MAX_ITERATIONS)
			iter = iter * 10 + (val[i] - '0');
	}
	/* Saturated above, so it fits; kept for the caller's log. */
	sf->iterations = (uint32_t)iter;
	if (iter < s->floor || iter > SCRAM_MAX_ITERATIONS)
		return ERR_DENIED;

	return scram_extensions(msg, len, pos);
}

/* RFC 3629 section 4, as pg_utf8_islegal(): no overlongs, no surrogates. */
static int
utf8_valid(const unsigned char *p, size_t len)
{
	size_t	 i = 0, n, k;
	unsigned char lo, hi;

	while (i < len) {
		lo = 0x80;
		hi = 0xbf;
		if (p[i] < 0x80)
			n = 0;
		else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 1;
		else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			if (p[i] == 0xe0)
				lo = 0xa0;
			else if (p[i] == 0xed)
				hi = 0x9f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			if (p[i] == 0xf0)
				lo = 0x90;
			else if (p[i] == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if (p[i + k] < lo || p[i + k] > hi)
				return 0;
			lo = 0x80;
			hi = 0xbf;
		}
		i += n + 1;
	}
	return 1;
}

/*
 * Prepare the password as PostgreSQL's pg_saslprep() does (RFC 4013), so
 * that we derive the key the server stored: an ASCII password is used as it
 * is, and so is one that is not valid UTF-8, that SASLprep refuses (with
 * unassigned code points prohibited, as PostgreSQL has it) or that maps to
 * nothing.  *prepped is left NULL when the raw bytes are to be used, else it
 * is libidn's malloc'd string, which the caller wipes and frees.
 */
static int
scram_saslprep(const struct secret *pw, char **prepped)
{
	char	*out = NULL;
	size_t	 i;
	int	 rc;

	*prepped = NULL;
	for (i = 0; i < pw->len && pw->data[i] < 0x80; i++)
		;
	if (i == pw->len)
		return 0;
	/* A NUL (prohibited by SASLprep anyway) would cut libidn's input. */
	if (memchr(pw->data, '\0', pw->len) != NULL ||
	    !utf8_valid(pw->data, pw->len))
		return 0;
	/* secret.h promises a NUL after the value. */
	rc = stringprep_profile((const char *)pw->data, &out, "SASLprep",
	    STRINGPREP_NO_UNASSIGNED);
	switch (rc) {
	case STRINGPREP_OK:
		break;
	case STRINGPREP_MALLOC_ERROR:
		return ERR_NOMEM;
	case STRINGPREP_PROFILE_ERROR:
	case STRINGPREP_FLAG_ERROR:
	case STRINGPREP_UNKNOWN_PROFILE:
		return ERR_INVAL;
	default:
		return 0;
	}
	if (out == NULL)
		return ERR_NOMEM;
	if (*out == '\0') {
		free(out);
		return 0;
	}
	*prepped = out;
	return 0;
}

static void
scram_end(struct scram *s)
{
	s->state = SCRAM_DONE;
	secret_wipe(s->server_sig, sizeof(s->server_sig));
}

struct scram *
scram_new(void)
{
	struct scram	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->state = SCRAM_NEW;
	s->floor = SCRAM_MIN_ITERATIONS;
	if (scram_set_channel_binding(s, SCRAM_CBIND_NONE, NULL, 0) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
scram_free(struct scram *s)
{
	if (s == NULL)
		return;
	secret_wipe(s, sizeof(*s));
	free(s);
}

/*
 * RFC 5802 section 7: the client-final-message's
 *   channel-binding = "c=" base64
 * is the gs2-header followed by the binding data, if any ("biws" for
 * "n,,", "eSws" for "y,,").
 */
int
scram_set_channel_binding(struct scram *s, enum scram_cbind mode,
    const unsigned char *data, size_t len)
{
	unsigned char	 raw[SCRAM_GS2_MAX + SCRAM_CBIND_DATA_MAX];
	const char	*gs2;

	if (s == NULL || s->state != SCRAM_NEW)
		return ERR_INVAL;
	switch (mode) {
	case SCRAM_CBIND_NONE:
	case SCRAM_CBIND_UNOFFERED:
		if (data != NULL || len != 0)
			return ERR_INVAL;
		gs2 = mode == SCRAM_CBIND_NONE ? GS2_NONE : GS2_UNOFFERED;
		break;
	case SCRAM_CBIND_END_POINT:
		/* The hash of SHA-256, SHA-384 or SHA-512 (RFC 5929 4.1). */
		if (data == NULL || (len != 32 && len != 48 && len != 64))
			return ERR_INVAL;
		gs2 = GS2_END_POINT;
		break;
	default:
		return ERR_INVAL;
	}
	s->gs2_len = strlen(gs2);
	memcpy(s->gs2, gs2, s->gs2_len + 1);
	memcpy(raw, gs2, s->gs2_len);
	if (len > 0)
		memcpy(raw + s->gs2_len, data, len);
	sodium_bin2base64(s->cbind, sizeof(s->cbind), raw, s->gs2_len + len,
	    sodium_base64_VARIANT_ORIGINAL);
	s->cbind_len = strlen(s->cbind);
	return 0;
}

void
scram_set_floor(struct scram *s, uint32_t least)
{
	if (s != NULL)
		s->floor = least > SCRAM_MIN_ITERATIONS ? least :
		    SCRAM_MIN_ITERATIONS;
}

uint32_t
scram_iterations(const struct scram *s)
{
	return s != NULL ? s->iterations : 0;
}

int
scram_set_nonce(struct scram *s, const char *nonce)
{
	size_t	 len;

	if (s == NULL || nonce == NULL || s->state != SCRAM_NEW)
		return ERR_INVAL;
	len = strlen(nonce);
	if (len == 0 || len > SCRAM_NONCE_MAX ||
	    !scram_printable((const unsigned char *)nonce, len))
		return ERR_INVAL;
	memcpy(s->nonce, nonce, len + 1);
	s->nonce_len = len;
	return 0;
}

/*
 * Tests only: PostgreSQL ignores the name, RFC 7677's example has one.  It
 * goes out as a saslname (RFC 5802 section 7: ',' and '=' escaped); it is not
 * SASLprep'd, which an ASCII name does not need.
 */
int
scram_set_user(struct scram *s, const char *user)
{
	size_t	 i, len, n = 0;

	if (s == NULL || user == NULL || s->state != SCRAM_NEW)
		return ERR_INVAL;
	if ((len = strlen(user)) > SCRAM_USER_MAX)
		return ERR_INVAL;
	for (i = 0; i < len; i++) {
		if (user[i] == ',') {
			memcpy(s->user + n, "=2C", 3);
			n += 3;
		} else if (user[i] == '=') {
			memcpy(s->user + n, "=3D", 3);
			n += 3;
		} else
			s->user[n++] = user[i];
	}
	s->user[n] = '\0';
	s->user_len = n;
	return 0;
}

/*
 * RFC 5802 section 7:
 *   client-first-message = gs2-header client-first-message-bare
 *   client-first-message-bare = "n=" saslname ",r=" c-nonce
 */
int
scram_client_first(struct scram *s, struct buf *out)
{
	unsigned char	 raw[SCRAM_NONCE_LEN];
	char		 msg[SCRAM_GS2_MAX + SCRAM_FIRST_BARE_MAX];
	size_t		 n;
	int		 r;

	if (s == NULL || out == NULL || s->state != SCRAM_NEW)
		return ERR_INVAL;
	if (s->nonce_len == 0) {
		/* Base64 is printable and has no ','. */
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(s->nonce, sizeof(s->nonce), raw, sizeof(raw),
		    sodium_base64_VARIANT_ORIGINAL);
		s->nonce_len = strlen(s->nonce);
	}
	n = 0;
	memcpy(s->first_bare + n, "n=", 2);
	n += 2;
	memcpy(s->first_bare + n, s->user, s->user_len);
	n += s->user_len;
	memcpy(s->first_bare + n, ",r=", 3);
	n += 3;
	memcpy(s->first_bare + n, s->nonce, s->nonce_len);
	n += s->nonce_len;
	s->first_bare_len = n;

	memcpy(msg, s->gs2, s->gs2_len);
	memcpy(msg + s->gs2_len, s->first_bare, n);
	if ((r = buf_put(out, msg, s->gs2_len + n)) != 0)
		return r;
	s->state = SCRAM_FIRST_SENT;
	return 0;
}

static int
hmac_sha256(const unsigned char *key, const void *data, size_t len,
    unsigned char out[SHA256_LEN])
{
	unsigned int	 outlen = SHA256_LEN;

	if (HMAC(EVP_sha256(), key, SHA256_LEN, data, len, out,
	    &outlen) == NULL || outlen != SHA256_LEN)
		return ERR_NOMEM;
	return 0;
}

/*
 * RFC 5802 section 3:
 *   SaltedPassword  := Hi(Normalize(password), salt, i)
 *   ClientKey       := HMAC(SaltedPassword, "Client Key")
 *   StoredKey       := H(ClientKey)
 *   ClientSignature := HMAC(StoredKey, AuthMessage)
 *   ClientProof     := ClientKey XOR ClientSignature
 *   ServerKey       := HMAC(SaltedPassword, "Server Key")
 *   ServerSignature := HMAC(ServerKey, AuthMessage)
 */
static int
scram_derive(const unsigned char *authmsg, size_t authlen,
    struct scram_keys *k)
{
	unsigned int	 mdlen = SHA256_LEN;
	size_t		 i;
	int		 r;

	/* k->salted, SaltedPassword, is scram_hi()'s. */
	if ((r = hmac_sha256(k->salted, "Client Key", 10,
	    k->client_key)) != 0)
		return r;
	if (EVP_Digest(k->client_key, SHA256_LEN, k->stored_key, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN)
		return ERR_NOMEM;
	if ((r = hmac_sha256(k->stored_key, authmsg, authlen,
	    k->client_sig)) != 0)
		return r;
	for (i = 0; i < SHA256_LEN; i++)
		k->proof[i] = k->client_key[i] ^ k->client_sig[i];
	return hmac_sha256(k->salted, "Server Key", 10, k->server_key);
}

/*
 * RFC 5802 section 7:
 *   client-final-message-without-proof = channel-binding "," nonce
 *   client-final-message = client-final-message-without-proof "," proof
 *   AuthMessage := client-first-message-bare "," server-first-message ","
 *                  client-final-message-without-proof
 */
int
scram_client_final_begin(struct scram *s, const struct secret *password,
    const unsigned char *server_first, size_t len, struct scram_hi *hi)
{
	struct server_first	 sf;
	char			*prepped = NULL;
	size_t			 n;
	int			 r;

	if (hi == NULL)
		return ERR_INVAL;
	memset(hi, 0, sizeof(*hi));
	if (s == NULL || password == NULL || password->data == NULL ||
	    (server_first == NULL && len != 0) ||
	    s->state != SCRAM_FIRST_SENT)
		return ERR_INVAL;
	/* From here on the exchange ends with any error. */
	memset(&sf, 0, sizeof(sf));
	if (password->len == 0 || password->len > SCRAM_PASSWORD_MAX) {
		r = ERR_INVAL;
		goto out;
	}
	r = scram_parse_first(s, server_first, len, &sf);
	s->iterations = sf.iterations;
	if (r != 0)
		goto out;

	n = 0;
	memcpy(s->final_bare, "c=", 2);
	n += 2;
	memcpy(s->final_bare + n, s->cbind, s->cbind_len);
	n += s->cbind_len;
	memcpy(s->final_bare + n, ",r=", 3);
	n += 3;
	memcpy(s->final_bare + n, sf.nonce, sf.nonce_len);
	n += sf.nonce_len;
	s->final_bare_len = n;

	n = 0;
	memcpy(s->authmsg, s->first_bare, s->first_bare_len);
	n += s->first_bare_len;
	s->authmsg[n++] = ',';
	memcpy(s->authmsg + n, server_first, len);
	n += len;
	s->authmsg[n++] = ',';
	memcpy(s->authmsg + n, s->final_bare, s->final_bare_len);
	n += s->final_bare_len;
	s->authmsg_len = n;

	if ((r = scram_saslprep(password, &prepped)) != 0)
		goto out;
	hi->password = prepped != NULL ? secret_new(prepped, strlen(prepped)) :
	    secret_new(password->data, password->len);
	if (hi->password == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(hi->salt, sf.salt, sf.salt_len);
	hi->salt_len = sf.salt_len;
	hi->iterations = sf.iterations;
	s->state = SCRAM_HI;
 out:
	if (prepped != NULL) {
		secret_wipe(prepped, strlen(prepped));
		free(prepped);
	}
	secret_wipe(&sf, sizeof(sf));
	if (r != 0) {
		scram_hi_clear(hi);
		scram_end(s);
	}
	return r;
}

/* RFC 5802 section 2.2: Hi() is PBKDF2 with HMAC-SHA-256, one block. */
int
scram_hi(const struct scram_hi *hi, struct secret **salted)
{
	if (salted == NULL)
		return ERR_INVAL;
	*salted = NULL;
	if (hi == NULL || hi->password == NULL || hi->salt_len == 0 ||
	    hi->salt_len > SCRAM_SALT_MAX ||
	    hi->iterations < SCRAM_MIN_ITERATIONS ||
	    hi->iterations > SCRAM_MAX_ITERATIONS)
		return ERR_INVAL;
	if ((*salted = secret_alloc(SHA256_LEN)) == NULL)
		return ERR_NOMEM;
	if (PKCS5_PBKDF2_HMAC((const char *)hi->password->data,
	    (int)hi->password->len, hi->salt, (int)hi->salt_len,
	    (int)hi->iterations, EVP_sha256(), SHA256_LEN,
	    (*salted)->data) != 1) {
		secret_free(*salted);
		*salted = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

void
scram_hi_clear(struct scram_hi *hi)
{
	if (hi == NULL)
		return;
	secret_free(hi->password);
	secret_wipe(hi, sizeof(*hi));
}

int
scram_client_final_finish(struct scram *s, const struct secret *salted,
    struct buf *out)
{
	struct secret		*keymem = NULL;
	struct scram_keys	*k;
	char			 final[SCRAM_FINAL_MAX];
	char			 proof64[SCRAM_SIG_B64_LEN + 1];
	size_t			 flen;
	int			 r;

	if (s == NULL || s->state != SCRAM_HI)
		return ERR_INVAL;
	if (salted == NULL || salted->len != SHA256_LEN || out == NULL) {
		r = ERR_INVAL;
		goto out;
	}
	if ((keymem = secret_alloc(sizeof(*k))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	k = (struct scram_keys *)keymem->data;
	memcpy(k->salted, salted->data, SHA256_LEN);
	if ((r = scram_derive((unsigned char *)s->authmsg, s->authmsg_len,
	    k)) != 0)
		goto out;
	if ((r = hmac_sha256(k->server_key, s->authmsg, s->authmsg_len,
	    s->server_sig)) != 0)
		goto out;

	sodium_bin2base64(proof64, sizeof(proof64), k->proof, SHA256_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	flen = s->final_bare_len;
	memcpy(final, s->final_bare, flen);
	memcpy(final + flen, ",p=", 3);
	flen += 3;
	memcpy(final + flen, proof64, SCRAM_SIG_B64_LEN);
	flen += SCRAM_SIG_B64_LEN;
	if ((r = buf_put(out, final, flen)) != 0)
		goto out;
	s->state = SCRAM_FINAL_SENT;
 out:
	secret_free(keymem);
	secret_wipe(final, sizeof(final));
	secret_wipe(proof64, sizeof(proof64));
	if (r != 0)
		scram_end(s);
	return r;
}

int
scram_client_final(struct scram *s, const struct secret *password,
    const unsigned char *server_first, size_t len, struct buf *out)
{
	struct scram_hi		 hi;
	struct secret		*salted = NULL;
	int			 r;

	if ((r = scram_client_final_begin(s, password, server_first, len,
	    &hi)) != 0)
		return r;
	if ((r = scram_hi(&hi, &salted)) == 0)
		r = scram_client_final_finish(s, salted, out);
	else
		scram_end(s);
	secret_free(salted);
	scram_hi_clear(&hi);
	return r;
}

/*
 * RFC 5802 section 7:
 *   server-final-message = (server-error / verifier) ["," extensions]
 *   verifier = "v=" base64
 * An "e=" error is the server refusing us.
 */
static int
scram_parse_final(const unsigned char *msg, size_t len,
    unsigned char sig[SHA256_LEN + 3])
{
	const unsigned char	*val;
	size_t			 vlen, siglen, pos = 0;
	int			 r;

	if (len == 0)
		return ERR_FORMAT;
	if (len > SCRAM_MSG_MAX)
		return ERR_TOOBIG;
	if (memchr(msg, '\0', len) != NULL)
		return ERR_FORMAT;
	if (len >= 2 && msg[0] == 'e' && msg[1] == '=')
		return ERR_AUTH;
	if ((r = scram_attr(msg, len, &pos, 'v', &val, &vlen)) != 0)
		return r;
	if (vlen != SCRAM_SIG_B64_LEN)
		return ERR_FORMAT;
	if ((r = b64_decode(val, vlen, sig, SHA256_LEN + 3, &siglen)) != 0)
		return r;
	if (siglen != SHA256_LEN)
		return ERR_FORMAT;
	return scram_extensions(msg, len, pos);
}

int
scram_verify(struct scram *s, const unsigned char *server_final, size_t len)
{
	unsigned char	 sig[SHA256_LEN + 3];
	int		 r;

	if (s == NULL || (server_final == NULL && len != 0) ||
	    s->state != SCRAM_FINAL_SENT)
		return ERR_INVAL;
	if ((r = scram_parse_final(server_final, len, sig)) == 0 &&
	    secret_cmp(sig, s->server_sig, SHA256_LEN) != 0)
		r = ERR_AUTH;
	secret_wipe(sig, sizeof(sig));
	scram_end(s);		/* done either way */
	return r;
}
