/*
 * StrictModes, as sshd(8) has them (OpenSSH's misc.c safe_path and auth.c
 * secure_filename), for every file that airlockd loads: the configuration
 * (which names the program that airlockd, as root, executes for every
 * connection), that program, the workers' chroot, and every file that a
 * provider reads (credentials, CA certificates).
 *
 * Who can change a file?  Its owner (chmod, then write), whoever its mode
 * lets write, and whoever may write to any directory on the way to it: they
 * can rename the file, or a directory above it, out of the way and put
 * their own in its place.  So a file is opened only when it and every
 * directory from / down to it are owned by a trusted user and writable by
 * their owner only.  The trusted users are root and, when airlockd does not
 * run as root, its own user, as sshd trusts the user with the user's own
 * files: a user's airlockd then refuses what other users (or a group) could
 * change as well, because whoever changes the configuration chooses the
 * program that receives the credentials.  Group write covers POSIX ACLs: with
 * an ACL the group bits of the mode are its mask, so a named user or group
 * that may write shows as group write.
 *
 * One exception, which OpenSSH does not make: a directory owned by a trusted
 * user with the sticky bit set (/tmp, /dev/shm, /run/lock) is accepted above
 * the file, whatever its mode.  In such a directory nobody but an entry's
 * owner and the directory's owner may rename or remove the entry (sticky
 * bit, unlink(2)), and the next component down, the entry, is checked
 * itself: an entry that someone else made is theirs, and refused.  Without
 * it, nothing under /tmp could be used (the tests live there).  The file
 * itself, and a directory that is what is opened (a chroot, a CA
 * directory), get no exception: others could add to it.
 *
 * How, and why not as safe_path does it: safe_path takes realpath() of the
 * name and stat()s each directory of the result by name, and the caller
 * opens the file by name; between those steps a component can be swapped,
 * and a symbolic link is followed through a directory that is never
 * checked.  Here the path is resolved one component at a time, each one
 * opened with openat(O_PATH | O_NOFOLLOW) relative to the directory that
 * was opened and checked before it, and checked on fstat() of what was
 * opened: what is checked is what is used, and no one but a trusted user
 * can change an entry of a checked directory meanwhile.  A symbolic link is
 * checked (its owner: its directory may be sticky) and its target resolved
 * the same way, from / or from the link's directory, so a link to a file
 * that others can change is refused, and so is a link in a directory that
 * they can change.  A relative path starts at the current directory, whose
 * path (getcwd) is walked from / like any other.  The file itself is opened
 * for reading only once it is known to be a regular file (never a FIFO or
 * a device), by name in its checked directory, and must be the same inode.
 *
 * Messages give the component, its mode in octal and its owner as a number:
 * a user name would be an NSS look-up, which may block, and this runs in
 * the event loop (a reload, a provider's read).  Never the file's contents.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "safefile.h"

/* Links followed in one path at most, as the kernel's MAXSYMLINKS. */
#define SAFEFILE_MAXLINKS	40
/* Write permission for anyone but the owner. */
#define WRITE_OTHERS		(S_IWGRP | S_IWOTH)

struct walk {
	int		 flags;
	char		*err;
	size_t		 errlen;
	int		 dirfd;			/* where we are: O_PATH */
	struct stat	 dirst;
	char		 canon[PATH_MAX];	/* dirfd's path */
	char		 rest[PATH_MAX];	/* what is left to resolve */
	size_t		 pos;			/* ... from rest + pos */
	int		 links;
};

static int
trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* The end of every refusal: whom the file must belong to. */
static void
must_be(char *buf, size_t len)
{
	if (geteuid() == 0)
		snprintf(buf, len, "owned by root and writable by root only");
	else
		snprintf(buf, len, "owned by root or uid %u (airlockd's "
		    "user) and writable by its owner only",
		    (unsigned)geteuid());
}

static int
refuse(char *err, size_t errlen, const char *what, const char *name,
    const struct stat *st)
{
	const char	*who;
	char		 owner[48] = "", must[96];

	switch (st->st_mode & WRITE_OTHERS) {
	case S_IWGRP:
		who = " (group writable)";
		break;
	case S_IWOTH:
		who = " (world writable)";
		break;
	case WRITE_OTHERS:
		who = " (group and world writable)";
		break;
	default:
		who = "";
		break;
	}
	if (!trusted(st->st_uid))
		snprintf(owner, sizeof(owner), "owned by uid %u, ",
		    (unsigned)st->st_uid);
	must_be(must, sizeof(must));
	snprintf(err, errlen, "refusing to load: %s %s is %smode %04o%s; it "
	    "must be %s", what, name, owner, (unsigned)(st->st_mode & 07777),
	    who, must);
	return ERR_DENIED;
}

/*
 * A system error at a component: named, unless it is the last one (the
 * caller's message starts with the path).
 */
static int
sys_error(struct walk *w, const char *name, int eno, int last)
{
	if (last)
		snprintf(w->err, w->errlen, "%s", strerror(eno));
	else
		snprintf(w->err, w->errlen, "%s: %s", name, strerror(eno));
	errno = eno;
	return eno == ENOENT ? ERR_NOTFOUND : ERR_SYS;
}

int
safefile_check(const struct stat *st, const char *canon, int flags,
    char *err, size_t errlen)
{
	if ((flags & SAFEFILE_DIR) != 0 && !S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "not a directory");
		return ERR_INVAL;
	}
	if ((flags & SAFEFILE_DIR) == 0 && !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return ERR_INVAL;
	}
	if (trusted(st->st_uid) && (st->st_mode & WRITE_OTHERS) == 0)
		return 0;
	return refuse(err, errlen, S_ISDIR(st->st_mode) ? "directory" :
	    "file", canon, st);
}

/* The directory we are in, before a name is looked up in it. */
static int
check_dir(struct walk *w)
{
	const struct stat *st = &w->dirst;

	if (!S_ISDIR(st->st_mode))
		return sys_error(w, w->canon, ENOTDIR, 0);
	if (!trusted(st->st_uid))
		return refuse(w->err, w->errlen, "directory", w->canon, st);
	/* The sticky exception: see the top of this file. */
	if ((st->st_mode & WRITE_OTHERS) == 0 || (st->st_mode & S_ISVTX) != 0)
		return 0;
	return refuse(w->err, w->errlen, "directory", w->canon, st);
}

/* Move to fd (O_PATH), whose path is name. */
static void
walk_to(struct walk *w, int fd, const struct stat *st, const char *name)
{
	if (w->dirfd != -1)
		close(w->dirfd);
	w->dirfd = fd;
	w->dirst = *st;
	if (name != w->canon)
		snprintf(w->canon, sizeof(w->canon), "%s", name);
}

static int
walk_root(struct walk *w)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return sys_error(w, "/", errno, 0);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return sys_error(w, "/", errno, 0);
	}
	walk_to(w, fd, &st, "/");
	return 0;
}

/* "..": the directory above, which was checked on the way down. */
static int
walk_up(struct walk *w)
{
	struct stat	 st;
	char		 name[PATH_MAX], *slash;
	int		 fd;

	if (strcmp(w->canon, "/") == 0)
		return 0;			/* "/.." is "/" */
	if ((fd = openat(w->dirfd, "..", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return sys_error(w, w->canon, errno, 0);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return sys_error(w, w->canon, errno, 0);
	}
	snprintf(name, sizeof(name), "%s", w->canon);
	slash = strrchr(name, '/');
	slash[slash == name ? 1 : 0] = '\0';
	walk_to(w, fd, &st, name);
	return 0;
}

/* The next component of what is left, "." skipped: 1, or 0 at the end. */
static int
next_component(struct walk *w, char *comp, size_t size)
{
	const char	*p;
	size_t		 len;

	for (;;) {
		p = w->rest + w->pos;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			w->pos = p - w->rest;
			return 0;
		}
		len = strcspn(p, "/");
		w->pos = p + len - w->rest;
		if (len == 1 && p[0] == '.')
			continue;
		if (len >= size)
			return sys_error(w, w->canon, ENAMETOOLONG, 0);
		memcpy(comp, p, len);
		comp[len] = '\0';
		return 1;
	}
}

/* Is nothing but "/" and "." left? */
static int
rest_empty(const struct walk *w)
{
	const char	*p = w->rest + w->pos;
	size_t		 len;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 1;
		len = strcspn(p, "/");
		if (len != 1 || p[0] != '.')
			return 0;
		p += len;
	}
}

/*
 * A symbolic link (fd, O_PATH) at name in the checked directory: its owner
 * checked, its target put before what is left.
 */
static int
follow(struct walk *w, int fd, const char *name, const struct stat *st)
{
	char	 target[PATH_MAX], buf[PATH_MAX], must[96];
	ssize_t	 n;

	if (!trusted(st->st_uid)) {
		must_be(must, sizeof(must));
		snprintf(w->err, w->errlen, "refusing to load: symbolic link "
		    "%s is owned by uid %u; it must be %s", name,
		    (unsigned)st->st_uid, must);
		return ERR_DENIED;
	}
	if (++w->links > SAFEFILE_MAXLINKS)
		return sys_error(w, name, ELOOP, 0);
	if ((n = readlinkat(fd, "", target, sizeof(target))) == -1)
		return sys_error(w, name, errno, 0);
	if (n == 0 || (size_t)n == sizeof(target))
		return sys_error(w, name, n == 0 ? ENOENT : ENAMETOOLONG, 0);
	target[n] = '\0';
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", target,
	    w->rest + w->pos) >= sizeof(buf))
		return sys_error(w, name, ENAMETOOLONG, 0);
	memcpy(w->rest, buf, sizeof(w->rest));
	w->pos = 0;
	return target[0] == '/' ? walk_root(w) : 0;
}

/*
 * The object found: fd (O_PATH) at comp in the directory we are in, or,
 * with fd -1, that directory itself (a path that ends in "..").  Checked,
 * then opened as the caller wants it.
 */
static int
finish(struct walk *w, int fd, const struct stat *st, const char *comp,
    const char *name, char **canon)
{
	struct stat	 st2;
	int		 nfd, r;

	if ((r = safefile_check(st, name, w->flags, w->err,
	    w->errlen)) != 0) {
		if (fd != -1)
			close(fd);
		return r;
	}
	if (w->flags & SAFEFILE_EXEC)
		nfd = fd;
	else {
		if (w->flags & SAFEFILE_DIR)
			nfd = openat(fd != -1 ? fd : w->dirfd, ".", O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC);
		else
			nfd = openat(w->dirfd, comp, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd != -1)
			close(fd);
		if (nfd == -1)
			return sys_error(w, name, errno, 1);
		if (fstat(nfd, &st2) == -1) {
			r = sys_error(w, name, errno, 1);
			close(nfd);
			return r;
		}
		if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
			close(nfd);
			snprintf(w->err, w->errlen, "changed while it was "
			    "checked");
			return ERR_AGAIN;
		}
		/* Its owner may have changed its mode meanwhile. */
		if ((r = safefile_check(&st2, name, w->flags, w->err,
		    w->errlen)) != 0) {
			close(nfd);
			return r;
		}
	}
	if (canon != NULL && (*canon = strdup(name)) == NULL) {
		close(nfd);
		snprintf(w->err, w->errlen, "out of memory");
		return ERR_NOMEM;
	}
	return nfd;
}

/* Where to start: the path, after the current directory if relative. */
static int
walk_start(struct walk *w, const char *path)
{
	char	 cwd[PATH_MAX];
	int	 n;

	if (path[0] == '/')
		n = snprintf(w->rest, sizeof(w->rest), "%s", path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return sys_error(w, "the current directory", errno, 0);
		n = snprintf(w->rest, sizeof(w->rest), "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= sizeof(w->rest))
		return sys_error(w, path, ENAMETOOLONG, 1);
	w->pos = 0;
	return walk_root(w);
}

static int
walk(struct walk *w, const char *path, char **canon)
{
	struct stat	 st;
	char		 comp[NAME_MAX + 1], name[PATH_MAX];
	int		 fd, r, last;

	if ((r = walk_start(w, path)) != 0)
		return r;
	while ((r = next_component(w, comp, sizeof(comp))) == 1) {
		if ((r = check_dir(w)) != 0)
			return r;
		if (strcmp(comp, "..") == 0) {
			if ((r = walk_up(w)) != 0)
				return r;
			continue;
		}
		if ((size_t)snprintf(name, sizeof(name), "%s%s%s", w->canon,
		    strcmp(w->canon, "/") == 0 ? "" : "/", comp) >=
		    sizeof(name))
			return sys_error(w, w->canon, ENAMETOOLONG, 0);
		last = rest_empty(w);
		if ((fd = openat(w->dirfd, comp, O_PATH | O_NOFOLLOW |
		    O_CLOEXEC)) == -1)
			return sys_error(w, name, errno, last);
		if (fstat(fd, &st) == -1) {
			r = sys_error(w, name, errno, last);
			close(fd);
			return r;
		}
		if (S_ISLNK(st.st_mode)) {
			if (last && (w->flags & SAFEFILE_NOFOLLOW))
				r = sys_error(w, name, ELOOP, 1);
			else
				r = follow(w, fd, name, &st);
			close(fd);
			if (r != 0)
				return r;
			continue;
		}
		if (last)
			return finish(w, fd, &st, comp, name, canon);
		/* A file here is not a directory: check_dir says so next. */
		walk_to(w, fd, &st, name);
	}
	if (r != 0)
		return r;
	/* The path ended in the directory we are in ("/", "a/.."). */
	return finish(w, -1, &w->dirst, NULL, w->canon, canon);
}

int
safefile_open(const char *path, int flags, char **canon, char *err,
    size_t errlen)
{
	struct walk	*w;
	int		 r;

	if (canon != NULL)
		*canon = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "empty path");
		return ERR_INVAL;
	}
	/* Two paths of PATH_MAX: not on the stack of the event loop. */
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	w->flags = flags;
	w->err = err;
	w->errlen = errlen;
	w->dirfd = -1;
	r = walk(w, path, canon);
	if (w->dirfd != -1)
		close(w->dirfd);
	free(w);
	return r;
}
