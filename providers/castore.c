/*
 * CA certificates for a TLS client context (https.c, for the Vault
 * provider's VAULT_CACERT and VAULT_CAPATH).  OpenSSL's own loaders take
 * names: SSL_CTX_load_verify_locations reads a file by name, and a
 * directory's lookup (X509_LOOKUP_hash_dir) opens a file by name at every
 * verification, long after any check.  Here every file is opened through
 * StrictModes (safefile.c) and read now, once: a CA that someone other
 * than root could change would let them vouch for any server, and so
 * receive Vault's token.
 *
 * A directory is read as OpenSSL's hashed lookup would read it (openssl
 * rehash, c_rehash): only the files named HASH.N (certificates) and
 * HASH.rN (CRLs), HASH being 8 lowercase hexadecimal digits; the other
 * files of the directory are not trusted by OpenSSL, so not here either.
 * Unlike OpenSSL's lookup, the directory is read when airlockd starts: a
 * certificate added later counts from the next start.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "castore.h"
#include "errors.h"
#include "safefile.h"

/* Larger than any CA bundle (Debian's is some 200 KiB). */
#define CASTORE_FILE_MAX	(4 * 1024 * 1024)
#define PATHFMT			"%.200s"

/* Certificates and CRLs of one PEM file into the store; *n counts them. */
static int
load_file(X509_STORE *store, const char *path, int *n, char *err,
    size_t errlen)
{
	STACK_OF(X509_INFO) *infos = NULL;
	X509_INFO	*xi;
	struct stat	 st;
	BIO		*bio = NULL;
	int		 fd, i, r = 0;

	if ((fd = safefile_open(path, 0, NULL, err, errlen)) < 0)
		return fd;
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		r = ERR_SYS;
	} else if (st.st_size > CASTORE_FILE_MAX) {
		snprintf(err, errlen, "larger than %d bytes",
		    CASTORE_FILE_MAX);
		r = ERR_TOOBIG;
	} else if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    (infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "not a PEM file of certificates");
		r = ERR_FORMAT;
	}
	for (i = 0; r == 0 && i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if ((xi->x509 != NULL && !X509_STORE_add_cert(store,
		    xi->x509)) || (xi->crl != NULL &&
		    !X509_STORE_add_crl(store, xi->crl))) {
			snprintf(err, errlen, "cannot add a certificate");
			r = ERR_NOMEM;
		}
		*n += (xi->x509 != NULL) + (xi->crl != NULL);
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	close(fd);
	ERR_clear_error();
	return r;
}

/* A name that OpenSSL's hashed lookup reads: HASH.N or HASH.rN. */
static int
hashed_name(const char *name)
{
	const char	*p;
	size_t		 i;

	for (i = 0; i < 8; i++)
		if (name[i] == '\0' ||
		    strchr("0123456789abcdef", name[i]) == NULL)
			return 0;
	if (name[8] != '.')
		return 0;
	p = name + 9;
	if (*p == 'r')
		p++;
	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int
load_dir(X509_STORE *store, const char *path, int *n, char *err,
    size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	char		*canon, file[PATH_MAX], why[512];
	int		 fd, r = 0;

	if ((fd = safefile_open(path, SAFEFILE_DIR, &canon, err,
	    errlen)) < 0)
		return fd;
	if ((d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		free(canon);
		return ERR_SYS;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!hashed_name(de->d_name))
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", canon,
		    de->d_name) >= sizeof(file)) {
			snprintf(err, errlen, "%s: %s", de->d_name,
			    strerror(ENAMETOOLONG));
			r = ERR_SYS;
		} else if ((r = load_file(store, file, n, why,
		    sizeof(why))) != 0)
			snprintf(err, errlen, "%s: %s", de->d_name, why);
	}
	closedir(d);
	free(canon);
	return r;
}

int
castore_load(X509_STORE *store, const char *cafile, const char *capath,
    char *err, size_t errlen)
{
	const char	*path = cafile;
	char		 why[1024];
	int		 n = 0, r = 0;

	if (cafile != NULL)
		r = load_file(store, cafile, &n, why, sizeof(why));
	if (r == 0 && capath != NULL) {
		path = capath;
		r = load_dir(store, capath, &n, why, sizeof(why));
	}
	if (r == 0 && n == 0) {
		snprintf(why, sizeof(why), "no certificate%s", path == capath ?
		    " (files named HASH.N, as openssl rehash makes them)" : "");
		r = ERR_FORMAT;
	}
	if (r != 0)
		snprintf(err, errlen, "cannot load CA certificates from "
		    PATHFMT ": %s", path, why);
	return r;
}
