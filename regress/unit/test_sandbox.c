/*
 * The sandbox's step 0 (privsep/sandbox.c): a worker leaves the session
 * keyring that it inherited from airlockd, and with it the possession of
 * every key there.  Run in a child that first joins a session keyring of
 * its own, so that the test's process and its session are untouched.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "test.h"

static long
keyring_id(long which)
{
	return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, which, 0);
}

/* 0 when the key is gone from the session after the step, else a code. */
static int
child(void)
{
	long	 before, after, key;

	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING,
	    "airlock-test-sandbox") == -1)
		return errno == ENOSYS ? 10 : 1;
	if ((before = keyring_id(KEY_SPEC_SESSION_KEYRING)) == -1)
		return 2;
	if ((key = syscall(SYS_add_key, "user", "airlock-test-inherited",
	    "canary", 6, KEY_SPEC_SESSION_KEYRING)) == -1)
		return 3;
	/* Found before the step, as a worker without it would find it. */
	if (syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING,
	    "user", "airlock-test-inherited", 0) != key)
		return 4;
	if (sandbox_leave_keyrings() != 0)
		return 5;
	if ((after = keyring_id(KEY_SPEC_SESSION_KEYRING)) == -1)
		return 6;
	if (after == before)
		return 7;
	if (syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING,
	    "user", "airlock-test-inherited", 0) != -1 || errno != ENOKEY)
		return 8;
	return 0;
}

TEST(sandbox_leaves_session_keyring)
{
	pid_t	 pid;
	int	 status;

	REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(child());
	REQUIRE(waitpid(pid, &status, 0) == pid);
	REQUIRE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 10) {
		printf("    no keyrings in this kernel: nothing to leave\n");
		return;
	}
	CHECK_INT(WEXITSTATUS(status), 0);
}
