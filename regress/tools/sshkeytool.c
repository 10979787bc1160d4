/*
 * The monitor's SSH key code (monitor/sshkey.h) on the command line, so
 * that regress/t/sshkey-openssh.sh can hold its results against
 * OpenSSH's own tools:
 *
 *	sshkeytool pub KEY		the public line of a private key file
 *					(as ssh-keygen -y prints it, without
 *					the comment)
 *	sshkeytool fp PUBFILE		the fingerprint of a public key file
 *	sshkeytool sign KEY ALG NS	an SSH signature (PROTOCOL.sshsig) of
 *					stdin in namespace NS, made with
 *					sshkey_sign, for ssh-keygen -Y
 *					check-novalidate
 *	sshkeytool kh FILE HOST PORT	the keys a known_hosts file lists for
 *					HOST and PORT, one public line each
 *
 * Test keys only: the key text is read into ordinary memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "buf.h"
#include "errors.h"
#include "sshkey.h"

#define FILE_MAX	(256 * 1024)
/* PROTOCOL.sshsig */
#define SSHSIG_MAGIC	"SSHSIG"
#define SSHSIG_VERSION	1
#define SSHSIG_HASH	"sha512"

static void
die(const char *what)
{
	fprintf(stderr, "sshkeytool: %s\n", what);
	exit(1);
}

static struct buf *
slurp(FILE *f)
{
	struct buf	*b = buf_new(FILE_MAX);
	unsigned char	 chunk[4096];
	size_t		 n;

	if (b == NULL)
		die("out of memory");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_put(b, chunk, n) != 0)
			die("input too long");
	return b;
}

static struct buf *
read_file(const char *path)
{
	struct buf	*b;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		die("cannot open the file");
	b = slurp(f);
	fclose(f);
	return b;
}

static EVP_PKEY *
private_key(const char *path)
{
	struct buf	*text = read_file(path);
	EVP_PKEY	*k;
	char		 err[256];

	if (sshkey_private(buf_ptr(text), buf_len(text), &k, err,
	    sizeof(err)) != 0)
		die(err);
	buf_free(text);
	return k;
}

/* "TYPE BASE64" of a blob, and a newline, to f. */
static void
print_line(FILE *f, const unsigned char *blob, size_t len)
{
	struct buf	 b;
	const unsigned char *type;
	size_t		 typelen;
	char		*b64;
	size_t		 b64len;

	buf_view(&b, blob, len);
	if (buf_get_string_direct(&b, &type, &typelen) != 0)
		die("a blob without a type");
	b64len = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		die("out of memory");
	sodium_bin2base64(b64, b64len, blob, len,
	    sodium_base64_VARIANT_ORIGINAL);
	fprintf(f, "%.*s %s\n", (int)typelen, type, b64);
	free(b64);
}

static void
cmd_pub(const char *path)
{
	EVP_PKEY	*k = private_key(path);
	struct buf	*blob = buf_new(SSHKEY_BLOB_MAX);

	if (sshkey_public_blob(k, blob) != 0)
		die("no public blob");
	print_line(stdout, buf_ptr(blob), buf_len(blob));
	buf_free(blob);
	EVP_PKEY_free(k);
}

static void
cmd_fp(const char *path)
{
	struct buf	*text = read_file(path), *blob = buf_new(0);
	char		 err[256], fp[SSHKEY_FP_LEN + 1];

	if (sshkey_parse_public(buf_ptr(text), buf_len(text), blob, err,
	    sizeof(err)) != 0)
		die(err);
	if (sshkey_fingerprint(buf_ptr(blob), buf_len(blob), fp) != 0)
		die("no fingerprint");
	printf("%s\n", fp);
	buf_free(text);
	buf_free(blob);
}

/* PROTOCOL.sshsig: the blob signed, over the message's hash. */
static void
sshsig_tbs(struct buf *tbs, const char *ns, const unsigned char *h,
    size_t hlen)
{
	if (buf_put(tbs, SSHSIG_MAGIC, strlen(SSHSIG_MAGIC)) != 0 ||
	    buf_put_cstring(tbs, ns) != 0 || buf_put_string(tbs, "", 0) != 0 ||
	    buf_put_cstring(tbs, SSHSIG_HASH) != 0 ||
	    buf_put_string(tbs, h, hlen) != 0)
		die("out of memory");
}

static void
print_armoured(const struct buf *b)
{
	char	*b64;
	size_t	 len, i;

	len = sodium_base64_ENCODED_LEN(buf_len(b),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(len)) == NULL)
		die("out of memory");
	sodium_bin2base64(b64, len, buf_ptr(b), buf_len(b),
	    sodium_base64_VARIANT_ORIGINAL);
	printf("-----BEGIN SSH SIGNATURE-----\n");
	for (i = 0; i < strlen(b64); i += 70)
		printf("%.70s\n", b64 + i);
	printf("-----END SSH SIGNATURE-----\n");
	free(b64);
}

static void
cmd_sign(const char *path, const char *alg, const char *ns)
{
	EVP_PKEY	*k = private_key(path);
	struct buf	*msg = slurp(stdin), *tbs = buf_new(0);
	struct buf	*blob = buf_new(SSHKEY_BLOB_MAX);
	struct buf	*sig = buf_new(SSHKEY_SIG_MAX), *out = buf_new(0);
	unsigned char	 h[crypto_hash_sha512_BYTES];

	crypto_hash_sha512(h, buf_ptr(msg), buf_len(msg));
	sshsig_tbs(tbs, ns, h, sizeof(h));
	if (sshkey_public_blob(k, blob) != 0 ||
	    sshkey_sign(k, alg, buf_ptr(tbs), buf_len(tbs), sig) != 0)
		die("signing failed");
	/* our own verifier first */
	if (sshkey_verify(buf_ptr(blob), buf_len(blob), buf_ptr(sig),
	    buf_len(sig), buf_ptr(tbs), buf_len(tbs)) != 0)
		die("sshkey_verify refuses the signature");
	if (buf_put(out, SSHSIG_MAGIC, strlen(SSHSIG_MAGIC)) != 0 ||
	    buf_put_u32(out, SSHSIG_VERSION) != 0 ||
	    buf_put_string(out, buf_ptr(blob), buf_len(blob)) != 0 ||
	    buf_put_cstring(out, ns) != 0 || buf_put_string(out, "", 0) != 0 ||
	    buf_put_cstring(out, SSHSIG_HASH) != 0 ||
	    buf_put_string(out, buf_ptr(sig), buf_len(sig)) != 0)
		die("out of memory");
	print_armoured(out);
	buf_free(msg);
	buf_free(tbs);
	buf_free(blob);
	buf_free(sig);
	buf_free(out);
	EVP_PKEY_free(k);
}

static void
cmd_kh(const char *path, const char *host, const char *port)
{
	struct buf		*text = read_file(path), *out = buf_new(0);
	const unsigned char	*blob;
	size_t			 len, n;
	int			 r;

	r = sshkey_known_hosts((const char *)buf_ptr(text), buf_len(text),
	    host, port, out, &n);
	if (r == ERR_DENIED) {
		printf("revoked\n");
		exit(0);
	}
	if (r != 0)
		die(err_str(r));
	while (buf_get_string_direct(out, &blob, &len) == 0)
		print_line(stdout, blob, len);
	buf_free(text);
	buf_free(out);
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("sodium_init");
	if (argc == 3 && strcmp(argv[1], "pub") == 0)
		cmd_pub(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "fp") == 0)
		cmd_fp(argv[2]);
	else if (argc == 5 && strcmp(argv[1], "sign") == 0)
		cmd_sign(argv[2], argv[3], argv[4]);
	else if (argc == 5 && strcmp(argv[1], "kh") == 0)
		cmd_kh(argv[2], argv[3], argv[4]);
	else {
		fprintf(stderr, "usage: sshkeytool pub KEY | fp PUBFILE | "
		    "sign KEY ALG NS | kh FILE HOST PORT\n");
		return 2;
	}
	return 0;
}
