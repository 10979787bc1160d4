/*
 * Public keys as users write them (sshkey.h): a key from the
 * configuration (hostKey, authorizedKeys, allowedHostKeys), its
 * fingerprint as ssh-keygen -l prints it, and the keys a known_hosts file
 * lists for a host, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes
 * them and OpenSSH's hostfile.c and match.c read them.  The texts come
 * from the configuration or a file the monitor read itself (trusted, but
 * parsed with their lengths all the same).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "buf.h"
#include "errors.h"
#include "sshkey.h"

#define SHA1_LEN		20
/* OpenSSH's HASH_MAGIC: a hashed known_hosts name is |1|salt|hash. */
#define HASH_MAGIC		"|1|"
#define KH_NAME_MAX		1100	/* "[" host "]:" port, a DNS name */

/* A view of a text: pointer and length, never NUL-terminated. */
struct span {
	const char	*p;
	size_t		 len;
};

static int
is_white(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
trim(struct span *s)
{
	while (s->len > 0 && is_white(s->p[0])) {
		s->p++;
		s->len--;
	}
	while (s->len > 0 && is_white(s->p[s->len - 1]))
		s->len--;
}

/* The next whitespace-separated word of s, consumed with what follows. */
static struct span
next_word(struct span *s)
{
	struct span	 w;

	trim(s);
	w.p = s->p;
	for (w.len = 0; w.len < s->len && !is_white(w.p[w.len]); w.len++)
		;
	s->p += w.len;
	s->len -= w.len;
	trim(s);
	return w;
}

/* The base64 of a blob (standard alphabet, padded) into out. */
static int
b64_blob(struct span b64, unsigned char *out, size_t max, size_t *len)
{
	if (b64.len == 0 || sodium_base642bin(out, max, b64.p, b64.len, NULL,
	    len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return ERR_FORMAT;
	return 0;
}

/* A blob is a key we know, whole; and when type is given, of that type. */
static int
blob_check(const unsigned char *blob, size_t len, const struct span *type)
{
	EVP_PKEY	*k;
	const char	*name;
	int		 r;

	if ((r = sshkey_from_blob(blob, len, &k)) != 0)
		return r;
	name = sshkey_type_name(k);
	if (type != NULL && (strlen(name) != type->len ||
	    memcmp(name, type->p, type->len) != 0))
		r = ERR_FORMAT;
	EVP_PKEY_free(k);
	return r;
}

/* "TYPE BASE64 [COMMENT]" (the comment is anything), or BASE64 alone. */
static int
parse_text(struct span s, unsigned char *blob, size_t *len)
{
	struct span	 first, second;

	first = next_word(&s);
	if (s.len == 0)
		return b64_blob(first, blob, SSHKEY_BLOB_MAX, len) == 0 ?
		    blob_check(blob, *len, NULL) : ERR_FORMAT;
	second = next_word(&s);
	if (b64_blob(second, blob, SSHKEY_BLOB_MAX, len) != 0)
		return ERR_FORMAT;
	return blob_check(blob, *len, &first);
}

int
sshkey_parse_public(const unsigned char *text, size_t len, struct buf *out,
    char *err, size_t errlen)
{
	unsigned char	 blob[SSHKEY_BLOB_MAX];
	size_t		 bloblen;
	struct span	 s;
	EVP_PKEY	*k;

	/* The raw blob first: text never starts with a zero byte. */
	if (sshkey_from_blob(text, len, &k) == 0) {
		EVP_PKEY_free(k);
		return buf_put(out, text, len);
	}
	s.p = (const char *)text;
	s.len = len;
	trim(&s);
	if (s.len == 0 || parse_text(s, blob, &bloblen) != 0) {
		snprintf(err, errlen, "not a public key (\"TYPE BASE64\" of "
		    "ssh-rsa, ecdsa-sha2-nistp256/384/521 or ssh-ed25519)");
		return ERR_FORMAT;
	}
	return buf_put(out, blob, bloblen);
}

int
sshkey_fingerprint(const unsigned char *blob, size_t len,
    char fp[SSHKEY_FP_LEN + 1])
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	if (crypto_hash_sha256(h, blob, len) != 0)
		return ERR_SYS;
	memcpy(fp, "SHA256:", 7);
	/* OpenSSH's sshkey_fingerprint_b64 drops the padding. */
	sodium_bin2base64(fp + 7, SSHKEY_FP_LEN + 1 - 7, h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return 0;
}

/*
 * known_hosts.
 */

/*
 * OpenSSH's match_pattern: '*' any run of characters, '?' one; host
 * names without regard to case.
 */
static int
glob_match(const char *s, size_t slen, const char *p, size_t plen)
{
	size_t	 si = 0, pi = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < plen && (p[pi] == '?' ||
		    tolower((unsigned char)p[pi]) ==
		    tolower((unsigned char)s[si]))) {
			pi++;
			si++;
		} else if (star_p != SIZE_MAX) {
			/* let the last '*' take one more character */
			pi = star_p + 1;
			si = ++star_s;
		} else
			return 0;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/*
 * OpenSSH's match_hostname: a comma-separated list of patterns, each
 * perhaps negated with '!'.  1 when a pattern matches and no negated one
 * does; 0 else.
 */
static int
hostlist_match(const char *name, size_t namelen, struct span list)
{
	const char	*comma;
	struct span	 pat;
	int		 neg, positive = 0;

	while (list.len > 0) {
		pat.p = list.p;
		comma = memchr(list.p, ',', list.len);
		pat.len = comma != NULL ? (size_t)(comma - list.p) : list.len;
		list.p += pat.len;
		list.len -= pat.len;
		if (comma != NULL) {
			list.p++;
			list.len--;
		}
		if ((neg = pat.len > 0 && pat.p[0] == '!')) {
			pat.p++;
			pat.len--;
		}
		if (!glob_match(name, namelen, pat.p, pat.len))
			continue;
		if (neg)
			return 0;
		positive = 1;
	}
	return positive;
}

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)): OpenSSH's host_hash. */
static int
hashed_match(const char *name, size_t namelen, struct span field)
{
	unsigned char	 salt[SHA1_LEN], want[SHA1_LEN], got[SHA1_LEN];
	const char	*bar;
	size_t		 saltlen, wantlen;
	unsigned int	 gotlen = sizeof(got);
	struct span	 s, h;

	s.p = field.p + strlen(HASH_MAGIC);
	s.len = field.len - strlen(HASH_MAGIC);
	if ((bar = memchr(s.p, '|', s.len)) == NULL)
		return 0;
	h.p = bar + 1;
	h.len = s.len - (size_t)(h.p - s.p);
	s.len = (size_t)(bar - s.p);
	if (b64_blob(s, salt, sizeof(salt), &saltlen) != 0 ||
	    b64_blob(h, want, sizeof(want), &wantlen) != 0 ||
	    saltlen != SHA1_LEN || wantlen != SHA1_LEN)
		return 0;
	if (HMAC(EVP_sha1(), salt, (int)saltlen, (const unsigned char *)name,
	    namelen, got, &gotlen) == NULL || gotlen != SHA1_LEN)
		return 0;
	return memcmp(got, want, SHA1_LEN) == 0;
}

static int
hosts_match(const char *name, size_t namelen, struct span field)
{
	if (field.len > strlen(HASH_MAGIC) &&
	    memcmp(field.p, HASH_MAGIC, strlen(HASH_MAGIC)) == 0)
		return hashed_match(name, namelen, field);
	return hostlist_match(name, namelen, field);
}

/* Is blob among the string blobs of list? */
static int
blob_listed(const struct buf *list, const unsigned char *blob, size_t len)
{
	struct buf		 b;
	const unsigned char	*p;
	size_t			 plen;

	if (list == NULL)
		return 0;
	buf_view(&b, buf_ptr(list), buf_len(list));
	while (buf_get_string_direct(&b, &p, &plen) == 0)
		if (plen == len && memcmp(p, blob, len) == 0)
			return 1;
	return 0;
}

/*
 * One line: [@marker] hostnames keytype base64 [comment].  Its key into
 * keys (or revoked) when it is for the name; lines that do not parse, or
 * whose key is of a type we do not know, are skipped as ssh skips them.
 */
static int
kh_line(struct span line, const char *name, size_t namelen,
    struct buf *keys, struct buf *revoked)
{
	unsigned char	 blob[SSHKEY_BLOB_MAX];
	size_t		 bloblen;
	struct span	 hosts;
	struct buf	*to = keys;

	trim(&line);
	if (line.len == 0 || line.p[0] == '#')
		return 0;
	if (line.p[0] == '@') {
		hosts = next_word(&line);
		if (hosts.len == strlen("@revoked") &&
		    memcmp(hosts.p, "@revoked", hosts.len) == 0)
			to = revoked;
		else	/* @cert-authority: certificates are not supported */
			return 0;
	}
	hosts = next_word(&line);
	if (!hosts_match(name, namelen, hosts) ||
	    parse_text(line, blob, &bloblen) != 0)
		return 0;
	if (to == keys && blob_listed(keys, blob, bloblen))
		return 0;
	return buf_put_string(to, blob, bloblen);
}

/* The name known_hosts lists a host under: bare for port 22. */
static int
kh_name(const char *host, const char *port, char *name, size_t size)
{
	int	 n;

	if (port == NULL || strcmp(port, "22") == 0)
		n = snprintf(name, size, "%s", host);
	else
		n = snprintf(name, size, "[%s]:%s", host, port);
	return n > 0 && (size_t)n < size ? n : -1;
}

/*
 * The keys found, counted; sshd(8): a revoked key is never accepted, so
 * a key both listed and revoked for the host is ERR_DENIED.
 */
static int
kh_count(const struct buf *keys, const struct buf *revoked, size_t *n)
{
	struct buf		 b;
	const unsigned char	*blob;
	size_t			 len;

	buf_view(&b, buf_ptr(keys), buf_len(keys));
	for (*n = 0; buf_get_string_direct(&b, &blob, &len) == 0; (*n)++)
		if (blob_listed(revoked, blob, len))
			return ERR_DENIED;
	return 0;
}

int
sshkey_known_hosts(const char *text, size_t len, const char *host,
    const char *port, struct buf *out, size_t *n)
{
	char			 name[KH_NAME_MAX];
	struct buf		*keys, *revoked;
	struct span		 line;
	const char		*nl;
	int			 namelen, r = 0;

	*n = 0;
	if ((namelen = kh_name(host, port, name, sizeof(name))) < 0)
		return ERR_TOOBIG;
	keys = buf_new(0);
	revoked = buf_new(0);
	if (keys == NULL || revoked == NULL)
		r = ERR_NOMEM;
	while (r == 0 && len > 0) {
		line.p = text;
		nl = memchr(text, '\n', len);
		line.len = nl != NULL ? (size_t)(nl - text) + 1 : len;
		text += line.len;
		len -= line.len;
		r = kh_line(line, name, (size_t)namelen, keys, revoked);
	}
	if (r == 0)
		r = kh_count(keys, revoked, n);
	if (r == 0)
		r = buf_put(out, buf_ptr(keys), buf_len(keys));
	if (r != 0)
		*n = 0;
	buf_free(keys);
	buf_free(revoked);
	return r;
}
