/*
 * The MySQL connector's requests on the privsep channel (msg.h has the
 * framing and the common types).  The monitor computes each answer from
 * the password so that it never enters the worker (monitor/mon_mysql.c);
 * the worker's wrappers are in worker/mysqlchan.c.
 *
 *   MSG_MY_NATIVE	W->M  string scramble (20 bytes);
 *			M->W  string mysql_native_password's answer (20
 *			bytes; empty for an empty password)
 *   MSG_MY_SHA2	W->M  string scramble (20 bytes);
 *			M->W  string caching_sha2_password's fast-path
 *			answer (32 bytes; empty for an empty password)
 *   MSG_MY_RSA		W->M  string scramble (20 bytes), string modulus,
 *			string public exponent (big-endian, of the key the
 *			server sent for caching_sha2's full authentication);
 *			M->W  string RSA-OAEP(password NUL XOR scramble)
 *   MSG_MY_ED25519	W->M  string scramble (32 bytes);
 *			M->W  string MariaDB client_ed25519's signature (64)
 *
 * The full authentication of caching_sha2_password over TLS, and
 * mysql_clear_password, need the password itself: MSG_CREDENTIAL, under
 * the service's cleartextPassword policy.
 */
#ifndef AIRLOCK_MYSQLMSG_H
#define AIRLOCK_MYSQLMSG_H

#include "msg.h"

enum mysql_msg_type {
	MSG_MY_NATIVE = MSG_CONNECTOR_BASE,
	MSG_MY_SHA2,
	MSG_MY_RSA,
	MSG_MY_ED25519,
};

#endif
