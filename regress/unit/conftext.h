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

/*
 * Check that text is refused with an error at line:col that contains want
 * and not secret (NULL: no secret).
 */
void		 conftext_error(const char *text, int line, int col,
		    const char *want, const char *secret);
/*
 * Check that text loads with one warning, at line:col, that contains want;
 * the configuration (to free), or NULL.
 */
struct config	*conftext_warning(const char *text, int line, int col,
		    const char *want);

#endif
