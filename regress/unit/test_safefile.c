/*
 * StrictModes (monitor/safefile.c): the walk from / accepts a file that
 * only root can change and refuses one that others can change, or that
 * lies under a directory, or behind a symbolic link, that others can
 * change; a sticky directory of root's is passed; messages name the
 * component, its mode and its owner.  Needs root (files of another owner
 * are made with chown); as anyone else the tests pass without checking.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "safefile.h"
#include "test.h"

#define OTHER_UID	65534		/* nobody */

static char	 base[64];

/* base/REL, in one of four static buffers (two per call are used). */
static const char *
at(const char *rel)
{
	static char	 buf[4][PATH_MAX];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%.63s/%.255s", base, rel);
	return buf[i];
}

static int
mkfile(const char *path, mode_t mode, uid_t uid)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	if (write(fd, "x\n", 2) != 2 || fchown(fd, uid, 0) == -1 ||
	    fchmod(fd, mode) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
mkdirmode(const char *path, mode_t mode, uid_t uid)
{
	if (mkdir(path, 0700) == -1 || chown(path, uid, 0) == -1)
		return -1;
	return chmod(path, mode);
}

/*
 * base (0755, in /tmp, which is root's and sticky):
 *	good/ 0755		file 0644, w666 0666, g620 0620, nobody
 *				(0644, uid 65534), fifo, sub/, links
 *	open/ 0777		file 0644, link to good/file
 *	theirs/ 0755 nobody	file 0644
 *	sticky/ 1777		inner/ 0755 with file 0644; a link of nobody's
 */
static int
tree_setup(void)
{
	snprintf(base, sizeof(base), "/tmp/airlock-safefile-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) == -1)
		return -1;
	if (mkdirmode(at("good"), 0755, 0) == -1 ||
	    mkfile(at("good/file"), 0644, 0) == -1 ||
	    mkfile(at("good/w666"), 0666, 0) == -1 ||
	    mkfile(at("good/g620"), 0620, 0) == -1 ||
	    mkfile(at("good/nobody"), 0644, OTHER_UID) == -1 ||
	    mkfifo(at("good/fifo"), 0644) == -1 ||
	    mkdirmode(at("good/sub"), 0755, 0) == -1 ||
	    symlink("../good/w666", at("good/to-w666")) == -1 ||
	    symlink("file", at("good/to-file")) == -1 ||
	    symlink("loop", at("good/loop")) == -1 ||
	    mkdirmode(at("open"), 0777, 0) == -1 ||
	    mkfile(at("open/file"), 0644, 0) == -1 ||
	    symlink(at("good/file"), at("open/to-good")) == -1 ||
	    mkdirmode(at("theirs"), 0755, OTHER_UID) == -1 ||
	    mkfile(at("theirs/file"), 0644, 0) == -1 ||
	    mkdirmode(at("sticky"), 01777, 0) == -1 ||
	    mkdirmode(at("sticky/inner"), 0755, 0) == -1 ||
	    mkfile(at("sticky/inner/file"), 0644, 0) == -1 ||
	    symlink(at("good/file"), at("sticky/their-link")) == -1 ||
	    lchown(at("sticky/their-link"), OTHER_UID, 0) == -1)
		return -1;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
tree_teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Open path; 0 and the canonical path when it opened, else the error. */
static int
try(const char *path, int flags, char *err, size_t errlen, char **canon)
{
	int	 fd;

	if ((fd = safefile_open(path, flags, canon, err, errlen)) < 0)
		return fd;
	close(fd);
	return 0;
}

/* Refused, and err names what and says why. */
static void
refused(const char *path, int flags, const char *what, const char *why)
{
	char	 err[512];

	CHECK_INT(try(path, flags, err, sizeof(err), NULL), ERR_DENIED);
	if (strstr(err, what) == NULL || strstr(err, why) == NULL ||
	    strstr(err, "refusing to load: ") != err) {
		printf("    %s: \"%s\" lacks \"%s\" or \"%s\"\n", path, err,
		    what, why);
		CHECK(!"the message names the component and why");
	}
}

TEST(safefile_accepts)
{
	char	 err[512], name[PATH_MAX], cwd[PATH_MAX], *canon;

	if (geteuid() != 0)
		return;
	REQUIRE(tree_setup() == 0);
	snprintf(name, sizeof(name), "%s", at("good/file"));

	CHECK_INT(try(name, 0, err, sizeof(err), &canon), 0);
	CHECK_STR(canon, name);
	free(canon);
	/* ".", "..", links and extra slashes: the canonical path. */
	CHECK_INT(try(at("good/../good/./sub/..//file"), 0, err, sizeof(err),
	    &canon), 0);
	CHECK_STR(canon, name);
	free(canon);
	CHECK_INT(try(at("good/to-file"), 0, err, sizeof(err), &canon), 0);
	CHECK_STR(canon, name);
	free(canon);
	/* Relative: from the current directory, checked up to /. */
	REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	REQUIRE(chdir(at("good/sub")) == 0);
	CHECK_INT(try("../file", 0, err, sizeof(err), &canon), 0);
	CHECK_STR(canon, name);
	free(canon);
	REQUIRE(chdir(cwd) == 0);

	/* The sticky exception: root's 1777 directory above, not as target. */
	CHECK_INT(try(at("sticky/inner/file"), 0, err, sizeof(err), NULL), 0);
	CHECK_INT(try(at("sticky/inner"), SAFEFILE_DIR, err, sizeof(err),
	    NULL), 0);
	refused(at("sticky"), SAFEFILE_DIR, at("sticky"),
	    "mode 1777 (group and world writable)");
	tree_teardown();
}

TEST(safefile_refuses)
{
	char	 err[512];

	if (geteuid() != 0)
		return;
	REQUIRE(tree_setup() == 0);
	refused(at("good/w666"), 0, at("good/w666"),
	    "is mode 0666 (group and world writable); it must be owned by "
	    "root and writable by root only");
	refused(at("good/g620"), 0, "file", "is mode 0620 (group writable)");
	refused(at("good/nobody"), 0, at("good/nobody"),
	    "is owned by uid 65534, mode 0644;");
	refused(at("open/file"), 0, "directory", "mode 0777 (group and world "
	    "writable)");
	refused(at("theirs/file"), 0, at("theirs"), "owned by uid 65534");
	/* A link to a bad file, a link in a bad directory, a link of theirs. */
	refused(at("good/to-w666"), 0, at("good/w666"), "mode 0666");
	refused(at("open/to-good"), 0, at("open"), "mode 0777");
	refused(at("sticky/their-link"), 0, "symbolic link", "uid 65534");
	/* safefile_check, on what is already open. */
	{
		struct stat	 st;

		REQUIRE(stat(at("good/w666"), &st) == 0);
		CHECK_INT(safefile_check(&st, "w666", 0, err, sizeof(err)),
		    ERR_DENIED);
		REQUIRE(stat(at("good/file"), &st) == 0);
		CHECK_INT(safefile_check(&st, "file", SAFEFILE_EXEC, err,
		    sizeof(err)), 0);
	}
	tree_teardown();
}

TEST(safefile_kinds)
{
	char	 err[512];
	int	 fd;

	if (geteuid() != 0)
		return;
	REQUIRE(tree_setup() == 0);
	/* Neither a FIFO (which would block) nor a directory is read. */
	CHECK_INT(try(at("good/fifo"), 0, err, sizeof(err), NULL), ERR_INVAL);
	CHECK_STR(err, "not a regular file");
	CHECK_INT(try(at("good/sub"), 0, err, sizeof(err), NULL), ERR_INVAL);
	CHECK_INT(try(at("good/file"), SAFEFILE_DIR, err, sizeof(err), NULL),
	    ERR_INVAL);
	CHECK_STR(err, "not a directory");
	CHECK_INT(try(at("good/absent"), 0, err, sizeof(err), NULL),
	    ERR_NOTFOUND);
	CHECK_INT(try(at("good/file/x"), 0, err, sizeof(err), NULL), ERR_SYS);
	CHECK_INT(try(at("good/loop"), 0, err, sizeof(err), NULL), ERR_SYS);
	CHECK_INT(try("", 0, err, sizeof(err), NULL), ERR_INVAL);
	/* The last component must not be a link, when asked. */
	CHECK_INT(try(at("good/to-file"), SAFEFILE_NOFOLLOW, err,
	    sizeof(err), NULL), ERR_SYS);
	CHECK_INT(try(at("good/file"), SAFEFILE_NOFOLLOW, err, sizeof(err),
	    NULL), 0);

	/* What each kind gets: O_PATH to execute, O_RDONLY to read. */
	fd = safefile_open(at("good/file"), SAFEFILE_EXEC, NULL, err,
	    sizeof(err));
	REQUIRE(fd >= 0);
	CHECK((fcntl(fd, F_GETFL) & O_PATH) != 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
	fd = safefile_open(at("good/file"), 0, NULL, err, sizeof(err));
	REQUIRE(fd >= 0);
	CHECK_INT(fcntl(fd, F_GETFL) & (O_PATH | O_ACCMODE), O_RDONLY);
	close(fd);
	fd = safefile_open(at("good"), SAFEFILE_DIR, NULL, err, sizeof(err));
	REQUIRE(fd >= 0);
	CHECK_INT(fcntl(fd, F_GETFL) & (O_PATH | O_ACCMODE), O_RDONLY);
	close(fd);
	tree_teardown();
}
