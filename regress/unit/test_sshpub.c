/*
 * Public keys as users write them (monitor/sshpub.c): text lines, base64
 * and raw blobs, fingerprints against ssh-keygen -l's, and known_hosts
 * lookups (plain, hashed as ssh-keygen -H writes them, ports, patterns,
 * negation, @cert-authority, @revoked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "errors.h"
#include "sshkey.h"
#include "sshtestkeys.h"
#include "test.h"

/* The blob of a test key's public line. */
static size_t
blob_of(int key, unsigned char *blob, size_t max)
{
	const char	*b64 = strchr(sshtestkeys[key].pub, ' ') + 1;
	size_t		 len;

	if (sodium_base642bin(blob, max, b64, strcspn(b64, " "), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return len;
}

static int
parses_to(const char *text, size_t len, int key)
{
	unsigned char	 want[SSHKEY_BLOB_MAX];
	size_t		 wantlen = blob_of(key, want, sizeof(want));
	struct buf	*b = buf_new(0);
	char		 err[256];
	int		 ok;

	ok = sshkey_parse_public((const unsigned char *)text, len, b, err,
	    sizeof(err)) == 0 && buf_len(b) == wantlen &&
	    memcmp(buf_ptr(b), want, wantlen) == 0;
	buf_free(b);
	return ok;
}

static int
refused(const char *text, size_t len)
{
	struct buf	*b = buf_new(0);
	char		 err[256] = "";
	int		 r;

	r = sshkey_parse_public((const unsigned char *)text, len, b, err,
	    sizeof(err));
	r = r != 0 && buf_len(b) == 0 && err[0] != '\0';
	buf_free(b);
	return r;
}

TEST(sshpub_parse_forms)
{
	char		 text[2048];
	unsigned char	 blob[SSHKEY_BLOB_MAX];
	const char	*line, *b64;
	size_t		 i, len;

	for (i = 0; i < nsshtestkeys; i++) {
		line = sshtestkeys[i].pub;
		b64 = strchr(line, ' ') + 1;
		/* the line, with its comment, and as a file ends it */
		CHECK(parses_to(line, strlen(line), (int)i));
		snprintf(text, sizeof(text), "  %s\n", line);
		CHECK(parses_to(text, strlen(text), (int)i));
		/* without the comment; the base64 alone */
		len = strcspn(b64, " ") + (size_t)(b64 - line);
		CHECK(parses_to(line, len, (int)i));
		snprintf(text, sizeof(text), "%.*s\n", (int)strcspn(b64, " "),
		    b64);
		CHECK(parses_to(text, strlen(text), (int)i));
		/* the raw blob, as Secretless's ssh.ParsePublicKey reads it */
		len = blob_of((int)i, blob, sizeof(blob));
		CHECK(parses_to((const char *)blob, len, (int)i));
		/* a blob cut short, raw or in base64 */
		CHECK(refused((const char *)blob, len - 1));
	}
}

TEST(sshpub_parse_refused)
{
	char	 text[2048];
	size_t	 len;

	CHECK(refused("", 0));
	CHECK(refused(" \n", 2));
	CHECK(refused("ssh-ed25519", 11));
	CHECK(refused("ssh-ed25519 !!!!", 16));
	CHECK(refused("hello world", 11));
	/* the type word is not the blob's */
	snprintf(text, sizeof(text), "ssh-rsa %s",
	    strchr(sshtestkeys[TK_ED25519].pub, ' ') + 1);
	CHECK(refused(text, strlen(text)));
	/* base64 of a blob one byte short */
	len = strcspn(strchr(sshtestkeys[TK_EC256].pub, ' ') + 1, " ");
	snprintf(text, sizeof(text), "%.*s", (int)len - 4,
	    strchr(sshtestkeys[TK_EC256].pub, ' ') + 1);
	CHECK(refused(text, strlen(text)));
}

TEST(sshpub_fingerprint)
{
	unsigned char	 blob[SSHKEY_BLOB_MAX];
	char		 fp[SSHKEY_FP_LEN + 1];
	size_t		 i, len;

	for (i = 0; i < nsshtestkeys; i++) {
		len = blob_of((int)i, blob, sizeof(blob));
		REQUIRE(len > 0);
		CHECK_INT(sshkey_fingerprint(blob, len, fp), 0);
		CHECK_STR(fp, sshtestkeys[i].fp);
		CHECK_INT(strlen(fp), SSHKEY_FP_LEN);
	}
}

/* The blobs sshkey_known_hosts found, as test key numbers, "0,4". */
static int
lookup(const char *kh, const char *host, const char *port, char *found,
    size_t size)
{
	unsigned char		 blob[SSHKEY_BLOB_MAX];
	struct buf		*out = buf_new(0);
	struct buf		 v;
	const unsigned char	*p;
	size_t			 plen, n, i, count = 0;
	int			 r;

	found[0] = '\0';
	r = sshkey_known_hosts(kh, strlen(kh), host, port, out, &n);
	buf_view(&v, buf_ptr(out), buf_len(out));
	while (buf_get_string_direct(&v, &p, &plen) == 0) {
		count++;
		for (i = 0; i < nsshtestkeys; i++)
			if (blob_of((int)i, blob, sizeof(blob)) == plen &&
			    memcmp(blob, p, plen) == 0)
				break;
		snprintf(found + strlen(found), size - strlen(found), "%s%zu",
		    found[0] != '\0' ? "," : "", i);
	}
	if (r == 0 && n != count)
		r = -100;
	buf_free(out);
	return r;
}

/* A known_hosts line: hosts, then a test key's public line. */
static void
kh_add(char *kh, size_t size, const char *hosts, int key)
{
	snprintf(kh + strlen(kh), size - strlen(kh), "%s %s\n", hosts,
	    sshtestkeys[key].pub);
}

TEST(sshpub_known_hosts)
{
	static const struct {
		const char	*host, *port, *found;
	} cases[] = {
		{ "host1.example", "22", "4,1" },	/* names in any case */
		{ "10.0.0.1", NULL, "4" },
		/* a port other than 22 is looked up as [host]:port only */
		{ "host1.example", "2222", "" },
		{ "host2.example", "2222", "2" },
		{ "host2.example", "22", "" },
		{ "hashed.example", "22", "0" },
		{ "hashed.example", "2222", "3" },
		{ "hashed.exampl", "22", "" },
		{ "a.wild.example", "22", "2" },
		{ "bad.wild.example", "22", "" },	/* negated */
		{ "wild.example", "22", "" },
		{ "h1.q.example", "22", "3" },
		{ "h12.q.example", "22", "" },
		{ "garbage.example", "22", "" },
		{ "nowhere.example", "22", "" },
	};
	char	 kh[8192] = "# airlock's test known_hosts\n\n";
	char	 found[64];
	size_t	 i;

	kh_add(kh, sizeof(kh), "host1.example,10.0.0.1", TK_ED25519);
	kh_add(kh, sizeof(kh), "HOST1.example", TK_EC256);
	kh_add(kh, sizeof(kh), "[host2.example]:2222", TK_EC384);
	/* ssh-keygen -H of "hashed.example" and "[hashed.example]:2222" */
	kh_add(kh, sizeof(kh), "|1|z7n1fiRhpIYpQuh1y/nmUYcvceg=|"
	    "YRABGbS3knmxhz8Od8HFeGS6NKE=", TK_RSA);
	kh_add(kh, sizeof(kh), "|1|In4tHBfKHp4zuPSQhjZvyF4Uhok=|"
	    "9wh1GxeL6jqzfJ1Bw8S2XnbvXRQ=", TK_EC521);
	kh_add(kh, sizeof(kh), "*.wild.example,!bad.wild.example", TK_EC384);
	kh_add(kh, sizeof(kh), "h?.q.example", TK_EC521);
	kh_add(kh, sizeof(kh), "@cert-authority *.example", TK_EC521);
	kh_add(kh, sizeof(kh), "garbage.example ssh-rsa", TK_RSA);
	strcat(kh, "garbage.example ssh-ed25519 AAAA\n");
	strcat(kh, "unknown.example ssh-dss AAAAB3NzaC1kc3MAAACBAP==\n");
	kh_add(kh, sizeof(kh), "host1.example", TK_ED25519);	/* twice */

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(lookup(kh, cases[i].host, cases[i].port, found,
		    sizeof(found)), 0);
		CHECK_STR(found, cases[i].found);
	}
}

TEST(sshpub_known_hosts_revoked)
{
	char	 kh[8192] = "";
	char	 found[64];

	kh_add(kh, sizeof(kh), "a.example,b.example", TK_EC256);
	kh_add(kh, sizeof(kh), "b.example", TK_ED25519);
	kh_add(kh, sizeof(kh), "@revoked b.example", TK_EC256);
	kh_add(kh, sizeof(kh), "@revoked *", TK_RSA);
	kh_add(kh, sizeof(kh), "c.example", TK_RSA);
	CHECK_INT(lookup(kh, "a.example", "22", found, sizeof(found)), 0);
	CHECK_STR(found, "1");
	CHECK_INT(lookup(kh, "b.example", "22", found, sizeof(found)),
	    ERR_DENIED);
	CHECK_STR(found, "");
	CHECK_INT(lookup(kh, "c.example", "22", found, sizeof(found)),
	    ERR_DENIED);
}

/* A file without its last newline, and one with CRLF lines. */
TEST(sshpub_known_hosts_line_ends)
{
	char	 kh[8192] = "";
	char	 found[64];

	kh_add(kh, sizeof(kh), "x.example", TK_ED25519);
	kh[strlen(kh) - 1] = '\0';
	CHECK_INT(lookup(kh, "x.example", "22", found, sizeof(found)), 0);
	CHECK_STR(found, "4");
	snprintf(kh, sizeof(kh), "y.example %s\r\nz.example %s\r\n",
	    sshtestkeys[TK_EC256].pub, sshtestkeys[TK_EC384].pub);
	CHECK_INT(lookup(kh, "z.example", "22", found, sizeof(found)), 0);
	CHECK_STR(found, "2");
}
