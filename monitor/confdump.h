/*
 * airlockd -T: the effective configuration as a version 2 file, as sshd -T
 * prints sshd's.
 */
#ifndef AIRLOCK_CONFDUMP_H
#define AIRLOCK_CONFDUMP_H

#include <stdio.h>

struct config;

/*
 * Print cf as a version 2 file that loads into the same configuration:
 * the airlock: section with every setting at its effective value (worker:
 * the executable found, when given), then every service in the file's
 * order.  Literal credential values are printed as they are.  Returns the
 * number of literal values printed, or -1 when the output failed.
 */
int	 confdump_print(FILE *, const struct config *cf, const char *worker);
/* One YAML scalar that reads back as the len bytes of s. */
void	 confdump_scalar(FILE *, const char *s, size_t len);

#endif
