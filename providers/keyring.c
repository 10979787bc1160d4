/*
 * The Linux kernel keyring (keyrings(7)), read by keyctl(2) through
 * syscall(2): no library, and nothing but the monitor's own keyrings.
 *
 * "keyring" takes a key's description, searched as a key of type "user"
 * in airlockd's session, user and persistent keyrings in that order, or
 * "@s:", "@u:" or "@p:" and the description for one of them.  "keychain"
 * is Secretless Broker's macOS Keychain, "service#account": on Linux, the
 * user key of exactly that description, searched the same way, so that
 * Secretless's files load unchanged (keyctl padd user 'service#account'
 * @u puts one there).
 *
 * The value goes from the kernel straight into guarded memory: its size
 * first, then the read (KEYCTL_READ copies at most the buffer and says
 * how much the key holds; a key updated between the two calls is read
 * again).  Messages name the description, never a value.
 */
#include <sys/syscall.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "provider_impl.h"
#include "secret.h"
#include "util.h"

#define DESCFMT		"%.128s"	/* descriptions in messages */
/* The kernel's own limit on a description (KEY_MAX_DESC_SIZE). */
#define DESC_MAX	4095
/* A key that grows at each look has been read this many times at most. */
#define READ_TRIES	4

static const struct {
	const char	*prefix;
	int		 which;
	const char	*name;
} keyrings[] = {
	{ "@s:", KEYRING_SESSION, "session" },
	{ "@u:", KEYRING_USER, "user" },
	{ "@p:", KEYRING_PERSISTENT, "persistent" },
};

static long
keyctl4(int op, unsigned long a, unsigned long b, unsigned long c,
    unsigned long d)
{
	return syscall(SYS_keyctl, op, a, b, c, d);
}

int
keyring_parse_ref(const char *ref, int *which, const char **desc)
{
	size_t	 i, len;

	*which = KEYRING_ANY;
	*desc = ref;
	for (i = 0; i < nitems(keyrings); i++)
		if (strncmp(ref, keyrings[i].prefix, 3) == 0) {
			*which = keyrings[i].which;
			*desc = ref + 3;
			break;
		}
	len = strlen(*desc);
	if (len == 0 || len > DESC_MAX)
		return ERR_INVAL;
	return 0;
}

/* The keyring's id for KEYCTL_SEARCH, or -1 with errno. */
static long
keyring_id(int which)
{
	switch (which) {
	case KEYRING_SESSION:
		return KEY_SPEC_SESSION_KEYRING;
	case KEYRING_USER:
		return KEY_SPEC_USER_KEYRING;
	default:
		/*
		 * The persistent keyring has no special id: the kernel links
		 * it into a keyring of the caller's and names it.  The
		 * process keyring is airlockd's alone, and no exec'd worker
		 * inherits it.
		 */
		return keyctl4(KEYCTL_GET_PERSISTENT, (unsigned long)-1,
		    (unsigned long)(long)KEY_SPEC_PROCESS_KEYRING, 0, 0);
	}
}

static const char *
keyring_name(int which)
{
	size_t	 i;

	for (i = 0; i < nitems(keyrings); i++)
		if (keyrings[i].which == which)
			return keyrings[i].name;
	return "session, user or persistent";
}

/*
 * The user key of that description in one keyring: its id, or 0 when
 * there is none (ENOKEY, or no such keyring), or an error with a message.
 */
static long
search_one(const char *who, int which, const char *desc, char *err,
    size_t errlen)
{
	long	 ring, id;

	if ((ring = keyring_id(which)) == -1)
		goto failed;
	id = keyctl4(KEYCTL_SEARCH, (unsigned long)ring,
	    (unsigned long)(uintptr_t)"user", (unsigned long)(uintptr_t)desc,
	    0);
	if (id != -1)
		return id;
 failed:
	switch (errno) {
	case ENOKEY:
	case EOPNOTSUPP:	/* no persistent keyrings in this kernel */
		return 0;
	case EKEYEXPIRED:
		snprintf(err, errlen, "%s: " DESCFMT ": the key found through "
		    "the %s keyring has expired", who, desc, keyring_name(which));
		return ERR_NOTFOUND;
	case EKEYREVOKED:
		snprintf(err, errlen, "%s: " DESCFMT ": the key found through "
		    "the %s keyring has been revoked", who, desc,
		    keyring_name(which));
		return ERR_NOTFOUND;
	case EACCES:
		snprintf(err, errlen, "%s: " DESCFMT ": the %s keyring or the "
		    "key does not let airlockd search it", who, desc,
		    keyring_name(which));
		return ERR_DENIED;
	case ENOSYS:
	case EPERM:
		snprintf(err, errlen, "%s: keyctl(2) is not available: %s "
		    "(a seccomp profile that refuses it?)", who,
		    strerror(errno));
		return ERR_SYS;
	default:
		snprintf(err, errlen, "%s: " DESCFMT ": searching the %s "
		    "keyring: %s", who, desc, keyring_name(which),
		    strerror(errno));
		return ERR_SYS;
	}
}

/* The key's payload into guarded memory. */
static int
read_key(const char *who, const char *desc, long id, struct secret **out,
    char *err, size_t errlen)
{
	struct secret	*s = NULL, *t;
	long		 size = 0, got;
	int		 tries;

	*out = NULL;
	for (tries = 0; tries < READ_TRIES; tries++) {
		got = keyctl4(KEYCTL_READ, (unsigned long)id,
		    (unsigned long)(uintptr_t)(s != NULL ? s->data : NULL),
		    (unsigned long)size, 0);
		if (got == -1)
			break;
		if (got > FILE_PROVIDER_MAX) {
			secret_free(s);
			snprintf(err, errlen, "%s: " DESCFMT ": the key is "
			    "larger than %d bytes", who, desc,
			    FILE_PROVIDER_MAX);
			return ERR_TOOBIG;
		}
		if (s != NULL && got <= size) {
			if (got == size) {
				*out = s;
				return 0;
			}
			/* It shrank: keep the length exact. */
			t = secret_new(s->data, (size_t)got);
			secret_free(s);
			if ((*out = t) == NULL)
				goto nomem;
			return 0;
		}
		/* The size, or a key that grew since: (again) room for it. */
		secret_free(s);
		size = got;
		if ((s = secret_alloc((size_t)size)) == NULL)
			goto nomem;
		if (size == 0) {
			*out = s;
			return 0;
		}
	}
	secret_free(s);
	if (tries == READ_TRIES) {
		snprintf(err, errlen, "%s: " DESCFMT ": the key changed at "
		    "each read", who, desc);
		return ERR_AGAIN;
	}
	switch (errno) {
	case EKEYEXPIRED:
		snprintf(err, errlen, "%s: " DESCFMT ": the key has expired",
		    who, desc);
		return ERR_NOTFOUND;
	case EKEYREVOKED:
		snprintf(err, errlen, "%s: " DESCFMT ": the key has been "
		    "revoked", who, desc);
		return ERR_NOTFOUND;
	case EACCES:
		snprintf(err, errlen, "%s: " DESCFMT ": the key does not let "
		    "airlockd read it", who, desc);
		return ERR_DENIED;
	default:
		snprintf(err, errlen, "%s: " DESCFMT ": reading the key: %s",
		    who, desc, strerror(errno));
		return ERR_SYS;
	}
 nomem:
	snprintf(err, errlen, "%s: out of memory", who);
	return ERR_NOMEM;
}

/* The user key desc in one keyring, or in each in turn. */
static int
keyring_get(const char *who, int which, const char *desc,
    struct secret **out, char *err, size_t errlen)
{
	static const int order[] = {
		KEYRING_SESSION, KEYRING_USER, KEYRING_PERSISTENT,
	};
	size_t		 i;
	long		 id = 0;

	*out = NULL;
	/*
	 * A key's owner may only view it by default (add_key(2) gives read
	 * to its possessors), and a key is possessed through the caller's
	 * own keyrings.  A login session links the user keyring into its
	 * session keyring; airlockd's (systemd's KeyringMode=private, a
	 * container's) need not: link it into airlockd's process keyring,
	 * which is its alone (no child, no exec'd worker inherits it).
	 * Done at each get, which costs one call: it cannot fail in a way
	 * that matters here, and the read then says what is missing.
	 */
	(void)keyctl4(KEYCTL_LINK, (unsigned long)(long)KEY_SPEC_USER_KEYRING,
	    (unsigned long)(long)KEY_SPEC_PROCESS_KEYRING, 0, 0);
	for (i = 0; i < nitems(order) && id == 0; i++)
		if (which == KEYRING_ANY || which == order[i])
			id = search_one(who, order[i], desc, err, errlen);
	if (id < 0)
		return (int)id;
	if (id == 0) {
		snprintf(err, errlen, "%s: " DESCFMT ": no key of type user "
		    "with that description in the %s keyring", who, desc,
		    keyring_name(which));
		return ERR_NOTFOUND;
	}
	return read_key(who, desc, id, out, err, errlen);
}

int
keyring_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	const char	*desc;
	int		 which;

	*out = NULL;
	if (keyring_parse_ref(ref, &which, &desc) != 0) {
		snprintf(err, errlen, "keyring: " DESCFMT ": expected a key's "
		    "description (1 to %d bytes), alone or after @s:, @u: or "
		    "@p:", ref, DESC_MAX);
		return ERR_INVAL;
	}
	return keyring_get("keyring", which, desc, out, err, errlen);
}

int
keychain_get_one(const char *ref, struct secret **out, char *err,
    size_t errlen)
{
	const char	*hash;

	*out = NULL;
	/* Secretless's form, whole: "service#account". */
	if ((hash = strchr(ref, '#')) == NULL || hash == ref ||
	    hash[1] == '\0' || strlen(ref) > DESC_MAX) {
		snprintf(err, errlen, "keychain: " DESCFMT ": expected "
		    "service#account", ref);
		return ERR_INVAL;
	}
	return keyring_get("keychain", KEYRING_ANY, ref, out, err, errlen);
}
