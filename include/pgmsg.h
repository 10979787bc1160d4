/*
 * The PostgreSQL connector's requests on the privsep channel (msg.h has
 * the framing and the common types).  The monitor computes each answer so
 * that the password never enters the worker (monitor/mon_pg.c); the
 * worker's wrappers are in worker/pgchan.c.
 *
 *   MSG_PG_MD5		W->M  string salt (4 bytes);
 *			M->W  string "md5" + 32 hex digits
 *   MSG_PG_SCRAM_START	W->M  string mechanism ("SCRAM-SHA-256" or
 *			"SCRAM-SHA-256-PLUS"), string channel binding data
 *			(-PLUS: the tls-server-end-point hash of the
 *			backend's certificate, RFC 5929 4.1, of 32, 48 or 64
 *			bytes; else empty);
 *			M->W  string client-first-message (RFC 5802 7, with
 *			its gs2 header), to be sent as is
 *   MSG_PG_SCRAM_FINAL	W->M  string server-first-message;
 *			M->W  string client-final-message, to be sent as is
 *   MSG_PG_SCRAM_VERIFY W->M  string server-final-message;
 *			M->W  u8 1 when the server signature is right
 */
#ifndef AIRLOCK_PGMSG_H
#define AIRLOCK_PGMSG_H

#include "msg.h"

enum pg_msg_type {
	MSG_PG_MD5 = MSG_CONNECTOR_BASE,
	MSG_PG_SCRAM_START,
	MSG_PG_SCRAM_FINAL,
	MSG_PG_SCRAM_VERIFY,
};

#endif
