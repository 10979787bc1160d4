/*
 * A client certificate's names against a service's allowedClients.  The
 * names are compared as the certificate holds them, their lengths
 * included: a name with a NUL inside ("app\0.evil") is not "app", as C
 * strings would have it.  A wildcard in a certificate's dNSName is a
 * character like any other here: allowedClients names clients, it does
 * not look a host up, and an entry "DNS:*.x" is refused by the
 * configuration before it gets here (and names nothing if it does).
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ctlsname.h"
#include "util.h"

static int
ascii_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* The bytes, all of them, against the C string want. */
static int
same_name(const unsigned char *b, size_t len, const char *want, int nocase)
{
	size_t	 i;

	if (len != strlen(want))
		return 0;
	for (i = 0; i < len; i++) {
		if (nocase ? ascii_lower(b[i]) != ascii_lower(want[i]) :
		    b[i] != (unsigned char)want[i])
			return 0;
	}
	return 1;
}

/*
 * The subject's next commonName after entry *i (-1: the first), in UTF-8
 * (*utf8, OPENSSL_free it): its length, or -1 when there is none left.
 */
static int
next_cn(X509 *x, int *i, unsigned char **utf8)
{
	X509_NAME	*name = X509_get_subject_name(x);
	int		 len;

	while ((*i = X509_NAME_get_index_by_NID(name, NID_commonName, *i)) >=
	    0) {
		len = ASN1_STRING_to_UTF8(utf8, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(name, *i)));
		if (len >= 0)
			return len;
	}
	return -1;
}

/* Does a commonName of the subject read want? */
static int
cn_is(X509 *x, const char *want)
{
	unsigned char	*utf8;
	int		 i = -1, len, same;

	while ((len = next_cn(x, &i, &utf8)) >= 0) {
		same = same_name(utf8, (size_t)len, want, 0);
		OPENSSL_free(utf8);
		if (same)
			return 1;
	}
	return 0;
}

/*
 * The subjectAltName extension; NULL without one or with two, which
 * OpenSSL reads as neither (so a second cannot smuggle a name in).
 */
static GENERAL_NAMES *
sans_of(X509 *x)
{
	GENERAL_NAMES	*g;

	g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ERR_clear_error();
	return g;
}

/* Does a SAN of this type (GEN_DNS, ...) read want? */
static int
san_is(GENERAL_NAMES *sans, int type, const char *want, int nocase)
{
	const GENERAL_NAME	*gn;
	const ASN1_STRING	*s;
	int			 i, t;

	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if ((s = GENERAL_NAME_get0_value(gn, &t)) == NULL ||
		    t != type)
			continue;
		if (same_name(ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s), want, nocase))
			return 1;
	}
	return 0;
}

static const struct {
	const char	*prefix;
	int		 type;		/* GEN_*, or -1: the subject's CN */
	int		 nocase;
} kinds[] = {
	{ "CN=", -1, 0 },
	{ "DNS:", GEN_DNS, 1 },
	{ "URI:", GEN_URI, 0 },
	{ "email:", GEN_EMAIL, 1 },
};

static int
entry_names(X509 *x, GENERAL_NAMES *sans, const char *entry)
{
	size_t	 i, n;

	for (i = 0; i < nitems(kinds); i++) {
		n = strlen(kinds[i].prefix);
		if (strncmp(entry, kinds[i].prefix, n) != 0)
			continue;
		entry += n;
		if (*entry == '\0' ||
		    (kinds[i].type == GEN_DNS && strchr(entry, '*') != NULL))
			return 0;
		if (kinds[i].type == -1)
			return cn_is(x, entry);
		return sans != NULL &&
		    san_is(sans, kinds[i].type, entry, kinds[i].nocase);
	}
	return 0;
}

int
ctls_name_allowed(X509 *x, const char *const *allowed, size_t n)
{
	GENERAL_NAMES	*sans;
	size_t		 i;
	int		 ok = 0;

	if (n == 0)
		return 1;
	sans = sans_of(x);
	for (i = 0; i < n && !ok; i++)
		ok = entry_names(x, sans, allowed[i]);
	GENERAL_NAMES_free(sans);
	return ok;
}

/* "; " (but first), prefix, then the bytes made printable, cut to fit. */
static void
append(char *desc, size_t size, const char *prefix, const void *b,
    size_t len)
{
	size_t	 off = strlen(desc);

	if (off > 0) {
		text_printable(desc + off, size - off, "; ", 2);
		off = strlen(desc);
	}
	text_printable(desc + off, size - off, prefix, strlen(prefix));
	off = strlen(desc);
	text_printable(desc + off, size - off, b, len);
}

void
ctls_name_describe(X509 *x, char *desc, size_t size)
{
	GENERAL_NAMES		*sans;
	const GENERAL_NAME	*gn;
	const ASN1_STRING	*s;
	unsigned char		*utf8;
	size_t			 k;
	int			 i = -1, len, t;

	if (size == 0)
		return;
	*desc = '\0';
	while ((len = next_cn(x, &i, &utf8)) >= 0) {
		append(desc, size, "CN=", utf8, (size_t)len);
		OPENSSL_free(utf8);
	}
	sans = sans_of(x);
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if ((s = GENERAL_NAME_get0_value(gn, &t)) == NULL)
			continue;
		for (k = 1; k < nitems(kinds); k++)
			if (kinds[k].type == t)
				append(desc, size, kinds[k].prefix,
				    ASN1_STRING_get0_data(s),
				    (size_t)ASN1_STRING_length(s));
	}
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
}
