/*
 * Unit tests for monitor/pgauth.c: the PostgreSQL MD5 response and the
 * client side of SCRAM-SHA-256; and of monitor/kdf.c, which runs its Hi().
 *
 * Expected values were computed outside this code:
 *  - RFC 7677 section 3 gives the SCRAM-SHA-256 example exchange.
 *  - The other SCRAM values come from a few lines of Python's hashlib and
 *    hmac (pbkdf2_hmac('sha256', password, salt, i), then RFC 5802 section 3
 *    step by step), which reproduce the RFC 7677 example as well.
 *  - The MD5 values come from md5sum in a shell, as documented beside them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "errors.h"
#include "monitor.h"
#include "pgauth.h"
#include "secret.h"
#include "test.h"
#include "util.h"

#define RFC_NONCE	"rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE	RFC_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SALT	"W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_FIRST	"r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096"
#define RFC_FINAL_BARE	"c=biws,r=" RFC_SNONCE
#define RFC_FINAL	RFC_FINAL_BARE \
			",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_VERIFY	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* Python, with user "" and the RFC's nonces and salt, password "IX". */
#define IX_FINAL	RFC_FINAL_BARE \
			",p=2b5mOdeOFNUaOWSdK05u8Z+vtErTpXDPfs6KR0NuxVw="
#define IX_VERIFY	"v=vHUKdVFO/k6ajWxZtBGhPiGnonJjlEa/nZSoSrrpsFI="

/* base64 of 66 and of 64 bytes of 'A' */
#define B64_AAA_11	"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
#define B64_AAA_22	B64_AAA_11 B64_AAA_11
#define B64_A64		B64_AAA_11 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ=="

/* The buffer must hold exactly the bytes of want. */
#define CHECK_BUF(b, want) check_buf(__FILE__, __LINE__, (b), (want))
static void
check_buf(const char *file, int line, const struct buf *b, const char *want)
{
	if (buf_len(b) == strlen(want) &&
	    memcmp(buf_ptr(b), want, buf_len(b)) == 0)
		return;
	printf("    got  \"%.*s\"\n    want \"%s\"\n", (int)buf_len(b),
	    (const char *)buf_ptr(b), want);
	test_fail(file, line, "buffer contents");
}

static int
same_buf(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) &&
	    memcmp(buf_ptr(a), buf_ptr(b), buf_len(a)) == 0;
}

/* How an exchange binds its channel (RFC 5802 section 6). */
struct binding {
	enum scram_cbind	 mode;
	const unsigned char	*data;
	size_t			 len;
};

/*
 * Run an exchange up to the client-final-message with the RFC's nonce and
 * the binding b (NULL: none), the client-first-message in first (NULL: not
 * wanted); returns the result of scram_client_final.  *sp is always set.
 */
static int
run_bound(struct scram **sp, const struct binding *b, const char *user,
    const void *pw, size_t pwlen, const char *server_first, struct buf *first,
    struct buf *out)
{
	struct secret	*password;
	struct buf	*own = NULL;
	int		 r;

	*sp = scram_new();
	if (*sp == NULL)
		return ERR_NOMEM;
	if (scram_set_nonce(*sp, RFC_NONCE) != 0)
		return ERR_INVAL;
	if (user != NULL && scram_set_user(*sp, user) != 0)
		return ERR_INVAL;
	if (b != NULL && (r = scram_set_channel_binding(*sp, b->mode, b->data,
	    b->len)) != 0)
		return r;
	if (first == NULL && (first = own = buf_new(1024)) == NULL)
		return ERR_NOMEM;
	r = scram_client_first(*sp, first);
	buf_free(own);
	if (r != 0)
		return r;
	if ((password = secret_new(pw, pwlen)) == NULL)
		return ERR_NOMEM;
	r = scram_client_final(*sp, password, (const unsigned char *)server_first,
	    strlen(server_first), out);
	secret_free(password);
	return r;
}

static int
run_final(struct scram **sp, const char *user, const void *pw, size_t pwlen,
    const char *server_first, struct buf *out)
{
	return run_bound(sp, NULL, user, pw, pwlen, server_first, NULL, out);
}

static int
verify(struct scram *s, const char *msg)
{
	return scram_verify(s, (const unsigned char *)msg, strlen(msg));
}

TEST(scram_rfc7677)
{
	struct scram	*s;
	struct buf	*out, *first;
	char		 bad[sizeof(RFC_VERIFY)];

	REQUIRE((out = buf_new(1024)) != NULL);
	REQUIRE((first = buf_new(1024)) != NULL);

	/* RFC 7677 section 3, byte for byte. */
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_nonce(s, RFC_NONCE), 0);
	CHECK_INT(scram_set_user(s, "user"), 0);
	CHECK_INT(scram_client_first(s, first), 0);
	CHECK_BUF(first, "n,,n=user,r=" RFC_NONCE);
	scram_free(s);

	CHECK_INT(run_final(&s, "user", "pencil", 6, RFC_FIRST, out), 0);
	CHECK_BUF(out, RFC_FINAL);
	CHECK_INT(verify(s, RFC_VERIFY), 0);
	/* The exchange is over. */
	CHECK_INT(verify(s, RFC_VERIFY), ERR_INVAL);
	scram_free(s);

	/* One changed character of the signature is refused. */
	memcpy(bad, RFC_VERIFY, sizeof(bad));
	bad[2] = '7';
	buf_reset(out);
	CHECK_INT(run_final(&s, "user", "pencil", 6, RFC_FIRST, out), 0);
	CHECK_INT(verify(s, bad), ERR_AUTH);
	scram_free(s);

	/* So is the last one ('8' keeps the bits under the padding zero). */
	memcpy(bad, RFC_VERIFY, sizeof(bad));
	bad[sizeof(bad) - 3] = '8';
	buf_reset(out);
	CHECK_INT(run_final(&s, "user", "pencil", 6, RFC_FIRST, out), 0);
	CHECK_INT(verify(s, bad), ERR_AUTH);
	scram_free(s);

	/* Another password gives another proof and a signature it refuses. */
	buf_reset(out);
	CHECK_INT(run_final(&s, "user", "pencil!", 7, RFC_FIRST, out), 0);
	CHECK(buf_len(out) == strlen(RFC_FINAL) &&
	    memcmp(buf_ptr(out), RFC_FINAL, buf_len(out)) != 0);
	CHECK_INT(verify(s, RFC_VERIFY), ERR_AUTH);
	scram_free(s);

	buf_free(out);
	buf_free(first);
}

TEST(scram_client_first_format)
{
	struct scram	*s, *t;
	struct buf	*a, *b;
	const unsigned char *nonce;
	size_t		 i, n;

	REQUIRE((a = buf_new(1024)) != NULL);
	REQUIRE((b = buf_new(1024)) != NULL);

	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_nonce(s, "abc"), 0);
	CHECK_INT(scram_client_first(s, a), 0);
	CHECK_BUF(a, "n,,n=,r=abc");
	/* Once only, and no nonce once it has gone out. */
	CHECK_INT(scram_client_first(s, a), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "xyz"), ERR_INVAL);
	scram_free(s);

	/* A random nonce: 18 bytes in base64, printable, no ','. */
	buf_reset(a);
	REQUIRE((s = scram_new()) != NULL);
	REQUIRE((t = scram_new()) != NULL);
	CHECK_INT(scram_client_first(s, a), 0);
	CHECK_INT(scram_client_first(t, b), 0);
	REQUIRE(buf_len(a) > 8 && memcmp(buf_ptr(a), "n,,n=,r=", 8) == 0);
	nonce = buf_ptr(a) + 8;
	n = buf_len(a) - 8;
	CHECK_INT(n, (SCRAM_NONCE_LEN + 2) / 3 * 4);
	for (i = 0; i < n; i++)
		CHECK(nonce[i] > 0x20 && nonce[i] < 0x7f && nonce[i] != ',');
	CHECK(buf_len(a) == buf_len(b) && !same_buf(a, b));
	scram_free(s);
	scram_free(t);

	/* Nonces that could not go out as they are. */
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_nonce(s, ""), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "a,b"), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "a b"), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "a\x7f"), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "caf\xc3\xa9"), ERR_INVAL);
	CHECK_INT(scram_set_nonce(s, "0123456789012345678901234567890123456789"
	    "01234567890123456789012345"), ERR_INVAL);
	/* A saslname escapes ',' and '=' (RFC 5802 section 5.1). */
	CHECK_INT(scram_set_nonce(s, "n"), 0);
	CHECK_INT(scram_set_user(s, "a,b=c"), 0);
	buf_reset(a);
	CHECK_INT(scram_client_first(s, a), 0);
	CHECK_BUF(a, "n,,n=a=2Cb=3Dc,r=n");
	scram_free(s);

	/* Out of order. */
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_verify(s, (const unsigned char *)RFC_VERIFY,
	    strlen(RFC_VERIFY)), ERR_INVAL);
	scram_free(s);

	buf_free(a);
	buf_free(b);
	scram_free(NULL);
}

TEST(scram_final_before_first)
{
	struct scram	*s;
	struct secret	*pw;
	struct buf	*out;

	REQUIRE((out = buf_new(1024)) != NULL);
	REQUIRE((pw = secret_new("pencil", 6)) != NULL);
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_nonce(s, RFC_NONCE), 0);
	CHECK_INT(scram_client_final(s, pw, (const unsigned char *)RFC_FIRST,
	    strlen(RFC_FIRST), out), ERR_INVAL);
	CHECK_INT(buf_len(out), 0);
	scram_free(s);
	secret_free(pw);
	buf_free(out);
}

TEST(scram_bad_server_first)
{
	static const struct {
		const char	*msg;
		int		 err;
	} bad[] = {
		/* The nonce must extend ours (RFC 5802 section 5.1). */
		{ "r=xOprNGfwEbeRWgbNEkqO123,s=" RFC_SALT ",i=4096",
		    ERR_PROTO },
		{ "r=abc" RFC_NONCE ",s=" RFC_SALT ",i=4096", ERR_PROTO },
		{ "r=" RFC_NONCE ",s=" RFC_SALT ",i=4096", ERR_PROTO },
		{ "r=rOprNGfwEbeRWgbNEkq,s=" RFC_SALT ",i=4096", ERR_PROTO },
		{ "r=,s=" RFC_SALT ",i=4096", ERR_PROTO },
		{ "r=" RFC_NONCE "a b,s=" RFC_SALT ",i=4096", ERR_FORMAT },
		{ "r=" RFC_NONCE "\x7f,s=" RFC_SALT ",i=4096", ERR_FORMAT },
		{ "r=" RFC_NONCE "\xc3\xa9,s=" RFC_SALT ",i=4096", ERR_FORMAT },
		/* Iteration counts. */
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=0", ERR_FORMAT },
		/* Below RFC 7677's 4096: a proof cheap to guess from. */
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=1", ERR_DENIED },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4095", ERR_DENIED },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=1000000000", ERR_DENIED },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=1048577", ERR_DENIED },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT
		    ",i=99999999999999999999999999", ERR_DENIED },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=-1", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=+5", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=abc", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096x", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i= 4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=04096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT, ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",", ERR_FORMAT },
		/* Salts. */
		{ "r=" RFC_SNONCE ",i=4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE, ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=,i=4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096",
		    ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096",
		    ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gR==,i=4096",
		    ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=W22ZaJ0S*Y7soEsUEjb6gQ==,i=4096",
		    ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=====,i=4096", ERR_FORMAT },
		/* 66 bytes of salt, more than we take; 64 are fine (below). */
		{ "r=" RFC_SNONCE ",s=" B64_AAA_22 ",i=4096", ERR_TOOBIG },
		{ "r=" RFC_SNONCE ",s=" B64_AAA_22 "=,i=4096", ERR_FORMAT },
		/* Structure. */
		{ "m=ext,r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096", ERR_PROTO },
		{ "", ERR_FORMAT },
		{ "s=" RFC_SALT ",r=" RFC_SNONCE ",i=4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",i=4096,s=" RFC_SALT, ERR_FORMAT },
		{ "i=4096,r=" RFC_SNONCE ",s=" RFC_SALT, ERR_FORMAT },
		{ " r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",,s=" RFC_SALT ",i=4096", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096,", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096,x", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096,x=", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096,1=a", ERR_FORMAT },
		{ "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4096,x=a,,y=b",
		    ERR_FORMAT },
		{ "e=other-error", ERR_FORMAT },
	};
	struct scram	*s;
	struct secret	*pw;
	struct buf	*out;
	char		 big[1100];
	size_t		 i, n;
	int		 r;

	REQUIRE((out = buf_new(4096)) != NULL);
	for (i = 0; i < nitems(bad); i++) {
		r = run_final(&s, NULL, "pencil", 6, bad[i].msg, out);
		if (r != bad[i].err) {
			printf("    case %zu: \"%s\": %d\n", i, bad[i].msg, r);
			CHECK_INT(r, bad[i].err);
		}
		/* Nothing went out, and the exchange is over. */
		CHECK_INT(buf_len(out), 0);
		CHECK_INT(verify(s, RFC_VERIFY), ERR_INVAL);
		scram_free(s);
	}

	/* Too long: a well-formed message padded with an extension. */
	n = (size_t)snprintf(big, sizeof(big), "%s,x=", RFC_FIRST);
	memset(big + n, 'a', sizeof(big) - n - 1);
	big[1025] = '\0';
	CHECK_INT(run_final(&s, NULL, "pencil", 6, big, out), ERR_TOOBIG);
	scram_free(s);
	/* ... while 1024 bytes are taken. */
	big[1024] = '\0';
	CHECK_INT(run_final(&s, NULL, "pencil", 6, big, out), 0);
	scram_free(s);
	buf_reset(out);

	/* A server nonce of 512 bytes is taken, one more is not. */
	n = (size_t)snprintf(big, sizeof(big), "r=%s", RFC_NONCE);
	memset(big + n, 'x', 512 - strlen(RFC_NONCE));
	n += 512 - strlen(RFC_NONCE);
	snprintf(big + n, sizeof(big) - n, ",s=%s,i=4096", RFC_SALT);
	CHECK_INT(run_final(&s, NULL, "pencil", 6, big, out), 0);
	/* The answer fits the 1024 bytes that hold a server message. */
	CHECK(buf_len(out) > 512 && buf_len(out) <= 1024);
	scram_free(s);
	buf_reset(out);
	memmove(big + n + 1, big + n, strlen(big + n) + 1);
	big[n] = 'x';
	CHECK_INT(run_final(&s, NULL, "pencil", 6, big, out), ERR_TOOBIG);
	CHECK_INT(buf_len(out), 0);
	scram_free(s);

	/* A NUL inside the message. */
	REQUIRE((pw = secret_new("pencil", 6)) != NULL);
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_nonce(s, RFC_NONCE), 0);
	CHECK_INT(scram_client_first(s, out), 0);
	buf_reset(out);
	memcpy(big, RFC_FIRST, sizeof(RFC_FIRST));
	big[5] = '\0';
	CHECK_INT(scram_client_final(s, pw, (unsigned char *)big,
	    strlen(RFC_FIRST), out), ERR_FORMAT);
	CHECK_INT(buf_len(out), 0);
	scram_free(s);
	secret_free(pw);

	buf_free(out);
}

TEST(scram_server_first_accepted)
{
	struct scram	*s;
	struct buf	*out;

	REQUIRE((out = buf_new(4096)) != NULL);
	/* Extensions after the count (RFC 5802 section 7). */
	CHECK_INT(run_final(&s, NULL, "pencil", 6,
	    "r=" RFC_NONCE "xyz,s=c2FsdA==,i=4096,x=ext", out), 0);
	CHECK_BUF(out, "c=biws,r=" RFC_NONCE "xyz,"
	    "p=bqZOZAJNzzYAw2YVeFbBUyvMwFmX5x+Bm/SEgM7I3ps=");
	CHECK_INT(verify(s,
	    "v=ldE3LJju0Pwih45sMpw0PcdZKrH87M5xFd1RBvsQ24Y="), 0);
	scram_free(s);

	/* The largest salt we take. */
	buf_reset(out);
	CHECK_INT(run_final(&s, NULL, "pencil", 6,
	    "r=" RFC_SNONCE ",s=" B64_A64 ",i=4096", out), 0);
	scram_free(s);
	buf_free(out);
}

TEST(scram_bad_server_final)
{
	static const struct {
		const char	*msg;
		int		 err;
	} bad[] = {
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G8=", ERR_AUTH },
		{ "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", ERR_AUTH },
		/* Another exchange's signature. */
		{ IX_VERIFY, ERR_AUTH },
		/* Non-canonical base64: bits set under the padding. */
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", ERR_FORMAT },
		{ "e=invalid-proof", ERR_AUTH },
		{ "e=other-error,x=1", ERR_AUTH },
		{ "", ERR_FORMAT },
		{ "v=", ERR_FORMAT },
		{ "v", ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G", ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4==",
		    ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=x",
		    ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,",
		    ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x",
		    ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G*=",
		    ERR_FORMAT },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G8=,x=1",
		    ERR_AUTH },
		{ "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		    ERR_FORMAT },
		{ " v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		    ERR_FORMAT },
		{ "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", ERR_FORMAT },
	};
	struct scram	*s;
	struct buf	*out;
	size_t		 i;
	int		 r;

	REQUIRE((out = buf_new(4096)) != NULL);
	for (i = 0; i < nitems(bad); i++) {
		buf_reset(out);
		REQUIRE(run_final(&s, "user", "pencil", 6, RFC_FIRST, out) == 0);
		r = verify(s, bad[i].msg);
		if (r != bad[i].err) {
			printf("    case %zu: \"%s\": %d\n", i, bad[i].msg, r);
			CHECK_INT(r, bad[i].err);
		}
		/* A failure ends the exchange: no second try. */
		CHECK_INT(verify(s, RFC_VERIFY), ERR_INVAL);
		scram_free(s);
	}

	/* Extensions after the verifier are allowed. */
	buf_reset(out);
	REQUIRE(run_final(&s, "user", "pencil", 6, RFC_FIRST, out) == 0);
	CHECK_INT(verify(s, RFC_VERIFY ",x=1,y=a=b"), 0);
	scram_free(s);

	/* Length, not a NUL, ends the message. */
	buf_reset(out);
	REQUIRE(run_final(&s, "user", "pencil", 6, RFC_FIRST, out) == 0);
	CHECK_INT(scram_verify(s, (const unsigned char *)RFC_VERIFY "\0",
	    sizeof(RFC_VERIFY)), ERR_FORMAT);
	scram_free(s);

	/* The final message cannot go out twice. */
	buf_reset(out);
	REQUIRE(run_final(&s, "user", "pencil", 6, RFC_FIRST, out) == 0);
	{
		struct secret	*pw;

		REQUIRE((pw = secret_new("pencil", 6)) != NULL);
		CHECK_INT(scram_client_final(s, pw,
		    (const unsigned char *)RFC_FIRST, strlen(RFC_FIRST), out),
		    ERR_INVAL);
		secret_free(pw);
	}
	CHECK_INT(verify(s, RFC_VERIFY), 0);
	scram_free(s);

	buf_free(out);
}

/*
 * The iteration floor: RFC 7677's 4096 at least, and what the monitor has
 * verified for a service beyond that.  A refused count is still reported,
 * for the monitor's warning, and nothing goes out.
 */
TEST(scram_iteration_floor)
{
	struct scram	*s;
	struct buf	*out;

	REQUIRE((out = buf_new(1024)) != NULL);
	CHECK_INT(run_final(&s, NULL, "pencil", 6,
	    "r=" RFC_SNONCE ",s=" RFC_SALT ",i=4095", out), ERR_DENIED);
	CHECK_INT(scram_iterations(s), 4095);
	CHECK_INT(buf_len(out), 0);
	scram_free(s);
	CHECK_INT(run_final(&s, NULL, "pencil", 6, RFC_FIRST, out), 0);
	CHECK_INT(scram_iterations(s), 4096);
	scram_free(s);

	/* A floor of 8192 refuses 4096; one below 4096 counts as 4096. */
	buf_reset(out);
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_iterations(s), 0);
	scram_set_floor(s, 8192);
	CHECK_INT(scram_set_nonce(s, RFC_NONCE), 0);
	CHECK_INT(scram_client_first(s, out), 0);
	buf_reset(out);
	{
		struct secret	*pw;

		REQUIRE((pw = secret_new("pencil", 6)) != NULL);
		CHECK_INT(scram_client_final(s, pw,
		    (const unsigned char *)RFC_FIRST, strlen(RFC_FIRST), out),
		    ERR_DENIED);
		CHECK_INT(scram_iterations(s), 4096);
		CHECK_INT(buf_len(out), 0);
		scram_free(s);

		REQUIRE((s = scram_new()) != NULL);
		scram_set_floor(s, 1);
		CHECK_INT(scram_set_nonce(s, RFC_NONCE), 0);
		CHECK_INT(scram_client_first(s, out), 0);
		buf_reset(out);
		CHECK_INT(scram_client_final(s, pw, (const unsigned char *)
		    "r=" RFC_SNONCE ",s=" RFC_SALT ",i=1",
		    strlen("r=" RFC_SNONCE ",s=" RFC_SALT ",i=1"), out),
		    ERR_DENIED);
		scram_free(s);
		secret_free(pw);
	}
	buf_free(out);
}

/*
 * Channel binding (RFC 5802 sections 6 and 7): the gs2 header of the
 * client-first-message, and c= of the client-final-message, which is the
 * base64 of that header followed by the tls-server-end-point hash (RFC 5929
 * section 4.1).  The expected values come from the same few lines of
 * Python as the others, with the binding data 00 01 02 ... (the -PLUS
 * exchange with a real server is regress/t/pg-channel-binding.sh).
 */
#define CB_64	"cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAECAwQFBgcICQoLDA0ODxAREh" \
		"MUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
TEST(scram_channel_binding)
{
	static const struct {
		struct binding	 b;
		const char	*first, *final, *verify;
	} ok[] = {
		{ { SCRAM_CBIND_NONE, NULL, 0 }, "n,,n=,r=" RFC_NONCE,
		    RFC_FINAL_BARE ",p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7C"
		    "K4n9k=", "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=" },
		{ { SCRAM_CBIND_UNOFFERED, NULL, 0 }, "y,,n=,r=" RFC_NONCE,
		    "c=eSws,r=" RFC_SNONCE ",p=VpuC5DGQa5ro9tXE9MnKs69NH1nxnu"
		    "regZZcclqIGfM=",
		    "v=FOmOj9BpTGwvnzwBtWQjBaPmVxT9I8IeHBOhcIPu3us=" },
		{ { SCRAM_CBIND_END_POINT, NULL, 32 },
		    "p=tls-server-end-point,,n=,r=" RFC_NONCE,
		    "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAECAwQFBgcICQoLDA0ODx"
		    "AREhMUFRYXGBkaGxwdHh8=,r=" RFC_SNONCE ",p=Q8h71kjaoMzNI7"
		    "dPksDrhRE/5mTUObF0fUHVIgBOWQg=",
		    "v=ykwoqH8mLqO5AQCeuwwf6lsj9f8zyJZT/CcvAbN4Ssc=" },
		{ { SCRAM_CBIND_END_POINT, NULL, 48 },
		    "p=tls-server-end-point,,n=,r=" RFC_NONCE,
		    "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAECAwQFBgcICQoLDA0ODx"
		    "AREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v,r=" RFC_SNONCE
		    ",p=71wV5x+YXhUnOdjQjcHz9s5X26BmG3BZD2UXOdAbfys=",
		    "v=awnXVcKJWfdZYNY1Qltk7TlD82l7A5dOY5zkbgMCMx8=" },
		{ { SCRAM_CBIND_END_POINT, NULL, 64 },
		    "p=tls-server-end-point,,n=,r=" RFC_NONCE,
		    "c=" CB_64 ",r=" RFC_SNONCE ",p=FX+KI6N8nMadbQViGc7gA/lO+U"
		    "4nqgoEATm0bm66cZE=",
		    "v=5vNo2wOiQReE0JMmWTxhC2cCLkm2vKPqzi5CvUc8Jb0=" },
	};
	unsigned char	 data[SCRAM_CBIND_DATA_MAX + 1];
	struct binding	 b;
	struct scram	*s;
	struct buf	*first, *out;
	size_t		 i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)i;
	REQUIRE((first = buf_new(1024)) != NULL);
	REQUIRE((out = buf_new(1024)) != NULL);
	for (i = 0; i < nitems(ok); i++) {
		b = ok[i].b;
		if (b.len > 0)
			b.data = data;
		buf_reset(first);
		buf_reset(out);
		CHECK_INT(run_bound(&s, &b, NULL, "pencil", 6, RFC_FIRST,
		    first, out), 0);
		CHECK_BUF(first, ok[i].first);
		CHECK_BUF(out, ok[i].final);
		CHECK_INT(verify(s, ok[i].verify), 0);
		scram_free(s);
	}

	/* Another certificate, another proof: the binding is in AuthMessage. */
	b.mode = SCRAM_CBIND_END_POINT;
	b.data = data + 1;
	b.len = 32;
	buf_reset(out);
	CHECK_INT(run_bound(&s, &b, NULL, "pencil", 6, RFC_FIRST, NULL, out),
	    0);
	CHECK(buf_len(out) == strlen(ok[2].final) &&
	    memcmp(buf_ptr(out), ok[2].final, buf_len(out)) != 0);
	CHECK_INT(verify(s, ok[2].verify), ERR_AUTH);
	scram_free(s);

	/* Only a hash of 32, 48 or 64 bytes, and only for END_POINT. */
	REQUIRE((s = scram_new()) != NULL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_END_POINT, data, 0),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_END_POINT, NULL, 32),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_END_POINT, data, 31),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_END_POINT, data, 33),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_END_POINT, data, 65),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_NONE, data, 32),
	    ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_UNOFFERED, data,
	    32), ERR_INVAL);
	CHECK_INT(scram_set_channel_binding(s, (enum scram_cbind)7, NULL, 0),
	    ERR_INVAL);
	/* Not once the client-first-message has gone. */
	buf_reset(first);
	CHECK_INT(scram_client_first(s, first), 0);
	CHECK_INT(scram_set_channel_binding(s, SCRAM_CBIND_NONE, NULL, 0),
	    ERR_INVAL);
	scram_free(s);
	CHECK_INT(scram_set_channel_binding(NULL, SCRAM_CBIND_NONE, NULL, 0),
	    ERR_INVAL);

	buf_free(first);
	buf_free(out);
}

/* The client-final-message for this password against the RFC's server. */
static int
final_for(const void *pw, size_t len, struct buf *out)
{
	struct scram	*s;
	int		 r;

	buf_reset(out);
	r = run_final(&s, NULL, pw, len, RFC_FIRST, out);
	scram_free(s);
	return r;
}

TEST(scram_saslprep)
{
	struct buf	*a, *b;
	char		 big[1025];

	REQUIRE((a = buf_new(4096)) != NULL);
	REQUIRE((b = buf_new(4096)) != NULL);

	/* Plain ASCII, as the Python reference computed it. */
	CHECK_INT(final_for("IX", 2, a), 0);
	CHECK_BUF(a, IX_FINAL);

	/* U+00AD SOFT HYPHEN maps to nothing (RFC 3454 table B.1). */
	CHECK_INT(final_for("I\xc2\xadX", 4, b), 0);
	CHECK_BUF(b, IX_FINAL);
	/* U+2168 ROMAN NUMERAL NINE is "IX" under NFKC. */
	CHECK_INT(final_for("\xe2\x85\xa8", 3, b), 0);
	CHECK_BUF(b, IX_FINAL);
	/* U+00A0 NO-BREAK SPACE maps to a space (RFC 4013 section 2.1). */
	CHECK_INT(final_for("I X", 3, a), 0);
	CHECK_INT(final_for("I\xc2\xa0X", 4, b), 0);
	CHECK(same_buf(a, b));

	/* Not UTF-8: the raw bytes, as PostgreSQL does (Python value). */
	CHECK_INT(final_for("\xffpencil\xfe", 8, b), 0);
	CHECK_BUF(b, RFC_FINAL_BARE
	    ",p=GtdLUfkGrf0rTULOEJKJn/hQvnL/xA04q2gsVycnjc4=");
	/* An overlong soft hyphen is not UTF-8 and is not mapped away. */
	CHECK_INT(final_for("I\xc0\xadX", 4, b), 0);
	CHECK(buf_len(b) == strlen(IX_FINAL) &&
	    memcmp(buf_ptr(b), IX_FINAL, buf_len(b)) != 0);
	CHECK_INT(final_for("I\xe0\x82\xadX", 5, b), 0);
	CHECK(buf_len(b) == strlen(IX_FINAL) &&
	    memcmp(buf_ptr(b), IX_FINAL, buf_len(b)) != 0);
	/* A surrogate is not UTF-8 either. */
	CHECK_INT(final_for("I\xed\xa0\x80X", 5, b), 0);

	/*
	 * SASLprep refuses an unassigned code point (U+0221 in Unicode 3.2),
	 * as pg_saslprep() does, so the raw bytes are used: the soft hyphen
	 * stays (Python value over the raw bytes).
	 */
	CHECK_INT(final_for("I\xc2\xadX\xc8\xa1", 6, b), 0);
	CHECK_BUF(b, RFC_FINAL_BARE
	    ",p=hvVSbWLOOw+GpvY0mRaZ8s5+3bse7RyX8o+hEsca30M=");
	/* A password that maps to nothing is used raw (Python value). */
	CHECK_INT(final_for("\xc2\xad", 2, b), 0);
	CHECK_BUF(b, RFC_FINAL_BARE
	    ",p=IbqQ/hs23127Vuu9RRZqb+cI2rQw2AISEGu8MdqxFXs=");
	/* Prohibited (a control character after a non-ASCII one): raw. */
	CHECK_INT(final_for("\xc3\xa9\x01", 3, b), 0);
	/* A NUL inside: raw, and the whole length counts. */
	CHECK_INT(final_for("IX\0", 3, b), 0);
	CHECK(!same_buf(a, b));

	/* An empty password never matches in PostgreSQL; too long is refused. */
	CHECK_INT(final_for("", 0, b), ERR_INVAL);
	memset(big, 'p', sizeof(big));
	CHECK_INT(final_for(big, sizeof(big), b), ERR_INVAL);
	CHECK_INT(final_for(big, sizeof(big) - 1, b), 0);

	buf_free(a);
	buf_free(b);
}

TEST(pgauth_md5_response)
{
	static const unsigned char salt1[4] = { 0x9a, 0x1b, 0x00, 0xff };
	static const unsigned char salt2[4] = { 0x01, 0x02, 0x03, 0x04 };
	struct secret	*pw;
	char		 out[PG_MD5_LEN + 1];

	/*
	 * inner=$(printf '%s' 'secretpostgres' | md5sum | cut -c1-32)
	 * printf '%s\232\033\000\377' "$inner" | md5sum
	 */
	REQUIRE((pw = secret_new("secret", 6)) != NULL);
	memset(out, 'x', sizeof(out));
	CHECK_INT(pgauth_md5(pw, "postgres", salt1, out), 0);
	CHECK_STR(out, "md5835343d95b75cebf2ebb13d383f4d383");
	CHECK_INT(strlen(out), PG_MD5_LEN);
	/* Another salt, another answer. */
	CHECK_INT(pgauth_md5(pw, "postgres", salt2, out), 0);
	CHECK(strcmp(out, "md5835343d95b75cebf2ebb13d383f4d383") != 0);
	/* Another user, another answer. */
	CHECK_INT(pgauth_md5(pw, "postgre", salt1, out), 0);
	CHECK(strcmp(out, "md5835343d95b75cebf2ebb13d383f4d383") != 0);
	secret_free(pw);

	/*
	 * Bytes are bytes: no SASLprep for MD5.
	 * inner=$(printf 'p\303\244ss,w=rdalice' | md5sum | cut -c1-32)
	 * printf '%s\001\002\003\004' "$inner" | md5sum
	 */
	REQUIRE((pw = secret_new("p\xc3\xa4ss,w=rd", 10)) != NULL);
	CHECK_INT(pgauth_md5(pw, "alice", salt2, out), 0);
	CHECK_STR(out, "md5422286832d84a80a11ff3c714a163f47");
	secret_free(pw);

	REQUIRE((pw = secret_new("", 0)) != NULL);
	CHECK_INT(pgauth_md5(pw, "alice", salt2, out), ERR_INVAL);
	secret_free(pw);
	CHECK_INT(pgauth_md5(NULL, "alice", salt2, out), ERR_INVAL);
}

/*
 * The same exchange in three steps, with Hi() on the monitor's KDF threads
 * (kdf.c), as airlockd runs it: the RFC's client-final-message comes out of
 * the callback, on the loop.  A cancelled job's callback never runs, be it
 * still queued, computing or finished; kdf_close frees whatever is left.
 */
struct kdf_seen {
	struct scram	*s;
	struct buf	*out;
	int		 calls;
	int		 error;
};

static void
kdf_seen_cb(void *arg, int error, const struct secret *salted)
{
	struct kdf_seen	*k = arg;

	k->calls++;
	k->error = error;
	if (error == 0 && k->s != NULL)
		k->error = scram_client_final_finish(k->s, salted, k->out);
}

/* A scram after its client-first-message, and hi for the RFC's challenge. */
static struct scram *
kdf_begin(struct scram_hi *hi)
{
	struct scram	*s;
	struct secret	*pw;
	struct buf	*first;
	int		 r = -1;

	if ((s = scram_new()) == NULL || (first = buf_new(1024)) == NULL ||
	    (pw = secret_new("pencil", 6)) == NULL)
		abort();
	if (scram_set_nonce(s, RFC_NONCE) == 0 &&
	    scram_set_user(s, "user") == 0 && scram_client_first(s, first) == 0)
		r = scram_client_final_begin(s, pw,
		    (const unsigned char *)RFC_FIRST, strlen(RFC_FIRST), hi);
	secret_free(pw);
	buf_free(first);
	if (r != 0)
		abort();
	return s;
}

TEST(scram_kdf_threads)
{
	struct kdf_seen	 seen[8], cancelled;
	struct kdf_job	*j;
	struct scram_hi	 hi;
	struct scram	*other;
	struct secret	*salted;
	struct timeval	 tick = { 0, 10000 };
	int		 i, n;

	REQUIRE((mon.base = event_base_new()) != NULL);
	REQUIRE(kdf_init() == 0);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 8; i++) {
		seen[i].s = kdf_begin(&hi);
		REQUIRE((seen[i].out = buf_new(1024)) != NULL);
		REQUIRE(kdf_start(&hi, kdf_seen_cb, &seen[i]) != NULL);
		CHECK(hi.password == NULL);	/* taken over */
	}
	/* Cancelled at once (queued behind 8), and while it may run. */
	memset(&cancelled, 0, sizeof(cancelled));
	other = kdf_begin(&hi);
	REQUIRE((j = kdf_start(&hi, kdf_seen_cb, &cancelled)) != NULL);
	kdf_cancel(j);
	scram_free(other);
	for (n = 0; n < 1000; n++) {
		for (i = 0; i < 8 && seen[i].calls == 1; i++)
			;
		if (i == 8)
			break;
		event_base_loopexit(mon.base, &tick);
		event_base_dispatch(mon.base);
	}
	for (i = 0; i < 8; i++) {
		CHECK_INT(seen[i].calls, 1);
		CHECK_INT(seen[i].error, 0);
		CHECK_BUF(seen[i].out, RFC_FINAL);
		CHECK_INT(verify(seen[i].s, RFC_VERIFY), 0);
		scram_free(seen[i].s);
		buf_free(seen[i].out);
	}

	/* Cancelled after it was started: a thread may hold it. */
	other = kdf_begin(&hi);
	REQUIRE((j = kdf_start(&hi, kdf_seen_cb, &cancelled)) != NULL);
	usleep(20000);
	kdf_cancel(j);
	scram_free(other);
	event_base_loopexit(mon.base, &tick);
	event_base_dispatch(mon.base);
	/* Finished, not yet delivered: kdf_close frees it uncalled. */
	other = kdf_begin(&hi);
	REQUIRE(kdf_start(&hi, kdf_seen_cb, &cancelled) != NULL);
	usleep(50000);
	kdf_close();
	scram_free(other);
	CHECK_INT(cancelled.calls, 0);

	/* Hi() refuses what _begin would never hand it. */
	memset(&hi, 0, sizeof(hi));
	CHECK_INT(scram_hi(&hi, &salted), ERR_INVAL);
	CHECK(salted == NULL);

	event_base_free(mon.base);
	mon.base = NULL;
}
