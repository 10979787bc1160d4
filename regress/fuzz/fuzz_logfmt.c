/*
 * libFuzzer harness: the JSON escaper of log lines (privsep/logfmt.c),
 * which the monitor applies to text that a worker sent, and the health
 * worker to names.  The output must always be one JSON string: quoted, no
 * raw control character, no broken escape, within the given size.  The
 * first input byte chooses the output buffer's size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 out[1024];
	size_t	 bound, n, i;
	int	 cut;

	if (size == 0)
		return 0;
	bound = data[0] * 4 + 1;
	if (bound > sizeof(out))
		bound = sizeof(out);
	n = logfmt_json_string(out, bound, data + 1, size - 1, &cut);
	if (n >= bound || (bound >= 3 && (n < 2 || out[0] != '"' ||
	    out[n - 1] != '"' || out[n] != '\0')))
		abort();
	for (i = 1; i + 1 < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
		if (out[i] == '"')
			abort();
		if (out[i] == '\\') {
			/* Every escape is whole: \X or \uXXXX. */
			if (i + 2 >= n)
				abort();
			if (out[i + 1] == 'u')
				i += 5;
			else
				i++;
			if (i + 1 >= n)
				abort();
		}
	}
	return 0;
}
