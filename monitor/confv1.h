/*
 * Secretless Broker version 1 files (listeners and handlers), converted on
 * load into the version 2 document they mean, which config.c then checks
 * as it checks any other.
 */
#ifndef AIRLOCK_CONFV1_H
#define AIRLOCK_CONFV1_H

#include <stddef.h>

#include <yaml.h>

struct config;

/*
 * A version 1 file: a mapping without version, or with version 1, as
 * Secretless Broker decides.
 */
int	 confv1_is_v1(yaml_document_t *);
/*
 * Replace *doc by the version 2 document it means.  Every node carries the
 * marks of the version 1 node it comes from, so that the errors of the
 * version 2 check name the version 1 file's lines.  The warnings (the file
 * is version 1, and what was ignored) are added to cf->warnings.  0, or an
 * error with "PATH:LINE:COLUMN: ..." in err and *doc left as it was.
 */
int	 confv1_convert(yaml_document_t *doc, struct config *cf,
	    const char *path, char *err, size_t errlen);

#endif
