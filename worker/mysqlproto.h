/*
 * MySQL / MariaDB client/server protocol (MySQL "Client/Server Protocol",
 * dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html; MariaDB
 * knowledge base, "Clients & Utilities / Server Client Software / Client
 * Libraries / Client/Server Protocol / 1-connecting / Connection"): pure
 * parsers and builders, no I/O.  Parsers take the payload of one logical
 * packet, validate it whole and return pointers into it; builders append
 * one complete packet, header included, to a struct buf and leave the buf
 * as it was on failure.  Every function returns 0 or a negative ERR_* code.
 * Compression (CLIENT_COMPRESS) changes the framing and is not spoken here.
 */
#ifndef AIRLOCK_MYSQLPROTO_H
#define AIRLOCK_MYSQLPROTO_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* "MySQL Packets": int<3> payload length, int<1> sequence id. */
#define MYP_HDR_LEN		4
#define MYP_MAX_PAYLOAD		0xffffff	/* a longer one continues */
/* The handshake's logical packets are small; refuse anything larger. */
#define MYP_HANDSHAKE_MAX	(64 * 1024)
/* Physical packets that carry a logical payload of len bytes. */
#define MYP_NPACKETS(len)	((len) / MYP_MAX_PAYLOAD + 1)

/* "Capabilities Flags" (and MariaDB's name for bit 0). */
#define CLIENT_LONG_PASSWORD			0x00000001
#define CLIENT_MYSQL				0x00000001
#define CLIENT_FOUND_ROWS			0x00000002
#define CLIENT_LONG_FLAG			0x00000004
#define CLIENT_CONNECT_WITH_DB			0x00000008
#define CLIENT_NO_SCHEMA			0x00000010
#define CLIENT_COMPRESS				0x00000020
#define CLIENT_ODBC				0x00000040
#define CLIENT_LOCAL_FILES			0x00000080
#define CLIENT_IGNORE_SPACE			0x00000100
#define CLIENT_PROTOCOL_41			0x00000200
#define CLIENT_INTERACTIVE			0x00000400
#define CLIENT_SSL				0x00000800
#define CLIENT_IGNORE_SIGPIPE			0x00001000
#define CLIENT_TRANSACTIONS			0x00002000
#define CLIENT_RESERVED				0x00004000
#define CLIENT_SECURE_CONNECTION		0x00008000
#define CLIENT_MULTI_STATEMENTS			0x00010000
#define CLIENT_MULTI_RESULTS			0x00020000
#define CLIENT_PS_MULTI_RESULTS			0x00040000
#define CLIENT_PLUGIN_AUTH			0x00080000
#define CLIENT_CONNECT_ATTRS			0x00100000
#define CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA	0x00200000
#define CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS	0x00400000
#define CLIENT_SESSION_TRACK			0x00800000
#define CLIENT_DEPRECATE_EOF			0x01000000
#define CLIENT_OPTIONAL_RESULTSET_METADATA	0x02000000
#define CLIENT_ZSTD_COMPRESSION_ALGORITHM	0x04000000
#define CLIENT_QUERY_ATTRIBUTES			0x08000000
#define MULTI_FACTOR_AUTHENTICATION		0x10000000
#define CLIENT_CAPABILITY_EXTENSION		0x20000000
#define CLIENT_SSL_VERIFY_SERVER_CERT		0x40000000
#define CLIENT_REMEMBER_OPTIONS			0x80000000

/*
 * MariaDB's extended capabilities, the 4 bytes that replace reserved ones
 * when CLIENT_MYSQL is clear.  Bits of that field here (MariaDB's own
 * headers count them from 1ULL << 32).
 */
#define MARIADB_EXT_PROGRESS			0x00000001
#define MARIADB_EXT_COM_MULTI			0x00000002
#define MARIADB_EXT_STMT_BULK_OPERATIONS	0x00000004
#define MARIADB_EXT_EXTENDED_METADATA		0x00000008
#define MARIADB_EXT_CACHE_METADATA		0x00000010
#define MARIADB_EXT_BULK_UNIT_RESULTS		0x00000020

/* "SERVER_STATUS_flags_enum", the two that the handshake sees. */
#define SERVER_STATUS_AUTOCOMMIT		0x0002
#define SERVER_SESSION_STATE_CHANGED		0x4000

/* "Text Protocol" commands that the connector watches for. */
#define COM_QUIT				0x01
#define COM_CHANGE_USER				0x11
#define COM_RESET_CONNECTION			0x1f

/* The first byte of what a server sends while authenticating. */
#define MYP_OK					0x00
#define MYP_MORE_DATA				0x01
#define MYP_EOF					0xfe	/* and AuthSwitch */
#define MYP_ERR					0xff

#define MYP_SCRAMBLE_LEN	20	/* native, caching_sha2, ed25519 */
#define MYP_SQLSTATE_LEN	5
#define MYP_MAX_ATTRS		64	/* libmariadb sends 8, Connector/J 15 */
#define MYP_ERRMSG_MAX		512	/* MYSQL_ERRMSG_SIZE */
#define MYP_NAME_MAX		255	/* server version, plugin name */

/*
 * A logical packet at the front of some bytes: physical packets of
 * MYP_MAX_PAYLOAD bytes continue in the next, whose sequence ids follow.
 */
struct myp_packet {
	uint8_t		 seq;		/* of its first physical packet */
	uint8_t		 next;		/* the id that follows its last one */
	size_t		 paylen;	/* the logical payload */
	size_t		 wirelen;	/* its bytes on the wire, headers too */
	const unsigned char *payload;	/* when one physical packet, else NULL */
};

/*
 * Is a whole logical packet at the front of p[0..len)?  0: yes, *pkt
 * describes it.  ERR_SHORT: not yet, read more.  ERR_TOOBIG: its headers
 * announce more than cap payload bytes (known from the headers alone).
 * ERR_PROTO: a sequence id other than seq (for the first physical packet)
 * or than the one that follows (for the others).
 */
int		 myp_packet_parse(const unsigned char *, size_t, size_t cap,
		    uint8_t seq, struct myp_packet *);
/* Append the payload of a parsed packet that spans several to out. */
int		 myp_packet_join(const unsigned char *, const struct myp_packet *,
		    struct buf *out);
/* Frame a payload as MYP_NPACKETS(len) physical packets from seq on. */
int		 myp_put_packet(struct buf *, uint8_t seq, const void *, size_t);

/*
 * The client's stream, followed for the relay without copying a payload.
 * Each packet of sequence id 0 that does not continue a longer one starts
 * a command; the others (continuations, LOAD DATA LOCAL INFILE contents,
 * answers within an exchange) are passed over by their lengths.
 */
struct myp_stream {
	size_t		 left;		/* payload bytes still to pass over */
	int		 more;		/* the packet continues in the next */
	int		 announced;	/* the command at the front was shown */
};
#define MYP_STREAM_NONE		(-1)

void		 myp_stream_init(struct myp_stream *);
/*
 * Follow p[0..len) and return how many of its bytes may be passed on now.
 * *cmd is MYP_STREAM_NONE, or the first byte of a command whose header is
 * at p + the returned count: the stream stands right before it, so that the
 * caller can refuse it without having passed on a byte of it, or call again
 * from there to let it through (it is shown once).  A count short of len
 * with MYP_STREAM_NONE means that a header, or a command's header and first
 * byte, is not all there: the caller keeps those bytes and calls again with
 * more behind them.
 */
size_t		 myp_stream_feed(struct myp_stream *, const unsigned char *,
		    size_t, int *cmd);

/*
 * "Protocol::HandshakeV10", the server's greeting.  Protocol 10 with
 * CLIENT_PROTOCOL_41 and CLIENT_SECURE_CONNECTION only (4.1 and later; an
 * older server is ERR_PROTO); a scramble of 20 bytes only.  version and
 * plugin point into the packet, NUL-terminated there; plugin is NULL
 * without CLIENT_PLUGIN_AUTH.  extcaps is MariaDB's, 0 from MySQL.
 */
struct myp_greeting {
	const char	*version;
	size_t		 versionlen;
	uint32_t	 connid;
	unsigned char	 scramble[MYP_SCRAMBLE_LEN];
	uint32_t	 caps;
	uint32_t	 extcaps;
	uint8_t		 charset;
	uint16_t	 status;
	const char	*plugin;
	size_t		 pluginlen;
};
int		 myp_greeting_parse(const unsigned char *, size_t,
		    struct myp_greeting *);
/* Our own greeting: the scramble must hold no NUL (myp_scramble_clean). */
int		 myp_put_greeting(struct buf *, uint8_t seq,
		    const struct myp_greeting *);
/* Map random bytes into 1..127 without '$', as the servers draw theirs. */
void		 myp_scramble_clean(unsigned char *, size_t);

/* A connection attribute ("CLIENT_CONNECT_ATTRS"), pointing into the packet. */
struct myp_attr {
	const unsigned char *key;
	size_t		 keylen;
	const unsigned char *val;
	size_t		 vallen;
};

enum myp_response_kind {
	MYP_RESPONSE_41 = 1,	/* Protocol::HandshakeResponse41 */
	MYP_SSL_REQUEST,	/* Protocol::SSLRequest: TLS first */
	MYP_RESPONSE_320,	/* no CLIENT_PROTOCOL_41: only caps is set */
};

/*
 * "Protocol::HandshakeResponse41".  user, db and plugin point into the
 * packet, NUL-terminated there (db and plugin are NULL without their
 * flags); auth and the attributes are length-counted bytes.
 */
struct myp_response {
	int		 kind;
	uint32_t	 caps;
	uint32_t	 extcaps;	/* MariaDB, without CLIENT_MYSQL */
	uint32_t	 maxpacket;
	uint8_t		 charset;
	const char	*user;
	size_t		 userlen;
	const unsigned char *auth;
	size_t		 authlen;
	const char	*db;
	size_t		 dblen;
	const char	*plugin;
	size_t		 pluginlen;
	struct myp_attr	 attrs[MYP_MAX_ATTRS];
	size_t		 nattrs;
	uint8_t		 zstdlevel;	/* CLIENT_ZSTD_COMPRESSION_ALGORITHM */
};
/*
 * The first packet of a client: a HandshakeResponse41, an SSLRequest or
 * an old HandshakeResponse320, which kind says (the last two are not
 * parsed further).
 */
int		 myp_response_parse(const unsigned char *, size_t,
		    struct myp_response *);
/*
 * The HandshakeResponse41 of r (kind ignored) for the backend: the auth
 * response is written as the flags in caps say (length-encoded, one-byte
 * length, or NUL-terminated), and every string must fit its form.
 */
int		 myp_put_response(struct buf *, uint8_t seq,
		    const struct myp_response *);
/* "Protocol::SSLRequest": the first 32 bytes of that, with CLIENT_SSL. */
int		 myp_put_ssl_request(struct buf *, uint8_t seq,
		    const struct myp_response *);

/*
 * What a server's packet during authentication is, by its first byte and
 * length: MYP_OK, MYP_ERR, MYP_MORE_DATA, MYP_EOF (0xfe shorter than 9
 * bytes: an old EOF or OldAuthSwitchRequest), MYP_AUTH_SWITCH, or -1.
 */
#define MYP_AUTH_SWITCH		0x100
int		 myp_auth_kind(const unsigned char *, size_t);

/* "Protocol::AuthSwitchRequest": 0xfe, plugin name, plugin data. */
struct myp_auth_switch {
	const char	*plugin;	/* NUL-terminated in the packet */
	size_t		 pluginlen;
	const unsigned char *data;	/* to the end of the packet */
	size_t		 datalen;
};
int		 myp_auth_switch_parse(const unsigned char *, size_t,
		    struct myp_auth_switch *);
int		 myp_put_auth_switch(struct buf *, uint8_t seq,
		    const struct myp_auth_switch *);

/* "Protocol::AuthMoreData": 0x01, then data. */
int		 myp_more_data_parse(const unsigned char *, size_t,
		    const unsigned char **, size_t *);
int		 myp_put_more_data(struct buf *, uint8_t seq,
		    const unsigned char *, size_t);

/* "OK_Packet" (header 0x00), read and written as caps say. */
struct myp_ok {
	uint64_t	 affected;
	uint64_t	 lastid;
	uint16_t	 status;
	uint16_t	 warnings;
	const unsigned char *info;
	size_t		 infolen;
	const unsigned char *state;	/* session state changes, unparsed */
	size_t		 statelen;
};
int		 myp_ok_parse(const unsigned char *, size_t, uint32_t caps,
		    struct myp_ok *);
int		 myp_put_ok(struct buf *, uint8_t seq, uint32_t caps,
		    const struct myp_ok *);

/*
 * "ERR_Packet".  The SQLSTATE is "" when the server sent none (before the
 * client's capabilities were known, or without CLIENT_PROTOCOL_41).
 */
struct myp_err {
	uint16_t	 code;
	char		 sqlstate[MYP_SQLSTATE_LEN + 1];
	const char	*message;	/* not NUL-terminated */
	size_t		 messagelen;
};
int		 myp_err_parse(const unsigned char *, size_t, uint32_t caps,
		    struct myp_err *);
/*
 * An ERR packet; with CLIENT_PROTOCOL_41 in caps it carries the SQLSTATE
 * (5 characters), and a message of at most MYP_ERRMSG_MAX bytes.  It is
 * how the connector tells a client why.
 */
int		 myp_put_err(struct buf *, uint8_t seq, uint32_t caps,
		    const struct myp_err *);

/* Is the name (a plugin name from a packet) this one? */
int		 myp_name_is(const char *, size_t, const char *);

#endif
