/*
 * libFuzzer harness: the configuration loader, on arbitrary file contents
 * (a memfd, named by its /proc path).  Trusted input, but an operator's
 * typo must give an error, never a crash.
 */
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "secret.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 fd = -1;
	static char	 path[64];
	struct config	*c;
	char		 err[1024];

	if (fd == -1) {
		secret_init();
		if ((fd = memfd_create("airlock-fuzz", 0)) == -1)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		return 0;
	if ((c = config_load(path, err, sizeof(err))) != NULL)
		config_free(c);
	return 0;
}
