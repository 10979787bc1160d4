/*
 * An LD_PRELOAD shim for airlockd that plays a local user who may write to
 * the directory of a Unix listener's socket (regress/t/unix-socket-perms.sh).
 * At the worst moment for the monitor, right after bind(2) has created the
 * socket file, it moves the socket aside and puts a symbolic link to
 * $BINDSWAP_TARGET in its place: code that then sets the socket's mode and
 * owner by path changes the link's target instead.  It acts only where such
 * a user could: in a directory that others may write to.  Each swap is said
 * on standard error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	 bind(int, const struct sockaddr *, socklen_t);

typedef int	 bind_fn(int, const struct sockaddr *, socklen_t);

/* The socket's absolute path, and its directory. */
static int
paths(const struct sockaddr_un *sun, socklen_t len, char *path, size_t plen,
    char *dir, size_t dlen)
{
	char		 name[sizeof(sun->sun_path) + 1], cwd[PATH_MAX / 2];
	size_t		 n;
	char		*slash;

	if (len <= offsetof(struct sockaddr_un, sun_path))
		return -1;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	memcpy(name, sun->sun_path, n);
	name[n] = '\0';
	if (name[0] == '\0')
		return -1;	/* abstract */
	if (name[0] == '/')
		snprintf(path, plen, "%s", name);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(path, plen, "%s/%s", cwd, name);
	else
		return -1;
	snprintf(dir, dlen, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	*(slash == dir ? slash + 1 : slash) = '\0';
	return 0;
}

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static bind_fn	*real;
	const char	*target = getenv("BINDSWAP_TARGET");
	char		 path[PATH_MAX], dir[PATH_MAX], aside[PATH_MAX + 8];
	struct stat	 st;
	int		 r, saved;

	if (real == NULL && (real = (bind_fn *)dlsym(RTLD_NEXT,
	    "bind")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	r = real(fd, sa, len);
	saved = errno;
	if (r != 0 || target == NULL || sa->sa_family != AF_UNIX ||
	    paths((const struct sockaddr_un *)(const void *)sa, len, path,
	    sizeof(path), dir, sizeof(dir)) != 0 ||
	    stat(dir, &st) != 0 || (st.st_mode & S_IWOTH) == 0)
		goto out;
	snprintf(aside, sizeof(aside), "%s.aside", path);
	if (rename(path, aside) == 0 && symlink(target, path) == 0)
		fprintf(stderr, "bindswap: %s is now a link to %s\n", path,
		    target);
 out:
	errno = saved;
	return r;
}
