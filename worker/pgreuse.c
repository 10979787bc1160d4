/*
 * Backend reuse, the PostgreSQL worker's half (pgreuse.h), in the manner
 * of PgBouncer's session pooling (pool_mode=session, server_reset_query):
 * a client that leaves with Terminate while its session is idle has the
 * session reset and the backend given back to the monitor; the next
 * client of the same service and startup parameters gets it, once the
 * worker that takes it has seen the reset answered exactly.  Neither the
 * returning worker nor the monitor is trusted by the taker: it parses the
 * session blob as it would a backend's bytes and checks the session
 * itself.  Only the framing of the relayed messages is followed (type and
 * length, "Message Formats"), never their payloads.
 */
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "msg.h"
#include "endpoint.h"
#include "pgproto.h"
#include "pgreuse.h"
#include "util.h"
#include "worker.h"

/* The reset and its answer: a wait on the network, so it has a deadline. */
#define PGR_RESET_MS	5000
/* The most bytes of answer to a reset that a client may have left. */
#define PGR_ANSWER_MAX	(64 * 1024)

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A ParameterStatus's body is complete (or too long for param[]). */
static void
param_end(struct pgr_frames *f)
{
	f->inparam = 0;
	if (f->paramgot > sizeof(f->param))
		f->reuse->overflow = 1;
	else
		(void)pgr_blob_status(f->reuse, f->param, f->paramgot);
}

/* A message's header is complete: what it means for the session. */
static void
frames_header(struct pgr_frames *f)
{
	uint32_t	 len = be32(f->hdr + 1);

	if (len < 4) {
		f->broken = 1;
		return;
	}
	f->body = len - 4;
	if (!f->client && f->reuse != NULL && f->hdr[0] == 'S') {
		f->inparam = 1;
		f->paramgot = 0;
		if (f->body == 0)
			param_end(f);
	}
	if (f->client) {
		switch (f->hdr[0]) {
		case 'Q':
		case 'F':
			f->requests++;
			break;
		case 'S':
			f->requests++;
			f->unsynced = 0;
			break;
		case 'P': case 'B': case 'E': case 'D': case 'C': case 'H':
			f->unsynced = 1;
			break;
		}
	} else if (f->hdr[0] == 'Z') {
		f->ready++;
		f->zfirst = f->body > 0;
		f->status = 0;
	}
}

/*
 * The relay's look at each direction's bytes: everything passes, but the
 * client's Terminate ('X' at a message's start), which stops the relay.
 */
size_t
pgr_frames_look(void *arg, const unsigned char *p, size_t n, int *stop)
{
	struct pgr_frames	*f = arg;
	size_t		 i = 0, k;

	while (i < n && !f->broken) {
		if (f->body > 0) {
			if (f->zfirst) {
				f->status = p[i];
				f->zfirst = 0;
			}
			k = n - i < f->body ? n - i : (size_t)f->body;
			if (f->inparam) {
				/* Beyond param[], counted only: too long. */
				if (f->paramgot < sizeof(f->param))
					memcpy(f->param + f->paramgot, p + i,
					    k < sizeof(f->param) - f->paramgot ?
					    k : sizeof(f->param) - f->paramgot);
				f->paramgot += k;
			}
			i += k;
			f->body -= k;
			if (f->inparam && f->body == 0)
				param_end(f);
			continue;
		}
		if (f->hdrgot == 0 && f->client && p[i] == 'X') {
			*stop = 1;
			return i;
		}
		f->hdr[f->hdrgot++] = p[i++];
		if (f->hdrgot == PG_HDR_LEN) {
			f->hdrgot = 0;
			frames_header(f);
		}
	}
	return n;
}

/*
 * A command tag as PostgreSQL writes it for the reset statement (its
 * CommandComplete): DISCARD and DEALLOCATE name their object ("DISCARD
 * ALL"), other statements their first word ("RESET").  A query whose tag
 * is otherwise never matches, and so no backend of it is reused.
 */
void
pgr_reset_tag(const char *q, char *tag, size_t len)
{
	size_t	 n = 0;
	int	 words = 1, space = 0;

	while (isspace((unsigned char)*q))
		q++;
	if (strncasecmp(q, "DISCARD", 7) == 0 ||
	    strncasecmp(q, "DEALLOCATE", 10) == 0)
		words = 2;
	for (; *q != '\0' && n + 1 < len; q++) {
		if (isspace((unsigned char)*q)) {
			space = 1;
			continue;
		}
		if (space && --words == 0)
			break;
		if (space)
			tag[n++] = ' ';
		space = 0;
		if (n + 1 < len)
			tag[n++] = toupper((unsigned char)*q);
	}
	tag[n] = '\0';
}

/*
 * The key: the protocol version and the client's parameters but its user
 * (the service's credentials name the user), in the client's order, as
 * key NUL value NUL.  Not sorted: PostgreSQL applies a startup's settings
 * in order, and GUC names are case-insensitive and have aliases
 * ("DateStyle" and "datestyle", "sort_mem" and "work_mem"), so the same
 * parameters in another order may ask for another session.  The
 * credentials' startup parameters are the service's, the same for every
 * key of it.
 */
static int
make_key(struct pgr *p, const struct pgp_startup *su)
{
	const struct pgp_param	*v;
	struct buf		*b;
	size_t			 i;
	int			 r;

	if ((b = buf_new(sizeof(p->key))) == NULL)
		return ERR_NOMEM;
	r = buf_put_u32(b, su->code);
	for (i = 0; r == 0 && i < su->nparams && i < PG_MAX_PARAMS; i++) {
		v = &su->params[i];
		if (strcmp(v->key, "user") != 0 &&
		    (r = buf_put(b, v->key, v->keylen + 1)) == 0)
			r = buf_put(b, v->val, v->vallen + 1);
	}
	if (r == 0) {
		memcpy(p->key, buf_ptr(b), buf_len(b));
		p->keylen = buf_len(b);
	}
	buf_free(b);
	return r;
}

int
pgr_init(struct pgr *p, const struct wconn *c, const struct pgp_startup *su)
{
	const char	*v;

	memset(p, 0, sizeof(*p));
	if ((v = kv_get(&c->opts, "poolMode", NULL)) == NULL ||
	    strcmp(v, "session") != 0)
		return 0;
	if ((v = kv_get(&c->opts, "serverResetQuery", NULL)) == NULL)
		v = "DISCARD ALL";
	if (strlen(v) > PGR_RESET_MAX || strchr(v, ';') != NULL)
		return 0;
	memcpy(p->reset, v, strlen(v) + 1);
	pgr_reset_tag(p->reset, p->tag, sizeof(p->tag));
	if (make_key(p, su) != 0)
		return 0;
	p->on = 1;
	return 0;
}

void
pgr_blob_add(struct pgr *p, const unsigned char *m, size_t len)
{
	if (p->overflow || len > sizeof(p->blob) - p->bloblen) {
		p->overflow = 1;
		return;
	}
	memcpy(p->blob + p->bloblen, m, len);
	p->bloblen += len;
}

/*
 * "ParameterStatus" (String name, String value) after the login: the blob
 * keeps each name once, so the one of this name is left out and this one
 * put at the end (a client takes them in any order before ReadyForQuery).
 * The blob is our own: the login's messages, or one that pgr_blob_check
 * passed.
 */
int
pgr_blob_status(struct pgr *p, const unsigned char *s, size_t len)
{
	const unsigned char	*nul;
	struct buf		*b;
	size_t			 off, body, namelen;
	uint8_t			 type;
	int			 r = 0;

	if (p->overflow)
		return ERR_TOOBIG;
	if (len < 3 || (nul = memchr(s, '\0', len)) == NULL || nul == s ||
	    memchr(nul + 1, '\0', s + len - nul - 1) != s + len - 1) {
		p->overflow = 1;
		return ERR_FORMAT;
	}
	namelen = nul - s + 1;
	if ((b = buf_new(sizeof(p->blob))) == NULL) {
		p->overflow = 1;
		return ERR_NOMEM;
	}
	for (off = 0; r == 0 && off < p->bloblen; off += PG_HDR_LEN + body) {
		if (p->bloblen - off < PG_HDR_LEN ||
		    pgp_header_parse(p->blob + off, &type, &body,
		    p->bloblen - off - PG_HDR_LEN) != 0)
			r = ERR_FORMAT;
		else if (type != 'S' || body < namelen ||
		    memcmp(p->blob + off + PG_HDR_LEN, s, namelen) != 0)
			r = buf_put(b, p->blob + off, PG_HDR_LEN + body);
	}
	if (r == 0 && (r = buf_put_u8(b, 'S')) == 0 &&
	    (r = buf_put_u32(b, 4 + len)) == 0 &&
	    (r = buf_put(b, s, len)) == 0) {
		memcpy(p->blob, buf_ptr(b), buf_len(b));
		p->bloblen = buf_len(b);
	} else
		p->overflow = 1;
	buf_free(b);
	return r;
}

/* One backend message into m (header and body), within max bytes. */
static int
read_msg(struct endpoint *ep, unsigned char *m, size_t max, uint8_t *type,
    size_t *len, uint64_t deadline)
{
	int	 r;

	if ((r = ep_read_full(ep, m, PG_HDR_LEN, deadline)) != 0 ||
	    (r = pgp_header_parse(m, type, len, max - PG_HDR_LEN)) != 0)
		return r;
	return ep_read_full(ep, m + PG_HDR_LEN, *len, deadline);
}

static int
is_tag(const char *tag, const unsigned char *body, size_t len)
{
	return len == strlen(tag) + 1 && body[len - 1] == '\0' &&
	    memcmp(body, tag, len - 1) == 0;
}

/* The backend messages that a reset's answer may bring, for the log. */
static const struct {
	uint8_t		 type;
	const char	*name;
} answer_names[] = {
	{ 'A', "NotificationResponse" },
	{ 'C', "CommandComplete other than the reset's" },
	{ 'E', "ErrorResponse" },
	{ 'N', "NoticeResponse" },
	{ 'S', "ParameterStatus" },
};

/*
 * Why a message does not belong in the answer, in words of our own: the
 * name of its type, and an ErrorResponse's SQLSTATE if it is one (five
 * digits or capitals, "Error and Notice Message Fields"); never the
 * backend's text.
 */
static void
answer_why(struct pgr_answer *a, uint8_t type, const unsigned char *body,
    size_t len)
{
	struct pgp_fields	 f;
	size_t			 i;

	for (i = 0; i < nitems(answer_names); i++)
		if (answer_names[i].type == type)
			break;
	if (i == nitems(answer_names)) {
		snprintf(a->why, sizeof(a->why), "message type 0x%02x", type);
		return;
	}
	if (type == 'E' && pgp_fields_parse(body, len, &f) == 0 &&
	    f.code != NULL && strlen(f.code) == 5 &&
	    strspn(f.code, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 5)
		snprintf(a->why, sizeof(a->why), "an ErrorResponse, SQLSTATE "
		    "%s", f.code);
	else
		snprintf(a->why, sizeof(a->why), "a%s %s",
		    type == 'E' ? "n" : "", answer_names[i].name);
}

int
pgr_answer_msg(struct pgr_answer *a, uint8_t type, const unsigned char *body,
    size_t len)
{
	if (a->done) {
		snprintf(a->why, sizeof(a->why), "a message after "
		    "ReadyForQuery");
		return ERR_PROTO;
	}
	if (a->total > PGR_ANSWER_MAX - PG_HDR_LEN ||
	    len > PGR_ANSWER_MAX - PG_HDR_LEN - a->total) {
		snprintf(a->why, sizeof(a->why), "more than %d bytes of answer",
		    PGR_ANSWER_MAX);
		return ERR_TOOBIG;
	}
	a->total += PG_HDR_LEN + len;
	switch (type) {
	case 'C':
		if (a->tagged || !is_tag(a->tag, body, len))
			break;
		a->tagged = 1;
		return 0;
	case 'Z':
		if (!a->tagged)
			snprintf(a->why, sizeof(a->why), "ReadyForQuery before "
			    "the reset's CommandComplete");
		else if (len != 1 || body[0] != 'I')
			snprintf(a->why, sizeof(a->why), "ReadyForQuery not "
			    "idle");
		else {
			a->done = 1;
			return 0;
		}
		return ERR_PROTO;
	case 'S':
	case 'N':
	case 'A':
		if (!a->strict)
			return 0;
		break;
	}
	answer_why(a, type, body, len);
	return ERR_PROTO;
}

/*
 * Send the reset query and read its answer (pgr_answer_msg says what is
 * right); strict, nothing may follow it either.  0: the session is reset
 * and idle; else a->why says what was wrong.
 */
static int
reset_session(struct pgr *p, struct endpoint *be, int strict,
    struct pgr_answer *a)
{
	unsigned char	 m[PG_HDR_LEN + PG_AUTH_MAX_BODY];
	struct pollfd	 pfd;
	struct buf	*q;
	uint64_t	 deadline = deadline_in(PGR_RESET_MS);
	size_t		 len;
	uint8_t		 type;
	int		 r;

	memset(a, 0, sizeof(*a));
	a->tag = p->tag;
	a->strict = strict;
	if ((q = buf_new(PGR_RESET_MAX + 16)) == NULL)
		return ERR_NOMEM;
	/* "Query": 'Q', int32 length, the string. */
	if ((r = buf_put_u8(q, 'Q')) == 0 &&
	    (r = buf_put_u32(q, 4 + strlen(p->reset) + 1)) == 0 &&
	    (r = buf_put(q, p->reset, strlen(p->reset) + 1)) == 0)
		r = ep_write_full(be, buf_ptr(q), buf_len(q), deadline);
	buf_free(q);
	while (r == 0 && !a->done &&
	    (r = read_msg(be, m, sizeof(m), &type, &len, deadline)) == 0)
		/* The giver's: a reset setting's new value is the session's. */
		if ((r = pgr_answer_msg(a, type, m + PG_HDR_LEN, len)) == 0 &&
		    type == 'S')
			(void)pgr_blob_status(p, m + PG_HDR_LEN, len);
	if (r != 0) {
		if (a->why[0] == '\0')
			snprintf(a->why, sizeof(a->why), "%s",
			    r == ERR_EOF ? "the backend closed the connection" :
			    err_str(r));
		return r;
	}
	if (!strict)
		return 0;
	/* Stale answers left in the socket would be the next client's. */
	pfd.fd = be->fd;
	pfd.events = POLLIN;
	if (ep_has_pending(be) > 0 || poll(&pfd, 1, 0) != 0) {
		snprintf(a->why, sizeof(a->why), "bytes after ReadyForQuery");
		return ERR_PROTO;
	}
	return 0;
}

/*
 * The blob of another worker's making, as a backend's bytes: whole
 * ParameterStatus and BackendKeyData messages, one BackendKeyData.
 */
int
pgr_blob_check(const unsigned char *b, size_t len)
{
	size_t	 off = 0, body;
	uint8_t	 type;
	int	 keys = 0;

	while (off < len) {
		if (len - off < PG_HDR_LEN ||
		    pgp_header_parse(b + off, &type, &body,
		    len - off - PG_HDR_LEN) != 0)
			return ERR_FORMAT;
		if (type == 'K')
			keys++;
		else if (type != 'S')
			return ERR_FORMAT;
		off += PG_HDR_LEN + body;
	}
	return keys == 1 ? 0 : ERR_FORMAT;
}

int
pgr_take(struct pgr *p, struct wconn *c, const void *blob, size_t bloblen)
{
	struct pgr_answer	 a;
	int			 r;

	if (bloblen > sizeof(p->blob) || pgr_blob_check(blob, bloblen) != 0) {
		log_warn("pg: the session of a reused backend is malformed");
		return ERR_FORMAT;
	}
	if ((r = reset_session(p, &c->backend, 1, &a)) != 0) {
		log_info("pg: a reused backend failed its reset check (%s); "
		    "dialing a new one", a.why);
		return r;
	}
	memcpy(p->blob, blob, bloblen);
	p->bloblen = bloblen;
	return 0;
}

int
pgr_greet(const struct pgr *p, struct wconn *c)
{
	static const unsigned char ready[] = { 'Z', 0, 0, 0, 5, 'I' };
	struct buf	*b;
	int		 r;

	/* "Start-up": what the backend said after AuthenticationOk. */
	if ((b = buf_new(16 + p->bloblen + sizeof(ready))) == NULL)
		return ERR_NOMEM;
	if ((r = pgp_put_auth_ok(b)) == 0 && (r = buf_put(b, p->blob,
	    p->bloblen)) == 0 && (r = buf_put(b, ready, sizeof(ready))) == 0)
		r = ep_write_full(&c->client, buf_ptr(b), buf_len(b),
		    c->deadline);
	buf_free(b);
	return r;
}

int
pgr_frames_idle(const struct pgr_frames *fc, const struct pgr_frames *fb)
{
	return !fc->broken && !fb->broken && fb->hdrgot == 0 &&
	    fb->body == 0 && !fc->unsynced && fc->requests == fb->ready &&
	    (fb->ready == 0 || fb->status == 'I');
}

/* Hand the backend back if the session is idle and resets cleanly. */
static void
give_back(struct pgr *p, struct wconn *c, const struct pgr_frames *fc,
    const struct pgr_frames *fb)
{
	struct pgr_answer	 a;
	int			 r;

	if (!pgr_frames_idle(fc, fb)) {
		log_debug("pg: the client left a session that is not idle: "
		    "not reused");
		return;
	}
	if (!p->overflow && (r = reset_session(p, &c->backend, 0, &a)) != 0) {
		log_debug("pg: the session did not reset cleanly (%s): not "
		    "reused", a.why);
		return;
	}
	if (p->overflow) {
		log_debug("pg: a ParameterStatus of the session was malformed "
		    "or more than its blob holds: not reused");
		return;
	}
	if ((r = wchan_backend_return(c, p->key, p->keylen, p->blob,
	    p->bloblen)) != 0)
		log_warn("pg: giving the backend back: %s", err_str(r));
	else
		log_debug("pg: backend given back for reuse");
}

void
pgr_relay(struct pgr *p, struct wconn *c)
{
	struct relay_stats	 st;
	struct pgr_frames		 fc, fb;
	struct relay_watch	 wc, wb;
	int			 r;

	memset(&fc, 0, sizeof(fc));
	memset(&fb, 0, sizeof(fb));
	fc.client = 1;
	fb.reuse = p;
	wc.look = wb.look = pgr_frames_look;
	wc.arg = &fc;
	wb.arg = &fb;
	r = relay_run_both(&c->client, &c->backend, c->idle_timeout_ms, &st,
	    &wc, &wb);
	if (r == ERR_TIMEOUT)
		log_info("idle for %d ms; closing", c->idle_timeout_ms);
	if (r == RELAY_WATCH_STOP)
		give_back(p, c, &fc, &fb);
	(void)wchan_stats(c, &st);
	ep_close(&c->client);
	ep_close(&c->backend);
}
