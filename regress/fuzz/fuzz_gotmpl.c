/*
 * libFuzzer harness: Go templates (monitor/gotmpl.c), as airlock.yml brings
 * them: parsed, and when they parse, rendered with two credentials (a
 * third name stays missing), the result within its bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpconf.h"
#include "monitor.h"
#include "secret.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	*names[] = { "a", "user" };
	static struct secret *values[2];
	struct creds	 c = { 2, names, values };
	struct gotmpl	*t;
	struct secret	*out;
	char		*text, err[256];

	if (values[0] == NULL) {
		if (secret_init() != 0)
			abort();
		values[0] = secret_new("x\"y\n\xc3\xa9", 6);
		values[1] = secret_new("Aladdin", 7);
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((t = gotmpl_parse(text, err, sizeof(err))) != NULL) {
		for (size_t i = 0; gotmpl_name(t, i) != NULL; i++)
			if (strlen(gotmpl_name(t, i)) > size)
				abort();
		if (gotmpl_render(t, &c, &out, err, sizeof(err)) == 0) {
			if (out->len > 64 * 1024)
				abort();
			secret_free(out);
		}
		gotmpl_free(t);
	}
	free(text);
	return 0;
}
