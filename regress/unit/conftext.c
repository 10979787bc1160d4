/* A configuration from text, for the unit tests (conftext.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"
#include "test.h"

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

void
conftext_error(const char *text, int line, int col, const char *want,
    const char *secret)
{
	struct config	*cf;
	char		 path[CONFTEXT_PATH_LEN], err[1024], prefix[128];

	cf = config_from_text(text, path, err, sizeof(err));
	CHECK(cf == NULL);
	config_free(cf);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL) {
		printf("    got:  %s\n    want: %s...%s\n", err, prefix, want);
		CHECK(!"error message as expected");
	}
	CHECK(secret == NULL || strstr(err, secret) == NULL);
}

struct config *
conftext_warning(const char *text, int line, int col, const char *want)
{
	struct config	*cf;
	char		 path[CONFTEXT_PATH_LEN], err[1024], prefix[128];

	cf = config_from_text(text, path, err, sizeof(err));
	if (cf == NULL) {
		printf("    %s\n", err);
		CHECK(!"the file loads");
		return NULL;
	}
	CHECK_INT(cf->nwarnings, 1);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
	if (cf->nwarnings < 1 ||
	    strncmp(cf->warnings[0], prefix, strlen(prefix)) != 0 ||
	    strstr(cf->warnings[0], want) == NULL) {
		printf("    got:  %s\n    want: %s...%s\n", cf->nwarnings > 0 ?
		    cf->warnings[0] : "(none)", prefix, want);
		CHECK(!"warning as expected");
	}
	return cf;
}
