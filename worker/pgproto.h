/*
 * PostgreSQL frontend/backend protocol 3.x (PostgreSQL documentation,
 * chapter "Frontend/Backend Protocol"): pure parsers and builders, no I/O.
 * Parsers take the bytes of one message whose length has already been read
 * and checked, validate it whole, and return pointers into it; builders
 * append one complete message to a struct buf.  Every function returns 0 or
 * a negative ERR_* code.
 */
#ifndef AIRLOCK_PGPROTO_H
#define AIRLOCK_PGPROTO_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* "Message Formats": the codes in the place of a protocol version. */
#define PG_PROTO_MAJOR(v)	((v) >> 16)
#define PG_PROTO_MINOR(v)	((v) & 0xffff)
#define PG_PROTO_3_0		196608		/* 3 << 16 */
#define PG_CODE_CANCEL		80877102	/* 1234 << 16 | 5678 */
#define PG_CODE_SSL		80877103	/* 1234 << 16 | 5679 */
#define PG_CODE_GSSENC		80877104	/* 1234 << 16 | 5680 */

/* The server's own limits (MAX_STARTUP_PACKET_LENGTH, pqcomm.h). */
#define PG_STARTUP_MIN_LEN	8
#define PG_STARTUP_MAX_LEN	10000
#define PG_MAX_PARAMS		64
/* Protocol 3.2 made the cancel key 4 to 256 bytes; 3.0 uses 4. */
#define PG_CANCEL_KEY_MIN	4
#define PG_CANCEL_KEY_MAX	256
/* Largest backend message body accepted while authenticating. */
#define PG_AUTH_MAX_BODY	(16 * 1024)
/* Fields in one ErrorResponse or NoticeResponse (PostgreSQL sends < 20). */
#define PG_MAX_FIELDS		32
#define PG_HDR_LEN		5		/* type byte, int32 length */

/* "Authentication request" codes of the 'R' message. */
enum pgp_auth_code {
	PG_AUTH_OK = 0,
	PG_AUTH_KRB5 = 2,
	PG_AUTH_CLEARTEXT = 3,
	PG_AUTH_MD5 = 5,
	PG_AUTH_GSS = 7,
	PG_AUTH_GSS_CONT = 8,
	PG_AUTH_SSPI = 9,
	PG_AUTH_SASL = 10,
	PG_AUTH_SASL_CONT = 11,
	PG_AUTH_SASL_FINAL = 12,
};

enum pgp_startup_kind {
	PGP_STARTUP = 1,	/* StartupMessage, protocol 3.x */
	PGP_SSL,		/* SSLRequest */
	PGP_GSSENC,		/* GSSENCRequest */
	PGP_CANCEL,		/* CancelRequest */
	PGP_UNSUPPORTED,	/* a protocol version other than 3.x */
};

/* A NUL-terminated key and value inside the packet, with their lengths. */
struct pgp_param {
	const char	*key;
	size_t		 keylen;
	const char	*val;
	size_t		 vallen;
};

struct pgp_startup {
	int		 kind;
	uint32_t	 code;		/* protocol version or request code */
	/* PGP_CANCEL */
	uint32_t	 pid;
	const unsigned char *key;
	size_t		 keylen;
	/* PGP_STARTUP */
	struct pgp_param params[PG_MAX_PARAMS];
	size_t		 nparams;
};

/* Is the int32 that starts a startup packet an acceptable length? */
int		 pgp_startup_len(uint32_t len);
/*
 * Parse one whole startup packet, length word included.  A version other
 * than 3.x is not an error: kind is PGP_UNSUPPORTED and code says which.
 */
int		 pgp_startup_parse(const unsigned char *, size_t,
		    struct pgp_startup *);
/* The value of a parameter of a parsed StartupMessage, or NULL. */
const struct pgp_param *pgp_startup_get(const struct pgp_startup *,
		    const char *key);

/* Builders of frontend messages (the backend leg). */
int		 pgp_put_startup(struct buf *, uint32_t version,
		    const struct pgp_param *, size_t n);
int		 pgp_put_ssl_request(struct buf *);
int		 pgp_put_cancel(struct buf *, uint32_t pid,
		    const unsigned char *key, size_t keylen);
/*
 * A PasswordMessage written into caller memory of exactly
 * PGP_PASSWORD_MSG_LEN(len) bytes, so that a cleartext password can be
 * framed in guarded memory rather than in a growing buffer.
 */
#define PGP_PASSWORD_MSG_LEN(len)	((len) + 6)
#define PGP_PASSWORD_MAX		65535
int		 pgp_password_msg(unsigned char *out, size_t outlen,
		    const void *pw, size_t len);
int		 pgp_put_sasl_initial(struct buf *, const char *mechanism,
		    const unsigned char *, size_t);
int		 pgp_put_sasl_response(struct buf *, const unsigned char *,
		    size_t);

/* Builders of backend messages (the client leg). */
int		 pgp_put_error(struct buf *, const char *severity,
		    const char *sqlstate, const char *message);
int		 pgp_put_auth_ok(struct buf *);

/*
 * The 5-byte header of a backend message: its type and the length of its
 * body, which must not exceed max (ERR_TOOBIG).
 */
int		 pgp_header_parse(const unsigned char hdr[PG_HDR_LEN],
		    uint8_t *type, size_t *bodylen, size_t max);

struct pgp_auth {
	uint32_t	 code;
	unsigned char	 salt[4];	/* PG_AUTH_MD5 */
	/* PG_AUTH_SASL: the mechanism list; _CONT and _FINAL: the data */
	const unsigned char *data;
	size_t		 datalen;
};

/*
 * The body of an 'R' message.  Known codes have their exact layout checked;
 * for any other code only the code is set and the caller refuses it.
 */
int		 pgp_auth_parse(const unsigned char *, size_t,
		    struct pgp_auth *);
/* Does a parsed SASL mechanism list offer this mechanism? */
int		 pgp_sasl_has(const struct pgp_auth *, const char *mechanism);

/*
 * The body of an ErrorResponse or NoticeResponse: fields of a type byte and
 * a string, then a zero byte.  Severity, code and message point into the
 * body (NUL-terminated there) or are NULL when absent.
 */
struct pgp_fields {
	size_t		 n;
	const char	*severity;	/* 'S' */
	const char	*code;		/* 'C' */
	const char	*message;	/* 'M' */
};
int		 pgp_fields_parse(const unsigned char *, size_t,
		    struct pgp_fields *);
/* The body of a NegotiateProtocolVersion ('v') message. */
int		 pgp_negotiate_parse(const unsigned char *, size_t,
		    uint32_t *version, size_t *noptions);

#endif
