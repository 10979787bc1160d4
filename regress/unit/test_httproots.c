/*
 * The roots memfd of the HTTP connectors (monitor/httproots.c): the files
 * through StrictModes, one after another on lines of their own, at most
 * HTTP_ROOTS_MAX, sealed; each worker's descriptor read-only with an
 * offset of its own; made once per configuration.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conftext.h"
#include "config.h"
#include "httproute.h"
#include "test.h"

#define CONF	"version: 2\nservices:\n  p:\n    connector: pg\n" \
		"    listenOn: tcp://127.0.0.1:1\n" \
		"    credentials: {host: h, username: u}\n"

static char	 dir[64];

/* A file of the test's directory with these contents and mode. */
static const char *
file(const char *name, const char *text, mode_t mode)
{
	static char	 path[4][128];
	static int	 k;
	char		*p = path[k++ % 4];
	int		 fd;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/airlock-roots.XXXXXX");
		if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
			return NULL;
	}
	snprintf(p, 128, "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) != 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	return p;
}

static void
cleanup(void)
{
	char	 cmd[128];

	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return;
	}
	dir[0] = '\0';
}

/* All of fd, from offset 0, into buf (NUL-terminated): its length. */
static ssize_t
slurp(int fd, char *buf, size_t size)
{
	ssize_t	 n, got = 0;

	while ((n = pread(fd, buf + got, size - 1 - (size_t)got, got)) > 0)
		got += n;
	buf[got] = '\0';
	return got;
}

TEST(httproots_concatenated_and_sealed)
{
	const char	*paths[3];
	char		 buf[256], why[512];
	int		 fd;

	paths[0] = file("a.pem", "AAA\n", 0644);
	paths[1] = NULL;	/* skipped */
	paths[2] = file("b.pem", "BBB", 0644);
	REQUIRE(paths[0] != NULL && paths[2] != NULL);
	fd = http_roots_make(paths, 3, why, sizeof(why));
	REQUIRE(fd != -1);
	/* The second file begins on a line of its own. */
	CHECK_INT(slurp(fd, buf, sizeof(buf)), 8);
	CHECK_STR(buf, "AAA\nBBB\n");
	CHECK_INT(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL);
	/* Not even its maker can change it. */
	CHECK(pwrite(fd, "X", 1, 0) == -1);
	CHECK(ftruncate(fd, 1) == -1);
	CHECK(fcntl(fd, F_ADD_SEALS, 0) == -1);
	close(fd);
	cleanup();
}

TEST(httproots_refused)
{
	const char	*paths[1];
	char		 why[512];
	int		 fd;

	/* StrictModes: a file that others may write vouches for nothing. */
	paths[0] = file("w.pem", "AAA\n", 0666);
	REQUIRE(paths[0] != NULL);
	CHECK_INT(http_roots_make(paths, 1, why, sizeof(why)), -1);
	CHECK(strstr(why, "w.pem") != NULL);
	/* A file that is not there. */
	paths[0] = "/nonexistent/roots.pem";
	CHECK_INT(http_roots_make(paths, 1, why, sizeof(why)), -1);
	CHECK(strstr(why, "/nonexistent/roots.pem") != NULL);
	/* Nothing at all. */
	paths[0] = NULL;
	CHECK_INT(http_roots_make(paths, 1, why, sizeof(why)), -1);
	CHECK(strstr(why, "no CA certificates") != NULL);
	/* More than HTTP_ROOTS_MAX. */
	paths[0] = file("big.pem", "", 0644);
	REQUIRE(paths[0] != NULL);
	REQUIRE(truncate(paths[0], HTTP_ROOTS_MAX) == 0);
	CHECK_INT(http_roots_make(paths, 1, why, sizeof(why)), -1);
	CHECK(strstr(why, "larger than") != NULL);
	REQUIRE(truncate(paths[0], HTTP_ROOTS_MAX - 1) == 0);
	fd = http_roots_make(paths, 1, why, sizeof(why));
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	cleanup();
}

TEST(httproots_per_worker)
{
	struct config	*conf, *other;
	struct stat	 st1, st2;
	char		 err[512], a[64], b[64];
	int		 fd1, fd2, fd3;

	if (stat(HTTP_ROOTS_SYSTEM, &st1) != 0) {
		printf("    (no %s: skipped)\n", HTTP_ROOTS_SYSTEM);
		return;
	}
	conf = config_from_text(CONF, NULL, err, sizeof(err));
	other = config_from_text(CONF, NULL, err, sizeof(err));
	if (conf == NULL || other == NULL)
		printf("    %s\n", err);
	REQUIRE(conf != NULL && other != NULL);
	fd1 = http_roots_fd(conf, err, sizeof(err));
	fd2 = http_roots_fd(conf, err, sizeof(err));
	REQUIRE(fd1 != -1 && fd2 != -1);
	/* One memfd, two descriptors of it, each with its own offset. */
	CHECK(fstat(fd1, &st1) == 0 && fstat(fd2, &st2) == 0);
	CHECK(st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev);
	CHECK(st1.st_size > 0 && st1.st_size <= HTTP_ROOTS_MAX);
	CHECK(read(fd1, a, sizeof(a)) == (ssize_t)sizeof(a));
	CHECK(read(fd2, b, sizeof(b)) == (ssize_t)sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK((fcntl(fd1, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK((fcntl(fd1, F_GETFD) & FD_CLOEXEC) != 0);
	/* Another configuration: made anew. */
	fd3 = http_roots_fd(other, err, sizeof(err));
	REQUIRE(fd3 != -1);
	CHECK(fstat(fd3, &st2) == 0 && st2.st_ino != st1.st_ino);
	close(fd1);
	close(fd2);
	close(fd3);
	http_roots_free();
	config_unref(conf);
	config_unref(other);
}
