/*
 * Error codes shared by every module.  Functions return 0 on success or one
 * of these negative values; the caller decides what the error means.
 */
#ifndef AIRLOCK_ERRORS_H
#define AIRLOCK_ERRORS_H

enum {
	ERR_OK = 0,
	ERR_NOMEM = -1,		/* allocation failed */
	ERR_SHORT = -2,		/* not enough bytes (truncated input) */
	ERR_TOOBIG = -3,	/* a length or count exceeds its limit */
	ERR_FORMAT = -4,	/* malformed input */
	ERR_SYS = -5,		/* a system call failed; errno says why */
	ERR_EOF = -6,		/* the peer closed the connection */
	ERR_TIMEOUT = -7,	/* a deadline passed */
	ERR_AGAIN = -8,		/* would block; try again when ready */
	ERR_PROTO = -9,		/* the peer violated its protocol */
	ERR_DENIED = -10,	/* refused by policy */
	ERR_AUTH = -11,		/* authentication failed */
	ERR_NOTFOUND = -12,	/* no such name */
	ERR_INVAL = -13,	/* invalid argument from our own side */
};

/* A short, constant description of an error code (never data). */
const char *err_str(int);

#endif
