/*
 * The socket file of a Unix listener.  airlockd runs as root and the
 * socket's directory may be writable by others (/tmp, a shared /run
 * subdirectory), so nothing here acts by path on a name that someone else
 * could replace with a symbolic link between two calls:
 *
 *  - the socket is bound in a fresh private directory (mode 0700, ours)
 *    made beside the target, so on the same file system; its mode and
 *    owner are set there, where no one else can reach it;
 *  - it starts listening, and only then is renamed onto the target path:
 *    rename(2) replaces a stale socket or a planted symbolic link itself,
 *    follows neither, and leaves no moment without a socket at the path;
 *  - a later change of mode or owner (a reload) and the removal at exit
 *    act only on the file that is still the socket we made (device and
 *    inode), reached through a hard link in a new private directory.
 *
 * A directory or any other file at the target is refused: a regular file
 * is never replaced by a socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"

#define PRIVDIR_TRIES	8

/* The target's directory and a private directory of ours in it. */
struct sockdir {
	int		 dir;
	int		 priv;
	int		 made;		/* name is ours to remove */
	char		 name[32];	/* the private directory's */
	char		 base[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void
sockdir_close(struct sockdir *sd)
{
	if (sd->priv != -1) {
		/* Whatever is left in it is ours: the socket, a link. */
		if (unlinkat(sd->priv, sd->base, 0) == -1 && errno != ENOENT)
			log_warn("%s/%s: %s", sd->name, sd->base,
			    strerror(errno));
		close(sd->priv);
	}
	if (sd->dir != -1) {
		if (sd->made &&
		    unlinkat(sd->dir, sd->name, AT_REMOVEDIR) == -1)
			log_warn("cannot remove the private directory %s: %s",
			    sd->name, strerror(errno));
		close(sd->dir);
	}
	sd->dir = sd->priv = -1;
	sd->made = 0;
}

/*
 * Open path's directory and make a private directory in it.  The private
 * one is checked through its descriptor to be ours and closed to others:
 * in a directory that others may write to, its name could be taken over
 * between mkdirat and openat.
 */
static int
sockdir_open(struct sockdir *sd, const char *path, char *err, size_t errlen)
{
	char		 dirpath[sizeof(sd->base)];
	const char	*slash;
	unsigned char	 rnd[4];
	struct stat	 st;
	int		 i;

	sd->dir = sd->priv = -1;
	sd->made = 0;
	if ((slash = strrchr(path, '/')) == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) >= sizeof(dirpath) ||
	    strlen(slash + 1) >= sizeof(sd->base)) {
		snprintf(err, errlen, "%s: not a socket path", path);
		return -1;
	}
	snprintf(sd->base, sizeof(sd->base), "%s", slash + 1);
	if (slash == path)
		snprintf(dirpath, sizeof(dirpath), "/");
	else
		snprintf(dirpath, sizeof(dirpath), "%.*s", (int)(slash - path),
		    path);
	if ((sd->dir = open(dirpath, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dirpath, strerror(errno));
		return -1;
	}
	for (i = 0; i < PRIVDIR_TRIES; i++) {
		randombytes_buf(rnd, sizeof(rnd));
		snprintf(sd->name, sizeof(sd->name),
		    ".airlock-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		    rnd[3]);
		if (mkdirat(sd->dir, sd->name, 0700) == 0) {
			sd->made = 1;
			break;
		}
		if (errno != EEXIST)
			goto fail;
	}
	if (i == PRIVDIR_TRIES)
		goto fail;
	if ((sd->priv = openat(sd->dir, sd->name, O_PATH | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto fail;
	if (fstat(sd->priv, &st) == -1)
		goto fail;
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		/* Not ours: leave it, and what it holds, alone. */
		snprintf(err, errlen, "%s/%s: the private directory was "
		    "replaced by another", dirpath, sd->name);
		close(sd->priv);
		sd->priv = -1;
		sd->made = 0;
		sockdir_close(sd);
		return -1;
	}
	return 0;
 fail:
	snprintf(err, errlen, "cannot make a private directory in %s: %s",
	    dirpath, strerror(errno));
	sockdir_close(sd);
	return -1;
}

/*
 * bind(2) takes a path, not a directory descriptor: bind with the private
 * directory as the working directory for a moment, so that the name is
 * looked up there and nowhere else.  (The monitor's other threads, kdf.c's,
 * look up no names.)
 */
static int
bind_in(int fd, const struct sockdir *sd)
{
	struct sockaddr_un	 sun;
	int			 cwd, r, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sd->base, strlen(sd->base));
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fchdir(sd->priv) == -1) {
		saved = errno;
		close(cwd);
		errno = saved;
		return -1;
	}
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	if (fchdir(cwd) == -1)
		fatal_errno("cannot return to the working directory");
	close(cwd);
	errno = saved;
	return r;
}

/* socketMode, socketOwner and socketGroup, on name in a private directory. */
static int
set_perms(int dir, const char *name, const struct service *svc)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

	if (fchmodat(dir, name, svc->socket_mode, 0) == -1)
		return -1;
	if (svc->socket_owner != NULL &&
	    (pw = getpwnam(svc->socket_owner)) != NULL)
		uid = pw->pw_uid;
	if (svc->socket_group != NULL &&
	    (gr = getgrnam(svc->socket_group)) != NULL)
		gid = gr->gr_gid;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	return 0;
}

/*
 * What may be at the target: nothing, a symbolic link (replaced, not
 * followed), or a socket that no one listens on any more (stale).
 */
static int
check_target(const struct sockdir *sd, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, live;

	if (fstatat(sd->dir, sd->base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		log_warn("%s is a symbolic link; replacing the link itself "
		    "with the socket", path);
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; airlockd "
		    "replaces only a socket or a symbolic link", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "%s is in use by another process", path);
		return -1;
	}
	return 0;
}

/* Is st still the socket file that airlockd made? */
static int
is_ours(const struct stat *st, const struct sockfile *id)
{
	return S_ISSOCK(st->st_mode) && st->st_dev == id->dev &&
	    st->st_ino == id->ino;
}

int
sockfile_listen(const struct service *svc, int backlog, struct sockfile *id,
    char *err, size_t errlen)
{
	struct sockdir	 sd;
	struct stat	 st;
	const char	*path = svc->listen_path;
	int		 fd = -1;

	if (sockdir_open(&sd, path, err, errlen) == -1)
		return -1;
	if (check_target(&sd, path, err, errlen) == -1)
		goto out;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || bind_in(fd, &sd) == -1 ||
	    set_perms(sd.priv, sd.base, svc) == -1 ||
	    fstatat(sd.priv, sd.base, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    listen(fd, backlog) == -1 ||
	    renameat(sd.priv, sd.base, sd.dir, sd.base) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	sockdir_close(&sd);
	return fd;
 out:
	if (fd != -1)
		close(fd);
	sockdir_close(&sd);
	return -1;
}

int
sockfile_perms(const struct service *svc, const struct sockfile *id,
    char *err, size_t errlen)
{
	struct sockdir	 sd;
	struct stat	 st;
	const char	*path = svc->listen_path;
	int		 r = -1;

	if (sockdir_open(&sd, path, err, errlen) == -1)
		return -1;
	/* linkat without AT_SYMLINK_FOLLOW links a symbolic link itself. */
	if (linkat(sd.dir, sd.base, sd.priv, sd.base, 0) == -1 ||
	    fstatat(sd.priv, sd.base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (!is_ours(&st, id))
		snprintf(err, errlen, "%s is no longer the socket that "
		    "airlockd made; its mode and owner are left alone", path);
	else if (set_perms(sd.priv, sd.base, svc) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		r = 0;
	sockdir_close(&sd);
	return r;
}

void
sockfile_remove(const char *path, const struct sockfile *id)
{
	struct stat	 st;

	/* A file that took its place since is someone else's. */
	if (lstat(path, &st) == -1 || !is_ours(&st, id))
		return;
	if (unlink(path) == -1)
		log_warn("%s: %s", path, strerror(errno));
}
