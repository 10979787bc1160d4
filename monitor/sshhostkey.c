/*
 * The ssh connector's front host key: the key airlock shows its ssh
 * clients.  A configured hostKeyFile is read as every file the monitor
 * reads as root (safefile.c); the default one, stateDirectory's
 * ssh_host_ed25519_key, is made once when absent, so that the clients'
 * known_hosts entries stay valid across restarts, as sshd's keys made by
 * ssh-keygen -A do.  The text goes to guarded memory at once.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "errors.h"
#include "safefile.h"
#include "secret.h"
#include "sshconf.h"
#include "sshkey.h"

/*
 * The state directory, made 0700 when absent (its parent must exist), then
 * opened through the StrictModes checks: a directory that someone but
 * root could change could have the key swapped.
 */
static int
state_dir_open(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make the state directory "
		    "%.200s: %s", dir, strerror(errno));
		return ERR_SYS;
	}
	return safefile_open(dir, SAFEFILE_DIR, NULL, err, errlen);
}

/* A new Ed25519 key as PKCS#8 PEM, to fd; the PEM is wiped after. */
static int
write_new_key(int fd, char *err, size_t errlen)
{
	EVP_PKEY	*key;
	BIO		*mem = NULL;
	char		*pem;
	long		 len;
	ssize_t		 n;
	size_t		 off = 0;
	int		 r = ERR_SYS;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (mem = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL,
	    NULL) != 1 || (len = BIO_get_mem_data(mem, &pem)) <= 0) {
		snprintf(err, errlen, "cannot make an Ed25519 key");
		goto out;
	}
	while (off < (size_t)len) {
		if ((n = write(fd, pem + off, (size_t)len - off)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot write the new host key: "
			    "%s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write the new host key: %s",
		    strerror(errno));
		goto out;
	}
	r = 0;
 out:
	BIO_free(mem);
	EVP_PKEY_free(key);
	return r;
}

/*
 * Make name in the directory: written to a temporary file (O_EXCL, 0600,
 * so no one reads a half-written key) and renamed into place, never over
 * a key that appeared meanwhile (a second airlockd's).
 */
static int
make_key(int dirfd, const char *name, char *err, size_t errlen)
{
	char	 tmp[NAME_MAX + 1];
	int	 fd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.%ld", name,
	    (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "the host key's name is too long");
		return ERR_INVAL;
	}
	(void)unlinkat(dirfd, tmp, 0);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "cannot make the host key: %s",
		    strerror(errno));
		return ERR_SYS;
	}
	r = write_new_key(fd, err, errlen);
	if (close(fd) == -1 && r == 0) {
		snprintf(err, errlen, "cannot write the new host key: %s",
		    strerror(errno));
		r = ERR_SYS;
	}
	if (r == 0 && renameat2(dirfd, tmp, dirfd, name,
	    RENAME_NOREPLACE) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot put the new host key in place: "
		    "%s", strerror(errno));
		r = ERR_SYS;
	}
	(void)unlinkat(dirfd, tmp, 0);
	return r;
}

/* Make the key at path when it is absent (create: the default path). */
static int
ensure_key(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*d = NULL, *b = NULL, *dir, *base;
	int		 dirfd = -1, r;

	if ((d = strdup(path)) == NULL || (b = strdup(path)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	dir = dirname(d);
	base = basename(b);
	if ((dirfd = state_dir_open(dir, err, errlen)) < 0) {
		r = dirfd;
		goto out;
	}
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = 0;
	else if (errno != ENOENT) {
		snprintf(err, errlen, "%s", strerror(errno));
		r = ERR_SYS;
	} else
		r = make_key(dirfd, base, err, errlen);
 out:
	if (dirfd >= 0)
		close(dirfd);
	free(d);
	free(b);
	return r;
}

int
ssh_hostkey_load(const char *path, int create, struct secret **out,
    char *err, size_t errlen)
{
	struct secret	*s;
	EVP_PKEY	*key;
	char		 why[512];
	int		 r;

	*out = NULL;
	if (create && (r = ensure_key(path, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "%s", why);
		return r;
	}
	if ((r = file_read(path, 0, "hostKeyFile", &s, err, errlen)) != 0)
		return r;
	/* The worker decodes it with libssh; a bad key is said now. */
	if ((r = sshkey_private(s->data, s->len, &key, why,
	    sizeof(why))) != 0) {
		secret_free(s);
		snprintf(err, errlen, "hostKeyFile %.200s: %s", path, why);
		return r;
	}
	EVP_PKEY_free(key);
	*out = s;
	return 0;
}
