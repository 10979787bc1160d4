/*
 * The ssh connector's worker row (sshconn.h says which file does what).
 *
 * handshake: the client's key exchange under the front host key, the
 * client's authentication, and inside it the backend leg (dial, host key
 * check, publickey authentication signed by the monitor), so that a
 * backend that fails reaches the client as a reason and an
 * authentication failure.  serve: the channel relay.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "errors.h"
#include "log.h"
#include "ssh.h"
#include "sshconn.h"
#include "worker.h"

static struct sshconn	 conn;	/* one connection per worker */

/* libssh's warnings, at our debug level: they may name the peer's data. */
static void
ssh_log_line(int prio, const char *fn, const char *msg, void *arg)
{
	(void)prio, (void)fn, (void)arg;
	log_debug("libssh: %s", msg);
}

/*
 * Before the sandbox: libssh's crypto and threads set-up (ssh_init), and
 * its log, which would otherwise write to stderr.
 */
int
ssh_global_init(void)
{
	if (ssh_init() != SSH_OK)
		return ERR_INVAL;
	ssh_set_log_callback(ssh_log_line);
	ssh_set_log_level(SSH_LOG_WARN);
	return 0;
}

int
ssh_remaining_ms(const struct sshconn *sc)
{
	uint64_t	 now = now_ms();

	if (now >= sc->c->deadline)
		return 1;
	if (sc->c->deadline - now > 600000)
		return 600000;
	return (int)(sc->c->deadline - now);
}

/*
 * "a,b , c" or one entry per line: the next non-empty entry, trimmed.
 * 0 and the entry in item and len, or ERR_NOTFOUND at the end.
 */
int
ssh_list_next(const char **p, const char **item, size_t *len)
{
	const char	*s = *p, *e;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\n' ||
		    *s == '\r')
			s++;
		if (*s == '\0') {
			*p = s;
			return ERR_NOTFOUND;
		}
		e = s;
		while (*e != '\0' && *e != ',' && *e != '\n')
			e++;
		*p = e;
		*item = s;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
		*len = e - s;
		if (*len > 0)
			return 0;
		s = *p;
	}
}

/*
 * A public key written as its base64 blob (RFC 4253 6.6), or as one
 * line of an authorized_keys or .pub file ("type base64 [comment]",
 * without options): the blob is the field after the first space, if any.
 * libssh imports base64 with the key's type, which is the blob's first
 * string.
 */
ssh_key
ssh_key_from_text(const char *s, size_t len)
{
	const char	*sp, *b64 = s;
	unsigned char	*blob;
	char		*text = NULL, name[32];
	ssh_key		 key = NULL;
	size_t		 b64len = len, bloblen;
	uint32_t	 nlen;

	if ((sp = memchr(s, ' ', len)) != NULL) {
		b64 = sp + 1;
		b64len = len - (b64 - s);
		if ((sp = memchr(b64, ' ', b64len)) != NULL)
			b64len = sp - b64;
	}
	if (b64len == 0 || (blob = malloc(b64len)) == NULL)
		return NULL;
	if (sodium_base642bin(blob, b64len, b64, b64len, NULL, &bloblen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || bloblen < 4)
		goto out;
	nlen = (uint32_t)blob[0] << 24 | blob[1] << 16 | blob[2] << 8 |
	    blob[3];
	if (nlen == 0 || nlen >= sizeof(name) || nlen > bloblen - 4)
		goto out;
	memcpy(name, blob + 4, nlen);
	name[nlen] = '\0';
	if ((text = strndup(b64, b64len)) == NULL ||
	    ssh_pki_import_pubkey_base64(text, ssh_key_type_from_name(name),
	    &key) != SSH_OK)
		key = NULL;
 out:
	free(text);
	free(blob);
	return key;
}

static void
ssh_end(struct sshconn *sc)
{
	sshrelay_free(sc);
	if (sc->ev_front != NULL) {
		if (sc->front != NULL)
			ssh_event_remove_session(sc->ev_front, sc->front);
		ssh_event_free(sc->ev_front);
	}
	if (sc->ev_back != NULL) {
		if (sc->back != NULL)
			ssh_event_remove_session(sc->ev_back, sc->back);
		ssh_event_free(sc->ev_back);
	}
	if (sc->front != NULL) {
		ssh_disconnect(sc->front);
		ssh_free(sc->front);
	}
	if (sc->back != NULL) {
		ssh_disconnect(sc->back);
		ssh_free(sc->back);
	}
	if (sc->bind != NULL)
		ssh_bind_free(sc->bind);
	memset(sc, 0, sizeof(*sc));
}

static int
ssh_handshake(struct wconn *c)
{
	struct sshconn	*sc = &conn;
	char		 err[256];
	int		 r;

	memset(sc, 0, sizeof(*sc));
	sc->c = c;
	if ((r = sshfront_start(sc, err, sizeof(err))) != 0 ||
	    (r = sshfront_auth(sc, err, sizeof(err))) != 0) {
		if (err[0] != '\0')
			log_info("%s", wchan_reason(err));
		ssh_end(sc);
		return r;
	}
	return 0;
}

static int
ssh_serve(struct wconn *c, struct relay_stats *st)
{
	struct sshconn	*sc = &conn;
	int		 r;

	sc->st = st;
	r = sshrelay_run(sc, c->idle_timeout_ms);
	if (r == ERR_TIMEOUT)
		log_info("idle for %d ms; closing", c->idle_timeout_ms);
	ssh_end(sc);
	return r;
}

const struct connector sshconn_connector = {
	.name = "ssh",
	.handshake = ssh_handshake,
	.serve = ssh_serve,
};
