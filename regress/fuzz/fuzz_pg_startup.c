/*
 * libFuzzer harness: the first packet a PostgreSQL client sends to a worker
 * (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest), and the key
 * of backend reuse made of a StartupMessage (pgr_init, worker/pgreuse.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "pgproto.h"
#include "pgreuse.h"
#include "worker.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The key of a service with poolMode session: the version, then the
 * parameters but the user, whole and in the client's order; or no reuse.
 */
static void
reuse_key(const struct pgp_startup *su)
{
	static struct pgr	 p;
	struct wconn		 c;
	const unsigned char	*k;
	size_t			 i, off = 4;

	memset(&c, 0, sizeof(c));
	kv_init(&c.opts);
	if (kv_set_str(&c.opts, "poolMode", "session") != 0 ||
	    pgr_init(&p, &c, su) != 0) {
		kv_clear(&c.opts);
		return;
	}
	kv_clear(&c.opts);
	if (!p.on)
		return;
	if (p.keylen < 4 || p.keylen > sizeof(p.key))
		__builtin_trap();
	k = p.key;
	for (i = 0; i < su->nparams; i++) {
		if (strcmp(su->params[i].key, "user") == 0)
			continue;
		if (p.keylen - off < su->params[i].keylen + 1 ||
		    memcmp(k + off, su->params[i].key,
		    su->params[i].keylen + 1) != 0)
			__builtin_trap();
		off += su->params[i].keylen + 1;
		if (p.keylen - off < su->params[i].vallen + 1 ||
		    memcmp(k + off, su->params[i].val,
		    su->params[i].vallen + 1) != 0)
			__builtin_trap();
		off += su->params[i].vallen + 1;
	}
	if (off != p.keylen)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgp_startup	 su;
	uint32_t			 len;
	size_t				 i;

	if (size < 4)
		return 0;
	len = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	/* The worker reads exactly len bytes, and only an accepted len. */
	if (pgp_startup_len(len) != 0 || len > size)
		return 0;
	if (pgp_startup_parse(data, len, &su) != 0)
		return 0;
	if (su.kind == PGP_STARTUP) {
		for (i = 0; i < su.nparams; i++)
			if (su.params[i].keylen != strlen(su.params[i].key))
				__builtin_trap();
		(void)pgp_startup_get(&su, "user");
		(void)pgp_startup_get(&su, "database");
		reuse_key(&su);
	}
	return 0;
}
