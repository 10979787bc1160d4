/*
 * The roots an upstream's certificate must chain to, for the HTTP
 * connectors' workers (MSG_HTTP_ROOTS, include/httpmsg.h).  A worker
 * opens no file, so the monitor reads the PEM files (through StrictModes:
 * whoever could change a root could vouch for any upstream, and so
 * receive its credentials) into a memfd, sealed so that no one, the
 * monitor included, can change it afterwards: the system's store,
 * SECRETLESS_HTTP_CA_BUNDLE's file (Secretless Broker's variable) and the
 * airlock: section's httpCABundle, as the configuration names them.
 * The memfd is made once per loaded configuration, at the first worker
 * that asks, and each worker gets a descriptor of its own, read-only and
 * with its own offset.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "httproute.h"
#include "log.h"
#include "safefile.h"
#include "util.h"

#define PATHFMT		"%.200s"
#define SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
			 F_SEAL_SEAL)

/* The memfd of one configuration, which it holds a reference to. */
static struct config	*roots_conf;
static int		 roots_memfd = -1;

/* Write all of len bytes. */
static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return ERR_SYS;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Append the file at path to the memfd, which holds *total bytes (at most
 * HTTP_ROOTS_MAX in all), on a line of its own.
 */
static int
append_file(int mfd, const char *path, size_t *total, char *why,
    size_t whylen)
{
	unsigned char	 chunk[16384];
	char		 err[512];
	ssize_t		 n;
	int		 fd, r = 0, nl = 1;

	if ((fd = safefile_open(path, 0, NULL, err, sizeof(err))) < 0) {
		snprintf(why, whylen, PATHFMT ": %s", path, err);
		return fd;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, PATHFMT ": %s", path,
			    strerror(errno));
			r = ERR_SYS;
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n + 1 > HTTP_ROOTS_MAX - *total) {
			snprintf(why, whylen, "the CA certificates are larger "
			    "than %d bytes with " PATHFMT, HTTP_ROOTS_MAX,
			    path);
			r = ERR_TOOBIG;
			break;
		}
		if ((r = write_all(mfd, chunk, (size_t)n)) != 0) {
			snprintf(why, whylen, "memfd: %s", strerror(errno));
			break;
		}
		*total += (size_t)n;
		nl = chunk[n - 1] == '\n';
	}
	close(fd);
	/* PEM's END line of one file must not run into the next's BEGIN. */
	if (r == 0 && !nl) {
		if ((r = write_all(mfd, (const unsigned char *)"\n", 1)) != 0)
			snprintf(why, whylen, "memfd: %s", strerror(errno));
		(*total)++;
	}
	return r;
}

int
http_roots_make(const char *const *paths, size_t n, char *why,
    size_t whylen)
{
	size_t	 i, total = 0;
	int	 mfd;

	if ((mfd = memfd_create("airlock-http-roots", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1) {
		snprintf(why, whylen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (paths[i] != NULL && append_file(mfd, paths[i], &total,
		    why, whylen) != 0) {
			close(mfd);
			return -1;
		}
	if (total == 0) {
		snprintf(why, whylen, "no CA certificates (neither %s nor a "
		    "bundle of the configuration)", HTTP_ROOTS_SYSTEM);
		close(mfd);
		return -1;
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) == -1) {
		snprintf(why, whylen, "memfd seals: %s", strerror(errno));
		close(mfd);
		return -1;
	}
	return mfd;
}

void
http_roots_free(void)
{
	if (roots_memfd != -1)
		close(roots_memfd);
	roots_memfd = -1;
	if (roots_conf != NULL)
		config_unref(roots_conf);
	roots_conf = NULL;
}

/* The memfd of conf's roots, made now if it is not the one kept. */
static int
roots_of(struct config *conf, char *why, size_t whylen)
{
	const char	*paths[3];
	struct stat	 st;
	int		 fd;

	if (roots_conf == conf && roots_memfd != -1)
		return 0;
	/* A system without a store of its own may name its bundles. */
	paths[0] = stat(HTTP_ROOTS_SYSTEM, &st) == 0 ? HTTP_ROOTS_SYSTEM :
	    NULL;
	/* As the configuration loaded them (confkeys.c checked both). */
	paths[1] = conf->http_ca_env;
	paths[2] = conf->http_ca_bundle;
	if ((fd = http_roots_make(paths, nitems(paths), why, whylen)) == -1)
		return -1;
	http_roots_free();
	roots_conf = config_ref(conf);
	roots_memfd = fd;
	return 0;
}

int
http_roots_fd(struct config *conf, char *why, size_t whylen)
{
	char	 path[64];
	int	 fd;

	if (roots_of(conf, why, whylen) != 0)
		return -1;
	/*
	 * Opened anew rather than dup'd: a descriptor of its own, with an
	 * offset of its own (a dup's is shared by every worker), read-only.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", roots_memfd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return fd;
}
