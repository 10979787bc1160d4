/*
 * SCRAM's SaltedPassword (RFC 5802 section 3), kept for the next login of
 * the same service: Hi() is the costly part of an exchange (PBKDF2, 1 to 2
 * ms of a core at PostgreSQL's 4096 iterations), and it depends on the
 * password, the salt and the iteration count alone, which stay the same
 * from one login to the next until the password changes.
 *
 * SaltedPassword logs in as well as the password does, so it lives where
 * the password lives: in guarded memory (secret.h), a few entries per
 * service, dropped when the service's credentials are refused or leave the
 * credential cache, at a reload, and at exit.  An entry is keyed by the
 * service, a version of the password (a BLAKE2b of it under a key drawn at
 * start: equal passwords give equal versions, and the version is no faster
 * to guess the password from than the password is to read, since both sit
 * in the same memory), the salt and the iteration count.  A rotated
 * password has another version: the old entry is never found again, and
 * the least recently used entry makes room for the new one.
 *
 * Only an exchange whose server signature verified adds an entry (the
 * caller's rule, mon_pg.c): a worker cannot fill the cache with salts or
 * counts of its choosing, and the iteration floor (evidence.c) is checked
 * before the cache is asked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "monitor.h"
#include "pgauth.h"
#include "secret.h"

/* Entries per service: a password and its successor, with room to spare. */
#define SCRAMCACHE_PER_SERVICE	4
#define VERSION_LEN		crypto_generichash_BYTES	/* 32 */
#define SALTED_LEN		32	/* SHA-256 */

/* The key of an exchange and, in an entry, its SaltedPassword. */
struct scramcache_key {
	unsigned char	 version[VERSION_LEN];
	unsigned char	 salt[SCRAM_SALT_MAX];
	size_t		 salt_len;
	uint32_t	 iterations;
	unsigned char	 salted[SALTED_LEN];	/* in an entry only */
};

struct service_keys {
	char		*service;	/* first: the table's name */
	struct secret	*slot[SCRAMCACHE_PER_SERVICE];	/* key + salted */
	uint64_t	 used[SCRAMCACHE_PER_SERVICE];	/* LRU: tick */
};

static struct byname	 services = BYNAME_INIT(struct service_keys);
static struct secret	*hashkey;	/* the versions' key */
static uint64_t		 tick;

static struct scramcache_key *
key_of(const struct secret *s)
{
	return (struct scramcache_key *)(void *)s->data;
}

struct secret *
scramcache_key(const struct scram_hi *hi)
{
	struct secret		*s;
	struct scramcache_key	*k;

	if (hi == NULL || hi->password == NULL || hi->salt_len == 0 ||
	    hi->salt_len > SCRAM_SALT_MAX)
		return NULL;
	if (hashkey == NULL) {
		if ((hashkey = secret_alloc(crypto_generichash_KEYBYTES)) ==
		    NULL)
			return NULL;
		randombytes_buf(hashkey->data, hashkey->len);
	}
	if ((s = secret_alloc(sizeof(*k))) == NULL)
		return NULL;
	k = key_of(s);
	if (crypto_generichash(k->version, sizeof(k->version),
	    hi->password->data, hi->password->len, hashkey->data,
	    hashkey->len) != 0) {
		secret_free(s);
		return NULL;
	}
	memcpy(k->salt, hi->salt, hi->salt_len);
	k->salt_len = hi->salt_len;
	k->iterations = hi->iterations;
	return s;
}

static int
key_equal(const struct scramcache_key *a, const struct scramcache_key *b)
{
	return a->iterations == b->iterations && a->salt_len == b->salt_len &&
	    memcmp(a->salt, b->salt, a->salt_len) == 0 &&
	    secret_cmp(a->version, b->version, sizeof(a->version)) == 0;
}

/* The slot of the key in the service's entries, or -1. */
static int
slot_of(const struct service_keys *sk, const struct secret *key)
{
	int	 i;

	for (i = 0; i < SCRAMCACHE_PER_SERVICE; i++)
		if (sk->slot[i] != NULL &&
		    key_equal(key_of(sk->slot[i]), key_of(key)))
			return i;
	return -1;
}

struct secret *
scramcache_find(const char *service, const struct secret *key)
{
	struct service_keys	*sk;
	int			 i;

	if (service == NULL || key == NULL ||
	    (sk = byname_find(&services, service)) == NULL ||
	    (i = slot_of(sk, key)) == -1)
		return NULL;
	sk->used[i] = ++tick;
	return secret_new(key_of(sk->slot[i])->salted, SALTED_LEN);
}

int
scramcache_add(const char *service, const struct secret *key,
    const struct secret *salted)
{
	struct service_keys	*sk;
	struct secret		*e;
	int			 i, lru = 0;

	if (service == NULL || key == NULL || salted == NULL ||
	    key->len != sizeof(struct scramcache_key) ||
	    salted->len != SALTED_LEN)
		return ERR_INVAL;
	if ((sk = byname_get(&services, service)) == NULL)
		return ERR_NOMEM;
	if ((i = slot_of(sk, key)) == -1) {
		/* An empty slot, else the least recently used. */
		for (i = 0; i < SCRAMCACHE_PER_SERVICE; i++) {
			if (sk->slot[i] == NULL)
				break;
			if (sk->used[i] < sk->used[lru])
				lru = i;
		}
		if (i == SCRAMCACHE_PER_SERVICE)
			i = lru;
		if ((e = secret_new(key->data, key->len)) == NULL)
			return ERR_NOMEM;
		memcpy(key_of(e)->salted, salted->data, SALTED_LEN);
		secret_free(sk->slot[i]);
		sk->slot[i] = e;
		log_debug("service %s: SCRAM key kept for the next logins",
		    service);
	}
	sk->used[i] = ++tick;
	return 0;
}

size_t
scramcache_count(const char *service)
{
	struct service_keys	*sk;
	size_t			 i, n = 0;

	if ((sk = byname_find(&services, service)) != NULL)
		for (i = 0; i < SCRAMCACHE_PER_SERVICE; i++)
			n += sk->slot[i] != NULL;
	return n;
}

static void
service_free(struct service_keys *sk)
{
	size_t	 i;

	for (i = 0; i < SCRAMCACHE_PER_SERVICE; i++)
		secret_free(sk->slot[i]);
}

void
scramcache_drop(const char *service)
{
	struct service_keys	*sk;
	size_t			 i;

	if (service != NULL) {
		if ((sk = byname_find(&services, service)) == NULL)
			return;
		log_debug("service %s: SCRAM keys dropped", service);
		service_free(sk);
		byname_remove(&services, sk);
		return;
	}
	for (i = 0; (sk = byname_at(&services, i)) != NULL; i++)
		service_free(sk);
	byname_clear(&services);
}

void
scramcache_close(void)
{
	scramcache_drop(NULL);
	secret_free(hashkey);
	hashkey = NULL;
}
