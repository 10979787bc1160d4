/* A configuration from text, for the unit tests (conftext.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"

struct config *
config_from_text(const char *text, char pathout[CONFTEXT_PATH_LEN],
    char *err, size_t errlen)
{
	char		 path[] = "/tmp/airlock-cfg-XXXXXX";
	struct config	*cf;
	size_t		 len = strlen(text);
	int		 fd;

	if (errlen > 0)
		err[0] = '\0';
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	if (pathout != NULL)
		snprintf(pathout, CONFTEXT_PATH_LEN, "%s", path);
	cf = config_load(path, err, errlen);
	unlink(path);
	return cf;
}
