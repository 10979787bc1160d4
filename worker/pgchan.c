/*
 * The PostgreSQL connector's requests on the privsep channel (pgmsg.h):
 * thin wrappers, as wchan.c's, around the answers the monitor computes so
 * that the password never enters the worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "pgchan.h"
#include "pgmsg.h"
#include "worker.h"

int
wchan_pg_md5(struct wconn *c, const unsigned char salt[4], char out[36],
    char *err, size_t errlen)
{
	struct buf	*v;
	int		 r;

	if ((v = buf_new(64)) == NULL)
		return ERR_NOMEM;
	r = wchan_ask_strings(c, MSG_PG_MD5, salt, 4, NULL, 0, v, err, errlen);
	if (r == 0 && buf_len(v) != 35) {
		snprintf(err, errlen, "airlock: internal channel error");
		r = ERR_PROTO;
	}
	if (r == 0) {
		memcpy(out, buf_ptr(v), 35);
		out[35] = '\0';
	}
	buf_free(v);
	return r;
}

int
wchan_pg_scram_start(struct wconn *c, const char *mech,
    const unsigned char *cbind, size_t cbindlen, struct buf *out, char *err,
    size_t errlen)
{
	return wchan_ask_strings(c, MSG_PG_SCRAM_START, mech, strlen(mech),
	    cbind != NULL ? cbind : (const unsigned char *)"", cbindlen, out,
	    err, errlen);
}

int
wchan_pg_scram_final(struct wconn *c, const unsigned char *v, size_t len,
    struct buf *out, char *err, size_t errlen)
{
	return wchan_ask_strings(c, MSG_PG_SCRAM_FINAL, v, len, NULL, 0, out,
	    err, errlen);
}

int
wchan_pg_scram_verify(struct wconn *c, const unsigned char *v, size_t len,
    char *err, size_t errlen)
{
	struct buf	*req, *reply;
	uint8_t		 ok = 0;
	int		 r;

	req = buf_new(MSG_MAX_PAYLOAD);
	reply = buf_new(MSG_MAX_PAYLOAD + 1);
	if (req == NULL || reply == NULL)
		r = ERR_NOMEM;
	else if ((r = buf_put_string(req, v, len)) == 0 &&
	    (r = wchan_request(c, MSG_PG_SCRAM_VERIFY, req, reply, NULL, err,
	    errlen)) == 0 &&
	    ((r = buf_get_u8(reply, &ok)) != 0 ||
	    (r = buf_expect_end(reply)) != 0))
		snprintf(err, errlen, "airlock: internal channel error");
	buf_free(req);
	buf_free(reply);
	if (r == 0 && ok != 1) {
		snprintf(err, errlen, "airlock: the backend failed SCRAM "
		    "server verification");
		r = ERR_AUTH;
	}
	return r;
}
