/*
 * libFuzzer harness: a provider's answer, as the monitor reads it (the
 * only bytes from the network that it parses): the JSON document
 * (providers/jsonfield.c) and the fields the providers take from it,
 * the error codes that reach messages (jfield_code, and AWS's and
 * Azure's readers of theirs), and base64 of the values (b64.c): a code
 * that is not within its bound and alphabet, or a value over the
 * document's size, aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "secret.h"
#include "../../providers/aws.h"
#include "../../providers/azure.h"
#include "../../providers/b64.h"
#include "../../providers/jsonfield.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const string_paths[] = {
	"data.value", "data.data.password", "SecretString", "SecretBinary",
	"payload.data", "value", "access_token", "auth.client_token",
	"Credentials.AccessKeyId", "token",
};
static const char *const int_paths[] = {
	"expires_in", "auth.lease_duration", "payload.dataCrc32c",
	"data.ttl", "Expiration",
};

/* A code within max characters of the codes' alphabet, or "". */
static void
check_code(const char *code, size_t max)
{
	size_t	 i, n = strlen(code);

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.#:-", code[i]) == NULL)
			abort();
}

static void
decode(const struct secret *s)
{
	struct secret	*d;
	int		 v;

	for (v = B64_STD; v <= B64_URL; v++)
		if (b64_decode((const char *)s->data, s->len, v, &d) == 0) {
			if (d->len > s->len)
				abort();
			secret_free(d);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct jfield_doc	*doc;
	struct secret		*body, *s;
	char			 err[256], code[80];
	long long		 n;
	size_t			 i;
	int			 b;

	if (!ready) {
		if (secret_init() != 0)
			abort();
		ready = 1;
	}
	if ((body = secret_new(data, size)) == NULL)
		return 0;
	/* jsonfield.h: at most 64 characters. */
	jfield_code(body, "error.status", code, sizeof(code));
	check_code(code, 64);
	jfield_code(body, "reason", code, sizeof(code));
	check_code(code, 64);
	azure_error_code(body, code, sizeof(code));
	check_code(code, 64);
	/* AWS's: the name after the last '#', bounded by the buffer. */
	aws_error_code(body, "__type", code, sizeof(code));
	check_code(code, sizeof(code) - 1);
	if (jfield_parse(data, size, &doc, err, sizeof(err)) == 0) {
		for (i = 0; i < sizeof(string_paths) / sizeof(*string_paths);
		    i++)
			if (jfield_string(doc, string_paths[i], &s, err,
			    sizeof(err)) == 0) {
				if (s->len > size)
					abort();
				decode(s);
				secret_free(s);
			}
		for (i = 0; i < sizeof(int_paths) / sizeof(*int_paths); i++)
			(void)jfield_int(doc, int_paths[i], &n, err,
			    sizeof(err));
		if (jfield_string_key(doc, "acct:variable:db/pass.word", &s,
		    err, sizeof(err)) == 0)
			secret_free(s);
		if (jfield_string_in(doc, "data", "tls.crt", &s, err,
		    sizeof(err)) == 0) {
			decode(s);
			secret_free(s);
		}
		(void)jfield_bool(doc, "auth.renewable", &b, err, sizeof(err));
		jfield_free(doc);
	}
	secret_free(body);
	return 0;
}
