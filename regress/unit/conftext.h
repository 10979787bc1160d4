/*
 * A configuration from text, for the unit tests: written to a temporary
 * file, loaded by config_load as airlockd would, the file removed.
 */
#ifndef AIRLOCK_CONFTEXT_H
#define AIRLOCK_CONFTEXT_H

#include <stddef.h>

struct config;

/*
 * NULL with the loader's message in err (or an empty one: no file).  The
 * file's name, which the loader's messages start with, goes to path
 * unless it is NULL.
 */
#define CONFTEXT_PATH_LEN	64
struct config	*config_from_text(const char *text,
		    char path[CONFTEXT_PATH_LEN], char *err, size_t errlen);

#endif
