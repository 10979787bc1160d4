/*
 * The credential provider (systemd's $CREDENTIALS_DIRECTORY): both of its
 * names, a credential read whole, names that would leave the directory or
 * follow a link refused without being echoed, a missing variable and a
 * missing credential reported clearly.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "provider.h"
#include "secret.h"
#include "test.h"
#include "../../providers/provider_impl.h"
#include "util.h"

static char	 cred_dir[64];

/* A credentials directory with "db-password", a link and a subdirectory. */
static int
cred_setup(void)
{
	char	 path[128];
	FILE	*f;

	snprintf(cred_dir, sizeof(cred_dir), "/tmp/airlock-cred-XXXXXX");
	if (mkdtemp(cred_dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/db-password", cred_dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("hunter2\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/link", cred_dir);
	if (symlink("db-password", path) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/sub", cred_dir);
	if (mkdir(path, 0700) == -1)
		return -1;
	return setenv("CREDENTIALS_DIRECTORY", cred_dir, 1);
}

static void
cred_teardown(void)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/db-password", cred_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/link", cred_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", cred_dir);
	rmdir(path);
	rmdir(cred_dir);
	unsetenv("CREDENTIALS_DIRECTORY");
}

TEST(credential_names)
{
	CHECK(provider_exists("credential"));
	CHECK(provider_exists("systemd"));
}

TEST(credential_read)
{
	struct secret	*s = NULL;
	char		 err[PROVIDER_ERRLEN];

	REQUIRE(cred_setup() == 0);
	err[0] = '\0';
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)), 0);
	REQUIRE(s != NULL);
	CHECK_INT(s->len, 8);
	CHECK_MEM(s->data, "hunter2\n", 8);
	secret_free(s);
	cred_teardown();
}

TEST(credential_refused_names)
{
	static const char *const bad[] = {
		"", ".", "..", "../db-password", "sub/x", "/etc/passwd",
		"a\nb",
	};
	struct secret	*s;
	char		 err[PROVIDER_ERRLEN], longname[300];
	size_t		 i;

	REQUIRE(cred_setup() == 0);
	for (i = 0; i < nitems(bad); i++) {
		s = NULL;
		CHECK_INT(credential_get_one(bad[i], &s, err, sizeof(err)),
		    ERR_INVAL);
		CHECK(s == NULL);
		if (strlen(bad[i]) > 2)
			CHECK(strstr(err, bad[i]) == NULL);
	}
	/* 255 bytes is a name (absent here); 256 is not. */
	memset(longname, 'x', 255);
	longname[255] = '\0';
	CHECK_INT(credential_get_one(longname, &s, err, sizeof(err)),
	    ERR_NOTFOUND);
	longname[255] = 'x';
	longname[256] = '\0';
	CHECK_INT(credential_get_one(longname, &s, err, sizeof(err)),
	    ERR_INVAL);

	/* A link is not followed; a directory is not a credential. */
	s = NULL;
	CHECK_INT(credential_get_one("link", &s, err, sizeof(err)), ERR_SYS);
	CHECK(s == NULL);
	CHECK_INT(credential_get_one("sub", &s, err, sizeof(err)), ERR_INVAL);
	CHECK(s == NULL);
	cred_teardown();
}

TEST(credential_missing)
{
	struct secret	*s = NULL;
	char		 err[PROVIDER_ERRLEN];

	REQUIRE(cred_setup() == 0);
	CHECK_INT(credential_get_one("absent", &s, err, sizeof(err)),
	    ERR_NOTFOUND);
	CHECK(strstr(err, "no credential absent") != NULL);
	cred_teardown();

	/* No variable: systemd did not start us with credentials. */
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)),
	    ERR_NOTFOUND);
	CHECK(strstr(err, "CREDENTIALS_DIRECTORY is not set") != NULL);
	setenv("CREDENTIALS_DIRECTORY", "relative/dir", 1);
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)),
	    ERR_INVAL);
	setenv("CREDENTIALS_DIRECTORY", "/nonexistent/airlock-creds", 1);
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)),
	    ERR_NOTFOUND);
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK(s == NULL);
}

/* StrictModes: a credential, or its directory, that others could change. */
TEST(credential_strict_modes)
{
	struct secret	*s = NULL;
	char		 err[PROVIDER_ERRLEN], path[128];

	if (geteuid() != 0)
		return;
	REQUIRE(cred_setup() == 0);
	snprintf(path, sizeof(path), "%s/db-password", cred_dir);
	REQUIRE(chmod(path, 0666) == 0);
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)),
	    ERR_DENIED);
	CHECK(s == NULL);
	CHECK(strstr(err, "refusing to load: file ") != NULL);
	CHECK(strstr(err, "is mode 0666 (group and world writable)") != NULL);
	REQUIRE(chmod(path, 0400) == 0);
	REQUIRE(chmod(cred_dir, 0777) == 0);
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)),
	    ERR_DENIED);
	CHECK(strstr(err, "refusing to load: directory ") != NULL);
	REQUIRE(chmod(cred_dir, 0500) == 0);
	CHECK_INT(credential_get_one("db-password", &s, err, sizeof(err)), 0);
	REQUIRE(s != NULL);
	secret_free(s);
	REQUIRE(chmod(cred_dir, 0700) == 0);
	cred_teardown();
}
