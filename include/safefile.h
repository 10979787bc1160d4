/*
 * StrictModes for the files that airlockd loads (monitor/safefile.c): the
 * configuration, the worker executable, the workers' chroot, and every file
 * that a provider reads.  A file is opened only when it, and every
 * directory on the way to it from /, can be changed by no one but root
 * (and airlockd's own user, when that is not root).  Used by monitor/ and
 * providers/, both of which run in the monitor.
 */
#ifndef AIRLOCK_SAFEFILE_H
#define AIRLOCK_SAFEFILE_H

#include <sys/stat.h>

#include <stddef.h>

/* What to open; the default (0) is a regular file, for reading. */
#define SAFEFILE_EXEC		0x01	/* a regular file to execute (O_PATH) */
#define SAFEFILE_DIR		0x02	/* a directory, for reading */
#define SAFEFILE_NOFOLLOW	0x04	/* the last component is not a link */

/*
 * Open path (absolute, or relative to the current directory) after the
 * checks; a descriptor (close-on-exec), or a negative error: ERR_DENIED
 * when a check refuses, ERR_NOTFOUND when something does not exist,
 * ERR_INVAL for the wrong kind of file, ERR_SYS (errno) else.  err says
 * why, without the path as given (the caller starts with it).  canon, if
 * not NULL, gets the path that was opened: absolute, without a symbolic
 * link, "." or ".." (to free).
 */
int		 safefile_open(const char *path, int flags, char **canon,
		    char *err, size_t errlen);
/*
 * The checks of the file itself, on its fstat(): for a file that stays
 * open (the worker executable), again before each use.
 */
int		 safefile_check(const struct stat *, const char *canon,
		    int flags, char *err, size_t errlen);

struct secret;

/*
 * providers/file.c: the file provider's reader, shared with the monitor's
 * own files (the ssh connector's known_hosts and front host key): the
 * whole regular file at path in guarded memory, at most 1 MiB
 * (FILE_PROVIDER_MAX), opened through the checks above (sflags are the
 * SAFEFILE_ flags).  Messages
 * start with who and name the path, never the contents.  ENOENT is
 * ERR_NOTFOUND; a file that others could change, ERR_DENIED.
 */
int		 file_read(const char *path, int sflags, const char *who,
		    struct secret **out, char *err, size_t errlen);

#endif
